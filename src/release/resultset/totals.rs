//! `totals.csv` (from format `minyi-resultset/5`): the evaluation component of the city and of
//! each county on one row each, the total that `estimates.csv`'s points add up to, so that an
//! evaluator in Excel or WPS reads each county's score without summing rows. Recomputed by
//! `minyi verify` like `estimates.csv`.

use crate::evaluation::{points_range, points_shown, Evaluation, Status};
use crate::release::{number, CsvFile, Encoding};
use crate::survey::Survey;

/// The columns of `totals.csv`: name, Frictionless type, and what it holds in English and in
/// Chinese (for datapackage.json, as `estimates.csv`'s).
pub const TOTAL_COLUMNS: [(&str, &str, &str, &str); 15] = [
    (
        "domain",
        "string",
        "`city`, or the county code",
        "评价范围：city 为全市，否则为县（市、区）代码",
    ),
    (
        "domain_zh",
        "string",
        "the domain's name in Chinese",
        "评价范围的中文名称",
    ),
    (
        "domain_en",
        "string",
        "the domain's name in English",
        "评价范围的英文名称",
    ),
    (
        "respondents",
        "integer",
        "responses used in the domain (after the exclusions of methodology.md)",
        "该范围内计入统计的答卷数（按 methodology.md 的剔除规则剔除之后）",
    ),
    (
        "points",
        "number",
        "the component's total: the sum of the domain's points in estimates.csv, exact",
        "总分：estimates.csv 中该范围各指标得分之和（精确值）",
    ),
    (
        "max_points",
        "number",
        "the points all indicators together can earn",
        "各指标满分之和",
    ),
    (
        "points_shown",
        "number",
        "the total as the results page shows it: to one decimal, rounded down (not Excel's ROUND)",
        "结果页面显示的总分：保留一位小数，一律舍去（不是 Excel 的 ROUND）",
    ),
    (
        "points_low",
        "number",
        "the total with every indicator scored at the lower end of its 95% interval (an indicator without an interval earns none)",
        "各指标按其 95% 置信区间下限计分时的总分（没有区间的指标不得分）",
    ),
    (
        "points_high",
        "number",
        "the total with every indicator scored at the upper end of its 95% interval (an indicator without an interval earns all its points): how much of the total rests on sampling noise",
        "各指标按其 95% 置信区间上限计分时的总分（没有区间的指标得全部分值）：总分中有多少取决于抽样误差",
    ),
    (
        "met",
        "integer",
        "indicators whose status in estimates.csv is `met`",
        "判定为“达标”（met）的指标数",
    ),
    (
        "not_met",
        "integer",
        "indicators whose status is `not_met`",
        "判定为“未达标”（not_met）的指标数",
    ),
    (
        "too_close_to_call",
        "integer",
        "indicators whose status is `too_close_to_call`",
        "判定为“尚难判定”（too_close_to_call）的指标数",
    ),
    (
        "undetermined",
        "integer",
        "indicators whose status is `undetermined` (too few answers to judge)",
        "判定为“样本不足，不作判定”（undetermined）的指标数",
    ),
    (
        "no_data",
        "integer",
        "indicators whose status is `no_data`",
        "无数据（no_data）的指标数",
    ),
    (
        "includes_simulated",
        "boolean",
        "true when simulated responses were used: the figures describe no real population",
        "是否用到了模拟答卷：为 true 时这些数字不代表任何真实人群",
    ),
];

/// `totals.csv` of evaluation `e`, computed under `release` (the survey as released, whose
/// indicators score the interval ends).
pub fn totals_csv(
    e: &Evaluation,
    release: &Survey,
    encoding: Encoding,
) -> Result<Vec<u8>, csv::Error> {
    let header: Vec<&str> = TOTAL_COLUMNS.iter().map(|(name, ..)| *name).collect();
    let mut file = CsvFile::new(encoding, &header)?;
    for d in &e.domains {
        let (low, high) = points_range(release, d);
        let count = |status: Status| {
            d.indicators
                .iter()
                .filter(|i| i.status == status)
                .count()
                .to_string()
        };
        file.row([
            d.code.clone(),
            d.name.zh.clone(),
            d.name.en.clone(),
            d.respondents.to_string(),
            number(d.points),
            number(d.max_points),
            points_shown(d.points),
            number(low),
            number(high),
            count(Status::Met),
            count(Status::NotMet),
            count(Status::TooCloseToCall),
            count(Status::Undetermined),
            count(Status::NoData),
            e.includes_simulated.to_string(),
        ])?;
    }
    file.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::resultset::estimates::ESTIMATE_COLUMNS;

    #[test]
    fn the_columns_it_shares_with_estimates_csv_are_described_alike() {
        for (name, kind, en, zh) in TOTAL_COLUMNS {
            if let Some(same) = ESTIMATE_COLUMNS.iter().find(|c| c.0 == name) {
                if name != "points" && name != "max_points" {
                    assert_eq!(*same, (name, kind, en, zh), "{name}");
                }
            }
        }
    }
}
