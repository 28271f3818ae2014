//! Fieldwork progress as the publisher's dashboard and the printable bulletin show it: each
//! county's completed responses against its target, the margin of error reached, notes (target
//! reached, behind schedule, short, quality-flagged), the flags, and responses per day. It only
//! formats `fieldwork::Progress`, the figures `minyi progress` prints.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::day_chart;
use super::i18n::Messages;
use crate::catalog::CurrentSurvey;
use crate::fieldwork::{due, share_of_period_elapsed, Progress, StratumProgress};
use crate::lifecycle::SurveyState;
use crate::survey::{Lang, QualityFlag};

pub struct FieldworkView<'a> {
    pub survey: &'a CurrentSurvey,
    pub progress: &'a Progress,
    pub lang: Lang,
    pub messages: &'a Messages,
    /// Now: the schedule reads today's date where the survey runs (`Survey::local_date`).
    pub now: DateTime<Utc>,
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// A survey's responses in a line: the valid ones against the target when the file sets one,
/// and those received (the survey list, the move confirmations).
pub fn responses_line(messages: &Messages, lang: Lang, progress: &Progress) -> String {
    let completed = progress.completed.to_string();
    let usable = progress.usable().to_string();
    match progress.target {
        Some(target) => messages.format(
            lang,
            "fieldwork.responses_of_target",
            &[
                ("completed", &completed),
                ("usable", &usable),
                ("target", &target.to_string()),
            ],
        ),
        None => messages.format(
            lang,
            "fieldwork.responses",
            &[("completed", &completed), ("usable", &usable)],
        ),
    }
}

/// The first characters of a version hash, as people quote it.
pub fn short_version(version: &str) -> &str {
    &version[..12.min(version.len())]
}

impl FieldworkView<'_> {
    fn text(&self, key: &str) -> String {
        self.messages.text(self.lang, key)
    }

    fn format(&self, key: &str, params: &[(&str, &str)]) -> String {
        self.messages.format(self.lang, key, params)
    }

    /// `±6.9 pts`, or `—` without responses.
    pub fn margin(&self, margin_of_error: Option<f64>) -> String {
        margin_of_error.map_or_else(
            || "—".to_owned(),
            |m| self.format("fieldwork.moe", &[("value", &format!("{:.1}", m * 100.0))]),
        )
    }

    /// The survey's time, as dates and times on these pages are given in: 北京时间 for China's
    /// UTC+08:00, else the offset.
    pub fn zone(&self) -> String {
        let seconds = self.survey.definition.utc_offset_seconds;
        if seconds == crate::survey::CHINA_UTC_OFFSET_SECONDS {
            return self.text("fieldwork.zone_china");
        }
        let sign = if seconds < 0 { '-' } else { '+' };
        let minutes = seconds.abs() / 60;
        format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    }

    /// Now, in the survey's time, as the bulletin dates itself.
    pub fn local_time(&self) -> String {
        let zone = self.survey.definition.time_zone();
        self.now
            .with_timezone(&zone)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    pub fn state(&self) -> String {
        self.text(&format!("account.state_{}", self.survey.record.state))
    }

    fn totals(&self) -> String {
        let p = self.progress;
        let completed = p.completed.to_string();
        let usable = p.usable().to_string();
        match p.target {
            Some(target) => self.format(
                "fieldwork.totals",
                &[
                    ("completed", &completed),
                    ("usable", &usable),
                    ("target", &target.to_string()),
                    (
                        "share",
                        &percent(p.usable() as f64 / f64::from(target.max(1))),
                    ),
                ],
            ),
            None => self.format(
                "fieldwork.totals_no_target",
                &[("completed", &completed), ("usable", &usable)],
            ),
        }
    }

    /// The share of the fieldwork period over by today, while the survey is open.
    fn elapsed_share(&self) -> Option<f64> {
        (self.survey.record.state == SurveyState::Open).then(|| {
            let today = self.survey.definition.local_date(self.now);
            share_of_period_elapsed(&self.survey.definition, today)
        })
    }

    /// Where today falls in the planned period while the survey is open: days to its start,
    /// or the day of it and the days left (after its end, `period_over` says so).
    fn period_days(&self) -> Option<String> {
        self.elapsed_share()?;
        let survey = &self.survey.definition;
        let today = survey.local_date(self.now);
        if today < survey.fieldwork_start {
            let days = (survey.fieldwork_start - today).num_days();
            let key = if days == 1 {
                "fieldwork.period_ahead_one_day"
            } else {
                "fieldwork.period_ahead"
            };
            return Some(self.format(
                key,
                &[
                    ("start", &survey.fieldwork_start.to_string()),
                    ("days", &days.to_string()),
                ],
            ));
        }
        if today > survey.fieldwork_end {
            return None;
        }
        let days = (survey.fieldwork_end - survey.fieldwork_start).num_days() + 1;
        let done = (today - survey.fieldwork_start).num_days() + 1;
        Some(self.format(
            "fieldwork.period_days",
            &[
                ("done", &done.to_string()),
                ("left", &(days - done).to_string()),
                ("share", &percent(done as f64 / days as f64)),
            ],
        ))
    }

    /// What a publisher should notice about a county, each with a class for its colour.
    fn notes(&self, s: &StratumProgress) -> Vec<Value> {
        let mut notes = Vec::new();
        let mut note =
            |class: &str, text: String| notes.push(json!({"class": class, "text": text}));
        match s.target {
            None => note("muted", self.text("fieldwork.no_target")),
            Some(target) if s.usable >= i64::from(target) => {
                note("ok", self.text("fieldwork.reached"))
            }
            Some(target) => match self.survey.record.state {
                SurveyState::Open => {
                    let today = self.survey.definition.local_date(self.now);
                    let elapsed = share_of_period_elapsed(&self.survey.definition, today);
                    let due_now = due(target, elapsed);
                    if s.usable < due_now {
                        note(
                            "warn",
                            self.format("fieldwork.behind", &[("due", &due_now.to_string())]),
                        );
                    }
                }
                SurveyState::Closed | SurveyState::Published => note(
                    "warn",
                    self.format(
                        "fieldwork.short",
                        &[("missing", &(i64::from(target) - s.usable).to_string())],
                    ),
                ),
                SurveyState::Draft => {}
            },
        }
        if s.flagged > 0 {
            note(
                "warn",
                self.format("fieldwork.flagged", &[("count", &s.flagged.to_string())]),
            );
        }
        // While residents answer, a full county turns them away: the publisher should see it.
        if let (Some(quota), Some(left), SurveyState::Open) =
            (s.quota, s.quota_left, self.survey.record.state)
        {
            let (class, key) = if left == 0 {
                ("warn", "fieldwork.quota_full")
            } else {
                ("muted", "fieldwork.quota_left")
            };
            note(
                class,
                self.format(
                    key,
                    &[("quota", &quota.to_string()), ("left", &left.to_string())],
                ),
            );
        }
        notes
    }

    fn county(&self, s: &StratumProgress) -> Value {
        let share = s.share_of_target.unwrap_or(0.0);
        json!({
            "code": s.code,
            "name": s.name.get(self.lang),
            "completed": s.completed,
            "usable": s.usable,
            "received": (s.excluded > 0).then(|| self.format(
                "fieldwork.received",
                &[("completed", &s.completed.to_string()), ("excluded", &s.excluded.to_string())],
            )),
            "target": s.target.map_or_else(|| "—".to_owned(), |t| t.to_string()),
            "share": s.share_of_target.map(percent).unwrap_or_default(),
            "bar": format!("{:.1}", (share * 100.0).clamp(0.0, 100.0)),
            "bar_label": s.share_of_target.map(|v| self.format("fieldwork.bar", &[("share", &percent(v))])),
            // Where the bar should reach by today on a straight-line schedule, while open.
            "due_bar": self.elapsed_share().map(|e| format!("{:.1}", (e * 100.0).clamp(0.0, 100.0))),
            "reached": share >= 1.0,
            "moe": self.margin(s.margin_of_error),
            "flagged": s.flagged,
            "notes": self.notes(s),
        })
    }

    /// Responses by channel and county: the channels any response came by, as columns.
    fn channels(&self) -> Value {
        let p = self.progress;
        let mut names: Vec<&String> = p
            .by_stratum
            .iter()
            .flat_map(|s| s.by_channel.keys())
            .collect();
        names.sort();
        names.dedup();
        let heads: Vec<String> = names
            .iter()
            .map(|name| match name.as_str() {
                known @ ("open_link" | "invitation" | "interviewer" | "simulated") => {
                    self.text(&format!("fieldwork.channel_{known}"))
                }
                other => other.to_owned(),
            })
            .collect();
        let rows: Vec<Value> = p
            .by_stratum
            .iter()
            .map(|s| {
                let counts: Vec<i64> = names
                    .iter()
                    .map(|name| s.by_channel.get(*name).copied().unwrap_or(0))
                    .collect();
                json!({"name": s.name.get(self.lang), "counts": counts})
            })
            .collect();
        json!({"heads": heads, "rows": rows})
    }

    fn flags(&self) -> Vec<Value> {
        self.progress
            .flags
            .iter()
            .map(|(name, count)| {
                let label = match QualityFlag::from_name(name) {
                    Some(flag) => self.text(&format!("fieldwork.flag_{}", flag.name())),
                    None => name.clone(),
                };
                json!({"label": label, "count": count})
            })
            .collect()
    }

    fn days(&self) -> (Vec<Value>, Option<String>) {
        let days = day_chart::every_day(&self.progress.by_day);
        let (Some((first, _)), Some((last, _))) = (days.first(), days.last()) else {
            return (Vec::new(), None);
        };
        let most = days.iter().map(|(_, n)| *n).max().unwrap_or(0);
        let title = self.format(
            "fieldwork.days_chart",
            &[("first", first), ("last", last), ("max", &most.to_string())],
        );
        let rows = days
            .iter()
            .map(|(day, count)| json!({"day": day, "count": count}))
            .collect();
        (rows, Some(day_chart::to_svg(&days, &title)))
    }

    /// Everything the dashboard and the bulletin show of the survey's fieldwork.
    pub fn view(&self) -> Value {
        let survey = &self.survey.definition;
        let p = self.progress;
        let (days, day_chart) = self.days();
        json!({
            "title": survey.title.get(self.lang),
            "id": self.survey.record.id,
            "state": self.state(),
            "version": short_version(&self.survey.record.current_version),
            "period": self.format("fieldwork.period", &[
                ("start", &survey.fieldwork_start.to_string()),
                ("end", &survey.fieldwork_end.to_string()),
            ]),
            "period_days": self.period_days(),
            // Still taking answers after the planned period: the schedule notes below count
            // the whole target as due, and the publisher should know why.
            "period_over": (self.survey.record.state == crate::lifecycle::SurveyState::Open
                && survey.local_date(self.now) > survey.fieldwork_end)
                .then(|| self.format(
                    "fieldwork.period_over",
                    &[("end", &survey.fieldwork_end.to_string())],
                )),
            "totals": self.totals(),
            "to_exclude": (p.flagged_to_exclude > 0).then(|| self.format(
                "fieldwork.to_exclude",
                &[("count", &p.flagged_to_exclude.to_string())],
            )),
            "day_heading": self.format("fieldwork.day", &[("zone", &self.zone())]),
            "moe_reached": self.format("fieldwork.moe_reached", &[("moe", &self.margin(p.margin_of_error))]),
            "counties": p.by_stratum.iter().map(|s| self.county(s)).collect::<Vec<_>>(),
            "city": {
                "completed": p.completed,
                "usable": p.usable(),
                "target": p.target.map_or_else(|| "—".to_owned(), |t| t.to_string()),
                "share": p.target.map(|t| percent(p.usable() as f64 / f64::from(t.max(1)))).unwrap_or_default(),
                "moe": self.margin(p.margin_of_error),
                "flagged": p.flagged,
            },
            // A trial run's responses count like residents' until they are deleted: said at the
            // top of every page that counts them, before anyone publishes them.
            "simulated": (p.simulated > 0).then(|| self.format(
                if self.survey.record.state == crate::lifecycle::SurveyState::Published {
                    "fieldwork.simulated_published"
                } else {
                    "fieldwork.simulated"
                },
                &[("count", &p.simulated.to_string())],
            )),
            "other_strata": (p.other_strata > 0).then(|| self.format(
                "fieldwork.other_strata",
                &[("count", &p.other_strata.to_string())],
            )),
            "flags": self.flags(),
            "channels": self.channels(),
            "days": days,
            "day_chart": day_chart,
        })
    }
}
