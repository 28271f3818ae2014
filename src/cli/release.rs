//! Results from the command line: `evaluate`, `export`, `verify` and `check-release`.

use super::{catalog, Format};

pub(super) fn evaluate(id: &str, format: Format) -> anyhow::Result<()> {
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

pub(super) fn export(
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

pub(super) fn verify(file: &std::path::Path) -> anyhow::Result<()> {
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

pub(super) fn check_release(file: &std::path::Path, k: usize, qi: &[String]) -> anyhow::Result<()> {
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
