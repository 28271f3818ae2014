//! The campaign file of `minyi invite`: a CSV with a header row naming an `email` column and,
//! optionally, a `county` column (the stratum code or its name, preassigned by the sampling
//! frame) and a `lang` column (`zh` or `en`). Every problem is listed at once, by line.

use std::collections::HashMap;
use std::path::Path;

use crate::survey::{Lang, Survey};

/// One address to invite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvitedAddress {
    pub email: String,
    /// The stratum code the invitation sets, if the file gives one.
    pub stratum: Option<String>,
    pub lang: Lang,
}

#[derive(Debug, thiserror::Error)]
pub enum AddressListError {
    #[error("cannot read the address list {file}: {reason}")]
    Read { file: String, reason: String },
    #[error("{}", .problems.join("\n"))]
    Problems { problems: Vec<String> },
}

const EMAIL_COLUMNS: [&str; 3] = ["email", "e-mail", "邮箱"];
const COUNTY_COLUMNS: [&str; 5] = ["county", "stratum", "区县", "县（市、区）", "地区"];
const LANG_COLUMNS: [&str; 3] = ["lang", "language", "语言"];

/// Reads and checks an address list against the survey it invites to.
pub fn read_address_list(
    path: &Path,
    survey: &Survey,
) -> Result<Vec<InvitedAddress>, AddressListError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| AddressListError::Read {
        file: file.clone(),
        reason: e.to_string(),
    })?;
    parse_address_list(&bytes, &file, survey)
}

pub fn parse_address_list(
    bytes: &[u8],
    file: &str,
    survey: &Survey,
) -> Result<Vec<InvitedAddress>, AddressListError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| AddressListError::Read {
        file: file.to_owned(),
        reason: "it is not UTF-8 text; in Excel or WPS save it as \"CSV UTF-8\"".into(),
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| AddressListError::Read {
            file: file.to_owned(),
            reason: e.to_string(),
        })?
        .iter()
        .map(|h| h.to_lowercase())
        .collect();
    let column = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
    let Some(email_at) = column(&EMAIL_COLUMNS) else {
        return Err(AddressListError::Problems {
            problems: vec![format!(
                "{file}: line 1 must name the columns, with one called \"email\" (and, if the \
                 sampling frame assigns counties, one called \"county\"), such as: email,county"
            )],
        });
    };
    // A column Minyi does not read is refused rather than ignored: a language column headed
    // otherwise would send every mail in Chinese without a word.
    let unknown: Vec<&String> = header
        .iter()
        .filter(|h| {
            // (An unnamed column, as a spreadsheet's trailing comma makes, holds nothing.)
            !h.is_empty()
                && ![&EMAIL_COLUMNS[..], &COUNTY_COLUMNS, &LANG_COLUMNS]
                    .iter()
                    .any(|names| names.contains(&h.as_str()))
        })
        .collect();
    if !unknown.is_empty() {
        return Err(AddressListError::Problems {
            problems: unknown
                .iter()
                .map(|h| {
                    format!(
                        "{file}: line 1: column {h:?} is not one Minyi reads; expected {}, {} or {}",
                        EMAIL_COLUMNS.join(" / "),
                        COUNTY_COLUMNS.join(" / "),
                        LANG_COLUMNS.join(" / ")
                    )
                })
                .collect(),
        });
    }
    let county_at = column(&COUNTY_COLUMNS);
    let lang_at = column(&LANG_COLUMNS);
    let counties = county_names(survey);
    // Each county as the list may write it: its code or its name.
    let county_codes: Vec<String> = survey
        .strata
        .units
        .iter()
        .map(|u| format!("{} / {} / {}", u.code, u.name.zh, u.name.en))
        .collect();

    let mut problems = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut list = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{file}: {e}"));
                continue;
            }
        };
        // Counted from the record's byte offset, past the blank lines the reader skipped (its
        // own line count leaves them out).
        let line = record.position().map_or(0, |p| {
            let bytes = text.as_bytes();
            let mut start = (p.byte() as usize).min(bytes.len());
            while matches!(bytes.get(start), Some(b'\n' | b'\r')) {
                start += 1;
            }
            bytes[..start].iter().filter(|b| **b == b'\n').count() as u64 + 1
        });
        if record.iter().all(str::is_empty) {
            continue;
        }
        let at = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or_default();
        let email = at(Some(email_at));
        let mut ok = true;
        if email.parse::<lettre::Address>().is_err() {
            problems.push(format!(
                "{file}: line {line}: email: expected an address such as name@example.org, found {email:?}"
            ));
            ok = false;
        } else if !has_internet_domain(email) {
            problems.push(format!(
                "{file}: line {line}: email: expected an address whose domain has a dot, such \
                 as name@example.org or name@qq.com, found {email:?} (a part missing?)"
            ));
            ok = false;
        } else if let Some(first) = seen.insert(email.to_lowercase(), line) {
            problems.push(format!(
                "{file}: line {line}: email: {email} is already on line {first}; invite each address once"
            ));
            ok = false;
        }
        let county = at(county_at);
        let stratum = if county.is_empty() {
            None
        } else if let Some(code) = counties.get(county) {
            Some(code.clone())
        } else {
            problems.push(format!(
                "{file}: line {line}: county: expected a county of survey {}, by its code or \
                 its name ({}), found {county:?}",
                survey.id,
                county_codes.join("; ")
            ));
            ok = false;
            None
        };
        let lang_text = at(lang_at);
        let lang = if lang_text.is_empty() {
            Lang::Zh
        } else if let Some(lang) = Lang::from_code(lang_text) {
            lang
        } else {
            problems.push(format!(
                "{file}: line {line}: lang: expected zh or en, found {lang_text:?}"
            ));
            ok = false;
            Lang::Zh
        };
        if ok {
            list.push(InvitedAddress {
                email: email.to_owned(),
                stratum,
                lang,
            });
        }
    }
    if !problems.is_empty() {
        return Err(AddressListError::Problems { problems });
    }
    if list.is_empty() {
        return Err(AddressListError::Problems {
            problems: vec![format!("{file}: no addresses (only the header line)")],
        });
    }
    Ok(list)
}

/// Whether an address lettre takes could reach a resident over the Internet: its domain has a
/// dot (`a@b` or `wang@qq` is valid syntax, and a typo in a sampling frame), or is a bracketed
/// IP literal.
fn has_internet_domain(email: &str) -> bool {
    let domain = email.rsplit_once('@').map_or("", |(_, domain)| domain);
    domain.starts_with('[') || domain.contains('.')
}

/// Every way a county may be written: its code, its Chinese name, its English name, each
/// leading to its code (an address list's `county` column, `minyi interviewer issue --county`).
pub(crate) fn county_names(survey: &Survey) -> HashMap<String, String> {
    let mut names = HashMap::new();
    for unit in &survey.strata.units {
        for name in [&unit.code, &unit.name.zh, &unit.name.en] {
            names.insert(name.clone(), unit.code.clone());
        }
    }
    names
}

#[cfg(test)]
#[path = "address_list_tests.rs"]
mod tests;
