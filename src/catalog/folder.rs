//! The surveys folder (`MINYI_SURVEYS_DIR`) kept in step with imports made from the web: a
//! server imports its folder at every start, and a file there older than the survey's current
//! version is refused as an earlier version. So a file imported from the web is written into
//! the folder too, where the survey's file is, and the next start finds it current.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Catalog, CatalogError, ImportReport, SurveyFile};
use crate::storage::Earlier;
use crate::survey::Survey;

/// What importing a file sent from the web did.
#[derive(Debug)]
pub struct UploadImported {
    pub report: ImportReport,
    /// Where the surveys folder now has the file; `None`: it could not be saved there (logged),
    /// and the import stands.
    pub saved_as: Option<PathBuf>,
}

impl Catalog {
    /// Imports a survey file's text sent from the web by `actor`, by the rules of
    /// [`Catalog::import_file`] (an earlier version is gone back to: the page said so and was
    /// confirmed), then writes it into the surveys folder `folder` ([`place_in_folder`]).
    /// Problems name the file as it was sent (`sent_as`).
    pub fn import_upload(
        &self,
        folder: &Path,
        sent_as: &Path,
        source: &str,
        actor: &str,
    ) -> Result<UploadImported, CatalogError> {
        let survey = Survey::from_toml(source, &sent_as.display().to_string())?;
        let id = survey.id.clone();
        let place = place_in_folder(folder, &id, &sent_as.display().to_string());
        let file = SurveyFile {
            read_as: sent_as,
            kept_as: place.as_deref().unwrap_or(sent_as),
        };
        let report = self.import_survey(file, survey, source, Earlier::Restore, actor)?;
        let saved_as = match place {
            Some(path) => match save_in_folder(&path, source) {
                Ok(()) => Some(path),
                Err(e) => {
                    tracing::warn!(survey = %id, file = %path.display(), error = %e,
                        "imported survey file not saved in the surveys folder");
                    None
                }
            },
            None => {
                tracing::warn!(survey = %id, folder = %folder.display(),
                    "imported survey file not saved: its names are other surveys' files");
                None
            }
        };
        Ok(UploadImported { report, saved_as })
    }
}

/// Where survey `id`'s file goes in folder `dir`: the file there that already defines the
/// survey (whatever its name), else the name it was sent under if that is a plain `.toml` name,
/// else `{id}.toml`. A name is taken only if no file has it or its file defines no other
/// survey (a file refused at start as unreadable is replaced by its corrected version).
/// `None`: both names are other surveys' files, which are never overwritten.
fn place_in_folder(dir: &Path, id: &str, sent_as: &str) -> Option<PathBuf> {
    if let Some(own) = file_defining(dir, id) {
        return Some(own);
    }
    [plain_toml_name(sent_as), Some(format!("{id}.toml"))]
        .into_iter()
        .flatten()
        .map(|name| dir.join(name))
        .find(|path| !path.exists() || survey_id_in(path).is_none())
}

/// Writes a survey file whole or not at all: into a temporary file beside it, flushed to disk,
/// then renamed over it (a start never reads half a file).
fn save_in_folder(path: &Path, source: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temporary = new_partial_file(dir, path)?;
    let written = temporary
        .1
        .write_all(source.as_bytes())
        .and_then(|()| temporary.1.sync_all())
        .and_then(|()| std::fs::rename(&temporary.0, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary.0);
    }
    written
}

/// A new file beside `path`, named so that the folder's import skips it (not `.toml`).
fn new_partial_file(dir: &Path, path: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let stem = path.file_name().map_or_else(
        || "survey".into(),
        |name| name.to_string_lossy().into_owned(),
    );
    let temporary = dir.join(format!(
        ".{stem}.{}.partial",
        hex::encode(rand::random::<[u8; 6]>())
    ));
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)?;
    Ok((temporary, file))
}

/// The `*.toml` file of `dir` whose `[survey] id` is `id`, first by name.
fn file_defining(dir: &Path, id: &str) -> Option<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .find(|path| survey_id_in(path).as_deref() == Some(id))
}

/// The `[survey] id` a file gives, if it can be read as TOML and gives one.
fn survey_id_in(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let table: toml::Table = toml::from_str(&text).ok()?;
    Some(table.get("survey")?.get("id")?.as_str()?.to_owned())
}

/// `name` as a file name for the folder, if it is a plain one: its last path component (a
/// browser may send a whole Windows path), ending `.toml`, not hidden, of letters, digits,
/// `-`, `_` and `.` only (Chinese letters included).
fn plain_toml_name(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next()?.trim();
    let plain = last.len() <= 120
        && last.ends_with(".toml")
        && last.len() > ".toml".len()
        && !last.starts_with('.')
        && last
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    plain.then(|| last.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn survey_file(id: &str) -> String {
        format!("[survey]\nid = \"{id}\"\n")
    }

    #[test]
    fn a_survey_keeps_the_file_that_already_defines_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("food.toml"), survey_file("food-2026")).unwrap();
        std::fs::write(dir.path().join("other.toml"), survey_file("other")).unwrap();

        assert_eq!(
            place_in_folder(dir.path(), "food-2026", "food-2026-new.toml"),
            Some(dir.path().join("food.toml"))
        );
    }

    #[test]
    fn a_new_survey_takes_the_name_it_was_sent_under_when_plain_and_free() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("taken.toml"), survey_file("other")).unwrap();

        let place = |sent_as| place_in_folder(dir.path(), "roads-2026", sent_as);
        assert_eq!(
            place("C:\\Users\\王\\道路满意度.toml"),
            Some(dir.path().join("道路满意度.toml"))
        );
        assert_eq!(place("roads.toml"), Some(dir.path().join("roads.toml")));
        for not_plain in [
            "../../etc/x.toml",
            ".hidden.toml",
            "roads.txt",
            "a b.toml",
            ".toml",
        ] {
            let expected = match not_plain {
                "../../etc/x.toml" => dir.path().join("x.toml"),
                _ => dir.path().join("roads-2026.toml"),
            };
            assert_eq!(place(not_plain), Some(expected), "{not_plain}");
        }
        assert_eq!(
            place("taken.toml"),
            Some(dir.path().join("roads-2026.toml")),
            "another survey's file is never overwritten"
        );
    }

    #[test]
    fn no_place_when_every_name_is_another_surveys_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("taken.toml"), survey_file("other")).unwrap();
        std::fs::write(dir.path().join("roads-2026.toml"), survey_file("other-too")).unwrap();

        assert_eq!(
            place_in_folder(dir.path(), "roads-2026", "taken.toml"),
            None
        );
    }

    #[test]
    fn a_file_that_defines_no_survey_is_replaced_by_the_one_sent_under_its_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("roads.toml"),
            "[survey\nid = \"roads-2026\"",
        )
        .unwrap();

        assert_eq!(
            place_in_folder(dir.path(), "roads-2026", "roads.toml"),
            Some(dir.path().join("roads.toml"))
        );
    }

    #[test]
    fn saving_replaces_the_file_whole_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("food.toml");
        std::fs::write(&path, "old").unwrap();

        save_in_folder(&path, "[survey]\nid = \"food\"\n").unwrap();

        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[survey]\nid = \"food\"\n"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left");
    }
}
