//! The command line: one function per command. `minyi` alone serves.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::catalog::Catalog;
use crate::config::Settings;
use crate::lifecycle::Transition;
use crate::startup::Application;
use crate::storage::{Database, ImportOutcome};
use crate::survey::Survey;

#[derive(Parser)]
#[command(
    name = "minyi",
    version,
    about = "Public satisfaction surveys, weighted and evaluated"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the surveys (the default): loads every file in surveys/ and listens on MINYI_BIND.
    Serve,
    /// Manage survey definitions and their lifecycle.
    #[command(subcommand)]
    Survey(SurveyCommand),
    /// Weight the stored responses and compute the evaluation component.
    Evaluate {
        id: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Delete a closed survey's free text, client hashes and secret now (otherwise done
    /// automatically `retention_days` after closing). The evaluation is unchanged.
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
    /// resultset-ID-VERSION.zip (microdata, estimates, codebook, scripts, manifest).
    Export {
        id: String,
        #[arg(long)]
        out: PathBuf,
        /// excel: UTF-8 with a byte-order mark (Excel, WPS); utf8: plain UTF-8 (R, Python)
        #[arg(long, value_enum, default_value_t = CsvEncoding::Excel)]
        encoding: CsvEncoding,
    },
    /// Check a result set: every hash, the Merkle root, and the weights, estimates and
    /// evaluation recomputed from its microdata; exits non-zero naming the first discrepancy.
    Verify { file: PathBuf },
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
        /// The CSV file; its first line names the columns: email,county
        #[arg(long)]
        emails: PathBuf,
    },
    /// Mail a reminder, with a new link, to every invited address whose invitation is unused.
    Remind { id: String },
    /// Add plausible synthetic responses (channel `simulated`) to try the pipeline.
    Simulate {
        id: String,
        #[arg(long)]
        responses: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Copy the SQLite database to FILE while it serves (PostgreSQL: use pg_dump).
    Backup {
        #[arg(long)]
        out: PathBuf,
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
    init_tracing();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(),
        Command::Survey(command) => survey(command),
        Command::Evaluate { id, format } => evaluate(&id, format),
        Command::Purge { id } => purge(&id),
        Command::CheckRelease { file, k, qi } => check_release(&file, k, &qi),
        Command::Export { id, out, encoding } => export(&id, &out, encoding.into()),
        Command::Verify { file } => verify(&file),
        Command::User(command) => user(command),
        Command::Grant { email, survey } => grant(&email, &survey),
        Command::Simulate {
            id,
            responses,
            seed,
        } => simulate(&id, responses, seed),
        Command::Backup { out } => backup(&out),
        Command::Forms {
            id,
            count,
            seed,
            out,
        } => forms(&id, count, seed, &out),
        Command::Progress { id, format } => progress(&id, format),
        Command::Invite { id, emails } => invite(&id, &emails),
        Command::Remind { id } => remind(&id),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr, filtered by `MINYI_LOG`, as text or, with `MINYI_LOG_FORMAT=json`, one
/// JSON object a line for a log collector (fields at the top level: `timestamp`, `level`,
/// `target`, `message`, `route`, `status`, `ms`, …).
fn init_tracing() {
    let directives = std::env::var("MINYI_LOG").unwrap_or_else(|_| "info".to_owned());
    let filter = crate::web::log_filter(&directives);
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match std::env::var("MINYI_LOG_FORMAT").as_deref() {
        Ok("json") => logs.json().flatten_event(true).try_init(),
        Ok("text") | Err(_) => logs.try_init(),
        Ok(other) => {
            eprintln!(
                "MINYI_LOG_FORMAT is {other:?}; expected \"text\" or \"json\" (logging as text)"
            );
            logs.try_init()
        }
    };
}

fn serve() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(&settings)?;
        let base = app.base_url().to_owned();
        println!(
            "Minyi is serving on {base}/ ({} database); mail goes {}",
            settings.database.backend_name(),
            app.mail()
        );
        for report in &app.imported {
            println!(
                "  survey {} loaded from {}{}",
                report.survey_id,
                report.file.display(),
                describe(report.outcome)
            );
        }
        for survey in app.catalog().list()? {
            if survey.record.state == crate::lifecycle::SurveyState::Open {
                println!("  open: {base}/s/{}", survey.record.id);
            }
        }
        app.run_until_stopped().await?;
        Ok(())
    })
}

fn describe(outcome: ImportOutcome) -> String {
    match outcome {
        ImportOutcome::Created => " (new)".into(),
        ImportOutcome::Unchanged => String::new(),
        ImportOutcome::NewVersion { earlier_responses } => {
            format!(" (changed: new version; {earlier_responses} earlier responses keep theirs)")
        }
    }
}

fn catalog() -> anyhow::Result<Catalog> {
    let settings = Settings::from_env()?;
    Ok(Catalog::new(Database::connect(settings.database, 2)?))
}

fn survey(command: SurveyCommand) -> anyhow::Result<()> {
    match command {
        SurveyCommand::Check { file } => {
            let source = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let survey = Survey::from_toml(&source, &file.display().to_string())?;
            println!(
                "{}: ok (survey {}, {} questions, {} counties, {} indicators, version {})",
                file.display(),
                survey.id,
                survey.questions.len(),
                survey.strata.units.len(),
                survey.indicators.len(),
                crate::survey::version_of(&source)
            );
            Ok(())
        }
        SurveyCommand::Import { file } => {
            let report = catalog()?.import_file(&file)?;
            println!(
                "imported {} as survey {} version {}{}{}",
                file.display(),
                report.survey_id,
                report.version,
                describe(report.outcome),
                if report.opened { "; opened" } else { "" }
            );
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
        SurveyCommand::Publish { id, notify } => publish(&id, &notify),
        SurveyCommand::Status { id, json } => status(&id, json),
    }
}

fn transition(id: &str, action: Transition) -> anyhow::Result<()> {
    let state =
        crate::transitions::open_or_close(&catalog()?, id, action, crate::audit::COMMAND_LINE)?;
    println!("survey {id} is now {state}");
    Ok(())
}

fn publish(id: &str, notify: &[String]) -> anyhow::Result<()> {
    let evaluators = notify
        .iter()
        .map(|a| {
            a.trim().parse::<lettre::Address>().map_err(|_| {
                anyhow::anyhow!("--notify: {a:?} is not an address such as name@example.org")
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let catalog = catalog()?;
    let accounts = crate::accounts::Accounts::new(catalog.database().clone())?;
    let results = crate::transitions::publish(
        &catalog,
        &accounts,
        id,
        crate::audit::COMMAND_LINE,
        &evaluators,
    )?;
    let city = &results.evaluation.domains[0];
    println!(
        "survey {id} is now published (version {}); city component {:.1} of {:.1} points from {} responses",
        results.version, city.points, city.max_points, results.evaluation.responses.used
    );
    if results.evaluation.includes_simulated {
        eprintln!("warning: the published results include simulated responses");
    }
    println!("evaluators granted the survey (and any --notify addresses) will be told by mail; the server sends it");
    Ok(())
}

fn invite(id: &str, emails: &std::path::Path) -> anyhow::Result<()> {
    let catalog = catalog()?;
    let survey = catalog.require(id)?;
    let addresses = crate::invitations::read_address_list(emails, &survey.definition)?;
    let report = crate::invitations::invite(&catalog, id, &addresses)?;
    println!(
        "survey {id}: {} invitations created, {} addresses already invited earlier; the server \
         mails them at MINYI_MAIL_RATE a minute",
        report.created, report.already_invited
    );
    Ok(())
}

fn remind(id: &str) -> anyhow::Result<()> {
    let queued = crate::invitations::remind(&catalog()?, id)?;
    println!("survey {id}: {queued} reminders queued to invitations not used yet");
    Ok(())
}

fn status(id: &str, json: bool) -> anyhow::Result<()> {
    let catalog = catalog()?;
    let survey = catalog.require(id)?;
    let by_stratum = catalog.responses_by_stratum(&survey)?;
    let total: i64 = by_stratum.iter().map(|(_, n)| n).sum();
    let mut conn = catalog.database().conn()?;
    let invitations = crate::storage::invitation_counts(&mut conn, id)?;
    let mail = crate::storage::outbox_counts(&mut conn, id, crate::mail::MAX_ATTEMPTS)?;
    drop(conn);
    if json {
        let counts: serde_json::Map<String, serde_json::Value> = by_stratum
            .iter()
            .map(|(code, n)| (code.clone(), (*n).into()))
            .collect();
        let status = serde_json::json!({
            "invitations": { "all": invitations.0, "unused": invitations.1 },
            "mail": { "waiting": mail.0, "failed": mail.1 },
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
            println!(
                "invitations {} ({} unused); mail waiting {}, failed {}",
                invitations.0, invitations.1, mail.0, mail.1
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

fn evaluate(id: &str, format: Format) -> anyhow::Result<()> {
    let catalog = catalog()?;
    let (survey, evaluation) = crate::analysis::evaluate_survey(&catalog, id)?;
    match format {
        Format::Table => print!("{}", crate::evaluation::to_table(&evaluation)),
        Format::Csv => {
            let bytes = crate::release::estimates_csv(&evaluation, crate::release::Encoding::Utf8)?;
            print!("{}", String::from_utf8_lossy(&bytes));
        }
        Format::Json => {
            let document = serde_json::json!({
                "survey_version": survey.record.current_version,
                "evaluation": evaluation,
            });
            println!("{}", serde_json::to_string_pretty(&document)?);
        }
    }
    if evaluation.includes_simulated {
        eprintln!(
            "warning: {} simulated responses are included; these figures are not an evaluation",
            evaluation.responses.simulated
        );
    }
    Ok(())
}

fn simulate(id: &str, responses: usize, seed: u64) -> anyhow::Result<()> {
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

fn backup(out: &std::path::Path) -> anyhow::Result<()> {
    let catalog = catalog()?;
    crate::storage::backup_sqlite(catalog.database(), out)?;
    println!("backed up to {}", out.display());
    Ok(())
}

fn forms(id: &str, count: usize, seed: u64, out: &std::path::Path) -> anyhow::Result<()> {
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
    let file = std::fs::File::create(out)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
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

fn purge(id: &str) -> anyhow::Result<()> {
    let today = chrono::Utc::now().date_naive();
    let report = crate::retention::purge(&catalog()?, id, today)?;
    println!(
        "survey {id}: purged {} responses (free text deleted from {}, {} duplicates kept as flags); \
         client hashes and the survey secret are gone",
        report.responses, report.free_text_deleted, report.duplicates_kept
    );
    Ok(())
}

fn check_release(file: &std::path::Path, k: usize, qi: &[String]) -> anyhow::Result<()> {
    let input = std::fs::File::open(file)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let check = crate::privacy::check::check_csv(std::io::BufReader::new(input), k, qi)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    if check.violations.is_empty() {
        println!(
            "{}: k-anonymous with k = {k} over {} ({} rows)",
            file.display(),
            qi.join(", "),
            check.rows
        );
        return Ok(());
    }
    for violation in &check.violations {
        let combination: Vec<String> = qi
            .iter()
            .zip(&violation.values)
            .map(|(column, value)| format!("{column}={value}"))
            .collect();
        eprintln!(
            "{}: {} occurs in {} row{} (fewer than k = {k})",
            file.display(),
            combination.join(", "),
            violation.count,
            if violation.count == 1 { "" } else { "s" }
        );
    }
    anyhow::bail!(
        "{} is not k-anonymous: {} combination{} of {} shared by fewer than {k} rows; \
         generalize (merge age bands) or suppress those rows",
        file.display(),
        check.violations.len(),
        if check.violations.len() == 1 { "" } else { "s" },
        qi.join(", ")
    )
}

fn accounts() -> anyhow::Result<crate::accounts::Accounts> {
    let settings = Settings::from_env()?;
    Ok(crate::accounts::Accounts::new(Database::connect(
        settings.database,
        2,
    )?)?)
}

fn user(command: UserCommand) -> anyhow::Result<()> {
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
            if generated {
                println!(
                    "password (shown once; give it to them privately): {}",
                    password.expose()
                );
            }
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

/// The new account's password: standard input when it carries one, else a generated one.
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

fn grant(email: &str, survey: &str) -> anyhow::Result<()> {
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

fn progress(id: &str, format: Format) -> anyhow::Result<()> {
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
                "survey {id}: {} responses{}",
                p.completed,
                p.target
                    .map_or(String::new(), |t| format!(" of {t} targeted"))
            );
            println!(
                "  {:<12} {:>9} {:>7} {:>6} {:>8} {:>8}",
                "county", "completed", "target", "share", "95% moe", "flagged"
            );
            for s in &p.by_stratum {
                println!(
                    "  {:<12} {:>9} {:>7} {:>6} {:>8} {:>8}",
                    s.code,
                    s.completed,
                    s.target.map_or("—".to_owned(), |t| t.to_string()),
                    percent(s.share_of_target),
                    moe(s.margin_of_error),
                    s.flagged
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

fn export(
    id: &str,
    out: &std::path::Path,
    encoding: crate::release::Encoding,
) -> anyhow::Result<()> {
    let catalog = catalog()?;
    let (path, summary) = crate::release::resultset::download(
        &catalog,
        id,
        encoding,
        out,
        crate::audit::COMMAND_LINE,
        crate::audit::AuditAction::Export,
    )?;
    println!("wrote {} ({} responses)", path.display(), summary.responses);
    println!("manifest sha256 {}", summary.manifest_sha256);
    println!("merkle root     {}", summary.merkle_root);
    if summary.evaluation.includes_simulated {
        eprintln!("warning: the result set includes simulated responses");
    }
    Ok(())
}

fn verify(file: &std::path::Path) -> anyhow::Result<()> {
    let verified = crate::release::verify::verify(file)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    println!(
        "{}: verified. {} files match the manifest; {} response rows give Merkle root {}; \
         weights, estimates and evaluation recomputed from the rows and survey.toml are equal to the released ones.",
        file.display(),
        verified.files,
        verified.responses,
        verified.merkle_root
    );
    println!(
        "manifest sha256 {} (survey {}, version {}): compare it with the public results page",
        verified.manifest_sha256, verified.survey_id, verified.survey_version
    );
    Ok(())
}
