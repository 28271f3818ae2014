//! A survey file's mistakes as a page lists them, in the reader's language: where each is (its
//! line, and its key or column), what was expected and what was found, and for a syntax error
//! the advice on its line. The file's own ids and codes, and a TOML parser's message, stay as
//! they are.

use serde_json::{json, Value};

use crate::survey::{FileProblem, Lang, SyntaxHint};
use crate::web::Messages;

/// Each of `problems` for a page (`templates/file_mistakes.hbs`).
pub(crate) fn mistakes(m: &Messages, lang: Lang, problems: &[FileProblem]) -> Vec<Value> {
    problems.iter().map(|p| mistake(m, lang, p)).collect()
}

/// One mistake in a survey file, for the page: where (line and column, or line and key), what
/// was expected and what was found.
fn mistake(m: &Messages, lang: Lang, problem: &FileProblem) -> Value {
    let at = match (problem.line, problem.column) {
        (Some(line), Some(column)) => Some(m.format(
            lang,
            "file.at_line_column",
            &[("line", &line.to_string()), ("column", &column.to_string())],
        )),
        (Some(line), None) => Some(m.format(lang, "file.at_line", &[("line", &line.to_string())])),
        (None, _) => None,
    };
    json!({
        "at": at,
        // A syntax error's path is only its place, said above.
        "key": problem.column.is_none().then_some(&problem.path),
        "expected": m.said(lang, &problem.expected),
        "found": problem.found.as_ref().map(|found| m.said(lang, found)),
        "hints": problem.hints.iter().map(|hint| advice(m, lang, hint)).collect::<Vec<_>>(),
    })
}

/// A syntax hint in the reader's language.
fn advice(m: &Messages, lang: Lang, hint: &SyntaxHint) -> String {
    match hint {
        SyntaxHint::FullWidthPunctuation { marks } => m.format(
            lang,
            "file.hint_full_width_punctuation",
            &[("marks", marks)],
        ),
        SyntaxHint::SingleBrackets { name } => {
            m.format(lang, "file.hint_single_brackets", &[("name", name)])
        }
        SyntaxHint::FullWidthDigits => m.text(lang, "file.hint_full_width_digits"),
        SyntaxHint::Date { written } => m.format(lang, "file.hint_date", &[("written", written)]),
        SyntaxHint::Percent { percent, fraction } => m.format(
            lang,
            "file.hint_percent",
            &[("percent", percent), ("fraction", fraction)],
        ),
        SyntaxHint::DuplicateKey => m.text(lang, "file.hint_duplicate_key"),
        SyntaxHint::UnclosedQuote => m.text(lang, "file.hint_unclosed_quote"),
        SyntaxHint::NoValue => m.text(lang, "file.hint_no_value"),
        SyntaxHint::UnclosedHeader => m.text(lang, "file.hint_unclosed_header"),
        SyntaxHint::UnclosedBrackets => m.text(lang, "file.hint_unclosed_brackets"),
        SyntaxHint::UnquotedText => m.text(lang, "file.hint_unquoted_text"),
        SyntaxHint::MissingComma => m.text(lang, "file.hint_missing_comma"),
        SyntaxHint::LeadingZero => m.text(lang, "file.hint_leading_zero"),
        SyntaxHint::MoreOnTheLine => m.text(lang, "file.hint_more_on_the_line"),
    }
}
