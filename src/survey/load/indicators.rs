//! `[[indicators]]`: what each measures, on which question and codes, its threshold and
//! points.

use std::collections::BTreeSet;

use super::questions::{Lookup, Questions};
use super::{is_id, quoted, repeated, source, text, ID_RULE};
use crate::survey::definition::{Question, QuestionKind};
use crate::survey::error::Problems;
use crate::survey::file::{RawFile, RawIndicator, RawMeasureKind};
use crate::survey::indicators::{Indicator, Measure};

/// Builds every readable indicator; an indicator with problems is left out.
pub(crate) fn build(
    file: &RawFile,
    questions: &Questions,
    problems: &mut Problems,
) -> Vec<Indicator> {
    let mut indicators = Vec::new();
    let mut ids = BTreeSet::new();
    for block in &file.indicators {
        let raw = &block.raw;
        let path = block.path.as_str();
        if !is_id(&raw.id) {
            problems.expect_found(format!("{path}.id"), ID_RULE, format!("\"{}\"", raw.id));
        }
        if !ids.insert(raw.id.clone()) {
            problems.expect_found(
                format!("{path}.id"),
                "an indicator id used only once",
                format!("\"{}\", already used by an earlier indicator", raw.id),
            );
        }
        let label = text(path, &raw.zh, &raw.en, problems);
        let source = source(&format!("{path}.source"), &raw.source, problems);
        check_keys(path, raw, problems);
        let (range, unit) = match raw.kind {
            RawMeasureKind::Proportion => (
                0.0..=1.0,
                "a share from 0 to 1, above 0 (write 85% as 0.85)",
            ),
            RawMeasureKind::Mean | RawMeasureKind::CorrectShare => {
                (0.0..=100.0, "a score from 0 to 100, above 0")
            }
        };
        let score = !matches!(raw.kind, RawMeasureKind::Proportion);
        // A threshold of 0 is met by any result, and linear scoring would divide by it.
        if !range.contains(&raw.threshold) || raw.threshold == 0.0 {
            problems.expect_found(format!("{path}.threshold"), unit, raw.threshold.to_string());
        } else if score && raw.threshold > 0.0 && raw.threshold <= 1.0 {
            // A share written for a score (0.8 for 80 points) would pass every county at once.
            problems.expect_found(
                format!("{path}.threshold"),
                {
                    // Rounded: 0.7 × 100 is 70.00000000000001 in floating point.
                    let points = (raw.threshold * 100.0 * 1e6).round() / 1e6;
                    format!(
                        "a score from 0 to 100, not a share (for {points} points write {points})"
                    )
                },
                raw.threshold.to_string(),
            );
        }
        if !(raw.points.is_finite() && raw.points >= 0.0) {
            problems.expect_found(
                format!("{path}.points"),
                "a number of points, 0 or more",
                raw.points.to_string(),
            );
        }
        let measure = match raw.kind {
            RawMeasureKind::Proportion => proportion(path, raw, questions, problems),
            RawMeasureKind::Mean => mean(path, raw, questions, problems),
            RawMeasureKind::CorrectShare => correct_share(path, raw, questions, problems),
        };
        if let Some(measure) = measure {
            indicators.push(Indicator {
                id: raw.id.clone(),
                label,
                measure,
                threshold: raw.threshold,
                points: raw.points,
                scoring: raw.scoring.unwrap_or_default(),
                source,
            });
        }
    }
    indicators
}

fn kind_name(kind: RawMeasureKind) -> &'static str {
    match kind {
        RawMeasureKind::Proportion => "proportion",
        RawMeasureKind::Mean => "mean",
        RawMeasureKind::CorrectShare => "correct_share",
    }
}

/// Refuses the keys that belong to another kind of indicator.
fn check_keys(path: &str, raw: &RawIndicator, problems: &mut Problems) {
    let allowed: &[&str] = match raw.kind {
        RawMeasureKind::Proportion => &["question", "item", "success", "excluded"],
        RawMeasureKind::Mean => &["question", "item", "scores"],
        RawMeasureKind::CorrectShare => &["answers"],
    };
    let present = [
        ("question", raw.question.is_some()),
        ("item", raw.item.is_some()),
        ("success", raw.success.is_some()),
        ("excluded", raw.excluded.is_some()),
        ("scores", raw.scores.is_some()),
        ("answers", raw.answers.is_some()),
    ];
    for (key, _) in present
        .iter()
        .filter(|(key, present)| *present && !allowed.contains(key))
    {
        problems.expect_found(
            format!("{path}.{key}"),
            format!(
                "only {} in a {} indicator",
                allowed.join(", "),
                kind_name(raw.kind)
            ),
            format!("{key} set"),
        );
    }
}

/// The question (and matrix item) a proportion or mean reads.
fn target<'q>(
    path: &str,
    raw: &RawIndicator,
    questions: &'q Questions,
    problems: &mut Problems,
) -> Option<&'q Question> {
    let Some(id) = raw.question.as_deref() else {
        problems.expect(
            format!("{path}.question"),
            "the id of the question this indicator reads",
        );
        return None;
    };
    let question = match questions.lookup(id) {
        Lookup::Found(_, question) => question,
        Lookup::Unreadable => return None,
        Lookup::Unknown => {
            problems.expect_found(
                format!("{path}.question"),
                "the id of a question",
                format!("\"{id}\", which is not a question"),
            );
            return None;
        }
    };
    let readable = matches!(
        (&question.kind, raw.kind),
        (
            QuestionKind::Single { .. } | QuestionKind::Scale { .. } | QuestionKind::Matrix { .. },
            _,
        ) | (QuestionKind::YesNo { .. }, RawMeasureKind::Proportion)
    );
    if !readable {
        problems.expect_found(
            format!("{path}.question"),
            match raw.kind {
                RawMeasureKind::Proportion => "a single, yesno, scale or matrix question",
                _ => "a single, scale or matrix question",
            },
            format!("\"{id}\", a {} question", question.kind.name()),
        );
        return None;
    }
    match (&question.kind, raw.item.as_deref()) {
        (QuestionKind::Matrix { items, .. }, Some(item)) => {
            if !items.iter().any(|candidate| candidate.code == item) {
                let codes: Vec<&str> = items.iter().map(|i| i.code.as_str()).collect();
                problems.expect_found(
                    format!("{path}.item"),
                    format!("an item of matrix \"{id}\": {}", quoted(&codes)),
                    format!("\"{item}\""),
                );
                return None;
            }
        }
        (QuestionKind::Matrix { .. }, None) => {
            problems.expect(
                format!("{path}.item"),
                format!("the code of the item of matrix \"{id}\" this indicator reads"),
            );
            return None;
        }
        (_, Some(_)) => {
            problems.expect_found(
                format!("{path}.item"),
                "no item: only a matrix question has items",
                format!("\"{id}\", a {} question", question.kind.name()),
            );
            return None;
        }
        (_, None) => {}
    }
    Some(question)
}

/// Reports codes in `codes` that `question` does not have; returns whether all are known.
fn known_codes(path: &str, question: &Question, codes: &[&str], problems: &mut Problems) -> bool {
    let unknown: Vec<&str> = codes
        .iter()
        .copied()
        .filter(|code| question.choice(code).is_none())
        .collect();
    if !unknown.is_empty() {
        let known: Vec<&str> = question.choices().iter().map(|c| c.code.as_str()).collect();
        problems.expect_found(
            path,
            format!("codes of question \"{}\": {}", question.id, quoted(&known)),
            quoted(&unknown),
        );
    }
    let twice = repeated(codes.iter().copied());
    if !twice.is_empty() {
        problems.expect_found(
            path,
            "each code once",
            format!("{} more than once", quoted(&twice)),
        );
    }
    unknown.is_empty() && twice.is_empty()
}

fn proportion(
    path: &str,
    raw: &RawIndicator,
    questions: &Questions,
    problems: &mut Problems,
) -> Option<Measure> {
    let question = target(path, raw, questions, problems);
    let success: Vec<String> = raw.success.clone().unwrap_or_default();
    let excluded: Vec<String> = raw.excluded.clone().unwrap_or_default();
    if success.is_empty() {
        problems.expect(
            format!("{path}.success"),
            "a list of the answer codes that count as success, e.g. [\"4\", \"5\"]",
        );
    }
    let question = question?;
    let success_refs: Vec<&str> = success.iter().map(String::as_str).collect();
    let excluded_refs: Vec<&str> = excluded.iter().map(String::as_str).collect();
    let mut fine = known_codes(
        &format!("{path}.success"),
        question,
        &success_refs,
        problems,
    );
    fine &= known_codes(
        &format!("{path}.excluded"),
        question,
        &excluded_refs,
        problems,
    );
    let both: Vec<&str> = success_refs
        .iter()
        .copied()
        .filter(|code| excluded_refs.contains(code))
        .collect();
    if !both.is_empty() {
        problems.expect_found(
            format!("{path}.excluded"),
            "codes that are not also in success",
            quoted(&both),
        );
        fine = false;
    }
    (fine && !success.is_empty()).then(|| Measure::Proportion {
        question: question.id.clone(),
        item: raw.item.clone(),
        success,
        excluded,
    })
}

fn mean(
    path: &str,
    raw: &RawIndicator,
    questions: &Questions,
    problems: &mut Problems,
) -> Option<Measure> {
    let question = target(path, raw, questions, problems);
    let scores = raw.scores.clone().unwrap_or_default();
    if scores.is_empty() {
        problems.expect(
            format!("{path}.scores"),
            "a score from 0 to 100 for each answer code, e.g. { \"5\" = 100, \"4\" = 80 }",
        );
    }
    let mut fine = !scores.is_empty();
    for (code, score) in &scores {
        if !(0.0..=100.0).contains(score) {
            problems.expect_found(
                format!("{path}.scores.{code}"),
                "a score from 0 to 100",
                score.to_string(),
            );
            fine = false;
        }
    }
    let question = question?;
    let codes: Vec<&str> = scores.keys().map(String::as_str).collect();
    fine &= known_codes(&format!("{path}.scores"), question, &codes, problems);
    if let QuestionKind::Scale { scale } | QuestionKind::Matrix { scale, .. } = &question.kind {
        let unscored: Vec<&str> = scale
            .points
            .iter()
            .map(|point| point.code.as_str())
            .filter(|code| !scores.contains_key(*code))
            .collect();
        if !unscored.is_empty() {
            problems.expect_found(
                format!("{path}.scores"),
                "a score for every point of the scale (only \"don't know\" may go without)",
                format!("no score for {}", quoted(&unscored)),
            );
            fine = false;
        }
    }
    fine.then(|| Measure::Mean {
        question: question.id.clone(),
        item: raw.item.clone(),
        scores: question
            .choices()
            .iter()
            .filter_map(|choice| {
                scores
                    .get(&choice.code)
                    .map(|score| (choice.code.clone(), *score))
            })
            .collect(),
    })
}

fn correct_share(
    path: &str,
    raw: &RawIndicator,
    questions: &Questions,
    problems: &mut Problems,
) -> Option<Measure> {
    let path = format!("{path}.answers");
    let key = raw.answers.clone().unwrap_or_default();
    if key.is_empty() {
        problems.expect(
            &path,
            "the correct answer code of each quiz question, e.g. { knows_expiry = \"right\" }",
        );
        return None;
    }
    let mut fine = true;
    let mut answers = Vec::new();
    for (id, correct) in &key {
        let question = match questions.lookup(id) {
            Lookup::Found(position, question) => (position, question),
            Lookup::Unreadable => {
                fine = false;
                continue;
            }
            Lookup::Unknown => {
                problems.expect_found(
                    format!("{path}.{id}"),
                    "a key that is the id of a question",
                    format!("\"{id}\", which is not a question"),
                );
                fine = false;
                continue;
            }
        };
        let (position, question) = question;
        if !matches!(
            question.kind,
            QuestionKind::Single { .. } | QuestionKind::YesNo { .. } | QuestionKind::Scale { .. }
        ) {
            problems.expect_found(
                format!("{path}.{id}"),
                "a single, yesno or scale question",
                format!("a {} question", question.kind.name()),
            );
            fine = false;
            continue;
        }
        if question.show_if.is_some() {
            problems.expect(
                format!("{path}.{id}"),
                "a question shown to everyone (no show_if): an unanswered quiz question counts as not correct",
            );
            fine = false;
        }
        if question.choice(correct).is_none() {
            let known: Vec<&str> = question.choices().iter().map(|c| c.code.as_str()).collect();
            problems.expect_found(
                format!("{path}.{id}"),
                format!("a code of question \"{id}\": {}", quoted(&known)),
                format!("\"{correct}\""),
            );
            fine = false;
        }
        answers.push((position, id.clone(), correct.clone()));
    }
    answers.sort();
    fine.then(|| Measure::CorrectShare {
        answers: answers
            .into_iter()
            .map(|(_, question, correct)| (question, correct))
            .collect(),
    })
}
