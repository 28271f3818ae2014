//! The survey-file parser on any text: `properties::survey_file`.
#![no_main]

#[path = "../properties.rs"]
mod properties;

libfuzzer_sys::fuzz_target!(|data: &[u8]| properties::survey_file(data));
