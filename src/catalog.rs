//! The surveys this installation knows: importing survey files, moving surveys through their
//! lifecycle, and the parsed definition of each version (parsed once, then shared).
//!
//! Blocking (it calls storage); the web layer runs it on actix's blocking pool.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::lifecycle::{IllegalTransition, SurveyState, Transition};
use crate::privacy::SurveySecret;
use crate::storage::{self, Database, ImportOutcome, StorageError, SurveyRecord};
use crate::survey::{version_of, Survey, SurveyFileError};

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read survey file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    File(#[from] SurveyFileError),
    #[error("no survey with id {0:?}; `minyi survey list` shows the known surveys")]
    UnknownSurvey(String),
    /// (The refusal is part of this message, not a source error, so that a chain printed
    /// with `{:#}` says it once.)
    #[error("survey {id}: {refusal}")]
    Illegal {
        id: String,
        refusal: IllegalTransition,
    },
    #[error("survey {0} changed state while this command ran; look at it again and retry")]
    Raced(String),
    #[error(
        "survey {0}: publishing evaluates and stores the results; use `minyi survey publish {0}`"
    )]
    PublishWithResults(String),
    /// The survey's state changed, then a step of clearing its traces failed: it stays owed
    /// (`Catalog::clear_owed_fieldwork_traces`).
    #[error(
        "survey {id} is closed, but clearing what its fieldwork left failed ({cause}); \
         `minyi serve` clears it at its next start and once a day"
    )]
    ClosedNotCleared { id: String, cause: StorageError },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What one run of `Catalog::clear_owed_fieldwork_traces` did, by survey.
#[derive(Debug, Default)]
pub struct OwedClearing {
    pub cleared: Vec<String>,
    /// Still owed, with why.
    pub failed: Vec<(String, StorageError)>,
}

/// A survey as it stands now: its record and its current definition.
#[derive(Clone)]
pub struct CurrentSurvey {
    pub record: SurveyRecord,
    pub definition: Arc<Survey>,
}

/// What importing one file did.
#[derive(Clone, Debug)]
pub struct ImportReport {
    pub file: PathBuf,
    pub survey_id: String,
    pub version: String,
    pub outcome: ImportOutcome,
    /// The survey was opened because it was new and its file says `open_on_import`.
    pub opened: bool,
}

pub struct Catalog {
    db: Database,
    parsed: RwLock<HashMap<String, Arc<Survey>>>,
    /// The last `current` answer per survey id and when it was read (see `recent`).
    recent: RwLock<HashMap<String, (Instant, CurrentSurvey)>>,
    /// Client-hash secrets of open surveys, read once per process (the submit path then needs
    /// no extra query). Dropped when this process closes the survey or sees it closed.
    secrets: RwLock<HashMap<String, SurveySecret>>,
}

impl Catalog {
    pub fn new(db: Database) -> Catalog {
        Catalog {
            db,
            parsed: RwLock::new(HashMap::new()),
            recent: RwLock::new(HashMap::new()),
            secrets: RwLock::new(HashMap::new()),
        }
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Validates a survey file and records it (a new version if its content changed). A new
    /// survey whose file says `open_on_import` is opened at once.
    pub fn import_file(&self, path: &Path) -> Result<ImportReport, CatalogError> {
        let source = std::fs::read_to_string(path).map_err(|source| CatalogError::Read {
            path: path.to_owned(),
            source,
        })?;
        let file_name = path.display().to_string();
        let survey = Survey::from_toml(&source, &file_name)?;
        let version = version_of(&source);
        let now = now_rfc3339();
        let mut conn = self.db.conn()?;
        let outcome =
            storage::import_version(&mut conn, &survey.id, &version, &file_name, &source, &now)?;
        let opened = outcome == ImportOutcome::Created
            && survey.open_on_import
            && storage::set_state(
                &mut conn,
                &survey.id,
                SurveyState::Draft,
                SurveyState::Open,
                &now,
            )?;
        self.remember(&version, Arc::new(survey.clone()));
        Ok(ImportReport {
            file: path.to_owned(),
            survey_id: survey.id,
            version,
            outcome,
            opened,
        })
    }

    /// Imports every `*.toml` file of a directory, in name order. Stops at the first bad file,
    /// whose error names the file.
    pub fn import_dir(&self, dir: &Path) -> Result<Vec<ImportReport>, CatalogError> {
        let entries = std::fs::read_dir(dir).map_err(|source| CatalogError::Read {
            path: dir.to_owned(),
            source,
        })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
            .collect();
        files.sort();
        files.iter().map(|f| self.import_file(f)).collect()
    }

    pub fn list(&self) -> Result<Vec<CurrentSurvey>, CatalogError> {
        let mut conn = self.db.conn()?;
        let records = storage::list_surveys(&mut conn)?;
        records
            .into_iter()
            .map(|record| {
                let definition =
                    self.definition_with(&mut conn, &record.id, &record.current_version)?;
                Ok(CurrentSurvey { record, definition })
            })
            .collect()
    }

    /// The survey and its current definition, or `None` when no such survey exists.
    pub fn current(&self, id: &str) -> Result<Option<CurrentSurvey>, CatalogError> {
        let mut conn = self.db.conn()?;
        let Some(record) = storage::find_survey(&mut conn, id)? else {
            return Ok(None);
        };
        let definition = self.definition_with(&mut conn, id, &record.current_version)?;
        let survey = CurrentSurvey { record, definition };
        if let Ok(mut recent) = self.recent.write() {
            recent.insert(id.to_owned(), (Instant::now(), survey.clone()));
        }
        Ok(Some(survey))
    }

    /// The survey as `current` read it at most `max_age` ago, without touching the database;
    /// `None` if it was not read that recently. Lets the busiest path (every submission) skip
    /// a query, at the price of seeing a state change made elsewhere up to `max_age` late.
    pub fn recent(&self, id: &str, max_age: Duration) -> Option<CurrentSurvey> {
        let recent = self.recent.read().ok()?;
        let (read_at, survey) = recent.get(id)?;
        (read_at.elapsed() <= max_age).then(|| survey.clone())
    }

    pub fn require(&self, id: &str) -> Result<CurrentSurvey, CatalogError> {
        self.current(id)?
            .ok_or_else(|| CatalogError::UnknownSurvey(id.to_owned()))
    }

    /// The definition of one version of a survey (any version a response may have answered).
    pub fn definition(&self, id: &str, version: &str) -> Result<Arc<Survey>, CatalogError> {
        let mut conn = self.db.conn()?;
        self.definition_with(&mut conn, id, version)
    }

    /// The definition of every version of a survey, by version: what reading its stored
    /// answers needs (each response is read with the version it answered).
    pub fn every_version(&self, id: &str) -> Result<HashMap<String, Arc<Survey>>, CatalogError> {
        let mut conn = self.db.conn()?;
        storage::version_ids(&mut conn, id)?
            .into_iter()
            .map(|version| {
                let survey = self.definition_with(&mut conn, id, &version)?;
                Ok((version, survey))
            })
            .collect()
    }

    fn definition_with(
        &self,
        conn: &mut storage::DbConnection,
        id: &str,
        version: &str,
    ) -> Result<Arc<Survey>, CatalogError> {
        if let Some(found) = self
            .parsed
            .read()
            .ok()
            .and_then(|m| m.get(version).cloned())
        {
            return Ok(found);
        }
        let source = storage::version_source(conn, id, version)?.ok_or_else(|| {
            StorageError::Corrupt(format!("survey {id} has no stored version {version}"))
        })?;
        let survey = Arc::new(Survey::from_toml(&source, &format!("{id}@{version}"))?);
        self.remember(version, survey.clone());
        Ok(survey)
    }

    fn remember(&self, version: &str, survey: Arc<Survey>) {
        if let Ok(mut map) = self.parsed.write() {
            map.insert(version.to_owned(), survey);
        }
    }

    /// Opens, closes or publishes a survey, refusing illegal moves with the reason.
    /// Publishing is not a bare state change: see `publishing::publish`.
    pub fn transition(&self, id: &str, action: Transition) -> Result<SurveyState, CatalogError> {
        if action == Transition::Publish {
            return Err(CatalogError::PublishWithResults(id.to_owned()));
        }
        let mut conn = self.db.conn()?;
        let record = storage::find_survey(&mut conn, id)?
            .ok_or_else(|| CatalogError::UnknownSurvey(id.to_owned()))?;
        let to = record
            .state
            .apply(action)
            .map_err(|refusal| CatalogError::Illegal {
                id: id.to_owned(),
                refusal,
            })?;
        if !storage::set_state(&mut conn, id, record.state, to, &now_rfc3339())? {
            return Err(CatalogError::Raced(id.to_owned()));
        }
        if to == SurveyState::Closed {
            self.clear_fieldwork_traces(&mut conn, id)
                .map_err(|cause| CatalogError::ClosedNotCleared {
                    id: id.to_owned(),
                    cause,
                })?;
        }
        Ok(to)
    }

    /// Clears what fieldwork leaves behind once a survey is closed: without the secret the
    /// stored client hashes link to nothing, the invited addresses are no longer needed, and
    /// nothing may keep the order the answers came in. Then records it done; until then the
    /// survey is owed a clearing (`clear_owed_fieldwork_traces`). Idempotent.
    fn clear_fieldwork_traces(
        &self,
        conn: &mut storage::DbConnection,
        id: &str,
    ) -> Result<(), StorageError> {
        storage::destroy_survey_secret(conn, id)?;
        self.forget_secret(id);
        storage::forget_invitation_addresses(conn, id)?;
        storage::erase_arrival_order(conn, id)?;
        storage::mark_fieldwork_traces_cleared(conn, id)?;
        Ok(())
    }

    /// Clears survey `id`'s fieldwork traces now if it owes a clearing (the dashboard's retry;
    /// the daily run does the same for every survey). `Ok(false)`: nothing was owed.
    pub fn clear_owed_traces_of(&self, id: &str) -> Result<bool, CatalogError> {
        let mut conn = self.db.conn()?;
        let record = storage::find_survey(&mut conn, id)?
            .ok_or_else(|| CatalogError::UnknownSurvey(id.to_owned()))?;
        if !record.owes_trace_clearing() {
            return Ok(false);
        }
        self.clear_fieldwork_traces(&mut conn, id)?;
        Ok(true)
    }

    /// Clears the fieldwork traces of every closed or published survey not known to be
    /// cleared: a close whose clearing failed after the state changed, or a survey closed by a
    /// build that did not clear everything. One survey that fails again does not keep the
    /// others waiting; it stays owed. Run at start and daily.
    pub fn clear_owed_fieldwork_traces(&self) -> Result<OwedClearing, CatalogError> {
        let mut conn = self.db.conn()?;
        let mut done = OwedClearing::default();
        for id in storage::surveys_owing_trace_clearing(&mut conn)? {
            match self.clear_fieldwork_traces(&mut conn, &id) {
                Ok(()) => done.cleared.push(id),
                Err(e) => done.failed.push((id, e)),
            }
        }
        Ok(done)
    }

    /// The secret keying an open survey's client hashes: from memory after the first call,
    /// else read (or created) in the database.
    pub fn client_secret(&self, id: &str) -> Result<SurveySecret, CatalogError> {
        if let Some(secret) = self.secrets.read().ok().and_then(|m| m.get(id).cloned()) {
            return Ok(secret);
        }
        let mut conn = self.db.conn()?;
        let stored = storage::survey_secret(&mut conn, id, || SurveySecret::generate().to_hex())?;
        let secret = SurveySecret::from_hex(&stored).ok_or_else(|| {
            StorageError::Corrupt(format!("the client-hash secret of survey {id} is not hex"))
        })?;
        if let Ok(mut map) = self.secrets.write() {
            map.insert(id.to_owned(), secret.clone());
        }
        Ok(secret)
    }

    /// The survey's client-hash secret if this process already holds it (no query).
    pub fn cached_client_secret(&self, id: &str) -> Option<SurveySecret> {
        self.secrets.read().ok().and_then(|m| m.get(id).cloned())
    }

    /// Drops a survey's secret from this process's memory (it was closed, maybe elsewhere).
    pub fn forget_secret(&self, id: &str) {
        if let Ok(mut map) = self.secrets.write() {
            map.remove(id);
        }
    }

    /// Destroys the secrets of every survey not open, in the database and in memory: catches
    /// surveys closed by another process. Run at start and daily.
    pub fn destroy_stale_secrets(&self) -> Result<usize, CatalogError> {
        let mut conn = self.db.conn()?;
        let destroyed = storage::destroy_secrets_of_surveys_not_open(&mut conn)?;
        let open: Vec<String> = storage::list_surveys(&mut conn)?
            .into_iter()
            .filter(|s| s.state == SurveyState::Open)
            .map(|s| s.id)
            .collect();
        if let Ok(mut map) = self.secrets.write() {
            map.retain(|id, _| open.contains(id));
        }
        Ok(destroyed)
    }

    /// Completed responses per county code, every county of the definition listed (zero
    /// included), in the order of the survey file.
    pub fn responses_by_stratum(
        &self,
        survey: &CurrentSurvey,
    ) -> Result<Vec<(String, i64)>, CatalogError> {
        let mut conn = self.db.conn()?;
        let counts: HashMap<String, i64> = storage::count_by_stratum(&mut conn, &survey.record.id)?
            .into_iter()
            .collect();
        Ok(survey
            .definition
            .strata
            .units
            .iter()
            .map(|unit| {
                (
                    unit.code.clone(),
                    counts.get(&unit.code).copied().unwrap_or(0),
                )
            })
            .collect())
    }
}

pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
