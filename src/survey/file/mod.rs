//! The survey file as written (`raw`), read section by section and block by block
//! (`document`) so that one bad block does not hide the problems in the others.
//!
//! Deserialization errors are turned into [`FileProblem`](super::error::FileProblem)s with the
//! key path of the bad value, found from the span the TOML parser reports (`problem`).

mod document;
mod problem;
mod raw;

pub(crate) use document::{label, Document};
pub(crate) use raw::*;
