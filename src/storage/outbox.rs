//! The mail outbox: messages waiting to be sent. Any number of server processes drain it; each
//! claims one message at a time with a lease, so no message is sent by two of them, and a
//! message whose sender died is claimed again once the lease has run out.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};

use super::schema::outbox;
use super::{DbConnection, StorageError};

/// The kind of the notice telling evaluators that results are out (`mail::MailKind`): it
/// goes to staff addresses, and outlives the survey's close.
pub(super) const RESULTS_PUBLISHED: &str = "results_published";
/// The kind of a reminder (`MailKind::Reminder`).
pub(super) const REMINDER: &str = "reminder";

/// A message to queue. Its body is rendered when it is sent.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = outbox)]
pub struct NewMail {
    /// Random; also the message's Message-ID, so a receiver can recognise a repeat.
    pub id: String,
    pub survey_id: String,
    /// `invitation`, `reminder` or `results_published` (see `mail::MailKind`).
    pub kind: String,
    pub recipient: String,
    pub invitation_id: Option<String>,
    /// `zh` or `en`.
    pub lang: String,
}

/// A message this process has claimed and must now send, then `complete` or `fail`.
#[derive(Clone, Debug, QueryableByName)]
pub struct ClaimedMail {
    #[diesel(sql_type = Text)]
    pub id: String,
    #[diesel(sql_type = Text)]
    pub survey_id: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub recipient: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub invitation_id: Option<String>,
    #[diesel(sql_type = Text)]
    pub lang: String,
    /// Tries so far, this one included.
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
}

/// Queues messages (all or none).
pub fn enqueue(conn: &mut DbConnection, mails: &[NewMail]) -> Result<(), StorageError> {
    conn.transaction(|conn| {
        for mail in mails {
            diesel::insert_into(outbox::table)
                .values(mail)
                .execute(conn)?;
        }
        Ok(())
    })
}

const CLAIM_RETURNING: &str =
    "RETURNING id, survey_id, kind, recipient, invitation_id, lang, attempts";

/// Claims one message whose lease has run out (`claimed_until <= now`) and that has been tried
/// fewer than `max_attempts` times: marks it with `claim` until `lease_until`. `None` when there
/// is nothing to send. PostgreSQL skips rows another process is claiming (`FOR UPDATE SKIP
/// LOCKED`); SQLite takes the write lock first (`BEGIN IMMEDIATE`), so the check and the update
/// are one step.
pub fn claim_next(
    conn: &mut DbConnection,
    now: i64,
    lease_until: i64,
    claim: &str,
    max_attempts: i32,
) -> Result<Option<ClaimedMail>, StorageError> {
    let rows: Vec<ClaimedMail> = match conn {
        DbConnection::Postgres(c) => diesel::sql_query(format!(
            "UPDATE outbox SET claim = $1, claimed_until = $2, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM outbox WHERE claimed_until <= $3 AND attempts < $4 \
             ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) {CLAIM_RETURNING}"
        ))
        .bind::<Text, _>(claim)
        .bind::<BigInt, _>(lease_until)
        .bind::<BigInt, _>(now)
        .bind::<Integer, _>(max_attempts)
        .load(c)?,
        DbConnection::Sqlite(c) => c.immediate_transaction(|c| {
            diesel::sql_query(format!(
                "UPDATE outbox SET claim = ?, claimed_until = ?, attempts = attempts + 1 \
                 WHERE id = (SELECT id FROM outbox WHERE claimed_until <= ? AND attempts < ? \
                 ORDER BY id LIMIT 1) {CLAIM_RETURNING}"
            ))
            .bind::<Text, _>(claim)
            .bind::<BigInt, _>(lease_until)
            .bind::<BigInt, _>(now)
            .bind::<Integer, _>(max_attempts)
            .load(c)
        })?,
    };
    Ok(rows.into_iter().next())
}

/// A claimed message was sent: its row goes. False when the claim was lost: the lease ran out
/// and another process claimed it, or the row was deleted meanwhile (a close, or a reminder
/// whose resident asked for no more while it was being sent).
pub fn complete(conn: &mut DbConnection, id: &str, claim: &str) -> Result<bool, StorageError> {
    let deleted = diesel::delete(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::claim.eq(claim)),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

/// A claimed message could not be sent: it is released to be tried again from `retry_at`
/// (unix seconds), or never again when `give_up`.
pub fn fail(
    conn: &mut DbConnection,
    id: &str,
    claim: &str,
    retry_at: i64,
    give_up: Option<i32>,
    error: &str,
) -> Result<(), StorageError> {
    let target = outbox::table
        .filter(outbox::id.eq(id))
        .filter(outbox::claim.eq(claim));
    diesel::update(target)
        .set((
            outbox::claim.eq(None::<String>),
            outbox::claimed_until.eq(retry_at),
            outbox::last_error.eq(error),
        ))
        .execute(conn)?;
    if let Some(attempts) = give_up {
        diesel::update(outbox::table.filter(outbox::id.eq(id)))
            .set(outbox::attempts.eq(attempts))
            .execute(conn)?;
    }
    Ok(())
}

/// A claimed message that need not be sent after all (its invitation was used meanwhile, or
/// its survey closed): its row goes, if this claim still holds it (else another process does).
pub fn discard(conn: &mut DbConnection, id: &str, claim: &str) -> Result<(), StorageError> {
    diesel::delete(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::claim.eq(claim)),
    )
    .execute(conn)?;
    Ok(())
}

/// Messages of a survey still to send, and those given up on (tried `max_attempts` times).
pub fn outbox_counts(
    conn: &mut DbConnection,
    survey_id: &str,
    max_attempts: i32,
) -> Result<(i64, i64), StorageError> {
    counts(conn, Some(survey_id), max_attempts)
}

/// The same for every survey's messages (for `/metrics`).
pub fn outbox_totals(
    conn: &mut DbConnection,
    max_attempts: i32,
) -> Result<(i64, i64), StorageError> {
    counts(conn, None, max_attempts)
}

fn counts(
    conn: &mut DbConnection,
    survey_id: Option<&str>,
    max_attempts: i32,
) -> Result<(i64, i64), StorageError> {
    let of_survey = || {
        let mut query = outbox::table.into_boxed();
        if let Some(id) = survey_id {
            query = query.filter(outbox::survey_id.eq(id));
        }
        query
    };
    let waiting = of_survey()
        .filter(outbox::attempts.lt(max_attempts))
        .count()
        .get_result(conn)?;
    let failed = of_survey()
        .filter(outbox::attempts.ge(max_attempts))
        .count()
        .get_result(conn)?;
    Ok((waiting, failed))
}

/// Why a survey's messages were given up on: each last error with how many messages it ended,
/// most frequent first.
pub fn failure_reasons(
    conn: &mut DbConnection,
    survey_id: &str,
    max_attempts: i32,
) -> Result<Vec<(String, i64)>, StorageError> {
    last_errors(conn, survey_id, max_attempts, true)
}

/// Why a survey's messages still waiting failed at their last try (they will be tried again):
/// each error with how many messages it holds back, most frequent first. A message queued again
/// by `retry_failed` keeps the error that ended it until it is sent.
pub fn retry_reasons(
    conn: &mut DbConnection,
    survey_id: &str,
    max_attempts: i32,
) -> Result<Vec<(String, i64)>, StorageError> {
    last_errors(conn, survey_id, max_attempts, false)
}

/// The last errors of a survey's messages given up on, or of those waiting after a failed try,
/// counted.
fn last_errors(
    conn: &mut DbConnection,
    survey_id: &str,
    max_attempts: i32,
    given_up: bool,
) -> Result<Vec<(String, i64)>, StorageError> {
    let of_survey = outbox::table
        .select(outbox::last_error)
        .filter(outbox::survey_id.eq(survey_id))
        .into_boxed();
    let errors: Vec<Option<String>> = if given_up {
        of_survey.filter(outbox::attempts.ge(max_attempts))
    } else {
        of_survey
            .filter(outbox::attempts.lt(max_attempts))
            .filter(outbox::last_error.is_not_null())
    }
    .load(conn)?;
    Ok(counted(errors))
}

fn counted(errors: Vec<Option<String>>) -> Vec<(String, i64)> {
    let mut counts = std::collections::BTreeMap::<String, i64>::new();
    for error in errors {
        *counts
            .entry(error.unwrap_or_else(|| "(no error recorded)".to_owned()))
            .or_default() += 1;
    }
    let mut reasons: Vec<(String, i64)> = counts.into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    reasons
}

/// Puts a survey's given-up messages back in the queue with their tries counted from zero,
/// to be sent from `now` (after the mail server has been mended). Returns how many.
pub fn retry_failed(
    conn: &mut DbConnection,
    survey_id: &str,
    max_attempts: i32,
    now: i64,
) -> Result<usize, StorageError> {
    Ok(diesel::update(
        outbox::table
            .filter(outbox::survey_id.eq(survey_id))
            .filter(outbox::attempts.ge(max_attempts)),
    )
    .set((
        outbox::attempts.eq(0),
        outbox::claim.eq(None::<String>),
        outbox::claimed_until.eq(now),
    ))
    .execute(conn)?)
}
