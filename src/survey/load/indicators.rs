//! `[[indicators]]`: what each measures, on which question and codes, its threshold and
//! points.

use std::collections::BTreeSet;

use super::questions::{Lookup, Questions};
use super::{
    a_question_of_kind, codes_of, is_id, more_than_once, not_a_question, quoted, repeated,
    repeats_a_code, source, text, ID_RULE,
};
use crate::survey::definition::{Question, QuestionKind};
use crate::survey::error::{said, Problems, Said};
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
            problems.expect_found(format!("{path}.id"), ID_RULE, Said::quoted(&raw.id));
        }
        if !ids.insert(raw.id.clone()) {
            problems.expect_found(
                format!("{path}.id"),
                said!("indicator_id_once", "an indicator id used only once"),
                said!(
                    "indicator_id_used",
                    "\"{id}\", already used by an earlier indicator",
                    id = raw.id
                ),
            );
        }
        let label = text(path, &raw.zh, &raw.en, problems);
        let source = source(&format!("{path}.source"), &raw.source, problems);
        check_keys(path, raw, problems);
        // The floors keep out thresholds no result can miss (0, or 1e-310, which would also
        // print hundreds of digits into minyi.sps) and linear scoring's division by zero.
        let (range, unit) = match raw.kind {
            RawMeasureKind::Proportion => (
                0.01..=1.0,
                said!(
                    "share_threshold",
                    "a share from 0.01 to 1 (write 85% as 0.85)"
                ),
            ),
            RawMeasureKind::Mean | RawMeasureKind::CorrectShare => (
                1.0..=100.0,
                said!("score_threshold", "a score out of 100, above 1"),
            ),
        };
        let score = !matches!(raw.kind, RawMeasureKind::Proportion);
        if score && raw.threshold > 0.0 && raw.threshold <= 1.0 {
            // A share written for a score (0.8 for 80 points) would pass every county at once.
            problems.expect_found(
                format!("{path}.threshold"),
                {
                    // Rounded: 0.7 × 100 is 70.00000000000001 in floating point.
                    let points = (raw.threshold * 100.0 * 1e6).round() / 1e6;
                    said!(
                        "score_not_share",
                        "a score out of 100, not a share (for {points} points write {points})",
                        points = points
                    )
                },
                Said::as_written(raw.threshold),
            );
        } else if !range.contains(&raw.threshold) {
            problems.expect_found(
                format!("{path}.threshold"),
                unit,
                Said::as_written(raw.threshold),
            );
        }
        if !(raw.points.is_finite() && raw.points >= 0.0) {
            problems.expect_found(
                format!("{path}.points"),
                said!("points", "a number of points, 0 or more"),
                Said::as_written(raw.points),
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
            said!(
                "indicator_keys",
                "only {keys} in a {kind} indicator",
                keys = allowed.join(", "),
                kind = kind_name(raw.kind)
            ),
            said!("key_set", "{key} set", key = key),
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
            said!(
                "indicator_question",
                "the id of the question this indicator reads"
            ),
        );
        return None;
    };
    let question = match questions.lookup(id) {
        Lookup::Found(_, question) => question,
        Lookup::Unreadable => return None,
        Lookup::Unknown => {
            problems.expect_found(
                format!("{path}.question"),
                said!("question", "the id of a question"),
                not_a_question(id),
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
                RawMeasureKind::Proportion => said!(
                    "proportion_question",
                    "a single, yesno, scale or matrix question"
                ),
                _ => said!("mean_question", "a single, scale or matrix question"),
            },
            a_question_of_kind(id, question.kind.name()),
        );
        return None;
    }
    match (&question.kind, raw.item.as_deref()) {
        (QuestionKind::Matrix { items, .. }, Some(item)) => {
            if !items.iter().any(|candidate| candidate.code == item) {
                let codes: Vec<&str> = items.iter().map(|i| i.code.as_str()).collect();
                problems.expect_found(
                    format!("{path}.item"),
                    said!(
                        "matrix_item",
                        "an item of matrix \"{id}\": {codes}",
                        id = id,
                        codes = quoted(&codes)
                    ),
                    Said::quoted(item),
                );
                return None;
            }
        }
        (QuestionKind::Matrix { .. }, None) => {
            problems.expect(
                format!("{path}.item"),
                said!(
                    "matrix_item_needed",
                    "the code of the item of matrix \"{id}\" this indicator reads",
                    id = id
                ),
            );
            return None;
        }
        (_, Some(_)) => {
            problems.expect_found(
                format!("{path}.item"),
                said!("no_item", "no item: only a matrix question has items"),
                a_question_of_kind(id, question.kind.name()),
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
    if !unknown.is_empty() && !repeats_a_code(question) {
        let known: Vec<&str> = question.choices().iter().map(|c| c.code.as_str()).collect();
        problems.expect_found(
            path,
            codes_of(&question.id, &known),
            Said::as_written(quoted(&unknown)),
        );
    }
    let twice = repeated(codes.iter().copied());
    if !twice.is_empty() {
        problems.expect_found(
            path,
            said!("code_once", "each code once"),
            more_than_once(&twice),
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
            said!(
                "success",
                "a list of the answer codes that count as success, e.g. [\"4\", \"5\"]"
            ),
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
            said!("excluded", "codes that are not also in success"),
            Said::as_written(quoted(&both)),
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
            said!(
                "scores",
                "a score from 0 to 100 for each answer code, e.g. { \"5\" = 100, \"4\" = 80 }"
            ),
        );
    }
    let mut fine = !scores.is_empty();
    for (code, score) in &scores {
        if !(0.0..=100.0).contains(score) {
            problems.expect_found(
                format!("{path}.scores.{code}"),
                said!("score", "a score from 0 to 100"),
                Said::as_written(score),
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
                said!(
                    "score_every_point",
                    "a score for every point of the scale (only \"don't know\" may go without)"
                ),
                said!(
                    "no_score",
                    "no score for {codes}",
                    codes = quoted(&unscored)
                ),
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
            said!(
                "answers",
                "the correct answer code of each quiz question, e.g. { knows_expiry = \"right\" }"
            ),
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
                    said!("answer_key", "a key that is the id of a question"),
                    not_a_question(id),
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
                said!("quiz_question", "a single, yesno or scale question"),
                a_question_of_kind(id, question.kind.name()),
            );
            fine = false;
            continue;
        }
        if question.show_if.is_some() {
            problems.expect(
                format!("{path}.{id}"),
                said!(
                    "quiz_shown",
                    "a question shown to everyone (no show_if): an unanswered quiz question counts as not correct"
                ),
            );
            fine = false;
        }
        if question.choice(correct).is_none() {
            let known: Vec<&str> = question.choices().iter().map(|c| c.code.as_str()).collect();
            problems.expect_found(
                format!("{path}.{id}"),
                said!(
                    "quiz_code",
                    "a code of question \"{id}\": {codes}",
                    id = id,
                    codes = quoted(&known)
                ),
                Said::quoted(correct),
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
