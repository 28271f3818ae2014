//! From a survey file's strata and margins to final weights: post-stratification by county, then
//! raking to county × every margin with trimming, as the file's `[weighting]` rules say.

use serde::{Deserialize, Serialize};

use super::Sample;
use crate::stats::{
    poststratify, rake_trimmed, MarginTargets, RakeControl, TrimRule, WeightingError,
};
use crate::survey::Survey;

/// How the weights were made, for the methodology and the reader of the figures.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WeightingSummary {
    /// `poststratify_county`, or `rake_trimmed` when the file has margins.
    pub scheme: String,
    /// The margins raked to: the strata question first, then the file's margins.
    pub margins: Vec<String>,
    pub sweeps: usize,
    /// Largest relative gap between a weighted margin total and its target.
    pub max_margin_error: f64,
    /// Respondents whose weight was capped by trimming.
    pub trimmed: usize,
    pub trim_min_factor: f64,
    pub trim_max_factor: f64,
    pub trim_converged: bool,
}

/// The largest relative gap between a weighted margin and its census target that still counts
/// as matching the census. Trimming can leave a larger one (a group the sample has too few
/// people of cannot be weighted up far enough); the figures then say so.
pub const CENSUS_FIT: f64 = 0.01;

impl WeightingSummary {
    /// The largest relative gap to the census targets, when it is larger than [`CENSUS_FIT`].
    pub fn misses_census_by(&self) -> Option<f64> {
        (self.max_margin_error > CENSUS_FIT).then_some(self.max_margin_error)
    }
}

/// Final weights, with what estimation needs to use them.
pub struct Weights {
    pub weights: Vec<f64>,
    margins: Vec<MarginTargets>,
    pub summary: WeightingSummary,
}

impl Weights {
    /// The margins the weights were raked to (for R's raking residuals), if they were raked.
    pub fn raked_margins(&self) -> Option<&[MarginTargets]> {
        (!self.margins.is_empty()).then_some(self.margins.as_slice())
    }
}

/// Weights for a sample (every respondent has a known county and a category in every margin;
/// the sample builder excluded the others).
pub fn weigh(survey: &Survey, sample: &Sample) -> Result<Weights, WeightingError> {
    let units = &survey.strata.units;
    let strata = MarginTargets {
        name: survey.strata.question.clone(),
        categories: units.iter().map(|u| u.code.clone()).collect(),
        totals: units.iter().map(|u| u.population as f64).collect(),
        category_of: sample.stratum_of.clone(),
    };
    let base = poststratify(&strata)?;
    let rules = &survey.weighting;
    if survey.margins.is_empty() {
        return Ok(Weights {
            weights: base,
            margins: Vec::new(),
            summary: WeightingSummary {
                scheme: "poststratify_county".into(),
                margins: vec![strata.name],
                sweeps: 0,
                max_margin_error: 0.0,
                trimmed: 0,
                trim_min_factor: rules.trim_min_factor,
                trim_max_factor: rules.trim_max_factor,
                trim_converged: true,
            },
        });
    }
    let population: f64 = strata.totals.iter().sum();
    let mut margins = vec![strata];
    for (margin, category_of) in survey.margins.iter().zip(&sample.margin_of) {
        let total: f64 = margin.targets.iter().map(|(_, n)| n).sum();
        // The file's margins may come from another census table; they are rescaled to the
        // strata population so that every margin describes the same total.
        let scale = if total > 0.0 { population / total } else { 1.0 };
        margins.push(MarginTargets {
            name: margin.question.clone(),
            categories: margin
                .targets
                .iter()
                .map(|(code, _)| code.clone())
                .collect(),
            totals: margin.targets.iter().map(|(_, n)| n * scale).collect(),
            category_of: category_of.clone(),
        });
    }
    let control = RakeControl {
        tolerance: rules.tolerance,
        max_sweeps: rules.max_sweeps,
    };
    let trim = TrimRule {
        min_factor: rules.trim_min_factor,
        max_factor: rules.trim_max_factor,
        max_rounds: 50,
    };
    let raked = rake_trimmed(&base, &margins, &control, &trim)?;
    Ok(Weights {
        weights: raked.weights,
        summary: WeightingSummary {
            scheme: "rake_trimmed".into(),
            margins: margins.iter().map(|m| m.name.clone()).collect(),
            sweeps: raked.sweeps,
            max_margin_error: raked.max_margin_error,
            trimmed: raked.trimmed,
            trim_min_factor: rules.trim_min_factor,
            trim_max_factor: rules.trim_max_factor,
            trim_converged: raked.trim_converged,
        },
        margins,
    })
}
