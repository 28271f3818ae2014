//! Fieldwork progress, for the publisher's dashboard and the progress bulletin (通报): completed
//! responses per county against the target sample, the margin of error reached at the current n,
//! quality flags and responses per day. Pure: counts in, progress out.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::survey::{Survey, Text};

/// One group of stored responses: county, date, quality flags (comma-separated), whether made by
/// a trial run, and how many.
#[derive(Clone)]
pub struct CountRow {
    pub stratum: String,
    pub date: String,
    pub flags: String,
    /// How the responses came in (`open_link`, `invitation`, `interviewer`, `simulated`).
    pub channel: String,
    pub count: i64,
}

/// The channel of responses made by `minyi simulate` (a trial run), not by residents.
pub const SIMULATED: &str = "simulated";

/// Every channel a response can come by, in the order tables list them: the public link, an
/// invitation, an interviewer's device, and `minyi simulate`.
pub const CHANNELS: [&str; 4] = ["open_link", "invitation", "interviewer", SIMULATED];

#[derive(Clone, Debug, Serialize)]
pub struct StratumProgress {
    pub code: String,
    pub name: Text,
    pub completed: i64,
    /// Responses carrying a flag the survey's quality rules exclude (counted in `completed`).
    pub excluded: i64,
    /// Completed responses the estimates will use: `completed` less `excluded`. The target
    /// and the margin of error are about these.
    pub usable: i64,
    pub target: Option<u32>,
    /// Usable responses over target (1.0 = target reached).
    pub share_of_target: Option<f64>,
    /// Half-width of a 95% interval for a 50% proportion under simple random sampling at the
    /// current usable n, in proportion points (0.069 = ±6.9 points at n = 200). Weighting
    /// widens it a little; the evaluation reports the exact intervals.
    pub margin_of_error: Option<f64>,
    /// Responses carrying at least one quality flag.
    pub flagged: i64,
    /// Responses by channel (`open_link`, `invitation`, `interviewer`, `simulated`): a county
    /// whose answers all come one way, or suddenly, is worth a look (coached answers).
    pub by_channel: BTreeMap<String, i64>,
    /// The most responses the county accepts, when the survey file sets a quota.
    pub quota: Option<u32>,
    /// Places left under the quota: every response stored counts, those the quality rules will
    /// exclude included, except a trial run's (which the quota does not hold). At 0 the county
    /// turns residents away.
    pub quota_left: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Progress {
    pub survey_id: String,
    pub completed: i64,
    pub target: Option<u32>,
    /// At the usable n: `completed` less `flagged_to_exclude`.
    pub margin_of_error: Option<f64>,
    pub by_stratum: Vec<StratumProgress>,
    /// Responses per day (UTC dates), oldest first.
    pub by_day: Vec<(String, i64)>,
    /// Responses per quality flag: those stored with each response, and `duplicate_client`,
    /// found across responses (`analysis::fieldwork_progress` adds it).
    pub flags: BTreeMap<String, i64>,
    /// Responses carrying at least one quality flag (a response with two flags counts once).
    pub flagged: i64,
    /// Responses carrying a flag the survey file's `[quality] exclude` lists: counted in
    /// `completed`, left out of the estimates.
    pub flagged_to_exclude: i64,
    /// Responses filed under a county the current definition does not have.
    pub other_strata: i64,
    /// Responses made by `minyi simulate`, not by residents (counted in everything above).
    pub simulated: i64,
    /// Responses by channel, every county's and those filed under another (`other_strata`).
    pub by_channel: BTreeMap<String, i64>,
}

impl Progress {
    /// Completed responses the estimates will use: `completed` less `flagged_to_exclude`.
    pub fn usable(&self) -> i64 {
        self.completed - self.flagged_to_exclude
    }
}

/// ±1.96·√(0.25/n): the worst case (p = 50%) of a 95% interval under simple random sampling.
pub fn margin_of_error(n: i64) -> Option<f64> {
    (n > 0).then(|| 1.96 * (0.25 / n as f64).sqrt())
}

/// The share of the fieldwork period over at the end of `today`: 0 before its first day, 1 from
/// its last day on. A straight-line schedule expects this share of each target by then.
pub fn share_of_period_elapsed(survey: &Survey, today: NaiveDate) -> f64 {
    let days = (survey.fieldwork_end - survey.fieldwork_start).num_days() + 1;
    let done = (today - survey.fieldwork_start).num_days() + 1;
    (done as f64 / days.max(1) as f64).clamp(0.0, 1.0)
}

/// Completed interviews a straight-line schedule expects of `target` when `elapsed` of the
/// period is over (see [`share_of_period_elapsed`]); rounded up, so reaching it is on schedule.
pub fn due(target: u32, elapsed: f64) -> i64 {
    (f64::from(target) * elapsed).ceil() as i64
}

impl StratumProgress {
    /// Sets the usable count, and the share of the target and margin of error that follow
    /// from it (again when the duplicates found across responses exclude more).
    pub fn with_usable(mut self, usable: i64) -> StratumProgress {
        self.usable = usable;
        self.excluded = self.completed - usable;
        self.share_of_target = self.target.map(|t| usable as f64 / f64::from(t.max(1)));
        self.margin_of_error = margin_of_error(usable);
        self
    }
}

pub fn progress(survey: &Survey, rows: &[CountRow]) -> Progress {
    let mut completed: BTreeMap<&str, i64> = BTreeMap::new();
    let mut flagged: BTreeMap<&str, i64> = BTreeMap::new();
    let mut excluded: BTreeMap<&str, i64> = BTreeMap::new();
    let mut channels: BTreeMap<&str, BTreeMap<String, i64>> = BTreeMap::new();
    let mut by_day: BTreeMap<&str, i64> = BTreeMap::new();
    let mut flags: BTreeMap<String, i64> = BTreeMap::new();
    let mut any_flag = 0;
    let mut to_exclude = 0;
    let mut simulated = 0;
    let mut city_channels: BTreeMap<String, i64> = BTreeMap::new();
    for row in rows {
        if row.channel == SIMULATED {
            simulated += row.count;
        }
        *city_channels.entry(row.channel.clone()).or_default() += row.count;
        *completed.entry(&row.stratum).or_default() += row.count;
        *channels
            .entry(&row.stratum)
            .or_default()
            .entry(row.channel.clone())
            .or_default() += row.count;
        *by_day.entry(&row.date).or_default() += row.count;
        if !row.flags.is_empty() {
            any_flag += row.count;
            if survey.quality.excludes_stored(&row.flags) {
                to_exclude += row.count;
                *excluded.entry(&row.stratum).or_default() += row.count;
            }
            *flagged.entry(&row.stratum).or_default() += row.count;
            for flag in row.flags.split(',') {
                *flags.entry(flag.to_owned()).or_default() += row.count;
            }
        }
    }
    let by_stratum: Vec<StratumProgress> = survey
        .strata
        .units
        .iter()
        .map(|unit| {
            let code = unit.code.as_str();
            let n = completed.get(code).copied().unwrap_or(0);
            let left_out = excluded.get(code).copied().unwrap_or(0);
            let by_channel = channels.remove(code).unwrap_or_default();
            StratumProgress {
                code: unit.code.clone(),
                name: unit.name.clone(),
                completed: n,
                // These four follow from the usable count: `with_usable` sets them.
                excluded: 0,
                usable: 0,
                target: unit.target_sample,
                share_of_target: None,
                margin_of_error: None,
                flagged: flagged.get(code).copied().unwrap_or(0),
                quota: unit.quota,
                quota_left: unit.quota.map(|quota| {
                    let trial = by_channel.get(SIMULATED).copied().unwrap_or(0);
                    (i64::from(quota) - (n - trial)).max(0)
                }),
                by_channel,
            }
            .with_usable(n - left_out)
        })
        .collect();
    let total: i64 = completed.values().sum();
    let known: i64 = by_stratum.iter().map(|s| s.completed).sum();
    let targets: Vec<u32> = survey
        .strata
        .units
        .iter()
        .filter_map(|u| u.target_sample)
        .collect();
    Progress {
        survey_id: survey.id.clone(),
        completed: total,
        target: (targets.len() == survey.strata.units.len()).then(|| targets.iter().sum()),
        margin_of_error: margin_of_error(total - to_exclude),
        by_stratum,
        by_day: by_day.into_iter().map(|(d, n)| (d.to_owned(), n)).collect(),
        flags,
        flagged: any_flag,
        flagged_to_exclude: to_exclude,
        other_strata: total - known,
        simulated,
        by_channel: city_channels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::survey::tests::example;

    fn row(stratum: &str, date: &str, flags: &str, count: i64) -> CountRow {
        CountRow {
            stratum: stratum.into(),
            date: date.into(),
            flags: flags.into(),
            channel: "open_link".into(),
            count,
        }
    }

    #[test]
    fn a_quota_counts_every_stored_response_but_a_trial_runs() {
        let mut trial = row("north", "2016-10-11", "", 5);
        trial.channel = SIMULATED.into();
        let rows = [
            row("north", "2016-10-10", "", 20),
            row("north", "2016-10-11", "too_fast", 4),
            trial,
            row("south", "2016-10-11", "", 3),
        ];

        let p = progress(&crate::survey::tests::small_survey(), &rows);

        let (north, south) = (&p.by_stratum[0], &p.by_stratum[1]);
        assert_eq!(
            (north.quota, north.quota_left),
            (Some(30), Some(6)),
            "30 - (20 + 4)"
        );
        assert_eq!(
            (south.quota, south.quota_left),
            (None, None),
            "no quota set"
        );
        let full = progress(
            &crate::survey::tests::small_survey(),
            &[row("north", "2016-10-10", "", 31)],
        );
        assert_eq!(full.by_stratum[0].quota_left, Some(0), "never below 0");
    }

    #[test]
    fn progress_counts_each_county_against_its_target() {
        let rows = [
            row("nanhu", "2016-10-10", "", 150),
            row("nanhu", "2016-10-11", "too_fast", 10),
            row("nanhu", "2016-10-11", "", 40),
            row("haiyan", "2016-10-11", "too_fast,straightlining", 2),
            row("shanghai", "2016-10-11", "", 1),
        ];
        let p = progress(&example(), &rows);
        let nanhu = &p.by_stratum[0];
        assert_eq!(
            (nanhu.code.as_str(), nanhu.completed, nanhu.flagged),
            ("nanhu", 200, 10)
        );
        assert_eq!(
            (nanhu.excluded, nanhu.usable),
            (10, 190),
            "the example's rules leave the too-fast ones out"
        );
        assert_eq!(
            nanhu.share_of_target,
            Some(0.95),
            "190 usable of the target 200: 200 received is not the target reached"
        );
        assert_eq!(nanhu.margin_of_error, margin_of_error(190));
        assert_eq!(nanhu.by_channel.get("open_link"), Some(&200));
        assert_eq!(
            p.by_stratum[1].completed, 0,
            "a county without responses is listed with 0"
        );
        assert_eq!(p.completed, 203);
        assert_eq!(p.other_strata, 1);
        assert_eq!(p.simulated, 0, "residents' answers only");
        let trial = CountRow {
            channel: SIMULATED.into(),
            ..row("nanhu", "2016-10-12", "", 7)
        };
        let mut with_trial = rows.to_vec();
        with_trial.push(trial);
        let with_trial = progress(&example(), &with_trial);
        assert_eq!(
            (with_trial.simulated, with_trial.completed),
            (7, 210),
            "counted, and said so"
        );
        assert_eq!(p.target, Some(1400));
        assert_eq!(
            p.by_day,
            vec![
                ("2016-10-10".to_owned(), 150),
                ("2016-10-11".to_owned(), 53)
            ]
        );
        assert_eq!(p.flags.get("too_fast"), Some(&12));
        assert_eq!(p.flags.get("straightlining"), Some(&2));
        assert_eq!(p.flagged, 12, "two flags on one response count it once");
        assert_eq!(
            p.flagged_to_exclude, 12,
            "the example's rules exclude too_fast and straightlining"
        );
        let kept_flag = progress(
            &example(),
            &[row("nanhu", "2016-10-11", "duplicate_client", 4)],
        );
        assert_eq!(
            (kept_flag.flagged, kept_flag.flagged_to_exclude),
            (4, 0),
            "a flag the rules do not list excludes nothing"
        );
    }

    #[test]
    fn a_straight_line_schedule_expects_a_share_of_the_target_by_each_day() {
        // The example's fieldwork runs 2016-10-10 to 2016-11-30: 52 days.
        let survey = example();
        let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a date");
        let cases = [
            ("2016-10-01", 0.0, 0, "before fieldwork nothing is due"),
            (
                "2016-10-10",
                1.0 / 52.0,
                4,
                "the first day's share, rounded up",
            ),
            ("2016-11-04", 26.0 / 52.0, 100, "half way: half the target"),
            ("2016-11-30", 1.0, 200, "the whole target by the last day"),
            ("2017-01-01", 1.0, 200, "and after it"),
        ];
        for (today, share, due_of_200, why) in cases {
            let elapsed = share_of_period_elapsed(&survey, day(today));
            assert!(
                (elapsed - share).abs() < 1e-12,
                "{today}: {elapsed} ({why})"
            );
            assert_eq!(due(200, elapsed), due_of_200, "{today}: {why}");
        }
    }

    #[test]
    fn the_margin_of_error_at_200_is_about_seven_points() {
        let moe = margin_of_error(200).expect("defined");
        assert!((moe - 0.0693).abs() < 1e-4, "{moe}");
        assert_eq!(margin_of_error(0), None);
    }
}
