//! `minyi.sps`: SPSS syntax (SPSS 21 or later, GNU PSPP) reading `responses.csv` with its
//! variable and value labels, scales as numbers and "don't know" as a user-missing value, then
//! recomputing each indicator's estimate and n, its points and each domain's total
//! (`spss_estimates.rs`).

use std::fmt::Write as _;

use super::columns::{Column, NumericScale};
use super::spss_estimates::{spss_estimates, Points, Ties};
use crate::release::Encoding;
use crate::survey::{Survey, Text};

/// `minyi.sps`: [`spss_reading`], then [`spss_estimates`] for the survey's indicators, with
/// their points.
pub fn spss(columns: &[Column], encoding: Encoding, release: &Survey) -> Vec<u8> {
    spss_of_format(columns, encoding, release, super::FORMAT)
}

/// `minyi.sps` as a result set of `format` holds it ([`super::EARLIER_FORMATS`]):
/// [`super::FORMAT_1`] read the data only, [`super::FORMAT_2`] and [`super::FORMAT_3`] computed
/// the estimates without the points, and before [`super::FORMAT_6`] a domain whose values are
/// all the same got their weighted mean and a threshold was reached only at or above it
/// ([`Ties`]); from [`super::FORMAT_8`] on it says how its variable names differ from
/// `responses.csv`'s; so that `minyi verify` checks an earlier file as it was made.
pub fn spss_of_format(
    columns: &[Column],
    encoding: Encoding,
    release: &Survey,
    format: &str,
) -> Vec<u8> {
    let mut s = spss_reading(columns, encoding);
    if super::from_format_8(format) && columns.iter().any(|c| c.name.contains('.')) {
        // After the first line, which says what the file is.
        let at = s.find('\n').map_or(0, |i| i + 1);
        s.insert_str(
            at,
            "* SPSS names cannot hold a dot: a column of responses.csv and codebook.csv named\n\
             * question.option (or question.item) is question_option here.\n",
        );
    }
    if format != super::FORMAT_1 {
        let points = if format == super::FORMAT_2 || format == super::FORMAT_3 {
            Points::Left
        } else {
            Points::Computed
        };
        let ties = if super::ties_as_computed(format) {
            Ties::AsComputed
        } else {
            Ties::Exact
        };
        spss_estimates(
            &mut s,
            columns,
            release,
            &spss_missing_numbers(columns),
            points,
            ties,
        );
    }
    s.into_bytes()
}

/// SPSS syntax reading `responses.csv` with variable and value labels.
///
/// A scale question's column or a matrix item's whose points are whole numbers
/// ([`NumericScale`]) becomes a numeric variable, so that DESCRIPTIVES and MEANS run on it,
/// with "don't know" a labelled user-missing value they leave out. SPSS has `ALTER TYPE` for
/// that, GNU PSPP does not; so both read the column as text under a name of its own
/// ([`spss_text_name`]), RECODE it into a numeric variable with the column's name, and
/// `MATCH FILES /KEEP` puts the variables back in the order of `responses.csv`, dropping the
/// text. Every other column reads as before: text codes as strings, 0/1 columns as numbers.
fn spss_reading(columns: &[Column], encoding: Encoding) -> String {
    let missing = spss_missing_numbers(columns);
    let scales: Vec<(&Column, &NumericScale)> = columns
        .iter()
        .filter_map(|c| Some((c, c.numeric_scale.as_ref()?)))
        .collect();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "* Minyi result set: read responses.csv with labels (SPSS 21 or later, GNU PSPP)."
    );
    if !scales.is_empty() {
        let mut not_ratings: Vec<String> = Vec::new();
        for (c, scale) in &scales {
            for value in spss_values(c, scale, &missing).filter(|v| !v.rating) {
                let dont_know = scale.dont_know.as_deref() == Some(value.code);
                let said = format!(
                    "{}{} as {}",
                    spss_text(value.code),
                    if dont_know { " (do not know)" } else { "" },
                    value.number
                );
                if !not_ratings.contains(&said) {
                    not_ratings.push(said);
                }
            }
        }
        let _ = writeln!(
            s,
            "* Scale questions and matrix items are numeric: each point is its code in survey.toml,\n\
             * with its label."
        );
        if !not_ratings.is_empty() {
            let _ = writeln!(
                s,
                "* Answers that are not ratings are labelled user-missing values, which DESCRIPTIVES\n\
                 * and MEANS leave out. They are read as numbers above every point, never to be taken\n\
                 * for a rating: {}.",
                not_ratings.join(", ")
            );
        }
    }
    // No `SET UNICODE=ON.`: SPSS has been in Unicode mode by default since version 21, and
    // GNU PSPP, which evaluators without an SPSS licence use, stops on that command.
    let _ = writeln!(
        s,
        "GET DATA /TYPE=TXT /FILE='responses.csv' /ENCODING='UTF8' /DELCASE=LINE /DELIMITERS=','"
    );
    let _ = writeln!(
        s,
        "  /QUALIFIER='\"' /ARRANGEMENT=DELIMITED /FIRSTCASE=2 /VARIABLES="
    );
    for (i, c) in columns.iter().enumerate() {
        let (name, format) = match (c.field_type, &c.numeric_scale) {
            (_, Some(_)) => (spss_text_name(c, i), "A64"),
            ("integer", None) => (spss_name(&c.name), "F8.0"),
            ("number", None) => (spss_name(&c.name), "F24.12"),
            _ => (spss_name(&c.name), "A64"),
        };
        let _ = writeln!(s, "  {name} {format}");
    }
    let _ = writeln!(s, ".");
    if encoding == Encoding::Utf8WithBom {
        let _ = writeln!(
            s,
            "* The file starts with a UTF-8 byte-order mark, which SPSS's UTF8 reader skips."
        );
    }
    if !scales.is_empty() {
        spss_scales(&mut s, columns, &scales, &missing);
    }
    let _ = writeln!(s, "VARIABLE LABELS");
    for c in columns {
        let _ = writeln!(
            s,
            "  {} '{}'",
            spss_name(&c.name),
            spss_text(&format!("{} / {}", c.label.zh, c.label.en))
        );
    }
    let _ = writeln!(s, ".");
    for c in columns.iter().filter(|c| !c.values.is_empty()) {
        let _ = writeln!(s, "VALUE LABELS {}", spss_name(&c.name));
        let values: Vec<(String, &Text)> = match &c.numeric_scale {
            Some(scale) => spss_values(c, scale, &missing)
                .map(|v| (v.number.to_string(), v.label))
                .collect(),
            None if c.field_type == "string" => c
                .values
                .iter()
                .map(|(code, label)| (format!("'{}'", spss_text(code)), label))
                .collect(),
            None => c.values.iter().map(|(code, l)| (code.clone(), l)).collect(),
        };
        for (code, label) in values {
            let _ = writeln!(
                s,
                "  {code} '{}'",
                spss_text(&format!("{} / {}", label.zh, label.en))
            );
        }
        let _ = writeln!(s, ".");
    }
    // WEIGHT BY alone would give population-sized counts and tests (the weights sum to the
    // population), so the script says what it is good for and how to get the intervals.
    for line in [
        "* WEIGHT BY weight gives weighted means and percentages; excluded rows have no weight.",
        "* The weights sum to the population: counts, standard errors and tests under WEIGHT BY are not the sample's.",
        "* The intervals are in estimates.csv. For standard errors in SPSS Complex Samples, with the counties as strata:",
        "*   CSPLAN ANALYSIS /PLAN FILE='minyi.csaplan' /PLANVARS ANALYSISWEIGHT=weight",
        "*     /DESIGN STRATA=county /ESTIMATOR TYPE=WR",
        "* CSPLAN does not model the raking, so its standard errors are somewhat larger than estimates.csv's.",
    ] {
        let _ = writeln!(s, "{line}");
    }
    let _ = writeln!(s, "EXECUTE.");
    s
}

/// The syntax turning the scale columns, read as text, into numeric variables in the order of
/// `responses.csv`: RECODE, MATCH FILES, then their format, level and missing values.
fn spss_scales(
    s: &mut String,
    columns: &[Column],
    scales: &[(&Column, &NumericScale)],
    missing: &[(String, i64)],
) {
    let _ = writeln!(
        s,
        "* Scale questions and matrix items, read as text (@...), become numbers; then every\n\
         * variable is put back in the order of responses.csv and the text is dropped."
    );
    for (i, c) in columns.iter().enumerate() {
        let Some(scale) = &c.numeric_scale else {
            continue;
        };
        let pairs: Vec<String> = spss_values(c, scale, missing)
            .map(|v| format!("('{}'={})", spss_text(v.code), v.number))
            .collect();
        let _ = writeln!(
            s,
            "RECODE {} {} (ELSE=SYSMIS)\n  INTO {}.",
            spss_text_name(c, i),
            pairs.join(" "),
            spss_name(&c.name)
        );
    }
    let _ = writeln!(s, "MATCH FILES FILE=* /KEEP=");
    for c in columns {
        let _ = writeln!(s, "  {}", spss_name(&c.name));
    }
    let _ = writeln!(s, ".");
    let names: String = scales
        .iter()
        .map(|(c, _)| format!("  {}\n", spss_name(&c.name)))
        .collect();
    // Two decimals although the codes are whole: PSPP's MEANS shows a mean in its variable's
    // format, and 3.74 in F8.0 is 4.
    let _ = writeln!(s, "FORMATS\n{names}  (F8.2).");
    let _ = writeln!(s, "VARIABLE LEVEL\n{names}  (ORDINAL).");
    let with_missing: Vec<String> = scales
        .iter()
        .filter_map(|(c, scale)| {
            let numbers: Vec<String> = spss_values(c, scale, missing)
                .filter(|v| !v.rating)
                .map(|v| v.number.to_string())
                .collect();
            (!numbers.is_empty())
                .then(|| format!("{} ({})", spss_name(&c.name), numbers.join(", ")))
        })
        .collect();
    if !with_missing.is_empty() {
        let _ = writeln!(s, "MISSING VALUES\n  {}\n.", with_missing.join("\n  /"));
    }
}

/// The name a numeric scale column is read under as text before it is recoded: `@` and its
/// name, or `@` and its position when that would pass SPSS's 64 bytes. Minyi's column names
/// begin with a letter and never hold `@`, so neither can be a column's name.
fn spss_text_name(column: &Column, position: usize) -> String {
    let name = format!("@{}", spss_name(&column.name));
    if name.len() <= 64 {
        name
    } else {
        format!("@{}", position + 1)
    }
}

/// The numbers SPSS gives the codes of scale columns that are not written as whole numbers
/// (`dk`, and `suppressed` when a scale question is a quasi-identifier): one number per code
/// for the whole file, counting down from the first of 99, 999, 9999 … that leaves all of them
/// above every point and every other numeric code, so that none can be taken for a rating
/// (on the usual 1-to-k scales "don't know" is 99, the customary code for it; a negative code
/// would be taken for a point of a scale running from -2 to 2).
pub(super) fn spss_missing_numbers(columns: &[Column]) -> Vec<(String, i64)> {
    let mut codes: Vec<&str> = Vec::new();
    let mut highest = i64::MIN;
    for c in columns.iter().filter(|c| c.numeric_scale.is_some()) {
        for (code, _) in &c.values {
            match NumericScale::whole_number(code) {
                Some(n) => highest = highest.max(n),
                None if !codes.contains(&code.as_str()) => codes.push(code),
                None => {}
            }
        }
    }
    let mut top = 99;
    while top - (codes.len() as i64) < highest {
        top = top * 10 + 9;
    }
    codes
        .into_iter()
        .zip(0..)
        .map(|(code, i)| (code.to_owned(), top - i))
        .collect()
}

/// A code of a numeric scale column as SPSS reads it.
pub(super) struct SpssValue<'a> {
    pub code: &'a str,
    label: &'a Text,
    pub number: i64,
    /// A point of the scale; otherwise a user-missing value.
    rating: bool,
}

/// The codes of a numeric scale column as SPSS reads them, in the column's order: a point, or
/// another code written as a whole number (a "don't know" coded `9`), is its own number; any
/// other code is its [`spss_missing_numbers`].
pub(super) fn spss_values<'a>(
    column: &'a Column,
    scale: &'a NumericScale,
    missing: &'a [(String, i64)],
) -> impl Iterator<Item = SpssValue<'a>> {
    column.values.iter().filter_map(move |(code, label)| {
        let point = scale.number(code);
        let number = point
            .or_else(|| NumericScale::whole_number(code))
            .or_else(|| missing.iter().find(|(m, _)| m == code).map(|(_, n)| *n))?;
        Some(SpssValue {
            code,
            label,
            number,
            rating: point.is_some(),
        })
    })
}

/// SPSS names may not contain the `.` Minyi uses between a question and its option or item.
pub(super) fn spss_name(name: &str) -> String {
    name.replace('.', "_")
}

/// `text` for inside an SPSS string in single quotes: a quote doubled, and every line break or
/// other control character made a space. SPSS ends a string at the end of its line, so a label
/// holding a line break would run what follows it as a command (`HOST` runs a program).
pub(super) fn spss_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || is_line_separator(c) {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .replace('\'', "''")
}

/// Unicode's own line and paragraph separators, which are not control characters.
fn is_line_separator(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::survey::Survey;

    pub(in crate::release::resultset) fn example() -> (Survey, Vec<Column>) {
        let survey = crate::survey::tests::example();
        let columns = crate::release::resultset::columns(&survey);
        (survey, columns)
    }

    /// The SPSS command starting with `start` (at the start of a line), to its closing period.
    pub(in crate::release::resultset) fn command<'a>(syntax: &'a str, start: &str) -> &'a str {
        let from = syntax
            .find(&format!("\n{start}"))
            .unwrap_or_else(|| panic!("no {start:?} in:\n{syntax}"))
            + 1;
        let to = syntax[from..].find(".\n").unwrap() + from + 1;
        &syntax[from..to]
    }

    /// A scale column as `columns` makes it, on a scale with these points and "don't know".
    pub(in crate::release::resultset) fn scale_column(
        name: &str,
        points: &[&str],
        dont_know: Option<&str>,
    ) -> Column {
        let choice = |code: &str| crate::survey::Choice {
            code: code.to_owned(),
            label: Text {
                zh: format!("{code}分"),
                en: format!("point {code}"),
            },
        };
        let scale = crate::survey::Scale {
            points: points.iter().map(|p| choice(p)).collect(),
            dont_know: dont_know.map(choice),
        };
        Column {
            name: name.to_owned(),
            kind: super::super::columns::ColumnKind::Code {
                question: name.to_owned(),
            },
            label: Text {
                zh: "问题".to_owned(),
                en: "Question".to_owned(),
            },
            field_type: "string",
            values: scale
                .choices()
                .map(|c| (c.code.clone(), c.label.clone()))
                .collect(),
            numeric_scale: NumericScale::of(&scale),
        }
    }

    fn spss_text_of(columns: &[Column]) -> String {
        spss_reading(columns, Encoding::Utf8)
    }

    #[test]
    fn in_spss_a_scale_is_numeric_and_dont_know_a_labelled_user_missing_value() {
        let (_, columns) = example();

        let sps = spss_text_of(&columns);

        for name in ["overall_satisfaction", "places_street_stall", "confidence"] {
            assert!(
                sps.contains(&format!("\n  @{name} A64\n"))
                    && !sps.contains(&format!("\n  {name} A64\n")),
                "{name} is read as text under another name first"
            );
            assert_eq!(
                command(&sps, &format!("RECODE @{name} ")),
                format!(
                    "RECODE @{name} ('5'=5) ('4'=4) ('3'=3) ('2'=2) ('1'=1) ('dk'=99) (ELSE=SYSMIS)\n  INTO {name}."
                ),
                "then recoded into the numeric {name}, don't know as 99"
            );
            for start in ["FORMATS", "VARIABLE LEVEL"] {
                assert!(
                    command(&sps, start).contains(&format!("\n  {name}\n")),
                    "{start} names {name}"
                );
            }
        }
        assert!(command(&sps, "FORMATS").ends_with("(F8.2)."));
        assert!(command(&sps, "VARIABLE LEVEL").ends_with("(ORDINAL)."));
        let missing = command(&sps, "MISSING VALUES");
        assert!(
            missing.contains("\n  overall_satisfaction (99)\n")
                && missing.contains("\n  /places_street_stall (99)\n"),
            "99 is user-missing, for DESCRIPTIVES and MEANS to leave out: {missing}"
        );
        let labels = command(&sps, "VALUE LABELS overall_satisfaction\n");
        assert!(
            labels.contains("\n  1 '很不满意 / Very dissatisfied'\n"),
            "{labels}"
        );
        assert!(
            labels.contains("\n  99 '不了解 / Don''t know'\n"),
            "{labels}"
        );
        assert!(
            command(&sps, "VALUE LABELS confidence\n").contains("\n  99 '说不清 / Can''t say'\n"),
            "each scale keeps its own label for don't know"
        );
        assert!(
            sps.starts_with("* Minyi result set")
                && command(&sps, "* Answers that are not ratings")
                    .contains("dk (do not know) as 99"),
            "the header says what don't know becomes"
        );
        let kept: Vec<&str> = command(&sps, "MATCH FILES FILE=* /KEEP=")
            .lines()
            .skip(1)
            .map(str::trim)
            .filter(|line| *line != ".")
            .collect();
        let names: Vec<String> = columns.iter().map(|c| spss_name(&c.name)).collect();
        assert_eq!(kept, names, "the variables keep the order of responses.csv");
    }

    #[test]
    fn a_label_with_line_breaks_stays_inside_its_spss_string() {
        let (_, mut columns) = example();
        let planted = "Satisfied?\n.\r\nHOST COMMAND=['touch /tmp/x'].\u{2028}* \u{85}";
        columns[5].label.en = planted.to_owned();
        if let Some((_, label)) = columns[5].values.first_mut() {
            label.zh = planted.to_owned();
        }

        let sps = spss_text_of(&columns);

        assert!(
            !sps.lines()
                .any(|line| line.trim_start().starts_with("HOST")),
            "a label's line break ended its string:\n{sps}"
        );
        let line = sps
            .lines()
            .find(|line| line.contains("HOST COMMAND"))
            .expect("the label is there");
        assert!(
            line.contains("Satisfied? .  HOST COMMAND=[''touch /tmp/x'']. * "),
            "{line}"
        );
        assert_eq!(
            sps.matches("HOST COMMAND").count(),
            2,
            "the variable label and the value label, each on one line"
        );
    }

    #[test]
    fn in_spss_a_text_coded_column_stays_a_labelled_string() {
        let (_, columns) = example();

        let sps = spss_text_of(&columns);

        for name in [
            "county",
            "age_band",
            "campaign_support",
            "knowledge_expired",
        ] {
            assert!(
                sps.contains(&format!("\n  {name} A64\n")),
                "{name} is read as a string"
            );
            assert!(
                !sps.contains(&format!("RECODE @{name} ")),
                "{name} is not recoded"
            );
            assert!(
                !command(&sps, "MISSING VALUES").contains(name),
                "{name} has no missing values, not even its dk"
            );
        }
        assert!(command(&sps, "VALUE LABELS county\n")
            .contains("\n  'nanhu' '南湖区 / Nanhu District'\n"));
        assert!(command(&sps, "VALUE LABELS campaign_support\n")
            .contains("\n  'dk' '说不清 / Can''t say'\n"));
        assert!(
            sps.contains("\n  flag_too_fast F8.0\n")
                && command(&sps, "VALUE LABELS flag_too_fast\n").contains("\n  1 '是 / Yes'\n"),
            "0/1 columns stay numbers"
        );
    }

    #[test]
    fn in_spss_dont_know_is_coded_above_every_point_of_every_scale() {
        let cases = [
            (
                "99 on scales below it",
                vec![
                    scale_column("a", &["1", "2", "3", "4", "5"], Some("dk")),
                    scale_column("b", &["0", "10", "5"], Some("dk")),
                ],
                vec![("a", "('dk'=99)"), ("b", "('dk'=99)")],
            ),
            (
                "999 when a point is 99 or more, for every scale alike",
                vec![
                    scale_column("a", &["1", "2"], Some("dk")),
                    scale_column("b", &["0", "50", "100"], Some("dk")),
                ],
                vec![("a", "('dk'=999)"), ("b", "('dk'=999)")],
            ),
            (
                "a don't know written as a number keeps it",
                vec![scale_column("a", &["-2", "-1", "0", "1", "2"], Some("9"))],
                vec![("a", "('9'=9)")],
            ),
            (
                "another code that is not a point takes the next number down",
                vec![
                    scale_column("a", &["1", "2"], Some("dk")),
                    scale_column("b", &["1", "2"], Some("cannot_say")),
                ],
                vec![("a", "('dk'=99)"), ("b", "('cannot_say'=98)")],
            ),
        ];
        for (description, columns, expected) in cases {
            let sps = spss_text_of(&columns);
            let missing = command(&sps, "MISSING VALUES");
            for (name, recoded) in expected {
                assert!(
                    command(&sps, &format!("RECODE @{name} ")).contains(recoded),
                    "{description}: {name} has {recoded}:\n{sps}"
                );
                let number = recoded.rsplit('=').next().unwrap().trim_end_matches(')');
                assert!(
                    missing.contains(&format!("{name} ({number})")),
                    "{description}: {name}'s {number} is user-missing: {missing}"
                );
            }
        }
    }

    #[test]
    fn a_scale_whose_points_are_not_plain_whole_numbers_stays_a_string() {
        for points in [&["low", "high"][..], &["01", "02"], &["1", "2.5"]] {
            let columns = [scale_column("q", points, Some("dk"))];

            let sps = spss_text_of(&columns);

            assert!(columns[0].numeric_scale.is_none(), "{points:?}");
            assert!(
                sps.contains("\n  q A64\n") && !sps.contains("RECODE"),
                "{points:?}:\n{sps}"
            );
            assert!(
                sps.contains("\n  'dk' '"),
                "{points:?}: labels on text codes"
            );
        }
    }
}
