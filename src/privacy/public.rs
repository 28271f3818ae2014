//! What public pages may show: a figure only when it rests on at least `min_public_cell`
//! responses, and never a free-text answer. Pure; the public pages call these.

use crate::survey::{PrivacyRules, Question, QuestionKind};

/// `value` when it rests on `n` responses and `n` reaches the survey's `min_public_cell`;
/// `None` (shown as "suppressed: too few responses") otherwise.
pub fn public_cell<T>(n: usize, value: T, rules: &PrivacyRules) -> Option<T> {
    let min = usize::try_from(rules.min_public_cell).unwrap_or(usize::MAX);
    (n >= min).then_some(value)
}

/// One figure of one county, as far as publishing it is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CountyCell {
    /// The responses it rests on.
    pub n: usize,
    /// Whether the figure exists at all (an estimate can be undefined).
    pub defined: bool,
}

/// Which figures of one row (the same indicator for every county) the public may see. A
/// figure on fewer than `min_public_cell` responses is withheld (primary suppression). When
/// exactly one county with respondents is withheld, the city figure and the other counties
/// would give it away (the city is the counties' population-weighted combination, and the
/// weights are published), so the shown figure with the fewest responses is withheld too
/// (complementary suppression). A county without respondents hides nothing and counts for
/// neither.
pub fn public_row(cells: &[CountyCell], rules: &PrivacyRules) -> Vec<bool> {
    let mut shown: Vec<bool> = cells
        .iter()
        .map(|c| c.defined && public_cell(c.n, (), rules).is_some())
        .collect();
    let withheld = cells
        .iter()
        .zip(&shown)
        .filter(|(c, shown)| !**shown && c.n > 0)
        .count();
    if withheld == 1 {
        let smallest = (0..cells.len())
            .filter(|&i| shown[i])
            .min_by_key(|&i| cells[i].n);
        if let Some(i) = smallest {
            shown[i] = false;
        }
    }
    shown
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

    fn row(ns: &[usize]) -> Vec<CountyCell> {
        ns.iter()
            .map(|&n| CountyCell { n, defined: n > 0 })
            .collect()
    }

    #[test]
    fn a_lone_small_county_takes_the_next_smallest_down_with_it() {
        let rules = PrivacyRules {
            min_public_cell: 30,
            ..PrivacyRules::default()
        };
        let cases: [(&str, Vec<usize>, Vec<bool>); 6] = [
            ("all large", vec![40, 90, 31], vec![true, true, true]),
            (
                "one small: the smallest shown one goes too",
                vec![40, 12, 90, 35],
                vec![true, false, true, false],
            ),
            (
                "two small: nothing more to hide",
                vec![40, 12, 90, 5],
                vec![true, false, true, false],
            ),
            (
                "one small, one empty: the empty one hides nothing",
                vec![40, 12, 90, 0],
                vec![false, false, true, false],
            ),
            ("only empty ones", vec![40, 0, 0], vec![true, false, false]),
            ("one small and nothing else", vec![12], vec![false]),
        ];
        for (description, ns, expected) in cases {
            assert_eq!(public_row(&row(&ns), &rules), expected, "{description}");
        }
    }

    #[test]
    fn an_undefined_figure_with_respondents_is_protected_like_a_small_one() {
        let rules = PrivacyRules {
            min_public_cell: 30,
            ..PrivacyRules::default()
        };
        let cells = [
            CountyCell {
                n: 50,
                defined: false,
            },
            CountyCell {
                n: 60,
                defined: true,
            },
            CountyCell {
                n: 70,
                defined: true,
            },
        ];
        assert_eq!(public_row(&cells, &rules), [false, false, true]);
    }

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
