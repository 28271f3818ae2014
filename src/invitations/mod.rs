//! Invitation campaigns. `minyi invite` turns a list of addresses into one single-use link
//! each, mailed through the outbox; `minyi remind` writes again to those whose invitation is
//! unused. Blocking: it works through storage.

mod address_list;
mod link;

pub use address_list::{parse_address_list, read_address_list, AddressListError, InvitedAddress};
pub use link::{hash_token, looks_like_token, new_token};

use crate::catalog::{Catalog, CatalogError};
use crate::lifecycle::SurveyState;
use crate::mail::MailKind;
use crate::storage::{self, NewInvitation, NewMail, StorageError};
use crate::survey::Lang;

#[derive(Debug, thiserror::Error)]
pub enum InvitationError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    AddressList(#[from] AddressListError),
    #[error(
        "survey {survey} is {state}: invitations lead to a survey taking answers; \
         open it first (`minyi survey open {survey}`)"
    )]
    NotOpen { survey: String, state: SurveyState },
}

/// What `invite` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignReport {
    pub created: usize,
    /// Addresses invited to this survey before (not invited again).
    pub already_invited: usize,
}

/// Creates an invitation for every address not invited to the survey yet, and queues its
/// message, in one transaction.
pub fn invite(
    catalog: &Catalog,
    survey_id: &str,
    addresses: &[InvitedAddress],
) -> Result<CampaignReport, InvitationError> {
    require_open(catalog, survey_id)?;
    let mut conn = catalog.database().conn()?;
    let emails: Vec<String> = addresses.iter().map(|a| a.email.clone()).collect();
    let known: std::collections::HashSet<String> =
        storage::invited_addresses(&mut conn, survey_id, &emails)?
            .into_iter()
            .map(|e| e.to_lowercase())
            .collect();
    let batch: Vec<(NewInvitation, NewMail)> = addresses
        .iter()
        .filter(|a| !known.contains(&a.email.to_lowercase()))
        .map(|a| {
            let id = random_id();
            let mail = mail(survey_id, MailKind::Invitation, &a.email, Some(&id), a.lang);
            let invitation = NewInvitation {
                id,
                survey_id: survey_id.to_owned(),
                email: Some(a.email.clone()),
                stratum: a.stratum.clone(),
                lang: lang_column(a.lang).to_owned(),
            };
            (invitation, mail)
        })
        .collect();
    let created = storage::create_invitations(&mut conn, &batch)?;
    Ok(CampaignReport {
        created,
        already_invited: addresses.len() - created,
    })
}

/// Queues a reminder to every unused invitation that has no message waiting. Returns how many.
pub fn remind(catalog: &Catalog, survey_id: &str) -> Result<usize, InvitationError> {
    require_open(catalog, survey_id)?;
    let mut conn = catalog.database().conn()?;
    let mails: Vec<NewMail> = storage::unused_without_pending_mail(&mut conn, survey_id)?
        .into_iter()
        .map(|(id, email, lang)| {
            let lang = Lang::from_code(&lang).unwrap_or_default();
            mail(survey_id, MailKind::Reminder, &email, Some(&id), lang)
        })
        .collect();
    storage::enqueue(&mut conn, &mails)?;
    Ok(mails.len())
}

/// The messages telling evaluators that a survey's results are published (in Chinese).
pub fn results_published_mail(survey_id: &str, recipients: &[lettre::Address]) -> Vec<NewMail> {
    recipients
        .iter()
        .map(|to| {
            mail(
                survey_id,
                MailKind::ResultsPublished,
                to.as_ref(),
                None,
                Lang::Zh,
            )
        })
        .collect()
}

fn require_open(catalog: &Catalog, survey_id: &str) -> Result<(), InvitationError> {
    let survey = catalog.require(survey_id)?;
    if survey.record.state != SurveyState::Open {
        return Err(InvitationError::NotOpen {
            survey: survey_id.to_owned(),
            state: survey.record.state,
        });
    }
    Ok(())
}

fn mail(
    survey_id: &str,
    kind: MailKind,
    recipient: &str,
    invitation_id: Option<&str>,
    lang: Lang,
) -> NewMail {
    NewMail {
        id: random_id(),
        survey_id: survey_id.to_owned(),
        kind: kind.as_str().to_owned(),
        recipient: recipient.to_owned(),
        invitation_id: invitation_id.map(str::to_owned),
        lang: lang_column(lang).to_owned(),
    }
}

/// How a language is stored: `zh` or `en`.
pub fn lang_column(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

fn random_id() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}
