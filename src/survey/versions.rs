//! What a new version of a survey file may change once answers exist. Every stored response is
//! read with the definition of the version it answered and analysed with the newest, by
//! question id and answer code: a newer file must keep every question and code, and each
//! question's kind, or earlier answers would no longer mean anything (a county renamed from
//! `haiyan` to `hy` leaves Haiyan's answers in no county).
//!
//! Once residents have answered, a newer file must also keep the rules those answers are judged
//! by (`rules_changed_by`): an evaluation's rules are published before its fieldwork, and a
//! threshold lowered after a look at the results, or a label moved to another code, would judge
//! earlier answers by rules they were not given under.

use super::error::{said, Said};
use super::indicators::Indicator;
use super::{Choice, QuestionKind, Survey};

impl Survey {
    /// What `newer` drops or changes that answers to this version may hold, in words, in the
    /// order of this version's questions. Empty when `newer` keeps every question id, its
    /// kind and every answer code (options, scale points, "don't know", matrix items); texts,
    /// order, new questions and new codes, thresholds and populations may all change.
    pub fn answer_codes_dropped_by(&self, newer: &Survey) -> Vec<Said> {
        let mut dropped = Vec::new();
        for question in &self.questions {
            let id = &question.id;
            let Some(kept) = newer.question(id) else {
                dropped.push(said!("dropped_question", "question `{id}`", id = id));
                continue;
            };
            if kept.kind.name() != question.kind.name() {
                dropped.push(said!(
                    "question_kind_changed",
                    "question `{id}` changed from {old} to {new}",
                    id = id,
                    old = question.kind.name(),
                    new = kept.kind.name()
                ));
                continue;
            }
            for (what, code) in answer_codes(&question.kind) {
                if !answer_codes(&kept.kind).contains(&(what, code)) {
                    dropped.push(what.dropped(code, id));
                }
            }
        }
        dropped
    }

    /// What `newer` changes in how answers already given are scored, or in what they mean, in
    /// words: a label now on another code (residents who picked "very dissatisfied" would read
    /// as the code that label moved to), a question's condition or role, an indicator added,
    /// removed, or with another measure, threshold, points or scoring, the quality rules, the
    /// weighting method or the county question. Empty when it keeps them all; texts, new
    /// questions and codes, populations and census margins, targets and dates may change.
    pub fn rules_changed_by(&self, newer: &Survey) -> Vec<Said> {
        let mut changed = Vec::new();
        for question in &self.questions {
            let id = &question.id;
            let Some(kept) = newer.question(id) else {
                continue;
            };
            for (what, old, new) in choice_lists(&question.kind, &kept.kind) {
                changed.extend(
                    moved_labels(old, new)
                        .into_iter()
                        .map(|(code, label, from)| what.moved_label(label, id, code, from)),
                );
            }
            if kept.show_if != question.show_if {
                changed.push(said!(
                    "changed_condition",
                    "the condition (show_if) of question `{id}`",
                    id = id
                ));
            }
            if kept.role != question.role {
                changed.push(said!(
                    "changed_role",
                    "the role of question `{id}`",
                    id = id
                ));
            }
        }
        for indicator in &self.indicators {
            match newer.indicators.iter().find(|i| i.id == indicator.id) {
                None => changed.push(said!(
                    "indicator_left_out",
                    "indicator `{id}` left out",
                    id = indicator.id
                )),
                Some(kept) => changed.extend(indicator_changes(indicator, kept)),
            }
        }
        for added in &newer.indicators {
            if !self.indicators.iter().any(|i| i.id == added.id) {
                changed.push(said!(
                    "indicator_added",
                    "indicator `{id}` added",
                    id = added.id
                ));
            }
        }
        if newer.quality != self.quality {
            changed.push(said!("changed_quality", "the quality rules ([quality])"));
        }
        if newer.weighting != self.weighting {
            changed.push(said!(
                "changed_weighting",
                "the weighting rules ([weighting])"
            ));
        }
        if newer.strata.question != self.strata.question {
            changed.push(said!(
                "changed_county_question",
                "the county question (strata.question)"
            ));
        }
        changed
    }
}

/// What a choice of a question is: an option, a scale's point or a matrix's item.
#[derive(Clone, Copy, Debug, PartialEq)]
enum ChoiceWhat {
    Option,
    ScalePoint,
    Item,
}

impl ChoiceWhat {
    /// `code` of question `id` is gone.
    fn dropped(self, code: &str, id: &str) -> Said {
        match self {
            ChoiceWhat::Option => said!(
                "dropped_option",
                "option `{code}` of question `{id}`",
                code = code,
                id = id
            ),
            ChoiceWhat::ScalePoint => said!(
                "dropped_scale_point",
                "scale point `{code}` of question `{id}`",
                code = code,
                id = id
            ),
            ChoiceWhat::Item => said!(
                "dropped_item",
                "item `{code}` of question `{id}`",
                code = code,
                id = id
            ),
        }
    }

    /// `label` of question `id` moved to `code` from `from`.
    fn moved_label(self, label: &str, id: &str, code: &str, from: &str) -> Said {
        match self {
            ChoiceWhat::Option => said!(
                "moved_option_label",
                "the label \"{label}\" of question `{id}`, now on option `{code}`, was option `{from}`'s",
                label = label,
                id = id,
                code = code,
                from = from
            ),
            ChoiceWhat::ScalePoint => said!(
                "moved_scale_point_label",
                "the label \"{label}\" of question `{id}`, now on scale point `{code}`, was scale point `{from}`'s",
                label = label,
                id = id,
                code = code,
                from = from
            ),
            ChoiceWhat::Item => said!(
                "moved_item_label",
                "the label \"{label}\" of question `{id}`, now on item `{code}`, was item `{from}`'s",
                label = label,
                id = id,
                code = code,
                from = from
            ),
        }
    }
}

/// What changed in how an indicator is judged: its measure (question, success, excluded or
/// scores), threshold, points or scoring.
fn indicator_changes(old: &Indicator, new: &Indicator) -> Vec<Said> {
    let id = &old.id;
    let mut changed = Vec::new();
    if new.measure != old.measure {
        changed.push(said!(
            "changed_measure",
            "what indicator `{id}` measures (its question, success, excluded, scores or correct answers)",
            id = id
        ));
    }
    if new.threshold != old.threshold {
        changed.push(said!(
            "changed_threshold",
            "the threshold of indicator `{id}` ({old} to {new})",
            id = id,
            old = old.threshold,
            new = new.threshold
        ));
    }
    if new.points != old.points {
        changed.push(said!(
            "changed_points",
            "the points of indicator `{id}` ({old} to {new})",
            id = id,
            old = old.points,
            new = new.points
        ));
    }
    if new.scoring != old.scoring {
        changed.push(said!(
            "changed_scoring",
            "the scoring of indicator `{id}`",
            id = id
        ));
    }
    changed
}

/// The lists of choices of a question in two versions of the same kind, with what a choice of
/// each list is: options, or a matrix's items and its scale's points.
fn choice_lists<'a>(
    old: &'a QuestionKind,
    new: &'a QuestionKind,
) -> Vec<(ChoiceWhat, Vec<&'a Choice>, Vec<&'a Choice>)> {
    match (old, new) {
        (QuestionKind::Single { options: a }, QuestionKind::Single { options: b })
        | (QuestionKind::Multiple { options: a, .. }, QuestionKind::Multiple { options: b, .. })
        | (QuestionKind::YesNo { options: a }, QuestionKind::YesNo { options: b }) => {
            vec![(ChoiceWhat::Option, a.iter().collect(), b.iter().collect())]
        }
        (QuestionKind::Scale { scale: a }, QuestionKind::Scale { scale: b }) => {
            vec![(
                ChoiceWhat::ScalePoint,
                a.choices().collect(),
                b.choices().collect(),
            )]
        }
        (
            QuestionKind::Matrix { scale: a, items: x },
            QuestionKind::Matrix { scale: b, items: y },
        ) => vec![
            (ChoiceWhat::Item, x.iter().collect(), y.iter().collect()),
            (
                ChoiceWhat::ScalePoint,
                a.choices().collect(),
                b.choices().collect(),
            ),
        ],
        _ => Vec::new(),
    }
}

/// Labels (Chinese or English) that another code had in `old` and a code has in `new`:
/// `(code now, label, code it was on)`. A code that keeps its own label is not listed, so
/// two codes may not swap labels, nor one take over another's.
fn moved_labels<'a>(
    old: Vec<&'a Choice>,
    new: Vec<&'a Choice>,
) -> Vec<(&'a str, &'a str, &'a str)> {
    let mut moved = Vec::new();
    for choice in &new {
        let own = old.iter().find(|o| o.code == choice.code);
        for label in [&choice.label.zh, &choice.label.en] {
            if label.is_empty() || own.is_some_and(|o| o.label.zh == *label || o.label.en == *label)
            {
                continue;
            }
            // A label whose earlier code is gone went with a renamed code, and a renamed code
            // is reported where answers still hold it, not as a label that moved.
            if let Some(from) = old.iter().find(|o| {
                o.code != choice.code
                    && (o.label.zh == *label || o.label.en == *label)
                    && new.iter().any(|n| n.code == o.code)
            }) {
                moved.push((choice.code.as_str(), label.as_str(), from.code.as_str()));
                break;
            }
        }
    }
    moved
}

/// Every code an answer to a question of this kind can hold, with what the code names.
fn answer_codes(kind: &QuestionKind) -> Vec<(ChoiceWhat, &str)> {
    match kind {
        QuestionKind::Single { options }
        | QuestionKind::Multiple { options, .. }
        | QuestionKind::YesNo { options } => options
            .iter()
            .map(|o| (ChoiceWhat::Option, o.code.as_str()))
            .collect(),
        QuestionKind::Scale { scale } => scale
            .choices()
            .map(|p| (ChoiceWhat::ScalePoint, p.code.as_str()))
            .collect(),
        QuestionKind::Matrix { scale, items } => items
            .iter()
            .map(|i| (ChoiceWhat::Item, i.code.as_str()))
            .chain(
                scale
                    .choices()
                    .map(|p| (ChoiceWhat::ScalePoint, p.code.as_str())),
            )
            .collect(),
        QuestionKind::Number { .. } | QuestionKind::Text { .. } => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::survey::tests::JIAXING;

    /// What a comparison found, as the command line says it.
    fn english(found: Vec<Said>) -> Vec<String> {
        found.iter().map(ToString::to_string).collect()
    }

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
            english(example().answer_codes_dropped_by(&example())),
            Vec::<String>::new()
        );
        assert_eq!(
            english(example().answer_codes_dropped_by(&newer)),
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
            english(example().answer_codes_dropped_by(&newer)),
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
            ("question = \"main_concerns\"", "question = \"worries\""),
        ]);

        let dropped = english(example().answer_codes_dropped_by(&newer));

        assert!(
            dropped.contains(&"question `main_concerns`".to_owned()),
            "{dropped:?}"
        );
        assert!(
            dropped.contains(&"scale point `dk` of question `improvement`".to_owned()),
            "{dropped:?}"
        );
    }

    #[test]
    fn texts_new_codes_populations_and_dates_leave_the_rules_as_they_were() {
        let newer = changed(&[
            ("非常满意", "十分满意"),
            ("Very satisfied", "Highly satisfied"),
            (
                "  { code = \"health_food\", zh = \"保健食品\", en = \"Health foods\" },\n",
                "  { code = \"health_food\", zh = \"保健食品\", en = \"Health foods\" },\n  { code = \"baby_food\", zh = \"婴幼儿食品\", en = \"Baby food\" },\n",
            ),
            ("population = 430940", "population = 430941"),
        ]);

        assert_eq!(
            english(example().rules_changed_by(&newer)),
            Vec::<String>::new()
        );
    }

    #[test]
    fn swapped_labels_a_new_threshold_and_a_narrower_condition_are_named() {
        let newer = changed(&[
            (
                "{ code = \"5\", zh = \"非常满意\", en = \"Very satisfied\" }",
                "{ code = \"5\", zh = \"很不满意\", en = \"Very dissatisfied\" }",
            ),
            (
                "{ code = \"1\", zh = \"很不满意\", en = \"Very dissatisfied\" }",
                "{ code = \"1\", zh = \"非常满意\", en = \"Very satisfied\" }",
            ),
            (
                "threshold = 0.85\npoints = 15",
                "threshold = 0.75\npoints = 15",
            ),
            (
                "show_if = { question = \"campaign_aware\", any_of = [\"yes\"] }",
                "show_if = { question = \"campaign_aware\", any_of = [\"no\"] }",
            ),
        ]);

        let changed = english(example().rules_changed_by(&newer));

        let overall = "question `overall_satisfaction`";
        assert!(
            changed.contains(&format!("the label \"很不满意\" of {overall}, now on scale point `5`, was scale point `1`'s")),
            "{changed:?}"
        );
        assert!(
            changed.contains(&format!("the label \"非常满意\" of {overall}, now on scale point `1`, was scale point `5`'s")),
            "{changed:?}"
        );
        assert!(
            changed.contains(
                &"the threshold of indicator `campaign_awareness` (0.85 to 0.75)".to_owned()
            ),
            "{changed:?}"
        );
        assert!(
            changed
                .contains(&"the condition (show_if) of question `campaign_heard_from`".to_owned()),
            "{changed:?}"
        );
    }

    #[test]
    fn counties_that_swap_names_are_named() {
        let newer = changed(&[
            ("zh = \"海盐县\"", "zh = \"swapping\""),
            ("zh = \"海宁市\"", "zh = \"海盐县\""),
            ("zh = \"swapping\"", "zh = \"海宁市\""),
        ]);

        assert_eq!(
            english(example().rules_changed_by(&newer)),
            [
                "the label \"海宁市\" of question `county`, now on option `haiyan`, was option `haining`'s",
                "the label \"海盐县\" of question `county`, now on option `haining`, was option `haiyan`'s"
            ]
        );
    }
}
