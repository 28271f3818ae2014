//! Published results as a page, as CSV and as JSON: the city headline, each indicator by county
//! with its interval and a chart, and how it was measured. Figures resting on fewer valid answers
//! than the survey's `min_public_cell` are suppressed everywhere the public can see them.

use serde_json::{json, Value};

use super::chart::{Bar, Chart};
use super::i18n::Messages;
use crate::evaluation::{DomainResult, IndicatorResult, Status};
use crate::privacy::public_cell;
use crate::publishing::PublishedResults;
use crate::release::{number, CsvFile, Encoding};
use crate::survey::{Lang, Survey};

/// Whether a figure may be shown to the public: defined, and resting on at least the survey's
/// `min_public_cell` valid answers (the privacy rule every public surface shares).
pub fn publishable(indicator: &IndicatorResult, survey: &Survey) -> bool {
    !indicator.estimate.is_nan() && public_cell(indicator.n, (), &survey.privacy).is_some()
}

fn percent(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

fn points(v: f64) -> String {
    format!("{v:.0}")
}

pub struct ResultsPage<'a> {
    pub results: &'a PublishedResults,
    pub lang: Lang,
    pub messages: &'a Messages,
}

impl ResultsPage<'_> {
    fn figure(&self, i: &IndicatorResult, value: f64) -> String {
        if value.is_nan() {
            "—".to_owned()
        } else if i.kind == "proportion" {
            format!("{:.1}%", value * 100.0)
        } else {
            self.messages.format(
                self.lang,
                "results.score_unit",
                &[("value", &format!("{value:.1}"))],
            )
        }
    }

    fn status(&self, status: Status) -> String {
        self.messages
            .text(self.lang, &format!("results.status_{}", status.name()))
    }

    fn cell(&self, i: &IndicatorResult) -> Value {
        let survey = &self.results.definition;
        let shown = publishable(i, survey);
        json!({
            "label": i.label.get(self.lang),
            "suppressed": !shown,
            "estimate": self.figure(i, i.estimate),
            "interval": format!("{} – {}", self.figure(i, i.ci_low), self.figure(i, i.ci_high)),
            "standard": format!("≥ {}", self.figure(i, i.threshold)),
            "status": self.status(i.status),
            "status_class": i.status.name(),
            "points": format!("{:.1} / {:.0}", i.points, i.max_points),
            "n": i.n,
            "unreliable": shown && !i.reliable,
        })
    }

    pub fn view(&self) -> Value {
        let r = self.results;
        let (m, lang) = (self.messages, self.lang);
        let survey = &r.definition;
        let e = &r.evaluation;
        let title = survey.title.get(lang);
        let city = &e.domains[0];
        let counties: &[DomainResult] = &e.domains[1..];
        let indicators: Vec<Value> = city
            .indicators
            .iter()
            .enumerate()
            .map(|(k, city_indicator)| {
                let label = city_indicator.label.get(lang);
                let rows: Vec<(&DomainResult, &IndicatorResult)> = counties
                    .iter()
                    .filter_map(|d| d.indicators.get(k).map(|i| (d, i)))
                    .collect();
                let standard = self.figure(city_indicator, city_indicator.threshold);
                let chart = Chart {
                    title: &m.format(lang, "results.chart_title", &[("indicator", label)]),
                    bars: rows
                        .iter()
                        .map(|(d, i)| Bar {
                            label: d.name.get(lang),
                            estimate: i.estimate,
                            low: i.ci_low,
                            high: i.ci_high,
                            suppressed: !publishable(i, survey),
                        })
                        .collect(),
                    threshold: city_indicator.threshold,
                    threshold_label: &m.format(
                        lang,
                        "results.standard_label",
                        &[("value", &standard)],
                    ),
                    max: if city_indicator.kind == "proportion" {
                        1.0
                    } else {
                        100.0
                    },
                    format: if city_indicator.kind == "proportion" {
                        percent
                    } else {
                        points
                    },
                    suppressed_label: &m.text(lang, "results.suppressed"),
                }
                .to_svg();
                json!({
                    "label": label,
                    "chart": chart,
                    "standard": format!("≥ {standard}"),
                    "rows": rows.iter().map(|(d, i)| {
                        let mut cell = self.cell(i);
                        cell["county"] = json!(d.name.get(lang));
                        cell
                    }).collect::<Vec<_>>(),
                })
            })
            .collect();
        let county_totals: Vec<Value> = counties
            .iter()
            .map(|d| {
                json!({
                    "county": d.name.get(lang),
                    "respondents": d.respondents,
                    "points": format!("{:.1} / {:.0}", d.points, d.max_points),
                    "suppressed": public_cell(d.respondents, (), &survey.privacy).is_none(),
                })
            })
            .collect();
        let date = r.published_at.get(..10).unwrap_or(&r.published_at);
        let version = r.version.get(..12).unwrap_or(&r.version);
        json!({
            "page_title": m.format(lang, "results.heading", &[("title", title)]),
            "heading": m.format(lang, "results.heading", &[("title", title)]),
            "published": m.format(lang, "results.published", &[("date", date), ("version", version)]),
            "simulated": e.includes_simulated.then(|| m.text(lang, "results.simulated")),
            "component": m.format(lang, "results.component", &[
                ("points", &format!("{:.1}", city.points)),
                ("max", &format!("{:.0}", city.max_points)),
            ]),
            "city": city.indicators.iter().map(|i| self.cell(i)).collect::<Vec<_>>(),
            "indicators": indicators,
            "county_totals": county_totals,
            "methodology": self.methodology(),
            "csv_href": format!("/results/{}/figures.csv", r.survey_id),
            "api_href": format!("/api/results/{}", r.survey_id),
        })
    }

    fn methodology(&self) -> Vec<String> {
        let r = self.results;
        let (m, lang) = (self.messages, self.lang);
        let survey = &r.definition;
        let e = &r.evaluation;
        let mut lines = vec![
            m.format(lang, "results.method_version", &[("version", &r.version)]),
            m.format(
                lang,
                "results.method_fieldwork",
                &[
                    ("start", &survey.fieldwork_start.to_string()),
                    ("end", &survey.fieldwork_end.to_string()),
                ],
            ),
            m.format(
                lang,
                "results.method_sample",
                &[
                    ("stored", &e.responses.stored.to_string()),
                    ("used", &e.responses.used.to_string()),
                ],
            ),
        ];
        for (reason, count) in &e.responses.excluded {
            let reason = m.text(lang, &format!("results.reason_{reason}"));
            lines.push(m.format(
                lang,
                "results.method_excluded",
                &[("count", &count.to_string()), ("reason", &reason)],
            ));
        }
        if e.weighting.scheme == "rake_trimmed" {
            let margins: Vec<&str> = survey
                .margins
                .iter()
                .filter_map(|margin| survey.question(&margin.question))
                .map(|q| q.text.get(lang))
                .collect();
            let separator = if lang == Lang::Zh { "、" } else { ", " };
            lines.push(m.format(
                lang,
                "results.method_weighting",
                &[
                    ("margins", &margins.join(separator)),
                    ("min", &e.weighting.trim_min_factor.to_string()),
                    ("max", &e.weighting.trim_max_factor.to_string()),
                ],
            ));
        } else {
            lines.push(m.text(lang, "results.method_poststratify"));
        }
        let sources = std::iter::once(survey.strata.source.as_str())
            .chain(survey.margins.iter().map(|margin| margin.source.as_str()))
            .collect::<Vec<_>>()
            .join("；");
        lines.push(format!(
            "{}：{sources}",
            m.text(lang, "results.method_sources")
        ));
        lines.push(m.text(lang, "results.method_ci"));
        lines.push(m.format(
            lang,
            "results.method_suppression",
            &[("min", &survey.privacy.min_public_cell.to_string())],
        ));
        lines.push(m.text(lang, "results.status_explained"));
        lines.push(m.text(lang, "results.method_details"));
        lines
    }
}

/// The public aggregates as CSV (UTF-8 with BOM for Excel/WPS); suppressed cells are empty.
pub fn public_csv(results: &PublishedResults) -> Result<Vec<u8>, csv::Error> {
    let survey = &results.definition;
    let mut file = CsvFile::new(
        Encoding::Utf8WithBom,
        &[
            "domain",
            "domain_zh",
            "domain_en",
            "indicator",
            "indicator_zh",
            "indicator_en",
            "kind",
            "estimate",
            "ci_low",
            "ci_high",
            "n",
            "threshold",
            "status",
            "points",
            "max_points",
            "suppressed",
            "reliable",
            "includes_simulated",
            "survey_version",
            "published_at",
        ],
    )?;
    for d in &results.evaluation.domains {
        for i in &d.indicators {
            let shown = publishable(i, survey);
            let figure = |v: f64| if shown { number(v) } else { String::new() };
            file.row([
                d.code.clone(),
                d.name.zh.clone(),
                d.name.en.clone(),
                i.id.clone(),
                i.label.zh.clone(),
                i.label.en.clone(),
                i.kind.clone(),
                figure(i.estimate),
                figure(i.ci_low),
                figure(i.ci_high),
                i.n.to_string(),
                number(i.threshold),
                if shown {
                    i.status.name().to_owned()
                } else {
                    String::new()
                },
                figure(i.points),
                number(i.max_points),
                (!shown).to_string(),
                i.reliable.to_string(),
                results.evaluation.includes_simulated.to_string(),
                results.version.clone(),
                results.published_at.clone(),
            ])?;
        }
    }
    file.finish()
}

/// The published figures as JSON for `/api/results/{id}` (documented in docs/api.md).
pub fn api_json(results: &PublishedResults) -> Value {
    let survey = &results.definition;
    let domains: Vec<Value> = results
        .evaluation
        .domains
        .iter()
        .map(|d| {
            json!({
                "code": d.code,
                "name": d.name,
                "respondents": d.respondents,
                "points": d.points,
                "max_points": d.max_points,
                "indicators": d.indicators.iter().map(|i| {
                    let shown = publishable(i, survey);
                    let figure = |v: f64| if shown && v.is_finite() { json!(v) } else { Value::Null };
                    json!({
                        "id": i.id,
                        "label": i.label,
                        "kind": i.kind,
                        "estimate": figure(i.estimate),
                        "ci_low": figure(i.ci_low),
                        "ci_high": figure(i.ci_high),
                        "n": i.n,
                        "threshold": i.threshold,
                        "status": if shown { json!(i.status) } else { Value::Null },
                        "points": if shown { json!(i.points) } else { Value::Null },
                        "max_points": i.max_points,
                        "suppressed": !shown,
                        "reliable": i.reliable,
                    })
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "survey_id": results.survey_id,
        "title": survey.title,
        "version": results.version,
        "published_at": results.published_at,
        "includes_simulated": results.evaluation.includes_simulated,
        "min_public_cell": survey.privacy.min_public_cell,
        "responses": results.evaluation.responses,
        "weighting": results.evaluation.weighting,
        "domains": domains,
    })
}
