//! Minyi (民意): public satisfaction surveys for local governments, weighted to the census and
//! evaluated with honest uncertainty.

pub mod accounts;
pub mod analysis;
pub mod audit;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod evaluation;
pub mod fieldwork;
pub mod files;
pub mod ingest;
pub mod interviewers;
pub mod invitations;
pub mod lifecycle;
pub mod mail;
pub mod privacy;
pub mod publishing;
pub mod release;
pub mod retention;
pub mod setting;
pub mod simulate;
pub mod startup;
pub mod stats;
pub mod storage;
pub mod survey;
pub mod transitions;
pub mod web;

/// The commit this binary was built from (`unknown` outside a git checkout; build.rs).
pub const COMMIT: &str = env!("BUILT_FROM_COMMIT");

/// What `minyi --version` says: the release and the commit.
pub const BUILD: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("BUILT_FROM_COMMIT"),
    ")"
);
