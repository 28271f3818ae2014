//! The evaluation as a text table for the terminal (CSV lives in `release`).

use std::fmt::Write as _;

use super::{Evaluation, IndicatorResult, Status};
use crate::survey::reaches;

const SIMULATED_BANNER: &str = "!!! SIMULATED RESPONSES INCLUDED — these figures describe no real population (含模拟数据，不得作为评价结果) !!!";

fn figure(i: &IndicatorResult, value: f64) -> String {
    if value.is_nan() {
        "—".to_owned()
    } else if i.kind == "proportion" {
        format!("{:.1}%", value * 100.0)
    } else {
        format!("{value:.1}")
    }
}

/// `figure`, unless that reads the same as the threshold while the value is below it ("70.0%"
/// beside "threshold 70.0%" and 0 points): then two decimals, cut ("69.99%"), as the results
/// page writes it.
fn against_threshold(i: &IndicatorResult, value: f64) -> String {
    let shown = figure(i, value);
    if !reaches(value, i.threshold) && shown == figure(i, i.threshold) {
        let cut = two_places_below(on_its_scale(i, value), on_its_scale(i, i.threshold));
        if i.kind == "proportion" {
            format!("{cut}%")
        } else {
            cut
        }
    } else {
        shown
    }
}

/// A value as the pages and the terminal write it: a rate in percent, a score as it is.
pub fn on_its_scale(i: &IndicatorResult, value: f64) -> f64 {
    if i.kind == "proportion" {
        value * 100.0
    } else {
        value
    }
}

/// A value below `threshold` to two decimal places, cut rather than rounded and never above
/// the last hundredth below the threshold, so that it reads below it (69.9999 is "69.99", not
/// "70.00"). The nudges keep a value written with two decimals as it is (79.96 × 100 is
/// 7995.999… in binary). A value within floating point's reach of the threshold reaches it
/// (`crate::survey::reaches`) and is not written this way.
pub fn two_places_below(value: f64, threshold: f64) -> String {
    let hundredths = (value * 100.0 + 1e-9).floor();
    let last_below = (threshold * 100.0 - 1e-9).ceil() - 1.0;
    format!("{:.2}", hundredths.min(last_below) / 100.0)
}

/// A table a person reads in a terminal: per domain, each indicator with its interval, threshold,
/// status and points, then the component total.
pub fn to_table(e: &Evaluation) -> String {
    let mut out = String::new();
    if e.includes_simulated {
        let _ = writeln!(out, "{SIMULATED_BANNER}\n");
    }
    let r = &e.responses;
    let _ = writeln!(
        out,
        "survey {}: {} responses stored, {} used",
        e.survey_id, r.stored, r.used
    );
    for (reason, n) in &r.excluded {
        let _ = writeln!(out, "  excluded {n} ({reason})");
    }
    for (flag, n) in &r.flagged {
        let fate = r.flag_fate(flag);
        let _ = writeln!(out, "  flagged {n} ({flag}; {fate})");
    }
    if r.simulated > 0 {
        let _ = writeln!(out, "  {} of the responses used are simulated", r.simulated);
    }
    let w = &e.weighting;
    let _ = writeln!(
        out,
        "weights: {} to {} ({} sweeps, max margin error {:.1e}, {} trimmed to [{}, {}])\n",
        w.scheme,
        w.margins.join(" × "),
        w.sweeps,
        w.max_margin_error,
        w.trimmed,
        w.trim_min_factor,
        w.trim_max_factor
    );
    for d in &e.domains {
        let _ = writeln!(
            out,
            "{} {} — n {}, effective n {:.0}, points {} / {:.1}",
            d.code,
            d.name.zh,
            d.respondents,
            d.effective_n,
            super::points_shown(d.points),
            d.max_points
        );
        for i in &d.indicators {
            // A close call says on which side the estimate itself lies.
            let side = match (i.status, reaches(i.estimate, i.threshold)) {
                (Status::TooCloseToCall | Status::Undetermined, true) => " ↑",
                (Status::TooCloseToCall | Status::Undetermined, false) => " ↓",
                _ => "",
            };
            let _ = writeln!(
                out,
                "  {:<28} {:>7}  [{:>7}, {:>7}]  n {:>5}  threshold {:>6}  {:<19} {:>5}/{:<5.1}{}",
                i.id,
                against_threshold(i, i.estimate),
                against_threshold(i, i.ci_low),
                against_threshold(i, i.ci_high),
                i.n,
                figure(i, i.threshold),
                format!("{}{side}", i.status.name()),
                super::points_shown(i.points),
                i.max_points,
                if i.reliable { "" } else { "  unreliable" }
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "met / not_met: the whole 95% interval is at or above / below the threshold; \
         too_close_to_call: the threshold is inside it, with the estimate at or above (↑) or \
         below (↓) it; undetermined: \
         effective n under 30, no interval, or (for the city) a county with a single respondent \
         (lone_county), too few answers to judge. Points follow the estimate; a figure just \
         under its threshold shows two decimals, cut (69.99%), never the threshold itself."
    );
    if e.includes_simulated {
        let _ = writeln!(out, "\n{SIMULATED_BANNER}");
    }
    out
}

/// An indicator result with these figures, as publication stores it (for the tests of the
/// terminal's and the results page's figures).
#[cfg(test)]
pub(crate) fn test_indicator(
    kind: &str,
    threshold: f64,
    estimate: f64,
    ci: (f64, f64),
) -> IndicatorResult {
    serde_json::from_value(serde_json::json!({
        "id": "x", "label": { "zh": "指标", "en": "Indicator" }, "kind": kind,
        "estimate": estimate, "se": 1.0, "ci_low": ci.0, "ci_high": ci.1, "n": 200,
        "effective_n": 150.0, "deff": 1.3, "threshold": threshold,
        "status": "too_close_to_call", "estimate_meets_threshold": false, "interval_clears_threshold": false,
        "points": 0.0, "max_points": 10.0, "reliable": true,
        "flags": { "low_effective_n": false, "wide_interval": false, "undefined": false },
    }))
    .unwrap()
}

#[cfg(test)]
mod tests {
    use super::{against_threshold, test_indicator};

    #[test]
    fn the_terminal_never_shows_a_figure_below_its_threshold_as_the_threshold() {
        let rate = test_indicator("proportion", 0.70, 0.6996, (0.66, 0.73));
        let score = test_indicator("mean", 80.0, 79.97, (78.0, 82.0));
        assert_eq!(against_threshold(&rate, rate.estimate), "69.96%");
        assert_eq!(against_threshold(&score, score.estimate), "79.97");
        assert_eq!(
            against_threshold(&rate, 0.7),
            "70.0%",
            "reaching it reads as it"
        );
        assert_eq!(
            against_threshold(&rate, 0.65),
            "65.0%",
            "clear of it, one decimal"
        );
        assert_eq!(
            against_threshold(&score, 79.99999999999999),
            "80.0",
            "a tie computed a hair below reaches it"
        );
    }
}
