//! Published evaluations: stored once, when a survey is published, and read by the public pages.

use diesel::prelude::*;

use super::schema::{published_results, surveys};
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

/// Marks a closed survey published and stores its evaluation, in one transaction. Returns false
/// (and stores nothing) when the survey was no longer closed.
pub fn publish_results(conn: &mut DbConnection, row: &PublishedRow) -> Result<bool, StorageError> {
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
