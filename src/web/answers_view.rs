//! How the city answered each question ([`AnswerShares`]), on the results page, in the results
//! API and as `/results/{id}/answers.csv`: each answer's weighted share with its 95% interval. A question is withheld
//! whole, its count of answers too, when fewer residents answered it than the survey's
//! `min_public_cell`, or when its shares would give away a city figure the page withholds (an
//! indicator's rate or score is a sum over the shares of the answers it reads).

use serde_json::{json, Value};

use super::i18n::Messages;
use super::results_view::PublicFigures;
use crate::evaluation::{AnswerShares, ChoiceShare};
use crate::privacy::public_cell;
use crate::publishing::PublishedResults;
use crate::release::{number, CsvFile, Encoding};
use crate::survey::Lang;

/// Why a question's shares are not published.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Withheld {
    /// Fewer residents answered it than a public figure needs.
    FewAnswers,
    /// A city indicator read from its answers is withheld.
    WithAnIndicator,
}

/// Which questions' shares the public may see.
struct PublicShares<'a> {
    results: &'a PublishedResults,
    figures: PublicFigures,
}

impl<'a> PublicShares<'a> {
    fn of(results: &'a PublishedResults) -> PublicShares<'a> {
        PublicShares {
            figures: PublicFigures::of(&results.evaluation, &results.definition),
            results,
        }
    }

    fn withheld(&self, shares: &AnswerShares) -> Option<Withheld> {
        let survey = &self.results.definition;
        if public_cell(shares.answered, (), &survey.privacy).is_none() {
            return Some(Withheld::FewAnswers);
        }
        let item = shares.item.as_ref().map(|item| item.code.as_str());
        let gives_away = survey.indicators.iter().enumerate().any(|(k, indicator)| {
            !self.figures.shown(0, k)
                && indicator.reads().iter().any(|&(question, read)| {
                    question == shares.question && (read.is_none() || read == item)
                })
        });
        gives_away.then_some(Withheld::WithAnIndicator)
    }
}

/// A share as a percentage to one decimal; a share too small to show as 0.1% says so rather
/// than read as nobody.
fn percent(v: f64) -> String {
    if !v.is_finite() {
        "—".to_owned()
    } else if v > 0.0 && v < 0.0005 {
        "<0.1%".to_owned()
    } else {
        format!("{:.1}%", v * 100.0)
    }
}

/// The page's section: one entry per question (a matrix's items together), each with a table
/// per item. `None` for results published without the shares.
pub(super) fn page(results: &PublishedResults, m: &Messages, lang: Lang) -> Option<Value> {
    let all = results.evaluation.answers.as_ref()?;
    let public = PublicShares::of(results);
    let min = results.definition.privacy.min_public_cell.to_string();
    let mut questions: Vec<(&str, Value, Vec<Value>)> = Vec::new();
    for shares in all {
        let withheld = public.withheld(shares);
        let (note, rows) = match withheld {
            None => (
                m.format(
                    lang,
                    if shares.several {
                        "results.answers_answered_several"
                    } else {
                        "results.answers_answered"
                    },
                    &[("n", &shares.answered.to_string())],
                ),
                shares.shares.iter().map(|s| row(s, m, lang)).collect(),
            ),
            Some(Withheld::FewAnswers) => (
                m.format(lang, "results.answers_withheld", &[("min", &min)]),
                Vec::new(),
            ),
            Some(Withheld::WithAnIndicator) => (
                m.text(lang, "results.answers_withheld_with_indicator"),
                Vec::new(),
            ),
        };
        let part = json!({
            "caption": shares.item.as_ref().map(|item| item.label.get(lang)),
            "label": shares.item.as_ref().map_or(shares.text.get(lang), |item| item.label.get(lang)),
            "withheld": withheld.is_some(),
            "rows": rows,
            "note": note,
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
        "download_href": format!("/results/{}/answers.csv", results.survey_id),
        "download": m.text(lang, "results.answers_download"),
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

/// The API's `answers`: every reported question; where the page withholds it, its count of
/// answers and every figure `null`. Empty for results published without the shares.
pub(super) fn api(results: &PublishedResults) -> Vec<Value> {
    let Some(all) = &results.evaluation.answers else {
        return Vec::new();
    };
    let public = PublicShares::of(results);
    all.iter()
        .map(|shares| {
            let shown = public.withheld(shares).is_none();
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
                "answered": if shown { json!(shares.answered) } else { Value::Null },
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

/// `answers.csv`: one row per answer of every reported question (UTF-8 with a byte-order mark,
/// for Excel and WPS), its figures and count of answers empty where the page withholds them.
/// Only the header for results published without the shares.
pub(super) fn csv(results: &PublishedResults) -> Result<Vec<u8>, csv::Error> {
    let mut file = CsvFile::new(
        Encoding::Utf8WithBom,
        &[
            "question",
            "question_zh",
            "question_en",
            "item",
            "item_zh",
            "item_en",
            "answer",
            "answer_zh",
            "answer_en",
            "share",
            "ci_low",
            "ci_high",
            "answered",
            "several",
            "suppressed",
            "reliable",
            "includes_simulated",
            "survey_version",
            "published_at",
        ],
    )?;
    let public = PublicShares::of(results);
    for shares in results.evaluation.answers.iter().flatten() {
        let shown = public.withheld(shares).is_none();
        let figure = |v: f64| if shown { number(v) } else { String::new() };
        let item = shares.item.as_ref();
        for s in &shares.shares {
            file.row([
                shares.question.clone(),
                shares.text.zh.clone(),
                shares.text.en.clone(),
                item.map_or_else(String::new, |i| i.code.clone()),
                item.map_or_else(String::new, |i| i.label.zh.clone()),
                item.map_or_else(String::new, |i| i.label.en.clone()),
                s.code.clone(),
                s.label.zh.clone(),
                s.label.en.clone(),
                figure(s.share),
                figure(s.ci_low),
                figure(s.ci_high),
                if shown {
                    shares.answered.to_string()
                } else {
                    String::new()
                },
                shares.several.to_string(),
                (!shown).to_string(),
                if shown {
                    s.reliable.to_string()
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
