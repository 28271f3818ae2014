//! What is wrong with a survey file, said so that the clerk who edits it can fix it.

use std::fmt;

use serde::Serialize;

/// Every problem found in one survey file.
///
/// Displayed one problem per line, in English (the command line):
/// `<file>: <key path>: expected <what>[, found <what>][. <advice>…][ (line N)]`. Pages say the
/// same sentences in the reader's language ([`Said`]).
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
    pub expected: Said,
    /// What was found instead, when that helps.
    pub found: Option<Said>,
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
    /// The same key, or the same `[table]`, written twice.
    DuplicateKey,
    /// A quoted text whose closing quote is missing.
    UnclosedQuote,
    /// A key with no `=` and value after it.
    NoValue,
    /// A `[[block]]` or `[table]` header without its closing brackets.
    UnclosedHeader,
    /// A list `[ … ]` or a table `{ … }` left open.
    UnclosedBrackets,
    /// A text value without quotes.
    UnquotedText,
    /// Two elements of a list without a comma between them.
    MissingComma,
    /// A number written with a leading zero (a code such as 01 meant as text).
    LeadingZero,
    /// More after a key's value on its line.
    MoreOnTheLine,
    /// A number written with 万 or 亿: the number as written, and in full.
    ChineseNumber { written: String, number: String },
    /// A number written with thousands separators (commas or spaces): the number without them.
    ThousandsSeparator { number: String },
    /// A key with characters a bare key cannot hold (`60+`, Chinese): the key, to quote.
    QuoteKey { key: String },
    /// A key written in full-width letters, or a language key in Chinese: the key meant.
    KeyMeant { key: String, meant: String },
    /// A number written in quotes, where a number is expected: the number to write.
    NumberInQuotes { number: String },
    /// Half-width double quotes inside a text (`"您的"性别""`), which end it instead.
    QuotesInsideText,
    /// A long text (`"""…"""` or `'''…'''`) opened on line `opened` and left open: the
    /// `quotes` meant to open the next one, on `line`, close it instead.
    UnclosedLongText {
        line: usize,
        opened: usize,
        quotes: &'static str,
    },
    /// A long text opened on line `opened` and still open where the file ends.
    LongTextNeverClosed { opened: usize, quotes: &'static str },
}

impl fmt::Display for SyntaxHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.said().fmt(f)
    }
}

/// One sentence of the survey-file checker, kept so that a page can say it in its reader's
/// language: its key in the Chinese catalog (`templates/i18n/survey-file.zh-CN.toml`), its
/// English with `{name}` placeholders (what the command line prints and English pages show),
/// and the placeholders' values, which are the file's own ids, codes and numbers and read the
/// same in both languages. Made with `said!`; what is quoted from the file as it stands is
/// `Said::as_written`. Displays, and serializes, as its English.
#[derive(Clone, Debug, PartialEq)]
pub struct Said {
    /// The key of its Chinese; empty for text said as written.
    pub key: &'static str,
    pub english: &'static str,
    pub values: Vec<(&'static str, String)>,
}

/// A checker sentence: `said!("key", "English with {name}", name = value, ...)`. Each value is
/// anything `Display`; a placeholder with no value is left as written.
macro_rules! said {
    ($key:literal, $english:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::survey::Said {
            key: $key,
            english: $english,
            values: vec![$((stringify!($name), $value.to_string())),*],
        }
    };
}
pub(crate) use said;

impl Said {
    /// Text from the file itself (a value, an id, a number), said as it stands in any language.
    pub fn as_written(text: impl ToString) -> Said {
        Said {
            key: "",
            english: "{text}",
            values: vec![("text", text.to_string())],
        }
    }

    /// An id, code or value from the file, in quotes, as found.
    pub fn quoted(value: &str) -> Said {
        Said::as_written(format!("\"{value}\""))
    }

    /// Whether this is text from the file, or a parser's message, said as it stands.
    pub fn is_as_written(&self) -> bool {
        self.key.is_empty()
    }

    /// `template` with this sentence's values in its placeholders.
    pub fn fill(&self, template: &str) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let value = after.find('}').and_then(|close| {
                let name = &after[..close];
                self.values
                    .iter()
                    .find(|(given, _)| *given == name)
                    .map(|(_, value)| (value, close))
            });
            match value {
                Some((value, close)) => {
                    out.push_str(value);
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

impl fmt::Display for Said {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.fill(self.english))
    }
}

impl Serialize for Said {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl SyntaxHint {
    /// The advice, to say in the reader's language.
    pub fn said(&self) -> Said {
        match self {
            SyntaxHint::FullWidthPunctuation { marks } => said!(
                "hint_full_width_punctuation",
                "This line has full-width {marks} outside quotes. TOML needs half-width \
                 punctuation (\" = , . [ ] { }): switch the input method to half-width (英文标点) \
                 for everything but the texts themselves.",
                marks = marks
            ),
            SyntaxHint::SingleBrackets { name } => said!(
                "hint_single_brackets",
                "Each [[{name}]] entry is a block of its own, headed with double brackets: \
                 [{name}] with single ones names one table, which a second [{name}] repeats.",
                name = name
            ),
            SyntaxHint::FullWidthDigits => said!(
                "hint_full_width_digits",
                "This line has full-width digits or a full-width or non-breaking space: write \
                 numbers and spaces half-width (switch the input method to 英文/半角)."
            ),
            SyntaxHint::Date { written } => said!(
                "hint_date",
                "A date is written with hyphens and two-digit months and days, without quotes: \
                 {written}.",
                written = written
            ),
            SyntaxHint::Percent { percent, fraction } => said!(
                "hint_percent",
                "A share is written as a fraction without %: {percent}% is {fraction}.",
                percent = percent,
                fraction = fraction
            ),
            SyntaxHint::DuplicateKey => said!(
                "hint_duplicate_key",
                "The same key, or the same [table] header, is written twice: keep one, or give \
                 each block of a list double brackets [[...]]."
            ),
            SyntaxHint::UnclosedQuote => said!(
                "hint_unclosed_quote",
                "A text is not closed: put it between two half-width double quotes \"...\"."
            ),
            SyntaxHint::NoValue => {
                said!("hint_no_value", "A key needs a value: write key = value.")
            }
            SyntaxHint::UnclosedHeader => said!(
                "hint_unclosed_header",
                "A header needs its closing brackets: [[name]] or [name]."
            ),
            SyntaxHint::UnclosedBrackets => said!(
                "hint_unclosed_brackets",
                "A list [ ... ] or a table { ... } needs its closing bracket."
            ),
            SyntaxHint::UnquotedText => said!(
                "hint_unquoted_text",
                "A text value is written in half-width double quotes, and true and false in \
                 lowercase: \"yes\", true."
            ),
            SyntaxHint::MissingComma => said!(
                "hint_missing_comma",
                "The elements of a list are separated by half-width commas."
            ),
            SyntaxHint::LeadingZero => said!(
                "hint_leading_zero",
                "A number cannot start with 0: write a code such as 01 in quotes, as text."
            ),
            SyntaxHint::MoreOnTheLine => said!(
                "hint_more_on_the_line",
                "A line holds one key = value, or one [header]: something follows on this line."
            ),
            SyntaxHint::ChineseNumber { written, number } => said!(
                "hint_chinese_number",
                "A number is written in full, in digits, without 万 or 亿: {written} is {number}.",
                written = written,
                number = number
            ),
            SyntaxHint::ThousandsSeparator { number } => said!(
                "hint_thousands_separator",
                "A number is written without thousands separators (no commas or spaces between \
                 the digits): {number}.",
                number = number
            ),
            SyntaxHint::QuoteKey { key } => said!(
                "hint_quote_key",
                "A key holding anything but a-z, A-Z, 0-9, _ and - (such as + or Chinese) is \
                 written in half-width double quotes: \"{key}\"",
                key = key
            ),
            SyntaxHint::KeyMeant { key, meant } => said!(
                "hint_key_meant",
                "Keys are written in half-width English letters: write {meant} for {key}.",
                key = key,
                meant = meant
            ),
            SyntaxHint::NumberInQuotes { number } => said!(
                "hint_number_in_quotes",
                "A number is written without quotes: {number}.",
                number = number
            ),
            SyntaxHint::UnclosedLongText {
                line,
                opened,
                quotes,
            } => said!(
                "hint_unclosed_long_text",
                "The {quotes} on line {line} closes the long text opened on line {opened} instead \
                 of opening one: that text lacks its closing {quotes}.",
                line = line,
                opened = opened,
                quotes = quotes
            ),
            SyntaxHint::LongTextNeverClosed { opened, quotes } => said!(
                "hint_long_text_never_closed",
                "The long text opened with {quotes} on line {opened} is never closed: end it \
                 with {quotes} where the text ends.",
                opened = opened,
                quotes = quotes
            ),
            SyntaxHint::QuotesInsideText => said!(
                "hint_quotes_inside_text",
                "A half-width double quote ends the text: inside it, quote with “…” or 「…」, or \
                 write \\\" for a half-width one."
            ),
        }
    }
}

impl FileProblem {
    /// A problem at `path`: `expected` is what should be there.
    pub fn new(path: impl Into<String>, expected: Said) -> FileProblem {
        FileProblem {
            path: path.into(),
            expected,
            found: None,
            line: None,
            column: None,
            hints: Vec::new(),
        }
    }

    /// The same problem, saying what was found instead.
    pub fn found(mut self, found: Said) -> FileProblem {
        self.found = Some(found);
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
            write!(f, ". {}", hint.to_string().trim_end_matches('.'))?;
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
    /// The text was stored by an earlier import: rules for new files only are not applied
    /// ([`crate::survey::Survey::from_stored_toml`]).
    pub(crate) stored: bool,
}

impl Problems {
    /// Records that `expected` should be at `path`.
    pub(crate) fn expect(&mut self, path: impl Into<String>, expected: Said) {
        self.list.push(FileProblem::new(path, expected));
    }

    /// Records that `expected` should be at `path`, and `found` is there instead.
    pub(crate) fn expect_found(&mut self, path: impl Into<String>, expected: Said, found: Said) {
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
