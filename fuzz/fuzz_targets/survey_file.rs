//! The survey-file parser: any text either becomes a valid survey or a SurveyFileError, never a
//! panic, a hang or an out-of-memory.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(source) = std::str::from_utf8(data) {
        if let Ok(survey) = minyi::survey::Survey::from_toml(source, "fuzz.toml") {
            // A survey that loads must also be usable: validate an empty form against it.
            let _ = survey.validate(&minyi::survey::FormInput::default());
        }
    }
});
