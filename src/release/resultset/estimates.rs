//! `estimates.csv` and `evaluation.json`: every indicator for the city and each county, and the
//! evaluation component, exactly as recomputed by `minyi verify`.

use crate::evaluation::Evaluation;
use crate::release::{number, CsvFile, Encoding};

pub const ESTIMATE_COLUMNS: [&str; 21] = [
    "domain",
    "domain_zh",
    "domain_en",
    "indicator",
    "indicator_zh",
    "indicator_en",
    "kind",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n",
    "effective_n",
    "deff",
    "threshold",
    "status",
    "points",
    "max_points",
    "reliable",
    "flags",
    "includes_simulated",
];

pub fn estimates_csv(e: &Evaluation, encoding: Encoding) -> Result<Vec<u8>, csv::Error> {
    let mut file = CsvFile::new(encoding, &ESTIMATE_COLUMNS)?;
    for d in &e.domains {
        for i in &d.indicators {
            let flags: Vec<&str> = [
                (i.flags.low_effective_n, "low_effective_n"),
                (i.flags.wide_interval, "wide_interval"),
                (i.flags.undefined, "undefined"),
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

/// The evaluation with the survey version it was computed under, pretty-printed.
pub fn evaluation_json(e: &Evaluation, version: &str) -> Result<Vec<u8>, serde_json::Error> {
    let mut bytes = serde_json::to_vec_pretty(&serde_json::json!({
        "survey_version": version,
        "evaluation": e,
    }))?;
    bytes.push(b'\n');
    Ok(bytes)
}
