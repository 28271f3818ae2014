//! Anonymous responses: stored once per rendered form, counted by county, read back for analysis.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::schema::responses;
use super::{DbConnection, StorageError};

/// A validated response ready to store. Nothing here identifies a person or a device.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = responses)]
pub struct NewResponse {
    pub id: String,
    pub survey_id: String,
    pub version: String,
    pub stratum: String,
    pub channel: String,
    /// Hash of the rendered form's token: a repeat of the same submission collides here.
    pub submission_key: String,
    /// The answers as JSON, keyed by question id.
    pub answers: String,
    /// Quality flags, comma-separated (`too_fast,straightlining`), empty when none.
    pub quality_flags: String,
    pub duration_seconds: Option<i32>,
    /// The date only (YYYY-MM-DD, UTC); no time of day is kept.
    pub submitted_on: String,
    /// HMAC of the client's cookie or network under the survey's secret (`privacy::client`),
    /// for flagging duplicates; `None` for bulk sources. Never the cookie or address itself.
    pub client_hash: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InsertOutcome {
    Stored,
    /// The same rendered form was already submitted; nothing new was stored.
    AlreadyStored,
    /// The response's county has reached its quota; nothing was stored.
    QuotaFull,
    /// The survey is no longer open (closed since the form was checked); nothing was stored.
    SurveyClosed,
    /// The invitation the response came through was used by another form; nothing was stored.
    InvitationUsed,
}

/// Stores a response in one durable transaction. A second copy of the same submission (double
/// tap, browser retry, concurrent duplicates) hits the unique `submission_key` and is reported
/// as `AlreadyStored`, on both backends, without a separate read first.
pub fn insert_response(
    conn: &mut DbConnection,
    response: &NewResponse,
) -> Result<InsertOutcome, StorageError> {
    match diesel::insert_into(responses::table)
        .values(response)
        .execute(conn)
    {
        Ok(_) => Ok(InsertOutcome::Stored),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            Ok(InsertOutcome::AlreadyStored)
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether the form whose submission key this is was stored already.
pub fn is_stored(conn: &mut DbConnection, submission_key: &str) -> Result<bool, StorageError> {
    let n: i64 = responses::table
        .filter(responses::submission_key.eq(submission_key))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Completed responses of a survey per county code, in code order.
pub fn count_by_stratum(
    conn: &mut DbConnection,
    survey_id: &str,
) -> Result<Vec<(String, i64)>, StorageError> {
    Ok(responses::table
        .filter(responses::survey_id.eq(survey_id))
        .group_by(responses::stratum)
        .select((responses::stratum, diesel::dsl::count_star()))
        .order(responses::stratum.asc())
        .load(conn)?)
}

/// A stored response as analysis reads it.
#[derive(Clone, Debug, Queryable)]
pub struct StoredResponse {
    pub id: String,
    pub version: String,
    pub stratum: String,
    pub channel: String,
    pub answers: String,
    pub quality_flags: String,
    pub duration_seconds: Option<i32>,
    pub submitted_on: String,
    pub client_hash: Option<String>,
}

/// Every response of a survey, in a stable order (by id, which is random: insertion order is
/// not recoverable from it).
pub fn load_responses(
    conn: &mut DbConnection,
    survey_id: &str,
) -> Result<Vec<StoredResponse>, StorageError> {
    let mut all = Vec::new();
    for_each_response(conn, survey_id, |row| {
        all.push(row);
        Ok::<(), StorageError>(())
    })?;
    Ok(all)
}

/// Stores many responses in one transaction (for bulk sources such as `minyi simulate`); those
/// whose submission key is already stored are skipped and reported as `AlreadyStored`.
pub fn insert_responses(
    conn: &mut DbConnection,
    batch: &[NewResponse],
) -> Result<Vec<InsertOutcome>, StorageError> {
    conn.transaction(|conn| {
        let keys: Vec<&str> = batch.iter().map(|r| r.submission_key.as_str()).collect();
        let existing: std::collections::HashSet<String> = responses::table
            .select(responses::submission_key)
            .filter(responses::submission_key.eq_any(&keys))
            .load::<String>(conn)?
            .into_iter()
            .collect();
        let mut outcomes = Vec::with_capacity(batch.len());
        for response in batch {
            if existing.contains(&response.submission_key) {
                outcomes.push(InsertOutcome::AlreadyStored);
            } else {
                diesel::insert_into(responses::table)
                    .values(response)
                    .execute(conn)?;
                outcomes.push(InsertOutcome::Stored);
            }
        }
        Ok(outcomes)
    })
}

/// Calls `visit` with every response of a survey, one at a time, without holding them all in
/// memory (a million responses stream through in constant space).
pub fn for_each_response<E>(
    conn: &mut DbConnection,
    survey_id: &str,
    mut visit: impl FnMut(StoredResponse) -> Result<(), E>,
) -> Result<(), E>
where
    E: From<StorageError>,
{
    let rows = responses::table
        .filter(responses::survey_id.eq(survey_id))
        .select((
            responses::id,
            responses::version,
            responses::stratum,
            responses::channel,
            responses::answers,
            responses::quality_flags,
            responses::duration_seconds,
            responses::submitted_on,
            responses::client_hash,
        ))
        .order(responses::id.asc())
        .load_iter::<StoredResponse, diesel::connection::DefaultLoadingMode>(conn)
        .map_err(StorageError::from)?;
    for row in rows {
        visit(row.map_err(StorageError::from)?)?;
    }
    Ok(())
}

/// Responses of a survey counted by county, date and quality flags: all the publisher's
/// fieldwork dashboard needs, in one grouped query.
pub fn fieldwork_counts(
    conn: &mut DbConnection,
    survey_id: &str,
) -> Result<Vec<(String, String, String, i64)>, StorageError> {
    Ok(responses::table
        .filter(responses::survey_id.eq(survey_id))
        .group_by((
            responses::stratum,
            responses::submitted_on,
            responses::quality_flags,
        ))
        .select((
            responses::stratum,
            responses::submitted_on,
            responses::quality_flags,
            diesel::dsl::count_star(),
        ))
        .order((responses::stratum.asc(), responses::submitted_on.asc()))
        .load(conn)?)
}
