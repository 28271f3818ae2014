//! The files that describe the data: `datapackage.json` (Frictionless Data) and
//! `minyi.R`, which reads `responses.csv` with its value labels in R (`minyi.sps`: `spss.rs`).

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::codebook_csv;
use super::columns::Column;
use super::estimates::{ESTIMATE_COLUMNS, STATUS_LABELS};
use super::r_points::{r_points, R_POINTS_HEADING};
use super::totals::TOTAL_COLUMNS;
use super::ReleaseFacts;
use crate::release::Encoding;
use crate::survey::{Measure, Survey, Text};

fn encoding_name(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::Utf8WithBom => "utf-8-sig",
        Encoding::Utf8 => "utf-8",
    }
}

fn dialect() -> Value {
    json!({ "delimiter": ",", "lineTerminator": "\r\n", "quoteChar": "\"", "doubleQuote": true, "header": true })
}

pub fn datapackage(columns: &[Column], facts: &ReleaseFacts<'_>) -> Vec<u8> {
    let survey = facts.survey;
    let fields: Vec<Value> = columns
        .iter()
        .map(|c| {
            let mut field = json!({
                "name": c.name,
                "type": c.field_type,
                "title": c.label.en,
                "description": c.label.zh,
                "labels": { "zh": c.label.zh, "en": c.label.en },
            });
            if !c.values.is_empty() {
                field["constraints"] = json!({
                    "enum": c.values.iter().map(|(code, _)| code).collect::<Vec<_>>()
                });
                field["valueLabels"] = c
                    .values
                    .iter()
                    .map(|(code, label)| (code.clone(), json!({ "zh": label.zh, "en": label.en })))
                    .collect::<serde_json::Map<_, _>>()
                    .into();
            }
            field
        })
        .collect();
    let estimate_fields = described_fields(&ESTIMATE_COLUMNS);
    let total_fields = described_fields(&TOTAL_COLUMNS);
    let package = json!({
        // Not "tabular-data-package": the package lists the methodology, the survey file and
        // the scripts beside its four tables.
        "profile": "data-package",
        "name": format!("minyi-{}", survey.id),
        "title": format!("{} / {}", survey.title.zh, survey.title.en),
        "version": facts.version,
        "resources": [
            {
                "name": "responses",
                "path": "responses.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": encoding_name(facts.encoding),
                "dialect": dialect(),
                "description": "One row per stored response, anonymized and k-anonymous; empty cells are missing (not asked, not answered, or not used).",
                "schema": { "fields": fields, "missingValues": [""], "primaryKey": "row" },
            },
            {
                "name": "estimates",
                "path": "estimates.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": encoding_name(facts.encoding),
                "dialect": dialect(),
                "schema": { "fields": estimate_fields, "missingValues": [""] },
            },
            {
                "name": "totals",
                "path": "totals.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": encoding_name(facts.encoding),
                "dialect": dialect(),
                "description": "The evaluation component of the city and of each county, one row each: the total of estimates.csv's points, the range it could take within the intervals, and the indicators by status.",
                "schema": { "fields": total_fields, "missingValues": [""], "primaryKey": "domain" },
            },
            { "name": "evaluation", "path": "evaluation.json", "format": "json", "mediatype": "application/json" },
            {
                "name": "codebook",
                "path": "codebook.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": encoding_name(facts.encoding),
                "dialect": dialect(),
                "description": "The codebook as a table for Excel and WPS: one row per variable of responses.csv and code, with the question and the code's label in Chinese and English and what an empty cell means.",
                "schema": { "fields": codebook_csv::HEADER.iter().map(|name| json!({ "name": name, "type": "string" })).collect::<Vec<_>>() },
            },
            { "name": "survey-definition", "path": "survey.toml", "format": "toml", "description": "The survey file the responses answered; its SHA-256 is the survey version." },
            { "name": "methodology", "path": "methodology.md", "format": "md", "mediatype": "text/markdown" },
            { "name": "spss-syntax", "path": "minyi.sps", "format": "sps" },
            { "name": "r-script", "path": "minyi.R", "format": "r" },
        ],
    });
    let mut bytes = serde_json::to_vec_pretty(&package).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// The fields of a table Minyi computes (`estimates.csv`, `totals.csv`), each described in
/// English and Chinese; a `status` column with its values labelled as the results page words
/// them.
fn described_fields(columns: &[(&str, &str, &str, &str)]) -> Vec<Value> {
    columns
        .iter()
        .map(|(name, kind, description, description_zh)| {
            let mut field = json!({
                "name": name,
                "type": kind,
                "description": description,
                "description_zh": description_zh,
            });
            if *name == "status" {
                field["constraints"] = json!({
                    "enum": STATUS_LABELS.iter().map(|(code, ..)| code).collect::<Vec<_>>()
                });
                field["valueLabels"] = STATUS_LABELS
                    .iter()
                    .map(|(code, zh, en)| (code.to_string(), json!({ "zh": zh, "en": en })))
                    .collect::<serde_json::Map<_, _>>()
                    .into();
            }
            field
        })
        .collect()
}

/// `minyi.R` as a result set of `format` holds it: before [`super::FORMAT_3`] it ended with
/// the estimates, without the points ([`r_points`]), so
/// that `minyi verify` checks an earlier file as it was made.
pub fn r_script_of_format(
    columns: &[Column],
    encoding: Encoding,
    release: &Survey,
    format: &str,
) -> Vec<u8> {
    let mut script = r_script(columns, encoding, release);
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
         #   use subset() for domains, svyciprop(method = \"logit\") for rates, svymean for scores\n\
         #   (a rate of exactly 0 or 1: the exact interval methodology.md gives, as below).\n\
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
            r_string(&match item {
                Some(item) => format!("{question}.{item}"),
                None => question.to_owned(),
            })
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

/// The estimator of docs/methodology.md in base R, for the variables `r_estimates` defines.
const R_ESTIMATOR: &str = r#"estimate_domain <- function(y, in_domain, kind, threshold) {
  valid <- in_domain & !is.na(y)
  n <- sum(valid)
  p <- sum(w[valid] * y[valid]) / sum(w[valid])
  z <- ifelse(valid, w * (ifelse(valid, y, 0) - p) / sum(w[valid]), 0)
  if (length(raked_margins) > 0) for (round in 1:10) for (m in raked_margins)
    z <- z - w * ave(z / w, m)
  v <- sum(vapply(split(z, county), function(zh) {
    nh <- length(zh)
    if (nh > 1) nh / (nh - 1) * sum((zh - mean(zh))^2) else sum(zh^2)  # lonely.psu "adjust"
  }, 0))
  se <- sqrt(v)
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
  status <- if (is.nan(p)) "no_data" else if (is.nan(ci[1]) || !is.finite(se) || ess < 30 || lone_county)
    "undetermined" else if (ci[1] >= threshold) "met" else if (ci[2] < threshold) "not_met"
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
    fn every_estimates_column_is_described_in_both_languages_and_statuses_read_as_on_the_page() {
        for (name, _, en, zh) in ESTIMATE_COLUMNS {
            assert!(!en.is_empty() && !zh.is_empty(), "{name}");
        }
        let page = |file: &str| -> toml::Table {
            let path = format!("{}/templates/i18n/{file}", env!("CARGO_MANIFEST_DIR"));
            toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
        };
        let (zh, en) = (page("zh-CN.toml"), page("en.toml"));
        for (code, in_zh, in_en) in STATUS_LABELS {
            let key = format!("status_{code}");
            assert_eq!(zh["results"][&key].as_str(), Some(in_zh), "{code}");
            assert_eq!(en["results"][&key].as_str(), Some(in_en), "{code}");
        }
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
        let survey = crate::survey::Survey::from_toml(
            include_str!("../../../surveys/jiaxing-food-safety-2016.toml"),
            "jiaxing-food-safety-2016.toml",
        )
        .unwrap();
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
