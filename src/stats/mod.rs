//! Survey statistics for Minyi, pure numerics without I/O: weights (post-stratification, raking,
//! trimming, Kish) and design-based estimates (Taylor-linearized SEs with strata and raking
//! residuals, domain estimates, confidence intervals, design effects, reliability flags).
//!
//! The rules followed are those of `docs/statistics.md`, checked against R's `survey` package by
//! the golden cases in `tests/fixtures/weighting/`.
//!
//! A typical evaluation: [`poststratify`] by county, [`rake_trimmed`] to county × sex × age margins,
//! then one [`Design`] with the final weights and the same margins, and
//! [`Design::estimate_domains`] for each indicator (city and every county at once).
#![warn(missing_docs)]

mod cells;
mod design;
mod error;
mod interval;
mod weights;

pub use design::{Design, Difference, DomainEstimates, Domains, Estimate, RAKING_RESIDUAL_ROUNDS};
pub use error::{EstimationError, WeightingError};
pub use interval::{
    confidence_interval, t_quantile, Kind, Reliability, CONFIDENCE_LEVEL, MAX_PROPORTION_CI_WIDTH,
    MIN_EFFECTIVE_N, SCORE_SCALE,
};
pub use weights::{
    kish, poststratify, rake, rake_trimmed, Kish, MarginTargets, RakeControl, TrimRule, Weighting,
};
