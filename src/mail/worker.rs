//! The outbox worker: claims one queued message at a time, renders it, sends it, and deletes
//! it, at most `MINYI_MAIL_RATE` a minute. Several processes may drain one outbox: a claim is a
//! lease (`storage::claim_next`), so each message has one sender at a time, and the message of a
//! sender that died is sent by another once the lease runs out.
//!
//! A message is deleted only after the server has accepted it, so a process killed mid-send
//! loses nothing; the message is sent again after the lease. The one way a message can arrive
//! twice is a kill in the instant between the server's acceptance and the deletion; both
//! copies then carry the same Message-ID, so the receiving side can drop the second.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;

use super::{EmailTemplates, MailKind, Mailer, MessageFacts};
use crate::catalog::Catalog;
use crate::invitations::{lang_column, new_token};
use crate::storage::{self, ClaimedMail, LinkOutcome};
use crate::survey::Lang;

/// Tries before a message is given up on (it stays in the outbox, counted as failed, until
/// `minyi mail retry` queues it again). With [`retry_delay`]'s spacing the last try comes about
/// 16 hours after the first: a mail server down overnight loses no invitation.
pub const MAX_ATTEMPTS: i32 = 12;

/// How long after a failed try the next one comes: a minute, doubling with every try, at most
/// four hours (1, 2, 4, … 128 minutes, then 4 hours).
pub fn retry_delay(attempts: i32) -> std::time::Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 16) as u32;
    let minutes = (1u64 << doublings).min(4 * 60);
    std::time::Duration::from_secs(60 * minutes)
}

/// How long after its first failed try a message is given up on.
pub fn retry_span() -> std::time::Duration {
    (1..MAX_ATTEMPTS).map(retry_delay).sum()
}

pub struct OutboxWorker {
    pub catalog: Arc<Catalog>,
    pub mailer: Arc<Mailer>,
    pub templates: Arc<EmailTemplates>,
    pub from: Mailbox,
    /// Where links point: `https://survey.example.org` (no trailing slash).
    pub public_url: String,
    /// Time between two messages; `None` sends nothing.
    pub interval: Option<Duration>,
    pub lease: Duration,
    pub poll: Duration,
}

/// What one turn of the worker did.
enum Turn {
    Sent,
    /// Claimed but not sent: failed, or no longer needed.
    NotSent,
    Empty,
}

/// A claimed message, ready to go.
struct Prepared {
    claimed: ClaimedMail,
    claim: String,
    message: Option<lettre::Message>,
}

impl Prepared {
    /// A claimed message that goes nowhere: settled already (discarded, failed), or left to the
    /// process that holds it now.
    fn not_sent(claimed: ClaimedMail, claim: String) -> Option<Prepared> {
        Some(Prepared {
            claimed,
            claim,
            message: None,
        })
    }
}

/// Runs one turn as a task of its own, so that a bug met while sending one message (a panic,
/// logged by the panic hook) fails that turn and not the loop: without this, mail would stop
/// for the life of the process while everything else went on. The message stays in the
/// outbox, claimed: it is tried again when its lease runs out, up to `MAX_ATTEMPTS` claims.
async fn supervised<T: 'static>(
    turn: impl std::future::Future<Output = anyhow::Result<T>> + 'static,
) -> anyhow::Result<T> {
    actix_web::rt::spawn(turn)
        .await
        .unwrap_or_else(|_| Err(anyhow::anyhow!("panicked (the message is above)")))
}

impl OutboxWorker {
    /// Runs on actix's runtime until the process ends.
    pub fn spawn(self) {
        let Some(interval) = self.interval else {
            tracing::info!("MINYI_MAIL_RATE is 0: this process sends no mail");
            return;
        };
        tracing::info!(mailer = %self.mailer.describe(), "sending queued mail");
        let worker = Arc::new(self);
        actix_web::rt::spawn(async move {
            loop {
                let pause = match supervised(worker.clone().turn()).await {
                    Ok(Turn::Sent | Turn::NotSent) => interval,
                    Ok(Turn::Empty) => worker.poll,
                    Err(e) => {
                        tracing::warn!(error = %e, "mail outbox: a turn failed; trying again");
                        worker.poll
                    }
                };
                actix_web::rt::time::sleep(pause).await;
            }
        });
    }

    async fn turn(self: Arc<Self>) -> anyhow::Result<Turn> {
        let worker = self.clone();
        let prepared = actix_web::web::block(move || worker.claim_and_prepare()).await??;
        let Some(prepared) = prepared else {
            return Ok(Turn::Empty);
        };
        let Some(message) = prepared.message.clone() else {
            return Ok(Turn::NotSent);
        };
        let result = self.mailer.send(message).await;
        let worker = self.clone();
        actix_web::web::block(move || worker.settle(&prepared, result)).await?
    }

    /// Claims the next message and builds it; a message no longer wanted is discarded here.
    fn claim_and_prepare(&self) -> anyhow::Result<Option<Prepared>> {
        let mut conn = self.catalog.database().conn()?;
        let now = chrono::Utc::now().timestamp();
        let lease = i64::try_from(self.lease.as_secs().max(1)).unwrap_or(i64::MAX / 2);
        let claim = hex::encode(rand::random::<[u8; 16]>());
        let Some(claimed) = storage::claim_next(&mut conn, now, now + lease, &claim, MAX_ATTEMPTS)?
        else {
            return Ok(None);
        };
        let kind = MailKind::parse(&claimed.kind);
        let lang = Lang::from_code(&claimed.lang).unwrap_or_default();
        // The link, and for a resident where to ask for no more reminders.
        let (link, stop_reminders) = match (kind, claimed.invitation_id.as_deref()) {
            (Some(kind), Some(invitation)) if kind.is_invitation() => {
                if !storage::is_unused(&mut conn, invitation)? {
                    // Used since it was queued: a reminder would only confuse.
                    storage::discard(&mut conn, &claimed.id, &claim)?;
                    return Ok(Prepared::not_sent(claimed, claim));
                }
                let (token, hash) = new_token();
                let mail = storage::LinkedMail {
                    survey_id: &claimed.survey_id,
                    invitation_id: invitation,
                    mail_id: &claimed.id,
                    claim: &claim,
                };
                let outcome = storage::add_invitation_link(&mut conn, &mail, &hash)?;
                if outcome != LinkOutcome::Recorded {
                    // The survey closed since the message was claimed (its address is
                    // forgotten, and nothing goes out), or another process holds the message
                    // now (it sends it).
                    if outcome == LinkOutcome::NotOpen {
                        storage::discard(&mut conn, &claimed.id, &claim)?;
                    }
                    return Ok(Prepared::not_sent(claimed, claim));
                }
                let query = if lang_column(lang) == "en" {
                    "?lang=en"
                } else {
                    ""
                };
                (
                    format!("{}/i/{token}{query}", self.public_url),
                    Some(format!("{}/i/{token}/stop{query}", self.public_url)),
                )
            }
            (Some(MailKind::ResultsPublished), _) => (
                format!("{}/results/{}", self.public_url, claimed.survey_id),
                None,
            ),
            _ => {
                let problem = format!("unknown message kind {:?}", claimed.kind);
                storage::fail(
                    &mut conn,
                    &claimed.id,
                    &claim,
                    now,
                    Some(MAX_ATTEMPTS),
                    &problem,
                )?;
                return Ok(Prepared::not_sent(claimed, claim));
            }
        };
        drop(conn);
        let kind = kind.unwrap_or(MailKind::Invitation);
        let (title, answer_by, contact) = match self.catalog.current(&claimed.survey_id)? {
            Some(survey) => {
                let definition = &survey.definition;
                let to_resident = kind != MailKind::ResultsPublished;
                (
                    definition.title.get(lang).to_owned(),
                    to_resident.then_some(definition.fieldwork_end),
                    definition
                        .contact
                        .as_ref()
                        .filter(|_| to_resident)
                        .map(|contact| contact.get(lang).to_owned()),
                )
            }
            None => (claimed.survey_id.clone(), None, None),
        };
        let account = format!("{}/account", self.public_url);
        let facts = MessageFacts {
            survey_title: &title,
            answer_by,
            contact: contact.as_deref(),
            link: &link,
            stop_reminders: stop_reminders.as_deref(),
            account: (kind == MailKind::ResultsPublished).then_some(account.as_str()),
        };
        let email = self.templates.render(kind, lang, &facts)?;
        let message = super::build_message(
            &self.from,
            &claimed.recipient,
            &claimed.id,
            email,
            stop_reminders.as_deref(),
        );
        match message {
            Ok(message) => Ok(Some(Prepared {
                claimed,
                claim,
                message: Some(message),
            })),
            Err(problem) => {
                let mut conn = self.catalog.database().conn()?;
                storage::fail(
                    &mut conn,
                    &claimed.id,
                    &claim,
                    now,
                    Some(MAX_ATTEMPTS),
                    &problem,
                )?;
                tracing::warn!(
                    message = claimed.id,
                    survey = claimed.survey_id,
                    problem,
                    "mail not sent"
                );
                Ok(Prepared::not_sent(claimed, claim))
            }
        }
    }

    /// Deletes a sent message, or releases a failed one for a later try.
    fn settle(
        &self,
        prepared: &Prepared,
        result: Result<(), super::SendError>,
    ) -> anyhow::Result<Turn> {
        let mut conn = self.catalog.database().conn()?;
        let ClaimedMail {
            id,
            survey_id,
            attempts,
            ..
        } = &prepared.claimed;
        match result {
            Ok(()) => {
                if !storage::complete(&mut conn, id, &prepared.claim)? {
                    tracing::warn!(message = id, "mail sent, but its outbox row was no longer held: its lease ran out (another process may send it again; raise MINYI_MAIL_LEASE if this recurs), or it was withdrawn while being sent (a close, or a request for no more reminders)");
                }
                tracing::debug!(message = id, survey = survey_id, "mail sent");
                Ok(Turn::Sent)
            }
            Err(e) => {
                // The address stays out of the log: the error may quote it, so only the kind
                // of failure is logged; the full text is kept with the message.
                let give_up = (e.permanent || *attempts >= MAX_ATTEMPTS).then_some(MAX_ATTEMPTS);
                let delay = retry_delay(*attempts);
                let retry_at = chrono::Utc::now().timestamp() + delay.as_secs() as i64;
                storage::fail(&mut conn, id, &prepared.claim, retry_at, give_up, &e.detail)?;
                if give_up.is_some() {
                    tracing::warn!(
                        message = id,
                        survey = survey_id,
                        attempt = attempts,
                        permanent = e.permanent,
                        "mail not sent: {}; giving up (`minyi survey status {survey_id}` says \
                         why in full, `minyi mail retry {survey_id}` sends again)",
                        e.kind
                    );
                } else {
                    tracing::warn!(
                        message = id,
                        survey = survey_id,
                        attempt = attempts,
                        retry_in_minutes = delay.as_secs() / 60,
                        "mail not sent: {}; will retry",
                        e.kind
                    );
                }
                Ok(Turn::NotSent)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_mail_is_tried_again_for_most_of_a_day_before_it_is_given_up() {
        assert_eq!(
            retry_delay(1).as_secs(),
            60,
            "a minute after the first failure"
        );
        assert_eq!(retry_delay(2).as_secs(), 120);
        assert_eq!(retry_delay(8).as_secs(), 128 * 60);
        assert_eq!(
            retry_delay(9).as_secs(),
            4 * 3600,
            "at most four hours apart"
        );
        let until_last = retry_span().as_secs();
        assert!(
            (12 * 3600..24 * 3600).contains(&until_last),
            "the last try {} hours after the first",
            until_last / 3600
        );
    }

    #[actix_web::test]
    async fn a_turn_that_panics_fails_alone_and_the_next_turn_runs() {
        let recipients: Vec<&str> = Vec::new();
        let panicked = supervised(async move {
            let _first = recipients[0]; // a bug met while sending one message
            Ok(Turn::Sent)
        })
        .await;
        let next = supervised(async { Ok(Turn::Empty) }).await;

        let error = panicked.err().expect("the panic is an error of that turn");
        assert!(error.to_string().contains("panicked"), "{error}");
        assert!(matches!(next, Ok(Turn::Empty)), "the loop goes on");
    }
}
