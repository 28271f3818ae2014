//! Stored responses → respondents → the evaluation, and synthetic responses → storage.
//! Blocking: it reads and writes through storage.

use crate::catalog::{Catalog, CatalogError, CurrentSurvey};
use crate::evaluation::{evaluate, Evaluation, EvaluationError, Respondent};
use crate::simulate::simulate;
use crate::storage::{self, NewResponse, StorageError, StoredResponse};
use crate::survey::{FormInput, QualityFlag};

/// The channel recorded for responses made by `minyi simulate`.
pub const SIMULATED: &str = "simulated";

#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Evaluation(#[from] EvaluationError),
    #[error("stored response {id} cannot be read: {reason}")]
    Unreadable { id: String, reason: String },
    #[error("survey {survey} is {state}; simulated responses can only be added while it is a draft or open")]
    NotCollecting { survey: String, state: String },
}

/// Every stored response of a survey, ready for the evaluation.
pub fn respondents(catalog: &Catalog, survey_id: &str) -> Result<Vec<Respondent>, AnalysisError> {
    let mut conn = catalog.database().conn()?;
    storage::load_responses(&mut conn, survey_id)?
        .into_iter()
        .map(respondent)
        .collect()
}

fn respondent(stored: StoredResponse) -> Result<Respondent, AnalysisError> {
    let unreadable = |reason: String| AnalysisError::Unreadable {
        id: stored.id.clone(),
        reason,
    };
    let answers = serde_json::from_str(&stored.answers).map_err(|e| unreadable(e.to_string()))?;
    let quality_flags = stored
        .quality_flags
        .split(',')
        .filter(|f| !f.is_empty())
        .map(|f| {
            QualityFlag::from_name(f)
                .ok_or_else(|| unreadable(format!("unknown quality flag {f:?}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Respondent {
        stratum: stored.stratum,
        answers,
        quality_flags,
        simulated: stored.channel == SIMULATED,
    })
}

/// The evaluation component of a survey from its stored responses, by its current definition.
pub fn evaluate_survey(
    catalog: &Catalog,
    survey_id: &str,
) -> Result<(CurrentSurvey, Evaluation), AnalysisError> {
    let survey = catalog.require(survey_id)?;
    let respondents = respondents(catalog, survey_id)?;
    let evaluation = evaluate(&survey.definition, &respondents)?;
    Ok((survey, evaluation))
}

/// What `minyi simulate` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulationReport {
    pub stored: usize,
    /// Forms already stored by an earlier run with the same seed (the run is idempotent).
    pub already_stored: usize,
    /// Forms the survey's own validation refused (a bug in the simulator if ever non-zero).
    pub refused: usize,
}

/// Creates `count` synthetic responses through the survey's validation and the normal storage
/// path, with channel `simulated`. Re-running with the same seed stores nothing new.
pub fn add_simulated(
    catalog: &Catalog,
    survey_id: &str,
    count: usize,
    seed: u64,
) -> Result<SimulationReport, AnalysisError> {
    let survey = catalog.require(survey_id)?;
    use crate::lifecycle::SurveyState::{Draft, Open};
    if !matches!(survey.record.state, Draft | Open) {
        return Err(AnalysisError::NotCollecting {
            survey: survey_id.to_owned(),
            state: survey.record.state.to_string(),
        });
    }
    let definition = &survey.definition;
    let today = chrono::Utc::now().date_naive().to_string();
    let mut report = SimulationReport {
        stored: 0,
        already_stored: 0,
        refused: 0,
    };
    let mut batch = Vec::new();
    for (index, form) in simulate(definition, count, seed).into_iter().enumerate() {
        let input = FormInput::from_pairs(form.fields);
        let Ok(answers) = definition.validate(&input) else {
            report.refused += 1;
            continue;
        };
        let Some(stratum) = definition.stratum_of(&answers).map(str::to_owned) else {
            report.refused += 1;
            continue;
        };
        let flags = definition.quality_flags(&answers, Some(form.duration_seconds));
        let key = format!("{SIMULATED}:{survey_id}:{seed}:{index}");
        batch.push(NewResponse {
            id: hex::encode(rand::random::<[u8; 16]>()),
            survey_id: survey_id.to_owned(),
            version: survey.record.current_version.clone(),
            stratum,
            channel: SIMULATED.to_owned(),
            submission_key: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(key.as_bytes())),
            answers: serde_json::to_string(&answers).map_err(|e| AnalysisError::Unreadable {
                id: key.clone(),
                reason: e.to_string(),
            })?,
            quality_flags: flags.iter().map(|f| f.name()).collect::<Vec<_>>().join(","),
            duration_seconds: i32::try_from(form.duration_seconds).ok(),
            submitted_on: today.clone(),
        });
    }
    let mut conn = catalog.database().conn()?;
    for chunk in batch.chunks(500) {
        let outcomes = storage::insert_responses(&mut conn, chunk)?;
        for outcome in outcomes {
            match outcome {
                storage::InsertOutcome::Stored => report.stored += 1,
                storage::InsertOutcome::AlreadyStored => report.already_stored += 1,
                // Simulated responses are not held to quotas (insert_responses never says so).
                storage::InsertOutcome::QuotaFull | storage::InsertOutcome::SurveyClosed => {
                    report.refused += 1
                }
            }
        }
    }
    Ok(report)
}
