//! Errors of the statistics module: each message says what is wrong and how to fix it.

use thiserror::Error;

/// Why weights could not be computed (post-stratification, raking or trimming).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum WeightingError {
    /// Nothing to weight.
    #[error("there are no respondents to weight; collect responses before weighting")]
    NoRespondents,

    /// Raking was asked for without any margin.
    #[error("raking needs at least one margin (for example county); give the population targets to rake to")]
    NoMargins,

    /// A margin's category list and its totals have different lengths.
    #[error(
        "margin {margin} lists {categories} categories but {totals} population totals; \
         give exactly one total per category"
    )]
    TotalsLengthMismatch {
        /// Margin name, e.g. `gender`.
        margin: String,
        /// Number of category names.
        categories: usize,
        /// Number of totals.
        totals: usize,
    },

    /// A margin gives categories for a different number of respondents than there are.
    #[error(
        "margin {margin} gives a category for {got} respondents but there are {expected}; \
         give one category per respondent"
    )]
    CategoryLengthMismatch {
        /// Margin name.
        margin: String,
        /// Length of `category_of`.
        got: usize,
        /// Number of respondents.
        expected: usize,
    },

    /// A respondent's category code is not one of the margin's categories.
    #[error(
        "respondent {respondent} has category code {code} in margin {margin}, which has only \
         {categories} categories (codes 0..{categories}); add the category to the targets or recode the answer"
    )]
    UnknownCategory {
        /// Margin name.
        margin: String,
        /// Respondent index (0-based).
        respondent: usize,
        /// The offending code.
        code: u32,
        /// Number of categories in the margin.
        categories: usize,
    },

    /// A population total is negative, infinite or NaN.
    #[error(
        "population total for {margin}={category} is {total}; totals must be finite and not negative \
         (check the census table)"
    )]
    InvalidTotal {
        /// Margin name.
        margin: String,
        /// Category name.
        category: String,
        /// The offending total.
        total: f64,
    },

    /// A target category has a positive population total but no respondent in it.
    #[error(
        "raking target category {margin}={category} has no respondents; collapse it with a \
         neighbouring category or drop it from the targets"
    )]
    EmptyCategory {
        /// Margin name.
        margin: String,
        /// Category name.
        category: String,
    },

    /// A category with respondents has a population total of zero.
    #[error(
        "population total for {margin}={category} is 0 but {respondents} respondents are in it; \
         correct the total or recode those respondents"
    )]
    ZeroTotalWithRespondents {
        /// Margin name.
        margin: String,
        /// Category name.
        category: String,
        /// Respondents in the category.
        respondents: usize,
    },

    /// The margins do not describe the same population size.
    #[error(
        "margins disagree on the population total: {first}={first_total} but {other}={other_total}; \
         take all targets from one census table or rescale them to one total"
    )]
    InconsistentTotals {
        /// Name of the first margin.
        first: String,
        /// Its total.
        first_total: f64,
        /// Name of the disagreeing margin.
        other: String,
        /// Its total.
        other_total: f64,
    },

    /// Base weights and margins cover different numbers of respondents.
    #[error("{got} base weights were given for {expected} respondents; give one base weight per respondent")]
    BaseLengthMismatch {
        /// Number of base weights.
        got: usize,
        /// Number of respondents in the margins.
        expected: usize,
    },

    /// A base weight is not positive and finite.
    #[error("base weight of respondent {respondent} is {weight}; base weights must be positive and finite")]
    InvalidBaseWeight {
        /// Respondent index (0-based).
        respondent: usize,
        /// The offending weight.
        weight: f64,
    },

    /// Raking settings that cannot work.
    #[error("invalid raking settings: {reason}")]
    InvalidControl {
        /// What is wrong and what is expected.
        reason: String,
    },

    /// The sweep cap was reached before the margins settled.
    #[error(
        "raking did not converge in {sweeps} sweeps: largest margin change {change:.1e}, largest gap \
         to a target {gap:.1e}, tolerance {tolerance:.1e}; the targets may be impossible for this \
         sample (check for empty cross-classified cells), or raise max_sweeps"
    )]
    NotConverged {
        /// Sweeps run.
        sweeps: usize,
        /// Largest relative change of a margin cell in the last sweep.
        change: f64,
        /// Largest relative gap between a margin cell and its target after the last sweep.
        gap: f64,
        /// The tolerance asked for.
        tolerance: f64,
    },
}

/// Why a design could not be set up or an indicator estimated.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum EstimationError {
    /// Inputs of different lengths.
    #[error(
        "{what} has {got} entries but there are {expected} respondents; give one per respondent"
    )]
    LengthMismatch {
        /// Which input.
        what: &'static str,
        /// Its length.
        got: usize,
        /// Number of respondents.
        expected: usize,
    },

    /// A stratum index is out of range.
    #[error(
        "respondent {respondent} is in stratum {stratum} but the design has {strata} strata \
         (indices 0..{strata}); add the county to the design or fix the respondent's county"
    )]
    UnknownStratum {
        /// Respondent index (0-based).
        respondent: usize,
        /// The offending stratum index.
        stratum: u32,
        /// Number of strata declared.
        strata: usize,
    },

    /// A final weight is negative or not finite.
    #[error(
        "weight of respondent {respondent} is {weight}; weights must be finite and not negative"
    )]
    InvalidWeight {
        /// Respondent index (0-based).
        respondent: usize,
        /// The offending weight.
        weight: f64,
    },

    /// An indicator value that the estimator cannot use.
    #[error("value {value} of respondent {respondent} is not valid for {expected}; recode the indicator")]
    InvalidValue {
        /// Respondent index (0-based).
        respondent: usize,
        /// The offending value.
        value: f64,
        /// What was expected.
        expected: &'static str,
    },

    /// The raking margins attached to the design are malformed.
    #[error("raking margins of the design: {0}")]
    Margins(#[from] WeightingError),
}
