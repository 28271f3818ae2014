//! Survey weights: post-stratification, raking (iterative proportional fitting), trimming with
//! re-raking, and Kish's design effect of unequal weights.
//!
//! Respondents are indexed `0..n`; every per-respondent slice has length `n`.

use serde::{Deserialize, Serialize};

use super::cells::CrossCells;
use super::error::WeightingError;

/// Population targets of one margin (for example `county`, `gender` or `age_band`) and each
/// respondent's category in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarginTargets {
    /// Margin name, used in error messages (`gender`).
    pub name: String,
    /// Category names, indexed by category code (`["male", "female"]`).
    pub categories: Vec<String>,
    /// Population count of each category (census), same order as `categories`.
    pub totals: Vec<f64>,
    /// Category code of each respondent (`0..categories.len()`).
    pub category_of: Vec<u32>,
}

impl MarginTargets {
    /// Checks lengths and codes against `respondents`.
    pub(crate) fn check_shape(&self, respondents: usize) -> Result<(), WeightingError> {
        if self.categories.len() != self.totals.len() {
            return Err(WeightingError::TotalsLengthMismatch {
                margin: self.name.clone(),
                categories: self.categories.len(),
                totals: self.totals.len(),
            });
        }
        if self.category_of.len() != respondents {
            return Err(WeightingError::CategoryLengthMismatch {
                margin: self.name.clone(),
                got: self.category_of.len(),
                expected: respondents,
            });
        }
        let categories = self.categories.len();
        if let Some((respondent, &code)) = self
            .category_of
            .iter()
            .enumerate()
            .find(|(_, &code)| code as usize >= categories)
        {
            return Err(WeightingError::UnknownCategory {
                margin: self.name.clone(),
                respondent,
                code,
                categories,
            });
        }
        Ok(())
    }

    /// Checks the totals against the number of respondents in each category.
    fn check_totals(&self, respondents_in: &[usize]) -> Result<(), WeightingError> {
        for ((category, &total), &respondents) in
            self.categories.iter().zip(&self.totals).zip(respondents_in)
        {
            let cell = || (self.name.clone(), category.clone());
            if !total.is_finite() || total < 0.0 {
                let (margin, category) = cell();
                return Err(WeightingError::InvalidTotal {
                    margin,
                    category,
                    total,
                });
            }
            if respondents == 0 && total > 0.0 {
                let (margin, category) = cell();
                return Err(WeightingError::EmptyCategory { margin, category });
            }
            if respondents > 0 && total == 0.0 {
                let (margin, category) = cell();
                return Err(WeightingError::ZeroTotalWithRespondents {
                    margin,
                    category,
                    respondents,
                });
            }
        }
        Ok(())
    }

    fn population(&self) -> f64 {
        self.totals.iter().sum()
    }
}

/// Post-stratification: d_i = N_h / n_h for respondent i in category h of `strata` (usually the
/// county margin). The weights of each category sum to its population total, so all weights sum
/// to the population, not to n.
pub fn poststratify(strata: &MarginTargets) -> Result<Vec<f64>, WeightingError> {
    let respondents = strata.category_of.len();
    if respondents == 0 {
        return Err(WeightingError::NoRespondents);
    }
    strata.check_shape(respondents)?;
    let mut size = vec![0usize; strata.categories.len()];
    for &h in &strata.category_of {
        size[h as usize] += 1;
    }
    strata.check_totals(&size)?;
    let weight_of: Vec<f64> = strata
        .totals
        .iter()
        .zip(&size)
        .map(|(&total, &n)| if n > 0 { total / n as f64 } else { 0.0 })
        .collect();
    Ok(strata
        .category_of
        .iter()
        .map(|&h| weight_of[h as usize])
        .collect())
}

/// When raking stops.
///
/// After every sweep (one pass over all margins in order) the weighted total of every margin
/// category is compared with its value after the previous sweep and with its target, both relative
/// to the target. Raking has converged when the largest change **and** the largest gap are at most
/// `tolerance`. Reaching `max_sweeps` first is [`WeightingError::NotConverged`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RakeControl {
    /// Relative tolerance on margin changes and gaps (default 1e-10).
    pub tolerance: f64,
    /// Sweep cap (default 1000).
    pub max_sweeps: usize,
}

impl Default for RakeControl {
    fn default() -> Self {
        RakeControl {
            tolerance: 1e-10,
            max_sweeps: 1000,
        }
    }
}

impl RakeControl {
    fn check(&self) -> Result<(), WeightingError> {
        if !(self.tolerance > 0.0 && self.tolerance.is_finite()) {
            return Err(WeightingError::InvalidControl {
                reason: format!(
                    "tolerance is {}; give a small positive number such as 1e-10",
                    self.tolerance
                ),
            });
        }
        if self.max_sweeps == 0 {
            return Err(WeightingError::InvalidControl {
                reason: "max_sweeps is 0; allow at least one sweep (1000 is usual)".to_string(),
            });
        }
        Ok(())
    }
}

/// Trimming rule: the adjustment factor g = w/d of every respondent is kept within
/// `[min_factor, max_factor]`.
///
/// Rule: rake; then, while some factor lies outside the caps by more than the raking tolerance
/// (relative), cap the factors and re-rake from the capped weights. After `max_rounds` such rounds,
/// or at the fixed point, the factors are capped one last time, so the caps always hold, and the
/// remaining relative margin error is reported in [`Weighting::max_margin_error`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrimRule {
    /// Lowest allowed w/d (for example 0.3); in (0, 1].
    pub min_factor: f64,
    /// Highest allowed w/d (for example 3); at least 1.
    pub max_factor: f64,
    /// Cap-and-re-rake rounds allowed (for example 50).
    pub max_rounds: usize,
}

impl TrimRule {
    fn check(&self) -> Result<(), WeightingError> {
        let ok = self.min_factor > 0.0
            && self.min_factor <= 1.0
            && self.max_factor >= 1.0
            && self.max_factor.is_finite();
        if !ok {
            return Err(WeightingError::InvalidControl {
                reason: format!(
                    "trimming caps [{}, {}] must satisfy 0 < min_factor <= 1 <= max_factor < infinity \
                     (for example [0.3, 3])",
                    self.min_factor, self.max_factor
                ),
            });
        }
        Ok(())
    }

    /// Relative distance of `g` outside the caps (0 inside).
    fn excess(&self, g: f64) -> f64 {
        (g / self.max_factor - 1.0)
            .max(self.min_factor / g - 1.0)
            .max(0.0)
    }
}

/// Final weights and how they were reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weighting {
    /// Final weight of each respondent.
    pub weights: Vec<f64>,
    /// Raking sweeps run in total (over all trimming rounds).
    pub sweeps: usize,
    /// Largest relative gap |total − target| / target over all margin categories.
    pub max_margin_error: f64,
    /// Respondents whose factor w/d sits at a trimming cap (0 without trimming).
    pub trimmed: usize,
    /// Cap-and-re-rake rounds run (0 without trimming or when no factor needed capping).
    pub trim_rounds: usize,
    /// False when trimming stopped at `max_rounds` before reaching its fixed point; the caps still
    /// hold, at the price of `max_margin_error`.
    pub trim_converged: bool,
}

/// Raking (iterative proportional fitting) from base weights `base` to every margin's targets:
/// for each margin in turn, every weight is multiplied by T_c / (current weighted total of its
/// category c); sweeps repeat until [`RakeControl`]'s rule holds.
pub fn rake(
    base: &[f64],
    margins: &[MarginTargets],
    control: &RakeControl,
) -> Result<Weighting, WeightingError> {
    let raking = Raking::new(base, margins, control)?;
    let mut factor = vec![1.0; raking.cells.len()];
    let sweeps = raking.fit(&mut factor)?;
    Ok(raking.finish(&factor, sweeps, None))
}

/// Raking with trimming of the factor w/d; see [`TrimRule`] for the rule.
pub fn rake_trimmed(
    base: &[f64],
    margins: &[MarginTargets],
    control: &RakeControl,
    trim: &TrimRule,
) -> Result<Weighting, WeightingError> {
    trim.check()?;
    let raking = Raking::new(base, margins, control)?;
    let mut factor = vec![1.0; raking.cells.len()];
    let mut sweeps = raking.fit(&mut factor)?;
    let mut rounds = 0;
    let mut converged = false;
    loop {
        let excess = factor.iter().map(|&g| trim.excess(g)).fold(0.0, f64::max);
        if excess <= control.tolerance {
            converged = true;
            break;
        }
        if rounds == trim.max_rounds {
            break;
        }
        clamp(&mut factor, trim);
        rounds += 1;
        sweeps += raking.fit(&mut factor)?;
    }
    clamp(&mut factor, trim);
    let mut weighting = raking.finish(&factor, sweeps, Some(trim));
    weighting.trim_rounds = rounds;
    weighting.trim_converged = converged;
    Ok(weighting)
}

fn clamp(factor: &mut [f64], trim: &TrimRule) {
    for g in factor {
        *g = g.clamp(trim.min_factor, trim.max_factor);
    }
}

/// Raking state on cell aggregates: the factor w/d is the same for every respondent of a cell.
struct Raking<'a> {
    base: &'a [f64],
    margins: &'a [MarginTargets],
    control: &'a RakeControl,
    cells: CrossCells,
    /// Sum of base weights per cell.
    cell_base: Vec<f64>,
}

impl<'a> Raking<'a> {
    fn new(
        base: &'a [f64],
        margins: &'a [MarginTargets],
        control: &'a RakeControl,
    ) -> Result<Self, WeightingError> {
        control.check()?;
        let first = margins.first().ok_or(WeightingError::NoMargins)?;
        let respondents = first.category_of.len();
        if respondents == 0 {
            return Err(WeightingError::NoRespondents);
        }
        if base.len() != respondents {
            return Err(WeightingError::BaseLengthMismatch {
                got: base.len(),
                expected: respondents,
            });
        }
        if let Some((respondent, &weight)) = base
            .iter()
            .enumerate()
            .find(|(_, &d)| !(d > 0.0 && d.is_finite()))
        {
            return Err(WeightingError::InvalidBaseWeight { respondent, weight });
        }
        let cells = CrossCells::build(margins, respondents)?;
        for (margin, sizes) in margins.iter().zip(&cells.category_size) {
            margin.check_totals(sizes)?;
        }
        let population = first.population();
        for margin in &margins[1..] {
            let total = margin.population();
            if (total - population).abs() > control.tolerance * population {
                return Err(WeightingError::InconsistentTotals {
                    first: first.name.clone(),
                    first_total: population,
                    other: margin.name.clone(),
                    other_total: total,
                });
            }
        }
        let mut cell_base = vec![0.0; cells.len()];
        for (&cell, &d) in cells.cell_of.iter().zip(base) {
            cell_base[cell as usize] += d;
        }
        Ok(Raking {
            base,
            margins,
            control,
            cells,
            cell_base,
        })
    }

    /// Weighted totals of every category of margin `m` under cell factors `factor`.
    fn totals(&self, m: usize, factor: &[f64], out: &mut Vec<f64>) {
        out.clear();
        out.resize(self.margins[m].categories.len(), 0.0);
        for ((&c, &b), &g) in self.cells.category[m]
            .iter()
            .zip(&self.cell_base)
            .zip(factor)
        {
            out[c as usize] += b * g;
        }
    }

    /// Largest relative gap to the targets, and largest relative change from `previous` (which is
    /// then overwritten with the current totals).
    fn check_margins(&self, factor: &[f64], previous: &mut [Vec<f64>]) -> (f64, f64) {
        let (mut gap, mut change) = (0.0f64, 0.0f64);
        let mut now = Vec::new();
        for (m, margin) in self.margins.iter().enumerate() {
            self.totals(m, factor, &mut now);
            for ((&total, &target), before) in now.iter().zip(&margin.totals).zip(&mut previous[m])
            {
                if target > 0.0 {
                    gap = gap.max((total - target).abs() / target);
                    change = change.max((total - *before).abs() / target);
                }
                *before = total;
            }
        }
        (gap, change)
    }

    /// Iterative proportional fitting of the cell factors, starting from `factor`.
    fn fit(&self, factor: &mut [f64]) -> Result<usize, WeightingError> {
        let mut previous: Vec<Vec<f64>> = Vec::with_capacity(self.margins.len());
        let mut totals = Vec::new();
        for m in 0..self.margins.len() {
            self.totals(m, factor, &mut totals);
            previous.push(totals.clone());
        }
        let (mut gap, mut change) = (f64::INFINITY, f64::INFINITY);
        for sweep in 1..=self.control.max_sweeps {
            for (m, margin) in self.margins.iter().enumerate() {
                self.totals(m, factor, &mut totals);
                for (t, &target) in totals.iter_mut().zip(&margin.totals) {
                    // A category with respondents has a positive total; one without keeps factor 1.
                    *t = if *t > 0.0 { target / *t } else { 1.0 };
                }
                for (g, &c) in factor.iter_mut().zip(&self.cells.category[m]) {
                    *g *= totals[c as usize];
                }
            }
            (gap, change) = self.check_margins(factor, &mut previous);
            if gap <= self.control.tolerance && change <= self.control.tolerance {
                return Ok(sweep);
            }
        }
        Err(WeightingError::NotConverged {
            sweeps: self.control.max_sweeps,
            change,
            gap,
            tolerance: self.control.tolerance,
        })
    }

    fn finish(&self, factor: &[f64], sweeps: usize, trim: Option<&TrimRule>) -> Weighting {
        let weights = self
            .cells
            .cell_of
            .iter()
            .zip(self.base)
            .map(|(&cell, &d)| d * factor[cell as usize])
            .collect();
        let mut previous: Vec<Vec<f64>> = self
            .margins
            .iter()
            .map(|m| vec![0.0; m.categories.len()])
            .collect();
        let (max_margin_error, _) = self.check_margins(factor, &mut previous);
        let at_cap = |g: f64| {
            trim.is_some_and(|t| {
                let slack = 1e-12;
                g >= t.max_factor * (1.0 - slack) || g <= t.min_factor * (1.0 + slack)
            })
        };
        let trimmed = factor
            .iter()
            .zip(&self.cells.size)
            .filter(|(&g, _)| at_cap(g))
            .map(|(_, &n)| n)
            .sum();
        Weighting {
            weights,
            sweeps,
            max_margin_error,
            trimmed,
            trim_rounds: 0,
            trim_converged: true,
        }
    }
}

/// Kish's summary of unequal weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Kish {
    /// deff_w = n·Σw² / (Σw)² (1 for equal weights; NaN for no respondents).
    pub deff: f64,
    /// Effective sample size (Σw)² / Σw² (0 for no respondents).
    pub effective_n: f64,
}

impl Kish {
    /// From n, Σw and Σw².
    pub(crate) fn from_sums(n: usize, sum: f64, sum_sq: f64) -> Kish {
        if n == 0 || sum_sq <= 0.0 {
            return Kish {
                deff: f64::NAN,
                effective_n: 0.0,
            };
        }
        let effective_n = sum * sum / sum_sq;
        Kish {
            deff: n as f64 / effective_n,
            effective_n,
        }
    }
}

/// Kish's design effect and effective sample size of `weights`.
pub fn kish(weights: &[f64]) -> Kish {
    let (sum, sum_sq) = weights
        .iter()
        .fold((0.0, 0.0), |(s, q), &w| (s + w, q + w * w));
    Kish::from_sums(weights.len(), sum, sum_sq)
}

#[cfg(test)]
#[path = "weights_tests.rs"]
mod tests;
