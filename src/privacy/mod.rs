//! Privacy: anonymity by construction. Keyed client hashes instead of addresses or device
//! identifiers, free-text scrubbing, k-anonymous releases, small-cell suppression for public
//! figures, and checking any released CSV. Pure: secrets, rows and rules are passed in.
//! `docs/privacy.md` explains what is collected, what is kept, for how long, and why.

pub mod check;
pub mod client;
pub mod kanon;
pub mod public;
pub mod scrub;

pub use client::{duplicate_ids, network_prefix, SurveySecret, TrustedProxies};
pub use kanon::{anonymize, violations, KAnonReport, QiColumn};
pub use public::{public_cell, publishable};
pub use scrub::scrub;
