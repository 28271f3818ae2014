//! The columns of `responses.csv`: a row number, one column per coded answer (a multiple-choice
//! question gives one 0/1 column per option, a matrix one column per item), the channel, the
//! quality flags, the exclusion reason and the final weight. No free text, no response id, no
//! date or time. Also the way back: a row of the file to the answers the evaluation reads.

use crate::survey::{
    Answer, Answers, Choice, QualityFlag, Question, QuestionKind, Scale, Survey, Text,
};

/// What a column holds.
#[derive(Clone, Debug, PartialEq)]
pub enum ColumnKind {
    /// 1, 2, 3 … in the file's canonical order.
    Row,
    /// The code answered to a single, yes/no or scale question (the county among them).
    Code { question: String },
    /// 1 if an option of a multiple-choice question was ticked, 0 if not; empty when the
    /// question was not answered (hidden or skipped).
    Ticked { question: String, option: String },
    /// The scale code given to one item of a matrix.
    Item { question: String, item: String },
    /// A number answered.
    Number { question: String },
    /// `open_link`, `invitation`, `interviewer` or `simulated`.
    Channel,
    /// 1 when the response carries the flag.
    Flag(QualityFlag),
    /// Why the response is left out of the estimates; empty when it is used.
    Excluded,
    /// The final weight; empty when the response is left out.
    Weight,
}

/// One column, with what a codebook says about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub name: String,
    pub kind: ColumnKind,
    pub label: Text,
    /// Frictionless type: `integer`, `number` or `string`.
    pub field_type: &'static str,
    /// Codes and their labels, for categorical columns.
    pub values: Vec<(String, Text)>,
    /// For a scale question's column or a matrix item's whose points are all whole numbers:
    /// those numbers and the "don't know" code. SPSS and R read such a column as a rating.
    pub numeric_scale: Option<NumericScale>,
}

/// The points of a scale whose codes are all whole numbers (`1` to `5`), written as numbers
/// are (`5`, not `05`), and its "don't know" code, which is not a rating.
#[derive(Clone, Debug, PartialEq)]
pub struct NumericScale {
    /// Each point's code and its number, in ascending order of the numbers.
    pub points: Vec<(String, i64)>,
    /// The code of "don't know", when the scale has one.
    pub dont_know: Option<String>,
}

impl NumericScale {
    /// Largest magnitude of a point, so that every number, a minus sign and a code chosen
    /// above the points (`9999999`) fit a statistics program's 8-digit whole-number format.
    pub const MAX_POINT: i64 = 999_999;

    /// The scale's points as numbers, or `None` when a point's code is not a whole number
    /// written plainly within ±[`Self::MAX_POINT`].
    pub fn of(scale: &Scale) -> Option<NumericScale> {
        let mut points = scale
            .points
            .iter()
            .map(|p| Some((p.code.clone(), Self::whole_number(&p.code)?)))
            .collect::<Option<Vec<_>>>()?;
        points.sort_by_key(|(_, n)| *n);
        Some(NumericScale {
            points,
            dont_know: scale.dont_know.as_ref().map(|c| c.code.clone()),
        })
    }

    /// The number a code is, when it is a whole number written plainly (`5`, `-1`; not `05`
    /// or `+5`) within ±[`Self::MAX_POINT`].
    pub fn whole_number(code: &str) -> Option<i64> {
        let n: i64 = code.parse().ok()?;
        (n.to_string() == code && n.abs() <= Self::MAX_POINT).then_some(n)
    }

    /// The number of a point's code; `None` for "don't know" and any other code.
    pub fn number(&self, code: &str) -> Option<i64> {
        self.points
            .iter()
            .find(|(point, _)| point == code)
            .map(|(_, n)| *n)
    }
}

fn text(zh: &str, en: &str) -> Text {
    Text {
        zh: zh.to_owned(),
        en: en.to_owned(),
    }
}

fn yes_no() -> Vec<(String, Text)> {
    vec![
        ("1".to_owned(), text("是", "Yes")),
        ("0".to_owned(), text("否", "No")),
    ]
}

fn choices(list: &[&Choice]) -> Vec<(String, Text)> {
    list.iter()
        .map(|c| (c.code.clone(), c.label.clone()))
        .collect()
}

fn with_suppressed(mut values: Vec<(String, Text)>, question: &Question) -> Vec<(String, Text)> {
    if question.quasi_identifier {
        values.push((
            crate::privacy::kanon::SUPPRESSED.to_owned(),
            text("已隐去（k-匿名）", "Suppressed (k-anonymity)"),
        ));
    }
    values
}

/// The name of the column holding `question`'s answer, or its matrix `item`'s.
pub fn column_name(question: &str, item: Option<&str>) -> String {
    match item {
        Some(item) => format!("{question}.{item}"),
        None => question.to_owned(),
    }
}

/// The column holding `question`'s answer (or its `item`'s), if `columns` has it.
pub fn column_of<'c>(
    columns: &'c [Column],
    question: &str,
    item: Option<&str>,
) -> Option<&'c Column> {
    let name = column_name(question, item);
    columns.iter().find(|c| c.name == name)
}

/// The columns of `responses.csv` for a survey definition, in order.
pub fn columns(survey: &Survey) -> Vec<Column> {
    let mut out = vec![Column {
        name: "row".into(),
        kind: ColumnKind::Row,
        label: text("行号（按规范顺序）", "Row number (canonical order)"),
        field_type: "integer",
        values: Vec::new(),
        numeric_scale: None,
    }];
    for q in &survey.questions {
        let id = q.id.clone();
        let numeric_scale = match &q.kind {
            QuestionKind::Scale { scale } | QuestionKind::Matrix { scale, .. } => {
                NumericScale::of(scale)
            }
            _ => None,
        };
        match &q.kind {
            QuestionKind::Single { .. }
            | QuestionKind::YesNo { .. }
            | QuestionKind::Scale { .. } => out.push(Column {
                name: id.clone(),
                kind: ColumnKind::Code { question: id },
                label: q.text.clone(),
                field_type: "string",
                values: with_suppressed(choices(&q.choices()), q),
                numeric_scale,
            }),
            QuestionKind::Multiple { options, .. } => {
                for option in options {
                    out.push(Column {
                        name: format!("{id}.{}", option.code),
                        kind: ColumnKind::Ticked {
                            question: id.clone(),
                            option: option.code.clone(),
                        },
                        label: text(
                            &format!("{}：{}", q.text.zh, option.label.zh),
                            &format!("{}: {}", q.text.en, option.label.en),
                        ),
                        field_type: "integer",
                        values: yes_no(),
                        numeric_scale: None,
                    });
                }
            }
            QuestionKind::Matrix { items, .. } => {
                for item in items {
                    out.push(Column {
                        name: format!("{id}.{}", item.code),
                        kind: ColumnKind::Item {
                            question: id.clone(),
                            item: item.code.clone(),
                        },
                        label: text(
                            &format!("{}：{}", q.text.zh, item.label.zh),
                            &format!("{}: {}", q.text.en, item.label.en),
                        ),
                        field_type: "string",
                        values: choices(&q.choices()),
                        numeric_scale: numeric_scale.clone(),
                    });
                }
            }
            QuestionKind::Number { integer, .. } => out.push(Column {
                name: id.clone(),
                kind: ColumnKind::Number { question: id },
                label: q.text.clone(),
                field_type: if *integer { "integer" } else { "number" },
                values: Vec::new(),
                numeric_scale: None,
            }),
            // Free text is never released: even scrubbed, a sentence can describe its author.
            QuestionKind::Text { .. } => {}
        }
    }
    out.push(Column {
        name: "channel".into(),
        kind: ColumnKind::Channel,
        label: text("答卷渠道", "How the response came in"),
        field_type: "string",
        numeric_scale: None,
        values: vec![
            ("open_link".into(), text("公开链接", "Open link")),
            ("invitation".into(), text("邀请", "Invitation")),
            ("interviewer".into(), text("访员", "Interviewer")),
            (
                "simulated".into(),
                text("模拟数据", "Simulated (not a resident)"),
            ),
        ],
    });
    for (flag, zh, en) in [
        (QualityFlag::TooFast, "答题过快", "Completed too fast"),
        (
            QualityFlag::Straightlining,
            "矩阵题全部选同一项",
            "Straight-lining",
        ),
        (
            QualityFlag::DuplicateClient,
            "疑似重复提交",
            "Possible duplicate",
        ),
    ] {
        out.push(Column {
            name: format!("flag_{}", flag.name()),
            kind: ColumnKind::Flag(flag),
            label: text(zh, en),
            field_type: "integer",
            values: yes_no(),
            numeric_scale: None,
        });
    }
    out.push(Column {
        name: "excluded".into(),
        kind: ColumnKind::Excluded,
        label: text(
            "剔除原因（空为纳入统计）",
            "Why left out of the estimates (empty: used)",
        ),
        field_type: "string",
        numeric_scale: None,
        values: [
            ("too_fast", "答题过快", "Completed too fast"),
            ("straightlining", "矩阵题全部选同一项", "Straight-lining"),
            ("duplicate_client", "疑似重复提交", "Possible duplicate"),
            (
                "unknown_stratum",
                "县（市、区）不在调查范围",
                "County not in the survey",
            ),
            (
                "missing_weighting_answer",
                "缺少加权所需信息",
                "A weighting answer is missing",
            ),
            (
                crate::evaluation::SUPPRESSED_FOR_RELEASE,
                "身份相关信息已隐去，无法加权",
                "Quasi-identifiers suppressed, so it cannot be weighted",
            ),
        ]
        .into_iter()
        .map(|(code, zh, en)| (code.to_owned(), text(zh, en)))
        .collect(),
    });
    out.push(Column {
        name: "weight".into(),
        kind: ColumnKind::Weight,
        label: text("最终权重", "Final weight"),
        field_type: "number",
        values: Vec::new(),
        numeric_scale: None,
    });
    out
}

/// What one row says besides its answers.
pub struct RowFacts<'a> {
    pub row: u64,
    pub channel: &'a str,
    pub flags: &'a [QualityFlag],
    pub excluded: Option<&'a str>,
    pub weight: Option<f64>,
}

/// The cells of one row.
pub fn cells(columns: &[Column], answers: &Answers, facts: &RowFacts<'_>) -> Vec<String> {
    columns
        .iter()
        .map(|column| match &column.kind {
            ColumnKind::Row => facts.row.to_string(),
            ColumnKind::Code { question } => match answers.get(question) {
                Some(Answer::Code(code)) => code.clone(),
                _ => String::new(),
            },
            ColumnKind::Ticked { question, option } => match answers.get(question) {
                Some(Answer::Codes(ticked)) => u8::from(ticked.contains(option)).to_string(),
                _ => String::new(),
            },
            ColumnKind::Item { question, item } => match answers.get(question) {
                Some(Answer::Items(items)) => items.get(item).cloned().unwrap_or_default(),
                _ => String::new(),
            },
            ColumnKind::Number { question } => match answers.get(question) {
                Some(Answer::Number(x)) => x.to_string(),
                _ => String::new(),
            },
            ColumnKind::Channel => facts.channel.to_owned(),
            ColumnKind::Flag(flag) => u8::from(facts.flags.contains(flag)).to_string(),
            ColumnKind::Excluded => facts.excluded.unwrap_or_default().to_owned(),
            ColumnKind::Weight => facts.weight.map(|w| w.to_string()).unwrap_or_default(),
        })
        .collect()
}

/// A row read back: the answers, channel, flags, exclusion and weight as released.
pub struct ReadRow {
    pub row: String,
    pub answers: Answers,
    pub channel: String,
    pub flags: Vec<QualityFlag>,
    pub excluded: String,
    pub weight: String,
}

/// Reads one row of `responses.csv` back into answers (the inverse of [`cells`]). A value the
/// column cannot hold is an error naming the column.
pub fn read_row(columns: &[Column], cells: &[&str]) -> Result<ReadRow, String> {
    let mut read = ReadRow {
        row: String::new(),
        answers: Answers::new(),
        channel: String::new(),
        flags: Vec::new(),
        excluded: String::new(),
        weight: String::new(),
    };
    for (column, cell) in columns.iter().zip(cells) {
        let cell = *cell;
        let bad = || format!("column {} holds {cell:?}", column.name);
        match &column.kind {
            ColumnKind::Row => read.row = cell.to_owned(),
            ColumnKind::Code { question } => {
                if !cell.is_empty() {
                    read.answers
                        .insert(question.clone(), Answer::Code(cell.to_owned()));
                }
            }
            ColumnKind::Ticked { question, option } => match cell {
                "" => {}
                "0" | "1" => {
                    let entry = read
                        .answers
                        .entry(question.clone())
                        .or_insert_with(|| Answer::Codes(Vec::new()));
                    if let (Answer::Codes(ticked), "1") = (entry, cell) {
                        ticked.push(option.clone());
                    }
                }
                _ => return Err(bad()),
            },
            ColumnKind::Item { question, item } => {
                if !cell.is_empty() {
                    let entry = read
                        .answers
                        .entry(question.clone())
                        .or_insert_with(|| Answer::Items(Default::default()));
                    if let Answer::Items(items) = entry {
                        items.insert(item.clone(), cell.to_owned());
                    }
                }
            }
            ColumnKind::Number { question } => {
                if !cell.is_empty() {
                    let x: f64 = cell.parse().map_err(|_| bad())?;
                    read.answers.insert(question.clone(), Answer::Number(x));
                }
            }
            ColumnKind::Channel => read.channel = cell.to_owned(),
            ColumnKind::Flag(flag) => match cell {
                "1" => read.flags.push(*flag),
                "0" => {}
                _ => return Err(bad()),
            },
            ColumnKind::Excluded => read.excluded = cell.to_owned(),
            ColumnKind::Weight => read.weight = cell.to_owned(),
        }
    }
    Ok(read)
}
