//! The results page's comparison of the channels ([`crate::evaluation::ChannelComparison`]):
//! one line per channel saying how its responses' figures differ from the others', with the
//! 95% interval of each difference and whether it is clear, then what that can and cannot mean.

use super::i18n::Messages;
use crate::evaluation::{on_its_scale, ChannelFigure, Evaluation, IndicatorResult};
use crate::survey::Lang;

/// The lines for the page's method, none when the answers came one way. `shown(k)` says
/// whether the city's figure of indicator k is on the page: a withheld figure is not compared.
pub fn comparison_lines(
    m: &Messages,
    lang: Lang,
    evaluation: &Evaluation,
    shown: impl Fn(usize) -> bool,
) -> Vec<String> {
    let (Some(channels), Some(city)) = (&evaluation.channels, evaluation.domains.first()) else {
        return Vec::new();
    };
    let name = |channel: &str| m.text(lang, &format!("fieldwork.channel_{channel}"));
    // Two channels differ from each other by one figure: the second line would repeat the
    // first with the signs turned.
    let compared = if channels.len() == 2 {
        &channels[..1]
    } else {
        &channels[..]
    };
    let separator = if lang == Lang::Zh { "；" } else { "; " };
    let mut lines: Vec<String> = compared
        .iter()
        .filter_map(|c| {
            let public: Vec<(&IndicatorResult, &ChannelFigure)> = c
                .indicators
                .iter()
                .filter_map(|f| {
                    let k = city.indicators.iter().position(|i| i.id == f.id)?;
                    shown(k).then(|| (&city.indicators[k], f))
                })
                .collect();
            if public.is_empty() {
                return None;
            }
            if public.iter().all(|(_, f)| !f.shown) {
                // Nothing to compare: said once, naming the side with too few answers.
                let fewest = channels
                    .iter()
                    .filter(|o| channels.len() == 2 || o.channel == c.channel)
                    .min_by_key(|o| o.respondents)
                    .unwrap_or(c);
                return Some(m.format(
                    lang,
                    "results.method_channel_too_few",
                    &[("channel", &name(&fewest.channel))],
                ));
            }
            let figures: Vec<String> = public.iter().map(|(i, f)| figure(m, lang, i, f)).collect();
            let figures = figures.join(separator);
            Some(match channels.as_slice() {
                [_, other] => m.format(
                    lang,
                    "results.method_channel_vs_other",
                    &[
                        ("channel", &name(&c.channel)),
                        ("other", &name(&other.channel)),
                        ("figures", &figures),
                    ],
                ),
                _ => m.format(
                    lang,
                    "results.method_channel_vs_rest",
                    &[("channel", &name(&c.channel)), ("figures", &figures)],
                ),
            })
        })
        .collect();
    if channels.iter().flat_map(|c| &c.indicators).any(|f| f.shown) {
        lines.push(m.text(lang, "results.method_channel_caveat"));
    }
    lines
}

/// One indicator's difference: "总体满意率 +6.2 个百分点（95% 区间 +2.1 至 +10.3，区别明显）".
fn figure(m: &Messages, lang: Lang, i: &IndicatorResult, f: &ChannelFigure) -> String {
    let label = i.label.get(lang);
    if !f.shown {
        return m.format(
            lang,
            "results.method_channel_withheld",
            &[("indicator", label)],
        );
    }
    let unit = if i.kind == "proportion" {
        "results.method_channel_percentage_points"
    } else {
        "results.method_channel_points"
    };
    let signed = |v: f64| signed(on_its_scale(i, v));
    m.format(
        lang,
        "results.method_channel_figure",
        &[
            ("indicator", label),
            (
                "difference",
                &m.format(lang, unit, &[("value", &signed(f.difference))]),
            ),
            ("low", &signed(f.difference_low)),
            ("high", &signed(f.difference_high)),
            (
                "verdict",
                &m.text(
                    lang,
                    if f.clear {
                        "results.method_channel_clear"
                    } else {
                        "results.method_channel_unclear"
                    },
                ),
            ),
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
    use super::signed;

    #[test]
    fn differences_carry_their_sign_and_nothing_reads_as_minus_zero() {
        assert_eq!(signed(0.0623), "+0.1");
        assert_eq!(signed(6.23), "+6.2");
        assert_eq!(signed(-0.84), "\u{2212}0.8");
        assert_eq!(signed(-0.04), "0.0");
    }
}
