//! How the city answered each question: for every answer of every choice question (and every
//! item of a matrix), the weighted share of the residents who gave it, with its 95% interval.
//! The indicators say whether a standard was met; these say what the answers behind them were,
//! as a publisher's report and the public expect ("满意 41%, 比较满意 32%, …").
//!
//! Estimated like the indicators, with the same weights and design: the share of an answer is a
//! proportion among the respondents who answered the question (a question not shown to them,
//! or left blank, keeps them out of its denominator, as `svymean` on a subset of the design
//! does), "don't know" counted as an answer like the others.

use serde::{Deserialize, Serialize};

use super::{json, EvaluationError, Sample, Weights};
use crate::stats::Kind;
use crate::survey::{Answer, Answers, Choice, Question, QuestionKind, Role, Survey, Text};

/// The shares of one question's answers (or of one matrix item's), for the city.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnswerShares {
    /// The question's id.
    pub question: String,
    /// The question as asked.
    pub text: Text,
    /// The matrix item, for one item of a matrix question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<ItemOf>,
    /// Several answers could be given (a `multiple` question): the shares can add up to more
    /// than the whole.
    pub several: bool,
    /// Respondents used by the evaluation who answered it.
    pub answered: usize,
    /// Every answer the question offers, in the file's order, chosen or not.
    pub shares: Vec<ChoiceShare>,
}

/// A matrix item whose ratings an [`AnswerShares`] gives.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemOf {
    pub code: String,
    pub label: Text,
}

/// The weighted share of the respondents who answered a question that gave one answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChoiceShare {
    pub code: String,
    pub label: Text,
    #[serde(with = "json")]
    pub share: f64,
    #[serde(with = "json")]
    pub ci_low: f64,
    #[serde(with = "json")]
    pub ci_high: f64,
    /// No reliability flag is raised (see `stats::Reliability`).
    pub reliable: bool,
}

/// One column of answers the shares are estimated from: a choice question, or one matrix item.
#[derive(Clone, Debug)]
pub(super) struct Reported<'s> {
    question: &'s Question,
    item: Option<&'s Choice>,
    choices: Vec<&'s Choice>,
    several: bool,
}

/// The questions whose answers are reported, in the file's order: every choice question
/// (single, multiple, yes/no, scale) and every item of a matrix. Not the county question nor a
/// weighting question (the weights make their shares the census figures they are raked to), nor
/// a quasi-identifier (a release generalizes or suppresses it), nor number and free-text
/// questions (no answers to count; free text is never published).
pub(super) fn reported(survey: &Survey) -> Vec<Reported<'_>> {
    let mut reported = Vec::new();
    for question in &survey.questions {
        if question
            .role
            .is_some_and(|r| matches!(r, Role::Stratum | Role::Weighting))
            || question.quasi_identifier
        {
            continue;
        }
        let choices = question.choices();
        match &question.kind {
            QuestionKind::Single { .. }
            | QuestionKind::Multiple { .. }
            | QuestionKind::YesNo { .. }
            | QuestionKind::Scale { .. } => reported.push(Reported {
                question,
                item: None,
                several: matches!(question.kind, QuestionKind::Multiple { .. }),
                choices,
            }),
            QuestionKind::Matrix { items, .. } => {
                reported.extend(items.iter().map(|item| Reported {
                    question,
                    item: Some(item),
                    choices: choices.clone(),
                    several: false,
                }))
            }
            QuestionKind::Number { .. } | QuestionKind::Text { .. } => {}
        }
    }
    reported
}

/// The answers of every used respondent to the reported questions, one column per question:
/// which answers each gave, as bits (answer `k` is bit `k % 8` of byte `k / 8`); no bit set:
/// not answered. A million responses to twenty-five questions of up to eight answers take 25 MB
/// this way, and a sample records them only when asked to ([`super::SampleBuilder::recording_answers`]).
#[derive(Clone, Debug, Default)]
pub(super) struct AnswerColumns {
    /// Per reported question: bytes per respondent, then the bytes.
    columns: Vec<(usize, Vec<u8>)>,
}

impl AnswerColumns {
    pub(super) fn new(reported: &[Reported<'_>]) -> AnswerColumns {
        AnswerColumns {
            columns: reported
                .iter()
                .map(|r| (r.choices.len().div_ceil(8).max(1), Vec::new()))
                .collect(),
        }
    }

    /// Adds one respondent's answers.
    pub(super) fn push(&mut self, reported: &[Reported<'_>], answers: &Answers) {
        for (r, (width, bits)) in reported.iter().zip(&mut self.columns) {
            let start = bits.len();
            bits.resize(start + *width, 0);
            let mut set = |code: &str| {
                if let Some(k) = r.choices.iter().position(|c| c.code == code) {
                    bits[start + k / 8] |= 1 << (k % 8);
                }
            };
            match (answers.get(&r.question.id), r.item) {
                (Some(Answer::Code(code)), None) => set(code),
                (Some(Answer::Codes(codes)), None) => codes.iter().for_each(|c| set(c)),
                (Some(Answer::Items(rated)), Some(item)) => {
                    if let Some(code) = rated.get(&item.code) {
                        set(code);
                    }
                }
                _ => {}
            }
        }
    }
}

/// The shares of every reported question's answers, for the city, from a sample that recorded
/// its answers (empty otherwise), with its weights ([`super::sample_weights`]).
pub fn answer_shares(
    survey: &Survey,
    sample: &Sample,
    weights: &Weights,
) -> Result<Vec<AnswerShares>, EvaluationError> {
    let Some(columns) = &sample.answers else {
        return Ok(Vec::new());
    };
    let design = super::design_of(survey, sample, weights)?;
    let estimation_error = |source| EvaluationError::Estimation {
        survey: survey.id.clone(),
        source,
    };
    let mut all = Vec::new();
    for (r, (width, bits)) in reported(survey).iter().zip(&columns.columns) {
        let answered_by: Vec<bool> = bits
            .chunks(*width)
            .map(|w| w.iter().any(|&word| word != 0))
            .collect();
        let mut shares = Vec::with_capacity(r.choices.len());
        for (k, choice) in r.choices.iter().enumerate() {
            let values: Vec<Option<f64>> = bits
                .chunks(*width)
                .zip(&answered_by)
                .map(|(w, &answered)| {
                    answered.then(|| f64::from(u8::from(w[k / 8] & (1 << (k % 8)) != 0)))
                })
                .collect();
            let city = design
                .estimate_domains(&values, Kind::Proportion)
                .map_err(estimation_error)?
                .city;
            shares.push(ChoiceShare {
                code: choice.code.clone(),
                label: choice.label.clone(),
                share: city.estimate,
                ci_low: city.ci_low,
                ci_high: city.ci_high,
                reliable: city.flags.is_reliable(),
            });
        }
        all.push(AnswerShares {
            question: r.question.id.clone(),
            text: r.question.text.clone(),
            item: r.item.map(|item| ItemOf {
                code: item.code.clone(),
                label: item.label.clone(),
            }),
            several: r.several,
            answered: answered_by.iter().filter(|&&a| a).count(),
            shares,
        });
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::{sample_weights, SampleBuilder};
    use crate::survey::tests::example;
    use crate::survey::FormInput;

    /// 600 simulated residents' answers, and the sample they make with their answers recorded.
    fn residents(survey: &Survey) -> (Vec<Answers>, Sample) {
        let answers: Vec<Answers> = crate::simulate::simulate(survey, 600, 5)
            .map(|form| {
                survey
                    .validate(&FormInput::from_pairs(form.fields))
                    .expect("simulated forms are valid")
            })
            .collect();
        let mut builder = SampleBuilder::new(survey).recording_answers();
        for a in &answers {
            let stratum = survey.stratum_of(a).expect("a county").to_owned();
            builder.add(&stratum, a, &[], "open_link");
        }
        (answers, builder.finish())
    }

    /// The weighted share of `gave` among the respondents `answered`, by hand.
    fn by_hand(
        weights: &[f64],
        answered: impl Fn(usize) -> bool,
        gave: impl Fn(usize) -> bool,
    ) -> f64 {
        let (mut all, mut chosen) = (0.0, 0.0);
        for (i, w) in weights.iter().enumerate().filter(|(i, _)| answered(*i)) {
            all += w;
            if gave(i) {
                chosen += w;
            }
        }
        chosen / all
    }

    fn shares_of<'a>(
        all: &'a [AnswerShares],
        question: &str,
        item: Option<&str>,
    ) -> &'a AnswerShares {
        all.iter()
            .find(|s| s.question == question && s.item.as_ref().map(|i| i.code.as_str()) == item)
            .unwrap_or_else(|| panic!("{question} {item:?} is reported"))
    }

    #[test]
    fn each_answer_is_weighted_among_those_who_answered_the_question() {
        let survey = example();
        let (answers, sample) = residents(&survey);
        let weights = sample_weights(&survey, &sample).expect("weights");
        let all = answer_shares(&survey, &sample, &weights).expect("shares");
        let weights = weights.weights;

        // A scale question everyone answers: "don't know" is an answer like the others, and
        // the shares add up to the whole.
        let overall = shares_of(&all, "overall_satisfaction", None);
        assert_eq!(overall.answered, 600);
        assert_eq!(overall.shares.len(), 6, "five points and don't know");
        for s in &overall.shares {
            let expected = by_hand(
                &weights,
                |_| true,
                |i| answers[i].get("overall_satisfaction") == Some(&Answer::Code(s.code.clone())),
            );
            assert!(
                (s.share - expected).abs() < 1e-12,
                "{}: {} against {expected}",
                s.code,
                s.share
            );
            assert!(s.ci_low <= s.share && s.share <= s.ci_high, "{}", s.code);
        }
        let sum: f64 = overall.shares.iter().map(|s| s.share).sum();
        assert!((sum - 1.0).abs() < 1e-12, "{sum}");

        // A question shown only after certain answers: the others are not in its denominator,
        // and several answers make shares that add up to more than the whole.
        let heard = shares_of(&all, "campaign_heard_from", None);
        let asked = |i: usize| answers[i].contains_key("campaign_heard_from");
        let shown = (0..600).filter(|&i| asked(i)).count();
        assert!(
            0 < shown && shown < 600,
            "the condition splits the sample: {shown}"
        );
        assert_eq!(heard.answered, shown);
        assert!(heard.several);
        for s in &heard.shares {
            let expected = by_hand(&weights, asked, |i| {
                match answers[i].get("campaign_heard_from") {
                    Some(Answer::Codes(codes)) => codes.contains(&s.code),
                    _ => false,
                }
            });
            assert!(
                (s.share - expected).abs() < 1e-12,
                "{}: {} against {expected}",
                s.code,
                s.share
            );
        }
        assert!(heard.shares.iter().map(|s| s.share).sum::<f64>() > 1.0);

        // Each item of a matrix on its own.
        let dairy = shares_of(&all, "food_categories", Some("dairy"));
        for s in &dairy.shares {
            let expected = by_hand(
                &weights,
                |i| matches!(answers[i].get("food_categories"), Some(Answer::Items(r)) if r.contains_key("dairy")),
                |i| matches!(answers[i].get("food_categories"), Some(Answer::Items(r)) if r.get("dairy") == Some(&s.code)),
            );
            assert!(
                (s.share - expected).abs() < 1e-12,
                "dairy {}: {} against {expected}",
                s.code,
                s.share
            );
        }
    }

    #[test]
    fn the_county_weighting_free_text_and_number_questions_are_not_reported() {
        let survey = example();
        let reported: Vec<(&str, Option<&str>)> = reported(&survey)
            .iter()
            .map(|r| (r.question.id.as_str(), r.item.map(|i| i.code.as_str())))
            .collect();
        for left_out in ["county", "sex", "age_band", "campaign_heard_from_other"] {
            assert!(
                reported.iter().all(|(q, _)| *q != left_out),
                "{left_out} in {reported:?}"
            );
        }
        assert!(reported.contains(&("places", Some("street_stall"))));
        assert!(reported.contains(&("campaign_aware", None)));
    }

    #[test]
    fn a_sample_that_did_not_record_its_answers_reports_none() {
        let survey = example();
        let mut builder = SampleBuilder::new(&survey);
        let (answers, _) = residents(&survey);
        for a in &answers {
            builder.add(survey.stratum_of(a).expect("a county"), a, &[], "open_link");
        }
        let sample = builder.finish();
        let weights = sample_weights(&survey, &sample).expect("weights");
        assert_eq!(
            answer_shares(&survey, &sample, &weights).expect("no error"),
            Vec::new()
        );
    }
}
