//! The fuzz targets' properties (`fuzz/properties.rs`) on every file of their corpus: what
//! cargo-fuzz found worth keeping stays checked by `cargo test`, and the properties compile
//! with the library they exercise.

#[path = "../../fuzz/properties.rs"]
mod properties;

use crate::helpers::repo_path;

/// Every file of `fuzz/corpus/{target}`, with its name.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = repo_path(&format!("fuzz/corpus/{target}"));
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            (path.display().to_string(), std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_survey_file_of_the_corpus_parses_or_is_refused_without_a_panic() {
    let files = corpus("survey_file");
    assert!(
        files.len() >= 2,
        "the corpus is there: {} files",
        files.len()
    );
    for (name, data) in files {
        eprintln!("{name}");
        properties::survey_file(&data);
    }
}

#[test]
fn every_form_body_of_the_corpus_decodes_validates_and_stores_unchanged_without_a_panic() {
    let files = corpus("form_body");
    assert!(
        files.len() >= 3,
        "the corpus is there: {} files",
        files.len()
    );
    for (name, data) in files {
        eprintln!("{name}");
        properties::form_body(&data);
    }
}
