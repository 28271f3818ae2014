//! The published figures as data: `/results/{id}/figures.csv` for Excel and WPS, and
//! `/api/results/{id}` as JSON (docs/api.md). Both withhold what the page withholds
//! ([`PublicFigures`]) and come from the snapshot stored at publication.

use serde_json::{json, Value};

use super::results_view::PublicFigures;
use crate::publishing::PublishedResults;
use crate::release::{number, CsvFile, Encoding};

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
    let public = PublicFigures::of(&results.evaluation, survey);
    for (n, d) in results.evaluation.domains.iter().enumerate() {
        for (k, i) in d.indicators.iter().enumerate() {
            let shown = public.shown(n, k);
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
                // Withheld with its figure: beside the domain's respondents, a small county's
                // count of answers would say how many said "don't know"; and a county withheld
                // with it (complementary suppression) would give it back from the city's.
                if shown {
                    i.n.to_string()
                } else {
                    String::new()
                },
                number(i.threshold),
                if shown {
                    i.status.name().to_owned()
                } else {
                    String::new()
                },
                figure(i.points),
                number(i.max_points),
                (!shown).to_string(),
                // Withheld means withheld: whether its interval was wide hints at its n.
                if shown {
                    i.reliable.to_string()
                } else {
                    String::new()
                },
                results.evaluation.includes_simulated.to_string(),
                results.version.clone(),
                results.published_at.clone(),
            ])?;
        }
    }
    file.finish()
}

/// Each channel's differences from the others' ([`crate::evaluation::ChannelComparison`]), a
/// city figure the page withholds withheld here too.
fn channels_json(results: &PublishedResults, public: &PublicFigures) -> Value {
    let Some(city) = results.evaluation.domains.first() else {
        return json!([]);
    };
    let channels = results.evaluation.channels.as_deref().unwrap_or_default();
    Value::Array(
        channels
            .iter()
            .map(|c| {
                let indicators: Vec<Value> = c
                    .indicators
                    .iter()
                    .map(|f| {
                        let k = city.indicators.iter().position(|i| i.id == f.id);
                        let city_shown = k.is_some_and(|k| public.shown(0, k));
                        let shown = f.verdict.shown() && city_shown;
                        let figure = |v: f64| {
                            if shown && v.is_finite() {
                                json!(v)
                            } else {
                                Value::Null
                            }
                        };
                        // No count of the channel's answers: summed over the channels it gives
                        // the counties compared, and the city's less that the counties left
                        // out, whose withheld figures' counts would follow.
                        let count = |n: usize| if shown { json!(n) } else { Value::Null };
                        json!({
                            "id": f.id,
                            "difference": figure(f.difference),
                            "difference_low": figure(f.difference_low),
                            "difference_high": figure(f.difference_high),
                            "counties": count(f.counties),
                            // Why a difference is withheld, as the page says it; nothing
                            // of an indicator whose city figure is.
                            "verdict": if city_shown { json!(f.verdict) } else { Value::Null },
                            "suppressed": !shown,
                        })
                    })
                    .collect();
                json!({
                    "channel": c.channel,
                    "respondents": c.respondents,
                    "indicators": indicators,
                })
            })
            .collect(),
    )
}

/// The published figures as JSON for `/api/results/{id}` (documented in docs/api.md).
pub fn api_json(results: &PublishedResults) -> Value {
    let survey = &results.definition;
    let public = PublicFigures::of(&results.evaluation, survey);
    let domains: Vec<Value> = results
        .evaluation
        .domains
        .iter()
        .enumerate()
        .map(|(n, d)| {
            json!({
                "code": d.code,
                "name": d.name,
                "respondents": d.respondents,
                "points": if public.total_shown(n) { json!(d.points) } else { Value::Null },
                "max_points": d.max_points,
                "indicators": d.indicators.iter().enumerate().map(|(k, i)| {
                    let shown = public.shown(n, k);
                    let figure = |v: f64| if shown && v.is_finite() { json!(v) } else { Value::Null };
                    json!({
                        "id": i.id,
                        "label": i.label,
                        "kind": i.kind,
                        "estimate": figure(i.estimate),
                        "ci_low": figure(i.ci_low),
                        "ci_high": figure(i.ci_high),
                        "n": if shown { json!(i.n) } else { Value::Null },
                        "threshold": i.threshold,
                        "status": if shown { json!(i.status) } else { Value::Null },
                        "points": if shown { json!(i.points) } else { Value::Null },
                        "max_points": i.max_points,
                        "suppressed": !shown,
                        "reliable": if shown { json!(i.reliable) } else { Value::Null },
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
        // The plan, and the days answers came in (null for results published before).
        "fieldwork": {
            "planned": { "start": survey.fieldwork_start, "end": survey.fieldwork_end },
            "submitted": results.evaluation.submitted,
        },
        "includes_simulated": results.evaluation.includes_simulated,
        "min_public_cell": survey.privacy.min_public_cell,
        "responses": results.evaluation.responses,
        // Invited and answered through the invitations' links, when enough were invited.
        "invitations": super::results_view::public_invitations(results).map(|u| json!({
            "invited": u.invited, "answered": u.answered, "rate": u.rate(),
        })),
        "weighting": results.evaluation.weighting,
        "domains": domains,
        // How the city answered each choice question (empty for results published before).
        "answers": super::answers_view::api(results),
        // How the city's figures differ by channel (empty when the answers came one way).
        "channels": channels_json(results, &public),
        // What a downloaded result set is checked against (`minyi verify --expect-manifest`).
        "result_set": results.result_set.as_ref().map(|set| json!({
            "manifest_sha256": set.manifest_sha256,
            "manifest_sha256_utf8": set.manifest_sha256_utf8,
            "merkle_root": set.merkle_root,
            "responses": set.responses,
        })),
    })
}
