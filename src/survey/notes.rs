//! What a valid survey file may still not mean: said by `minyi survey check` and `import` after
//! "ok", never refused (the author may mean it).

use super::error::{said, Said};
use super::{QualityFlag, QuestionKind, Survey};

/// Seconds an answer below which `min_duration_seconds` would flag careful readers too: on a
/// phone a resident who reads each question takes about 5 to 8 seconds an answer, so a
/// threshold above 5 seconds an answer reaches into honest completion times.
const MOST_SECONDS_PER_ANSWER: u32 = 5;

impl Survey {
    /// What `minyi survey check` says of a file it found valid, before the notes.
    pub fn check_passed(&self, version: &str) -> Said {
        said!(
            "check_ok",
            "ok (survey {id}, {questions} questions, {counties} counties, {indicators} \
             indicators, version {version})",
            id = self.id,
            questions = self.questions.len(),
            counties = self.strata.units.len(),
            indicators = self.indicators.len(),
            version = version
        )
    }

    /// Each note on this file, in words for its author.
    pub fn file_notes(&self) -> Vec<Said> {
        let mut notes = Vec::new();
        if self.open_on_import {
            notes.push(said!(
                "note_open_on_import",
                "open_on_import = true: importing this file, or starting the server with it in \
                 the surveys folder, opens it to residents at once (set it to false while the \
                 file is still being written)"
            ));
        }
        let quality = &self.quality;
        let rules = [
            (
                quality.min_duration_seconds.is_some(),
                "min_duration_seconds",
                QualityFlag::TooFast,
            ),
            (
                quality.straightlining_min_items.is_some(),
                "straightlining_min_items",
                QualityFlag::Straightlining,
            ),
        ];
        for (set, key, flag) in rules {
            if set && !quality.exclude.contains(&flag) {
                notes.push(said!(
                    "note_flag_not_excluded",
                    "[quality] {key} is set but exclude does not list \"{flag}\": such responses \
                     are flagged and reported, and still count in the estimates (add it to \
                     exclude to leave them out)",
                    key = key,
                    flag = flag.name()
                ));
            }
        }
        if let Some(seconds) = quality.min_duration_seconds {
            let answers = self.answer_count();
            if seconds > MOST_SECONDS_PER_ANSWER * answers {
                notes.push(said!(
                    "note_min_duration",
                    "[quality] min_duration_seconds = {seconds} flags as too fast anyone who \
                     takes under {each} seconds an answer ({answers} answers to choose); a careful \
                     reader on a phone takes about 5 to 8, so honest residents would be flagged \
                     too (the example survey sets 60 seconds, under 2 seconds an answer)",
                    seconds = seconds,
                    each = format!("{:.0}", f64::from(seconds) / f64::from(answers.max(1))),
                    answers = answers
                ));
            }
        }
        notes.extend(self.swapped_languages_note());
        notes
    }

    /// Texts whose Chinese is in English and whose English in Chinese: `zh` and `en` swapped,
    /// likely by copying from another tool, so that a resident reading Chinese would read
    /// English. Named by key path, the first few of them.
    fn swapped_languages_note(&self) -> Option<Said> {
        const NAMED: usize = 3;
        let han = |text: &str| {
            text.chars()
                .any(|c| matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{20000}'..='\u{3134f}'))
        };
        let swapped = |text: &super::Text| han(&text.en) && !han(&text.zh);
        let mut at: Vec<String> = Vec::new();
        if swapped(&self.title) {
            at.push("survey.title".to_owned());
        }
        for question in &self.questions {
            let path = format!("questions[{}]", question.id);
            if swapped(&question.text) {
                at.push(path.clone());
            }
            let options = match &question.kind {
                QuestionKind::Single { options }
                | QuestionKind::Multiple { options, .. }
                | QuestionKind::YesNo { options } => options.as_slice(),
                _ => &[],
            };
            for (list, choices) in [("options", options), ("items", question.items())] {
                for choice in choices.iter().filter(|c| swapped(&c.label)) {
                    at.push(format!("{path}.{list}[{}]", choice.code));
                }
            }
        }
        if at.is_empty() {
            return None;
        }
        let count = at.len();
        let named = at
            .iter()
            .take(NAMED)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        Some(said!(
            "note_languages_swapped",
            "{count} text(s) have English under zh and Chinese under en ({named}{more}): \
             residents reading Chinese would read the English; swap them if so",
            count = count,
            named = named,
            more = if count > NAMED { ", …" } else { "" }
        ))
    }

    /// How many answers a resident who is shown everything chooses: one per question, one per
    /// matrix item; free text not counted (most leave it empty).
    fn answer_count(&self) -> u32 {
        let count: usize = self
            .questions
            .iter()
            .map(|q| match &q.kind {
                QuestionKind::Matrix { items, .. } => items.len(),
                QuestionKind::Text { .. } => 0,
                _ => 1,
            })
            .sum();
        u32::try_from(count).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use crate::survey::Survey;

    /// The file's notes, in English.
    fn notes_of(survey: &Survey) -> Vec<String> {
        survey
            .file_notes()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn example_with(edit: impl FnOnce(String) -> String) -> Survey {
        let edited = edit(crate::survey::tests::JIAXING.to_owned());
        Survey::from_toml(&edited, "test.toml").expect("valid")
    }

    #[test]
    fn the_example_as_shipped_draws_only_the_open_on_import_note_if_any() {
        let survey = example_with(|s| s);
        let notes = notes_of(&survey);
        assert!(
            notes.iter().all(|n| n.starts_with("open_on_import")),
            "{notes:?}"
        );
    }

    #[test]
    fn texts_with_their_languages_swapped_are_noted_by_where_they_are() {
        let survey = example_with(|s| {
            s.replace(
                "zh = \"您的性别\"\nen = \"Your sex\"",
                "zh = \"Your sex\"\nen = \"您的性别\"",
            )
            .replace(
                "{ code = \"male\", zh = \"男\", en = \"Male\" }",
                "{ code = \"male\", zh = \"Male\", en = \"男\" }",
            )
        });
        let notes = notes_of(&survey);

        assert!(
            notes.contains(
                &"2 text(s) have English under zh and Chinese under en (questions[sex], \
                  questions[sex].options[male]): residents reading Chinese would read the English; swap \
                  them if so"
                    .to_owned()
            ),
            "{notes:?}"
        );
    }

    #[test]
    fn a_flag_that_is_set_but_not_excluded_is_noted() {
        let survey = example_with(|s| {
            s.replace(
                "exclude = [\"too_fast\", \"straightlining\"]",
                "exclude = [\"straightlining\"]",
            )
        });
        let notes = notes_of(&survey);
        assert!(
            notes.iter().any(|n| n
                .contains("min_duration_seconds is set but exclude does not list \"too_fast\"")),
            "{notes:?}"
        );
        assert!(
            !notes.iter().any(|n| n.contains("\"straightlining\"")),
            "{notes:?}"
        );
    }

    #[test]
    fn a_minimum_duration_that_would_flag_careful_readers_is_noted_with_its_seconds_an_answer() {
        let survey =
            example_with(|s| s.replace("min_duration_seconds = 60", "min_duration_seconds = 4000"));
        let notes = notes_of(&survey);
        assert!(
            notes
                .iter()
                .any(|n| n.contains("min_duration_seconds = 4000")
                    && n.contains("under 133 seconds an answer (30 answers to choose)")),
            "{notes:?}"
        );
        let fine =
            example_with(|s| s.replace("min_duration_seconds = 60", "min_duration_seconds = 150"));
        assert!(
            !fine
                .file_notes()
                .iter()
                .any(|n| n.to_string().contains("min_duration")),
            "5 seconds an answer is allowed"
        );
    }
}
