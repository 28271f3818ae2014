//! The sampling design: `[strata]`, `[[margins]]`, `[weighting]`, and the questions with a
//! `role` they rest on.

use std::collections::BTreeSet;

use super::questions::{Lookup, Questions};
use super::{
    a_question_of_kind, is_code, label, more_than_once, not_a_question, quoted, repeated, source,
    text, CODE_RULE, INTERVIEWS_RULE, POPULATION_RULE,
};
use crate::survey::definition::{
    Margin, Question, QuestionKind, Role, Strata, Stratum, WeightingRules,
};
use crate::survey::error::{said, Problems, Said};
use crate::survey::file::{RawFile, RawWeighting};

/// Margin totals may differ from the strata population by at most this share; the
/// weighting rescales them to the strata total.
pub(crate) const MARGIN_TOTAL_TOLERANCE: f64 = 0.005;

/// `[strata]` and the one question with role `stratum`.
pub(crate) fn strata(
    file: &RawFile,
    questions: &Questions,
    problems: &mut Problems,
) -> Option<Strata> {
    let stratum_questions: Vec<&Question> = questions
        .list
        .iter()
        .filter(|question| question.role == Some(Role::Stratum))
        .collect();
    for extra in stratum_questions.iter().skip(1) {
        problems.expect_found(
            format!("{}.role", questions.path_of(&extra.id)),
            said!(
                "one_stratum_question",
                "role = \"stratum\" on one question only"
            ),
            said!(
                "second_stratum_question",
                "a second stratum question (\"{id}\" has it already)",
                id = stratum_questions.first().map_or("", |q| q.id.as_str())
            ),
        );
    }
    for question in &stratum_questions {
        role_question(question, "stratum", questions, problems);
    }
    let raw = file.strata.as_ref()?;
    let stratum_question = stratum_questions.first().copied();
    match (stratum_question, questions.lookup(&raw.question)) {
        (_, Lookup::Unreadable) => {}
        (Some(question), _) if question.id == raw.question => {}
        (Some(question), _) => problems.expect_found(
            "strata.question",
            said!(
                "strata_question_is_stratum",
                "\"{id}\", the question with role = \"stratum\"",
                id = question.id
            ),
            Said::quoted(&raw.question),
        ),
        (None, Lookup::Found(..)) => problems.expect(
            format!("{}.role", questions.path_of(&raw.question)),
            said!(
                "stratum_role",
                "role = \"stratum\": strata.question names this question"
            ),
        ),
        (None, Lookup::Unknown) => problems.expect_found(
            "strata.question",
            said!(
                "strata_question",
                "the id of the single-choice question with role = \"stratum\" (e.g. the county)"
            ),
            not_a_question(&raw.question),
        ),
    }
    let source = source("strata.source", &raw.source, problems);
    if raw.units.is_empty() {
        problems.expect(
            "strata.units",
            said!("strata_units", "at least one [[strata.units]] block"),
        );
    }
    let units: Vec<Stratum> = raw
        .units
        .iter()
        .enumerate()
        .map(|(index, unit)| {
            let path = format!("strata.units{}", label(Some(&unit.code), index));
            if !is_code(&unit.code) {
                problems.expect_found(format!("{path}.code"), CODE_RULE, Said::quoted(&unit.code));
            }
            if unit.population == 0 {
                problems.expect_found(
                    format!("{path}.population"),
                    POPULATION_RULE,
                    Said::as_written(0),
                );
            }
            for (key, value) in [("target_sample", unit.target_sample), ("quota", unit.quota)] {
                if value == Some(0) {
                    problems.expect_found(
                        format!("{path}.{key}"),
                        INTERVIEWS_RULE,
                        Said::as_written(0),
                    );
                }
            }
            if let (Some(target), Some(quota)) = (unit.target_sample, unit.quota) {
                if quota < target && quota > 0 {
                    problems.expect_found(
                        format!("{path}.quota"),
                        said!(
                            "quota",
                            "a quota of at least target_sample ({target})",
                            target = target
                        ),
                        Said::as_written(quota),
                    );
                }
            }
            Stratum {
                code: unit.code.clone(),
                name: text(&path, &unit.zh, &unit.en, problems),
                population: unit.population,
                target_sample: unit.target_sample,
                quota: unit.quota,
            }
        })
        .collect();
    let codes: Vec<&str> = units.iter().map(|unit| unit.code.as_str()).collect();
    let repeated_codes = repeated(codes.iter().copied());
    if !repeated_codes.is_empty() {
        problems.expect_found(
            "strata.units",
            said!("stratum_code_once", "each stratum code once"),
            more_than_once(&repeated_codes),
        );
    }
    if let Some(question) = stratum_question {
        let options: BTreeSet<&str> = question.choices().iter().map(|c| c.code.as_str()).collect();
        let strata: BTreeSet<&str> = codes.iter().copied().collect();
        let without_stratum: Vec<&str> = options.difference(&strata).copied().collect();
        let without_option: Vec<&str> = strata.difference(&options).copied().collect();
        if !without_stratum.is_empty() {
            problems.expect_found(
                format!("{}.options", questions.path_of(&question.id)),
                said!(
                    "stratum_for_every_option",
                    "a [[strata.units]] block for every option of the stratum question"
                ),
                said!(
                    "options_without_stratum",
                    "options without a stratum: {codes}",
                    codes = quoted(&without_stratum)
                ),
            );
        }
        if !without_option.is_empty() {
            problems.expect_found(
                "strata.units",
                said!(
                    "option_for_every_stratum",
                    "an option of question \"{id}\" for every stratum",
                    id = question.id
                ),
                said!(
                    "strata_without_option",
                    "strata without an option: {codes}",
                    codes = quoted(&without_option)
                ),
            );
        }
        // Residents pick their county by the option's label; results are published under the
        // stratum's name. Two names for one code would publish one county's answers as another's.
        for (index, unit) in units.iter().enumerate() {
            let Some(option) = question.choices().into_iter().find(|c| c.code == unit.code) else {
                continue;
            };
            let path = format!("strata.units{}", label(Some(&unit.code), index));
            for (key, name, picked) in [
                ("zh", &unit.name.zh, &option.label.zh),
                ("en", &unit.name.en, &option.label.en),
            ] {
                if name != picked {
                    problems.expect_found(
                        format!("{path}.{key}"),
                        said!(
                            "stratum_name",
                            "the name option \"{code}\" of question \"{id}\" shows residents, \
                             \"{picked}\" (the county they pick is the county its results are \
                             published under)",
                            code = unit.code,
                            id = question.id,
                            picked = picked
                        ),
                        Said::quoted(name),
                    );
                }
            }
        }
    }
    Some(Strata {
        question: raw.question.clone(),
        source,
        units,
    })
}

/// A question with a role: single-choice, required, always shown.
fn role_question(question: &Question, role: &str, questions: &Questions, problems: &mut Problems) {
    let path = questions.path_of(&question.id);
    if !matches!(question.kind, QuestionKind::Single { .. }) {
        problems.expect_found(
            format!("{path}.kind"),
            said!(
                "role_single",
                "\"single\": a question with role = \"{role}\" is single-choice",
                role = role
            ),
            Said::quoted(question.kind.name()),
        );
    }
    if !question.required {
        problems.expect_found(
            format!("{path}.required"),
            said!(
                "role_required",
                "true: every response needs an answer to a question with role = \"{role}\"",
                role = role
            ),
            Said::as_written(false),
        );
    }
    if question.show_if.is_some() {
        problems.expect(
            format!("{path}.show_if"),
            said!(
                "role_shown",
                "no show_if: a question with role = \"{role}\" is asked of everyone",
                role = role
            ),
        );
    }
}

/// `[[margins]]`: one per question with role `weighting`, a count for every option.
pub(crate) fn margins(
    file: &RawFile,
    questions: &Questions,
    strata: Option<&Strata>,
    problems: &mut Problems,
) -> Vec<Margin> {
    // The total is only compared when every population is valid (a bad one is reported
    // already, and would make every margin look off).
    let population: Option<f64> = strata
        .filter(|strata| strata.units.iter().all(|unit| unit.population > 0))
        .map(|strata| strata.units.iter().map(|unit| unit.population as f64).sum())
        .filter(|total| *total > 0.0);
    let mut margins = Vec::new();
    let mut seen = BTreeSet::new();
    for block in &file.margins {
        let raw = &block.raw;
        let path = block.path.as_str();
        if !seen.insert(raw.question.clone()) {
            problems.expect_found(
                format!("{path}.question"),
                said!("one_margin", "one [[margins]] block per question"),
                said!(
                    "second_margin",
                    "a second block for \"{id}\"",
                    id = raw.question
                ),
            );
            continue;
        }
        let source = source(&format!("{path}.source"), &raw.source, problems);
        let question = match questions.lookup(&raw.question) {
            Lookup::Found(_, question) => question,
            Lookup::Unreadable => continue,
            Lookup::Unknown => {
                problems.expect_found(
                    format!("{path}.question"),
                    said!(
                        "margin_question",
                        "the id of a single-choice question with role = \"weighting\""
                    ),
                    not_a_question(&raw.question),
                );
                continue;
            }
        };
        if question.role != Some(Role::Weighting) {
            problems.expect(
                format!("{}.role", questions.path_of(&question.id)),
                said!(
                    "weighting_role",
                    "role = \"weighting\": a [[margins]] block refers to this question"
                ),
            );
        }
        if !matches!(question.kind, QuestionKind::Single { .. }) {
            // Reported by the role check when the role is set; say it here otherwise.
            if question.role != Some(Role::Weighting) {
                problems.expect_found(
                    format!("{path}.question"),
                    said!("single_question", "a single-choice question"),
                    a_question_of_kind(&question.id, question.kind.name()),
                );
            }
            continue;
        }
        let options: Vec<&str> = question.choices().iter().map(|c| c.code.as_str()).collect();
        let missing: Vec<&str> = options
            .iter()
            .copied()
            .filter(|code| !raw.targets.contains_key(*code))
            .collect();
        let extra: Vec<&str> = raw
            .targets
            .keys()
            .map(String::as_str)
            .filter(|code| !options.contains(code))
            .collect();
        if !missing.is_empty() {
            problems.expect_found(
                format!("{path}.targets"),
                said!(
                    "count_for_every_option",
                    "a count for every option of question \"{id}\"",
                    id = question.id
                ),
                said!("no_count", "no count for {codes}", codes = quoted(&missing)),
            );
        }
        if !extra.is_empty() {
            problems.expect_found(
                format!("{path}.targets"),
                said!(
                    "only_option_codes",
                    "only option codes of question \"{id}\": {codes}",
                    id = question.id,
                    codes = quoted(&options)
                ),
                said!(
                    "not_options",
                    "not options: {codes}",
                    codes = quoted(&extra)
                ),
            );
        }
        for (code, count) in &raw.targets {
            if !(count.is_finite() && *count > 0.0) {
                problems.expect_found(
                    format!("{path}.targets.{code}"),
                    said!("population_count", "a population count greater than 0"),
                    Said::as_written(count),
                );
            }
        }
        let total: f64 = raw.targets.values().sum();
        if let Some(population) = population {
            let off = (total - population).abs() / population;
            if total.is_finite() && off > MARGIN_TOTAL_TOLERANCE {
                problems.expect_found(
                    format!("{path}.targets"),
                    said!(
                        "margin_total",
                        "counts adding up to the strata population {population} (within 0.5%)",
                        population = population
                    ),
                    said!(
                        "margin_total_off",
                        "a total of {total}, {off}% off",
                        total = total,
                        off = format!("{:.2}", off * 100.0)
                    ),
                );
            }
        }
        margins.push(Margin {
            question: question.id.clone(),
            source,
            targets: options
                .iter()
                .filter_map(|code| {
                    raw.targets
                        .get(*code)
                        .map(|count| (code.to_string(), *count))
                })
                .collect(),
        });
    }
    for question in questions
        .list
        .iter()
        .filter(|q| q.role == Some(Role::Weighting))
    {
        role_question(question, "weighting", questions, problems);
        if !seen.contains(&question.id) && !file.unreadable.margins.contains(&question.id) {
            problems.expect(
                format!("{}.role", questions.path_of(&question.id)),
                said!(
                    "margin_needed",
                    "a [[margins]] block for this question: role = \"weighting\" needs population counts"
                ),
            );
        }
    }
    margins
}

/// `[weighting]`, with defaults for keys left out.
pub(crate) fn weighting(raw: Option<&RawWeighting>, problems: &mut Problems) -> WeightingRules {
    let defaults = WeightingRules::default();
    let Some(raw) = raw else {
        return defaults;
    };
    let rules = WeightingRules {
        trim_min_factor: raw.trim_min_factor.unwrap_or(defaults.trim_min_factor),
        trim_max_factor: raw.trim_max_factor.unwrap_or(defaults.trim_max_factor),
        max_sweeps: raw.max_sweeps.unwrap_or(defaults.max_sweeps),
        tolerance: raw.tolerance.unwrap_or(defaults.tolerance),
    };
    if !(rules.trim_min_factor > 0.0 && rules.trim_min_factor <= 1.0) {
        problems.expect_found(
            "weighting.trim_min_factor",
            said!("trim_min_factor", "a factor greater than 0 and at most 1"),
            Said::as_written(rules.trim_min_factor),
        );
    }
    if !(rules.trim_max_factor >= 1.0 && rules.trim_max_factor.is_finite()) {
        problems.expect_found(
            "weighting.trim_max_factor",
            said!("trim_max_factor", "a factor of at least 1"),
            Said::as_written(rules.trim_max_factor),
        );
    }
    if !(1..=10_000).contains(&rules.max_sweeps) {
        problems.expect_found(
            "weighting.max_sweeps",
            said!("max_sweeps", "a number of raking sweeps from 1 to 10000"),
            Said::as_written(rules.max_sweeps),
        );
    }
    if !(rules.tolerance > 0.0 && rules.tolerance < 1.0) {
        problems.expect_found(
            "weighting.tolerance",
            said!(
                "tolerance",
                "a number greater than 0 and less than 1 (e.g. 1e-10)"
            ),
            Said::as_written(rules.tolerance),
        );
    }
    rules
}
