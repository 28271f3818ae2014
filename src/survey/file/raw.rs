//! The survey file as written: serde structs mirroring the TOML, each section and block read on
//! its own (`Document`) so that one bad block does not hide the problems in the others.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use toml::value::Datetime;

use crate::survey::definition::Role;
use crate::survey::indicators::Scoring;
use crate::survey::quality::QualityFlag;

/// A label in both languages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawText {
    pub zh: String,
    pub en: String,
}

/// A source note: one text for both languages, or a `{ zh, en }` table.
#[derive(Debug, Clone)]
pub(crate) enum RawSource {
    Both(String),
    Each(RawText),
}

/// What a source note may be, as serde says it when it finds something else.
pub(super) const SOURCE_EXPECTED: &str = "a text, or a table { zh = \"…\", en = \"…\" }";

impl<'de> Deserialize<'de> for RawSource {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SourceVisitor;
        impl<'de> serde::de::Visitor<'de> for SourceVisitor {
            type Value = RawSource;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(SOURCE_EXPECTED)
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<RawSource, E> {
                Ok(RawSource::Both(text.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawSource, A::Error> {
                let each = RawText::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(RawSource::Each(each))
            }
        }
        deserializer.deserialize_any(SourceVisitor)
    }
}

/// An option, scale point or matrix item.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawChoice {
    pub code: String,
    pub zh: String,
    pub en: String,
}

/// `[survey]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHeader {
    pub id: String,
    pub title: RawText,
    pub description: RawText,
    pub privacy_notice: RawText,
    pub contact: Option<RawText>,
    pub fieldwork_start: Datetime,
    pub fieldwork_end: Datetime,
    #[serde(default)]
    pub open_on_import: bool,
    pub utc_offset: Option<String>,
}

/// `[scales.<name>]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScale {
    pub points: Vec<RawChoice>,
    pub dont_know: Option<RawChoice>,
}

/// `[strata]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStrata {
    pub question: String,
    pub source: RawSource,
    pub units: Vec<RawStratum>,
}

/// `[[strata.units]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStratum {
    pub code: String,
    pub zh: String,
    pub en: String,
    pub population: u64,
    pub target_sample: Option<u32>,
    pub quota: Option<u32>,
}

/// `[[margins]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMargin {
    pub question: String,
    pub source: RawSource,
    pub targets: BTreeMap<String, f64>,
}

/// `[weighting]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWeighting {
    pub trim_min_factor: Option<f64>,
    pub trim_max_factor: Option<f64>,
    pub max_sweeps: Option<usize>,
    pub tolerance: Option<f64>,
}

/// The `kind` of a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawKind {
    Single,
    Multiple,
    #[serde(rename = "yesno")]
    YesNo,
    Scale,
    Matrix,
    Number,
    Text,
}

/// `show_if = { question = "...", any_of = [...] }`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCondition {
    pub question: String,
    pub any_of: Vec<String>,
}

/// `[[questions]]`: the keys of every kind; which are allowed depends on `kind`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawQuestion {
    pub id: String,
    pub kind: RawKind,
    pub zh: String,
    pub en: String,
    pub help: Option<RawText>,
    pub section: Option<RawText>,
    pub required: Option<bool>,
    pub role: Option<Role>,
    pub quasi_identifier: Option<bool>,
    pub show_if: Option<RawCondition>,
    pub options: Option<Vec<RawChoice>>,
    pub max_choices: Option<usize>,
    pub scale: Option<String>,
    pub items: Option<Vec<RawChoice>>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub integer: Option<bool>,
    pub unit: Option<RawText>,
    pub max_length: Option<usize>,
}

/// The `kind` of an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawMeasureKind {
    Proportion,
    Mean,
    CorrectShare,
}

/// `[[indicators]]`: the keys of every kind; which are allowed depends on `kind`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIndicator {
    pub id: String,
    pub zh: String,
    pub en: String,
    pub kind: RawMeasureKind,
    pub question: Option<String>,
    pub item: Option<String>,
    pub success: Option<Vec<String>>,
    pub excluded: Option<Vec<String>>,
    pub scores: Option<BTreeMap<String, f64>>,
    pub answers: Option<BTreeMap<String, String>>,
    pub threshold: f64,
    pub points: f64,
    pub scoring: Option<Scoring>,
    pub source: RawSource,
}

/// `[rubric]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRubric {
    pub total_points: f64,
}

/// `[quality]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawQuality {
    pub min_duration_seconds: Option<u32>,
    pub straightlining_min_items: Option<usize>,
    #[serde(default)]
    pub exclude: Vec<QualityFlag>,
}

/// `[privacy]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPrivacy {
    pub k_anonymity: Option<u32>,
    pub min_public_cell: Option<u32>,
    pub retention_days: Option<u32>,
}

/// One block of an array of tables, with the path that names it in problems.
#[derive(Debug)]
pub(crate) struct Block<T> {
    pub path: String,
    pub raw: T,
}

/// Everything that could be read from the file. A block that could not be read is left out
/// and its name remembered in `unreadable`, so that references to it are not reported again.
#[derive(Debug, Default)]
pub(crate) struct RawFile {
    pub header: Option<RawHeader>,
    pub scales: Vec<Block<RawScale>>,
    pub scale_names: Vec<String>,
    pub strata: Option<RawStrata>,
    pub margins: Vec<Block<RawMargin>>,
    pub weighting: Option<RawWeighting>,
    pub questions: Vec<Block<RawQuestion>>,
    pub indicators: Vec<Block<RawIndicator>>,
    pub rubric: Option<RawRubric>,
    pub quality: Option<RawQuality>,
    pub privacy: Option<RawPrivacy>,
    pub unreadable: Unreadable,
}

/// Names of blocks that exist in the file but could not be read.
#[derive(Debug, Default)]
pub(crate) struct Unreadable {
    pub sections: BTreeSet<&'static str>,
    pub scales: BTreeSet<String>,
    pub questions: BTreeSet<String>,
    pub margins: BTreeSet<String>,
    pub indicators: usize,
}
