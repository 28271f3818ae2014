//! Invitations: who to mail (until the survey closes), the county the sampling frame gave each,
//! the hashes of the links sent, and whether each is still unused. Nothing joins an invitation
//! to a response (docs/privacy.md, "Invitations").

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::outbox::NewMail;
use super::schema::{
    invitation_links, invitations, outbox, reminder_rounds, surveys, unused_invitations,
};
use super::{lower, DbConnection, StorageError};
use crate::invitations::InvitationCount;
use crate::lifecycle::SurveyState;

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = invitations)]
pub struct NewInvitation {
    pub id: String,
    pub survey_id: String,
    pub email: Option<String>,
    pub stratum: Option<String>,
    pub lang: String,
}

/// What a link leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvitationRecord {
    pub id: String,
    pub survey_id: String,
    /// The county preassigned by the sampling frame, if any.
    pub stratum: Option<String>,
    pub lang: String,
    pub used: bool,
}

/// What a write that needs its survey open did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IfOpen<T> {
    Written(T),
    /// The survey was in this state when the transaction looked (closed a moment ago, say):
    /// nothing was written.
    NotOpen(SurveyState),
}

/// How `held_state` holds the survey's row on PostgreSQL.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hold {
    /// Against a change of state only (`FOR SHARE`): holders do not wait for each other.
    Shared,
    /// Against other exclusive holders too (`FOR NO KEY UPDATE`): a reminder round, whose
    /// number and recipients a second round at once would take as well.
    Exclusive,
}

/// In a transaction: the survey's state, held until the transaction ends. PostgreSQL locks
/// the survey's row against a change of state (`hold`): a close waits for the transaction to
/// commit, then forgets the addresses it wrote like any others. SQLite takes the write lock
/// first, which a close (and any other writer) waits for as well.
fn held_state(
    conn: &mut DbConnection,
    survey_id: &str,
    hold: Hold,
) -> Result<SurveyState, diesel::result::Error> {
    let state = surveys::table
        .filter(surveys::id.eq(survey_id))
        .select(surveys::state);
    let state: Option<String> = match conn {
        DbConnection::Sqlite(c) => {
            super::sqlite_write_lock(c)?;
            state.first(c).optional()?
        }
        DbConnection::Postgres(c) => match hold {
            Hold::Shared => state.for_share().first(c).optional()?,
            Hold::Exclusive => state.for_no_key_update().first(c).optional()?,
        },
    };
    // A survey that is gone is not open; Draft stands for that.
    Ok(state
        .as_deref()
        .and_then(SurveyState::parse)
        .unwrap_or(SurveyState::Draft))
}

/// Creates invitations, each unused (made on the survey's date `invited_on`, `YYYY-MM-DD`),
/// each with its first message queued, in one transaction,
/// if the survey is still open when it runs: the check is in the transaction, so a survey
/// closed a moment ago (from any process) keeps no address. Leave out the addresses
/// `invited_addresses` finds: an address is invited once per survey (a unique index refuses a
/// second).
pub fn create_invitations(
    conn: &mut DbConnection,
    survey_id: &str,
    invited_on: &str,
    batch: &[(NewInvitation, NewMail)],
) -> Result<IfOpen<usize>, StorageError> {
    conn.transaction(|conn| {
        let state = held_state(conn, survey_id, Hold::Shared)?;
        if state != SurveyState::Open {
            return Ok(IfOpen::NotOpen(state));
        }
        let mut created = 0;
        for (invitation, mail) in batch {
            diesel::insert_into(invitations::table)
                .values(invitation)
                .execute(conn)?;
            // The day lives with "unused" and goes with it when the invitation is used.
            diesel::insert_into(unused_invitations::table)
                .values((
                    unused_invitations::invitation_id.eq(&invitation.id),
                    unused_invitations::invited_on.eq(invited_on),
                ))
                .execute(conn)?;
            diesel::insert_into(outbox::table)
                .values(mail)
                .execute(conn)?;
            created += 1;
        }
        Ok(IfOpen::Written(created))
    })
}

/// The addresses of a survey already invited, among `emails`.
pub fn invited_addresses(
    conn: &mut DbConnection,
    survey_id: &str,
    emails: &[String],
) -> Result<Vec<String>, StorageError> {
    // Compared without case: Wang.Fang@Example.org is the resident invited as
    // wang.fang@example.org, and must not get a second link.
    let emails: Vec<String> = emails.iter().map(|e| e.to_lowercase()).collect();
    let mut found = Vec::new();
    for chunk in emails.chunks(500) {
        let rows: Vec<Option<String>> = invitations::table
            .select(invitations::email)
            .filter(invitations::survey_id.eq(survey_id))
            .filter(lower(invitations::email).eq_any(chunk))
            .load(conn)?;
        found.extend(rows.into_iter().flatten());
    }
    Ok(found)
}

/// Whether some of the survey's invitations lost their address (at a close, before the survey
/// was opened again): who they were can no longer be told.
pub fn has_forgotten_addresses(
    conn: &mut DbConnection,
    survey_id: &str,
) -> Result<bool, StorageError> {
    let forgotten = invitations::table
        .filter(invitations::survey_id.eq(survey_id))
        .filter(invitations::email.is_null());
    Ok(diesel::select(diesel::dsl::exists(forgotten)).get_result(conn)?)
}

/// Unused invitations of a survey whose address is gone (a close deleted it, before the survey
/// was opened again): no reminder can reach them, and their links no longer work.
pub fn unused_without_address(
    conn: &mut DbConnection,
    survey_id: &str,
) -> Result<i64, StorageError> {
    Ok(invitations::table
        .inner_join(
            unused_invitations::table.on(unused_invitations::invitation_id.eq(invitations::id)),
        )
        .filter(invitations::survey_id.eq(survey_id))
        .filter(invitations::email.is_null())
        .count()
        .get_result(conn)?)
}

/// An unused invitation that still has an address, no message waiting, and whose resident did
/// not ask for no more reminders: whom a reminder may go to.
struct Remindable {
    id: String,
    email: String,
    lang: String,
    /// The survey's date when it was created (`None` for those made before it was recorded).
    invited_on: Option<String>,
}

fn unused_without_pending_mail(
    conn: &mut DbConnection,
    survey_id: &str,
) -> Result<Vec<Remindable>, diesel::result::Error> {
    let pending = outbox::table
        .select(outbox::invitation_id.assume_not_null())
        .filter(outbox::survey_id.eq(survey_id))
        .filter(outbox::invitation_id.is_not_null());
    let rows: Vec<(String, Option<String>, String, Option<String>)> = invitations::table
        .inner_join(
            unused_invitations::table.on(unused_invitations::invitation_id.eq(invitations::id)),
        )
        .select((
            invitations::id,
            invitations::email,
            invitations::lang,
            unused_invitations::invited_on,
        ))
        .filter(invitations::survey_id.eq(survey_id))
        .filter(invitations::email.is_not_null())
        .filter(invitations::reminders_declined.eq(false))
        .filter(invitations::id.ne_all(pending))
        .order(invitations::id.asc())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, email, lang, invited_on)| {
            email.map(|email| Remindable {
                id,
                email,
                lang,
                invited_on,
            })
        })
        .collect())
}

/// A run of `minyi remind` that queued reminders: its number for the survey (1, 2, …), the
/// survey's own date when it ran, and how many reminders it queued.
#[derive(Clone, Debug, PartialEq, Eq, Queryable)]
pub struct ReminderRound {
    pub round: i32,
    pub queued_on: String,
    pub reminders: i32,
}

/// A survey's reminder rounds, the first first.
pub fn reminder_rounds(
    conn: &mut DbConnection,
    survey_id: &str,
) -> Result<Vec<ReminderRound>, StorageError> {
    Ok(reminder_rounds::table
        .select((
            reminder_rounds::round,
            reminder_rounds::queued_on,
            reminder_rounds::reminders,
        ))
        .filter(reminder_rounds::survey_id.eq(survey_id))
        .order(reminder_rounds::round.asc())
        .load(conn)?)
}

/// What `queue_reminder_round` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoundOutcome<R> {
    /// `hold_back` gave this reason against the survey's last round: nothing was queued.
    HeldBack(R),
    /// The round (`None` when no one was left to remind, which is not a round), after the
    /// survey's last, and how many were left out as not `due`.
    Queued {
        previous: Option<ReminderRound>,
        round: Option<ReminderRound>,
        invited_lately: usize,
    },
}

/// Queues a round of reminders, `reminder(invitation id, address, language)` each, to every
/// unused invitation that still has an address, no message waiting, no request for no more
/// reminders, and whose day (`None` if unknown) is `due`, and records the round, unless
/// `hold_back` gives a reason against the survey's last round, seeing the days of every
/// invitation a round could reach (too recent, say). All in one transaction, if the survey is
/// still open when it runs (as `create_invitations`), so that neither a close, nor another
/// round, nor a request for no more reminders (`decline_reminders`) can come between the last
/// round read, the addresses read and their messages queued. Nothing is recorded for an empty
/// round. The round's number follows the survey's last.
pub fn queue_reminder_round<R>(
    conn: &mut DbConnection,
    survey_id: &str,
    queued_on: &str,
    hold_back: impl FnOnce(&ReminderRound, &[Option<&str>]) -> Option<R>,
    due: impl Fn(Option<&str>) -> bool,
    reminder: impl Fn(String, String, String) -> NewMail,
) -> Result<IfOpen<RoundOutcome<R>>, StorageError> {
    conn.transaction(|conn| {
        let state = held_state(conn, survey_id, Hold::Exclusive)?;
        if state != SurveyState::Open {
            return Ok(IfOpen::NotOpen(state));
        }
        let previous = reminder_rounds(conn, survey_id)?.pop();
        let remindable = unused_without_pending_mail(conn, survey_id)?;
        let days: Vec<Option<&str>> = remindable.iter().map(|r| r.invited_on.as_deref()).collect();
        if let Some(reason) = previous.as_ref().and_then(|p| hold_back(p, &days)) {
            return Ok(IfOpen::Written(RoundOutcome::HeldBack(reason)));
        }
        let (due, lately): (Vec<Remindable>, Vec<Remindable>) = remindable
            .into_iter()
            .partition(|r| due(r.invited_on.as_deref()));
        let invited_lately = lately.len();
        let mails: Vec<NewMail> = due
            .into_iter()
            .map(|r| reminder(r.id, r.email, r.lang))
            .collect();
        if mails.is_empty() {
            return Ok(IfOpen::Written(RoundOutcome::Queued {
                previous,
                round: None,
                invited_lately,
            }));
        }
        super::outbox::enqueue(conn, &mails)?;
        let round = ReminderRound {
            round: previous.as_ref().map_or(0, |p| p.round) + 1,
            queued_on: queued_on.to_owned(),
            reminders: i32::try_from(mails.len()).unwrap_or(i32::MAX),
        };
        diesel::insert_into(reminder_rounds::table)
            .values((
                reminder_rounds::survey_id.eq(survey_id),
                reminder_rounds::round.eq(round.round),
                reminder_rounds::queued_on.eq(&round.queued_on),
                reminder_rounds::reminders.eq(round.reminders),
            ))
            .execute(conn)?;
        Ok(IfOpen::Written(RoundOutcome::Queued {
            previous,
            round: Some(round),
            invited_lately,
        }))
    })
}

/// The message about to carry a new link: its row in the outbox, held under `claim`, for an
/// invitation of survey `survey_id`.
pub struct LinkedMail<'a> {
    pub survey_id: &'a str,
    pub invitation_id: &'a str,
    pub mail_id: &'a str,
    pub claim: &'a str,
}

/// What `add_invitation_link` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkOutcome {
    /// The hash is recorded: send the message.
    Recorded,
    /// The survey is not open (it closed since the claim): send nothing, discard the message.
    NotOpen,
    /// The outbox row is no longer held under this claim (the lease ran out and another
    /// process claimed it, or a close deleted it): send nothing, and leave the row alone.
    ClaimLost,
}

/// Records the hash of a link about to be sent, if the message is still wanted: its survey
/// open and its outbox row still held under the claim (a close deletes the unsent messages and
/// the link hashes). One transaction holding the survey's state (as `create_invitations`), so
/// that a close comes either before (nothing recorded) or after (the hash recorded here is
/// deleted with the others).
pub fn add_invitation_link(
    conn: &mut DbConnection,
    mail: &LinkedMail<'_>,
    token_hash: &str,
) -> Result<LinkOutcome, StorageError> {
    conn.transaction(|conn| {
        if held_state(conn, mail.survey_id, Hold::Shared)? != SurveyState::Open {
            return Ok(LinkOutcome::NotOpen);
        }
        let held: i64 = outbox::table
            .filter(outbox::id.eq(mail.mail_id))
            .filter(outbox::claim.eq(mail.claim))
            .count()
            .get_result(conn)?;
        if held == 0 {
            return Ok(LinkOutcome::ClaimLost);
        }
        diesel::insert_into(invitation_links::table)
            .values((
                invitation_links::token_hash.eq(token_hash),
                invitation_links::invitation_id.eq(mail.invitation_id),
            ))
            .execute(conn)?;
        Ok(LinkOutcome::Recorded)
    })
}

/// The invitation a link's token hash belongs to.
pub fn find_invitation_by_link(
    conn: &mut DbConnection,
    token_hash: &str,
) -> Result<Option<InvitationRecord>, StorageError> {
    let found: Option<(String, String, Option<String>, String)> = invitation_links::table
        .inner_join(invitations::table.on(invitations::id.eq(invitation_links::invitation_id)))
        .select((
            invitations::id,
            invitations::survey_id,
            invitations::stratum,
            invitations::lang,
        ))
        .filter(invitation_links::token_hash.eq(token_hash))
        .first(conn)
        .optional()?;
    let Some((id, survey_id, stratum, lang)) = found else {
        return Ok(None);
    };
    let used = !is_unused(conn, &id)?;
    Ok(Some(InvitationRecord {
        id,
        survey_id,
        stratum,
        lang,
        used,
    }))
}

/// Records that the resident an invitation link `token_hash` was sent to wants no more
/// reminders, and deletes any reminder of theirs still waiting; the invitation, `None` if the
/// link is unknown (never sent, or deleted at a close). A used invitation is left as it is (no
/// reminder goes to it anyway). The invitation link keeps working.
///
/// The survey's row is held as `create_invitations` holds it, against a reminder round (which
/// holds it exclusively): a round queued before this commits is seen and its reminder deleted
/// here; one queued after reads the request. A reminder a mail worker has already given its
/// link is on its way to the mail server and is sent (its outbox row is gone, and the worker
/// says so); one not yet given its link is not, the row it needs being gone.
pub fn decline_reminders(
    conn: &mut DbConnection,
    token_hash: &str,
) -> Result<Option<InvitationRecord>, StorageError> {
    conn.transaction(|conn| {
        // SQLite: the write lock before the first read (`sqlite_write_lock`), or the write
        // below fails at once as busy whenever another connection wrote in between.
        if let DbConnection::Sqlite(c) = conn {
            super::sqlite_write_lock(c)?;
        }
        let Some(invitation) = find_invitation_by_link(conn, token_hash)? else {
            return Ok(None);
        };
        if invitation.used {
            return Ok(Some(invitation));
        }
        if let DbConnection::Postgres(_) = conn {
            held_state(conn, &invitation.survey_id, Hold::Shared)?;
        }
        diesel::update(invitations::table.filter(invitations::id.eq(&invitation.id)))
            .set(invitations::reminders_declined.eq(true))
            .execute(conn)?;
        diesel::delete(
            outbox::table
                .filter(outbox::invitation_id.eq(&invitation.id))
                .filter(outbox::kind.eq(super::outbox::REMINDER)),
        )
        .execute(conn)?;
        Ok(Some(invitation))
    })
}

/// Unused invitations of a survey whose resident asked for no more reminders.
pub fn reminders_declined(conn: &mut DbConnection, survey_id: &str) -> Result<i64, StorageError> {
    Ok(invitations::table
        .inner_join(
            unused_invitations::table.on(unused_invitations::invitation_id.eq(invitations::id)),
        )
        .filter(invitations::survey_id.eq(survey_id))
        .filter(invitations::reminders_declined.eq(true))
        .count()
        .get_result(conn)?)
}

/// Whether an invitation has not been used yet.
pub fn is_unused(conn: &mut DbConnection, invitation_id: &str) -> Result<bool, StorageError> {
    let n: i64 = unused_invitations::table
        .filter(unused_invitations::invitation_id.eq(invitation_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Invitations of a survey: `(all, unused)`.
pub fn invitation_counts(
    conn: &mut DbConnection,
    survey_id: &str,
) -> Result<(i64, i64), StorageError> {
    Ok(invitation_counts_by_stratum(conn, survey_id)?
        .iter()
        .fold((0, 0), |(all, unused), row| {
            (all + row.invited, unused + row.unused)
        }))
}

/// A survey's invitations counted by county, in one query (so that an invitation made
/// meanwhile cannot count in one total and not the other): what its response rates are made
/// of. Closing keeps them (only the addresses go); invitations are made only while the survey
/// is open, so once it is published they do not change.
pub fn invitation_counts_by_stratum(
    conn: &mut DbConnection,
    survey_id: &str,
) -> Result<Vec<InvitationCount>, StorageError> {
    let rows: Vec<(Option<String>, i64, i64)> = invitations::table
        .left_join(
            unused_invitations::table.on(unused_invitations::invitation_id.eq(invitations::id)),
        )
        .filter(invitations::survey_id.eq(survey_id))
        .group_by(invitations::stratum)
        .select((
            invitations::stratum,
            diesel::dsl::count_star(),
            diesel::dsl::count(unused_invitations::invitation_id.nullable()),
        ))
        .load(conn)?;
    let mut counts: Vec<InvitationCount> = rows
        .into_iter()
        .map(|(stratum, invited, unused)| InvitationCount {
            stratum,
            invited,
            unused,
        })
        .collect();
    // In Rust: the backends sort a missing county differently.
    counts.sort_by(|a, b| a.stratum.cmp(&b.stratum));
    Ok(counts)
}

/// Deletes every address a survey's invitations hold, the invitation and reminder messages not
/// yet sent, and the hashes of the links sent. Run when the survey closes and when it is
/// purged; idempotent. Then has the database drop the old row versions, as the purge does.
pub fn forget_invitation_addresses(
    conn: &mut DbConnection,
    survey_id: &str,
) -> Result<usize, StorageError> {
    let forgotten = conn.transaction(|conn| {
        let forgotten = diesel::update(
            invitations::table
                .filter(invitations::survey_id.eq(survey_id))
                .filter(invitations::email.is_not_null()),
        )
        .set(invitations::email.eq(None::<String>))
        .execute(conn)?;
        let of_survey = invitations::table
            .select(invitations::id)
            .filter(invitations::survey_id.eq(survey_id));
        diesel::update(
            unused_invitations::table.filter(unused_invitations::invitation_id.eq_any(of_survey)),
        )
        .set(unused_invitations::invited_on.eq(None::<String>))
        .execute(conn)?;
        diesel::delete(
            outbox::table
                .filter(outbox::survey_id.eq(survey_id))
                .filter(outbox::kind.ne(super::outbox::RESULTS_PUBLISHED)),
        )
        .execute(conn)?;
        diesel::delete(
            invitation_links::table.filter(invitation_links::invitation_id.eq_any(of_survey)),
        )
        .execute(conn)?;
        Ok::<_, StorageError>(forgotten)
    })?;
    match conn {
        DbConnection::Sqlite(c) => super::empty_sqlite_log(c)?,
        DbConnection::Postgres(c) => {
            c.batch_execute("VACUUM invitations, unused_invitations, invitation_links, outbox")?
        }
    }
    Ok(forgotten)
}
