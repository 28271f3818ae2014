//! PostgreSQL: a group of responses inserted by one statement whose text never changes, so that
//! the server parses and plans it once per connection rather than once per group.
//!
//! diesel's multi-row insert writes one `VALUES (…)` tuple per row, a different statement for
//! every group size, and never keeps an `ON CONFLICT` statement prepared: the server parsed
//! and planned every group's insert (~12% of its CPU under load, issue 8). Here each column
//! travels as one array parameter and `unnest` turns them back into rows:
//!
//! ```sql
//! INSERT INTO responses (slot, id, …) SELECT * FROM unnest($1::int8[], $2::text[], …)
//! ON CONFLICT (slot) DO NOTHING RETURNING id, slot
//! ```

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Nullable, Text};

use super::responses::NewResponse;

/// Inserts every row whose slot is free; the `(id, slot)` of each row inserted.
pub(super) fn insert_unless_taken(
    conn: &mut PgConnection,
    rows: &[&NewResponse],
) -> QueryResult<Vec<(String, i64)>> {
    UnnestInsert::new(rows).load(conn)
}

struct UnnestInsert<'a> {
    slot: Vec<i64>,
    id: Vec<&'a str>,
    survey_id: Vec<&'a str>,
    version: Vec<&'a str>,
    stratum: Vec<&'a str>,
    channel: Vec<&'a str>,
    answers: Vec<&'a str>,
    quality_flags: Vec<&'a str>,
    submitted_on: Vec<&'a str>,
    client_hash: Vec<Option<&'a str>>,
}

impl<'a> UnnestInsert<'a> {
    fn new(rows: &[&'a NewResponse]) -> UnnestInsert<'a> {
        UnnestInsert {
            slot: rows.iter().map(|r| r.slot).collect(),
            id: rows.iter().map(|r| r.id.as_str()).collect(),
            survey_id: rows.iter().map(|r| r.survey_id.as_str()).collect(),
            version: rows.iter().map(|r| r.version.as_str()).collect(),
            stratum: rows.iter().map(|r| r.stratum.as_str()).collect(),
            channel: rows.iter().map(|r| r.channel.as_str()).collect(),
            answers: rows.iter().map(|r| r.answers.as_str()).collect(),
            quality_flags: rows.iter().map(|r| r.quality_flags.as_str()).collect(),
            submitted_on: rows.iter().map(|r| r.submitted_on.as_str()).collect(),
            client_hash: rows.iter().map(|r| r.client_hash.as_deref()).collect(),
        }
    }
}

impl QueryFragment<Pg> for UnnestInsert<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "INSERT INTO responses (slot, id, survey_id, version, stratum, channel, answers, \
             quality_flags, submitted_on, client_hash) SELECT * FROM unnest(",
        );
        out.push_bind_param::<Array<BigInt>, _>(&self.slot)?;
        for column in [
            &self.id,
            &self.survey_id,
            &self.version,
            &self.stratum,
            &self.channel,
            &self.answers,
            &self.quality_flags,
        ] {
            out.push_sql(", ");
            out.push_bind_param::<Array<Text>, _>(column)?;
        }
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.submitted_on)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.client_hash)?;
        out.push_sql(") ON CONFLICT (slot) DO NOTHING RETURNING id, slot");
        Ok(())
    }
}

impl Query for UnnestInsert<'_> {
    type SqlType = (Text, BigInt);
}

/// The same text whatever the rows: diesel may keep it prepared.
impl QueryId for UnnestInsert<'_> {
    type QueryId = UnnestInsert<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl RunQueryDsl<PgConnection> for UnnestInsert<'_> {}
