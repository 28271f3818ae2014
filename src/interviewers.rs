//! Interviewer links: `/iv/{token}`, opened on an interviewer's phone or computer for every
//! resident they interview, face to face or on the telephone (the evaluation practice's main
//! mode). The answers they enter are stored with channel `interviewer`, so the evaluation can
//! tell them from answers residents gave themselves, and no client hash (one device answers for
//! many residents, who are no duplicates of each other). A link works until it is withdrawn
//! or the survey closes; only its token's hash is stored. Blocking: it works through storage
//! (except [`check_label`], which is pure).

use crate::audit::{self, AuditAction, AuditEvent};
use crate::catalog::{Catalog, CatalogError};
use crate::invitations::{county_names, hash_token, looks_like_token, new_token};
use crate::lifecycle::SurveyState;
pub use crate::storage::WhichLink;
use crate::storage::{self, InterviewerLinkRecord, StorageError};

/// The longest label, in characters: a code or a short name fits a table column.
pub const MAX_LABEL_CHARS: usize = 40;

#[derive(Debug, thiserror::Error)]
pub enum InterviewerError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(
        "survey {survey} is {state}: interviewer links lead to a survey taking answers, or about \
         to (a draft); this one's fieldwork is over"
    )]
    FieldworkOver { survey: String, state: SurveyState },
    #[error(
        "--label {label:?}: expected 1 to {MAX_LABEL_CHARS} characters naming the link, such as \
         an interviewer's code (A07) or a team (电话组1), without line breaks or tabs"
    )]
    BadLabel { label: String },
    #[error(
        "survey {survey} already has a working interviewer link labelled {label:?} (labels \
         are one whatever their case: A07 and a07 name one link): choose another label, or \
         withdraw that link first (`minyi interviewer withdraw {survey} \
         --label {}`)",
        shell_quoted(.label)
    )]
    LabelInUse { survey: String, label: String },
    #[error(
        "--county {county:?}: expected a county of survey {survey}, by code or name ({codes})"
    )]
    UnknownCounty {
        survey: String,
        county: String,
        codes: String,
    },
    #[error(
        "survey {survey} has no working interviewer link {which} \
         (`minyi interviewer list {survey}` shows its links)"
    )]
    NoSuchLink { survey: String, which: String },
}

/// A link just issued: its token, shown once (only the hash is stored), and what was stored.
#[derive(Debug)]
pub struct IssuedLink {
    pub token: String,
    pub link: InterviewerLinkRecord,
}

impl IssuedLink {
    /// The address the interviewer opens, under `base` (the address residents use).
    pub fn address(&self, base: &str) -> String {
        format!("{}/iv/{}", base.trim_end_matches('/'), self.token)
    }
}

/// The label as it will be stored (trimmed), if it can name a link.
pub fn check_label(label: &str) -> Option<&str> {
    let label = label.trim();
    let length = label.chars().count();
    ((1..=MAX_LABEL_CHARS).contains(&length) && !label.chars().any(char::is_control))
        .then_some(label)
}

/// Issues a link to survey `survey_id` (a draft, to prepare fieldwork, or open), labelled
/// `label` and setting `county` (a code or name of the survey's counties) if given. Audited
/// with `actor`: answers may come through it.
pub fn issue(
    catalog: &Catalog,
    survey_id: &str,
    label: &str,
    county: Option<&str>,
    actor: &str,
) -> Result<IssuedLink, InterviewerError> {
    let survey = catalog.require(survey_id)?;
    if survey.record.state.fieldwork_over() {
        return Err(InterviewerError::FieldworkOver {
            survey: survey_id.to_owned(),
            state: survey.record.state,
        });
    }
    let label = check_label(label).ok_or_else(|| InterviewerError::BadLabel {
        label: label.to_owned(),
    })?;
    let units = &survey.definition.strata.units;
    let stratum = match county.map(str::trim) {
        None => None,
        Some(county) => Some(
            county_names(&survey.definition)
                .remove(county)
                .ok_or_else(|| InterviewerError::UnknownCounty {
                    survey: survey_id.to_owned(),
                    county: county.to_owned(),
                    codes: units
                        .iter()
                        .map(|unit| format!("{} {}", unit.code, unit.name.zh))
                        .collect::<Vec<_>>()
                        .join(", "),
                })?,
        ),
    };
    let (token, token_hash) = new_token();
    let link = InterviewerLinkRecord {
        token_hash,
        survey_id: survey_id.to_owned(),
        label: label.to_owned(),
        stratum,
        issued_on: survey.definition.local_date(chrono::Utc::now()).to_string(),
        withdrawn_on: None,
    };
    if !storage::insert_interviewer_link(&mut *catalog.database().conn()?, &link)? {
        return Err(InterviewerError::LabelInUse {
            survey: survey_id.to_owned(),
            label: label.to_owned(),
        });
    }
    audit::record(
        catalog.database(),
        AuditEvent {
            actor,
            action: AuditAction::InterviewerLinkIssued,
            survey_id: Some(survey_id),
            manifest_sha256: None,
            detail: described(&link),
        },
    )?;
    Ok(IssuedLink { token, link })
}

/// Stops survey `survey_id`'s working link `which`: forms sent through it from now on are
/// refused. Audited with `actor`, naming the link's label.
pub fn withdraw(
    catalog: &Catalog,
    survey_id: &str,
    which: WhichLink<'_>,
    actor: &str,
) -> Result<(), InterviewerError> {
    let survey = catalog.require(survey_id)?;
    let which = match which {
        WhichLink::Label(label) => WhichLink::Label(label.trim()),
        other => other,
    };
    let today = survey.definition.local_date(chrono::Utc::now()).to_string();
    // The label as stored names the link in the audit log (the hash alone names nothing to a
    // reader, and "a07" typed for "A07" would name none that was issued).
    let withdrawn = storage::withdraw_interviewer_link(
        &mut *catalog.database().conn()?,
        survey_id,
        which,
        &today,
    )?;
    let Some(label) = withdrawn else {
        return Err(InterviewerError::NoSuchLink {
            survey: survey_id.to_owned(),
            which: match which {
                WhichLink::Label(label) => format!("labelled {label:?}"),
                WhichLink::TokenHash(_) => "of that address".to_owned(),
            },
        });
    };
    audit::record(
        catalog.database(),
        AuditEvent {
            actor,
            action: AuditAction::InterviewerLinkWithdrawn,
            survey_id: Some(survey_id),
            manifest_sha256: None,
            detail: format!("label: {label}"),
        },
    )?;
    Ok(())
}

/// Survey `survey_id`'s links, working and withdrawn, by label.
pub fn links(
    catalog: &Catalog,
    survey_id: &str,
) -> Result<Vec<InterviewerLinkRecord>, InterviewerError> {
    catalog.require(survey_id)?;
    Ok(storage::interviewer_links(
        &mut *catalog.database().conn()?,
        survey_id,
    )?)
}

/// The link a token leads to, working or withdrawn; `None` for anything not issued.
pub fn find(catalog: &Catalog, token: &str) -> Result<Option<InterviewerLinkRecord>, StorageError> {
    if !looks_like_token(token) {
        return Ok(None);
    }
    storage::find_interviewer_link(&mut *catalog.database().conn()?, &hash_token(token))
}

/// `text` as one word for a POSIX shell, to paste.
fn shell_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

fn described(link: &InterviewerLinkRecord) -> String {
    match &link.stratum {
        Some(county) => format!("label: {}; county: {county}", link.label),
        None => format!("label: {}", link.label),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_is_a_short_line_of_text_trimmed() {
        assert_eq!(check_label(" A07 "), Some("A07"));
        assert_eq!(check_label("电话组1"), Some("电话组1"));
        assert_eq!(
            check_label(&"访".repeat(MAX_LABEL_CHARS)),
            Some(&*"访".repeat(40))
        );
        for bad in [
            "",
            "   ",
            "A\n07",
            "A\t07",
            &"x".repeat(MAX_LABEL_CHARS + 1),
        ] {
            assert_eq!(check_label(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn an_issued_links_address_carries_its_token_under_iv() {
        let issued = IssuedLink {
            token: "0123456789abcdef0123456789abcdef".to_owned(),
            link: InterviewerLinkRecord {
                token_hash: hash_token("0123456789abcdef0123456789abcdef"),
                survey_id: "s".to_owned(),
                label: "A07".to_owned(),
                stratum: None,
                issued_on: "2026-12-04".to_owned(),
                withdrawn_on: None,
            },
        };
        assert_eq!(
            issued.address("https://minyi.example/"),
            "https://minyi.example/iv/0123456789abcdef0123456789abcdef"
        );
    }
}
