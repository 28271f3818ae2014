//! The form validated answers take in the database: by question position, read back with the
//! definition of the survey version they answered.
//!
//! A JSON array with one element per question of that version, in file order, trailing
//! unanswered questions left off:
//!
//! | question kind | element |
//! | --- | --- |
//! | unanswered (or hidden) | `null` |
//! | single, yesno, scale | the code, a string |
//! | text | the (scrubbed) text, a string |
//! | multiple | the ticked codes, an array of strings |
//! | number | a number |
//! | matrix | one element per item, in file order: its code, or `null` when unrated (trailing ones left off) |
//!
//! For example `["nanhu","female","40_49","4",null,["4","5","3"]]`. The same answers keyed by
//! question and item id take three times the bytes, and every stored response is written to
//! the database's log and again into its file (issue 8: the bytes per response were much of
//! the response writer's work). Codes stay codes rather than option numbers, so the stored
//! form reads plainly, and each one is checked against the version's options when read:
//! decoding with the wrong version's definition fails instead of misplacing answers.
//!
//! Responses stored before this form was introduced hold the answers as a JSON object keyed by
//! question id; [`decode`] reads both.

use std::collections::BTreeMap;
use std::fmt;

use serde::ser::{Serialize, SerializeSeq, Serializer};
use serde_json::Value;

use super::answers::{Answer, Answers};
use super::definition::{Choice, Question, QuestionKind, Survey};

/// The stored form of `answers` (validated against `survey`). Answers to questions `survey`
/// does not have are not stored; validation never produces them.
pub fn encode(survey: &Survey, answers: &Answers) -> String {
    serde_json::to_string(&ByPosition { survey, answers })
        .expect("answers hold only strings and finite numbers")
}

/// The answers stored as `stored` for a response to `survey` (the version it answered).
pub fn decode(survey: &Survey, stored: &str) -> Result<Answers, StoredAnswersError> {
    let value: Value =
        serde_json::from_str(stored).map_err(|e| StoredAnswersError::NotJson(e.to_string()))?;
    match value {
        // Stored before the positional form: keyed by question id.
        Value::Object(_) => {
            serde_json::from_value(value).map_err(|e| StoredAnswersError::NotJson(e.to_string()))
        }
        Value::Array(elements) => {
            if elements.len() > survey.questions.len() {
                return Err(StoredAnswersError::TooManyAnswers {
                    stored: elements.len(),
                    questions: survey.questions.len(),
                });
            }
            let mut answers = Answers::new();
            for (question, element) in survey.questions.iter().zip(elements) {
                if let Some(answer) = decode_answer(question, element)? {
                    answers.insert(question.id.clone(), answer);
                }
            }
            Ok(answers)
        }
        _ => Err(StoredAnswersError::NotJson(
            "neither an array nor an object".into(),
        )),
    }
}

/// Why stored answers could not be read with a version's definition.
#[derive(Debug, Clone, PartialEq)]
pub enum StoredAnswersError {
    NotJson(String),
    TooManyAnswers {
        stored: usize,
        questions: usize,
    },
    WrongShape {
        question: String,
        expected: &'static str,
    },
    UnknownCode {
        question: String,
        code: String,
    },
}

impl fmt::Display for StoredAnswersError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoredAnswersError::NotJson(e) => write!(f, "the stored answers are not JSON: {e}"),
            StoredAnswersError::TooManyAnswers { stored, questions } => write!(
                f,
                "{stored} answers stored for a version with {questions} questions"
            ),
            StoredAnswersError::WrongShape { question, expected } => {
                write!(f, "the answer to {question} is not {expected}")
            }
            StoredAnswersError::UnknownCode { question, code } => {
                write!(f, "the answer to {question} has the unknown code {code:?}")
            }
        }
    }
}

impl std::error::Error for StoredAnswersError {}

struct ByPosition<'a> {
    survey: &'a Survey,
    answers: &'a Answers,
}

impl Serialize for ByPosition<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let questions = &self.survey.questions;
        let answered = questions
            .iter()
            .rposition(|q| self.answers.contains_key(&q.id))
            .map_or(0, |last| last + 1);
        let mut seq = serializer.serialize_seq(Some(answered))?;
        for question in &questions[..answered] {
            match self.answers.get(&question.id) {
                None => seq.serialize_element(&())?,
                Some(Answer::Items(rated)) => seq.serialize_element(&ItemsByPosition {
                    items: question.items(),
                    rated,
                })?,
                Some(answer) => seq.serialize_element(answer)?,
            }
        }
        seq.end()
    }
}

struct ItemsByPosition<'a> {
    items: &'a [Choice],
    rated: &'a BTreeMap<String, String>,
}

impl Serialize for ItemsByPosition<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let rated = self
            .items
            .iter()
            .rposition(|item| self.rated.contains_key(&item.code))
            .map_or(0, |last| last + 1);
        let mut seq = serializer.serialize_seq(Some(rated))?;
        for item in &self.items[..rated] {
            seq.serialize_element(&self.rated.get(&item.code))?;
        }
        seq.end()
    }
}

fn decode_answer(
    question: &Question,
    element: Value,
) -> Result<Option<Answer>, StoredAnswersError> {
    let wrong = |expected| StoredAnswersError::WrongShape {
        question: question.id.clone(),
        expected,
    };
    if element.is_null() {
        return Ok(None);
    }
    let answer = match (&question.kind, element) {
        (
            QuestionKind::Single { options } | QuestionKind::YesNo { options },
            Value::String(code),
        ) => Answer::Code(known(question, code, options.iter())?),
        (QuestionKind::Scale { scale }, Value::String(code)) => {
            Answer::Code(known(question, code, scale.choices())?)
        }
        (QuestionKind::Text { .. }, Value::String(text)) => Answer::Code(text),
        (QuestionKind::Multiple { options, .. }, Value::Array(codes)) => Answer::Codes(
            codes
                .into_iter()
                .map(|code| match code {
                    Value::String(code) => known(question, code, options.iter()),
                    _ => Err(wrong("an array of codes")),
                })
                .collect::<Result<_, _>>()?,
        ),
        (QuestionKind::Number { .. }, Value::Number(n)) => {
            Answer::Number(n.as_f64().ok_or_else(|| wrong("a number"))?)
        }
        (QuestionKind::Matrix { scale, items }, Value::Array(codes)) => {
            if codes.len() > items.len() {
                return Err(wrong("one code or null per item"));
            }
            let mut rated = BTreeMap::new();
            for (item, code) in items.iter().zip(codes) {
                match code {
                    Value::Null => {}
                    Value::String(code) => {
                        rated.insert(item.code.clone(), known(question, code, scale.choices())?);
                    }
                    _ => return Err(wrong("one code or null per item")),
                }
            }
            Answer::Items(rated)
        }
        (
            QuestionKind::Single { .. } | QuestionKind::YesNo { .. } | QuestionKind::Scale { .. },
            _,
        ) => return Err(wrong("a code")),
        (QuestionKind::Text { .. }, _) => return Err(wrong("a string")),
        (QuestionKind::Multiple { .. }, _) => return Err(wrong("an array of codes")),
        (QuestionKind::Number { .. }, _) => return Err(wrong("a number")),
        (QuestionKind::Matrix { .. }, _) => return Err(wrong("one code or null per item")),
    };
    Ok(Some(answer))
}

/// `code`, if it is one of `choices`.
fn known<'a>(
    question: &Question,
    code: String,
    mut choices: impl Iterator<Item = &'a Choice>,
) -> Result<String, StoredAnswersError> {
    if choices.any(|choice| choice.code == code) {
        Ok(code)
    } else {
        Err(StoredAnswersError::UnknownCode {
            question: question.id.clone(),
            code,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::tests::small_survey;

    fn items(pairs: &[(&str, &str)]) -> Answer {
        Answer::Items(
            pairs
                .iter()
                .map(|(item, code)| (item.to_string(), code.to_string()))
                .collect(),
        )
    }

    /// Answers to every kind of question of the small survey.
    fn every_kind() -> Answers {
        [
            ("county", Answer::Code("north".into())),
            ("sex", Answer::Code("female".into())),
            ("age", Answer::Number(67.0)),
            ("overall", Answer::Code("dk".into())),
            ("places", items(&[("canteen", "4")])),
            ("aware", Answer::Code("yes".into())),
            (
                "channels",
                Answer::Codes(vec!["tv".into(), "friends".into()]),
            ),
            ("knows_rule", Answer::Code("right".into())),
            ("suggestion", Answer::Code("多一些\"抽检\"\n公开".into())),
        ]
        .into_iter()
        .map(|(id, answer)| (id.to_string(), answer))
        .collect()
    }

    #[test]
    fn answers_are_stored_by_question_position_and_read_back_unchanged() {
        let survey = small_survey();
        let answers = every_kind();

        let stored = encode(&survey, &answers);

        assert_eq!(
            stored,
            r#"["north","female",67.0,"dk",[null,"4"],"yes",["tv","friends"],null,"right",null,"多一些\"抽检\"\n公开"]"#
        );
        assert_eq!(decode(&survey, &stored), Ok(answers));
    }

    #[test]
    fn trailing_unanswered_questions_and_unrated_items_are_left_off() {
        let survey = small_survey();
        let answers: Answers = [
            ("county".to_string(), Answer::Code("south".into())),
            ("places".to_string(), items(&[("market", "5")])),
        ]
        .into_iter()
        .collect();

        let stored = encode(&survey, &answers);

        assert_eq!(stored, r#"["south",null,null,null,["5"]]"#);
        assert_eq!(decode(&survey, &stored), Ok(answers));
        assert_eq!(encode(&survey, &Answers::new()), "[]");
        assert_eq!(decode(&survey, "[]"), Ok(Answers::new()));
    }

    #[test]
    fn answers_stored_keyed_by_question_id_are_still_read() {
        let survey = small_survey();
        let answers = every_kind();
        let keyed = serde_json::to_string(&answers).unwrap();

        assert!(keyed.starts_with('{'));
        assert_eq!(decode(&survey, &keyed), Ok(answers));
    }

    #[test]
    fn the_example_surveys_answers_take_under_two_fifths_of_the_bytes_keyed_by_id_would() {
        let survey = crate::survey::tests::example();
        let (mut positional, mut keyed) = (0, 0);
        for form in crate::simulate::simulate(&survey, 200, 7) {
            let answers = survey
                .validate(&crate::survey::FormInput::from_pairs(form.fields))
                .unwrap();
            let stored = encode(&survey, &answers);
            assert_eq!(decode(&survey, &stored).as_ref(), Ok(&answers));
            positional += stored.len();
            keyed += serde_json::to_string(&answers).unwrap().len();
        }

        // About 0.34 (the codes themselves are the same in both).
        assert!(
            positional * 5 < keyed * 2,
            "{positional} bytes against {keyed}"
        );
    }

    #[test]
    fn reading_with_another_versions_definition_fails_instead_of_misplacing_answers() {
        let survey = small_survey();
        let stored = encode(&survey, &every_kind());
        // A version asking sex before county: "north" is not a sex.
        let mut reordered = small_survey();
        reordered.questions.swap(0, 1);

        assert_eq!(
            decode(&reordered, &stored),
            Err(StoredAnswersError::UnknownCode {
                question: "sex".into(),
                code: "north".into()
            })
        );
    }

    #[test]
    fn malformed_stored_answers_are_refused_with_the_question_named() {
        let survey = small_survey();
        let refused = |stored: &str| decode(&survey, stored).unwrap_err().to_string();

        assert!(refused("not json").contains("not JSON"));
        assert!(refused("4").contains("neither an array nor an object"));
        assert_eq!(refused(r#"[4]"#), "the answer to county is not a code");
        assert_eq!(
            refused(r#"["north","female","67"]"#),
            "the answer to age is not a number"
        );
        assert_eq!(
            refused(r#"["north",null,null,null,["5","4","3"]]"#),
            "the answer to places is not one code or null per item"
        );
        assert_eq!(
            refused(r#"["north",null,null,null,null,null,["tv","radio"]]"#),
            "the answer to channels has the unknown code \"radio\""
        );
        let too_many = format!("[{}]", ["null"; 12].join(","));
        assert_eq!(
            refused(&too_many),
            "12 answers stored for a version with 11 questions"
        );
    }
}
