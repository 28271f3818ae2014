//! `estimates.csv` and `evaluation.json`: every indicator for the city and each county, and the
//! evaluation component, exactly as recomputed by `minyi verify`.

use crate::evaluation::Evaluation;
use crate::release::{number, CsvFile, Encoding};

/// The columns of `estimates.csv`: name, Frictionless type, and what it holds (datapackage.json
/// carries the descriptions, so a reader of the file alone knows each column).
pub const ESTIMATE_COLUMNS: [(&str, &str, &str); 23] = [
    ("domain", "string", "`city`, or the county code"),
    ("domain_zh", "string", "the domain's name in Chinese"),
    ("domain_en", "string", "the domain's name in English"),
    ("indicator", "string", "the indicator's id in survey.toml"),
    ("indicator_zh", "string", "the indicator's label in Chinese"),
    ("indicator_en", "string", "the indicator's label in English"),
    ("kind", "string", "`proportion` (estimate, interval and threshold are shares from 0 to 1) or `mean` (scores from 0 to 100)"),
    ("estimate", "number", "the weighted estimate over the domain's valid answers (\"don't know\" and unanswered left out of the denominator)"),
    ("se", "number", "standard error: Taylor linearization, strata = counties, with raking residuals (as R's survey package)"),
    ("ci_low", "number", "lower bound of the 95% interval: logit scale for proportions, t for means, df = respondents in the domain minus counties in it"),
    ("ci_high", "number", "upper bound of the 95% interval"),
    ("n", "integer", "respondents with a valid answer in the domain"),
    ("effective_n", "number", "Kish effective sample size of those respondents' weights, (sum w)^2 / sum w^2; not n / deff, which also reflects the answers"),
    ("deff", "number", "design effect of the estimate: its variance over that of a simple random sample of n"),
    ("threshold", "number", "the threshold of survey.toml, in the estimate's units"),
    ("status", "string", "`met`: the whole 95% interval is at or above the threshold; `not_met`: the whole interval is below; `too_close_to_call`: the threshold is inside it (above its lower end); `undetermined`: effective sample size under 30 or no interval, too few answers to judge; `no_data`"),
    ("estimate_meets_threshold", "boolean", "the point estimate is at or above the threshold (empty without an estimate)"),
    ("interval_clears_threshold", "boolean", "the lower bound of the 95% interval is at or above the threshold (empty without an interval)"),
    ("points", "number", "points earned, by the rubric of survey.toml (which follows the point estimate)"),
    ("max_points", "number", "points the indicator can earn"),
    ("reliable", "boolean", "false when any reliability flag is set: show the figure as unreliable"),
    ("flags", "string", "reliability flags, `|`-separated: `low_effective_n` (below 30), `wide_interval` (0.30 or more wide), `undefined` (no interval), `lone_county` (a county has a single respondent, whose share of the city's variance is unknown)"),
    ("includes_simulated", "boolean", "true when simulated responses were used: the figures describe no real population"),
];

pub fn estimates_csv(e: &Evaluation, encoding: Encoding) -> Result<Vec<u8>, csv::Error> {
    let header: Vec<&str> = ESTIMATE_COLUMNS.iter().map(|(name, _, _)| *name).collect();
    let mut file = CsvFile::new(encoding, &header)?;
    for d in &e.domains {
        for i in &d.indicators {
            let flags: Vec<&str> = [
                (i.flags.low_effective_n, "low_effective_n"),
                (i.flags.wide_interval, "wide_interval"),
                (i.flags.undefined, "undefined"),
                (i.flags.lone_county, "lone_county"),
            ]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect();
            file.row([
                d.code.clone(),
                d.name.zh.clone(),
                d.name.en.clone(),
                i.id.clone(),
                i.label.zh.clone(),
                i.label.en.clone(),
                i.kind.clone(),
                number(i.estimate),
                number(i.se),
                number(i.ci_low),
                number(i.ci_high),
                i.n.to_string(),
                number(i.effective_n),
                number(i.deff),
                number(i.threshold),
                i.status.name().to_owned(),
                at_or_above(i.estimate, i.threshold),
                at_or_above(i.ci_low, i.threshold),
                number(i.points),
                number(i.max_points),
                i.reliable.to_string(),
                flags.join("|"),
                e.includes_simulated.to_string(),
            ])?;
        }
    }
    file.finish()
}

/// `true` or `false`, or empty when `value` is not a number.
fn at_or_above(value: f64, threshold: f64) -> String {
    if value.is_finite() {
        (value >= threshold).to_string()
    } else {
        String::new()
    }
}

/// The evaluation with the survey version it was computed under, pretty-printed.
pub fn evaluation_json(e: &Evaluation, version: &str) -> Result<Vec<u8>, serde_json::Error> {
    let mut bytes = serde_json::to_vec_pretty(&serde_json::json!({
        "survey_version": version,
        "evaluation": e,
    }))?;
    bytes.push(b'\n');
    Ok(bytes)
}
