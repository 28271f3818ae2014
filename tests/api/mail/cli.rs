//! `minyi invite`, `minyi remind` and `minyi survey publish --notify`, run as an operator would.

use std::process::{Command, Output};

use super::*;

fn minyi(db: &TestDatabase, args: &[&str]) -> (bool, String) {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args(args)
        .env("DATABASE_URL", &db.raw_url)
        .env("MINYI_LOG", "warn")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("minyi runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// A new SQLite database holding the example survey, imported as an operator would.
fn with_example() -> TestDatabase {
    let db = TestDatabase::new(Backend::Sqlite);
    let (ok, out) = minyi(
        &db,
        &["survey", "import", "surveys/jiaxing-food-safety-2016.toml"],
    );
    assert!(ok, "{out}");
    db
}

#[test]
fn invite_creates_one_invitation_per_new_address_and_remind_writes_to_the_unused() {
    let db = TestDatabase::new(Backend::Sqlite);
    let (ok, out) = minyi(
        &db,
        &["survey", "import", "surveys/jiaxing-food-safety-2016.toml"],
    );
    assert!(ok, "{out}");
    let list = db.dir.path().join("frame.csv");
    std::fs::write(
        &list,
        "email,county\nwang@example.org,南湖区\nzhao@example.org,haiyan\n",
    )
    .unwrap();
    let list = list.to_str().unwrap();

    let (ok, first) = minyi(
        &db,
        &["invite", EXAMPLE_ID, "--emails", list, "--after-fieldwork"],
    );
    assert!(ok, "{first}");
    let (ok, again) = minyi(
        &db,
        &["invite", EXAMPLE_ID, "--emails", list, "--after-fieldwork"],
    );
    assert!(ok, "{again}");
    let (ok, reminded) = minyi(&db, &["remind", EXAMPLE_ID, "--after-fieldwork"]);
    assert!(ok, "{reminded}");
    let (ok, status) = minyi(&db, &["survey", "status", EXAMPLE_ID, "--json"]);
    assert!(ok, "{status}");

    assert!(
        first.contains("invitations created: 2; addresses invited earlier, not invited again: 0; `minyi serve` mails them"),
        "{first}"
    );
    assert!(
        !first.contains("no [survey] contact"),
        "the example names its contact: {first}"
    );
    assert!(
        again.contains("invitations created: 0; addresses invited earlier, not invited again: 2")
            && !again.contains("mails them"),
        "{again}"
    );
    assert!(
        reminded.contains("no reminders queued: every invitation is used, or still has a message waiting to be sent"),
        "the invitations themselves still wait: {reminded}"
    );
    let status: serde_json::Value = serde_json::from_str(status.trim()).unwrap();
    assert_eq!(
        status["invitations"],
        serde_json::json!({
            "all": 2,
            "unused": 2,
            "unused_without_address": 0,
            "unused_reminders_declined": 0,
            "by_stratum": [
                { "stratum": "nanhu", "invited": 1, "answered": 0 },
                { "stratum": "haiyan", "invited": 1, "answered": 0 },
            ],
        }),
        "each county's invitations, in the survey file's order"
    );
    assert_eq!(status["mail"]["waiting"], 2, "no server has sent them yet");
    assert_eq!(
        status["reminder_rounds"],
        serde_json::json!([]),
        "a run that queued nothing is not a round"
    );
}

#[test]
fn inviting_to_a_survey_that_names_no_contact_says_so() {
    let db = TestDatabase::new(Backend::Sqlite);
    let example = std::fs::read_to_string("surveys/jiaxing-food-safety-2016.toml").unwrap();
    let without_contact: String = example
        .lines()
        .filter(|line| !line.starts_with("contact."))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_ne!(
        without_contact, example,
        "the example's contact lines are gone"
    );
    let file = db.dir.path().join("no-contact.toml");
    std::fs::write(&file, without_contact).unwrap();
    assert!(minyi(&db, &["survey", "import", file.to_str().unwrap()]).0);
    let list = db.dir.path().join("frame.csv");
    std::fs::write(&list, "email,county\nwang@example.org,nanhu\n").unwrap();

    let (ok, out) = minyi(
        &db,
        &[
            "invite",
            EXAMPLE_ID,
            "--emails",
            list.to_str().unwrap(),
            "--after-fieldwork",
        ],
    );

    assert!(ok, "the invitations are made all the same: {out}");
    assert!(out.contains("invitations created: 1"), "{out}");
    assert!(
        out.contains(
            "note: the survey file has no [survey] contact, so the invitations name no one"
        ),
        "{out}"
    );
}

/// The example's fieldwork ended in 2016: invitations and reminders asking residents to
/// answer by then are refused before anything is queued (the server mails within seconds),
/// unless the operator says to send them as they are.
#[test]
fn invitations_and_reminders_past_the_fieldwork_end_are_refused_unless_asked_for() {
    let db = with_example();
    let list = db.dir.path().join("frame.csv");
    std::fs::write(&list, "email\nwang@example.org\n").unwrap();
    let list = list.to_str().unwrap();

    let (invited, invite_out) = minyi(&db, &["invite", EXAMPLE_ID, "--emails", list]);
    let (_, status) = minyi(&db, &["survey", "status", EXAMPLE_ID, "--json"]);
    assert!(!invited, "{invite_out}");
    assert!(
        invite_out.contains("nothing queued: the invitations would ask residents to answer by 2016-11-30, which has passed (the survey file's fieldwork_end)")
            && invite_out.contains("--after-fieldwork")
            && invite_out.contains("minyi survey import FILE"),
        "says what to do: {invite_out}"
    );
    assert!(status.contains("\"all\":0"), "nobody invited: {status}");

    assert!(
        minyi(
            &db,
            &["invite", EXAMPLE_ID, "--emails", list, "--after-fieldwork"]
        )
        .0
    );
    let (reminded, remind_out) = minyi(&db, &["remind", EXAMPLE_ID, "--force"]);
    assert!(
        !reminded && remind_out.contains("nothing queued: the reminders would ask"),
        "{remind_out}"
    );
}

#[test]
fn a_bad_address_list_is_refused_whole_with_every_line_to_fix() {
    let db = with_example();
    let list = db.dir.path().join("frame.csv");
    std::fs::write(
        &list,
        "email,county\nok@example.org,nanhu\nwang at example.org,nanhu\nli@example.org,嘉兴\n",
    )
    .unwrap();
    let list = list.to_str().unwrap();

    let (ok, out) = minyi(
        &db,
        &["invite", EXAMPLE_ID, "--emails", list, "--after-fieldwork"],
    );
    // Without --after-fieldwork the date is refused too, in the same run: the operator does
    // not mend the list only to be stopped by the date next.
    let (both_ok, both) = minyi(&db, &["invite", EXAMPLE_ID, "--emails", list]);
    let (_, status) = minyi(&db, &["survey", "status", EXAMPLE_ID, "--json"]);

    assert!(!ok);
    assert!(out.contains("frame.csv: line 3: email"), "{out}");
    assert!(out.contains("frame.csv: line 4: county"), "{out}");
    assert!(
        !out.contains("which has passed"),
        "the date was allowed: {out}"
    );
    assert!(!both_ok);
    assert!(
        both.contains("frame.csv: line 3: email")
            && both.contains("frame.csv: line 4: county")
            && both.contains("answer by 2016-11-30, which has passed"),
        "every problem at once: {both}"
    );
    assert!(
        status.contains("\"all\":0"),
        "nobody is invited from a file with problems: {status}"
    );
}

#[test]
fn invitations_to_a_survey_not_open_and_bad_notify_addresses_are_refused_with_what_to_do() {
    let db = with_example();
    assert!(minyi(&db, &["survey", "close", EXAMPLE_ID]).0);
    let list = db.dir.path().join("frame.csv");
    std::fs::write(&list, "email\nok@example.org\n").unwrap();

    let (invited, invite_out) = minyi(
        &db,
        &[
            "invite",
            EXAMPLE_ID,
            "--emails",
            list.to_str().unwrap(),
            "--after-fieldwork",
        ],
    );
    let (published, publish_out) = minyi(
        &db,
        &[
            "survey",
            "publish",
            EXAMPLE_ID,
            "--notify",
            "lead@evaluator.example,not-an-address",
        ],
    );

    assert!(!invited);
    assert!(invite_out.contains("minyi survey open"), "{invite_out}");
    assert!(!published);
    assert!(
        publish_out.contains("--notify: \"not-an-address\""),
        "{publish_out}"
    );
}

#[test]
fn an_address_given_twice_to_notify_is_told_once_and_the_count_says_so() {
    let db = TestDatabase::new(Backend::Sqlite);
    let import = ["survey", "import", "surveys/jiaxing-food-safety-2016.toml"];
    assert!(minyi(&db, &import).0);
    assert!(minyi(&db, &["simulate", EXAMPLE_ID, "--responses", "700"]).0);
    assert!(minyi(&db, &["survey", "close", EXAMPLE_ID]).0);

    let (published, said) = minyi(
        &db,
        &[
            "survey",
            "publish",
            EXAMPLE_ID,
            "--simulated",
            "700",
            "--notify",
            "lead@evaluator.example,LEAD@Evaluator.example",
        ],
    );

    assert!(published, "{said}");
    assert!(
        said.contains(
            "1 address (evaluators granted the survey, and --notify) will be told by mail"
        ),
        "one address, whatever its letters' case: {said}"
    );
    let database = minyi::storage::Database::connect(db.url.clone(), 1).expect("database");
    let (waiting, _) =
        minyi::storage::outbox_counts(&mut database.conn().unwrap(), EXAMPLE_ID, 5).unwrap();
    assert_eq!(waiting, 1, "one message queued");
}
