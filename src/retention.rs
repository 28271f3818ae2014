//! Retention: `retention_days` after a survey closes (or at once, by `minyi purge`), its free
//! text, client hashes, secret and mail given up on are deleted (and any invited address,
//! already deleted when it closed). What stays (coded answers, county, version, channel,
//! date, quality flags with `duplicate_client` kept) reproduces the evaluation exactly.
//! Blocking: it reads and writes through storage.

use chrono::NaiveDate;

use crate::analysis::{quality_flags, AnalysisError, AnswerReader};
use crate::catalog::{Catalog, CatalogError};
use crate::lifecycle::SurveyState;
use crate::storage::{self, PurgedResponse, StorageError};
use crate::survey::stored_answers;

#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error(
        "survey {survey} is {state}: purging deletes free text and the duplicate check that \
         fieldwork still needs; close it first (`minyi survey close {survey}`)"
    )]
    NotClosed { survey: String, state: SurveyState },
    #[error("survey {survey} has a closing time Minyi cannot read: {value:?}")]
    BadClosedAt { survey: String, value: String },
}

/// What a purge did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgeReport {
    pub survey_id: String,
    pub responses: usize,
    /// Responses that had at least one free-text answer deleted.
    pub free_text_deleted: usize,
    /// Responses newly flagged `duplicate_client` from their hashes before those were deleted.
    pub duplicates_kept: usize,
}

/// Deletes a closed survey's free text, client hashes, secret and mail given up on. Idempotent.
pub fn purge(
    catalog: &Catalog,
    survey_id: &str,
    today: NaiveDate,
) -> Result<PurgeReport, RetentionError> {
    let survey = catalog.require(survey_id)?;
    if !survey.record.state.fieldwork_over() {
        return Err(RetentionError::NotClosed {
            survey: survey_id.to_owned(),
            state: survey.record.state,
        });
    }
    let reader = AnswerReader::new(catalog, survey_id)?;
    let mut conn = catalog.database().conn()?;
    let duplicates = storage::duplicate_client_ids(&mut conn, survey_id)?;
    let stored = storage::load_responses(&mut conn, survey_id)?;
    let mut report = PurgeReport {
        survey_id: survey_id.to_owned(),
        responses: stored.len(),
        free_text_deleted: 0,
        duplicates_kept: 0,
    };
    let mut rewritten = Vec::with_capacity(stored.len());
    for response in &stored {
        let flags = quality_flags(response, &duplicates)?;
        let definition = reader.definition(response)?;
        let mut answers = reader.answers(response)?;
        let before = answers.len();
        crate::privacy::without_free_text(definition, &mut answers);
        if answers.len() != before {
            report.free_text_deleted += 1;
        }
        // `quality_flags` read the stored ones, adding `duplicate_client` where it applies.
        let stored_flags = crate::survey::decode_flags(&response.quality_flags).unwrap_or_default();
        if flags.len() > stored_flags.len() {
            report.duplicates_kept += 1;
        }
        rewritten.push(PurgedResponse {
            slot: response.slot,
            // Stored again in the version's positional form (a response kept from before it
            // is rewritten in it too).
            answers: stored_answers::encode(definition, &answers),
            quality_flags: crate::survey::encode_flags(&flags),
        });
    }
    storage::apply_purge(
        &mut conn,
        survey_id,
        &rewritten,
        &today.to_string(),
        crate::mail::MAX_ATTEMPTS,
    )?;
    // Done when the survey closed; again here, idempotently, in case that step failed then.
    storage::forget_invitation_addresses(&mut conn, survey_id)?;
    storage::erase_arrival_order(&mut conn, survey_id)?;
    catalog.forget_secret(survey_id);
    Ok(report)
}

/// What [`purge_due`] did: the surveys purged, and those it could not purge, each with its
/// error (one survey that fails does not keep the others' free text past its time).
#[derive(Debug, Default)]
pub struct PurgeRun {
    pub purged: Vec<PurgeReport>,
    pub failed: Vec<(String, RetentionError)>,
}

/// Purges every survey whose retention period has ended by `today` and was not purged yet,
/// and destroys any secret a survey that is not open still has. Run at start and daily. A
/// survey that cannot be purged is reported in [`PurgeRun::failed`] and the others go on.
pub fn purge_due(catalog: &Catalog, today: NaiveDate) -> Result<PurgeRun, RetentionError> {
    catalog.destroy_stale_secrets()?;
    // Mail given up on after its survey's purge (results published with --notify later).
    let mut conn = catalog.database().conn()?;
    storage::delete_given_up_mail(&mut conn, None, crate::mail::MAX_ATTEMPTS)
        .map_err(storage::StorageError::from)?;
    drop(conn);
    let mut run = PurgeRun::default();
    for survey in catalog.list()? {
        let Some(closed_at) = survey.record.closed_at.as_deref() else {
            continue;
        };
        if !survey.record.state.fieldwork_over() {
            continue;
        }
        let id = &survey.record.id;
        let due = || -> Result<Option<PurgeReport>, RetentionError> {
            let closed_on = closed_on(id, closed_at)?;
            let mut conn = catalog.database().conn()?;
            let purged = storage::purged_on(&mut conn, id)?;
            drop(conn);
            // Purged since it last closed (a survey reopened and closed again is purged again).
            if purged.is_some_and(|on| on >= closed_on.to_string()) {
                return Ok(None);
            }
            let retention = u64::from(survey.definition.privacy.retention_days);
            if today < closed_on + chrono::Days::new(retention) {
                return Ok(None);
            }
            purge(catalog, id, today).map(Some)
        };
        match due() {
            Ok(Some(report)) => run.purged.push(report),
            Ok(None) => {}
            Err(e) => run.failed.push((id.clone(), e)),
        }
    }
    Ok(run)
}

fn closed_on(survey: &str, closed_at: &str) -> Result<NaiveDate, RetentionError> {
    chrono::DateTime::parse_from_rfc3339(closed_at)
        .map(|t| t.date_naive())
        .map_err(|_| RetentionError::BadClosedAt {
            survey: survey.to_owned(),
            value: closed_at.to_owned(),
        })
}
