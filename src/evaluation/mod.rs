//! The "social recognition and public satisfaction" evaluation component: for every indicator of
//! the survey file, per county and for the city, the weighted estimate with its 95% interval, the
//! threshold it is held to, a status and the points it earns. Pure: responses in, figures out.
//!
//! City figures are estimated from the whole weighted sample, never averaged from counties.

mod answers;
mod channels;
mod compare;
mod format;
mod json;
mod sample;
mod weighting;

use serde::{Deserialize, Serialize};

use crate::stats::{Design, Estimate, EstimationError, Kind, Reliability, WeightingError};
use crate::survey::{reaches, Answers, Indicator, QualityFlag, Survey, Text};

pub use answers::{answer_shares, AnswerShares, ChoiceShare, ItemOf};
pub use channels::{channel_comparison, ChannelComparison, ChannelFigure, Verdict};
pub use compare::{differences, Differences, VerdictChange};
#[cfg(test)]
pub(crate) use format::test_indicator;
pub use format::{on_its_scale, to_table, two_places_below};
pub use sample::{Inclusion, ResponseCounts, Sample, SampleBuilder, SUPPRESSED_FOR_RELEASE};
pub use weighting::{weigh, WeightingSummary, Weights, CENSUS_FIT};

/// One stored response, as analysis needs it.
#[derive(Clone, Debug)]
pub struct Respondent {
    pub stratum: String,
    pub answers: Answers,
    pub quality_flags: Vec<QualityFlag>,
    /// How the response came in: `open_link`, `invitation`, `interviewer`, or `simulated`
    /// (made by `minyi simulate`, not by a resident).
    pub channel: String,
}

#[derive(Debug, thiserror::Error)]
pub enum EvaluationError {
    #[error("survey {survey}: no usable responses to evaluate ({total} stored, {excluded} excluded by the quality rules)")]
    NoResponses {
        survey: String,
        total: usize,
        excluded: usize,
    },
    #[error("survey {survey}: weighting failed: {source}")]
    Weighting {
        survey: String,
        source: WeightingError,
    },
    #[error("survey {survey}: estimation failed: {source}")]
    Estimation {
        survey: String,
        source: EstimationError,
    },
}

/// Where an indicator stands against its threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The whole 95% interval is at or above the threshold.
    Met,
    /// The whole 95% interval is below the threshold.
    NotMet,
    /// The threshold lies inside the 95% interval (above its lower end, at or below its upper
    /// end): the sample cannot tell.
    TooCloseToCall,
    /// Too few answers to judge: the domain's effective sample size is under
    /// [`MIN_EFFECTIVE_N`](crate::stats::MIN_EFFECTIVE_N), its interval is undefined, or (the
    /// city) a county has a single respondent, whose share of the variance is unknown. A
    /// handful of answers with an interval that happens to clear the threshold (three
    /// residents who all gave the same score) is not a verdict.
    Undetermined,
    /// No valid answers in this domain.
    NoData,
}

impl Status {
    pub fn of(estimate: &Estimate, threshold: f64) -> Status {
        if estimate.estimate.is_nan() {
            Status::NoData
        } else if estimate.flags.low_effective_n
            || estimate.flags.undefined
            || estimate.flags.lone_county
        {
            Status::Undetermined
        } else if reaches(estimate.ci_low, threshold) {
            Status::Met
        } else if !reaches(estimate.ci_high, threshold) {
            Status::NotMet
        } else {
            Status::TooCloseToCall
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "not_met",
            Status::TooCloseToCall => "too_close_to_call",
            Status::Undetermined => "undetermined",
            Status::NoData => "no_data",
        }
    }
}

/// One indicator in one domain.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IndicatorResult {
    pub id: String,
    pub label: Text,
    /// `proportion` (0–1) or `mean` (0–100 points).
    pub kind: String,
    #[serde(with = "json")]
    pub estimate: f64,
    #[serde(with = "json")]
    pub se: f64,
    #[serde(with = "json")]
    pub ci_low: f64,
    #[serde(with = "json")]
    pub ci_high: f64,
    pub n: usize,
    #[serde(with = "json")]
    pub effective_n: f64,
    #[serde(with = "json")]
    pub deff: f64,
    #[serde(with = "json")]
    pub threshold: f64,
    pub status: Status,
    /// The point estimate reaches the threshold (the rule for points). Named as in
    /// estimates.csv; results published before carry it as `point_meets`.
    #[serde(alias = "point_meets")]
    pub estimate_meets_threshold: bool,
    /// The lower end of the 95% interval clears the threshold too (before:
    /// `lower_bound_clears`).
    #[serde(alias = "lower_bound_clears")]
    pub interval_clears_threshold: bool,
    #[serde(with = "json")]
    pub points: f64,
    #[serde(with = "json")]
    pub max_points: f64,
    pub reliable: bool,
    pub flags: Reliability,
}

/// The evaluation component for the city or one county.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DomainResult {
    /// `city`, or the county code.
    pub code: String,
    pub name: Text,
    /// Responses used (after exclusions).
    pub respondents: usize,
    /// Kish effective sample size of the final weights.
    #[serde(with = "json")]
    pub effective_n: f64,
    /// Kish design effect of the final weights.
    #[serde(with = "json")]
    pub weighting_deff: f64,
    pub indicators: Vec<IndicatorResult>,
    /// Points earned, summed over the indicators.
    #[serde(with = "json")]
    pub points: f64,
    #[serde(with = "json")]
    pub max_points: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Evaluation {
    pub survey_id: String,
    pub responses: ResponseCounts,
    /// True when any synthetic response was used: these figures describe no real population.
    pub includes_simulated: bool,
    pub weighting: WeightingSummary,
    /// The city first, then every county in the order of the survey file.
    pub domains: Vec<DomainResult>,
    /// What the quality rules' exclusions do to the city's figures: set on published
    /// results (`publishing`), never in a result set's own evaluation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<Sensitivity>,
    /// The days responses actually came in, beside the file's planned fieldwork: set on
    /// published results (`publishing`), never in a result set's own evaluation (whose
    /// methodology.md says them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted: Option<SubmittedDays>,
    /// All the survey's invitations and the responses that came in through them (the
    /// response rate), when residents were invited: set on published results (`publishing`),
    /// never in a result set's own evaluation (whose methodology.md gives each county's invitations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitations: Option<crate::invitations::Uptake>,
    /// How the city answered each choice question, on the same responses and weights as the
    /// figures: set on published results (`publishing`), never in a result set's own
    /// evaluation (whose responses.csv and weights give them to anyone who counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<Vec<AnswerShares>>,
    /// How the city's figures differ by the way the answers came in, when they came in more
    /// than one way: set on published results (`publishing`), never in a result set's own
    /// evaluation (whose responses.csv gives every row's channel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<ChannelComparison>>,
}

/// The first and last days (the survey's local dates, `YYYY-MM-DD`) a stored response was
/// submitted on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmittedDays {
    pub first: String,
    pub last: String,
}

/// The city's figures with the quality rules' exclusions applied, as published (on the
/// released rows, or the stored ones where there is no result set), and with the excluded
/// responses kept: how much the published figures owe to the rules
/// (straight-lining exclusion removes uniform, often satisfied, raters).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sensitivity {
    /// Responses the quality rules left out, kept in the second set of figures.
    pub kept: usize,
    pub city: Vec<SensitivityFigure>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SensitivityFigure {
    pub id: String,
    #[serde(with = "json")]
    pub with_rules: f64,
    #[serde(with = "json")]
    pub without_rules: f64,
}

impl Sensitivity {
    /// Compares two evaluations of the same responses, with the rules and without them; `None`
    /// when the rules left nothing out.
    pub fn of(with_rules: &Evaluation, without_rules: &Evaluation) -> Option<Sensitivity> {
        let kept: usize = with_rules
            .responses
            .excluded
            .iter()
            .filter(|(reason, _)| with_rules.responses.excludes(reason))
            .map(|(_, n)| n)
            .sum();
        let (with, without) = (with_rules.domains.first()?, without_rules.domains.first()?);
        (kept > 0).then(|| Sensitivity {
            kept,
            city: with
                .indicators
                .iter()
                .zip(&without.indicators)
                .map(|(a, b)| SensitivityFigure {
                    id: a.id.clone(),
                    with_rules: a.estimate,
                    without_rules: b.estimate,
                })
                .collect(),
        })
    }
}

pub const CITY: &str = "city";

/// The component total a domain could have earned anywhere within its indicators' 95%
/// intervals: each indicator scored at its interval's lower end, then at its upper end. An
/// indicator with no interval could earn anything from none to all of its points, one with no
/// data earns none. The rubric scores the point estimate alone; this range says how much of
/// the total rests on sampling noise.
pub fn points_range(survey: &Survey, domain: &DomainResult) -> (f64, f64) {
    survey
        .indicators
        .iter()
        .zip(&domain.indicators)
        .map(|(indicator, result)| {
            if result.estimate.is_nan() {
                (0.0, 0.0)
            } else if result.ci_low.is_nan() || result.ci_high.is_nan() {
                (0.0, indicator.points)
            } else {
                (
                    indicator.points_for(result.ci_low),
                    indicator.points_for(result.ci_high),
                )
            }
        })
        .fold((0.0, 0.0), |(low, high), (l, h)| (low + l, high + h))
}

/// Points as shown to one decimal: rounded down, so that an indicator short of its threshold
/// never shows full points (4.98 of 5 reads 4.9, not 5.0). Files keep the exact figure.
pub fn points_shown(points: f64) -> String {
    // The nudge keeps a sum such as 29.999999999 from reading 29.9.
    format!("{:.1}", ((points * 10.0) + 1e-9).floor() / 10.0)
}

/// The top of a range of points as shown: to one decimal, rounded up, so that a range shown
/// holds the range computed (14.284 reads 14.3: rounded down, as a total is, the range shown
/// would leave out its own top).
pub fn points_shown_up(points: f64) -> String {
    format!("{:.1}", ((points * 10.0) - 1e-9).ceil() / 10.0)
}

/// Evaluates a survey's responses: exclusions, weights, estimates, statuses and points.
pub fn evaluate(
    survey: &Survey,
    respondents: &[Respondent],
) -> Result<Evaluation, EvaluationError> {
    let mut builder = SampleBuilder::new(survey);
    for r in respondents {
        builder.add(&r.stratum, &r.answers, &r.quality_flags, &r.channel);
    }
    evaluate_sample(survey, &builder.finish())
}

/// Evaluates a sample built with [`SampleBuilder`] from the same survey definition.
pub fn evaluate_sample(survey: &Survey, sample: &Sample) -> Result<Evaluation, EvaluationError> {
    let weights = sample_weights(survey, sample)?;
    evaluate_weighted(survey, sample, &weights)
}

/// The final weights of a sample's respondents ([`weigh`]); an empty sample is
/// [`EvaluationError::NoResponses`].
pub fn sample_weights(survey: &Survey, sample: &Sample) -> Result<Weights, EvaluationError> {
    if sample.is_empty() {
        let counts = &sample.counts;
        return Err(EvaluationError::NoResponses {
            survey: survey.id.clone(),
            total: counts.stored,
            excluded: counts.excluded.values().sum(),
        });
    }
    weigh(survey, sample).map_err(|source| EvaluationError::Weighting {
        survey: survey.id.clone(),
        source,
    })
}

/// [`evaluate_sample`] with the sample's weights already made by [`sample_weights`].
pub fn evaluate_weighted(
    survey: &Survey,
    sample: &Sample,
    weights: &Weights,
) -> Result<Evaluation, EvaluationError> {
    let counts = sample.counts.clone();
    let design = design_of(survey, sample, weights)?;
    let estimation_error = |source| EvaluationError::Estimation {
        survey: survey.id.clone(),
        source,
    };

    let per_indicator = survey
        .indicators
        .iter()
        .zip(&sample.values)
        .map(|(indicator, column)| {
            let values: Vec<Option<f64>> =
                column.iter().map(|v| (!v.is_nan()).then_some(*v)).collect();
            let kind = if indicator.kind_is_proportion() {
                Kind::Proportion
            } else {
                Kind::Mean
            };
            design
                .estimate_domains(&values, kind)
                .map_err(estimation_error)
        })
        .collect::<Result<Vec<_>, _>>()?;

    let kish = design.kish();
    let mut respondents_in = vec![0usize; survey.strata.units.len()];
    for &h in &sample.stratum_of {
        respondents_in[h as usize] += 1;
    }
    let city_name = Text {
        zh: "全市".into(),
        en: "City".into(),
    };
    let mut domains = vec![domain(
        CITY,
        city_name,
        sample.len(),
        &kish.city,
        survey
            .indicators
            .iter()
            .zip(&per_indicator)
            .map(|(i, e)| (i, &e.city)),
    )];
    for (h, unit) in survey.strata.units.iter().enumerate() {
        domains.push(domain(
            &unit.code,
            unit.name.clone(),
            respondents_in[h],
            &kish.strata[h],
            survey
                .indicators
                .iter()
                .zip(&per_indicator)
                .map(|(i, e)| (i, &e.strata[h])),
        ));
    }
    Ok(Evaluation {
        survey_id: survey.id.clone(),
        includes_simulated: counts.simulated > 0,
        responses: counts,
        weighting: weights.summary.clone(),
        domains,
        sensitivity: None,
        submitted: None,
        invitations: None,
        answers: None,
        channels: None,
    })
}

/// The design the estimates are made under: counties as strata, the final weights, and the
/// margins they were raked to.
fn design_of<'a>(
    survey: &Survey,
    sample: &'a Sample,
    weights: &'a Weights,
) -> Result<Design<'a>, EvaluationError> {
    Design::new(
        &sample.stratum_of,
        survey.strata.units.len(),
        &weights.weights,
        weights.raked_margins(),
    )
    .map_err(|source| EvaluationError::Estimation {
        survey: survey.id.clone(),
        source,
    })
}

fn domain<'a>(
    code: &str,
    name: Text,
    respondents: usize,
    kish: &crate::stats::Kish,
    estimates: impl Iterator<Item = (&'a Indicator, &'a Estimate)>,
) -> DomainResult {
    let indicators: Vec<IndicatorResult> = estimates.map(|(i, e)| indicator_result(i, e)).collect();
    DomainResult {
        code: code.to_owned(),
        name,
        respondents,
        effective_n: kish.effective_n,
        weighting_deff: kish.deff,
        points: indicators.iter().map(|i| i.points).sum(),
        max_points: indicators.iter().map(|i| i.max_points).sum(),
        indicators,
    }
}

fn indicator_result(indicator: &Indicator, e: &Estimate) -> IndicatorResult {
    let status = Status::of(e, indicator.threshold);
    IndicatorResult {
        id: indicator.id.clone(),
        label: indicator.label.clone(),
        kind: if indicator.kind_is_proportion() {
            "proportion"
        } else {
            "mean"
        }
        .to_owned(),
        estimate: e.estimate,
        se: e.se,
        ci_low: e.ci_low,
        ci_high: e.ci_high,
        n: e.n,
        effective_n: e.effective_n,
        deff: e.deff,
        threshold: indicator.threshold,
        status,
        estimate_meets_threshold: reaches(e.estimate, indicator.threshold),
        interval_clears_threshold: reaches(e.ci_low, indicator.threshold),
        points: indicator.points_for(e.estimate),
        max_points: indicator.points,
        reliable: e.flags.is_reliable(),
        flags: e.flags,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Reliability;

    #[test]
    fn a_range_of_points_is_shown_outward_so_that_it_holds_the_range_computed() {
        assert_eq!(
            (points_shown(13.964), points_shown_up(14.284)),
            ("13.9".into(), "14.3".into())
        );
        assert_eq!(
            points_shown_up(14.3),
            "14.3",
            "a top already at one decimal stays"
        );
        assert_eq!(points_shown_up(29.999_999_999_9), "30.0");
        assert_eq!(
            points_shown_up(30.000_000_000_1),
            "30.0",
            "not 30.1 for a sum's last digit"
        );
    }

    #[test]
    fn an_indicator_stored_under_the_old_names_of_its_threshold_flags_reads_back() {
        let mut stored =
            serde_json::to_value(test_indicator("proportion", 0.6, 0.7, (0.65, 0.75))).unwrap();
        let fields = stored.as_object_mut().unwrap();
        fields.remove("estimate_meets_threshold");
        fields.remove("interval_clears_threshold");
        fields.insert("point_meets".into(), true.into());
        fields.insert("lower_bound_clears".into(), true.into());
        let read: IndicatorResult = serde_json::from_value(stored).unwrap();
        assert!(read.estimate_meets_threshold && read.interval_clears_threshold);
        let written = serde_json::to_value(&read).unwrap();
        assert_eq!(written["estimate_meets_threshold"], true, "{written}");
        assert!(
            written.get("point_meets").is_none(),
            "one name, as in estimates.csv"
        );
    }

    fn figure(estimate: f64, ci: (f64, f64), effective_n: f64) -> Estimate {
        let defined = ci.0.is_finite() && ci.1.is_finite();
        Estimate {
            estimate,
            se: 0.01,
            ci_low: ci.0,
            ci_high: ci.1,
            n: 400,
            df: 393.0,
            deff: 1.0,
            effective_n,
            flags: Reliability {
                low_effective_n: effective_n < 30.0,
                undefined: !defined,
                ..Reliability::default()
            },
        }
    }

    #[test]
    fn the_interval_decides_and_its_lower_end_on_the_threshold_is_met() {
        let cases = [
            (
                "wholly above",
                figure(0.70, (0.65, 0.75), 300.0),
                Status::Met,
            ),
            (
                "lower end on it",
                figure(0.65, (0.60, 0.70), 300.0),
                Status::Met,
            ),
            (
                "wholly below",
                figure(0.50, (0.45, 0.55), 300.0),
                Status::NotMet,
            ),
            (
                "upper end on it",
                figure(0.55, (0.50, 0.60), 300.0),
                Status::TooCloseToCall,
            ),
            (
                "across it",
                figure(0.61, (0.56, 0.66), 300.0),
                Status::TooCloseToCall,
            ),
            (
                "lower end on it but for floating point",
                figure(0.65, (0.6 - 1e-16, 0.70), 300.0),
                Status::Met,
            ),
            (
                "upper end on it but for floating point",
                figure(0.55, (0.50, 0.6 - 1e-16), 300.0),
                Status::TooCloseToCall,
            ),
            (
                "upper end a ten-millionth below",
                figure(0.55, (0.50, 0.6 - 1e-7), 300.0),
                Status::NotMet,
            ),
        ];
        for (what, estimate, expected) in cases {
            assert_eq!(Status::of(&estimate, 0.60), expected, "{what}");
        }
    }

    #[test]
    fn points_short_of_full_never_read_as_full() {
        assert_eq!(points_shown(4.98), "4.9");
        assert_eq!(points_shown(5.0), "5.0");
        assert_eq!(
            points_shown(0.1 + 0.2),
            "0.3",
            "a sum's rounding error is not cut"
        );
        assert_eq!(points_shown(0.0), "0.0");
    }

    #[test]
    fn a_handful_of_answers_or_no_interval_is_no_verdict() {
        // Three residents who all gave 80: an interval of zero width that "clears" 80.
        let three_alike = figure(80.0, (80.0, 80.0), 3.0);
        assert_eq!(Status::of(&three_alike, 80.0), Status::Undetermined);
        let no_interval = figure(0.9, (f64::NAN, f64::NAN), 300.0);
        assert_eq!(Status::of(&no_interval, 0.6), Status::Undetermined);
        let nothing = figure(f64::NAN, (f64::NAN, f64::NAN), 0.0);
        assert_eq!(Status::of(&nothing, 0.6), Status::NoData);
        assert_eq!(Status::Undetermined.name(), "undetermined");
    }
}
