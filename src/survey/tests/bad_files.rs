//! Bad survey files, one case each: every problem names the file, the key path of the
//! value to fix and what was expected there.

use super::{edited, problems_of};
use crate::survey::FileProblem;

/// One bad-file case: the edits that break the file, the key path the problem must be
/// reported at, and words that must appear in what was expected or found.
struct BadFile {
    what: &'static str,
    edits: &'static [(&'static str, &'static str)],
    path: &'static str,
    says: &'static str,
}

const BAD_FILES: &[BadFile] = &[
    BadFile {
        what: "a threshold of 0, which every result meets",
        edits: &[("threshold = 0.8", "threshold = 0")],
        path: "indicators[satisfaction_rate].threshold",
        says: "a share from 0.01 to 1",
    },
    BadFile {
        what: "a share threshold so small that no result misses it",
        edits: &[("threshold = 0.8", "threshold = 1e-310")],
        path: "indicators[satisfaction_rate].threshold",
        says: "a share from 0.01 to 1",
    },
    BadFile {
        what: "a code a spreadsheet reads as a date",
        edits: &[("{ code = \"web\"", "{ code = \"1-5\"")],
        path: "questions[channels].options[1-5].code",
        says: "\"1-5\" reads as 5 January",
    },
    BadFile {
        what: "a code a spreadsheet reads as TRUE",
        edits: &[("{ code = \"web\"", "{ code = \"true\"")],
        path: "questions[channels].options[true].code",
        says: "not \"true\" or \"false\"",
    },
    BadFile {
        what: "a county whose name differs from the label residents pick it by",
        edits: &[("zh = \"北区\"\nen = \"North\"", "zh = \"南区\"\nen = \"North\"")],
        path: "strata.units[north].zh",
        says: "the name option \"north\" of question \"county\" shows residents, \"北区\"",
    },
    BadFile {
        what: "two counties residents would see under one name",
        edits: &[(
            "{ code = \"south\", zh = \"南区\"",
            "{ code = \"south\", zh = \"北区\"",
        )],
        path: "questions[county].options[south].zh",
        says: "\"北区\", which \"north\" has too",
    },
    BadFile {
        what: "two matrix items whose English differs only in case",
        edits: &[("en = \"School canteens\"", "en = \"wet Markets\"")],
        path: "questions[places].items[canteen].en",
        says: "text under en that no other item has",
    },
    BadFile {
        what: "a code written as a number",
        edits: &[("{ code = \"web\"", "{ code = 5")],
        path: "questions[channels].options[#2].code",
        says: "text in quotes",
    },
    BadFile {
        what: "a part's heading without its English",
        edits: &[(
            "id = \"county\"\n",
            "id = \"county\"\nsection = { zh = \"一、基本情况\" }\n",
        )],
        path: "questions[county].section.en",
        says: "this key is required",
    },
    BadFile {
        what: "a title without its English",
        edits: &[(
            "title = { zh = \"测试问卷\", en = \"Test survey\" }",
            "title = { zh = \"测试问卷\" }",
        )],
        path: "survey.title.en",
        says: "this key is required",
    },
    BadFile {
        what: "an offset from UTC without its sign and minutes",
        edits: &[("open_on_import = true", "open_on_import = true\nutc_offset = \"8\"")],
        path: "survey.utc_offset",
        says: "written like \"+08:00\"",
    },
    BadFile {
        what: "an unknown key in [survey]",
        edits: &[("open_on_import = true", "open_on_import = true\nopen_on_imports = true")],
        path: "survey.open_on_imports",
        says: "one of the keys id, title",
    },
    BadFile {
        what: "a misspelt key, with the key meant",
        edits: &[("open_on_import = true", "open_on_imprt = true")],
        path: "survey.open_on_imprt",
        says: "unknown key \"open_on_imprt\"; did you mean \"open_on_import\"?",
    },

    BadFile {
        what: "an unknown key deep inside an option",
        edits: &[(
            "{ code = \"tv\", zh = \"电视\", en = \"TV\" }",
            "{ code = \"tv\", zh = \"电视\", en = \"TV\", label = \"x\" }",
        )],
        path: "questions[channels].options[tv].label",
        says: "unknown key \"label\"",
    },
    BadFile {
        what: "an unknown section",
        edits: &[("[privacy]", "[extras]\nnote = 1\n\n[privacy]")],
        path: "extras",
        says: "unknown section \"extras\"",
    },
    BadFile {
        what: "a section written with a capital",
        edits: &[("[privacy]", "[Privacy]")],
        path: "Privacy",
        says: "unknown section \"Privacy\"; did you mean \"privacy\"?",
    },
    BadFile {
        what: "a block of indicators written in the singular",
        edits: &[("[[indicators]]", "[[indicator]]")],
        path: "indicator",
        says: "unknown section \"indicator\"; did you mean \"indicators\"?",
    },
    BadFile {
        what: "a required key left out",
        edits: &[("zh = \"您的性别\"\n", "")],
        path: "questions[sex].zh",
        says: "this key is required",
    },
    BadFile {
        what: "an empty English label",
        edits: &[("en = \"Your sex\"", "en = \"  \"")],
        path: "questions[sex].en",
        says: "English",
    },
    BadFile {
        what: "a survey id with capitals and spaces",
        edits: &[("id = \"small-test\"", "id = \"Small Test\"")],
        path: "survey.id",
        says: "a-z, 0-9 or \"-\"",
    },
    BadFile {
        what: "a date in quotes",
        edits: &[("fieldwork_start = 2016-10-10", "fieldwork_start = \"2016-10-10\"")],
        path: "survey.fieldwork_start",
        says: "without quotes",
    },
    BadFile {
        what: "a date with a time",
        edits: &[("fieldwork_start = 2016-10-10", "fieldwork_start = 2016-10-10T08:00:00")],
        path: "survey.fieldwork_start",
        says: "without a time",
    },
    BadFile {
        what: "fieldwork ending before it starts",
        edits: &[("fieldwork_end = 2016-11-30", "fieldwork_end = 2016-09-30")],
        path: "survey.fieldwork_end",
        says: "on or after fieldwork_start (2016-10-10)",
    },
    BadFile {
        what: "a scale without points",
        edits: &[("[privacy]", "[scales.empty]\npoints = []\n\n[privacy]")],
        path: "scales.empty.points",
        says: "at least 2 points",
    },
    BadFile {
        what: "a population in quotes",
        edits: &[("population = 600", "population = \"600\"")],
        path: "strata.units[north].population",
        says: "a population: a whole number greater than 0",
    },
    // Refused by the field's type, told as the check of its value tells a 0.
    BadFile {
        what: "a negative population",
        edits: &[("population = 400", "population = -400")],
        path: "strata.units[south].population",
        says: "a population: a whole number greater than 0 -400",
    },
    BadFile {
        what: "a population with a fraction",
        edits: &[("population = 400", "population = 400.5")],
        path: "strata.units[south].population",
        says: "a population: a whole number greater than 0 400.5",
    },
    BadFile {
        what: "a negative target sample",
        edits: &[("target_sample = 20", "target_sample = -20")],
        path: "strata.units[north].target_sample",
        says: "a whole number, at least 1",
    },
    BadFile {
        what: "a target sample too large to hold, told without contradicting the rule",
        edits: &[("target_sample = 20", "target_sample = 5000000000")],
        path: "strata.units[north].target_sample",
        says: "(or leave the key out) 5000000000, more than the most it can hold (4294967295)",
    },
    BadFile {
        what: "a target sample past 64 bits, told by its digits",
        edits: &[("target_sample = 20", "target_sample = 99999999999999999999")],
        path: "strata.units[north].target_sample",
        says: "(or leave the key out) 99999999999999999999, more than the most it can hold (4294967295)",
    },
    BadFile {
        what: "a target sample past 128 bits, told by its digits",
        edits: &[(
            "target_sample = 20",
            "target_sample = 0x1_0000_0000_0000_0000_0000_0000_0000_0000",
        )],
        path: "strata.units[north].target_sample",
        says: "(or leave the key out) 0x100000000000000000000000000000000, more than any number in a survey file can hold",
    },
    BadFile {
        what: "a population far below zero, told by its digits",
        edits: &[("population = 400", "population = -99999999999999999999")],
        path: "strata.units[south].population",
        says: "a population: a whole number greater than 0 -99999999999999999999",
    },
    BadFile {
        what: "a target sample too large to hold, in quotes",
        edits: &[("target_sample = 20", "target_sample = \"5000000000\"")],
        path: "strata.units[north].target_sample",
        says: "5000000000, more than the most it can hold (4294967295)",
    },
    BadFile {
        what: "a population of zero",
        edits: &[("population = 400", "population = 0")],
        path: "strata.units[south].population",
        says: "greater than 0",
    },
    BadFile {
        what: "a target sample of zero",
        edits: &[("target_sample = 20", "target_sample = 0")],
        path: "strata.units[north].target_sample",
        says: "at least 1",
    },
    BadFile {
        what: "a quota of zero",
        edits: &[("quota = 30", "quota = 0")],
        path: "strata.units[north].quota",
        says: "at least 1",
    },
    BadFile {
        what: "a quota below the target sample",
        edits: &[("quota = 30", "quota = 10")],
        path: "strata.units[north].quota",
        says: "at least target_sample (20)",
    },
    BadFile {
        what: "a stratum that is not an option of the stratum question",
        edits: &[("code = \"south\"\nzh = \"南区\"", "code = \"east\"\nzh = \"南区\"")],
        path: "strata.units",
        says: "strata without an option: \"east\"",
    },
    BadFile {
        what: "an option of the stratum question without a stratum",
        edits: &[("code = \"south\"\nzh = \"南区\"", "code = \"east\"\nzh = \"南区\"")],
        path: "questions[county].options",
        says: "options without a stratum: \"south\"",
    },
    BadFile {
        what: "two questions with role stratum",
        edits: &[("role = \"weighting\"", "role = \"stratum\"")],
        path: "questions[sex].role",
        says: "on one question only",
    },
    BadFile {
        what: "an optional stratum question",
        edits: &[("role = \"stratum\"", "role = \"stratum\"\nrequired = false")],
        path: "questions[county].required",
        says: "every response needs an answer",
    },
    BadFile {
        what: "a margin for an unknown question",
        edits: &[("question = \"sex\"\nsource", "question = \"gender\"\nsource")],
        path: "margins[gender].question",
        says: "\"gender\", which is not a question",
    },
    BadFile {
        what: "a weighting question without a margin",
        edits: &[("question = \"sex\"\nsource", "question = \"gender\"\nsource")],
        path: "questions[sex].role",
        says: "a [[margins]] block for this question",
    },
    BadFile {
        what: "a margin missing an option",
        edits: &[("targets = { female = 500, male = 500 }", "targets = { female = 500, men = 500 }")],
        path: "margins[sex].targets",
        says: "no count for \"male\"",
    },
    BadFile {
        what: "a margin with a code that is not an option",
        edits: &[("targets = { female = 500, male = 500 }", "targets = { female = 500, men = 500 }")],
        path: "margins[sex].targets",
        says: "not options: \"men\"",
    },
    BadFile {
        what: "margin totals off the strata population by more than 0.5%",
        edits: &[("targets = { female = 500, male = 500 }", "targets = { female = 500, male = 510 }")],
        path: "margins[sex].targets",
        says: "within 0.5%",
    },
    BadFile {
        what: "a maximum trimming factor below 1",
        edits: &[("trim_max_factor = 4.0", "trim_max_factor = 0.5")],
        path: "weighting.trim_max_factor",
        says: "at least 1",
    },
    BadFile {
        what: "a minimum trimming factor above 1",
        edits: &[("trim_max_factor = 4.0", "trim_max_factor = 4.0\ntrim_min_factor = 1.5")],
        path: "weighting.trim_min_factor",
        says: "at most 1",
    },
    BadFile {
        what: "a tolerance of zero",
        edits: &[("trim_max_factor = 4.0", "trim_max_factor = 4.0\ntolerance = 0.0")],
        path: "weighting.tolerance",
        says: "greater than 0",
    },
    BadFile {
        what: "no raking sweeps",
        edits: &[("trim_max_factor = 4.0", "trim_max_factor = 4.0\nmax_sweeps = 0")],
        path: "weighting.max_sweeps",
        says: "from 1",
    },
    BadFile {
        what: "two questions with the same id (the second named by its place, and its line)",
        edits: &[("id = \"knows_date\"", "id = \"knows_rule\"")],
        path: "questions[#10].id",
        says: "used only once",
    },
    BadFile {
        what: "a question id that cannot be a column name",
        edits: &[("id = \"suggestion\"", "id = \"2nd-suggestion\"")],
        path: "questions[2nd-suggestion].id",
        says: "a lowercase letter",
    },
    BadFile {
        what: "an unknown question kind",
        edits: &[("kind = \"yesno\"\nzh = \"您知道", "kind = \"yes_no\"\nzh = \"您知道")],
        path: "questions[aware].kind",
        says: "\"single\", \"multiple\", \"yesno\"",
    },
    BadFile {
        what: "a misspelt question kind, with the kind meant",
        edits: &[("kind = \"yesno\"\nzh = \"您知道", "kind = \"yesnoo\"\nzh = \"您知道")],
        path: "questions[aware].kind",
        says: "\"yesnoo\"; did you mean \"yesno\"?",
    },
    BadFile {
        what: "two options with the same code",
        edits: &[("{ code = \"web\", zh = \"网络\"", "{ code = \"tv\", zh = \"网络\"")],
        path: "questions[channels].options",
        says: "\"tv\" more than once",
    },
    BadFile {
        what: "an option code with spaces",
        edits: &[("{ code = \"friends\"", "{ code = \"Friends & family\"")],
        path: "questions[channels].options[#3].code",
        says: "1 to 32 characters",
    },
    BadFile {
        what: "an option code a spreadsheet would read as a formula",
        edits: &[("{ code = \"friends\"", "{ code = \"-friends\"")],
        path: "questions[channels].options[-friends].code",
        says: "not starting with \"-\"",
    },
    BadFile {
        what: "an option code a spreadsheet would show without its leading zero",
        edits: &[("{ code = \"friends\"", "{ code = \"07\"")],
        path: "questions[channels].options[07].code",
        says: "\"01\" shows as 1",
    },
    BadFile {
        what: "a choice question without options",
        edits: &[("kind = \"text\"", "kind = \"single\"")],
        path: "questions[suggestion].options",
        says: "at least 2 options",
    },
    BadFile {
        what: "a key that belongs to another kind of question",
        edits: &[("kind = \"text\"", "kind = \"single\"")],
        path: "questions[suggestion].max_length",
        says: "it belongs to kind text",
    },
    BadFile {
        what: "more allowed choices than options",
        edits: &[("max_choices = 2", "max_choices = 5")],
        path: "questions[channels].max_choices",
        says: "from 1 to 3",
    },
    BadFile {
        what: "an unknown scale",
        edits: &[("scale = \"satisfaction\"\nitems", "scale = \"satisfied\"\nitems")],
        path: "questions[places].scale",
        says: "one of the scales defined: \"satisfaction\"",
    },
    BadFile {
        what: "a number question whose minimum is not below its maximum",
        edits: &[("min = 18\nmax = 120", "min = 120\nmax = 18")],
        path: "questions[age].max",
        says: "greater than min (120)",
    },
    BadFile {
        what: "a free-text question as a quasi-identifier",
        edits: &[("max_length = 10", "max_length = 10\nquasi_identifier = true")],
        path: "questions[suggestion].quasi_identifier",
        says: "false for a text question",
    },
    BadFile {
        what: "a number question as a quasi-identifier (k-anonymity groups codes, not numbers)",
        edits: &[("integer = true", "integer = true\nquasi_identifier = true")],
        path: "questions[age].quasi_identifier",
        says: "only a question answered with one code (single, yesno or scale) can be a quasi-identifier",
    },
    BadFile {
        what: "a condition on an unknown question",
        edits: &[("show_if = { question = \"aware\"", "show_if = { question = \"awareness\"")],
        path: "questions[channels].show_if.question",
        says: "\"awareness\", which is not a question",
    },
    BadFile {
        what: "a condition on a later question",
        edits: &[("show_if = { question = \"channels\"", "show_if = { question = \"knows_rule\"")],
        path: "questions[tv_follow_up].show_if.question",
        says: "an earlier question",
    },
    BadFile {
        what: "a condition on a code the question does not have",
        edits: &[("any_of = [\"yes\"]", "any_of = [\"oui\"]")],
        path: "questions[channels].show_if.any_of",
        says: "\"oui\"",
    },
    BadFile {
        what: "a condition on a matrix",
        edits: &[(
            "show_if = { question = \"channels\", any_of = [\"tv\"] }",
            "show_if = { question = \"places\", any_of = [\"5\"] }",
        )],
        path: "questions[tv_follow_up].show_if.question",
        says: "a single, multiple, yesno or scale question",
    },
    BadFile {
        what: "two indicators with the same id",
        edits: &[("id = \"aware_rate\"", "id = \"satisfaction_rate\"")],
        path: "indicators[#4].id",
        says: "used only once",
    },
    BadFile {
        what: "an indicator on an unknown question",
        edits: &[("question = \"aware\"\nsuccess", "question = \"awareness\"\nsuccess")],
        path: "indicators[aware_rate].question",
        says: "\"awareness\", which is not a question",
    },
    BadFile {
        what: "an indicator on an unknown matrix item",
        edits: &[("item = \"canteen\"", "item = \"kitchen\"")],
        path: "indicators[canteen_score].item",
        says: "\"kitchen\"",
    },
    BadFile {
        what: "a success code the question does not have",
        edits: &[("success = [\"5\", \"4\"]", "success = [\"5\", \"4\", \"6\"]")],
        path: "indicators[satisfaction_rate].success",
        says: "\"6\"",
    },
    BadFile {
        what: "an excluded code the question does not have",
        edits: &[("excluded = [\"dk\"]", "excluded = [\"dunno\"]")],
        path: "indicators[satisfaction_rate].excluded",
        says: "\"dunno\"",
    },
    BadFile {
        what: "a score above 100",
        edits: &[("scores = { \"5\" = 100", "scores = { \"5\" = 120")],
        path: "indicators[satisfaction_score].scores.5",
        says: "from 0 to 100",
    },
    BadFile {
        what: "a scale point without a score",
        edits: &[("\"2\" = 30, \"1\" = 0 }", "\"2\" = 30 }")],
        path: "indicators[satisfaction_score].scores",
        says: "no score for \"1\"",
    },
    BadFile {
        what: "a proportion threshold written as a percentage",
        edits: &[("threshold = 0.85", "threshold = 85")],
        path: "indicators[aware_rate].threshold",
        says: "write 85% as 0.85",
    },
    BadFile {
        what: "a score threshold above 100",
        edits: &[("threshold = 60", "threshold = 600")],
        path: "indicators[knowledge].threshold",
        says: "a score out of 100, above 1",
    },
    BadFile {
        what: "a score threshold below 1 that is not a share either",
        edits: &[("threshold = 60", "threshold = -5")],
        path: "indicators[knowledge].threshold",
        says: "a score out of 100, above 1",
    },
    BadFile {
        what: "a score threshold of 1, a share of 100% written for a score",
        edits: &[("threshold = 60", "threshold = 1")],
        path: "indicators[knowledge].threshold",
        says: "not a share (for 100 points write 100)",
    },
    BadFile {
        what: "a score threshold written as a share",
        edits: &[("threshold = 60", "threshold = 0.7")],
        path: "indicators[knowledge].threshold",
        says: "not a share (for 70 points write 70)",
    },
    BadFile {
        what: "a source note written as a number",
        edits: &[("source = \"Test quiz.\"", "source = 2016")],
        path: "indicators[knowledge].source",
        says: "a text, or a table { zh",
    },
    BadFile {
        what: "a source note in both languages without its English",
        edits: &[("source = \"Test quiz.\"", "source = { zh = \"测试题。\" }")],
        path: "indicators[knowledge].source.en",
        says: "this key is required",
    },
    BadFile {
        what: "negative points",
        edits: &[("points = 10\nsource = \"Test quiz.\"", "points = -10\nsource = \"Test quiz.\"")],
        path: "indicators[knowledge].points",
        says: "0 or more",
    },
    BadFile {
        what: "a quiz answer the question does not have",
        edits: &[("knows_rule = \"right\"", "knows_rule = \"yes\"")],
        path: "indicators[knowledge].answers.knows_rule",
        says: "\"yes\"",
    },
    BadFile {
        what: "a quiz question that not everyone sees",
        edits: &[(
            "id = \"knows_date\"\nkind = \"single\"",
            "id = \"knows_date\"\nkind = \"single\"\nshow_if = { question = \"aware\", any_of = [\"yes\"] }",
        )],
        path: "indicators[knowledge].answers.knows_date",
        says: "shown to everyone",
    },
    BadFile {
        what: "a key that belongs to another kind of indicator",
        edits: &[("kind = \"correct_share\"", "kind = \"correct_share\"\nquestion = \"overall\"")],
        path: "indicators[knowledge].question",
        says: "only answers in a correct_share indicator",
    },
    BadFile {
        what: "points that do not add up to the rubric total",
        edits: &[("total_points = 100", "total_points = 90")],
        path: "rubric.total_points",
        says: "the sum of the indicators' points (100)",
    },
    BadFile {
        what: "an exclusion rule without its threshold",
        edits: &[("min_duration_seconds = 60\n", "")],
        path: "quality.min_duration_seconds",
        says: "exclude lists \"too_fast\"",
    },
    BadFile {
        what: "a straightlining rule no matrix can trigger",
        edits: &[("straightlining_min_items = 2", "straightlining_min_items = 3")],
        path: "quality.straightlining_min_items",
        says: "at most 2",
    },
    BadFile {
        what: "an unknown quality flag",
        edits: &[("exclude = [\"too_fast\", \"straightlining\"]", "exclude = [\"too_slow\"]")],
        path: "quality.exclude[#1]",
        says: "\"too_fast\", \"straightlining\", \"duplicate_client\"",
    },
    BadFile {
        what: "k-anonymity of 1",
        edits: &[("k_anonymity = 5", "k_anonymity = 1")],
        path: "privacy.k_anonymity",
        says: "at least 2",
    },
    BadFile {
        what: "a public cell smaller than k",
        edits: &[("min_public_cell = 30", "min_public_cell = 3")],
        path: "privacy.min_public_cell",
        says: "at least k_anonymity (5)",
    },
];

#[test]
fn each_bad_file_names_the_file_the_key_path_and_what_was_expected() {
    for case in BAD_FILES {
        let error = problems_of(&edited(case.edits));

        assert_eq!(error.file, "small.toml", "{}", case.what);
        let at_path: Vec<&FileProblem> = error
            .problems
            .iter()
            .filter(|problem| problem.path == case.path)
            .collect();
        assert!(
            !at_path.is_empty(),
            "{}: no problem at {}; got:\n{error}",
            case.what,
            case.path
        );
        let said: Vec<String> = at_path
            .iter()
            .map(|problem| {
                format!(
                    "{} {}",
                    problem.expected,
                    problem
                        .found
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default()
                )
            })
            .collect();
        assert!(
            said.iter().any(|said| said.contains(case.says)),
            "{}: expected a problem at {} to say {:?}; they say {said:?}",
            case.what,
            case.path,
            case.says
        );
        assert!(
            at_path.iter().all(|problem| problem.line.is_some()),
            "{}: a problem without a line: {at_path:?}",
            case.what
        );
        assert!(
            error
                .to_string()
                .lines()
                .any(|line| line.starts_with(&format!("small.toml: {}: expected ", case.path))),
            "{}: display\n{error}",
            case.what
        );
    }
}

#[test]
#[ignore = "prints every bad-file message for a human to read"]
fn print_bad_file_messages() {
    for case in BAD_FILES {
        println!("## {}\n{}\n", case.what, problems_of(&edited(case.edits)));
    }
}

#[test]
fn a_section_or_block_of_the_wrong_shape_says_a_table_was_expected() {
    let cases = [
        ("questions = [1, 2]", "questions[#1]", "1"),
        ("[scales]\nx = 1", "scales.x", "1"),
        ("survey = []", "survey", "a list"),
        ("[survey]\ntitle = \"x\"", "survey.title", "\"x\""),
    ];
    for (source, path, found) in cases {
        let error = problems_of(source);
        let problem = error.problems.iter().find(|problem| problem.path == path);

        let problem = problem.unwrap_or_else(|| panic!("{source:?}: nothing at {path}:\n{error}"));
        assert!(
            problem.expected.to_string().starts_with("a table"),
            "{source:?}: {problem}"
        );
        assert_eq!(
            problem.found.as_ref().map(ToString::to_string).as_deref(),
            Some(found),
            "{source:?}"
        );
    }
}

#[test]
fn a_code_given_to_two_options_is_reported_once_not_again_where_the_lost_code_is_used() {
    // "tv" becomes a second "web": the condition on "tv" is not what the publisher should fix.
    let error = problems_of(&edited(&[(
        "{ code = \"tv\", zh = \"电视\"",
        "{ code = \"web\", zh = \"电视\"",
    )]));

    let paths: Vec<&str> = error.problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["questions[channels].options"], "{error}");
    assert!(
        error.to_string().contains("\"web\" more than once"),
        "{error}"
    );
}

#[test]
fn a_matrix_left_with_one_item_is_reported_once_not_again_by_what_refers_to_its_items() {
    let one_item = edited(&[(
        "  { code = \"canteen\", zh = \"学校食堂\", en = \"School canteens\" },\n",
        "",
    )]);

    let error = problems_of(&one_item);

    let paths: Vec<&str> = error.problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["questions[places].items"], "{error}");
    assert!(error.to_string().contains("at least 2 items"), "{error}");
}
