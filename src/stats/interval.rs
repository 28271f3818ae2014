//! 95% confidence intervals (logit scale for proportions, symmetric t for means) and the
//! reliability flags that keep an unsure figure from looking sure.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Two-sided confidence level of every interval.
pub const CONFIDENCE_LEVEL: f64 = 0.95;
/// A figure whose domain has a Kish effective sample size below this is flagged.
pub const MIN_EFFECTIVE_N: f64 = 30.0;
/// A proportion whose CI is at least this wide is flagged.
pub const MAX_PROPORTION_CI_WIDTH: f64 = 0.30;
/// Means are scores on Minyi's 0–100 scale; the width rule for proportions, applied relative to
/// this scale, flags a mean whose CI is at least 30 points wide.
pub const SCORE_SCALE: f64 = 100.0;

/// What an indicator's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    /// Values 0 or 1; the estimate is a share, its CI computed on the logit scale
    /// (R's `svyciprop(method = "logit")`).
    Proportion,
    /// Scores on the 0–100 scale; the CI is estimate ± t·SE.
    Mean,
}

/// Why a figure must be shown as unreliable. All false means it may be shown as a number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reliability {
    /// Kish effective sample size of the domain below [`MIN_EFFECTIVE_N`].
    pub low_effective_n: bool,
    /// CI width at least [`MAX_PROPORTION_CI_WIDTH`] (proportions) or 30 points (means).
    pub wide_interval: bool,
    /// No defined estimate, SE or CI (empty domain, too few degrees of freedom, ...).
    pub undefined: bool,
    /// A county the domain takes in has a single respondent: its share of the variance cannot
    /// be estimated (in a design raked to the counties its linearized value is zero), so the
    /// interval is too narrow. Set on the city's figures.
    #[serde(default)]
    pub lone_county: bool,
}

impl Reliability {
    /// True when no flag is raised.
    pub fn is_reliable(&self) -> bool {
        !(self.low_effective_n || self.wide_interval || self.undefined || self.lone_county)
    }

    /// The NCHS-style rules applied to one figure.
    pub(crate) fn assess(
        kind: Kind,
        effective_n: f64,
        estimate: f64,
        se: f64,
        ci: (f64, f64),
    ) -> Self {
        let width = ci.1 - ci.0;
        let max_width = match kind {
            Kind::Proportion => MAX_PROPORTION_CI_WIDTH,
            Kind::Mean => MAX_PROPORTION_CI_WIDTH * SCORE_SCALE,
        };
        let defined = [estimate, se, ci.0, ci.1].iter().all(|v| v.is_finite());
        Reliability {
            low_effective_n: is_low_effective_n(effective_n),
            wide_interval: defined && width >= max_width,
            undefined: !defined,
            lone_county: false,
        }
    }
}

/// ESS below [`MIN_EFFECTIVE_N`], or undefined.
pub(crate) fn is_low_effective_n(effective_n: f64) -> bool {
    effective_n.is_nan() || effective_n < MIN_EFFECTIVE_N
}

/// Two-sided 95% Student t quantile t_{0.975, df}; NaN when `df` is not positive.
pub fn t_quantile(df: f64) -> f64 {
    match StudentsT::new(0.0, 1.0, df) {
        Ok(t) if df > 0.0 => t.inverse_cdf(0.5 + CONFIDENCE_LEVEL / 2.0),
        _ => f64::NAN,
    }
}

/// Interval for `kind` around `estimate` with standard error `se` and `df` degrees of freedom.
/// Undefined intervals are `(NaN, NaN)`. A score with an SE of 0 (every answer the same, so
/// no spread to measure) has none: a zero-width interval would look surer than any real one
/// and "meet" a threshold it merely touches.
pub fn confidence_interval(kind: Kind, estimate: f64, se: f64, df: f64) -> (f64, f64) {
    let t = t_quantile(df);
    let interval = match kind {
        Kind::Proportion => logit_interval(estimate, se, t),
        Kind::Mean if se <= 0.0 => (f64::NAN, f64::NAN),
        Kind::Mean => (estimate - t * se, estimate + t * se),
    };
    if interval.0.is_finite() && interval.1.is_finite() {
        interval
    } else {
        (f64::NAN, f64::NAN)
    }
}

/// The interval of a share of exactly 0 or 1, where the logit interval is undefined (its SE is
/// 0): Korn and Graubard's (1998) exact binomial interval on an effective sample size, as NCHS
/// applies it where the design-based one (p(1 − p)/SE², which R's `svyciprop(method = "beta")`
/// uses) is 0/0: the Kish effective sample size `effective_n` of the domain's answers, scaled by
/// (t_{n−1} / t_df)² with `n` the domain's answers. For 1 that is
/// [(α/2)^(1/n*), 1], for 0 [0, 1 − (α/2)^(1/n*)]: 3 answers out of 3 give [0.29, 1]. `None`
/// when `p` is not 0 or 1; NaN bounds when there are no degrees of freedom.
pub fn boundary_share_interval(p: f64, n: usize, df: f64, effective_n: f64) -> Option<(f64, f64)> {
    if p != 0.0 && p != 1.0 {
        return None;
    }
    let scaled = effective_n * (t_quantile(n as f64 - 1.0) / t_quantile(df)).powi(2);
    let tail = ((1.0 - CONFIDENCE_LEVEL) / 2.0).powf(1.0 / scaled);
    let interval = if p == 1.0 {
        (tail, 1.0)
    } else {
        (0.0, 1.0 - tail)
    };
    Some(if scaled.is_finite() && scaled > 0.0 && tail.is_finite() {
        interval
    } else {
        (f64::NAN, f64::NAN)
    })
}

/// logit(p) ± t·SE/(p(1 − p)), back-transformed.
fn logit_interval(p: f64, se: f64, t: f64) -> (f64, f64) {
    if !(p > 0.0 && p < 1.0) {
        return (f64::NAN, f64::NAN);
    }
    let centre = (p / (1.0 - p)).ln();
    let half = t * se / (p * (1.0 - p));
    let expit = |x: f64| 1.0 / (1.0 + (-x).exp());
    (expit(centre - half), expit(centre + half))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_r_qt() {
        // df 1 and 2 have closed forms: tan(0.475π) and 0.95 / sqrt(2 · 0.975 · 0.025);
        // qt(0.975, 10) = 2.228139 in R.
        let cases = [
            (1.0, (0.475 * std::f64::consts::PI).tan(), 1e-9),
            (2.0, 0.95 / (2.0f64 * 0.975 * 0.025).sqrt(), 1e-9),
            (10.0, 2.228139, 1e-6),
        ];
        for (df, expected, relative) in cases {
            let t = t_quantile(df);
            assert!(
                ((t - expected) / expected).abs() < relative,
                "df {df}: got {t}, expected {expected}"
            );
        }
        assert!(
            t_quantile(0.0).is_nan(),
            "no degrees of freedom, no quantile"
        );
    }

    #[test]
    fn proportion_intervals_are_on_the_logit_scale() {
        let (low, high) = confidence_interval(Kind::Proportion, 0.9, 0.05, 100.0);
        assert!(
            low > 0.0 && high < 1.0,
            "stays inside (0, 1): {low}..{high}"
        );
        assert!(
            0.9 - low > high - 0.9,
            "longer towards the centre: {low}..{high}"
        );
        let logit = |p: f64| (p / (1.0 - p)).ln();
        let mid = (logit(low) + logit(high)) / 2.0;
        assert!(
            (mid - logit(0.9)).abs() < 1e-12,
            "symmetric on the logit scale"
        );
    }

    #[test]
    fn mean_intervals_are_symmetric_t_intervals() {
        let (low, high) = confidence_interval(Kind::Mean, 70.0, 2.0, 10.0);
        let t = t_quantile(10.0);
        assert!((low - (70.0 - 2.0 * t)).abs() < 1e-12 && (high - (70.0 + 2.0 * t)).abs() < 1e-12);
    }

    #[test]
    fn a_share_of_exactly_0_or_1_gets_the_exact_binomial_interval_on_its_effective_size() {
        // Clopper-Pearson for x = n is qbeta(0.025, n, 1) = 0.025^(1/n); R: qbeta(0.025, 3, 1)
        // = 0.2924018. For x = 0 the upper end is 1 - 0.025^(1/n).
        let (low, high) = boundary_share_interval(1.0, 3, 2.0, 3.0).expect("a share of 1");
        assert!(
            (low - 0.2924018).abs() < 1e-6 && high == 1.0,
            "{low}..{high}"
        );
        let (low, high) = boundary_share_interval(0.0, 2909, 2902.0, 2909.0).expect("of 0");
        let clopper_pearson = 1.0 - 0.025f64.powf(1.0 / 2909.0);
        assert!(
            low == 0.0 && (high / clopper_pearson - 1.0).abs() < 1e-5,
            "{high}"
        );
        let (unequal, _) = boundary_share_interval(1.0, 100, 99.0, 40.0).unwrap();
        let (equal, _) = boundary_share_interval(1.0, 100, 99.0, 100.0).unwrap();
        assert!(
            unequal < equal,
            "unequal weights widen it: {unequal} vs {equal}"
        );
        let (fewer_df, _) = boundary_share_interval(1.0, 100, 10.0, 100.0).unwrap();
        assert!(fewer_df < equal, "fewer degrees of freedom widen it too");
        assert_eq!(
            boundary_share_interval(0.5, 100, 99.0, 100.0),
            None,
            "the logit interval's case"
        );
        let (low, high) = boundary_share_interval(1.0, 1, 0.0, 1.0).unwrap();
        assert!(low.is_nan() && high.is_nan(), "one answer: no interval");
    }

    #[test]
    fn intervals_without_a_defined_value_are_nan() {
        let cases = [
            (
                "share of exactly 1 on the logit scale",
                Kind::Proportion,
                1.0,
                0.0,
                50.0,
            ),
            (
                "share of exactly 0 on the logit scale",
                Kind::Proportion,
                0.0,
                0.0,
                50.0,
            ),
            ("no degrees of freedom", Kind::Mean, 50.0, 3.0, 0.0),
            ("a score every answer gave", Kind::Mean, 80.0, 0.0, 40.0),
            ("undefined SE", Kind::Mean, 50.0, f64::NAN, 10.0),
        ];
        for (description, kind, estimate, se, df) in cases {
            let (low, high) = confidence_interval(kind, estimate, se, df);
            assert!(
                low.is_nan() && high.is_nan(),
                "{description}: {low}..{high}"
            );
        }
    }

    #[test]
    fn reliability_flags_follow_the_nchs_style_rules() {
        let cases = [
            (
                "large, narrow share",
                Kind::Proportion,
                400.0,
                (0.60, 0.70),
                true,
            ),
            (
                "effective n below 30",
                Kind::Proportion,
                29.9,
                (0.60, 0.70),
                false,
            ),
            (
                "share CI 0.35 wide",
                Kind::Proportion,
                400.0,
                (0.35, 0.70),
                false,
            ),
            (
                "score CI 29 points wide",
                Kind::Mean,
                400.0,
                (50.0, 79.0),
                true,
            ),
            (
                "score CI 30 points wide",
                Kind::Mean,
                400.0,
                (50.0, 80.0),
                false,
            ),
            (
                "no CI",
                Kind::Proportion,
                400.0,
                (f64::NAN, f64::NAN),
                false,
            ),
        ];
        for (description, kind, ess, ci, reliable) in cases {
            let flags = Reliability::assess(kind, ess, 0.5, 0.01, ci);
            assert_eq!(flags.is_reliable(), reliable, "{description}: {flags:?}");
        }
    }
}
