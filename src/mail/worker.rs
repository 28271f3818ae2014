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
use crate::storage::{self, ClaimedMail};
use crate::survey::Lang;

/// Tries before a message is given up on (it stays in the outbox, counted as failed).
pub const MAX_ATTEMPTS: i32 = 5;

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
        let link = match (kind, claimed.invitation_id.as_deref()) {
            (Some(kind), Some(invitation)) if kind.is_invitation() => {
                if !storage::is_unused(&mut conn, invitation)? {
                    // Used since it was queued: a reminder would only confuse.
                    storage::discard(&mut conn, &claimed.id)?;
                    return Ok(Some(Prepared {
                        claimed,
                        claim,
                        message: None,
                    }));
                }
                let (token, hash) = new_token();
                storage::add_invitation_link(&mut conn, invitation, &hash)?;
                let query = if lang_column(lang) == "en" {
                    "?lang=en"
                } else {
                    ""
                };
                format!("{}/i/{token}{query}", self.public_url)
            }
            (Some(MailKind::ResultsPublished), _) => {
                format!("{}/results/{}", self.public_url, claimed.survey_id)
            }
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
                return Ok(Some(Prepared {
                    claimed,
                    claim,
                    message: None,
                }));
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
            account: (kind == MailKind::ResultsPublished).then_some(account.as_str()),
        };
        let email = self.templates.render(kind, lang, &facts)?;
        match super::build_message(&self.from, &claimed.recipient, &claimed.id, email) {
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
                Ok(Some(Prepared {
                    claimed,
                    claim,
                    message: None,
                }))
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
                    tracing::warn!(message = id, "mail sent after its lease ran out; another process may send it again (raise MINYI_MAIL_LEASE)");
                }
                tracing::debug!(message = id, survey = survey_id, "mail sent");
                Ok(Turn::Sent)
            }
            Err(e) => {
                // The address stays out of the log: the error may quote it, so only the kind
                // of failure is logged; the full text is kept with the message.
                let give_up = (e.permanent || *attempts >= MAX_ATTEMPTS).then_some(MAX_ATTEMPTS);
                let retry_at = chrono::Utc::now().timestamp() + 60 * i64::from(*attempts);
                storage::fail(&mut conn, id, &prepared.claim, retry_at, give_up, &e.detail)?;
                tracing::warn!(
                    message = id,
                    survey = survey_id,
                    attempt = attempts,
                    permanent = e.permanent,
                    "mail not sent; {}",
                    if give_up.is_some() {
                        "giving up"
                    } else {
                        "will retry"
                    }
                );
                Ok(Turn::NotSent)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
