//! `minyi check-release` and `minyi purge`, run as an operator would.

use std::process::{Command, Output};

use crate::helpers::*;

fn minyi(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("MINYI_LOG", "warn")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("minyi runs")
}

fn release(rows: &[(&str, &str, &str, usize)]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("\u{feff}id,county,sex,age_band,overall_satisfaction\n");
    let mut id = 0;
    for (county, sex, age, n) in rows {
        for _ in 0..*n {
            id += 1;
            csv.push_str(&format!("{id},{county},{sex},{age},4\n"));
        }
    }
    let path = dir.path().join("responses.csv");
    std::fs::write(&path, csv).unwrap();
    let path = path.display().to_string();
    (dir, path)
}

#[test]
fn check_release_fails_naming_each_combination_below_k() {
    let (_dir, file) = release(&[
        ("nanhu", "male", "18_29", 6),
        ("haiyan", "female", "60_plus", 2),
        ("suppressed", "suppressed", "suppressed", 1),
    ]);

    let out = minyi(
        "sqlite://unused.db",
        &[
            "check-release",
            &file,
            "--k",
            "5",
            "--qi",
            "county,sex,age_band",
        ],
    );

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "exits non-zero");
    assert!(
        stderr.contains("county=haiyan, sex=female, age_band=60_plus occurs in 2 rows"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("county=nanhu"),
        "a combination of 6 is fine: {stderr}"
    );
    assert!(
        !stderr.contains("county=suppressed"),
        "fully suppressed rows are no combination: {stderr}"
    );
}

#[test]
fn check_release_passes_a_k_anonymous_file() {
    let (_dir, file) = release(&[
        ("nanhu", "male", "18_29", 5),
        ("haiyan", "female", "60_plus", 7),
    ]);

    let out = minyi(
        "sqlite://unused.db",
        &[
            "check-release",
            &file,
            "--k",
            "5",
            "--qi",
            "county,sex,age_band",
        ],
    );

    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("k-anonymous with k = 5"), "{stdout}");
}

#[test]
fn check_release_names_a_missing_column() {
    let (_dir, file) = release(&[("nanhu", "male", "18_29", 5)]);

    let out = minyi(
        "sqlite://unused.db",
        &["check-release", &file, "--qi", "county,education"],
    );

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("no column education"), "{stderr}");
}

#[test]
fn purge_refuses_an_open_survey_and_purges_a_closed_one() {
    let db = TestDatabase::new(Backend::Sqlite);
    assert!(minyi(
        &db.raw_url,
        &["survey", "import", "surveys/jiaxing-food-safety-2016.toml"]
    )
    .status
    .success());

    let open = minyi(&db.raw_url, &["purge", EXAMPLE_ID]);
    assert!(!open.status.success());
    assert!(String::from_utf8_lossy(&open.stderr).contains("close it first"));

    assert!(minyi(&db.raw_url, &["survey", "close", EXAMPLE_ID])
        .status
        .success());
    let closed = minyi(&db.raw_url, &["purge", EXAMPLE_ID]);
    let stdout = String::from_utf8_lossy(&closed.stdout);
    assert!(
        closed.status.success(),
        "{}",
        String::from_utf8_lossy(&closed.stderr)
    );
    assert!(stdout.contains("purged 0 responses"), "{stdout}");
}
