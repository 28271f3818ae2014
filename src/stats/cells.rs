//! Cross-classification of respondents by every raking margin at once ("cells").
//!
//! Raking multiplies a respondent's weight only by factors of its categories, and trimming caps the
//! ratio w/d, which is therefore the same for every respondent of a cell. So raking, trimming and the
//! raking-residual step of variance estimation can all be done on cell aggregates: one pass over the
//! respondents builds the cells, the rest costs (cells × margins), independent of the sample size.

use std::collections::HashMap;

use super::error::WeightingError;
use super::weights::MarginTargets;

/// Respondents grouped by their combination of categories over all margins.
#[derive(Debug, Clone)]
pub(crate) struct CrossCells {
    /// Cell of each respondent.
    pub(crate) cell_of: Vec<u32>,
    /// `category[m][cell]`: the category of margin `m` shared by the respondents of `cell`.
    pub(crate) category: Vec<Vec<u32>>,
    /// Respondents per cell.
    pub(crate) size: Vec<usize>,
    /// `category_size[m][c]`: respondents in category `c` of margin `m`.
    pub(crate) category_size: Vec<Vec<usize>>,
}

impl CrossCells {
    /// Number of non-empty cells.
    pub(crate) fn len(&self) -> usize {
        self.size.len()
    }

    /// Checks the margins' shapes against `respondents` and groups respondents into cells.
    pub(crate) fn build(
        margins: &[MarginTargets],
        respondents: usize,
    ) -> Result<Self, WeightingError> {
        for margin in margins {
            margin.check_shape(respondents)?;
        }
        let radix: Vec<u64> = margins.iter().map(|m| m.categories.len() as u64).collect();
        let product = radix.iter().try_fold(1u64, |acc, &k| acc.checked_mul(k));
        let dense_limit = (respondents as u64).saturating_mul(2).max(1 << 16);

        let mut cells = CrossCells {
            cell_of: Vec::with_capacity(respondents),
            category: vec![Vec::new(); margins.len()],
            size: Vec::new(),
            category_size: margins
                .iter()
                .map(|m| vec![0; m.categories.len()])
                .collect(),
        };
        match product {
            Some(p) if p <= dense_limit => cells.group_dense(margins, &radix, p as usize),
            _ => cells.group_hashed(margins, respondents),
        }
        for (m, sizes) in cells.category_size.iter_mut().enumerate() {
            for (cell, &size) in cells.size.iter().enumerate() {
                sizes[cells.category[m][cell] as usize] += size;
            }
        }
        Ok(cells)
    }

    fn open_cell(&mut self, margins: &[MarginTargets], respondent: usize) -> u32 {
        let id = self.size.len() as u32;
        for (m, margin) in margins.iter().enumerate() {
            self.category[m].push(margin.category_of[respondent]);
        }
        self.size.push(0);
        id
    }

    /// Mixed-radix key into a dense table: the common case (a few margins of a few categories).
    fn group_dense(&mut self, margins: &[MarginTargets], radix: &[u64], keys: usize) {
        let mut id_of_key = vec![u32::MAX; keys];
        let respondents = margins.first().map_or(0, |m| m.category_of.len());
        let mut key_of = vec![0usize; respondents];
        let mut stride = 1usize;
        for (margin, &k) in margins.iter().zip(radix) {
            for (key, &code) in key_of.iter_mut().zip(&margin.category_of) {
                *key += code as usize * stride;
            }
            stride *= k as usize;
        }
        for (respondent, &key) in key_of.iter().enumerate() {
            let mut id = id_of_key[key];
            if id == u32::MAX {
                id = self.open_cell(margins, respondent);
                id_of_key[key] = id;
            }
            self.size[id as usize] += 1;
            self.cell_of.push(id);
        }
    }

    /// Hash of the category tuple: for many margins with many categories.
    fn group_hashed(&mut self, margins: &[MarginTargets], respondents: usize) {
        let mut id_of_key: HashMap<Vec<u32>, u32> = HashMap::new();
        let mut key = vec![0u32; margins.len()];
        for respondent in 0..respondents {
            for (slot, margin) in key.iter_mut().zip(margins) {
                *slot = margin.category_of[respondent];
            }
            let id = match id_of_key.get(key.as_slice()) {
                Some(&id) => id,
                None => {
                    let id = self.open_cell(margins, respondent);
                    id_of_key.insert(key.clone(), id);
                    id
                }
            };
            self.size[id as usize] += 1;
            self.cell_of.push(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn margin(name: &str, categories: usize, category_of: Vec<u32>) -> MarginTargets {
        MarginTargets {
            name: name.to_string(),
            categories: (0..categories).map(|c| format!("{name}{c}")).collect(),
            totals: vec![1.0; categories],
            category_of,
        }
    }

    #[test]
    fn respondents_with_the_same_categories_share_a_cell() {
        let margins = [
            margin("sex", 2, vec![0, 1, 0, 1, 0]),
            margin("age", 3, vec![2, 2, 2, 0, 1]),
        ];
        let cells = CrossCells::build(&margins, 5).unwrap();
        assert_eq!(cells.len(), 4, "cells (0,2), (1,2), (1,0), (0,1)");
        assert_eq!(
            cells.cell_of[0], cells.cell_of[2],
            "respondents 0 and 2 are both (0,2)"
        );
        assert_eq!(cells.size[cells.cell_of[0] as usize], 2);
        assert_eq!(cells.category_size, vec![vec![3, 2], vec![1, 1, 3]]);
    }

    #[test]
    fn dense_and_hashed_grouping_agree() {
        let margins = [
            margin("a", 3, vec![0, 1, 2, 0, 1, 2, 0]),
            margin("b", 2, vec![1, 1, 0, 1, 0, 0, 1]),
        ];
        let dense = CrossCells::build(&margins, 7).unwrap();
        let mut hashed = CrossCells {
            cell_of: Vec::new(),
            category: vec![Vec::new(); 2],
            size: Vec::new(),
            category_size: Vec::new(),
        };
        hashed.group_hashed(&margins, 7);
        assert_eq!(dense.cell_of, hashed.cell_of);
        assert_eq!(dense.category, hashed.category);
        assert_eq!(dense.size, hashed.size);
    }

    #[test]
    fn an_unknown_category_code_names_the_respondent_and_margin() {
        let margins = [margin("gender", 2, vec![0, 2])];
        let err = CrossCells::build(&margins, 2).unwrap_err();
        assert!(
            err.to_string()
                .contains("respondent 1 has category code 2 in margin gender"),
            "{err}"
        );
    }
}
