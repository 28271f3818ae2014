//! Publishing a closed survey: its evaluation is computed once and stored as a snapshot, which the
//! public pages and the results API render from (never recomputing per request).

use std::sync::Arc;

use crate::analysis::{evaluate_survey, AnalysisError};
use crate::catalog::{now_rfc3339, Catalog, CatalogError};
use crate::evaluation::Evaluation;
use crate::lifecycle::Transition;
use crate::storage::{self, PublishedRow, StorageError};
use crate::survey::Survey;

/// A survey's published results, as the public sees them.
#[derive(Clone)]
pub struct PublishedResults {
    pub survey_id: String,
    /// The survey-file version the evaluation was computed with.
    pub version: String,
    pub published_at: String,
    pub evaluation: Evaluation,
    /// The definition of that version (labels, thresholds' sources, methodology).
    pub definition: Arc<Survey>,
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error("cannot publish survey {survey}: {source}")]
    Evaluation {
        survey: String,
        source: AnalysisError,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("the stored results of survey {survey} cannot be read: {reason}")]
    Unreadable { survey: String, reason: String },
}

/// Publishes a closed survey: evaluates its responses and stores the evaluation with the state
/// change, in one transaction. Illegal moves (not closed) are refused with the reason.
pub fn publish(catalog: &Catalog, survey_id: &str) -> Result<PublishedResults, PublishError> {
    let survey = catalog.require(survey_id)?;
    survey
        .record
        .state
        .apply(Transition::Publish)
        .map_err(|source| CatalogError::Illegal {
            id: survey_id.to_owned(),
            source,
        })?;
    let (survey, evaluation) =
        evaluate_survey(catalog, survey_id).map_err(|source| PublishError::Evaluation {
            survey: survey_id.to_owned(),
            source,
        })?;
    let row = PublishedRow {
        survey_id: survey_id.to_owned(),
        version: survey.record.current_version.clone(),
        published_at: now_rfc3339(),
        evaluation: serde_json::to_string(&evaluation).map_err(|e| PublishError::Unreadable {
            survey: survey_id.to_owned(),
            reason: e.to_string(),
        })?,
    };
    let mut conn = catalog.database().conn()?;
    if !storage::publish_results(&mut conn, &row)? {
        return Err(CatalogError::Raced(survey_id.to_owned()).into());
    }
    Ok(PublishedResults {
        survey_id: row.survey_id,
        version: row.version,
        published_at: row.published_at,
        evaluation,
        definition: survey.definition,
    })
}

/// The published results of a survey, or `None` before it is published.
pub fn published(
    catalog: &Catalog,
    survey_id: &str,
) -> Result<Option<PublishedResults>, PublishError> {
    let mut conn = catalog.database().conn()?;
    let Some(row) = storage::find_published(&mut conn, survey_id)? else {
        return Ok(None);
    };
    drop(conn);
    let evaluation =
        serde_json::from_str(&row.evaluation).map_err(|e| PublishError::Unreadable {
            survey: survey_id.to_owned(),
            reason: e.to_string(),
        })?;
    let definition = catalog.definition(survey_id, &row.version)?;
    Ok(Some(PublishedResults {
        survey_id: row.survey_id,
        version: row.version,
        published_at: row.published_at,
        evaluation,
        definition,
    }))
}
