//! Minyi's integration tests: one binary (one link step on a 2-core machine), one module per
//! capability. Every test that touches storage runs on SQLite, and on PostgreSQL when
//! `MINYI_TEST_POSTGRES` holds a server URL; each test gets its own fresh database.
#![allow(clippy::unwrap_used)]

mod helpers;

mod accounts;
mod addresses;
mod cli;
mod crash;
mod dashboard;
mod evaluation;
mod fieldwork;
mod fuzz_corpus;
mod golden;
mod ingest;
mod interviewers;
mod large_text;
mod lifecycle;
mod mail;
mod malformed;
mod page_weight;
mod privacy;
mod resident_form;
mod results;
mod resultset;
mod slow_clients;
mod submission;
