//! The result set of a closed or published survey, `resultset-{id}-{version}.zip`: anonymized
//! k-anonymous microdata (`responses.csv`), every estimate (`estimates.csv`), each domain's
//! total (`totals.csv`), the evaluation
//! (`evaluation.json`), the survey file (`survey.toml`), a Frictionless codebook
//! (`datapackage.json`), `methodology.md`, SPSS and R scripts, and `manifest.json` with the
//! SHA-256 of every file and the Merkle root of the response rows.
//!
//! Written as a stream: three passes over the stored responses (`storage::for_each_response`),
//! holding only the few columns the weighting needs, never the rows. Deterministic: the same
//! responses give the same bytes (no time is written anywhere; zip entries carry a fixed date).
//!
//! **Weighting on the released categories.** `minyi verify` must recompute the weights from the
//! released file, and k-anonymity may have merged age bands or suppressed a rare row's
//! quasi-identifiers. So the result set (and the published figures, which come from it) weighs
//! the rows as released: merged bands are raked to the sum of their targets, and rows whose
//! quasi-identifiers were suppressed are left out (`suppressed_for_release`) rather than given a
//! weight that, being a function of county × sex × age, would reveal the cell suppression hid.

mod archive;
mod codebook;
mod codebook_csv;
pub mod columns;
mod definitions;
mod estimates;
mod methodology;
mod r_points;
mod r_script;
mod spss;
mod spss_estimates;
mod totals;

use std::collections::{BTreeMap, HashMap};
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use archive::FileEntry;
pub use codebook::datapackage;
pub use codebook_csv::codebook_csv;
pub use columns::{columns, Column};
pub use estimates::{estimates_csv, evaluation_json};
pub use r_script::{r_script, r_script_of_format};
pub use spss::spss_of_format as spss_script;
pub use totals::totals_csv;

use crate::analysis::{quality_flags, AnalysisError, AnswerReader};
use crate::catalog::{Catalog, CatalogError};
use crate::evaluation::{
    answer_shares, channel_comparison, evaluate_sample, evaluate_weighted, sample_weights,
    AnswerShares, ChannelComparison, Evaluation, EvaluationError, Inclusion, SampleBuilder,
    Sensitivity,
};
use crate::invitations::{uptake, CampaignUptake};
use crate::privacy::kanon::{self, KAnonReport, QiColumn, ReleasePlan};
use crate::release::merkle::MerkleRoot;
use crate::release::{CsvFile, Encoding};
use crate::storage::{self, StorageError};
use crate::survey::{Answer, Answers, Choice, QuestionKind, Survey};
use archive::Archive;

/// The result-set format this Minyi writes: `manifest.json`'s `format`. It changes when a file
/// made from `survey.toml` alone (a script) is made differently, or a recomputed file is added,
/// so that `minyi verify` can still check a result set downloaded before (and an earlier Minyi
/// refuses one it would not check whole).
pub const FORMAT: &str = FORMAT_8;

/// The eighth: where k-anonymity merged bands of a quasi-identifier (`18_29`, `30_39` →
/// `18_39`), `codebook.csv`, `datapackage.json`, `minyi.R` and `minyi.sps` label the merged
/// codes the rows hold (before, they listed the survey file's bands, so the merged codes had no
/// label: R read them as missing); `minyi.sps` says how its variable names differ from
/// `responses.csv`'s; `totals.csv` counts the indicators whose estimate reaches its threshold,
/// the rule an indicator scored by threshold earns its points by; and `minyi verify` recomputes `codebook.csv` and
/// `datapackage.json` too ([`from_format_8`]).
pub const FORMAT_8: &str = "minyi-resultset/8";

/// The seventh: `evaluation.json` names each indicator's two threshold flags as
/// `estimates.csv` does, `estimate_meets_threshold` and `interval_clears_threshold`
/// ([`estimates::evaluation_json`]).
pub const FORMAT_7: &str = "minyi-resultset/7";

/// The sixth: `minyi.R` and `minyi.sps` do as `estimates.csv` does where floating point can
/// leave values a hair apart: a domain whose valid answers are all the same gets that value
/// (a score then has no interval and is `undetermined`; a share of 0 or 1 keeps its exact
/// interval), and a value short of its threshold by no more than a billionth of it reaches it
/// (`crate::survey::reaches`). `minyi.R`'s totals also carry no names.
pub const FORMAT_6: &str = "minyi-resultset/6";

/// The earlier formats `minyi verify` reads; it makes their scripts again as they were made
/// then ([`spss::spss_of_format`]).
/// - `/1`: `minyi.sps` read the data only. `/2` adds each indicator's estimate and n to it, and
///   the table `codebook.csv` (held to the manifest, as `datapackage.json` is).
/// - `/2`: `minyi.R` ended with the estimates. `/3` adds each indicator's points and each
///   domain's total ([`r_script::r_script_of_format`]).
/// - `/3`: `minyi.sps` ended with the estimates. `/4` adds each indicator's points and each
///   domain's total to it too.
/// - `/4`: had no `totals.csv`. `/5` adds it, recomputed by `minyi verify`.
/// - `/5`: its scripts gave a domain whose valid answers are all the same the weighted mean of
///   them, which rounding can leave a few units of the last place off, with a tiny standard
///   error and so an interval and a status, and reached a threshold only at or above it. `/6`
///   does as `estimates.csv` does ([`FORMAT_6`]).
/// - `/6`: `evaluation.json` called the threshold flags `point_meets` and `lower_bound_clears`.
///   `/7` names them as `estimates.csv` does ([`FORMAT_7`]).
/// - `/7`: labelled the survey file's bands only, even where the rows held merged ones, and
///   `minyi verify` held `codebook.csv` and `datapackage.json` to the manifest's hashes only.
///   `/8` labels the merged bands and recomputes both ([`FORMAT_8`]).
pub const EARLIER_FORMATS: &[&str] = &[
    FORMAT_7, FORMAT_6, FORMAT_5, FORMAT_4, FORMAT_3, FORMAT_2, FORMAT_1,
];

/// The fifth: `totals.csv` came in.
pub const FORMAT_5: &str = "minyi-resultset/5";

/// The first format: its `minyi.sps` read the data only, and its `minyi.R` computed no points.
pub const FORMAT_1: &str = "minyi-resultset/1";

/// The second: its `minyi.R` computed no points.
pub const FORMAT_2: &str = "minyi-resultset/2";

/// The third: its `minyi.sps` computed no points.
pub const FORMAT_3: &str = "minyi-resultset/3";

/// The fourth: it had no `totals.csv`.
pub const FORMAT_4: &str = "minyi-resultset/4";

/// Whether the scripts of a result set of `format` computed a domain whose values are all the
/// same, and a tie with a threshold, as floating point left them: the formats before
/// [`FORMAT_6`].
pub fn ties_as_computed(format: &str) -> bool {
    [FORMAT_5, FORMAT_4, FORMAT_3, FORMAT_2, FORMAT_1].contains(&format)
}

/// Whether a result set of `format` is [`FORMAT_8`] or later (not one of the earlier formats):
/// its columns labelled as released (merged bands as merged, [`release_definition`]),
/// `minyi.sps` noting how its variable names differ, and `codebook.csv` and `datapackage.json`
/// recomputed by `minyi verify`.
pub fn from_format_8(format: &str) -> bool {
    !EARLIER_FORMATS.contains(&format)
}

/// Whether a result set of `format` holds `totals.csv`: from [`FORMAT_5`] on, so not one of the
/// formats before it.
pub fn has_totals(format: &str) -> bool {
    ![FORMAT_4, FORMAT_3, FORMAT_2, FORMAT_1].contains(&format)
}
pub const MERKLE_ALGORITHM: &str = "RFC 6962 Merkle tree (SHA-256) over the rows of responses.csv, header excluded, each row as written without its line end";

/// `manifest.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub survey_id: String,
    pub survey_version: String,
    /// `survey.toml`, whose SHA-256 is the survey version.
    pub definition: String,
    /// `utf-8-sig` (with a byte-order mark, for Excel and WPS) or `utf-8`.
    pub encoding: String,
    pub responses: u64,
    pub merkle_algorithm: String,
    pub merkle_root: String,
    pub anonymization: Anonymization,
    /// Every other file of the zip, with its SHA-256 and size.
    pub files: Vec<FileEntry>,
    pub software: String,
}

/// How `responses.csv` was made k-anonymous, as verification needs it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Anonymization {
    pub k: usize,
    pub quasi_identifiers: Vec<String>,
    /// Per generalized column, each collected code and the code released in its place.
    pub generalized: BTreeMap<String, BTreeMap<String, String>>,
    pub suppressed_rows: usize,
}

/// What a result set is, once written (or only hashed).
#[derive(Clone, Debug)]
pub struct ResultSetSummary {
    pub survey_id: String,
    pub version: String,
    pub file_name: String,
    /// SHA-256 of `manifest.json`: the one hash that pins the whole result set.
    pub manifest_sha256: String,
    pub merkle_root: String,
    pub responses: u64,
    pub evaluation: Evaluation,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error("survey {survey} is {state}: result sets are made once fieldwork is over; close it first (`minyi survey close {survey}`)")]
    StillOpen { survey: String, state: String },
    #[error("cannot compute the result set of survey {survey}: {source}. The released rows are weighted on their k-anonymous categories; with few responses k-anonymity suppresses many rows and the rest may not be weightable: collect more responses, or lower [privacy] k_anonymity in the survey file (a closed survey's file changes only once it is reopened: `minyi survey open {survey}`)")]
    Evaluation {
        survey: String,
        source: EvaluationError,
    },
    #[error("the responses of survey {0} changed while the result set was written; run the export again")]
    Changed(String),
    #[error("cannot write the result set: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write a CSV file of the result set: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write a JSON file of the result set: {0}")]
    Json(#[from] serde_json::Error),
}

/// Facts the describing files need.
pub struct ReleaseFacts<'a> {
    pub survey: &'a Survey,
    pub version: &'a str,
    pub encoding: Encoding,
    pub evaluation: &'a Evaluation,
    pub kanon: &'a KAnonReport,
    pub quasi_identifiers: Vec<String>,
    /// When the responses were actually submitted, beside the file's planned fieldwork dates.
    pub submitted: SubmissionDates,
    /// The invitations and the responses to them, per county; `None` without invitations.
    pub invitations: Option<CampaignUptake>,
}

/// The first and last dates responses were submitted on (`YYYY-MM-DD`, so text order is date
/// order); `None` without responses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubmissionDates(pub Option<(String, String)>);

impl SubmissionDates {
    fn add(&mut self, date: &str) {
        match &mut self.0 {
            None => self.0 = Some((date.to_owned(), date.to_owned())),
            Some((first, last)) => {
                if date < first.as_str() {
                    *first = date.to_owned();
                }
                if date > last.as_str() {
                    *last = date.to_owned();
                }
            }
        }
    }
}

/// The file name of a survey version's result set: the Excel encoding's plain, the UTF-8
/// one's marked, so that both can sit in one folder and be told apart.
pub fn file_name(survey_id: &str, version: &str, encoding: Encoding) -> String {
    match encoding {
        Encoding::Utf8WithBom => format!("resultset-{survey_id}-{version}.zip"),
        Encoding::Utf8 => format!("resultset-{survey_id}-{version}-utf8.zip"),
    }
}

/// The encoding's name in the manifest and the codebook.
pub fn encoding_name(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::Utf8WithBom => "utf-8-sig",
        Encoding::Utf8 => "utf-8",
    }
}

/// The survey definition the released rows are weighted and labelled with: each generalized
/// question's options merged as its categories were (`18_29`, `30_39` → `18_39`, labelled
/// 「18-29岁、30-39岁」 / "18-29, 30-39"), and its margin's targets summed alike, in the
/// file's order.
pub fn release_definition(
    survey: &Survey,
    generalized: &BTreeMap<String, BTreeMap<String, String>>,
) -> Survey {
    let mut release = survey.clone();
    for question in &mut release.questions {
        let (Some(map), QuestionKind::Single { options }) =
            (generalized.get(&question.id), &mut question.kind)
        else {
            continue;
        };
        let mut merged: Vec<Choice> = Vec::new();
        for option in options.iter() {
            let to = map.get(&option.code).unwrap_or(&option.code);
            match merged.iter_mut().find(|c| c.code == *to) {
                Some(band) => {
                    band.label.zh = format!("{}、{}", band.label.zh, option.label.zh);
                    band.label.en = format!("{}, {}", band.label.en, option.label.en);
                }
                None => merged.push(Choice {
                    code: to.clone(),
                    label: option.label.clone(),
                }),
            }
        }
        *options = merged;
    }
    for margin in &mut release.margins {
        let Some(map) = generalized.get(&margin.question) else {
            continue;
        };
        let mut merged: Vec<(String, f64)> = Vec::new();
        for (code, total) in &margin.targets {
            let to = map.get(code).unwrap_or(code);
            match merged.iter_mut().find(|(c, _)| c == to) {
                Some((_, sum)) => *sum += total,
                None => merged.push((to.clone(), *total)),
            }
        }
        margin.targets = merged;
    }
    release
}

/// The quasi-identifier columns a result set protects. The county can only be suppressed, never
/// merged with another (a merged stratum would change the design, not just the release).
pub(crate) fn qi_columns(survey: &Survey) -> Vec<QiColumn> {
    let mut columns = kanon::survey_columns(survey);
    for column in &mut columns {
        if column.name == survey.strata.question {
            column.steps.clear();
        }
    }
    columns
}

fn qi_values(columns: &[QiColumn], answers: &Answers) -> Vec<String> {
    columns
        .iter()
        .map(|c| match answers.get(&c.name) {
            Some(Answer::Code(code)) => code.clone(),
            _ => String::new(),
        })
        .collect()
}

/// Puts the released quasi-identifier values into the answers.
fn release_answers(columns: &[QiColumn], answers: &mut Answers, released: Vec<String>) {
    for (column, value) in columns.iter().zip(released) {
        if !value.is_empty() {
            answers.insert(column.name.clone(), Answer::Code(value));
        }
    }
}

/// One stored response, read for the result set.
struct Read {
    answers: Answers,
    flags: Vec<crate::survey::QualityFlag>,
    channel: String,
    /// The date only (the survey's time zone); never written into a row.
    submitted_on: String,
}

/// Streams a survey's stored responses in canonical order (by slot: a hash of the random id).
fn each_response(
    catalog: &Catalog,
    survey_id: &str,
    mut visit: impl FnMut(Read) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    let reader = AnswerReader::new(catalog, survey_id)?;
    let mut conn = catalog.database().conn()?;
    let duplicates = storage::duplicate_client_ids(&mut conn, survey_id)?;
    storage::for_each_response(&mut conn, survey_id, |stored| {
        let flags = quality_flags(&stored, &duplicates)?;
        let answers = reader.answers(&stored)?;
        visit(Read {
            answers,
            flags,
            channel: stored.channel,
            submitted_on: stored.submitted_on,
        })
    })
}

/// Writes a survey's result set into `dir`; returns the zip's path and what it is.
pub fn export(
    catalog: &Catalog,
    survey_id: &str,
    encoding: Encoding,
    dir: &Path,
) -> Result<(PathBuf, ResultSetSummary), ExportError> {
    let survey = catalog.require(survey_id)?;
    std::fs::create_dir_all(dir)?;
    let name = file_name(survey_id, &survey.record.current_version, encoding);
    let path = dir.join(&name);
    let partial = dir.join(format!(".{name}.partial"));
    let file = std::fs::File::create(&partial)?;
    let mut archive = Archive::zip(std::io::BufWriter::new(file));
    let summary = build(catalog, survey_id, encoding, &mut archive, None);
    let summary = match summary {
        Ok(summary) => summary,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    if let Some(mut out) = archive.finish()? {
        out.flush()?;
    }
    std::fs::rename(&partial, &path)?;
    Ok((path, summary))
}

/// The result set's manifest hash, Merkle root and evaluation, without writing a zip (for
/// publication, which shows them on the public page).
pub fn summarize(
    catalog: &Catalog,
    survey_id: &str,
    encoding: Encoding,
) -> Result<ResultSetSummary, ExportError> {
    build(
        catalog,
        survey_id,
        encoding,
        &mut Archive::hash_only(),
        None,
    )
}

/// What publication shows beside a result set's figures, computed on the same released rows
/// and from the same passes over them.
#[derive(Debug)]
pub struct PublicationExtras {
    /// What the survey file's quality rules do to the figures: `None` when they exclude
    /// nothing, else the comparison of the figures with those of the same released rows, the
    /// responses the rules exclude kept (which may fail to be weighted).
    pub sensitivity: Result<Option<Sensitivity>, EvaluationError>,
    /// How the city answered each choice question, with the figures' weights.
    pub answers: Result<Vec<AnswerShares>, EvaluationError>,
    /// How the figures differ by the way the answers came in (none when they came one way).
    pub channels: Result<Vec<ChannelComparison>, EvaluationError>,
}

/// [`summarize`] for publication, with what the page shows beside the figures
/// ([`PublicationExtras`]).
pub fn summarize_for_publication(
    catalog: &Catalog,
    survey_id: &str,
    encoding: Encoding,
) -> Result<(ResultSetSummary, PublicationExtras), ExportError> {
    let mut extras = PublicationExtras {
        sensitivity: Ok(None),
        answers: Ok(Vec::new()),
        channels: Ok(Vec::new()),
    };
    let summary = build(
        catalog,
        survey_id,
        encoding,
        &mut Archive::hash_only(),
        Some(&mut extras),
    )?;
    Ok((summary, extras))
}

/// What the first pass over the responses decides: the quasi-identifier columns, the
/// k-anonymity plan, the number of stored responses and the definition the released rows are
/// weighted by (merged age bands raked to the sum of their targets).
struct Planned {
    qi: Vec<QiColumn>,
    plan: ReleasePlan,
    stored: u64,
    release: Survey,
}

fn planned(catalog: &Catalog, survey_id: &str, survey: &Survey) -> Result<Planned, ExportError> {
    let qi = qi_columns(survey);
    let mut groups: HashMap<Vec<String>, usize> = HashMap::new();
    let mut stored = 0u64;
    each_response(catalog, survey_id, |r| {
        *groups.entry(qi_values(&qi, &r.answers)).or_default() += 1;
        stored += 1;
        Ok(())
    })?;
    let k = usize::try_from(survey.privacy.k_anonymity).unwrap_or(usize::MAX);
    let plan = kanon::plan(&groups, &qi, k);
    let release = release_definition(survey, &anonymization(&plan, &qi).generalized);
    Ok(Planned {
        qi,
        plan,
        stored,
        release,
    })
}

fn build<W: Write + Seek>(
    catalog: &Catalog,
    survey_id: &str,
    encoding: Encoding,
    archive: &mut Archive<W>,
    extras: Option<&mut PublicationExtras>,
) -> Result<ResultSetSummary, ExportError> {
    let current = catalog.require(survey_id)?;
    if !current.record.state.fieldwork_over() {
        return Err(ExportError::StillOpen {
            survey: survey_id.to_owned(),
            state: current.record.state.to_string(),
        });
    }
    let version = current.record.current_version.clone();
    let survey = current.definition.as_ref();
    // Pass 1: how many rows share each combination of quasi-identifiers.
    let Planned {
        qi,
        plan,
        stored,
        release,
    } = planned(catalog, survey_id, survey)?;
    let anonymization = anonymization(&plan, &qi);

    // Pass 2: the released rows into the weighting sample (and, for the sensitivity to the
    // quality rules, into a sample whose rules exclude nothing; for the shares of each
    // question's answers, the answers too).
    let mut builder = SampleBuilder::new(&release);
    if extras.is_some() {
        builder = builder.recording_answers();
    }
    let without_rules = extras
        .is_some()
        .then(|| release.without_exclusions())
        .flatten();
    let mut without_builder = without_rules.as_ref().map(SampleBuilder::new);
    let mut excluded: Vec<Option<&'static str>> = Vec::with_capacity(stored as usize);
    let mut submitted = SubmissionDates::default();
    each_response(catalog, survey_id, |mut r| {
        submitted.add(&r.submitted_on);
        release_row(&plan, &qi, &mut r.answers);
        let stratum = stratum_code(&release, &r.answers);
        if let Some(without) = &mut without_builder {
            without.add(&stratum, &r.answers, &r.flags, &r.channel);
        }
        excluded.push(
            match builder.add(&stratum, &r.answers, &r.flags, &r.channel) {
                Inclusion::Used => None,
                Inclusion::Excluded(reason) => Some(reason),
            },
        );
        Ok(())
    })?;
    let sample = builder.finish();
    let failed = |source| ExportError::Evaluation {
        survey: survey_id.to_owned(),
        source,
    };
    let weights = sample_weights(&release, &sample).map_err(failed)?;
    let evaluation = evaluate_weighted(&release, &sample, &weights).map_err(failed)?;
    if let Some(out) = extras {
        out.answers = answer_shares(&release, &sample, &weights);
        out.channels = channel_comparison(&release, &sample, &weights);
        if let (Some(without), Some(builder)) = (&without_rules, without_builder) {
            out.sensitivity = evaluate_sample(without, &builder.finish())
                .map(|without_rules| Sensitivity::of(&evaluation, &without_rules));
        }
    }
    let weights = weights.weights;
    drop(sample);

    // Pass 3: the rows, streamed into responses.csv and the Merkle tree; the columns labelled
    // as released (a merged band with its own label).
    let columns = columns(&release);
    let header: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let mut merkle = MerkleRoot::new();
    archive.add("responses.csv", |out| {
        let mut csv = CsvFile::to_writer(std::io::BufWriter::new(out), encoding, &header)?;
        let (mut row, mut used) = (0usize, 0usize);
        each_response(catalog, survey_id, |mut r| {
            release_row(&plan, &qi, &mut r.answers);
            let reason = *excluded
                .get(row)
                .ok_or_else(|| ExportError::Changed(survey_id.to_owned()))?;
            let weight = match reason {
                None => {
                    used += 1;
                    weights.get(used - 1).copied()
                }
                Some(_) => None,
            };
            row += 1;
            let facts = columns::RowFacts {
                row: row as u64,
                channel: &r.channel,
                flags: &r.flags,
                excluded: reason,
                weight,
            };
            merkle.add(&csv.row_line(columns::cells(&columns, &r.answers, &facts))?);
            Ok(())
        })?;
        if row != excluded.len() {
            return Err(ExportError::Changed(survey_id.to_owned()));
        }
        csv.finish()?.flush()?;
        Ok::<_, ExportError>(())
    })?;
    drop(excluded);

    let (source, invitations) = {
        let mut conn = catalog.database().conn()?;
        let source = storage::version_source(&mut conn, survey_id, &version)?.ok_or_else(|| {
            StorageError::Corrupt(format!(
                "survey {survey_id} version {version} has no stored file"
            ))
        })?;
        let invitations = storage::invitation_counts_by_stratum(&mut conn, survey_id)?;
        (source, uptake(survey, &invitations))
    };
    let facts = ReleaseFacts {
        survey,
        version: &version,
        encoding,
        evaluation: &evaluation,
        kanon: &plan.report,
        quasi_identifiers: qi.iter().map(|c| c.name.clone()).collect(),
        submitted,
        invitations,
    };
    let bytes = |data: Vec<u8>| move |out: &mut dyn Write| out.write_all(&data);
    archive.add(
        "estimates.csv",
        bytes(estimates_csv(&evaluation, encoding)?),
    )?;
    archive.add(
        "totals.csv",
        bytes(totals_csv(&evaluation, &release, encoding, FORMAT)?),
    )?;
    archive.add(
        "evaluation.json",
        bytes(evaluation_json(&evaluation, &version, FORMAT)?),
    )?;
    archive.add("survey.toml", bytes(source.into_bytes()))?;
    archive.add(
        "datapackage.json",
        bytes(codebook::datapackage(&columns, survey, &version, encoding)),
    )?;
    archive.add(
        "codebook.csv",
        bytes(codebook_csv::codebook_csv(&columns, encoding)?),
    )?;
    archive.add("methodology.md", bytes(methodology::methodology(&facts)?))?;
    archive.add("minyi.sps", bytes(spss::spss(&columns, encoding, &release)))?;
    archive.add(
        "minyi.R",
        bytes(r_script::r_script(&columns, encoding, &release)),
    )?;
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        survey_id: survey_id.to_owned(),
        survey_version: version.clone(),
        definition: "survey.toml".to_owned(),
        encoding: encoding_name(encoding).to_owned(),
        responses: merkle.leaves(),
        merkle_algorithm: MERKLE_ALGORITHM.to_owned(),
        merkle_root: merkle.finish(),
        anonymization,
        files: archive.files.clone(),
        software: format!("minyi {}", env!("CARGO_PKG_VERSION")),
    };
    let mut manifest_bytes = serde_json::to_vec_pretty(&manifest)?;
    manifest_bytes.push(b'\n');
    archive.add("manifest.json", bytes(manifest_bytes))?;
    let manifest_sha256 = archive
        .files
        .last()
        .map(|f| f.sha256.clone())
        .unwrap_or_default();
    Ok(ResultSetSummary {
        survey_id: survey_id.to_owned(),
        file_name: file_name(survey_id, &version, encoding),
        version,
        manifest_sha256,
        merkle_root: manifest.merkle_root,
        responses: manifest.responses,
        evaluation,
    })
}

fn anonymization(plan: &ReleasePlan, qi: &[QiColumn]) -> Anonymization {
    Anonymization {
        k: plan.report.k,
        quasi_identifiers: qi.iter().map(|c| c.name.clone()).collect(),
        generalized: qi
            .iter()
            .enumerate()
            .filter_map(|(i, c)| plan.step(i).map(|step| (c.name.clone(), step.map.clone())))
            .collect(),
        suppressed_rows: plan.report.suppressed_rows,
    }
}

fn release_row(plan: &ReleasePlan, qi: &[QiColumn], answers: &mut Answers) {
    let mut values = qi_values(qi, answers);
    plan.apply(&mut values);
    release_answers(qi, answers, values);
}

/// The stratum code a released row gives (its county, `suppressed`, or empty).
pub fn stratum_code(survey: &Survey, answers: &Answers) -> String {
    match answers.get(&survey.strata.question) {
        Some(Answer::Code(code)) => code.clone(),
        _ => String::new(),
    }
}

/// Records a result set's manifest hash and Merkle root (of the default, byte-order-marked
/// encoding), and the manifest hash of its plain UTF-8 encoding when given, for the public
/// results page.
pub fn record(
    catalog: &Catalog,
    summary: &ResultSetSummary,
    utf8_manifest: Option<&str>,
) -> Result<(), StorageError> {
    let mut conn = catalog.database().conn()?;
    storage::record_result_set(
        &mut conn,
        &storage::ResultSetRow {
            survey_id: summary.survey_id.clone(),
            version: summary.version.clone(),
            manifest_sha256: summary.manifest_sha256.clone(),
            merkle_root: summary.merkle_root.clone(),
            responses: i64::try_from(summary.responses).unwrap_or(i64::MAX),
            recorded_at: crate::catalog::now_rfc3339(),
            manifest_sha256_utf8: utf8_manifest.map(str::to_owned),
        },
    )
}

/// The public page's hashes follow the files a download gives. A first Excel download is
/// recorded alone (publication records both encodings). When the recorded hash of the
/// downloaded encoding is another, because a later Minyi writes a later format
/// ([`FORMAT`]) or responses came in after a reopening, both encodings are made again and
/// recorded, so that the page never pairs one file's hash with an older file's.
fn keep_recorded_hashes_current(
    catalog: &Catalog,
    summary: &ResultSetSummary,
    encoding: Encoding,
) -> Result<(), ExportError> {
    let recorded = storage::find_result_set(
        &mut *catalog.database().conn()?,
        &summary.survey_id,
        &summary.version,
    )?;
    let Some(recorded) = recorded else {
        if encoding == Encoding::Utf8WithBom {
            record(catalog, summary, None)?;
        }
        return Ok(());
    };
    let (recorded_hash, other) = match encoding {
        Encoding::Utf8WithBom => (Some(recorded.manifest_sha256), Encoding::Utf8),
        Encoding::Utf8 => (recorded.manifest_sha256_utf8, Encoding::Utf8WithBom),
    };
    if recorded_hash.as_deref() == Some(summary.manifest_sha256.as_str()) {
        return Ok(());
    }
    let other = summarize(catalog, &summary.survey_id, other)?;
    let (excel, utf8) = match encoding {
        Encoding::Utf8WithBom => (summary, &other),
        Encoding::Utf8 => (&other, summary),
    };
    record(catalog, excel, Some(&utf8.manifest_sha256))?;
    Ok(())
}

/// Writes a result set for someone (`minyi export`, or a download from the web), keeps the
/// public page's hashes current ([`keep_recorded_hashes_current`]), and appends who took it to
/// the audit log.
pub fn download(
    catalog: &Catalog,
    survey_id: &str,
    encoding: Encoding,
    dir: &Path,
    actor: &str,
    action: crate::audit::AuditAction,
) -> Result<(PathBuf, ResultSetSummary), ExportError> {
    let (path, summary) = export(catalog, survey_id, encoding, dir)?;
    keep_recorded_hashes_current(catalog, &summary, encoding)?;
    crate::audit::record(
        catalog.database(),
        crate::audit::AuditEvent {
            actor,
            action,
            survey_id: Some(survey_id),
            manifest_sha256: Some(&summary.manifest_sha256),
            detail: format!(
                "{} ({}, {} responses)",
                summary.file_name,
                encoding_name(encoding),
                summary.responses
            ),
        },
    )?;
    Ok((path, summary))
}
