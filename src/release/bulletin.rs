//! The fieldwork progress bulletin (通报) as CSV: one row per county, then the city.

use super::csv_file::{CsvFile, Encoding};
use crate::fieldwork::Progress;

pub fn bulletin_csv(p: &Progress, encoding: Encoding) -> Result<Vec<u8>, csv::Error> {
    let mut file = CsvFile::new(
        encoding,
        &[
            "county",
            "county_zh",
            "completed",
            "excluded",
            "usable",
            "target",
            "share_of_target",
            "margin_of_error_95",
            "flagged",
        ],
    )?;
    // Shares to four places (29.57% reads 0.2957): a progress report, read in a spreadsheet,
    // not a figure to verify.
    let optional = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.4}"));
    for s in &p.by_stratum {
        file.row([
            s.code.clone(),
            s.name.zh.clone(),
            s.completed.to_string(),
            s.excluded.to_string(),
            s.usable.to_string(),
            s.target.map_or(String::new(), |t| t.to_string()),
            optional(s.share_of_target),
            optional(s.margin_of_error),
            s.flagged.to_string(),
        ])?;
    }
    file.row([
        "city".to_owned(),
        "全市".to_owned(),
        p.completed.to_string(),
        p.flagged_to_exclude.to_string(),
        p.usable().to_string(),
        p.target.map_or(String::new(), |t| t.to_string()),
        optional(p.target.map(|t| p.usable() as f64 / f64::from(t.max(1)))),
        optional(p.margin_of_error),
        p.flagged.to_string(),
    ])?;
    file.finish()
}
