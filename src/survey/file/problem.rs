//! A deserialization error as a [`FileProblem`] a person can act on: the key path of the bad
//! value (found from the span the TOML parser reports), what was expected and what was found, in
//! plain words, and the key most likely meant.

use std::ops::Range;

use toml::de::DeValue;
use toml::Spanned;

use super::document::{block_name, label};
use super::raw::SOURCE_EXPECTED;
use crate::survey::error::{said, FileProblem, Said, SyntaxHint};
use crate::survey::load::{INTERVIEWS_RULE, POPULATION_RULE};
use crate::survey::syntax_hints::number_hint;

/// The one of `allowed` (as serde lists them: `a`, `a or b`, `a, b, c`) within a typo or two
/// of `word`, if there is one: the key or value most likely meant.
pub(super) fn did_you_mean<'a>(word: &str, allowed: Option<&'a str>) -> Option<&'a str> {
    // Words other survey tools (and other minds) use for the same key.
    const SYNONYMS: [(&str, &str); 6] = [
        ("type", "kind"),
        ("question_type", "kind"),
        ("name", "id"),
        ("label", "zh"),
        ("title", "zh"),
        ("choices", "options"),
    ];
    let candidates = || {
        allowed
            .into_iter()
            .flat_map(|allowed| allowed.split(", ").flat_map(|part| part.split(" or ")))
    };
    if let Some(meant) = SYNONYMS
        .iter()
        .find(|(said, _)| *said == word)
        .and_then(|(_, meant)| candidates().find(|candidate| candidate == meant))
    {
        return Some(meant);
    }
    let closest = candidates()
        .map(|candidate| (strsim::damerau_levenshtein(word, candidate), candidate))
        .min_by_key(|(distance, _)| *distance);
    match closest {
        Some((distance, candidate)) if distance <= (word.chars().count() / 4).clamp(1, 3) => {
            Some(candidate)
        }
        _ => None,
    }
}

/// Turns a deserialization error into a problem at the key path of the value it points to.
pub(super) fn problem_from(
    error: &toml::de::Error,
    value: &Spanned<DeValue<'_>>,
    path: &str,
) -> FileProblem {
    let mut path = match error.span() {
        Some(span) => format!("{path}{}", locate(value, &span).unwrap_or_default()),
        None => path.to_string(),
    };
    let message = error.message();
    if let Some(field) = between_backticks(message.strip_prefix("missing field ")) {
        return FileProblem::new(
            format!("{path}.{field}"),
            said!("required", "a value: this key is required"),
        );
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let field = between_backticks(Some(rest)).unwrap_or_default();
        if !path.ends_with(&format!(".{field}")) {
            path = format!("{path}.{field}");
        }
        // Serde lists two as "`a` or `b`", more as "one of `a`, `b`, `c`": said as a list.
        let keys = rest.split_once("expected ").map(|(_, allowed)| {
            allowed
                .trim_start_matches("one of ")
                .replace('`', "")
                .replace(" or ", ", ")
        });
        let found = match did_you_mean(field, keys.as_deref()) {
            Some(meant) => said!(
                "unknown_key_meant",
                "unknown key \"{key}\"; did you mean \"{meant}\"?",
                key = field,
                meant = meant
            ),
            None => said!("unknown_key", "unknown key \"{key}\"", key = field),
        };
        let allowed = match keys {
            Some(keys) => said!("keys", "one of the keys {keys}", keys = keys),
            None => said!("no_keys", "no keys here"),
        };
        return FileProblem::new(path, allowed).found(found);
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let variant = between_backticks(Some(rest)).unwrap_or_default();
        let expected = rest.split_once("expected ").map(|(_, allowed)| allowed);
        let allowed = expected
            .map(|allowed| {
                allowed
                    .replace('`', "\"")
                    .replace("one of ", "")
                    .replace(" or ", ", ")
            })
            .unwrap_or_default();
        let names = expected.map(|allowed| allowed.trim_start_matches("one of ").replace('`', ""));
        let found = match did_you_mean(variant, names.as_deref()) {
            Some(meant) => said!(
                "unknown_value_meant",
                "\"{value}\"; did you mean \"{meant}\"?",
                value = variant,
                meant = meant
            ),
            None => Said::quoted(variant),
        };
        return FileProblem::new(path, said!("one_of", "one of {values}", values = allowed))
            .found(found);
    }
    if message.starts_with("invalid length") {
        return FileProblem::new(path, plain_expected("a map")).found(plain_found("sequence"));
    }
    // A whole number past 128 bits: toml gives up before the field's type is asked.
    if message == "integer number overflowed" {
        let number = error.span().and_then(|span| integer_at(value, &span));
        let rule = field_rule(&path).unwrap_or(said!("smaller_number", "a smaller number"));
        let found = match number {
            Some(number) => said!(
                "too_large_any",
                "{value}, more than any number in a survey file can hold",
                value = number
            ),
            None => Said::as_written(message),
        };
        return FileProblem::new(path, rule).found(found);
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some((found, expected)) = message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split_once(", expected "))
        {
            let rule = field_rule(&path).unwrap_or_else(|| plain_expected(expected));
            // A number past 64 bits is found as "i128" or "u128" by some types (as "integer
            // `N` as i128" by others): the file's own digits say it.
            let number = match found {
                "i128" | "u128" => error.span().and_then(|span| integer_at(value, &span)),
                _ => None,
            };
            let quoted = found
                .strip_prefix("string \"")
                .and_then(|text| text.strip_suffix('"'));
            let digits = number.as_deref().or_else(|| {
                let written = found.starts_with("integer `").then_some(found);
                between_backticks(written).or(quoted.map(str::trim))
            });
            let found_said = match digits.and_then(|digits| too_large(digits, expected)) {
                Some(max) => said!(
                    "too_large",
                    "{value}, more than the most it can hold ({max})",
                    value = digits.unwrap_or_default(),
                    max = max
                ),
                None => match &number {
                    Some(number) => Said::as_written(number),
                    None => plain_found(found),
                },
            };
            let mut problem = FileProblem::new(path, rule).found(found_said);
            // A number in quotes: say how to write it, whatever else it holds.
            let numeric = [
                "u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32", "i64",
            ]
            .iter()
            .chain(&["isize", "f32", "f64"])
            .any(|t| *t == expected);
            if let (Some(text), true) = (quoted, numeric) {
                let text = text.trim();
                problem.hints.extend(number_hint(text).or_else(|| {
                    text.parse::<f64>()
                        .is_ok()
                        .then(|| SyntaxHint::NumberInQuotes {
                            number: text.to_owned(),
                        })
                }));
            }
            return problem;
        }
    }
    FileProblem::new(path, Said::as_written(message))
}

/// The key path inside `value` (e.g. `.options[#2].code`) of the innermost key or value
/// whose span contains the start of `span`.
fn locate(value: &Spanned<DeValue<'_>>, span: &Range<usize>) -> Option<String> {
    let inside = |candidate: Range<usize>| {
        candidate.start <= span.start && span.start < candidate.end.max(candidate.start + 1)
    };
    match value.get_ref() {
        DeValue::Table(table) => {
            for (key, child) in table.iter() {
                if inside(key.span()) {
                    return Some(format!(".{}", key.get_ref()));
                }
                if let Some(rest) = locate(child, span) {
                    return Some(format!(".{}{rest}", key.get_ref()));
                }
            }
        }
        DeValue::Array(array) => {
            for (index, child) in array.iter().enumerate() {
                if let Some(rest) = locate(child, span) {
                    return Some(format!("{}{rest}", label(block_name(child), index)));
                }
            }
        }
        _ => {}
    }
    inside(value.span()).then(String::new)
}

fn between_backticks(text: Option<&str>) -> Option<&str> {
    let text = text?;
    let start = text.find('`')? + 1;
    let length = text.get(start..)?.find('`')?;
    text.get(start..start + length)
}

/// What a field holds, where its name says more than its type (a population is a whole number
/// greater than 0, not any whole number): the words the check of its value uses, so that -5, 1.5
/// and 0 are told alike.
fn field_rule(path: &str) -> Option<Said> {
    // A county's keys only: a margin's target for an option coded `quota` is just a number.
    if !path.starts_with("strata.units") {
        return None;
    }
    match path.rsplit('.').next()? {
        "population" => Some(POPULATION_RULE),
        "target_sample" | "quota" => Some(INTERVIEWS_RULE),
        _ => None,
    }
}

/// The most an unsigned type holds, when `digits` (a whole number as the file writes it, in
/// any base toml reads) is above it: `5000000000` for a `u32` gives 4294967295, so that "at
/// least 1 … found 5000000000" does not read as a contradiction.
fn too_large(digits: &str, expected: &str) -> Option<u64> {
    let max = match expected {
        "u8" => u64::from(u8::MAX),
        "u16" => u64::from(u16::MAX),
        "u32" => u64::from(u32::MAX),
        "u64" | "usize" => u64::MAX,
        _ => return None,
    };
    let digits = digits.replace('_', "");
    let digits = digits.strip_prefix('+').unwrap_or(&digits);
    let (radix, digits) = [("0x", 16), ("0o", 8), ("0b", 2)]
        .iter()
        .find_map(|(prefix, radix)| Some((*radix, digits.strip_prefix(prefix)?)))
        .unwrap_or((10, digits));
    let above = match u128::from_str_radix(digits, radix) {
        Ok(value) => value > u128::from(max),
        // Digits too many for 128 bits, not a sign or a letter.
        Err(_) => !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix)),
    };
    above.then_some(max)
}

/// The whole number written at `span` in `value`, as the file writes it (`0x…` for a
/// hexadecimal one).
fn integer_at(value: &Spanned<DeValue<'_>>, span: &Range<usize>) -> Option<String> {
    let inside = value.span().start <= span.start && span.start < value.span().end;
    match value.get_ref() {
        DeValue::Integer(integer) if inside => Some(integer.to_string()),
        DeValue::Table(table) => table.iter().find_map(|(_, child)| integer_at(child, span)),
        DeValue::Array(array) => array.iter().find_map(|child| integer_at(child, span)),
        _ => None,
    }
}

/// Serde's name for an expected type, in words a clerk knows.
fn plain_expected(expected: &str) -> Said {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => {
            said!("type_whole_number_0", "a whole number, 0 or more")
        }
        "i8" | "i16" | "i32" | "i64" | "isize" => said!("type_whole_number", "a whole number"),
        "f32" | "f64" => said!("type_number", "a number"),
        "a string" => said!("type_text", "text in quotes"),
        "a boolean" => said!("type_boolean", "true or false"),
        "a TOML datetime" => said!(
            "type_date",
            "a date written like 2016-10-10, without quotes"
        ),
        "a sequence" => said!("type_list", "a list in square brackets [ ... ]"),
        "a map" => said!("type_table", "a table { key = value, ... }"),
        SOURCE_EXPECTED => said!(
            "type_source",
            "a text, or a table { zh = \"…\", en = \"…\" }"
        ),
        other if other.starts_with("struct ") => {
            said!("type_table", "a table { key = value, ... }")
        }
        other => Said::as_written(other.replace('`', "\"")),
    }
}

/// Serde's description of a found value, shortened to the value itself where possible.
fn plain_found(found: &str) -> Said {
    if let Some(value) = between_backticks(Some(found)) {
        return Said::as_written(value);
    }
    if let Some(text) = found.strip_prefix("string ") {
        return Said::as_written(text);
    }
    match found {
        "sequence" => found_type("array"),
        "map" => found_type("table"),
        other => Said::as_written(other),
    }
}

/// What a TOML value is, by `DeValue::type_str`, for a problem's "found".
pub(super) fn found_type(type_str: &str) -> Said {
    match type_str {
        "array" => said!("found_list", "a list"),
        "table" => said!("found_table", "a table"),
        "string" => said!("found_text", "text"),
        "integer" | "float" => said!("found_number", "a number"),
        "boolean" => said!("found_boolean", "true or false"),
        "datetime" => said!("found_date", "a date"),
        other => Said::as_written(other),
    }
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn a_typo_gets_the_key_meant_and_a_different_word_gets_no_guess() {
        let keys = Some("id, title, fieldwork_start, fieldwork_end, open_on_import");
        let cases = [
            ("fieldwork_strat", keys, Some("fieldwork_start")),
            ("tilte", keys, Some("title")),
            ("language", keys, None),
            ("ix", keys, Some("id")),
            ("colour", keys, None),
            ("scal", Some("scale or items"), Some("scale")),
            ("anything", None, None),
        ];
        for (word, allowed, expected) in cases {
            assert_eq!(did_you_mean(word, allowed), expected, "{word}");
        }
    }
}
