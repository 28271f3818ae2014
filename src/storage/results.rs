//! Published evaluations: stored once, when a survey is published, and read by the public pages.

use diesel::prelude::*;

use super::outbox::NewMail;
use super::schema::{outbox, published_results, result_sets, surveys};
use super::{DbConnection, StorageError};
use crate::lifecycle::SurveyState;

/// A published evaluation as stored.
#[derive(Clone, Debug, Queryable)]
pub struct PublishedRow {
    pub survey_id: String,
    pub version: String,
    pub published_at: String,
    /// The evaluation as JSON.
    pub evaluation: String,
}

/// Marks a closed survey published, stores its evaluation and queues the messages that say so,
/// in one transaction. Returns false (and stores nothing) when the survey was no longer closed.
pub fn publish_results(
    conn: &mut DbConnection,
    row: &PublishedRow,
    notifications: &[NewMail],
) -> Result<bool, StorageError> {
    conn.transaction(|conn| {
        let moved = diesel::update(
            surveys::table
                .filter(surveys::id.eq(&row.survey_id))
                .filter(surveys::state.eq(SurveyState::Closed.as_str())),
        )
        .set((
            surveys::state.eq(SurveyState::Published.as_str()),
            surveys::published_at.eq(&row.published_at),
        ))
        .execute(conn)?;
        if moved != 1 {
            return Ok(false);
        }
        diesel::insert_into(published_results::table)
            .values((
                published_results::survey_id.eq(&row.survey_id),
                published_results::version.eq(&row.version),
                published_results::published_at.eq(&row.published_at),
                published_results::evaluation.eq(&row.evaluation),
            ))
            .execute(conn)?;
        for mail in notifications {
            diesel::insert_into(outbox::table)
                .values(mail)
                .execute(conn)?;
        }
        Ok(true)
    })
}

pub fn find_published(
    conn: &mut DbConnection,
    survey_id: &str,
) -> Result<Option<PublishedRow>, StorageError> {
    Ok(published_results::table
        .filter(published_results::survey_id.eq(survey_id))
        .select((
            published_results::survey_id,
            published_results::version,
            published_results::published_at,
            published_results::evaluation,
        ))
        .first(conn)
        .optional()?)
}

/// A result set as recorded: what the public page shows so that a downloaded copy can be checked.
#[derive(Clone, Debug, PartialEq, Eq, Queryable)]
pub struct ResultSetRow {
    pub survey_id: String,
    pub version: String,
    pub manifest_sha256: String,
    pub merkle_root: String,
    pub responses: i64,
    pub recorded_at: String,
    /// The manifest SHA-256 of the plain UTF-8 encoding of the same result set, when known.
    pub manifest_sha256_utf8: Option<String>,
}

/// Records a survey version's result set (replacing an earlier record of the same version). A
/// record without the plain UTF-8 hash keeps the one already recorded for the same result set
/// (the same Excel manifest: the same responses), so that a later Excel download does not
/// take it off the public page.
pub fn record_result_set(conn: &mut DbConnection, row: &ResultSetRow) -> Result<(), StorageError> {
    conn.transaction(|conn| {
        // It reads before it writes: the write lock first (`super::sqlite_write_lock`).
        if let DbConnection::Sqlite(c) = conn {
            super::sqlite_write_lock(c)?;
        }
        let utf8 = match &row.manifest_sha256_utf8 {
            Some(hash) => Some(hash.clone()),
            None => find_result_set(conn, &row.survey_id, &row.version)?
                .filter(|old| old.manifest_sha256 == row.manifest_sha256)
                .and_then(|old| old.manifest_sha256_utf8),
        };
        diesel::delete(
            result_sets::table
                .filter(result_sets::survey_id.eq(&row.survey_id))
                .filter(result_sets::version.eq(&row.version)),
        )
        .execute(conn)?;
        diesel::insert_into(result_sets::table)
            .values((
                result_sets::survey_id.eq(&row.survey_id),
                result_sets::version.eq(&row.version),
                result_sets::manifest_sha256.eq(&row.manifest_sha256),
                result_sets::merkle_root.eq(&row.merkle_root),
                result_sets::responses.eq(row.responses),
                result_sets::recorded_at.eq(&row.recorded_at),
                result_sets::manifest_sha256_utf8.eq(&utf8),
            ))
            .execute(conn)?;
        Ok::<_, StorageError>(())
    })
}

pub fn find_result_set(
    conn: &mut DbConnection,
    survey_id: &str,
    version: &str,
) -> Result<Option<ResultSetRow>, StorageError> {
    Ok(result_sets::table
        .filter(result_sets::survey_id.eq(survey_id))
        .filter(result_sets::version.eq(version))
        .select((
            result_sets::survey_id,
            result_sets::version,
            result_sets::manifest_sha256,
            result_sets::merkle_root,
            result_sets::responses,
            result_sets::recorded_at,
            result_sets::manifest_sha256_utf8,
        ))
        .first(conn)
        .optional()?)
}
