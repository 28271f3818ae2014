//! `minyi user add|list|password|remove`, `minyi grant` and `minyi revoke`, run as an operator would.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::helpers::*;

fn minyi(database_url: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("MINYI_LOG", "warn")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("minyi runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("minyi ends")
}

fn run(db: &TestDatabase, args: &[&str], stdin: &str) -> (bool, String, String) {
    let out = minyi(&db.raw_url, args, stdin);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The generated password a command printed, once, in full (23 characters).
fn shown_password(out: &str) -> &str {
    let generated = out
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once; give it to them privately): "))
        .expect("the generated password is shown");
    assert_eq!(generated.len(), 23);
    generated
}

#[test]
fn user_add_takes_the_password_from_standard_input_or_generates_one_shown_once() {
    let db = TestDatabase::new(Backend::Sqlite);

    let (ok, out, err) = run(
        &db,
        &[
            "user",
            "add",
            "--email",
            "Li.Wei@example.org",
            "--role",
            "evaluator",
        ],
        "a long enough password\n",
    );
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        "added li.wei@example.org (evaluator)",
        "no password is echoed"
    );

    let (ok, out, err) = run(
        &db,
        &[
            "user",
            "add",
            "--email",
            "admin@example.org",
            "--role",
            "admin",
        ],
        "",
    );
    assert!(ok, "{err}");
    let generated = shown_password(&out);

    let accounts = minyi::accounts::Accounts::new(
        minyi::storage::Database::connect(db.url.clone(), 1).unwrap(),
    )
    .unwrap();
    let here = "127.0.0.1".parse().unwrap();
    assert!(accounts
        .sign_in(
            "li.wei@example.org",
            "a long enough password",
            here,
            None,
            0
        )
        .is_ok());
    assert!(accounts
        .sign_in("admin@example.org", generated, here, None, 0)
        .is_ok());
    let contents = String::from_utf8_lossy(&std::fs::read(db.sqlite_file()).unwrap()).into_owned();
    assert!(
        !contents.contains("a long enough password"),
        "only the argon2id hash is stored"
    );
}

#[test]
fn user_add_and_grant_explain_what_to_fix() {
    let db = TestDatabase::new(Backend::Sqlite);
    assert!(
        run(
            &db,
            &["survey", "import", "surveys/jiaxing-food-safety-2016.toml"],
            ""
        )
        .0
    );
    run(
        &db,
        &[
            "user",
            "add",
            "--email",
            "pub@example.org",
            "--role",
            "publisher",
        ],
        "",
    );
    run(
        &db,
        &[
            "user",
            "add",
            "--email",
            "eva@example.org",
            "--role",
            "evaluator",
        ],
        "",
    );
    let cases: [(&[&str], &str, &str); 7] = [
        (
            &["user", "add", "--email", "x@example.org", "--role", "root"],
            "",
            "use admin, publisher or evaluator",
        ),
        (
            &[
                "user",
                "add",
                "--email",
                "not-an-address",
                "--role",
                "admin",
            ],
            "",
            "name@example.org",
        ),
        (
            &["user", "add", "--email", "y@example.org", "--role", "admin"],
            "short",
            "at least 12",
        ),
        (
            &[
                "user",
                "add",
                "--email",
                "eva@example.org",
                "--role",
                "admin",
            ],
            "",
            "already exists",
        ),
        (
            &[
                "grant",
                "--email",
                "nobody@example.org",
                "--survey",
                EXAMPLE_ID,
            ],
            "",
            "minyi user add --email nobody@example.org",
        ),
        (
            &[
                "grant",
                "--email",
                "pub@example.org",
                "--survey",
                EXAMPLE_ID,
            ],
            "",
            "surveys are granted to evaluators",
        ),
        (
            &[
                "grant",
                "--email",
                "eva@example.org",
                "--survey",
                "no-such-survey",
            ],
            "",
            "minyi survey list",
        ),
    ];
    for (args, stdin, expected) in cases {
        let (ok, _, err) = run(&db, args, stdin);
        assert!(!ok, "{args:?} fails");
        assert!(err.contains(expected), "{args:?}: {err}");
    }

    let (ok, out, err) = run(
        &db,
        &[
            "grant",
            "--email",
            "eva@example.org",
            "--survey",
            EXAMPLE_ID,
        ],
        "",
    );
    assert!(ok, "{err}");
    assert!(out.contains("may now download"), "{out}");
    let (_, list, _) = run(&db, &["user", "list"], "");
    assert!(
        list.contains(&format!("eva@example.org\tevaluator\t{EXAMPLE_ID}")),
        "{list}"
    );
}

#[test]
fn a_forgotten_password_is_reset_and_a_departed_evaluator_removed_from_the_command_line() {
    let db = TestDatabase::new(Backend::Sqlite);
    let add = [
        "user",
        "add",
        "--email",
        "li.wei@example.org",
        "--role",
        "evaluator",
    ];
    assert!(run(&db, &add, "the first password\n").0);
    assert!(
        run(
            &db,
            &["survey", "import", "surveys/jiaxing-food-safety-2016.toml"],
            ""
        )
        .0
    );
    assert!(
        run(
            &db,
            &[
                "grant",
                "--email",
                "li.wei@example.org",
                "--survey",
                EXAMPLE_ID
            ],
            ""
        )
        .0
    );

    let (ok, reset, err) = run(
        &db,
        &["user", "password", "--email", "li.wei@example.org"],
        "",
    );
    assert!(ok, "{err}");
    let (ok, revoked, err) = run(
        &db,
        &[
            "revoke",
            "--email",
            "li.wei@example.org",
            "--survey",
            EXAMPLE_ID,
        ],
        "",
    );
    assert!(ok, "{err}");
    let (mistyped_ok, _, mistyped) = run(
        &db,
        &[
            "revoke",
            "--email",
            "li.wei@example.org",
            "--survey",
            "jiaxing-food-safety-2061",
        ],
        "",
    );
    let (_, listed, _) = run(&db, &["user", "list"], "");
    let (ok, removed, err) = run(
        &db,
        &["user", "remove", "--email", "li.wei@example.org"],
        "",
    );
    assert!(ok, "{err}");
    let (ok, _, unknown) = run(
        &db,
        &["user", "remove", "--email", "li.wei@example.org"],
        "",
    );

    assert!(
        reset.contains("new password set for li.wei@example.org; signed out everywhere"),
        "{reset}"
    );
    shown_password(&reset);
    assert!(
        revoked.contains("li.wei@example.org may no longer download the result sets of survey"),
        "{revoked}"
    );
    assert!(
        !mistyped_ok && mistyped.contains("no survey with id"),
        "a mistyped survey is said so, not 'nothing changed': {mistyped}"
    );
    assert_eq!(
        listed.trim_end(),
        "li.wei@example.org\tevaluator",
        "no survey left"
    );
    assert!(
        removed.contains("removed li.wei@example.org (evaluator) and its grants"),
        "{removed}"
    );
    assert!(
        !ok && unknown.contains("no account for li.wei@example.org"),
        "{unknown}"
    );
}
