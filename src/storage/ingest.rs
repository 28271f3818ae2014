//! Storing submitted responses in groups: one transaction (one durable commit) for every
//! response waiting, each still idempotent by its id (from its form's token) and held to its county's quota.

use std::collections::HashMap;

use diesel::prelude::*;

use super::responses::{insert_unless_stored, survey_slots, InsertOutcome, NewResponse};
use super::schema::{responses, stratum_quotas, survey_versions, surveys, unused_invitations};
use super::{DbConnection, StorageError};
use crate::lifecycle::SurveyState;

/// One response to store, with the quota of its county when the survey sets one, and the
/// invitation it came through, if any (used up in the same transaction).
#[derive(Clone, Debug)]
pub struct Submission {
    pub response: NewResponse,
    pub quota: Option<u32>,
    pub invitation_id: Option<String>,
}

/// Stores every submission in one transaction and returns each one's outcome, in order. Nothing
/// is visible, and nothing may be acknowledged, until this returns `Ok`: the commit is durable
/// (SQLite `synchronous = FULL`, PostgreSQL's default `synchronous_commit`).
///
/// A submission whose key is already stored (a retry, or a copy earlier in the same group) is
/// `AlreadyStored`; one whose county has no place left is `QuotaFull` and leaves no row (and a
/// copy, later in the group, of a refused submission is refused the same way).
pub fn store_submissions(
    conn: &mut DbConnection,
    group: &[&Submission],
) -> Result<Vec<InsertOutcome>, StorageError> {
    conn.transaction(|conn| {
        // One statement for the whole group (on PostgreSQL one round trip, not one per row).
        // It is also the transaction's first statement: see `settle` for why that matters.
        let rows: Vec<&NewResponse> = group.iter().map(|s| &s.response).collect();
        let inserted = insert_all_unless_stored(conn, &rows)?;
        let mut open = HashMap::new();
        // A copy of a form settled earlier in the group shares its row: it is told what the
        // first was told (`AlreadyStored` if that was stored), and takes no second quota place
        // nor uses the invitation again (which would find it used and delete the row).
        let mut settled: HashMap<&str, InsertOutcome> = HashMap::new();
        let mut outcomes = Vec::with_capacity(group.len());
        for submission in group {
            let id = submission.response.id.as_str();
            let outcome = match settled.get(id) {
                Some(InsertOutcome::Stored) => InsertOutcome::AlreadyStored,
                Some(first) => first.clone(),
                None => {
                    let outcome = settle(conn, submission, &inserted, &mut open)?;
                    settled.insert(id, outcome.clone());
                    outcome
                }
            };
            outcomes.push(outcome);
        }
        Ok::<_, diesel::result::Error>(outcomes)
    })
    .map_err(StorageError::from)
}

/// Inserts every row whose key is not stored yet (the first of several copies in the group
/// wins) and returns the slot each inserted row took, by key. PostgreSQL: one statement for
/// every row (`unnest_insert`), then one by one for the few whose slot was taken; SQLite (no
/// round trips to save): one cached statement per row.
fn insert_all_unless_stored(
    conn: &mut DbConnection,
    rows: &[&NewResponse],
) -> Result<HashMap<String, i64>, diesel::result::Error> {
    let mut inserted = HashMap::new();
    let pending: Vec<&NewResponse> = match conn {
        DbConnection::Sqlite(_) => rows.to_vec(),
        DbConnection::Postgres(c) => {
            inserted.extend(super::unnest_insert::insert_unless_taken(c, rows)?);
            rows.iter()
                .copied()
                .filter(|row| !inserted.contains_key(&row.id))
                .collect()
        }
    };
    for row in pending {
        if let Some(slot) = insert_unless_stored(conn, row)? {
            inserted.insert(row.id.clone(), slot);
        }
    }
    Ok(inserted)
}

/// Decides one submission's outcome once the group's rows are inserted. The insert came first:
/// on SQLite a transaction that reads before it writes cannot wait for another process's write
/// lock (its snapshot would be stale) and fails as busy.
fn settle<'a>(
    conn: &mut DbConnection,
    submission: &'a Submission,
    inserted_in_group: &HashMap<String, i64>,
    open: &mut HashMap<(&'a str, &'a str), bool>,
) -> Result<InsertOutcome, diesel::result::Error> {
    let response = &submission.response;
    let inserted = inserted_in_group.get(&response.id).copied();
    // Checked here, in the transaction that stores the answer, so that a survey closed a
    // moment ago (from any process) takes no more answers, whatever the web layer last saw.
    // The same query checks that the database holds the version the answers were given to,
    // once per group: what a foreign key did for every row (see the migration
    // `responses_without_version_check`). A version it does not hold cannot come from a form
    // it served; such a response is refused like one to a closed survey and leaves no row.
    let key = (response.survey_id.as_str(), response.version.as_str());
    let is_open = match open.get(&key) {
        Some(is_open) => *is_open,
        None => {
            let state: Option<String> = surveys::table
                .inner_join(survey_versions::table)
                .select(surveys::state)
                .filter(surveys::id.eq(&response.survey_id))
                .filter(survey_versions::version.eq(&response.version))
                .first(conn)
                .optional()?;
            let is_open = state.as_deref() == Some(SurveyState::Open.as_str());
            open.insert(key, is_open);
            is_open
        }
    };
    if !is_open {
        if let Some(slot) = inserted {
            delete_response(conn, slot)?;
        }
        return Ok(InsertOutcome::SurveyClosed);
    }
    let Some(slot) = inserted else {
        return Ok(InsertOutcome::AlreadyStored);
    };
    if let Some(quota) = submission.quota {
        ensure_quota_row(conn, response, inserted_in_group)?;
        // Conditional: under concurrency (other connections, other processes) the row lock
        // makes each place go to exactly one response.
        let taken = diesel::update(
            stratum_quotas::table
                .filter(stratum_quotas::survey_id.eq(&response.survey_id))
                .filter(stratum_quotas::stratum.eq(&response.stratum))
                .filter(stratum_quotas::accepted.lt(i32::try_from(quota).unwrap_or(i32::MAX))),
        )
        .set(stratum_quotas::accepted.eq(stratum_quotas::accepted + 1))
        .execute(conn)?;
        if taken == 0 {
            delete_response(conn, slot)?;
            return Ok(InsertOutcome::QuotaFull);
        }
    }
    if let Some(invitation) = &submission.invitation_id {
        // Using an invitation deletes its row: an UPDATE would leave a row version written by
        // this transaction, the one storing the response (docs/privacy.md, "Invitations").
        let used = diesel::delete(
            unused_invitations::table.filter(unused_invitations::invitation_id.eq(invitation)),
        )
        .execute(conn)?;
        if used == 0 {
            if submission.quota.is_some() {
                give_back_quota_place(conn, response)?;
            }
            delete_response(conn, slot)?;
            return Ok(InsertOutcome::InvitationUsed);
        }
    }
    Ok(InsertOutcome::Stored)
}

/// The places each county has taken against its quota, by county code: counties that have
/// taken none yet may be missing.
pub fn quota_places_taken(
    conn: &mut DbConnection,
    survey_id: &str,
) -> Result<Vec<(String, i32)>, StorageError> {
    Ok(stratum_quotas::table
        .filter(stratum_quotas::survey_id.eq(survey_id))
        .select((stratum_quotas::stratum, stratum_quotas::accepted))
        .load(conn)?)
}

fn give_back_quota_place(
    conn: &mut DbConnection,
    response: &NewResponse,
) -> Result<(), diesel::result::Error> {
    diesel::update(
        stratum_quotas::table
            .filter(stratum_quotas::survey_id.eq(&response.survey_id))
            .filter(stratum_quotas::stratum.eq(&response.stratum)),
    )
    .set(stratum_quotas::accepted.eq(stratum_quotas::accepted - 1))
    .execute(conn)?;
    Ok(())
}

fn delete_response(conn: &mut DbConnection, slot: i64) -> Result<(), diesel::result::Error> {
    diesel::delete(responses::table.filter(responses::slot.eq(slot))).execute(conn)?;
    Ok(())
}

/// Creates the county's quota row if it is missing, counting the responses stored before this
/// group (whose rows are inserted and take their places one by one).
fn ensure_quota_row(
    conn: &mut DbConnection,
    response: &NewResponse,
    inserted_in_group: &HashMap<String, i64>,
) -> Result<(), diesel::result::Error> {
    let (survey_id, stratum) = (response.survey_id.as_str(), response.stratum.as_str());
    let exists = stratum_quotas::table
        .filter(stratum_quotas::survey_id.eq(survey_id))
        .filter(stratum_quotas::stratum.eq(stratum))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if exists {
        return Ok(());
    }
    let (first, last) = survey_slots(conn, survey_id)?;
    let stored: i64 = responses::table
        .filter(responses::slot.between(first, last))
        .filter(responses::survey_id.eq(survey_id))
        .filter(responses::stratum.eq(stratum))
        // A trial run's simulated responses take no resident's place.
        .filter(responses::channel.ne(crate::analysis::SIMULATED))
        .filter(responses::slot.ne_all(inserted_in_group.values()))
        .count()
        .get_result(conn)?;
    let row = (
        stratum_quotas::survey_id.eq(survey_id),
        stratum_quotas::stratum.eq(stratum),
        stratum_quotas::accepted.eq(i32::try_from(stored).unwrap_or(i32::MAX)),
    );
    let query = diesel::insert_into(stratum_quotas::table)
        .values(row)
        .on_conflict((stratum_quotas::survey_id, stratum_quotas::stratum))
        .do_nothing();
    match conn {
        DbConnection::Sqlite(c) => query.execute(c)?,
        DbConnection::Postgres(c) => query.execute(c)?,
    };
    Ok(())
}
