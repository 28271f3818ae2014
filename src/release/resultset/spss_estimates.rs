//! The end of `minyi.sps`: each indicator's weighted estimate and n, for the city and each
//! county, recomputed in SPSS (or GNU PSPP) from the rows, then (from format
//! `minyi-resultset/4`) each indicator's points and each domain's total, so that an evaluator
//! working in SPSS can check the `estimate`, `n` and `points` columns of `estimates.csv` and
//! the evaluation component without R. Standard errors and intervals need the raking
//! residuals, which SPSS's procedures do not compute: `minyi.R` and `estimates.csv` give them.

use std::fmt::Write as _;

use super::columns::{column_of, Column};
use super::spss::{spss_name, spss_text, spss_values};
use crate::evaluation::CITY;
use crate::survey::{Measure, Scoring, Survey};

/// Whether `minyi.sps` scores the estimates (it does from format `minyi-resultset/4`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Points {
    Computed,
    /// As formats `/2` and `/3` made it: the estimates and n only.
    Left,
}

/// How `minyi.sps` treats values that floating point can leave a hair off one another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ties {
    /// As `estimates.csv` does (from format `minyi-resultset/6`): a domain whose valid values
    /// of an indicator are all the same gets that value (their weighted mean can come out a few
    /// units of the last place off it, below a threshold it equals), and an estimate reaches
    /// its threshold when short of it by no more than [`crate::survey::TIE_TOLERANCE`] of it.
    Exact,
    /// As formats `/2` to `/5` made it: the weighted mean, and a threshold reached only at or
    /// above it.
    AsComputed,
}

/// The longest name SPSS accepts, in bytes.
const SPSS_NAME_MAX: usize = 64;

/// SPSS syntax, run after the responses are read (the active dataset, named `responses`):
/// `value.{id}`, each used respondent's value of each indicator as docs/methodology.md defines
/// it; then the dataset `minyi_estimates`, one case per domain (`city`, then each county with a
/// used response, in the survey file's order) and per indicator its weighted mean `est.{id}`
/// (the estimate; with [`Ties::Exact`], where every value in the domain is the same, that
/// value) and `n.{id}` (the respondents with a value), and with [`Points::Computed`]
/// its points `pts.{id}` and the domain's total `points`. The responses are left active
/// and unweighted. Lists put one name or term a line, so that the lines stay under the 256
/// bytes IBM SPSS reads in an inserted file.
///
/// The names hold a `.`, which no column's SPSS name ([`spss_name`]) and no reserved word
/// does, so they never meet a question's. `missing` gives the numbers of non-rating codes, as
/// the reading part chose them.
pub fn spss_estimates(
    s: &mut String,
    columns: &[Column],
    release: &Survey,
    missing: &[(String, i64)],
    points: Points,
    ties: Ties,
) {
    let indicators: Vec<Indicator> = release
        .indicators
        .iter()
        .enumerate()
        .filter_map(|(i, indicator)| {
            let value = value_syntax(&indicator.measure, columns, missing)?;
            let name = |prefix: &str| {
                let name = format!("{prefix}.{}", indicator.id);
                if name.len() <= SPSS_NAME_MAX {
                    name
                } else {
                    format!("{prefix}.{}", i + 1)
                }
            };
            Some(Indicator {
                label: format!("{} / {}", indicator.label.zh, indicator.label.en),
                value: name("value"),
                estimate: name("est"),
                n: name("n"),
                points: name("pts"),
                lowest: name("min"),
                highest: name("max"),
                scoring: scoring_syntax(indicator, ties),
                syntax: value,
            })
        })
        .collect();
    if indicators.is_empty() {
        return;
    }
    let stratum = spss_name(&release.strata.question);
    let _ = writeln!(
        s,
        "\n* ---- Each indicator's estimate and n, for the city and each county (estimates.csv) ----\n\
         * value.ID is each respondent's value of indicator ID (methodology.md), on the rows with\n\
         * a weight; the dataset minyi_estimates holds, per domain, each indicator's weighted mean\n\
         * est.ID (the estimate{}) and n.ID, the respondents with a value. A county with no such\n\
         * respondent has no case. Standard errors and intervals: estimates.csv, or minyi.R, which\n\
         * recomputes them with raking residuals.",
        match ties {
            Ties::Exact => "; where every value in the domain is the same, that value",
            Ties::AsComputed => "",
        }
    );
    let _ = writeln!(s, "DATASET NAME responses.");
    let _ = writeln!(s, "DO IF NOT SYSMIS(weight).");
    for indicator in &indicators {
        let _ = writeln!(
            s,
            "{}",
            indicator.syntax.replace("{value}", &indicator.value)
        );
    }
    let _ = writeln!(s, "END IF.");
    let _ = writeln!(s, "VARIABLE LABELS");
    for indicator in &indicators {
        let _ = writeln!(s, "  {} '{}'", indicator.value, spss_text(&indicator.label));
    }
    let _ = writeln!(s, ".");
    let _ = writeln!(s, "FORMATS");
    for indicator in &indicators {
        let _ = writeln!(s, "  {}", indicator.value);
    }
    let _ = writeln!(s, "  (F8.2).");
    let _ = writeln!(s, "WEIGHT BY weight.");
    // TEMPORARY keeps the unweighted rows (excluded, or suppressed for release) and the city's
    // break variable out of the responses; the weighting skips no case, so warns of none.
    let breaks = [
        (
            "minyi_city",
            format!("STRING minyi.city (A64).\nCOMPUTE minyi.city = '{CITY}'.\n"),
            "minyi.city",
        ),
        ("minyi_counties", String::new(), stratum.as_str()),
    ];
    for (dataset, break_variable, domain) in breaks {
        let _ = writeln!(s, "DATASET DECLARE {dataset}.");
        let _ = writeln!(s, "TEMPORARY.\nSELECT IF NOT SYSMIS(weight).");
        s.push_str(&break_variable);
        let _ = writeln!(s, "AGGREGATE /OUTFILE={dataset} /BREAK={domain}");
        for indicator in &indicators {
            let _ = writeln!(
                s,
                "  /{} = MEAN({value})\n  /{} = NU({value})",
                indicator.estimate,
                indicator.n,
                value = indicator.value
            );
            if ties == Ties::Exact {
                let _ = writeln!(
                    s,
                    "  /{} = MIN({value})\n  /{} = MAX({value})",
                    indicator.lowest,
                    indicator.highest,
                    value = indicator.value
                );
            }
        }
        let _ = writeln!(s, ".");
    }
    let _ = writeln!(s, "WEIGHT OFF.");
    let _ = writeln!(
        s,
        "DATASET ACTIVATE minyi_city.\n\
         ADD FILES /FILE=* /RENAME=(minyi.city=domain) /FILE=minyi_counties /RENAME=({stratum}=domain).\n\
         DATASET NAME minyi_estimates.\n\
         DATASET CLOSE minyi_counties."
    );
    // AGGREGATE sorted the counties by code: back to the survey file's order, as in
    // estimates.csv. (A numeric break variable made under TEMPORARY crashes GNU PSPP 1.6.)
    let _ = writeln!(s, "RECODE domain\n  ('{CITY}'=0)");
    for (unit, i) in release.strata.units.iter().zip(1..) {
        let _ = writeln!(s, "  ('{}'={i})", spss_text(&unit.code));
    }
    let _ = writeln!(
        s,
        "  (ELSE=SYSMIS) INTO minyi.order.\n\
         SORT CASES BY minyi.order.\n\
         DELETE VARIABLES minyi.order."
    );
    if ties == Ties::Exact {
        exact_when_alike(s, &indicators);
    }
    let _ = writeln!(
        s,
        "VARIABLE LABELS\n  domain '{}'",
        spss_text("评价范围 / Domain")
    );
    for indicator in &indicators {
        let _ = writeln!(
            s,
            "  {} '{}'\n  {} '{}'",
            indicator.estimate,
            spss_text(&indicator.label),
            indicator.n,
            spss_text(&format!("n：{}", indicator.label))
        );
    }
    let _ = writeln!(s, ".");
    let _ = writeln!(
        s,
        "VALUE LABELS domain\n  '{CITY}' '{}'",
        spss_text("全市 / City")
    );
    for unit in &release.strata.units {
        let _ = writeln!(
            s,
            "  '{}' '{}'",
            spss_text(&unit.code),
            spss_text(&format!("{} / {}", unit.name.zh, unit.name.en))
        );
    }
    let _ = writeln!(s, ".");
    if points == Points::Computed {
        spss_points(s, &indicators, ties);
    }
    let _ = writeln!(s, "FORMATS");
    for indicator in &indicators {
        let _ = writeln!(s, "  {}", indicator.estimate);
    }
    let _ = writeln!(s, "  (F12.4)");
    for (k, indicator) in indicators.iter().enumerate() {
        let _ = writeln!(s, "  {}{}", if k == 0 { "/" } else { "" }, indicator.n);
    }
    let _ = writeln!(s, "  (F8.0).");
    let _ = writeln!(s, "LIST.\nDATASET ACTIVATE responses.");
}

/// In `minyi_estimates`: where an indicator's lowest and highest value in a domain are the
/// same, that value is its estimate (as in `estimates.csv` and `minyi.R`); then the lowest and
/// highest are dropped.
fn exact_when_alike(s: &mut String, indicators: &[Indicator]) {
    let _ = writeln!(
        s,
        "* A domain whose every value of an indicator is the same gets that value, as\n\
         * methodology.md says, not a weighted mean that rounding can leave a little off it."
    );
    for indicator in indicators {
        let _ = writeln!(
            s,
            "IF ({min} = {max})\n  {est} = {min}.",
            min = indicator.lowest,
            max = indicator.highest,
            est = indicator.estimate
        );
    }
    let _ = writeln!(s, "DELETE VARIABLES");
    for indicator in indicators {
        let _ = writeln!(s, "  {}\n  {}", indicator.lowest, indicator.highest);
    }
    let _ = writeln!(s, ".");
}

/// In `minyi_estimates`: each indicator's points `pts.{id}` by the survey file's scoring rule,
/// as [`crate::survey::Indicator::points_for`] and `minyi.R` give them, and the domain's total
/// `points`, their sum, unrounded.
fn spss_points(s: &mut String, indicators: &[Indicator], ties: Ties) {
    let _ = writeln!(
        s,
        "* ---- The evaluation component: each indicator's points and each domain's total ----\n\
         * As methodology.md says: an indicator scored by threshold earns its points when the\n\
         * estimate reaches the threshold{}; one scored linearly earns its points times estimate /\n\
         * threshold, at most its points; an estimate that could not be computed earns none.\n\
         * points is the domain's total, unrounded (the public page rounds it down); it equals\n\
         * {}domains[].points.",
        match ties {
            Ties::Exact => " (or falls short of it by no more than a billionth of it,\n\
                            * floating point's rounding of a tie)",
            Ties::AsComputed => "",
        },
        match ties {
            Ties::Exact => "totals.csv's points and evaluation.json's ",
            Ties::AsComputed => "evaluation.json's ",
        }
    );
    for indicator in indicators {
        let _ = writeln!(
            s,
            "COMPUTE {pts} = 0.\nIF (NOT SYSMIS({est}))\n  {pts} = {rule}.",
            pts = indicator.points,
            est = indicator.estimate,
            rule = indicator.scoring.replace("{estimate}", &indicator.estimate),
        );
    }
    let _ = writeln!(s, "COMPUTE points = SUM(");
    for (k, indicator) in indicators.iter().enumerate() {
        let comma = if k + 1 < indicators.len() { "," } else { ")." };
        let _ = writeln!(s, "  {}{comma}", indicator.points);
    }
    let _ = writeln!(s, "VARIABLE LABELS");
    for indicator in indicators {
        let _ = writeln!(
            s,
            "  {} '{}'",
            indicator.points,
            spss_text(&format!("得分：{}", indicator.label))
        );
    }
    let _ = writeln!(s, "  points '{}'\n.", spss_text("总得分 / Points"));
    let _ = writeln!(s, "FORMATS");
    for indicator in indicators {
        let _ = writeln!(s, "  {}", indicator.points);
    }
    let _ = writeln!(s, "  points\n  (F12.4).");
}

/// The points an estimate (`{estimate}`) earns, as an SPSS expression: a threshold rule's all
/// or nothing (with [`Ties::Exact`], a tie within floating point's rounding reaching the
/// threshold), a linear rule's share of the points, capped; a threshold of zero or less gives
/// a linear rule's points whatever the estimate.
fn scoring_syntax(indicator: &crate::survey::Indicator, ties: Ties) -> String {
    let (threshold, points) = (indicator.threshold, indicator.points);
    match (indicator.scoring, ties) {
        (Scoring::Threshold, Ties::Exact) => format!(
            "({{estimate}} >= {threshold} - 1E-9 * {}) * {points}",
            threshold.abs().max(1.0)
        ),
        (Scoring::Threshold, Ties::AsComputed) => {
            format!("({{estimate}} >= {threshold}) * {points}")
        }
        (Scoring::Linear, _) if threshold <= 0.0 => format!("{points}"),
        (Scoring::Linear, _) => {
            format!("{points} * MIN(MAX({{estimate}} / {threshold}, 0), 1)")
        }
    }
}

/// One indicator's names in the syntax.
struct Indicator {
    label: String,
    /// Each respondent's value, in the responses.
    value: String,
    /// The estimate, in `minyi_estimates`.
    estimate: String,
    /// The respondents with a value, in `minyi_estimates`.
    n: String,
    /// The points earned, in `minyi_estimates` (from format `/4`).
    points: String,
    /// The lowest and highest value in a domain, in `minyi_estimates` until [`Ties::Exact`]
    /// has used them (from format `/6`).
    lowest: String,
    highest: String,
    /// The expression giving the points, `{estimate}` standing for the estimate's name.
    scoring: String,
    /// The command computing the value, `{value}` standing for its name.
    syntax: String,
}

/// The command giving a respondent the value of `measure`, as `minyi.R` and docs/methodology.md
/// do: a proportion 1 or 0, none when unanswered or excluded; a mean the answer's score, none
/// without one; a correct share 100 × the share of the quiz answered correctly. `None` when a
/// question it names has no column, or a code none of its answers (never, for a survey the
/// loader accepted).
fn value_syntax(
    measure: &Measure,
    columns: &[Column],
    missing: &[(String, i64)],
) -> Option<String> {
    let column =
        |question: &str, item: &Option<String>| column_of(columns, question, item.as_deref());
    Some(match measure {
        Measure::Proportion {
            question,
            item,
            success,
            excluded,
        } => {
            let c = column(question, item)?;
            let answered = answered(c);
            let condition = if excluded.is_empty() {
                answered
            } else {
                format!("{answered}\n    AND NOT {}", any_of(c, excluded, missing)?)
            };
            format!(
                "IF ({condition})\n  {{value}} = {}.",
                any_of(c, success, missing)?
            )
        }
        Measure::Mean {
            question,
            item,
            scores,
        } => {
            let c = column(question, item)?;
            let pairs = scores
                .iter()
                .map(|(code, score)| Some(format!("\n  ({}={score})", literal(c, code, missing)?)))
                .collect::<Option<String>>()?;
            format!(
                "RECODE {}{pairs}\n  (ELSE=SYSMIS) INTO {{value}}.",
                spss_name(&c.name),
            )
        }
        Measure::CorrectShare { answers } => {
            let terms = answers
                .iter()
                .map(|(question, code)| {
                    let c = column(question, &None)?;
                    Some(format!(
                        "({})",
                        if c.numeric_scale.is_some() {
                            format!("{} AND {}", answered(c), any_of(c, [code], missing)?)
                        } else {
                            any_of(c, [code], missing)?
                        }
                    ))
                })
                .collect::<Option<Vec<String>>>()?;
            format!(
                "COMPUTE {{value}} = 100 * (\n    {}\n  ) / {}.",
                terms.join("\n    + "),
                answers.len()
            )
        }
    })
}

/// True where the column holds an answer: not empty. A numeric scale's "don't know" is a
/// user-missing value, an answer all the same.
fn answered(column: &Column) -> String {
    let name = spss_name(&column.name);
    if column.numeric_scale.is_some() {
        format!("NOT SYSMIS({name})")
    } else {
        format!("{name} <> ''")
    }
}

/// 1 where the column holds one of `codes`, else 0. On a numeric scale `VALUE` reads a
/// user-missing "don't know" as the number it is; an empty cell there must be ruled out first.
fn any_of<'a>(
    column: &Column,
    codes: impl IntoIterator<Item = &'a String>,
    missing: &[(String, i64)],
) -> Option<String> {
    let name = spss_name(&column.name);
    let codes = codes
        .into_iter()
        .map(|code| literal(column, code, missing))
        .collect::<Option<Vec<String>>>()?;
    Some(if column.numeric_scale.is_some() {
        format!("ANY(VALUE({name}), {})", codes.join(", "))
    } else {
        format!("ANY({name}, {})", codes.join(", "))
    })
}

/// A code as the column holds it in SPSS: its number on a numeric scale, else quoted text.
fn literal(column: &Column, code: &str, missing: &[(String, i64)]) -> Option<String> {
    match &column.numeric_scale {
        Some(scale) => spss_values(column, scale, missing)
            .find(|v| v.code == code)
            .map(|v| v.number.to_string()),
        None => Some(format!("'{}'", spss_text(code))),
    }
}

#[cfg(test)]
mod tests {
    use super::super::columns::columns;
    use super::super::spss::spss_missing_numbers;
    use super::super::spss::tests::command;
    use super::*;

    use crate::survey::tests::JIAXING;

    fn syntax_of(source: &str) -> String {
        let survey = Survey::from_toml(source, "jiaxing.toml").unwrap_or_else(|e| panic!("{e}"));
        let columns = columns(&survey);
        let mut s = String::new();
        let missing = spss_missing_numbers(&columns);
        spss_estimates(
            &mut s,
            &columns,
            &survey,
            &missing,
            Points::Computed,
            Ties::Exact,
        );
        s
    }

    #[test]
    fn in_spss_each_indicators_points_follow_its_rule_and_the_domains_total_is_their_sum() {
        let sps = syntax_of(JIAXING);

        assert_eq!(
            command(&sps, "IF (NOT SYSMIS(est.satisfaction_rate))"),
            "IF (NOT SYSMIS(est.satisfaction_rate))\n  pts.satisfaction_rate = \
             (est.satisfaction_rate >= 0.7 - 1E-9 * 1) * 15.",
            "by threshold: all or nothing"
        );
        assert_eq!(
            command(&sps, "IF (NOT SYSMIS(est.hotline_awareness))"),
            "IF (NOT SYSMIS(est.hotline_awareness))\n  pts.hotline_awareness = \
             5 * MIN(MAX(est.hotline_awareness / 0.6, 0), 1).",
            "linearly: a share of the points, capped"
        );
        assert!(
            sps.contains("COMPUTE pts.hotline_awareness = 0.\nIF (NOT SYSMIS("),
            "an estimate not computed earns none"
        );
        let total = command(&sps, "COMPUTE points");
        let survey = Survey::from_toml(JIAXING, "jiaxing.toml").unwrap();
        let terms: Vec<String> = survey
            .indicators
            .iter()
            .map(|i| format!("  pts.{}", i.id))
            .collect();
        assert_eq!(
            total,
            format!("COMPUTE points = SUM(\n{}).", terms.join(",\n"))
        );
        assert!(
            sps.find("COMPUTE points").unwrap()
                > sps.find("DATASET NAME minyi_estimates.").unwrap()
                && sps.find("COMPUTE points").unwrap() < sps.find("\nLIST.").unwrap(),
            "in minyi_estimates, before it is listed"
        );
    }

    #[test]
    fn a_linear_rule_with_no_threshold_gives_its_points_whatever_the_estimate() {
        let mut survey = Survey::from_toml(JIAXING, "jiaxing.toml").unwrap();
        let hotline = survey
            .indicators
            .iter_mut()
            .find(|i| i.id == "hotline_awareness")
            .unwrap();
        hotline.threshold = 0.0;

        assert_eq!(scoring_syntax(hotline, Ties::Exact), "5");
    }

    #[test]
    fn in_spss_each_respondents_value_of_an_indicator_is_as_methodology_defines_it() {
        let sps = syntax_of(JIAXING);

        assert_eq!(
            command(&sps, "RECODE overall_satisfaction"),
            "RECODE overall_satisfaction\n  (5=100)\n  (4=80)\n  (3=60)\n  (2=30)\n  (1=0)\n  \
             (ELSE=SYSMIS) INTO value.satisfaction_score.",
            "a mean: the score of each point, none for don't know"
        );
        assert_eq!(
            command(&sps, "IF (NOT SYSMIS(overall_satisfaction)"),
            "IF (NOT SYSMIS(overall_satisfaction)\n    AND NOT ANY(VALUE(overall_satisfaction), 99))\n  \
             value.satisfaction_rate = ANY(VALUE(overall_satisfaction), 5, 4).",
            "a proportion on a numeric scale: don't know (99, user-missing) and no answer left out"
        );
        assert_eq!(
            command(&sps, "IF (campaign_support"),
            "IF (campaign_support <> '')\n  value.campaign_support = ANY(campaign_support, 'support').",
            "a proportion on text codes: only no answer left out, can't say counts against"
        );
        assert_eq!(
            command(&sps, "COMPUTE value.knowledge_score"),
            "COMPUTE value.knowledge_score = 100 * (\n    (ANY(knowledge_expired, 'said_true'))\n    \
             + (ANY(knowledge_sprouted_potato, 'said_false'))\n    + (ANY(knowledge_raw_cooked, 'said_true'))\n    \
             + (ANY(knowledge_fridge, 'said_false'))\n    + (ANY(knowledge_additives, 'said_false'))\n  ) / 5.",
            "a quiz: 100 × the share answered correctly"
        );
        assert!(
            sps.contains("\nDO IF NOT SYSMIS(weight).\nRECODE overall_satisfaction")
                && sps.contains("INTO value.satisfaction_score.\nIF ("),
            "only the rows with a weight have values:\n{sps}"
        );
    }

    #[test]
    fn in_spss_each_domains_estimate_is_the_weighted_mean_of_its_respondents_values() {
        let sps = syntax_of(JIAXING);

        let city = "TEMPORARY.\nSELECT IF NOT SYSMIS(weight).\nSTRING minyi.city (A64).\n\
                    COMPUTE minyi.city = 'city'.\n";
        let counties = "TEMPORARY.\nSELECT IF NOT SYSMIS(weight).\n";
        for (dataset, domain, preamble) in [
            ("minyi_city", "minyi.city", city),
            ("minyi_counties", "county", counties),
        ] {
            let aggregate = command(&sps, &format!("AGGREGATE /OUTFILE={dataset} "));
            assert!(
                aggregate.starts_with(&format!("AGGREGATE /OUTFILE={dataset} /BREAK={domain}\n"))
                    && aggregate.contains(
                        "\n  /est.satisfaction_score = MEAN(value.satisfaction_score)\n  \
                         /n.satisfaction_score = NU(value.satisfaction_score)\n"
                    )
                    && aggregate.contains(
                        "\n  /est.knowledge_score = MEAN(value.knowledge_score)\n  \
                         /n.knowledge_score = NU(value.knowledge_score)\n"
                    ),
                "{aggregate}"
            );
            let before = &sps[..sps.find(aggregate).unwrap()];
            assert!(
                before.ends_with(&format!("DATASET DECLARE {dataset}.\n{preamble}")),
                "{dataset}: the rows with a weight only:\n{before}"
            );
        }
        assert!(sps.find("WEIGHT BY weight.").unwrap() < sps.find("AGGREGATE").unwrap());
        assert_eq!(
            command(&sps, "RECODE domain"),
            "RECODE domain\n  ('city'=0)\n  ('nanhu'=1)\n  ('xiuzhou'=2)\n  ('jiashan'=3)\n  \
             ('haiyan'=4)\n  ('haining'=5)\n  ('pinghu'=6)\n  ('tongxiang'=7)\n  \
             (ELSE=SYSMIS) INTO minyi.order.",
            "the city, then the counties in the survey file's order, as in estimates.csv"
        );
        assert!(sps.contains(
            "INTO minyi.order.\nSORT CASES BY minyi.order.\nDELETE VARIABLES minyi.order.\n"
        ));
        assert!(
            command(&sps, "VALUE LABELS domain")
                .contains("\n  'nanhu' '南湖区 / Nanhu District'\n")
                && command(&sps, "VALUE LABELS domain").contains("\n  'city' '全市 / City'\n")
        );
        assert!(
            sps.ends_with("LIST.\nDATASET ACTIVATE responses.\n")
                && sps.find("\nWEIGHT OFF.\n") > sps.rfind("\nAGGREGATE"),
            "the estimates are listed, and the responses active again, unweighted:\n{sps}"
        );
    }

    #[test]
    fn a_matrix_item_is_its_column_a_long_id_a_numbered_name_and_no_line_too_long_for_spss() {
        let with_id = |id: &str| {
            format!(
                "{JIAXING}\n[[indicators]]\nid = \"{id}\"\nzh = \"小摊贩\"\nen = \"Street stalls\"\n\
                 kind = \"mean\"\nquestion = \"places\"\nitem = \"street_stall\"\n\
                 scores = {{ \"5\" = 100, \"4\" = 75, \"3\" = 50, \"2\" = 25, \"1\" = 0 }}\n\
                 threshold = 80\npoints = 0\nsource.zh = \"测试\"\nsource.en = \"Test\"\n"
            )
        };
        let long_id = format!("street_stall_{}", "x".repeat(64 - "street_stall_".len()));
        // The longest id whose est.ID, min.ID, max.ID and pts.ID are 64 bytes, not numbered.
        let longest_named = format!("street_stall_{}", "x".repeat(60 - "street_stall_".len()));

        let sps = syntax_of(&with_id(&long_id));
        let named = syntax_of(&with_id(&longest_named));

        assert_eq!(long_id.len(), 64);
        assert_eq!(
            command(&sps, "RECODE places_street_stall"),
            "RECODE places_street_stall\n  (5=100)\n  (4=75)\n  (3=50)\n  (2=25)\n  (1=0)\n  \
             (ELSE=SYSMIS) INTO value.8.",
            "the eighth indicator's value.ID would pass SPSS's 64 bytes"
        );
        assert!(
            sps.contains("\n  /est.8 = MEAN(value.8)\n  /n.8 = NU(value.8)\n"),
            "nor would est.ID and n.ID:\n{sps}"
        );
        assert!(named.contains(&format!("\n  /min.{longest_named} = MIN(value.8)\n")));
        for sps in [syntax_of(JIAXING), sps, named] {
            let longest = sps.lines().map(str::len).max().unwrap();
            assert!(
                longest < 256,
                "SPSS reads lines of up to 256 bytes; one has {longest}:\n{sps}"
            );
        }
    }
}
