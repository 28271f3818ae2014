//! Surveys and their content-addressed versions.

use diesel::prelude::*;

use super::schema::{responses, survey_versions, surveys};
use super::{DbConnection, StorageError};
use crate::lifecycle::SurveyState;

#[derive(Clone, Debug)]
pub struct SurveyRecord {
    pub id: String,
    pub state: SurveyState,
    pub current_version: String,
    pub created_at: String,
    pub opened_at: Option<String>,
    pub closed_at: Option<String>,
    pub published_at: Option<String>,
    /// A small number of its own, given at import: the top bits of its responses' slots
    /// (`storage::responses::slot_of`).
    pub number: i32,
    /// Whether what its fieldwork left (the client-hash secret, invited addresses, arrival
    /// order) is known to be cleared since it last closed (`Catalog::clear_fieldwork_traces`).
    pub traces_cleared: bool,
}

impl SurveyRecord {
    /// Closed or published, and a clearing of its fieldwork traces still owed: the close could
    /// not finish it (the daily run, or the dashboard's button, retries).
    pub fn owes_trace_clearing(&self) -> bool {
        self.state.fieldwork_over() && !self.traces_cleared
    }
}

type SurveyRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    i32,
    bool,
);

fn record(row: SurveyRow) -> Result<SurveyRecord, StorageError> {
    let (
        id,
        state,
        current_version,
        created_at,
        opened_at,
        closed_at,
        published_at,
        number,
        traces_cleared,
    ) = row;
    let state = SurveyState::parse(&state)
        .ok_or_else(|| StorageError::Corrupt(format!("survey {id} has state {state:?}")))?;
    Ok(SurveyRecord {
        id,
        state,
        current_version,
        created_at,
        opened_at,
        closed_at,
        published_at,
        number,
        traces_cleared,
    })
}

const SURVEY_COLUMNS: (
    surveys::id,
    surveys::state,
    surveys::current_version,
    surveys::created_at,
    surveys::opened_at,
    surveys::closed_at,
    surveys::published_at,
    surveys::number,
    surveys::fieldwork_traces_cleared,
) = (
    surveys::id,
    surveys::state,
    surveys::current_version,
    surveys::created_at,
    surveys::opened_at,
    surveys::closed_at,
    surveys::published_at,
    surveys::number,
    surveys::fieldwork_traces_cleared,
);

pub fn find_survey(
    conn: &mut DbConnection,
    id: &str,
) -> Result<Option<SurveyRecord>, StorageError> {
    let row: Option<SurveyRow> = surveys::table
        .select(SURVEY_COLUMNS)
        .filter(surveys::id.eq(id))
        .first(conn)
        .optional()?;
    row.map(record).transpose()
}

pub fn list_surveys(conn: &mut DbConnection) -> Result<Vec<SurveyRecord>, StorageError> {
    let rows: Vec<SurveyRow> = surveys::table
        .select(SURVEY_COLUMNS)
        .order(surveys::id.asc())
        .load(conn)?;
    rows.into_iter().map(record).collect()
}

/// What importing a survey file did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportOutcome {
    /// The survey was new; it starts as a draft.
    Created,
    /// The file changed: a new version is now current. Earlier responses keep the version
    /// they answered.
    NewVersion { earlier_responses: i64 },
    /// The file is the one already current.
    Unchanged,
    /// The file changed but the survey's state fixes its version
    /// (`SurveyState::takes_new_versions`): nothing was written.
    Frozen { state: SurveyState },
    /// The file is an earlier version than the current one, and `Earlier::Keep` was asked:
    /// nothing was written.
    Earlier,
    /// The survey is no longer as `Replacing::Only` said it was (another import came first, or
    /// its state changed): nothing was written.
    NotAsChecked,
}

/// What an import may replace: anything (a file imported at once), or only the survey as a
/// person was shown it when told what the import would do (`None`: no survey yet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replacing<'a> {
    Any,
    Only(Option<Shown<'a>>),
}

/// A survey as a person was shown it: its current version and its state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shown<'a> {
    pub version: &'a str,
    pub state: SurveyState,
}

impl Replacing<'_> {
    /// Whether importing `version` may go on over the survey as it now is (`record`): the file
    /// already current is no change, whoever made it current (a confirmation pressed twice).
    pub fn allows(&self, record: Option<&SurveyRecord>, version: &str) -> bool {
        let Replacing::Only(shown) = self else {
            return true;
        };
        let now = record.map(|r| Shown {
            version: &r.current_version,
            state: r.state,
        });
        record.is_some_and(|r| r.current_version == version) || now == *shown
    }
}

/// What an import does with a file holding an earlier version of the survey than its current
/// one: at start a node keeps the current version (a stale copy on one node must not take the
/// survey back for every node); `minyi survey import` restores it, on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Earlier {
    Keep,
    Restore,
}

/// One version of a survey's file, to record.
#[derive(Clone, Copy, Debug)]
pub struct VersionFile<'a> {
    pub survey_id: &'a str,
    /// The SHA-256 of `source`, in hex.
    pub version: &'a str,
    /// Where the file is kept, as given.
    pub file_name: &'a str,
    pub source: &'a str,
}

/// Records a survey file's text under its version (the hash of the text) and makes it current.
/// Versions are never rewritten: a response always points at the exact text it answered.
pub fn import_version(
    conn: &mut DbConnection,
    file: VersionFile<'_>,
    now: &str,
    earlier: Earlier,
    replacing: Replacing<'_>,
) -> Result<ImportOutcome, StorageError> {
    let VersionFile {
        survey_id,
        version,
        file_name,
        source,
    } = file;
    conn.transaction(|conn| {
        lock_imports(conn)?;
        let existing = find_survey(conn, survey_id)?;
        // Decided under the lock, as the rest.
        if !replacing.allows(existing.as_ref(), version) {
            return Ok(ImportOutcome::NotAsChecked);
        }
        let known: i64 = survey_versions::table
            .filter(survey_versions::survey_id.eq(survey_id))
            .filter(survey_versions::version.eq(version))
            .count()
            .get_result(conn)?;
        let insert_version = |conn: &mut DbConnection| {
            diesel::insert_into(survey_versions::table)
                .values((
                    survey_versions::survey_id.eq(survey_id),
                    survey_versions::version.eq(version),
                    survey_versions::file_name.eq(file_name),
                    survey_versions::source.eq(source),
                    survey_versions::imported_at.eq(now),
                ))
                .execute(conn)
        };
        match existing {
            None => {
                let number = next_survey_number(conn)?;
                diesel::insert_into(surveys::table)
                    .values((
                        surveys::id.eq(survey_id),
                        surveys::number.eq(number),
                        surveys::state.eq(SurveyState::Draft.as_str()),
                        surveys::current_version.eq(version),
                        surveys::created_at.eq(now),
                    ))
                    .execute(conn)?;
                insert_version(conn)?;
                Ok(ImportOutcome::Created)
            }
            Some(record) if record.current_version == version => Ok(ImportOutcome::Unchanged),
            Some(record) if !record.state.takes_new_versions() => Ok(ImportOutcome::Frozen {
                state: record.state,
            }),
            // Decided here, under the lock: read outside it, the current version and the
            // versions known could come from either side of another node's import.
            Some(_) if known > 0 && earlier == Earlier::Keep => Ok(ImportOutcome::Earlier),
            Some(_) => {
                if known == 0 {
                    insert_version(conn)?;
                }
                diesel::update(surveys::table.filter(surveys::id.eq(survey_id)))
                    .set(surveys::current_version.eq(version))
                    .execute(conn)?;
                let (first, last) = super::responses::survey_slots(conn, survey_id)?;
                let earlier_responses: i64 = responses::table
                    .filter(responses::slot.between(first, last))
                    .filter(responses::survey_id.eq(survey_id))
                    .count()
                    .get_result(conn)?;
                Ok(ImportOutcome::NewVersion { earlier_responses })
            }
        }
    })
}

/// One import at a time, across processes: nodes started together each import the same files,
/// and two checking then inserting at once made one fail on the survey's key ("duplicate
/// key value violates unique constraint surveys_pkey"), which stopped that node. PostgreSQL:
/// an advisory lock held to the end of the transaction; SQLite: its write lock, taken before
/// any read (`sqlite_write_lock`).
fn lock_imports(conn: &mut DbConnection) -> Result<(), diesel::result::Error> {
    match conn {
        DbConnection::Postgres(c) => {
            diesel::sql_query(format!(
                "SELECT pg_advisory_xact_lock({})",
                super::IMPORT_LOCK
            ))
            .execute(c)?;
        }
        DbConnection::Sqlite(c) => super::sqlite_write_lock(c)?,
    }
    Ok(())
}

/// The versions a survey has had (each file content it was imported with).
pub fn version_ids(conn: &mut DbConnection, survey_id: &str) -> Result<Vec<String>, StorageError> {
    Ok(survey_versions::table
        .select(survey_versions::version)
        .filter(survey_versions::survey_id.eq(survey_id))
        .load(conn)?)
}

/// The name of the file one version of a survey was imported from, as it was given.
pub fn version_file_name(
    conn: &mut DbConnection,
    survey_id: &str,
    version: &str,
) -> Result<Option<String>, StorageError> {
    Ok(survey_versions::table
        .select(survey_versions::file_name)
        .filter(survey_versions::survey_id.eq(survey_id))
        .filter(survey_versions::version.eq(version))
        .first(conn)
        .optional()?)
}

/// The text of one version of a survey file.
pub fn version_source(
    conn: &mut DbConnection,
    survey_id: &str,
    version: &str,
) -> Result<Option<String>, StorageError> {
    Ok(survey_versions::table
        .select(survey_versions::source)
        .filter(survey_versions::survey_id.eq(survey_id))
        .filter(survey_versions::version.eq(version))
        .first(conn)
        .optional()?)
}

/// Moves a survey from `from` to `to`, only if it is still in `from` (so two publishers acting at
/// once cannot both succeed). Returns whether the move happened.
pub fn set_state(
    conn: &mut DbConnection,
    survey_id: &str,
    from: SurveyState,
    to: SurveyState,
    now: &str,
) -> Result<bool, StorageError> {
    let target = surveys::table
        .filter(surveys::id.eq(survey_id))
        .filter(surveys::state.eq(from.as_str()));
    let changed = match to {
        SurveyState::Open => diesel::update(target)
            .set((surveys::state.eq(to.as_str()), surveys::opened_at.eq(now)))
            .execute(conn)?,
        // Fieldwork is over: its traces are owed a clearing (`Catalog::clear_fieldwork_traces`)
        // from this statement on, so a failure between here and the clearing is caught later.
        SurveyState::Closed => diesel::update(target)
            .set((
                surveys::state.eq(to.as_str()),
                surveys::closed_at.eq(now),
                surveys::fieldwork_traces_cleared.eq(false),
            ))
            .execute(conn)?,
        SurveyState::Published => diesel::update(target)
            .set((
                surveys::state.eq(to.as_str()),
                surveys::published_at.eq(now),
            ))
            .execute(conn)?,
        SurveyState::Draft => diesel::update(target)
            .set(surveys::state.eq(to.as_str()))
            .execute(conn)?,
    };
    Ok(changed == 1)
}

/// Records that a closed survey's fieldwork traces are cleared (see `set_state`).
pub fn mark_fieldwork_traces_cleared(
    conn: &mut DbConnection,
    survey_id: &str,
) -> Result<(), StorageError> {
    diesel::update(surveys::table.filter(surveys::id.eq(survey_id)))
        .set(surveys::fieldwork_traces_cleared.eq(true))
        .execute(conn)?;
    Ok(())
}

/// The closed and published surveys whose fieldwork traces are not known to be cleared.
pub fn surveys_owing_trace_clearing(conn: &mut DbConnection) -> Result<Vec<String>, StorageError> {
    Ok(surveys::table
        .select(surveys::id)
        .filter(surveys::state.eq_any([
            SurveyState::Closed.as_str(),
            SurveyState::Published.as_str(),
        ]))
        .filter(surveys::fieldwork_traces_cleared.eq(false))
        .order(surveys::id)
        .load(conn)?)
}

/// The number the next imported survey gets: one more than the largest given.
fn next_survey_number(conn: &mut DbConnection) -> Result<i32, StorageError> {
    let largest: Option<i32> = surveys::table
        .select(diesel::dsl::max(surveys::number))
        .first(conn)?;
    let next = largest.unwrap_or(0) + 1;
    if next > super::responses::MAX_SURVEY_NUMBER {
        return Err(StorageError::TooManySurveys(
            super::responses::MAX_SURVEY_NUMBER,
        ));
    }
    Ok(next)
}
