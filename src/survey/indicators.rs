//! Indicators of the evaluation component: what each one measures for one respondent, the
//! threshold it is held to, and the points it earns.

use serde::{Deserialize, Serialize};

use super::answers::{Answer, Answers};
use super::definition::Text;

/// One indicator of the "social recognition and public satisfaction" component.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Indicator {
    /// Identifier: a lowercase letter, then `a-z`, `0-9`, `_`.
    pub id: String,
    /// Name shown on result pages.
    pub label: Text,
    /// What is measured for each respondent.
    pub measure: Measure,
    /// The level the estimate is held to: a share in 0..=1 for a proportion, a score in
    /// 0..=100 for a mean or a correct share.
    pub threshold: f64,
    /// Points the indicator is worth (≥ 0).
    pub points: f64,
    /// How points follow from the estimate.
    pub scoring: Scoring,
    /// Where the threshold, the mapping and the points come from.
    pub source: Text,
}

/// What an indicator measures for each respondent.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Measure {
    /// 1 when the answer is in `success`, 0 otherwise; answers in `excluded` (e.g. don't
    /// know) and unanswered questions are outside the denominator.
    Proportion {
        /// Id of a single, yesno, scale or matrix question.
        question: String,
        /// The item, for a matrix question.
        item: Option<String>,
        /// Codes that count as success.
        success: Vec<String>,
        /// Codes left out of the denominator.
        excluded: Vec<String>,
    },
    /// The score of the answer; codes without a score (don't know) are outside the mean.
    Mean {
        /// Id of a single, scale or matrix question.
        question: String,
        /// The item, for a matrix question.
        item: Option<String>,
        /// Code to score, each in 0..=100, in the question's answer order.
        scores: Vec<(String, f64)>,
    },
    /// A knowledge quiz: 100 × the share of the listed questions answered correctly. An
    /// unanswered question counts as not correct. The loader requires the listed questions
    /// to be shown to everyone, so every respondent has a value.
    CorrectShare {
        /// `(question id, correct code)`, in question order.
        answers: Vec<(String, String)>,
    },
}

/// How an indicator's points follow from its estimate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    /// Full points when the estimate reaches the threshold, otherwise none.
    #[default]
    Threshold,
    /// `points × min(1, estimate / threshold)`.
    Linear,
}

impl Indicator {
    /// Whether the estimate is a share in 0..=1 (otherwise a score in 0..=100).
    pub fn kind_is_proportion(&self) -> bool {
        matches!(self.measure, Measure::Proportion { .. })
    }

    /// The questions, with the matrix item where it reads one, whose answers give this
    /// indicator's value: whoever knows how a domain answered them knows its figure there.
    pub fn reads(&self) -> Vec<(&str, Option<&str>)> {
        match &self.measure {
            Measure::Proportion { question, item, .. } | Measure::Mean { question, item, .. } => {
                vec![(question.as_str(), item.as_deref())]
            }
            Measure::CorrectShare { answers } => answers
                .iter()
                .map(|(question, _)| (question.as_str(), None))
                .collect(),
        }
    }

    /// This respondent's value: 0 or 1 for a proportion, 0..=100 otherwise; `None` when the
    /// respondent is outside the denominator (unanswered, hidden, or an excluded answer).
    pub fn value(&self, answers: &Answers) -> Option<f64> {
        match &self.measure {
            Measure::Proportion {
                question,
                item,
                success,
                excluded,
            } => {
                let code = answer_code(answers, question, item.as_deref())?;
                if excluded.iter().any(|excluded| excluded == code) {
                    None
                } else if success.iter().any(|success| success == code) {
                    Some(1.0)
                } else {
                    Some(0.0)
                }
            }
            Measure::Mean {
                question,
                item,
                scores,
            } => {
                let code = answer_code(answers, question, item.as_deref())?;
                scores
                    .iter()
                    .find(|(scored, _)| scored == code)
                    .map(|(_, score)| *score)
            }
            Measure::CorrectShare { answers: key } => {
                if key.is_empty() {
                    return None;
                }
                let correct = key
                    .iter()
                    .filter(|(question, correct)| {
                        matches!(answers.get(question), Some(Answer::Code(code)) if code == correct)
                    })
                    .count();
                Some(100.0 * correct as f64 / key.len() as f64)
            }
        }
    }

    /// Points earned by an estimate, by this indicator's scoring rule: a threshold rule's when
    /// the estimate [`reaches`] the threshold, an estimate that could not be computed (NaN)
    /// none. `tests/fixtures/scoring/points.csv` holds the rule's
    /// edge cases, which `minyi.R`'s own scoring is held to as well.
    pub fn points_for(&self, estimate: f64) -> f64 {
        if estimate.is_nan() {
            return 0.0;
        }
        match self.scoring {
            Scoring::Threshold if reaches(estimate, self.threshold) => self.points,
            Scoring::Threshold => 0.0,
            Scoring::Linear if self.threshold <= 0.0 => self.points,
            Scoring::Linear => self.points * (estimate / self.threshold).clamp(0.0, 1.0),
        }
    }
}

/// How far below a threshold, as a share of it (of 1 for a threshold under 1), a value still
/// reaches it: the tolerance to which estimates are held to R's (docs/methodology.md).
pub const TIE_TOLERANCE: f64 = 1e-9;

/// Whether `value` (an estimate, or an interval's end) reaches `threshold`: is at or above it,
/// or below it by no more than [`TIE_TOLERANCE`] of it. Floating point can compute an exact tie a
/// hair below: nine equal weights on answers whose mean is exactly 80 give 79.99999999999999,
/// where R, summing in another order, gives 80. `minyi.R` and `minyi.sps` apply the same rule.
pub fn reaches(value: f64, threshold: f64) -> bool {
    value >= threshold - TIE_TOLERANCE * threshold.abs().max(1.0)
}

/// The code answered to `question` (or to its `item`, for a matrix).
fn answer_code<'a>(answers: &'a Answers, question: &str, item: Option<&str>) -> Option<&'a str> {
    match (answers.get(question)?, item) {
        (Answer::Code(code), None) => Some(code),
        (Answer::Items(items), Some(item)) => items.get(item).map(String::as_str),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::answers::tests::answers;
    use crate::survey::tests::small_survey;

    fn indicator(id: &str) -> Indicator {
        small_survey()
            .indicators
            .into_iter()
            .find(|indicator| indicator.id == id)
            .unwrap()
    }

    #[test]
    fn a_proportion_is_one_for_success_zero_otherwise_and_none_when_excluded() {
        let rate = indicator("satisfaction_rate");

        assert!(rate.kind_is_proportion());
        assert_eq!(rate.value(&answers(&[("overall", "5")])), Some(1.0));
        assert_eq!(rate.value(&answers(&[("overall", "4")])), Some(1.0));
        assert_eq!(rate.value(&answers(&[("overall", "3")])), Some(0.0));
        assert_eq!(rate.value(&answers(&[("overall", "dk")])), None);
        assert_eq!(rate.value(&answers(&[])), None, "unanswered");
    }

    #[test]
    fn a_mean_maps_codes_to_scores_and_leaves_dont_know_out() {
        let score = indicator("satisfaction_score");

        assert!(!score.kind_is_proportion());
        assert_eq!(score.value(&answers(&[("overall", "5")])), Some(100.0));
        assert_eq!(score.value(&answers(&[("overall", "2")])), Some(30.0));
        assert_eq!(score.value(&answers(&[("overall", "dk")])), None);
    }

    #[test]
    fn a_matrix_indicator_reads_its_item() {
        let canteens = indicator("canteen_score");
        let mut given = answers(&[]);
        given.insert(
            "places".into(),
            Answer::Items([("canteen".to_string(), "4".to_string())].into()),
        );

        assert_eq!(canteens.value(&given), Some(80.0));
        given.insert(
            "places".into(),
            Answer::Items([("market".to_string(), "4".to_string())].into()),
        );
        assert_eq!(canteens.value(&given), None, "item not rated");
    }

    #[test]
    fn a_correct_share_counts_unanswered_questions_as_not_correct() {
        let knowledge = indicator("knowledge");

        assert_eq!(
            knowledge.value(&answers(&[
                ("knows_rule", "right"),
                ("knows_date", "wrong")
            ])),
            Some(100.0)
        );
        assert_eq!(
            knowledge.value(&answers(&[("knows_rule", "right"), ("knows_date", "dk")])),
            Some(50.0)
        );
        assert_eq!(
            knowledge.value(&answers(&[("knows_rule", "right")])),
            Some(50.0)
        );
        assert_eq!(knowledge.value(&answers(&[])), Some(0.0));
    }

    #[test]
    fn threshold_scoring_gives_all_or_nothing_and_linear_scoring_gives_a_share() {
        let mut rate = indicator("satisfaction_rate");
        rate.threshold = 0.8;
        rate.points = 20.0;

        rate.scoring = Scoring::Threshold;
        assert_eq!(rate.points_for(0.8), 20.0);
        assert_eq!(rate.points_for(0.79), 0.0);

        rate.scoring = Scoring::Linear;
        assert_eq!(rate.points_for(0.4), 10.0);
        assert_eq!(rate.points_for(0.95), 20.0, "never more than the points");
        assert_eq!(rate.points_for(-1.0), 0.0, "never below zero");
    }

    #[test]
    fn a_value_reaches_a_threshold_at_it_or_short_of_it_by_rounding_alone() {
        assert!(reaches(80.0, 80.0) && reaches(80.5, 80.0));
        assert!(
            reaches(79.99999999999999, 80.0),
            "a tie computed a hair below"
        );
        assert!(reaches(0.6999999999999999, 0.7), "a share's tie");
        assert!(
            !reaches(79.99999, 80.0),
            "a hundred-thousandth short is short"
        );
        assert!(
            !reaches(0.69999999, 0.7),
            "a share a hundred-millionth short is short"
        );
        assert!(!reaches(f64::NAN, 0.7), "nothing computed reaches nothing");
        assert!(
            reaches(-1e-12, 0.0) && !reaches(-1e-6, 0.0),
            "a threshold of zero"
        );
    }

    /// One row of the golden scoring table, which `scripts/check-stats-scripts` also holds
    /// `minyi.R`'s scoring to.
    #[derive(Deserialize)]
    struct ScoringCase {
        case: String,
        scoring: Scoring,
        threshold: f64,
        max_points: f64,
        estimate: String,
        points: f64,
    }

    #[test]
    fn points_follow_the_golden_scoring_table_at_its_edges() {
        let table = include_str!("../../tests/fixtures/scoring/points.csv");
        let mut rate = indicator("satisfaction_rate");
        let mut cases = 0;

        for row in csv::Reader::from_reader(table.as_bytes()).deserialize() {
            let row: ScoringCase = row.unwrap();
            rate.scoring = row.scoring;
            rate.threshold = row.threshold;
            rate.points = row.max_points;
            let estimate = match row.estimate.as_str() {
                "NA" => f64::NAN,
                number => number.parse().unwrap(),
            };

            let points = rate.points_for(estimate);

            assert!(
                (points - row.points).abs() <= 1e-12 * row.points.abs().max(1.0),
                "{}: {points} points, the table says {}",
                row.case,
                row.points
            );
            cases += 1;
        }
        assert!(cases >= 15, "only {cases} cases read");
    }
}
