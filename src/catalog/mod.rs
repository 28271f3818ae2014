//! The surveys this installation knows: importing survey files, moving surveys through their
//! lifecycle, and the parsed definition of each version (parsed once, then shared).
//!
//! Blocking (it calls storage); the web layer runs it on actix's blocking pool.

mod error;
mod folder;
mod plan;

use error::fixed_file;
pub use error::{CatalogError, FileRefusal, NotText};
pub(crate) use folder::last_component;
pub use folder::{Confirmed, FolderPlace, UploadImported};
pub use plan::{AnotherSurvey, CheckedImport, ImportPlan};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::lifecycle::{SurveyState, Transition};
use crate::privacy::SurveySecret;
use crate::storage::{
    self, Database, Earlier, ImportOutcome, Replacing, StorageError, SurveyRecord,
};
use crate::survey::{version_of, Survey};

/// What importing a directory of survey files did: the files loaded, and the others with why
/// (each error names its file).
#[derive(Debug, Default)]
pub struct DirectoryImport {
    pub loaded: Vec<ImportReport>,
    pub refused: Vec<CatalogError>,
}

/// What one run of `Catalog::clear_owed_fieldwork_traces` did, by survey.
#[derive(Debug, Default)]
pub struct OwedClearing {
    pub cleared: Vec<String>,
    /// Still owed, with why.
    pub failed: Vec<(String, StorageError)>,
    /// Cleared, but the audit log's entry saying so could not be written, with why.
    pub unrecorded: Vec<(String, StorageError)>,
}

/// A survey as it stands now: its record and its current definition.
#[derive(Clone)]
pub struct CurrentSurvey {
    pub record: SurveyRecord,
    pub definition: Arc<Survey>,
}

/// How one survey file is imported.
#[derive(Clone, Copy, Debug)]
struct Importing<'a> {
    /// The name the file was read under: problems name it, and the "another survey's id" check
    /// compares it with the survey's own file.
    read_as: &'a Path,
    /// Where this installation keeps it: the same for a file on the server; for one sent from
    /// the web, its place in the surveys folder.
    kept_as: &'a Path,
    earlier: Earlier,
    replacing: Replacing<'a>,
    /// A person was told that the file has another name and another title than the survey whose
    /// id it has, and imported it all the same.
    another_name_and_title_confirmed: bool,
    actor: &'a str,
}

impl<'a> Importing<'a> {
    /// A file on the server, imported by a command or a start.
    fn at_once(path: &'a Path, earlier: Earlier) -> Importing<'a> {
        Importing {
            read_as: path,
            kept_as: path,
            earlier,
            replacing: Replacing::Any,
            another_name_and_title_confirmed: false,
            actor: crate::audit::COMMAND_LINE,
        }
    }
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
    /// Held while a file imported from the web is placed and written in the surveys folder.
    folder_writes: std::sync::Mutex<()>,
}

impl Catalog {
    pub fn new(db: Database) -> Catalog {
        Catalog {
            db,
            parsed: RwLock::new(HashMap::new()),
            recent: RwLock::new(HashMap::new()),
            secrets: RwLock::new(HashMap::new()),
            folder_writes: std::sync::Mutex::new(()),
        }
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Validates a survey file and records it (a new version if its content changed). A new
    /// survey whose file says `open_on_import` is opened at once. Refused: a changed file for a
    /// closed or published survey, and one that drops a question or code answers may hold.
    pub fn import_file(&self, path: &Path) -> Result<ImportReport, CatalogError> {
        let (survey, source) = self.read_survey_file(path)?;
        self.import_survey(Importing::at_once(path, Earlier::Restore), survey, &source)
    }

    /// A survey file read and checked: the survey and the file's text.
    fn read_survey_file(&self, path: &Path) -> Result<(Survey, String), CatalogError> {
        let source = read_survey_text(path)?;
        let survey = self.read_for_import(&source, &path.display().to_string())?;
        Ok((survey, source))
    }

    /// A survey file's text to import, read by the rules for new files; or, when this very
    /// text is a version already stored (the file a survey was imported from, still in the
    /// surveys folder, or sent again), by the rules it was stored under
    /// ([`Survey::from_stored_toml`]): a rule added since does not refuse, at every start, the
    /// file of a survey that is running.
    pub(crate) fn read_for_import(&self, source: &str, name: &str) -> Result<Survey, CatalogError> {
        let strict = match Survey::from_toml(source, name) {
            Ok(survey) => return Ok(survey),
            Err(e) => e,
        };
        let Ok(survey) = Survey::from_stored_toml(source, name) else {
            return Err(strict.into());
        };
        let stored = storage::version_ids(&mut *self.db.conn()?, &survey.id)?;
        if stored.contains(&version_of(source)) {
            Ok(survey)
        } else {
            Err(strict.into())
        }
    }

    fn import_survey(
        &self,
        how: Importing<'_>,
        survey: Survey,
        source: &str,
    ) -> Result<ImportReport, CatalogError> {
        let path = how.kept_as;
        let file_name = how.read_as.display().to_string();
        let kept_as = path.display().to_string();
        let version = version_of(source);
        let now = now_rfc3339();
        let mut conn = self.db.conn()?;
        let existing = storage::find_survey(&mut conn, &survey.id)?;
        // Not as the person was told: said as such, before any other refusal the change may
        // bring (storage checks it again, under the import lock).
        if !how.replacing.allows(existing.as_ref(), &version) {
            return Err(CatalogError::NotAsChecked {
                file: file_name,
                id: survey.id,
            });
        }
        let mut returning = false;
        if let Some(record) = existing.as_ref().filter(|r| r.current_version != version) {
            if !how.another_name_and_title_confirmed {
                self.check_same_survey(&mut conn, how.read_as, record, &survey)?;
            }
            self.check_new_version(&mut conn, &file_name, record, &survey)?;
            returning = storage::version_ids(&mut conn, &survey.id)?.contains(&version);
        }
        let previous = existing.map(|r| r.current_version);
        let file = storage::VersionFile {
            survey_id: &survey.id,
            version: &version,
            file_name: &kept_as,
            source,
        };
        let outcome = storage::import_version(&mut conn, file, &now, how.earlier, how.replacing)?;
        let detail = match (outcome, previous) {
            (ImportOutcome::NotAsChecked, _) => {
                return Err(CatalogError::NotAsChecked {
                    file: file_name,
                    id: survey.id,
                })
            }
            (ImportOutcome::Earlier, _) => {
                let current = storage::find_survey(&mut conn, &survey.id)?
                    .map(|r| short(&r.current_version).to_owned())
                    .unwrap_or_default();
                return Err(CatalogError::EarlierVersion {
                    file: file_name,
                    id: survey.id,
                    version: short(&version).to_owned(),
                    current,
                });
            }
            (ImportOutcome::Frozen { state }, _) => {
                // Closed or published between the check above and the import.
                return Err(fixed_file(file_name, survey.id, state));
            }
            (ImportOutcome::Unchanged, _) => None,
            (ImportOutcome::NewVersion { earlier_responses }, Some(previous)) => Some(format!(
                "{kept_as}: version {} {} {}; {earlier_responses} earlier responses keep theirs",
                short(&version),
                if returning {
                    "(an earlier version, gone back to) replaces"
                } else {
                    "replaces"
                },
                short(&previous)
            )),
            _ => Some(format!(
                "{kept_as}: new survey, version {}",
                short(&version)
            )),
        };
        let opened = outcome == ImportOutcome::Created
            && survey.open_on_import
            && storage::set_state(
                &mut conn,
                &survey.id,
                SurveyState::Draft,
                SurveyState::Open,
                &now,
            )?;
        // A survey opened on import is audited as opened, in the import's entry: every opening
        // is in the log, whoever or whatever made it.
        let detail = match detail {
            Some(detail) if opened => Some(format!("{detail}; opened (open_on_import)")),
            other => other,
        };
        if let Some(detail) = detail {
            crate::audit::record(
                &self.db,
                crate::audit::AuditEvent {
                    actor: how.actor,
                    action: crate::audit::AuditAction::SurveyImported,
                    survey_id: Some(&survey.id),
                    manifest_sha256: None,
                    detail,
                },
            )?;
        }
        self.remember(&version, Arc::new(survey.clone()));
        Ok(ImportReport {
            file: path.to_owned(),
            survey_id: survey.id,
            version,
            outcome,
            opened,
        })
    }

    /// Refuses a file that shares only its id with the stored survey: another file name and
    /// another title (a copy of the example, its id kept, would otherwise silently become the
    /// next version of the example).
    fn check_same_survey(
        &self,
        conn: &mut storage::DbConnection,
        path: &Path,
        record: &SurveyRecord,
        newer: &Survey,
    ) -> Result<(), CatalogError> {
        let base_name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
        let Some(other_file) =
            storage::version_file_name(conn, &record.id, &record.current_version)?
        else {
            return Ok(());
        };
        let current = self.definition_with(conn, &record.id, &record.current_version)?;
        let renamed = base_name(Path::new(&other_file)) != base_name(path);
        let retitled = current.title != newer.title;
        if renamed && retitled {
            return Err(CatalogError::AnotherSurveysId {
                file: path.display().to_string(),
                id: record.id.clone(),
                title: current.title.zh.clone(),
                other_file: base_name(Path::new(&other_file)).unwrap_or(other_file),
            });
        }
        Ok(())
    }

    /// Whether `newer` may replace the survey's current version.
    fn check_new_version(
        &self,
        conn: &mut storage::DbConnection,
        file_name: &str,
        record: &SurveyRecord,
        newer: &Survey,
    ) -> Result<(), CatalogError> {
        if !record.state.takes_new_versions() {
            return Err(fixed_file(
                file_name.to_owned(),
                record.id.clone(),
                record.state,
            ));
        }
        let responses: i64 = storage::count_by_stratum(conn, &record.id)?
            .iter()
            .map(|(_, n)| n)
            .sum();
        if responses == 0 && record.state != SurveyState::Open {
            return Ok(());
        }
        let current = self.definition_with(conn, &record.id, &record.current_version)?;
        // A trial run's simulated answers judge nothing: the rules may change until residents
        // have answered.
        let residents: i64 = storage::fieldwork_counts(conn, &record.id)?
            .iter()
            .filter(|(_, _, _, channel, _)| channel != crate::analysis::SIMULATED)
            .map(|(.., n)| n)
            .sum();
        let changed = if residents == 0 {
            Vec::new()
        } else {
            current.rules_changed_by(newer)
        };
        let dropped = current.answer_codes_dropped_by(newer);
        if !dropped.is_empty() {
            return Err(CatalogError::DropsAnsweredCodes {
                file: file_name.to_owned(),
                id: record.id.clone(),
                responses,
                dropped,
                also_changed: changed,
            });
        }
        if changed.is_empty() {
            return Ok(());
        }
        Err(CatalogError::ChangesRules {
            file: file_name.to_owned(),
            id: record.id.clone(),
            residents,
            changed,
        })
    }

    /// Imports every `*.toml` file of a directory, in name order. A file that cannot be
    /// loaded (unreadable, invalid, refused as a new version, or one of two files defining the
    /// same survey) is reported and skipped: the others load, and a survey already in the
    /// database keeps the version it has.
    pub fn import_dir(&self, dir: &Path) -> Result<DirectoryImport, CatalogError> {
        let entries = std::fs::read_dir(dir).map_err(|source| CatalogError::Read {
            path: dir.to_owned(),
            source,
        })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
            .collect();
        files.sort();
        let mut report = DirectoryImport::default();
        let mut read: Vec<(PathBuf, Survey, String)> = Vec::new();
        for file in files {
            match self.read_survey_file(&file) {
                Ok((survey, source)) => read.push((file, survey, source)),
                Err(e) => report.refused.push(e),
            }
        }
        let mut by_id: HashMap<String, Vec<PathBuf>> = HashMap::new();
        for (file, survey, _) in &read {
            by_id
                .entry(survey.id.clone())
                .or_default()
                .push(file.clone());
        }
        for (file, survey, source) in read {
            match by_id.get(&survey.id) {
                Some(files) if files.len() > 1 => {
                    if files[0] == file {
                        report.refused.push(CatalogError::SameSurveyId {
                            id: survey.id.clone(),
                            files: files.clone(),
                        });
                    }
                }
                _ => match self.import_survey(
                    Importing::at_once(&file, Earlier::Keep),
                    survey,
                    &source,
                ) {
                    Ok(loaded) => report.loaded.push(loaded),
                    Err(e @ CatalogError::Storage(_)) => return Err(e),
                    Err(e) => report.refused.push(e),
                },
            }
        }
        Ok(report)
    }

    /// Whether a survey file refused earlier has been put right since: it is gone, or it holds
    /// the current version of the survey it defines (corrected and imported, or brought up to
    /// date with `minyi survey source`).
    pub fn put_right(&self, path: &Path) -> Result<bool, CatalogError> {
        let (survey, source) = match self.read_survey_file(path) {
            Ok(read) => read,
            Err(CatalogError::Read { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                return Ok(true)
            }
            Err(_) => return Ok(false),
        };
        let current = storage::find_survey(&mut *self.db.conn()?, &survey.id)?;
        Ok(current.is_some_and(|record| record.current_version == version_of(&source)))
    }

    /// The text of a survey's file as imported: its current version, or `version`.
    pub fn file_text(&self, id: &str, version: Option<&str>) -> Result<String, CatalogError> {
        let mut conn = self.db.conn()?;
        let record = storage::find_survey(&mut conn, id)?
            .ok_or_else(|| CatalogError::UnknownSurvey(id.to_owned()))?;
        let version = version.unwrap_or(&record.current_version);
        storage::version_source(&mut conn, id, version)?.ok_or_else(|| {
            CatalogError::UnknownVersion {
                id: id.to_owned(),
                version: version.to_owned(),
            }
        })
    }

    /// The file of a survey's current version, to download: a name for it (the name it was
    /// imported under, where that is a plain file name, Chinese letters included; else
    /// `ID.toml`) and its text.
    pub fn current_file(&self, id: &str) -> Result<(String, String), CatalogError> {
        let mut conn = self.db.conn()?;
        let record = storage::find_survey(&mut conn, id)?
            .ok_or_else(|| CatalogError::UnknownSurvey(id.to_owned()))?;
        let version = &record.current_version;
        let text = storage::version_source(&mut conn, id, version)?.ok_or_else(|| {
            StorageError::Corrupt(format!("survey {id} has no stored version {version}"))
        })?;
        let name = storage::version_file_name(&mut conn, id, version)?
            .and_then(|kept| folder::plain_toml_name(&kept))
            .unwrap_or_else(|| format!("{id}.toml"));
        Ok((name, text))
    }

    /// Every survey with its current definition, each remembered as `current` remembers it.
    pub fn list(&self) -> Result<Vec<CurrentSurvey>, CatalogError> {
        let mut conn = self.db.conn()?;
        let records = storage::list_surveys(&mut conn)?;
        let surveys = records
            .into_iter()
            .map(|record| {
                let definition =
                    self.definition_with(&mut conn, &record.id, &record.current_version)?;
                Ok(CurrentSurvey { record, definition })
            })
            .collect::<Result<Vec<_>, CatalogError>>()?;
        if let Ok(mut recent) = self.recent.write() {
            let now = Instant::now();
            for survey in &surveys {
                recent.insert(survey.record.id.clone(), (now, survey.clone()));
            }
        }
        Ok(surveys)
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

    /// Whether this process has read a survey with this id (no query: for the request log,
    /// which names a survey only when the id in the path is one).
    /// The definition of survey `id` as last read, however long ago, without touching the
    /// database or copying its record: what a submission's body limit needs before anything
    /// else is known of it.
    pub fn last_definition(&self, id: &str) -> Option<Arc<Survey>> {
        let recent = self.recent.read().ok()?;
        recent.get(id).map(|(_, survey)| survey.definition.clone())
    }

    pub fn has_seen(&self, id: &str) -> bool {
        self.recent
            .read()
            .is_ok_and(|recent| recent.contains_key(id))
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
        let survey = Arc::new(Survey::from_stored_toml(
            &source,
            &format!("{id}@{version}"),
        )?);
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

/// A version as people read it: its first 12 hex digits.
fn short(version: &str) -> &str {
    version.get(..12).unwrap_or(version)
}

/// The text of a survey file. Not UTF-8 (a file saved as GBK or UTF-16 by a Chinese Windows
/// editor) is said in those words, with what to do.
pub fn read_survey_text(path: &Path) -> Result<String, CatalogError> {
    let bytes = std::fs::read(path).map_err(|source| CatalogError::Read {
        path: path.to_owned(),
        source,
    })?;
    survey_text(path, bytes)
}

/// The bytes of a survey file named `path` as text, or what they most likely are instead.
pub fn survey_text(path: &Path, bytes: Vec<u8>) -> Result<String, CatalogError> {
    String::from_utf8(bytes).map_err(|e| CatalogError::NotUtf8 {
        path: path.to_owned(),
        what: NotText::of(e.as_bytes()),
    })
}

pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
