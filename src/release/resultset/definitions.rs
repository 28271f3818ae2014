//! Each indicator's definition in words, for `methodology.md`: which answers a share counts and
//! which it leaves out of its denominator, a score's points per answer, a quiz's key. The
//! survey file holds them as codes; an evaluator reading the result set needs them as the
//! questionnaire's words, in both languages.

use super::columns::{column_of, Column};
use crate::survey::{Measure, Text};

/// What `measure` counts, in Chinese and English, with the labels `columns` give its codes.
pub fn definition(measure: &Measure, columns: &[Column]) -> Text {
    match measure {
        Measure::Proportion {
            question,
            item,
            success,
            excluded,
        } => {
            let column = column_of(columns, question, item.as_deref());
            let (label, counted, left_out) = (
                question_label(column, question),
                labels(column, success),
                labels(column, excluded),
            );
            Text {
                zh: format!(
                    "“{}”回答{}的比例；{}未回答的不计入分母",
                    label.zh,
                    counted.zh,
                    if excluded.is_empty() {
                        "其他回答都计入分母，".to_owned()
                    } else {
                        format!("{}和", left_out.zh)
                    },
                ),
                en: format!(
                    "the share answering {} to \"{}\"; {} unanswered left out of the denominator",
                    counted.en,
                    label.en,
                    if excluded.is_empty() {
                        "every other answer counts in the denominator,".to_owned()
                    } else {
                        format!("{} and", left_out.en)
                    },
                ),
            }
        }
        Measure::Mean {
            question,
            item,
            scores,
        } => {
            let column = column_of(columns, question, item.as_deref());
            let each = |lang: fn(&Text) -> &str| {
                scores
                    .iter()
                    .map(|(code, score)| format!("{} = {score}", lang(&label_of(column, code))))
                    .collect::<Vec<_>>()
            };
            let unscored: Vec<String> = column
                .map(|c| {
                    c.values
                        .iter()
                        .filter(|(code, _)| !scores.iter().any(|(scored, _)| scored == code))
                        .map(|(code, _)| code.clone())
                        .collect()
                })
                .unwrap_or_default();
            let unscored = labels(column, &unscored);
            let label = question_label(column, question);
            Text {
                zh: format!(
                    "“{}”的平均得分：{}；{}未回答的不计入平均",
                    label.zh,
                    each(|t| &t.zh).join("，"),
                    if unscored.zh.is_empty() {
                        String::new()
                    } else {
                        format!("{}和", unscored.zh)
                    }
                ),
                en: format!(
                    "the mean score of \"{}\": {}; {}unanswered left out of the mean",
                    label.en,
                    each(|t| &t.en).join(", "),
                    if unscored.en.is_empty() {
                        String::new()
                    } else {
                        format!("{} and ", unscored.en)
                    }
                ),
            }
        }
        Measure::CorrectShare { answers } => {
            // Each question and its right answer: “……”（对） / "…" (True).
            let each = |lang: fn(&Text) -> &str, quoted: fn(&str, &str) -> String| {
                answers
                    .iter()
                    .map(|(question, code)| {
                        let column = column_of(columns, question, None);
                        quoted(
                            lang(&question_label(column, question)),
                            lang(&label_of(column, code)),
                        )
                    })
                    .collect::<Vec<_>>()
            };
            Text {
                zh: format!(
                    "{} 道题答对的比例 × 100，正确答案：{}；正确答案以外的回答和未回答都算答错，每位答卷人都计入",
                    answers.len(),
                    each(|t| &t.zh, |q, a| format!("“{q}”（{a}）")).join("；")
                ),
                en: format!(
                    "100 × the share of {} questions answered correctly (key: {}); any other answer, and none, counts as wrong, and every respondent counts",
                    answers.len(),
                    each(|t| &t.en, |q, a| format!("\"{q}\" ({a})")).join("; ")
                ),
            }
        }
    }
}

/// The column's label (the question's, or a matrix item's), or the question's id.
fn question_label(column: Option<&Column>, question: &str) -> Text {
    column.map_or_else(
        || Text {
            zh: question.to_owned(),
            en: question.to_owned(),
        },
        |c| c.label.clone(),
    )
}

/// A code's label in the column, or the code itself.
fn label_of(column: Option<&Column>, code: &str) -> Text {
    column
        .and_then(|c| c.values.iter().find(|(value, _)| value == code))
        .map_or_else(
            || Text {
                zh: code.to_owned(),
                en: code.to_owned(),
            },
            |(_, label)| label.clone(),
        )
}

/// Codes' labels, quoted and listed: “比较满意”、“非常满意” / "Fairly satisfied" or "Very
/// satisfied".
fn labels(column: Option<&Column>, codes: &[String]) -> Text {
    let each: Vec<Text> = codes.iter().map(|code| label_of(column, code)).collect();
    Text {
        zh: each
            .iter()
            .map(|t| format!("“{}”", t.zh))
            .collect::<Vec<_>>()
            .join("、"),
        en: match each.len() {
            0 => String::new(),
            1 => format!("\"{}\"", each[0].en),
            n => format!(
                "{} or \"{}\"",
                each[..n - 1]
                    .iter()
                    .map(|t| format!("\"{}\"", t.en))
                    .collect::<Vec<_>>()
                    .join(", "),
                each[n - 1].en
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::resultset::columns;
    use crate::survey::Survey;

    fn example() -> (Survey, Vec<Column>) {
        let survey = crate::survey::tests::example();
        let columns = columns(&survey);
        (survey, columns)
    }

    fn of(id: &str) -> Text {
        let (survey, columns) = example();
        let indicator = survey.indicators.iter().find(|i| i.id == id).unwrap();
        definition(&indicator.measure, &columns)
    }

    #[test]
    fn a_share_names_the_answers_it_counts_and_those_it_leaves_out() {
        let rate = of("satisfaction_rate");
        assert!(
            rate.zh.contains("回答“非常满意”、“比较满意”的比例")
                && rate.zh.contains("“不了解”和未回答的不计入分母"),
            "{}",
            rate.zh
        );
        assert!(
            rate.en.contains("left out of the denominator"),
            "{}",
            rate.en
        );
        let support = of("campaign_support");
        assert!(
            support.zh.contains("其他回答都计入分母")
                && support.en.contains("every other answer counts"),
            "a share whose file leaves nothing out says so: {} / {}",
            support.zh,
            support.en
        );
    }

    #[test]
    fn a_score_gives_each_answers_points_and_a_quiz_its_key() {
        let score = of("satisfaction_score");
        assert!(
            score.zh.contains("“非常满意”") || score.zh.contains("非常满意 = 100"),
            "{}",
            score.zh
        );
        assert!(
            score.zh.contains("= 100") && score.zh.contains("= 0"),
            "{}",
            score.zh
        );
        assert!(
            score.zh.contains("不了解"),
            "the answer not scored is named: {}",
            score.zh
        );
        let quiz = of("knowledge_score");
        assert!(
            quiz.zh.contains("都算答错") && quiz.en.contains("counts as wrong"),
            "{} / {}",
            quiz.zh,
            quiz.en
        );
    }
}
