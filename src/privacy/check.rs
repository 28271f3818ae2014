//! Checking any released CSV for k-anonymity (`minyi check-release`), independently of how it
//! was made: count each combination of the named quasi-identifier columns.

use std::io::Read;

use super::kanon::{violations, Violation};

/// What a check found.
#[derive(Debug)]
pub struct ReleaseCheck {
    pub rows: usize,
    pub k: usize,
    pub columns: Vec<String>,
    /// Combinations shared by fewer than `k` rows, smallest count first. Empty: k-anonymous.
    pub violations: Vec<Violation>,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("cannot read the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("k must be at least 2 (a group of one is one person), found {0}")]
    BadK(usize),
    #[error(
        "name at least one quasi-identifier column with --qi, for example --qi county,sex,age_band"
    )]
    NoColumns,
    #[error("the CSV has no column {missing}; its columns are: {available}")]
    MissingColumns { missing: String, available: String },
}

/// Reads a CSV with a header row and checks that every combination of `columns` is shared by
/// at least `k` rows. Rows whose named columns are all suppressed (empty, `*`, `suppressed`)
/// are no combination. A UTF-8 byte-order mark (as Excel writes) is ignored.
pub fn check_csv(
    input: impl Read,
    k: usize,
    columns: &[String],
) -> Result<ReleaseCheck, CheckError> {
    if k < 2 {
        return Err(CheckError::BadK(k));
    }
    if columns.is_empty() {
        return Err(CheckError::NoColumns);
    }
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    let headers: Vec<String> = reader
        .headers()?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_owned())
        .collect();
    let missing: Vec<&str> = columns
        .iter()
        .filter(|c| !headers.contains(c))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(CheckError::MissingColumns {
            missing: missing.join(", "),
            available: headers.join(", "),
        });
    }
    let positions: Vec<usize> = columns
        .iter()
        .filter_map(|c| headers.iter().position(|h| h == c))
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        rows.push(
            positions
                .iter()
                .map(|&i| record.get(i).unwrap_or_default().to_owned())
                .collect::<Vec<String>>(),
        );
    }
    Ok(ReleaseCheck {
        rows: rows.len(),
        k,
        columns: columns.to_vec(),
        violations: violations(&rows, k),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qi(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_csv_with_a_rare_combination_is_reported_with_its_count() {
        let csv =
            "\u{feff}id,county,sex,overall\n1,nanhu,male,5\n2,nanhu,male,4\n3,haiyan,female,3\n";

        let check = check_csv(csv.as_bytes(), 2, &qi(&["county", "sex"])).expect("readable");

        assert_eq!(check.rows, 3);
        assert_eq!(check.violations.len(), 1);
        assert_eq!(check.violations[0].values, ["haiyan", "female"]);
        assert_eq!(check.violations[0].count, 1);
    }

    #[test]
    fn a_missing_column_is_named_with_the_columns_there_are() {
        let err = check_csv(
            "county,sex\nnanhu,male\n".as_bytes(),
            5,
            &qi(&["county", "age"]),
        )
        .expect_err("no age column");

        let message = err.to_string();
        assert!(message.contains("no column age"), "{message}");
        assert!(message.contains("county, sex"), "{message}");
    }
}
