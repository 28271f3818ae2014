//! The fieldwork progress bulletin (通报) as CSV: one row per county, then the city.

use std::collections::BTreeMap;

use super::csv_file::{CsvFile, Encoding};
use crate::fieldwork::{Progress, CHANNELS};

/// One row per county, then the city; the last columns count the responses by channel, so a
/// trial run's `simulated` responses, counted in `completed` as the page counts them, show in
/// every copy passed on.
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
            CHANNELS[0],
            CHANNELS[1],
            CHANNELS[2],
            CHANNELS[3],
        ],
    )?;
    // Shares to four places (29.57% reads 0.2957): a progress report, read in a spreadsheet,
    // not a figure to verify.
    let optional = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.4}"));
    let by_channel = |counts: &BTreeMap<String, i64>| {
        CHANNELS.map(|channel| counts.get(channel).copied().unwrap_or(0).to_string())
    };
    for s in &p.by_stratum {
        let [open_link, invitation, interviewer, simulated] = by_channel(&s.by_channel);
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
            open_link,
            invitation,
            interviewer,
            simulated,
        ])?;
    }
    let [open_link, invitation, interviewer, simulated] = by_channel(&p.by_channel);
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
        open_link,
        invitation,
        interviewer,
        simulated,
    ])?;
    file.finish()
}
