//! `totals.csv` (from format `minyi-resultset/5`): the evaluation component of the city and of
//! each county on one row each, the total that `estimates.csv`'s points add up to, so that an
//! evaluator in Excel or WPS reads each county's score without summing rows. Recomputed by
//! `minyi verify` like `estimates.csv`.

use super::estimates::ESTIMATE_COLUMNS;
use crate::evaluation::{points_range, points_shown, Evaluation, Status};
use crate::release::{number, CsvFile, Encoding};
use crate::survey::Survey;

/// The columns of `totals.csv`: name, Frictionless type, and what it holds in English and in
/// Chinese (for datapackage.json, as `estimates.csv`'s).
pub const TOTAL_COLUMNS: [(&str, &str, &str, &str); 16] = [
    ESTIMATE_COLUMNS[0],
    ESTIMATE_COLUMNS[1],
    ESTIMATE_COLUMNS[2],
    (
        "respondents",
        "integer",
        "responses used in the domain (after the exclusions of methodology.md)",
        "该范围内计入统计的答卷数（按 methodology.md 的规则剔除无效答卷后）",
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
        "the total with every indicator scored at the upper end of its 95% interval (an indicator with an estimate but no interval earns all its points, one without data none): points_low to points_high is how far the total could move with sampling noise",
        "各指标按其 95% 置信区间上限计分时的总分（有估计值但没有区间的指标得全部分值，无数据的指标不得分）：points_low 与 points_high 之差表明总分受抽样误差影响的程度",
    ),
    (
        "estimate_meets_threshold",
        "integer",
        "indicators whose point estimate reaches its threshold (estimate_meets_threshold in estimates.csv), the rule the points follow: an indicator too close to call may earn its points, which the statuses below and points_low say",
        "点估计达到标准的指标数（即 estimates.csv 中 estimate_meets_threshold 为 true 的指标），得分按此规则计算：尚难判定的指标也可能得分，下列各判定结果和 points_low 说明其可靠程度",
    ),
    (
        "met",
        "integer",
        "indicators whose status in estimates.csv is `met` (the whole 95% interval at or above the threshold)",
        "判定为“达标”（met）的指标数（95% 区间整体不低于标准）",
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
        "判定为“无数据”（no_data）的指标数",
    ),
    ESTIMATE_COLUMNS[22],
];

/// The column that came in with format `/8`.
const REACHING: &str = "estimate_meets_threshold";

/// `totals.csv` of evaluation `e`, computed under `release` (the survey as released, whose
/// indicators score the interval ends), as a result set of `format` holds it: before
/// [`super::FORMAT_8`], without the count of indicators whose estimate reaches its threshold.
pub fn totals_csv(
    e: &Evaluation,
    release: &Survey,
    encoding: Encoding,
    format: &str,
) -> Result<Vec<u8>, csv::Error> {
    let kept = |name: &str| name != REACHING || super::from_format_8(format);
    let header: Vec<&str> = TOTAL_COLUMNS
        .iter()
        .map(|(name, ..)| *name)
        .filter(|name| kept(name))
        .collect();
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
        let cells = [
            d.code.clone(),
            d.name.zh.clone(),
            d.name.en.clone(),
            d.respondents.to_string(),
            number(d.points),
            number(d.max_points),
            points_shown(d.points),
            number(low),
            number(high),
            d.indicators
                .iter()
                .filter(|i| i.estimate_meets_threshold)
                .count()
                .to_string(),
            count(Status::Met),
            count(Status::NotMet),
            count(Status::TooCloseToCall),
            count(Status::Undetermined),
            count(Status::NoData),
            e.includes_simulated.to_string(),
        ];
        file.row(
            TOTAL_COLUMNS
                .iter()
                .zip(cells)
                .filter(|((name, ..), _)| kept(name))
                .map(|(_, cell)| cell),
        )?;
    }
    file.finish()
}
