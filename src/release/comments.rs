//! `comments-{id}.csv`: what residents wrote in a closed survey's free-text questions, for the
//! evaluator to read for context. Never published, and not part of the result set: the purge
//! deletes free text `retention_days` after the close, and a result set must verify the same
//! before and after it.
//!
//! One row per answer: the question, its words, the county, whether it is a trial run's, and
//! the text as stored (scrubbed of phone numbers, identity numbers and the like on arrival,
//! `privacy::scrub`). Nothing joins a comment to the other answers of its response in
//! `responses.csv`, since the text may name its writer:
//! - no response number, and no channel (a county's few invitation answers would be few rows);
//! - rows sorted by question, county and text, so neither the order of arrival nor a
//!   response's random slot can be read from them;
//! - a comment carries its county only where at least `k_anonymity` residents of that county
//!   answered: the county then narrows its writer to no fewer than k residents' rows of
//!   `responses.csv` (and a county too small to be released there is not named here either);
//! - a question shown only after some answer ("other: which?") narrows its writers to the rows
//!   with that answer: its comments carry no county, and are withheld altogether while fewer
//!   than `k_anonymity` residents were shown it.

use std::collections::{HashMap, HashSet};

use crate::analysis::{AnalysisError, AnswerReader};
use crate::audit::{AuditAction, AuditEvent};
use crate::catalog::{Catalog, CatalogError};
use crate::release::{CsvFile, Encoding};
use crate::storage::{self, StorageError};
use crate::survey::{Answer, Lang, QuestionKind, Survey};

/// The columns of `comments-{id}.csv`.
pub const HEADER: [&str; 5] = [
    "question",
    "question_text",
    "county",
    "simulated",
    "comment",
];

/// One free-text answer.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Comment {
    /// Where the question stands in the survey (questions of older versions last).
    pub position: usize,
    pub question: String,
    pub question_text: String,
    /// The county's place in the survey's list of counties (first when none is given).
    pub county_position: usize,
    /// Empty for a question shown only after some answer, and in a county fewer than
    /// `k_anonymity` residents answered from.
    pub county: String,
    /// Written by `minyi simulate`, not by a resident.
    pub simulated: bool,
    pub text: String,
}

/// The comments of one survey, ready to hand over.
#[derive(Clone, Debug)]
pub struct CommentsFile {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub comments: usize,
    /// Comments left out: their question was shown to fewer than `k_anonymity` residents.
    pub withheld: usize,
    /// The day the purge deleted the free text answered before it, if it has run.
    pub purged_on: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CommentsError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error("survey {survey} is {state}: its comments are handed over once fieldwork is over, with the result set; close it first (`minyi survey close {survey}`)")]
    StillOpen { survey: String, state: String },
    #[error("the free-text answers of survey {survey} were deleted by its purge on {on} (run {retention_days} days after the close, as its [privacy] retention_days says, or earlier with `minyi purge`); nothing is left to hand over")]
    Purged {
        survey: String,
        on: String,
        retention_days: u32,
    },
    #[error("survey {0} asks no free-text question: it has no comments to hand over")]
    NoFreeText(String),
    #[error("cannot write the comments file: {0}")]
    Csv(#[from] csv::Error),
}

/// The comments file's name.
pub fn file_name(survey_id: &str, encoding: Encoding) -> String {
    match encoding {
        Encoding::Utf8WithBom => format!("comments-{survey_id}.csv"),
        Encoding::Utf8 => format!("comments-{survey_id}-utf8.csv"),
    }
}

/// Whether a survey asks anything residents answer in their own words.
pub fn asks_free_text(survey: &Survey) -> bool {
    survey
        .questions
        .iter()
        .any(|q| matches!(q.kind, QuestionKind::Text { .. }))
}

/// The free-text answers of `answers`, a response of county `stratum` (`simulated` or not) to
/// `definition`, labelled as `current` (the survey's current version) names them in `lang`.
pub fn comments_of(
    current: &Survey,
    definition: &Survey,
    answers: &crate::survey::Answers,
    stratum: &str,
    simulated: bool,
    lang: Lang,
) -> Vec<Comment> {
    let (county_position, county) = current
        .strata
        .units
        .iter()
        .enumerate()
        .find(|(_, unit)| unit.code == stratum)
        .map_or((usize::MAX, stratum.to_owned()), |(i, unit)| {
            (i, unit.name.get(lang).to_owned())
        });
    definition
        .questions
        .iter()
        .filter(|q| matches!(q.kind, QuestionKind::Text { .. }))
        .filter_map(|q| match answers.get(&q.id) {
            Some(Answer::Code(text)) if !text.trim().is_empty() => {
                let comment = Comment {
                    position: current
                        .questions
                        .iter()
                        .position(|c| c.id == q.id)
                        .unwrap_or(usize::MAX),
                    question: q.id.clone(),
                    question_text: q.text.get(lang).to_owned(),
                    county_position,
                    county: county.clone(),
                    simulated,
                    text: text.clone(),
                };
                Some(if q.show_if.is_some() {
                    without_county(comment)
                } else {
                    comment
                })
            }
            _ => None,
        })
        .collect()
}

/// The same comment, its county left out (listed first among its question's).
fn without_county(comment: Comment) -> Comment {
    Comment {
        county_position: 0,
        county: String::new(),
        ..comment
    }
}

/// The CSV of `comments`, sorted so that their order tells nothing of their responses.
pub fn comments_csv(mut comments: Vec<Comment>, encoding: Encoding) -> Result<Vec<u8>, csv::Error> {
    comments.sort();
    let mut file = CsvFile::new(encoding, &HEADER)?;
    for c in &comments {
        file.row([
            c.question.as_str(),
            &c.question_text,
            &c.county,
            if c.simulated { "true" } else { "false" },
            &c.text,
        ])?;
    }
    file.finish()
}

/// Every free-text answer of a closed or published survey, as `comments-{id}.csv`.
pub fn comments(
    catalog: &Catalog,
    survey_id: &str,
    encoding: Encoding,
    lang: Lang,
) -> Result<CommentsFile, CommentsError> {
    let current = catalog.require(survey_id)?;
    if !current.record.state.fieldwork_over() {
        return Err(CommentsError::StillOpen {
            survey: survey_id.to_owned(),
            state: current.record.state.to_string(),
        });
    }
    let reader = AnswerReader::new(catalog, survey_id)?;
    if !reader.versions().any(asks_free_text) {
        return Err(CommentsError::NoFreeText(survey_id.to_owned()));
    }
    let mut conn = catalog.database().conn()?;
    let purged_on = storage::purged_on(&mut conn, survey_id)?;
    let mut all = Vec::new();
    // Residents shown each conditional question: its comments' writers are among them.
    let mut shown: HashMap<String, u32> = HashMap::new();
    let mut conditional: HashSet<String> = HashSet::new();
    // Residents who answered from each county: a comment's county points to them.
    let mut residents: HashMap<String, u32> = HashMap::new();
    storage::for_each_response(&mut conn, survey_id, |stored| {
        let definition = reader.definition(&stored)?;
        let answers = reader.answers(&stored)?;
        let simulated = stored.channel == crate::analysis::SIMULATED;
        if !simulated {
            *residents.entry(stored.stratum.clone()).or_default() += 1;
        }
        for q in definition.questions.iter().filter(|q| q.show_if.is_some()) {
            conditional.insert(q.id.clone());
            if !simulated && definition.visible(q, &answers) {
                *shown.entry(q.id.clone()).or_default() += 1;
            }
        }
        let of_response = comments_of(
            &current.definition,
            definition,
            &answers,
            &stored.stratum,
            simulated,
            lang,
        );
        all.extend(of_response.into_iter().map(|c| (stored.stratum.clone(), c)));
        Ok::<(), CommentsError>(())
    })?;
    let k = current.definition.privacy.k_anonymity;
    let before = all.len();
    all.retain(|(_, c)| {
        c.simulated
            || !conditional.contains(&c.question)
            || shown.get(&c.question).copied().unwrap_or(0) >= k
    });
    let all: Vec<Comment> = all
        .into_iter()
        .map(|(stratum, c)| {
            if c.simulated || residents.get(&stratum).copied().unwrap_or(0) >= k {
                c
            } else {
                without_county(c)
            }
        })
        .collect();
    let withheld = before - all.len();
    if before == 0 {
        if let Some(on) = purged_on {
            return Err(CommentsError::Purged {
                survey: survey_id.to_owned(),
                on,
                retention_days: current.definition.privacy.retention_days,
            });
        }
    }
    let comments = all.len();
    Ok(CommentsFile {
        file_name: file_name(survey_id, encoding),
        bytes: comments_csv(all, encoding)?,
        comments,
        withheld,
        purged_on,
    })
}

/// [`comments`], recorded in the audit log as read by `actor`.
pub fn hand_over(
    catalog: &Catalog,
    survey_id: &str,
    encoding: Encoding,
    lang: Lang,
    actor: &str,
) -> Result<CommentsFile, CommentsError> {
    let file = comments(catalog, survey_id, encoding, lang)?;
    crate::audit::record(
        catalog.database(),
        AuditEvent {
            actor,
            action: AuditAction::CommentsRead,
            survey_id: Some(survey_id),
            manifest_sha256: None,
            detail: format!(
                "{} ({} comments, {} withheld)",
                file.file_name, file.comments, file.withheld
            ),
        },
    )?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(position: usize, county_position: usize, text: &str) -> Comment {
        Comment {
            position,
            question: format!("q{position}"),
            question_text: "意见".into(),
            county_position,
            county: format!("county {county_position}"),
            simulated: false,
            text: text.into(),
        }
    }

    #[test]
    fn comments_are_listed_by_question_then_county_then_text_whatever_order_they_came_in() {
        let csv = comments_csv(
            vec![
                comment(3, 1, "b"),
                comment(2, 5, "z"),
                comment(3, 0, "c"),
                comment(3, 1, "a"),
            ],
            Encoding::Utf8,
        )
        .unwrap();
        let text = String::from_utf8(csv).unwrap();
        let order: Vec<&str> = text
            .lines()
            .skip(1)
            .map(|l| l.rsplit(',').next().unwrap())
            .collect();
        assert_eq!(order, ["z", "c", "a", "b"]);
    }

    #[test]
    fn a_comment_a_spreadsheet_would_run_is_defanged_and_the_excel_file_has_its_mark() {
        let csv = comments_csv(
            vec![comment(1, 1, "=HYPERLINK(\"x\")")],
            Encoding::Utf8WithBom,
        )
        .unwrap();
        let text = String::from_utf8(csv).unwrap();
        assert!(text.starts_with('\u{feff}'));
        assert!(text.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{text}");
    }
}
