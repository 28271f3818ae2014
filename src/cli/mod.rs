//! The command line: its commands and options, and one function per command, in the module of
//! what it works on (`surveys`, `fieldwork`, `release`, `people`; serving and backup here).
//! `minyi` alone serves.

mod fieldwork;
mod interviewers;
mod people;
mod release;
mod surveys;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::catalog::Catalog;
use crate::config::Settings;
use crate::startup::Application;
use crate::storage::{Database, ImportOutcome, Schema};

use fieldwork::{forms, invite, progress, remind, remove_simulated, retry_mail, simulate};
use people::{grant, revoke, user};
use release::{check_release, comments, evaluate, export, verify, Figures};
use surveys::{purge, survey};

#[derive(Parser)]
#[command(
    name = "minyi",
    version = crate::BUILD,
    about = "Public satisfaction surveys, weighted and evaluated"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the surveys (the default): loads every file in MINYI_SURVEYS_DIR (surveys/ unless
    /// set) and listens on MINYI_BIND.
    Serve,
    /// Manage survey definitions and their lifecycle.
    #[command(subcommand)]
    Survey(SurveyCommand),
    /// Weight the stored responses and compute the evaluation component.
    Evaluate {
        id: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Only the released figures (the result set's and the public page's, computed from
        /// the k-anonymous release); an error while there are none. Without it they are
        /// printed once the survey is closed, and the stored responses' figures before.
        #[arg(long, conflicts_with = "stored")]
        as_released: bool,
        /// The figures of every stored response, even once released figures exist (these
        /// include the responses k-anonymity suppresses for release)
        #[arg(long)]
        stored: bool,
        /// For --format csv: excel, UTF-8 with a byte-order mark (Excel and WPS then show the
        /// Chinese names), or utf8 (R, Python, other programs)
        #[arg(long, value_enum, default_value_t = CsvEncoding::Excel)]
        encoding: CsvEncoding,
    },
    /// Delete a closed survey's free text, client hashes, secret and mail given up on now
    /// (otherwise done automatically `retention_days` after closing). The evaluation is
    /// unchanged.
    Purge { id: String },
    /// Check that a CSV is k-anonymous over the named quasi-identifier columns; exits non-zero
    /// naming each combination shared by fewer than K rows.
    CheckRelease {
        file: PathBuf,
        #[arg(long, default_value_t = 5)]
        k: usize,
        /// Quasi-identifier columns, comma-separated: --qi county,sex,age_band
        #[arg(long, value_delimiter = ',', required = true)]
        qi: Vec<String>,
    },
    /// Write the result set of a closed or published survey into DIR as
    /// resultset-ID-VERSION.zip, or resultset-ID-VERSION-utf8.zip (microdata, estimates,
    /// codebook, scripts, manifest).
    Export {
        id: String,
        #[arg(long)]
        out: PathBuf,
        /// excel: UTF-8 with a byte-order mark (Excel, WPS); utf8: plain UTF-8 (R, Python)
        #[arg(long, value_enum, default_value_t = CsvEncoding::Excel)]
        encoding: CsvEncoding,
    },
    /// Write what residents typed in a closed survey's free-text questions into DIR as
    /// comments-ID.csv (comments-ID-utf8.csv with --encoding utf8): sorted by question, county
    /// and text, with no link to the result set's rows. Audited. Kept until the purge
    /// (`retention_days` after the close).
    Comments {
        id: String,
        #[arg(long)]
        out: PathBuf,
        /// excel: UTF-8 with a byte-order mark (Excel, WPS); utf8: plain UTF-8 (R, Python)
        #[arg(long, value_enum, default_value_t = CsvEncoding::Excel)]
        encoding: CsvEncoding,
        /// The language of the question and county names: zh or en
        #[arg(long, default_value = "zh", value_parser = ["zh", "en"])]
        lang: String,
    },
    /// Check a result set: every hash, the Merkle root, and the weights, estimates, totals and
    /// evaluation recomputed from its microdata; exits non-zero naming the first discrepancy.
    Verify {
        file: PathBuf,
        /// The Merkle root the public results page shows: the file must hold exactly the
        /// published responses, not only agree with itself. It pins the rows only, not
        /// survey.toml's rules nor the descriptions: --expect-manifest pins every file.
        #[arg(long, value_name = "HEX")]
        expect_root: Option<String>,
        /// The manifest SHA-256 the public results page gives for this file's encoding, or
        /// recorded when the file was handed over.
        #[arg(long, value_name = "HEX")]
        expect_manifest: Option<String>,
    },
    /// Manage the accounts of the people who run Minyi.
    #[command(subcommand)]
    User(UserCommand),
    /// Give an evaluator a survey: they may then download its result sets.
    Grant {
        #[arg(long)]
        email: String,
        #[arg(long)]
        survey: String,
    },
    /// Take a survey back from an evaluator: they may no longer download its result sets.
    Revoke {
        #[arg(long)]
        email: String,
        #[arg(long)]
        survey: String,
    },
    /// Fieldwork progress by county: completed against target, margin of error, flags, per day.
    Progress {
        id: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Invite the addresses of a CSV file (columns: email, and optionally county and lang) to an
    /// open survey: one single-use link each, mailed by the server at MINYI_MAIL_RATE a minute.
    Invite {
        id: String,
        /// The CSV file; its first line names the columns: email, and optionally county (a code or
        /// name of the survey's counties) and lang (zh or en), e.g. email,county,lang
        #[arg(long)]
        emails: PathBuf,
        /// Send even though the survey file's fieldwork_end has passed (the messages ask
        /// residents to answer by that date)
        #[arg(long)]
        after_fieldwork: bool,
        /// The list holds no address invited to this survey before: needed once the survey
        /// has been closed and opened again (the close deleted the invited addresses)
        #[arg(long)]
        only_new_addresses: bool,
    },
    /// Links for interviewers, who enter the answers of the residents they interview (face to
    /// face or by telephone) on one device: stored with channel `interviewer`.
    #[command(subcommand)]
    Interviewer(InterviewerCommand),
    /// Mail a reminder, with a new link, to every invited address whose invitation is unused.
    /// Refused within 3 days of the survey's last reminder round, and after 3 rounds, unless
    /// --force
    Remind {
        id: String,
        /// Remind now even if the last round was less than 3 days ago, or was the third
        #[arg(long)]
        force: bool,
        /// Send even though the survey file's fieldwork_end has passed (the messages ask
        /// residents to answer by that date)
        #[arg(long)]
        after_fieldwork: bool,
    },
    /// Add plausible synthetic responses (channel `simulated`) to try the pipeline, or, with
    /// --remove, delete them all (residents' responses stay; refused once published).
    Simulate {
        id: String,
        #[arg(long, required_unless_present = "remove")]
        responses: Option<usize>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Delete the survey's simulated responses instead
        #[arg(long, conflicts_with = "responses")]
        remove: bool,
    },
    /// The mail outbox.
    #[command(subcommand)]
    Mail(MailCommand),
    /// Copy the SQLite database to FILE while it serves (PostgreSQL: use pg_dump).
    Backup {
        #[arg(long)]
        out: PathBuf,
    },
    /// Put a backup in place of the SQLite database, with the server stopped; the database
    /// it replaces is kept beside it (PostgreSQL: use pg_restore).
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
    /// Write COUNT filled-in, signed forms (one url-encoded POST body a line) for load tests.
    /// Signing needs the database's form key, so this gives nothing a database owner lacks.
    Forms {
        id: String,
        #[arg(long)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum CsvEncoding {
    Excel,
    Utf8,
}

impl From<CsvEncoding> for crate::release::Encoding {
    fn from(e: CsvEncoding) -> crate::release::Encoding {
        match e {
            CsvEncoding::Excel => crate::release::Encoding::Utf8WithBom,
            CsvEncoding::Utf8 => crate::release::Encoding::Utf8,
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Subcommand)]
enum MailCommand {
    /// Queue again a survey's messages that were given up on (`minyi survey status ID` counts
    /// them and says why), once the mail server works again.
    Retry { id: String },
}

#[derive(Subcommand)]
enum InterviewerCommand {
    /// Issue a link to a draft or open survey and print it, once (only its hash is kept). It
    /// works for every interview until withdrawn or the survey closes.
    Issue {
        id: String,
        /// What names the link in lists and the audit log: an interviewer's code (A07) or a
        /// team (电话组1), not a resident's name
        #[arg(long)]
        label: String,
        /// The county every interview through the link is for (a code or name of the survey's
        /// counties); without it the interviewer asks the county question
        #[arg(long)]
        county: Option<String>,
    },
    /// List a survey's interviewer links: label, county, issued, withdrawn.
    List { id: String },
    /// Stop a survey's working link with this label: forms sent through it are refused.
    Withdraw {
        id: String,
        #[arg(long)]
        label: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account. The password is read from standard input (at least 12 characters);
    /// when standard input is empty or a terminal, one is generated and shown once.
    Add {
        #[arg(long)]
        email: String,
        /// admin, publisher or evaluator
        #[arg(long)]
        role: String,
    },
    /// List the accounts with their roles and granted surveys.
    List,
    /// Set a new password (read from standard input, or generated and shown once when none is
    /// given), sign the account out everywhere and lift a lock-out: for someone who forgot it.
    Password {
        #[arg(long)]
        email: String,
    },
    /// Delete an account with its grants; its sessions end at once (the only admin is kept).
    Remove {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum SurveyCommand {
    /// Validate a survey file without touching the database.
    Check { file: PathBuf },
    /// Import (or re-import) a survey file; a changed file becomes a new version.
    Import { file: PathBuf },
    /// List the surveys with their state and response counts.
    List,
    /// Open a survey for answers.
    Open { id: String },
    /// Close a survey (fieldwork over).
    Close { id: String },
    /// Publish a closed survey's results.
    Publish {
        id: String,
        /// Addresses to tell by mail besides the evaluators granted the survey, comma-separated.
        #[arg(long, value_delimiter = ',')]
        notify: Vec<String>,
        /// Publish although the survey holds simulated responses: their number (a publish
        /// without it is refused, saying the number; publishing them marks the public page
        /// for good)
        #[arg(long, value_name = "N")]
        simulated: Option<u64>,
    },
    /// Print a survey's file as imported (its current version, or --version): to put back a
    /// file changed by mistake, or to see what a version asked.
    Source {
        id: String,
        /// A version (the hash `survey status` and responses record) instead of the current one
        #[arg(long)]
        version: Option<String>,
    },
    /// Show a survey's state, version and responses by county.
    Status {
        id: String,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(problem) = init_tracing() {
        eprintln!("error: {problem}");
        return ExitCode::FAILURE;
    }
    let command = cli.command.unwrap_or(Command::Serve);
    if !matches!(command, Command::Serve) {
        end_quietly_when_the_reader_goes();
    }
    let result = match command {
        Command::Serve => serve(),
        Command::Survey(command) => survey(command),
        Command::Evaluate {
            id,
            format,
            as_released,
            stored,
            encoding,
        } => {
            let figures = match (as_released, stored) {
                (true, _) => Figures::Released,
                (false, true) => Figures::Stored,
                (false, false) => Figures::ReleasedIfAny,
            };
            evaluate(&id, format, figures, encoding.into())
        }
        Command::Purge { id } => purge(&id),
        Command::CheckRelease { file, k, qi } => check_release(&file, k, &qi),
        Command::Export { id, out, encoding } => export(&id, &out, encoding.into()),
        Command::Comments {
            id,
            out,
            encoding,
            lang,
        } => comments(&id, &out, encoding.into(), &lang),
        Command::Verify {
            file,
            expect_root,
            expect_manifest,
        } => verify(&file, expect_root.as_deref(), expect_manifest.as_deref()),
        Command::User(command) => user(command),
        Command::Grant { email, survey } => grant(&email, &survey),
        Command::Revoke { email, survey } => revoke(&email, &survey),
        Command::Simulate {
            id,
            responses,
            seed,
            remove,
        } => match responses {
            Some(responses) if !remove => simulate(&id, responses, seed),
            _ => remove_simulated(&id),
        },
        Command::Backup { out } => backup(&out),
        Command::Restore { from } => restore(&from),
        Command::Forms {
            id,
            count,
            seed,
            out,
        } => forms(&id, count, seed, &out),
        Command::Progress { id, format } => progress(&id, format),
        Command::Invite {
            id,
            emails,
            after_fieldwork,
            only_new_addresses,
        } => invite(&id, &emails, after_fieldwork, only_new_addresses),
        Command::Remind {
            id,
            force,
            after_fieldwork,
        } => remind(&id, force, after_fieldwork),
        Command::Interviewer(command) => interviewers::interviewer(command),
        Command::Mail(MailCommand::Retry { id }) => retry_mail(&id),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // Output written with `write_all` (the CSV formats) to a reader that stopped early:
        // as the panic hook does for `println!`, end as on SIGPIPE, silently.
        Err(e)
            if e.chain().any(|cause| {
                cause
                    .downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::from(141)
        }
        Err(e) => {
            match e.downcast_ref::<surveys::SaidInChinese>() {
                Some(chinese) => eprintln!("错误：{chinese}"),
                None => eprintln!("error: {}", said_once(&e)),
            }
            ExitCode::FAILURE
        }
    }
}

/// An error and its causes, each cause added only when the text so far does not already say
/// it: many of Minyi's errors quote their cause in their own message, and `{:#}` would repeat it.
fn said_once(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

/// Logs go to stderr, filtered by `MINYI_LOG`, as text or, with `MINYI_LOG_FORMAT=json`, one
/// JSON object a line for a log collector (fields at the top level: `timestamp`, `level`,
/// `target`, `message`, `route`, `status`, `ms`, …). Text is coloured only on a terminal, so
/// that a log file or the journal holds no escape codes. A setting that would lose logs (a
/// mistyped level or format) is refused, as every other setting is.
fn init_tracing() -> Result<(), String> {
    use std::io::IsTerminal as _;
    let directives = std::env::var("MINYI_LOG").unwrap_or_else(|_| "info".to_owned());
    let filter = crate::web::log_filter(&directives)?;
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match std::env::var("MINYI_LOG_FORMAT").as_deref() {
        Ok("json") => logs.json().flatten_event(true).try_init(),
        Ok("text") | Err(_) => logs.try_init(),
        Ok(other) => {
            return Err(format!(
                "MINYI_LOG_FORMAT={other:?}: expected \"text\" (the default) or \"json\""
            ))
        }
    };
    Ok(())
}

/// Without `MINYI_PUBLIC_URL`, QR codes and mailed links name the node's own address: fine on
/// a laptop, useless to residents once the node serves a network or sends real mail.
fn public_url_note(settings: &Settings, base: &str) -> Option<String> {
    let host = settings.bind.rsplit_once(':').map_or("", |(host, _)| host);
    let local = matches!(host, "127.0.0.1" | "localhost" | "[::1]");
    let sends_mail = matches!(
        settings.mail.transport,
        crate::mail::TransportSettings::Smtp(_)
    );
    (settings.public_url.is_none() && (!local || sends_mail)).then(|| {
        format!(
            "MINYI_PUBLIC_URL is not set, so QR codes and the links in invitations and reminders \
             name {base}, which residents may not reach: set it to the address residents use \
             (https://…)"
        )
    })
}

fn serve() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    crate::startup::raise_open_files_limit();
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(&settings)?;
        let base = app.base_url().to_owned();
        println!(
            "Minyi is serving on {base}/ ({} database); mail goes {}",
            settings.database.backend_name(),
            app.mail()
        );
        // The address residents use can differ from the one listened on (a proxy in front,
        // or every interface): both are said.
        let listening = listening_on(&settings.bind, app.port());
        if !base.ends_with(&format!("//{listening}")) {
            println!("  listening on {listening}");
        }
        if let Some(note) = public_url_note(&settings, &base) {
            println!("  note: {note}");
            tracing::warn!("{note}");
        }
        let names: Vec<String> = std::env::vars_os()
            .filter_map(|(name, _)| name.into_string().ok())
            .collect();
        for note in crate::config::unread_variables(names.iter().map(String::as_str)) {
            println!("  note: {note}");
            tracing::warn!("{note}");
        }
        for report in &app.imported.loaded {
            println!(
                "  survey {} loaded from {}{}",
                report.survey_id,
                report.file.display(),
                describe(report.outcome)
            );
        }
        for refused in &app.imported.refused {
            println!("  NOT LOADED: {refused}");
        }
        for survey in app.catalog().list()? {
            if survey.record.state == crate::lifecycle::SurveyState::Open {
                println!("  open: {base}/s/{}", survey.record.id);
                let today = survey.definition.local_date(chrono::Utc::now());
                if let Some(note) = survey.definition.outside_fieldwork(today) {
                    println!("    ({note})");
                }
            }
        }
        let mut conn = app.catalog().database().conn()?;
        if crate::storage::accounts::list_users(&mut conn)?.is_empty() {
            println!(
                "  staff: no account yet; add one with `minyi user add --email you@example.org \
                 --role admin` (same DATABASE_URL), then sign in at {base}/login"
            );
        }
        drop(conn);
        app.run_until_stopped().await?;
        Ok(())
    })
}

/// `MINYI_BIND` with the port actually taken (port 0 picks one), and what a wildcard address
/// means.
fn listening_on(bind: &str, port: u16) -> String {
    let host = bind.rsplit_once(':').map_or(bind, |(host, _)| host);
    match host {
        "0.0.0.0" => format!("{host}:{port} (every IPv4 interface)"),
        "[::]" => format!("{host}:{port} (every interface)"),
        _ => format!("{host}:{port}"),
    }
}

fn describe(outcome: ImportOutcome) -> String {
    match outcome {
        ImportOutcome::Created => " (new)".into(),
        ImportOutcome::Unchanged => String::new(),
        ImportOutcome::NewVersion {
            earlier_responses: 1,
        } => " (changed: new version; 1 earlier response keeps its)".into(),
        ImportOutcome::NewVersion { earlier_responses } => {
            format!(" (changed: new version; {earlier_responses} earlier responses keep theirs)")
        }
        ImportOutcome::Frozen { state } => format!(" (not changed: the survey is {state})"),
        ImportOutcome::Earlier => " (not changed: an earlier version)".into(),
        ImportOutcome::NotAsChecked => " (not changed: the survey changed since the check)".into(),
    }
}

/// `minyi progress ID | head` closes the pipe early; `println!` then panics with a backtrace.
/// A command's output that nobody reads any more is not an error: it ends as a Unix tool would
/// on SIGPIPE (exit status 141), silently. (Not for `serve`, which never prints to a pipe it
/// needs; and this crate forbids the unsafe code resetting the signal would take.)
fn end_quietly_when_the_reader_goes() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

/// The database `DATABASE_URL` names, with the two connections a command needs. A command run
/// where no database is yet (another directory than the server's, `DATABASE_URL` forgotten)
/// would quietly start an empty one and then report "no survey …": it says so first, naming
/// the file. A database an older build made is not upgraded by a command (only `serve` does
/// that, at its start): the command refuses, saying so.
fn database() -> anyhow::Result<Database> {
    let url = Settings::from_env()?.database;
    if let crate::storage::DatabaseUrl::Sqlite(path) = &url {
        if path != ":memory:" && !std::path::Path::new(path).exists() {
            let whence = match std::env::var_os("DATABASE_URL").filter(|url| !url.is_empty()) {
                Some(_) => "DATABASE_URL names it".to_owned(),
                None => format!(
                    "DATABASE_URL is not set, so the default in {} is used",
                    std::env::current_dir()
                        .map_or_else(|_| ".".into(), |d| d.display().to_string())
                ),
            };
            eprintln!(
                "note: no database at {path} yet ({whence}): a new, empty one is made. For the \
                 server's, run this where it runs or set DATABASE_URL as it has it."
            );
        }
    }
    Ok(Database::open(url, 2, Schema::Current)?)
}

fn catalog() -> anyhow::Result<Catalog> {
    Ok(Catalog::new(database()?))
}

/// Copies the SQLite database a server uses. Refuses when there is none: a backup job run in
/// the wrong directory, or without the server's `DATABASE_URL`, must fail loudly rather than
/// collect copies of a new, empty database night after night.
fn backup(out: &std::path::Path) -> anyhow::Result<()> {
    let url = Settings::from_env()?.database;
    if let crate::storage::DatabaseUrl::Postgres(_) = &url {
        return Err(crate::storage::BackupError::Postgres.into());
    }
    if let crate::storage::DatabaseUrl::Sqlite(path) = &url {
        if !std::path::Path::new(path).exists() {
            anyhow::bail!(
                "no database at {path} to back up ({}); run the backup where the server runs, \
                 or set DATABASE_URL as the server has it",
                match std::env::var_os("DATABASE_URL").filter(|url| !url.is_empty()) {
                    Some(_) => "DATABASE_URL names it".to_owned(),
                    None => format!(
                        "DATABASE_URL is not set, so the default in {} was looked for",
                        std::env::current_dir()
                            .map_or_else(|_| ".".into(), |d| d.display().to_string())
                    ),
                }
            );
        }
    }
    // As it is, whatever its schema: the backup before an upgrade is taken with either build.
    let catalog = Catalog::new(Database::open(url.clone(), 2, Schema::AsFound)?);
    crate::storage::backup_sqlite(catalog.database(), out)?;
    let source = match &url {
        crate::storage::DatabaseUrl::Sqlite(path) => path.as_str(),
        _ => "the database",
    };
    println!(
        "backed up {source} to {}{}",
        out.display(),
        surveys_in(&catalog)
    );
    Ok(())
}

fn restore(from: &std::path::Path) -> anyhow::Result<()> {
    use crate::storage::{BackupError, DatabaseUrl};
    let DatabaseUrl::Sqlite(path) = Settings::from_env()?.database else {
        return Err(BackupError::RestorePostgres.into());
    };
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let restored = crate::storage::restore_sqlite(&path, from, &stamp)?;
    // As restored: a backup an older build made stays as that build left it, for that build
    // to run (put back first) or this build's `minyi serve` to upgrade at its start.
    let database = Database::open(DatabaseUrl::Sqlite(path.clone()), 1, Schema::AsFound)?;
    let behind = database.schema_behind()?;
    let catalog = Catalog::new(database);
    println!(
        "restored {path} from {}{}",
        from.display(),
        surveys_in(&catalog)
    );
    if let Some(missing) = behind {
        println!(
            "the backup is from an older Minyi (it lacks migration {missing}): run the build \
             that made it, installed again first, or start this build's `minyi serve`, which \
             upgrades it"
        );
    }
    if let Some(kept) = restored.replaced_kept_as {
        println!(
            "the database it replaced is kept as {kept}; delete it when you no longer need it"
        );
    }
    Ok(())
}

/// "; surveys in it: N", or nothing when its schema is not one this build reads.
fn surveys_in(catalog: &Catalog) -> String {
    catalog
        .list()
        .map(|surveys| format!("; surveys in it: {}", surveys.len()))
        .unwrap_or_default()
}

fn accounts() -> anyhow::Result<crate::accounts::Accounts> {
    Ok(crate::accounts::Accounts::new(database()?)?)
}
