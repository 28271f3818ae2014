//! The fuzz targets' properties (`fuzz/properties.rs`) on every file of their corpus: what
//! cargo-fuzz found worth keeping stays checked by `cargo test`, and the properties compile
//! with the library they exercise.

#[path = "../../fuzz/properties.rs"]
mod properties;

use crate::helpers::repo_path;

/// Runs `property` on every file of `fuzz/corpus/{target}` (at least `seeds` of them), naming
/// each file before it runs, so that a failure says which input it was.
fn run_corpus(target: &str, seeds: usize, property: fn(&[u8])) {
    let dir = repo_path(&format!("fuzz/corpus/{target}"));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= seeds, "the corpus is there: {files:?}");
    for file in files {
        eprintln!("{}", file.display());
        property(&std::fs::read(&file).unwrap());
    }
}

#[test]
fn every_survey_file_of_the_corpus_parses_or_is_refused_without_a_panic() {
    run_corpus("survey_file", 2, properties::survey_file);
}

#[test]
fn every_form_body_of_the_corpus_decodes_validates_and_stores_unchanged_without_a_panic() {
    run_corpus("form_body", 3, properties::form_body);
}
