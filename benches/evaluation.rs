//! Evaluation at city scale: 1,000,000 synthetic respondents in 7 counties of skewed sizes.
//!
//! Phase 1 weights them (post-stratification by county, then raking to county × sex × age band
//! with the factor w/d trimmed to [0.3, 3]); phase 2 estimates 3 indicators (2 proportions, 1 mean)
//! for the city and all 7 counties with SEs including raking residuals. Prints the wall time of
//! each phase, the total and the peak resident memory (VmHWM). Budget: 0.4 s and 150 MB, one core.
//!
//! Run: `cargo bench --bench evaluation`

use std::hint::black_box;
use std::time::Instant;

use minyi::stats::{
    poststratify, rake_trimmed, Design, Kind, MarginTargets, RakeControl, TrimRule,
};

const RESPONDENTS: usize = 1_000_000;

/// Jiaxing's counties (census counts), and the sample's share of each: deliberately skewed.
const COUNTIES: [(&str, f64, f64); 7] = [
    ("nanhu", 612_663.0, 0.30),
    ("xiuzhou", 589_219.0, 0.22),
    ("jiashan", 574_187.0, 0.16),
    ("haiyan", 430_940.0, 0.12),
    ("haining", 806_966.0, 0.10),
    ("pinghu", 671_834.0, 0.07),
    ("tongxiang", 815_848.0, 0.03),
];
/// Population share and sample share: men are under-represented.
const SEXES: [(&str, f64, f64); 2] = [("male", 0.521, 0.40), ("female", 0.479, 0.60)];
/// Population share and sample share: the young are scarce (young men need a factor above 3).
const AGE_BANDS: [(&str, f64, f64); 5] = [
    ("18-29", 0.19, 0.075),
    ("30-39", 0.21, 0.125),
    ("40-49", 0.20, 0.20),
    ("50-59", 0.19, 0.27),
    ("60+", 0.21, 0.33),
];

/// splitmix64: deterministic, no dependency.
struct SplitMix(u64);

impl SplitMix {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Index drawn with probabilities `shares` (summing to 1).
    fn pick(&mut self, shares: impl Iterator<Item = f64>) -> u32 {
        let u = self.uniform();
        let mut cumulative = 0.0;
        let mut last = 0;
        for (i, share) in shares.enumerate() {
            cumulative += share;
            last = i as u32;
            if u < cumulative {
                break;
            }
        }
        last
    }
}

struct Sample {
    county_of: Vec<u32>,
    sex_of: Vec<u32>,
    age_of: Vec<u32>,
    /// 1..5, 9 = don't know.
    overall: Vec<u8>,
    aware: Vec<bool>,
}

fn generate() -> Sample {
    let mut rng = SplitMix(20_240_601);
    let mut s = Sample {
        county_of: Vec::with_capacity(RESPONDENTS),
        sex_of: Vec::with_capacity(RESPONDENTS),
        age_of: Vec::with_capacity(RESPONDENTS),
        overall: Vec::with_capacity(RESPONDENTS),
        aware: Vec::with_capacity(RESPONDENTS),
    };
    for _ in 0..RESPONDENTS {
        let county = rng.pick(COUNTIES.iter().map(|c| c.2));
        let age = rng.pick(AGE_BANDS.iter().map(|a| a.2));
        s.county_of.push(county);
        s.sex_of.push(rng.pick(SEXES.iter().map(|x| x.2)));
        s.age_of.push(age);
        // Older and smaller-county respondents are a little more satisfied.
        let lift = 0.02 * f64::from(age) + 0.01 * f64::from(county);
        let overall = match rng.uniform() {
            u if u < 0.05 => 9,
            u if u < 0.09 => 1,
            u if u < 0.17 - lift => 2,
            u if u < 0.35 - lift => 3,
            u if u < 0.75 - lift => 4,
            _ => 5,
        };
        s.overall.push(overall);
        s.aware.push(rng.uniform() < 0.70 + 0.02 * f64::from(age));
    }
    s
}

fn margin(
    name: &str,
    categories: &[(&str, f64, f64)],
    population: f64,
    of: &[u32],
) -> MarginTargets {
    MarginTargets {
        name: name.to_string(),
        categories: categories.iter().map(|c| c.0.to_string()).collect(),
        totals: categories.iter().map(|c| c.1 * population).collect(),
        category_of: of.to_vec(),
    }
}

/// Respondent i's value of an indicator; None outside its valid answers.
type IndicatorValue = fn(&Sample, usize) -> Option<f64>;

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let sample = generate();
    let population: f64 = COUNTIES.iter().map(|c| c.1).sum();
    let county = MarginTargets {
        name: "county".to_string(),
        categories: COUNTIES.iter().map(|c| c.0.to_string()).collect(),
        totals: COUNTIES.iter().map(|c| c.1).collect(),
        category_of: sample.county_of.clone(),
    };
    let margins = vec![
        county,
        margin("sex", &SEXES, population, &sample.sex_of),
        margin("age_band", &AGE_BANDS, population, &sample.age_of),
    ];
    println!(
        "{RESPONDENTS} respondents, {} counties, margins county × sex × age band",
        COUNTIES.len()
    );

    let start = Instant::now();
    let base = poststratify(&margins[0]).expect("post-stratification");
    let trim = TrimRule {
        min_factor: 0.3,
        max_factor: 3.0,
        max_rounds: 50,
    };
    let weighting = rake_trimmed(&base, &margins, &RakeControl::default(), &trim).expect("raking");
    let weighting_time = start.elapsed();

    let start = Instant::now();
    let design = Design::new(
        &sample.county_of,
        COUNTIES.len(),
        &weighting.weights,
        Some(&margins),
    )
    .expect("design");
    let indicators: [(&str, Kind, IndicatorValue); 3] = [
        ("satisfaction_rate", Kind::Proportion, |s, i| {
            (s.overall[i] != 9).then(|| f64::from(u8::from(s.overall[i] >= 4)))
        }),
        ("satisfaction_score", Kind::Mean, |s, i| {
            (s.overall[i] != 9)
                .then(|| [0.0, 30.0, 60.0, 80.0, 100.0][usize::from(s.overall[i]) - 1])
        }),
        ("awareness_rate", Kind::Proportion, |s, i| {
            Some(f64::from(u8::from(s.aware[i])))
        }),
    ];
    let mut results = Vec::new();
    for (name, kind, value) in indicators {
        let values: Vec<Option<f64>> = (0..RESPONDENTS).map(|i| value(&sample, i)).collect();
        let estimates = design.estimate_domains(&values, kind).expect("estimates");
        results.push((name, black_box(estimates)));
    }
    let estimation_time = start.elapsed();

    println!(
        "weighting: {:.1} ms (raking sweeps {}, trim rounds {}, trimmed respondents {}, \
         max margin error {:.1e})",
        weighting_time.as_secs_f64() * 1e3,
        weighting.sweeps,
        weighting.trim_rounds,
        weighting.trimmed,
        weighting.max_margin_error
    );
    println!(
        "estimation (3 indicators × city + 7 counties, raking residuals): {:.1} ms",
        estimation_time.as_secs_f64() * 1e3
    );
    println!(
        "total: {:.1} ms",
        (weighting_time + estimation_time).as_secs_f64() * 1e3
    );
    for (name, estimates) in &results {
        let city = &estimates.city;
        println!(
            "  {name}: city {:.4} (SE {:.5}, CI {:.4}..{:.4}, deff {:.3}, n {})",
            city.estimate, city.se, city.ci_low, city.ci_high, city.deff, city.n
        );
    }
    match peak_rss_mb() {
        Some(mb) => println!("peak RSS (VmHWM): {mb:.1} MB"),
        None => println!("peak RSS (VmHWM): unavailable (no /proc/self/status)"),
    }
}
