//! How the city answered each question ([`AnswerShares`]), on the results page and in the
//! results API: each answer's weighted share with its 95% interval. A question that fewer
//! residents answered than the survey's `min_public_cell` is withheld whole, as a figure resting
//! on as few answers is everywhere the public can see.

use serde_json::{json, Value};

use super::i18n::Messages;
use crate::evaluation::{AnswerShares, ChoiceShare};
use crate::privacy::public_cell;
use crate::publishing::PublishedResults;
use crate::survey::Lang;

fn shown(shares: &AnswerShares, results: &PublishedResults) -> bool {
    public_cell(shares.answered, (), &results.definition.privacy).is_some()
}

fn percent(v: f64) -> String {
    if v.is_finite() {
        format!("{:.1}%", v * 100.0)
    } else {
        "—".to_owned()
    }
}

/// The page's section: one entry per question (a matrix's items together), each with a table
/// per item. `None` for results published without the shares.
pub(super) fn page(results: &PublishedResults, m: &Messages, lang: Lang) -> Option<Value> {
    let all = results.evaluation.answers.as_ref()?;
    let min = results.definition.privacy.min_public_cell.to_string();
    let mut questions: Vec<(&str, Value, Vec<Value>)> = Vec::new();
    for shares in all {
        let part = json!({
            "caption": shares.item.as_ref().map(|item| item.label.get(lang)),
            "label": shares.item.as_ref().map_or(shares.text.get(lang), |item| item.label.get(lang)),
            "withheld": (!shown(shares, results)).then(|| m.format(lang, "results.answers_withheld", &[("min", &min)])),
            "rows": if shown(shares, results) { shares.shares.iter().map(|s| row(s, m, lang)).collect() } else { Vec::new() },
            "note": m.format(lang, if shares.several { "results.answers_answered_several" } else { "results.answers_answered" }, &[("n", &shares.answered.to_string())]),
        });
        match questions.last_mut() {
            Some((id, _, parts)) if *id == shares.question => parts.push(part),
            _ => questions.push((&shares.question, json!(shares.text.get(lang)), vec![part])),
        }
    }
    Some(json!({
        "heading": m.text(lang, "results.answers_heading"),
        "intro": m.text(lang, "results.answers_intro"),
        "answer": m.text(lang, "results.answer"),
        "share": m.text(lang, "results.answer_share"),
        "questions": questions.into_iter().map(|(_, text, parts)| json!({
            "text": text,
            "parts": parts,
        })).collect::<Vec<_>>(),
    }))
}

fn row(s: &ChoiceShare, m: &Messages, lang: Lang) -> Value {
    json!({
        "label": s.label.get(lang),
        "share": percent(s.share),
        // Broken, if at all, only after the dash.
        "interval": format!("{}\u{a0}– {}", percent(s.ci_low), percent(s.ci_high)),
        "unreliable": (!s.reliable).then(|| m.text(lang, "results.unreliable")),
    })
}

/// The API's `answers`: every reported question, its shares `null` where the page withholds
/// them. Empty for results published without the shares.
pub(super) fn api(results: &PublishedResults) -> Vec<Value> {
    let Some(all) = &results.evaluation.answers else {
        return Vec::new();
    };
    all.iter()
        .map(|shares| {
            let shown = shown(shares, results);
            let figure = |v: f64| {
                if shown && v.is_finite() {
                    json!(v)
                } else {
                    Value::Null
                }
            };
            json!({
                "question": shares.question,
                "text": shares.text,
                "item": shares.item,
                "several": shares.several,
                "answered": shares.answered,
                "suppressed": !shown,
                "shares": shares.shares.iter().map(|s| json!({
                    "code": s.code,
                    "label": s.label,
                    "share": figure(s.share),
                    "ci_low": figure(s.ci_low),
                    "ci_high": figure(s.ci_high),
                    "reliable": if shown { json!(s.reliable) } else { Value::Null },
                })).collect::<Vec<_>>(),
            })
        })
        .collect()
}
