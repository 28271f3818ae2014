//! `methodology.md`: how the result set was made, for the evaluator reading it: in Chinese,
//! then in English, self-contained (no pointer to documents outside the zip). The words are in
//! `templates/release/methodology.md.hbs`; this module gathers the release's facts for it.

use handlebars::Handlebars;
use serde_json::{json, Value};

use super::ReleaseFacts;
use crate::invitations::Uptake;
use crate::survey::{Lang, Scoring};
use crate::web::Messages;

const TEMPLATE: &str = include_str!("../../../templates/release/methodology.md.hbs");

pub fn methodology(facts: &ReleaseFacts<'_>) -> std::io::Result<Vec<u8>> {
    let fail =
        |e: String| std::io::Error::other(format!("templates/release/methodology.md.hbs: {e}"));
    let messages = Messages::load().map_err(|e| fail(e.to_string()))?;
    let mut engine = Handlebars::new();
    engine.set_strict_mode(true);
    engine.register_escape_fn(handlebars::no_escape);
    engine
        .register_template_string("methodology", TEMPLATE)
        .map_err(|e| fail(e.to_string()))?;
    let text = engine
        .render("methodology", &facts_for_template(facts, &messages))
        .map_err(|e| fail(e.to_string()))?;
    Ok(text.into_bytes())
}

/// A reason or flag code with its words in both languages (the results page's).
fn named(messages: &Messages, code: &str, count: usize) -> Value {
    let key = format!("results.reason_{code}");
    json!({
        "code": code,
        "zh": messages.text(Lang::Zh, &key),
        "en": messages.text(Lang::En, &key),
        "count": count,
    })
}

/// A county's invitations, its name in both languages (the code when the survey has no such
/// county; `null` for invitations the address list gave no county). Not the responses to them
/// by county: those include rows whose county k-anonymity withheld, and subtracting the
/// released `channel` rows of each county would give the withheld counties back.
fn invited_row(u: &Uptake) -> Value {
    let name = |lang: Lang| match (&u.name, &u.code) {
        (Some(name), _) => Some(name.get(lang).to_owned()),
        (None, Some(code)) => Some(format!("`{code}`")),
        (None, None) => None,
    };
    json!({ "zh": name(Lang::Zh), "en": name(Lang::En), "invited": u.invited })
}

/// Numbers are written as Rust prints them (`80`, `0.7`), not as JSON does (`80.0`).
fn facts_for_template(facts: &ReleaseFacts<'_>, messages: &Messages) -> Value {
    let s = facts.survey;
    let e = facts.evaluation;
    let w = &e.weighting;
    let k = &facts.kanon;
    let dash = || "—".to_owned();
    let flagged: Vec<Value> = e
        .responses
        .flagged
        .iter()
        .map(|(flag, n)| {
            let mut entry = named(messages, flag, *n);
            entry["excludes"] = json!(e.responses.excludes(flag));
            entry
        })
        .collect();
    let columns = super::columns(s);
    let indicators: Vec<Value> = s
        .indicators
        .iter()
        .map(|i| {
            json!({
                "id": i.id,
                "label": i.label,
                "definition": super::definitions::definition(&i.measure, &columns),
                "threshold": i.threshold.to_string(),
                "points": i.points.to_string(),
                "linear": i.scoring == Scoring::Linear,
                "source": i.source,
            })
        })
        .collect();
    json!({
        "title": s.title,
        "survey_id": s.id,
        "minyi_version": env!("CARGO_PKG_VERSION"),
        "version": facts.version,
        "fieldwork_start": s.fieldwork_start.to_string(),
        "fieldwork_end": s.fieldwork_end.to_string(),
        "submitted": facts.submitted.0.as_ref().map(|(first, last)| json!({
            "first": first,
            "last": last,
            // Dates as YYYY-MM-DD: text order is date order.
            "outside": *first < s.fieldwork_start.to_string() || *last > s.fieldwork_end.to_string(),
        })),
        "stored": e.responses.stored,
        "used": e.responses.used,
        "excluded": e.responses.excluded.iter().map(|(reason, n)| named(messages, reason, *n)).collect::<Vec<_>>(),
        "flagged": flagged,
        "channels": e.responses.used_by_channel.iter().map(|(channel, n)| json!({
            "code": channel,
            "zh": messages.text(Lang::Zh, &format!("fieldwork.channel_{channel}")),
            "en": messages.text(Lang::En, &format!("fieldwork.channel_{channel}")),
            "count": n,
        })).collect::<Vec<_>>(),
        "open_link": e.responses.used_by_channel.contains_key("open_link"),
        // The published page compares them (`evaluation::channels`): how, for redoing it.
        "several_channels": e.responses.used_by_channel.len() > 1,
        "min_public_cell": s.privacy.min_public_cell,
        "invitations": facts.invitations.as_ref().map(|u| json!({
            "counties": u.counties.iter().map(invited_row).collect::<Vec<_>>(),
            "invited": u.total.invited,
            "answered": u.total.answered,
            "rate": u.total.rate_text(),
        })),
        "simulated": if e.includes_simulated { json!(e.responses.simulated) } else { json!(null) },
        "exclusion_rules": s.quality.exclude.iter().map(|f| f.name()).collect::<Vec<_>>(),
        "min_duration_seconds": s.quality.min_duration_seconds.map_or_else(dash, |d| d.to_string()),
        "straightlining_min_items": s.quality.straightlining_min_items.map_or_else(dash, |d| d.to_string()),
        "suppressed_code": crate::evaluation::SUPPRESSED_FOR_RELEASE,
        "strata": {
            "question": s.strata.question,
            "source": s.strata.source,
            "units": s.strata.units.iter().map(|u| json!({
                "code": u.code, "name": u.name, "population": u.population,
            })).collect::<Vec<_>>(),
        },
        "margins": s.margins.iter().map(|m| json!({
            "question": m.question,
            "source": m.source,
            "targets": m.targets.iter().map(|(code, n)| json!({ "code": code, "n": n.to_string() })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "weighting": {
            "scheme": w.scheme,
            // A survey file without margins is post-stratified by county only.
            "raked": !s.margins.is_empty(),
            "margins": w.margins.join(" × "),
            "tolerance": format!("{:e}", s.weighting.tolerance),
            "max_sweeps": s.weighting.max_sweeps,
            "trim_min": w.trim_min_factor.to_string(),
            "trim_max": w.trim_max_factor.to_string(),
            "sweeps": w.sweeps,
            "max_margin_error": format!("{:e}", w.max_margin_error),
            "trimmed": w.trimmed,
            "converged": w.trim_converged,
            "misfit": w.misses_census_by().map(|gap| format!("{:.1}%", gap * 100.0)),
        },
        "indicators": indicators,
        "k": k.k,
        "quasi_identifiers": facts.quasi_identifiers.iter().map(|q| format!("`{q}`")).collect::<Vec<_>>().join(", "),
        "generalized": k.generalized.iter().map(|(column, merges)| json!({
            "column": column, "merges": merges.join("; "),
        })).collect::<Vec<_>>(),
        "suppressed_rows": k.suppressed_rows,
    })
}
