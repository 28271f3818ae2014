//! The audit log: who signed in, who was given which survey, who opened, closed or published
//! which survey, who downloaded which result set (with its manifest hash) and who was refused
//! one, and when. Appended to and read; never edited or deleted (there is
//! no code for it, and the database refuses it). Admins read it on `/admin/audit`.

use crate::lifecycle::Transition;
use crate::storage::{self, AuditEntry, AuditFilter, Database, NewAuditEntry, StorageError};

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditAction {
    SignIn,
    SignInFailed,
    SignInThrottled,
    SignOut,
    UserAdded,
    /// A new password set for an account (`minyi user password`).
    PasswordReset,
    /// An account deleted with its grants (`minyi user remove`).
    UserRemoved,
    Grant,
    /// A survey taken back from an evaluator (`minyi revoke`).
    Revoke,
    /// A result set downloaded from the web.
    Download,
    /// A signed-in account refused a survey's result set or free-text answers (not granted it).
    DownloadRefused,
    /// A result set written by `minyi export`.
    Export,
    /// A closed survey's free-text answers downloaded or written by `minyi comments`.
    CommentsRead,
    /// A survey file imported as a new survey or a new version.
    SurveyImported,
    SurveyOpened,
    SurveyClosed,
    /// Results published (with the result set's manifest hash, when it has one).
    SurveyPublished,
    /// What a closed survey's fieldwork left (client-hash secret, invited addresses, arrival
    /// order) cleared after its close could not finish it.
    TracesCleared,
    /// A survey's simulated responses deleted (`minyi simulate ID --remove`).
    SimulatedRemoved,
    /// A survey's messages given up on queued again (`minyi mail retry`, the dashboard).
    MailRetried,
    /// An interviewer link issued (`minyi interviewer issue`): answers may come through it.
    InterviewerLinkIssued,
    /// An interviewer link withdrawn: answers no longer come through it.
    InterviewerLinkWithdrawn,
}

impl AuditAction {
    /// Every action, in the order the audit page offers them to filter by.
    pub const ALL: [AuditAction; 22] = [
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::SignInThrottled,
        AuditAction::SignOut,
        AuditAction::UserAdded,
        AuditAction::PasswordReset,
        AuditAction::UserRemoved,
        AuditAction::Grant,
        AuditAction::Revoke,
        AuditAction::Download,
        AuditAction::DownloadRefused,
        AuditAction::Export,
        AuditAction::CommentsRead,
        AuditAction::SurveyImported,
        AuditAction::SurveyOpened,
        AuditAction::SurveyClosed,
        AuditAction::SurveyPublished,
        AuditAction::TracesCleared,
        AuditAction::SimulatedRemoved,
        AuditAction::MailRetried,
        AuditAction::InterviewerLinkIssued,
        AuditAction::InterviewerLinkWithdrawn,
    ];

    /// The action stored under `name`, if there is one.
    pub fn parse(name: &str) -> Option<AuditAction> {
        AuditAction::ALL
            .into_iter()
            .find(|action| action.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::SignInThrottled => "sign_in_throttled",
            AuditAction::SignOut => "sign_out",
            AuditAction::UserAdded => "user_added",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::UserRemoved => "user_removed",
            AuditAction::Grant => "grant",
            AuditAction::Revoke => "revoke",
            AuditAction::Download => "download",
            AuditAction::DownloadRefused => "download_refused",
            AuditAction::Export => "export",
            AuditAction::CommentsRead => "comments_read",
            AuditAction::SurveyImported => "survey_imported",
            AuditAction::SurveyOpened => "survey_opened",
            AuditAction::SurveyClosed => "survey_closed",
            AuditAction::SurveyPublished => "survey_published",
            AuditAction::TracesCleared => "traces_cleared",
            AuditAction::SimulatedRemoved => "simulated_removed",
            AuditAction::MailRetried => "mail_retried",
            AuditAction::InterviewerLinkIssued => "interviewer_link_issued",
            AuditAction::InterviewerLinkWithdrawn => "interviewer_link_withdrawn",
        }
    }

    /// The entry recording a survey's move.
    pub fn of(transition: Transition) -> AuditAction {
        match transition {
            Transition::Open => AuditAction::SurveyOpened,
            Transition::Close => AuditAction::SurveyClosed,
            Transition::Publish => AuditAction::SurveyPublished,
        }
    }
}

/// Who acted when it was not a signed-in person: the operator at the command line.
pub const COMMAND_LINE: &str = "command line";

/// Who acted for the work `minyi serve` does at start and once a day.
pub const DAILY_RUN: &str = "daily run";

/// One event to append.
pub struct AuditEvent<'a> {
    pub actor: &'a str,
    pub action: AuditAction,
    pub survey_id: Option<&'a str>,
    pub manifest_sha256: Option<&'a str>,
    pub detail: String,
}

pub fn record(db: &Database, event: AuditEvent<'_>) -> Result<(), StorageError> {
    storage::append_audit(&mut *db.conn()?, &entry(&event))
}

/// Whether an entry like `event` (its actor, action, survey and detail) was recorded, by any
/// process, in the `within` seconds before `now` (unix seconds).
pub fn recorded_within(
    db: &Database,
    event: &AuditEvent<'_>,
    now: i64,
    within: i64,
) -> Result<bool, StorageError> {
    let Some(since) = chrono::DateTime::from_timestamp(now.saturating_sub(within), 0) else {
        return Ok(false);
    };
    let since = since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    storage::has_audit_entry_since(&mut *db.conn()?, &entry(event), &since)
}

/// Records `event` unless one like it was recorded in the `within` seconds before `now`: a
/// refusal repeated in a loop is one entry, not a flood.
pub fn record_unless_within(
    db: &Database,
    event: AuditEvent<'_>,
    now: i64,
    within: i64,
) -> Result<(), StorageError> {
    if recorded_within(db, &event, now, within)? {
        return Ok(());
    }
    record(db, event)
}

fn entry(event: &AuditEvent<'_>) -> NewAuditEntry {
    NewAuditEntry {
        at: crate::catalog::now_rfc3339(),
        actor: event.actor.to_owned(),
        action: event.action.name().to_owned(),
        survey_id: event.survey_id.map(str::to_owned),
        manifest_sha256: event.manifest_sha256.map(str::to_owned),
        detail: event.detail.clone(),
    }
}

/// The newest entries `filter` lets through, newest first.
pub fn search(
    db: &Database,
    filter: &AuditFilter,
    limit: i64,
) -> Result<Vec<AuditEntry>, StorageError> {
    storage::filtered_audit(&mut *db.conn()?, filter, limit)
}

/// The newest entries, newest first.
pub fn recent(db: &Database, limit: i64) -> Result<Vec<AuditEntry>, StorageError> {
    storage::recent_audit(&mut *db.conn()?, limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_with_a_label_can_be_filtered_by_and_parsed_back() {
        let catalog: toml::Table = include_str!("../templates/i18n/zh-CN.toml")
            .parse()
            .expect("the catalog");
        let labelled: Vec<&str> = catalog["audit"]
            .as_table()
            .expect("[audit]")
            .keys()
            .filter_map(|key| key.strip_prefix("action_"))
            .collect();
        let mut listed: Vec<&str> = AuditAction::ALL.iter().map(|a| a.name()).collect();
        listed.sort_unstable();
        listed.dedup();

        assert_eq!(listed.len(), AuditAction::ALL.len(), "each action once");
        let mut labelled_sorted = labelled.clone();
        labelled_sorted.sort_unstable();
        assert_eq!(
            listed, labelled_sorted,
            "every action the page can label is offered"
        );
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.name()), Some(action));
        }
        assert_eq!(AuditAction::parse("drop table"), None);
    }
}
