//! `minyi survey …` (check, import, list, open, close, publish, status) and `minyi purge`: survey
//! files and their lifecycle.

use crate::catalog::CatalogError;
use crate::lifecycle::Transition;
use crate::survey::{Lang, Said, Survey};

use super::{catalog, describe, SurveyCommand};

/// Says the survey-file checker's sentences to the person at this terminal: in Chinese, as the
/// import page says them, when the terminal's language is Chinese ([`terminal_lang`]); else in
/// English.
struct Terminal(Option<crate::web::Messages>);

impl Terminal {
    fn new() -> Terminal {
        Terminal(match terminal_lang() {
            Lang::Zh => crate::web::Messages::load().ok(),
            Lang::En => None,
        })
    }

    fn say(&self, said: &Said) -> String {
        match &self.0 {
            Some(m) => m.said(Lang::Zh, said),
            None => said.to_string(),
        }
    }

    /// A note on a file that is valid but worth a word before its import.
    fn note(&self, said: &Said) -> String {
        match &self.0 {
            Some(_) => format!("提示：{}", self.say(said)),
            None => format!("note: {said}"),
        }
    }

    /// Why a survey file was refused: its mistakes, each on a line; or, when it could not be
    /// read at all, why and what to do. Other errors keep the command line's English.
    fn refusal(&self, error: CatalogError) -> anyhow::Error {
        let Some(m) = &self.0 else {
            return error.into();
        };
        let lines: Vec<String> = match &error {
            CatalogError::File(mistakes) => mistakes
                .problems
                .iter()
                .map(|p| {
                    let said = crate::web::file_mistakes::in_one_line(m, Lang::Zh, p);
                    format!("{}：{said}", mistakes.file)
                })
                .collect(),
            CatalogError::Read { .. } | CatalogError::NotUtf8 { .. } => error
                .said_details()
                .unwrap_or_default()
                .iter()
                .map(|said| self.say(said))
                .collect(),
            _ => return error.into(),
        };
        SaidInChinese(lines.join("\n")).into()
    }
}

/// An error already said in Chinese for a Chinese terminal: printed after 错误：, not the
/// English `error:` (`cli::run`).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(super) struct SaidInChinese(String);

/// The language a person at this terminal reads: `MINYI_LANG` (`zh` or `en`) if set, else
/// Chinese when the first of `LC_ALL`, `LC_MESSAGES` and `LANG` that is set begins with `zh`.
fn terminal_lang() -> Lang {
    let chosen = ["MINYI_LANG", "LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()));
    match chosen {
        Some(value) if value.to_lowercase().starts_with("zh") => Lang::Zh,
        _ => Lang::En,
    }
}

pub(super) fn survey(command: SurveyCommand) -> anyhow::Result<()> {
    match command {
        SurveyCommand::Check { file } => {
            let terminal = Terminal::new();
            let source =
                crate::catalog::read_survey_text(&file).map_err(|e| terminal.refusal(e))?;
            let survey = Survey::from_toml(&source, &file.display().to_string())
                .map_err(|e| terminal.refusal(e.into()))?;
            println!(
                "{}: {}",
                file.display(),
                terminal.say(&survey.check_passed(&crate::survey::version_of(&source)))
            );
            // Valid, but worth a word before the import: what a copy of the example keeps.
            for note in survey.file_notes() {
                println!("{}", terminal.note(&note));
            }
            let today = survey.local_date(chrono::Utc::now());
            if let Some(dates) = survey.outside_fieldwork(today) {
                println!("{}", terminal.note(&dates));
            }
            Ok(())
        }
        SurveyCommand::Import { file } => {
            // A file's mistakes as `survey check` says them (in Chinese to a Chinese terminal).
            let terminal = Terminal::new();
            let report = catalog()?
                .import_file(&file)
                .map_err(|e| terminal.refusal(e))?;
            println!(
                "imported {} as survey {} version {}{}{}",
                file.display(),
                report.survey_id,
                report.version,
                describe(report.outcome),
                if report.opened { "; opened" } else { "" }
            );
            // The file was just read and accepted, so it reads again (by the rules it was
            // accepted under: a version stored before a newer rule is accepted as it was).
            let source = crate::catalog::read_survey_text(&file)?;
            let survey = Survey::from_stored_toml(&source, &file.display().to_string())?;
            for note in survey.file_notes() {
                println!("{}", terminal.note(&note));
            }
            Ok(())
        }
        SurveyCommand::List => {
            let catalog = catalog()?;
            for survey in catalog.list()? {
                let total: i64 = catalog
                    .responses_by_stratum(&survey)?
                    .iter()
                    .map(|(_, n)| n)
                    .sum();
                println!(
                    "{}\t{}\t{} responses\t{}",
                    survey.record.id, survey.record.state, total, survey.definition.title.zh
                );
            }
            Ok(())
        }
        SurveyCommand::Open { id } => transition(&id, Transition::Open),
        SurveyCommand::Close { id } => transition(&id, Transition::Close),
        SurveyCommand::Publish {
            id,
            notify,
            simulated,
        } => publish(&id, &notify, simulated),
        SurveyCommand::Status { id, json } => status(&id, json),
        SurveyCommand::Source { id, version } => {
            print!("{}", catalog()?.file_text(&id, version.as_deref())?);
            Ok(())
        }
    }
}

fn transition(id: &str, action: Transition) -> anyhow::Result<()> {
    let catalog = catalog()?;
    let state =
        crate::transitions::open_or_close(&catalog, id, action, crate::audit::COMMAND_LINE)?;
    println!("survey {id} is now {state}");
    if action == Transition::Open {
        let survey = catalog.require(id)?.definition;
        if let Some(note) = survey.outside_fieldwork(survey.local_date(chrono::Utc::now())) {
            eprintln!("note: {note}");
        }
    }
    Ok(())
}

pub(super) fn publish(id: &str, notify: &[String], simulated: Option<u64>) -> anyhow::Result<()> {
    let evaluators = notify
        .iter()
        .map(|a| {
            a.trim().parse::<lettre::Address>().map_err(|_| {
                anyhow::anyhow!("--notify: {a:?} is not an address such as name@example.org")
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let catalog = catalog()?;
    // `transitions::publish` refuses simulated responses stored without their number. A
    // number given for a survey that holds none is most likely the wrong survey; checked for
    // a closed survey, since another state is refused for its own reason first.
    let closed = catalog.require(id)?.record.state == crate::lifecycle::SurveyState::Closed;
    let stored = crate::analysis::stored_fieldwork_progress(&catalog, id)?.simulated;
    let given = simulated.map(|n| i64::try_from(n).unwrap_or(i64::MAX));
    if closed && stored == 0 && given.is_some_and(|n| n > 0) {
        anyhow::bail!(
            "survey {id} holds no simulated responses, not {}: is it the survey you meant? \
             Publish it without --simulated",
            simulated.unwrap_or(0)
        );
    }
    let accounts = crate::accounts::Accounts::new(catalog.database().clone())?;
    let told = crate::publishing::addresses_to_notify(&accounts, id, &evaluators)?.len();
    let results = crate::transitions::publish(
        &catalog,
        &accounts,
        id,
        crate::audit::COMMAND_LINE,
        &evaluators,
        given,
    )?;
    let city = &results.evaluation.domains[0];
    println!(
        "survey {id} is now published (version {}); city component {} of {:.1} points from {} responses",
        results.version,
        crate::evaluation::points_shown(city.points),
        city.max_points,
        results.evaluation.responses.used
    );
    if let Some(warning) = super::release::census_warning(&results.evaluation) {
        eprintln!("{warning}");
    }
    if results.result_set.is_none() {
        eprintln!(
            "warning: no result set could be made (too few rows to weight once k-anonymous), so \
             the figures published are those of every stored response and cannot be recomputed \
             by evaluators; the public page says so"
        );
    }
    if results.evaluation.includes_simulated {
        eprintln!("warning: the published results include simulated responses");
    }
    if told == 0 {
        println!(
            "nobody is told by mail: no evaluator is granted the survey and no --notify address \
             was given (`minyi grant` gives one the survey; tell them the results are out)"
        );
    } else {
        println!(
            "{told} address{} (evaluators granted the survey, and --notify) will be told by mail; \
             the server sends it",
            if told == 1 { "" } else { "es" }
        );
    }
    Ok(())
}

pub(super) fn status(id: &str, json: bool) -> anyhow::Result<()> {
    let catalog = catalog()?;
    let survey = catalog.require(id)?;
    let by_stratum = catalog.responses_by_stratum(&survey)?;
    let total: i64 = by_stratum.iter().map(|(_, n)| n).sum();
    let campaign = crate::invitations::campaign_status(&catalog, id)?;
    let total_uptake = campaign.uptake.as_ref().map(|u| &u.total);
    let invitations = total_uptake.map_or((0, 0), |t| (t.invited, t.invited - t.answered));
    let mail = (campaign.mail_waiting, campaign.mail_failed);
    let (failure_reasons, reminder_rounds) = (&campaign.failure_reasons, &campaign.reminder_rounds);
    let retry_reasons = &campaign.retry_reasons;
    if json {
        let counts: serde_json::Map<String, serde_json::Value> = by_stratum
            .iter()
            .map(|(code, n)| (code.clone(), (*n).into()))
            .collect();
        let status = serde_json::json!({
            "invitations": {
                "all": invitations.0,
                "unused": invitations.1,
                "unused_without_address": campaign.unreachable,
                "unused_reminders_declined": campaign.reminders_declined,
                "by_stratum": campaign.uptake.iter().flat_map(|u| &u.counties).map(|c| serde_json::json!({
                    "stratum": c.code, "invited": c.invited, "answered": c.answered,
                })).collect::<Vec<_>>(),
            },
            "mail": {
                "waiting": mail.0,
                "failed": mail.1,
                "failure_reasons": failure_reasons.iter().map(|(reason, count)| serde_json::json!({
                    "reason": reason, "messages": count,
                })).collect::<Vec<_>>(),
                "retry_reasons": retry_reasons.iter().map(|(reason, count)| serde_json::json!({
                    "reason": reason, "messages": count,
                })).collect::<Vec<_>>(),
            },
            "reminder_rounds": reminder_rounds.iter().map(|r| serde_json::json!({
                "round": r.round, "queued_on": r.queued_on, "reminders": r.reminders,
            })).collect::<Vec<_>>(),
            "id": survey.record.id,
            "state": survey.record.state,
            "version": survey.record.current_version,
            "responses": total,
            "by_stratum": counts,
            "opened_at": survey.record.opened_at,
            "closed_at": survey.record.closed_at,
            "published_at": survey.record.published_at,
        });
        println!("{status}");
    } else {
        println!(
            "survey {} ({})",
            survey.record.id, survey.definition.title.zh
        );
        println!("state    {}", survey.record.state);
        println!("version  {}", survey.record.current_version);
        println!("responses {total}");
        if invitations.0 > 0 || mail != (0, 0) {
            let unreachable = match campaign.unreachable {
                0 => String::new(),
                n => format!(", {n} of them without address or link since a close"),
            };
            let declined = match campaign.reminders_declined {
                0 => String::new(),
                n => format!(", {n} of them asked for no more reminders"),
            };
            println!(
                "invitations {} ({} unused{unreachable}{declined}); mail waiting {}, failed {}",
                invitations.0, invitations.1, mail.0, mail.1
            );
        }
        for county in campaign.uptake.iter().flat_map(|u| &u.counties) {
            println!(
                "  invited {:<12} {} answered of {} ({})",
                county.code.as_deref().unwrap_or("(no county)"),
                county.answered,
                county.invited,
                county.rate_text()
            );
        }
        for (reason, count) in failure_reasons {
            println!("  failed: {count} × {reason}");
        }
        for (reason, count) in retry_reasons {
            println!("  waiting to be tried again: {count} × {reason}");
        }
        if mail.1 > 0 {
            println!(
                "  once the mail server works, `minyi mail retry {}` sends them again (a refusal \
                 of one address, such as 5.1.1 user unknown, fails the same way again)",
                survey.record.id
            );
        }
        for r in reminder_rounds {
            println!(
                "reminder round {} on {}: {} reminders",
                r.round, r.queued_on, r.reminders
            );
        }
        for (code, n) in &by_stratum {
            let target = survey
                .definition
                .stratum(code)
                .and_then(|s| s.target_sample)
                .map_or(String::new(), |t| format!(" / {t}"));
            println!("  {code:<12} {n}{target}");
        }
    }
    Ok(())
}

pub(super) fn purge(id: &str) -> anyhow::Result<()> {
    let today = chrono::Utc::now().date_naive();
    let report = crate::retention::purge(&catalog()?, id, today)?;
    println!(
        "survey {id}: purged {} responses (free text deleted from {}, {} duplicates kept as flags); \
         client hashes, the survey secret and its mail given up on are gone",
        report.responses, report.free_text_deleted, report.duplicates_kept
    );
    Ok(())
}
