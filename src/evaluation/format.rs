//! The evaluation as a text table for the terminal (CSV lives in `release`).

use std::fmt::Write as _;

use super::{Evaluation, IndicatorResult, Status};

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
            let side = match (i.status, i.estimate >= i.threshold) {
                (Status::TooCloseToCall | Status::Undetermined, true) => " ↑",
                (Status::TooCloseToCall | Status::Undetermined, false) => " ↓",
                _ => "",
            };
            let _ = writeln!(
                out,
                "  {:<28} {:>7}  [{:>7}, {:>7}]  n {:>5}  threshold {:>6}  {:<19} {:>5}/{:<5.1}{}",
                i.id,
                figure(i, i.estimate),
                figure(i, i.ci_low),
                figure(i, i.ci_high),
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
        "met / not_met: the whole 95% interval is above / below the threshold; too_close_to_call: \
         the threshold is inside it, with the estimate above (↑) or below (↓) it; undetermined: \
         effective n under 30 or no interval, too few answers to judge. Points follow the \
         estimate."
    );
    if e.includes_simulated {
        let _ = writeln!(out, "\n{SIMULATED_BANNER}");
    }
    out
}
