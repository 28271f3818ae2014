//! The end of `minyi.R` (from format `minyi-resultset/3`): each indicator's points and each
//! domain's total, recomputed from the estimates `minyi.R` computed and the survey file's
//! scoring rules, so that an evaluator checks the evaluation component itself and not only
//! the figures it rests on. It follows [`crate::survey::Indicator::points_for`]: a
//! threshold-scored indicator earns its points when the estimate reaches the threshold, a
//! linearly scored one its points times estimate ÷ threshold (at most its points), and an
//! estimate that could not be computed earns none; the total is their sum, unrounded.

use std::fmt::Write;

use super::r_script::r_string;
use crate::survey::{Scoring, Survey};

/// Where the part begins: an earlier format's `minyi.R` is the script before it.
pub const R_POINTS_HEADING: &str =
    "\n# ---- The evaluation component: each indicator's points and each domain's total ----\n";

/// R code adding `points` to `minyi_estimates` and making `minyi_totals` (domain, points,
/// max_points), in base R.
pub fn r_points(release: &Survey) -> String {
    let column = |f: &dyn Fn(&crate::survey::Indicator) -> String| {
        release
            .indicators
            .iter()
            .map(f)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut s = String::from(R_POINTS_HEADING);
    s.push_str(
        "# As methodology.md says: an indicator scored by threshold earns its points when the\n\
         # estimate reaches the threshold (or falls short of it by no more than a billionth of it,\n\
         # floating point's rounding of a tie); one scored linearly (linear = TRUE) earns its points\n\
         # times estimate / threshold, at most its points; an estimate that could not be computed\n\
         # earns none. A domain's total is the sum, unrounded (the public page rounds it down).\n",
    );
    let _ = writeln!(
        s,
        "minyi_scoring <- data.frame(\n  indicator = c({}),\n  threshold = c({}),\n  max_points = c({}),\n  linear = c({}))",
        column(&|i| r_string(&i.id)),
        column(&|i| i.threshold.to_string()),
        column(&|i| i.points.to_string()),
        column(&|i| if i.scoring == Scoring::Linear { "TRUE" } else { "FALSE" }.to_owned()),
    );
    s.push_str(R_POINTS);
    s
}

const R_POINTS: &str = r#"minyi_estimates$points <- with(
  minyi_scoring[match(minyi_estimates$indicator, minyi_scoring$indicator), ], {
    estimate <- minyi_estimates$estimate
    ifelse(is.na(estimate), 0, ifelse(linear,
      max_points * ifelse(threshold <= 0, 1, pmin(pmax(estimate / threshold, 0), 1)),
      ifelse(estimate >= threshold - 1e-9 * pmax(1, abs(threshold)), max_points, 0)))
  })
minyi_totals <- data.frame(domain = unique(minyi_estimates$domain))
minyi_totals$points <- vapply(minyi_totals$domain,
  function(d) sum(minyi_estimates$points[minyi_estimates$domain == d]), 0,
  USE.NAMES = FALSE)
minyi_totals$max_points <- sum(minyi_scoring$max_points)
# minyi_totals holds each domain's total, as totals.csv does: the public page gives it
# rounded down.
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scoring_table_lists_each_indicator_with_its_rule() {
        let survey = crate::survey::tests::example();

        let script = r_points(&survey);

        assert!(script.starts_with(R_POINTS_HEADING));
        let ids: Vec<String> = survey.indicators.iter().map(|i| r_string(&i.id)).collect();
        assert!(
            script.contains(&format!("  indicator = c({}),\n", ids.join(", "))),
            "{script}"
        );
        let linear: Vec<&str> = survey
            .indicators
            .iter()
            .map(|i| match i.scoring {
                Scoring::Linear => "TRUE",
                Scoring::Threshold => "FALSE",
            })
            .collect();
        assert!(
            linear.contains(&"TRUE") && linear.contains(&"FALSE"),
            "the example has both rules"
        );
        assert!(
            script.contains(&format!("  linear = c({}))\n", linear.join(", "))),
            "{script}"
        );
        assert!(script.is_ascii(), "any locale sources it");
    }
}
