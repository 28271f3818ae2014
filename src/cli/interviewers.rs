//! Interviewer links from the command line: `interviewer issue|list|withdraw`.

use super::{catalog, InterviewerCommand};
use crate::config::Settings;
use crate::interviewers::{issue, links, withdraw, WhichLink};
use crate::lifecycle::SurveyState;

pub(super) fn interviewer(command: InterviewerCommand) -> anyhow::Result<()> {
    let actor = crate::audit::COMMAND_LINE;
    match command {
        InterviewerCommand::Issue { id, label, county } => {
            let settings = Settings::from_env()?;
            let issued = issue(&catalog()?, &id, &label, county.as_deref(), actor)?;
            let port = settings
                .bind
                .rsplit_once(':')
                .and_then(|(_, port)| port.parse().ok())
                .unwrap_or(8080);
            let base = crate::startup::base_url(&settings, port);
            let county = issued
                .link
                .stratum
                .as_deref()
                .map_or(String::new(), |county| format!(", county {county}"));
            println!(
                "interviewer link {}{county} for survey {id} (shown once; give it to the \
                 interviewer privately, it works until withdrawn or the survey closes):",
                issued.link.label
            );
            println!("{}", issued.address(&base));
            if let Some(note) = state_note(catalog()?.require(&id)?.record.state) {
                println!("note: survey {id} {}", note.replace("ID", &id));
            }
            if settings.public_url.is_none() {
                println!(
                    "note: MINYI_PUBLIC_URL is not set, so the link names {base}; set it to the \
                     address interviewers reach the server at"
                );
            }
            Ok(())
        }
        InterviewerCommand::List { id } => {
            let catalog = catalog()?;
            let links = links(&catalog, &id)?;
            println!("label\tcounty\tissued\twithdrawn");
            for link in &links {
                println!(
                    "{}\t{}\t{}\t{}",
                    link.label,
                    link.stratum.as_deref().unwrap_or("—"),
                    link.issued_on,
                    link.withdrawn_on.as_deref().unwrap_or("—")
                );
            }
            if let Some(note) = state_note(catalog.require(&id)?.record.state) {
                println!("note: survey {id} {}", note.replace("ID", &id));
            }
            Ok(())
        }
        InterviewerCommand::Withdraw { id, label } => {
            withdraw(&catalog()?, &id, WhichLink::Label(&label), actor)?;
            println!(
                "interviewer link {} of survey {id} withdrawn: forms sent through it are refused",
                label.trim()
            );
            Ok(())
        }
    }
}

/// What the survey's state means for its links, when they do not simply work.
fn state_note(state: SurveyState) -> Option<&'static str> {
    match state {
        SurveyState::Draft => {
            Some("is a draft: its links work once it opens (`minyi survey open ID`)")
        }
        SurveyState::Open => None,
        SurveyState::Closed | SurveyState::Published => {
            Some("is closed: none of its links works any more")
        }
    }
}
