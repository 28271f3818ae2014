//! `[rubric]`, `[quality]` and `[privacy]`.

use super::repeated;
use crate::survey::definition::PrivacyRules;
use crate::survey::error::{said, Problems, Said};
use crate::survey::file::{RawFile, RawPrivacy, RawQuality};
use crate::survey::load::questions::Questions;
use crate::survey::quality::{QualityFlag, QualityRules};

/// `[rubric] total_points`, when given, is a check that the indicators' points add up to it.
/// Skipped while an indicator block cannot be read (its points are unknown).
pub(crate) fn rubric(file: &RawFile, problems: &mut Problems) {
    let Some(raw) = &file.rubric else {
        return;
    };
    let points_valid = file
        .indicators
        .iter()
        .all(|block| block.raw.points.is_finite() && block.raw.points >= 0.0);
    if file.unreadable.indicators > 0 || !points_valid {
        return;
    }
    let total: f64 = file.indicators.iter().map(|block| block.raw.points).sum();
    if (total - raw.total_points).abs() > 1e-9 {
        problems.expect_found(
            "rubric.total_points",
            said!(
                "total_points",
                "the sum of the indicators' points ({total}); change an indicator's points or this total",
                total = total
            ),
            Said::as_written(raw.total_points),
        );
    }
}

/// `[quality]`: each rule used by `exclude` must be set.
pub(crate) fn quality(
    raw: Option<&RawQuality>,
    questions: &Questions,
    problems: &mut Problems,
) -> QualityRules {
    let Some(raw) = raw else {
        return QualityRules::default();
    };
    if raw.min_duration_seconds == Some(0) {
        problems.expect_found(
            "quality.min_duration_seconds",
            said!(
                "min_duration",
                "a number of seconds of at least 1 (or leave the key out)"
            ),
            Said::as_written(0),
        );
    }
    if let Some(min_items) = raw.straightlining_min_items {
        let largest = questions
            .list
            .iter()
            .map(|question| question.items().len())
            .max()
            .unwrap_or(0);
        if min_items < 2 {
            problems.expect_found(
                "quality.straightlining_min_items",
                said!(
                    "straightlining_items",
                    "a number of matrix items of at least 2"
                ),
                Said::as_written(min_items),
            );
        } else if largest == 0 && questions.unreadable.is_empty() {
            problems.expect(
                "quality.straightlining_min_items",
                said!(
                    "no_straightlining",
                    "no straightlining rule: the survey has no matrix question"
                ),
            );
        } else if min_items > largest && questions.unreadable.is_empty() {
            problems.expect_found(
                "quality.straightlining_min_items",
                said!(
                    "straightlining_at_most",
                    "at most {largest}, the most items of any matrix question (or the rule never applies)",
                    largest = largest
                ),
                Said::as_written(min_items),
            );
        }
    }
    let names: Vec<&str> = raw.exclude.iter().map(|flag| flag.name()).collect();
    let twice = repeated(names.iter().copied());
    if !twice.is_empty() {
        problems.expect_found(
            "quality.exclude",
            said!("flag_once", "each flag once"),
            Said::as_written(twice.join(", ")),
        );
    }
    for flag in &raw.exclude {
        let (set, key) = match flag {
            QualityFlag::TooFast => (raw.min_duration_seconds.is_some(), "min_duration_seconds"),
            QualityFlag::Straightlining => (
                raw.straightlining_min_items.is_some(),
                "straightlining_min_items",
            ),
            // Always computed from the client hashes: no rule to set.
            QualityFlag::DuplicateClient => (true, ""),
        };
        if !set {
            problems.expect(
                format!("quality.{key}"),
                said!(
                    "excluded_flag_rule",
                    "a value: exclude lists \"{flag}\", which needs this rule",
                    flag = flag.name()
                ),
            );
        }
    }
    let mut exclude = raw.exclude.clone();
    exclude.sort();
    exclude.dedup();
    QualityRules {
        min_duration_seconds: raw.min_duration_seconds,
        straightlining_min_items: raw.straightlining_min_items,
        exclude,
    }
}

/// `[privacy]`, with defaults for keys left out.
pub(crate) fn privacy(raw: Option<&RawPrivacy>, problems: &mut Problems) -> PrivacyRules {
    let defaults = PrivacyRules::default();
    let Some(raw) = raw else {
        return defaults;
    };
    let rules = PrivacyRules {
        k_anonymity: raw.k_anonymity.unwrap_or(defaults.k_anonymity),
        min_public_cell: raw.min_public_cell.unwrap_or(defaults.min_public_cell),
        retention_days: raw.retention_days.unwrap_or(defaults.retention_days),
    };
    if rules.k_anonymity < 2 {
        problems.expect_found(
            "privacy.k_anonymity",
            said!("k_anonymity", "at least 2: a group of one is one person"),
            Said::as_written(rules.k_anonymity),
        );
    }
    if rules.min_public_cell < rules.k_anonymity.max(1) {
        problems.expect_found(
            "privacy.min_public_cell",
            said!(
                "min_public_cell",
                "at least k_anonymity ({k}): a published cell is never smaller than an export group",
                k = rules.k_anonymity
            ),
            Said::as_written(rules.min_public_cell),
        );
    }
    if rules.retention_days == 0 {
        problems.expect_found(
            "privacy.retention_days",
            said!("retention_days", "a number of days of at least 1"),
            Said::as_written(0),
        );
    }
    rules
}
