//! Stored responses → respondents → the evaluation, and synthetic responses → storage.
//! Blocking: it reads and writes through storage.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::catalog::{Catalog, CatalogError, CurrentSurvey};
use crate::evaluation::{
    answer_shares, channel_comparison, evaluate_sample, sample_weights, AnswerShares,
    ChannelComparison, Evaluation, EvaluationError, Respondent, Sample, SampleBuilder, Sensitivity,
};
use crate::simulate::simulate;
use crate::storage::{self, NewResponse, StorageError, StoredResponse};
use crate::survey::{stored_answers, Answers, FormInput, QualityFlag, Survey};

/// The channel recorded for responses made by `minyi simulate`.
pub use crate::fieldwork::SIMULATED;

#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Evaluation(#[from] EvaluationError),
    #[error("stored response {id} cannot be read: {reason}")]
    Unreadable { id: String, reason: String },
    #[error("survey {survey} is {state}; simulated responses can only be added while it is a draft or open")]
    NotCollecting { survey: String, state: String },
    #[error("survey {0} is published: its results are final and say they include simulated responses; nothing was deleted")]
    AlreadyPublished(String),
}

/// Reads the stored answers of one survey's responses, each with the definition of the
/// version it answered (`survey::stored_answers`).
pub struct AnswerReader {
    versions: HashMap<String, Arc<Survey>>,
}

impl AnswerReader {
    /// Loads the definition of every version of the survey (before streaming its responses:
    /// reading them then needs no other connection).
    pub fn new(catalog: &Catalog, survey_id: &str) -> Result<AnswerReader, AnalysisError> {
        Ok(AnswerReader {
            versions: catalog.every_version(survey_id)?,
        })
    }

    /// Every version's definition, in no particular order.
    pub fn versions(&self) -> impl Iterator<Item = &Survey> {
        self.versions.values().map(|survey| &**survey)
    }

    /// The definition of the version `stored` answered.
    pub fn definition(&self, stored: &StoredResponse) -> Result<&Arc<Survey>, AnalysisError> {
        self.versions
            .get(&stored.version)
            .ok_or_else(|| AnalysisError::Unreadable {
                id: stored.id.clone(),
                reason: format!("its survey has no version {}", stored.version),
            })
    }

    /// The answers of `stored`, keyed by question id.
    pub fn answers(&self, stored: &StoredResponse) -> Result<Answers, AnalysisError> {
        stored_answers::decode(self.definition(stored)?, &stored.answers).map_err(|e| {
            AnalysisError::Unreadable {
                id: stored.id.clone(),
                reason: e.to_string(),
            }
        })
    }
}

/// Every stored response of a survey, ready for the evaluation.
pub fn respondents(catalog: &Catalog, survey_id: &str) -> Result<Vec<Respondent>, AnalysisError> {
    let reader = AnswerReader::new(catalog, survey_id)?;
    let mut conn = catalog.database().conn()?;
    let duplicates = storage::duplicate_client_ids(&mut conn, survey_id)?;
    storage::load_responses(&mut conn, survey_id)?
        .into_iter()
        .map(|stored| respondent(&reader, stored, &duplicates))
        .collect()
}

/// The quality flags of a response: those stored with it, and `duplicate_client` when its id
/// is among `duplicates` (from `storage::duplicate_client_ids`, computed while the client
/// hashes exist; the retention purge stores the flag before deleting them).
pub fn quality_flags(
    stored: &StoredResponse,
    duplicates: &HashSet<String>,
) -> Result<Vec<QualityFlag>, AnalysisError> {
    let mut flags = crate::survey::decode_flags(&stored.quality_flags).map_err(|name| {
        AnalysisError::Unreadable {
            id: stored.id.clone(),
            reason: format!("unknown quality flag {name:?}"),
        }
    })?;
    if duplicates.contains(&stored.id) {
        flags.push(QualityFlag::DuplicateClient);
    }
    flags.sort();
    flags.dedup();
    Ok(flags)
}

fn respondent(
    reader: &AnswerReader,
    stored: StoredResponse,
    duplicates: &HashSet<String>,
) -> Result<Respondent, AnalysisError> {
    let quality_flags = quality_flags(&stored, duplicates)?;
    let answers = reader.answers(&stored)?;
    Ok(Respondent {
        stratum: stored.stratum,
        answers,
        quality_flags,
        channel: stored.channel,
    })
}

/// The evaluation component of a survey from its stored responses, by its current definition.
/// Responses stream from the database into the sample one at a time.
pub fn evaluate_survey(
    catalog: &Catalog,
    survey_id: &str,
) -> Result<(CurrentSurvey, Evaluation), AnalysisError> {
    let survey = catalog.require(survey_id)?;
    let evaluation = evaluate_stored(catalog, survey_id, &survey.definition)?;
    Ok((survey, evaluation))
}

/// The survey's stored responses evaluated by `definition` (the current one, or a variant).
fn evaluate_stored(
    catalog: &Catalog,
    survey_id: &str,
    definition: &Survey,
) -> Result<Evaluation, AnalysisError> {
    let [evaluation] = evaluate_stored_by(catalog, survey_id, [definition])?;
    Ok(evaluation)
}

/// The survey's stored responses evaluated by each of `definitions`, read from the database
/// once: every response goes into one sample per definition.
fn evaluate_stored_by<const N: usize>(
    catalog: &Catalog,
    survey_id: &str,
    definitions: [&Survey; N],
) -> Result<[Evaluation; N], AnalysisError> {
    let samples = stored_samples(catalog, survey_id, definitions.map(SampleBuilder::new))?;
    let mut evaluations = Vec::with_capacity(N);
    for (definition, sample) in definitions.into_iter().zip(samples) {
        evaluations.push(evaluate_sample(definition, &sample)?);
    }
    Ok(evaluations
        .try_into()
        .unwrap_or_else(|_| unreachable!("one evaluation per definition")))
}

/// Every stored response of the survey added to each of `builders` (one read of the database).
fn stored_samples<const N: usize>(
    catalog: &Catalog,
    survey_id: &str,
    mut builders: [SampleBuilder<'_>; N],
) -> Result<[Sample; N], AnalysisError> {
    let reader = AnswerReader::new(catalog, survey_id)?;
    let mut conn = catalog.database().conn()?;
    let duplicates = storage::duplicate_client_ids(&mut conn, survey_id)?;
    storage::for_each_response(&mut conn, survey_id, |stored| {
        let r = respondent(&reader, stored, &duplicates)?;
        for builder in &mut builders {
            builder.add(&r.stratum, &r.answers, &r.quality_flags, &r.channel);
        }
        Ok::<(), AnalysisError>(())
    })?;
    Ok(builders.map(SampleBuilder::finish))
}

/// How the city answered each choice question, and how the figures differ by the way the
/// answers came in, from every stored response (one read), weighted as [`evaluate_survey`]
/// weights them (for publication when no result set can be released).
pub fn stored_shares_and_channels(
    catalog: &Catalog,
    survey_id: &str,
) -> Result<(Vec<AnswerShares>, Vec<ChannelComparison>), AnalysisError> {
    let survey = catalog.require(survey_id)?;
    let builder = SampleBuilder::new(&survey.definition).recording_answers();
    let [sample] = stored_samples(catalog, survey_id, [builder])?;
    let weights = sample_weights(&survey.definition, &sample)?;
    Ok((
        answer_shares(&survey.definition, &sample, &weights)?,
        channel_comparison(&survey.definition, &sample, &weights)?,
    ))
}

/// What the survey file's quality rules do to the city's figures: every stored response
/// evaluated with the rules and again with the responses they exclude kept (one read of the
/// responses). `None` when the rules exclude nothing.
pub fn exclusion_sensitivity(
    catalog: &Catalog,
    survey_id: &str,
) -> Result<Option<Sensitivity>, AnalysisError> {
    let survey = catalog.require(survey_id)?;
    let Some(without) = survey.definition.without_exclusions() else {
        return Ok(None);
    };
    let [with_rules, without_rules] =
        evaluate_stored_by(catalog, survey_id, [&*survey.definition, &without])?;
    Ok(Sensitivity::of(&with_rules, &without_rules))
}

/// What `minyi simulate` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulationReport {
    pub stored: usize,
    /// Forms already stored by an earlier run with the same seed (the run is idempotent).
    pub already_stored: usize,
    /// Forms the survey's own validation refused (a bug in the simulator if ever non-zero).
    pub refused: usize,
}

/// Deletes a survey's simulated responses (after a trial run, before the real fieldwork or its
/// evaluation), and returns how many; residents' responses stay. Refused once the survey is
/// published: its results are final. Audited, since it changes what an evaluation counts.
pub fn remove_simulated(
    catalog: &Catalog,
    survey_id: &str,
    actor: &str,
) -> Result<usize, AnalysisError> {
    let survey = catalog.require(survey_id)?;
    if survey.record.state == crate::lifecycle::SurveyState::Published {
        return Err(AnalysisError::AlreadyPublished(survey_id.to_owned()));
    }
    let deleted = storage::delete_simulated(&mut *catalog.database().conn()?, survey_id)?;
    if deleted > 0 {
        crate::audit::record(
            catalog.database(),
            crate::audit::AuditEvent {
                actor,
                action: crate::audit::AuditAction::SimulatedRemoved,
                survey_id: Some(survey_id),
                manifest_sha256: None,
                detail: format!("{deleted} simulated responses deleted"),
            },
        )?;
    }
    Ok(deleted)
}

/// Creates `count` synthetic responses through the survey's validation and the normal storage
/// path, with channel `simulated`. Re-running with the same seed stores nothing new.
pub fn add_simulated(
    catalog: &Catalog,
    survey_id: &str,
    count: usize,
    seed: u64,
) -> Result<SimulationReport, AnalysisError> {
    let survey = catalog.require(survey_id)?;
    use crate::lifecycle::SurveyState::{Draft, Open};
    if !matches!(survey.record.state, Draft | Open) {
        return Err(AnalysisError::NotCollecting {
            survey: survey_id.to_owned(),
            state: survey.record.state.to_string(),
        });
    }
    let definition = &survey.definition;
    let today = definition.local_date(chrono::Utc::now()).to_string();
    let mut report = SimulationReport {
        stored: 0,
        already_stored: 0,
        refused: 0,
    };
    let mut batch = Vec::new();
    for (index, form) in simulate(definition, count, seed).enumerate() {
        let input = FormInput::from_pairs(form.fields);
        let Ok(answers) = definition.validate(&input) else {
            report.refused += 1;
            continue;
        };
        let Some(stratum) = definition.stratum_of(&answers).map(str::to_owned) else {
            report.refused += 1;
            continue;
        };
        let flags = definition.quality_flags(&answers, Some(form.duration_seconds));
        let key = format!("{SIMULATED}:{survey_id}:{seed}:{index}");
        // Deterministic: simulating again with the same seed adds nothing twice.
        let id = hex::encode(&<sha2::Sha256 as sha2::Digest>::digest(key.as_bytes())[..16]);
        batch.push(NewResponse {
            slot: storage::slot_of(survey.record.number, &id),
            id,
            survey_id: survey_id.to_owned(),
            version: survey.record.current_version.clone(),
            stratum,
            channel: SIMULATED.to_owned(),
            answers: stored_answers::encode(definition, &answers),
            quality_flags: crate::survey::encode_flags(&flags),
            submitted_on: today.clone(),
            client_hash: None,
        });
    }
    let mut conn = catalog.database().conn()?;
    for chunk in batch.chunks(500) {
        let outcomes = storage::insert_responses(&mut conn, chunk)?;
        for outcome in outcomes {
            match outcome {
                storage::InsertOutcome::Stored => report.stored += 1,
                storage::InsertOutcome::AlreadyStored => report.already_stored += 1,
                // Simulated responses are not held to quotas (insert_responses never says so).
                storage::InsertOutcome::QuotaFull
                | storage::InsertOutcome::SurveyClosed
                | storage::InsertOutcome::InvitationUsed => report.refused += 1,
            }
        }
    }
    Ok(report)
}

/// Fieldwork progress of a survey from the flags stored with its responses (one grouped
/// query): cheap enough for every survey of a list. [`fieldwork_progress`] adds the possible
/// duplicates.
pub fn stored_fieldwork_progress(
    catalog: &Catalog,
    survey_id: &str,
) -> Result<crate::fieldwork::Progress, AnalysisError> {
    let survey = catalog.require(survey_id)?;
    progress_from_stored_flags(&survey, &mut *catalog.database().conn()?)
}

fn progress_from_stored_flags(
    survey: &crate::catalog::CurrentSurvey,
    conn: &mut storage::DbConnection,
) -> Result<crate::fieldwork::Progress, AnalysisError> {
    let rows: Vec<crate::fieldwork::CountRow> = storage::fieldwork_counts(conn, &survey.record.id)?
        .into_iter()
        .map(
            |(stratum, date, flags, channel, count)| crate::fieldwork::CountRow {
                stratum,
                date,
                flags,
                channel,
                count,
            },
        )
        .collect();
    Ok(crate::fieldwork::progress(&survey.definition, &rows))
}

/// Fieldwork progress of a survey, with its possible duplicates: found across responses (the
/// same client hash), not stored with each, they are counted here so that the publisher sees
/// them during fieldwork and not first in the evaluation. They are not in `flagged`, which
/// reads the stored flags; when the survey's rules exclude them they are in
/// `flagged_to_exclude` and off each county's usable count, counted as the evaluation counts
/// (`quality_flags`).
pub fn fieldwork_progress(
    catalog: &Catalog,
    survey_id: &str,
) -> Result<crate::fieldwork::Progress, AnalysisError> {
    let survey = catalog.require(survey_id)?;
    let mut conn = catalog.database().conn()?;
    let mut progress = progress_from_stored_flags(&survey, &mut conn)?;
    let duplicates = storage::duplicate_client_ids(&mut conn, survey_id)?;
    if duplicates.is_empty() {
        return Ok(progress);
    }
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    progress.flags.insert(
        QualityFlag::DuplicateClient.name().to_owned(),
        count(duplicates.len()),
    );
    let rules = &survey.definition.quality;
    if rules.exclude.contains(&QualityFlag::DuplicateClient) {
        let mut excluded = 0;
        let mut by_stratum: HashMap<String, i64> = HashMap::new();
        storage::for_each_response(&mut conn, survey_id, |row| {
            if rules.excludes(&quality_flags(&row, &duplicates)?) {
                excluded += 1;
                *by_stratum.entry(row.stratum).or_default() += 1;
            }
            Ok::<(), AnalysisError>(())
        })?;
        progress.flagged_to_exclude = count(excluded);
        progress.margin_of_error = crate::fieldwork::margin_of_error(progress.usable());
        progress.by_stratum = std::mem::take(&mut progress.by_stratum)
            .into_iter()
            .map(|s| {
                let left_out = by_stratum.get(&s.code).copied().unwrap_or(0);
                let usable = s.completed - left_out;
                s.with_usable(usable)
            })
            .collect();
    }
    Ok(progress)
}
