//! The evaluation component as CSV: one row per domain (city, then counties) and indicator.

use super::csv_file::{number, CsvFile, Encoding};
use crate::evaluation::Evaluation;

pub fn evaluation_csv(e: &Evaluation, encoding: Encoding) -> Result<Vec<u8>, csv::Error> {
    let mut file = CsvFile::new(
        encoding,
        &[
            "domain",
            "domain_name",
            "indicator",
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
            "includes_simulated",
        ],
    )?;
    for d in &e.domains {
        for i in &d.indicators {
            file.row([
                d.code.clone(),
                d.name.zh.clone(),
                i.id.clone(),
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
                e.includes_simulated.to_string(),
            ])?;
        }
    }
    file.finish()
}
