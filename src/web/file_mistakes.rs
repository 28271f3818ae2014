//! A survey file's mistakes as a page lists them, in the reader's language: where each is (its
//! line, and its key or column), what was expected and what was found, and for a syntax error
//! the advice on its line. The file's own ids and codes, and a TOML parser's message, stay as
//! they are. Also a file refused as a whole (`refusal`): why, and what to do, for the import
//! page and the surveys page alike.

use serde_json::{json, Value};

use crate::survey::{FileProblem, Lang, Said};
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
        "hints": problem.hints.iter().map(|hint| m.said(lang, &hint.said())).collect::<Vec<_>>(),
    })
}

/// One mistake on one line, for a terminal in `lang`: the page's parts in the page's words.
pub(crate) fn in_one_line(m: &Messages, lang: Lang, problem: &FileProblem) -> String {
    let parts = mistake(m, lang, problem);
    let text = |key: &str| parts[key].as_str().map(str::to_owned);
    let (colon, semicolon, stop) = match lang {
        Lang::Zh => ("：", "；", "。"),
        Lang::En => (": ", "; ", ". "),
    };
    let place = [text("at"), text("key")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let mut line = format!(
        "{place}{colon}{}{}",
        m.text(lang, "file.expected"),
        text("expected").unwrap_or_default()
    );
    if let Some(found) = text("found") {
        line.push_str(&format!("{semicolon}{}{found}", m.text(lang, "file.found")));
    }
    for hint in parts["hints"].as_array().into_iter().flatten() {
        match (lang, line.ends_with(['。', '.'])) {
            (Lang::Zh, true) => {}
            (Lang::En, true) => line.push(' '),
            (_, false) => line.push_str(stop),
        }
        line.push_str(hint.as_str().unwrap_or_default());
    }
    line
}

/// A survey file refused as a whole, for a page: its details a line each, and what to do.
pub(crate) struct Refusal {
    /// In the reader's language where the refusal has them in words, else the command line's.
    pub lines: Vec<String>,
    /// Whether `lines` are the command line's English.
    pub english: bool,
    /// What to do, for the kinds of refusal a page can advise on.
    pub what_to_do: Option<String>,
}

/// The page's words for a refusal of `kind` ([`CatalogError::file_refusal_kind`]) whose
/// sentences are `said` ([`CatalogError::said_details`]) and whose command-line text is
/// `english`.
///
/// [`CatalogError::file_refusal_kind`]: crate::catalog::CatalogError::file_refusal_kind
/// [`CatalogError::said_details`]: crate::catalog::CatalogError::said_details
pub(crate) fn refusal(
    m: &Messages,
    lang: Lang,
    kind: &str,
    said: Option<&[Said]>,
    english: &str,
) -> Refusal {
    Refusal {
        lines: match said {
            Some(said) => said.iter().map(|s| m.said(lang, s)).collect(),
            None => english.lines().map(str::to_owned).collect(),
        },
        english: said.is_none(),
        what_to_do: matches!(
            kind,
            "fixed" | "drops_answered" | "changes_rules" | "earlier" | "another_survey"
        )
        .then(|| m.text(lang, &format!("file.what_to_do_{kind}"))),
    }
}
