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
    pub reason: &'static str,
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
            (Open, Transition::Open) => refuse("it is already open"),
            (Open, Transition::Close) => Ok(Closed),
            (Draft, Transition::Close) => refuse("it has never been opened"),
            (Closed, Transition::Close) => refuse("it is already closed"),
            (Closed, Transition::Publish) => Ok(Published),
            (Draft, Transition::Publish) => {
                refuse("it has no fieldwork yet; open it, then close it")
            }
            (Open, Transition::Publish) => refuse("fieldwork is still running; close it first"),
            (Published, _) => refuse("published results are final"),
        }
    }
}

impl fmt::Display for SurveyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transition::Open => "open",
            Transition::Close => "close",
            Transition::Publish => "publish",
        })
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
