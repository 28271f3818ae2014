//! Design-based estimates for the city and each county: weighted proportions and means, their
//! Taylor-linearized standard errors (strata = counties, each respondent its own PSU, raking
//! residuals as in R's `survey`), confidence intervals, design effects and reliability flags.
//!
//! # Cost
//! One pass over the respondents per indicator gathers sums per (county, raking cell) "bin"; every
//! domain's estimate, its raking residuals (10 rounds over all margins) and its stratified variance
//! then follow from those few hundred bins. Exactness: within a raking cell every respondent gets
//! the same residual shift, so the per-bin sums of z and z² are exact polynomials in the sums
//! gathered (see `design_tests.rs`, which checks this against a respondent-by-respondent
//! reference implementation).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::cells::CrossCells;
use super::error::EstimationError;
use super::interval::{
    boundary_share_interval, confidence_interval, is_low_effective_n, t_quantile, Kind, Reliability,
};
use super::weights::{Kish, MarginTargets};

/// Rounds of the raking-residual projection (fixed, as in R's `svyrecvar`).
pub const RAKING_RESIDUAL_ROUNDS: usize = 10;

/// One figure for the city and one for each county (stratum index order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Domains<T> {
    /// All respondents.
    pub city: T,
    /// Respondents of stratum h, at index h.
    pub strata: Vec<T>,
}

/// Estimates of one indicator for the city and every county.
pub type DomainEstimates = Domains<Estimate>;

/// One indicator in one domain.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Weighted proportion or mean Σwy / Σw over the domain's valid answers.
    pub estimate: f64,
    /// Standard error by Taylor linearization.
    pub se: f64,
    /// Lower 95% confidence bound.
    pub ci_low: f64,
    /// Upper 95% confidence bound.
    pub ci_high: f64,
    /// Respondents with a valid answer in the domain.
    pub n: usize,
    /// Degrees of freedom: n minus the strata present among them (R's `degf`).
    pub df: f64,
    /// Variance over the simple-random-sampling variance s²/n (R's `deff = "replace"`).
    pub deff: f64,
    /// Kish effective sample size (Σw)²/Σw² of the domain's valid answers.
    pub effective_n: f64,
    /// Why the figure must be shown as unreliable, if it must.
    pub flags: Reliability,
}

impl Estimate {
    fn undefined(n: usize, effective_n: f64) -> Estimate {
        Estimate {
            estimate: f64::NAN,
            se: f64::NAN,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
            n,
            df: f64::NAN,
            deff: f64::NAN,
            effective_n,
            flags: Reliability {
                low_effective_n: is_low_effective_n(effective_n),
                undefined: true,
                ..Reliability::default()
            },
        }
    }
}

/// How a group's estimate of one indicator differs from everyone else's in one domain.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// The group's weighted estimate minus the others'.
    pub difference: f64,
    /// Standard error of the difference by Taylor linearization.
    pub se: f64,
    /// Lower 95% confidence bound (difference − t·SE).
    pub ci_low: f64,
    /// Upper 95% confidence bound.
    pub ci_high: f64,
    /// Degrees of freedom: valid answers of both sides minus the strata present among them.
    pub df: f64,
    /// Valid answers in the group.
    pub n_group: usize,
    /// Valid answers among the others.
    pub n_others: usize,
    /// `low_effective_n` when either side's effective sample size is small; `undefined` when
    /// there is no interval; `lone_county` as for [`Estimate`].
    pub flags: Reliability,
}

impl Difference {
    fn undefined(n_group: usize, n_others: usize, low_effective_n: bool) -> Difference {
        Difference {
            difference: f64::NAN,
            se: f64::NAN,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
            df: f64::NAN,
            n_group,
            n_others,
            flags: Reliability {
                low_effective_n,
                undefined: true,
                ..Reliability::default()
            },
        }
    }

    /// Whether the 95% interval leaves out zero: the sample tells the two apart.
    pub fn is_clear(&self) -> bool {
        self.flags.is_reliable() && (self.ci_low > 0.0 || self.ci_high < 0.0)
    }
}

/// A stratified design with final weights, optionally raked.
///
/// Strata are counties `0..strata`; each respondent is its own PSU; there is no finite population
/// correction. When `raking` is given (the margins the weights were raked to), variances use R's
/// raking residuals: z is replaced, for [`RAKING_RESIDUAL_ROUNDS`] rounds and each margin in turn,
/// by z_i − w_i · (unweighted mean of z/w over the respondents of i's category).
#[derive(Debug, Clone)]
pub struct Design<'a> {
    weights: &'a [f64],
    strata: usize,
    stratum_size: Vec<usize>,
    raking: Option<RakingResidual>,
    bin_of: Vec<u32>,
    bins: Vec<Bin>,
}

/// Respondents of one stratum within one raking cell.
#[derive(Debug, Clone, Copy)]
struct Bin {
    stratum: u32,
    cell: u32,
    /// Σw over all its respondents.
    weight: f64,
    /// Σw² over all its respondents.
    weight_sq: f64,
    respondents: usize,
}

/// What the raking-residual step needs: the cells' categories and sizes.
#[derive(Debug, Clone)]
struct RakingResidual {
    category: Vec<Vec<u32>>,
    cell_size: Vec<usize>,
    category_size: Vec<Vec<usize>>,
}

/// Sums over the valid answers of one bin, and their lowest and highest value.
#[derive(Debug, Clone, Copy)]
struct ValidSums {
    count: usize,
    lowest: f64,
    highest: f64,
    y: f64,
    w: f64,
    wy: f64,
    wyy: f64,
    ww: f64,
    wwy: f64,
    wwyy: f64,
}

impl Default for ValidSums {
    fn default() -> ValidSums {
        ValidSums {
            count: 0,
            lowest: f64::INFINITY,
            highest: f64::NEG_INFINITY,
            y: 0.0,
            w: 0.0,
            wy: 0.0,
            wyy: 0.0,
            ww: 0.0,
            wwy: 0.0,
            wwyy: 0.0,
        }
    }
}

impl ValidSums {
    /// Whether every valid answer is the same value (and there is at least one).
    fn all_alike(&self) -> bool {
        self.count > 0 && self.lowest == self.highest
    }

    fn add(&mut self, o: &ValidSums) {
        self.count += o.count;
        self.lowest = self.lowest.min(o.lowest);
        self.highest = self.highest.max(o.highest);
        self.y += o.y;
        self.w += o.w;
        self.wy += o.wy;
        self.wyy += o.wyy;
        self.ww += o.ww;
        self.wwy += o.wwy;
        self.wwyy += o.wwyy;
    }
}

impl<'a> Design<'a> {
    /// Sets up the design: `stratum_of[i]` in `0..strata` is respondent i's county, `weights[i]`
    /// its final weight, `raking` the margins the weights were raked to (None for post-stratified
    /// or base weights).
    ///
    /// A stratum with a single respondent adds its z² to the variance, as R's
    /// `options(survey.lonely.psu = "adjust")` does (see `estimate_domain`).
    pub fn new(
        stratum_of: &'a [u32],
        strata: usize,
        weights: &'a [f64],
        raking: Option<&[MarginTargets]>,
    ) -> Result<Design<'a>, EstimationError> {
        let n = stratum_of.len();
        if weights.len() != n {
            return Err(EstimationError::LengthMismatch {
                what: "weights",
                got: weights.len(),
                expected: n,
            });
        }
        let mut stratum_size = vec![0usize; strata];
        for (respondent, (&h, &w)) in stratum_of.iter().zip(weights).enumerate() {
            let size = stratum_size
                .get_mut(h as usize)
                .ok_or(EstimationError::UnknownStratum {
                    respondent,
                    stratum: h,
                    strata,
                })?;
            *size += 1;
            if !(w >= 0.0 && w.is_finite()) {
                return Err(EstimationError::InvalidWeight {
                    respondent,
                    weight: w,
                });
            }
        }
        let cells = raking.map(|m| CrossCells::build(m, n)).transpose()?;
        let (bin_of, bins) = bin_respondents(stratum_of, strata, weights, cells.as_ref());
        let raking = cells.map(|c| RakingResidual {
            category: c.category,
            cell_size: c.size,
            category_size: c.category_size,
        });
        Ok(Design {
            weights,
            strata,
            stratum_size,
            raking,
            bin_of,
            bins,
        })
    }

    /// Number of respondents.
    pub fn respondents(&self) -> usize {
        self.weights.len()
    }

    /// Number of strata (counties).
    pub fn strata(&self) -> usize {
        self.strata
    }

    /// Kish design effect and effective sample size of the weights, for the city and each county.
    pub fn kish(&self) -> Domains<Kish> {
        let mut sums = vec![(0usize, 0.0, 0.0); self.strata];
        for bin in &self.bins {
            let s = &mut sums[bin.stratum as usize];
            *s = (s.0 + bin.respondents, s.1 + bin.weight, s.2 + bin.weight_sq);
        }
        let city = sums
            .iter()
            .fold((0, 0.0, 0.0), |a, s| (a.0 + s.0, a.1 + s.1, a.2 + s.2));
        Domains {
            city: Kish::from_sums(city.0, city.1, city.2),
            strata: sums
                .iter()
                .map(|&(n, w, ww)| Kish::from_sums(n, w, ww))
                .collect(),
        }
    }

    /// Estimates one indicator for the city and every county.
    ///
    /// `values[i]` is None when respondent i is outside the indicator's valid answers (for example
    /// "don't know"): such respondents stay in the design but not in the denominator. Proportions
    /// take `Some(0.0)` or `Some(1.0)`; means take finite scores. A domain without valid answers
    /// gives NaN figures flagged `undefined`.
    pub fn estimate_domains(
        &self,
        values: &[Option<f64>],
        kind: Kind,
    ) -> Result<DomainEstimates, EstimationError> {
        let sums = self.gather(values, kind)?;
        Ok(Domains {
            city: self.estimate_domain(&sums, None, kind),
            strata: (0..self.strata)
                .map(|h| self.estimate_domain(&sums, Some(h), kind))
                .collect(),
        })
    }

    /// The one pass over the respondents: sums of the valid answers per bin.
    fn gather(
        &self,
        values: &[Option<f64>],
        kind: Kind,
    ) -> Result<Vec<ValidSums>, EstimationError> {
        if values.len() != self.respondents() {
            return Err(EstimationError::LengthMismatch {
                what: "indicator values",
                got: values.len(),
                expected: self.respondents(),
            });
        }
        let mut sums = vec![ValidSums::default(); self.bins.len()];
        for (respondent, ((&bin, &w), value)) in
            self.bin_of.iter().zip(self.weights).zip(values).enumerate()
        {
            let Some(y) = *value else { continue };
            let valid = match kind {
                Kind::Proportion => y == 0.0 || y == 1.0,
                Kind::Mean => y.is_finite(),
            };
            if !valid {
                return Err(EstimationError::InvalidValue {
                    respondent,
                    value: y,
                    expected: match kind {
                        Kind::Proportion => "a proportion (0 or 1)",
                        Kind::Mean => "a mean (a finite score)",
                    },
                });
            }
            let s = &mut sums[bin as usize];
            let (wy, ww) = (w * y, w * w);
            s.count += 1;
            s.lowest = s.lowest.min(y);
            s.highest = s.highest.max(y);
            s.y += y;
            s.w += w;
            s.wy += wy;
            s.wyy += wy * y;
            s.ww += ww;
            s.wwy += ww * y;
            s.wwyy += ww * y * y;
        }
        Ok(sums)
    }

    /// Estimate for the city (`domain` None) or stratum `domain`, from the bins' sums.
    fn estimate_domain(&self, sums: &[ValidSums], domain: Option<usize>, kind: Kind) -> Estimate {
        let in_domain = |bin: &Bin| domain.is_none_or(|h| bin.stratum as usize == h);
        let mut total = ValidSums::default();
        let mut present = vec![false; self.strata];
        for (bin, s) in self.bins.iter().zip(sums) {
            if in_domain(bin) && s.count > 0 {
                total.add(s);
                present[bin.stratum as usize] = true;
            }
        }
        let n = total.count;
        let effective_n = Kish::from_sums(n, total.w, total.ww).effective_n;
        if n == 0 || total.w <= 0.0 {
            return Estimate::undefined(n, effective_n);
        }
        // Every answer the same: the estimate is that value and there is no spread to measure.
        // Computed, the weighted mean and its variance would miss them by rounding (80 came out
        // 4e-14 below itself, and an SE of 1e-8 gave a county an interval, a status and, with 80
        // as its threshold, no points).
        let alike = total.all_alike();
        let (weight, p) = (
            total.w,
            if alike {
                total.lowest
            } else {
                total.wy / total.w
            },
        );

        let linear: Vec<Linear> = self
            .bins
            .iter()
            .zip(sums)
            .map(|(bin, s)| {
                if in_domain(bin) {
                    Linear::of(s, p, weight)
                } else {
                    Linear::default()
                }
            })
            .collect();
        let variance = self.variance(&linear);
        let variance = if alike { 0.0 } else { variance };
        let se = variance.sqrt();

        let nf = n as f64;
        let s2 = nf / (nf - 1.0) * (total.wyy - 2.0 * p * total.wy + p * p * weight) / weight;
        let deff = if alike {
            f64::NAN
        } else {
            variance / (s2 / nf)
        };
        let df = (n - present.iter().filter(|&&x| x).count()) as f64;
        let (ci_low, ci_high) = match kind {
            Kind::Proportion => boundary_share_interval(p, n, df, effective_n),
            Kind::Mean => None,
        }
        .unwrap_or_else(|| confidence_interval(kind, p, se, df));
        Estimate {
            estimate: p,
            se,
            ci_low,
            ci_high,
            n,
            df,
            deff,
            effective_n,
            flags: Reliability {
                // The city takes in every county; a county's own figures only itself.
                lone_county: domain.is_none() && self.stratum_size.contains(&1),
                ..Reliability::assess(kind, effective_n, p, se, (ci_low, ci_high))
            },
        }
    }

    /// The variance of a linearized variable from its per-bin sums (zero outside its domain):
    /// raking residuals when the weights were raked, then the stratified sum over every county.
    fn variance(&self, linear: &[Linear]) -> f64 {
        // Raking residuals: one shift of u = z/w per cell, from the cells' sums of u.
        let shift = match &self.raking {
            Some(raking) => {
                let mut cell_u = vec![0.0; raking.cell_size.len()];
                for (bin, l) in self.bins.iter().zip(linear) {
                    cell_u[bin.cell as usize] += l.u;
                }
                raking.shift(&mut cell_u)
            }
            None => vec![0.0],
        };
        // z_i − w_i·shift of its cell, summed and squared per county.
        let mut sum_z = vec![0.0; self.strata];
        let mut sum_zz = vec![0.0; self.strata];
        for (bin, l) in self.bins.iter().zip(linear) {
            let b = shift[bin.cell as usize];
            let h = bin.stratum as usize;
            sum_z[h] += l.z - b * bin.weight;
            sum_zz[h] += l.zz - 2.0 * b * l.wz + b * b * bin.weight_sq;
        }
        // A county with a single respondent has no spread of its own to measure. It adds its z²,
        // as R's `options(survey.lonely.psu = "adjust")` does, instead of stopping the whole
        // evaluation. Where the weights are raked to the counties that z is zero, so its share
        // of the variance is missing: the city's figures are flagged `lone_county`.
        (0..self.strata)
            .map(|h| match self.stratum_size[h] {
                0 => 0.0,
                1 => sum_z[h] * sum_z[h],
                size => {
                    let nh = size as f64;
                    nh / (nh - 1.0) * (sum_zz[h] - sum_z[h] * sum_z[h] / nh)
                }
            })
            .sum::<f64>()
            .max(0.0)
    }

    /// How one group of respondents differs from all the others on one indicator, for the city
    /// and within every county: the group's estimate minus the others', with the standard error
    /// of that difference (the two estimates linearized jointly, as R's `svyby(covmat = TRUE)`
    /// and `svycontrast` do) and a 95% t interval.
    ///
    /// `values` as for [`Design::estimate_domains`]; `in_group[i]` says whether respondent i
    /// belongs to the group. A domain where either side has no valid answer gives NaN figures
    /// flagged `undefined`.
    pub fn estimate_differences(
        &self,
        values: &[Option<f64>],
        in_group: &[bool],
        kind: Kind,
    ) -> Result<Domains<Difference>, EstimationError> {
        let (group, others) = self.gather_sides(values, in_group, kind)?;
        Ok(Domains {
            city: self.contrast(&group, &others, &[(None, 1.0)]),
            strata: (0..self.strata)
                .map(|h| self.contrast(&group, &others, &[(Some(h), 1.0)]))
                .collect(),
        })
    }

    /// How one group differs from the others within the same county, the counties weighed by
    /// `county_weights`: d = Σ_h (W_h / W) (p_h,group − p_h,others) over the counties with a
    /// weight W_h > 0 where both sides have valid answers, W their weights' sum. With W_h a
    /// county's census population, a group found more in one county than in another differs
    /// only by what it answers, not by where it was found. The weights are constants, as R's
    /// `svycontrast` of the county-by-group terms of `svyglm(y ~ 0 + county +
    /// county:in_group)` takes them. `n_group` and `n_others` count the answers in the
    /// counties compared; no such county gives NaN figures flagged `undefined`.
    pub fn estimate_difference_within_counties(
        &self,
        values: &[Option<f64>],
        in_group: &[bool],
        kind: Kind,
        county_weights: &[f64],
    ) -> Result<Difference, EstimationError> {
        if county_weights.len() != self.strata {
            return Err(EstimationError::LengthMismatch {
                what: "county weights",
                got: county_weights.len(),
                expected: self.strata,
            });
        }
        let (group, others) = self.gather_sides(values, in_group, kind)?;
        let mut answered = vec![(0usize, 0usize); self.strata];
        for ((bin, g), o) in self.bins.iter().zip(&group).zip(&others) {
            let h = bin.stratum as usize;
            answered[h].0 += g.count;
            answered[h].1 += o.count;
        }
        let counties: Vec<usize> = (0..self.strata)
            .filter(|&h| county_weights[h] > 0.0 && answered[h].0 > 0 && answered[h].1 > 0)
            .collect();
        let total: f64 = counties.iter().map(|&h| county_weights[h]).sum();
        let parts: Vec<(Option<usize>, f64)> = counties
            .iter()
            .map(|&h| (Some(h), county_weights[h] / total))
            .collect();
        Ok(self.contrast(&group, &others, &parts))
    }

    /// The valid answers' sums per bin of the group and of the others.
    fn gather_sides(
        &self,
        values: &[Option<f64>],
        in_group: &[bool],
        kind: Kind,
    ) -> Result<(Vec<ValidSums>, Vec<ValidSums>), EstimationError> {
        if in_group.len() != self.respondents() {
            return Err(EstimationError::LengthMismatch {
                what: "group memberships",
                got: in_group.len(),
                expected: self.respondents(),
            });
        }
        let split = |keep: bool| -> Vec<Option<f64>> {
            values
                .iter()
                .zip(in_group)
                .map(|(v, &g)| if g == keep { *v } else { None })
                .collect()
        };
        Ok((
            self.gather(&split(true), kind)?,
            self.gather(&split(false), kind)?,
        ))
    }

    /// Σ_p c_p (p_group − p_others) over disjoint parts p (the whole design for `None`, else
    /// one county), each with its coefficient c_p, and its linearized variance: the group's and
    /// the others' z in each part, scaled by c_p, summed bin by bin.
    fn contrast(
        &self,
        group: &[ValidSums],
        others: &[ValidSums],
        parts: &[(Option<usize>, f64)],
    ) -> Difference {
        let part_of = |bin: &Bin| {
            parts
                .iter()
                .position(|(domain, _)| domain.is_none_or(|h| bin.stratum as usize == h))
        };
        let mut sides = vec![(ValidSums::default(), ValidSums::default()); parts.len()];
        let (mut all_group, mut all_others) = (ValidSums::default(), ValidSums::default());
        let mut present = vec![false; self.strata];
        for ((bin, g), o) in self.bins.iter().zip(group).zip(others) {
            if let Some(p) = part_of(bin) {
                sides[p].0.add(g);
                sides[p].1.add(o);
                all_group.add(g);
                all_others.add(o);
                present[bin.stratum as usize] |= g.count + o.count > 0;
            }
        }
        let effective_n = |s: &ValidSums| Kish::from_sums(s.count, s.w, s.ww).effective_n;
        let low_effective_n = is_low_effective_n(effective_n(&all_group))
            || is_low_effective_n(effective_n(&all_others));
        let (n_group, n_others) = (all_group.count, all_others.count);
        let empty = |s: &ValidSums| s.count == 0 || s.w <= 0.0;
        if parts.is_empty() || sides.iter().any(|(a, b)| empty(a) || empty(b)) {
            return Difference::undefined(n_group, n_others, low_effective_n);
        }
        let mean = |s: &ValidSums| if s.all_alike() { s.lowest } else { s.wy / s.w };
        let means: Vec<(f64, f64)> = sides.iter().map(|(a, b)| (mean(a), mean(b))).collect();
        let difference: f64 = parts
            .iter()
            .zip(&means)
            .map(|((_, c), (pa, pb))| c * (pa - pb))
            .sum();
        let linear: Vec<Linear> = self
            .bins
            .iter()
            .zip(group.iter().zip(others))
            .map(|(bin, (g, o))| match part_of(bin) {
                Some(p) => {
                    let ((a, b), (pa, pb)) = (&sides[p], means[p]);
                    Linear::of(g, pa, a.w)
                        .minus(&Linear::of(o, pb, b.w))
                        .scaled(parts[p].1)
                }
                None => Linear::default(),
            })
            .collect();
        let alike = sides.iter().all(|(a, b)| a.all_alike() && b.all_alike());
        let variance = if alike { 0.0 } else { self.variance(&linear) };
        let se = variance.sqrt();
        let df = (n_group + n_others - present.iter().filter(|&&x| x).count()) as f64;
        let t = t_quantile(df);
        let (ci_low, ci_high) = if se > 0.0 && t.is_finite() {
            (difference - t * se, difference + t * se)
        } else {
            (f64::NAN, f64::NAN)
        };
        // Pooled over every county, a county with a single respondent leaves its share of the
        // variance out (see `estimate_domain`).
        let pooled = parts.iter().any(|(domain, _)| domain.is_none());
        Difference {
            difference,
            se,
            ci_low,
            ci_high,
            df,
            n_group,
            n_others,
            flags: Reliability {
                low_effective_n,
                undefined: !ci_low.is_finite(),
                lone_county: pooled && self.stratum_size.contains(&1),
                ..Reliability::default()
            },
        }
    }
}

/// Per-bin sums of a linearized variable z (u = z/w), before the raking residuals: Σu, Σz,
/// Σwz and Σz².
#[derive(Debug, Clone, Copy, Default)]
struct Linear {
    u: f64,
    z: f64,
    wz: f64,
    zz: f64,
}

impl Linear {
    /// z_i = w_i (y_i − p) / W over the valid answers summed in `s`.
    fn of(s: &ValidSums, p: f64, weight: f64) -> Linear {
        Linear {
            u: (s.y - p * s.count as f64) / weight,
            z: (s.wy - p * s.w) / weight,
            wz: (s.wwy - p * s.ww) / weight,
            zz: (s.wwyy - 2.0 * p * s.wwy + p * p * s.ww) / (weight * weight),
        }
    }

    /// The sums of c·z.
    fn scaled(&self, c: f64) -> Linear {
        Linear {
            u: c * self.u,
            z: c * self.z,
            wz: c * self.wz,
            zz: c * c * self.zz,
        }
    }

    /// The sums of z − z' where z and z' are never both non-zero for one respondent (two
    /// disjoint groups), so that Σ(z − z')² has no cross term.
    fn minus(&self, other: &Linear) -> Linear {
        Linear {
            u: self.u - other.u,
            z: self.z - other.z,
            wz: self.wz - other.wz,
            zz: self.zz + other.zz,
        }
    }
}

impl RakingResidual {
    /// Runs the projection on cell sums `cell_u` of u = z/w and returns, per cell, the total
    /// amount subtracted from each of its respondents' u.
    fn shift(&self, cell_u: &mut [f64]) -> Vec<f64> {
        let mut shift = vec![0.0; cell_u.len()];
        let mut mean = Vec::new();
        for _ in 0..RAKING_RESIDUAL_ROUNDS {
            for (category, category_size) in self.category.iter().zip(&self.category_size) {
                mean.clear();
                mean.resize(category_size.len(), 0.0);
                for (&c, &u) in category.iter().zip(cell_u.iter()) {
                    mean[c as usize] += u;
                }
                for (m, &size) in mean.iter_mut().zip(category_size) {
                    if size > 0 {
                        *m /= size as f64;
                    }
                }
                for (((u, s), &c), &size) in cell_u
                    .iter_mut()
                    .zip(shift.iter_mut())
                    .zip(category)
                    .zip(&self.cell_size)
                {
                    let a = mean[c as usize];
                    *u -= size as f64 * a;
                    *s += a;
                }
            }
        }
        shift
    }
}

/// Groups respondents by (raking cell, stratum): returns each respondent's bin and the bins.
fn bin_respondents(
    stratum_of: &[u32],
    strata: usize,
    weights: &[f64],
    cells: Option<&CrossCells>,
) -> (Vec<u32>, Vec<Bin>) {
    let n = stratum_of.len();
    let cell_count = cells.map_or(1, CrossCells::len);
    let cell_of = |i: usize| cells.map_or(0, |c| c.cell_of[i]);
    let mut bins: Vec<Bin> = Vec::new();
    let mut bin_of = Vec::with_capacity(n);
    let open = |cell: u32, stratum: u32, bins: &mut Vec<Bin>| {
        bins.push(Bin {
            stratum,
            cell,
            weight: 0.0,
            weight_sq: 0.0,
            respondents: 0,
        });
        (bins.len() - 1) as u32
    };
    let keys = cell_count.saturating_mul(strata.max(1));
    if keys <= 2 * n + (1 << 16) {
        let mut id_of_key = vec![u32::MAX; keys];
        for (i, &h) in stratum_of.iter().enumerate() {
            let cell = cell_of(i);
            let key = cell as usize * strata + h as usize;
            if id_of_key[key] == u32::MAX {
                id_of_key[key] = open(cell, h, &mut bins);
            }
            bin_of.push(id_of_key[key]);
        }
    } else {
        let mut id_of_key: HashMap<(u32, u32), u32> = HashMap::new();
        for (i, &h) in stratum_of.iter().enumerate() {
            let cell = cell_of(i);
            let id = *id_of_key
                .entry((cell, h))
                .or_insert_with(|| open(cell, h, &mut bins));
            bin_of.push(id);
        }
    }
    for (&b, &w) in bin_of.iter().zip(weights) {
        let bin = &mut bins[b as usize];
        bin.weight += w;
        bin.weight_sq += w * w;
        bin.respondents += 1;
    }
    (bin_of, bins)
}

#[cfg(test)]
#[path = "design_tests.rs"]
mod tests;
