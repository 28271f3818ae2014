//! How the answers differ by the way they came in (public link, invitation, interviewer): for
//! each channel and indicator, how its answers differ from every other answer within the same
//! county, with a 95% interval. Offices coaching residents to answer "satisfied" would show
//! first in the channel they push; a clear difference is worth asking about, though channels
//! also reach different residents within a county, so it proves nothing by itself.
//!
//! Compared within counties, because a channel pushed in one county would otherwise differ by
//! that county's satisfaction alone; and only in counties where every channel used there
//! brought at least `min_public_cell` responses (and as many valid answers to the indicator),
//! so that no published difference rests on, or gives back, a smaller group's answers.

use serde::{Deserialize, Serialize};

use super::{design_of, json, EvaluationError, Sample, Weights};
use crate::stats::{Difference, Kind};
use crate::survey::Survey;

/// One channel's answers beside all the others'.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelComparison {
    /// `open_link`, `invitation`, `interviewer` or `simulated`.
    pub channel: String,
    /// Responses used that came this way.
    pub respondents: usize,
    /// One figure per indicator of the survey file, in its order.
    pub indicators: Vec<ChannelFigure>,
}

/// One indicator: the channel's answers against the others' within the same county.
///
/// Withheld figures are NaN (`null` in JSON), not merely flagged: a channel's share from a
/// handful of interviews would tell each interviewer what their residents said.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelFigure {
    pub id: String,
    /// Σ_h (W_h / W)(p_h,channel − p_h,others) over the counties compared, W_h a county's
    /// census population: on the indicator's scale, a share's difference as a
    /// share (0.05 is five percentage points).
    #[serde(with = "json")]
    pub difference: f64,
    #[serde(with = "json")]
    pub difference_low: f64,
    #[serde(with = "json")]
    pub difference_high: f64,
    /// The channel's valid answers in the counties compared.
    pub n: usize,
    /// The counties compared.
    pub counties: usize,
    pub verdict: Verdict,
}

/// What a channel's difference on one indicator says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The 95% interval leaves out zero.
    Clear,
    /// Zero lies inside the 95% interval.
    Unclear,
    /// No county where both sides answered with enough answers to publish, or an effective
    /// sample under 30 on either side: withheld.
    TooFew,
    /// No interval (no spread to measure on either side): withheld.
    NoInterval,
}

impl Verdict {
    /// Whether the figures are given.
    pub fn shown(self) -> bool {
        matches!(self, Verdict::Clear | Verdict::Unclear)
    }

    fn of(difference: &Difference, counties: usize) -> Verdict {
        if counties == 0 || difference.flags.low_effective_n {
            Verdict::TooFew
        } else if !difference.flags.is_reliable() {
            Verdict::NoInterval
        } else if difference.is_clear() {
            Verdict::Clear
        } else {
            Verdict::Unclear
        }
    }
}

/// Each channel the used responses came by, compared with the rest; empty when they all came
/// one way. Channels in the order of [`crate::fieldwork::CHANNELS`], any other after them.
pub fn channel_comparison(
    survey: &Survey,
    sample: &Sample,
    weights: &Weights,
) -> Result<Vec<ChannelComparison>, EvaluationError> {
    let names = &sample.channel_names;
    if names.len() < 2 {
        return Ok(Vec::new());
    }
    let rank = |name: &str| {
        crate::fieldwork::CHANNELS
            .iter()
            .position(|c| *c == name)
            .unwrap_or(usize::MAX)
    };
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by_key(|&c| (rank(&names[c]), c));
    let design = design_of(survey, sample, weights)?;
    let estimation_error = |source| EvaluationError::Estimation {
        survey: survey.id.clone(),
        source,
    };
    let in_channel: Vec<Vec<bool>> = (0..names.len())
        .map(|c| {
            sample
                .channel_of
                .iter()
                .map(|&of| of as usize == c)
                .collect()
        })
        .collect();
    let min = usize::try_from(survey.privacy.min_public_cell.max(1)).unwrap_or(usize::MAX);
    // Which counties may be compared is settled once, on the responses used, for every
    // indicator alike: decided on each indicator's valid answers, a county compared on one
    // indicator and not another would tell that a small group all said "don't know".
    let used = by_county(survey, sample, names.len(), |_| true);
    let mut figures: Vec<Vec<ChannelFigure>> = vec![Vec::new(); names.len()];
    for (indicator, column) in survey.indicators.iter().zip(&sample.values) {
        let kind = if indicator.kind_is_proportion() {
            Kind::Proportion
        } else {
            Kind::Mean
        };
        let values: Vec<Option<f64>> = column.iter().map(|v| (!v.is_nan()).then_some(*v)).collect();
        // Then a county leaves this indicator when a channel that answered there gave fewer
        // valid answers than a public figure needs: which says something of a group of at
        // least that many.
        let answered = by_county(survey, sample, names.len(), |i| values[i].is_some());
        let eligible: Vec<bool> = used
            .iter()
            .zip(&answered)
            .map(|(used, answered)| {
                used.iter().filter(|&&n| n > 0).count() > 1
                    && used
                        .iter()
                        .zip(answered)
                        .all(|(&u, &a)| u == 0 || (u >= min && a >= min))
            })
            .collect();
        for (c, out) in figures.iter_mut().enumerate() {
            // Each county weighed by its census population; 0 leaves it out.
            let county_weights: Vec<f64> = survey
                .strata
                .units
                .iter()
                .enumerate()
                .map(|(h, unit)| {
                    if eligible[h] && used[h][c] > 0 {
                        unit.population as f64
                    } else {
                        0.0
                    }
                })
                .collect();
            let difference = design
                .estimate_difference_within_counties(&values, &in_channel[c], kind, &county_weights)
                .map_err(estimation_error)?;
            let counties = county_weights.iter().filter(|&&w| w > 0.0).count();
            let verdict = Verdict::of(&difference, counties);
            let given = |v: f64| if verdict.shown() { v } else { f64::NAN };
            out.push(ChannelFigure {
                id: indicator.id.clone(),
                difference: given(difference.difference),
                difference_low: given(difference.ci_low),
                difference_high: given(difference.ci_high),
                n: difference.n_group,
                counties,
                verdict,
            });
        }
    }
    Ok(order
        .into_iter()
        .map(|c| ChannelComparison {
            channel: names[c].clone(),
            respondents: in_channel[c].iter().filter(|&&inside| inside).count(),
            indicators: std::mem::take(&mut figures[c]),
        })
        .collect())
}

/// Respondents per county and channel, `[county][channel]`, of those `counted(i)` keeps.
fn by_county(
    survey: &Survey,
    sample: &Sample,
    channels: usize,
    counted: impl Fn(usize) -> bool,
) -> Vec<Vec<usize>> {
    let mut counts = vec![vec![0usize; channels]; survey.strata.units.len()];
    for (i, (&h, &c)) in sample.stratum_of.iter().zip(&sample.channel_of).enumerate() {
        if counted(i) {
            counts[h as usize][c as usize] += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::{sample_weights, SampleBuilder};
    use crate::survey::tests::example;
    use crate::survey::{Answer, Answers, FormInput};

    /// 1,400 simulated residents' answers.
    fn residents(survey: &Survey) -> Vec<Answers> {
        crate::simulate::simulate(survey, 1400, 8)
            .map(|form| {
                survey
                    .validate(&FormInput::from_pairs(form.fields))
                    .expect("simulated forms are valid")
            })
            .collect()
    }

    fn county(survey: &Survey, a: &Answers) -> String {
        survey.stratum_of(a).expect("a county").to_owned()
    }

    /// The sample of `answers`, respondent i coming by `channel(i, answers)`.
    fn compared(
        survey: &Survey,
        answers: &[Answers],
        channel: impl Fn(usize, &Answers) -> &'static str,
    ) -> (Sample, Weights, Vec<ChannelComparison>) {
        let mut builder = SampleBuilder::new(survey);
        for (i, a) in answers.iter().enumerate() {
            builder.add(&county(survey, a), a, &[], channel(i, a));
        }
        let sample = builder.finish();
        let weights = sample_weights(survey, &sample).expect("weights");
        let comparison = channel_comparison(survey, &sample, &weights).expect("compared");
        (sample, weights, comparison)
    }

    fn figure<'c>(c: &'c ChannelComparison, id: &str) -> &'c ChannelFigure {
        c.indicators.iter().find(|f| f.id == id).expect(id)
    }

    fn index_of(survey: &Survey, id: &str) -> usize {
        survey.indicators.iter().position(|i| i.id == id).expect(id)
    }

    /// Respondent i of the sample is in the channel named `name`.
    fn members(sample: &Sample, name: &str) -> Vec<bool> {
        sample
            .channel_of
            .iter()
            .map(|&c| sample.channel_names[c as usize] == name)
            .collect()
    }

    fn values(sample: &Sample, k: usize) -> Vec<Option<f64>> {
        sample.values[k]
            .iter()
            .map(|v| (!v.is_nan()).then_some(*v))
            .collect()
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
        let k = index_of(&survey, "satisfaction_rate");
        let rate = &survey.indicators[k];
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
        let (open, invited) = (&comparison[0], &comparison[1]);
        assert_eq!(open.respondents + invited.respondents, sample.len());
        assert_eq!(open.indicators.len(), survey.indicators.len());

        let satisfaction = figure(open, "satisfaction_rate");
        assert_eq!(satisfaction.verdict, Verdict::Clear, "{satisfaction:?}");
        assert!(satisfaction.difference_low > 0.0, "{satisfaction:?}");
        // Every county where both channels brought at least min_public_cell responses and
        // valid answers.
        let min = survey.privacy.min_public_cell as usize;
        let valid = values(&sample, k);
        let used = by_county(&survey, &sample, 2, |_| true);
        let answered = by_county(&survey, &sample, 2, |i| valid[i].is_some());
        let enough: Vec<bool> = used
            .iter()
            .zip(&answered)
            .map(|(u, a)| u.iter().zip(a).all(|(&u, &a)| u >= min && a >= min))
            .collect();
        assert!(enough.iter().filter(|&&e| e).count() >= 5, "{answered:?}");
        assert_eq!(satisfaction.counties, enough.iter().filter(|&&e| e).count());

        // The difference is each county's, weighed by the county's population.
        let design = design_of(&survey, &sample, &weights).expect("design");
        let by_county = design
            .estimate_differences(
                &values(&sample, k),
                &members(&sample, "open_link"),
                Kind::Proportion,
            )
            .expect("per county")
            .strata;
        let population: Vec<f64> = survey
            .strata
            .units
            .iter()
            .map(|u| u.population as f64)
            .collect();
        let total: f64 = population
            .iter()
            .zip(&enough)
            .filter(|(_, &e)| e)
            .map(|(w, _)| w)
            .sum();
        let weighed: f64 = by_county
            .iter()
            .zip(&population)
            .zip(&enough)
            .filter(|(_, &e)| e)
            .map(|((d, w), _)| d.difference * w / total)
            .sum();
        assert!(
            (satisfaction.difference - weighed).abs() < 1e-12,
            "{weighed}"
        );

        // Knowledge has nothing to do with the channel here: no clear difference.
        let knowledge = figure(open, "knowledge_score");
        assert_eq!(knowledge.verdict, Verdict::Unclear, "{knowledge:?}");
        assert!(knowledge.difference_low < 0.0 && 0.0 < knowledge.difference_high);

        // The other channel's difference is the same with its sign turned.
        let back = figure(invited, "satisfaction_rate");
        assert!((back.difference + satisfaction.difference).abs() < 1e-12);
        let valid: usize = answered
            .iter()
            .zip(&enough)
            .filter(|(_, &e)| e)
            .map(|(n, _)| n[0] + n[1])
            .sum();
        assert_eq!(
            satisfaction.n + back.n,
            valid,
            "every valid answer of the counties compared, on one side"
        );
    }

    #[test]
    fn a_channel_found_mostly_in_a_satisfied_county_does_not_differ_for_that_alone() {
        let survey = example();
        let mut answers = residents(&survey);
        let rich = survey.strata.units[0].code.clone();
        // The first county is very satisfied...
        for a in answers.iter_mut().filter(|a| county(&survey, a) == rich) {
            a.insert("overall_satisfaction".into(), Answer::Code("5".into()));
        }
        // ...and the public link was pushed there: nine in ten of its residents came by it,
        // one in ten elsewhere, whatever they answered.
        let channel = |i: usize, a: &Answers| {
            let pushed = county(&survey, a) == rich;
            if (pushed && i % 10 != 0) || (!pushed && i % 10 == 0) {
                "open_link"
            } else {
                "invitation"
            }
        };
        let (sample, weights, comparison) = compared(&survey, &answers, channel);
        let k = index_of(&survey, "satisfaction_rate");

        let pooled = design_of(&survey, &sample, &weights)
            .expect("design")
            .estimate_differences(
                &values(&sample, k),
                &members(&sample, "open_link"),
                Kind::Proportion,
            )
            .expect("pooled")
            .city;
        assert!(
            pooled.is_clear() && pooled.ci_low > 0.0,
            "pooled over the city, the county speaks: {pooled:?}"
        );
        let within = figure(&comparison[0], "satisfaction_rate");
        assert_eq!(
            within.verdict,
            Verdict::Unclear,
            "within counties it does not: {within:?}"
        );
    }

    #[test]
    fn a_channel_with_fewer_answers_than_a_public_figure_needs_is_withheld_not_flagged() {
        let survey = example();
        let answers = residents(&survey);
        // 20 interviews: under the example's min_public_cell (30) in every county.
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
        for c in &comparison {
            // The public link's difference from twenty interviews would give the twenty.
            for f in &c.indicators {
                assert_eq!(f.verdict, Verdict::TooFew, "{} {}", c.channel, f.id);
                for value in [f.difference, f.difference_low, f.difference_high] {
                    assert!(value.is_nan(), "{}: {value} must be withheld", f.id);
                }
                let json = serde_json::to_value(f).unwrap();
                assert!(json["difference"].is_null() && json["verdict"] == "too_few");
            }
        }
    }

    #[test]
    fn a_county_where_one_channel_answered_only_a_few_times_is_left_out_for_every_channel() {
        let survey = example();
        let answers = residents(&survey);
        let first = survey.strata.units[0].code.clone();
        // Ten interviews in the first county only; the rest split between link and invitation.
        let mut interviews = 0;
        let assigned: Vec<&'static str> = answers
            .iter()
            .enumerate()
            .map(|(i, a)| {
                if county(&survey, a) == first && interviews < 10 {
                    interviews += 1;
                    "interviewer"
                } else if i % 3 == 0 {
                    "invitation"
                } else {
                    "open_link"
                }
            })
            .collect();
        let (sample, _, comparison) = compared(&survey, &answers, |i, _| assigned[i]);
        let names: Vec<&str> = comparison.iter().map(|c| c.channel.as_str()).collect();
        assert_eq!(names, ["open_link", "invitation", "interviewer"]);
        let min = survey.privacy.min_public_cell as usize;
        for (k, _) in survey.indicators.iter().enumerate() {
            let valid = values(&sample, k);
            let used = by_county(&survey, &sample, 3, |_| true);
            let answered = by_county(&survey, &sample, 3, |i| valid[i].is_some());
            let expected = (1..used.len())
                .filter(|&h| {
                    used[h]
                        .iter()
                        .zip(&answered[h])
                        .all(|(&u, &a)| u == 0 || (u >= min && a >= min))
                })
                .count();
            assert!(
                used[0].iter().all(|&n| n > 0),
                "every channel in the first county"
            );
            for c in &comparison[..2] {
                let f = &c.indicators[k];
                assert!(f.verdict.shown(), "{} {}: {f:?}", c.channel, f.id);
                assert_eq!(
                    f.counties, expected,
                    "{} {}: never the first county",
                    c.channel, f.id
                );
            }
        }
        assert!(comparison[2]
            .indicators
            .iter()
            .all(|f| f.verdict == Verdict::TooFew && f.counties == 0));
    }

    #[test]
    fn the_counties_compared_do_not_tell_that_a_small_group_all_said_dont_know() {
        let survey = example();
        let mut answers = residents(&survey);
        let first = survey.strata.units[0].code.clone();
        // Eight interviews in the first county, every one "don't know" on overall satisfaction.
        let mut interviews = 0;
        let assigned: Vec<&'static str> = answers
            .iter_mut()
            .enumerate()
            .map(|(i, a)| {
                if county(&survey, a) == first && interviews < 8 {
                    interviews += 1;
                    a.insert("overall_satisfaction".into(), Answer::Code("dk".into()));
                    "interviewer"
                } else if i % 3 == 0 {
                    "invitation"
                } else {
                    "open_link"
                }
            })
            .collect();
        let (_, _, comparison) = compared(&survey, &answers, |i, _| assigned[i]);

        let open = &comparison[0];
        let counties = |id: &str| figure(open, id).counties;
        assert_eq!(
            counties("satisfaction_rate"),
            counties("knowledge_score"),
            "the interviews leave the first county out of every indicator, not only those they answered"
        );
        assert!(counties("satisfaction_rate") < survey.strata.units.len());
    }
}
