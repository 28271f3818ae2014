//! What public pages may show: a figure only when it rests on at least `min_public_cell`
//! responses, and never a free-text answer. Pure; the public pages call these.

use crate::survey::{PrivacyRules, Question, QuestionKind};

/// `value` when it rests on `n` responses and `n` reaches the survey's `min_public_cell`;
/// `None` (shown as "suppressed: too few responses") otherwise.
pub fn public_cell<T>(n: usize, value: T, rules: &PrivacyRules) -> Option<T> {
    let min = usize::try_from(rules.min_public_cell).unwrap_or(usize::MAX);
    (n >= min).then_some(value)
}

/// Whether a question's answers may appear on a public page in any form. Free text never
/// does: even scrubbed, a sentence can describe its author.
pub fn publishable(question: &Question) -> bool {
    !matches!(question.kind, QuestionKind::Text { .. })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::tests::small_survey;

    #[test]
    fn a_cell_is_shown_from_min_public_cell_responses_up() {
        let rules = PrivacyRules {
            min_public_cell: 30,
            ..PrivacyRules::default()
        };
        let cases = [
            ("no responses", 0, None),
            ("one below the minimum", 29, None),
            ("exactly the minimum", 30, Some(82.5)),
            ("well above", 200, Some(82.5)),
        ];
        for (description, n, expected) in cases {
            assert_eq!(public_cell(n, 82.5, &rules), expected, "{description}");
        }
    }

    #[test]
    fn the_default_minimum_is_thirty() {
        let rules = PrivacyRules::default();
        assert_eq!(public_cell(29, "x", &rules), None);
        assert_eq!(public_cell(30, "x", &rules), Some("x"));
    }

    #[test]
    fn free_text_questions_are_never_publishable() {
        let survey = small_survey();
        for question in &survey.questions {
            let is_text = matches!(question.kind, QuestionKind::Text { .. });
            assert_eq!(publishable(question), !is_text, "question {}", question.id);
        }
        assert!(
            survey.questions.iter().any(|q| !publishable(q)),
            "the test survey has a text question"
        );
    }
}
