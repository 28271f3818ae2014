//! How the answers differ by the way they came in (public link, invitation, interviewer): for
//! each channel, the city's figures from its responses alone and their difference from every
//! other response's, with a 95% interval. Offices coaching residents to answer "satisfied" would
//! show first in the channel they push; a clear difference is worth asking about, though
//! channels also reach different residents, so it proves nothing by itself.

use serde::{Deserialize, Serialize};

use super::{design_of, json, EvaluationError, Sample, Weights};
use crate::privacy::public_cell;
use crate::stats::Kind;
use crate::survey::Survey;

/// One channel's responses beside all the others'.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelComparison {
    /// `open_link`, `invitation`, `interviewer` or `simulated`.
    pub channel: String,
    /// Responses used that came this way.
    pub respondents: usize,
    /// One figure per indicator of the survey file, in its order.
    pub indicators: Vec<ChannelFigure>,
}

/// One indicator, city-wide, from one channel's responses.
///
/// Figures resting on few answers (an effective sample under 30 on either side, or fewer
/// answers than the survey's `min_public_cell`) are withheld (NaN, `null` in JSON), not merely
/// flagged: a channel's share from a handful of interviews would tell each interviewer what
/// their residents said.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelFigure {
    pub id: String,
    /// The estimate from this channel's valid answers alone.
    #[serde(with = "json")]
    pub estimate: f64,
    #[serde(with = "json")]
    pub ci_low: f64,
    #[serde(with = "json")]
    pub ci_high: f64,
    /// Valid answers from this channel.
    pub n: usize,
    /// This channel's estimate minus that of every other response, on the indicator's scale
    /// (a share's difference as a share: 0.05 is five percentage points).
    #[serde(with = "json")]
    pub difference: f64,
    #[serde(with = "json")]
    pub difference_low: f64,
    #[serde(with = "json")]
    pub difference_high: f64,
    /// Enough answers on both sides, the intervals defined: the figures above are given.
    pub shown: bool,
    /// The difference's 95% interval leaves out zero.
    pub clear: bool,
}

/// Each channel the used responses came by, compared with the rest; empty when they all came
/// one way. Channels in the order of [`crate::fieldwork::CHANNELS`], any other after them.
pub fn channel_comparison(
    survey: &Survey,
    sample: &Sample,
    weights: &Weights,
) -> Result<Vec<ChannelComparison>, EvaluationError> {
    let mut channels: Vec<usize> = (0..sample.channel_names.len()).collect();
    if channels.len() < 2 {
        return Ok(Vec::new());
    }
    let rank = |name: &str| {
        crate::fieldwork::CHANNELS
            .iter()
            .position(|c| *c == name)
            .unwrap_or(usize::MAX)
    };
    channels.sort_by_key(|&c| (rank(&sample.channel_names[c]), c));
    let design = design_of(survey, sample, weights)?;
    let estimation_error = |source| EvaluationError::Estimation {
        survey: survey.id.clone(),
        source,
    };
    let mut comparisons = Vec::with_capacity(channels.len());
    for c in channels {
        let in_channel: Vec<bool> = sample
            .channel_of
            .iter()
            .map(|&of| of as usize == c)
            .collect();
        let mut indicators = Vec::with_capacity(survey.indicators.len());
        for (indicator, column) in survey.indicators.iter().zip(&sample.values) {
            let kind = if indicator.kind_is_proportion() {
                Kind::Proportion
            } else {
                Kind::Mean
            };
            let values: Vec<Option<f64>> =
                column.iter().map(|v| (!v.is_nan()).then_some(*v)).collect();
            let own: Vec<Option<f64>> = values
                .iter()
                .zip(&in_channel)
                .map(|(v, &inside)| if inside { *v } else { None })
                .collect();
            let estimate = design
                .estimate_domains(&own, kind)
                .map_err(estimation_error)?
                .city;
            let difference = design
                .estimate_differences(&values, &in_channel, kind)
                .map_err(estimation_error)?
                .city;
            // Either side's effective sample under the bar (so fewer than that many answers)
            // flags the difference; either side under the survey's smallest public figure
            // withholds it.
            let public = |n: usize| public_cell(n, (), &survey.privacy).is_some();
            let shown = estimate.flags.is_reliable()
                && difference.flags.is_reliable()
                && public(difference.n_group)
                && public(difference.n_others);
            let given = |v: f64| if shown { v } else { f64::NAN };
            indicators.push(ChannelFigure {
                id: indicator.id.clone(),
                estimate: given(estimate.estimate),
                ci_low: given(estimate.ci_low),
                ci_high: given(estimate.ci_high),
                n: estimate.n,
                difference: given(difference.difference),
                difference_low: given(difference.ci_low),
                difference_high: given(difference.ci_high),
                shown,
                clear: shown && difference.is_clear(),
            });
        }
        comparisons.push(ChannelComparison {
            channel: sample.channel_names[c].clone(),
            respondents: in_channel.iter().filter(|&&inside| inside).count(),
            indicators,
        });
    }
    Ok(comparisons)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::{sample_weights, SampleBuilder};
    use crate::stats::Design;
    use crate::survey::{Answers, FormInput};

    fn example() -> Survey {
        let source = include_str!("../../surveys/jiaxing-food-safety-2016.toml");
        Survey::from_toml(source, "surveys/jiaxing-food-safety-2016.toml")
            .expect("example is valid")
    }

    /// 900 simulated residents' answers.
    fn residents(survey: &Survey) -> Vec<Answers> {
        crate::simulate::simulate(survey, 900, 8)
            .map(|form| {
                survey
                    .validate(&FormInput::from_pairs(form.fields))
                    .expect("simulated forms are valid")
            })
            .collect()
    }

    /// The sample of `answers`, respondent i coming by `channel(i, answers)`.
    fn compared(
        survey: &Survey,
        answers: &[Answers],
        channel: impl Fn(usize, &Answers) -> &'static str,
    ) -> (Sample, Weights, Vec<ChannelComparison>) {
        let mut builder = SampleBuilder::new(survey);
        for (i, a) in answers.iter().enumerate() {
            let stratum = survey.stratum_of(a).expect("a county").to_owned();
            builder.add(&stratum, a, &[], channel(i, a));
        }
        let sample = builder.finish();
        let weights = sample_weights(survey, &sample).expect("weights");
        let comparison = channel_comparison(survey, &sample, &weights).expect("compared");
        (sample, weights, comparison)
    }

    fn figure<'c>(c: &'c ChannelComparison, id: &str) -> &'c ChannelFigure {
        c.indicators.iter().find(|f| f.id == id).expect(id)
    }

    #[test]
    fn answers_that_all_came_one_way_are_not_compared() {
        let survey = example();
        let answers = residents(&survey);
        let (_, _, comparison) = compared(&survey, &answers, |_, _| "open_link");
        assert!(comparison.is_empty());
    }

    #[test]
    fn a_channel_that_brings_the_satisfied_shows_a_clear_difference_on_satisfaction_only() {
        let survey = example();
        let answers = residents(&survey);
        let rate = survey
            .indicators
            .iter()
            .find(|i| i.id == "satisfaction_rate")
            .expect("the example has a satisfaction rate");
        // Every other satisfied resident came by the public link; of the rest, one in four.
        let channel = |i: usize, a: &Answers| {
            let satisfied = rate.value(a) == Some(1.0);
            if (satisfied && i % 2 == 0) || i % 4 == 1 {
                "open_link"
            } else {
                "invitation"
            }
        };
        let (sample, weights, comparison) = compared(&survey, &answers, channel);
        let names: Vec<&str> = comparison.iter().map(|c| c.channel.as_str()).collect();
        assert_eq!(names, ["open_link", "invitation"], "in the tables' order");
        let open = &comparison[0];
        assert_eq!(
            open.respondents + comparison[1].respondents,
            sample.len(),
            "every used response in one channel"
        );
        assert_eq!(open.indicators.len(), survey.indicators.len());

        let satisfaction = figure(open, "satisfaction_rate");
        assert!(satisfaction.shown && satisfaction.clear, "{satisfaction:?}");
        assert!(satisfaction.difference_low > 0.0, "{satisfaction:?}");
        // The channel's figure and the difference are those of the design's own domains.
        let design = design_of(&survey, &sample, &weights).expect("design");
        let k = survey
            .indicators
            .iter()
            .position(|i| i.id == "satisfaction_rate")
            .unwrap();
        let by = |open: bool| -> Vec<Option<f64>> {
            sample.values[k]
                .iter()
                .zip(&sample.channel_of)
                .map(|(v, &c)| {
                    let is_open = sample.channel_names[c as usize] == "open_link";
                    (is_open == open && !v.is_nan()).then_some(*v)
                })
                .collect()
        };
        let estimate = |values: &[Option<f64>]| {
            Design::estimate_domains(&design, values, Kind::Proportion)
                .unwrap()
                .city
        };
        let (own, others) = (estimate(&by(true)), estimate(&by(false)));
        assert!((satisfaction.estimate - own.estimate).abs() < 1e-12);
        assert_eq!(
            (satisfaction.ci_low, satisfaction.ci_high),
            (own.ci_low, own.ci_high)
        );
        assert!((satisfaction.difference - (own.estimate - others.estimate)).abs() < 1e-12);

        // Knowledge has nothing to do with the channel here: no clear difference.
        let knowledge = figure(open, "knowledge_score");
        assert!(knowledge.shown && !knowledge.clear, "{knowledge:?}");
        assert!(knowledge.difference_low < 0.0 && 0.0 < knowledge.difference_high);

        // The other channel's difference is the same with its sign turned.
        let back = figure(&comparison[1], "satisfaction_rate");
        assert!((back.difference + satisfaction.difference).abs() < 1e-12);
    }

    #[test]
    fn a_channel_with_fewer_answers_than_a_public_figure_needs_is_withheld_not_flagged() {
        let survey = example();
        let answers = residents(&survey);
        // 20 interviews: under the example's min_public_cell (30).
        let (_, _, comparison) = compared(&survey, &answers, |i, _| {
            if i < 20 {
                "interviewer"
            } else {
                "open_link"
            }
        });
        let interviews = comparison
            .iter()
            .find(|c| c.channel == "interviewer")
            .expect("compared");
        assert_eq!(interviews.respondents, 20);
        for f in &interviews.indicators {
            assert!(!f.shown && !f.clear, "{}", f.id);
            for value in [
                f.estimate,
                f.ci_low,
                f.ci_high,
                f.difference,
                f.difference_low,
            ] {
                assert!(value.is_nan(), "{}: {value} must be withheld", f.id);
            }
            let json = serde_json::to_value(f).unwrap();
            assert!(json["estimate"].is_null() && json["difference"].is_null());
        }
        // The large channel's difference from twenty is withheld too: it would give the twenty.
        let open = comparison
            .iter()
            .find(|c| c.channel == "open_link")
            .unwrap();
        assert!(open.indicators.iter().all(|f| f.difference.is_nan()));
    }
}
