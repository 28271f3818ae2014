//! What importing a survey file would do, said before anything is done: the web's import page
//! shows it and asks to confirm (the command line imports at once). The same checks as the
//! import itself, which makes them again when it is confirmed.

use std::path::Path;

use super::{short, Catalog, CatalogError};
use crate::lifecycle::SurveyState;
use crate::storage;
use crate::survey::{version_of, Survey, Text};

/// What an import of the file would do to the survey it defines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportPlan {
    /// A survey this installation does not have: a draft, or open at once when its file says
    /// `open_on_import`.
    New { opens: bool },
    /// The survey already has this very file as its current version: nothing to import.
    Unchanged { state: SurveyState },
    /// A new version replacing the current one (`current`, shortened); the `responses` stored
    /// keep the version they answered.
    NewVersion {
        current: String,
        state: SurveyState,
        responses: i64,
    },
    /// Back to a version the survey had before its current one (`current`, shortened).
    Restores {
        current: String,
        state: SurveyState,
        responses: i64,
    },
}

/// A survey file checked for import.
#[derive(Debug)]
pub struct CheckedImport {
    pub survey: Survey,
    /// The file's version (the SHA-256 of its text, in hex).
    pub version: String,
    pub plan: ImportPlan,
    /// The survey's current version and state as checked (`None`: no such survey yet): the
    /// import then replaces only that (`Replacing::Only`), so that what the person was told
    /// still holds.
    pub current: Option<(String, SurveyState)>,
    /// The file has the id of a survey whose file has another name and another title: most
    /// often a copy made for a new survey, its id left as it was. The command line refuses
    /// it; the page says so and lets the person go on.
    pub another_survey: Option<AnotherSurvey>,
}

/// The survey whose id a file has, when the file's name and title are both another.
#[derive(Clone, Debug, PartialEq)]
pub struct AnotherSurvey {
    /// Its title now, in both languages.
    pub title: Text,
    pub file: String,
}

impl Catalog {
    /// Checks a survey file's text as importing it would, and says what the import would do.
    /// `name` is the file's name as the publisher knows it: problems name it, and the
    /// "another survey's id" check compares it with the file the survey came from.
    pub fn check_import(&self, name: &Path, source: &str) -> Result<CheckedImport, CatalogError> {
        let survey = self.read_for_import(source, &name.display().to_string())?;
        let version = version_of(source);
        let mut conn = self.db.conn()?;
        let record = storage::find_survey(&mut conn, &survey.id)?;
        let current = record
            .as_ref()
            .map(|r| (r.current_version.clone(), r.state));
        let mut another_survey = None;
        let plan = match record {
            None => ImportPlan::New {
                opens: survey.open_on_import,
            },
            Some(record) if record.current_version == version => ImportPlan::Unchanged {
                state: record.state,
            },
            Some(record) => {
                let copy = match self.check_same_survey(&mut conn, name, &record, &survey) {
                    Err(copy @ CatalogError::AnotherSurveysId { .. }) => Some(copy),
                    other => other.map(|()| None)?,
                };
                let file_name = name.display().to_string();
                if let Err(refusal) =
                    self.check_new_version(&mut conn, &file_name, &record, &survey)
                {
                    // A copy made for a new survey is refused as a version of the survey whose
                    // id it kept (its questions are "dropped"): the id is what to put right.
                    return Err(copy.unwrap_or(refusal));
                }
                if let Some(CatalogError::AnotherSurveysId { other_file, .. }) = copy {
                    let now =
                        self.definition_with(&mut conn, &record.id, &record.current_version)?;
                    another_survey = Some(AnotherSurvey {
                        title: now.title.clone(),
                        file: other_file,
                    })
                }
                let responses = storage::count_by_stratum(&mut conn, &record.id)?
                    .iter()
                    .map(|(_, n)| n)
                    .sum();
                let current = short(&record.current_version).to_owned();
                let state = record.state;
                if storage::version_ids(&mut conn, &record.id)?.contains(&version) {
                    ImportPlan::Restores {
                        current,
                        state,
                        responses,
                    }
                } else {
                    ImportPlan::NewVersion {
                        current,
                        state,
                        responses,
                    }
                }
            }
        };
        Ok(CheckedImport {
            survey,
            version,
            plan,
            current,
            another_survey,
        })
    }
}
