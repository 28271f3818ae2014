//! `datapackage.json` (Frictionless Data): the files of a result set and their columns,
//! described in both languages (`minyi.R`: `r_script.rs`; `minyi.sps`: `spss.rs`).

use serde_json::{json, Value};

use super::codebook_csv;
use super::columns::Column;
use super::encoding_name;
use super::estimates::{ESTIMATE_COLUMNS, STATUS_LABELS};
use super::totals::TOTAL_COLUMNS;
use crate::release::Encoding;
use crate::survey::Survey;

fn dialect() -> Value {
    json!({ "delimiter": ",", "lineTerminator": "\r\n", "quoteChar": "\"", "doubleQuote": true, "header": true })
}

/// `datapackage.json` of a result set of survey version `version`: made from `survey.toml` and
/// the released columns alone, so that `minyi verify` can make it again.
pub fn datapackage(
    columns: &[Column],
    survey: &Survey,
    version: &str,
    encoding: Encoding,
) -> Vec<u8> {
    let fields: Vec<Value> = columns
        .iter()
        .map(|c| {
            let mut field = json!({
                "name": c.name,
                "type": c.field_type,
                "title": c.label.en,
                "description": c.label.zh,
                "labels": { "zh": c.label.zh, "en": c.label.en },
            });
            if !c.values.is_empty() {
                field["constraints"] = json!({
                    "enum": c.values.iter().map(|(code, _)| code).collect::<Vec<_>>()
                });
                field["valueLabels"] = c
                    .values
                    .iter()
                    .map(|(code, label)| (code.clone(), json!({ "zh": label.zh, "en": label.en })))
                    .collect::<serde_json::Map<_, _>>()
                    .into();
            }
            field
        })
        .collect();
    let estimate_fields = described_fields(&ESTIMATE_COLUMNS);
    let total_fields = described_fields(&TOTAL_COLUMNS);
    let package = json!({
        // Not "tabular-data-package": the package lists the methodology, the survey file and
        // the scripts beside its four tables.
        "profile": "data-package",
        "name": format!("minyi-{}", survey.id),
        "title": format!("{} / {}", survey.title.zh, survey.title.en),
        "version": version,
        "resources": [
            {
                "name": "responses",
                "path": "responses.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": encoding_name(encoding),
                "dialect": dialect(),
                "description": "One row per stored response, anonymized and k-anonymous; empty cells are missing (not asked, not answered, or not used).",
                "schema": { "fields": fields, "missingValues": [""], "primaryKey": "row" },
            },
            {
                "name": "estimates",
                "path": "estimates.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": encoding_name(encoding),
                "dialect": dialect(),
                "schema": { "fields": estimate_fields, "missingValues": [""] },
            },
            {
                "name": "totals",
                "path": "totals.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": encoding_name(encoding),
                "dialect": dialect(),
                "description": "The evaluation component of the city and of each county, one row each: the total of estimates.csv's points, the range it could take within the intervals, and the indicators by status.",
                "schema": { "fields": total_fields, "missingValues": [""], "primaryKey": "domain" },
            },
            { "name": "evaluation", "path": "evaluation.json", "format": "json", "mediatype": "application/json" },
            {
                "name": "codebook",
                "path": "codebook.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": encoding_name(encoding),
                "dialect": dialect(),
                "description": "The codebook as a table for Excel and WPS: one row per variable of responses.csv and code, with the question and the code's label in Chinese and English and what an empty cell means.",
                "schema": { "fields": codebook_csv::HEADER.iter().map(|name| json!({ "name": name, "type": "string" })).collect::<Vec<_>>() },
            },
            { "name": "survey-definition", "path": "survey.toml", "format": "toml", "description": "The survey file the responses answered; its SHA-256 is the survey version." },
            { "name": "methodology", "path": "methodology.md", "format": "md", "mediatype": "text/markdown" },
            { "name": "spss-syntax", "path": "minyi.sps", "format": "sps" },
            { "name": "r-script", "path": "minyi.R", "format": "r" },
        ],
    });
    let mut bytes = serde_json::to_vec_pretty(&package).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// The fields of a table Minyi computes (`estimates.csv`, `totals.csv`), each described in
/// English and Chinese; a `status` column with its values labelled as the results page words
/// them.
fn described_fields(columns: &[(&str, &str, &str, &str)]) -> Vec<Value> {
    columns
        .iter()
        .map(|(name, kind, description, description_zh)| {
            let mut field = json!({
                "name": name,
                "type": kind,
                "description": description,
                "description_zh": description_zh,
            });
            if *name == "status" {
                field["constraints"] = json!({
                    "enum": STATUS_LABELS.iter().map(|(code, ..)| code).collect::<Vec<_>>()
                });
                field["valueLabels"] = STATUS_LABELS
                    .iter()
                    .map(|(code, zh, en)| (code.to_string(), json!({ "zh": zh, "en": en })))
                    .collect::<serde_json::Map<_, _>>()
                    .into();
            }
            field
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_estimates_column_is_described_in_both_languages_and_statuses_read_as_on_the_page() {
        for (name, _, en, zh) in ESTIMATE_COLUMNS {
            assert!(!en.is_empty() && !zh.is_empty(), "{name}");
        }
        let page = |file: &str| -> toml::Table {
            let path = format!("{}/templates/i18n/{file}", env!("CARGO_MANIFEST_DIR"));
            toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
        };
        let (zh, en) = (page("zh-CN.toml"), page("en.toml"));
        for (code, in_zh, in_en) in STATUS_LABELS {
            let key = format!("status_{code}");
            assert_eq!(zh["results"][&key].as_str(), Some(in_zh), "{code}");
            assert_eq!(en["results"][&key].as_str(), Some(in_en), "{code}");
        }
    }
}
