//! `[[questions]]`: ids, labels, the keys each kind allows, and `show_if` conditions.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    a_question_of_kind, choices, codes_of, is_id, label_text, not_a_question, quoted,
    repeats_a_code, text, ChoiceList, ID_RULE,
};
use crate::survey::conditions::Condition;
use crate::survey::definition::{Choice, Question, QuestionKind, Scale, Text};
use crate::survey::error::{said, Problems, Said};
use crate::survey::file::{Block, RawCondition, RawFile, RawKind, RawQuestion};

/// Default `max_length` of a text question, in characters.
pub(crate) const DEFAULT_TEXT_LENGTH: usize = 500;
/// Largest `max_length` accepted: longer texts belong in another channel than a survey.
const MAX_TEXT_LENGTH: usize = 5000;

/// The checked questions, and where each came from.
pub(crate) struct Questions {
    pub list: Vec<Question>,
    /// Key path of each question in `list`, by id.
    pub paths: BTreeMap<String, String>,
    /// Ids of questions that could not be read or built: references to them are not
    /// reported again.
    pub unreadable: BTreeSet<String>,
}

/// What a reference to a question id finds.
pub(crate) enum Lookup<'q> {
    /// The question, and its position in the survey.
    Found(usize, &'q Question),
    /// A question that exists but has problems of its own, already reported.
    Unreadable,
    /// No such question.
    Unknown,
}

impl Questions {
    pub(crate) fn lookup(&self, id: &str) -> Lookup<'_> {
        match self.list.iter().position(|question| question.id == id) {
            Some(index) => self
                .list
                .get(index)
                .map_or(Lookup::Unknown, |question| Lookup::Found(index, question)),
            None if self.unreadable.contains(id) => Lookup::Unreadable,
            None => Lookup::Unknown,
        }
    }

    pub(crate) fn path_of(&self, id: &str) -> String {
        self.paths
            .get(id)
            .cloned()
            .unwrap_or_else(|| format!("questions[{id}]"))
    }
}

/// Builds every readable question, then checks the conditions between them.
pub(crate) fn build(
    file: &RawFile,
    scales: &BTreeMap<String, Scale>,
    problems: &mut Problems,
) -> Questions {
    let mut questions = Questions {
        list: Vec::new(),
        paths: BTreeMap::new(),
        unreadable: file.unreadable.questions.clone(),
    };
    let mut conditions = Vec::new();
    for block in &file.questions {
        let raw = &block.raw;
        if !is_id(&raw.id) {
            problems.expect_found(format!("{}.id", block.path), ID_RULE, Said::quoted(&raw.id));
        }
        if questions.paths.contains_key(&raw.id) || questions.unreadable.contains(&raw.id) {
            problems.expect_found(
                format!("{}.id", block.path),
                said!("question_id_once", "a question id used only once"),
                said!(
                    "question_id_used",
                    "\"{id}\", already used by an earlier question",
                    id = raw.id
                ),
            );
            continue;
        }
        let Some(kind) = kind(block, scales, file, problems) else {
            questions.unreadable.insert(raw.id.clone());
            continue;
        };
        let quasi_identifier = raw.quasi_identifier.unwrap_or(false);
        match kind {
            _ if !quasi_identifier => {}
            QuestionKind::Single { .. }
            | QuestionKind::YesNo { .. }
            | QuestionKind::Scale { .. } => {}
            QuestionKind::Text { .. } => problems.expect(
                format!("{}.quasi_identifier", block.path),
                said!(
                    "text_quasi_identifier",
                    "false for a text question: free text is scrubbed, not grouped for k-anonymity"
                ),
            ),
            // k-anonymity groups rows by one code per quasi-identifier: a number, several
            // codes or a matrix would go out as it was answered.
            _ => problems.expect(
                format!("{}.quasi_identifier", block.path),
                said!(
                    "coded_quasi_identifier",
                    "false: only a question answered with one code (single, yesno or scale) can \
                     be a quasi-identifier; ask a number such as a household's size as a single \
                     question with bands"
                ),
            ),
        }
        questions.paths.insert(raw.id.clone(), block.path.clone());
        conditions.push((questions.list.len(), block));
        questions.list.push(Question {
            id: raw.id.clone(),
            text: text(&block.path, &raw.zh, &raw.en, problems),
            help: raw
                .help
                .as_ref()
                .map(|help| label_text(&format!("{}.help", block.path), help, problems)),
            section: raw
                .section
                .as_ref()
                .map(|section| label_text(&format!("{}.section", block.path), section, problems)),
            required: raw.required.unwrap_or(true),
            role: raw.role,
            show_if: None,
            kind,
            quasi_identifier,
        });
    }
    for (index, block) in conditions {
        if let Some(raw) = &block.raw.show_if {
            let condition = condition(index, &block.path, raw, &questions, problems);
            if let Some(question) = questions.list.get_mut(index) {
                question.show_if = condition;
            }
        }
    }
    questions
}

/// The keys that belong to each kind, besides the common ones.
fn allowed_keys(kind: RawKind) -> &'static [&'static str] {
    match kind {
        RawKind::Single => &["options"],
        RawKind::Multiple => &["options", "max_choices"],
        RawKind::YesNo => &[],
        RawKind::Scale => &["scale"],
        RawKind::Matrix => &["scale", "items"],
        RawKind::Number => &["min", "max", "integer", "unit"],
        RawKind::Text => &["max_length"],
    }
}

fn kind_name(kind: RawKind) -> &'static str {
    match kind {
        RawKind::Single => "single",
        RawKind::Multiple => "multiple",
        RawKind::YesNo => "yesno",
        RawKind::Scale => "scale",
        RawKind::Matrix => "matrix",
        RawKind::Number => "number",
        RawKind::Text => "text",
    }
}

/// Builds the kind of a question; `None` if it cannot be built at all.
fn kind(
    block: &Block<RawQuestion>,
    scales: &BTreeMap<String, Scale>,
    file: &RawFile,
    problems: &mut Problems,
) -> Option<QuestionKind> {
    let raw = &block.raw;
    let path = block.path.as_str();
    let present = [
        ("options", raw.options.is_some()),
        ("max_choices", raw.max_choices.is_some()),
        ("scale", raw.scale.is_some()),
        ("items", raw.items.is_some()),
        ("min", raw.min.is_some()),
        ("max", raw.max.is_some()),
        ("integer", raw.integer.is_some()),
        ("unit", raw.unit.is_some()),
        ("max_length", raw.max_length.is_some()),
    ];
    for (key, _) in present
        .iter()
        .filter(|(key, present)| *present && !allowed_keys(raw.kind).contains(key))
    {
        let owners: Vec<&str> = [
            RawKind::Single,
            RawKind::Multiple,
            RawKind::Scale,
            RawKind::Matrix,
            RawKind::Number,
            RawKind::Text,
        ]
        .into_iter()
        .filter(|kind| allowed_keys(*kind).contains(key))
        .map(kind_name)
        .collect();
        problems.expect_found(
            format!("{path}.{key}"),
            said!(
                "key_of_another_kind",
                "no \"{key}\" in a {kind} question (it belongs to kind {owners})",
                key = key,
                kind = kind_name(raw.kind),
                owners = owners.join(" / ")
            ),
            said!("key_set", "{key} set", key = key),
        );
    }
    match raw.kind {
        RawKind::Single => Some(QuestionKind::Single {
            options: options(path, raw.options.as_deref(), problems)?,
        }),
        RawKind::Multiple => {
            let options = options(path, raw.options.as_deref(), problems)?;
            if let Some(max) = raw.max_choices {
                if max == 0 || max > options.len() {
                    problems.expect_found(
                        format!("{path}.max_choices"),
                        said!(
                            "max_choices",
                            "a number from 1 to {options} (the number of options)",
                            options = options.len()
                        ),
                        Said::as_written(max),
                    );
                }
            }
            Some(QuestionKind::Multiple {
                options,
                max_choices: raw.max_choices,
            })
        }
        RawKind::YesNo => Some(QuestionKind::YesNo {
            options: yes_no_options(),
        }),
        RawKind::Scale => Some(QuestionKind::Scale {
            scale: scale(path, raw.scale.as_deref(), scales, file, problems)?,
        }),
        RawKind::Matrix => {
            let scale = scale(path, raw.scale.as_deref(), scales, file, problems);
            let items = match &raw.items {
                Some(items) => choices(
                    &format!("{path}.items"),
                    items,
                    2,
                    ChoiceList::Items,
                    problems,
                ),
                None => {
                    problems.expect(
                        format!("{path}.items"),
                        said!(
                            "items",
                            "a list of at least 2 items rated on the scale, each { code, zh, en }"
                        ),
                    );
                    return None;
                }
            };
            // Reported above; a matrix of fewer than two items is no matrix, and what refers to
            // its items or counts them would only repeat that.
            if items.len() < 2 {
                return None;
            }
            Some(QuestionKind::Matrix {
                scale: scale?,
                items,
            })
        }
        RawKind::Number => number(path, raw, problems),
        RawKind::Text => {
            let max_length = raw.max_length.unwrap_or(DEFAULT_TEXT_LENGTH);
            if !(1..=MAX_TEXT_LENGTH).contains(&max_length) {
                problems.expect_found(
                    format!("{path}.max_length"),
                    said!(
                        "max_length",
                        "a number of characters from 1 to {max}",
                        max = MAX_TEXT_LENGTH
                    ),
                    Said::as_written(max_length),
                );
            }
            Some(QuestionKind::Text { max_length })
        }
    }
}

fn options(
    path: &str,
    raw: Option<&[crate::survey::file::RawChoice]>,
    problems: &mut Problems,
) -> Option<Vec<Choice>> {
    match raw {
        Some(raw) => Some(choices(
            &format!("{path}.options"),
            raw,
            2,
            ChoiceList::Options,
            problems,
        )),
        None => {
            problems.expect(
                format!("{path}.options"),
                said!(
                    "options",
                    "a list of at least 2 options, each { code = \"...\", zh = \"...\", en = \"...\" }"
                ),
            );
            None
        }
    }
}

/// The fixed options of a yesno question.
fn yes_no_options() -> Vec<Choice> {
    let choice = |code: &str, zh: &str, en: &str| Choice {
        code: code.to_string(),
        label: Text {
            zh: zh.to_string(),
            en: en.to_string(),
        },
    };
    vec![choice("yes", "是", "Yes"), choice("no", "否", "No")]
}

fn scale(
    path: &str,
    name: Option<&str>,
    scales: &BTreeMap<String, Scale>,
    file: &RawFile,
    problems: &mut Problems,
) -> Option<Scale> {
    let Some(name) = name else {
        problems.expect(
            format!("{path}.scale"),
            said!("scale", "the name of a scale defined as [scales.<name>]"),
        );
        return None;
    };
    if let Some(scale) = scales.get(name) {
        return Some(scale.clone());
    }
    if !file.unreadable.scales.contains(name) {
        let defined: Vec<&String> = scales.keys().collect();
        problems.expect_found(
            format!("{path}.scale"),
            if defined.is_empty() {
                said!(
                    "scale_none_defined",
                    "the name of a scale defined as [scales.<name>] (none is defined)"
                )
            } else {
                said!(
                    "scale_defined",
                    "one of the scales defined: {scales}",
                    scales = quoted(&defined)
                )
            },
            Said::quoted(name),
        );
    }
    None
}

fn number(path: &str, raw: &RawQuestion, problems: &mut Problems) -> Option<QuestionKind> {
    let bound = |key: &str, value: Option<f64>, problems: &mut Problems| match value {
        Some(value) if value.is_finite() => Some(value),
        Some(value) => {
            problems.expect_found(
                format!("{path}.{key}"),
                said!("finite_number", "a finite number"),
                Said::as_written(value),
            );
            None
        }
        None => {
            problems.expect(
                format!("{path}.{key}"),
                said!(
                    "number_bound",
                    "a number: number questions need min and max"
                ),
            );
            None
        }
    };
    let min = bound("min", raw.min, problems);
    let max = bound("max", raw.max, problems);
    let (min, max) = (min?, max?);
    if min >= max {
        problems.expect_found(
            format!("{path}.max"),
            said!(
                "max_above_min",
                "a number greater than min ({min})",
                min = min
            ),
            Said::as_written(max),
        );
    }
    Some(QuestionKind::Number {
        min,
        max,
        integer: raw.integer.unwrap_or(false),
        unit: raw
            .unit
            .as_ref()
            .map(|unit| label_text(&format!("{path}.unit"), unit, problems)),
    })
}

/// Checks a `show_if` of the question at `index`: an earlier, choice-like question and codes
/// it has.
fn condition(
    index: usize,
    path: &str,
    raw: &RawCondition,
    questions: &Questions,
    problems: &mut Problems,
) -> Option<Condition> {
    let path = format!("{path}.show_if");
    let earlier = match questions.lookup(&raw.question) {
        Lookup::Found(position, earlier) if position < index => earlier,
        Lookup::Found(..) => {
            problems.expect_found(
                format!("{path}.question"),
                said!(
                    "condition_looks_back",
                    "an earlier question: a condition can only look back"
                ),
                said!(
                    "condition_not_earlier",
                    "\"{id}\", which comes at or after this one",
                    id = raw.question
                ),
            );
            return None;
        }
        Lookup::Unreadable => return None,
        Lookup::Unknown => {
            problems.expect_found(
                format!("{path}.question"),
                said!("condition_question", "the id of an earlier question"),
                not_a_question(&raw.question),
            );
            return None;
        }
    };
    if matches!(
        earlier.kind,
        QuestionKind::Matrix { .. } | QuestionKind::Number { .. } | QuestionKind::Text { .. }
    ) {
        problems.expect_found(
            format!("{path}.question"),
            said!(
                "condition_kind",
                "a single, multiple, yesno or scale question"
            ),
            a_question_of_kind(&raw.question, earlier.kind.name()),
        );
        return None;
    }
    if raw.any_of.is_empty() {
        problems.expect(
            format!("{path}.any_of"),
            said!("any_of", "at least one answer code"),
        );
    }
    let unknown: Vec<&String> = raw
        .any_of
        .iter()
        .filter(|code| earlier.choice(code).is_none())
        .collect();
    if !unknown.is_empty() && !repeats_a_code(earlier) {
        let codes: Vec<&str> = earlier.choices().iter().map(|c| c.code.as_str()).collect();
        problems.expect_found(
            format!("{path}.any_of"),
            codes_of(&raw.question, &codes),
            Said::as_written(quoted(&unknown)),
        );
    }
    Some(Condition {
        question: raw.question.clone(),
        any_of: raw.any_of.clone(),
    })
}
