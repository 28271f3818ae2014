//! From the raw file to a validated [`Survey`]: every check that needs more than one key,
//! each reported with the key path to fix.

mod design;
mod indicators;
mod questions;
mod rules;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use toml::value::Datetime;

use super::definition::{Choice, Scale, Survey, Text, CHINA_UTC_OFFSET_SECONDS};
use super::error::{said, Problems, Said};
use super::file::{label, RawChoice, RawFile, RawHeader, RawSource, RawText};

/// Checks the raw file and builds the survey. Problems are recorded in `problems`; the
/// survey is only meaningful when none were.
pub(crate) fn build(file: RawFile, problems: &mut Problems) -> Option<Survey> {
    let header = file.header.as_ref().map(|raw| header(raw, problems));
    let scales = scales(&file, problems);
    let questions = questions::build(&file, &scales, problems);
    let strata = design::strata(&file, &questions, problems);
    let margins = design::margins(&file, &questions, strata.as_ref(), problems);
    let weighting = design::weighting(file.weighting.as_ref(), problems);
    let indicators = indicators::build(&file, &questions, problems);
    rules::rubric(&file, problems);
    let quality = rules::quality(file.quality.as_ref(), &questions, problems);
    let privacy = rules::privacy(file.privacy.as_ref(), problems);

    let header = header??;
    Some(Survey {
        id: header.id,
        title: header.title,
        description: header.description,
        privacy_notice: header.privacy_notice,
        contact: header.contact,
        fieldwork_start: header.fieldwork_start,
        fieldwork_end: header.fieldwork_end,
        open_on_import: header.open_on_import,
        utc_offset_seconds: header.utc_offset_seconds,
        strata: strata?,
        margins,
        weighting,
        questions: questions.list,
        indicators,
        quality,
        privacy,
    })
}

/// The checked `[survey]` section.
struct Header {
    id: String,
    title: Text,
    description: Text,
    privacy_notice: Text,
    contact: Option<Text>,
    fieldwork_start: NaiveDate,
    fieldwork_end: NaiveDate,
    open_on_import: bool,
    utc_offset_seconds: i32,
}

fn header(raw: &RawHeader, problems: &mut Problems) -> Option<Header> {
    if !is_survey_id(&raw.id) {
        problems.expect_found(
            "survey.id",
            said!(
                "survey_id",
                "1 to 64 characters, each a-z, 0-9 or \"-\" (e.g. \"jiaxing-food-safety-2016\")"
            ),
            Said::quoted(&raw.id),
        );
    }
    let title = label_text("survey.title", &raw.title, problems);
    let description = label_text("survey.description", &raw.description, problems);
    let privacy_notice = label_text("survey.privacy_notice", &raw.privacy_notice, problems);
    let contact = raw
        .contact
        .as_ref()
        .map(|contact| label_text("survey.contact", contact, problems));
    let start = date("survey.fieldwork_start", &raw.fieldwork_start, problems);
    let end = date("survey.fieldwork_end", &raw.fieldwork_end, problems);
    if let (Some(start), Some(end)) = (start, end) {
        if end < start {
            problems.expect_found(
                "survey.fieldwork_end",
                said!(
                    "end_before_start",
                    "a date on or after fieldwork_start ({start})",
                    start = start
                ),
                Said::as_written(end),
            );
        }
    }
    let utc_offset_seconds = match &raw.utc_offset {
        None => CHINA_UTC_OFFSET_SECONDS,
        Some(text) => utc_offset(text).unwrap_or_else(|| {
            problems.expect_found(
                "survey.utc_offset",
                said!(
                    "utc_offset",
                    "the survey's offset from UTC, written like \"+08:00\" (China's time, the default)"
                ),
                Said::quoted(text),
            );
            CHINA_UTC_OFFSET_SECONDS
        }),
    };
    Some(Header {
        id: raw.id.clone(),
        title,
        description,
        privacy_notice,
        contact,
        fieldwork_start: start?,
        fieldwork_end: end?,
        open_on_import: raw.open_on_import,
        utc_offset_seconds,
    })
}

/// `+08:00` or `-05:30` as seconds east of UTC: hours 0 to 14, minutes 00, 15, 30 or 45.
fn utc_offset(text: &str) -> Option<i32> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (hours, minutes) = rest.split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    ((0..=14).contains(&hours) && [0, 15, 30, 45].contains(&minutes))
        .then_some(sign * (hours * 3600 + minutes * 60))
}

/// A TOML local date (no time, no time zone) as a calendar date.
fn date(path: &str, raw: &Datetime, problems: &mut Problems) -> Option<NaiveDate> {
    let date = match (raw.date, raw.time, raw.offset) {
        (Some(date), None, None) => NaiveDate::from_ymd_opt(
            i32::from(date.year),
            u32::from(date.month),
            u32::from(date.day),
        ),
        _ => None,
    };
    if date.is_none() {
        problems.expect_found(
            path,
            said!("date", "a date written like 2016-10-10, without a time"),
            Said::as_written(raw),
        );
    }
    date
}

/// `[scales.<name>]`: every named scale, checked.
fn scales(file: &RawFile, problems: &mut Problems) -> BTreeMap<String, Scale> {
    let mut scales = BTreeMap::new();
    for block in &file.scales {
        let name = block.path.trim_start_matches("scales.").to_string();
        let points = choices(
            &format!("{}.points", block.path),
            &block.raw.points,
            2,
            ChoiceList::Points,
            problems,
        );
        let dont_know = block.raw.dont_know.as_ref().map(|raw| {
            let path = format!("{}.dont_know", block.path);
            choice(&path, raw, problems)
        });
        if let Some(dont_know) = &dont_know {
            if points.iter().any(|point| point.code == dont_know.code) {
                problems.expect_found(
                    format!("{}.dont_know.code", block.path),
                    said!(
                        "dont_know_code",
                        "a code different from every point of the scale"
                    ),
                    Said::quoted(&dont_know.code),
                );
            }
        }
        scales.insert(name, Scale { points, dont_know });
    }
    scales
}

/// What a list of choices is: its problems name it.
#[derive(Clone, Copy)]
enum ChoiceList {
    Points,
    Options,
    Items,
}

impl ChoiceList {
    fn too_few(self, min: usize) -> Said {
        match self {
            ChoiceList::Points => said!(
                "too_few_points",
                "at least {min} points, each { code = \"...\", zh = \"...\", en = \"...\" }",
                min = min
            ),
            ChoiceList::Options => said!(
                "too_few_options",
                "at least {min} options, each { code = \"...\", zh = \"...\", en = \"...\" }",
                min = min
            ),
            ChoiceList::Items => said!(
                "too_few_items",
                "at least {min} items, each { code = \"...\", zh = \"...\", en = \"...\" }",
                min = min
            ),
        }
    }

    fn code_once(self) -> Said {
        match self {
            ChoiceList::Points => said!("point_code_once", "each code once among the points"),
            ChoiceList::Options => said!("option_code_once", "each code once among the options"),
            ChoiceList::Items => said!("item_code_once", "each code once among the items"),
        }
    }

    fn label_once(self, key: &str) -> Said {
        match self {
            ChoiceList::Points => said!(
                "point_label_once",
                "text under {key} that no other point of the scale has: residents answer by it",
                key = key
            ),
            ChoiceList::Options => said!(
                "option_label_once",
                "text under {key} that no other option has: residents choose by it",
                key = key
            ),
            ChoiceList::Items => said!(
                "item_label_once",
                "text under {key} that no other item has: residents rate each by it",
                key = key
            ),
        }
    }
}

/// A list of options, points or items: at least `min`, codes well formed and used once.
fn choices(
    path: &str,
    raw: &[RawChoice],
    min: usize,
    what: ChoiceList,
    problems: &mut Problems,
) -> Vec<Choice> {
    if raw.len() < min {
        problems.expect_found(path, what.too_few(min), Said::as_written(raw.len()));
    }
    let list: Vec<Choice> = raw
        .iter()
        .enumerate()
        .map(|(index, raw)| {
            let path = format!("{path}{}", label(Some(&raw.code), index));
            choice(&path, raw, problems)
        })
        .collect();
    let repeated = repeated(list.iter().map(|choice| choice.code.as_str()));
    if !repeated.is_empty() {
        problems.expect_found(path, what.code_once(), more_than_once(&repeated));
    }
    // A rule for new files only: versions stored before it keep loading.
    if !problems.stored {
        labels_once(path, raw, &list, what, problems);
    }
    list
}

/// Residents choose an option, and read an item, by its text: two with the same `zh` (or the
/// same `en`, in any case) could not be told apart, and a county named twice would send its
/// answers to whichever was tapped. Reported at the later one, naming the earlier.
fn labels_once(
    path: &str,
    raw: &[RawChoice],
    list: &[Choice],
    what: ChoiceList,
    problems: &mut Problems,
) {
    for (key, text_of) in [
        (
            "zh",
            (|c: &Choice| c.label.zh.clone()) as fn(&Choice) -> String,
        ),
        ("en", |c: &Choice| c.label.en.to_lowercase()),
    ] {
        let mut first: BTreeMap<String, &str> = BTreeMap::new();
        for (index, (choice, raw)) in list.iter().zip(raw).enumerate() {
            let text = text_of(choice);
            if text.is_empty() {
                continue; // Reported as missing.
            }
            match first.get(&text) {
                Some(earlier) if *earlier != choice.code => problems.expect_found(
                    format!("{path}{}.{key}", label(Some(&raw.code), index)),
                    what.label_once(key),
                    said!(
                        "label_used",
                        "\"{text}\", which \"{earlier}\" has too",
                        text = if key == "zh" {
                            &choice.label.zh
                        } else {
                            &choice.label.en
                        },
                        earlier = earlier
                    ),
                ),
                Some(_) => {} // The same code twice: reported as such.
                None => {
                    first.insert(text, &choice.code);
                }
            }
        }
    }
}

fn choice(path: &str, raw: &RawChoice, problems: &mut Problems) -> Choice {
    if !is_code(&raw.code) {
        problems.expect_found(format!("{path}.code"), CODE_RULE, Said::quoted(&raw.code));
    }
    Choice {
        code: raw.code.clone(),
        label: text(path, &raw.zh, &raw.en, problems),
    }
}

/// What a code looks like, for problems.
const CODE_RULE: Said = Said {
    key: "code",
    english: "a code of 1 to 32 characters, each a-z, 0-9, \"_\" or \"-\", that a spreadsheet keeps \
     as written: not starting with \"-\" (read as a formula), digits alone not starting with 0 \
     (\"01\" shows as 1) and at most 15 of them, not \"true\" or \"false\" (read as TRUE and \
     FALSE), nor numbers joined by \"-\" that make a date (\"1-5\" reads as 5 January; write \"1_5\") \
     or written with an exponent (\"3e4\" reads as 30000)",
    values: Vec::new(),
};
/// What a county's population must be: said alike of a 0 (checked here) and of a negative
/// number or a fraction (refused by the file's types, `file::problem::field_rule`).
pub(super) const POPULATION_RULE: Said = Said {
    key: "population",
    english: "a population: a whole number greater than 0",
    values: Vec::new(),
};
/// What a county's `target_sample` or `quota` must be, said alike as [`POPULATION_RULE`].
pub(super) const INTERVIEWS_RULE: Said = Said {
    key: "interviews",
    english: "a number of completed interviews: a whole number, at least 1 (or leave the key out)",
    values: Vec::new(),
};
/// What an id looks like, for problems.
const ID_RULE: Said = Said {
    key: "id",
    english: "an id of 1 to 64 characters: a lowercase letter, then a-z, 0-9 or \"_\" (e.g. \"overall_satisfaction\")",
    values: Vec::new(),
};

/// A label given as `zh` and `en` keys of the block at `path`; both must have text.
fn text(path: &str, zh: &str, en: &str, problems: &mut Problems) -> Text {
    if zh.trim().is_empty() {
        problems.expect(
            format!("{path}.zh"),
            said!("zh_text", "the Chinese text (zh), not empty"),
        );
    }
    if en.trim().is_empty() {
        problems.expect(
            format!("{path}.en"),
            said!("en_text", "the English text (en), not empty"),
        );
    }
    Text {
        zh: zh.trim().to_string(),
        en: en.trim().to_string(),
    }
}

/// A label given as a `{ zh, en }` table at `path`.
fn label_text(path: &str, raw: &RawText, problems: &mut Problems) -> Text {
    text(path, &raw.zh, &raw.en, problems)
}

/// A source note: where a figure or rule comes from, in each language (one text serves both).
/// Must not be empty.
fn source(path: &str, source: &RawSource, problems: &mut Problems) -> Text {
    match source {
        RawSource::Both(both) => {
            if both.trim().is_empty() {
                problems.expect(
                    path,
                    said!(
                        "source_note",
                        "a note saying where these figures or rules come from, not empty"
                    ),
                );
            }
            Text {
                zh: both.trim().to_owned(),
                en: both.trim().to_owned(),
            }
        }
        RawSource::Each(each) => label_text(path, each, problems),
    }
}

fn is_survey_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Question and indicator ids: they become form field names and column names in SPSS and R.
fn is_id(id: &str) -> bool {
    let mut bytes = id.bytes();
    id.len() <= 64
        && bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Codes are what the data files hold, so each must reach a spreadsheet as written: a cell
/// starting with "-" is a formula (exports would have to defang it), and "01" becomes 1.
fn is_code(code: &str) -> bool {
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let digits_alone = digits(code);
    // What Excel and WPS turn into something else on opening a CSV: a date ("1-5", "2016-10"),
    // a number with an exponent ("3e4"), a boolean, a number past 15 digits' precision.
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let a_month = |part: &str| part.len() >= 3 && MONTHS.iter().any(|m| part.starts_with(m));
    // Day and month, month and day, year and month: "1-5", "12-31", "2016-10", but not an age
    // band such as "18-29", which no reading makes a date.
    let number = |part: &str| {
        if digits(part) {
            part.parse::<u32>().ok()
        } else {
            None
        }
    };
    let date_parts = |a: u32, b: u32| {
        let (month, day) = (1..=12, 1..=31);
        (month.contains(&a) && day.contains(&b))
            || (day.contains(&a) && month.contains(&b))
            || ((1000..=9999).contains(&a) && month.contains(&b))
            || (month.contains(&a) && (1000..=9999).contains(&b))
    };
    let parts: Vec<&str> = code.split('-').collect();
    let a_date = match parts.as_slice() {
        [a, b] => match (number(a), number(b)) {
            (Some(a), Some(b)) => date_parts(a, b),
            _ => (digits(a) && a_month(b)) || (a_month(a) && digits(b)),
        },
        [_, _, _] => parts.iter().all(|p| digits(p)),
        _ => false,
    };
    let an_exponent = code
        .split_once('e')
        .is_some_and(|(mantissa, exponent)| digits(mantissa) && digits(exponent));
    (1..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && !code.starts_with('-')
        && !(digits_alone && code.len() > 1 && code.starts_with('0'))
        && !(digits_alone && code.len() > 15)
        && !a_date
        && !an_exponent
        && code != "true"
        && code != "false"
}

/// The values that occur more than once, each once, in first-seen order.
fn repeated<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = BTreeSet::new();
    let mut repeated = Vec::new();
    for value in values {
        if !seen.insert(value) && !repeated.contains(&value) {
            repeated.push(value);
        }
    }
    repeated
}

/// Whether `question` gives one code to two of its options. Its options report that; a
/// reference elsewhere to the code the repeat replaced is then not reported again, as though
/// the reference were what is wrong.
fn repeats_a_code(question: &crate::survey::definition::Question) -> bool {
    !repeated(question.choices().iter().map(|c| c.code.as_str())).is_empty()
}

/// `"a", "b"` for a problem message.
fn quoted<S: AsRef<str>>(values: &[S]) -> String {
    values
        .iter()
        .map(|value| format!("\"{}\"", value.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `"a", "b" more than once`: values the file repeats.
fn more_than_once<S: AsRef<str>>(values: &[S]) -> Said {
    said!(
        "more_than_once",
        "{values} more than once",
        values = quoted(values)
    )
}

/// `"x", a matrix question`: a question of a kind that does not serve.
fn a_question_of_kind(id: &str, kind: &str) -> Said {
    said!(
        "a_question_of_kind",
        "\"{id}\", a {kind} question",
        id = id,
        kind = kind
    )
}

/// `codes of question "x": "1", "2"`: the codes a reference to question `id` may use.
fn codes_of<S: AsRef<str>>(id: &str, codes: &[S]) -> Said {
    said!(
        "codes_of",
        "codes of question \"{id}\": {codes}",
        id = id,
        codes = quoted(codes)
    )
}

/// `"x", which is not a question`: a reference to a question the file does not have.
fn not_a_question(id: &str) -> Said {
    said!(
        "not_a_question",
        "\"{id}\", which is not a question",
        id = id
    )
}

#[cfg(test)]
mod tests {
    use super::is_code;

    #[test]
    fn a_code_is_one_a_spreadsheet_shows_as_written() {
        for kept in [
            "5",
            "dk",
            "wet_market",
            "60_plus",
            "18_29",
            "10",
            "a-b",
            "may",
            "jan_5",
            "e5",
        ] {
            assert!(is_code(kept), "{kept}");
        }
        for changed in [
            "-1",
            "01",
            "1-5",
            "2016-10",
            "1-2-3",
            "may-3",
            "3-may",
            "sept-1",
            "3e4",
            "true",
            "false",
            "1234567890123456",
            "Yes",
            "",
        ] {
            assert!(!is_code(changed), "{changed}");
        }
    }
}
