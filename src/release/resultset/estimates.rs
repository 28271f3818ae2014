//! `estimates.csv` and `evaluation.json`: every indicator for the city and each county, and the
//! evaluation component, exactly as recomputed by `minyi verify`.

use crate::evaluation::Evaluation;
use crate::release::{number, CsvFile, Encoding};

/// The columns of `estimates.csv`: name, Frictionless type, and what it holds in English and in
/// Chinese (datapackage.json carries the descriptions, so a reader of the file alone knows
/// each column).
pub const ESTIMATE_COLUMNS: [(&str, &str, &str, &str); 23] = [
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
        "indicator",
        "string",
        "the indicator's id in survey.toml",
        "指标代码（survey.toml 中的 id）",
    ),
    (
        "indicator_zh",
        "string",
        "the indicator's label in Chinese",
        "指标的中文名称",
    ),
    (
        "indicator_en",
        "string",
        "the indicator's label in English",
        "指标的英文名称",
    ),
    (
        "kind",
        "string",
        "`proportion` (estimate, interval and threshold are shares from 0 to 1) or `mean` (scores from 0 to 100)",
        "指标类型：proportion 为比例（估计值、区间和标准都是 0 到 1 之间的比例），mean 为均值（0 到 100 分）",
    ),
    (
        "estimate",
        "number",
        "the weighted estimate over the domain's valid answers (which answers each indicator leaves out of its denominator: methodology.md; for most, \"don't know\" and unanswered)",
        "加权估计值，按该范围内的有效回答计算（各指标不计入分母的回答见 methodology.md，多数为“不了解”和未回答）",
    ),
    (
        "se",
        "number",
        "standard error: Taylor linearization, strata = counties, with raking residuals (as R's survey package)",
        "标准误：泰勒线性化，以县（市、区）为层，含 raking 残差（与 R 的 survey 包一致）",
    ),
    (
        "ci_low",
        "number",
        "lower bound of the 95% interval: logit scale for proportions, t for means, df = the answers counted in `n` minus the counties among them",
        "95% 置信区间下限：比例在 logit 尺度上计算，均值用 t 分布，自由度为计入 n 的答卷数减去其中出现的县（市、区）数",
    ),
    (
        "ci_high",
        "number",
        "upper bound of the 95% interval",
        "95% 置信区间上限",
    ),
    (
        "n",
        "integer",
        "respondents with a valid answer in the domain",
        "该范围内有效回答的受访者数",
    ),
    (
        "effective_n",
        "number",
        "Kish effective sample size of those respondents' weights, (sum w)^2 / sum w^2; not n / deff, which also reflects the answers",
        "这些受访者权重的 Kish 等效样本量，(Σw)² / Σw²；不是 n / deff（后者还反映回答本身）",
    ),
    (
        "deff",
        "number",
        "design effect of the estimate: its variance over that of a simple random sample of n",
        "估计值的设计效应：其方差与同样本量简单随机抽样方差之比",
    ),
    (
        "threshold",
        "number",
        "the threshold of survey.toml, in the estimate's units",
        "survey.toml 规定的标准，与估计值同单位",
    ),
    (
        "status",
        "string",
        "`met`: the whole 95% interval is at or above the threshold; `not_met`: the whole interval is below; `too_close_to_call`: the threshold is inside it (above its lower end); `undetermined`: effective sample size under 30, no interval (a score whose answers are all the same has none), or for the city a county with a single respondent (`lone_county`): too few answers to judge; `no_data`: no valid answer",
        "判定结果：met 达标（95% 区间整体不低于标准）；not_met 未达标（整个区间低于标准）；too_close_to_call 尚难判定（标准落在区间之内）；undetermined 样本不足，不作判定（等效样本量不到 30、没有区间（得分类指标所有回答都相同时不给区间），或全市估计中有县（市、区）只有一名受访者，即 lone_county）；no_data 无有效回答",
    ),
    (
        "estimate_meets_threshold",
        "boolean",
        "the point estimate is at or above the threshold (empty without an estimate)",
        "点估计是否达到标准（没有估计值时为空）",
    ),
    (
        "interval_clears_threshold",
        "boolean",
        "the lower bound of the 95% interval is at or above the threshold (empty without an interval)",
        "95% 区间下限是否达到标准（没有区间时为空）",
    ),
    (
        "points",
        "number",
        "points earned, by the rubric of survey.toml (which follows the point estimate)",
        "按 survey.toml 评分规则所得分数（依据点估计）",
    ),
    (
        "max_points",
        "number",
        "points the indicator can earn",
        "该指标的满分",
    ),
    (
        "reliable",
        "boolean",
        "false when any reliability flag is set: show the figure as unreliable",
        "是否可靠：任一可靠性标记出现时为 false，该数字应标为不可靠",
    ),
    (
        "flags",
        "string",
        "reliability flags, `|`-separated: `low_effective_n` (below 30), `wide_interval` (0.30 or more wide; 30 points for a score), `undefined` (no interval), `lone_county` (a county has a single respondent, whose share of the city's variance is unknown)",
        "可靠性标记，以 | 分隔：low_effective_n 等效样本量低于 30；wide_interval 区间宽度达到 0.30（得分为 30 分）；undefined 没有区间；lone_county 某县（市、区）只有一名受访者，其对全市方差的贡献无法估计",
    ),
    (
        "includes_simulated",
        "boolean",
        "true when simulated responses were used: the figures describe no real population",
        "是否用到了模拟答卷：为 true 时这些数字不代表任何真实人群",
    ),
];

/// Each `status` of `estimates.csv` with its words in Chinese and English, as the results page
/// says them.
pub const STATUS_LABELS: [(&str, &str, &str); 5] = [
    ("met", "达标", "Met"),
    ("not_met", "未达标", "Not met"),
    ("too_close_to_call", "尚难判定", "Too close to call"),
    (
        "undetermined",
        "样本不足，不作判定",
        "Too few answers to judge",
    ),
    ("no_data", "无数据", "No data"),
];

pub fn estimates_csv(e: &Evaluation, encoding: Encoding) -> Result<Vec<u8>, csv::Error> {
    let header: Vec<&str> = ESTIMATE_COLUMNS.iter().map(|(name, ..)| *name).collect();
    let mut file = CsvFile::new(encoding, &header)?;
    for d in &e.domains {
        for i in &d.indicators {
            let flags: Vec<&str> = [
                (i.flags.low_effective_n, "low_effective_n"),
                (i.flags.wide_interval, "wide_interval"),
                (i.flags.undefined, "undefined"),
                (i.flags.lone_county, "lone_county"),
            ]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect();
            file.row([
                d.code.clone(),
                d.name.zh.clone(),
                d.name.en.clone(),
                i.id.clone(),
                i.label.zh.clone(),
                i.label.en.clone(),
                i.kind.clone(),
                number(i.estimate),
                number(i.se),
                number(i.ci_low),
                number(i.ci_high),
                i.n.to_string(),
                number(i.effective_n),
                number(i.deff),
                number(i.threshold),
                i.status.name().to_owned(),
                at_or_above(i.estimate, i.threshold),
                at_or_above(i.ci_low, i.threshold),
                number(i.points),
                number(i.max_points),
                i.reliable.to_string(),
                flags.join("|"),
                e.includes_simulated.to_string(),
            ])?;
        }
    }
    file.finish()
}

/// `true` or `false`, or empty when `value` is not a number.
fn at_or_above(value: f64, threshold: f64) -> String {
    if value.is_finite() {
        crate::survey::reaches(value, threshold).to_string()
    } else {
        String::new()
    }
}

/// The evaluation with the survey version it was computed under, pretty-printed as a result
/// set of `format` holds it: before [`super::FORMAT_7`], the threshold flags went by the names
/// they had then.
pub fn evaluation_json(
    e: &Evaluation,
    version: &str,
    format: &str,
) -> Result<Vec<u8>, serde_json::Error> {
    let mut evaluation = serde_json::to_value(e)?;
    if super::EARLIER_FORMATS.contains(&format) && format != super::FORMAT_7 {
        let indicators = evaluation["domains"]
            .as_array_mut()
            .into_iter()
            .flatten()
            .filter_map(|d| d["indicators"].as_array_mut())
            .flatten()
            .filter_map(serde_json::Value::as_object_mut);
        for fields in indicators {
            for (now, then) in [
                ("estimate_meets_threshold", "point_meets"),
                ("interval_clears_threshold", "lower_bound_clears"),
            ] {
                if let Some(value) = fields.remove(now) {
                    fields.insert(then.to_owned(), value);
                }
            }
        }
    }
    let mut bytes = serde_json::to_vec_pretty(&serde_json::json!({
        "survey_version": version,
        "evaluation": evaluation,
    }))?;
    bytes.push(b'\n');
    Ok(bytes)
}
