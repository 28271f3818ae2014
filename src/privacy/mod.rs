//! Privacy: anonymity by construction. Keyed client hashes instead of addresses or device
//! identifiers, free-text scrubbing, k-anonymous releases, small-cell suppression for public
//! figures, and checking any released CSV. Pure: secrets, rows and rules are passed in.
//! `docs/privacy.md` explains what is collected, what is kept, for how long, and why.

pub mod check;
pub mod client;
pub mod kanon;
pub mod public;
pub mod scrub;

pub use client::{network_prefix, SurveySecret, TrustedProxies};
pub use kanon::{anonymize, violations, KAnonReport, QiColumn};
pub use public::{public_cell, publishable};
pub use scrub::scrub;

use crate::survey::{Answer, Answers, QuestionKind, Survey};

/// Scrubs every free-text answer in place (before it is stored).
pub fn scrub_free_text(survey: &Survey, answers: &mut Answers) {
    for question in &survey.questions {
        if !matches!(question.kind, QuestionKind::Text { .. }) {
            continue;
        }
        if let Some(Answer::Code(text)) = answers.get_mut(&question.id) {
            let scrubbed = scrub(text);
            if scrubbed != *text {
                *text = scrubbed;
            }
        }
    }
}

/// Removes every free-text answer (the retention purge).
pub fn without_free_text(survey: &Survey, answers: &mut Answers) {
    for question in &survey.questions {
        if matches!(question.kind, QuestionKind::Text { .. }) {
            answers.remove(&question.id);
        }
    }
}
