//! Accounts, the surveys granted to evaluators, and failed sign-ins counted for throttling.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::outbox::RESULTS_PUBLISHED;
use super::schema::{grants, login_failures, outbox, users};
use super::{DbConnection, StorageError};

/// An account as stored. The role is checked by the `accounts` module.
#[derive(Clone, Debug, Queryable)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub role: String,
    pub password_hash: String,
    pub session_epoch: i32,
    pub created_at: String,
}

const USER_COLUMNS: (
    users::id,
    users::email,
    users::role,
    users::password_hash,
    users::session_epoch,
    users::created_at,
) = (
    users::id,
    users::email,
    users::role,
    users::password_hash,
    users::session_epoch,
    users::created_at,
);

/// Stores a new account; `Ok(false)` when the e-mail address is already taken.
pub fn insert_user(conn: &mut DbConnection, user: &UserRow) -> Result<bool, StorageError> {
    let inserted = diesel::insert_into(users::table)
        .values((
            users::id.eq(&user.id),
            users::email.eq(&user.email),
            users::role.eq(&user.role),
            users::password_hash.eq(&user.password_hash),
            users::session_epoch.eq(user.session_epoch),
            users::created_at.eq(&user.created_at),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub fn find_user_by_email(
    conn: &mut DbConnection,
    email: &str,
) -> Result<Option<UserRow>, StorageError> {
    Ok(users::table
        .select(USER_COLUMNS)
        .filter(users::email.eq(email))
        .first(conn)
        .optional()?)
}

pub fn find_user(conn: &mut DbConnection, id: &str) -> Result<Option<UserRow>, StorageError> {
    Ok(users::table
        .select(USER_COLUMNS)
        .filter(users::id.eq(id))
        .first(conn)
        .optional()?)
}

/// Every account, by e-mail address.
pub fn list_users(conn: &mut DbConnection) -> Result<Vec<UserRow>, StorageError> {
    Ok(users::table
        .select(USER_COLUMNS)
        .order(users::email.asc())
        .load(conn)?)
}

/// Raises an account's session epoch, so that every session cookie issued before is refused.
pub fn bump_session_epoch(conn: &mut DbConnection, id: &str) -> Result<(), StorageError> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set(users::session_epoch.eq(users::session_epoch + 1))
        .execute(conn)?;
    Ok(())
}

/// Gives an account a survey; `Ok(false)` when it already had it.
pub fn insert_grant(
    conn: &mut DbConnection,
    user_id: &str,
    survey_id: &str,
    now: &str,
) -> Result<bool, StorageError> {
    let inserted = diesel::insert_into(grants::table)
        .values((
            grants::user_id.eq(user_id),
            grants::survey_id.eq(survey_id),
            grants::granted_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub fn has_grant(
    conn: &mut DbConnection,
    user_id: &str,
    survey_id: &str,
) -> Result<bool, StorageError> {
    let n: i64 = grants::table
        .filter(grants::user_id.eq(user_id))
        .filter(grants::survey_id.eq(survey_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The surveys granted to an account, by id.
pub fn granted_surveys(
    conn: &mut DbConnection,
    user_id: &str,
) -> Result<Vec<String>, StorageError> {
    Ok(grants::table
        .select(grants::survey_id)
        .filter(grants::user_id.eq(user_id))
        .order(grants::survey_id.asc())
        .load(conn)?)
}

/// The accounts a survey is granted to (for notifying its evaluators), by e-mail address.
pub fn grantees(conn: &mut DbConnection, survey_id: &str) -> Result<Vec<UserRow>, StorageError> {
    Ok(users::table
        .inner_join(grants::table)
        .filter(grants::survey_id.eq(survey_id))
        .select(USER_COLUMNS)
        .order(users::email.asc())
        .load(conn)?)
}

/// Counts one sign-in attempt under a key before its password is checked, and returns the
/// key's (window start, attempts) with it. The count is raised in the database in one
/// statement, so attempts sent at the same moment each get a number of their own (reading the
/// count and writing it back let a burst of guesses count as one). A window that started at or
/// before `stale_before` has ended: its rows, this key's and any other's, are deleted first,
/// so this attempt opens a new window at `now`.
pub fn count_login_attempt(
    conn: &mut DbConnection,
    key: &str,
    now: i64,
    stale_before: i64,
) -> Result<(i64, i32), StorageError> {
    conn.transaction(|conn| {
        delete_ended_login_windows(conn, stale_before)?;
        let upsert = diesel::insert_into(login_failures::table)
            .values((
                login_failures::throttle_key.eq(key),
                login_failures::window_start.eq(now),
                login_failures::failures.eq(1),
            ))
            .on_conflict(login_failures::throttle_key)
            .do_update()
            .set(login_failures::failures.eq(login_failures::failures + 1));
        match conn {
            DbConnection::Sqlite(c) => upsert.execute(c)?,
            DbConnection::Postgres(c) => upsert.execute(c)?,
        };
        Ok(login_failures::table
            .select((login_failures::window_start, login_failures::failures))
            .filter(login_failures::throttle_key.eq(key))
            .first(conn)?)
    })
}

/// The (window start, attempts) a key has counted in a window that started after
/// `stale_before` (has not ended), if any: read only, nothing written.
pub fn login_attempts(
    conn: &mut DbConnection,
    key: &str,
    stale_before: i64,
) -> Result<Option<(i64, i32)>, StorageError> {
    Ok(login_failures::table
        .select((login_failures::window_start, login_failures::failures))
        .filter(login_failures::throttle_key.eq(key))
        .filter(login_failures::window_start.gt(stale_before))
        .first(conn)
        .optional()?)
}

/// Deletes the sign-in counts of every window that started at or before `stale_before` (ended),
/// and returns how many. Attempts delete them as they come; the daily run deletes what a quiet
/// server's last attempts left.
pub fn delete_ended_login_windows(
    conn: &mut DbConnection,
    stale_before: i64,
) -> Result<usize, StorageError> {
    Ok(
        diesel::delete(login_failures::table.filter(login_failures::window_start.le(stale_before)))
            .execute(conn)?,
    )
}

/// Takes back one attempt counted under a key (a sign-in that succeeded is no failure of its
/// network's).
pub fn uncount_login_attempt(conn: &mut DbConnection, key: &str) -> Result<(), StorageError> {
    diesel::update(
        login_failures::table
            .filter(login_failures::throttle_key.eq(key))
            .filter(login_failures::failures.gt(0)),
    )
    .set(login_failures::failures.eq(login_failures::failures - 1))
    .execute(conn)?;
    Ok(())
}

/// Forgets the failures under a key (after a successful sign-in to that account).
pub fn clear_login_failures(conn: &mut DbConnection, key: &str) -> Result<(), StorageError> {
    diesel::delete(login_failures::table.filter(login_failures::throttle_key.eq(key)))
        .execute(conn)?;
    Ok(())
}

/// The throttle key of an account's failed sign-ins from browsers it has not signed in with.
pub fn account_key(id: &str) -> String {
    format!("account:{id}")
}

/// The throttle key of the failed sign-ins to an address no account has, from a keyed hash of
/// it: counted like an account's, so that the sixth wrong password says the same whether the
/// address has an account or not, without storing the address.
pub fn address_key(hash: &str) -> String {
    format!("address:{hash}")
}

/// The throttle key of an account's failed sign-ins from browsers it has signed in with
/// before (`accounts::session::KNOWN_BROWSER_COOKIE`).
pub fn known_browser_key(id: &str) -> String {
    format!("known:{id}")
}

/// Replaces an account's password hash, signs it out everywhere (its sessions carry the old
/// epoch) and forgets its failed sign-ins, so that a locked-out account can sign in with the
/// new password at once; `Ok(false)` when there is no such account.
pub fn replace_password(
    conn: &mut DbConnection,
    id: &str,
    password_hash: &str,
) -> Result<bool, StorageError> {
    let keys = [account_key(id), known_browser_key(id)];
    Ok(conn.transaction(|conn| {
        diesel::delete(login_failures::table.filter(login_failures::throttle_key.eq_any(&keys)))
            .execute(conn)?;
        diesel::update(users::table.filter(users::id.eq(id)))
            .set((
                users::password_hash.eq(password_hash),
                users::session_epoch.eq(users::session_epoch + 1),
            ))
            .execute(conn)
            .map(|changed| changed == 1)
    })?)
}

/// What `delete_user` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserDeletion {
    Deleted,
    NoSuchUser,
    /// Nothing was deleted: the account is the last one with the role to keep.
    LastOfItsRole,
}

/// Deletes an account with its grants, its failed sign-ins and any notice of published results
/// still in the outbox for its address (waiting, or given up on), in one transaction; its
/// sessions then find no account. The audit log keeps its e-mail address as the actor of what
/// it did. The last account with the role `keep_one` is not deleted: the count is taken in the
/// same transaction, with PostgreSQL's row locks on the role's accounts (SQLite's one writer
/// does the same), so two removals at once cannot take the last two.
pub fn delete_user(
    conn: &mut DbConnection,
    id: &str,
    keep_one: &str,
) -> Result<UserDeletion, StorageError> {
    let keys = [account_key(id), known_browser_key(id)];
    Ok(conn.transaction(|conn| {
        // The locks come first. PostgreSQL: the role's accounts, so that a second removal
        // waits here and then counts without the first one's account. SQLite: its one write
        // lock, taken before any read (`sqlite_write_lock`).
        let of_role = users::table
            .filter(users::role.eq(keep_one))
            .select(users::id);
        let holders: Vec<String> = match conn {
            DbConnection::Sqlite(c) => {
                super::sqlite_write_lock(c)?;
                of_role.load(c)?
            }
            DbConnection::Postgres(c) => of_role.for_update().load(c)?,
        };
        let user: Option<(String, String)> = users::table
            .filter(users::id.eq(id))
            .select((users::role, users::email))
            .first(conn)
            .optional()?;
        let email = match user {
            None => return Ok(UserDeletion::NoSuchUser),
            Some((role, _)) if role == keep_one && holders.iter().all(|holder| holder == id) => {
                return Ok(UserDeletion::LastOfItsRole);
            }
            Some((_, email)) => email,
        };
        diesel::delete(grants::table.filter(grants::user_id.eq(id))).execute(conn)?;
        diesel::delete(
            outbox::table
                .filter(outbox::kind.eq(RESULTS_PUBLISHED))
                .filter(outbox::recipient.eq(&email)),
        )
        .execute(conn)?;
        diesel::delete(login_failures::table.filter(login_failures::throttle_key.eq_any(&keys)))
            .execute(conn)?;
        let deleted = diesel::delete(users::table.filter(users::id.eq(id))).execute(conn)?;
        Ok::<_, DieselError>(if deleted == 1 {
            UserDeletion::Deleted
        } else {
            UserDeletion::NoSuchUser
        })
    })?)
}

/// Takes a survey back from an account; `Ok(false)` when it did not have it.
pub fn delete_grant(
    conn: &mut DbConnection,
    user_id: &str,
    survey_id: &str,
) -> Result<bool, StorageError> {
    let deleted = diesel::delete(
        grants::table
            .filter(grants::user_id.eq(user_id))
            .filter(grants::survey_id.eq(survey_id)),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}
