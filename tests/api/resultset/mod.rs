//! Result sets (issue 5): what the zip holds, that the same responses give the same bytes,
//! downloads for granted evaluators, `minyi export`, and `minyi verify` catching tampering.

mod comments;
mod download;
mod export;
mod verify;

use std::io::Read;
use std::path::{Path, PathBuf};

use minyi::lifecycle::Transition;
use minyi::release::resultset::{self, Manifest};
use minyi::release::Encoding;

use crate::helpers::*;

/// Runs the `minyi` command on `db`, from the checkout, as an operator would.
pub fn run_minyi(db: &TestDatabase, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args(args)
        .env("DATABASE_URL", &db.raw_url)
        .env("MINYI_LOG", "warn")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("minyi runs")
}

/// Simulated fieldwork, then close: a survey ready for a result set.
pub fn closed_with_responses(app: &TestApp, responses: usize) {
    let catalog = app.catalog();
    minyi::analysis::add_simulated(&catalog, EXAMPLE_ID, responses, 5).expect("simulate");
    catalog
        .transition(EXAMPLE_ID, Transition::Close)
        .expect("close");
}

pub fn export(app: &TestApp, encoding: Encoding, dir: &Path) -> PathBuf {
    resultset::export(&app.catalog(), EXAMPLE_ID, encoding, dir)
        .expect("export")
        .0
}

/// Every file of a zip, by name, in the zip's order.
pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).expect("entry");
            let mut content = Vec::new();
            file.read_to_end(&mut content).expect("read entry");
            (file.name().to_owned(), content)
        })
        .collect()
}

pub fn file<'a>(files: &'a [(String, Vec<u8>)], name: &str) -> &'a [u8] {
    &files
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("{name} is in the zip"))
        .1
}

pub fn manifest(files: &[(String, Vec<u8>)]) -> Manifest {
    serde_json::from_slice(file(files, "manifest.json")).expect("manifest.json")
}
