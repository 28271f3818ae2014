//! The validated survey definition: the types the rest of Minyi reads.
//!
//! A value of these types only comes out of [`Survey::from_toml`], which has checked every
//! cross-reference (question ids, option codes, strata, margins, indicators), so code that
//! reads a `Survey` never needs to re-validate it.

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, Utc};
use serde::{Deserialize, Serialize};

use super::answers::{Answer, Answers};
use super::conditions::Condition;
use super::error::{said, Said};
use super::indicators::Indicator;
use super::quality::QualityRules;

/// A language the survey is shown in. Every label in a survey file exists in both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    /// Simplified Chinese, the default.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Reads a language code as sent by a browser or written in a URL: `zh`, `zh-CN`,
    /// `zh_Hans`, `ZH` and so on give Chinese; `en`, `en-GB`, `en_US` give English.
    pub fn from_code(code: &str) -> Option<Lang> {
        let code = code.trim().to_ascii_lowercase();
        let primary = code.split(['-', '_']).next().unwrap_or_default();
        match primary {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The code a form or a link names the language by (`_lang`, `?lang=`): `zh` or `en`.
    pub fn param(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The BCP 47 code for an HTML `lang` attribute: `zh-CN` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// A label in Chinese and English.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Text {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Text {
    /// The label in `lang`; falls back to Chinese if the English is empty.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En if !self.en.is_empty() => &self.en,
            _ => &self.zh,
        }
    }
}

/// One survey: its questions, its sampling frame, and how it is evaluated.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Survey {
    /// Identifier used in URLs and file names: 1 to 64 characters `a-z`, `0-9`, `-`.
    pub id: String,
    /// Title shown to respondents and on result pages.
    pub title: Text,
    /// What the survey is for, shown on the first page.
    pub description: Text,
    /// What is collected, what is not, and how long it is kept; shown before the first question.
    pub privacy_notice: Text,
    /// Who runs the survey and how a resident can check it or ask about it (an office's
    /// telephone, a web page): in invitations, reminders and on the survey's first page, so that
    /// a resident can tell a real survey from a phishing mail. Optional.
    pub contact: Option<Text>,
    /// First day of fieldwork (inclusive).
    pub fieldwork_start: NaiveDate,
    /// Last day of fieldwork (inclusive); never before `fieldwork_start`.
    pub fieldwork_end: NaiveDate,
    /// A newly imported draft is opened for responses at once.
    pub open_on_import: bool,
    /// Where the survey runs, as seconds east of UTC (`CHINA_UTC_OFFSET_SECONDS` unless the file
    /// says otherwise): the dates of its fieldwork, of each response and of its bulletins.
    pub utc_offset_seconds: i32,
    /// The strata (county-level units) and their census populations.
    pub strata: Strata,
    /// City-level population margins the weights are raked to (may be empty).
    pub margins: Vec<Margin>,
    /// Numerical settings for raking and trimming.
    pub weighting: WeightingRules,
    /// The questions, in the order they are asked.
    pub questions: Vec<Question>,
    /// The indicators of the evaluation component, with their thresholds and points.
    pub indicators: Vec<Indicator>,
    /// Which responses are flagged, and which flags exclude a response from estimates.
    pub quality: QualityRules,
    /// Disclosure control and retention.
    pub privacy: PrivacyRules,
}

/// The strata of the sample: every response belongs to exactly one, given by its answer to
/// the stratum question.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Strata {
    /// Id of the question with role `stratum`; its option codes are exactly the strata codes.
    pub question: String,
    /// Where the population figures come from.
    pub source: Text,
    /// The strata, in display order.
    pub units: Vec<Stratum>,
}

/// One stratum, e.g. a county-level unit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stratum {
    /// Option code of the stratum question.
    pub code: String,
    /// Name shown on result pages.
    pub name: Text,
    /// Population (greater than 0), from `Strata::source`.
    pub population: u64,
    /// Completed interviews aimed for (at least 1), for fieldwork progress.
    pub target_sample: Option<u32>,
    /// Most completed interviews accepted (at least 1, not below `target_sample`).
    pub quota: Option<u32>,
}

/// Population counts for the categories of one single-choice question, at city level.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Margin {
    /// Id of a single-choice question with role `weighting`.
    pub question: String,
    /// Where the counts come from and how they were derived.
    pub source: Text,
    /// Population count for every option code of the question, in the question's option order.
    /// Totals agree with the strata population within 0.5%; the weighting rescales them to
    /// the strata total.
    pub targets: Vec<(String, f64)>,
}

/// Numerical settings for weighting.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WeightingRules {
    /// Lowest weight allowed, as a factor of the stratum's base weight (0 < f ≤ 1).
    pub trim_min_factor: f64,
    /// Highest weight allowed, as a factor of the stratum's base weight (≥ 1).
    pub trim_max_factor: f64,
    /// Most raking sweeps before giving up (≥ 1).
    pub max_sweeps: usize,
    /// Raking stops when no margin is off by more than this share (> 0).
    pub tolerance: f64,
}

impl Default for WeightingRules {
    fn default() -> Self {
        WeightingRules {
            trim_min_factor: 0.3,
            trim_max_factor: 3.0,
            max_sweeps: 100,
            tolerance: 1e-10,
        }
    }
}

/// One question.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Question {
    /// Identifier, also the form field name: a lowercase letter, then `a-z`, `0-9`, `_`.
    pub id: String,
    /// The question as asked.
    pub text: Text,
    /// A short explanation shown under the question.
    pub help: Option<Text>,
    /// The heading of the part of the form this question begins ("二、食品安全满意度"): a
    /// long form in parts, each numbered "第 2 部分，共 5 部分", tells a resident where they are.
    pub section: Option<Text>,
    /// Must be answered when shown.
    pub required: bool,
    /// What the sampling design uses this question for.
    pub role: Option<Role>,
    /// Shown only when this condition on an earlier answer holds.
    pub show_if: Option<Condition>,
    /// What kind of answer is asked for.
    pub kind: QuestionKind,
    /// Could help re-identify a respondent when combined with others (k-anonymity applies).
    pub quasi_identifier: bool,
}

/// What the sampling design uses a question for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Gives the respondent's stratum (exactly one question has it).
    Stratum,
    /// Has a city-level margin the weights are raked to.
    Weighting,
}

/// The kind of answer a question asks for.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuestionKind {
    /// Pick one option.
    Single {
        /// The options, in display order.
        options: Vec<Choice>,
    },
    /// Pick any number of options (up to `max_choices`).
    Multiple {
        /// The options, in display order.
        options: Vec<Choice>,
        /// Most options that may be picked.
        max_choices: Option<usize>,
    },
    /// Yes or no; the options are always `yes` 是/Yes and `no` 否/No.
    YesNo {
        /// `yes` then `no`.
        options: Vec<Choice>,
    },
    /// One rating on a scale (e.g. 5-point satisfaction plus "don't know").
    Scale {
        /// The scale.
        scale: Scale,
    },
    /// Several items, each rated on the same scale.
    Matrix {
        /// The scale every item is rated on.
        scale: Scale,
        /// The items, in display order.
        items: Vec<Choice>,
    },
    /// A number between `min` and `max`.
    Number {
        /// Smallest accepted value.
        min: f64,
        /// Largest accepted value (greater than `min`).
        max: f64,
        /// Only whole numbers are accepted.
        integer: bool,
        /// Unit shown after the input box.
        unit: Option<Text>,
    },
    /// Short free text.
    Text {
        /// Most characters accepted (after trimming).
        max_length: usize,
    },
}

impl QuestionKind {
    /// The name used for this kind in survey files: `single`, `multiple`, `yesno`, `scale`,
    /// `matrix`, `number` or `text`.
    pub fn name(&self) -> &'static str {
        match self {
            QuestionKind::Single { .. } => "single",
            QuestionKind::Multiple { .. } => "multiple",
            QuestionKind::YesNo { .. } => "yesno",
            QuestionKind::Scale { .. } => "scale",
            QuestionKind::Matrix { .. } => "matrix",
            QuestionKind::Number { .. } => "number",
            QuestionKind::Text { .. } => "text",
        }
    }
}

/// An ordered set of answer points, optionally with a "don't know" answer outside the order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scale {
    /// The points, in display order.
    pub points: Vec<Choice>,
    /// The "don't know" answer, shown after the points.
    pub dont_know: Option<Choice>,
}

impl Scale {
    /// Every answer a respondent can give: the points, then "don't know".
    pub fn choices(&self) -> impl Iterator<Item = &Choice> {
        self.points.iter().chain(self.dont_know.iter())
    }
}

/// An answer option (or a matrix item): a code stored in the data and a label shown.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Choice {
    /// Stored in the data: 1 to 32 characters `a-z`, `0-9`, `_`, `-`.
    pub code: String,
    /// Shown to the respondent.
    pub label: Text,
}

/// Disclosure control and retention.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PrivacyRules {
    /// Every combination of quasi-identifier answers in an export is shared by at least this
    /// many responses (≥ 2).
    pub k_anonymity: u32,
    /// A published estimate rests on at least this many responses (≥ `k_anonymity`).
    pub min_public_cell: u32,
    /// Days after fieldwork ends that raw responses are kept (≥ 1).
    pub retention_days: u32,
}

impl Default for PrivacyRules {
    fn default() -> Self {
        PrivacyRules {
            k_anonymity: 5,
            min_public_cell: 30,
            retention_days: 180,
        }
    }
}

impl Question {
    /// The answers a respondent can pick for a choice-like question (single, multiple, yesno,
    /// scale), or the scale answers of a matrix; empty for number and text questions.
    pub fn choices(&self) -> Vec<&Choice> {
        match &self.kind {
            QuestionKind::Single { options }
            | QuestionKind::Multiple { options, .. }
            | QuestionKind::YesNo { options } => options.iter().collect(),
            QuestionKind::Scale { scale } | QuestionKind::Matrix { scale, .. } => {
                scale.choices().collect()
            }
            QuestionKind::Number { .. } | QuestionKind::Text { .. } => Vec::new(),
        }
    }

    /// The answer with this code, if the question has it (see [`Question::choices`]).
    pub fn choice(&self, code: &str) -> Option<&Choice> {
        self.choices()
            .into_iter()
            .find(|choice| choice.code == code)
    }

    /// The items of a matrix question; empty for other kinds.
    pub fn items(&self) -> &[Choice] {
        match &self.kind {
            QuestionKind::Matrix { items, .. } => items,
            _ => &[],
        }
    }
}

/// China Standard Time, UTC+08:00 all year: where Minyi's surveys run unless a file says
/// otherwise, and the time staff pages give server-wide times in (the audit log).
pub const CHINA_UTC_OFFSET_SECONDS: i32 = 8 * 3600;

impl Survey {
    /// The most bytes the survey's text boxes may add to a posted form: each box's name and up
    /// to `max_length` characters, each as many as 12 bytes once a browser has encoded it
    /// (a four-byte UTF-8 character, percent-encoded). A Chinese character takes 9, so two
    /// boxes of 5,000 characters post about 90 KB: more than a body limit that holds every
    /// other answer of any survey.
    pub fn free_text_form_bytes(&self) -> usize {
        self.questions
            .iter()
            .map(|q| match q.kind {
                QuestionKind::Text { max_length } => q.id.len() + 2 + 12 * max_length,
                _ => 0,
            })
            .sum()
    }

    /// The survey's own time (`utc_offset_seconds`).
    pub fn time_zone(&self) -> FixedOffset {
        FixedOffset::east_opt(self.utc_offset_seconds).unwrap_or_else(|| Utc.fix())
    }

    /// The date at instant `at` where the survey runs: a response's date, fieldwork's "today".
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.time_zone()).date_naive()
    }

    /// Where `today` (the survey's own date) lies against the planned fieldwork, when outside
    /// it: fieldwork dates plan the survey; opening and closing it is what takes answers or
    /// stops them, so an open survey outside its dates is worth a word, not a refusal.
    pub fn outside_fieldwork(&self, today: NaiveDate) -> Option<Said> {
        if today < self.fieldwork_start {
            Some(said!(
                "note_fieldwork_ahead",
                "its planned fieldwork starts on {start} ({days} days from now); residents can \
                 answer as soon as it is open",
                start = self.fieldwork_start,
                days = (self.fieldwork_start - today).num_days()
            ))
        } else if today > self.fieldwork_end {
            Some(said!(
                "note_fieldwork_past",
                "its planned fieldwork ended on {end} ({days} days ago); residents can answer \
                 until it is closed",
                end = self.fieldwork_end,
                days = (today - self.fieldwork_end).num_days()
            ))
        } else {
            None
        }
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|question| question.id == id)
    }

    /// The stratum with this code.
    pub fn stratum(&self, code: &str) -> Option<&Stratum> {
        self.strata
            .units
            .iter()
            .find(|stratum| stratum.code == code)
    }

    /// The stratum code a response belongs to: its answer to the stratum question, if that is
    /// one of the strata.
    pub fn stratum_of<'a>(&self, answers: &'a Answers) -> Option<&'a str> {
        match answers.get(&self.strata.question) {
            Some(Answer::Code(code)) if self.stratum(code).is_some() => Some(code.as_str()),
            _ => None,
        }
    }

    /// Sum of the points of all indicators: the maximum score of the evaluation component.
    pub fn total_points(&self) -> f64 {
        self.indicators
            .iter()
            .map(|indicator| indicator.points)
            .sum()
    }

    /// The ids of the quasi-identifier questions, in question order.
    pub fn quasi_identifiers(&self) -> Vec<&str> {
        self.questions
            .iter()
            .filter(|question| question.quasi_identifier)
            .map(|question| question.id.as_str())
            .collect()
    }
}
