//! k-anonymity for released microdata: every combination of quasi-identifier values (county,
//! sex, age band, and any question a survey file marks) is shared by at least k rows.
//!
//! Pure. First the least generalization that leaves few rows at risk is chosen (adjacent
//! ordered bands merged, step by step), then the rows still in groups smaller than k have
//! their quasi-identifiers suppressed. The report says what was done, without repeating any
//! suppressed value (a list of rare combinations would itself disclose them).

use std::collections::{BTreeMap, HashMap};

use crate::survey::{QuestionKind, Survey};

/// What a suppressed value is replaced by.
pub const SUPPRESSED: &str = "suppressed";

/// At most this share of rows is suppressed before a coarser generalization is preferred.
pub const MAX_SUPPRESSED_SHARE: f64 = 0.05;

/// One quasi-identifier column and its generalization steps, from finest to coarsest.
#[derive(Clone, Debug, PartialEq)]
pub struct QiColumn {
    pub name: String,
    pub steps: Vec<Generalization>,
}

/// One generalization step: each original value and the value it becomes.
#[derive(Clone, Debug, PartialEq)]
pub struct Generalization {
    pub map: BTreeMap<String, String>,
}

impl Generalization {
    fn apply<'a>(&'a self, value: &'a str) -> &'a str {
        self.map.get(value).map_or(value, String::as_str)
    }

    /// The merges of this step, such as `18_29+30_39 → 18_39`.
    pub fn describe(&self) -> Vec<String> {
        let mut merged: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (from, to) in &self.map {
            merged.entry(to).or_default().push(from);
        }
        merged
            .into_iter()
            .filter(|(_, from)| from.len() > 1)
            .map(|(to, from)| format!("{} → {to}", from.join("+")))
            .collect()
    }
}

/// What anonymizing a release did.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct KAnonReport {
    pub k: usize,
    pub rows: usize,
    /// Per generalized column, the merges applied.
    pub generalized: Vec<(String, Vec<String>)>,
    /// Rows whose quasi-identifiers were all replaced by `suppressed`.
    pub suppressed_rows: usize,
}

/// A combination of quasi-identifier values shared by fewer than k rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub values: Vec<String>,
    pub count: usize,
}

/// Steps merging neighbouring bands of an ordered list (age bands): first pairs, then fours,
/// and so on, stopping before everything is one band (which would say nothing at all).
/// `18_29`+`30_39` is labelled `18_39`; `40_49`+`50_59`+`60_plus` is `40_plus`.
pub fn adjacent_band_steps(codes: &[String]) -> Vec<Generalization> {
    let mut steps = Vec::new();
    let mut block = 2;
    while block < codes.len() {
        let mut map = BTreeMap::new();
        for chunk in codes.chunks(block) {
            let label = merged_label(chunk);
            for code in chunk {
                map.insert(code.clone(), label.clone());
            }
        }
        steps.push(Generalization { map });
        block *= 2;
    }
    steps
}

fn merged_label(chunk: &[String]) -> String {
    match (chunk.first(), chunk.last()) {
        (Some(first), Some(last)) if chunk.len() > 1 => {
            match (first.split_once('_'), last.split_once('_')) {
                (Some((low, _)), Some((_, high))) => format!("{low}_{high}"),
                _ => format!("{first}~{last}"),
            }
        }
        (Some(only), _) => only.clone(),
        _ => String::new(),
    }
}

/// The quasi-identifier columns of a survey, in question order. A single-choice question
/// whose option codes all begin with a digit (`18_29`, `60_plus`) is an ordered band and may
/// be generalized; other quasi-identifiers (county, sex) can only be suppressed.
pub fn survey_columns(survey: &Survey) -> Vec<QiColumn> {
    survey
        .quasi_identifiers()
        .into_iter()
        .filter_map(|id| survey.question(id))
        .map(|question| {
            let steps = match &question.kind {
                QuestionKind::Single { options }
                    if options
                        .iter()
                        .all(|o| o.code.starts_with(|c: char| c.is_ascii_digit())) =>
                {
                    let codes: Vec<String> = options.iter().map(|o| o.code.clone()).collect();
                    adjacent_band_steps(&codes)
                }
                _ => Vec::new(),
            };
            QiColumn {
                name: question.id.clone(),
                steps,
            }
        })
        .collect()
}

/// Makes `rows` (the quasi-identifier values of each row, in the order of `columns`)
/// k-anonymous in place and reports how.
pub fn anonymize(rows: &mut [Vec<String>], columns: &[QiColumn], k: usize) -> KAnonReport {
    let budget = (rows.len() as f64 * MAX_SUPPRESSED_SHARE).floor() as usize;
    let mut best: Option<(Vec<usize>, usize)> = None;
    for levels in level_vectors(columns) {
        let at_risk = rows_at_risk(&generalized(rows, columns, &levels), k);
        if at_risk <= budget {
            best = Some((levels, at_risk));
            break;
        }
        if best.as_ref().is_none_or(|(_, fewest)| at_risk < *fewest) {
            best = Some((levels, at_risk));
        }
    }
    let levels = best.map(|(levels, _)| levels).unwrap_or_default();
    let new_rows = generalized(rows, columns, &levels);
    for (row, new_row) in rows.iter_mut().zip(new_rows) {
        *row = new_row;
    }
    let small = small_groups(rows, k);
    let mut suppressed_rows = 0;
    for row in rows.iter_mut() {
        if small.contains_key(row.as_slice()) {
            row.iter_mut().for_each(|v| *v = SUPPRESSED.to_owned());
            suppressed_rows += 1;
        }
    }
    let generalized = columns
        .iter()
        .zip(&levels)
        .filter(|(_, level)| **level > 0)
        .map(|(column, level)| (column.name.clone(), column.steps[level - 1].describe()))
        .collect();
    KAnonReport {
        k,
        rows: rows.len(),
        generalized,
        suppressed_rows,
    }
}

/// Every combination of generalization levels, least generalized first (by total steps, then
/// earlier columns generalized later).
fn level_vectors(columns: &[QiColumn]) -> Vec<Vec<usize>> {
    let mut all = vec![Vec::new()];
    for column in columns {
        all = all
            .into_iter()
            .flat_map(|prefix: Vec<usize>| {
                (0..=column.steps.len()).map(move |level| {
                    let mut next = prefix.clone();
                    next.push(level);
                    next
                })
            })
            .collect();
    }
    all.sort_by_key(|levels| (levels.iter().sum::<usize>(), levels.clone()));
    all
}

fn generalized(rows: &[Vec<String>], columns: &[QiColumn], levels: &[usize]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .map(|(i, value)| match levels.get(i).copied().unwrap_or(0) {
                    0 => value.clone(),
                    level => columns[i].steps[level - 1].apply(value).to_owned(),
                })
                .collect()
        })
        .collect()
}

fn rows_at_risk(rows: &[Vec<String>], k: usize) -> usize {
    small_groups(rows, k).values().sum()
}

/// Combinations shared by fewer than k rows, with their counts. Rows whose every value is
/// suppressed (or empty) say nothing about anyone and are left out.
fn small_groups<R: AsRef<[S]>, S: AsRef<str>>(rows: &[R], k: usize) -> HashMap<Vec<String>, usize> {
    let mut counts: HashMap<Vec<String>, usize> = HashMap::new();
    for row in rows {
        let row = row.as_ref();
        if row.iter().all(|v| is_suppressed(v.as_ref())) {
            continue;
        }
        *counts
            .entry(row.iter().map(|v| v.as_ref().to_owned()).collect())
            .or_default() += 1;
    }
    counts.retain(|_, n| *n < k);
    counts
}

/// Whether a released value hides the original: `suppressed`, `*` or empty.
pub fn is_suppressed(value: &str) -> bool {
    let value = value.trim();
    value.is_empty() || value == "*" || value == SUPPRESSED
}

/// The combinations of quasi-identifier values shared by fewer than k rows, smallest count
/// first (then by values), for checking any release.
pub fn violations<R: AsRef<[S]>, S: AsRef<str>>(rows: &[R], k: usize) -> Vec<Violation> {
    let mut found: Vec<Violation> = small_groups(rows, k)
        .into_iter()
        .map(|(values, count)| Violation { values, count })
        .collect();
    found.sort_by(|a, b| a.count.cmp(&b.count).then_with(|| a.values.cmp(&b.values)));
    found
}

#[cfg(test)]
#[path = "kanon_tests.rs"]
mod tests;
