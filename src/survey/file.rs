//! The survey file as written: raw serde structs mirroring the TOML, read section by section
//! and block by block so that one bad block does not hide the problems in the others.
//!
//! Deserialization errors are turned into [`FileProblem`]s with the key path of the bad
//! value, found from the span the TOML parser reports.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use serde::Deserialize;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::value::Datetime;
use toml::Spanned;

use super::definition::Role;
use super::error::{said, FileProblem, Problems, Said, SyntaxHint};
use super::indicators::Scoring;
use super::load::{INTERVIEWS_RULE, POPULATION_RULE};
use super::quality::QualityFlag;
use super::syntax_hints::{
    bare_key_at, full_width_outside_strings, number_hint, parser_hint, syntax_hint,
    unclosed_long_text,
};

/// A label in both languages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawText {
    pub zh: String,
    pub en: String,
}

/// A source note: one text for both languages, or a `{ zh, en }` table.
#[derive(Debug, Clone)]
pub(crate) enum RawSource {
    Both(String),
    Each(RawText),
}

/// What a source note may be, as serde says it when it finds something else.
const SOURCE_EXPECTED: &str = "a text, or a table { zh = \"…\", en = \"…\" }";

impl<'de> Deserialize<'de> for RawSource {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SourceVisitor;
        impl<'de> serde::de::Visitor<'de> for SourceVisitor {
            type Value = RawSource;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(SOURCE_EXPECTED)
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<RawSource, E> {
                Ok(RawSource::Both(text.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawSource, A::Error> {
                let each = RawText::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(RawSource::Each(each))
            }
        }
        deserializer.deserialize_any(SourceVisitor)
    }
}

/// An option, scale point or matrix item.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawChoice {
    pub code: String,
    pub zh: String,
    pub en: String,
}

/// `[survey]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHeader {
    pub id: String,
    pub title: RawText,
    pub description: RawText,
    pub privacy_notice: RawText,
    pub contact: Option<RawText>,
    pub fieldwork_start: Datetime,
    pub fieldwork_end: Datetime,
    #[serde(default)]
    pub open_on_import: bool,
    pub utc_offset: Option<String>,
}

/// `[scales.<name>]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScale {
    pub points: Vec<RawChoice>,
    pub dont_know: Option<RawChoice>,
}

/// `[strata]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStrata {
    pub question: String,
    pub source: RawSource,
    pub units: Vec<RawStratum>,
}

/// `[[strata.units]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStratum {
    pub code: String,
    pub zh: String,
    pub en: String,
    pub population: u64,
    pub target_sample: Option<u32>,
    pub quota: Option<u32>,
}

/// `[[margins]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMargin {
    pub question: String,
    pub source: RawSource,
    pub targets: BTreeMap<String, f64>,
}

/// `[weighting]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWeighting {
    pub trim_min_factor: Option<f64>,
    pub trim_max_factor: Option<f64>,
    pub max_sweeps: Option<usize>,
    pub tolerance: Option<f64>,
}

/// The `kind` of a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawKind {
    Single,
    Multiple,
    #[serde(rename = "yesno")]
    YesNo,
    Scale,
    Matrix,
    Number,
    Text,
}

/// `show_if = { question = "...", any_of = [...] }`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCondition {
    pub question: String,
    pub any_of: Vec<String>,
}

/// `[[questions]]`: the keys of every kind; which are allowed depends on `kind`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawQuestion {
    pub id: String,
    pub kind: RawKind,
    pub zh: String,
    pub en: String,
    pub help: Option<RawText>,
    pub section: Option<RawText>,
    pub required: Option<bool>,
    pub role: Option<Role>,
    pub quasi_identifier: Option<bool>,
    pub show_if: Option<RawCondition>,
    pub options: Option<Vec<RawChoice>>,
    pub max_choices: Option<usize>,
    pub scale: Option<String>,
    pub items: Option<Vec<RawChoice>>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub integer: Option<bool>,
    pub unit: Option<RawText>,
    pub max_length: Option<usize>,
}

/// The `kind` of an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawMeasureKind {
    Proportion,
    Mean,
    CorrectShare,
}

/// `[[indicators]]`: the keys of every kind; which are allowed depends on `kind`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIndicator {
    pub id: String,
    pub zh: String,
    pub en: String,
    pub kind: RawMeasureKind,
    pub question: Option<String>,
    pub item: Option<String>,
    pub success: Option<Vec<String>>,
    pub excluded: Option<Vec<String>>,
    pub scores: Option<BTreeMap<String, f64>>,
    pub answers: Option<BTreeMap<String, String>>,
    pub threshold: f64,
    pub points: f64,
    pub scoring: Option<Scoring>,
    pub source: RawSource,
}

/// `[rubric]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRubric {
    pub total_points: f64,
}

/// `[quality]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawQuality {
    pub min_duration_seconds: Option<u32>,
    pub straightlining_min_items: Option<usize>,
    #[serde(default)]
    pub exclude: Vec<QualityFlag>,
}

/// `[privacy]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPrivacy {
    pub k_anonymity: Option<u32>,
    pub min_public_cell: Option<u32>,
    pub retention_days: Option<u32>,
}

/// One block of an array of tables, with the path that names it in problems.
#[derive(Debug)]
pub(crate) struct Block<T> {
    pub path: String,
    pub raw: T,
}

/// Everything that could be read from the file. A block that could not be read is left out
/// and its name remembered in `unreadable`, so that references to it are not reported again.
#[derive(Debug, Default)]
pub(crate) struct RawFile {
    pub header: Option<RawHeader>,
    pub scales: Vec<Block<RawScale>>,
    pub scale_names: Vec<String>,
    pub strata: Option<RawStrata>,
    pub margins: Vec<Block<RawMargin>>,
    pub weighting: Option<RawWeighting>,
    pub questions: Vec<Block<RawQuestion>>,
    pub indicators: Vec<Block<RawIndicator>>,
    pub rubric: Option<RawRubric>,
    pub quality: Option<RawQuality>,
    pub privacy: Option<RawPrivacy>,
    pub unreadable: Unreadable,
}

/// Names of blocks that exist in the file but could not be read.
#[derive(Debug, Default)]
pub(crate) struct Unreadable {
    pub sections: BTreeSet<&'static str>,
    pub scales: BTreeSet<String>,
    pub questions: BTreeSet<String>,
    pub margins: BTreeSet<String>,
    pub indicators: usize,
}

/// The sections a survey file may have, in the documented order.
const SECTIONS: [&str; 10] = [
    "survey",
    "scales",
    "strata",
    "margins",
    "weighting",
    "questions",
    "indicators",
    "rubric",
    "quality",
    "privacy",
];

/// The labels of an array's blocks, in order: `label` of each, except that a name an earlier
/// block already has gives `[#n]`, so that a duplicated id points at its own line.
fn block_labels<'n>(names: impl Iterator<Item = Option<&'n str>>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    names
        .enumerate()
        .map(|(index, name)| {
            let label = label(name, index);
            if seen.insert(label.clone()) {
                label
            } else {
                format!("[#{}]", index + 1)
            }
        })
        .collect()
}

/// How a block of an array is named in a key path: `[name]` by its `id`, `code` or
/// `question` when that is a plain name, otherwise `[#n]` counted from 1.
pub(crate) fn label(name: Option<&str>, index: usize) -> String {
    match name {
        Some(name)
            if !name.is_empty()
                && name.chars().count() <= 64
                && !name
                    .chars()
                    .any(|c| c == '[' || c == ']' || c.is_whitespace() || c.is_control()) =>
        {
            format!("[{name}]")
        }
        _ => format!("[#{}]", index + 1),
    }
}

/// The parsed TOML document, kept to read sections from and to find line numbers.
pub(crate) struct Document<'a> {
    source: &'a str,
    root: Spanned<DeTable<'a>>,
}

impl<'a> Document<'a> {
    /// Parses the TOML syntax. A syntax error is one problem at `line L, column C` (boxed: a
    /// problem is large, and a parse that succeeds should not carry its room).
    pub(crate) fn parse(source: &'a str) -> Result<Document<'a>, Box<FileProblem>> {
        match DeTable::parse(source) {
            Ok(root) => Ok(Document { source, root }),
            Err(error) => {
                let offset = error.span().map(|span| span.start).unwrap_or_default();
                let (line, column) = line_and_column(source, offset);
                let text = source.lines().nth(line - 1).unwrap_or_default().trim();
                let message = error.message().trim().replace('\n', " ");
                let found = said!(
                    "syntax_found",
                    "{message}; the line reads `{text}`",
                    message = message,
                    text = text
                );
                let wide = full_width_outside_strings(text);
                let mut problem = FileProblem::new(
                    format!("line {line}, column {column}"),
                    said!("valid_toml", "valid TOML"),
                )
                .found(found);
                problem.line = Some(line);
                problem.column = u32::try_from(column).ok();
                // A long text left open turns the next one's words into TOML: their
                // punctuation is no slip of the input method.
                let long_text_left_open = unclosed_long_text(source, line);
                if !wide.is_empty() && long_text_left_open.is_none() {
                    problem.hints.push(SyntaxHint::FullWidthPunctuation {
                        marks: wide
                            .iter()
                            .map(|c| c.to_string())
                            .collect::<Vec<_>>()
                            .join(" "),
                    });
                }
                match long_text_left_open {
                    Some(hint) => problem.hints.push(hint),
                    None => problem.hints.extend(syntax_hint(text)),
                }
                // Else what the parser's message means (after a slip named above, its words
                // would mislead: a date written 2016/11/30 is not a text to quote).
                if problem.hints.is_empty() && message.starts_with("invalid unquoted key") {
                    problem.hints.extend(bare_key_at(source, offset));
                }
                if problem.hints.is_empty() {
                    problem.hints.extend(parser_hint(&message, text));
                }
                Err(Box::new(problem))
            }
        }
    }

    /// Reads every section into raw structs, recording each problem found.
    pub(crate) fn read(&self, problems: &mut Problems) -> RawFile {
        let mut file = RawFile::default();
        let root = self.root.get_ref();
        for (key, _) in root.iter() {
            if !SECTIONS.contains(&key.get_ref().as_ref()) {
                problems.expect_found(
                    key.get_ref().to_string(),
                    said!(
                        "sections",
                        "one of the sections {sections}",
                        sections = SECTIONS.join(", ")
                    ),
                    said!(
                        "unknown_section",
                        "unknown section \"{name}\"",
                        name = key.get_ref()
                    ),
                );
            }
        }
        let section = |name: &str| root.get(name);

        match section("survey") {
            Some(value) => file.header = read_value(value, "survey", problems),
            None => problems.expect(
                "survey",
                said!("survey_section", "a [survey] section (id, title, dates)"),
            ),
        }
        if file.header.is_none() {
            file.unreadable.sections.insert("survey");
        }
        if let Some(value) = section("scales") {
            self.read_scales(value, &mut file, problems);
        }
        match section("strata") {
            Some(value) => file.strata = read_value(value, "strata", problems),
            None => problems.expect(
                "strata",
                said!("strata_section", "a [strata] section with [[strata.units]]"),
            ),
        }
        if file.strata.is_none() {
            file.unreadable.sections.insert("strata");
        }
        if let Some(value) = section("margins") {
            file.margins = read_blocks(value, "margins", "question", problems, &mut |name| {
                file.unreadable.margins.extend(name)
            });
        }
        if let Some(value) = section("weighting") {
            file.weighting = read_value(value, "weighting", problems);
        }
        match section("questions") {
            Some(value) => {
                file.questions = read_blocks(value, "questions", "id", problems, &mut |name| {
                    file.unreadable.questions.extend(name)
                });
            }
            None => problems.expect(
                "questions",
                said!("questions_section", "at least one [[questions]] block"),
            ),
        }
        match section("indicators") {
            Some(value) => {
                file.indicators = read_blocks(value, "indicators", "id", problems, &mut |_| {
                    file.unreadable.indicators += 1;
                });
            }
            None => problems.expect(
                "indicators",
                said!(
                    "indicators_section",
                    "at least one [[indicators]] block: the evaluation needs something to measure"
                ),
            ),
        }
        if let Some(value) = section("rubric") {
            file.rubric = read_value(value, "rubric", problems);
        }
        if let Some(value) = section("quality") {
            file.quality = read_value(value, "quality", problems);
        }
        if let Some(value) = section("privacy") {
            file.privacy = read_value(value, "privacy", problems);
        }
        file
    }

    fn read_scales(
        &self,
        value: &Spanned<DeValue<'a>>,
        file: &mut RawFile,
        problems: &mut Problems,
    ) {
        let DeValue::Table(scales) = value.get_ref() else {
            problems.expect_found(
                "scales",
                said!(
                    "scales_section",
                    "named scales, each written as [scales.<name>]"
                ),
                found_type(value.get_ref().type_str()),
            );
            return;
        };
        for (name, scale) in scales.iter() {
            let name = name.get_ref().to_string();
            let path = format!("scales.{name}");
            file.scale_names.push(name.clone());
            match read_value(scale, &path, problems) {
                Some(raw) => file.scales.push(Block { path, raw }),
                None => {
                    file.unreadable.scales.insert(name);
                }
            }
        }
    }

    /// Gives each problem the line of its key path, or of the nearest enclosing path known.
    pub(crate) fn add_lines(&self, problems: &mut [FileProblem]) {
        let mut lines = BTreeMap::new();
        for (key, value) in self.root.get_ref().iter() {
            collect_lines(self.source, value, key.get_ref(), key.span(), &mut lines);
        }
        for problem in problems.iter_mut().filter(|problem| problem.line.is_none()) {
            problem.line = line_of(&lines, &problem.path);
        }
    }
}

fn line_of(lines: &BTreeMap<String, usize>, path: &str) -> Option<usize> {
    let mut path = path;
    loop {
        if let Some(line) = lines.get(path) {
            return Some(*line);
        }
        let cut = path.rfind(['.', '['])?;
        path = path.get(..cut)?;
    }
}

/// Records the line of every key path under `path`.
fn collect_lines(
    source: &str,
    value: &Spanned<DeValue<'_>>,
    path: &str,
    key_span: Range<usize>,
    lines: &mut BTreeMap<String, usize>,
) {
    lines
        .entry(path.to_string())
        .or_insert_with(|| line_and_column(source, key_span.start).0);
    match value.get_ref() {
        DeValue::Table(table) => {
            for (key, child) in table.iter() {
                let child_path = format!("{path}.{}", key.get_ref());
                collect_lines(source, child, &child_path, key.span(), lines);
            }
        }
        DeValue::Array(array) => {
            let labels = block_labels(array.iter().map(block_name));
            for (child, label) in array.iter().zip(labels) {
                let child_path = format!("{path}{label}");
                collect_lines(source, child, &child_path, child.span(), lines);
            }
        }
        _ => {}
    }
}

/// The name a block goes by: its `id`, `code` or `question`, if it is a table with one.
fn block_name<'v>(value: &'v Spanned<DeValue<'_>>) -> Option<&'v str> {
    let DeValue::Table(table) = value.get_ref() else {
        return None;
    };
    ["id", "code", "question"]
        .iter()
        .find_map(|key| table.get(*key).and_then(|value| value.get_ref().as_str()))
}

/// Line and column (both from 1, the column in characters) of a byte offset.
fn line_and_column(source: &str, offset: usize) -> (usize, usize) {
    let before = source.get(..offset.min(source.len())).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Reads one value into `T`; on failure records the problem and returns `None`.
fn read_value<'a, T: Deserialize<'a>>(
    value: &Spanned<DeValue<'a>>,
    path: &str,
    problems: &mut Problems,
) -> Option<T> {
    // Serde stops at a block's first bad value. To say every bad value at once, each is
    // reported, taken out of a copy of the block, and the copy read again, until it reads.
    // Problems are located in the block as written (the copy's spans are the file's), so a
    // list entry set aside does not shift the names of those after it.
    let mut copy = value.clone();
    let mut changed = false;
    let mut taken_out: Vec<String> = Vec::new();
    let mut unknown_in: Vec<String> = Vec::new();
    for _ in 0..MAX_PROBLEMS_PER_BLOCK {
        let error = match T::deserialize(ValueDeserializer::from(copy.clone())) {
            Ok(raw) => return (!changed).then_some(raw),
            Err(error) => error,
        };
        let problem = problem_from(&error, value, path);
        let Some(span) = error.span() else {
            problems.push(problem);
            return None;
        };
        let parent = problem
            .path
            .rsplit_once('.')
            .map_or(String::new(), |(parent, _)| parent.to_owned());
        if error.message().starts_with("missing field ") {
            // Missing because it was taken out, or perhaps because it was misnamed and the
            // misnamed key was reported as unknown: said already.
            if !taken_out.contains(&problem.path) && !unknown_in.contains(&parent) {
                problems.push(problem);
            }
            // A block of a list (a county of [[strata.units]]) is set aside, so that the blocks
            // after it are read too; elsewhere a missing key ends the reading.
            if !take_out_block(&mut copy, span.start) {
                return None;
            }
        } else {
            if error.message().starts_with("unknown field ") {
                unknown_in.push(parent);
            }
            taken_out.push(problem.path.clone());
            problems.push(problem);
            if !take_out(&mut copy, span.start) {
                return None;
            }
        }
        changed = true;
    }
    None
}

/// How many bad values of one block are reported before the rest is left for the next check.
const MAX_PROBLEMS_PER_BLOCK: usize = 20;

/// Takes the innermost element of a list that holds the offset `at` out of `value`; whether
/// there was one.
fn take_out_block(value: &mut Spanned<DeValue<'_>>, at: usize) -> bool {
    let holds = |span: Range<usize>| span.start <= at && at < span.end.max(span.start + 1);
    match value.get_mut() {
        DeValue::Table(table) => table.iter_mut().any(|(_, child)| take_out_block(child, at)),
        DeValue::Array(array) => {
            if array.iter_mut().any(|child| take_out_block(child, at)) {
                return true;
            }
            let Some(at) = array.iter().position(|child| holds(child.span())) else {
                return false;
            };
            let mut kept = toml::de::DeArray::new();
            for (i, child) in array.iter().enumerate() {
                if i != at {
                    kept.push(child.clone());
                }
            }
            *array = kept;
            true
        }
        _ => false,
    }
}

/// Takes the innermost key whose key or value holds the offset `at` out of `value`; whether
/// there was one.
fn take_out(value: &mut Spanned<DeValue<'_>>, at: usize) -> bool {
    let holds = |span: Range<usize>| span.start <= at && at < span.end.max(span.start + 1);
    match value.get_mut() {
        DeValue::Table(table) => {
            if table.iter_mut().any(|(_, child)| take_out(child, at)) {
                return true;
            }
            let key = table
                .iter()
                .find(|(key, child)| holds(key.span()) || holds(child.span()))
                .map(|(key, _)| key.clone());
            key.is_some_and(|key| table.remove(&key).is_some())
        }
        DeValue::Array(array) => array.iter_mut().any(|child| take_out(child, at)),
        _ => false,
    }
}

/// Reads an array of tables block by block. A block that cannot be read is reported and
/// left out; its name (if it has one) is passed to `unreadable`.
fn read_blocks<'a, T: Deserialize<'a>>(
    value: &Spanned<DeValue<'a>>,
    section: &str,
    name_key: &str,
    problems: &mut Problems,
    unreadable: &mut dyn FnMut(Option<String>),
) -> Vec<Block<T>> {
    let DeValue::Array(array) = value.get_ref() else {
        problems.expect_found(
            section,
            said!(
                "blocks",
                "blocks written as [[{section}]]",
                section = section
            ),
            found_type(value.get_ref().type_str()),
        );
        return Vec::new();
    };
    let mut blocks = Vec::new();
    let names: Vec<Option<&str>> = array
        .iter()
        .map(|element| match element.get_ref() {
            DeValue::Table(table) => table.get(name_key).and_then(|v| v.get_ref().as_str()),
            _ => None,
        })
        .collect();
    let labels = block_labels(names.iter().copied());
    for ((element, label), name) in array.iter().zip(labels).zip(names) {
        let path = format!("{section}{label}");
        match read_value(element, &path, problems) {
            Some(raw) => blocks.push(Block { path, raw }),
            None => unreadable(name.map(str::to_string)),
        }
    }
    blocks
}

/// The one of `allowed` (as serde lists them: `a`, `a or b`, `a, b, c`) within a typo or two
/// of `word`, if there is one: the key or value most likely meant.
fn did_you_mean<'a>(word: &str, allowed: Option<&'a str>) -> Option<&'a str> {
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
fn problem_from(error: &toml::de::Error, value: &Spanned<DeValue<'_>>, path: &str) -> FileProblem {
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
fn found_type(type_str: &str) -> Said {
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
