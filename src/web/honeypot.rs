//! The honeypot: a text field hidden from sighted residents and labelled for screen-reader users
//! to leave empty. Form-filling robots fill it; a submission with it filled is not stored, and the
//! robot is thanked as if it had been, so it learns nothing.

use crate::survey::FormInput;

/// The field's name. Question ids never contain a hyphen, so it cannot collide with a question.
pub const FIELD: &str = "website-url";

/// Whether the honeypot came back filled in.
pub fn is_filled(fields: &FormInput) -> bool {
    fields.all(FIELD).any(|value| !value.trim().is_empty())
}
