//! The form decoder and the answer validator, on the example survey: any bytes a client posts
//! either decode and validate (or fail validation with problems per question), or are refused
//! as not UTF-8; never a panic. Validated answers, stored as the server stores them, read back
//! unchanged.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use minyi::survey::{stored_answers, FormInput, Survey};

fn survey() -> &'static Survey {
    static SURVEY: OnceLock<Survey> = OnceLock::new();
    SURVEY.get_or_init(|| {
        let source = include_str!("../../surveys/jiaxing-food-safety-2016.toml");
        Survey::from_toml(source, "jiaxing-food-safety-2016.toml").expect("the example is valid")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = minyi::web::parse_form(data) else {
        return;
    };
    // Built field by field again, it is the same form.
    assert_eq!(FormInput::from_pairs(input.pairs()), input);
    let survey = survey();
    if let Ok(answers) = survey.validate(&input) {
        let _ = survey.stratum_of(&answers);
        let _ = survey.quality_flags(&answers, Some(30));
        // Stored as the server stores them, they read back the same.
        let mut answers = answers;
        minyi::privacy::scrub_free_text(survey, &mut answers);
        let stored = stored_answers::encode(survey, &answers);
        assert_eq!(stored_answers::decode(survey, &stored), Ok(answers));
    }
});
