//! Specifications of post-stratification, raking, trimming and Kish.

use super::*;

fn margin(name: &str, categories: &[(&str, f64)], category_of: &[u32]) -> MarginTargets {
    MarginTargets {
        name: name.to_string(),
        categories: categories.iter().map(|(c, _)| c.to_string()).collect(),
        totals: categories.iter().map(|&(_, t)| t).collect(),
        category_of: category_of.to_vec(),
    }
}

/// Weighted total of each category of `margin`.
fn weighted_totals(weights: &[f64], margin: &MarginTargets) -> Vec<f64> {
    let mut totals = vec![0.0; margin.categories.len()];
    for (&w, &c) in weights.iter().zip(&margin.category_of) {
        totals[c as usize] += w;
    }
    totals
}

fn largest_relative_gap(weights: &[f64], margins: &[MarginTargets]) -> f64 {
    margins
        .iter()
        .flat_map(|m| {
            weighted_totals(weights, m)
                .into_iter()
                .zip(m.totals.clone())
                .map(|(have, want)| (have - want).abs() / want)
        })
        .fold(0.0, f64::max)
}

fn assert_close(actual: f64, expected: f64, relative: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= relative * expected.abs().max(1e-300),
        "{what}: got {actual}, expected {expected}"
    );
}

#[test]
fn poststratified_weights_sum_to_each_stratum_population() {
    // (description, county targets, county of each respondent)
    type Case<'a> = (&'a str, &'a [(&'a str, f64)], &'a [u32]);
    let cases: [Case; 3] = [
        (
            "two equal counties",
            &[("a", 100.0), ("b", 100.0)],
            &[0, 0, 1, 1],
        ),
        (
            "skewed sample",
            &[("a", 1000.0), ("b", 10.0)],
            &[0, 1, 1, 1, 1],
        ),
        (
            "tiny county of one respondent",
            &[("a", 5.0), ("b", 7.0), ("c", 3.0)],
            &[0, 0, 1, 1, 1, 2],
        ),
    ];
    for (description, strata, county_of) in cases {
        let county = margin("county", strata, county_of);
        let weights = poststratify(&county).unwrap();
        for ((name, target), total) in strata.iter().zip(weighted_totals(&weights, &county)) {
            assert_close(
                total,
                *target,
                1e-14,
                &format!("{description}: county {name}"),
            );
        }
        let population: f64 = strata.iter().map(|(_, t)| t).sum();
        assert_close(weights.iter().sum(), population, 1e-14, description);
    }
}

#[test]
fn poststratifying_to_a_county_without_respondents_names_the_county() {
    let county = margin("county", &[("nanhu", 10.0), ("haiyan", 5.0)], &[0, 0]);
    let err = poststratify(&county).unwrap_err();
    assert_eq!(
        err.to_string(),
        "raking target category county=haiyan has no respondents; collapse it with a neighbouring \
         category or drop it from the targets"
    );
}

/// Eight respondents, two margins, unequal base weights.
fn sex_and_age() -> (Vec<f64>, Vec<MarginTargets>) {
    let base = vec![1.0, 2.0, 1.5, 3.0, 0.5, 1.0, 2.5, 4.0];
    let margins = vec![
        margin(
            "sex",
            &[("male", 480.0), ("female", 520.0)],
            &[0, 0, 0, 1, 1, 1, 1, 0],
        ),
        margin(
            "age",
            &[("young", 300.0), ("middle", 400.0), ("old", 300.0)],
            &[0, 1, 2, 0, 1, 2, 2, 1],
        ),
    ];
    (base, margins)
}

#[test]
fn raking_with_unequal_base_weights_meets_every_margin() {
    let (base, margins) = sex_and_age();
    let raked = rake(&base, &margins, &RakeControl::default()).unwrap();
    for m in &margins {
        for ((name, &target), total) in m
            .categories
            .iter()
            .zip(&m.totals)
            .zip(weighted_totals(&raked.weights, m))
        {
            assert_close(total, target, 1e-10, &format!("{}={name}", m.name));
        }
    }
    assert!(
        raked.max_margin_error <= 1e-10,
        "{}",
        raked.max_margin_error
    );
    assert!(
        raked.sweeps >= 2,
        "unequal base weights need more than one sweep"
    );
    assert_eq!(raked.trimmed, 0, "no trimming asked for");
}

#[test]
fn raked_factors_are_a_product_of_one_factor_per_category() {
    // The raking solution is d_i · a_sex · b_age: respondents 1 and 7 share (male, middle), so
    // their w/d agree, and the factor ratios between the sexes are the same in every age band.
    let (base, margins) = sex_and_age();
    let raked = rake(&base, &margins, &RakeControl::default()).unwrap();
    let g: Vec<f64> = raked
        .weights
        .iter()
        .zip(&base)
        .map(|(w, d)| w / d)
        .collect();
    assert_close(g[1], g[7], 1e-14, "same cell (male, middle)");
    // (male, young)=0, (female, young)=3, (male, old)=2, (female, old)=5
    assert_close(g[0] / g[3], g[2] / g[5], 1e-9, "sex ratio in young vs old");
}

#[test]
fn raking_does_not_depend_on_the_order_of_the_margins() {
    let (base, margins) = sex_and_age();
    let reversed: Vec<MarginTargets> = margins.iter().rev().cloned().collect();
    let control = RakeControl {
        tolerance: 1e-13,
        max_sweeps: 1000,
    };
    let forward = rake(&base, &margins, &control).unwrap();
    let backward = rake(&base, &reversed, &control).unwrap();
    for (i, (a, b)) in forward.weights.iter().zip(&backward.weights).enumerate() {
        assert_close(*a, *b, 1e-10, &format!("respondent {i}"));
    }
}

#[test]
fn raking_keeps_a_tiny_county_at_its_population() {
    // Haiyan has 2 respondents of 12; raking to county and sex must still give it its census total.
    let county = margin(
        "county",
        &[("nanhu", 600.0), ("xiuzhou", 300.0), ("haiyan", 100.0)],
        &[0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2],
    );
    let sex = margin(
        "sex",
        &[("male", 490.0), ("female", 510.0)],
        &[0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1],
    );
    let base = poststratify(&county).unwrap();
    let margins = [county, sex];
    let raked = rake(&base, &margins, &RakeControl::default()).unwrap();
    let haiyan = weighted_totals(&raked.weights, &margins[0])[2];
    assert_close(haiyan, 100.0, 1e-10, "haiyan's weighted total");
    assert!(raked.max_margin_error <= 1e-10);
}

#[test]
fn a_target_category_nobody_answered_is_an_error_naming_the_cell() {
    let margins = [
        margin("county", &[("nanhu", 100.0)], &[0, 0, 0]),
        margin("gender", &[("male", 50.0), ("female", 50.0)], &[0, 0, 0]),
    ];
    let err = rake(&[1.0; 3], &margins, &RakeControl::default()).unwrap_err();
    assert_eq!(
        err,
        WeightingError::EmptyCategory {
            margin: "gender".into(),
            category: "female".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "raking target category gender=female has no respondents; collapse it with a neighbouring \
         category or drop it from the targets"
    );
}

#[test]
fn impossible_targets_fail_explicitly_after_the_sweep_cap() {
    // Only (A, X) and (B, Y) were sampled, so A must equal X: targets A=50, X=30 cannot both hold
    // and IPF oscillates between them.
    let margins = [
        margin("region", &[("A", 50.0), ("B", 50.0)], &[0, 1]),
        margin("group", &[("X", 30.0), ("Y", 70.0)], &[0, 1]),
    ];
    let control = RakeControl {
        tolerance: 1e-10,
        max_sweeps: 50,
    };
    let err = rake(&[1.0, 1.0], &margins, &control).unwrap_err();
    let WeightingError::NotConverged {
        sweeps,
        change,
        gap,
        ..
    } = err
    else {
        panic!("expected NotConverged, got {err:?}");
    };
    assert_eq!(sweeps, 50);
    // Every sweep ends at A=30, X=30: the margins stop changing, but A misses its target by 40%.
    assert!(change < 1e-10 && gap > 0.39, "change {change}, gap {gap}");
    assert!(
        err.to_string().starts_with(
            "raking did not converge in 50 sweeps: largest margin change 0.0e0, \
             largest gap to a target 4.0e-1, tolerance 1.0e-10"
        ),
        "{err}"
    );
}

#[test]
fn malformed_inputs_are_refused_with_what_to_fix() {
    let (base, margins) = sex_and_age();
    let mut short_totals = margins.clone();
    short_totals[1].totals.pop();
    let mut disagreeing = margins.clone();
    disagreeing[1].totals[0] += 10.0;
    let mut negative_base = base.clone();
    negative_base[4] = -1.0;
    // (description, base weights, margins, control, expected part of the message)
    type Case<'a> = (&'a str, Vec<f64>, Vec<MarginTargets>, RakeControl, &'a str);
    let cases: Vec<Case> = vec![
        (
            "totals do not match categories",
            base.clone(),
            short_totals,
            RakeControl::default(),
            "margin age lists 3 categories but 2 population totals",
        ),
        (
            "margins of different population sizes",
            base.clone(),
            disagreeing,
            RakeControl::default(),
            "margins disagree on the population total: sex=1000 but age=1010",
        ),
        (
            "a negative base weight",
            negative_base,
            margins.clone(),
            RakeControl::default(),
            "base weight of respondent 4 is -1",
        ),
        (
            "base weights of the wrong length",
            base[..3].to_vec(),
            margins.clone(),
            RakeControl::default(),
            "3 base weights were given for 8 respondents",
        ),
        (
            "no sweeps allowed",
            base.clone(),
            margins.clone(),
            RakeControl {
                tolerance: 1e-10,
                max_sweeps: 0,
            },
            "max_sweeps is 0",
        ),
        (
            "no margins",
            base.clone(),
            Vec::new(),
            RakeControl::default(),
            "raking needs at least one margin",
        ),
    ];
    for (description, base, margins, control, expected) in cases {
        let err = rake(&base, &margins, &control).unwrap_err().to_string();
        assert!(err.contains(expected), "{description}: got {err:?}");
    }
}

#[test]
fn trimming_keeps_factors_within_the_cap_and_reports_the_remaining_margin_error() {
    // 18 men and 2 women for a 50/50 population: women need a factor of 5, capped at 3. With a
    // single margin no fixed point exists, so the caps win and the margin error is reported.
    let sex_of: Vec<u32> = (0..20).map(|i| u32::from(i >= 18)).collect();
    let margins = [margin("sex", &[("male", 50.0), ("female", 50.0)], &sex_of)];
    let base = vec![5.0; 20];
    let trim = TrimRule {
        min_factor: 0.3,
        max_factor: 3.0,
        max_rounds: 20,
    };
    let trimmed = rake_trimmed(&base, &margins, &RakeControl::default(), &trim).unwrap();
    for (i, (w, d)) in trimmed.weights.iter().zip(&base).enumerate() {
        let g = w / d;
        assert!(
            (0.3..=3.0).contains(&g),
            "respondent {i}: factor {g} outside [0.3, 3]"
        );
    }
    assert!(
        !trimmed.trim_converged,
        "no weights within the caps meet the target"
    );
    assert_eq!(trimmed.trim_rounds, 20);
    assert_eq!(trimmed.trimmed, 2, "the two women sit at the cap");
    let gap = largest_relative_gap(&trimmed.weights, &margins);
    assert_close(
        trimmed.max_margin_error,
        gap,
        1e-12,
        "reported margin error",
    );
    assert!(
        gap > 0.1,
        "women reach 30 of 50: the gap is visible ({gap})"
    );
}

#[test]
fn trimming_re_rakes_to_a_fixed_point_when_other_cells_can_absorb_the_cap() {
    // Young women are scarce (4 of 100) and need a factor of 3.125; after capping it at 3,
    // re-raking shifts weight to old women and young men until caps and margins hold together.
    let mut sex_of = Vec::new();
    let mut age_of = Vec::new();
    for (sex, age, count) in [(0, 0, 30), (0, 1, 30), (1, 0, 4), (1, 1, 36)] {
        sex_of.extend(std::iter::repeat_n(sex, count));
        age_of.extend(std::iter::repeat_n(age, count));
    }
    let margins = [
        margin("sex", &[("male", 50.0), ("female", 50.0)], &sex_of),
        margin("age", &[("young", 50.0), ("old", 50.0)], &age_of),
    ];
    let base = vec![1.0; 100];
    let untrimmed = rake(&base, &margins, &RakeControl::default()).unwrap();
    let largest = untrimmed.weights.iter().fold(0.0, |a: f64, &b| a.max(b));
    assert!(
        largest > 3.0,
        "without trimming a factor exceeds 3 ({largest})"
    );

    let trim = TrimRule {
        min_factor: 0.3,
        max_factor: 3.0,
        max_rounds: 100,
    };
    let trimmed = rake_trimmed(&base, &margins, &RakeControl::default(), &trim).unwrap();
    assert!(
        trimmed.trim_converged,
        "rounds used: {}",
        trimmed.trim_rounds
    );
    assert!(trimmed.trim_rounds >= 1);
    assert_eq!(trimmed.trimmed, 4, "the four young women sit at the cap");
    assert!(trimmed.weights.iter().all(|&g| (0.3..=3.0).contains(&g)));
    assert!(
        largest_relative_gap(&trimmed.weights, &margins) <= 1e-9,
        "margins still hold"
    );
}

#[test]
fn trimming_that_is_not_needed_leaves_the_raked_weights() {
    let (base, margins) = sex_and_age();
    let wide = TrimRule {
        min_factor: 0.01,
        max_factor: 100.0,
        max_rounds: 10,
    };
    let raked = rake(&base, &margins, &RakeControl::default()).unwrap();
    let trimmed = rake_trimmed(&base, &margins, &RakeControl::default(), &wide).unwrap();
    assert_eq!(raked.weights, trimmed.weights);
    assert_eq!((trimmed.trimmed, trimmed.trim_rounds), (0, 0));
}

#[test]
fn kish_design_effect_and_effective_sample_size_match_hand_computation() {
    let cases: [(&str, &[f64], f64, f64); 4] = [
        ("equal weights", &[2.0, 2.0, 2.0, 2.0], 1.0, 4.0),
        // Σw = 8, Σw² = 22: deff = 4·22/64, ESS = 64/22
        ("weights 1,1,2,4", &[1.0, 1.0, 2.0, 4.0], 1.375, 64.0 / 22.0),
        ("a single respondent", &[3.0], 1.0, 1.0),
        // Σw = 10, Σw² = 82: deff = 2·82/100
        ("one dominant weight", &[1.0, 9.0], 1.64, 100.0 / 82.0),
    ];
    for (description, weights, deff, effective_n) in cases {
        let k = kish(weights);
        assert_close(k.deff, deff, 1e-14, &format!("{description}: deff"));
        assert_close(
            k.effective_n,
            effective_n,
            1e-14,
            &format!("{description}: ESS"),
        );
    }
    let none = kish(&[]);
    assert!(
        none.deff.is_nan() && none.effective_n == 0.0,
        "no respondents"
    );
}
