//! Results from the command line: `evaluate`, `export`, `verify` and `check-release`.

use super::{catalog, Format};

/// Which figures `minyi evaluate` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Figures {
    /// The released ones once the survey is closed (those the public page and the result set
    /// give), the stored responses' before.
    ReleasedIfAny,
    /// Only the released ones (an error while there are none).
    Released,
    /// Those of every stored response.
    Stored,
}

pub(super) fn evaluate(
    id: &str,
    format: Format,
    figures: Figures,
    encoding: crate::release::Encoding,
) -> anyhow::Result<()> {
    let catalog = catalog()?;
    let (survey, stored) = crate::analysis::evaluate_survey(&catalog, id)?;
    let released = released_evaluation(&catalog, &survey)?;
    let evaluation = match (figures, &released) {
        (Figures::Stored, _) | (Figures::ReleasedIfAny, None) => &stored,
        (Figures::Released | Figures::ReleasedIfAny, Some(released)) => released,
        (Figures::Released, None) if !survey.record.state.fieldwork_over() => anyhow::bail!(
            "survey {id} has no released figures yet: they are computed once it is closed \
             (`minyi survey close {id}`); run it without --as-released for the figures of every \
             stored response"
        ),
        (Figures::Released, None) => anyhow::bail!(
            "survey {id} has no released figures: too few of its responses can be released to \
             weight them, so its results are published from the figures of every stored \
             response (run it without --as-released)"
        ),
    };
    // Said before the figures, not after a table that fills the screen: which figures these
    // are, when the other ones differ.
    if let Some(released) = &released {
        let printing_released = figures != Figures::Stored;
        if let Some(note) = released_differs(id, &stored, released, printing_released) {
            eprintln!("{note}");
        }
    }
    match format {
        Format::Table => print!("{}", crate::evaluation::to_table(evaluation)),
        Format::Csv => {
            use std::io::Write as _;
            let bytes = crate::release::estimates_csv(evaluation, encoding)?;
            std::io::stdout().write_all(&bytes)?;
        }
        Format::Json => {
            let document = serde_json::json!({
                "survey_version": survey.record.current_version,
                "evaluation": evaluation,
            });
            println!("{}", serde_json::to_string_pretty(&document)?);
        }
    }
    if let Some(warning) = census_warning(evaluation) {
        eprintln!("{warning}");
    }
    if evaluation.includes_simulated {
        eprintln!(
            "warning: {} simulated responses are included; these figures are not an evaluation",
            evaluation.responses.simulated
        );
    }
    Ok(())
}

/// The figures the result set and the public page give: the published ones once published,
/// those of the result set once closed; `None` while fieldwork goes on, or when too few rows
/// can be released to weight (publication then uses the stored responses' figures).
fn released_evaluation(
    catalog: &crate::catalog::Catalog,
    survey: &crate::catalog::CurrentSurvey,
) -> anyhow::Result<Option<crate::evaluation::Evaluation>> {
    use crate::lifecycle::SurveyState;
    use crate::release::resultset::{self, ExportError};
    let id = &survey.record.id;
    Ok(match survey.record.state {
        SurveyState::Draft | SurveyState::Open => None,
        SurveyState::Published => {
            crate::publishing::published(catalog, id)?.map(|published| published.evaluation)
        }
        SurveyState::Closed => {
            match resultset::summarize(catalog, id, crate::release::Encoding::Utf8WithBom) {
                Ok(summary) => Some(summary.evaluation),
                Err(ExportError::Evaluation { .. }) => None,
                Err(e) => return Err(e.into()),
            }
        }
    })
}

/// What to tell the reader when the stored responses' figures and the released ones differ:
/// which of the two are printed, and how to get the others.
fn released_differs(
    id: &str,
    stored: &crate::evaluation::Evaluation,
    released: &crate::evaluation::Evaluation,
    printing_released: bool,
) -> Option<String> {
    let differences = crate::evaluation::differences(stored, released);
    if differences.none() {
        return None;
    }
    let suppressed = released
        .responses
        .excluded
        .get(crate::evaluation::SUPPRESSED_FOR_RELEASE)
        .copied()
        .unwrap_or(0);
    let (here, there) = if printing_released {
        ("released", "stored")
    } else {
        ("stored", "released")
    };
    let verdicts = if differences.verdicts.is_empty() {
        "statuses that differ: none".to_owned()
    } else {
        let changes: Vec<String> = differences
            .verdicts
            .iter()
            .map(|c| {
                let (stored_status, released_status) = (c.here.name(), c.there.name());
                let (this, that) = if printing_released {
                    (released_status, stored_status)
                } else {
                    (stored_status, released_status)
                };
                format!(
                    "{} {}: {this} {here}, {that} {there}",
                    c.domain, c.indicator
                )
            })
            .collect();
        format!(
            "statuses that differ: {} ({})",
            differences.verdicts.len(),
            changes.join("; ")
        )
    };
    let release = format!(
        "the released figures are computed from the k-anonymous release, which leaves out \
         {suppressed} responses suppressed for release"
    );
    Some(if printing_released {
        format!(
            "note: these are the released figures, as the public page and the result set give \
             them; {release}. The figures of every stored response differ in {} estimates; \
             {verdicts}. `minyi evaluate {id} --stored` prints those.",
            differences.estimates
        )
    } else {
        format!(
            "note: these are the figures of every stored response, not the published ones: \
             {release}. Estimates that differ from these: {}; {verdicts}. `minyi evaluate {id}` \
             prints the released figures.",
            differences.estimates
        )
    })
}

pub(super) fn export(
    id: &str,
    out: &std::path::Path,
    encoding: crate::release::Encoding,
) -> anyhow::Result<()> {
    if out.exists() && !out.is_dir() {
        anyhow::bail!(
            "--out {} is a file: give a folder (made if missing); the result set is written into it as {}",
            out.display(),
            crate::release::resultset::file_name(id, "VERSION", encoding)
        );
    }
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

pub(super) fn comments(
    id: &str,
    out: &std::path::Path,
    encoding: crate::release::Encoding,
    lang: &str,
) -> anyhow::Result<()> {
    use crate::release::comments;
    if out.exists() && !out.is_dir() {
        anyhow::bail!(
            "--out {} is a file: give a folder (made if missing); the comments are written into it as {}",
            out.display(),
            comments::file_name(id, encoding)
        );
    }
    let lang = if lang == "en" {
        crate::survey::Lang::En
    } else {
        crate::survey::Lang::Zh
    };
    let catalog = catalog()?;
    // The folder and the file are made before the hand-over, which is audited: the log must
    // not say the comments were handed over when they could not be written.
    std::fs::create_dir_all(out)
        .map_err(|e| anyhow::anyhow!("cannot make the folder {}: {e}", out.display()))?;
    let path = out.join(comments::file_name(id, encoding));
    // Written beside it and renamed over it once complete: a file handed over before (after a
    // purge, the only copy of the residents' words) stays untouched if this run is refused.
    let partial = out.join(format!("{}.partial", comments::file_name(id, encoding)));
    let mut written = crate::files::create_private(&partial, false)
        .map_err(|e| anyhow::anyhow!("cannot write in {}: {e}", out.display()))?;
    let handed = comments::hand_over(&catalog, id, encoding, lang, crate::audit::COMMAND_LINE);
    let file = match handed {
        Ok(file) => file,
        Err(e) => {
            drop(written);
            let _ = std::fs::remove_file(&partial);
            return Err(e.into());
        }
    };
    std::io::Write::write_all(&mut written, &file.bytes)
        .and_then(|()| written.sync_all())
        .and_then(|()| std::fs::rename(&partial, &path))
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    println!("wrote {} ({} comments)", path.display(), file.comments);
    if file.withheld > 0 {
        println!(
            "{} comments withheld: their questions (shown only after some answer) were shown to fewer residents than [privacy] k_anonymity, so each would point to one of those few rows of responses.csv",
            file.withheld
        );
    }
    if let Some(on) = file.purged_on {
        eprintln!("note: the free text answered before {on} was deleted that day by the purge; these were answered after the survey was reopened");
    }
    Ok(())
}

pub(super) fn verify(
    file: &std::path::Path,
    expect_root: Option<&str>,
    expect_manifest: Option<&str>,
) -> anyhow::Result<()> {
    let verified = crate::release::verify::verify(file)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let encoding = match verified.encoding {
        crate::release::Encoding::Utf8WithBom => {
            "the Excel download (UTF-8 with a byte-order mark)"
        }
        crate::release::Encoding::Utf8 => "the plain UTF-8 download (for R and Python)",
    };
    // A result set re-hashed after an edit agrees with itself: only a reference from outside
    // it (the public page) tells whether it holds the published responses.
    let expected = [
        ("Merkle root", expect_root, &verified.merkle_root),
        (
            "manifest SHA-256",
            expect_manifest,
            &verified.manifest_sha256,
        ),
    ];
    for (what, expected, actual) in expected {
        if let Some(expected) = expected {
            if !expected.trim().eq_ignore_ascii_case(actual) {
                anyhow::bail!(
                    "{}: the {what} is {actual}, not the expected {}: this file does not hold \
                     the published result set (or the expected value was copied wrongly{})",
                    file.display(),
                    expected.trim(),
                    if what == "manifest SHA-256" {
                        format!(", or is the other encoding's: this file is {encoding}, and the page gives a manifest hash for each")
                    } else {
                        String::new()
                    }
                );
            }
        }
    }
    let earlier = if verified.format == crate::release::resultset::FORMAT {
        String::new()
    } else {
        // A format before /8 has its codebook held to its manifest alone, and a forger may
        // relabel a later file as such a format: only the published manifest hash settles it.
        let codebook_unchecked = if crate::release::resultset::from_format_8(&verified.format) {
            String::new()
        } else {
            " Its codebook (codebook.csv, datapackage.json) is held to its manifest only, not \
             made again (that began with format minyi-resultset/8): the published manifest \
             SHA-256 (--expect-manifest) pins it."
                .to_owned()
        };
        format!(
            " It is in the earlier format {}, whose scripts were made again as that format made them.{codebook_unchecked}",
            verified.format
        )
    };
    let totals = if crate::release::resultset::has_totals(&verified.format) {
        " totals,"
    } else {
        ""
    };
    let codebook = if crate::release::resultset::from_format_8(&verified.format) {
        " the codebook (codebook.csv, datapackage.json),"
    } else {
        ""
    };
    println!(
        "{}: verified. {} files match the manifest; {} response rows give Merkle root {}; \
         weights, estimates,{totals} evaluation,{codebook} and the R and SPSS scripts, made again from the rows and survey.toml, are equal to the released ones.{earlier}",
        file.display(),
        verified.files,
        verified.responses,
        verified.merkle_root,
    );
    println!(
        "manifest sha256 {} (survey {}, version {}; {encoding}): the public results page shows the Merkle root, the same for either encoding, and the manifest hash of each encoding",
        verified.manifest_sha256, verified.survey_id, verified.survey_version
    );
    match (expect_root, expect_manifest) {
        (None, None) => println!(
            "to check that this is the published result set, pass the manifest SHA-256 the public results page gives for this encoding: --expect-manifest HEX \
             (the Merkle root, --expect-root HEX, pins the response rows only)"
        ),
        (Some(_), None) => println!(
            "the Merkle root matches: these are the published responses. The rest is checked against this zip's own manifest only, \
             and the figures were recomputed with this zip's survey.toml (its thresholds and scoring rules): compare its version, {}, \
             with the one the results page names, or pass the page's manifest SHA-256 (--expect-manifest HEX; the page gives one for each encoding), \
             which pins every file",
            verified.survey_version
        ),
        _ => println!(
            "the expected values match: every file in this zip is the published one"
        ),
    }
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

/// Said by `evaluate` and `survey publish` when the weights miss the census margins by more
/// than [`CENSUS_FIT`](crate::evaluation::CENSUS_FIT).
pub(super) fn census_warning(evaluation: &crate::evaluation::Evaluation) -> Option<String> {
    let w = &evaluation.weighting;
    w.misses_census_by().map(|gap| {
        format!(
            "warning: the weights miss the census margins by up to {:.1}% (more than {:.0}%): \
             trimming kept every adjustment within {} to {}, and some groups have too few or \
             too many respondents to be weighted fully; the figures may be biased by it, and \
             the public page says so",
            gap * 100.0,
            crate::evaluation::CENSUS_FIT * 100.0,
            w.trim_min_factor,
            w.trim_max_factor
        )
    })
}
