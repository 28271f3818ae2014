//! A server-rendered SVG chart of one indicator across counties: a bar per county with its 95%
//! interval as a whisker and the threshold as a dashed line. No JavaScript; the table beside it
//! is its accessible alternative.

use std::fmt::Write as _;

/// One bar of the chart.
pub struct Bar<'a> {
    pub label: &'a str,
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
    /// Too few answers to publish: the row is drawn empty with a note.
    pub suppressed: bool,
    /// Flagged unreliable (too few answers, a wide or undefined interval): the bar is drawn
    /// pale, so that it does not look as sure as the others.
    pub unreliable: bool,
}

pub struct Chart<'a> {
    /// What the chart shows, for screen readers (`aria-label`).
    pub title: &'a str,
    pub bars: Vec<Bar<'a>>,
    pub threshold: f64,
    pub threshold_label: &'a str,
    /// The scale's maximum: 1 for rates, 100 for scores.
    pub max: f64,
    /// Formats an axis value (`50%`, `50`).
    pub format: fn(f64) -> String,
    /// Shown on suppressed rows.
    pub suppressed_label: &'a str,
    /// Large text for older readers (`web::text_size`): the chart's words grow with the page's.
    pub large_text: bool,
}

/// The drawing's width; the SVG scales to the page's (about 330 px on a phone), so one unit is
/// about one pixel there.
const WIDTH: f64 = 340.0;
const LEFT: f64 = 4.0;
const RIGHT: f64 = 4.0;
const BAR: f64 = 14.0;

/// Sizes that follow the text: the font, a row (its county's name above a bar, so that a long
/// name such as "Xiuzhou District" never runs off the left edge), the threshold's label above
/// the rows and the axis below.
struct Layout {
    font: f64,
    row: f64,
    top: f64,
    axis: f64,
}

impl Layout {
    fn of(large_text: bool) -> Layout {
        // The drawing is shown about 0.9 times its width on a phone (306 px for 340 units): 18
        // units read as about 16 px beside the page's 18, 27 as about 24 beside large text's 27.
        let font = if large_text { 27.0 } else { 18.0 };
        Layout {
            font,
            row: font + 4.0 + BAR + 8.0,
            top: font + 8.0,
            axis: font + 6.0,
        }
    }
}

impl Chart<'_> {
    fn x(&self, value: f64) -> f64 {
        let share = (value / self.max).clamp(0.0, 1.0);
        LEFT + share * (WIDTH - LEFT - RIGHT)
    }

    pub fn to_svg(&self) -> String {
        let l = Layout::of(self.large_text);
        let bottom = l.top + l.row * self.bars.len() as f64;
        let height = bottom + l.axis;
        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="{}" font-size="{}" font-family="sans-serif">"#,
            escape(self.title),
            l.font
        );
        for (i, bar) in self.bars.iter().enumerate() {
            let y = l.top + l.row * i as f64;
            let bar_y = y + l.font + 4.0;
            let _ = write!(
                svg,
                r##"<text x="{LEFT}" y="{}" fill="#161616">{}</text>"##,
                y + l.font,
                escape(bar.label)
            );
            if bar.suppressed || bar.estimate.is_nan() {
                let _ = write!(
                    svg,
                    r##"<text x="{LEFT}" y="{}" fill="#4a4a4a">{}</text>"##,
                    bar_y + BAR - 2.0,
                    escape(self.suppressed_label)
                );
                continue;
            }
            let x = self.x(bar.estimate);
            let fill = if bar.unreliable { "#c9daf0" } else { "#5a8fd0" };
            let _ = write!(
                svg,
                r##"<rect x="{LEFT}" y="{bar_y}" width="{:.1}" height="{BAR}" fill="{fill}"/>"##,
                x - LEFT
            );
            if bar.low.is_finite() && bar.high.is_finite() {
                let (lo, hi, cy) = (self.x(bar.low), self.x(bar.high), bar_y + BAR / 2.0);
                let _ = write!(
                    svg,
                    r##"<path d="M{lo:.1} {cy}H{hi:.1}M{lo:.1} {}V{}M{hi:.1} {}V{}" stroke="#0b2e55" stroke-width="2" fill="none"/>"##,
                    cy - 6.0,
                    cy + 6.0,
                    cy - 6.0,
                    cy + 6.0
                );
            }
        }
        let tx = self.x(self.threshold);
        let (label_x, label_anchor) = placed(tx, self.threshold_label, l.font);
        let _ = write!(
            svg,
            r##"<line x1="{tx:.1}" y1="{}" x2="{tx:.1}" y2="{bottom}" stroke="#a8071a" stroke-width="2" stroke-dasharray="4 3"/><text x="{label_x:.1}" y="{}" text-anchor="{label_anchor}" fill="#a8071a">{}</text>"##,
            l.top - 4.0,
            l.font,
            escape(self.threshold_label)
        );
        for tick in [0.0, 0.5, 1.0] {
            let label = (self.format)(tick * self.max);
            let (x, anchor) = placed(self.x(tick * self.max), &label, l.font);
            let _ = write!(
                svg,
                r##"<text x="{x:.1}" y="{}" text-anchor="{anchor}" fill="#4a4a4a">{}</text>"##,
                bottom + l.font + 2.0,
                escape(&label)
            );
        }
        svg.push_str("</svg>");
        svg
    }
}

/// Where a label for the point `x` goes, and how it hangs (`text-anchor`), so that it stays
/// inside the drawing: centred on `x` where it fits; else starting at `x` near the left edge or
/// ending there near the right (so that "0%" and "100%" line up with the ends); else, too wide
/// to hang from `x` ("standard 60.0 points" in large text), against the nearer edge. Its width
/// is estimated generously: a Chinese character one em, any other character 0.6 em.
fn placed(x: f64, label: &str, font: f64) -> (f64, &'static str) {
    let width: f64 = label
        .chars()
        .map(|c| if c.is_ascii() { 0.6 } else { 1.0 })
        .sum::<f64>()
        * font;
    let (left, right, half) = (LEFT, WIDTH - RIGHT, width / 2.0);
    if x - half >= left && x + half <= right {
        (x, "middle")
    } else if x - half < left && x + width <= right {
        (x.max(left), "start")
    } else if x + half > right && x - width >= left {
        (x.min(right), "end")
    } else if x - half < left {
        (left, "start")
    } else {
        (right, "end")
    }
}

pub(super) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn percent(v: f64) -> String {
        format!("{:.0}%", v * 100.0)
    }

    fn chart(bars: Vec<Bar<'static>>) -> Chart<'static> {
        Chart {
            title: "满意率 <各县>",
            bars,
            threshold: 0.8,
            threshold_label: "门槛 80%",
            max: 1.0,
            format: percent,
            suppressed_label: "样本不足",
            large_text: false,
        }
    }

    #[test]
    fn bars_whiskers_and_the_threshold_are_placed_on_the_scale() {
        let svg = chart(vec![Bar {
            label: "南湖区",
            estimate: 0.5,
            low: 0.4,
            high: 0.6,
            suppressed: false,
            unreliable: false,
        }])
        .to_svg();
        let plot = WIDTH - LEFT - RIGHT;
        assert!(
            svg.contains(&format!("width=\"{:.1}\"", plot * 0.5)),
            "the bar ends at 50%: {svg}"
        );
        let whisker_y = Layout::of(false).top + Layout::of(false).font + 4.0 + BAR / 2.0;
        assert!(
            svg.contains(&format!(
                "M{:.1} {whisker_y}H{:.1}",
                LEFT + plot * 0.4,
                LEFT + plot * 0.6
            )),
            "the whisker spans the interval, across the bar: {svg}"
        );
        assert!(
            svg.contains(&format!("x1=\"{:.1}\"", LEFT + plot * 0.8)),
            "the threshold line: {svg}"
        );
        assert!(svg.contains("满意率 &lt;各县&gt;"), "labels are escaped");
    }

    #[test]
    fn a_long_county_name_starts_at_the_left_edge_and_the_last_tick_ends_inside() {
        let svg = chart(vec![Bar {
            label: "Xiuzhou District",
            estimate: 0.7,
            low: 0.6,
            high: 0.8,
            suppressed: false,
            unreliable: false,
        }])
        .to_svg();
        assert!(
            svg.contains(&format!(
                "<text x=\"{LEFT}\" y=\"{}\" fill=\"#161616\">Xiuzhou District</text>",
                Layout::of(false).top + Layout::of(false).font
            )),
            "the name sits above its bar from the left edge, whatever its length: {svg}"
        );
        assert!(
            svg.contains(&format!("x=\"{:.1}\" y=\"", WIDTH - RIGHT))
                && svg.contains("text-anchor=\"end\" fill=\"#4a4a4a\">100%</text>"),
            "100% ends at the right edge instead of running past it: {svg}"
        );
    }

    #[test]
    fn large_text_makes_the_charts_words_larger() {
        let mut large = chart(vec![]);
        large.large_text = true;
        let font = |svg: &str| {
            let start = svg.find("font-size=\"").expect("a font size") + 11;
            svg[start..start + svg[start..].find('"').unwrap()]
                .parse::<f64>()
                .unwrap()
        };
        let (normal, large) = (font(&chart(vec![]).to_svg()), font(&large.to_svg()));
        assert!(
            normal >= 18.0,
            "about 16 px on a phone, near the page's 18, not 12"
        );
        assert!(large > normal, "{large} > {normal}");
    }

    #[test]
    fn a_threshold_label_near_the_right_edge_ends_there_rather_than_run_past_it() {
        let mut long = chart(vec![]);
        long.threshold_label = "standard 80.0 points";
        long.large_text = true;
        let mut short = chart(vec![]);
        short.threshold = 0.5;
        let mut wide = chart(vec![]);
        wide.threshold_label = "standard 60.0 points";
        wide.threshold = 0.6;
        wide.large_text = true;
        // The label's text element: its x and its anchor.
        let at = |svg: &str, label: &str| {
            let end = svg.find(&format!(">{label}</text>")).expect("the label");
            let start = svg[..end].rfind("<text ").expect("its element");
            svg[start..end].to_owned()
        };
        let right_edge = format!("x=\"{:.1}\"", WIDTH - RIGHT);
        let long_at = at(&long.to_svg(), "standard 80.0 points");
        assert!(
            long_at.contains("text-anchor=\"end\"") && long_at.contains(&right_edge),
            "ends at the right edge: {long_at}"
        );
        let wide_at = at(&wide.to_svg(), "standard 60.0 points");
        assert!(wide_at.contains("text-anchor=\"end\"") && wide_at.contains(&right_edge), "too wide to end at its line (it would run off the left): against the right edge: {wide_at}");
        let short_at = at(&short.to_svg(), "门槛 80%");
        assert!(
            short_at.contains("text-anchor=\"middle\"")
                && short_at.contains(&format!("x=\"{:.1}\"", short.x(0.5))),
            "centred on its line where it fits: {short_at}"
        );
    }

    #[test]
    fn a_suppressed_county_shows_a_note_instead_of_a_bar() {
        let svg = chart(vec![Bar {
            label: "海盐县",
            estimate: 0.9,
            low: 0.8,
            high: 0.95,
            suppressed: true,
            unreliable: false,
        }])
        .to_svg();
        assert!(svg.contains("样本不足"));
        assert!(!svg.contains("<rect"), "no bar for a suppressed figure");
    }

    #[test]
    fn an_unreliable_figure_is_drawn_pale() {
        let bar = |unreliable| Bar {
            label: "平湖市",
            estimate: 0.9,
            low: 0.5,
            high: 0.99,
            suppressed: false,
            unreliable,
        };
        let sure = chart(vec![bar(false)]).to_svg();
        let unsure = chart(vec![bar(true)]).to_svg();
        assert!(sure.contains("fill=\"#5a8fd0\"") && !sure.contains("#c9daf0"));
        assert!(unsure.contains("fill=\"#c9daf0\"") && !unsure.contains("#5a8fd0"));
    }
}
