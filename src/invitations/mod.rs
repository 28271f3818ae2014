//! Invitation campaigns. `minyi invite` turns a list of addresses into one single-use link
//! each, mailed through the outbox; `minyi remind` writes again to those whose invitation is
//! unused; [`campaign_status`] says where a campaign stands. Blocking: it works through storage
//! (except [`uptake`], which is pure).

mod address_list;
mod link;
mod uptake;

pub(crate) use address_list::county_names;
pub use address_list::{parse_address_list, read_address_list, AddressListError, InvitedAddress};
pub use link::{hash_token, looks_like_token, new_token};
pub use uptake::{uptake, CampaignUptake, InvitationCount, Uptake};

use chrono::NaiveDate;

use crate::catalog::{Catalog, CatalogError};
use crate::lifecycle::SurveyState;
use crate::mail::MailKind;
use crate::storage::{
    self, IfOpen, NewInvitation, NewMail, ReminderRound, RoundOutcome, StorageError,
};
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
    #[error(
        "survey {survey}: the last reminders were queued on {last_on} (round {round}); \
         residents are not written to again within {MIN_DAYS_BETWEEN_REMINDERS} days of a \
         reminder. Run it again on or after {again_on}, or pass --force to remind them now"
    )]
    RemindedRecently {
        survey: String,
        round: i32,
        last_on: NaiveDate,
        again_on: NaiveDate,
    },
    #[error(
        "survey {survey}: residents have had {rounds} rounds of reminders already (the last on \
         {last_on}); more would pester those who chose not to answer, and add little. Pass \
         --force to send another round all the same: it would reach {reachable} invitations \
         not used yet"
    )]
    RemindedEnough {
        survey: String,
        rounds: i32,
        last_on: String,
        /// Invitations another round would write to.
        reachable: usize,
    },
    #[error(
        "survey {survey}: nobody invited. Its earlier invitations' addresses were deleted when \
         it closed, so Minyi cannot tell whether an address on this list was invited then; a \
         resident who answered could get a new link and answer twice. Remove every address \
         invited before from the list and pass --only-new-addresses"
    )]
    AddressesForgotten { survey: String },
}

/// Whether `invite` may take a list although the survey's earlier invitations lost their
/// addresses at a close (it can then no longer skip those invited before).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EarlierAddresses {
    /// Refuse ([`InvitationError::AddressesForgotten`]).
    MustBeKnown,
    /// The publisher says the list holds only addresses never invited to the survey
    /// (`minyi invite --only-new-addresses`).
    ListHasNoneOfThem,
}

/// Days a reminder round waits for the last: a resident who meant to answer has time to, and
/// nobody gets two reminders in a row.
pub const MIN_DAYS_BETWEEN_REMINDERS: i64 = 3;

/// Reminder rounds a survey's invitations get before `remind` asks for `--force`: survey
/// practice is two or three; each round after yields fewer answers and more complaints.
pub const MAX_REMINDER_ROUNDS: i32 = 3;

/// Whether `remind` keeps `MIN_DAYS_BETWEEN_REMINDERS` after the last round and after each
/// invitation, and stops after `MAX_REMINDER_ROUNDS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spacing {
    Kept,
    /// The publisher asked for it (`minyi remind --force`): the deadline is near, say. Still no
    /// reminder on the day of the invitation itself.
    Overridden,
}

impl Spacing {
    /// Whether an invitation made on `invited_on` (stored, `YYYY-MM-DD`; `None` when unknown)
    /// may be reminded `today`.
    fn due(self, invited_on: Option<&str>, today: NaiveDate) -> bool {
        let days = match self {
            Spacing::Kept => MIN_DAYS_BETWEEN_REMINDERS as u64,
            Spacing::Overridden => 1,
        };
        // ISO dates order as text.
        let latest = date_column(today - chrono::Days::new(days));
        invited_on.is_none_or(|on| on <= latest.as_str())
    }
}

/// What `remind` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReminderReport {
    /// Reminders queued now, one per unused invitation with no message waiting.
    pub queued: usize,
    /// The round they make (`None` when nothing was queued, which is not a round).
    pub round: Option<i32>,
    /// The round before, if any.
    pub previous: Option<ReminderRound>,
    /// Unused invitations no reminder can reach: a close deleted their addresses (and their
    /// links) before the survey was opened again.
    pub unreachable: i64,
    /// Unused invitations left out as made too lately (within `MIN_DAYS_BETWEEN_REMINDERS`, or
    /// today when forced): their turn comes in a later round.
    pub invited_lately: usize,
}

/// What `invite` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignReport {
    pub created: usize,
    /// Addresses invited to this survey before (not invited again).
    pub already_invited: usize,
}

/// Creates an invitation for every address not invited to the survey yet, dated `today` (the
/// survey's own date), and queues its message, in one transaction.
pub fn invite(
    catalog: &Catalog,
    survey_id: &str,
    addresses: &[InvitedAddress],
    today: NaiveDate,
) -> Result<CampaignReport, InvitationError> {
    invite_with(
        catalog,
        survey_id,
        addresses,
        today,
        EarlierAddresses::MustBeKnown,
    )
}

/// [`invite`], saying what to do when earlier invitations' addresses are gone.
pub fn invite_with(
    catalog: &Catalog,
    survey_id: &str,
    addresses: &[InvitedAddress],
    today: NaiveDate,
    earlier: EarlierAddresses,
) -> Result<CampaignReport, InvitationError> {
    require_open(catalog, survey_id)?;
    let mut conn = catalog.database().conn()?;
    if earlier == EarlierAddresses::MustBeKnown
        && storage::has_forgotten_addresses(&mut conn, survey_id)?
    {
        return Err(InvitationError::AddressesForgotten {
            survey: survey_id.to_owned(),
        });
    }
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
    let created =
        match storage::create_invitations(&mut conn, survey_id, &date_column(today), &batch)? {
            IfOpen::Written(created) => created,
            IfOpen::NotOpen(state) => return Err(not_open(survey_id, state)),
        };
    Ok(CampaignReport {
        created,
        already_invited: addresses.len() - created,
    })
}

/// Queues a reminder to every unused invitation that has no message waiting, whose resident did
/// not ask for no more, and was made at least `MIN_DAYS_BETWEEN_REMINDERS` before, as one
/// round, dated `today` (the survey's own date). Refused within `MIN_DAYS_BETWEEN_REMINDERS` of the last round, and after
/// `MAX_REMINDER_ROUNDS` while some could be reached, unless the spacing is overridden (which
/// still leaves out invitations made `today`).
pub fn remind(
    catalog: &Catalog,
    survey_id: &str,
    today: NaiveDate,
    spacing: Spacing,
) -> Result<ReminderReport, InvitationError> {
    require_open(catalog, survey_id)?;
    let mut conn = catalog.database().conn()?;
    // Read in the round's own transaction: a round queued a moment ago by another process
    // holds this one back as well.
    let too_recent = |last: &ReminderRound, days: &[Option<&str>]| {
        // What --force would reach, which the refusal names.
        let reachable = days
            .iter()
            .filter(|on| Spacing::Overridden.due(**on, today))
            .count();
        if spacing == Spacing::Kept && last.round >= MAX_REMINDER_ROUNDS && reachable > 0 {
            return Some(InvitationError::RemindedEnough {
                survey: survey_id.to_owned(),
                rounds: last.round,
                last_on: last.queued_on.clone(),
                reachable,
            });
        }
        // A date that does not parse was not written by Minyi; it does not hold a round back.
        let last_on = NaiveDate::parse_from_str(&last.queued_on, "%Y-%m-%d").ok()?;
        let again_on = last_on + chrono::Days::new(MIN_DAYS_BETWEEN_REMINDERS as u64);
        (spacing == Spacing::Kept && today < again_on).then(|| InvitationError::RemindedRecently {
            survey: survey_id.to_owned(),
            round: last.round,
            last_on,
            again_on,
        })
    };
    let reminder = |id: String, email: String, lang: String| {
        let lang = Lang::from_code(&lang).unwrap_or_default();
        mail(survey_id, MailKind::Reminder, &email, Some(&id), lang)
    };
    let outcome = storage::queue_reminder_round(
        &mut conn,
        survey_id,
        &date_column(today),
        too_recent,
        |invited_on| spacing.due(invited_on, today),
        reminder,
    )?;
    match outcome {
        IfOpen::NotOpen(state) => Err(not_open(survey_id, state)),
        IfOpen::Written(RoundOutcome::HeldBack(too_recent)) => Err(too_recent),
        IfOpen::Written(RoundOutcome::Queued {
            previous,
            round,
            invited_lately,
        }) => Ok(ReminderReport {
            queued: round
                .as_ref()
                .map_or(0, |r| usize::try_from(r.reminders).unwrap_or(0)),
            round: round.map(|r| r.round),
            previous,
            unreachable: storage::unused_without_address(&mut conn, survey_id)?,
            invited_lately,
        }),
    }
}

/// Where a survey's invitation campaign stands (the dashboard, `minyi survey status`).
#[derive(Clone, Debug)]
pub struct CampaignStatus {
    /// Invited and answered per county; `None` when nobody was invited.
    pub uptake: Option<CampaignUptake>,
    /// Messages still to send (invitations, reminders, the results' notice).
    pub mail_waiting: i64,
    /// Messages given up on after `mail::MAX_ATTEMPTS` tries, until retried.
    pub mail_failed: i64,
    /// Why they were given up on, as the mail server said: each reason with its count, most
    /// frequent first.
    pub failure_reasons: Vec<(String, i64)>,
    /// Why messages still waiting failed at their last try (they will be tried again), in the
    /// same form; their count is part of `mail_waiting`.
    pub retry_reasons: Vec<(String, i64)>,
    pub reminder_rounds: Vec<ReminderRound>,
    /// Unused invitations whose address a close deleted (counted among the unused of
    /// `uptake`): neither a reminder nor their links reach them any more.
    pub unreachable: i64,
    /// Unused invitations whose resident asked for no more reminders (their links still work).
    pub reminders_declined: i64,
    /// Whether a close deleted the addresses of earlier invitations, used or not: `invite` then
    /// takes only a list of new addresses (`EarlierAddresses::ListHasNoneOfThem`).
    pub addresses_forgotten: bool,
}

/// Where survey `survey_id`'s invitation campaign stands. Closing deletes the invitations and
/// reminders waiting or given up on (they hold addresses), not the invitations' counts; the
/// message telling evaluators that results are out is queued after it, and counted here too.
pub fn campaign_status(
    catalog: &Catalog,
    survey_id: &str,
) -> Result<CampaignStatus, InvitationError> {
    let survey = catalog.require(survey_id)?;
    let mut conn = catalog.database().conn()?;
    let max = crate::mail::MAX_ATTEMPTS;
    let counts = storage::invitation_counts_by_stratum(&mut conn, survey_id)?;
    let (mail_waiting, mail_failed) = storage::outbox_counts(&mut conn, survey_id, max)?;
    Ok(CampaignStatus {
        uptake: uptake(&survey.definition, &counts),
        mail_waiting,
        mail_failed,
        failure_reasons: storage::failure_reasons(&mut conn, survey_id, max)?,
        retry_reasons: storage::retry_reasons(&mut conn, survey_id, max)?,
        reminder_rounds: storage::reminder_rounds(&mut conn, survey_id)?,
        unreachable: storage::unused_without_address(&mut conn, survey_id)?,
        reminders_declined: storage::reminders_declined(&mut conn, survey_id)?,
        addresses_forgotten: storage::has_forgotten_addresses(&mut conn, survey_id)?,
    })
}

/// Queues survey `survey_id`'s messages given up on again, their tries counted from zero, to be
/// sent from now (once the mail server works again); returns how many. Audited with `actor`
/// when any were: residents are written to again.
pub fn retry_failed_mail(
    catalog: &Catalog,
    survey_id: &str,
    actor: &str,
) -> Result<usize, InvitationError> {
    catalog.require(survey_id)?;
    let now = chrono::Utc::now().timestamp();
    let queued = storage::retry_failed(
        &mut *catalog.database().conn()?,
        survey_id,
        crate::mail::MAX_ATTEMPTS,
        now,
    )?;
    if queued > 0 {
        crate::audit::record(
            catalog.database(),
            crate::audit::AuditEvent {
                actor,
                action: crate::audit::AuditAction::MailRetried,
                survey_id: Some(survey_id),
                manifest_sha256: None,
                detail: format!("messages queued again: {queued}"),
            },
        )?;
    }
    Ok(queued)
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

/// Refuses at once what a survey not open cannot take; the storage transaction checks again,
/// for a survey closed in between.
fn require_open(catalog: &Catalog, survey_id: &str) -> Result<(), InvitationError> {
    let survey = catalog.require(survey_id)?;
    if survey.record.state != SurveyState::Open {
        return Err(not_open(survey_id, survey.record.state));
    }
    Ok(())
}

fn not_open(survey_id: &str, state: SurveyState) -> InvitationError {
    InvitationError::NotOpen {
        survey: survey_id.to_owned(),
        state,
    }
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

/// How a survey date is stored: `YYYY-MM-DD`, which orders as text.
fn date_column(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

fn random_id() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}
