//! The kinds of message Minyi sends.

/// What a queued message is; each has its templates in `templates/email/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailKind {
    /// The first message of an invitation: a single-use link to the survey.
    Invitation,
    /// A reminder to an invitation still unused, with a new link to the same invitation.
    Reminder,
    /// Tells an evaluator that a survey's results are published.
    ResultsPublished,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Invitation => "invitation",
            MailKind::Reminder => "reminder",
            MailKind::ResultsPublished => "results_published",
        }
    }

    pub fn parse(text: &str) -> Option<MailKind> {
        [
            MailKind::Invitation,
            MailKind::Reminder,
            MailKind::ResultsPublished,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }

    /// Whether the message carries a link to an invitation.
    pub fn is_invitation(self) -> bool {
        matches!(self, MailKind::Invitation | MailKind::Reminder)
    }
}
