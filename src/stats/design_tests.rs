//! Specifications of design-based estimation, and a check of the fast path against a
//! respondent-by-respondent reference implementation of `docs/statistics.md`.

use super::*;
use crate::stats::interval::t_quantile;
use crate::stats::weights::{kish, rake, RakeControl};

// ---------------------------------------------------------------------------------------------
// Reference implementation: the rules written out literally, one respondent at a time.
// ---------------------------------------------------------------------------------------------

struct Reference {
    estimate: f64,
    variance: f64,
    n: usize,
    df: f64,
    deff: f64,
}

fn reference(
    stratum_of: &[u32],
    strata: usize,
    weights: &[f64],
    raking: Option<&[MarginTargets]>,
    values: &[Option<f64>],
    domain: Option<usize>,
) -> Reference {
    let in_domain: Vec<bool> = (0..weights.len())
        .map(|i| values[i].is_some() && domain.is_none_or(|h| stratum_of[i] as usize == h))
        .collect();
    let y = |i: usize| values[i].unwrap_or(0.0);
    let members = || (0..weights.len()).filter(|&i| in_domain[i]);
    let total: f64 = members().map(|i| weights[i]).sum();
    let (p, z) = reference_z(weights, values, &in_domain);
    let variance = reference_variance(stratum_of, strata, weights, raking, z);
    let n = members().count();
    let s2 = n as f64 / (n as f64 - 1.0)
        * members()
            .map(|i| weights[i] * (y(i) - p).powi(2))
            .sum::<f64>()
        / total;
    let mut present: Vec<u32> = members().map(|i| stratum_of[i]).collect();
    present.sort_unstable();
    present.dedup();
    Reference {
        estimate: p,
        variance,
        n,
        df: (n - present.len()) as f64,
        deff: variance / (s2 / n as f64),
    }
}

/// The domain's estimate p and each respondent's z_i = w_i (y_i − p) / Σw (0 outside it).
fn reference_z(weights: &[f64], values: &[Option<f64>], in_domain: &[bool]) -> (f64, Vec<f64>) {
    let y = |i: usize| values[i].unwrap_or(0.0);
    let members = || (0..weights.len()).filter(|&i| in_domain[i]);
    let total: f64 = members().map(|i| weights[i]).sum();
    let p = members().map(|i| weights[i] * y(i)).sum::<f64>() / total;
    let z = (0..weights.len())
        .map(|i| {
            if in_domain[i] {
                weights[i] * (y(i) - p) / total
            } else {
                0.0
            }
        })
        .collect();
    (p, z)
}

/// The raking residuals of z, then the stratified variance over every county.
fn reference_variance(
    stratum_of: &[u32],
    strata: usize,
    weights: &[f64],
    raking: Option<&[MarginTargets]>,
    mut z: Vec<f64>,
) -> f64 {
    for _ in 0..RAKING_RESIDUAL_ROUNDS {
        for margin in raking.unwrap_or(&[]) {
            let k = margin.categories.len();
            let (mut sum, mut count) = (vec![0.0; k], vec![0.0; k]);
            for i in 0..z.len() {
                let c = margin.category_of[i] as usize;
                sum[c] += z[i] / weights[i];
                count[c] += 1.0;
            }
            for i in 0..z.len() {
                let c = margin.category_of[i] as usize;
                z[i] -= weights[i] * sum[c] / count[c];
            }
        }
    }
    let mut variance = 0.0;
    for h in 0..strata {
        let zh: Vec<f64> = (0..z.len())
            .filter(|&i| stratum_of[i] as usize == h)
            .map(|i| z[i])
            .collect();
        let nh = zh.len() as f64;
        if nh > 1.0 {
            let mean = zh.iter().sum::<f64>() / nh;
            variance += nh / (nh - 1.0) * zh.iter().map(|v| (v - mean).powi(2)).sum::<f64>();
        }
    }
    variance
}

/// A group's estimate minus the others' in a domain, and the variance of that difference:
/// z = z_group − z_others, respondent by respondent.
fn reference_difference(
    s: &Sample,
    raking: Option<&[MarginTargets]>,
    values: &[Option<f64>],
    in_group: &[bool],
    domain: Option<usize>,
) -> (f64, f64) {
    let side = |group: bool| -> Vec<bool> {
        (0..values.len())
            .map(|i| {
                values[i].is_some()
                    && in_group[i] == group
                    && domain.is_none_or(|h| s.stratum_of[i] as usize == h)
            })
            .collect()
    };
    let (pa, za) = reference_z(&s.weights, values, &side(true));
    let (pb, zb) = reference_z(&s.weights, values, &side(false));
    let z = za.iter().zip(&zb).map(|(a, b)| a - b).collect();
    (
        pa - pb,
        reference_variance(&s.stratum_of, s.strata, &s.weights, raking, z),
    )
}

// ---------------------------------------------------------------------------------------------
// Synthetic samples
// ---------------------------------------------------------------------------------------------

/// splitmix64: a tiny deterministic generator for test data.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, k: u32) -> u32 {
        (self.uniform() * f64::from(k)) as u32
    }
}

struct Sample {
    stratum_of: Vec<u32>,
    strata: usize,
    weights: Vec<f64>,
    margins: Vec<MarginTargets>,
    yes_no: Vec<Option<f64>>,
    scores: Vec<Option<f64>>,
}

fn margin(name: &str, category_of: Vec<u32>, categories: usize) -> MarginTargets {
    MarginTargets {
        name: name.to_string(),
        categories: (0..categories).map(|c| format!("{name}{c}")).collect(),
        totals: vec![1000.0 / categories as f64; categories],
        category_of,
    }
}

/// `n` respondents in 4 counties of skewed sizes, 2 sexes, 3 age bands, random positive weights,
/// 10% "don't know". With `county_margin`, the county is also a raking margin (as in Minyi);
/// without it, raking cells cut across counties.
fn sample(n: usize, seed: u64, county_margin: bool) -> Sample {
    let mut rng = SplitMix(seed);
    let stratum_of: Vec<u32> = (0..n)
        .map(|_| match rng.uniform() {
            u if u < 0.5 => 0,
            u if u < 0.8 => 1,
            u if u < 0.95 => 2,
            _ => 3,
        })
        .collect();
    let sex: Vec<u32> = (0..n).map(|_| rng.below(2)).collect();
    let age: Vec<u32> = (0..n).map(|_| rng.below(3)).collect();
    let weights = (0..n).map(|_| 0.5 + 2.5 * rng.uniform()).collect();
    let yes_no = (0..n)
        .map(|i| {
            (rng.uniform() > 0.1)
                .then(|| f64::from(u8::from(rng.uniform() < 0.4 + 0.1 * f64::from(age[i]))))
        })
        .collect();
    let scores = (0..n)
        .map(|_| {
            (rng.uniform() > 0.1).then(|| [0.0, 30.0, 60.0, 80.0, 100.0][rng.below(5) as usize])
        })
        .collect();
    let mut margins = Vec::new();
    if county_margin {
        margins.push(margin("county", stratum_of.clone(), 4));
    }
    margins.push(margin("sex", sex, 2));
    margins.push(margin("age", age, 3));
    Sample {
        stratum_of,
        strata: 4,
        weights,
        margins,
        yes_no,
        scores,
    }
}

fn assert_close(actual: f64, expected: f64, relative: f64, what: &str) {
    let scale = expected.abs().max(1e-12);
    assert!(
        (actual - expected).abs() <= relative * scale,
        "{what}: got {actual}, expected {expected}"
    );
}

fn check_against_reference(s: &Sample, raking: Option<&[MarginTargets]>, label: &str) {
    let design = Design::new(&s.stratum_of, s.strata, &s.weights, raking).unwrap();
    for (indicator, kind, values) in [
        ("yes/no", Kind::Proportion, &s.yes_no),
        ("score", Kind::Mean, &s.scores),
    ] {
        let fast = design.estimate_domains(values, kind).unwrap();
        let domains = std::iter::once((None, &fast.city))
            .chain(fast.strata.iter().enumerate().map(|(h, e)| (Some(h), e)));
        for (domain, got) in domains {
            let want = reference(&s.stratum_of, s.strata, &s.weights, raking, values, domain);
            let what = format!("{label}, {indicator}, domain {domain:?}");
            assert_close(
                got.estimate,
                want.estimate,
                1e-12,
                &format!("{what}: estimate"),
            );
            assert_close(got.se, want.variance.sqrt(), 1e-9, &format!("{what}: se"));
            assert_close(got.deff, want.deff, 1e-9, &format!("{what}: deff"));
            assert_eq!(got.n, want.n, "{what}: n");
            assert_eq!(got.df, want.df, "{what}: df");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Specifications
// ---------------------------------------------------------------------------------------------

#[test]
fn fast_raking_residuals_match_the_respondent_by_respondent_reference() {
    for (seed, county_margin) in [(1, true), (2, true), (3, false)] {
        let s = sample(600, seed, county_margin);
        check_against_reference(
            &s,
            Some(&s.margins),
            &format!("raked, seed {seed}, county margin {county_margin}"),
        );
    }
}

#[test]
fn a_groups_difference_from_the_others_matches_the_respondent_by_respondent_reference() {
    for (seed, raked) in [(11, true), (12, false)] {
        let s = sample(700, seed, true);
        let raking = raked.then_some(&s.margins[..]);
        let design = Design::new(&s.stratum_of, s.strata, &s.weights, raking).unwrap();
        // A group that answers differently: more often in the first county and the first sex.
        let mut rng = SplitMix(seed + 100);
        let in_group: Vec<bool> = (0..s.weights.len())
            .map(|i| rng.uniform() < if s.stratum_of[i] == 0 { 0.5 } else { 0.2 })
            .collect();
        for (indicator, kind, values) in [
            ("yes/no", Kind::Proportion, &s.yes_no),
            ("score", Kind::Mean, &s.scores),
        ] {
            let fast = design
                .estimate_differences(values, &in_group, kind)
                .unwrap();
            let domains = std::iter::once((None, &fast.city))
                .chain(fast.strata.iter().enumerate().map(|(h, d)| (Some(h), d)));
            for (domain, got) in domains {
                let what = format!("raked {raked}, {indicator}, domain {domain:?}");
                let (difference, variance) =
                    reference_difference(&s, raking, values, &in_group, domain);
                assert_close(
                    got.difference,
                    difference,
                    1e-10,
                    &format!("{what}: difference"),
                );
                assert_close(got.se, variance.sqrt(), 1e-9, &format!("{what}: se"));
                let t = t_quantile(got.df);
                assert_close(got.ci_low, difference - t * got.se, 1e-12, &what);
                assert_close(got.ci_high, difference + t * got.se, 1e-12, &what);
            }
        }
    }
}

#[test]
fn a_difference_within_counties_matches_the_respondent_by_respondent_reference() {
    let s = sample(900, 31, true);
    let design = Design::new(&s.stratum_of, s.strata, &s.weights, Some(&s.margins)).unwrap();
    let mut rng = SplitMix(77);
    let in_group: Vec<bool> = (0..s.weights.len()).map(|_| rng.uniform() < 0.3).collect();
    // The third county is left out, as a county with too few answers on one side would be.
    let population = [5000.0, 3000.0, 1500.0, 500.0];
    let county_weights = [population[0], population[1], 0.0, population[3]];
    let got = design
        .estimate_difference_within_counties(&s.scores, &in_group, Kind::Mean, &county_weights)
        .unwrap();

    let county_weight = |h: usize| population[h];
    let counties = [0usize, 1, 3];
    let total: f64 = counties.iter().map(|&h| county_weight(h)).sum();
    let (mut difference, mut z) = (0.0, vec![0.0; s.weights.len()]);
    for &h in &counties {
        let c = county_weight(h) / total;
        let side = |group: bool| -> Vec<bool> {
            (0..s.weights.len())
                .map(|i| {
                    s.scores[i].is_some() && in_group[i] == group && s.stratum_of[i] as usize == h
                })
                .collect()
        };
        let (pa, za) = reference_z(&s.weights, &s.scores, &side(true));
        let (pb, zb) = reference_z(&s.weights, &s.scores, &side(false));
        difference += c * (pa - pb);
        for (i, zi) in z.iter_mut().enumerate() {
            *zi += c * (za[i] - zb[i]);
        }
    }
    let variance = reference_variance(&s.stratum_of, s.strata, &s.weights, Some(&s.margins), z);
    assert_close(got.difference, difference, 1e-10, "difference");
    assert_close(got.se, variance.sqrt(), 1e-9, "se");
    let answered = |h: usize| {
        (0..s.weights.len())
            .filter(|&i| s.scores[i].is_some() && s.stratum_of[i] as usize == h)
            .count()
    };
    let n: usize = counties.iter().map(|&h| answered(h)).sum();
    assert_eq!(
        got.n_group + got.n_others,
        n,
        "the answers of the counties compared"
    );
    assert_eq!(got.df, (n - counties.len()) as f64);

    let none = design
        .estimate_difference_within_counties(&s.scores, &in_group, Kind::Mean, &[0.0; 4])
        .unwrap();
    assert!(
        none.difference.is_nan() && none.flags.undefined,
        "no county compared: {none:?}"
    );
}

#[test]
fn a_difference_is_joint_not_two_separate_variances_added() {
    // Raked to the counties, a group's and the others' estimates share the margins: the
    // difference's variance is not the sum of the two domains' variances.
    let s = sample(800, 21, true);
    let design = Design::new(&s.stratum_of, s.strata, &s.weights, Some(&s.margins)).unwrap();
    let in_group: Vec<bool> = (0..s.weights.len()).map(|i| i % 3 == 0).collect();
    let split = |group: bool| -> Vec<Option<f64>> {
        s.yes_no
            .iter()
            .zip(&in_group)
            .map(|(v, &g)| if g == group { *v } else { None })
            .collect()
    };
    let a = design
        .estimate_domains(&split(true), Kind::Proportion)
        .unwrap();
    let b = design
        .estimate_domains(&split(false), Kind::Proportion)
        .unwrap();
    let d = design
        .estimate_differences(&s.yes_no, &in_group, Kind::Proportion)
        .unwrap();
    assert_close(
        d.city.difference,
        a.city.estimate - b.city.estimate,
        1e-12,
        "the difference of the two estimates",
    );
    let separate = (a.city.se.powi(2) + b.city.se.powi(2)).sqrt();
    assert!(
        (d.city.se - separate).abs() > 1e-6 * separate,
        "joint SE {} should differ from the separate {separate}",
        d.city.se
    );
    assert_eq!(d.city.df, (a.city.n + b.city.n - 4) as f64);
}

#[test]
fn a_difference_with_no_answers_on_one_side_is_undefined_and_flagged() {
    let s = sample(300, 5, true);
    let design = Design::new(&s.stratum_of, s.strata, &s.weights, Some(&s.margins)).unwrap();
    let everyone = vec![true; s.weights.len()];
    let d = design
        .estimate_differences(&s.scores, &everyone, Kind::Mean)
        .unwrap();
    assert!(d.city.difference.is_nan() && d.city.flags.undefined);
    assert_eq!(d.city.n_others, 0);
    assert!(!d.city.is_clear());
    let wrong = design.estimate_differences(&s.scores, &everyone[1..], Kind::Mean);
    assert!(matches!(
        wrong,
        Err(EstimationError::LengthMismatch {
            what: "group memberships",
            ..
        })
    ));
}

#[test]
fn fast_path_without_raking_matches_the_reference() {
    let s = sample(500, 7, true);
    check_against_reference(&s, None, "post-stratified");
}

#[test]
fn a_single_county_with_equal_weights_gives_the_textbook_standard_error() {
    // 4 of 10 say yes: v = p(1 − p)/(n − 1), deff = 1, df = n − 1.
    let stratum_of = [0u32; 10];
    let weights = [7.0; 10];
    let values: Vec<Option<f64>> = (0..10).map(|i| Some(f64::from(u8::from(i < 4)))).collect();
    let design = Design::new(&stratum_of, 1, &weights, None).unwrap();
    let city = design
        .estimate_domains(&values, Kind::Proportion)
        .unwrap()
        .city;
    assert_close(city.estimate, 0.4, 1e-15, "estimate");
    assert_close(city.se, (0.24f64 / 9.0).sqrt(), 1e-14, "se");
    assert_close(city.deff, 1.0, 1e-14, "deff");
    assert_eq!((city.n, city.df), (10, 9.0));
    let logit = (0.4f64 / 0.6).ln();
    let half = t_quantile(9.0) * city.se / 0.24;
    let expit = |x: f64| 1.0 / (1.0 + (-x).exp());
    assert_close(
        city.ci_low,
        expit(logit - half),
        1e-14,
        "ci_low on the logit scale",
    );
    assert_close(
        city.ci_high,
        expit(logit + half),
        1e-14,
        "ci_high on the logit scale",
    );
}

#[test]
fn dont_know_answers_leave_the_denominator_but_stay_in_the_design() {
    // 10 respondents, 2 "don't know", 6 of 8 yes. z = (y − p)/8 for the 8 and 0 for the 2; the
    // variance uses all 10: v = 10/9 · Σ(y − p)²/64 (a sample of its own would use 8/7), and
    // deff = n_h(n − 1) / ((n_h − 1) n) = 10·7 / (9·8).
    let stratum_of = [0u32; 10];
    let weights = [3.0; 10];
    let mut values: Vec<Option<f64>> = (0..8).map(|i| Some(f64::from(u8::from(i < 6)))).collect();
    values.extend([None, None]);
    let design = Design::new(&stratum_of, 1, &weights, None).unwrap();
    let city = design
        .estimate_domains(&values, Kind::Proportion)
        .unwrap()
        .city;
    let squares = 6.0 * 0.25f64.powi(2) + 2.0 * 0.75f64.powi(2);
    assert_close(city.estimate, 0.75, 1e-15, "estimate");
    assert_close(
        city.se,
        (10.0 / 9.0 * squares / 64.0f64).sqrt(),
        1e-14,
        "se",
    );
    assert_close(city.deff, 70.0 / 72.0, 1e-14, "deff");
    assert_eq!((city.n, city.df), (8, 7.0));
}

#[test]
fn degrees_of_freedom_are_respondents_minus_the_counties_present() {
    // Three counties; county 2 has only "don't know" answers, so it is not present in the domain.
    let stratum_of = [0, 0, 0, 1, 1, 1, 1, 2, 2];
    let weights = [1.0; 9];
    let values = [
        Some(1.0),
        Some(0.0),
        Some(1.0),
        Some(0.0),
        Some(1.0),
        Some(1.0),
        None,
        None,
        None,
    ];
    let design = Design::new(&stratum_of, 3, &weights, None).unwrap();
    let estimates = design.estimate_domains(&values, Kind::Proportion).unwrap();
    let cases = [
        ("city", &estimates.city, 6, 4.0),
        ("county 0", &estimates.strata[0], 3, 2.0),
        ("county 1", &estimates.strata[1], 3, 2.0),
    ];
    for (domain, estimate, n, df) in cases {
        assert_eq!((estimate.n, estimate.df), (n, df), "{domain}");
    }
}

#[test]
fn domains_without_a_defined_figure_are_nan_and_flagged_never_a_panic() {
    // County 1 answered only "don't know"; county 2 all said yes (no logit CI: the exact
    // binomial one instead); county 3 has a single valid answer (no degrees of freedom).
    let stratum_of = [0, 0, 0, 0, 1, 1, 2, 2, 2, 3, 3];
    let weights = [1.0, 2.0, 1.0, 2.0, 1.0, 1.0, 1.0, 2.0, 3.0, 1.0, 1.0];
    let values = [
        Some(1.0),
        Some(0.0),
        Some(1.0),
        Some(0.0),
        None,
        None,
        Some(1.0),
        Some(1.0),
        Some(1.0),
        Some(0.0),
        None,
    ];
    let design = Design::new(&stratum_of, 4, &weights, None).unwrap();
    let estimates = design.estimate_domains(&values, Kind::Proportion).unwrap();
    let cases = [
        ("no valid answer", &estimates.strata[1], true),
        ("one valid answer", &estimates.strata[3], false),
    ];
    for (description, estimate, estimate_is_nan) in cases {
        assert!(estimate.flags.undefined, "{description}: {estimate:?}");
        assert!(!estimate.flags.is_reliable(), "{description}");
        assert!(
            estimate.ci_low.is_nan() && estimate.ci_high.is_nan(),
            "{description}"
        );
        assert_eq!(estimate.estimate.is_nan(), estimate_is_nan, "{description}");
    }
    assert_eq!(estimates.strata[1].n, 0);
    let unanimous = &estimates.strata[2];
    // Kish n* = 36/14 with weights 1, 2, 3 and df = n − 1, so n* is not rescaled.
    let lower = 0.025f64.powf(14.0 / 36.0);
    assert!(
        (unanimous.ci_low - lower).abs() < 1e-12 && unanimous.ci_high == 1.0,
        "unanimous: the exact binomial interval, {unanimous:?}"
    );
    assert!(
        !unanimous.flags.undefined && unanimous.flags.low_effective_n,
        "{unanimous:?}"
    );
    assert!(
        estimates.city.estimate.is_finite(),
        "the city still has a figure"
    );
}

#[test]
fn a_domain_with_a_small_effective_sample_is_flagged() {
    let s = sample(400, 11, true);
    let design = Design::new(&s.stratum_of, s.strata, &s.weights, Some(&s.margins)).unwrap();
    let estimates = design
        .estimate_domains(&s.yes_no, Kind::Proportion)
        .unwrap();
    for (domain, e) in std::iter::once(("city".to_string(), &estimates.city)).chain(
        estimates
            .strata
            .iter()
            .enumerate()
            .map(|(h, e)| (format!("county {h}"), e)),
    ) {
        assert_eq!(
            e.flags.low_effective_n,
            e.effective_n < 30.0,
            "{domain}: ESS {}",
            e.effective_n
        );
        assert_eq!(
            e.flags.wide_interval,
            e.ci_high - e.ci_low >= 0.30,
            "{domain}"
        );
    }
    assert!(
        estimates.strata[3].flags.low_effective_n,
        "county 3 holds about 5% of 400 respondents"
    );
}

#[test]
fn a_county_whose_every_answer_is_the_same_gets_that_value_and_no_interval() {
    // Each county's residents all give one score (60, 80 or 100 in turn), under uneven weights
    // and the raking residuals: the figure must be the score itself, with no spread, so no
    // interval and no status (docs/methodology.md). Rounding in the weighted sums used to leave
    // 80 a few units of the last place below itself, with an SE of 1e-8 and an interval.
    for (seed, score) in (1..=8).zip([60.0, 80.0, 100.0].into_iter().cycle()) {
        let s = sample(600, seed, true);
        let alike: Vec<Option<f64>> = s.scores.iter().map(|v| v.map(|_| score)).collect();
        let design = Design::new(&s.stratum_of, s.strata, &s.weights, Some(&s.margins)).unwrap();
        let estimates = design.estimate_domains(&alike, Kind::Mean).unwrap();
        for (h, e) in estimates.strata.iter().enumerate() {
            let what = format!("seed {seed}, county {h}, every answer {score}");
            assert_eq!(e.estimate, score, "{what}: the estimate");
            assert_eq!(e.se, 0.0, "{what}: the SE");
            assert!(
                e.ci_low.is_nan() && e.ci_high.is_nan(),
                "{what}: no interval"
            );
        }
        assert_eq!(estimates.city.estimate, score, "seed {seed}: the city");
        assert_eq!(estimates.city.se, 0.0, "seed {seed}: the city's SE");
    }
}

#[test]
fn raking_residuals_remove_the_variance_of_a_raked_margin() {
    // The share of men is fixed by raking to the sex margin, so its SE almost vanishes once z is
    // replaced by its raking residual; without the residual step it would not.
    let s = sample(800, 5, true);
    let raked = rake(&vec![1.0; 800], &s.margins, &RakeControl::default()).unwrap();
    let men: Vec<Option<f64>> = s.margins[1]
        .category_of
        .iter()
        .map(|&c| Some(f64::from(u8::from(c == 0))))
        .collect();
    let with = Design::new(&s.stratum_of, s.strata, &raked.weights, Some(&s.margins)).unwrap();
    let without = Design::new(&s.stratum_of, s.strata, &raked.weights, None).unwrap();
    let se_with = with
        .estimate_domains(&men, Kind::Proportion)
        .unwrap()
        .city
        .se;
    let se_without = without
        .estimate_domains(&men, Kind::Proportion)
        .unwrap()
        .city
        .se;
    assert!(
        se_with < 1e-3 * se_without,
        "SE with raking residuals {se_with}, without {se_without}"
    );
}

#[test]
fn kish_is_reported_for_the_city_and_each_county() {
    let s = sample(300, 9, true);
    let design = Design::new(&s.stratum_of, s.strata, &s.weights, None).unwrap();
    let by_domain = design.kish();
    let whole = kish(&s.weights);
    assert_close(by_domain.city.deff, whole.deff, 1e-12, "city deff");
    assert_close(
        by_domain.city.effective_n,
        whole.effective_n,
        1e-12,
        "city ESS",
    );
    for (h, got) in by_domain.strata.iter().enumerate() {
        let own: Vec<f64> = (0..300)
            .filter(|&i| s.stratum_of[i] as usize == h)
            .map(|i| s.weights[i])
            .collect();
        let want = kish(&own);
        assert_close(
            got.effective_n,
            want.effective_n,
            1e-12,
            &format!("county {h} ESS"),
        );
    }
}

#[test]
fn invalid_inputs_are_refused_with_what_to_fix() {
    let strata_ok = [0u32, 0, 1, 1];
    let weights_ok = [1.0; 4];
    let values_ok = [Some(1.0); 4];
    type Case<'a> = (
        &'a str,
        &'a [u32],
        &'a [f64],
        &'a [Option<f64>],
        Kind,
        &'a str,
    );
    let cases: [Case; 6] = [
        (
            "unknown county",
            &[0, 0, 2, 2],
            &weights_ok,
            &values_ok,
            Kind::Proportion,
            "respondent 2 is in stratum 2 but the design has 2 strata",
        ),
        (
            "short weights",
            &strata_ok,
            &[1.0; 3],
            &values_ok,
            Kind::Proportion,
            "weights has 3 entries but there are 4 respondents",
        ),
        (
            "negative weight",
            &strata_ok,
            &[1.0, -2.0, 1.0, 1.0],
            &values_ok,
            Kind::Proportion,
            "weight of respondent 1 is -2",
        ),
        (
            "a half in a proportion",
            &strata_ok,
            &weights_ok,
            &[Some(1.0), Some(0.5), None, None],
            Kind::Proportion,
            "value 0.5 of respondent 1 is not valid for a proportion (0 or 1)",
        ),
        (
            "NaN score",
            &strata_ok,
            &weights_ok,
            &[Some(1.0), None, Some(f64::NAN), None],
            Kind::Mean,
            "value NaN of respondent 2 is not valid for a mean",
        ),
        (
            "short values",
            &strata_ok,
            &weights_ok,
            &[Some(1.0)],
            Kind::Mean,
            "indicator values has 1 entries but there are 4 respondents",
        ),
    ];
    for (description, stratum_of, weights, values, kind, expected) in cases {
        let result = Design::new(stratum_of, 2, weights, None)
            .and_then(|design| design.estimate_domains(values, kind));
        let err = result.expect_err(description).to_string();
        assert!(err.contains(expected), "{description}: got {err:?}");
    }
}
