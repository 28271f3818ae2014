//! Server-wide secrets kept in the database, so that every Minyi process on one database signs
//! and checks form tokens with the same key.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::schema::server_keys;
use super::{DbConnection, StorageError};

/// The secret called `name`, created from `generate()` by whichever process asks first.
pub fn server_key(
    conn: &mut DbConnection,
    name: &str,
    generate: impl FnOnce() -> String,
) -> Result<String, StorageError> {
    let find = |conn: &mut DbConnection| {
        server_keys::table
            .select(server_keys::secret)
            .filter(server_keys::name.eq(name))
            .first::<String>(conn)
            .optional()
    };
    if let Some(secret) = find(conn)? {
        return Ok(secret);
    }
    let inserted = diesel::insert_into(server_keys::table)
        .values((
            server_keys::name.eq(name),
            server_keys::secret.eq(generate()),
        ))
        .execute(conn);
    match inserted {
        Ok(_) | Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {}
        Err(e) => return Err(e.into()),
    }
    find(conn)?.ok_or_else(|| StorageError::Corrupt(format!("server key {name} vanished")))
}
