//! Fieldwork from the command line: `progress`, `invite`, `remind`, and the synthetic data of
//! `simulate` and `forms` (load tests).

use super::{catalog, Format};

pub(super) fn progress(id: &str, format: Format) -> anyhow::Result<()> {
    let p = crate::analysis::fieldwork_progress(&catalog()?, id)?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&p)?),
        Format::Csv => {
            let bytes = crate::release::bulletin_csv(&p, crate::release::Encoding::Utf8WithBom)?;
            std::io::Write::write_all(&mut std::io::stdout(), &bytes)?;
        }
        Format::Table => {
            let percent =
                |v: Option<f64>| v.map_or("—".to_owned(), |v| format!("{:.0}%", v * 100.0));
            let moe = |v: Option<f64>| v.map_or("—".to_owned(), |v| format!("±{:.1}", v * 100.0));
            println!(
                "survey {id}: {} responses, {} usable{}",
                p.completed,
                p.usable(),
                p.target
                    .map_or(String::new(), |t| format!(" of {t} targeted"))
            );
            // The county's name last: Chinese characters are two columns wide on a terminal,
            // which padding by characters would misalign.
            println!(
                "  {:<12} {:>9} {:>6} {:>7} {:>6} {:>8} {:>8}  name",
                "county", "completed", "usable", "target", "share", "95% moe", "flagged"
            );
            for s in &p.by_stratum {
                println!(
                    "  {:<12} {:>9} {:>6} {:>7} {:>6} {:>8} {:>8}  {}",
                    s.code,
                    s.completed,
                    s.usable,
                    s.target.map_or("—".to_owned(), |t| t.to_string()),
                    percent(s.share_of_target),
                    moe(s.margin_of_error),
                    s.flagged,
                    s.name.zh
                );
            }
            for (flag, n) in &p.flags {
                println!("  flagged {flag}: {n}");
            }
            for (day, n) in &p.by_day {
                println!("  {day}: {n}");
            }
        }
    }
    Ok(())
}

/// Refuses to mail residents a date to answer by that has passed, unless told to: the
/// messages go out within seconds of being queued, so a warning afterwards comes too late.
fn answer_by_date_not_passed(
    definition: &crate::survey::Survey,
    what: &str,
    after_fieldwork: bool,
) -> anyhow::Result<()> {
    let today = definition.local_date(chrono::Utc::now());
    if today > definition.fieldwork_end && !after_fieldwork {
        anyhow::bail!(
            "nothing queued: the {what} would ask residents to answer by {}, which has passed \
             (the survey file's fieldwork_end). Change fieldwork_end in the file and import it \
             (`minyi survey import FILE`, a new version), or add --after-fieldwork to send \
             them as they are",
            definition.fieldwork_end
        );
    }
    Ok(())
}

pub(super) fn invite(
    id: &str,
    emails: &std::path::Path,
    after_fieldwork: bool,
    only_new_addresses: bool,
) -> anyhow::Result<()> {
    use crate::invitations::EarlierAddresses;
    let catalog = catalog()?;
    let survey = catalog.require(id)?;
    // Both refusals at once: a list mended first and then refused for its date costs a run.
    let date = answer_by_date_not_passed(&survey.definition, "invitations", after_fieldwork);
    let addresses = match (
        crate::invitations::read_address_list(emails, &survey.definition),
        date,
    ) {
        (Ok(addresses), Ok(())) => addresses,
        (Ok(_), Err(date)) => return Err(date),
        (Err(list), Ok(())) => return Err(list.into()),
        (Err(list), Err(date)) => anyhow::bail!("{list}\n\n{date}"),
    };
    let earlier = if only_new_addresses {
        EarlierAddresses::ListHasNoneOfThem
    } else {
        EarlierAddresses::MustBeKnown
    };
    let today = survey.definition.local_date(chrono::Utc::now());
    let report = crate::invitations::invite_with(&catalog, id, &addresses, today, earlier)?;
    print!(
        "survey {id}: invitations created: {}; addresses invited earlier, not invited again: {}",
        report.created, report.already_invited
    );
    if report.created > 0 {
        print!("; `minyi serve` mails them, at most MINYI_MAIL_RATE a minute");
    }
    println!();
    if report.created > 0 && survey.definition.contact.is_none() {
        eprintln!(
            "note: the survey file has no [survey] contact, so the invitations name no one a \
             resident could ask about the survey or check it with; add one \
             (docs/survey-format.md) before the messages go out"
        );
    }
    Ok(())
}

pub(super) fn remind(id: &str, force: bool, after_fieldwork: bool) -> anyhow::Result<()> {
    use crate::invitations::Spacing;
    let catalog = catalog()?;
    let definition = catalog.require(id)?.definition;
    answer_by_date_not_passed(&definition, "reminders", after_fieldwork)?;
    let today = definition.local_date(chrono::Utc::now());
    let spacing = if force {
        Spacing::Overridden
    } else {
        Spacing::Kept
    };
    let report = crate::invitations::remind(&catalog, id, today, spacing)?;
    // Invitations a close left without an address are said apart: no reminder reaches them.
    let unreachable = (report.unreachable > 0).then(|| {
        format!(
            "{} invitations not used yet lost their addresses when the survey was closed: no \
             reminder can reach them, and any link sent to them no longer works",
            report.unreachable
        )
    });
    // So are those invited too lately to be written to again.
    let lately = (report.invited_lately > 0).then(|| {
        let since = if force {
            "today".to_owned()
        } else {
            format!(
                "less than {} days ago",
                crate::invitations::MIN_DAYS_BETWEEN_REMINDERS
            )
        };
        format!(
            "{} invitations not used yet were made {since}: they get no reminder in this \
             round, so as not to follow their invitation at once",
            report.invited_lately
        )
    });
    let notes: Vec<String> = [unreachable, lately].into_iter().flatten().collect();
    let Some(round) = report.round else {
        if notes.is_empty() {
            println!(
                "survey {id}: no reminders queued: every invitation is used, or still has a \
                 message waiting to be sent"
            );
        } else {
            println!(
                "survey {id}: no reminders queued. {}. Any other invitation is used, or still \
                 has a message waiting to be sent",
                notes.join(". ")
            );
        }
        return Ok(());
    };
    for note in notes {
        println!("note: {note}");
    }
    let previous = report.previous.map_or(String::new(), |last| {
        format!(" (round {} was on {})", last.round, last.queued_on)
    });
    println!(
        "survey {id}: reminder round {round}{previous}: {} reminders queued to invitations not \
         used yet; `minyi serve` mails them, at most MINYI_MAIL_RATE a minute",
        report.queued
    );
    Ok(())
}

pub(super) fn retry_mail(id: &str) -> anyhow::Result<()> {
    let queued =
        crate::invitations::retry_failed_mail(&catalog()?, id, crate::audit::COMMAND_LINE)?;
    if queued == 0 {
        println!("survey {id}: no message was given up on; nothing to send again");
    } else {
        println!(
            "survey {id}: {queued} messages queued again; `minyi serve` mails them, at most \
             MINYI_MAIL_RATE a minute"
        );
    }
    Ok(())
}

pub(super) fn simulate(id: &str, responses: usize, seed: u64) -> anyhow::Result<()> {
    let report = crate::analysis::add_simulated(&catalog()?, id, responses, seed)?;
    println!(
        "survey {id}: {} simulated responses stored (channel \"simulated\"), {} already there from an earlier run with seed {seed}",
        report.stored, report.already_stored
    );
    if report.refused > 0 {
        anyhow::bail!(
            "{} simulated forms failed the survey's validation",
            report.refused
        );
    }
    Ok(())
}

pub(super) fn remove_simulated(id: &str) -> anyhow::Result<()> {
    let deleted = crate::analysis::remove_simulated(&catalog()?, id, crate::audit::COMMAND_LINE)?;
    println!("survey {id}: {deleted} simulated responses deleted; residents' responses untouched");
    Ok(())
}

pub(super) fn forms(
    id: &str,
    count: usize,
    seed: u64,
    out: &std::path::Path,
) -> anyhow::Result<()> {
    use std::io::Write;
    let catalog = catalog()?;
    let survey = catalog.require(id)?;
    let key = {
        let mut conn = catalog.database().conn()?;
        crate::storage::server_key(&mut conn, crate::startup::FORM_TOKEN_KEY, || {
            hex::encode(rand::random::<[u8; 32]>())
        })?
    };
    let tokens = crate::web::FormTokens::new(key.as_bytes());
    let now = chrono::Utc::now().timestamp();
    // Never over an existing file: --out mistyped as a backup's name would destroy it.
    let file = std::fs::File::options()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => anyhow::anyhow!(
                "{} already exists; choose a new file name (forms are never written over a file)",
                out.display()
            ),
            _ => anyhow::anyhow!("cannot write {}: {e}", out.display()),
        })?;
    let mut file = std::io::BufWriter::new(file);
    for form in crate::simulate::simulate(&survey.definition, count, seed) {
        // Rendered as long ago as the simulated resident took, so durations look real.
        let token = tokens.issue(id, now - i64::from(form.duration_seconds));
        let mut fields = form.fields;
        fields.push(("_token".to_owned(), token));
        writeln!(file, "{}", serde_urlencoded::to_string(&fields)?)?;
    }
    file.flush()?;
    println!(
        "{count} signed forms for survey {id} written to {}",
        out.display()
    );
    Ok(())
}
