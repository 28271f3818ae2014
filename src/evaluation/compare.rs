//! How two evaluations of one survey differ: the evaluation of the stored responses against the
//! released one (the result set's and the published figures, computed from the k-anonymous
//! release), which leaves out the rows whose quasi-identifiers were suppressed.

use super::{Evaluation, Status};

/// One indicator of one domain whose status differs between two evaluations.
#[derive(Clone, Debug, PartialEq)]
pub struct VerdictChange {
    /// `city` or a county code.
    pub domain: String,
    pub indicator: String,
    pub here: Status,
    pub there: Status,
}

/// What differs between `here` and `there`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Differences {
    /// Indicators whose estimate differs at all (a domain's or indicator's absence counts).
    pub estimates: usize,
    /// Indicators whose status differs, in the order of `here`.
    pub verdicts: Vec<VerdictChange>,
}

impl Differences {
    pub fn none(&self) -> bool {
        self.estimates == 0 && self.verdicts.is_empty()
    }
}

/// Compares two evaluations indicator by indicator, matched by domain code and indicator id.
pub fn differences(here: &Evaluation, there: &Evaluation) -> Differences {
    let mut found = Differences::default();
    for domain in &here.domains {
        let other = there.domains.iter().find(|d| d.code == domain.code);
        for indicator in &domain.indicators {
            let Some(theirs) =
                other.and_then(|d| d.indicators.iter().find(|i| i.id == indicator.id))
            else {
                found.estimates += 1;
                continue;
            };
            if theirs.estimate.to_bits() != indicator.estimate.to_bits() {
                found.estimates += 1;
            }
            if theirs.status != indicator.status {
                found.verdicts.push(VerdictChange {
                    domain: domain.code.clone(),
                    indicator: indicator.id.clone(),
                    here: indicator.status,
                    there: theirs.status,
                });
            }
        }
    }
    found
}
