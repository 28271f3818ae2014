//! Accounts from the command line: `user add|list|password|remove`, `grant` and `revoke`.

use super::{accounts, UserCommand};

pub(super) fn user(command: UserCommand) -> anyhow::Result<()> {
    use crate::accounts::{Email, Role};
    match command {
        UserCommand::Add { email, role } => {
            let email = Email::parse(&email)?;
            let role = Role::parse(&role).ok_or_else(|| {
                anyhow::anyhow!("--role {role:?} is not a role; use admin, publisher or evaluator")
            })?;
            let (password, generated) = read_password()?;
            let account =
                accounts()?.add_user(&email, role, &password, crate::audit::COMMAND_LINE)?;
            println!("added {} ({})", account.email, account.role);
            show_once(&password, generated);
            Ok(())
        }
        UserCommand::Password { email } => {
            let email = Email::parse(&email)?;
            let (password, generated) = read_password()?;
            let account =
                accounts()?.reset_password(&email, &password, crate::audit::COMMAND_LINE)?;
            println!(
                "new password set for {}; signed out everywhere, and the account's lock-out lifted",
                account.email
            );
            show_once(&password, generated);
            Ok(())
        }
        UserCommand::Remove { email } => {
            let email = Email::parse(&email)?;
            let account = accounts()?.remove(&email, crate::audit::COMMAND_LINE)?;
            println!(
                "removed {} ({}) and its grants; its sessions have ended",
                account.email, account.role
            );
            Ok(())
        }
        UserCommand::List => {
            let accounts = accounts()?;
            for account in accounts.list()? {
                let granted = accounts.granted_surveys(&account)?;
                println!("{}\t{}\t{}", account.email, account.role, granted.join(","));
            }
            Ok(())
        }
    }
}

/// Prints a generated password, the only time it is shown.
fn show_once(password: &crate::accounts::Password, generated: bool) {
    if generated {
        println!(
            "password (shown once; give it to them privately): {}",
            password.expose()
        );
    }
}

/// The password to set: standard input when it carries one, else a generated one.
fn read_password() -> anyhow::Result<(crate::accounts::Password, bool)> {
    use std::io::{IsTerminal, Read};
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok((crate::accounts::Password::generate(), true));
    }
    let mut text = String::new();
    stdin
        .lock()
        .read_to_string(&mut text)
        .map_err(|e| anyhow::anyhow!("cannot read the password from standard input: {e}"))?;
    if text.trim().is_empty() {
        return Ok((crate::accounts::Password::generate(), true));
    }
    Ok((crate::accounts::Password::parse(&text)?, false))
}

pub(super) fn grant(email: &str, survey: &str) -> anyhow::Result<()> {
    let email = crate::accounts::Email::parse(email)?;
    match accounts()?.grant(&email, survey, crate::audit::COMMAND_LINE)? {
        crate::accounts::GrantOutcome::Granted => {
            println!(
                "{} may now download the result sets of survey {survey}",
                email.as_str()
            )
        }
        crate::accounts::GrantOutcome::AlreadyGranted => {
            println!("{} already had survey {survey}", email.as_str())
        }
    }
    Ok(())
}

pub(super) fn revoke(email: &str, survey: &str) -> anyhow::Result<()> {
    let email = crate::accounts::Email::parse(email)?;
    if accounts()?.revoke(&email, survey, crate::audit::COMMAND_LINE)? {
        println!(
            "{} may no longer download the result sets of survey {survey}",
            email.as_str()
        );
    } else {
        // A mistyped id is said so, as `grant` says it, rather than reported as done.
        super::catalog()?.require(survey)?;
        println!(
            "{} did not have survey {survey}; nothing changed",
            email.as_str()
        );
    }
    Ok(())
}
