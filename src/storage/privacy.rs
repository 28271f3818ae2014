//! Per-survey secrets for client hashes, and the purge that deletes what retention allows no
//! longer: free text, client hashes, the secret, mail given up on (see `docs/privacy.md`).

use std::collections::HashSet;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::BigInt;

use super::schema::{outbox, responses, survey_purges, survey_secrets, surveys};
use super::{DbConnection, StorageError};
use crate::lifecycle::SurveyState;

/// The secret keying a survey's client hashes, created from `generate()` by whichever
/// process asks first.
pub fn survey_secret(
    conn: &mut DbConnection,
    survey_id: &str,
    generate: impl FnOnce() -> String,
) -> Result<String, StorageError> {
    let find = |conn: &mut DbConnection| {
        survey_secrets::table
            .select(survey_secrets::secret)
            .filter(survey_secrets::survey_id.eq(survey_id))
            .first::<String>(conn)
            .optional()
    };
    if let Some(secret) = find(conn)? {
        return Ok(secret);
    }
    let inserted = diesel::insert_into(survey_secrets::table)
        .values((
            survey_secrets::survey_id.eq(survey_id),
            survey_secrets::secret.eq(generate()),
        ))
        .execute(conn);
    match inserted {
        Ok(_) | Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {}
        Err(e) => return Err(e.into()),
    }
    find(conn)?
        .ok_or_else(|| StorageError::Corrupt(format!("survey secret of {survey_id} vanished")))
}

/// Whether a survey currently has a secret (for tests and status).
pub fn has_survey_secret(conn: &mut DbConnection, survey_id: &str) -> Result<bool, StorageError> {
    let n: i64 = survey_secrets::table
        .filter(survey_secrets::survey_id.eq(survey_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Deletes the secrets of every survey that is not open (a survey closed by another process,
/// or a secret recreated by a submission racing the close). Returns how many were deleted.
pub fn destroy_secrets_of_surveys_not_open(conn: &mut DbConnection) -> Result<usize, StorageError> {
    let open = surveys::table
        .select(surveys::id)
        .filter(surveys::state.eq(SurveyState::Open.as_str()));
    Ok(
        diesel::delete(survey_secrets::table.filter(survey_secrets::survey_id.ne_all(open)))
            .execute(conn)?,
    )
}

/// Deletes a survey's secret: its client hashes then link to nothing.
pub fn destroy_survey_secret(conn: &mut DbConnection, survey_id: &str) -> Result<(), StorageError> {
    diesel::delete(survey_secrets::table.filter(survey_secrets::survey_id.eq(survey_id)))
        .execute(conn)?;
    Ok(())
}

/// One response as the purge leaves it.
#[derive(Clone, Debug)]
pub struct PurgedResponse {
    pub slot: i64,
    /// The answers without free text, as JSON.
    pub answers: String,
    /// The quality flags, with `duplicate_client` kept where the hash showed one.
    pub quality_flags: String,
}

/// Rewrites a survey's responses as given (client hashes cleared), deletes its secret and
/// the mail of it given up on, and records the purge, in one transaction; then has the database drop the old row versions.
pub fn apply_purge(
    conn: &mut DbConnection,
    survey_id: &str,
    rewritten: &[PurgedResponse],
    today: &str,
    given_up_after: i32,
) -> Result<(), StorageError> {
    conn.transaction(|conn| {
        for response in rewritten {
            diesel::update(
                responses::table
                    .filter(responses::slot.eq(response.slot))
                    .filter(responses::survey_id.eq(survey_id)),
            )
            .set((
                responses::answers.eq(&response.answers),
                responses::quality_flags.eq(&response.quality_flags),
                responses::client_hash.eq(None::<String>),
            ))
            .execute(conn)?;
        }
        let (first, last) = super::responses::survey_slots(conn, survey_id)?;
        diesel::update(
            responses::table
                .filter(responses::slot.between(first, last))
                .filter(responses::survey_id.eq(survey_id)),
        )
        .set(responses::client_hash.eq(None::<String>))
        .execute(conn)?;
        destroy_survey_secret(conn, survey_id)?;
        // The notices that results are out given up on, still holding a staff address (one
        // given with `--notify` may belong to no account, so no account's removal would ever
        // delete it). One still being tried is left to be sent, and deleted then.
        // (Their old row versions go with the outbox's VACUUM in `forget_invitation_addresses`,
        // which the purge runs next.)
        delete_given_up_mail(conn, Some(survey_id), given_up_after)?;
        diesel::delete(survey_purges::table.filter(survey_purges::survey_id.eq(survey_id)))
            .execute(conn)?;
        diesel::insert_into(survey_purges::table)
            .values((
                survey_purges::survey_id.eq(survey_id),
                survey_purges::purged_on.eq(today),
            ))
            .execute(conn)?;
        Ok::<_, StorageError>(())
    })?;
    drop_old_row_versions(conn)
}

/// Erases what the database itself remembers of the order a closed survey's responses
/// arrived in. PostgreSQL stamps every row version with the id of the transaction that wrote it
/// (the hidden `xmin` column, which rises with time and matches the transaction ids of rows in
/// other tables written at known times) and appends rows to its heap in arrival order (`ctid`):
/// anyone allowed to `SELECT` from `responses` could order them by either. So the survey's
/// rows are written again in one transaction, in slot order, and the old versions vacuumed:
/// afterwards they share one `xmin` and their heap places follow their slots. A `SHARE ROW
/// EXCLUSIVE` lock first waits for any writer still inside a transaction that stores a response
/// of this survey (one that checked the survey open just before it closed) and keeps new ones
/// out until the rewrite commits; it also makes a second rewrite of the same rows (a close and
/// a daily run on another node) wait for the first instead of failing on its copies. SQLite
/// has neither column: the table is kept in rowid order and its rowid is the random slot, and
/// closing empties its write-ahead log (`forget_invitation_addresses`). Idempotent. Returns how many responses were rewritten
/// (0 on SQLite).
pub fn erase_arrival_order(
    conn: &mut DbConnection,
    survey_id: &str,
) -> Result<usize, StorageError> {
    let DbConnection::Postgres(_) = conn else {
        return Ok(0);
    };
    let (first, last) = super::responses::survey_slots(conn, survey_id)?;
    let rewritten = conn.transaction(|conn| {
        diesel::sql_query("LOCK TABLE responses IN SHARE ROW EXCLUSIVE MODE").execute(conn)?;
        diesel::sql_query(
            "CREATE TEMPORARY TABLE closing_responses ON COMMIT DROP AS \
             SELECT * FROM responses WHERE slot BETWEEN $1 AND $2",
        )
        .bind::<BigInt, _>(first)
        .bind::<BigInt, _>(last)
        .execute(conn)?;
        diesel::delete(responses::table.filter(responses::slot.between(first, last)))
            .execute(conn)?;
        diesel::sql_query("INSERT INTO responses SELECT * FROM closing_responses ORDER BY slot")
            .execute(conn)
    })?;
    drop_old_row_versions(conn)?;
    Ok(rewritten)
}

/// Deleted and overwritten values linger in database files until reused. SQLite (with
/// `secure_delete` on, see `connection.rs`) has zeroed them in its pages; the checkpoint
/// copies those pages home and truncates the write-ahead log holding the old versions.
/// PostgreSQL's VACUUM marks the dead row versions free for reuse.
fn drop_old_row_versions(conn: &mut DbConnection) -> Result<(), StorageError> {
    match conn {
        DbConnection::Sqlite(c) => super::empty_sqlite_log(c)?,
        DbConnection::Postgres(c) => c.batch_execute("VACUUM responses, survey_secrets")?,
    }
    Ok(())
}

/// Deletes the mail given up on (tried `given_up_after` times) of survey `survey_id`, or of
/// every purged survey when `None`: a notice of results given up on after its survey's purge
/// (published, with `--notify`, once purged) goes at the next daily run. Returns how many.
pub fn delete_given_up_mail(
    conn: &mut DbConnection,
    survey_id: Option<&str>,
    given_up_after: i32,
) -> Result<usize, DieselError> {
    let given_up = outbox::table.filter(outbox::attempts.ge(given_up_after));
    match survey_id {
        Some(id) => diesel::delete(given_up.filter(outbox::survey_id.eq(id))).execute(conn),
        None => {
            let purged = survey_purges::table.select(survey_purges::survey_id);
            diesel::delete(given_up.filter(outbox::survey_id.eq_any(purged))).execute(conn)
        }
    }
}

/// The date a survey was purged, if it was.
pub fn purged_on(conn: &mut DbConnection, survey_id: &str) -> Result<Option<String>, StorageError> {
    Ok(survey_purges::table
        .select(survey_purges::purged_on)
        .filter(survey_purges::survey_id.eq(survey_id))
        .first(conn)
        .optional()?)
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}

/// The responses of a survey to flag `duplicate_client`: of those sharing a client hash, all
/// but the one with the smallest id (ids are random, so neither the first nor the last answer
/// is favoured). Computed in the database, so the evaluation can still stream the responses.
pub fn duplicate_client_ids(
    conn: &mut DbConnection,
    survey_id: &str,
) -> Result<HashSet<String>, StorageError> {
    // Window functions, not a self-join: the table has no index on the hash (storing a
    // response updates no index but the slot's; see `responses::slot_of`).
    const QUERY: &str = "SELECT id FROM ( \
         SELECT id, ROW_NUMBER() OVER (PARTITION BY client_hash ORDER BY id) AS nth \
         FROM responses WHERE slot BETWEEN {1} AND {2} AND survey_id = {3} \
         AND client_hash IS NOT NULL) ranked WHERE nth > 1";
    let (first, last) = super::responses::survey_slots(conn, survey_id)?;
    let rows: Vec<Id> = match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(
            QUERY
                .replace("{1}", "?")
                .replace("{2}", "?")
                .replace("{3}", "?"),
        )
        .bind::<diesel::sql_types::BigInt, _>(first)
        .bind::<diesel::sql_types::BigInt, _>(last)
        .bind::<diesel::sql_types::Text, _>(survey_id)
        .load(c)?,
        DbConnection::Postgres(c) => diesel::sql_query(
            QUERY
                .replace("{1}", "$1")
                .replace("{2}", "$2")
                .replace("{3}", "$3"),
        )
        .bind::<diesel::sql_types::BigInt, _>(first)
        .bind::<diesel::sql_types::BigInt, _>(last)
        .bind::<diesel::sql_types::Text, _>(survey_id)
        .load(c)?,
    };
    Ok(rows.into_iter().map(|r| r.id).collect())
}

#[derive(QueryableByName)]
struct ColumnName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// The column names of a table as the database has them, in table order (for tests that
/// guard what the responses table may hold).
pub fn table_columns(conn: &mut DbConnection, table: &str) -> Result<Vec<String>, StorageError> {
    let rows: Vec<ColumnName> = match conn {
        DbConnection::Sqlite(c) => diesel::sql_query("SELECT name FROM pragma_table_info(?)")
            .bind::<diesel::sql_types::Text, _>(table)
            .load(c)?,
        DbConnection::Postgres(c) => diesel::sql_query(
            "SELECT column_name::text AS name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind::<diesel::sql_types::Text, _>(table)
        .load(c)?,
    };
    Ok(rows.into_iter().map(|r| r.name).collect())
}
