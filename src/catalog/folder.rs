//! The surveys folder (`MINYI_SURVEYS_DIR`) kept in step with imports made from the web: a
//! server imports its folder at every start, and a file there older than the survey's current
//! version is refused as an earlier version. So a file imported from the web is written into
//! the folder too, where the survey's file is, and the next start finds it current.
//!
//! Never over another survey's file: a file is replaced only when it defines the survey being
//! imported (read as TOML, or, for a file too broken to read, by its `id = "…"` line); a new
//! file is created only where no file is, even by another node writing to a shared folder at
//! the same moment (a hard link, which never replaces). One import from the web at a time per
//! process chooses and writes.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Catalog, CatalogError, ImportReport, Importing};
use crate::storage::{Earlier, Replacing, Shown};

/// What importing a file sent from the web did.
#[derive(Debug)]
pub struct UploadImported {
    pub report: ImportReport,
    /// Where the surveys folder now has the file; `None`: it could not be saved there (logged),
    /// and the import stands.
    pub saved_as: Option<PathBuf>,
}

/// Where in the surveys folder a survey's file goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FolderPlace {
    pub path: PathBuf,
    /// It replaces the survey's own file there (else it is a new file).
    pub replaces: bool,
}

/// What a person confirmed on the page that said what importing a file would do.
#[derive(Clone, Copy, Debug)]
pub struct Confirmed<'a> {
    /// The survey as they were shown it (`None`: no such survey yet).
    pub shown: Option<Shown<'a>>,
    /// They were told the file has another name and title than the survey whose id it has.
    pub another_survey: bool,
}

impl Catalog {
    /// Imports a survey file's text sent from the web by `actor`, by the rules of
    /// [`Catalog::import_file`] (an earlier version is gone back to: the page said so), as
    /// `confirmed`, then writes it into the surveys folder `folder` ([`place_in_folder`]).
    /// Problems name the file as it was sent (`sent_as`).
    pub fn import_upload(
        &self,
        folder: &Path,
        sent_as: &Path,
        source: &str,
        confirmed: Confirmed<'_>,
        actor: &str,
    ) -> Result<UploadImported, CatalogError> {
        let survey = self.read_for_import(source, &sent_as.display().to_string())?;
        let id = survey.id.clone();
        // The name is chosen and the file written by one import at a time.
        let _writing = self
            .folder_writes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let place = place_in_folder(folder, &id, &sent_as.display().to_string());
        let how = Importing {
            read_as: sent_as,
            kept_as: place.as_ref().map_or(sent_as, |p| p.path.as_path()),
            earlier: Earlier::Restore,
            replacing: Replacing::Only(confirmed.shown),
            another_name_and_title_confirmed: confirmed.another_survey,
            actor,
        };
        let report = self.import_survey(how, survey, source)?;
        let saved_as = match place {
            Some(place) => match save_in_folder(&place, &id, source) {
                Ok(()) => Some(place.path),
                Err(e) => {
                    tracing::warn!(survey = %id, file = %place.path.display(), error = %e,
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

    /// Where importing survey `id`'s file, sent as `sent_as`, would write it in `folder` (for
    /// the page that says what the import will do).
    pub fn folder_place(&self, folder: &Path, id: &str, sent_as: &Path) -> Option<FolderPlace> {
        place_in_folder(folder, id, &sent_as.display().to_string())
    }
}

/// Where survey `id`'s file goes in folder `dir`: the file there that already defines the
/// survey (whatever its name), else the name it was sent under if that is a plain `.toml` name,
/// else `{id}.toml`; a name is taken only where no file has it. `None`: both names are other
/// files'.
fn place_in_folder(dir: &Path, id: &str, sent_as: &str) -> Option<FolderPlace> {
    if let Some(own) = file_defining(dir, id) {
        return Some(FolderPlace {
            path: own,
            replaces: true,
        });
    }
    [plain_toml_name(sent_as), Some(format!("{id}.toml"))]
        .into_iter()
        .flatten()
        .map(|name| dir.join(name))
        .find(|path| !path.exists())
        .map(|path| FolderPlace {
            path,
            replaces: false,
        })
}

/// Writes a survey file whole or not at all: into a temporary file beside it, flushed to disk,
/// then renamed over the survey's own file (checked again first), or linked where no file is
/// (which fails, rather than replaces, if one has appeared since; a file there already with
/// this very text, written by a second press on another node, counts as saved). A folder whose
/// file system has no hard links gets the new file created in place, never replacing one.
fn save_in_folder(place: &FolderPlace, id: &str, source: &str) -> std::io::Result<()> {
    let path = &place.path;
    let dir = path.parent().unwrap_or(Path::new("."));
    // A folder named in the settings but not made yet (a new service's first import) is made,
    // as the server's other folders are.
    std::fs::create_dir_all(dir)?;
    let (temporary, mut file) = new_partial_file(dir, path)?;
    let written = file
        .write_all(source.as_bytes())
        .and_then(|()| file.sync_all())
        .and_then(|()| {
            if place.replaces {
                if defines(path, id).is_none() {
                    return Err(std::io::Error::other(
                        "the file no longer defines this survey: left as it is",
                    ));
                }
                return std::fs::rename(&temporary, path);
            }
            match std::fs::hard_link(&temporary, path) {
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    match std::fs::read(path) {
                        Ok(there) if there == source.as_bytes() => Ok(()),
                        _ => Err(e),
                    }
                }
                Err(_) => create_in_place(path, source),
                linked => linked,
            }
        });
    // Renamed: gone already; linked or failed: the temporary name goes.
    let _ = std::fs::remove_file(&temporary);
    // The new name itself on disk (best effort: not every file system syncs a directory).
    if written.is_ok() {
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    written
}

/// Creates `path`, which must not exist, with `source` (where hard links are not to be had).
fn create_in_place(path: &Path, source: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(source.as_bytes())?;
    file.sync_all()
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

/// The `*.toml` file of `dir` that defines survey `id` ([`defines`]): one that reads as TOML
/// before one that does not, then first by name.
fn file_defining(dir: &Path, id: &str) -> Option<PathBuf> {
    let mut files: Vec<(Reading, PathBuf)> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
        .filter_map(|path| Some((defines(&path, id)?, path)))
        .collect();
    files.sort();
    files.into_iter().next().map(|(_, path)| path)
}

/// How a file was found to define a survey (ordered: the first is the surer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Reading {
    /// Read as TOML.
    Read,
    /// Too broken to read: by its lines.
    Broken,
}

/// Whether the file at `path` defines survey `id`: its `[survey] id`, or, in a file with a
/// mistake, the `id` it gives where it should not (before `[survey]`), or, when it cannot be
/// read as TOML at all, a line `id = "ID"` before any section or in `[survey]` (not a
/// question's, county's or indicator's id). A file that is not UTF-8 defines none.
fn defines(path: &Path, id: &str) -> Option<Reading> {
    let text = std::fs::read_to_string(path).ok()?;
    match toml::from_str::<toml::Table>(&text) {
        Ok(table) => {
            let survey_id = table.get("survey").and_then(|s| s.get("id"));
            let given = survey_id
                .or_else(|| table.get("id"))
                .and_then(|v| v.as_str());
            (given == Some(id)).then_some(Reading::Read)
        }
        Err(_) => {
            let mut in_survey = true;
            let found = text.lines().any(|line| {
                let line = line.trim().replace(' ', "");
                if line.starts_with('[') {
                    // `[survey]`, or `[survey` with its bracket left out.
                    in_survey = line.starts_with("[survey");
                    return false;
                }
                in_survey && (line == format!("id=\"{id}\"") || line == format!("id='{id}'"))
            });
            found.then_some(Reading::Broken)
        }
    }
}

/// The last component of a file name a browser sent, which may be a whole path (`C:\\…\\x.toml`).
pub(crate) fn last_component(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name).trim()
}

/// `name` as a file name for the folder, if it is a plain one: its last path component (a
/// browser may send a whole Windows path), ending `.toml`, not hidden, of letters, digits,
/// `-`, `_` and `.` only (Chinese letters included), at most 120 bytes.
pub(crate) fn plain_toml_name(name: &str) -> Option<String> {
    let last = last_component(name);
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

    fn new_file(path: PathBuf) -> Option<FolderPlace> {
        Some(FolderPlace {
            path,
            replaces: false,
        })
    }

    #[test]
    fn a_survey_keeps_the_file_that_already_defines_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("food.toml"), survey_file("food-2026")).unwrap();
        std::fs::write(dir.path().join("other.toml"), survey_file("other")).unwrap();

        assert_eq!(
            place_in_folder(dir.path(), "food-2026", "food-2026-new.toml"),
            Some(FolderPlace {
                path: dir.path().join("food.toml"),
                replaces: true
            })
        );
    }

    #[test]
    fn a_new_survey_takes_the_name_it_was_sent_under_when_plain_and_free() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("taken.toml"), survey_file("other")).unwrap();

        let place = |sent_as| place_in_folder(dir.path(), "roads-2026", sent_as);
        assert_eq!(
            place("C:\\Users\\王\\道路满意度.toml"),
            new_file(dir.path().join("道路满意度.toml"))
        );
        assert_eq!(place("roads.toml"), new_file(dir.path().join("roads.toml")));
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
            assert_eq!(place(not_plain), new_file(expected), "{not_plain}");
        }
        assert_eq!(
            place("taken.toml"),
            new_file(dir.path().join("roads-2026.toml")),
            "another survey's file is never overwritten"
        );
    }

    #[test]
    fn no_place_when_both_names_are_other_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("taken.toml"), survey_file("other")).unwrap();
        // Another survey's file with a mistake in it: not this survey's, so not replaced.
        std::fs::write(
            dir.path().join("roads-2026.toml"),
            "[survey\nid = \"other\"",
        )
        .unwrap();

        assert_eq!(
            place_in_folder(dir.path(), "roads-2026", "taken.toml"),
            None
        );
    }

    #[test]
    fn the_surveys_own_file_with_a_mistake_in_it_is_replaced_by_its_correction() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("roads.toml"),
            "[survey\nid = \"roads-2026\"",
        )
        .unwrap();

        let place = place_in_folder(dir.path(), "roads-2026", "道路.toml").unwrap();
        save_in_folder(&place, "roads-2026", &survey_file("roads-2026")).unwrap();

        assert_eq!(place.path, dir.path().join("roads.toml"));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("roads.toml")).unwrap(),
            survey_file("roads-2026")
        );
    }

    #[test]
    fn a_broken_file_is_the_surveys_only_by_its_own_id_not_a_questions() {
        let dir = tempfile::tempdir().unwrap();
        // Another survey, broken, with a question whose id is the survey's id.
        let other = "[survey]\nid = \"parks\"\n[[questions]\nid = \"roads\"\n";
        std::fs::write(dir.path().join("a.toml"), other).unwrap();
        std::fs::write(dir.path().join("b.toml"), "[survey\nid = \"roads\"\n").unwrap();
        std::fs::write(dir.path().join("c.toml"), survey_file("roads")).unwrap();

        let place = place_in_folder(dir.path(), "roads", "roads.toml").unwrap();

        assert_eq!(
            place.path,
            dir.path().join("c.toml"),
            "a file that reads comes first"
        );
        std::fs::remove_file(dir.path().join("c.toml")).unwrap();
        let place = place_in_folder(dir.path(), "roads", "roads.toml").unwrap();
        assert_eq!(
            place.path,
            dir.path().join("b.toml"),
            "then its own broken file, not a.toml"
        );
    }

    #[test]
    fn a_second_press_finding_its_own_text_already_there_counts_as_saved() {
        let dir = tempfile::tempdir().unwrap();
        let place = place_in_folder(dir.path(), "roads", "roads.toml").unwrap();
        std::fs::write(&place.path, survey_file("roads")).unwrap();

        assert!(save_in_folder(&place, "roads", &survey_file("roads")).is_ok());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn saving_replaces_the_surveys_file_whole_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("food.toml");
        std::fs::write(&path, survey_file("food")).unwrap();
        let place = place_in_folder(dir.path(), "food", "food.toml").unwrap();

        save_in_folder(&place, "food", "[survey]\nid = \"food\"\n# v2\n").unwrap();

        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[survey]\nid = \"food\"\n# v2\n"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left");
    }

    #[test]
    fn a_file_that_appeared_or_changed_since_the_choice_is_left_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let new = place_in_folder(dir.path(), "roads-2026", "survey.toml").unwrap();
        std::fs::write(dir.path().join("food.toml"), survey_file("food")).unwrap();
        let own = place_in_folder(dir.path(), "food", "food.toml").unwrap();
        // Meanwhile another node writes another survey under the same new name, and someone
        // gives food.toml to another survey.
        std::fs::write(&new.path, survey_file("parks")).unwrap();
        std::fs::write(&own.path, survey_file("parks-2")).unwrap();

        assert!(save_in_folder(&new, "roads-2026", &survey_file("roads-2026")).is_err());
        assert!(save_in_folder(&own, "food", &survey_file("food")).is_err());

        assert_eq!(
            std::fs::read_to_string(&new.path).unwrap(),
            survey_file("parks")
        );
        assert_eq!(
            std::fs::read_to_string(&own.path).unwrap(),
            survey_file("parks-2")
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            2,
            "no temporary file is left"
        );
    }
}
