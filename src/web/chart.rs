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
}

const WIDTH: f64 = 340.0;
const LABEL_WIDTH: f64 = 74.0;
const RIGHT: f64 = 12.0;
const ROW: f64 = 30.0;
const TOP: f64 = 22.0;
const AXIS: f64 = 22.0;

impl Chart<'_> {
    fn x(&self, value: f64) -> f64 {
        let share = (value / self.max).clamp(0.0, 1.0);
        LABEL_WIDTH + share * (WIDTH - LABEL_WIDTH - RIGHT)
    }

    pub fn to_svg(&self) -> String {
        let height = TOP + ROW * self.bars.len() as f64 + AXIS;
        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="{}" font-size="12" font-family="sans-serif">"#,
            escape(self.title)
        );
        for (i, bar) in self.bars.iter().enumerate() {
            let y = TOP + ROW * i as f64;
            let _ = write!(
                svg,
                r##"<text x="{}" y="{}" text-anchor="end" fill="#161616">{}</text>"##,
                LABEL_WIDTH - 6.0,
                y + 19.0,
                escape(bar.label)
            );
            if bar.suppressed || bar.estimate.is_nan() {
                let _ = write!(
                    svg,
                    r##"<text x="{}" y="{}" fill="#4a4a4a">{}</text>"##,
                    LABEL_WIDTH + 4.0,
                    y + 19.0,
                    escape(self.suppressed_label)
                );
                continue;
            }
            let x = self.x(bar.estimate);
            let _ = write!(
                svg,
                r##"<rect x="{LABEL_WIDTH}" y="{}" width="{:.1}" height="14" fill="#7aa7d9"/>"##,
                y + 8.0,
                x - LABEL_WIDTH
            );
            if bar.low.is_finite() && bar.high.is_finite() {
                let (lo, hi, cy) = (self.x(bar.low), self.x(bar.high), y + 15.0);
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
        let bottom = TOP + ROW * self.bars.len() as f64;
        let _ = write!(
            svg,
            r##"<line x1="{tx:.1}" y1="{}" x2="{tx:.1}" y2="{bottom}" stroke="#a8071a" stroke-width="2" stroke-dasharray="4 3"/><text x="{tx:.1}" y="14" text-anchor="middle" fill="#a8071a">{}</text>"##,
            TOP - 4.0,
            escape(self.threshold_label)
        );
        for tick in [0.0, 0.5, 1.0] {
            let value = tick * self.max;
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{}" text-anchor="middle" fill="#4a4a4a">{}</text>"##,
                self.x(value),
                bottom + 16.0,
                escape(&(self.format)(value))
            );
        }
        svg.push_str("</svg>");
        svg
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
        }])
        .to_svg();
        let plot = WIDTH - LABEL_WIDTH - RIGHT;
        assert!(
            svg.contains(&format!("width=\"{:.1}\"", plot * 0.5)),
            "the bar ends at 50%: {svg}"
        );
        assert!(
            svg.contains(&format!(
                "M{:.1} 37H{:.1}",
                LABEL_WIDTH + plot * 0.4,
                LABEL_WIDTH + plot * 0.6
            )),
            "the whisker spans the interval: {svg}"
        );
        assert!(
            svg.contains(&format!("x1=\"{:.1}\"", LABEL_WIDTH + plot * 0.8)),
            "the threshold line: {svg}"
        );
        assert!(svg.contains("满意率 &lt;各县&gt;"), "labels are escaped");
    }

    #[test]
    fn a_suppressed_county_shows_a_note_instead_of_a_bar() {
        let svg = chart(vec![Bar {
            label: "海盐县",
            estimate: 0.9,
            low: 0.8,
            high: 0.95,
            suppressed: true,
        }])
        .to_svg();
        assert!(svg.contains("样本不足"));
        assert!(!svg.contains("<rect"), "no bar for a suppressed figure");
    }
}
