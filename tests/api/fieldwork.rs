//! The publisher's view of fieldwork: completed responses per county against the target.

use crate::helpers::*;

on_both_backends! {
    async fn progress_counts_responses_per_county_day_and_flag(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = example_survey();
        for county in ["nanhu", "nanhu", "haiyan"] {
            let token = app.form_token(EXAMPLE_ID).await;
            let page = app.post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(valid_fields(&survey, county), &token)).await;
            assert_eq!(page.status, 303);
        }

        let progress = minyi::analysis::fieldwork_progress(&app.catalog(), EXAMPLE_ID).expect("progress");

        assert_eq!(progress.completed, 3);
        let count = |code: &str| progress.by_stratum.iter().find(|s| s.code == code).map(|s| s.completed);
        assert_eq!((count("nanhu"), count("haiyan"), count("pinghu")), (Some(2), Some(1), Some(0)));
        assert_eq!(progress.by_day.len(), 1, "all today");
        assert_eq!(progress.by_day[0].1, 3);
        assert_eq!(
            progress.flags.get("too_fast"),
            Some(&3),
            "submitted within seconds of opening the form, so flagged as too fast"
        );
    }
}

#[test]
fn the_progress_bulletin_is_a_csv_for_excel() {
    let db = TestDatabase::new(Backend::Sqlite);
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_minyi"))
            .args(args)
            .env("DATABASE_URL", &db.raw_url)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("minyi runs")
    };
    assert!(
        run(&["survey", "import", "surveys/jiaxing-food-safety-2016.toml"])
            .status
            .success()
    );
    assert!(run(&["simulate", EXAMPLE_ID, "--responses", "300"])
        .status
        .success());

    let out = run(&["progress", EXAMPLE_ID, "--format", "csv"]);

    assert!(out.status.success());
    assert!(
        out.stdout.starts_with(&[0xEF, 0xBB, 0xBF]),
        "a byte-order mark for Excel and WPS"
    );
    let text = String::from_utf8_lossy(&out.stdout[3..]).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 7 + 1, "a header, seven counties, the city");
    assert!(
        lines[0].starts_with("county,county_zh,completed,excluded,usable,target,share_of_target,"),
        "received, left out by the quality rules, and usable: {}",
        lines[0]
    );
    let city: Vec<&str> = lines[8].split(',').collect();
    let (completed, excluded, usable): (i64, i64, i64) = (
        city[2].parse().unwrap(),
        city[3].parse().unwrap(),
        city[4].parse().unwrap(),
    );
    assert_eq!(
        (city[0], city[1], completed, city[5]),
        ("city", "全市", 300, "1400"),
        "{}",
        lines[8]
    );
    assert!(
        excluded > 0,
        "some of 300 simulated responses are too fast: {}",
        lines[8]
    );
    assert_eq!(usable, completed - excluded);
    assert!(
        lines[0].ends_with(",flagged,open_link,invitation,interviewer,simulated"),
        "the responses by channel close the header: {}",
        lines[0]
    );
    assert!(
        lines[8].ends_with(",0,0,0,300"),
        "a trial run's responses are marked simulated in every copy passed on: {}",
        lines[8]
    );
    let simulated_by_county: i64 = lines[1..8]
        .iter()
        .map(|line| line.rsplit(',').next().unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(
        simulated_by_county, 300,
        "the counties' simulated responses add up"
    );
    assert_eq!(
        city[6],
        format!("{:.4}", usable as f64 / 1400.0),
        "the share is of usable responses"
    );
    let table = String::from_utf8_lossy(&run(&["progress", EXAMPLE_ID]).stdout).into_owned();
    let nanhu = table
        .lines()
        .find(|l| l.trim_start().starts_with("nanhu "))
        .expect("a row for nanhu");
    assert!(
        nanhu.ends_with("  南湖区"),
        "the county's name too: {nanhu}"
    );
}
