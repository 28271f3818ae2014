//! Speed and memory of the evaluation on 1,000,000 responses held in memory: weighting (county ×
//! sex × age band, trimmed) and the full evaluation component of the example survey (seven
//! indicators, for the city and its seven counties, with Taylor-linearized SEs including the
//! raking residuals). Single-threaded.
//!
//! Run: `cargo bench --bench evaluation` (optionally `-- 200000` for another size).
//! Target (issue 3): at most 0.4 s and 150 MB peak. R's survey package takes about 40 s and
//! 815 MB for less (rake 10.5 s plus 29.4 s for one indicator, city and by county).

use std::hint::black_box;
use std::time::Instant;

use minyi::evaluation::{evaluate_sample, weigh, SampleBuilder};
use minyi::simulate::simulate;
use minyi::survey::{FormInput, Survey};

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let source = include_str!("../surveys/jiaxing-food-safety-2016.toml");
    let mut survey = match Survey::from_toml(source, "surveys/jiaxing-food-safety-2016.toml") {
        Ok(survey) => survey,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };

    // Tighter caps than the example's [0.3, 3] ([0.45, 2.2]) so that trimming binds on this
    // simulated online sample and its cap-and-re-rake
    // rounds are part of what is measured.
    survey.weighting.trim_min_factor = 0.45;
    survey.weighting.trim_max_factor = 2.2;

    // Untimed: synthetic responses through the survey's own validation, streamed into the
    // columnar sample one at a time (as `minyi evaluate` streams them from the database).
    let started = Instant::now();
    let mut builder = SampleBuilder::new(&survey);
    for form in simulate(&survey, n, 2016) {
        let input = FormInput::from_pairs(form.fields);
        if let Ok(answers) = survey.validate(&input) {
            let stratum = survey.stratum_of(&answers).unwrap_or_default().to_owned();
            let flags = survey.quality_flags(&answers, Some(form.duration_seconds));
            builder.add(&stratum, &answers, &flags, "open_link");
        }
    }
    let sample = builder.finish();
    println!(
        "prepared {} responses ({} used) in {:.1} s (not timed below)",
        sample.counts().stored,
        sample.len(),
        started.elapsed().as_secs_f64()
    );
    let rss_before = peak_rss_mb();

    let started = Instant::now();
    let weights = weigh(&survey, &sample).unwrap_or_else(|e| panic!("weighting: {e}"));
    let weighting = started.elapsed().as_secs_f64();
    println!(
        "weighting only: {:.3} s ({} sweeps, {} trimmed, max margin error {:.1e})",
        weighting,
        weights.summary.sweeps,
        weights.summary.trimmed,
        weights.summary.max_margin_error
    );
    drop(black_box(weights));

    let started = Instant::now();
    let evaluation =
        evaluate_sample(&survey, &sample).unwrap_or_else(|e| panic!("evaluation: {e}"));
    let total = started.elapsed().as_secs_f64();
    black_box(&evaluation);
    println!(
        "full evaluation (weighting + {} indicators × {} domains): {:.3} s",
        survey.indicators.len(),
        evaluation.domains.len(),
        total
    );
    println!(
        "peak RSS: {:.0} MB (of which {:.0} MB before timing: program, sample and generator)",
        peak_rss_mb(),
        rss_before
    );
    println!("target: ≤ 0.4 s and ≤ 150 MB");
}
