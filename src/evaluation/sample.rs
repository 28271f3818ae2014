//! Responses reduced to what the evaluation reads, one column per variable: the county, the
//! category of each weighting margin, and each indicator's value. A million responses take a few
//! tens of megabytes this way, and each response's answers can be dropped as soon as it is added.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::answers::{reported, AnswerColumns, Reported};
use crate::survey::{Answer, Answers, QualityFlag, Survey};

/// How many responses went in, and why some were left out.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ResponseCounts {
    pub stored: usize,
    pub used: usize,
    /// Responses left out, by reason: a quality flag's name, `unknown_stratum` (a county the
    /// current definition does not have) or `missing_weighting_answer`.
    pub excluded: BTreeMap<String, usize>,
    /// Stored responses carrying each quality flag, whether or not the flag excludes them (a
    /// response excluded for one flag still counts under each of its flags here). Results
    /// stored before this count existed read as none.
    #[serde(default)]
    pub flagged: BTreeMap<String, usize>,
    /// The flags that exclude a response (the survey file's `[quality] exclude`); a response
    /// with several is counted in `excluded` once, under the first of its flags.
    #[serde(default)]
    pub exclusion_rules: Vec<String>,
    /// Synthetic responses among those used.
    pub simulated: usize,
    /// Responses used, by how they came in (`open_link`, `invitation`, `interviewer`,
    /// `simulated`): an open link is self-selection, not a random sample, and readers of the
    /// figures must know how much of them rests on it. Results stored before this count
    /// existed read as none.
    #[serde(default)]
    pub used_by_channel: BTreeMap<String, usize>,
}

impl ResponseCounts {
    /// Whether the survey's exclusion rules leave out the responses carrying this flag.
    pub fn excludes(&self, flag: &str) -> bool {
        self.exclusion_rules.iter().any(|rule| rule == flag)
    }

    /// What a quality flag does to the responses carrying it, in the terminal table's words
    /// (the result set's methodology.md says it in both languages, from `excludes`).
    pub fn flag_fate(&self, flag: &str) -> &'static str {
        if self.excludes(flag) {
            "an exclusion rule"
        } else {
            "kept: not an exclusion rule of this survey"
        }
    }
}

/// The evaluation's view of the responses that passed the exclusion rules.
#[derive(Clone, Debug, Default)]
pub struct Sample {
    /// County index (position in the survey file) of each respondent.
    pub(super) stratum_of: Vec<u32>,
    /// For each margin of the survey file, the category index of each respondent.
    pub(super) margin_of: Vec<Vec<u32>>,
    /// For each indicator of the survey file, each respondent's value; NaN when the respondent is
    /// outside the indicator's denominator (unanswered, hidden, "don't know").
    pub(super) values: Vec<Vec<f64>>,
    /// Each respondent's channel, an index into `channel_names`.
    pub(super) channel_of: Vec<u32>,
    /// The channels responses came by, in the order first met.
    pub(super) channel_names: Vec<String>,
    /// The answers to the questions whose shares are reported, when recorded.
    pub(super) answers: Option<AnswerColumns>,
    pub(super) counts: ResponseCounts,
}

impl Sample {
    pub fn len(&self) -> usize {
        self.stratum_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.stratum_of.is_empty()
    }

    pub fn counts(&self) -> &ResponseCounts {
        &self.counts
    }
}

/// The exclusion reason of a response whose quasi-identifiers a k-anonymous release had to
/// suppress: it cannot be weighted on what was released (see `release::resultset`).
pub const SUPPRESSED_FOR_RELEASE: &str = "suppressed_for_release";

/// Whether a response went into the sample, or why not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inclusion {
    Used,
    /// Left out, with the reason counted in [`ResponseCounts::excluded`].
    Excluded(&'static str),
}

/// Adds responses one at a time, applying the survey file's exclusion rules.
pub struct SampleBuilder<'s> {
    survey: &'s Survey,
    margin_codes: Vec<Vec<&'s str>>,
    /// The questions whose answers are recorded (none unless `recording_answers`).
    reported: Vec<Reported<'s>>,
    sample: Sample,
}

impl<'s> SampleBuilder<'s> {
    pub fn new(survey: &'s Survey) -> SampleBuilder<'s> {
        SampleBuilder {
            survey,
            margin_codes: survey
                .margins
                .iter()
                .map(|m| m.targets.iter().map(|(code, _)| code.as_str()).collect())
                .collect(),
            sample: Sample {
                margin_of: vec![Vec::new(); survey.margins.len()],
                values: vec![Vec::new(); survey.indicators.len()],
                counts: ResponseCounts {
                    exclusion_rules: survey
                        .quality
                        .exclude
                        .iter()
                        .map(|f| f.name().to_owned())
                        .collect(),
                    ..ResponseCounts::default()
                },
                ..Sample::default()
            },
            reported: Vec::new(),
        }
    }

    /// Records, besides what the figures need, every used response's answers to the choice
    /// questions, for [`super::answer_shares`].
    pub fn recording_answers(mut self) -> SampleBuilder<'s> {
        self.reported = reported(self.survey);
        self.sample.answers = Some(AnswerColumns::new(&self.reported));
        self
    }

    /// Adds one response; says whether it is used or why it is left out.
    pub fn add(
        &mut self,
        stratum: &str,
        answers: &Answers,
        flags: &[QualityFlag],
        channel: &str,
    ) -> Inclusion {
        let survey = self.survey;
        let counts = &mut self.sample.counts;
        counts.stored += 1;
        for flag in flags {
            *counts.flagged.entry(flag.name().to_owned()).or_default() += 1;
        }
        let exclude = |counts: &mut ResponseCounts, reason: &'static str| {
            *counts.excluded.entry(reason.to_owned()).or_default() += 1;
            Inclusion::Excluded(reason)
        };
        if stratum == crate::privacy::kanon::SUPPRESSED {
            return exclude(counts, SUPPRESSED_FOR_RELEASE);
        }
        let Some(h) = survey.strata.units.iter().position(|u| u.code == stratum) else {
            return exclude(counts, "unknown_stratum");
        };
        if let Some(flag) = flags.iter().find(|f| survey.quality.exclude.contains(f)) {
            return exclude(counts, flag.name());
        }
        let mut categories = Vec::with_capacity(survey.margins.len());
        for (margin, codes) in survey.margins.iter().zip(&self.margin_codes) {
            let category = match answers.get(&margin.question) {
                Some(Answer::Code(code)) => codes.iter().position(|c| c == code),
                _ => None,
            };
            match category {
                Some(c) => categories.push(c as u32),
                None => return exclude(counts, "missing_weighting_answer"),
            }
        }
        counts.used += 1;
        counts.simulated += usize::from(channel == crate::fieldwork::SIMULATED);
        *counts
            .used_by_channel
            .entry(channel.to_owned())
            .or_default() += 1;
        self.sample.stratum_of.push(h as u32);
        let names = &mut self.sample.channel_names;
        let c = names.iter().position(|n| n == channel).unwrap_or_else(|| {
            names.push(channel.to_owned());
            names.len() - 1
        });
        self.sample.channel_of.push(c as u32);
        for (column, category) in self.sample.margin_of.iter_mut().zip(categories) {
            column.push(category);
        }
        for (column, indicator) in self.sample.values.iter_mut().zip(&survey.indicators) {
            column.push(indicator.value(answers).unwrap_or(f64::NAN));
        }
        if let Some(columns) = &mut self.sample.answers {
            columns.push(&self.reported, answers);
        }
        Inclusion::Used
    }

    pub fn finish(self) -> Sample {
        self.sample
    }
}
