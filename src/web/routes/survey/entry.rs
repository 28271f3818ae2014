//! How a resident came to the form: the public link, an invitation or an interviewer's link.

use crate::storage::{InterviewerLinkRecord, InvitationRecord};
use crate::web::survey_form::draft_key;

/// How the resident came to the form.
pub(crate) enum Entry {
    /// The survey's public address, `/s/{id}`.
    OpenLink,
    /// A single-use invitation link, `/i/{token}`.
    Invitation {
        token: String,
        invitation: InvitationRecord,
    },
    /// An interviewer's link, `/iv/{token}`, used for every resident they interview.
    Interviewer {
        token: String,
        link: InterviewerLinkRecord,
    },
}

impl Entry {
    /// Where the form posts to (and where a resident is sent back to).
    pub(super) fn action(&self, survey_id: &str) -> String {
        match self {
            Entry::OpenLink => format!("/s/{survey_id}"),
            Entry::Invitation { token, .. } => format!("/i/{token}"),
            Entry::Interviewer { token, .. } => format!("/iv/{token}"),
        }
    }

    /// The county the invitation set, which the resident does not choose again.
    pub(super) fn fixed_stratum(&self) -> Option<&str> {
        match self {
            Entry::OpenLink => None,
            Entry::Invitation { invitation, .. } => invitation.stratum.as_deref(),
            Entry::Interviewer { link, .. } => link.stratum.as_deref(),
        }
    }

    pub(super) fn channel(&self) -> &'static str {
        match self {
            Entry::OpenLink => "open_link",
            Entry::Invitation { .. } => "invitation",
            Entry::Interviewer { .. } => "interviewer",
        }
    }

    pub(super) fn invitation_id(&self) -> Option<String> {
        match self {
            Entry::Invitation { invitation, .. } => Some(invitation.id.clone()),
            Entry::OpenLink | Entry::Interviewer { .. } => None,
        }
    }

    /// Where the phone keeps the answers until they are sent: nowhere on an interviewer's
    /// device, which one resident's answers must never reach the next one's form from.
    pub(super) fn draft_key(&self, survey_id: &str) -> Option<String> {
        match self {
            Entry::OpenLink => Some(draft_key(survey_id, false)),
            Entry::Invitation { .. } => Some(draft_key(survey_id, true)),
            Entry::Interviewer { .. } => None,
        }
    }
}
