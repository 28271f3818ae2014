//! Creating and dropping whole PostgreSQL databases: for test isolation (each test its own
//! database) and for operators preparing a server.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::Connection;

use super::StorageError;

/// The URL of database `name` on the server that `server_url` points at.
pub fn postgres_database_url(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server_url, None),
    };
    let authority_end = base
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| base[start..].find('/').map(|j| start + j))
        .unwrap_or(base.len());
    let mut url = format!("{}/{name}", &base[..authority_end]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

fn check_name(name: &str) -> Result<(), StorageError> {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        Ok(())
    } else {
        Err(StorageError::Corrupt(format!(
            "refusing database name {name:?}: use [a-z0-9_]"
        )))
    }
}

/// Creates database `name` on the server; returns its URL.
pub fn create_postgres_database(server_url: &str, name: &str) -> Result<String, StorageError> {
    check_name(name)?;
    let mut conn = PgConnection::establish(server_url)
        .map_err(|e| StorageError::Migration(format!("cannot reach {server_url}: {e}")))?;
    conn.batch_execute(&format!("CREATE DATABASE {name}"))?;
    Ok(postgres_database_url(server_url, name))
}

/// Drops database `name`, disconnecting whoever still uses it.
pub fn drop_postgres_database(server_url: &str, name: &str) -> Result<(), StorageError> {
    check_name(name)?;
    let mut conn = PgConnection::establish(server_url)
        .map_err(|e| StorageError::Migration(format!("cannot reach {server_url}: {e}")))?;
    conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::postgres_database_url;

    #[test]
    fn a_database_url_replaces_only_the_database_name() {
        let cases = [
            (
                "postgres://postgres@127.0.0.1:5432/postgres",
                "postgres://postgres@127.0.0.1:5432/t1",
            ),
            (
                "postgres://postgres@127.0.0.1:5432",
                "postgres://postgres@127.0.0.1:5432/t1",
            ),
            (
                "postgresql://u:p@h/db?sslmode=disable",
                "postgresql://u:p@h/t1?sslmode=disable",
            ),
        ];
        for (server, expected) in cases {
            assert_eq!(postgres_database_url(server, "t1"), expected, "{server}");
        }
    }
}
