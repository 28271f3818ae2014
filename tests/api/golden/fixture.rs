//! Reading one golden case (R `survey` output) into the statistics module's inputs.
//!
//! Format: `docs/statistics.md`, "Fixture format". The app has its own loaders; this one only
//! serves the golden test.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use minyi::stats::MarginTargets;
use serde::Deserialize;

/// One golden case, parsed.
pub struct Case {
    pub name: String,
    /// County names; a respondent's stratum is its county's index here.
    pub counties: Vec<String>,
    pub county_of: Vec<u32>,
    /// Every margin of `population.json`, in the order R raked them (from README.txt).
    pub margins: Vec<MarginTargets>,
    pub respondents: Vec<Response>,
    /// Scheme name (column of `expected_weights.csv`) and the expected weight of each respondent.
    pub expected_weights: Vec<(String, Vec<f64>)>,
    pub expected_estimates: Vec<ExpectedEstimate>,
    /// `expected_channel_differences.csv` (`make-channel-differences.R`), when the case has one.
    pub expected_channel_differences: Vec<ExpectedDifference>,
    /// "city-level Kish effective sample size of the raked weights" from README.txt.
    pub city_effective_n: Option<f64>,
}

#[derive(Debug, Deserialize)]
pub struct Response {
    pub respondent_id: String,
    pub county: String,
    pub gender: String,
    pub age_band: String,
    pub overall: u8,
    pub aware: String,
}

/// A row of `expected_estimates.csv`; None where R gave NA, NaN or nothing.
#[derive(Debug)]
pub struct ExpectedEstimate {
    pub scheme: String,
    pub indicator: String,
    pub domain: String,
    pub estimate: Option<f64>,
    pub se: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub n: Option<usize>,
    pub deff: Option<f64>,
}

/// A row of `expected_channel_differences.csv`: invitation minus open link.
#[derive(Debug, Deserialize)]
pub struct ExpectedDifference {
    pub scheme: String,
    pub indicator: String,
    pub domain: String,
    pub invitation: f64,
    pub open_link: f64,
    pub difference: f64,
    pub se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub n_invitation: usize,
    pub n_open_link: usize,
}

#[derive(Deserialize)]
struct EstimateRow {
    scheme: String,
    indicator: String,
    domain: String,
    estimate: String,
    se: String,
    ci_low: String,
    ci_high: String,
    n: String,
    deff: String,
}

/// Every directory holding a `responses.csv` under `root`, sorted.
pub fn case_dirs(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        if dir.join("responses.csv").is_file() {
            found.push(dir.clone());
        }
        let entries = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list golden directory {}: {e}", dir.display()));
        for entry in entries.flatten() {
            if entry.path().is_dir() {
                pending.push(entry.path());
            }
        }
    }
    found.sort();
    found
}

fn number(cell: &str) -> Option<f64> {
    match cell.trim() {
        "" | "NA" | "NaN" | "nan" => None,
        text => {
            let value: f64 = text.parse().unwrap_or_else(|e| {
                panic!("not a number in expected_estimates.csv: {text:?}: {e}")
            });
            value.is_finite().then_some(value)
        }
    }
}

fn read_csv<T: for<'de> Deserialize<'de>>(path: &Path) -> Vec<T> {
    let mut reader = csv::Reader::from_path(path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    reader
        .deserialize()
        .enumerate()
        .map(|(row, record)| {
            record.unwrap_or_else(|e| panic!("{} row {}: {e}", path.display(), row + 2))
        })
        .collect()
}

/// The margin order of R's `rake(list(~county, ~gender, ~age_band), ...)` in README.txt.
fn rake_order(readme: &str) -> Vec<String> {
    let start = readme
        .find("rake(list(")
        .expect("README.txt names the raking call rake(list(~a, ~b, ...), ...)")
        + "rake(list(".len();
    let end = start
        + readme[start..]
            .find(')')
            .expect("README.txt: rake(list( ... ) is closed");
    readme[start..end]
        .split(',')
        .map(|m| m.trim().trim_start_matches('~').to_string())
        .collect()
}

fn city_effective_n(readme: &str) -> Option<f64> {
    let marker = "Kish effective sample size of the raked weights:";
    let rest = &readme[readme.find(marker)? + marker.len()..];
    rest.split_whitespace().next()?.parse().ok()
}

pub fn load(dir: &Path) -> Case {
    let name = dir.file_name().map_or_else(
        || dir.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let readme = fs::read_to_string(dir.join("README.txt"))
        .unwrap_or_else(|e| panic!("case {name}: README.txt: {e}"));
    let population: BTreeMap<String, BTreeMap<String, f64>> = serde_json::from_str(
        &fs::read_to_string(dir.join("population.json"))
            .unwrap_or_else(|e| panic!("case {name}: population.json: {e}")),
    )
    .unwrap_or_else(|e| panic!("case {name}: population.json: {e}"));
    let respondents: Vec<Response> = read_csv(&dir.join("responses.csv"));

    let margins: Vec<MarginTargets> = rake_order(&readme)
        .into_iter()
        .map(|margin| {
            let targets = population
                .get(&margin)
                .unwrap_or_else(|| panic!("case {name}: population.json has no margin {margin}"));
            let categories: Vec<String> = targets.keys().cloned().collect();
            let category_of = respondents
                .iter()
                .map(|r| {
                    let answer = match margin.as_str() {
                        "county" => &r.county,
                        "gender" => &r.gender,
                        "age_band" => &r.age_band,
                        other => panic!("case {name}: no respondent column for margin {other}"),
                    };
                    categories.iter().position(|c| c == answer).unwrap_or_else(|| {
                        panic!(
                            "case {name}: respondent {} has {margin}={answer}, not in population.json",
                            r.respondent_id
                        )
                    }) as u32
                })
                .collect();
            MarginTargets {
                totals: targets.values().copied().collect(),
                name: margin,
                categories,
                category_of,
            }
        })
        .collect();
    let county = margins
        .iter()
        .find(|m| m.name == "county")
        .unwrap_or_else(|| panic!("case {name}: no county margin"));
    let (counties, county_of) = (county.categories.clone(), county.category_of.clone());

    let weights_path = dir.join("expected_weights.csv");
    let mut reader = csv::Reader::from_path(&weights_path)
        .unwrap_or_else(|e| panic!("case {name}: expected_weights.csv: {e}"));
    let header = reader
        .headers()
        .expect("expected_weights.csv header")
        .clone();
    let mut expected_weights: Vec<(String, Vec<f64>)> = header
        .iter()
        .skip(1)
        .map(|scheme| (scheme.to_string(), Vec::new()))
        .collect();
    for (row, record) in reader.records().enumerate() {
        let record = record.unwrap_or_else(|e| panic!("case {name}: expected_weights.csv: {e}"));
        assert_eq!(
            record.get(0),
            respondents.get(row).map(|r| r.respondent_id.as_str()),
            "case {name}: expected_weights.csv row {} is not the respondent of responses.csv",
            row + 2
        );
        for (column, (scheme, weights)) in expected_weights.iter_mut().enumerate() {
            let cell = record.get(column + 1).unwrap_or("");
            weights.push(cell.parse().unwrap_or_else(|e| {
                panic!(
                    "case {name}: weight {scheme} row {}: {cell:?}: {e}",
                    row + 2
                )
            }));
        }
    }

    let expected_estimates = read_csv::<EstimateRow>(&dir.join("expected_estimates.csv"))
        .into_iter()
        .map(|r| ExpectedEstimate {
            estimate: number(&r.estimate),
            se: number(&r.se),
            ci_low: number(&r.ci_low),
            ci_high: number(&r.ci_high),
            n: number(&r.n).map(|n| n as usize),
            deff: number(&r.deff),
            scheme: r.scheme,
            indicator: r.indicator,
            domain: r.domain,
        })
        .collect();

    let differences = dir.join("expected_channel_differences.csv");
    let expected_channel_differences = if differences.exists() {
        read_csv(&differences)
    } else {
        Vec::new()
    };

    Case {
        city_effective_n: city_effective_n(&readme),
        expected_channel_differences,
        name,
        counties,
        county_of,
        margins,
        respondents,
        expected_weights,
        expected_estimates,
    }
}
