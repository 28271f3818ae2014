//! What a new version of a survey file may change once answers exist. Every stored response is
//! read with the definition of the version it answered and analysed with the newest, by
//! question id and answer code: a newer file must keep every question and code, and each
//! question's kind, or earlier answers would no longer mean anything (a county renamed from
//! `haiyan` to `hy` leaves Haiyan's answers in no county).

use super::{QuestionKind, Survey};

impl Survey {
    /// What `newer` drops or changes that answers to this version may hold, in words, in the
    /// order of this version's questions. Empty when `newer` keeps every question id, its
    /// kind and every answer code (options, scale points, "don't know", matrix items); texts,
    /// order, new questions and new codes, thresholds and populations may all change.
    pub fn answer_codes_dropped_by(&self, newer: &Survey) -> Vec<String> {
        let mut dropped = Vec::new();
        for question in &self.questions {
            let Some(kept) = newer.question(&question.id) else {
                dropped.push(format!("question `{}`", question.id));
                continue;
            };
            if kept.kind.name() != question.kind.name() {
                dropped.push(format!(
                    "question `{}` changed from {} to {}",
                    question.id,
                    question.kind.name(),
                    kept.kind.name()
                ));
                continue;
            }
            for (what, code) in answer_codes(&question.kind) {
                if !answer_codes(&kept.kind).contains(&(what, code)) {
                    dropped.push(format!("{what} `{code}` of question `{}`", question.id));
                }
            }
        }
        dropped
    }
}

/// Every code an answer to a question of this kind can hold, with what the code names.
fn answer_codes(kind: &QuestionKind) -> Vec<(&'static str, &str)> {
    match kind {
        QuestionKind::Single { options }
        | QuestionKind::Multiple { options, .. }
        | QuestionKind::YesNo { options } => options
            .iter()
            .map(|o| ("option", o.code.as_str()))
            .collect(),
        QuestionKind::Scale { scale } => scale
            .choices()
            .map(|p| ("scale point", p.code.as_str()))
            .collect(),
        QuestionKind::Matrix { scale, items } => items
            .iter()
            .map(|i| ("item", i.code.as_str()))
            .chain(scale.choices().map(|p| ("scale point", p.code.as_str())))
            .collect(),
        QuestionKind::Number { .. } | QuestionKind::Text { .. } => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JIAXING: &str = include_str!("../../surveys/jiaxing-food-safety-2016.toml");

    fn example() -> Survey {
        Survey::from_toml(JIAXING, "jiaxing.toml").unwrap_or_else(|e| panic!("{e}"))
    }

    /// The example survey with every `from` replaced by `to`, in order.
    fn changed(edits: &[(&str, &str)]) -> Survey {
        let mut source = JIAXING.to_owned();
        for (from, to) in edits {
            assert!(source.contains(from), "the example no longer has {from:?}");
            source = source.replace(from, to);
        }
        Survey::from_toml(&source, "changed.toml").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn new_texts_codes_questions_and_thresholds_keep_every_earlier_answer_readable() {
        let newer = changed(&[
            ("非常满意", "很满意"),
            (
                "  { code = \"health_food\", zh = \"保健食品\", en = \"Health foods\" },\n",
                "  { code = \"health_food\", zh = \"保健食品\", en = \"Health foods\" },\n  { code = \"baby_food\", zh = \"婴幼儿食品\", en = \"Baby food\" },\n",
            ),
            ("population = 430940", "population = 430941"),
        ]);

        assert_eq!(
            example().answer_codes_dropped_by(&example()),
            Vec::<String>::new()
        );
        assert_eq!(
            example().answer_codes_dropped_by(&newer),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_renamed_county_a_dropped_item_and_a_question_of_another_kind_are_named() {
        let newer = changed(&[
            ("\"haiyan\"", "\"hy\""),
            (
                "  { code = \"health_food\", zh = \"保健食品\", en = \"Health foods\" },\n",
                "",
            ),
            (
                "kind = \"multiple\"\nzh = \"您最担心的食品安全问题是哪些？\"\nen = \"Which food-safety problems worry you most?\"\nmax_choices = 3\n",
                "kind = \"single\"\nzh = \"您最担心的食品安全问题是哪个？\"\nen = \"Which food-safety problem worries you most?\"\n",
            ),
        ]);

        assert_eq!(
            example().answer_codes_dropped_by(&newer),
            [
                "option `haiyan` of question `county`",
                "item `health_food` of question `food_categories`",
                "question `main_concerns` changed from multiple to single",
            ]
        );
    }

    #[test]
    fn a_question_left_out_is_named_and_so_is_a_dropped_dont_know() {
        let newer = changed(&[
            (
                "  { code = \"1\", zh = \"明显变差\", en = \"Much worse\" },\n]\ndont_know = { code = \"dk\", zh = \"说不清\", en = \"Can't say\" }\n",
                "  { code = \"1\", zh = \"明显变差\", en = \"Much worse\" },\n]\n",
            ),
            ("id = \"main_concerns\"", "id = \"worries\""),
        ]);

        let dropped = example().answer_codes_dropped_by(&newer);

        assert!(
            dropped.contains(&"question `main_concerns`".to_owned()),
            "{dropped:?}"
        );
        assert!(
            dropped.contains(&"scale point `dk` of question `improvement`".to_owned()),
            "{dropped:?}"
        );
    }
}
