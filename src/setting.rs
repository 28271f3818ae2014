//! Reading one setting from the environment (or any lookup): numbers and durations, and what
//! was expected when a value cannot be used. `config` and `mail::settings` both read theirs
//! with these and turn an [`InvalidSetting`] into their own error.

use std::time::Duration;

/// A value given for a setting that cannot be used: the setting's name, the value as given
/// and, in words, what was expected.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{name}={value:?} is not valid: expected {expected}")]
pub struct InvalidSetting {
    pub name: &'static str,
    pub value: String,
    pub expected: &'static str,
}

/// The number setting `name` holds (surrounding spaces ignored), or `default` when unset.
pub fn number<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
    expected: &'static str,
) -> Result<T, InvalidSetting> {
    match get(name) {
        None => Ok(default),
        Some(value) => value.trim().parse().map_err(|_| InvalidSetting {
            name,
            value,
            expected,
        }),
    }
}

/// A whole number of at least 1: 0 threads or 0 places in a queue would mean none, which
/// Minyi cannot work with, and quietly taking 1 instead would not be what was written.
pub fn at_least_one<T: std::str::FromStr + PartialEq + From<u8>>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
    expected: &'static str,
) -> Result<T, InvalidSetting> {
    let value = number(get, name, default, expected)?;
    if value == T::from(0) {
        return Err(InvalidSetting {
            name,
            value: get(name).unwrap_or_default(),
            expected,
        });
    }
    Ok(value)
}

/// A duration setting in seconds, fractions allowed, never zero.
pub fn seconds(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: f64,
) -> Result<Duration, InvalidSetting> {
    const EXPECTED: &str = "a number of seconds greater than 0, such as 300 or 0.5";
    let value: f64 = number(get, name, default, EXPECTED)?;
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| InvalidSetting {
            name,
            value: value.to_string(),
            expected: EXPECTED,
        })
}
