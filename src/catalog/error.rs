//! Why the catalog refuses a survey file or a change: `CatalogError`, as the command line says
//! it (`Display`), as a kind a page names (`file_refusal_kind`), and as sentences a page says
//! in its reader's language (`said_details`).

use std::path::{Path, PathBuf};

use super::last_component;
use crate::lifecycle::{IllegalTransition, SurveyState};
use crate::storage::StorageError;
use crate::survey::{said, Said, SurveyFileError};

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read survey file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", not_text(path, *what))]
    NotUtf8 { path: PathBuf, what: NotText },
    #[error(transparent)]
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
    #[error(
        "survey {id} has no version {version}; `minyi survey status {id}` gives the current one"
    )]
    UnknownVersion { id: String, version: String },
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
    /// A changed file for a survey whose state fixes its version.
    #[error(
        "{file}: survey {id} is {state}, and its file can no longer change: {why} \
         Put back the text it has (`minyi survey source {id} > {file}`){what_then}"
    )]
    FileFixed {
        file: String,
        id: String,
        state: SurveyState,
        why: &'static str,
        what_then: String,
    },
    /// At start, a file holding an earlier version of a survey than its current one: a node
    /// with a stale copy must not take the survey back for everyone.
    #[error(
        "{file}: this is an earlier version ({version}) of survey {id}, whose current version \
         is {current} (imported since, perhaps through another node); a start does not go back \
         to it. Bring this file up to date (`minyi survey source {id} > {file}`), or go back on \
         purpose with `minyi survey import {file}`"
    )]
    EarlierVersion {
        file: String,
        id: String,
        version: String,
        current: String,
    },
    /// A changed file that would leave answers already given without their question or code
    /// (and, when residents have answered, what else it changes that `ChangesRules` refuses,
    /// so that one refusal lists everything to put back).
    #[error(
        "{file}: survey {id} is open or has answers ({responses} stored), read by question id \
         and answer code, and this version drops {}: keep every question and code that answers \
         may hold (a label or a text may change), or give a survey with other codes a new id{}",
        joined(dropped),
        also_changed_rules(also_changed)
    )]
    DropsAnsweredCodes {
        file: String,
        id: String,
        responses: i64,
        dropped: Vec<Said>,
        also_changed: Vec<Said>,
    },
    /// A changed file that would judge residents' answers already given by other rules.
    #[error(
        "{file}: survey {id} has answers from residents ({residents}), and this version changes \
         how they are judged or what they mean: {}. An evaluation's rules are fixed before its \
         fieldwork, so that no answer is judged by rules it was not given under: put these back \
         as they were (`minyi survey source {id}` prints the file as imported; texts, new \
         questions and codes, populations and dates may still change), or survey under other \
         rules with a new id",
        joined(changed)
    )]
    ChangesRules {
        file: String,
        id: String,
        residents: i64,
        changed: Vec<Said>,
    },
    /// A file with another name and another title than the survey whose id it has: most often
    /// a copy of a survey file made for a new survey, its id left as it was.
    #[error(
        "{file}: its id {id} is that of the survey \"{title}\", imported from {other_file}, and \
         this file has another name and another title: most likely a copy made for a new survey, \
         which would replace that one. Give this survey an id of its own ([survey] id). If it \
         really is a new version of {id}, keep its title, or import it under the name {other_file}"
    )]
    AnotherSurveysId {
        file: String,
        id: String,
        title: String,
        other_file: String,
    },
    /// A file checked for import, its import confirmed after the survey changed (another
    /// import came first, or it was opened or closed): what the person was told no longer holds.
    #[error(
        "{file}: survey {id} changed after this file was checked (another import came first, or \
         it was opened or closed): nothing was imported; check the file again to see what \
         importing it would do now"
    )]
    NotAsChecked { file: String, id: String },
    /// Two files of one directory define the same survey.
    #[error(
        "{} all define survey {id}: keep one file per survey (a new survey needs its own id); \
         none of them was loaded",
        files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    SameSurveyId { id: String, files: Vec<PathBuf> },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A file's name without its folder, as pages name files.
fn file_name(path: &Path) -> String {
    last_component(&path.to_string_lossy()).to_owned()
}

/// What a new version drops or changes, as the command line says it: one after another.
/// The rule changes a refusal for dropped codes also lists, said after its advice.
fn also_changed_rules(changed: &[Said]) -> String {
    if changed.is_empty() {
        return String::new();
    }
    format!(
        ". {} {}: put these back as they were too",
        ALSO_CHANGES_RULES.english,
        joined(changed)
    )
}

/// Introduces, in a refusal for dropped codes, the rules the same version changes.
const ALSO_CHANGES_RULES: Said = Said {
    key: "also_changes_rules",
    english: "It also changes how residents' answers already given are judged or what they mean:",
    values: Vec::new(),
};

fn joined(found: &[Said]) -> String {
    found
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// What kind of refusal of a survey file an error is ([`CatalogError::file_refusal`]): a page
/// names it in the reader's language (`fieldwork.not_loaded_{name}`) above the details, which
/// name the file, the key and what was expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileRefusal {
    Unreadable,
    Invalid,
    Fixed,
    Earlier,
    DropsAnswered,
    ChangesRules,
    AnotherSurvey,
    SameId,
    NotAsChecked,
    Other,
}

impl FileRefusal {
    /// Every kind, so that a test finds each one's words in both languages.
    pub const ALL: [FileRefusal; 10] = [
        FileRefusal::Unreadable,
        FileRefusal::Invalid,
        FileRefusal::Fixed,
        FileRefusal::Earlier,
        FileRefusal::DropsAnswered,
        FileRefusal::ChangesRules,
        FileRefusal::AnotherSurvey,
        FileRefusal::SameId,
        FileRefusal::NotAsChecked,
        FileRefusal::Other,
    ];

    /// The word interface text keys use.
    pub fn name(self) -> &'static str {
        match self {
            FileRefusal::Unreadable => "unreadable",
            FileRefusal::Invalid => "invalid",
            FileRefusal::Fixed => "fixed",
            FileRefusal::Earlier => "earlier",
            FileRefusal::DropsAnswered => "drops_answered",
            FileRefusal::ChangesRules => "changes_rules",
            FileRefusal::AnotherSurvey => "another_survey",
            FileRefusal::SameId => "same_id",
            FileRefusal::NotAsChecked => "not_as_checked",
            FileRefusal::Other => "other",
        }
    }
}

impl CatalogError {
    /// What kind of refusal of a survey file this is.
    pub fn file_refusal(&self) -> FileRefusal {
        match self {
            CatalogError::Read { .. } | CatalogError::NotUtf8 { .. } => FileRefusal::Unreadable,
            CatalogError::File(_) => FileRefusal::Invalid,
            CatalogError::FileFixed { .. } => FileRefusal::Fixed,
            CatalogError::EarlierVersion { .. } => FileRefusal::Earlier,
            CatalogError::DropsAnsweredCodes { .. } => FileRefusal::DropsAnswered,
            CatalogError::ChangesRules { .. } => FileRefusal::ChangesRules,
            CatalogError::AnotherSurveysId { .. } => FileRefusal::AnotherSurvey,
            CatalogError::SameSurveyId { .. } => FileRefusal::SameId,
            CatalogError::NotAsChecked { .. } => FileRefusal::NotAsChecked,
            _ => FileRefusal::Other,
        }
    }

    /// [`file_refusal`](Self::file_refusal)'s word, for interface text
    /// (`fieldwork.not_loaded_{kind}`).
    pub fn file_refusal_kind(&self) -> &'static str {
        self.file_refusal().name()
    }

    /// The refusal of a survey file as sentences a page says in its reader's language, without
    /// the command line's advice (a page gives its own): why, then for a new version refused
    /// for what it drops or changes, each thing. `None` for errors that are not about a file
    /// (the database, an unknown survey): their text is the command line's. A file's own
    /// mistakes are `CatalogError::File`'s problems.
    pub fn said_details(&self) -> Option<Vec<Said>> {
        if let CatalogError::NotAsChecked { .. } = self {
            return Some(Vec::new()); // The kind of refusal says it all.
        }
        let listed: Vec<Said> = match self {
            CatalogError::DropsAnsweredCodes {
                dropped,
                also_changed,
                ..
            } if !also_changed.is_empty() => dropped
                .iter()
                .cloned()
                .chain(std::iter::once(ALSO_CHANGES_RULES))
                .chain(also_changed.iter().cloned())
                .collect(),
            CatalogError::DropsAnsweredCodes { dropped, .. } => dropped.clone(),
            CatalogError::ChangesRules { changed, .. } => changed.clone(),
            _ => Vec::new(),
        };
        let why = self.why_refused()?;
        Some(std::iter::once(why).chain(listed).collect())
    }

    /// Why a survey file was refused as a whole, for `said_details`.
    fn why_refused(&self) -> Option<Said> {
        let why = match self {
            CatalogError::Read { path, source } => match source.kind() {
                std::io::ErrorKind::NotFound => said!(
                    "unreadable_missing",
                    "cannot read survey file {file}: there is no such file",
                    file = file_name(path)
                ),
                std::io::ErrorKind::PermissionDenied => said!(
                    "unreadable_denied",
                    "cannot read survey file {file}: the server is not allowed to read it",
                    file = file_name(path)
                ),
                _ => said!(
                    "unreadable_file",
                    "cannot read survey file {file}: {cause}",
                    file = file_name(path),
                    cause = source
                ),
            },
            CatalogError::NotUtf8 { path, what } => not_text(path, *what),
            CatalogError::FileFixed {
                id,
                state: SurveyState::Published,
                ..
            } => said!(
                "fixed_published",
                "survey {id} is published: its results are computed from the version it \
                 has, so its file can no longer change",
                id = id
            ),
            CatalogError::FileFixed { id, .. } => said!(
                "fixed_closed",
                "survey {id} is closed: its answers were given, and its evaluation is \
                 computed, with the version it has, so its file can no longer change",
                id = id
            ),
            CatalogError::EarlierVersion {
                id,
                version,
                current,
                ..
            } => said!(
                "earlier_version",
                "this is an earlier version ({version}) of survey {id}, whose current \
                 version is {current}, imported since (perhaps through another node)",
                version = version,
                id = id,
                current = current
            ),
            CatalogError::DropsAnsweredCodes { id, responses, .. } => said!(
                "drops_answered",
                "survey {id} has {responses} responses stored, read by question id and \
                 answer code, and this version drops:",
                id = id,
                responses = responses
            ),
            CatalogError::ChangesRules { id, residents, .. } => said!(
                "changes_rules",
                "survey {id} has {residents} answers from residents, and this version \
                 changes how they are judged or what they mean:",
                id = id,
                residents = residents
            ),
            CatalogError::AnotherSurveysId {
                id,
                title,
                other_file,
                ..
            } => said!(
                "another_surveys_id",
                "its id {id} is that of the survey \"{title}\", imported from \
                 {other_file}, and this file has another name and another title: most \
                 likely a copy made for a new survey. Give this survey an id of its own \
                 ([survey] id)",
                id = id,
                title = title,
                other_file = other_file
            ),
            // The page names the files above.
            CatalogError::SameSurveyId { id, .. } => said!(
                "same_survey_id",
                "these files all define survey {id}: keep one file per survey (a new survey \
                 needs its own id)",
                id = id
            ),
            _ => return None,
        };
        Some(why)
    }

    /// The survey files this error is about (none when it names no file).
    pub fn files(&self) -> Vec<PathBuf> {
        match self {
            CatalogError::Read { path, .. } | CatalogError::NotUtf8 { path, .. } => {
                vec![path.clone()]
            }
            CatalogError::File(e) => vec![PathBuf::from(&e.file)],
            CatalogError::FileFixed { file, .. }
            | CatalogError::EarlierVersion { file, .. }
            | CatalogError::DropsAnsweredCodes { file, .. }
            | CatalogError::ChangesRules { file, .. }
            | CatalogError::AnotherSurveysId { file, .. }
            | CatalogError::NotAsChecked { file, .. } => vec![PathBuf::from(file)],
            CatalogError::SameSurveyId { files, .. } => files.clone(),
            _ => Vec::new(),
        }
    }
}

pub(super) fn fixed_file(file: String, id: String, state: SurveyState) -> CatalogError {
    let (why, what_then) = match state {
        SurveyState::Published => (
            "its results are published, computed from the version it has.",
            "; to survey again, give the new file a new id.".to_owned(),
        ),
        _ => (
            "its answers were given, and its evaluation is computed, with the version it has.",
            format!(
                ", or reopen it (`minyi survey open {id}`) to change it while it takes answers."
            ),
        ),
    };
    CatalogError::FileFixed {
        file,
        id,
        state,
        why,
        what_then,
    }
}

/// What a survey file that is not UTF-8 text most likely is, told from its first bytes: people
/// send the Word or Excel file they drafted the survey in as often as a text file saved in the
/// wrong encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotText {
    /// A zip archive: a Word or Excel file (.docx, .xlsx), WPS's own, or a zip.
    OfficeDocument,
    /// A compound file: a Word, Excel or WPS file in the older format (.doc, .xls, .wps).
    OldOfficeDocument,
    Pdf,
    /// Text saved as UTF-16, with its byte-order mark ("Unicode" in Notepad).
    Utf16,
    /// Text in another encoding: on a Chinese Windows, GBK ("ANSI").
    OtherEncoding,
}

impl NotText {
    pub fn of(bytes: &[u8]) -> NotText {
        if bytes.starts_with(b"PK\x03\x04") {
            NotText::OfficeDocument
        } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            NotText::OldOfficeDocument
        } else if bytes.starts_with(b"%PDF") {
            NotText::Pdf
        } else if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            NotText::Utf16
        } else {
            NotText::OtherEncoding
        }
    }
}

/// Why a file that is not UTF-8 text cannot be read, and what to do, for what it most likely is.
fn not_text(path: &Path, what: NotText) -> Said {
    let file = file_name(path);
    match what {
        NotText::OfficeDocument | NotText::OldOfficeDocument => said!(
            "not_text_office",
            "{file} is a Word, Excel or WPS document (or another zip archive), not a survey \
             file: a survey file is plain text (TOML, docs/survey-format.md). Copy the text into \
             Notepad or VS Code, save it as UTF-8 with a name ending in .toml, and use that file.",
            file = file
        ),
        NotText::Pdf => said!(
            "not_text_pdf",
            "{file} is a PDF, not a survey file: a survey file is plain text (TOML, \
             docs/survey-format.md) saved as UTF-8 with a name ending in .toml.",
            file = file
        ),
        NotText::Utf16 => said!(
            "not_utf8_utf16",
            "{file} was saved as UTF-16 (\"Unicode\"), not UTF-8. Save it as UTF-8 (Notepad: \
             Save As, Encoding UTF-8; WPS or VS Code: UTF-8) and try again.",
            file = file
        ),
        NotText::OtherEncoding => said!(
            "not_utf8",
            "{file} is not UTF-8 text: it was probably saved as GBK (ANSI) or UTF-16. Save it \
             as UTF-8 (Notepad: Save As, Encoding UTF-8; WPS or VS Code: UTF-8) and try again",
            file = file
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_is_not_utf8_text_is_told_by_its_first_bytes() {
        let cases: [(&[u8], NotText); 6] = [
            (b"PK\x03\x04\x14\x00\x06\x00", NotText::OfficeDocument),
            (
                &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0x00],
                NotText::OldOfficeDocument,
            ),
            (b"%PDF-1.7\n\xe2\xe3", NotText::Pdf),
            (&[0xFF, 0xFE, b'[', 0x00], NotText::Utf16),
            (&[0xFE, 0xFF, 0x00, b'['], NotText::Utf16),
            (b"[survey]\nid = \"\xc4\xfa\"", NotText::OtherEncoding),
        ];
        for (bytes, expected) in cases {
            assert_eq!(NotText::of(bytes), expected, "{bytes:?}");
        }
        let said = not_text(Path::new("/x/问卷.docx"), NotText::OfficeDocument).to_string();
        assert!(
            said.starts_with("问卷.docx is a Word, Excel or WPS document (or another zip archive), not a survey file"),
            "{said}"
        );
    }
}
