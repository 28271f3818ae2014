//! What is wrong with a survey file, said so that the clerk who edits it can fix it.

use std::fmt;

use serde::Serialize;

/// Every problem found in one survey file.
///
/// Displayed one problem per line:
/// `<file>: <key path>: expected <what>[, found <what>][ (line N)]`.
#[derive(Clone, Debug, PartialEq, Serialize, thiserror::Error)]
pub struct SurveyFileError {
    /// The file name given by the caller.
    pub file: String,
    /// All problems found, in file order as far as it is known; never empty.
    pub problems: Vec<FileProblem>,
}

/// One problem at one place in a survey file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileProblem {
    /// Where: a key path such as `questions[overall].options` or `indicators[#2].threshold`
    /// (`[name]` picks the block with that `id`, `code` or `question`; `[#n]` is the n-th
    /// block, counted from 1). For a TOML syntax error, `line L, column C`.
    pub path: String,
    /// What was expected there, e.g. `a whole number greater than 0`.
    pub expected: String,
    /// What was found instead, when that helps.
    pub found: Option<String>,
    /// The line of the file the path points to (counted from 1), when known.
    pub line: Option<usize>,
    /// For a TOML syntax error, its column on that line (counted from 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// For a TOML syntax error, what the line most likely got wrong and how to write it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<SyntaxHint>,
}

/// Advice on a TOML syntax error, read from its line: the slips of someone typing with a
/// Chinese input method or copying the example. `Display` says it in English (the command
/// line); pages say it in the reader's language (`web::file_mistakes`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "hint", rename_all = "snake_case")]
pub enum SyntaxHint {
    /// Full-width punctuation outside quotes: the marks, space-separated.
    FullWidthPunctuation { marks: String },
    /// `[questions]` (one table) where `[[questions]]` (a block of its own) is meant.
    SingleBrackets { name: String },
    /// Full-width digits, a full-width space or a non-breaking space in a value.
    FullWidthDigits,
    /// A date written with slashes or dots: as it should be written.
    Date { written: String },
    /// A share written with %: the percentage, and the fraction to write.
    Percent { percent: String, fraction: String },
}

impl fmt::Display for SyntaxHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyntaxHint::FullWidthPunctuation { marks } => write!(
                f,
                "It has full-width {marks} outside quotes: TOML needs half-width punctuation \
                 (\" = , . [ ] {{ }}), so switch the input method to half-width (英文标点) for \
                 everything but the texts themselves"
            ),
            SyntaxHint::SingleBrackets { name } => write!(
                f,
                "Each of these is a block of its own, headed [[{name}]] with double brackets: \
                 [{name}] with single ones names one table, which a second [{name}] repeats"
            ),
            SyntaxHint::FullWidthDigits => f.write_str(
                "It has full-width digits or a full-width or non-breaking space: write numbers \
                 and spaces half-width (switch the input method to 英文/半角)",
            ),
            SyntaxHint::Date { written } => write!(
                f,
                "A date is written with hyphens and two-digit months and days, without quotes: \
                 {written}"
            ),
            SyntaxHint::Percent { percent, fraction } => write!(
                f,
                "A share is written as a fraction without %: {percent}% is {fraction}"
            ),
        }
    }
}

impl FileProblem {
    /// A problem at `path`: `expected` is what should be there.
    pub fn new(path: impl Into<String>, expected: impl Into<String>) -> FileProblem {
        FileProblem {
            path: path.into(),
            expected: expected.into(),
            found: None,
            line: None,
            column: None,
            hints: Vec::new(),
        }
    }

    /// The same problem, saying what was found instead.
    pub fn found(mut self, found: impl Into<String>) -> FileProblem {
        self.found = Some(found.into());
        self
    }
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: expected {}", self.path, self.expected)?;
        if let Some(found) = &self.found {
            write!(f, ", found {found}")?;
        }
        for hint in &self.hints {
            write!(f, ". {hint}")?;
        }
        // A syntax error's path already names the line.
        if let (Some(line), false) = (self.line, self.path.starts_with("line ")) {
            write!(f, " (line {line})")?;
        }
        Ok(())
    }
}

impl fmt::Display for SurveyFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.problems.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{}: {problem}", self.file)?;
        }
        Ok(())
    }
}

/// Collects problems while a file is read and checked.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    pub(crate) list: Vec<FileProblem>,
}

impl Problems {
    /// Records that `expected` should be at `path`.
    pub(crate) fn expect(&mut self, path: impl Into<String>, expected: impl Into<String>) {
        self.list.push(FileProblem::new(path, expected));
    }

    /// Records that `expected` should be at `path`, and `found` is there instead.
    pub(crate) fn expect_found(
        &mut self,
        path: impl Into<String>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) {
        self.list
            .push(FileProblem::new(path, expected).found(found));
    }

    pub(crate) fn push(&mut self, problem: FileProblem) {
        self.list.push(problem);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}
