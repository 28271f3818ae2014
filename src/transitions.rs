//! Opening, closing and publishing a survey on someone's behalf: the one way both the command
//! line (`minyi survey open|close|publish`) and the publisher's dashboard move a survey, with the
//! lifecycle's rules, publication's checks and mail, and an audit entry naming who did it.
//! Blocking: it calls the catalog, publishing and storage.

use crate::accounts::Accounts;
use crate::analysis::{stored_fieldwork_progress, AnalysisError};
use crate::audit::{self, AuditAction, AuditEvent};
use crate::catalog::{Catalog, CatalogError, OwedClearing};
use crate::evaluation::EvaluationError;
use crate::lifecycle::{IllegalTransition, SurveyState, Transition};
use crate::publishing::{self, PublishError, PublishedResults};
use crate::release::resultset::ExportError;
use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum TransitionError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Publish(#[from] PublishError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Counting the simulated responses failed.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    /// Publishing a closed survey that holds `stored` simulated responses, without their
    /// number (`given` another): nothing was done.
    #[error(
        "survey {survey} holds {stored} simulated responses (channel \"simulated\"){}; \
         published, they would mark the public page and the result set for good. Delete them \
         first (`minyi simulate {survey} --remove`), or, to publish them all the same (a \
         demonstration), pass --simulated {stored}",
        given.map(|n| format!(", not {n}")).unwrap_or_default()
    )]
    SimulatedUnacknowledged {
        survey: String,
        stored: i64,
        given: Option<i64>,
    },
}

/// Why a survey was left as it was: the rules refused the move. Not a fault; the person asking
/// is told why.
#[derive(Debug, PartialEq)]
pub enum Refused<'a> {
    /// The lifecycle does not allow the move from the survey's state.
    Illegal(&'a IllegalTransition),
    /// Publishing needs at least one usable response.
    NoUsableResponses { stored: usize, excluded: usize },
    /// The results cannot be computed from these responses; the text says why.
    CannotEvaluate(String),
    /// Someone else moved the survey at the same moment.
    Raced,
    /// Publishing a survey holding `stored` simulated responses needs their number; `given`
    /// was none, or another.
    SimulatedUnacknowledged { stored: i64, given: Option<i64> },
}

impl TransitionError {
    /// The survey closed, but clearing its fieldwork traces failed: owed to the daily run.
    pub fn closed_but_not_cleared(&self) -> bool {
        matches!(
            self,
            TransitionError::Catalog(CatalogError::ClosedNotCleared { .. })
        )
    }

    /// Why nothing changed, when the rules refused the move (`None` for faults: storage, …).
    pub fn refused(&self) -> Option<Refused<'_>> {
        match self {
            TransitionError::Catalog(e) | TransitionError::Publish(PublishError::Catalog(e)) => {
                refused_by_catalog(e)
            }
            TransitionError::SimulatedUnacknowledged { stored, given, .. } => {
                Some(Refused::SimulatedUnacknowledged {
                    stored: *stored,
                    given: *given,
                })
            }
            TransitionError::Publish(PublishError::Evaluation { source, .. }) => {
                match source.as_ref() {
                    ExportError::Analysis(AnalysisError::Evaluation(e))
                    | ExportError::Evaluation { source: e, .. } => Some(refused_evaluation(e)),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

fn refused_by_catalog(e: &CatalogError) -> Option<Refused<'_>> {
    match e {
        CatalogError::Illegal { refusal, .. } => Some(Refused::Illegal(refusal)),
        CatalogError::Raced(_) => Some(Refused::Raced),
        _ => None,
    }
}

fn refused_evaluation(e: &EvaluationError) -> Refused<'static> {
    match e {
        EvaluationError::NoResponses {
            total, excluded, ..
        } => Refused::NoUsableResponses {
            stored: *total,
            excluded: *excluded,
        },
        other => Refused::CannotEvaluate(other.to_string()),
    }
}

/// Moves survey `survey_id` as `action` says, on behalf of `actor` (an account's e-mail address,
/// or [`audit::COMMAND_LINE`]), and records it in the audit log; the dashboard's one call.
/// Publishing mails the evaluators granted the survey, and asks for the number of simulated
/// responses stored, if any (see [`publish`]).
pub fn perform(
    catalog: &Catalog,
    accounts: &Accounts,
    survey_id: &str,
    action: Transition,
    actor: &str,
    simulated: Option<i64>,
) -> Result<SurveyState, TransitionError> {
    match action {
        Transition::Publish => publish(catalog, accounts, survey_id, actor, &[], simulated)
            .map(|_| SurveyState::Published),
        Transition::Open | Transition::Close => open_or_close(catalog, survey_id, action, actor),
    }
}

/// Opens or closes a survey and records who did it. (Publishing goes through [`publish`]; asked
/// here, it is refused.)
pub fn open_or_close(
    catalog: &Catalog,
    survey_id: &str,
    action: Transition,
    actor: &str,
) -> Result<SurveyState, TransitionError> {
    let before = catalog.require(survey_id)?;
    let responses: i64 = catalog
        .responses_by_stratum(&before)?
        .iter()
        .map(|(_, n)| n)
        .sum();
    let moved = catalog.transition(survey_id, action);
    // A close whose clearing failed still closed the survey: recorded, then reported.
    let (to, owed) = match &moved {
        Ok(to) => (*to, ""),
        Err(CatalogError::ClosedNotCleared { .. }) => {
            (SurveyState::Closed, "; fieldwork traces not yet cleared")
        }
        Err(_) => return moved.map_err(Into::into),
    };
    record(
        catalog,
        actor,
        action,
        survey_id,
        None,
        format!(
            "{} → {to}; {responses} responses{owed}",
            before.record.state
        ),
    )?;
    moved.map_err(Into::into)
}

/// Clears survey `survey_id`'s owed fieldwork traces now, on behalf of `actor`, and records it
/// (the dashboard's retry after a close could not finish them). `Ok(false)`: none were owed, and
/// nothing is recorded.
pub fn clear_owed_traces(
    catalog: &Catalog,
    survey_id: &str,
    actor: &str,
) -> Result<bool, TransitionError> {
    let cleared = catalog.clear_owed_traces_of(survey_id)?;
    if cleared {
        record_clearing(catalog, actor, survey_id)?;
    }
    Ok(cleared)
}

/// The daily run's clearing: every survey owing one, each cleared recorded as done by
/// [`audit::DAILY_RUN`]; a survey that fails again stays owed and is reported. A clearing
/// done whose audit entry cannot be written is still reported as cleared (it was), with the
/// entry's failure among `unrecorded`, and the other surveys' entries are written.
pub fn clear_every_owed_trace(catalog: &Catalog) -> Result<OwedClearing, TransitionError> {
    let mut done = catalog.clear_owed_fieldwork_traces()?;
    for survey_id in &done.cleared {
        if let Err(e) = record_clearing(catalog, audit::DAILY_RUN, survey_id) {
            done.unrecorded.push((survey_id.clone(), e));
        }
    }
    Ok(done)
}

fn record_clearing(catalog: &Catalog, actor: &str, survey_id: &str) -> Result<(), StorageError> {
    audit::record(
        catalog.database(),
        AuditEvent {
            actor,
            action: AuditAction::TracesCleared,
            survey_id: Some(survey_id),
            manifest_sha256: None,
            detail: "client-hash secret, invited addresses and arrival order cleared".to_owned(),
        },
    )
}

/// Publishes a closed survey (computing and storing its results), mails every evaluator
/// granted it plus `also_notify`, and records who did it with the result set's manifest hash.
///
/// A survey holding simulated responses is published only when `simulated` is their number
/// (the dashboard's box, `minyi survey publish --simulated N`), so that test data never becomes
/// a public evaluation by a click or a command run from habit. (A survey in another state is
/// refused for its state first.)
pub fn publish(
    catalog: &Catalog,
    accounts: &Accounts,
    survey_id: &str,
    actor: &str,
    also_notify: &[lettre::Address],
    simulated: Option<i64>,
) -> Result<PublishedResults, TransitionError> {
    if catalog.require(survey_id)?.record.state == SurveyState::Closed {
        let stored = stored_fieldwork_progress(catalog, survey_id)?.simulated;
        if stored > 0 && simulated != Some(stored) {
            return Err(TransitionError::SimulatedUnacknowledged {
                survey: survey_id.to_owned(),
                stored,
                given: simulated,
            });
        }
    }
    let results =
        publishing::publish_and_notify_grantees(catalog, accounts, survey_id, also_notify)?;
    let e = &results.evaluation;
    let city = &e.domains[0];
    let detail = format!(
        "closed → published; version {}; {} of {} responses used; city component {} of {:.1} points{}",
        results.version,
        e.responses.used,
        e.responses.stored,
        crate::evaluation::points_shown(city.points),
        city.max_points,
        if e.includes_simulated {
            "; includes simulated responses"
        } else {
            ""
        }
    );
    let manifest = results
        .result_set
        .as_ref()
        .map(|r| r.manifest_sha256.as_str());
    record(
        catalog,
        actor,
        Transition::Publish,
        survey_id,
        manifest,
        detail,
    )?;
    Ok(results)
}

fn record(
    catalog: &Catalog,
    actor: &str,
    action: Transition,
    survey_id: &str,
    manifest_sha256: Option<&str>,
    detail: String,
) -> Result<(), StorageError> {
    audit::record(
        catalog.database(),
        AuditEvent {
            actor,
            action: AuditAction::of(action),
            survey_id: Some(survey_id),
            manifest_sha256,
            detail,
        },
    )
}
