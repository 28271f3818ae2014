//! Anonymous responses: stored once per rendered form, counted by county, read back for analysis.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::schema::{responses, surveys};
use super::{DbConnection, StorageError};

/// Bits of a slot below the survey's number.
const SLOT_BITS: u32 = 47;
const SLOT_MASK: i64 = (1 << SLOT_BITS) - 1;
/// The largest survey number a database holds, so that every slot is a positive 64-bit integer.
pub const MAX_SURVEY_NUMBER: i32 = (1 << (63 - SLOT_BITS)) - 1;

/// The slot a response with key `id` takes in a survey numbered `survey_number`, unless another
/// key took it first: the number in the top bits, 47 bits of SHA-256(`id`) below.
///
/// Why slots: the responses table is keyed by this one integer and has no other index, so that
/// storing a response writes one page (issue 8). A survey's responses are one range of slots;
/// within it their order is random, and says nothing about who answered or when.
pub fn slot_of(survey_number: i32, id: &str) -> i64 {
    let digest = <sha2::Sha256 as sha2::Digest>::digest(id.as_bytes());
    let mut low = [0u8; 8];
    low.copy_from_slice(&digest[..8]);
    (i64::from(survey_number) << SLOT_BITS) | (i64::from_be_bytes(low) & SLOT_MASK)
}

/// The slot after `slot` in the same survey's range (wrapping within it), where a key goes
/// when its own slot holds another key.
fn next_slot(slot: i64) -> i64 {
    (slot & !SLOT_MASK) | ((slot + 1) & SLOT_MASK)
}

/// The range of slots holding the responses of a survey (empty for an unknown survey).
pub(super) fn survey_slots(
    conn: &mut DbConnection,
    survey_id: &str,
) -> Result<(i64, i64), DieselError> {
    let number: Option<i32> = surveys::table
        .select(surveys::number)
        .filter(surveys::id.eq(survey_id))
        .first(conn)
        .optional()?;
    Ok(match number {
        Some(n) => (
            i64::from(n) << SLOT_BITS,
            (i64::from(n) << SLOT_BITS) | SLOT_MASK,
        ),
        None => (1, 0),
    })
}

/// A validated response ready to store. Nothing here identifies a person or a device.
#[derive(Clone, Debug, Insertable)]
// `None` is inserted as NULL rather than left to the column's default (which is NULL too): the
// statement is then the same for every row, and prepared once.
#[diesel(table_name = responses, treat_none_as_default_value = false)]
pub struct NewResponse {
    /// Where it is stored: `slot_of(survey number, id)`, or the next free slot after it.
    pub slot: i64,
    /// The response's key: for a form, a hash of its random token, so that a second copy of
    /// the same submission (double tap, browser retry) has the same key and is not stored.
    pub id: String,
    pub survey_id: String,
    pub version: String,
    pub stratum: String,
    pub channel: String,
    /// The answers as JSON, keyed by question id.
    pub answers: String,
    /// Quality flags, comma-separated (`too_fast,straightlining`), empty when none.
    pub quality_flags: String,
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

/// Inserts `response` unless its key is stored already, and returns the slot it took (`None`:
/// stored before). Starting at `response.slot`, a slot holding another key is passed over for
/// the next; the walk ends at the key itself or at a free slot, so every copy of a key finds
/// the first. (Rows are deleted only in the transaction that inserted them, or by
/// `delete_simulated`, which stores again from its own slot every response after a slot it
/// empties: no walk has a gap.)
pub(super) fn insert_unless_stored(
    conn: &mut DbConnection,
    response: &NewResponse,
) -> Result<Option<i64>, DieselError> {
    if insert_unless_taken(conn, response)? {
        return Ok(Some(response.slot));
    }
    // Its slot is taken (a copy of this form, or rarely another key): walk on. Only this rare
    // path copies the row.
    let mut row = response.clone();
    loop {
        if key_at(conn, row.slot)?.as_deref() == Some(row.id.as_str()) {
            return Ok(None);
        }
        row.slot = next_slot(row.slot);
        if insert_unless_taken(conn, &row)? {
            return Ok(Some(row.slot));
        }
    }
}

/// Inserts `row` unless its slot is taken; whether it was inserted.
fn insert_unless_taken(conn: &mut DbConnection, row: &NewResponse) -> Result<bool, DieselError> {
    let inserted = match conn {
        // A plain insert, refused when the slot is taken: diesel prepares it once and keeps
        // it, where it renders an ON CONFLICT statement's text anew for every row and looks it
        // up by that text (~7% of the response writer's perf samples, issue 8). On SQLite the
        // refusal undoes that one statement and leaves the transaction as it was.
        DbConnection::Sqlite(c) => {
            match diesel::insert_into(responses::table).values(row).execute(c) {
                Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => 0,
                inserted => inserted?,
            }
        }
        DbConnection::Postgres(c) => diesel::insert_into(responses::table)
            .values(row)
            .on_conflict(responses::slot)
            .do_nothing()
            .execute(c)?,
    };
    Ok(inserted == 1)
}

/// The key of the response in `slot`, if one is there.
fn key_at(conn: &mut DbConnection, slot: i64) -> Result<Option<String>, DieselError> {
    responses::table
        .select(responses::id)
        .filter(responses::slot.eq(slot))
        .first(conn)
        .optional()
}

/// Stores a response in one durable transaction. A second copy of the same submission (double
/// tap, browser retry, concurrent duplicates) has the same key and is reported as
/// `AlreadyStored`, on both backends.
pub fn insert_response(
    conn: &mut DbConnection,
    response: &NewResponse,
) -> Result<InsertOutcome, StorageError> {
    let stored = conn.transaction(|conn| insert_unless_stored(conn, response))?;
    Ok(match stored {
        Some(_) => InsertOutcome::Stored,
        None => InsertOutcome::AlreadyStored,
    })
}

/// Whether the response with this key (in the survey numbered `survey_number`) is stored.
pub fn is_stored(
    conn: &mut DbConnection,
    survey_number: i32,
    id: &str,
) -> Result<bool, StorageError> {
    let mut slot = slot_of(survey_number, id);
    loop {
        match key_at(conn, slot)? {
            None => return Ok(false),
            Some(key) if key == id => return Ok(true),
            Some(_) => slot = next_slot(slot),
        }
    }
}

/// Completed responses of a survey per county code, in code order.
pub fn count_by_stratum(
    conn: &mut DbConnection,
    survey_id: &str,
) -> Result<Vec<(String, i64)>, StorageError> {
    let (first, last) = survey_slots(conn, survey_id)?;
    Ok(responses::table
        .filter(responses::slot.between(first, last))
        .filter(responses::survey_id.eq(survey_id))
        .group_by(responses::stratum)
        .select((responses::stratum, diesel::dsl::count_star()))
        .order(responses::stratum.asc())
        .load(conn)?)
}

/// A stored response as analysis reads it (selected with `StoredResponse::as_select()`).
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = responses)]
pub struct StoredResponse {
    pub slot: i64,
    pub id: String,
    pub version: String,
    pub stratum: String,
    pub channel: String,
    pub answers: String,
    pub quality_flags: String,
    pub submitted_on: String,
    pub client_hash: Option<String>,
}

/// Every response of a survey, in a stable order (by slot, which is random: insertion order is
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
/// whose key is already stored are skipped and reported as `AlreadyStored`.
pub fn insert_responses(
    conn: &mut DbConnection,
    batch: &[NewResponse],
) -> Result<Vec<InsertOutcome>, StorageError> {
    Ok(conn.transaction(|conn| {
        batch
            .iter()
            .map(|response| {
                Ok(match insert_unless_stored(conn, response)? {
                    Some(_) => InsertOutcome::Stored,
                    None => InsertOutcome::AlreadyStored,
                })
            })
            .collect::<Result<Vec<_>, DieselError>>()
    })?)
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
    let (first, last) = survey_slots(conn, survey_id).map_err(StorageError::from)?;
    let rows = responses::table
        .filter(responses::slot.between(first, last))
        .filter(responses::survey_id.eq(survey_id))
        .select(StoredResponse::as_select())
        .order(responses::slot.asc())
        .load_iter::<StoredResponse, diesel::connection::DefaultLoadingMode>(conn)
        .map_err(StorageError::from)?;
    for row in rows {
        visit(row.map_err(StorageError::from)?)?;
    }
    Ok(())
}

/// Deletes every response of a survey made by `minyi simulate` (channel `simulated`), and
/// returns how many. Residents' responses are untouched; simulated ones take no quota place,
/// and the survey's quota counts are dropped so that the next response counts them afresh
/// (counts made before simulated responses were left out of them included those).
///
/// A deleted row can cut a walk (`insert_unless_stored`): a response that walked past it would
/// no longer be found by a copy of its form, which would be stored twice. So, as linear probing
/// deletes, the run of occupied slots right after each deleted one is taken out and every row
/// of it stored again from its own slot, in the same transaction. Such runs are empty but for
/// 47-bit collisions (and rows from before slots were hashes, which move to their own slots).
pub fn delete_simulated(conn: &mut DbConnection, survey_id: &str) -> Result<usize, StorageError> {
    let (first, last) = survey_slots(conn, survey_id)?;
    Ok(conn.transaction(|conn| {
        // It reads before it writes: the write lock first (`super::sqlite_write_lock`).
        if let DbConnection::Sqlite(c) = conn {
            super::sqlite_write_lock(c)?;
        }
        let simulated: Vec<i64> = responses::table
            .filter(responses::slot.between(first, last))
            .filter(responses::survey_id.eq(survey_id))
            .filter(responses::channel.eq(crate::analysis::SIMULATED))
            .select(responses::slot)
            .load(conn)?;
        for chunk in simulated.chunks(500) {
            diesel::delete(responses::table.filter(responses::slot.eq_any(chunk))).execute(conn)?;
        }
        let number = i32::try_from(first >> SLOT_BITS).unwrap_or(MAX_SURVEY_NUMBER);
        for &gap in &simulated {
            let mut run = Vec::new();
            let mut slot = next_slot(gap);
            // A survey's slots hold only its own responses (its number is in their top bits).
            while let Some(row) = row_at(conn, survey_id, slot)? {
                run.push(row);
                slot = next_slot(slot);
            }
            for row in &run {
                diesel::delete(responses::table.filter(responses::slot.eq(row.slot)))
                    .execute(conn)?;
            }
            for mut row in run {
                row.slot = slot_of(number, &row.id);
                insert_unless_stored(conn, &row)?;
            }
        }
        if !simulated.is_empty() {
            diesel::delete(
                super::schema::stratum_quotas::table
                    .filter(super::schema::stratum_quotas::survey_id.eq(survey_id)),
            )
            .execute(conn)?;
        }
        Ok::<_, DieselError>(simulated.len())
    })?)
}

/// The whole row in `slot`, if one is there, ready to be stored again in `survey_id`.
fn row_at(
    conn: &mut DbConnection,
    survey_id: &str,
    slot: i64,
) -> Result<Option<NewResponse>, DieselError> {
    let row = responses::table
        .filter(responses::slot.eq(slot))
        .select(StoredResponse::as_select())
        .first::<StoredResponse>(conn)
        .optional()?;
    Ok(row.map(|row| NewResponse {
        slot: row.slot,
        id: row.id,
        survey_id: survey_id.to_owned(),
        version: row.version,
        stratum: row.stratum,
        channel: row.channel,
        answers: row.answers,
        quality_flags: row.quality_flags,
        submitted_on: row.submitted_on,
        client_hash: row.client_hash,
    }))
}

/// One group of a survey's responses: county, submission date, quality flags, channel, count.
pub type FieldworkCount = (String, String, String, String, i64);

/// Responses of a survey counted by county, date, quality flags and channel: all the
/// publisher's fieldwork dashboard needs, in one grouped query.
pub fn fieldwork_counts(
    conn: &mut DbConnection,
    survey_id: &str,
) -> Result<Vec<FieldworkCount>, StorageError> {
    let (first, last) = survey_slots(conn, survey_id)?;
    Ok(responses::table
        .filter(responses::slot.between(first, last))
        .filter(responses::survey_id.eq(survey_id))
        .group_by((
            responses::stratum,
            responses::submitted_on,
            responses::quality_flags,
            responses::channel,
        ))
        .select((
            responses::stratum,
            responses::submitted_on,
            responses::quality_flags,
            responses::channel,
            diesel::dsl::count_star(),
        ))
        .order((responses::stratum.asc(), responses::submitted_on.asc()))
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_surveys_slots_carry_its_number_in_the_top_bits_and_stay_positive() {
        for number in [1, 2, 700, MAX_SURVEY_NUMBER] {
            let slot = slot_of(number, "0123456789abcdef0123456789abcdef");
            assert!(slot > 0);
            assert_eq!(slot >> SLOT_BITS, i64::from(number));
        }
    }

    #[test]
    fn the_same_id_always_gets_the_same_slot_and_different_ids_different_ones() {
        assert_eq!(slot_of(3, "a1"), slot_of(3, "a1"));
        assert_ne!(slot_of(3, "a1"), slot_of(3, "a2"));
        assert_ne!(slot_of(3, "a1"), slot_of(4, "a1"));
    }

    #[test]
    fn the_slot_after_the_last_of_a_survey_is_its_first() {
        let first = 5_i64 << SLOT_BITS;
        let last = first | SLOT_MASK;
        assert_eq!(next_slot(first), first + 1);
        assert_eq!(next_slot(last), first);
    }
}
