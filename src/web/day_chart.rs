//! Responses per day as a server-rendered SVG column chart: one column a day from the first day
//! with responses to the last (days without any drawn as gaps), the busiest day's count at the
//! top, the first and last dates below. No JavaScript; the table of days is its accessible
//! alternative.

use std::fmt::Write as _;

use chrono::NaiveDate;

use super::chart::escape;

const WIDTH: f64 = 340.0;
const TOP: f64 = 16.0;
const PLOT: f64 = 80.0;
const BOTTOM: f64 = 18.0;

/// Every day from the first to the last of `days` (dates `YYYY-MM-DD`, oldest first), those
/// missing with 0. Days that are not dates are kept as they are, in their place.
pub fn every_day(days: &[(String, i64)]) -> Vec<(String, i64)> {
    let mut all: Vec<(String, i64)> = Vec::with_capacity(days.len());
    for (day, count) in days {
        let previous = all
            .last()
            .and_then(|(d, _)| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        if let (Some(previous), Ok(this)) = (previous, NaiveDate::parse_from_str(day, "%Y-%m-%d")) {
            let mut gap = previous.succ_opt();
            while let Some(missing) = gap.filter(|d| *d < this) {
                all.push((missing.format("%Y-%m-%d").to_string(), 0));
                gap = missing.succ_opt();
            }
        }
        all.push((day.clone(), *count));
    }
    all
}

/// The chart of `days` (as from [`every_day`]); `title` is read out by screen readers.
pub fn to_svg(days: &[(String, i64)], title: &str) -> String {
    let height = TOP + PLOT + BOTTOM;
    let most = days.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let column = WIDTH / days.len().max(1) as f64;
    let gap = if column > 4.0 { 1.0 } else { 0.0 };
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="{}" font-size="12" font-family="sans-serif">"#,
        escape(title)
    );
    for (i, (_, count)) in days.iter().enumerate() {
        let h = PLOT * (*count as f64) / most as f64;
        let _ = write!(
            svg,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="#0a58a8"/>"##,
            column * i as f64,
            TOP + PLOT - h,
            column - gap
        );
    }
    let _ = write!(
        svg,
        r##"<line x1="0" y1="{0}" x2="{WIDTH}" y2="{0}" stroke="#4a4a4a"/><text x="0" y="12" fill="#4a4a4a">{most}</text>"##,
        TOP + PLOT
    );
    if let (Some((first, _)), Some((last, _))) = (days.first(), days.last()) {
        let y = TOP + PLOT + 14.0;
        let _ = write!(
            svg,
            r##"<text x="0" y="{y}" fill="#4a4a4a">{}</text>"##,
            escape(first)
        );
        if days.len() > 1 {
            let _ = write!(
                svg,
                r##"<text x="{WIDTH}" y="{y}" text-anchor="end" fill="#4a4a4a">{}</text>"##,
                escape(last)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(list: &[(&str, i64)]) -> Vec<(String, i64)> {
        list.iter().map(|(d, n)| ((*d).to_owned(), *n)).collect()
    }

    #[test]
    fn days_without_responses_are_filled_in_with_zero() {
        let filled = every_day(&days(&[("2016-10-30", 5), ("2016-11-02", 7)]));
        assert_eq!(
            filled,
            days(&[
                ("2016-10-30", 5),
                ("2016-10-31", 0),
                ("2016-11-01", 0),
                ("2016-11-02", 7)
            ])
        );
        assert_eq!(every_day(&[]), vec![]);
    }

    #[test]
    fn the_busiest_day_fills_the_plot_and_the_dates_are_labelled() {
        let svg = to_svg(
            &days(&[("2016-10-10", 10), ("2016-10-11", 5)]),
            "每日答卷 <图>",
        );
        assert!(svg.contains(r#"height="80.0""#), "the busiest day: {svg}");
        assert!(svg.contains(r#"height="40.0""#), "half as busy: {svg}");
        assert!(svg.contains(">2016-10-10<") && svg.contains(">2016-10-11<"));
        assert!(svg.contains("每日答卷 &lt;图&gt;"), "the title is escaped");
    }
}
