//! `minyi.R`: reads `responses.csv` into R with its labels, then recomputes `estimates.csv` in
//! base R (the estimator of docs/methodology.md) and, from `r_points.rs`, each indicator's
//! points and each domain's total.

use std::fmt::Write as _;

use super::columns::{column_name, Column};
use super::r_points::{r_points, R_POINTS_HEADING};
use crate::release::Encoding;
use crate::survey::{Measure, Survey, Text};

/// `minyi.R` as a result set of `format` holds it, so that `minyi verify` checks an earlier file
/// as it was made: before [`super::FORMAT_6`] it computed a domain whose answers are all the
/// same like any other ([`CHANGED_IN_FORMAT_6`]), and before [`super::FORMAT_3`] it ended
/// with the estimates, without the points ([`r_points`]).
pub fn r_script_of_format(
    columns: &[Column],
    encoding: Encoding,
    release: &Survey,
    format: &str,
) -> Vec<u8> {
    let mut script = r_script(columns, encoding, release);
    if super::ties_as_computed(format) {
        let mut text = String::from_utf8_lossy(&script).into_owned();
        for (now, before) in CHANGED_IN_FORMAT_6 {
            text = text.replacen(now, before, 1);
        }
        script = text.into_bytes();
    }
    if format == super::FORMAT_1 || format == super::FORMAT_2 {
        let text = String::from_utf8_lossy(&script);
        if let Some(points_from) = text.find(R_POINTS_HEADING) {
            script.truncate(points_from);
        }
    }
    script
}

/// An R script reading `responses.csv` into a data frame with labelled factors, then
/// recomputing every estimate of `estimates.csv` in base R (`r_estimates`), then each
/// indicator's points and each domain's total (`r_points`).
pub fn r_script(columns: &[Column], encoding: Encoding, release: &Survey) -> Vec<u8> {
    let stratum = &release.strata.question;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Minyi result set: read responses.csv with labels (base R only).\n\
         # Labels are written with \\u escapes, so that R sources this file in any locale."
    );
    let _ = writeln!(
        s,
        "responses <- read.csv(\"responses.csv\", fileEncoding = \"{}\", colClasses = \"character\",\n                      na.strings = \"\", check.names = FALSE)",
        match encoding { Encoding::Utf8WithBom => "UTF-8-BOM", Encoding::Utf8 => "UTF-8" }
    );
    let _ = writeln!(
        s,
        "response_codes <- responses  # the codes as written, before they become labelled factors"
    );
    if columns
        .iter()
        .any(|c| c.field_type == "integer" && !c.values.is_empty())
    {
        let _ = writeln!(
            s,
            "# Columns of 0 and 1 (an option ticked, a quality flag) stay numbers: 1 = yes, 0 = no,\n\
             # so that mean() is the share."
        );
    }
    if columns.iter().any(|c| c.numeric_scale.is_some()) {
        let _ = writeln!(
            s,
            "# Scale questions and matrix items: the levels are the points in ascending order of their\n\
             # codes, then \"don't know\", so on a 1-to-k scale as.numeric() gives the code, and k + 1\n\
             # for \"don't know\": leave that level out of means (or use response_codes)."
        );
    }
    let _ = writeln!(s, "labels <- list()");
    for c in columns {
        let name = r_string(&c.name);
        match c.field_type {
            // Numbers stay numbers, 0/1 columns (an option ticked, a quality flag) too: a
            // factor of them would make as.numeric() 1 for "yes" and 2 for "no", where a number
            // gives mean() as the share ticked.
            "integer" | "number" => {
                let _ = writeln!(s, "responses[[{name}]] <- as.numeric(responses[[{name}]])");
            }
            _ if !c.values.is_empty() => {
                let levels = r_levels(c);
                let codes: Vec<String> = levels.iter().map(|(code, _)| r_string(code)).collect();
                let labels: Vec<String> = levels
                    .iter()
                    .map(|(_, l)| r_string(&format!("{} / {}", l.zh, l.en)))
                    .collect();
                let _ = writeln!(
                    s,
                    "responses[[{name}]] <- factor(responses[[{name}]], levels = c({}),\n  labels = c({}))",
                    codes.join(", "),
                    labels.join(", ")
                );
            }
            _ => {}
        }
        let _ = writeln!(
            s,
            "labels[[{name}]] <- {}",
            r_string(&format!("{} / {}", c.label.zh, c.label.en))
        );
    }
    let _ = writeln!(s, "attr(responses, \"variable.labels\") <- labels");
    s.push_str(&r_estimates(release, stratum));
    s.push_str(&r_points(release));
    s.into_bytes()
}

/// The levels of a column's factor: its codes in the survey file's order, except on a numeric
/// scale, whose points ascend by number, with "don't know" (and any other code) after them.
/// Survey files list scale points from the most positive down (5 first), and `as.numeric()` of
/// a factor is a level's position: in ascending order it is the code of a 1-to-k scale.
fn r_levels(column: &Column) -> Vec<&(String, Text)> {
    let Some(scale) = &column.numeric_scale else {
        return column.values.iter().collect();
    };
    let mut levels: Vec<&(String, Text)> = column.values.iter().collect();
    // Stable: the codes that are not points keep their order, after the points.
    levels.sort_by_key(|(code, _)| match scale.number(code) {
        Some(n) => (0, n),
        None => (1, 0),
    });
    levels
}

/// R code that recomputes `estimates.csv` from the rows: each indicator's value per respondent
/// (`values`), and per domain the weighted estimate, its Taylor-linearized standard error with
/// strata = counties and R's raking residuals, the 95% interval and the status
/// (docs/methodology.md), in base R, into the data frame `minyi_estimates`.
fn r_estimates(release: &Survey, stratum: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\n# ---- Recompute estimates.csv in base R (methodology.md in this result set) ----\n\
         # Rows with a weight are the ones used. The same design in the survey package:\n\
         #   d <- survey::svydesign(ids = ~1, strata = ~{stratum}, weights = ~weight, data = used)\n\
         #   then rake d to the margins of survey.toml (rescaled to the counties' total) and\n\
         {SURVEY_PACKAGE_DOMAINS}\
         # The weights are already raked; re-raking them tells the package to use raking\n\
         # residuals, as the code below does. It leaves the weights as they are only when no\n\
         # weight was trimmed: with trimmed weights (methodology.md says how many) re-raking\n\
         # undoes the caps, so keep the released weights and compute the residuals as below."
    );
    let _ = writeln!(s, "minyi_estimates <- local({{");
    let _ = writeln!(s, "used <- response_codes[!is.na(response_codes$weight), ]");
    let _ = writeln!(s, "w <- as.numeric(used$weight)");
    let _ = writeln!(s, "county <- used[[{}]]", r_string(stratum));
    let margins: Vec<String> = std::iter::once(stratum.to_owned())
        .chain(release.margins.iter().map(|m| m.question.clone()))
        .map(|m| format!("used[[{}]]", r_string(&m)))
        .collect();
    if release.margins.is_empty() {
        let _ = writeln!(
            s,
            "raked_margins <- list()  # post-stratified only: no raking residuals"
        );
    } else {
        let _ = writeln!(s, "raked_margins <- list({})", margins.join(", "));
    }
    let _ = writeln!(s, "values <- list()");
    for indicator in &release.indicators {
        let id = r_string(&indicator.id);
        let column = |question: &str, item: &Option<String>| {
            r_string(&column_name(question, item.as_deref()))
        };
        let list = |codes: &[String]| {
            codes
                .iter()
                .map(|c| r_string(c))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = match &indicator.measure {
            Measure::Proportion {
                question,
                item,
                success,
                excluded,
            } => writeln!(
                s,
                "x <- used[[{}]]\nvalues[[{id}]] <- ifelse(is.na(x) | x %in% c({}), NA, as.numeric(x %in% c({})))",
                column(question, item),
                list(excluded),
                list(success)
            ),
            Measure::Mean {
                question,
                item,
                scores,
            } => {
                let mapping: Vec<String> = scores
                    .iter()
                    .map(|(code, score)| format!("{} = {score}", r_string(code)))
                    .collect();
                writeln!(
                    s,
                    "values[[{id}]] <- unname(c({})[used[[{}]]])",
                    mapping.join(", "),
                    column(question, item)
                )
            }
            Measure::CorrectShare { answers } => {
                let checks: Vec<String> = answers
                    .iter()
                    .map(|(q, code)| {
                        format!("(used[[{}]] %in% {})", r_string(q), r_string(code))
                    })
                    .collect();
                writeln!(
                    s,
                    "values[[{id}]] <- 100 * ({}) / {}",
                    checks.join(" + "),
                    answers.len()
                )
            }
        };
    }
    let _ = writeln!(
        s,
        "kinds <- c({})",
        release
            .indicators
            .iter()
            .map(|i| format!(
                "{} = {}",
                r_string(&i.id),
                r_string(if i.kind_is_proportion() {
                    "proportion"
                } else {
                    "mean"
                })
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        s,
        "thresholds <- c({})",
        release
            .indicators
            .iter()
            .map(|i| format!("{} = {}", r_string(&i.id), i.threshold))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let units: Vec<String> = release
        .strata
        .units
        .iter()
        .map(|u| r_string(&u.code))
        .collect();
    let _ = writeln!(s, "domains <- c(\"city\", {})", units.join(", "));
    s.push_str(R_ESTIMATOR);
    s
}

/// What format `/6` changed in `minyi.R`: each part as it is now, and as it was before, when a
/// domain whose valid answers are all the same got the weighted sums' estimate, which rounding
/// can leave a few units of the last place off that value, with a tiny standard error and so
/// an interval and a status (where `estimates.csv` has given the value, no interval and
/// `undetermined` since 39b7a36); when an estimate or an interval's end had to be at or above
/// its threshold to reach it, where a tie computed a hair below it now reaches it
/// (`crate::survey::reaches`); and the totals' comments did not name `totals.csv`.
const CHANGED_IN_FORMAT_6: [(&str, &str); 9] = [
    (
        SURVEY_PACKAGE_DOMAINS,
        "#   use subset() for domains, svyciprop(method = \"logit\") for rates, svymean for scores\n\
         #   (a rate of exactly 0 or 1: the exact interval methodology.md gives, as below).\n",
    ),
    (
        "  # Every answer the same: that value, and no spread to measure (methodology.md).\n  \
         alike <- n > 0 && all(y[valid] == y[valid][1])\n  \
         if (alike) p <- y[valid][1]\n",
        "",
    ),
    ("  se <- if (alike) 0 else sqrt(v)\n", "  se <- sqrt(v)\n"),
    (
        "  reaches <- function(x) x >= threshold - 1e-9 * max(1, abs(threshold))  # a tie, to rounding\n",
        "",
    ),
    (
        "\"undetermined\" else if (reaches(ci[1])) \"met\" else if (!reaches(ci[2])) \"not_met\"",
        "\"undetermined\" else if (ci[1] >= threshold) \"met\" else if (ci[2] < threshold) \"not_met\"",
    ),
    (
        "minyi_totals$points <- vapply(minyi_totals$domain,\n  \
         function(d) sum(minyi_estimates$points[minyi_estimates$domain == d]), 0,\n  \
         USE.NAMES = FALSE)\n",
        "minyi_totals$points <- vapply(minyi_totals$domain,\n  \
         function(d) sum(minyi_estimates$points[minyi_estimates$domain == d]), 0)\n",
    ),
    (
        "# estimate reaches the threshold (or falls short of it by no more than a billionth of it,\n\
         # floating point's rounding of a tie); one scored linearly (linear = TRUE) earns its points\n",
        "# estimate reaches the threshold; one scored linearly (linear = TRUE) earns its points\n",
    ),
    (
        "ifelse(estimate >= threshold - 1e-9 * pmax(1, abs(threshold)), max_points, 0)))\n",
        "ifelse(estimate >= threshold, max_points, 0)))\n",
    ),
    (
        "# minyi_totals holds each domain's total, as totals.csv does: the public page gives it\n\
         # rounded down.\n",
        "# minyi_totals holds each domain's total: the public page gives it rounded down, and\n\
         # evaluation.json gives it under domains[].points.\n",
    ),
];

/// How `minyi.R`'s comment tells an evaluator to compute each domain's figure with the survey
/// package: with the degrees of freedom of the domain's answers, which `confint()` of a
/// `svymean()` does not take by itself (it used the normal distribution).
const SURVEY_PACKAGE_DOMAINS: &str = "\
#   for each indicator's values y and each domain, s <- subset(d, <domain> & !is.na(y)):
#   svyciprop(~y, s, method = \"logit\") for rates; for scores m <- svymean(~y, s,
#   na.rm = TRUE) and confint(m, df = degf(s)), the answers in the domain less its counties
#   (svyciprop takes that df itself; a rate of exactly 0 or 1: the exact interval
#   methodology.md gives, as below).
";

/// The estimator of docs/methodology.md in base R, for the variables `r_estimates` defines.
const R_ESTIMATOR: &str = r#"estimate_domain <- function(y, in_domain, kind, threshold) {
  valid <- in_domain & !is.na(y)
  n <- sum(valid)
  p <- sum(w[valid] * y[valid]) / sum(w[valid])
  # Every answer the same: that value, and no spread to measure (methodology.md).
  alike <- n > 0 && all(y[valid] == y[valid][1])
  if (alike) p <- y[valid][1]
  z <- ifelse(valid, w * (ifelse(valid, y, 0) - p) / sum(w[valid]), 0)
  if (length(raked_margins) > 0) for (round in 1:10) for (m in raked_margins)
    z <- z - w * ave(z / w, m)
  v <- sum(vapply(split(z, county), function(zh) {
    nh <- length(zh)
    if (nh > 1) nh / (nh - 1) * sum((zh - mean(zh))^2) else sum(zh^2)  # lonely.psu "adjust"
  }, 0))
  se <- if (alike) 0 else sqrt(v)
  df <- n - length(unique(county[valid]))
  t <- if (df > 0) qt(0.975, df) else NaN
  ess <- sum(w[valid])^2 / sum(w[valid]^2)
  ci <- if (is.nan(p)) c(NaN, NaN) else if (kind != "proportion")
    (if (is.finite(se) && se > 0) p + c(-1, 1) * t * se else c(NaN, NaN))
  else if (p > 0 && p < 1) plogis(qlogis(p) + c(-1, 1) * t * se / (p * (1 - p))) else {
    # A share of 0 or 1: Korn-Graubard on the Kish effective size (docs/methodology.md).
    tail <- 0.025^(1 / (ess * ((if (n > 1) qt(0.975, n - 1) else NaN) / t)^2))
    if (p == 1) c(tail, 1) else c(0, 1 - tail)
  }
  if (!all(is.finite(ci))) ci <- c(NaN, NaN)
  lone_county <- all(in_domain) && any(table(county) == 1)
  reaches <- function(x) x >= threshold - 1e-9 * max(1, abs(threshold))  # a tie, to rounding
  status <- if (is.nan(p)) "no_data" else if (is.nan(ci[1]) || !is.finite(se) || ess < 30 || lone_county)
    "undetermined" else if (reaches(ci[1])) "met" else if (!reaches(ci[2])) "not_met"
    else "too_close_to_call"
  data.frame(estimate = p, se = se, ci_low = ci[1], ci_high = ci[2], n = n, status = status)
}
do.call(rbind, lapply(domains, function(domain) {
  in_domain <- if (domain == "city") rep(TRUE, nrow(used)) else county == domain
  do.call(rbind, lapply(names(values), function(id) cbind(
    data.frame(domain = domain, indicator = id),
    estimate_domain(values[[id]], in_domain, kinds[[id]], thresholds[[id]]))))
}))
})
# minyi_estimates holds, for the city and each county, what estimates.csv gives: compare with
#   merge(read.csv("estimates.csv"), minyi_estimates, by = c("domain", "indicator"))
"#;

/// An R string literal in plain ASCII: every other character as a `\u` escape. R reads a script
/// in the locale's encoding, so UTF-8 labels break `source("minyi.R")` where that is not UTF-8
/// (GBK on Chinese Windows before R 4.2: "invalid multibyte character in parser"); escaped
/// strings parse everywhere and R marks them UTF-8.
pub(super) fn r_string(text: &str) -> String {
    let mut literal = String::from("\"");
    for c in text.chars() {
        match c {
            '\\' => literal.push_str("\\\\"),
            '"' => literal.push_str("\\\""),
            ' '..='~' => literal.push(c),
            _ if u32::from(c) <= 0xFFFF => {
                let _ = write!(literal, "\\u{:04x}", u32::from(c));
            }
            _ => {
                let _ = write!(literal, "\\U{{{:x}}}", u32::from(c));
            }
        }
    }
    literal.push('"');
    literal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_earlier_format_gets_minyi_r_as_it_was_before_format_6() {
        let (survey, columns) = super::super::spss::tests::example();
        let now = String::from_utf8(r_script(&columns, Encoding::Utf8, &survey)).unwrap();
        let before = String::from_utf8(r_script_of_format(
            &columns,
            Encoding::Utf8,
            &survey,
            super::super::FORMAT_5,
        ))
        .unwrap();

        for (part, was) in CHANGED_IN_FORMAT_6 {
            assert_eq!(now.matches(part).count(), 1, "minyi.R holds once: {part}");
            assert!(!before.contains(part), "not before format /6: {part}");
            assert!(was.is_empty() || before.contains(was), "{was}");
        }
        assert!(!before.contains("alike"), "{before}");
        assert_eq!(
            String::from_utf8(r_script_of_format(
                &columns,
                Encoding::Utf8,
                &survey,
                super::super::FORMAT
            ))
            .unwrap(),
            now
        );
    }

    #[test]
    fn r_strings_are_ascii_with_every_other_character_escaped() {
        let cases = [
            (
                "plain ASCII stays as it is",
                "Nanhu District",
                r#""Nanhu District""#,
            ),
            (
                "quotes and backslashes are escaped",
                r#"say "a\b""#,
                r#""say \"a\\b\"""#,
            ),
            (
                "Chinese becomes \\u escapes",
                "南湖区 / Nanhu",
                r#""\u5357\u6e56\u533a / Nanhu""#,
            ),
            (
                "full-width punctuation too",
                "（k-匿名）",
                r#""\uff08k-\u533f\u540d\uff09""#,
            ),
            ("beyond the BMP uses \\U{}", "𠀀", r#""\U{20000}""#),
            (
                "a line break is escaped, not written",
                "a\nb",
                r#""a\u000ab""#,
            ),
        ];
        for (description, text, expected) in cases {
            assert_eq!(r_string(text), expected, "{description}");
        }
    }

    #[test]
    fn the_r_script_is_plain_ascii_so_any_locale_can_source_it() {
        let survey = crate::survey::tests::example();
        let columns = crate::release::resultset::columns(&survey);

        let script = r_script(&columns, Encoding::Utf8WithBom, &survey);

        assert!(script.is_ascii(), "minyi.R has only ASCII bytes");
        let script = String::from_utf8(script).unwrap();
        assert!(
            script.contains(r#""\u5357\u6e56\u533a / Nanhu District""#),
            "the county's label 南湖区 is written as escapes"
        );
    }

    #[test]
    fn in_r_a_scale_factor_ascends_by_code_with_dont_know_last() {
        use super::super::spss::tests::{example, scale_column};
        let (survey, columns) = example();

        let script = String::from_utf8(r_script(&columns, Encoding::Utf8, &survey)).unwrap();

        assert!(
            script.contains(
                "responses[[\"overall_satisfaction\"]] <- factor(responses[[\"overall_satisfaction\"]], \
                 levels = c(\"1\", \"2\", \"3\", \"4\", \"5\", \"dk\"),\n  \
                 labels = c(\"\\u5f88\\u4e0d\\u6ee1\\u610f / Very dissatisfied\", "
            ),
            "as.numeric() of the factor is the code, the labels follow the codes"
        );
        assert!(
            script.contains("factor(responses[[\"places.street_stall\"]], levels = c(\"1\", \"2\", \"3\", \"4\", \"5\", \"dk\"),"),
            "a matrix item too"
        );
        assert!(
            script.contains(
                "factor(responses[[\"county\"]], levels = c(\"nanhu\", \"xiuzhou\", \"jiashan\","
            ),
            "text codes keep the survey file's order"
        );
        assert!(
            script.contains("response_codes <- responses  #"),
            "the codes as written are kept"
        );
        assert!(
            script.contains(
                "responses[[\"flag_too_fast\"]] <- as.numeric(responses[[\"flag_too_fast\"]])"
            ) && !script.contains("factor(responses[[\"flag_too_fast\"]]"),
            "a 0/1 column stays a number, so that mean() is a share"
        );
        let columns = [scale_column("q", &["10", "-1", "9", "0"], Some("dk"))];
        let script = String::from_utf8(r_script(&columns, Encoding::Utf8, &survey)).unwrap();
        assert!(
            script.contains("levels = c(\"-1\", \"0\", \"9\", \"10\", \"dk\")"),
            "by number, not as text:\n{script}"
        );
    }
}
