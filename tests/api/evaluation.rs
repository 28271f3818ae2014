//! The evaluation component, driven by the survey file: it must reproduce R on the golden case,
//! and synthetic responses must never pass for real ones.

use std::collections::BTreeMap;

use crate::helpers::*;
use minyi::evaluation::{evaluate, Respondent, Status, CITY};
use minyi::survey::{Answer, Survey};

fn golden_survey() -> Survey {
    let path = repo_path("tests/fixtures/surveys/golden-case-a.toml");
    Survey::from_toml(
        &std::fs::read_to_string(&path).unwrap(),
        &path.display().to_string(),
    )
    .unwrap()
}

/// case-a's responses as respondents of the golden survey (R's `60+` is the file's `60_plus`).
fn golden_respondents() -> Vec<Respondent> {
    let mut reader =
        csv::Reader::from_path(repo_path("tests/fixtures/weighting/case-a/responses.csv")).unwrap();
    reader
        .records()
        .map(|row| {
            let row = row.unwrap();
            let code = |s: &str| Answer::Code(s.replace("60+", "60_plus"));
            let answers: BTreeMap<String, Answer> = [
                ("county", code(&row[1])),
                ("gender", code(&row[2])),
                ("age_band", code(&row[3])),
                ("overall", code(&row[4])),
                ("aware", code(&row[5])),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
            Respondent {
                stratum: row[1].to_owned(),
                answers,
                quality_flags: Vec::new(),
                channel: "open_link".to_owned(),
            }
        })
        .collect()
}

fn close(actual: f64, expected: f64, relative: f64) -> bool {
    (actual - expected).abs() <= relative * expected.abs().max(1e-12)
}

#[test]
fn the_evaluation_driven_by_a_survey_file_reproduces_r_on_case_a() {
    let evaluation = evaluate(&golden_survey(), &golden_respondents()).expect("evaluates");

    let mut reader = csv::Reader::from_path(repo_path(
        "tests/fixtures/weighting/case-a/expected_estimates.csv",
    ))
    .unwrap();
    let mut checked = 0;
    for row in reader.records() {
        let row = row.unwrap();
        if &row[0] != "rake_county_gender_age" {
            continue;
        }
        let (indicator, domain) = (&row[1], &row[2]);
        let result = evaluation
            .domains
            .iter()
            .find(|d| d.code == domain)
            .and_then(|d| d.indicators.iter().find(|i| i.id == indicator))
            .unwrap_or_else(|| panic!("{indicator} in {domain} is evaluated"));
        let expected = |i: usize| row[i].parse::<f64>().unwrap_or(f64::NAN);
        let what = format!("{indicator} / {domain}");
        assert!(
            close(result.estimate, expected(3), 1e-9),
            "{what}: estimate {} vs R {}",
            result.estimate,
            expected(3)
        );
        assert_eq!(result.n.to_string(), row[7], "{what}: n");
        for (field, actual, index) in [
            ("se", result.se, 4),
            ("ci_low", result.ci_low, 5),
            ("ci_high", result.ci_high, 6),
        ] {
            if expected(index).is_nan() {
                assert!(
                    !result.reliable,
                    "{what}: R has no {field}, so the cell is flagged unreliable"
                );
            } else {
                assert!(
                    close(actual, expected(index), 1e-6),
                    "{what}: {field} {actual} vs R {}",
                    expected(index)
                );
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 24, "3 indicators × (city + 7 counties)");
    assert_eq!(evaluation.weighting.scheme, "rake_trimmed");
    assert_eq!(
        evaluation.weighting.trimmed, 0,
        "the wide caps never bind, as in R"
    );
}

#[test]
fn statuses_points_and_totals_follow_the_rubric() {
    let evaluation = evaluate(&golden_survey(), &golden_respondents()).unwrap();
    let city = &evaluation.domains[0];
    assert_eq!(city.code, CITY, "the city comes first");
    assert_eq!(evaluation.domains.len(), 8, "then the seven counties");
    for domain in &evaluation.domains {
        let mut total = 0.0;
        for i in &domain.indicators {
            let expected = if i.estimate.is_nan() {
                Status::NoData
            } else if i.flags.low_effective_n || i.flags.undefined {
                Status::Undetermined
            } else if i.ci_low >= i.threshold {
                Status::Met
            } else if i.ci_high < i.threshold {
                Status::NotMet
            } else {
                Status::TooCloseToCall
            };
            assert_eq!(i.status, expected, "{} in {}", i.id, domain.code);
            let points = if i.estimate >= i.threshold {
                i.max_points
            } else {
                0.0
            };
            assert_eq!(
                i.points, points,
                "threshold scoring: {} in {}",
                i.id, domain.code
            );
            total += i.points;
        }
        assert_eq!(
            domain.points, total,
            "{}: the component total adds the indicators' points",
            domain.code
        );
        assert_eq!(domain.max_points, 100.0);
    }
    // R's raked city figures: satisfaction about 73% (threshold 60%), awareness about 76%
    // (threshold 85%): one clearly met, one clearly not.
    let find = |id: &str| city.indicators.iter().find(|i| i.id == id).unwrap();
    assert_eq!(find("satisfaction_rate").status, Status::Met);
    assert!(find("satisfaction_rate").interval_clears_threshold);
    assert_eq!(find("awareness_rate").status, Status::NotMet);
    assert_eq!(find("awareness_rate").points, 0.0);
}

#[test]
fn a_county_of_three_who_all_agree_gets_an_interval_but_no_verdict() {
    // Haiyan keeps three respondents, all aware: 100% from three answers. The logit interval
    // is undefined there; the exact binomial one is wide, and three answers judge nothing.
    let mut kept_in_haiyan = 0;
    let respondents: Vec<Respondent> = golden_respondents()
        .into_iter()
        .filter(|r| {
            r.stratum != "haiyan"
                || (r.answers["aware"] == Answer::Code("yes".into()) && {
                    kept_in_haiyan += 1;
                    kept_in_haiyan <= 3
                })
        })
        .collect();

    let evaluation = evaluate(&golden_survey(), &respondents).expect("evaluates");

    let haiyan = evaluation
        .domains
        .iter()
        .find(|d| d.code == "haiyan")
        .unwrap();
    let aware = haiyan
        .indicators
        .iter()
        .find(|i| i.id == "awareness_rate")
        .unwrap();
    assert_eq!((aware.n, aware.estimate), (3, 1.0));
    assert!(
        aware.ci_low > 0.2 && aware.ci_low < 0.5 && aware.ci_high == 1.0,
        "an interval from 3 of 3: {}..{}",
        aware.ci_low,
        aware.ci_high
    );
    assert_eq!(
        aware.status,
        Status::Undetermined,
        "not met on three answers"
    );
    assert!(!aware.reliable);
    let city = &evaluation.domains[0];
    assert!(
        city.indicators
            .iter()
            .all(|i| i.status != Status::Undetermined),
        "the city still has its verdicts"
    );
}

#[test]
fn a_county_where_everyone_gave_the_same_score_has_no_interval_and_no_verdict() {
    let respondents: Vec<Respondent> = golden_respondents()
        .into_iter()
        .map(|mut r| {
            if r.stratum == "nanhu" {
                r.answers.insert("overall".into(), Answer::Code("4".into()));
            }
            r
        })
        .collect();

    let evaluation = evaluate(&golden_survey(), &respondents).unwrap();

    let nanhu = evaluation
        .domains
        .iter()
        .find(|d| d.code == "nanhu")
        .unwrap();
    let score = nanhu
        .indicators
        .iter()
        .find(|i| i.id == "satisfaction_score")
        .unwrap();
    assert!(
        score.n >= 30 && score.se == 0.0,
        "{} answers, all the same",
        score.n
    );
    assert!(
        score.ci_low.is_nan() && score.ci_high.is_nan(),
        "no zero-width interval"
    );
    assert_eq!(score.status, Status::Undetermined);
}

#[test]
fn while_a_county_has_one_respondent_the_city_is_estimated_but_not_judged() {
    // Raked to the counties, the lone respondent's linearized value is zero: its county's
    // share of the city's variance is missing and the city's intervals are too narrow.
    let mut kept = 0;
    let respondents: Vec<Respondent> = golden_respondents()
        .into_iter()
        .filter(|r| {
            r.stratum != "haiyan" || {
                kept += 1;
                kept == 1
            }
        })
        .collect();

    let evaluation = evaluate(&golden_survey(), &respondents).expect("evaluates, not an error");

    let city = &evaluation.domains[0];
    for i in &city.indicators {
        assert!(
            i.estimate.is_finite() && i.flags.lone_county && !i.reliable,
            "{}: {:?}",
            i.id,
            i.flags
        );
        assert_eq!(i.status, Status::Undetermined, "{}", i.id);
    }
    let nanhu = evaluation
        .domains
        .iter()
        .find(|d| d.code == "nanhu")
        .unwrap();
    assert!(
        nanhu.indicators.iter().all(|i| !i.flags.lone_county),
        "other counties keep their verdicts"
    );
}

#[test]
fn the_points_range_spans_what_the_intervals_allow_and_collapses_when_every_call_is_clear() {
    let survey = golden_survey();
    let evaluation = evaluate(&survey, &golden_respondents()).unwrap();
    for domain in &evaluation.domains {
        let (low, high) = minyi::evaluation::points_range(&survey, domain);
        assert!(
            low <= domain.points && domain.points <= high,
            "{}: {low} ≤ {} ≤ {high}",
            domain.code,
            domain.points
        );
        let unsure = domain
            .indicators
            .iter()
            .any(|i| !matches!(i.status, Status::Met | Status::NotMet));
        assert_eq!(
            low < high,
            unsure,
            "{}: a range only where some call is not clear",
            domain.code
        );
    }
}

#[test]
fn responses_flagged_by_quality_rules_are_excluded_and_counted() {
    let mut survey = golden_survey();
    survey.quality.exclude = vec![minyi::survey::QualityFlag::TooFast];
    let mut respondents = golden_respondents();
    for r in respondents.iter_mut().take(30) {
        r.quality_flags = vec![minyi::survey::QualityFlag::TooFast];
    }
    respondents[30].stratum = "shanghai".into();

    let evaluation = evaluate(&survey, &respondents).unwrap();

    assert_eq!(evaluation.responses.stored, 1400);
    assert_eq!(evaluation.responses.used, 1369);
    assert_eq!(evaluation.responses.excluded.get("too_fast"), Some(&30));
    assert_eq!(
        evaluation.responses.excluded.get("unknown_stratum"),
        Some(&1)
    );
    assert_eq!(evaluation.domains[0].respondents, 1369);
}

#[test]
fn a_county_without_respondents_is_named_in_the_error() {
    let respondents: Vec<Respondent> = golden_respondents()
        .into_iter()
        .filter(|r| r.stratum != "haiyan")
        .collect();
    let err = evaluate(&golden_survey(), &respondents).expect_err("cannot weight an empty county");
    assert!(err.to_string().contains("haiyan"), "{err}");
}

on_both_backends! {
    async fn simulated_responses_are_stored_like_real_ones_and_flagged_in_the_evaluation(backend: Backend) {
        let app = spawn_app(backend).await;
        let catalog = app.catalog();

        let first = minyi::analysis::add_simulated(&catalog, EXAMPLE_ID, 1400, 7).expect("simulate");
        let again = minyi::analysis::add_simulated(&catalog, EXAMPLE_ID, 1400, 7).expect("simulate again");

        assert_eq!((first.stored, first.refused), (1400, 0), "every synthetic form passes validation");
        assert_eq!((again.stored, again.already_stored), (0, 1400), "the same seed adds nothing twice");
        assert_eq!(app.response_count(EXAMPLE_ID), 1400);
        let (_, evaluation) = minyi::analysis::evaluate_survey(&catalog, EXAMPLE_ID).expect("evaluates");
        assert!(evaluation.includes_simulated);
        assert_eq!(evaluation.responses.simulated + evaluation.responses.excluded.values().sum::<usize>(), 1400);
        let table = minyi::evaluation::to_table(&evaluation);
        assert!(table.starts_with("!!! SIMULATED RESPONSES INCLUDED"), "the warning opens the report");
        let csv = minyi::release::estimates_csv(&evaluation, minyi::release::Encoding::Utf8).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.lines().skip(1).all(|line| line.ends_with(",true")), "every CSV row says it includes simulated data");
    }

    async fn a_trial_runs_simulated_responses_are_deleted_and_residents_stay(backend: Backend) {
        let app = spawn_app(backend).await;
        let catalog = app.catalog();
        minyi::analysis::add_simulated(&catalog, EXAMPLE_ID, 300, 7).expect("simulate");
        for county in ["nanhu", "haiyan"] {
            let token = app.form_token(EXAMPLE_ID).await;
            let page = app.post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(valid_fields(&example_survey(), county), &token)).await;
            assert_eq!(page.status, 303, "a resident's answer is stored");
        }

        let deleted = minyi::analysis::remove_simulated(&catalog, EXAMPLE_ID, "test").expect("deleted");
        let again = minyi::analysis::remove_simulated(&catalog, EXAMPLE_ID, "test").expect("nothing left");
        catalog.transition(EXAMPLE_ID, minyi::lifecycle::Transition::Close).unwrap();
        minyi::analysis::add_simulated(&catalog, EXAMPLE_ID, 10, 8).expect_err("no simulating once closed");
        let progress = minyi::analysis::fieldwork_progress(&catalog, EXAMPLE_ID).expect("progress");

        assert_eq!((deleted, again), (300, 0));
        assert_eq!(app.response_count(EXAMPLE_ID), 2, "the residents' two answers stay");
        assert_eq!((progress.completed, progress.simulated), (2, 0), "no figure counts a simulated one");
        let audited: Vec<String> = minyi::audit::recent(catalog.database(), 50).unwrap().into_iter()
            .filter(|e| e.action == "simulated_removed").map(|e| e.detail).collect();
        assert_eq!(audited, ["300 simulated responses deleted"], "audited once: the second deleted nothing");
    }

    async fn a_residents_response_that_collided_with_a_simulated_one_is_still_found_once_they_are_gone(backend: Backend) {
        use minyi::storage::{insert_response, insert_responses, load_responses, slot_of, InsertOutcome, NewResponse};
        let app = spawn_app(backend).await;
        let catalog = app.catalog();
        let survey = catalog.require(EXAMPLE_ID).unwrap();
        let home = slot_of(survey.record.number, "a resident's form");
        let row = |id: &str, channel: &str| NewResponse {
            slot: home,
            id: id.to_owned(),
            survey_id: EXAMPLE_ID.to_owned(),
            version: survey.record.current_version.clone(),
            stratum: "nanhu".to_owned(),
            channel: channel.to_owned(),
            answers: "[]".to_owned(),
            quality_flags: String::new(),
            submitted_on: "2016-10-10".to_owned(),
            client_hash: None,
        };
        let mut conn = catalog.database().conn().unwrap();
        // A simulated response in the resident's own slot (as a 47-bit collision would put it),
        // so the resident's goes to the next.
        insert_responses(&mut conn, &[row("a simulated one", "simulated"), row("a resident's form", "open_link")]).unwrap();
        let before: Vec<i64> = load_responses(&mut conn, EXAMPLE_ID).unwrap().into_iter().filter(|r| r.channel == "open_link").map(|r| r.slot).collect();
        drop(conn);

        let deleted = minyi::analysis::remove_simulated(&catalog, EXAMPLE_ID, "test").unwrap();
        let mut conn = catalog.database().conn().unwrap();
        let again = insert_response(&mut conn, &row("a resident's form", "open_link")).unwrap();

        assert_eq!(before, [home + 1], "the resident's response had walked on");
        assert_eq!(deleted, 1);
        assert_eq!(again, InsertOutcome::AlreadyStored, "a copy submitted later still finds it");
        let left: Vec<(i64, String)> = load_responses(&mut conn, EXAMPLE_ID).unwrap().into_iter().map(|r| (r.slot, r.id)).collect();
        assert_eq!(left, [(home, "a resident's form".to_owned())], "once, back in its own slot");
    }

    async fn simulated_responses_of_published_results_stay(backend: Backend) {
        let app = spawn_app(backend).await;
        let catalog = app.catalog();
        minyi::analysis::add_simulated(&catalog, EXAMPLE_ID, 1400, 7).expect("simulate");
        catalog.transition(EXAMPLE_ID, minyi::lifecycle::Transition::Close).unwrap();
        minyi::publishing::publish(&catalog, EXAMPLE_ID).unwrap();

        let refused = minyi::analysis::remove_simulated(&catalog, EXAMPLE_ID, "test");

        let said = refused.expect_err("refused").to_string();
        assert!(said.contains("is published: its results are final") && said.contains("nothing was deleted"), "{said}");
        assert_eq!(app.response_count(EXAMPLE_ID), 1400);
    }
}
