//! The results page's comparison of the channels ([`crate::evaluation::ChannelComparison`]):
//! one line per channel saying how its answers differ from the others' within the same county,
//! with the 95% interval of each difference and whether it is clear, then what that can and
//! cannot mean.

use super::i18n::Messages;
use crate::evaluation::{
    on_its_scale, ChannelComparison, ChannelFigure, Evaluation, IndicatorResult, Verdict,
};
use crate::fieldwork::CHANNELS;
use crate::survey::Lang;

/// The lines for the page's method, none when the answers came one way. `shown(k)` says
/// whether the city's figure of indicator k is on the page: a withheld figure is not compared.
/// `min_public_cell` is the survey's `min_public_cell`, which the caveat states.
pub fn comparison_lines<'a>(
    m: &Messages,
    lang: Lang,
    evaluation: &'a Evaluation,
    min_public_cell: u32,
    shown: impl Fn(usize) -> bool,
) -> Vec<String> {
    let (Some(channels), Some(city)) = (&evaluation.channels, evaluation.domains.first()) else {
        return Vec::new();
    };
    let counties = evaluation.domains.len() - 1;
    let answers = |channel: &str| {
        if CHANNELS.contains(&channel) {
            m.text(lang, &format!("results.channel_answers_{channel}"))
        } else {
            channel.to_owned()
        }
    };
    // Two channels differ from each other by one figure: the second line would repeat the
    // first with the signs turned.
    let compared = if channels.len() == 2 {
        &channels[..1]
    } else {
        &channels[..]
    };
    let separator = if lang == Lang::Zh { "；" } else { "; " };
    let on_page = |c: &'a ChannelComparison| -> Vec<(&'a IndicatorResult, &'a ChannelFigure)> {
        c.indicators
            .iter()
            .filter_map(|f| {
                let k = city.indicators.iter().position(|i| i.id == f.id)?;
                shown(k).then(|| (&city.indicators[k], f))
            })
            .collect()
    };
    // No county where every way of answering brought enough answers: said once.
    let nowhere = compared
        .iter()
        .all(|c| on_page(c).iter().all(|(_, f)| f.counties == 0));
    if nowhere && compared.iter().any(|c| !on_page(c).is_empty()) {
        let min = min_public_cell.to_string();
        return vec![m.format(lang, "results.method_channel_none", &[("min", &min)])];
    }
    let lines: Vec<String> = compared
        .iter()
        .filter_map(|c| {
            let public = on_page(c);
            if public.is_empty() {
                return None;
            }
            if public.iter().all(|(_, f)| f.verdict == Verdict::TooFew) {
                return Some(match channels.as_slice() {
                    [_, other] => m.format(
                        lang,
                        "results.method_channel_too_few",
                        &[
                            ("channel", &answers(&c.channel)),
                            ("other", &answers(&other.channel)),
                        ],
                    ),
                    _ => m.format(
                        lang,
                        "results.method_channel_too_few_rest",
                        &[("channel", &answers(&c.channel))],
                    ),
                });
            }
            // How many counties were compared: once for the line when every figure compared
            // the same ones, else at each figure that did not compare them all.
            let mut compared_counties = public
                .iter()
                .filter(|(_, f)| f.verdict.shown())
                .map(|(_, f)| f.counties);
            let first = compared_counties.next().unwrap_or(counties);
            let same = compared_counties.all(|n| n == first);
            let note = if same && first < counties {
                m.format(
                    lang,
                    "results.method_channel_counties_note",
                    &[
                        ("counties", &first.to_string()),
                        ("total", &counties.to_string()),
                    ],
                )
            } else {
                String::new()
            };
            // A figure says its own count only when the line could not say one for all.
            let annotate_below = if same { 0 } else { counties };
            let figures: Vec<String> = public
                .iter()
                .map(|(i, f)| figure(m, lang, i, f, annotate_below))
                .collect();
            let figures = figures.join(separator);
            Some(match channels.as_slice() {
                [_, other] => m.format(
                    lang,
                    "results.method_channel_vs_other",
                    &[
                        ("note", &note),
                        ("channel", &answers(&c.channel)),
                        ("other", &answers(&other.channel)),
                        ("figures", &figures),
                    ],
                ),
                _ => m.format(
                    lang,
                    "results.method_channel_vs_rest",
                    &[
                        ("note", &note),
                        ("channel", &answers(&c.channel)),
                        ("figures", &figures),
                    ],
                ),
            })
        })
        .collect();
    // The caveat speaks of the differences given, so only where one is.
    let any_figure = compared
        .iter()
        .any(|c| on_page(c).iter().any(|(_, f)| f.verdict.shown()));
    let min = min_public_cell.to_string();
    let caveat =
        any_figure.then(|| m.format(lang, "results.method_channel_caveat", &[("min", &min)]));
    lines.into_iter().chain(caveat).collect()
}

/// One indicator's difference: "食品安全总体满意率 +6.2 个百分点（95% 置信区间 +2.1 至
/// +10.3，差异明确）", saying how many counties were compared when fewer than
/// `annotate_below`.
fn figure(
    m: &Messages,
    lang: Lang,
    i: &IndicatorResult,
    f: &ChannelFigure,
    annotate_below: usize,
) -> String {
    let label = i.label.get(lang);
    let (verdict, key) = match f.verdict {
        Verdict::Clear => ("results.method_channel_clear", None),
        Verdict::Unclear => ("results.method_channel_unclear", None),
        Verdict::TooFew => ("", Some("results.method_channel_withheld")),
        Verdict::NoInterval => ("", Some("results.method_channel_no_interval")),
    };
    if let Some(withheld) = key {
        return m.format(lang, withheld, &[("indicator", label)]);
    }
    let unit = if i.kind == "proportion" {
        "results.method_channel_percentage_points"
    } else {
        "results.method_channel_points"
    };
    let signed = |v: f64| signed(on_its_scale(i, v));
    let key = if f.counties < annotate_below {
        "results.method_channel_figure_counties"
    } else {
        "results.method_channel_figure"
    };
    m.format(
        lang,
        key,
        &[
            ("indicator", label),
            (
                "difference",
                &m.format(lang, unit, &[("value", &signed(f.difference))]),
            ),
            ("low", &signed(f.difference_low)),
            ("high", &signed(f.difference_high)),
            ("verdict", &m.text(lang, verdict)),
            ("counties", &f.counties.to_string()),
        ],
    )
}

/// A difference to one decimal with its sign, the minus a true minus sign ("+6.2", "−0.8",
/// "0.0" for what rounds to nothing).
fn signed(v: f64) -> String {
    let shown = format!("{:.1}", v.abs());
    if shown == "0.0" {
        shown
    } else if v > 0.0 {
        format!("+{shown}")
    } else {
        format!("\u{2212}{shown}")
    }
}

#[cfg(test)]
mod tests {
    use super::{comparison_lines, signed};
    use crate::evaluation::{evaluate, ChannelComparison, ChannelFigure, Respondent, Verdict};
    use crate::survey::{FormInput, Lang};
    use crate::web::Messages;

    #[test]
    fn differences_carry_their_sign_and_nothing_reads_as_minus_zero() {
        assert_eq!(signed(0.0623), "+0.1");
        assert_eq!(signed(6.23), "+6.2");
        assert_eq!(signed(-0.84), "\u{2212}0.8");
        assert_eq!(signed(-0.04), "0.0");
    }

    /// An evaluation of the example survey whose comparison is `channels`.
    fn evaluation_with(channels: Vec<ChannelComparison>) -> crate::evaluation::Evaluation {
        let survey = crate::survey::tests::example();
        let respondents: Vec<Respondent> = crate::simulate::simulate(&survey, 300, 4)
            .map(|form| {
                let answers = survey
                    .validate(&FormInput::from_pairs(form.fields))
                    .unwrap();
                Respondent {
                    stratum: survey.stratum_of(&answers).unwrap().to_owned(),
                    answers,
                    quality_flags: Vec::new(),
                    channel: "open_link".into(),
                }
            })
            .collect();
        let mut evaluation = evaluate(&survey, &respondents).unwrap();
        evaluation.channels = Some(channels);
        evaluation
    }

    fn figure(id: &str, verdict: Verdict, counties: usize) -> ChannelFigure {
        let given = if verdict.shown() { 0.042 } else { f64::NAN };
        ChannelFigure {
            id: id.into(),
            difference: given,
            difference_low: given - 0.03,
            difference_high: given + 0.03,
            n: 120,
            counties,
            verdict,
        }
    }

    #[test]
    fn three_channels_are_each_set_against_the_rest_saying_what_was_left_out() {
        let rate = |verdict, counties| {
            vec![
                figure("satisfaction_rate", verdict, counties),
                figure("campaign_awareness", Verdict::NoInterval, 0),
                figure("campaign_support", Verdict::TooFew, 0),
            ]
        };
        let channel = |name: &str, respondents, indicators| ChannelComparison {
            channel: name.into(),
            respondents,
            indicators,
        };
        let evaluation = evaluation_with(vec![
            channel("open_link", 900, rate(Verdict::Clear, 7)),
            channel("invitation", 400, rate(Verdict::Unclear, 5)),
            channel(
                "kiosk",
                10,
                vec![
                    figure("satisfaction_rate", Verdict::TooFew, 0),
                    figure("campaign_awareness", Verdict::TooFew, 0),
                ],
            ),
        ]);
        let messages = Messages::load().unwrap();
        let lines = comparison_lines(&messages, Lang::Zh, &evaluation, 30, |_| true);

        assert_eq!(
            lines.len(),
            4,
            "one line per channel and the caveat: {lines:#?}"
        );
        assert!(
            lines[0]
                .starts_with("在同一县（市、区）内比较，通过公开链接填写的答卷与其余答卷相比："),
            "{}",
            lines[0]
        );
        assert!(
            lines[0].contains("+4.2 个百分点（95% 置信区间 +1.2 至 +7.2，差异明确）"),
            "{}",
            lines[0]
        );
        assert!(
            lines[0].contains("算不出置信区间，不作比较")
                && lines[0].contains("答卷太少，不作比较"),
            "{}",
            lines[0]
        );
        assert!(
            lines[1].starts_with(
                "在同一县（市、区）内比较（只比较了其中 5 个县（市、区）），受邀填写的答卷"
            ),
            "the counties compared said once for the line: {}",
            lines[1]
        );
        assert!(
            lines[1].contains("未见明确差异）") && !lines[1].contains("；只比较了"),
            "{}",
            lines[1]
        );
        assert_eq!(
            lines[2], "kiosk可以与其余答卷比较的太少，不作比较。",
            "a channel this build does not name goes by its code"
        );
        assert!(lines[3].contains("至少 30 份有效答卷"), "{}", lines[3]);

        // A city figure the page withholds is not compared.
        let withheld = comparison_lines(&messages, Lang::En, &evaluation, 30, |k| {
            evaluation.domains[0].indicators[k].id != "satisfaction_rate"
        });
        assert!(
            withheld.iter().all(|l| !l.contains("satisfaction")),
            "{withheld:#?}"
        );
        assert!(
            !withheld
                .iter()
                .any(|l| l.contains("may look clear by chance")),
            "no figure left, no caveat: {withheld:#?}"
        );
    }

    #[test]
    fn figures_comparing_different_counties_each_say_how_many() {
        let evaluation = evaluation_with(vec![
            ChannelComparison {
                channel: "open_link".into(),
                respondents: 900,
                indicators: vec![
                    figure("satisfaction_rate", Verdict::Clear, 6),
                    figure("campaign_awareness", Verdict::Unclear, 7),
                ],
            },
            ChannelComparison {
                channel: "interviewer".into(),
                respondents: 300,
                indicators: Vec::new(),
            },
        ]);
        let messages = Messages::load().unwrap();
        let lines = comparison_lines(&messages, Lang::En, &evaluation, 30, |_| true);

        assert!(lines[0].starts_with("Within each county, answers through the public link compared with answers taken by interviewers: "), "{}", lines[0]);
        assert!(
            lines[0].contains("a clear difference; 6 counties compared)"),
            "{}",
            lines[0]
        );
        assert!(
            lines[0].contains("(95% confidence interval +1.2 to +7.2; no clear difference)"),
            "{}",
            lines[0]
        );
    }

    #[test]
    fn nothing_to_compare_is_said_once_with_the_reason() {
        let pair = |counties| {
            vec![
                ChannelComparison {
                    channel: "open_link".into(),
                    respondents: 1380,
                    indicators: vec![figure("satisfaction_rate", Verdict::TooFew, counties)],
                },
                ChannelComparison {
                    channel: "invitation".into(),
                    respondents: 20,
                    indicators: vec![figure("satisfaction_rate", Verdict::TooFew, counties)],
                },
            ]
        };
        let messages = Messages::load().unwrap();

        let nowhere =
            comparison_lines(&messages, Lang::Zh, &evaluation_with(pair(0)), 30, |_| true);
        assert_eq!(
            nowhere,
            ["没有一个县（市、区）里每种作答方式都有至少 30 份有效答卷（或没有答卷），不按作答方式比较。"],
            "no county to compare in: said once, no caveat"
        );
        let thin = comparison_lines(&messages, Lang::En, &evaluation_with(pair(2)), 30, |_| true);
        assert_eq!(
            thin,
            ["Too few comparable answers through the public link and answers by invitation to compare the figures by how the answers came in."],
            "counties to compare in, but too few answers there"
        );
    }
}
