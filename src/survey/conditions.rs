//! Conditional questions: when a question is shown, given the answers to earlier questions.

use serde::Serialize;

use super::answers::{Answer, Answers};
use super::definition::{Question, Survey};

/// Shows a question only to respondents whose answer to an earlier question is one of
/// `any_of`. For a multiple-choice question, it is enough that any ticked option is listed.
///
/// The loader guarantees that `question` comes earlier in the survey, is choice-like
/// (single, multiple, yesno or scale) and has every code in `any_of`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Condition {
    /// Id of the earlier question.
    pub question: String,
    /// Codes of that question's answers that show this question.
    pub any_of: Vec<String>,
}

impl Condition {
    /// Whether the earlier answer in `answers` is one of `any_of`. An unanswered question
    /// never satisfies a condition.
    pub fn holds(&self, answers: &Answers) -> bool {
        match answers.get(&self.question) {
            Some(Answer::Code(code)) => self.any_of.contains(code),
            Some(Answer::Codes(codes)) => codes.iter().any(|code| self.any_of.contains(code)),
            Some(Answer::Number(_)) | Some(Answer::Items(_)) | None => false,
        }
    }
}

impl Survey {
    /// Whether `question` is shown to a respondent who gave `answers` to the earlier
    /// questions. A question is shown when it has no condition, or when its condition holds
    /// and the question the condition refers to was itself shown.
    pub fn visible(&self, question: &Question, answers: &Answers) -> bool {
        let mut current = question;
        // Conditions only refer to earlier questions, so this walk ends; the bound is a
        // second guarantee.
        for _ in 0..=self.questions.len() {
            let Some(condition) = &current.show_if else {
                return true;
            };
            if !condition.holds(answers) {
                return false;
            }
            match self.question(&condition.question) {
                Some(earlier) => current = earlier,
                None => return false,
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::answers::tests::answers;
    use crate::survey::tests::small_survey;

    #[test]
    fn a_question_without_condition_is_always_shown() {
        let survey = small_survey();
        let question = survey.question("aware").unwrap();

        assert!(survey.visible(question, &answers(&[])));
    }

    #[test]
    fn a_conditional_question_is_shown_when_the_earlier_answer_is_listed() {
        let survey = small_survey();
        let channels = survey.question("channels").unwrap();

        assert!(survey.visible(channels, &answers(&[("aware", "yes")])));
        assert!(!survey.visible(channels, &answers(&[("aware", "no")])));
        assert!(
            !survey.visible(channels, &answers(&[])),
            "an unanswered earlier question hides the conditional one"
        );
    }

    #[test]
    fn a_condition_on_a_multiple_answer_holds_when_any_ticked_option_is_listed() {
        let condition = Condition {
            question: "channels".into(),
            any_of: vec!["tv".into()],
        };
        let mut given = answers(&[]);
        given.insert(
            "channels".into(),
            Answer::Codes(vec!["web".into(), "tv".into()]),
        );

        assert!(condition.holds(&given));
        given.insert("channels".into(), Answer::Codes(vec!["web".into()]));
        assert!(!condition.holds(&given));
    }

    #[test]
    fn a_question_whose_condition_refers_to_a_hidden_question_is_hidden() {
        let survey = small_survey();
        let follow_up = survey.question("tv_follow_up").unwrap();
        // "channels" is only shown to the aware; a stale "channels" answer from someone
        // who is not aware must not show the follow-up.
        let mut given = answers(&[("aware", "no")]);
        given.insert("channels".into(), Answer::Codes(vec!["tv".into()]));

        assert!(!survey.visible(follow_up, &given));
        given.insert("aware".into(), Answer::Code("yes".into()));
        assert!(survey.visible(follow_up, &given));
    }
}
