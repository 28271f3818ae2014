//! What the fuzz targets check, one function per target: shared by `fuzz_targets/*.rs`
//! (libFuzzer feeds them) and `tests/api/fuzz_corpus.rs` (`cargo test` runs every file of
//! `fuzz/corpus/` through them, so the properties compile with the library and the corpus
//! stays a regression suite even where cargo-fuzz is not installed).
// Each fuzz target uses one of the functions.
#![allow(dead_code)]

use std::sync::OnceLock;

use minyi::survey::{stored_answers, FormInput, Survey};

/// The survey-file parser: any text either becomes a valid survey or a SurveyFileError, never
/// a panic, a hang or an out-of-memory. A survey that loads must also be usable: an empty form
/// is validated against it.
pub fn survey_file(data: &[u8]) {
    if let Ok(source) = std::str::from_utf8(data) {
        if let Ok(survey) = Survey::from_toml(source, "fuzz.toml") {
            let _ = survey.validate(&FormInput::default());
        }
    }
}

fn example_survey() -> &'static Survey {
    static SURVEY: OnceLock<Survey> = OnceLock::new();
    SURVEY.get_or_init(|| {
        let source = include_str!("../surveys/jiaxing-food-safety-2016.toml");
        Survey::from_toml(source, "jiaxing-food-safety-2016.toml").expect("the example is valid")
    })
}

/// The form decoder and the answer validator, on the example survey: any bytes a client posts
/// either decode and validate (or fail validation with problems per question), or are refused
/// as not UTF-8; never a panic. Validated answers, stored as the server stores them, read back
/// unchanged.
pub fn form_body(data: &[u8]) {
    let Ok(input) = minyi::web::parse_form(data) else {
        return;
    };
    // Built field by field again, it is the same form.
    assert_eq!(FormInput::from_pairs(input.pairs()), input);
    let survey = example_survey();
    if let Ok(answers) = survey.validate(&input) {
        let _ = survey.stratum_of(&answers);
        let _ = survey.quality_flags(&answers, Some(30));
        let mut answers = answers;
        minyi::privacy::scrub_free_text(survey, &mut answers);
        let stored = stored_answers::encode(survey, &answers);
        assert_eq!(stored_answers::decode(survey, &stored), Ok(answers));
    }
}
