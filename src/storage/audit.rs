//! The audit log: appended to, read, and nothing else. There is deliberately no function here
//! that updates or deletes an entry, and the database refuses both (see the migration).

use diesel::prelude::*;

use super::schema::audit_log;
use super::{DbConnection, StorageError};

/// One entry as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub survey_id: Option<String>,
    pub manifest_sha256: Option<String>,
    pub detail: String,
}

/// One entry as read, with its place in the log.
#[derive(Clone, Debug, Queryable)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub survey_id: Option<String>,
    pub manifest_sha256: Option<String>,
    pub detail: String,
}

pub fn append_audit(conn: &mut DbConnection, entry: &NewAuditEntry) -> Result<(), StorageError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(&entry.at),
            audit_log::actor.eq(&entry.actor),
            audit_log::action.eq(&entry.action),
            audit_log::survey_id.eq(&entry.survey_id),
            audit_log::manifest_sha256.eq(&entry.manifest_sha256),
            audit_log::detail.eq(&entry.detail),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether the log holds an entry like `entry` (its actor, action, survey and detail; an entry
/// without a survey matches none) made at `since` or later. `since` is RFC 3339 as `at` is
/// written (`YYYY-MM-DDTHH:MM:SSZ`, whose text order is time order).
pub fn has_audit_entry_since(
    conn: &mut DbConnection,
    entry: &NewAuditEntry,
    since: &str,
) -> Result<bool, StorageError> {
    let query = audit_log::table
        .select(audit_log::seq)
        .filter(audit_log::actor.eq(&entry.actor))
        .filter(audit_log::action.eq(&entry.action))
        .filter(audit_log::detail.eq(&entry.detail))
        .filter(audit_log::at.ge(since))
        .into_boxed();
    // `= NULL` is never true in SQL: an entry of no survey is found by `IS NULL`.
    let query = match &entry.survey_id {
        Some(survey_id) => query.filter(audit_log::survey_id.eq(survey_id)),
        None => query.filter(audit_log::survey_id.is_null()),
    };
    Ok(query.first::<i64>(conn).optional()?.is_some())
}

/// Which entries to read: each field set narrows them (an exact match), `before` pages back
/// (entries numbered below it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub actor: Option<String>,
    pub survey_id: Option<String>,
    pub before: Option<i64>,
}

/// The newest `limit` entries, newest first.
pub fn recent_audit(conn: &mut DbConnection, limit: i64) -> Result<Vec<AuditEntry>, StorageError> {
    filtered_audit(conn, &AuditFilter::default(), limit)
}

/// The newest `limit` entries that `filter` lets through, newest first.
pub fn filtered_audit(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    limit: i64,
) -> Result<Vec<AuditEntry>, StorageError> {
    let mut query = audit_log::table
        .select((
            audit_log::seq,
            audit_log::at,
            audit_log::actor,
            audit_log::action,
            audit_log::survey_id,
            audit_log::manifest_sha256,
            audit_log::detail,
        ))
        .into_boxed();
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::action.eq(action));
    }
    if let Some(actor) = &filter.actor {
        query = query.filter(audit_log::actor.eq(actor));
    }
    if let Some(survey_id) = &filter.survey_id {
        query = query.filter(audit_log::survey_id.eq(survey_id));
    }
    if let Some(before) = filter.before {
        query = query.filter(audit_log::seq.lt(before));
    }
    Ok(query.order(audit_log::seq.desc()).limit(limit).load(conn)?)
}
