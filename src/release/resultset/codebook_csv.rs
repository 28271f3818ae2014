//! `codebook.csv`: the codebook as a table Excel and WPS open, for evaluators who read
//! `responses.csv` there rather than in SPSS or R. The same facts as `datapackage.json`'s
//! schema (each variable's question and type, each code's label in both languages) and what an
//! empty cell means, one row per variable and code, so that a lookup (VLOOKUP, XLOOKUP) or a
//! pivot table can put the labels beside the codes.

use super::columns::{Column, ColumnKind};
use crate::release::{CsvFile, Encoding};

/// The columns, all text (`datapackage.json` describes them).
pub const HEADER: [&str; 9] = [
    "variable",
    "label_zh",
    "label_en",
    "type",
    "code",
    "code_label_zh",
    "code_label_en",
    "empty_means_zh",
    "empty_means_en",
];

/// One row per variable of `responses.csv` and code it takes, in the file's column order; a
/// variable without codes (a number, the weight) has one row with an empty code.
pub fn codebook_csv(columns: &[Column], encoding: Encoding) -> Result<Vec<u8>, csv::Error> {
    let mut file = CsvFile::new(encoding, &HEADER)?;
    for c in columns {
        let (empty_zh, empty_en) = empty_means(&c.kind);
        let variable = [
            c.name.as_str(),
            c.label.zh.as_str(),
            c.label.en.as_str(),
            c.field_type,
        ];
        if c.values.is_empty() {
            file.row(
                variable
                    .iter()
                    .copied()
                    .chain(["", "", "", empty_zh, empty_en]),
            )?;
        }
        for (code, label) in &c.values {
            file.row(variable.iter().copied().chain([
                code.as_str(),
                label.zh.as_str(),
                label.en.as_str(),
                empty_zh,
                empty_en,
            ]))?;
        }
    }
    file.finish()
}

/// What an empty cell of a column means, in Chinese and English.
fn empty_means(kind: &ColumnKind) -> (&'static str, &'static str) {
    match kind {
        ColumnKind::Row | ColumnKind::Channel | ColumnKind::Flag(_) => ("不会为空", "never empty"),
        ColumnKind::Code { .. } | ColumnKind::Item { .. } | ColumnKind::Number { .. } => (
            "未回答，或按跳题规则没有显示该题",
            "not answered, or not shown by the question's condition",
        ),
        ColumnKind::Ticked { .. } => (
            "该题未回答或没有显示；0 表示回答了该题但没有选这一项",
            "the question not answered or not shown; 0 means answered without ticking this option",
        ),
        ColumnKind::Excluded => ("这份答卷计入统计", "the response is used in the estimates"),
        ColumnKind::Weight => (
            "这份答卷不计入统计，没有权重（原因见 excluded）",
            "the response is left out of the estimates and has no weight (why: see excluded)",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::spss::tests::example;
    use super::*;

    fn rows_of(columns: &[Column]) -> Vec<Vec<String>> {
        let bytes = codebook_csv(columns, Encoding::Utf8WithBom).unwrap();
        assert!(
            bytes.starts_with("\u{feff}".as_bytes()),
            "Excel's byte-order mark"
        );
        csv::Reader::from_reader(&bytes[3..])
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn every_code_of_every_variable_has_a_row_with_its_labels_in_both_languages() {
        let (_, columns) = example();

        let rows = rows_of(&columns);

        let codes: usize = columns.iter().map(|c| c.values.len().max(1)).sum();
        assert_eq!(
            rows.len(),
            codes,
            "one row per code, one per variable without codes"
        );
        let row = |variable: &str, code: &str| {
            rows.iter()
                .find(|r| r[0] == variable && r[4] == code)
                .unwrap_or_else(|| panic!("no row for {variable} = {code}"))
                .clone()
        };
        let nanhu = row("county", "nanhu");
        assert_eq!(
            (nanhu[5].as_str(), nanhu[6].as_str()),
            ("南湖区", "Nanhu District")
        );
        assert!(nanhu[1].starts_with("您目前居住在哪个县") && nanhu[3] == "string");
        assert_eq!(row("overall_satisfaction", "dk")[5], "不了解");
        assert_eq!(
            row("weight", "")[7],
            "这份答卷不计入统计，没有权重（原因见 excluded）"
        );
        let ticked = rows
            .iter()
            .find(|r| r[0].starts_with("campaign_heard_from.") && r[4] == "0")
            .expect("a multiple-choice option's 0");
        assert!(ticked[8].contains("0 means answered without ticking"));
        let order: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        let mut expected: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        expected.dedup();
        let mut seen = order.clone();
        seen.dedup();
        assert_eq!(
            seen, expected,
            "the variables in the order of responses.csv"
        );
    }
}
