//! Survey definitions: a survey file (TOML) read into validated types, and the validation
//! of the answers submitted to it. Pure: no I/O; the caller passes the file's text and name.
//!
//! - [`Survey::from_toml`] reads and checks a file, reporting every problem with the file
//!   name, the key path and what was expected ([`SurveyFileError`]).
//! - [`Survey::validate`] turns a submitted form ([`FormInput`]) into [`Answers`], applying
//!   `show_if` conditions ([`Survey::visible`]) and `required`.
//! - [`Indicator::value`] gives one respondent's value of an indicator;
//!   [`Survey::quality_flags`] the quality flags of one response.
//! - [`stored_answers`] is the form answers take in the database, read back with the
//!   definition of the version they answered.
//! - [`version_of`] identifies the exact file a response was collected under.
//!
//! The file format is documented in `docs/survey-format.md`.

mod answers;
mod conditions;
mod definition;
mod error;
mod file;
mod form_input;
mod indicators;
mod load;
mod notes;
mod quality;
pub mod stored_answers;
mod syntax_hints;
mod versions;

use sha2::{Digest, Sha256};

pub use answers::{parse_number, Answer, AnswerErrors, AnswerProblem, Answers};
pub use conditions::Condition;
pub use definition::{
    Choice, Lang, Margin, PrivacyRules, Question, QuestionKind, Role, Scale, Strata, Stratum,
    Survey, Text, WeightingRules, CHINA_UTC_OFFSET_SECONDS,
};
pub(crate) use error::said;
pub use error::{FileProblem, Said, SurveyFileError, SyntaxHint};
pub use form_input::FormInput;
pub use indicators::{reaches, Indicator, Measure, Scoring, TIE_TOLERANCE};
pub use quality::{decode_flags, encode_flags, QualityFlag, QualityRules};
pub use stored_answers::StoredAnswersError;

use error::Problems;
use file::Document;

/// The version of a survey file: the lowercase hex SHA-256 of its bytes. Responses record
/// it, so that every answer can be tied to the exact questions it answered.
pub fn version_of(source: &str) -> String {
    hex::encode(Sha256::digest(source.as_bytes()))
}

impl Survey {
    /// Reads and checks a survey file. `file_name` is only used in problems.
    ///
    /// Every problem found is reported, not just the first: unknown keys, values of the
    /// wrong type, and every cross-reference check (see `docs/survey-format.md`). A TOML
    /// syntax error stops reading and is reported alone, with its line and column.
    pub fn from_toml(source: &str, file_name: &str) -> Result<Survey, SurveyFileError> {
        Survey::read(source, file_name, false)
    }

    /// Reads a survey's text as an earlier import stored it (or a result set released it), by
    /// the rules it was accepted under: a rule added since for new files only (no two options,
    /// items or points with one label) is not applied, so a survey running or published
    /// before it still loads, answers and verifies.
    pub fn from_stored_toml(source: &str, file_name: &str) -> Result<Survey, SurveyFileError> {
        Survey::read(source, file_name, true)
    }

    fn read(source: &str, file_name: &str, stored: bool) -> Result<Survey, SurveyFileError> {
        let failure = |problems: Vec<FileProblem>| SurveyFileError {
            file: file_name.to_string(),
            problems,
        };
        // Windows editors may start a UTF-8 file with a byte-order mark.
        let text = source.strip_prefix('\u{feff}').unwrap_or(source);
        let document = Document::parse(text).map_err(|problem| failure(vec![*problem]))?;
        let mut problems = Problems {
            stored,
            ..Problems::default()
        };
        let raw = document.read(&mut problems);
        let survey = load::build(raw, &mut problems);
        match survey {
            Some(survey) if problems.is_empty() => Ok(survey),
            _ => {
                let mut list = problems.list;
                if list.is_empty() {
                    list.push(FileProblem::new(
                        "survey",
                        error::said!("complete_file", "a complete survey file"),
                    ));
                }
                document.add_lines(&mut list);
                list.sort_by_key(|problem| problem.line.unwrap_or(usize::MAX));
                Err(failure(list))
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
