//! Golden cases: weights and estimates must reproduce R's `survey` package (see
//! `docs/statistics.md`). Cases are every directory with a `responses.csv` under
//! `tests/fixtures/weighting/`, or under `$MINYI_GOLDEN_DIR` when it is set. A case with
//! `expected_channel_differences.csv` (`make-channel-differences.R`) checks the difference between
//! two groups of respondents too.

mod fixture;

use std::path::PathBuf;

use fixture::{Case, ExpectedDifference, ExpectedEstimate};
use minyi::stats::{
    kish, poststratify, rake, Design, Difference, DomainEstimates, Domains, Estimate, Kind,
    MarginTargets, RakeControl,
};

/// Weights and point estimates.
const WEIGHT_TOLERANCE: f64 = 1e-9;
/// SEs, design effects and CI bounds.
const SE_TOLERANCE: f64 = 1e-6;

fn golden_root() -> PathBuf {
    match std::env::var_os("MINYI_GOLDEN_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/weighting"),
    }
}

#[test]
fn golden_cases() {
    let root = golden_root();
    let dirs = fixture::case_dirs(&root);
    assert!(
        !dirs.is_empty(),
        "no golden case (a directory with responses.csv) under {}",
        root.display()
    );
    let mut differences = 0;
    for dir in dirs {
        let case = fixture::load(&dir);
        println!("golden case: {}", case.name);
        check_case(&case);
        differences += case.expected_channel_differences.len();
    }
    if std::env::var_os("MINYI_GOLDEN_DIR").is_none() {
        assert!(
            differences > 0,
            "the repository's cases check the differences between channels too"
        );
    }
}

/// The weights of one scheme (a column of `expected_weights.csv`) and the raking margins that the
/// design must project on, if any.
fn scheme_weights<'c>(case: &'c Case, scheme: &str) -> (Vec<f64>, Option<&'c [MarginTargets]>) {
    let margin = |name: &str| {
        case.margins
            .iter()
            .find(|m| m.name == name)
            .unwrap_or_else(|| panic!("case {}: scheme {scheme}: no margin {name}", case.name))
    };
    let design_weights = poststratify(margin("county"))
        .unwrap_or_else(|e| panic!("case {}: post-stratification: {e}", case.name));
    if let Some(by) = scheme.strip_prefix("poststratify_") {
        let weights = poststratify(margin(by))
            .unwrap_or_else(|e| panic!("case {}: scheme {scheme}: {e}", case.name));
        (weights, None)
    } else if scheme.starts_with("rake_") {
        // The production default settings must reproduce R's weights.
        let raked = rake(&design_weights, &case.margins, &RakeControl::default())
            .unwrap_or_else(|e| panic!("case {}: scheme {scheme}: {e}", case.name));
        (raked.weights, Some(&case.margins))
    } else {
        panic!("case {}: unknown weighting scheme {scheme}", case.name)
    }
}

/// The indicators of the case READMEs, as the app's evaluation layer defines them.
fn indicator(case: &Case, name: &str) -> (Kind, Vec<Option<f64>>) {
    let overall = |r: &fixture::Response| match r.overall {
        1..=5 => Some(r.overall),
        9 => None,
        other => panic!(
            "case {}: respondent {} has overall={other}, expected 1..5 or 9",
            case.name, r.respondent_id
        ),
    };
    let people = case.respondents.iter();
    match name {
        "satisfaction_rate" => (
            Kind::Proportion,
            people
                .map(|r| overall(r).map(|o| f64::from(u8::from(o >= 4))))
                .collect(),
        ),
        "satisfaction_score" => (
            Kind::Mean,
            people
                .map(|r| overall(r).map(|o| [0.0, 30.0, 60.0, 80.0, 100.0][usize::from(o) - 1]))
                .collect(),
        ),
        "awareness_rate" => (
            Kind::Proportion,
            people
                .map(|r| match r.aware.as_str() {
                    "yes" => Some(1.0),
                    "no" => Some(0.0),
                    other => panic!(
                        "case {}: respondent {} has aware={other}, expected yes or no",
                        case.name, r.respondent_id
                    ),
                })
                .collect(),
        ),
        other => panic!("case {}: unknown indicator {other}", case.name),
    }
}

fn check_case(case: &Case) {
    let strata = case.counties.len();
    for row in &case.expected_estimates {
        assert!(
            case.expected_weights.iter().any(|(s, _)| s == &row.scheme),
            "case {}: expected estimate of scheme {} has no weights column to check it with",
            case.name,
            row.scheme
        );
    }
    for (scheme, expected) in &case.expected_weights {
        let (weights, raking) = scheme_weights(case, scheme);
        for (i, (got, want)) in weights.iter().zip(expected).enumerate() {
            assert_relative(
                *got,
                *want,
                WEIGHT_TOLERANCE,
                &format!(
                    "case {}, scheme {scheme}, weight of respondent {}",
                    case.name, case.respondents[i].respondent_id
                ),
            );
        }
        if raking.is_some() {
            if let Some(want) = case.city_effective_n {
                let got = kish(&weights).effective_n;
                assert!(
                    (got - want).abs() < 1e-5,
                    "case {}, scheme {scheme}, city Kish ESS: got {got}, README says {want}",
                    case.name
                );
            }
        }

        let design = Design::new(&case.county_of, strata, &weights, raking)
            .unwrap_or_else(|e| panic!("case {}, scheme {scheme}: design: {e}", case.name));
        let rows: Vec<&ExpectedEstimate> = case
            .expected_estimates
            .iter()
            .filter(|r| &r.scheme == scheme)
            .collect();
        assert!(
            !rows.is_empty(),
            "case {}: no expected estimates for scheme {scheme}",
            case.name
        );
        let mut indicators: Vec<&str> = rows.iter().map(|r| r.indicator.as_str()).collect();
        indicators.dedup();
        for name in indicators {
            let (kind, values) = indicator(case, name);
            let estimates = design.estimate_domains(&values, kind).unwrap_or_else(|e| {
                panic!("case {}, scheme {scheme}, indicator {name}: {e}", case.name)
            });
            for row in rows.iter().filter(|r| r.indicator == name) {
                let got = domain_estimate(case, &estimates, &row.domain);
                let label = format!(
                    "case {}, scheme {scheme}, indicator {name}, domain {}",
                    case.name, row.domain
                );
                check_estimate(got, row, &label);
            }
        }
        check_channel_differences(case, scheme, &design);
    }
}

/// Whether a respondent of a golden case came by invitation, by the rule of
/// `make-channel-differences.R`: the number in its id a multiple of 4, or a multiple of 3 with
/// `overall` 1 to 3.
fn came_by_invitation(r: &fixture::Response) -> bool {
    let number: u64 = r
        .respondent_id
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap_or_else(|e| panic!("respondent id {:?}: {e}", r.respondent_id));
    number % 4 == 0 || ((1..=3).contains(&r.overall) && number % 3 == 0)
}

/// The difference invitation − open link of each indicator and domain, against R's.
fn check_channel_differences(case: &Case, scheme: &str, design: &Design) {
    let invited: Vec<bool> = case.respondents.iter().map(came_by_invitation).collect();
    for row in case
        .expected_channel_differences
        .iter()
        .filter(|r| r.scheme == scheme)
    {
        let (kind, values) = indicator(case, &row.indicator);
        let label = format!(
            "case {}, scheme {scheme}, indicator {}, domain {}, invitation − open link",
            case.name, row.indicator, row.domain
        );
        let got = if row.domain == "city_within_counties" {
            // Each county weighed by its census population (R: its weight total, the same
            // under post-stratification and raking to the counties).
            let county = case
                .margins
                .iter()
                .find(|m| m.name == "county")
                .expect("a county margin");
            design
                .estimate_difference_within_counties(&values, &invited, kind, &county.totals)
                .unwrap_or_else(|e| panic!("{label}: {e}"))
        } else {
            let differences = design
                .estimate_differences(&values, &invited, kind)
                .unwrap_or_else(|e| panic!("{label}: {e}"));
            let got = domain_difference(case, &differences, &row.domain);
            assert_relative(
                got.difference,
                row.invitation - row.open_link,
                WEIGHT_TOLERANCE,
                &format!("{label}, the two means' difference"),
            );
            got
        };
        check_difference(&got, row, &label);
    }
}

fn domain_difference(case: &Case, differences: &Domains<Difference>, domain: &str) -> Difference {
    if domain == "city" {
        return differences.city;
    }
    let h = case
        .counties
        .iter()
        .position(|c| c == domain)
        .unwrap_or_else(|| panic!("case {}: unknown domain {domain}", case.name));
    differences.strata[h]
}

fn check_difference(got: &Difference, want: &ExpectedDifference, label: &str) {
    let fields = [
        (
            "difference",
            got.difference,
            want.difference,
            WEIGHT_TOLERANCE,
        ),
        ("se", got.se, want.se, SE_TOLERANCE),
        ("ci_low", got.ci_low, want.ci_low, SE_TOLERANCE),
        ("ci_high", got.ci_high, want.ci_high, SE_TOLERANCE),
    ];
    for (field, got_value, want_value, tolerance) in fields {
        assert_relative(
            got_value,
            want_value,
            tolerance,
            &format!("{label}, {field}"),
        );
    }
    assert_eq!(
        (got.n_group, got.n_others),
        (want.n_invitation, want.n_open_link),
        "{label}: valid answers in each group"
    );
}

fn domain_estimate<'e>(case: &Case, estimates: &'e DomainEstimates, domain: &str) -> &'e Estimate {
    if domain == "city" {
        return &estimates.city;
    }
    let h = case
        .counties
        .iter()
        .position(|c| c == domain)
        .unwrap_or_else(|| panic!("case {}: unknown domain {domain}", case.name));
    &estimates.strata[h]
}

fn check_estimate(got: &Estimate, want: &ExpectedEstimate, label: &str) {
    let fields = [
        ("estimate", got.estimate, want.estimate, WEIGHT_TOLERANCE),
        ("se", got.se, want.se, SE_TOLERANCE),
        ("ci_low", got.ci_low, want.ci_low, SE_TOLERANCE),
        ("ci_high", got.ci_high, want.ci_high, SE_TOLERANCE),
        ("deff", got.deff, want.deff, SE_TOLERANCE),
    ];
    for (field, got_value, want_value, tolerance) in fields {
        let label = format!("{label}, field {field}");
        match want_value {
            Some(want_value) => assert_relative(got_value, want_value, tolerance, &label),
            None => assert!(
                !got.flags.is_reliable(),
                "{label}: R gives no value here, so the figure must be flagged unreliable; \
                 got {got_value} with flags {:?}",
                got.flags
            ),
        }
    }
    match want.n {
        Some(n) => assert_eq!(got.n, n, "{label}, field n"),
        None => assert!(
            !got.flags.is_reliable(),
            "{label}, field n: must be flagged"
        ),
    }
}

fn assert_relative(got: f64, want: f64, tolerance: f64, label: &str) {
    let error = (got - want).abs() / want.abs().max(f64::MIN_POSITIVE);
    assert!(
        error <= tolerance,
        "{label}: got {got}, expected {want} (relative error {error:.2e} > {tolerance:.0e})"
    );
}
