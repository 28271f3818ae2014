//! Counties whose quota is full, as the form shows them: so that a resident of one learns it
//! before answering some thirty questions, not from the page that says they were not stored.
//!
//! Read from the database at most every `FRESH_FOR` per survey when a form is shown (only for
//! surveys with quotas), and marked at once when this process refuses a submission as over
//! quota. A county that fills on another node shows here within that time; the writer's own
//! check, in the transaction that stores, is what keeps the quota exact.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use crate::survey::Survey;

/// How long a survey's full counties are believed before they are read again.
const FRESH_FOR: Duration = Duration::from_secs(15);

#[derive(Default)]
pub struct FullCounties {
    by_survey: RwLock<HashMap<String, (Instant, Vec<String>)>>,
}

impl FullCounties {
    /// The counties of this survey known to be full (none if never read).
    pub fn of(&self, survey_id: &str) -> Vec<String> {
        self.by_survey
            .read()
            .ok()
            .and_then(|map| map.get(survey_id).map(|(_, full)| full.clone()))
            .unwrap_or_default()
    }

    /// Whether this survey's counties should be read again: it has quotas, and they were not
    /// read within `FRESH_FOR`.
    pub fn stale(&self, survey_id: &str, survey: &Survey) -> bool {
        let has_quotas = survey.strata.units.iter().any(|unit| unit.quota.is_some());
        has_quotas
            && self.by_survey.read().map_or(true, |map| {
                map.get(survey_id)
                    .is_none_or(|(read_at, _)| read_at.elapsed() > FRESH_FOR)
            })
    }

    /// Records the places taken in each county (from `storage::quota_places_taken`).
    pub fn record(&self, survey_id: &str, survey: &Survey, taken: &[(String, i32)]) {
        let full = survey
            .strata
            .units
            .iter()
            .filter(|unit| {
                unit.quota.is_some_and(|quota| {
                    taken.iter().any(|(code, places)| {
                        *code == unit.code && i64::from(*places) >= i64::from(quota)
                    })
                })
            })
            .map(|unit| unit.code.clone())
            .collect();
        if let Ok(mut map) = self.by_survey.write() {
            map.insert(survey_id.to_owned(), (Instant::now(), full));
        }
    }

    /// A submission to this county was just refused as over quota.
    pub fn mark_full(&self, survey_id: &str, county: &str) {
        if let Ok(mut map) = self.by_survey.write() {
            let (_, full) = map
                .entry(survey_id.to_owned())
                .or_insert_with(|| (Instant::now(), Vec::new()));
            if !full.iter().any(|c| c == county) {
                full.push(county.to_owned());
            }
        }
    }
}
