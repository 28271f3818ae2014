//! Published results as a page: the city headline, each indicator by county with its interval
//! and a chart, and how it was measured (as CSV and JSON: `results_data`). Figures resting on
//! fewer valid answers than the survey's `min_public_cell` are suppressed everywhere the public
//! can see them ([`PublicFigures`]).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::chart::{Bar, Chart};
use super::i18n::Messages;
use crate::evaluation::{
    on_its_scale, points_range, points_shown, points_shown_up, two_places_below, DomainResult,
    Evaluation, IndicatorResult, Status,
};
use crate::fieldwork::CHANNELS;
use crate::invitations::Uptake;
use crate::privacy::public::{public_row, CountyCell};
use crate::privacy::public_cell;
use crate::publishing::PublishedResults;
use crate::survey::{reaches, Lang, Survey};

/// Which figures of a published evaluation the public may see, on every public surface (page,
/// CSV, API): the city's when they rest on at least the survey's `min_public_cell` valid
/// answers; the counties' by the same rule plus complementary suppression
/// ([`public_row`]: a lone small county must not be computable from the city and the rest).
pub struct PublicFigures {
    /// `[domain][indicator]`, domains as in the evaluation (the city first).
    shown: Vec<Vec<bool>>,
}

impl PublicFigures {
    pub fn of(evaluation: &Evaluation, survey: &Survey) -> PublicFigures {
        let rules = &survey.privacy;
        let cell = |i: &IndicatorResult| CountyCell {
            n: i.n,
            defined: !i.estimate.is_nan(),
        };
        let mut domains = evaluation.domains.iter();
        let city: Vec<bool> = domains.next().map_or_else(Vec::new, |city| {
            city.indicators
                .iter()
                .map(|i| cell(i).defined && public_cell(i.n, (), rules).is_some())
                .collect()
        });
        // The counties, one indicator at a time: complementary suppression works across the
        // counties of one indicator. A county missing an indicator counts as having no answers.
        let counties: Vec<&DomainResult> = domains.collect();
        let mut shown = vec![city];
        shown.extend(counties.iter().map(|d| vec![false; d.indicators.len()]));
        let indicators = counties
            .iter()
            .map(|d| d.indicators.len())
            .max()
            .unwrap_or(0);
        for k in 0..indicators {
            let cells: Vec<CountyCell> = counties
                .iter()
                .map(|d| {
                    d.indicators.get(k).map_or(
                        CountyCell {
                            n: 0,
                            defined: false,
                        },
                        cell,
                    )
                })
                .collect();
            for (row, public) in shown[1..].iter_mut().zip(public_row(&cells, rules)) {
                if let Some(figure) = row.get_mut(k) {
                    *figure = public;
                }
            }
        }
        PublicFigures { shown }
    }

    /// Whether a domain's total points may be shown: only when every one of its figures is
    /// (the total less the shown figures' points would give away a withheld one's status).
    pub fn total_shown(&self, domain: usize) -> bool {
        self.shown
            .get(domain)
            .is_some_and(|d| d.iter().all(|shown| *shown))
    }

    /// Whether indicator `indicator` of domain `domain` (0: the city) may be shown.
    pub fn shown(&self, domain: usize, indicator: usize) -> bool {
        self.shown
            .get(domain)
            .and_then(|d| d.get(indicator))
            .copied()
            .unwrap_or(false)
    }
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
    /// The reader chose large text (`web::text_size`): the charts' words grow too.
    pub large_text: bool,
}

/// How the page writes an indicator's figures in its language: units, and never a figure
/// that reads as reaching a threshold it does not reach.
struct Figures<'a> {
    lang: Lang,
    messages: &'a Messages,
}

impl Figures<'_> {
    /// A figure with its unit, never broken between them on a narrow screen ("70.8 分", not
    /// "70.8" and "分" on the next line): the space is a no-break space.
    fn figure(&self, i: &IndicatorResult, value: f64) -> String {
        if value.is_nan() {
            "—".to_owned()
        } else {
            self.with_unit(i, &format!("{:.1}", on_its_scale(i, value)))
        }
    }

    /// A number already written out, with the indicator's unit: "69.99%", "79.99 分".
    fn with_unit(&self, i: &IndicatorResult, number: &str) -> String {
        if i.kind == "proportion" {
            format!("{number}%")
        } else {
            self.messages
                .format(self.lang, "results.score_unit", &[("value", number)])
                .replace(' ', "\u{a0}")
        }
    }

    /// A figure of indicator `i` (its estimate or an interval's end) as `figure` writes it,
    /// unless that reads the same as the threshold while the figure is below it ("70.0%"
    /// against "≥ 70.0%", judged as not reaching it): then with two more decimals, cut
    /// ("69.99%"). So an estimate short of its standard, or an interval whose lower end is (the
    /// status "too close to call" says the standard lies inside it), never reads as reaching it.
    fn against_threshold(&self, i: &IndicatorResult, value: f64) -> String {
        let shown = self.figure(i, value);
        if !reaches(value, i.threshold) && shown == self.figure(i, i.threshold) {
            let cut = two_places_below(on_its_scale(i, value), on_its_scale(i, i.threshold));
            self.with_unit(i, &cut)
        } else {
            shown
        }
    }
}

impl ResultsPage<'_> {
    fn figures(&self) -> Figures<'_> {
        Figures {
            lang: self.lang,
            messages: self.messages,
        }
    }

    fn figure(&self, i: &IndicatorResult, value: f64) -> String {
        self.figures().figure(i, value)
    }

    fn against_threshold(&self, i: &IndicatorResult, value: f64) -> String {
        self.figures().against_threshold(i, value)
    }

    fn status(&self, status: Status) -> String {
        self.messages
            .text(self.lang, &format!("results.status_{}", status.name()))
    }

    /// Why a figure is not shown: too few answers of its own, or withheld with a smaller
    /// county's (complementary suppression).
    fn withheld_note(&self, n: usize) -> String {
        let rules = &self.results.definition.privacy;
        let key = match public_cell(n, (), rules) {
            Some(()) => "results.withheld",
            None => "results.suppressed",
        };
        self.messages.text(self.lang, key)
    }

    fn cell(&self, i: &IndicatorResult, shown: bool) -> Value {
        json!({
            "withheld_note": (!shown).then(|| self.withheld_note(i.n)),
            "label": i.label.get(self.lang),
            "suppressed": !shown,
            "estimate": self.against_threshold(i, i.estimate),
            // Broken, if at all, only after the dash.
            "interval": format!(
                "{}\u{a0}– {}",
                self.against_threshold(i, i.ci_low),
                self.against_threshold(i, i.ci_high)
            ),
            "standard": format!("≥ {}", self.figure(i, i.threshold)),
            "status": self.status(i.status),
            "status_class": i.status.name(),
            // "9.2 / 10" on one line; the words say it is points, not the figure.
            "points": self.messages.format(self.lang, "results.points_of", &[
                ("points", &points_shown(i.points)),
                ("max", &format!("{:.0}", i.max_points)),
            ]),
            // A withheld figure's count of answers is withheld too (see `results_data`).
            "n": shown.then_some(i.n),
            "unreliable": shown && !i.reliable,
        })
    }

    pub fn view(&self) -> Value {
        let r = self.results;
        let (m, lang) = (self.messages, self.lang);
        let survey = &r.definition;
        let e = &r.evaluation;
        let title = survey.title.get(lang);
        let public = PublicFigures::of(e, survey);
        let city = &e.domains[0];
        // With each county, its index among the domains (the city is 0).
        let counties: Vec<(usize, &DomainResult)> = e.domains.iter().enumerate().skip(1).collect();
        let indicators: Vec<Value> = city
            .indicators
            .iter()
            .enumerate()
            .map(|(k, city_indicator)| {
                let label = city_indicator.label.get(lang);
                let rows: Vec<(&DomainResult, &IndicatorResult, bool)> = counties
                    .iter()
                    .filter_map(|&(n, d)| d.indicators.get(k).map(|i| (d, i, public.shown(n, k))))
                    .collect();
                let standard = self.figure(city_indicator, city_indicator.threshold);
                let chart = Chart {
                    title: &m.format(lang, "results.chart_title", &[("indicator", label)]),
                    bars: rows
                        .iter()
                        .map(|(d, i, shown)| Bar {
                            label: d.name.get(lang),
                            estimate: i.estimate,
                            low: i.ci_low,
                            high: i.ci_high,
                            suppressed: !shown,
                            unreliable: !i.reliable,
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
                    // The table below the chart says why each one is withheld.
                    suppressed_label: &m.text(lang, "results.not_published"),
                    large_text: self.large_text,
                }
                .to_svg();
                json!({
                    "label": label,
                    // How it is measured and where its standard and points come from: what a
                    // reader needs before quoting it ("说不清" counts against a support rate).
                    "source": survey.indicators.get(k).map(|d| d.source.get(lang)),
                    "chart": chart,
                    "standard": format!("≥ {standard}"),
                    "rows": rows.iter().map(|(d, i, shown)| {
                        let mut cell = self.cell(i, *shown);
                        cell["county"] = json!(d.name.get(lang));
                        cell
                    }).collect::<Vec<_>>(),
                })
            })
            .collect();
        let county_totals: Vec<Value> = counties
            .iter()
            .map(|&(n, d)| {
                json!({
                    "county": d.name.get(lang),
                    // Against the county's target, when the file sets one: a shortfall
                    // (44 of 200) is part of reading its figures.
                    "respondents": match survey.stratum(&d.code).and_then(|s| s.target_sample) {
                        Some(target) => m.format(lang, if (d.respondents as u64) < u64::from(target) {
                            "results.respondents_short_of_target"
                        } else {
                            "results.respondents_of_target"
                        }, &[
                            ("n", &d.respondents.to_string()),
                            ("target", &target.to_string()),
                        ]),
                        None => d.respondents.to_string(),
                    },
                    // The first indicator (the survey file's headline, overall satisfaction in
                    // the example) beside the total: a reader asks how satisfied their county
                    // is before how many points it earned.
                    "headline": d.indicators.first().map(|i| self.cell(i, public.shown(n, 0))),
                    // Broken, if at all, after the slash ("13.5 /" over "100", not "13.5 / 1"
                    // over "00"), and still narrow enough for a phone at twice the text size.
                    "points": format!("{}\u{a0}/ {:.0}", points_shown(d.points), d.max_points),
                    "points_range": self.points_range(d, "results.points_range"),
                    // Every indicator of the county in one place: what its total is made of.
                    "details_summary": m.format(lang, "results.county_details", &[("county", d.name.get(lang))]),
                    "details": d.indicators.iter().enumerate()
                        .map(|(k, i)| self.cell(i, public.shown(n, k)))
                        .collect::<Vec<_>>(),
                    "suppressed": !public.total_shown(n),
                    // A total is withheld with any of its indicators: for too few answers if
                    // one of them rests on too few (the county's own count may be enough), else
                    // so that a smaller county cannot be worked out from it.
                    "withheld_note": (!public.total_shown(n)).then(|| {
                        let fewest = d.indicators.iter().map(|i| i.n).min().unwrap_or(d.respondents);
                        self.withheld_note(fewest)
                    }),
                })
            })
            .collect();
        let date = published_on(&r.definition, &r.published_at);
        json!({
            "page_title": m.format(lang, "results.heading", &[("title", title)]),
            "heading": m.format(lang, "results.heading", &[("title", title)]),
            // The questionnaire's version is in the method, for those who check it.
            "published": m.format(lang, "results.published", &[("date", &date)]),
            "simulated": e.includes_simulated.then(|| m.text(lang, "results.simulated")),
            // Above the figures, not only in the method: they may be biased by it.
            "misfit": e.weighting.misses_census_by().map(|gap| m.format(lang, "results.misfit", &[
                ("gap", &format!("{:.1}%", gap * 100.0)),
            ])),
            "component": m.format(lang, "results.component", &[
                ("points", &points_shown(city.points)),
                ("max", &format!("{:.0}", city.max_points)),
            ]),
            "component_range": self.points_range(city, "results.component_range"),
            // Said at once: the headline is a sum of rubric points, not a satisfaction level.
            "component_explained": m.format(lang, "results.component_explained", &[
                ("count", &city.indicators.len().to_string()),
                ("max", &format!("{:.0}", city.max_points)),
            ]),
            "contact": survey.contact.as_ref().map(|contact| contact.get(lang)),
            "city": city.indicators.iter().enumerate()
                .map(|(k, i)| self.cell(i, public.shown(0, k)))
                .collect::<Vec<_>>(),
            "indicators": indicators,
            "answers": super::answers_view::page(r, m, lang),
            "county_totals": county_totals,
            "headline_label": survey.indicators.first().map(|i| i.label.get(lang)),
            "method_summary": self.method_summary(),
            "methodology": self.methodology(),
            "result_set": r.result_set.as_ref().map(|set| json!({
                "manifest": set.manifest_sha256,
                "manifest_utf8": set.manifest_sha256_utf8,
                "merkle_root": set.merkle_root,
                "responses": set.responses,
            })),
            "csv_href": format!("/results/{}/figures.csv", r.survey_id),
            "api_href": format!("/api/results/{}", r.survey_id),
        })
    }

    /// Where a domain's total could lie within its indicators' intervals
    /// ([`points_range`]), when that is not the total itself: next to every total, since an
    /// assessment reads the total and not the notes.
    fn points_range(&self, d: &DomainResult, key: &str) -> Option<String> {
        let (low, high) = points_range(&self.results.definition, d);
        let (low, high) = (points_shown(low), points_shown_up(high));
        (low != high).then(|| {
            self.messages
                .format(self.lang, key, &[("low", &low), ("high", &high)])
        })
    }

    /// What the quality rules did to the city's figures ([`crate::evaluation::Sensitivity`]):
    /// each indicator with the excluded responses kept, and as computed with the rules.
    fn sensitivity_line(&self) -> Option<String> {
        let (m, lang) = (self.messages, self.lang);
        let e = &self.results.evaluation;
        let sensitivity = e.sensitivity.as_ref()?;
        let city = e.domains.first()?;
        let public = PublicFigures::of(e, &self.results.definition);
        let separator = if lang == Lang::Zh { "；" } else { "; " };
        let figures: Vec<String> = sensitivity
            .city
            .iter()
            .filter_map(|f| {
                // A city figure withheld from the page is withheld here too.
                let k = city.indicators.iter().position(|i| i.id == f.id)?;
                let i = public.shown(0, k).then(|| &city.indicators[k])?;
                Some(m.format(
                    lang,
                    "results.method_sensitivity_figure",
                    &[
                        ("indicator", i.label.get(lang)),
                        ("without", &self.figure(i, f.without_rules)),
                        ("with", &self.figure(i, f.with_rules)),
                    ],
                ))
            })
            .collect();
        if figures.is_empty() {
            return None;
        }
        Some(m.format(
            lang,
            "results.method_sensitivity",
            &[
                ("count", &sensitivity.kept.to_string()),
                ("figures", &figures.join(separator)),
            ],
        ))
    }

    /// The planned fieldwork and, for results published since it is recorded, the days the
    /// answers actually came in, saying so when some, or all, came in outside the plan (an
    /// inspection asks).
    fn fieldwork_line(&self) -> String {
        let (m, lang) = (self.messages, self.lang);
        let survey = &self.results.definition;
        let (start, end) = (
            survey.fieldwork_start.to_string(),
            survey.fieldwork_end.to_string(),
        );
        let planned = [("start", start.as_str()), ("end", end.as_str())];
        let Some(days) = &self.results.evaluation.submitted else {
            return m.format(lang, "results.method_fieldwork", &planned);
        };
        // Dates as YYYY-MM-DD compare as text.
        let (first, last) = (days.first.as_str(), days.last.as_str());
        let key = if last < start.as_str() || first > end.as_str() {
            "results.method_fieldwork_all_outside"
        } else if first < start.as_str() || last > end.as_str() {
            "results.method_fieldwork_outside"
        } else {
            "results.method_fieldwork_actual"
        };
        m.format(
            lang,
            key,
            &[
                ("start", &start),
                ("end", &end),
                ("first", &days.first),
                ("last", &days.last),
            ],
        )
    }

    /// The method in three sentences, for readers who are not statisticians; the details
    /// follow, folded.
    fn method_summary(&self) -> String {
        let (m, lang) = (self.messages, self.lang);
        let survey = &self.results.definition;
        if survey.margins.is_empty() {
            return m.text(lang, "results.method_summary_poststratified");
        }
        m.format(
            lang,
            "results.method_summary_raked",
            &[("margins", &self.margin_questions())],
        )
    }

    /// The questions the weights are raked to, quoted and named as one or several:
    /// “您的性别”这道题, “您的性别”、“您的年龄”这几道题; “Your sex” and “Your age”.
    fn margin_questions(&self) -> String {
        let survey = &self.results.definition;
        let lang = self.lang;
        let margins: Vec<String> = survey
            .margins
            .iter()
            .filter_map(|margin| survey.question(&margin.question))
            .map(|q| format!("“{}”", q.text.get(lang)))
            .collect();
        // "“您的性别”这道题", "“您的性别”、“您的年龄”这几道题".
        let key = if margins.len() == 1 {
            "results.margins_one"
        } else {
            "results.margins_several"
        };
        let list = match margins.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!(
                "{}{}{last}",
                rest.join(&self.messages.text(lang, "results.list_separator")),
                self.messages.text(lang, "results.list_last_separator"),
            ),
            _ => margins.concat(),
        };
        self.messages.format(lang, key, &[("margins", &list)])
    }

    fn methodology(&self) -> Vec<String> {
        let r = self.results;
        let (m, lang) = (self.messages, self.lang);
        let survey = &r.definition;
        let e = &r.evaluation;
        let mut lines = vec![
            m.format(lang, "results.method_version", &[("version", &r.version)]),
            self.fieldwork_line(),
            m.format(
                lang,
                "results.method_sample",
                &[
                    ("stored", &e.responses.stored.to_string()),
                    ("used", &e.responses.used.to_string()),
                ],
            ),
        ];
        if let Some(line) = channels_line(m, lang, &e.responses.used_by_channel) {
            lines.push(line);
            if e.responses.used_by_channel.contains_key("open_link") {
                lines.push(m.text(lang, "results.method_open_link_caveat"));
            }
        }
        if let Some(invited) = public_invitations(r) {
            lines.push(m.format(
                lang,
                "results.method_invitations",
                &[
                    ("invited", &invited.invited.to_string()),
                    ("answered", &invited.answered.to_string()),
                    ("rate", &invited.rate_text()),
                ],
            ));
        }
        // The quality rules' exclusions together, then suppression, which protects respondents
        // and is no quality rule announced beforehand.
        let (suppressed, by_rule): (Vec<_>, Vec<_>) = e
            .responses
            .excluded
            .iter()
            .partition(|(reason, _)| *reason == crate::evaluation::SUPPRESSED_FOR_RELEASE);
        for (reason, count) in by_rule {
            let reason = m.text(lang, &format!("results.reason_{reason}"));
            lines.push(m.format(
                lang,
                "results.method_excluded",
                &[("count", &count.to_string()), ("reason", &reason)],
            ));
        }
        for (_, count) in suppressed {
            lines.push(m.format(
                lang,
                "results.method_suppressed",
                &[("count", &count.to_string())],
            ));
        }
        for (flag, count) in &e.responses.flagged {
            if e.responses.exclusion_rules.contains(flag) {
                continue;
            }
            let flag = m.text(lang, &format!("results.reason_{flag}"));
            lines.push(m.format(
                lang,
                "results.method_flagged_kept",
                &[("count", &count.to_string()), ("flag", &flag)],
            ));
        }
        if let Some(line) = self.sensitivity_line() {
            lines.push(line);
        }
        let public = PublicFigures::of(e, survey);
        lines.extend(super::channels_view::comparison_lines(
            m,
            lang,
            e,
            survey.privacy.min_public_cell,
            |k| public.shown(0, k),
        ));
        if e.weighting.scheme == "rake_trimmed" {
            // Weights that miss the census must not be said to match it.
            let key = match e.weighting.misses_census_by() {
                None => "results.method_weighting",
                Some(_) => "results.method_weighting_attempted",
            };
            lines.push(m.format(
                lang,
                key,
                &[
                    ("margins", &self.margin_questions()),
                    ("min", &e.weighting.trim_min_factor.to_string()),
                    ("max", &e.weighting.trim_max_factor.to_string()),
                ],
            ));
            if let Some(gap) = e.weighting.misses_census_by() {
                lines.push(m.format(
                    lang,
                    "results.method_weighting_misfit",
                    &[
                        ("gap", &format!("{:.1}%", gap * 100.0)),
                        ("min", &e.weighting.trim_min_factor.to_string()),
                        ("max", &e.weighting.trim_max_factor.to_string()),
                    ],
                ));
            }
        } else {
            lines.push(m.text(lang, "results.method_poststratify"));
        }
        // Each source is a sentence of its own: their stops go, so that the joins read
        // "…人口；2020年…" and not "…人口。；2020年…".
        let (join, stop) = match lang {
            Lang::Zh => ("；", "。"),
            Lang::En => ("; ", "."),
        };
        let sources = std::iter::once(survey.strata.source.get(lang))
            .chain(survey.margins.iter().map(|margin| margin.source.get(lang)))
            .map(|source| source.trim_end().trim_end_matches(['。', '.']))
            .collect::<Vec<_>>()
            .join(join)
            + stop;
        lines.push(format!(
            "{}{}{sources}",
            m.text(lang, "results.method_sources"),
            m.text(lang, "fieldwork.colon")
        ));
        lines.push(m.text(lang, "results.method_ci"));
        lines.push(m.format(
            lang,
            "results.method_suppression",
            &[("min", &survey.privacy.min_public_cell.to_string())],
        ));
        lines.push(m.text(lang, "results.status_explained"));
        lines.push(m.text(
            lang,
            if r.result_set.is_some() {
                "results.method_details"
            } else {
                "results.method_details_without_result_set"
            },
        ));
        lines
    }
}

/// The invitations and the responses to them, for the public (the page's method, the API):
/// once as many residents were invited as a public cell needs, so that the rate says nothing
/// of any one of them. The result set gives each county's invitations, not its responses.
pub(super) fn public_invitations(results: &PublishedResults) -> Option<&Uptake> {
    let min = u64::from(results.definition.privacy.min_public_cell);
    (results.evaluation.invitations.as_ref())
        .filter(|u| u64::try_from(u.invited).is_ok_and(|invited| invited >= min))
}

/// How the responses used came in, channel by channel ("公开链接 1200 份、邀请 150 份"); `None`
/// for results published before the count existed.
fn channels_line(m: &Messages, lang: Lang, by_channel: &BTreeMap<String, usize>) -> Option<String> {
    let named = CHANNELS.iter().filter_map(|channel| {
        let count = by_channel.get(*channel)?;
        let name = m.text(lang, &format!("fieldwork.channel_{channel}"));
        Some(m.format(
            lang,
            "results.method_channel_count",
            &[("channel", &name), ("count", &count.to_string())],
        ))
    });
    // A channel this build does not name is still counted, under its own code.
    let others = by_channel
        .iter()
        .filter(|(channel, _)| !CHANNELS.contains(&channel.as_str()))
        .map(|(channel, count)| format!("{channel} {count}"));
    let separator = if lang == Lang::Zh { "、" } else { "; " };
    let channels = named.chain(others).collect::<Vec<_>>().join(separator);
    (!channels.is_empty())
        .then(|| m.format(lang, "results.method_channels", &[("channels", &channels)]))
}

/// The date a survey's results were published, in the survey's own time zone (China's unless
/// its file says otherwise), as the dates its answers carry: the UTC date of a publication in
/// the small hours in Jiaxing is the day before its last answers.
fn published_on(survey: &crate::survey::Survey, published_at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(published_at)
        .map(|at| {
            survey
                .local_date(at.with_timezone(&chrono::Utc))
                .to_string()
        })
        .unwrap_or_else(|_| published_at.get(..10).unwrap_or(published_at).to_owned())
}

#[cfg(test)]
mod tests {
    use super::{published_on, Figures};
    use crate::evaluation::two_places_below;
    use crate::survey::Lang;
    use crate::web::Messages;

    #[test]
    fn the_publication_date_is_the_surveys_own_as_its_answers_dates_are() {
        let survey = crate::survey::tests::example();

        assert_eq!(
            published_on(&survey, "2026-11-30T17:30:00Z"),
            "2026-12-01",
            "01:30 in Jiaxing"
        );
        assert_eq!(published_on(&survey, "2026-11-30T09:00:00Z"), "2026-11-30");
    }

    use crate::evaluation::test_indicator as indicator;

    #[test]
    fn no_figure_below_its_threshold_reads_as_the_threshold() {
        let messages = Messages::load().unwrap();
        let figures = Figures {
            lang: Lang::En,
            messages: &messages,
        };
        let score = indicator("mean", 80.0, 79.97, (79.96, 85.1));
        let rate = indicator("proportion", 0.85, 0.8, (0.7, 0.84996));

        assert_eq!(
            figures.against_threshold(&score, score.ci_low),
            "79.96\u{a0}points",
            "a lower end just under the standard: the standard lies inside the interval"
        );
        assert_eq!(
            figures.against_threshold(&score, score.ci_high),
            "85.1\u{a0}points"
        );
        assert_eq!(
            figures.against_threshold(&score, score.estimate),
            "79.97\u{a0}points"
        );
        assert_eq!(
            figures.against_threshold(&rate, rate.ci_high),
            "84.99%",
            "an upper end just under the standard: not met, the whole interval below"
        );
        assert_eq!(figures.against_threshold(&rate, rate.ci_low), "70.0%");
        assert_eq!(
            figures.against_threshold(&rate, 0.85),
            "85.0%",
            "reaching it reads as it"
        );
        assert_eq!(
            figures.against_threshold(&rate, 0.8499999999999999),
            "85.0%",
            "a tie computed a hair below it by floating point alone reaches it, and reads so"
        );
        assert_eq!(
            figures.against_threshold(&rate, 0.84999999),
            "84.99%",
            "a hundred-millionth below is below"
        );
    }

    #[test]
    fn a_value_just_below_a_threshold_never_reads_as_reaching_it() {
        assert_eq!(two_places_below(69.991, 70.0), "69.99");
        assert_eq!(two_places_below(69.9999, 70.0), "69.99");
        assert_eq!(two_places_below(79.95, 80.0), "79.95");
        assert_eq!(two_places_below(79.96, 80.0), "79.96");
        assert_eq!(two_places_below(84.99999999999999, 85.0), "84.99");
        assert_eq!(
            two_places_below(0.8499999999999999 * 100.0, 0.85 * 100.0),
            "84.99",
            "a rate and its threshold both in percent"
        );
    }
}
