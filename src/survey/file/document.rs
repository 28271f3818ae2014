//! The parsed TOML document: sections and blocks read one by one, each problem found with its
//! key path and line.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use serde::Deserialize;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;

use super::problem::{did_you_mean, found_type, problem_from};
use super::raw::*;
use crate::survey::error::{said, FileProblem, Problems, SyntaxHint};
use crate::survey::syntax_hints::{
    bare_key_at, full_width_outside_strings, long_text_never_closed, parser_hint, syntax_hint,
    unclosed_long_text,
};

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
                let long_text_left_open = unclosed_long_text(source, line)
                    .or_else(|| long_text_never_closed(source, line));
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
            let name: &str = key.get_ref().as_ref();
            if !SECTIONS.contains(&name) {
                let sections = SECTIONS.join(", ");
                // `[Survey]`, `[[question]]`: a capital or a plural away from the section meant.
                let meant = SECTIONS
                    .iter()
                    .copied()
                    .find(|section| section.eq_ignore_ascii_case(name))
                    .or_else(|| did_you_mean(name, Some(&sections)));
                let found = match meant {
                    Some(meant) => said!(
                        "unknown_section_meant",
                        "unknown section \"{name}\"; did you mean \"{meant}\"?",
                        name = name,
                        meant = meant
                    ),
                    None => said!("unknown_section", "unknown section \"{name}\"", name = name),
                };
                problems.expect_found(
                    name.to_owned(),
                    said!(
                        "sections",
                        "one of the sections {sections}",
                        sections = sections
                    ),
                    found,
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
pub(super) fn block_name<'v>(value: &'v Spanned<DeValue<'_>>) -> Option<&'v str> {
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
