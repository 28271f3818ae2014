//! A survey's life: draft → open → closed → published, and which moves between them are allowed.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyState {
    /// Imported, not yet taking answers.
    Draft,
    /// Taking answers.
    Open,
    /// Fieldwork over; may be reopened until it is published.
    Closed,
    /// Results published; final.
    Published,
}

impl SurveyState {
    /// Whether the survey's file may still change (a new version): while it is a draft or takes
    /// answers. Once fieldwork is over its answers and its evaluation belong to the version
    /// current at the close; reopening a closed survey lets its file change again, and a
    /// published survey's file is final.
    pub fn takes_new_versions(self) -> bool {
        !self.fieldwork_over()
    }

    /// Whether fieldwork is over (closed or published): what it gathered may be handed over,
    /// its traces cleared and, in time, its free text purged.
    pub fn fieldwork_over(self) -> bool {
        matches!(self, SurveyState::Closed | SurveyState::Published)
    }
}

/// What a publisher asks to do to a survey.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    Open,
    Close,
    Publish,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("cannot {action} a survey that is {from}: {reason}")]
pub struct IllegalTransition {
    pub from: SurveyState,
    pub action: Transition,
    pub reason: Refusal,
}

/// Why a move is not allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    AlreadyOpen,
    NeverOpened,
    AlreadyClosed,
    NoFieldwork,
    StillOpen,
    Final,
}

impl Refusal {
    /// A stable name, for interface text (`lifecycle.refused_{name}`).
    pub fn name(self) -> &'static str {
        match self {
            Refusal::AlreadyOpen => "already_open",
            Refusal::NeverOpened => "never_opened",
            Refusal::AlreadyClosed => "already_closed",
            Refusal::NoFieldwork => "no_fieldwork",
            Refusal::StillOpen => "still_open",
            Refusal::Final => "final",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::AlreadyOpen => "it is already open",
            Refusal::NeverOpened => "it has never been opened",
            Refusal::AlreadyClosed => "it is already closed",
            Refusal::NoFieldwork => "it has no fieldwork yet; open it, then close it",
            Refusal::StillOpen => "fieldwork is still running; close it first",
            Refusal::Final => "published results are final",
        })
    }
}

impl SurveyState {
    pub fn parse(text: &str) -> Option<SurveyState> {
        match text {
            "draft" => Some(SurveyState::Draft),
            "open" => Some(SurveyState::Open),
            "closed" => Some(SurveyState::Closed),
            "published" => Some(SurveyState::Published),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SurveyState::Draft => "draft",
            SurveyState::Open => "open",
            SurveyState::Closed => "closed",
            SurveyState::Published => "published",
        }
    }

    /// The state after `action`, or why the move is not allowed.
    pub fn apply(self, action: Transition) -> Result<SurveyState, IllegalTransition> {
        use SurveyState::*;
        let refuse = |reason| {
            Err(IllegalTransition {
                from: self,
                action,
                reason,
            })
        };
        match (self, action) {
            (Draft | Closed, Transition::Open) => Ok(Open),
            (Open, Transition::Open) => refuse(Refusal::AlreadyOpen),
            (Open, Transition::Close) => Ok(Closed),
            (Draft, Transition::Close) => refuse(Refusal::NeverOpened),
            (Closed, Transition::Close) => refuse(Refusal::AlreadyClosed),
            (Closed, Transition::Publish) => Ok(Published),
            (Draft, Transition::Publish) => refuse(Refusal::NoFieldwork),
            (Open, Transition::Publish) => refuse(Refusal::StillOpen),
            (Published, _) => refuse(Refusal::Final),
        }
    }
}

impl fmt::Display for SurveyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Transition {
    pub const ALL: [Transition; 3] = [Transition::Open, Transition::Close, Transition::Publish];

    /// `open`, `close` or `publish`: the command's and the web route's word.
    pub fn name(self) -> &'static str {
        match self {
            Transition::Open => "open",
            Transition::Close => "close",
            Transition::Publish => "publish",
        }
    }

    /// The state the move leads to.
    pub fn leads_to(self) -> SurveyState {
        match self {
            Transition::Open => SurveyState::Open,
            Transition::Close => SurveyState::Closed,
            Transition::Publish => SurveyState::Published,
        }
    }
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::SurveyState::*;
    use super::*;

    #[test]
    fn the_allowed_moves_follow_the_fieldwork_cycle() {
        let cases = [
            (Draft, Transition::Open, Ok(Open)),
            (Open, Transition::Close, Ok(Closed)),
            (Closed, Transition::Open, Ok(Open)),
            (Closed, Transition::Publish, Ok(Published)),
        ];
        for (from, action, expected) in cases {
            assert_eq!(
                from.apply(action).map_err(|_| ()),
                expected.map_err(|_: ()| ()),
                "{from} + {action}"
            );
        }
    }

    #[test]
    fn illegal_moves_are_refused_with_a_reason() {
        let cases = [
            (Draft, Transition::Publish, "open it, then close it"),
            (Open, Transition::Publish, "close it first"),
            (Open, Transition::Open, "already open"),
            (Draft, Transition::Close, "never been opened"),
            (Published, Transition::Open, "final"),
            (Published, Transition::Close, "final"),
        ];
        for (from, action, reason) in cases {
            let err = from.apply(action).expect_err("must be refused");
            assert!(err.to_string().contains(reason), "{from} + {action}: {err}");
        }
    }
}
