//! Publishing a closed survey: its evaluation is computed once and stored as a snapshot, which the
//! public pages and the results API render from (never recomputing per request).

use std::sync::Arc;

use crate::analysis::evaluate_survey;
use crate::catalog::{now_rfc3339, Catalog, CatalogError};
use crate::evaluation::{AnswerShares, ChannelComparison, Evaluation, Sensitivity, SubmittedDays};
use crate::invitations::results_published_mail;
use crate::lifecycle::Transition;
use crate::release::{resultset, Encoding};
use crate::storage::{self, PublishedRow, StorageError};
use crate::survey::Survey;

/// A survey's published results, as the public sees them.
#[derive(Clone)]
pub struct PublishedResults {
    pub survey_id: String,
    /// The survey-file version the evaluation was computed with.
    pub version: String,
    pub published_at: String,
    pub evaluation: Evaluation,
    /// The definition of that version (labels, thresholds' sources, methodology).
    pub definition: Arc<Survey>,
    /// The result set the figures come from: its manifest hash and Merkle root.
    pub result_set: Option<storage::ResultSetRow>,
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error("cannot publish survey {survey}: {source}")]
    Evaluation {
        survey: String,
        source: Box<resultset::ExportError>,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("the stored results of survey {survey} cannot be read: {reason}")]
    Unreadable { survey: String, reason: String },
}

/// Publishes a closed survey: computes its result set (the k-anonymous release and the
/// evaluation recomputable from it, see `release::resultset`) and stores that evaluation with
/// the state change, in one transaction, and the result set's manifest hash and Merkle root for
/// the public page. Illegal moves (not closed) are refused with the reason.
pub fn publish(catalog: &Catalog, survey_id: &str) -> Result<PublishedResults, PublishError> {
    publish_and_notify(catalog, survey_id, &[])
}

/// Publishes as `publish` does and, in the same transaction, queues a message to each of
/// `evaluators` saying the results are out (sent by the server's outbox worker).
///
/// The addresses are the caller's: the evaluators granted the survey once accounts and grants
/// exist, until then those given to `minyi survey publish --notify`.
pub fn publish_and_notify(
    catalog: &Catalog,
    survey_id: &str,
    evaluators: &[lettre::Address],
) -> Result<PublishedResults, PublishError> {
    let survey = catalog.require(survey_id)?;
    survey
        .record
        .state
        .apply(Transition::Publish)
        .map_err(|refusal| CatalogError::Illegal {
            id: survey_id.to_owned(),
            refusal,
        })?;
    let (evaluation, summary) = figures(catalog, survey_id)?;
    // The plain UTF-8 download pinned too: an evaluator in R checks the file they use.
    let utf8_manifest = match &summary {
        Some(_) => Some(
            resultset::summarize(catalog, survey_id, Encoding::Utf8)
                .map_err(|source| PublishError::Evaluation {
                    survey: survey_id.to_owned(),
                    source: Box::new(source),
                })?
                .manifest_sha256,
        ),
        None => None,
    };
    let row = PublishedRow {
        survey_id: survey_id.to_owned(),
        version: survey.record.current_version.clone(),
        published_at: now_rfc3339(),
        evaluation: serde_json::to_string(&evaluation).map_err(|e| PublishError::Unreadable {
            survey: survey_id.to_owned(),
            reason: e.to_string(),
        })?,
    };
    let mut conn = catalog.database().conn()?;
    let notifications = results_published_mail(survey_id, evaluators);
    if !storage::publish_results(&mut conn, &row, &notifications)? {
        return Err(CatalogError::Raced(survey_id.to_owned()).into());
    }
    drop(conn);
    if let Some(summary) = &summary {
        resultset::record(catalog, summary, utf8_manifest.as_deref())?;
    }
    let result_set =
        storage::find_result_set(&mut *catalog.database().conn()?, survey_id, &row.version)?;
    Ok(PublishedResults {
        survey_id: row.survey_id,
        version: row.version,
        published_at: row.published_at,
        evaluation,
        definition: survey.definition,
        result_set,
    })
}

/// The figures publication stores: the result set's evaluation, so that anyone can recompute
/// them from it, and the summary of that result set. When its released categories cannot be
/// weighted (a small sample, where k-anonymity suppresses much), the evaluation of the stored
/// responses, and no result set.
fn figures(
    catalog: &Catalog,
    survey_id: &str,
) -> Result<(Evaluation, Option<resultset::ResultSetSummary>), PublishError> {
    let (mut evaluation, summary) = released_figures(catalog, survey_id)?;
    // When the answers came in (every stored response, simulated ones too, as in the
    // figures), for the page to set beside the planned fieldwork; like the sensitivity, a
    // failure leaves the plan alone on the page, not the page unpublished.
    evaluation.submitted =
        match crate::analysis::stored_fieldwork_progress(catalog, survey_id) {
            Ok(progress) => progress.by_day.first().zip(progress.by_day.last()).map(
                |((first, _), (last, _))| SubmittedDays {
                    first: first.clone(),
                    last: last.clone(),
                },
            ),
            Err(e) => {
                tracing::warn!(survey = survey_id, error = %e, "no submission dates for the page");
                None
            }
        };
    // How many residents were invited and answered, for the page's method; like the dates, a
    // failure leaves it out, not the page unpublished.
    evaluation.invitations = match crate::invitations::campaign_status(catalog, survey_id) {
        Ok(status) => status.uptake.map(|u| u.total),
        Err(e) => {
            tracing::warn!(survey = survey_id, error = %e, "no invitation counts for the page");
            None
        }
    };
    Ok((evaluation, summary))
}

/// The result set's evaluation and summary, or the stored responses' evaluation and none.
///
/// Beside the figures, what the quality rules did to them and how the city answered each
/// question, on the same rows as the figures (the released ones, or the stored ones when there
/// is no result set), so that the page's "with the rules" is its own figure and its shares
/// are weighted as its figures are. A failure there (the responses the rules exclude cannot be
/// weighted with the others) leaves that part out, not the page.
fn released_figures(
    catalog: &Catalog,
    survey_id: &str,
) -> Result<(Evaluation, Option<resultset::ResultSetSummary>), PublishError> {
    let sensitivity = |sensitivity: Result<Option<Sensitivity>, String>| {
        sensitivity.unwrap_or_else(|e| {
            tracing::warn!(survey = survey_id, error = %e, "no sensitivity to the quality rules");
            None
        })
    };
    let answers = |answers: Result<Vec<AnswerShares>, String>| match answers {
        Ok(answers) => Some(answers).filter(|a| !a.is_empty()),
        Err(e) => {
            tracing::warn!(survey = survey_id, error = %e, "no shares of the answers");
            None
        }
    };
    let channels = |channels: Result<Vec<ChannelComparison>, String>| match channels {
        Ok(channels) => Some(channels).filter(|c| !c.is_empty()),
        Err(e) => {
            tracing::warn!(survey = survey_id, error = %e, "no comparison of the channels");
            None
        }
    };
    match resultset::summarize_for_publication(catalog, survey_id, Encoding::Utf8WithBom) {
        Ok((summary, extras)) => {
            let mut evaluation = summary.evaluation.clone();
            evaluation.sensitivity = sensitivity(extras.sensitivity.map_err(|e| e.to_string()));
            evaluation.answers = answers(extras.answers.map_err(|e| e.to_string()));
            evaluation.channels = channels(extras.channels.map_err(|e| e.to_string()));
            Ok((evaluation, Some(summary)))
        }
        Err(resultset::ExportError::Evaluation { source, .. }) => {
            tracing::warn!(survey = survey_id, error = %source, "no verifiable result set: publishing the evaluation of the stored responses");
            let (_, mut evaluation) =
                evaluate_survey(catalog, survey_id).map_err(|e| PublishError::Evaluation {
                    survey: survey_id.to_owned(),
                    source: Box::new(resultset::ExportError::Analysis(e)),
                })?;
            let rules = crate::analysis::exclusion_sensitivity(catalog, survey_id);
            evaluation.sensitivity = sensitivity(rules.map_err(|e| e.to_string()));
            let (shares, compared) =
                match crate::analysis::stored_shares_and_channels(catalog, survey_id) {
                    Ok((shares, compared)) => (Ok(shares), Ok(compared)),
                    Err(e) => (Err(e.to_string()), Err(e.to_string())),
                };
            evaluation.answers = answers(shares);
            evaluation.channels = channels(compared);
            Ok((evaluation, None))
        }
        Err(source) => Err(PublishError::Evaluation {
            survey: survey_id.to_owned(),
            source: Box::new(source),
        }),
    }
}

/// What publishing a closed survey would show now, computed as `publish` computes it and
/// stored nowhere: for the publisher to see, before the one move that cannot be undone, which
/// figures and counties the public page will show or withhold. `None` unless the survey is
/// closed.
pub fn preview(
    catalog: &Catalog,
    survey_id: &str,
) -> Result<Option<PublishedResults>, PublishError> {
    let survey = catalog.require(survey_id)?;
    if survey.record.state != crate::lifecycle::SurveyState::Closed {
        return Ok(None);
    }
    let (evaluation, summary) = figures(catalog, survey_id)?;
    Ok(Some(PublishedResults {
        survey_id: survey_id.to_owned(),
        version: survey.record.current_version.clone(),
        published_at: now_rfc3339(),
        evaluation,
        definition: survey.definition,
        result_set: summary.map(|s| storage::ResultSetRow {
            survey_id: s.survey_id,
            version: s.version,
            manifest_sha256: s.manifest_sha256,
            merkle_root: s.merkle_root,
            responses: i64::try_from(s.responses).unwrap_or(i64::MAX),
            recorded_at: String::new(),
            // Not computed for a preview: one more pass over every response.
            manifest_sha256_utf8: None,
        }),
    }))
}

/// The published results of a survey, or `None` before it is published.
pub fn published(
    catalog: &Catalog,
    survey_id: &str,
) -> Result<Option<PublishedResults>, PublishError> {
    let mut conn = catalog.database().conn()?;
    let Some(row) = storage::find_published(&mut conn, survey_id)? else {
        return Ok(None);
    };
    let result_set = storage::find_result_set(&mut conn, survey_id, &row.version)?;
    drop(conn);
    let evaluation =
        serde_json::from_str(&row.evaluation).map_err(|e| PublishError::Unreadable {
            survey: survey_id.to_owned(),
            reason: e.to_string(),
        })?;
    let definition = catalog.definition(survey_id, &row.version)?;
    Ok(Some(PublishedResults {
        survey_id: row.survey_id,
        version: row.version,
        published_at: row.published_at,
        evaluation,
        definition,
        result_set,
    }))
}

/// Publishes and tells by mail every evaluator granted the survey, plus `also` (addresses given
/// on the command line), each once. This is what `minyi survey publish` does.
pub fn publish_and_notify_grantees(
    catalog: &Catalog,
    accounts: &crate::accounts::Accounts,
    survey_id: &str,
    also: &[lettre::Address],
) -> Result<PublishedResults, PublishError> {
    let evaluators = addresses_to_notify(accounts, survey_id, also)?;
    publish_and_notify(catalog, survey_id, &evaluators)
}

/// Who is told by mail when the survey is published: `also`, and every evaluator granted the
/// survey, each address once (whatever its letters' case: `A@example.org` is
/// `a@example.org` to every mail server people use).
pub fn addresses_to_notify(
    accounts: &crate::accounts::Accounts,
    survey_id: &str,
    also: &[lettre::Address],
) -> Result<Vec<lettre::Address>, PublishError> {
    let mut evaluators: Vec<lettre::Address> = Vec::new();
    let mut add = |address: lettre::Address| {
        let same = |known: &lettre::Address| {
            let (known, new): (&str, &str) = (known.as_ref(), address.as_ref());
            known.eq_ignore_ascii_case(new)
        };
        if !evaluators.iter().any(same) {
            evaluators.push(address);
        }
    };
    also.iter().cloned().for_each(&mut add);
    for account in accounts.grantees(survey_id)? {
        // Stored addresses were validated when the account was made; one that lettre cannot
        // read is skipped rather than blocking publication.
        match account.email.parse::<lettre::Address>() {
            Ok(address) => add(address),
            Err(e) => {
                tracing::warn!(account = %account.id, error = %e, "cannot mail this evaluator")
            }
        }
    }
    Ok(evaluators)
}
