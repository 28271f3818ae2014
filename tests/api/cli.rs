//! The `minyi` command line, run as a user would run it.

use std::process::{Command, Output};

use crate::helpers::*;

fn minyi(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("MINYI_LOG", "warn")
        // English, whatever the machine's LANG: the tests read the English.
        .env("MINYI_LANG", "en")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("minyi runs")
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn survey_check_accepts_the_example() {
    let db = TestDatabase::new(Backend::Sqlite);
    let out = minyi(
        &db.raw_url,
        &["survey", "check", "surveys/jiaxing-food-safety-2016.toml"],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("ok"), "{stdout}");
    assert!(
        stdout.contains("note: open_on_import = true: importing this file, or starting the server with it in the surveys folder, opens it to residents at once"),
        "what a copy of the example would do on import: {stdout}"
    );
    assert!(
        stdout.contains("note: its planned fieldwork ended on 2016-11-30"),
        "and its dates, long past: {stdout}"
    );
    assert!(
        !db.sqlite_file().exists(),
        "checking a file touches no database"
    );
}

#[test]
fn survey_check_names_the_file_the_key_and_the_expectation() {
    let dir = tempfile::tempdir().unwrap();
    let source =
        std::fs::read_to_string(repo_path("surveys/jiaxing-food-safety-2016.toml")).unwrap();
    let bad = source.replacen("population = 612663", "population = -5", 1);
    assert_ne!(
        bad, source,
        "the example declares Nanhu's population as expected by this test"
    );
    let file = dir.path().join("bad-population.toml");
    std::fs::write(&file, bad).unwrap();

    let out = minyi(
        "sqlite://unused.db",
        &["survey", "check", file.to_str().unwrap()],
    );

    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("bad-population.toml"),
        "names the file: {stderr}"
    );
    assert!(stderr.contains("population"), "names the key: {stderr}");
}

#[test]
fn status_json_reports_state_version_and_counts_by_county() {
    let db = TestDatabase::new(Backend::Sqlite);
    let import = minyi(
        &db.raw_url,
        &["survey", "import", "surveys/jiaxing-food-safety-2016.toml"],
    );
    assert!(import.status.success(), "{:?}", text(&import));

    let out = minyi(&db.raw_url, &["survey", "status", EXAMPLE_ID, "--json"]);

    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let status: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    assert_eq!(status["state"], "open", "the example opens on import");
    assert_eq!(
        status["version"].as_str().map(str::len),
        Some(64),
        "a SHA-256 version"
    );
    assert_eq!(status["responses"], 0);
    let by_stratum = status["by_stratum"].as_object().expect("counts by county");
    assert_eq!(
        by_stratum.len(),
        7,
        "the seven county-level units of Jiaxing"
    );
    assert_eq!(by_stratum["nanhu"], 0);
}

#[test]
fn an_illegal_transition_fails_with_the_reason() {
    let db = TestDatabase::new(Backend::Sqlite);
    assert!(minyi(
        &db.raw_url,
        &["survey", "import", "surveys/jiaxing-food-safety-2016.toml"]
    )
    .status
    .success());

    let out = minyi(&db.raw_url, &["survey", "publish", EXAMPLE_ID]);

    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("close it first"), "{stderr}");
    assert_eq!(
        stderr.matches("cannot publish").count(),
        1,
        "the reason is said once: {stderr}"
    );
    assert!(minyi(&db.raw_url, &["survey", "close", EXAMPLE_ID])
        .status
        .success());
    let empty = minyi(&db.raw_url, &["survey", "publish", EXAMPLE_ID]);
    assert!(
        !empty.status.success(),
        "nothing to publish without responses"
    );
    assert!(
        text(&empty).1.contains("no usable responses"),
        "{:?}",
        text(&empty)
    );
    let none_simulated = minyi(
        &db.raw_url,
        &["survey", "publish", EXAMPLE_ID, "--simulated", "5"],
    );
    assert!(
        text(&none_simulated).1.contains(
            "survey jiaxing-food-safety-2016 holds no simulated responses, not 5: is it the \
             survey you meant?"
        ),
        "{:?}",
        text(&none_simulated)
    );
    assert!(
        minyi(&db.raw_url, &["survey", "open", EXAMPLE_ID])
            .status
            .success(),
        "a closed survey can reopen"
    );
    assert!(
        minyi(&db.raw_url, &["simulate", EXAMPLE_ID, "--responses", "700"])
            .status
            .success()
    );
    assert!(minyi(&db.raw_url, &["survey", "close", EXAMPLE_ID])
        .status
        .success());
    let unsaid = minyi(&db.raw_url, &["survey", "publish", EXAMPLE_ID]);
    let miscounted = minyi(
        &db.raw_url,
        &["survey", "publish", EXAMPLE_ID, "--simulated", "699"],
    );
    let published = minyi(
        &db.raw_url,
        &["survey", "publish", EXAMPLE_ID, "--simulated", "700"],
    );
    let unknown = minyi(
        &db.raw_url,
        &["survey", "publish", "no-such-survey", "--simulated", "700"],
    );

    assert!(!unsaid.status.success() && !miscounted.status.success());
    assert!(
        text(&unsaid).1.contains(
            "survey jiaxing-food-safety-2016 holds 700 simulated responses (channel \"simulated\"); \
             published, they would mark the public page and the result set for good. Delete them \
             first (`minyi simulate jiaxing-food-safety-2016 --remove`), or, to publish them all \
             the same (a demonstration), pass --simulated 700"
        ),
        "simulated responses are published only when their number is given: {:?}",
        text(&unsaid)
    );
    assert!(
        text(&miscounted)
            .1
            .contains("700 simulated responses (channel \"simulated\"), not 699;"),
        "{:?}",
        text(&miscounted)
    );
    assert!(
        !unknown.status.success() && text(&unknown).1.contains("no-such-survey"),
        "an unknown survey is said as such: {:?}",
        text(&unknown)
    );
    assert!(published.status.success(), "{:?}", text(&published));
    assert!(
        text(&published).0.contains("published"),
        "{:?}",
        text(&published)
    );
    assert!(
        text(&published)
            .0
            .contains("nobody is told by mail: no evaluator is granted the survey"),
        "no promise of mail that nobody gets: {:?}",
        text(&published)
    );
}

#[test]
fn a_mistyped_database_url_is_refused_and_creates_no_file() {
    for (url, said) in [
        (
            "postgress://postgres@127.0.0.1/minyi",
            "the scheme \"postgress\"",
        ),
        (
            "postgres//127.0.0.1/minyi",
            "looks like a database URL with a typo",
        ),
        ("sqlite://", "names no database file"),
        (":memory:", "never only in memory"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_minyi"))
            .args(["survey", "list"])
            .env("DATABASE_URL", url)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let (_, stderr) = text(&out);
        assert!(!out.status.success());
        assert!(stderr.contains(said), "{url}: {stderr}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{url}: no stray file or directory"
        );
    }
}

#[test]
fn simulate_then_evaluate_prints_the_component_and_warns_about_simulated_data() {
    let db = TestDatabase::new(Backend::Sqlite);
    assert!(minyi(
        &db.raw_url,
        &["survey", "import", "surveys/jiaxing-food-safety-2016.toml"]
    )
    .status
    .success());

    let simulated = minyi(
        &db.raw_url,
        &[
            "simulate",
            EXAMPLE_ID,
            "--responses",
            "1400",
            "--seed",
            "42",
        ],
    );
    let (stdout, stderr) = text(&simulated);
    assert!(simulated.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("1400 simulated responses stored"),
        "{stdout}"
    );

    let json = minyi(&db.raw_url, &["evaluate", EXAMPLE_ID, "--format", "json"]);
    let (stdout, stderr) = text(&json);
    assert!(json.status.success(), "{stderr}");
    assert!(
        stderr.contains("simulated"),
        "a warning on stderr too: {stderr}"
    );
    let document: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let evaluation = &document["evaluation"];
    assert_eq!(evaluation["includes_simulated"], true);
    assert_eq!(evaluation["domains"][0]["code"], "city");
    assert_eq!(evaluation["domains"].as_array().map(Vec::len), Some(8));
    let city_points = evaluation["domains"][0]["points"].as_f64().expect("points");
    assert!((0.0..=100.0).contains(&city_points));

    let table = minyi(&db.raw_url, &["evaluate", EXAMPLE_ID]);
    let (stdout, _) = text(&table);
    assert!(
        stdout.starts_with("!!! SIMULATED RESPONSES INCLUDED"),
        "{stdout}"
    );
    assert!(stdout.contains("satisfaction_score"), "{stdout}");

    let csv = minyi(&db.raw_url, &["evaluate", EXAMPLE_ID, "--format", "csv"]);
    let (stdout, _) = text(&csv);
    assert_eq!(
        stdout.lines().count(),
        1 + 8 * 7,
        "a header and one row per domain and indicator"
    );
    assert!(
        csv.stdout
            .starts_with("\u{feff}domain,domain_zh,".as_bytes()),
        "Excel-ready by default, as the export: {stdout}"
    );
    assert!(stdout.contains("南湖区"), "county names in Chinese");
    let plain = minyi(
        &db.raw_url,
        &[
            "evaluate",
            EXAMPLE_ID,
            "--format",
            "csv",
            "--encoding",
            "utf8",
        ],
    );
    assert!(
        plain.stdout.starts_with(b"domain,domain_zh,"),
        "no byte-order mark when asked"
    );
}

#[test]
fn evaluating_a_survey_without_responses_says_so() {
    let db = TestDatabase::new(Backend::Sqlite);
    assert!(minyi(
        &db.raw_url,
        &["survey", "import", "surveys/jiaxing-food-safety-2016.toml"]
    )
    .status
    .success());
    let out = minyi(&db.raw_url, &["evaluate", EXAMPLE_ID]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("no usable responses"), "{stderr}");
}

#[test]
fn a_database_that_cannot_be_opened_is_named_once_with_what_to_check() {
    let dir = tempfile::tempdir().unwrap();
    let directory = dir.path().display().to_string();

    let sqlite = minyi(&format!("sqlite://{directory}"), &["survey", "list"]);

    let (_, said) = text(&sqlite);
    assert!(!sqlite.status.success());
    assert_eq!(
        said.trim(),
        format!("error: cannot open the SQLite database {directory}: unable to open database file. Check that {directory} is a file (or not there yet), that this user may write in its directory (SQLite writes {directory}-wal and {directory}-shm beside it), or set DATABASE_URL to another path."),
        "one line, not the pool's retries"
    );
}

#[test]
fn a_postgresql_database_that_does_not_exist_is_named_without_its_password() {
    let Some(server) = postgres_server() else {
        eprintln!("PostgreSQL not configured (MINYI_TEST_POSTGRES)");
        return;
    };
    let (base, query) = server.split_once('?').unwrap_or((&server, ""));
    let (host, _) = base
        .rsplit_once('/')
        .expect("a database in MINYI_TEST_POSTGRES");
    let with_password = host.replacen("://postgres@", "://postgres:hunter2@", 1);
    // The password in the user part, or as a parameter (libpq takes both).
    for url in [
        format!("{with_password}/minyi_missing_database?{query}"),
        format!("{host}/minyi_missing_database?{query}&password=hunter2"),
    ] {
        let out = minyi(&url, &["survey", "list"]);

        let (_, said) = text(&out);
        assert!(!out.status.success());
        assert!(
            said.contains("minyi_missing_database") && said.contains("does not exist"),
            "{said}"
        );
        assert!(said.contains("Create the database first"), "{said}");
        assert!(
            !said.contains("hunter2"),
            "the password is not printed: {said}"
        );
        assert_eq!(said.trim().lines().count(), 1, "said once: {said}");
    }
}

#[test]
fn evaluate_says_when_the_released_figures_differ_and_prints_them_on_request() {
    let db = TestDatabase::new(Backend::Sqlite);
    let run = |args: &[&str]| {
        let out = minyi(&db.raw_url, args);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{args:?}: {stdout}{stderr}");
        (stdout, stderr)
    };
    run(&["survey", "import", "surveys/jiaxing-food-safety-2016.toml"]);
    // With this seed k-anonymity suppresses 10 rows (README, "Weights on the released categories").
    run(&["simulate", EXAMPLE_ID, "--responses", "1400", "--seed", "7"]);
    let while_open = minyi(&db.raw_url, &["evaluate", EXAMPLE_ID, "--as-released"]);
    let (_, open_said) = text(&while_open);
    let (_, quiet_while_open) = run(&["evaluate", EXAMPLE_ID]);
    run(&["survey", "close", EXAMPLE_ID]);
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().to_str().unwrap();
    run(&["export", EXAMPLE_ID, "--out", out_dir, "--encoding", "utf8"]);
    let zip = std::fs::read_dir(dir.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let files = crate::resultset::unzip(&std::fs::read(zip).unwrap());

    let (_, note) = run(&["evaluate", EXAMPLE_ID, "--stored"]);
    let (released_csv, released_note) = run(&[
        "evaluate",
        EXAMPLE_ID,
        "--format",
        "csv",
        "--encoding",
        "utf8",
    ]);
    let (insisted_csv, _) = run(&[
        "evaluate",
        EXAMPLE_ID,
        "--as-released",
        "--format",
        "csv",
        "--encoding",
        "utf8",
    ]);

    assert!(
        !while_open.status.success()
            && open_said
                .contains("has no released figures yet: they are computed once it is closed"),
        "{open_said}"
    );
    assert!(
        !quiet_while_open.contains("note:"),
        "nothing released to differ from: {quiet_while_open}"
    );
    assert!(
        note.contains("these are the figures of every stored response, not the published ones")
            && note.contains(&format!(
                "leaves out {} responses suppressed for release. Estimates that differ from these: ",
                crate::resultset::manifest(&files).anonymization.suppressed_rows
            ))
            && note.contains(&format!(
                "`minyi evaluate {EXAMPLE_ID}` prints the released figures"
            )),
        "{note}"
    );
    assert_eq!(
        released_csv.as_bytes(),
        crate::resultset::file(&files, "estimates.csv"),
        "once closed, the result set's estimates are the default, byte for byte"
    );
    assert_eq!(released_csv, insisted_csv, "--as-released: the same");
    assert!(
        released_note.contains("these are the released figures")
            && released_note.contains(&format!(
                "`minyi evaluate {EXAMPLE_ID} --stored` prints those"
            )),
        "{released_note}"
    );
}

#[test]
fn a_survey_file_saved_as_gbk_is_named_with_how_to_save_it_as_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gbk.toml");
    // "您的性别" in GBK, as Notepad on Chinese Windows saves "ANSI".
    std::fs::write(
        &file,
        b"[survey]\nid = \"x\"\n# \xc4\xfa\xb5\xc4\xd0\xd4\xb1\xf0\n",
    )
    .unwrap();

    let out = minyi(
        "sqlite://unused.db",
        &["survey", "check", file.to_str().unwrap()],
    );

    let (_, said) = text(&out);
    assert!(!out.status.success());
    assert!(
        said.contains("gbk.toml is not UTF-8 text: it was probably saved as GBK (ANSI) or UTF-16. Save it as UTF-8"),
        "{said}"
    );
}

#[test]
fn a_word_document_or_a_pdf_checked_as_a_survey_file_is_named_for_what_it_is() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, said) in [
        (
            "问卷.docx",
            &b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xdf\xa4\xd2lZ\x01"[..],
            "问卷.docx is a Word, Excel or WPS document (or another zip archive), not a survey file",
        ),
        (
            "问卷.pdf",
            &b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"[..],
            "问卷.pdf is a PDF, not a survey file",
        ),
        (
            "unicode.toml",
            &[0xFF, 0xFE, b'[', 0x00, b's', 0x00][..],
            "unicode.toml was saved as UTF-16 (\"Unicode\"), not UTF-8",
        ),
    ] {
        let file = dir.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let out = minyi("sqlite://unused.db", &["survey", "check", file.to_str().unwrap()]);
        let (_, told) = text(&out);
        assert!(!out.status.success(), "{name}");
        assert!(told.contains(said), "{name}: {told}");
    }
}

/// An official whose terminal speaks Chinese reads the checker in Chinese, as the import page
/// says it; `MINYI_LANG` chooses either way.
#[test]
fn survey_check_speaks_chinese_to_a_chinese_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("问卷.toml");
    let example = std::fs::read_to_string("surveys/jiaxing-food-safety-2016.toml").unwrap();
    std::fs::write(
        &file,
        example.replacen("population = 612663", "population = \"61万\"", 1),
    )
    .unwrap();
    let check = |env: &[(&str, &str)]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_minyi"));
        command.args(["survey", "check", file.to_str().unwrap()]);
        for name in ["MINYI_LANG", "LC_ALL", "LC_MESSAGES", "LANG"] {
            command.env_remove(name);
        }
        let out = command
            .envs(env.iter().copied())
            .output()
            .expect("minyi runs");
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };

    let chinese = check(&[("LANG", "zh_CN.UTF-8")]);
    let english = check(&[("LANG", "C.UTF-8")]);
    let chosen = check(&[("LANG", "zh_CN.UTF-8"), ("MINYI_LANG", "en")]);

    assert!(
        chinese.starts_with("错误：")
            && chinese.contains("问卷.toml：第 97 行 · strata.units[nanhu].population：应为：大于 0 的整数（人口数）；实际为：\"61万\"。数字要用阿拉伯数字写全")
            && chinese.contains("数字要用阿拉伯数字写全，不用“万”“亿”：61万 应写成 610000。"),
        "{chinese}"
    );
    assert!(
        english.starts_with("error: ")
            && english
                .contains("expected a population: a whole number greater than 0, found \"61万\""),
        "{english}"
    );
    assert_eq!(chosen, english, "MINYI_LANG wins");

    let db = TestDatabase::new(Backend::Sqlite);
    let import = Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args(["survey", "import", file.to_str().unwrap()])
        .env("DATABASE_URL", &db.raw_url)
        .env("MINYI_LANG", "zh")
        .env("MINYI_LOG", "warn")
        .output()
        .expect("minyi runs");
    let imported = String::from_utf8_lossy(&import.stderr);
    assert!(!import.status.success());
    assert!(
        imported.contains("错误：")
            && imported.contains("应为：大于 0 的整数（人口数）；实际为：\"61万\""),
        "an import refused says it as the check does: {imported}"
    );
}

/// Not only a file's mistakes: a file saved as GBK, the check passed and its notes are said in
/// Chinese to a Chinese terminal too.
#[test]
fn survey_check_says_every_line_in_chinese_to_a_chinese_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let gbk = dir.path().join("gbk.toml");
    std::fs::write(&gbk, b"[survey]\nid = \"\xc4\xfa\"\n").unwrap();
    let check = |file: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_minyi"))
            .args(["survey", "check", file])
            .env("MINYI_LANG", "zh")
            .output()
            .expect("minyi runs");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), said)
    };

    let (refused_ok, refused) = check(gbk.to_str().unwrap());
    let (passed_ok, passed) = check("surveys/jiaxing-food-safety-2016.toml");

    assert!(!refused_ok);
    assert!(
        refused
            .starts_with("错误：gbk.toml 不是 UTF-8 编码的文本，多半是存成了 GBK（ANSI）或 UTF-16"),
        "{refused}"
    );
    assert!(passed_ok, "{passed}");
    assert!(
        passed.starts_with(
            "surveys/jiaxing-food-safety-2016.toml: 检查通过（问卷 jiaxing-food-safety-2016："
        ) && passed.contains("\n提示：open_on_import = true：导入这个文件")
            && !passed.contains("note:")
            && !passed.contains(" ok ("),
        "{passed}"
    );
}

#[test]
fn an_error_that_quotes_its_cause_says_it_once() {
    let db = TestDatabase::new(Backend::Sqlite);
    let run = |args: &[&str]| text(&minyi(&db.raw_url, args));
    run(&["survey", "import", "surveys/jiaxing-food-safety-2016.toml"]);
    run(&["simulate", EXAMPLE_ID, "--responses", "250", "--seed", "3"]);
    run(&["survey", "close", EXAMPLE_ID]);
    let dir = tempfile::tempdir().unwrap();

    let (_, said) = run(&["export", EXAMPLE_ID, "--out", dir.path().to_str().unwrap()]);

    assert!(
        said.starts_with("error: cannot compute the result set"),
        "{said}"
    );
    // The cause (here a census category no released row falls in) said once, not again at the
    // end by a wrapper that quotes its source.
    assert_eq!(said.matches("weighting failed").count(), 1, "{said}");
    assert_eq!(said.matches("has no respondents").count(), 1, "{said}");
}

#[test]
fn a_command_run_where_there_is_no_database_says_it_makes_an_empty_one() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("elsewhere.db");
    let url = format!("sqlite://{}", missing.display());

    let first = minyi(&url, &["survey", "list"]);
    let second = minyi(&url, &["survey", "list"]);

    let (_, said) = text(&first);
    assert!(
        said.contains(&format!(
            "note: no database at {} yet (DATABASE_URL names it): a new, empty one is made",
            missing.display()
        )),
        "{said}"
    );
    let (_, said_again) = text(&second);
    assert!(
        !said_again.contains("note: no database"),
        "once it exists, nothing is said: {said_again}"
    );
}

#[test]
fn output_piped_to_a_reader_that_stops_early_ends_quietly() {
    let db = TestDatabase::new(Backend::Sqlite);
    assert!(minyi(
        &db.raw_url,
        &["survey", "import", "surveys/jiaxing-food-safety-2016.toml"]
    )
    .status
    .success());
    // Printed line by line (`survey source`) and written whole (`progress --format csv`).
    for args in [
        vec!["survey", "source", EXAMPLE_ID],
        vec!["progress", EXAMPLE_ID, "--format", "csv"],
    ] {
        // As `| head -0` does: the reader is gone before anything is written.
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_minyi"))
            .args(&args)
            .env("DATABASE_URL", &db.raw_url)
            .env("MINYI_LOG", "warn")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .expect("minyi runs");

        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.is_empty(),
            "{args:?}: no panic, no error, nothing said: {stderr}"
        );
        assert_eq!(
            out.status.code(),
            Some(141),
            "{args:?}: ends as a Unix tool does on a closed pipe"
        );
    }
}

/// The lines `minyi serve` prints on starting, until the banner's last (read for 10 s at most).
fn serve_banner(db: &TestDatabase) -> Vec<String> {
    serve_banner_bound(db, "127.0.0.1:0")
}

fn serve_banner_bound(db: &TestDatabase, bind: &str) -> Vec<String> {
    serve_banner_with(db, bind, &[])
}

fn serve_banner_with(db: &TestDatabase, bind: &str, env: &[(&str, &str)]) -> Vec<String> {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_minyi"))
        .arg("serve")
        .env("DATABASE_URL", &db.raw_url)
        .env("MINYI_BIND", bind)
        .env("MINYI_LOG", "warn")
        .envs(env.iter().copied())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("minyi starts");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut lines = Vec::new();
    while let Ok(line) = rx.recv_timeout(std::time::Duration::from_secs(10)) {
        let open = line.contains("open: ");
        lines.push(line);
        if open {
            // The rest of the banner (notes, the staff line) follows at once.
            while let Ok(next) = rx.recv_timeout(std::time::Duration::from_millis(500)) {
                lines.push(next);
            }
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    lines
}

/// A misspelt setting would otherwise leave the server on the default the operator meant to
/// change, saying nothing.
#[test]
fn serve_names_a_setting_it_does_not_read_and_the_one_meant() {
    let db = TestDatabase::new(Backend::Sqlite);

    let banner = serve_banner_with(
        &db,
        "127.0.0.1:0",
        &[
            ("MINYI_RATELIMIT", "600"),
            ("MINYI_PUBLIC_URL", "http://127.0.0.1"),
        ],
    );

    let notes: Vec<&String> = banner.iter().filter(|l| l.contains("MINYI_")).collect();
    assert_eq!(
        notes,
        [
            "  note: MINYI_RATELIMIT is set but Minyi reads no such setting: did you mean \
             MINYI_RATE_LIMIT? (it is ignored)"
        ],
        "{banner:#?}"
    );
}

#[test]
fn serve_tells_a_new_installation_how_to_add_the_first_staff_account() {
    let db = TestDatabase::new(Backend::Sqlite);

    let first = serve_banner(&db).join("\n");
    let add = Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args([
            "user",
            "add",
            "--email",
            "admin@example.org",
            "--role",
            "admin",
        ])
        .env("DATABASE_URL", &db.raw_url)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("minyi runs");
    assert!(add.status.success());
    let later = serve_banner(&db).join("\n");

    assert!(
        first.contains("staff: no account yet; add one with `minyi user add --email you@example.org --role admin` (same DATABASE_URL), then sign in at http://127.0.0.1:"),
        "{first}"
    );
    assert!(first.contains("/login"), "{first}");
    assert!(
        later.contains("open: ") && !later.contains("staff:"),
        "said only while there is no account: {later}"
    );
    assert!(
        !first.contains("MINYI_PUBLIC_URL"),
        "no note on a laptop: {first}"
    );
}

#[test]
fn serve_on_a_network_without_a_public_url_says_links_will_name_the_node() {
    let db = TestDatabase::new(Backend::Sqlite);

    let banner = serve_banner_bound(&db, "0.0.0.0:0").join("\n");

    assert!(
        banner.contains("note: MINYI_PUBLIC_URL is not set, so QR codes and the links in invitations and reminders name http://127.0.0.1:"),
        "{banner}"
    );
}

#[test]
fn simulate_remove_deletes_the_trial_runs_responses() {
    let db = TestDatabase::new(Backend::Sqlite);
    let run = |args: &[&str]| {
        let out = minyi(&db.raw_url, args);
        let (stdout, stderr) = text(&out);
        (out.status.success(), format!("{stdout}{stderr}"))
    };
    assert!(run(&["survey", "import", "surveys/jiaxing-food-safety-2016.toml"]).0);
    assert!(run(&["simulate", EXAMPLE_ID, "--responses", "40", "--seed", "3"]).0);

    let (ok, removed) = run(&["simulate", EXAMPLE_ID, "--remove"]);
    let (both_ok, both) = run(&["simulate", EXAMPLE_ID, "--remove", "--responses", "5"]);
    let (neither_ok, neither) = run(&["simulate", EXAMPLE_ID]);

    assert!(
        ok && removed.contains("40 simulated responses deleted; residents' responses untouched"),
        "{removed}"
    );
    assert!(!both_ok && both.contains("cannot be used with"), "{both}");
    assert!(!neither_ok && neither.contains("--responses"), "{neither}");
}

#[test]
fn minyi_forms_writes_a_new_file_and_never_over_an_existing_one() {
    let db = TestDatabase::new(Backend::Sqlite);
    assert!(minyi(
        &db.raw_url,
        &["survey", "import", "surveys/jiaxing-food-safety-2016.toml"]
    )
    .status
    .success());
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("forms.txt");
    let kept = dir.path().join("backup.db");
    std::fs::write(&kept, "a backup").unwrap();

    let written = minyi(
        &db.raw_url,
        &[
            "forms",
            EXAMPLE_ID,
            "--count",
            "3",
            "--out",
            fresh.to_str().unwrap(),
        ],
    );
    let refused = minyi(
        &db.raw_url,
        &[
            "forms",
            EXAMPLE_ID,
            "--count",
            "3",
            "--out",
            kept.to_str().unwrap(),
        ],
    );

    assert!(written.status.success(), "{:?}", text(&written));
    assert_eq!(
        std::fs::read_to_string(&fresh).unwrap().lines().count(),
        3,
        "one signed form a line"
    );
    let (_, said) = text(&refused);
    assert!(
        !refused.status.success() && said.contains("already exists"),
        "{said}"
    );
    assert_eq!(
        std::fs::read_to_string(&kept).unwrap(),
        "a backup",
        "the existing file is untouched"
    );
}

#[test]
fn interviewer_links_are_issued_once_listed_and_withdrawn_from_the_command_line() {
    let db = TestDatabase::new(Backend::Sqlite);
    let import = minyi(
        &db.raw_url,
        &["survey", "import", "surveys/jiaxing-food-safety-2016.toml"],
    );
    assert!(import.status.success(), "{:?}", text(&import));

    let issued = Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args(["interviewer", "issue", EXAMPLE_ID, "--label", "A07"])
        .args(["--county", "海盐县"])
        .env("DATABASE_URL", &db.raw_url)
        .env("MINYI_LOG", "warn")
        .env("MINYI_PUBLIC_URL", "https://minyi.example")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&issued);
    assert!(issued.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "interviewer link A07, county haiyan for survey jiaxing-food-safety-2016 (shown once;"
        ),
        "{stdout}"
    );
    let address = stdout
        .lines()
        .find(|line| line.starts_with("https://"))
        .expect("the link on a line of its own");
    let token = address
        .strip_prefix("https://minyi.example/iv/")
        .expect("under the public address");
    assert!(
        token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit()),
        "{address}"
    );

    let listed = minyi(&db.raw_url, &["interviewer", "list", EXAMPLE_ID]);
    let (stdout, _) = text(&listed);
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive();
    assert!(
        stdout.contains(&format!("A07\thaiyan\t{today}\t—")),
        "label, county, issued on China's date, working: {stdout}"
    );
    assert!(!stdout.contains(token), "the token is never shown again");

    let withdrawn = minyi(
        &db.raw_url,
        &["interviewer", "withdraw", EXAMPLE_ID, "--label", "A07"],
    );
    assert!(withdrawn.status.success(), "{:?}", text(&withdrawn));
    let (stdout, _) = text(&minyi(&db.raw_url, &["interviewer", "list", EXAMPLE_ID]));
    assert!(
        stdout.contains(&format!("A07\thaiyan\t{today}\t{today}")),
        "{stdout}"
    );
    let again = minyi(
        &db.raw_url,
        &["interviewer", "withdraw", EXAMPLE_ID, "--label", "A07"],
    );
    let (_, stderr) = text(&again);
    assert!(!again.status.success());
    assert!(
        stderr.contains("has no working interviewer link labelled \"A07\""),
        "{stderr}"
    );
    assert!(minyi(&db.raw_url, &["survey", "close", EXAMPLE_ID])
        .status
        .success());
    let (stdout, _) = text(&minyi(&db.raw_url, &["interviewer", "list", EXAMPLE_ID]));
    assert!(
        stdout.contains(
            "note: survey jiaxing-food-safety-2016 is closed: none of its links works any more"
        ),
        "{stdout}"
    );
}

/// An operator with nodes of two builds tells them apart by the commit, not only the release.
#[test]
fn version_names_the_release_and_the_commit_built_from() {
    let out = Command::new(env!("CARGO_BIN_EXE_minyi"))
        .arg("--version")
        .output()
        .expect("minyi runs");
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map_or_else(
            || "unknown".to_owned(),
            |out| String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        );

    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("minyi {} (commit {commit})\n", env!("CARGO_PKG_VERSION"))
    );
}
