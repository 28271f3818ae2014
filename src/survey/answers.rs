//! Answers: the validation of a posted form ([`FormInput`]) against the survey, and the
//! validated answers that are stored.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::definition::{Choice, Question, QuestionKind, Survey, Text};
use super::form_input::FormInput;

/// A validated answer to one question.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(untagged)]
pub enum Answer {
    /// The code picked in a single, yesno or scale question, or the (trimmed) free text.
    Code(String),
    /// The codes ticked in a multiple question, in option order.
    Codes(Vec<String>),
    /// A number question's value.
    Number(f64),
    /// A matrix: item code to the scale code given to it (unrated items are absent).
    Items(BTreeMap<String, String>),
}

/// Validated answers by question id. Unanswered and hidden questions are absent.
pub type Answers = BTreeMap<String, Answer>;

/// Why a submitted answer was refused. The web layer turns these into messages.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnswerProblem {
    /// The question is required and shown, and was not answered.
    Required,
    /// A code that is not one of the question's options (or scale answers).
    UnknownOption,
    /// More options ticked than allowed.
    TooManyChoices {
        /// Most options allowed.
        max: usize,
    },
    /// Not a number.
    NotANumber,
    /// A number with a fractional part where a whole number is asked for.
    NotAnInteger,
    /// A number outside the accepted range.
    OutOfRange {
        /// Smallest accepted value.
        min: f64,
        /// Largest accepted value.
        max: f64,
    },
    /// Free text longer than allowed, counted in characters.
    TooLong {
        /// Most characters allowed.
        max: usize,
        /// Characters written.
        written: usize,
    },
    /// A required matrix with some items not rated.
    ItemsMissing {
        /// Codes of the items not rated, in display order.
        items: Vec<String>,
    },
}

/// Every problem in a submitted form, by question id.
#[derive(Serialize, Clone, Debug, PartialEq, Default)]
pub struct AnswerErrors {
    /// Question id to what is wrong with its answer.
    pub problems: BTreeMap<String, AnswerProblem>,
}

impl fmt::Display for AnswerErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} answer(s) refused:", self.problems.len())?;
        for (question, problem) in &self.problems {
            write!(f, " {question} ({problem:?})")?;
        }
        Ok(())
    }
}

impl std::error::Error for AnswerErrors {}

impl Survey {
    /// Validates a submitted form against the survey.
    ///
    /// Questions are taken in order; a question hidden by its condition (given the answers
    /// accepted so far) is skipped and anything posted for it discarded. `required` is
    /// enforced only for shown questions. Every problem is reported, not just the first.
    pub fn validate(&self, input: &FormInput) -> Result<Answers, AnswerErrors> {
        let mut answers = Answers::new();
        let mut errors = AnswerErrors::default();
        for question in &self.questions {
            if !self.visible(question, &answers) {
                continue;
            }
            match read_answer(question, input) {
                Ok(Some(answer)) => {
                    answers.insert(question.id.clone(), answer);
                }
                Ok(None) if question.required => {
                    errors
                        .problems
                        .insert(question.id.clone(), AnswerProblem::Required);
                }
                Ok(None) => {}
                Err(problem) => {
                    errors.problems.insert(question.id.clone(), problem);
                }
            }
        }
        if errors.problems.is_empty() {
            Ok(answers)
        } else {
            Err(errors)
        }
    }
}

/// Reads one question's answer from the form: `Ok(None)` when unanswered.
fn read_answer(question: &Question, input: &FormInput) -> Result<Option<Answer>, AnswerProblem> {
    let id = question.id.as_str();
    match &question.kind {
        QuestionKind::Single { options } | QuestionKind::YesNo { options } => {
            read_code(input.first(id), options.iter())
        }
        QuestionKind::Scale { scale } => read_code(input.first(id), scale.choices()),
        QuestionKind::Multiple {
            options,
            max_choices,
        } => read_codes(input.all(id), options, *max_choices),
        QuestionKind::Matrix { scale, items } => {
            let mut rated = BTreeMap::new();
            let mut missing = Vec::new();
            // `<id>.<item>`, written into one buffer rather than formatted per item.
            let mut field = format!("{id}.");
            for item in items {
                field.truncate(id.len() + 1);
                field.push_str(&item.code);
                match read_code(input.first(&field), scale.choices())? {
                    Some(Answer::Code(code)) => {
                        rated.insert(item.code.clone(), code);
                    }
                    _ => missing.push(item.code.clone()),
                }
            }
            if rated.is_empty() {
                Ok(None)
            } else if question.required && !missing.is_empty() {
                Err(AnswerProblem::ItemsMissing { items: missing })
            } else {
                Ok(Some(Answer::Items(rated)))
            }
        }
        QuestionKind::Number {
            min,
            max,
            integer,
            unit,
        } => read_number(input.first(id), *min, *max, *integer, unit.as_ref()),
        QuestionKind::Text { max_length } => {
            let text = one_break_per_line(input.first(id).unwrap_or_default().trim());
            if text.is_empty() {
                Ok(None)
            } else if text.chars().count() > *max_length {
                Err(AnswerProblem::TooLong {
                    max: *max_length,
                    written: text.chars().count(),
                })
            } else {
                Ok(Some(Answer::Code(text.into_owned())))
            }
        }
    }
}

/// A text box's line breaks as `\n`. Browsers post each as `\r\n` but count it as one character
/// against the box's `maxlength` (HTML's "API value"), so a resident who filled the box to its
/// limit with a few lines would otherwise be told the text is too long.
fn one_break_per_line(text: &str) -> Cow<'_, str> {
    if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

fn read_code<'a>(
    posted: Option<&str>,
    mut choices: impl Iterator<Item = &'a Choice>,
) -> Result<Option<Answer>, AnswerProblem> {
    let code = posted.unwrap_or_default().trim();
    if code.is_empty() {
        Ok(None)
    } else if choices.any(|choice| choice.code == code) {
        Ok(Some(Answer::Code(code.to_string())))
    } else {
        Err(AnswerProblem::UnknownOption)
    }
}

fn read_codes<'a>(
    posted: impl Iterator<Item = &'a str>,
    options: &[Choice],
    max_choices: Option<usize>,
) -> Result<Option<Answer>, AnswerProblem> {
    let ticked: Vec<&str> = posted
        .map(|value| value.trim())
        .filter(|value| !value.is_empty())
        .collect();
    if ticked
        .iter()
        .any(|code| !options.iter().any(|option| option.code == *code))
    {
        return Err(AnswerProblem::UnknownOption);
    }
    // In option order, each code once, whatever order and repetition the browser sent.
    let codes: Vec<String> = options
        .iter()
        .filter(|option| ticked.contains(&option.code.as_str()))
        .map(|option| option.code.clone())
        .collect();
    match max_choices {
        Some(max) if codes.len() > max => Err(AnswerProblem::TooManyChoices { max }),
        _ if codes.is_empty() => Ok(None),
        _ => Ok(Some(Answer::Codes(codes))),
    }
}

fn read_number(
    posted: Option<&str>,
    min: f64,
    max: f64,
    integer: bool,
    unit: Option<&Text>,
) -> Result<Option<Answer>, AnswerProblem> {
    let mut raw = posted.unwrap_or_default().trim();
    if raw.is_empty() {
        return Ok(None);
    }
    // "3人" or "3 people": the unit shown after the box, typed as well.
    if let Some(unit) = unit {
        for label in [&unit.zh, &unit.en] {
            if let Some(number) = raw
                .strip_suffix(label.as_str())
                .filter(|_| !label.is_empty())
            {
                raw = number.trim_end();
                break;
            }
        }
    }
    let value = parse_number(raw).ok_or(AnswerProblem::NotANumber)?;
    if integer && value.fract() != 0.0 {
        return Err(AnswerProblem::NotAnInteger);
    }
    if value < min || value > max {
        return Err(AnswerProblem::OutOfRange { min, max });
    }
    Ok(Some(Answer::Number(value)))
}

/// Parses a number as typed on a phone: ASCII or full-width digits (０-９, as Chinese input
/// methods produce), an optional leading sign and at most one decimal point. No exponents,
/// thousands separators, `inf` or `NaN`.
pub fn parse_number(raw: &str) -> Option<f64> {
    let mut normalized = String::with_capacity(raw.len());
    for c in raw.trim().chars() {
        let ascii = match c {
            '０'..='９' => char::from_u32(u32::from(c) - u32::from('０') + u32::from('0'))?,
            '．' => '.',
            '－' | '−' => '-',
            '＋' => '+',
            other => other,
        };
        normalized.push(ascii);
    }
    let unsigned = normalized
        .strip_prefix(['-', '+'])
        .unwrap_or(normalized.as_str());
    let digits = unsigned.chars().filter(char::is_ascii_digit).count();
    let points = unsigned.chars().filter(|c| *c == '.').count();
    if digits == 0 || points > 1 || digits + points != unsigned.chars().count() {
        return None;
    }
    normalized
        .parse::<f64>()
        .ok()
        .filter(|value| value.is_finite())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::survey::tests::small_survey;

    /// Answers given as `(question, code)` pairs.
    pub(crate) fn answers(pairs: &[(&str, &str)]) -> Answers {
        pairs
            .iter()
            .map(|(question, code)| (question.to_string(), Answer::Code(code.to_string())))
            .collect()
    }

    fn form(pairs: &[(&str, &str)]) -> FormInput {
        FormInput::from_pairs(
            pairs
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string())),
        )
    }

    /// A form answering every required question of the small survey.
    fn complete_form() -> Vec<(&'static str, &'static str)> {
        vec![
            ("county", "north"),
            ("sex", "female"),
            ("overall", "4"),
            ("places.market", "5"),
            ("places.canteen", "dk"),
            ("aware", "no"),
            ("knows_rule", "right"),
        ]
    }

    fn problems_for(pairs: &[(&str, &str)]) -> BTreeMap<String, AnswerProblem> {
        small_survey()
            .validate(&form(pairs))
            .expect_err("the form should be refused")
            .problems
    }

    fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut pairs = complete_form();
        pairs.retain(|(name, _)| !extra.iter().any(|(replaced, _)| replaced == name));
        pairs.extend_from_slice(extra);
        pairs
    }

    #[test]
    fn a_complete_form_gives_one_answer_per_shown_question() {
        let answers = small_survey().validate(&form(&complete_form())).unwrap();

        assert_eq!(answers.get("county"), Some(&Answer::Code("north".into())));
        let places: BTreeMap<String, String> = [("market", "5"), ("canteen", "dk")]
            .iter()
            .map(|(item, code)| (item.to_string(), code.to_string()))
            .collect();
        assert_eq!(answers.get("places"), Some(&Answer::Items(places)));
        assert_eq!(answers.get("age"), None, "optional and unanswered");
        assert_eq!(answers.get("suggestion"), None, "empty text is unanswered");
    }

    #[test]
    fn every_missing_required_answer_is_reported_at_once() {
        let problems = problems_for(&[]);

        for id in ["county", "sex", "overall", "places", "aware", "knows_rule"] {
            assert_eq!(problems.get(id), Some(&AnswerProblem::Required), "{id}");
        }
        assert_eq!(problems.len(), 6, "{problems:?}");
    }

    #[test]
    fn answers_to_hidden_questions_are_discarded_and_not_required() {
        let answers = small_survey()
            .validate(&form(&with(&[("aware", "no"), ("channels", "tv")])))
            .unwrap();

        assert_eq!(answers.get("channels"), None);
        assert_eq!(answers.get("tv_follow_up"), None);
    }

    #[test]
    fn a_shown_conditional_question_is_required_and_kept() {
        let problems = problems_for(&with(&[("aware", "yes")]));
        assert_eq!(problems.get("channels"), Some(&AnswerProblem::Required));

        let answers = small_survey()
            .validate(&form(&with(&[
                ("aware", "yes"),
                ("channels", "web"),
                ("channels", "tv"),
                ("channels", "tv"),
                ("tv_follow_up", "yes"),
            ])))
            .unwrap();
        assert_eq!(
            answers.get("channels"),
            Some(&Answer::Codes(vec!["tv".into(), "web".into()])),
            "ticked codes are kept once each, in option order"
        );
        assert_eq!(
            answers.get("tv_follow_up"),
            Some(&Answer::Code("yes".into()))
        );
    }

    /// A wrong answer: what is wrong, the form fields, the question and its problem.
    type WrongAnswer = (
        &'static str,
        Vec<(&'static str, &'static str)>,
        &'static str,
        AnswerProblem,
    );

    #[test]
    fn each_kind_of_wrong_answer_names_its_problem() {
        let cases: Vec<WrongAnswer> = vec![
            (
                "a code the question does not have",
                with(&[("sex", "other")]),
                "sex",
                AnswerProblem::UnknownOption,
            ),
            (
                "a scale code outside the scale",
                with(&[("overall", "6")]),
                "overall",
                AnswerProblem::UnknownOption,
            ),
            (
                "a multiple answer with an unknown code",
                with(&[("aware", "yes"), ("channels", "radio")]),
                "channels",
                AnswerProblem::UnknownOption,
            ),
            (
                "too many ticked options",
                with(&[
                    ("aware", "yes"),
                    ("channels", "tv"),
                    ("channels", "web"),
                    ("channels", "friends"),
                ]),
                "channels",
                AnswerProblem::TooManyChoices { max: 2 },
            ),
            (
                "a required matrix with an item not rated",
                with(&[("places.canteen", "")]),
                "places",
                AnswerProblem::ItemsMissing {
                    items: vec!["canteen".into()],
                },
            ),
            (
                "a matrix rating outside the scale",
                with(&[("places.canteen", "9")]),
                "places",
                AnswerProblem::UnknownOption,
            ),
            (
                "letters in a number",
                with(&[("age", "forty")]),
                "age",
                AnswerProblem::NotANumber,
            ),
            (
                "a fraction where a whole number is asked",
                with(&[("age", "40.5")]),
                "age",
                AnswerProblem::NotAnInteger,
            ),
            (
                "a number below the minimum",
                with(&[("age", "12")]),
                "age",
                AnswerProblem::OutOfRange {
                    min: 18.0,
                    max: 120.0,
                },
            ),
            (
                "text longer than allowed",
                with(&[("suggestion", "一二三四五六七八九十一")]),
                "suggestion",
                AnswerProblem::TooLong {
                    max: 10,
                    written: 11,
                },
            ),
        ];
        for (description, pairs, question, expected) in cases {
            let problems = problems_for(&pairs);
            assert_eq!(problems.get(question), Some(&expected), "{description}");
            assert_eq!(problems.len(), 1, "{description}: {problems:?}");
        }
    }

    #[test]
    fn free_text_is_trimmed_and_counted_in_characters_not_bytes() {
        // Ten Chinese characters are 30 bytes but within a 10-character limit.
        let answers = small_survey()
            .validate(&form(&with(&[("suggestion", "  一二三四五六七八九十 \n")])))
            .unwrap();

        assert_eq!(
            answers.get("suggestion"),
            Some(&Answer::Code("一二三四五六七八九十".into()))
        );
    }

    #[test]
    fn a_text_box_filled_to_its_limit_with_line_breaks_is_accepted_as_the_browser_counted_it() {
        // The browser let ten characters in, two of them line breaks, and posts each as CRLF.
        let posted = "一二三\r\n四五六\r\n七八";
        let answers = small_survey()
            .validate(&form(&with(&[("suggestion", posted)])))
            .unwrap();

        assert_eq!(
            answers.get("suggestion"),
            Some(&Answer::Code("一二三\n四五六\n七八".into())),
            "stored with one break per line"
        );
        let too_long = problems_for(&with(&[("suggestion", "一二三\r\n四五六\r\n七八九")]));
        assert_eq!(
            too_long.get("suggestion"),
            Some(&AnswerProblem::TooLong {
                max: 10,
                written: 11
            }),
            "the eleventh character is still one too many"
        );
    }

    #[test]
    fn numbers_typed_with_a_chinese_input_method_are_accepted() {
        let cases = [
            ("42", Some(42.0)),
            ("４２", Some(42.0)),
            (" ６５ ", Some(65.0)),
            ("-3.5", Some(-3.5)),
            ("－３．５", Some(-3.5)),
            ("+7", Some(7.0)),
            ("7.", Some(7.0)),
            (".5", Some(0.5)),
            ("1e3", None),
            ("1,000", None),
            ("1.2.3", None),
            ("-", None),
            (".", None),
            ("inf", None),
            ("NaN", None),
            ("4 2", None),
            ("", None),
        ];
        for (typed, expected) in cases {
            assert_eq!(parse_number(typed), expected, "typed {typed:?}");
        }
    }

    #[test]
    fn a_number_may_be_typed_with_the_unit_shown_after_its_box() {
        let people = Text {
            zh: "人".into(),
            en: "people".into(),
        };
        let read = |typed: &str| read_number(Some(typed), 0.0, 20.0, true, Some(&people));
        assert_eq!(read("3人"), Ok(Some(Answer::Number(3.0))));
        assert_eq!(read("３ 人"), Ok(Some(Answer::Number(3.0))));
        assert_eq!(read("3 people"), Ok(Some(Answer::Number(3.0))));
        assert_eq!(
            read("人"),
            Err(AnswerProblem::NotANumber),
            "the unit alone is no number"
        );
        assert_eq!(
            read("3岁"),
            Err(AnswerProblem::NotANumber),
            "only its own unit"
        );
        assert_eq!(
            read_number(Some("3人"), 0.0, 20.0, true, None),
            Err(AnswerProblem::NotANumber),
            "no unit, nothing to drop"
        );
    }

    #[test]
    fn an_empty_field_is_unanswered_and_the_callers_fields_are_ignored() {
        let answers = small_survey()
            .validate(&form(&with(&[
                ("age", "  "),
                ("_token", "abc"),
                ("_started", "123"),
                ("not_a_question", "x"),
            ])))
            .unwrap();

        assert_eq!(answers.get("age"), None);
        assert!(!answers.contains_key("_token"));
        assert!(!answers.contains_key("not_a_question"));
    }

    #[test]
    fn answers_serialize_to_plain_json_and_back() {
        let mut given = answers(&[("sex", "female")]);
        given.insert("age".into(), Answer::Number(42.0));
        given.insert("channels".into(), Answer::Codes(vec!["tv".into()]));
        given.insert(
            "places".into(),
            Answer::Items([("market".to_string(), "5".to_string())].into()),
        );

        let json = serde_json::to_string(&given).unwrap();
        assert_eq!(
            json,
            r#"{"age":42.0,"channels":["tv"],"places":{"market":"5"},"sex":"female"}"#
        );
        let back: Answers = serde_json::from_str(&json).unwrap();
        assert_eq!(back, given);
    }

    #[test]
    fn answer_problems_serialize_with_a_kind_tag_for_the_web_layer() {
        let json = serde_json::to_string(&AnswerProblem::OutOfRange {
            min: 18.0,
            max: 120.0,
        })
        .unwrap();

        assert_eq!(json, r#"{"kind":"out_of_range","min":18.0,"max":120.0}"#);
    }
}
