//! Specifications of the survey file: the example survey, the small test survey, and a
//! table of bad files, each naming the file, the key path and what was expected.

use super::*;

mod bad_files;

/// The small survey the unit tests use.
pub(crate) const SMALL: &str = include_str!("../testdata/small.toml");
/// The example survey shipped with Minyi.
pub(crate) const JIAXING: &str = include_str!("../../../surveys/jiaxing-food-safety-2016.toml");

/// The example survey shipped with Minyi, read: what most modules' tests run on.
pub(crate) fn example() -> Survey {
    Survey::from_toml(JIAXING, "jiaxing-food-safety-2016.toml")
        .unwrap_or_else(|error| panic!("{error}"))
}
/// The format documentation, whose first ```toml block must be a valid survey.
const FORMAT_DOC: &str = include_str!("../../../docs/survey-format.md");

pub(crate) fn small_survey() -> Survey {
    Survey::from_toml(SMALL, "small.toml").unwrap_or_else(|error| panic!("{error}"))
}

/// `SMALL` with each `(from, to)` applied to the first occurrence of `from`.
pub(super) fn edited(edits: &[(&str, &str)]) -> String {
    let mut source = SMALL.to_string();
    for (from, to) in edits {
        assert!(
            source.contains(from),
            "the test fixture no longer contains {from:?}"
        );
        source = source.replacen(from, to, 1);
    }
    source
}

pub(super) fn problems_of(source: &str) -> SurveyFileError {
    match Survey::from_toml(source, "small.toml") {
        Ok(_) => panic!("the file should be refused"),
        Err(error) => error,
    }
}

#[test]
fn the_example_survey_parses_and_validates() {
    let survey = example();

    assert_eq!(survey.id, "jiaxing-food-safety-2016");
    assert!(survey.open_on_import);
    assert_eq!(survey.fieldwork_start.to_string(), "2016-10-10");
    assert_eq!(survey.fieldwork_end.to_string(), "2016-11-30");
    assert!(
        (18..=22).contains(&survey.questions.len()),
        "about twenty questions"
    );
    assert!(
        survey.questions.iter().any(|q| q.show_if.is_some()),
        "a conditional question"
    );
    assert_eq!(survey.quasi_identifiers(), ["county", "sex", "age_band"]);
}

#[test]
fn the_example_strata_are_the_seven_county_level_units_at_the_2010_census() {
    let survey = Survey::from_toml(JIAXING, "jiaxing.toml").unwrap();
    let expected = [
        ("nanhu", "南湖区", 612_663),
        ("xiuzhou", "秀洲区", 589_219),
        ("jiashan", "嘉善县", 574_187),
        ("haiyan", "海盐县", 430_940),
        ("haining", "海宁市", 806_966),
        ("pinghu", "平湖市", 671_834),
        ("tongxiang", "桐乡市", 815_848),
    ];

    assert_eq!(survey.strata.units.len(), expected.len());
    for (stratum, (code, name, population)) in survey.strata.units.iter().zip(expected) {
        assert_eq!(stratum.code, code);
        assert_eq!(stratum.name.zh, name);
        assert_eq!(stratum.population, population, "{code}");
        assert_eq!(stratum.target_sample, Some(200), "{code}");
    }
    let city: u64 = survey.strata.units.iter().map(|u| u.population).sum();
    assert_eq!(city, 4_501_657, "the city's residents, county by county");
}

#[test]
fn the_example_margins_add_up_exactly_to_the_strata_total() {
    let survey = Survey::from_toml(JIAXING, "jiaxing.toml").unwrap();
    let sex = &survey.margins[0];
    let age = &survey.margins[1];

    for margin in &survey.margins {
        let total: f64 = margin.targets.iter().map(|(_, count)| count).sum();
        assert_eq!(total, 4_501_657.0, "margin {}", margin.question);
    }
    assert_eq!(sex.question, "sex");
    assert_eq!(
        sex.targets[0],
        ("male".to_string(), 2_345_363.0),
        "52.10% of 4,501,657"
    );
    assert_eq!(age.question, "age_band");
    assert_eq!(
        age.targets[4],
        ("60_plus".to_string(), 868_820.0),
        "19.30% of 4,501,657"
    );
}

#[test]
fn the_example_rubric_adds_up_to_100_points_with_the_thresholds_seen_in_practice() {
    let survey = Survey::from_toml(JIAXING, "jiaxing.toml").unwrap();
    let threshold = |id: &str| {
        survey
            .indicators
            .iter()
            .find(|indicator| indicator.id == id)
            .map(|indicator| indicator.threshold)
    };

    assert_eq!(survey.total_points(), 100.0);
    assert_eq!(threshold("satisfaction_score"), Some(80.0));
    assert_eq!(threshold("campaign_awareness"), Some(0.85));
    assert_eq!(threshold("campaign_support"), Some(0.85));
    assert!(survey.indicators.iter().all(|indicator| {
        let source = &indicator.source;
        !source.zh.is_empty() && !source.en.is_empty() && source.zh != source.en
    }));
    assert_eq!(survey.quality.min_duration_seconds, Some(60));
    assert_eq!(survey.quality.straightlining_min_items, Some(5));
    assert_eq!(
        survey.quality.exclude,
        [QualityFlag::TooFast, QualityFlag::Straightlining]
    );
    assert_eq!(survey.privacy, PrivacyRules::default());
}

#[test]
fn the_example_in_the_format_documentation_is_a_valid_survey() {
    let start = FORMAT_DOC.find("```toml\n").expect("a ```toml block") + "```toml\n".len();
    let length = FORMAT_DOC[start..]
        .find("```")
        .expect("the end of the block");

    let survey = Survey::from_toml(&FORMAT_DOC[start..start + length], "survey-format.md");

    assert!(survey.is_ok(), "{}", survey.unwrap_err());
}

#[test]
fn the_small_survey_has_every_kind_of_question() {
    let survey = small_survey();
    let kinds: Vec<&str> = survey.questions.iter().map(|q| q.kind.name()).collect();

    for kind in [
        "single", "multiple", "yesno", "scale", "matrix", "number", "text",
    ] {
        assert!(kinds.contains(&kind), "{kind}");
    }
    assert_eq!(survey.weighting.trim_max_factor, 4.0, "set in the file");
    assert_eq!(survey.weighting.trim_min_factor, 0.3, "default");
    assert_eq!(survey.weighting.max_sweeps, 100, "default");
}

#[test]
fn defaults_apply_to_keys_left_out() {
    let survey = small_survey();
    let aware = survey.question("aware").unwrap();
    let age = survey.question("age").unwrap();

    assert!(aware.required, "required defaults to true");
    assert!(
        !aware.quasi_identifier,
        "quasi_identifier defaults to false"
    );
    assert!(!age.required);
    let QuestionKind::YesNo { options } = &aware.kind else {
        panic!("aware is a yesno question");
    };
    let codes: Vec<(&str, &str, &str)> = options
        .iter()
        .map(|o| (o.code.as_str(), o.label.zh.as_str(), o.label.en.as_str()))
        .collect();
    assert_eq!(codes, [("yes", "是", "Yes"), ("no", "否", "No")]);
    let knowledge = survey
        .indicators
        .iter()
        .find(|i| i.id == "knowledge")
        .unwrap();
    assert_eq!(
        knowledge.scoring,
        Scoring::Threshold,
        "scoring defaults to threshold"
    );
    assert_eq!(
        knowledge.measure,
        Measure::CorrectShare {
            answers: vec![
                ("knows_rule".into(), "right".into()),
                ("knows_date".into(), "wrong".into())
            ]
        },
        "quiz answers come in question order"
    );
}

#[test]
fn a_survey_with_no_optional_sections_gets_the_documented_defaults() {
    let source = edited(&[
        ("[weighting]\ntrim_max_factor = 4.0\n", ""),
        (
            "[privacy]\nk_anonymity = 5\nmin_public_cell = 30\nretention_days = 180\n",
            "",
        ),
        ("[rubric]\ntotal_points = 100\n", ""),
    ]);

    let survey = Survey::from_toml(&source, "small.toml").unwrap();

    assert_eq!(survey.weighting, WeightingRules::default());
    assert_eq!(survey.privacy.k_anonymity, 5);
    assert_eq!(survey.privacy.min_public_cell, 30);
    assert_eq!(survey.privacy.retention_days, 180);
}

#[test]
fn a_surveys_dates_are_chinas_unless_its_file_says_otherwise() {
    let at = |text: &str| {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let china = small_survey();
    assert_eq!(china.utc_offset_seconds, 8 * 3600, "+08:00 by default");
    assert_eq!(
        china.local_date(at("2016-10-09T23:30:00Z")).to_string(),
        "2016-10-10",
        "07:30 Beijing time is already the 10th"
    );
    assert_eq!(
        china.local_date(at("2016-10-10T15:59:00Z")).to_string(),
        "2016-10-10",
        "23:59 Beijing time is still the 10th"
    );

    let source = edited(&[("open_on_import", "utc_offset = \"-05:30\"\nopen_on_import")]);
    let elsewhere = Survey::from_toml(&source, "small.toml").unwrap();
    assert_eq!(elsewhere.utc_offset_seconds, -(5 * 3600 + 30 * 60));
    assert_eq!(
        elsewhere.local_date(at("2016-10-10T03:00:00Z")).to_string(),
        "2016-10-09"
    );
}

#[test]
fn stratum_of_gives_the_answer_to_the_stratum_question() {
    let survey = small_survey();
    let mut answers = Answers::new();
    assert_eq!(survey.stratum_of(&answers), None);

    answers.insert("county".into(), Answer::Code("south".into()));
    assert_eq!(survey.stratum_of(&answers), Some("south"));
    assert_eq!(survey.stratum("south").map(|s| s.population), Some(400));

    answers.insert("county".into(), Answer::Code("atlantis".into()));
    assert_eq!(survey.stratum_of(&answers), None, "not a stratum");
}

#[test]
fn the_version_is_the_sha256_of_the_file() {
    assert_eq!(
        version_of(""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        version_of("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_ne!(version_of(SMALL), version_of(&format!("{SMALL}\n")));
}

#[test]
fn languages_are_read_from_browser_codes() {
    for (code, expected) in [
        ("zh", Some(Lang::Zh)),
        ("zh-CN", Some(Lang::Zh)),
        ("zh_Hans", Some(Lang::Zh)),
        (" ZH-cn ", Some(Lang::Zh)),
        ("en", Some(Lang::En)),
        ("en-GB", Some(Lang::En)),
        ("fr", None),
        ("", None),
        ("zhx", None),
    ] {
        assert_eq!(Lang::from_code(code), expected, "{code:?}");
    }
    assert_eq!(Lang::Zh.code(), "zh-CN");
    assert_eq!(Lang::En.code(), "en");
    assert_eq!(Lang::default(), Lang::Zh);
    let text = Text {
        zh: "满意".into(),
        en: "Satisfied".into(),
    };
    assert_eq!(text.get(Lang::Zh), "满意");
    assert_eq!(text.get(Lang::En), "Satisfied");
}

#[test]
fn a_toml_syntax_error_is_one_problem_with_line_and_column() {
    let source = edited(&[("fieldwork_end = 2016-11-30", "fieldwork_end = ")]);
    let line = source
        .lines()
        .position(|line| line.starts_with("fieldwork_end"))
        .unwrap()
        + 1;

    let error = problems_of(&source);

    assert_eq!(error.problems.len(), 1, "{error}");
    let problem = &error.problems[0];
    assert!(
        problem.path.starts_with(&format!("line {line}, column ")),
        "{problem}"
    );
    assert_eq!(problem.expected.to_string(), "valid TOML");
    assert!(problem.found.is_some());
    assert!(error
        .to_string()
        .starts_with(&format!("small.toml: line {line}, column ")));
    assert!(
        error
            .to_string()
            .ends_with("the line reads `fieldwork_end =`. A key needs a value: write key = value"),
        "the line is quoted, its number said once, and what it lacks: {error}"
    );
}

#[test]
fn the_toml_parsers_message_on_the_commonest_slips_is_said_in_plain_words() {
    let cases = [
        ("title = \"x\"\ntitle = \"y\"", SyntaxHint::DuplicateKey),
        ("[survey]\n[survey]", SyntaxHint::DuplicateKey),
        ("title = \"嘉兴", SyntaxHint::UnclosedQuote),
        ("title \"x\"", SyntaxHint::NoValue),
        ("title =", SyntaxHint::NoValue),
        ("title = # to write", SyntaxHint::NoValue),
        ("open_on_import = True", SyntaxHint::UnquotedText),
        ("[[questions]\nid = \"x\"", SyntaxHint::UnclosedHeader),
        ("a = [\"1\", \"2\"", SyntaxHint::UnclosedBrackets),
        ("a = { zh = \"是\"", SyntaxHint::UnclosedBrackets),
        ("kind = single", SyntaxHint::UnquotedText),
        ("any_of = [\"1\" \"2\"]", SyntaxHint::MissingComma),
        ("code = 01", SyntaxHint::LeadingZero),
        ("zh = \"是\" en = \"Yes\"", SyntaxHint::MoreOnTheLine),
        // Quotes meant as part of a text end it: say how to quote inside one.
        ("text = \"您的\"性别\"是\"", SyntaxHint::QuotesInsideText),
        (
            "text = { zh = \"请选\"是\"或\"否\"\", en = \"Yes or no\" }",
            SyntaxHint::QuotesInsideText,
        ),
        // TOML right after a closing quote is no quote inside a text.
        ("any_of = [\"yes\"\"no\"]", SyntaxHint::MissingComma),
        ("zh = \"您的性别\"en = \"Sex\"", SyntaxHint::MoreOnTheLine),
        // A closing quote left out: the text runs on into the next key.
        (
            "{ code = \"4\", zh = \"比较满意, en = \"Fairly satisfied\" },",
            SyntaxHint::UnclosedQuote,
        ),
        // A slip the line shows is named instead: the parser's words would mislead.
        (
            "fieldwork_end = 2016/11/30",
            SyntaxHint::Date {
                written: "2016-11-30".to_owned(),
            },
        ),
        (
            "title ＝ \"x\"",
            SyntaxHint::FullWidthPunctuation {
                marks: "＝".to_owned(),
            },
        ),
        (
            "【rubric】",
            SyntaxHint::FullWidthPunctuation {
                marks: "【 】".to_owned(),
            },
        ),
        ("population　= 612663", SyntaxHint::FullWidthDigits),
        // Numbers as written on paper.
        (
            "population = 612,663",
            SyntaxHint::ThousandsSeparator {
                number: "612663".to_owned(),
            },
        ),
        (
            "population = 4 501 657",
            SyntaxHint::ThousandsSeparator {
                number: "4501657".to_owned(),
            },
        ),
        (
            "population = 61.27万",
            SyntaxHint::ChineseNumber {
                written: "61.27万".to_owned(),
                number: "612700".to_owned(),
            },
        ),
        (
            "population = 3亿",
            SyntaxHint::ChineseNumber {
                written: "3亿".to_owned(),
                number: "300000000".to_owned(),
            },
        ),
        (
            "threshold = 85％",
            SyntaxHint::Percent {
                percent: "85".to_owned(),
                fraction: "0.85".to_owned(),
            },
        ),
        // Dates as written in Chinese, or with one digit.
        (
            "fieldwork_end = 2016年11月3日",
            SyntaxHint::Date {
                written: "2016-11-03".to_owned(),
            },
        ),
        (
            "fieldwork_end = 2016－11－30",
            SyntaxHint::Date {
                written: "2016-11-30".to_owned(),
            },
        ),
        (
            "fieldwork_end = 2016-1-5",
            SyntaxHint::Date {
                written: "2016-01-05".to_owned(),
            },
        ),
        // Keys a bare key cannot be.
        (
            "targets = { \"18_29\" = 1, 60+ = 2 }",
            SyntaxHint::QuoteKey {
                key: "60+".to_owned(),
            },
        ),
        (
            "60岁以上 = 2",
            SyntaxHint::QuoteKey {
                key: "60岁以上".to_owned(),
            },
        ),
        // Quoting would not help these: the key meant is another.
        (
            "英文 = \"Your sex\"",
            SyntaxHint::KeyMeant {
                key: "英文".to_owned(),
                meant: "en".to_owned(),
            },
        ),
        (
            "ｅｎ = \"Your sex\"",
            SyntaxHint::KeyMeant {
                key: "ｅｎ".to_owned(),
                meant: "en".to_owned(),
            },
        ),
        ("zh = 您的性别\"", SyntaxHint::UnquotedText),
        // A long text left open: the next one's opening quotes close it, and the parser stops
        // at that one's first line, which reads as a key without a value.
        (
            "description.zh = \"\"\"\n嘉兴市食品安全\ndescription.en = \"\"\"\nFood safety in Jiaxing\n\"\"\"",
            SyntaxHint::UnclosedLongText {
                line: 3,
                opened: 1,
                quotes: "\"\"\"",
            },
        ),
        // Blank lines after the stolen quotes parse: the parser stops at the first words,
        // whose Chinese punctuation is text, not a slip of the input method.
        (
            "title = \"x\"\ndescription.zh = \"\"\"\n嘉兴市\n\ndescription.en = \"\"\"\n\n食品安全，满意度\n\"\"\"",
            SyntaxHint::UnclosedLongText {
                line: 5,
                opened: 2,
                quotes: "\"\"\"",
            },
        ),
        // The words on the line of the quotes themselves.
        (
            "description.zh = \"\"\"\n嘉兴市\ndescription.en = \"\"\"Food safety\n\"\"\"",
            SyntaxHint::UnclosedLongText {
                line: 3,
                opened: 1,
                quotes: "\"\"\"",
            },
        ),
        (
            "description.zh = '''\n嘉兴市\ndescription.en = '''\nFood safety\n'''",
            SyntaxHint::UnclosedLongText {
                line: 3,
                opened: 1,
                quotes: "'''",
            },
        ),
    ];
    for (source, hint) in cases {
        let error = problems_of(source);
        let problem = &error.problems[0];
        assert_eq!(problem.hints, vec![hint], "{source:?}: {error}");
    }
    // A long text opened on the last line and never closed: the parser names the line after
    // the file's end, and no text above was stolen from.
    let error = problems_of("id = \"x\"\ndescription.en = \"\"\"Food safety\n");
    assert_eq!(
        error.problems[0].hints,
        [SyntaxHint::LongTextNeverClosed {
            opened: 2,
            quotes: "\"\"\""
        }],
        "{error}"
    );
    // The same far from the end, with nothing after it to close it: the line to mend is named,
    // not only the file's end.
    let error = problems_of(
        "[[questions]]\nid = \"sex\"\nzh = \"\"\"您的性别\nen = \"Your sex\"\n\n[[questions]]\nid = \"age\"\n",
    );
    assert_eq!(
        error.problems[0].hints,
        [SyntaxHint::LongTextNeverClosed {
            opened: 3,
            quotes: "\"\"\""
        }],
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("The long text opened with \"\"\" on line 3 is never closed"),
        "{error}"
    );
    // A long text that truly opens on the line before the error (here a bad escape on its
    // first line) closed nothing: the texts above it are closed.
    for source in [
        "title = \"a \\\"b\\\" c\" # \"\"\"\ndescription.zh = \"\"\"\nC:\\path\n\"\"\"",
        "note = '''a'''\ndescription.zh = \"\"\"\nC:\\path\n\"\"\"",
    ] {
        let error = problems_of(source);
        assert!(
            !error.problems[0]
                .hints
                .iter()
                .any(|hint| matches!(hint, SyntaxHint::UnclosedLongText { .. })),
            "{source:?}: {error}"
        );
    }
    // A control character inside a closed text is no missing quote.
    let error = problems_of("title = \"a\u{1}b\"");
    assert!(
        !error.problems[0].hints.contains(&SyntaxHint::UnclosedQuote),
        "{error}"
    );
}

#[test]
fn full_width_punctuation_typed_by_a_chinese_input_method_is_named_with_what_to_do() {
    let cases = [
        (
            "fieldwork_end = 2016-11-30",
            "fieldwork_end ＝ 2016-11-30",
            "full-width ＝ outside quotes",
        ),
        (
            "fieldwork_end = 2016-11-30",
            "fieldwork_end = “2016-11-30”",
            "full-width “ ” outside quotes",
        ),
    ];
    for (from, to, said) in cases {
        let error = problems_of(&edited(&[(from, to)])).to_string();

        assert!(error.contains(said), "{to}: {error}");
        assert!(
            error.contains("switch the input method to half-width"),
            "{to}: {error}"
        );
    }
    let inside_a_text = problems_of(&edited(&[(
        "fieldwork_end = 2016-11-30",
        "fieldwork_end = \"二〇一六年，十一月\"",
    )]));
    assert!(
        !inside_a_text.to_string().contains("full-width"),
        "full-width commas inside a text are just text: {inside_a_text}"
    );
}

#[test]
fn the_slips_of_someone_copying_the_example_get_a_hint_instead_of_tomls_own_words() {
    let cases = [
        (
            "fieldwork_end = 2016-11-30",
            "fieldwork_end = 2016/11/3",
            "A date is written with hyphens and two-digit months and days, without quotes: 2016-11-03",
        ),
        (
            "fieldwork_end = 2016-11-30",
            "fieldwork_end = 2016.11.30",
            "2016-11-30",
        ),
        ("trim_max_factor = 4.0", "trim_max_factor = 75%", "75% is 0.75"),
        // A number in quotes is no syntax error but a type's: the hint is the same.
        (
            "threshold = 0.85",
            "threshold = \"85%\"",
            "expected a number, found \"85%\". A share is written as a fraction without %: 85% is 0.85",
        ),
        (
            "population = 400",
            "population = \"400\"",
            "A number is written without quotes: 400",
        ),
        (
            "population = 400",
            "population = \"40万\"",
            "40万 is 400000",
        ),
        (
            "kind = \"number\"",
            "type = \"number\"",
            "unknown key \"type\"; did you mean \"kind\"?",
        ),
        ("trim_max_factor = 4.0", "trim_max_factor = ４.0", "full-width digits"),
        (
            "[[questions]]\nid = \"sex\"",
            "[questions]\nid = \"sex\"",
            "Each [[questions]] entry is a block of its own, headed with double brackets",
        ),
    ];
    for (from, to, said) in cases {
        let error = problems_of(&edited(&[(from, to)])).to_string();

        assert!(error.contains(said), "{to}: {error}");
    }
}

#[test]
fn a_file_that_is_not_a_survey_at_all_says_which_sections_are_missing() {
    let error = problems_of("");
    let paths: Vec<&str> = error.problems.iter().map(|p| p.path.as_str()).collect();

    assert_eq!(paths, ["survey", "strata", "questions", "indicators"]);
}

#[test]
fn every_problem_in_a_file_is_reported_at_once_in_file_order() {
    let source = edited(&[
        ("id = \"small-test\"", "id = \"Small Test\""),
        ("population = 400", "population = 0"),
        (
            "{ code = \"tv\", zh = \"电视\", en = \"TV\" }",
            "{ code = \"tv\", zh = \"电视\", en = \"TV\", label = \"x\" }",
        ),
        ("threshold = 0.85", "threshold = 85"),
        ("k_anonymity = 5", "k_anonymity = 1"),
    ]);

    let error = problems_of(&source);
    let paths: Vec<&str> = error.problems.iter().map(|p| p.path.as_str()).collect();

    assert_eq!(
        paths,
        [
            "survey.id",
            "strata.units[south].population",
            "questions[channels].options[tv].label",
            "indicators[aware_rate].threshold",
            "privacy.k_anonymity",
        ],
        "{error}"
    );
    assert_eq!(error.to_string().lines().count(), 5);
}

#[test]
fn a_block_that_cannot_be_read_does_not_cause_a_cascade_of_problems() {
    // "aware" is referred to by a condition and an indicator; a typo in one of its keys
    // must be the only problem reported.
    let source = edited(&[(
        "kind = \"yesno\"\nzh = \"您知道",
        "kind = \"yesno\"\nzh_cn = \"x\"\nzh = \"您知道",
    )]);

    let error = problems_of(&source);

    assert_eq!(error.problems.len(), 1, "{error}");
    assert_eq!(error.problems[0].path, "questions[aware].zh_cn");
}

#[test]
fn problems_carry_the_line_of_the_key_to_fix() {
    let source = edited(&[("k_anonymity = 5", "k_anonymity = 1")]);
    let line = source
        .lines()
        .position(|line| line.starts_with("k_anonymity"))
        .unwrap()
        + 1;

    let error = problems_of(&source);

    assert_eq!(error.problems[0].line, Some(line));
    assert!(
        error.to_string().ends_with(&format!("(line {line})")),
        "{error}"
    );
}

#[test]
fn no_input_makes_the_loader_panic() {
    // Truncations of a valid file cut keys, strings and tables at every kind of place.
    let cuts = (0..SMALL.len())
        .filter(|cut| SMALL.is_char_boundary(*cut))
        .filter(|cut| cut % 61 == 0 || SMALL[*cut..].starts_with('\n'));
    for cut in cuts {
        let _ = Survey::from_toml(&SMALL[..cut], "cut.toml");
    }
    for source in [
        "\u{feff}",
        "[[questions]]",
        "questions = 3",
        "[scales]\nx = 1",
        "survey = []",
    ] {
        let _ = Survey::from_toml(source, "odd.toml");
    }
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let survey = Survey::from_toml(&format!("\u{feff}{SMALL}"), "bom.toml");

    assert!(survey.is_ok());
}

/// A complete response to the example survey, as a phone would post it.
fn jiaxing_response() -> Vec<(String, String)> {
    let mut fields: Vec<(&str, &str)> = vec![
        ("_token", "t0k3n"),
        ("county", "haining"),
        ("sex", "female"),
        ("age_band", "60_plus"),
        ("overall_satisfaction", "4"),
        ("supervision_satisfaction", "dk"),
        ("confidence", "4"),
        ("improvement", "5"),
        ("campaign_aware", "yes"),
        ("campaign_heard_from", "tv_radio"),
        ("campaign_heard_from", "community"),
        ("campaign_support", "support"),
        ("hotline_aware", "no"),
        ("main_concerns", "residues"),
        ("knowledge_expired", "said_true"),
        ("knowledge_sprouted_potato", "said_true"),
        ("knowledge_raw_cooked", "said_true"),
        ("knowledge_fridge", "said_false"),
        ("knowledge_additives", "dk"),
        ("suggestion", "  希望多抽检农贸市场。 "),
    ];
    let items = [
        ("food_categories", "grain_oil"),
        ("food_categories", "meat_poultry_eggs"),
        ("food_categories", "vegetables_fruit"),
        ("food_categories", "aquatic"),
        ("food_categories", "dairy"),
        ("food_categories", "drinks"),
        ("food_categories", "health_food"),
        ("places", "supermarket"),
        ("places", "wet_market"),
        ("places", "online_ordering"),
        ("places", "restaurant"),
        ("places", "school_canteen"),
        ("places", "street_stall"),
    ];
    let mut pairs: Vec<(String, String)> = fields
        .drain(..)
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    for (index, (question, item)) in items.iter().enumerate() {
        let rating = if index % 2 == 0 { "4" } else { "3" };
        pairs.push((format!("{question}.{item}"), rating.to_string()));
    }
    pairs
}

#[test]
fn the_example_survey_accepts_a_complete_response_and_scores_it() {
    let survey = Survey::from_toml(JIAXING, "jiaxing.toml").unwrap();

    let answers = survey
        .validate(&FormInput::from_pairs(jiaxing_response()))
        .unwrap_or_else(|errors| panic!("{errors}"));

    assert_eq!(survey.stratum_of(&answers), Some("haining"));
    let value = |id: &str| {
        survey
            .indicators
            .iter()
            .find(|indicator| indicator.id == id)
            .and_then(|indicator| indicator.value(&answers))
    };
    assert_eq!(value("satisfaction_score"), Some(80.0));
    assert_eq!(value("satisfaction_rate"), Some(1.0));
    assert_eq!(value("supervision_score"), None, "不了解 is left out");
    assert_eq!(value("campaign_awareness"), Some(1.0));
    assert_eq!(value("campaign_support"), Some(1.0));
    assert_eq!(value("hotline_awareness"), Some(0.0));
    assert_eq!(
        value("knowledge_score"),
        Some(60.0),
        "three of five correct"
    );
    assert_eq!(survey.quality_flags(&answers, Some(300)), []);
}

#[test]
fn in_the_example_only_those_aware_of_the_campaign_are_asked_how_they_heard_of_it() {
    let survey = Survey::from_toml(JIAXING, "jiaxing.toml").unwrap();
    let mut pairs = jiaxing_response();
    for (name, value) in pairs.iter_mut() {
        if name == "campaign_aware" {
            *value = "no".to_string();
        }
    }

    let answers = survey.validate(&FormInput::from_pairs(pairs)).unwrap();

    assert_eq!(answers.get("campaign_heard_from"), None);
    assert!(
        answers.contains_key("campaign_support"),
        "support is asked of all"
    );
}

#[test]
fn in_the_example_a_fast_straight_lined_response_is_flagged_and_excluded() {
    let survey = Survey::from_toml(JIAXING, "jiaxing.toml").unwrap();
    let pairs: Vec<(String, String)> = jiaxing_response()
        .into_iter()
        .map(|(name, value)| {
            let value = if name.starts_with("places.") {
                "5".to_string()
            } else {
                value
            };
            (name, value)
        })
        .collect();
    let answers = survey.validate(&FormInput::from_pairs(pairs)).unwrap();

    let flags = survey.quality_flags(&answers, Some(45));

    assert_eq!(flags, [QualityFlag::TooFast, QualityFlag::Straightlining]);
    assert!(survey.quality.excludes(&flags));
}

#[test]
fn a_date_outside_the_planned_fieldwork_is_described_and_one_inside_is_not() {
    let survey = small_survey();
    let day = |text: &str| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
    let start = survey.fieldwork_start;

    assert_eq!(survey.outside_fieldwork(start), None);
    assert_eq!(survey.outside_fieldwork(survey.fieldwork_end), None);
    assert_eq!(
        survey
            .outside_fieldwork(day("2016-12-02"))
            .map(|note| note.to_string())
            .as_deref(),
        Some("its planned fieldwork ended on 2016-11-30 (2 days ago); residents can answer until it is closed")
    );
    assert_eq!(
        survey
            .outside_fieldwork(start - chrono::Days::new(5))
            .map(|note| note.to_string())
            .as_deref(),
        Some(format!("its planned fieldwork starts on {start} (5 days from now); residents can answer as soon as it is open").as_str())
    );
}

#[test]
fn a_repeated_question_id_points_at_the_line_of_the_repeat_not_of_the_first() {
    let source = edited(&[("id = \"knows_date\"", "id = \"knows_rule\"")]);
    let lines: Vec<usize> = source
        .lines()
        .enumerate()
        .filter(|(_, line)| line.trim() == "id = \"knows_rule\"")
        .map(|(index, _)| index + 1)
        .collect();

    let error = problems_of(&source);

    assert_eq!(lines.len(), 2);
    let repeat = error
        .problems
        .iter()
        .find(|p| p.path.ends_with(".id"))
        .expect("the repeat");
    assert!(
        repeat
            .line
            .is_some_and(|line| line > lines[0] && line <= lines[1]),
        "{repeat} against {lines:?}"
    );
}

#[test]
fn several_bad_values_in_one_block_are_all_reported_at_once() {
    let source = edited(&[
        (
            "fieldwork_start = 2016-10-10",
            "fieldwork_start = \"2016-10-10\"",
        ),
        (
            "fieldwork_end = 2016-11-30",
            "fieldwork_end = \"2016-11-30\"",
        ),
        ("population = 600", "population = \"600\""),
        ("population = 400", "population = \"400\""),
        (
            "targets = { female = 500, male = 500 }",
            "targets = { female = \"500\", male = \"500\" }",
        ),
    ]);

    let error = problems_of(&source);
    let mut paths: Vec<&str> = error.problems.iter().map(|p| p.path.as_str()).collect();
    paths.sort_unstable();

    assert_eq!(
        paths,
        [
            "margins[sex].targets.female",
            "margins[sex].targets.male",
            "strata.units[north].population",
            "strata.units[south].population",
            "survey.fieldwork_end",
            "survey.fieldwork_start",
        ],
        "each bad value once, none hidden by another in its block, and no key reported \
         missing for having been set aside: {error}"
    );
}

#[test]
fn a_misnamed_key_is_reported_as_unknown_not_again_as_missing() {
    let source = edited(&[(
        "id = \"county\"\nkind = \"single\"",
        "id = \"county\"\ntype = \"single\"",
    )]);

    let error = problems_of(&source);

    let in_county: Vec<String> = error
        .problems
        .iter()
        .filter(|p| p.path.starts_with("questions[county]"))
        .map(|p| p.to_string())
        .collect();
    assert_eq!(in_county.len(), 1, "{error}");
    assert!(in_county[0].contains("did you mean \"kind\""), "{error}");
}

#[test]
fn a_county_set_aside_for_one_problem_hides_no_other_and_shifts_no_name() {
    type Edits<'a> = &'a [(&'a str, &'a str)];
    let cases: [(Edits, &[&str]); 3] = [
        (
            // A bad value in one county, a missing key in the next.
            &[
                ("population = 600", "population = \"600\""),
                ("zh = \"南区\"\nen = \"South\"", "en = \"South\""),
            ],
            &["strata.units[north].population", "strata.units[south].zh"],
        ),
        (
            // The second county keeps its place in the list: [#2], on its own line.
            &[
                ("population = 600", "population = \"600\""),
                ("code = \"south\"", "code = 5"),
            ],
            &["strata.units[north].population", "strata.units[#2].code"],
        ),
        (
            // A missing key first: the list is read on, not dropped whole.
            &[
                ("zh = \"北区\"\nen = \"North\"", "en = \"North\""),
                ("code = \"south\"", "code = 5"),
            ],
            &["strata.units[north].zh", "strata.units[#2].code"],
        ),
    ];
    for (edits, expected) in cases {
        let error = problems_of(&edited(edits));
        let in_strata: Vec<&str> = error
            .problems
            .iter()
            .map(|p| p.path.as_str())
            .filter(|path| path.starts_with("strata"))
            .collect();

        assert_eq!(in_strata, expected, "{error}");
    }
    let error = problems_of(&edited(&[("code = \"south\"", "code = 5")]));
    let moved = problems_of(&edited(&[
        ("population = 600", "population = \"600\""),
        ("code = \"south\"", "code = 5"),
    ]));
    let line_of = |error: &SurveyFileError| {
        error
            .problems
            .iter()
            .find(|p| p.path.ends_with(".code"))
            .and_then(|p| p.line)
    };
    assert_eq!(line_of(&moved), line_of(&error), "{moved}");
}
