//! Response quality: which responses are flagged as too fast or straight-lined, and which
//! flags exclude a response from the estimates. The rules are published with the results.

use serde::{Deserialize, Serialize};

use super::answers::{Answer, Answers};
use super::definition::{QuestionKind, Survey};

/// The survey's quality rules.
#[derive(Clone, Debug, PartialEq, Default, Serialize)]
pub struct QualityRules {
    /// A response completed in fewer seconds than this is flagged `too_fast`.
    pub min_duration_seconds: Option<u32>,
    /// A response that gives the same scale point to every rated item of a matrix, with at
    /// least this many items rated, is flagged `straightlining` (don't-know answers are not
    /// counted as ratings).
    pub straightlining_min_items: Option<usize>,
    /// Flags that exclude a response from the estimates (flagged responses are kept and
    /// counted either way).
    pub exclude: Vec<QualityFlag>,
}

/// A quality problem found in one response.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum QualityFlag {
    /// Completed faster than `min_duration_seconds`.
    TooFast,
    /// The same answer to every item of a matrix.
    Straightlining,
    /// Another response came from the same client (the same cookie, or without one the same
    /// network), recognised by keyed hash; one response of each client is left unflagged.
    DuplicateClient,
}

impl QualityFlag {
    /// The name used in survey files and exports: `too_fast`, `straightlining` or
    /// `duplicate_client`.
    pub fn name(self) -> &'static str {
        match self {
            QualityFlag::TooFast => "too_fast",
            QualityFlag::Straightlining => "straightlining",
            QualityFlag::DuplicateClient => "duplicate_client",
        }
    }

    /// The flag called `name`, as stored and exported.
    pub fn from_name(name: &str) -> Option<QualityFlag> {
        [
            QualityFlag::TooFast,
            QualityFlag::Straightlining,
            QualityFlag::DuplicateClient,
        ]
        .into_iter()
        .find(|flag| flag.name() == name)
    }
}

/// Flags as a response stores them: their names joined by commas (`too_fast,straightlining`),
/// empty for none. [`decode_flags`] reads them back.
pub fn encode_flags(flags: &[QualityFlag]) -> String {
    flags
        .iter()
        .map(|flag| flag.name())
        .collect::<Vec<_>>()
        .join(",")
}

/// Flags as [`encode_flags`] stored them; `Err` names the first name that is no flag.
pub fn decode_flags(stored: &str) -> Result<Vec<QualityFlag>, String> {
    stored
        .split(',')
        .filter(|name| !name.is_empty())
        .map(|name| QualityFlag::from_name(name).ok_or_else(|| name.to_owned()))
        .collect()
}

impl QualityRules {
    /// Whether a response with these flags is left out of the estimates.
    pub fn excludes(&self, flags: &[QualityFlag]) -> bool {
        flags.iter().any(|flag| self.exclude.contains(flag))
    }

    /// [`Self::excludes`] for flags as a response stores them (`too_fast,straightlining`).
    pub fn excludes_stored(&self, stored: &str) -> bool {
        stored
            .split(',')
            .filter_map(QualityFlag::from_name)
            .any(|flag| self.exclude.contains(&flag))
    }
}

impl Survey {
    /// This survey with quality rules that exclude nothing, to see what its rules do to its
    /// figures; `None` when they exclude nothing already.
    pub fn without_exclusions(&self) -> Option<Survey> {
        if self.quality.exclude.is_empty() {
            return None;
        }
        let mut without = self.clone();
        without.quality.exclude.clear();
        Some(without)
    }

    /// The quality flags of one response, in a fixed order (`too_fast` first), each at most
    /// once. `duration_seconds` is the time from first page to submission, when known; an
    /// unknown duration is never flagged.
    pub fn quality_flags(
        &self,
        answers: &Answers,
        duration_seconds: Option<u32>,
    ) -> Vec<QualityFlag> {
        let mut flags = Vec::new();
        if let (Some(min), Some(duration)) = (self.quality.min_duration_seconds, duration_seconds) {
            if duration < min {
                flags.push(QualityFlag::TooFast);
            }
        }
        if let Some(min_items) = self.quality.straightlining_min_items {
            if self.straight_lined(answers, min_items) {
                flags.push(QualityFlag::Straightlining);
            }
        }
        flags
    }

    /// Whether any matrix has at least `min_items` items rated on the scale, all the same.
    fn straight_lined(&self, answers: &Answers, min_items: usize) -> bool {
        self.questions.iter().any(|question| {
            let (QuestionKind::Matrix { scale, .. }, Some(Answer::Items(rated))) =
                (&question.kind, answers.get(&question.id))
            else {
                return false;
            };
            let points: Vec<&String> = rated
                .values()
                .filter(|code| scale.points.iter().any(|point| &point.code == *code))
                .collect();
            let Some(first) = points.first() else {
                return false;
            };
            points.len() >= min_items.max(2) && points.iter().all(|code| code == first)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_stored_by_name_and_read_back_as_they_were() {
        let flags = [QualityFlag::TooFast, QualityFlag::DuplicateClient];
        assert_eq!(encode_flags(&flags), "too_fast,duplicate_client");
        assert_eq!(encode_flags(&[]), "");
        assert_eq!(
            decode_flags("too_fast,duplicate_client"),
            Ok(flags.to_vec())
        );
        assert_eq!(decode_flags(""), Ok(Vec::new()), "no flag");
        assert_eq!(
            decode_flags("too_fast,too_slow"),
            Err("too_slow".to_owned())
        );
    }
    use crate::survey::tests::small_survey;

    fn matrix(ratings: &[(&str, &str)]) -> Answers {
        let items = ratings
            .iter()
            .map(|(item, code)| (item.to_string(), code.to_string()))
            .collect();
        [("places".to_string(), Answer::Items(items))].into()
    }

    #[test]
    fn a_response_faster_than_the_minimum_is_flagged_too_fast() {
        let survey = small_survey();

        assert_eq!(
            survey.quality_flags(&Answers::new(), Some(59)),
            [QualityFlag::TooFast]
        );
        assert_eq!(survey.quality_flags(&Answers::new(), Some(60)), []);
        assert_eq!(
            survey.quality_flags(&Answers::new(), None),
            [],
            "unknown duration"
        );
    }

    #[test]
    fn the_same_point_for_every_rated_item_is_straightlining() {
        let survey = small_survey();

        let cases = [
            (
                "all items the same point",
                vec![("market", "5"), ("canteen", "5")],
                true,
            ),
            (
                "different points",
                vec![("market", "5"), ("canteen", "4")],
                false,
            ),
            (
                "don't know does not count as a rating",
                vec![("market", "5"), ("canteen", "dk")],
                false,
            ),
            (
                "fewer rated items than the minimum",
                vec![("market", "5")],
                false,
            ),
        ];
        for (description, ratings, flagged) in cases {
            let flags = survey.quality_flags(&matrix(&ratings), None);
            assert_eq!(
                flags.contains(&QualityFlag::Straightlining),
                flagged,
                "{description}"
            );
        }
    }

    #[test]
    fn both_flags_come_in_a_fixed_order_and_excluded_flags_exclude() {
        let survey = small_survey();
        let flags = survey.quality_flags(&matrix(&[("market", "3"), ("canteen", "3")]), Some(5));

        assert_eq!(flags, [QualityFlag::TooFast, QualityFlag::Straightlining]);
        assert!(survey.quality.excludes(&flags));
        assert!(!survey.quality.excludes(&[]));
    }
}
