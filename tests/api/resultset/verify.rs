//! `minyi verify`: a result set as written verifies; one changed answer, one deleted row or one
//! added row is caught, both when the file is merely edited (its hash no longer matches) and
//! when the forger also rewrites the manifest's hashes, Merkle root and count (then the
//! recomputed weights or estimates differ).

use std::io::Write;
use std::process::Command;

use sha2::{Digest, Sha256};

use minyi::release::merkle::MerkleRoot;

use super::*;

fn verify(path: &Path) -> (bool, String, String) {
    verify_with(path, &[])
}

/// `minyi verify FILE ARGS`: whether it passed, what it printed, what it complained of.
pub(super) fn verify_with(path: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_minyi"))
        .arg("verify")
        .arg(path)
        .args(args)
        .env("MINYI_LOG", "warn")
        .output()
        .expect("minyi runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes a copy of a result set whose response rows `edit` changed; with `forge`, the manifest
/// is rewritten to match (SHA-256, Merkle root, count), as a forger would.
fn tampered(
    files: &[(String, Vec<u8>)],
    dir: &Path,
    forge: bool,
    edit: impl FnOnce(&mut Vec<String>),
) -> PathBuf {
    let text = String::from_utf8(file(files, "responses.csv").to_vec()).unwrap();
    let mut lines: Vec<String> = text.split("\r\n").map(str::to_owned).collect();
    assert_eq!(
        lines.pop().as_deref(),
        Some(""),
        "the file ends with a line end"
    );
    let header = lines.remove(0);
    edit(&mut lines);
    let responses = format!("{header}\r\n{}\r\n", lines.join("\r\n")).into_bytes();
    let mut manifest = manifest(files);
    if forge {
        let mut merkle = MerkleRoot::new();
        lines.iter().for_each(|l| merkle.add(l.as_bytes()));
        manifest.responses = merkle.leaves();
        manifest.merkle_root = merkle.finish();
        for entry in &mut manifest.files {
            if entry.path == "responses.csv" {
                entry.sha256 = hex::encode(Sha256::digest(&responses));
                entry.bytes = responses.len() as u64;
            }
        }
    }
    rezipped(
        files,
        dir,
        "tampered",
        &manifest,
        "responses.csv",
        &responses,
    )
}

/// The result set `files` written again into `dir` with `manifest` and `name`'s `content` in
/// place of theirs.
fn rezipped(
    files: &[(String, Vec<u8>)],
    dir: &Path,
    prefix: &str,
    manifest: &Manifest,
    name: &str,
    content: &[u8],
) -> PathBuf {
    let path = dir.join(format!("{prefix}-{}.zip", rand::random::<u32>()));
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for (file_name, original) in files {
        zip.start_file(file_name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        let bytes = match file_name.as_str() {
            n if n == name => content.to_vec(),
            "manifest.json" => serde_json::to_vec_pretty(manifest).unwrap(),
            _ => original.clone(),
        };
        zip.write_all(&bytes).unwrap();
    }
    zip.finish().unwrap();
    path
}

/// A copy of the result set with `name` replaced by `content` and the manifest re-hashed to
/// agree, as a forger would.
fn forged_file(files: &[(String, Vec<u8>)], dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let mut manifest = manifest(files);
    for entry in &mut manifest.files {
        if entry.path == name {
            entry.sha256 = hex::encode(Sha256::digest(content));
            entry.bytes = content.len() as u64;
        }
    }
    rezipped(files, dir, "forged", &manifest, name, content)
}

/// A change to the response rows.
type Edit<'a> = dyn Fn(&mut Vec<String>) + 'a;

/// A change to the manifest alone.
type ManifestEdit = dyn Fn(&mut Manifest);

/// The index (into the rows) of the first row used in the estimates.
fn first_used(lines: &[String]) -> usize {
    lines
        .iter()
        .position(|l| !l.ends_with(','))
        .expect("a weighted row")
}

fn set_cell(line: &str, column: usize, value: &str) -> String {
    let mut cells: Vec<&str> = line.split(',').collect();
    cells[column] = value;
    cells.join(",")
}

fn renumber(lines: &mut [String]) {
    for (i, line) in lines.iter_mut().enumerate() {
        let rest = line.split_once(',').unwrap().1.to_owned();
        *line = format!("{},{rest}", i + 1);
    }
}

on_both_backends! {
    async fn an_untouched_result_set_verifies_and_tampering_is_caught(backend: Backend) {
        let app = spawn_app(backend).await;
        closed_with_responses(&app, 1400);
        let dir = tempfile::tempdir().unwrap();
        let path = export(&app, Encoding::Utf8WithBom, dir.path());
        let files = unzip(&std::fs::read(&path).unwrap());
        let header = String::from_utf8_lossy(file(&files, "responses.csv")).lines().next().unwrap().to_owned();
        let overall = header.split(',').position(|c| c == "overall_satisfaction").unwrap();

        let (ok, stdout, stderr) = verify(&path);
        assert!(ok, "{stderr}");
        assert!(stdout.contains("verified") && stdout.contains(&manifest(&files).merkle_root), "{stdout}");
        let listed = manifest(&files).files.len();
        assert!(stdout.contains(&format!("{listed} files match the manifest")), "the files the manifest lists: {stdout}");

        let change_answer = |lines: &mut Vec<String>| {
            let i = first_used(lines);
            let flipped = if lines[i].split(',').nth(overall) == Some("1") { "5" } else { "1" };
            lines[i] = set_cell(&lines[i], overall, flipped);
        };
        let delete_row = |lines: &mut Vec<String>| {
            lines.remove(first_used(lines));
            renumber(lines);
        };
        let add_row = |lines: &mut Vec<String>| {
            let copy = lines[first_used(lines)].clone();
            lines.push(copy);
            renumber(lines);
        };
        let cases: [(&str, bool, &Edit<'_>, &str); 6] = [
            ("one answer changed", false, &change_answer, "responses.csv: SHA-256 is"),
            ("one row deleted", false, &delete_row, "responses.csv: SHA-256 is"),
            ("one row added", false, &add_row, "responses.csv: SHA-256 is"),
            ("one answer changed, manifest forged", true, &change_answer, "estimates.csv line 2 (city, satisfaction_score), column estimate: released \""),
            ("one row deleted, manifest forged", true, &delete_row, ": weight \""),
            ("one row added, manifest forged", true, &add_row, ": weight \""),
        ];
        for (what, forge, edit, expected) in cases {
            let copy = tampered(&files, dir.path(), forge, |lines| edit(lines));
            let (ok, _, stderr) = verify(&copy);
            assert!(!ok, "{what}: caught");
            assert!(stderr.contains(expected), "{what}: {stderr}");
        }
        let forged_hash = {
            let copy = tampered(&files, dir.path(), true, |lines| change_answer(lines));
            let forged = unzip(&std::fs::read(copy).unwrap());
            hex::encode(Sha256::digest(file(&forged, "manifest.json")))
        };
        assert_ne!(
            forged_hash,
            hex::encode(Sha256::digest(file(&files, "manifest.json"))),
            "a forged manifest has another hash than the one published"
        );
    }
}

#[actix_web::test]
async fn an_answer_no_figure_uses_forged_with_its_manifest_is_caught_against_the_published_root() {
    let app = spawn_app(Backend::Sqlite).await;
    closed_with_responses(&app, 1400);
    let dir = tempfile::tempdir().unwrap();
    let path = export(&app, Encoding::Utf8WithBom, dir.path());
    let files = unzip(&std::fs::read(&path).unwrap());
    let published = manifest(&files).merkle_root;
    let header = String::from_utf8_lossy(file(&files, "responses.csv"))
        .lines()
        .next()
        .unwrap()
        .to_owned();
    // A food-category rating: no indicator, weight or estimate reads it.
    let unused = header
        .split(',')
        .position(|c| c.starts_with("food_categories"))
        .expect("a grid column");
    let forged = tampered(&files, dir.path(), true, |lines| {
        let i = first_used(lines);
        let flipped = if lines[i].split(',').nth(unused) == Some("1") {
            "2"
        } else {
            "1"
        };
        lines[i] = set_cell(&lines[i], unused, flipped);
    });

    let (alone, said_alone, _) = verify(&forged);
    let (against_root, _, said) = verify_with(&forged, &["--expect-root", &published]);
    let (original, said_original, _) =
        verify_with(&path, &["--expect-root", &published.to_uppercase()]);

    assert!(alone, "on its own the forgery agrees with itself");
    assert!(
        said_alone.contains("--expect-manifest") && said_alone.contains("--expect-root"),
        "and the output says how to check it: {said_alone}"
    );
    assert!(
        !against_root && said.contains(&format!("not the expected {published}")),
        "{said}"
    );
    assert!(
        original
            && said_original.contains("the Merkle root matches: these are the published responses")
            && said_original.contains("recomputed with this zip's survey.toml")
            && said_original.contains("--expect-manifest"),
        "the root vouches for the rows only, and the output says how to check the rest: {said_original}"
    );
}

#[actix_web::test]
async fn a_forged_script_total_or_codebook_is_caught_even_when_its_manifest_agrees_and_the_rest_by_the_published_hash(
) {
    let app = spawn_app(Backend::Sqlite).await;
    closed_with_responses(&app, 1400);
    let dir = tempfile::tempdir().unwrap();
    let path = export(&app, Encoding::Utf8WithBom, dir.path());
    let files = unzip(&std::fs::read(&path).unwrap());
    let published = manifest(&files);
    let published_manifest = hex::encode(Sha256::digest(file(&files, "manifest.json")));
    let script = String::from_utf8(file(&files, "minyi.R").to_vec()).unwrap();
    let codebook = String::from_utf8(file(&files, "datapackage.json").to_vec()).unwrap();
    assert!(
        codebook.contains("很不满意"),
        "the codebook labels the scale"
    );

    let forged_script = forged_file(
        &files,
        dir.path(),
        "minyi.R",
        script.replacen("weights", "weight", 1).as_bytes(),
    );
    let forged_codebook = forged_file(
        &files,
        dir.path(),
        "datapackage.json",
        codebook.replacen("很不满意", "非常满意", 1).as_bytes(),
    );
    // The city's total raised to the maximum, as a county that wanted a pass would.
    let totals = String::from_utf8(file(&files, "totals.csv").to_vec()).unwrap();
    let city = totals.lines().nth(1).unwrap();
    let cells: Vec<&str> = city.split(',').collect();
    let raised = city.replacen(
        &format!(",{},{},", cells[4], cells[5]),
        &format!(",{},{},", cells[5], cells[5]),
        1,
    );
    assert_ne!(raised, city, "the city falls short of the maximum");
    let forged_totals = forged_file(
        &files,
        dir.path(),
        "totals.csv",
        totals.replacen(city, &raised, 1).as_bytes(),
    );
    let (totals_verified, _, totals_said) =
        verify_with(&forged_totals, &["--expect-root", &published.merkle_root]);
    let (script_verified, _, script_said) =
        verify_with(&forged_script, &["--expect-root", &published.merkle_root]);
    let (codebook_verified, _, codebook_said) =
        verify_with(&forged_codebook, &["--expect-root", &published.merkle_root]);
    // The methodology is described, not recomputed (it holds the days of submission): only
    // the published manifest's hash pins it.
    let methodology = String::from_utf8(file(&files, "methodology.md").to_vec()).unwrap();
    let forged_methodology = forged_file(
        &files,
        dir.path(),
        "methodology.md",
        format!("{methodology}\nEvery county passed.\n").as_bytes(),
    );
    let (methodology_alone, said_alone, _) = verify_with(
        &forged_methodology,
        &["--expect-root", &published.merkle_root],
    );
    let (methodology_verified, _, methodology_said) = verify_with(
        &forged_methodology,
        &[
            "--expect-root",
            &published.merkle_root,
            "--expect-manifest",
            &published_manifest,
        ],
    );

    assert!(
        !script_verified && script_said.contains("minyi.R line"),
        "{script_said}"
    );
    assert!(
        !totals_verified && totals_said.contains("totals.csv line 2"),
        "{totals_said}"
    );
    assert!(
        !codebook_verified && codebook_said.contains("datapackage.json line"),
        "the codebook is made again from survey.toml: {codebook_said}"
    );
    assert!(
        methodology_alone && !said_alone.contains("every file in this zip is the published one"),
        "the root alone vouches for the rows, not for the methodology: {said_alone}"
    );
    assert!(
        !methodology_verified && methodology_said.contains("manifest SHA-256"),
        "{methodology_said}"
    );
}

#[actix_web::test]
async fn a_file_added_to_the_zip_is_refused_even_when_the_manifest_lists_it() {
    let app = spawn_app(Backend::Sqlite).await;
    closed_with_responses(&app, 700);
    let dir = tempfile::tempdir().unwrap();
    let mut files = unzip(&std::fs::read(export(&app, Encoding::Utf8, dir.path())).unwrap());
    let (verified, _, said) = verify_with(&export(&app, Encoding::Utf8, dir.path()), &[]);
    assert!(verified, "the result set as exported verifies: {said}");
    for name in ["../evil.txt", "notes.txt"] {
        let content = b"added by someone else".to_vec();
        let mut listed = manifest(&files);
        let mut entry = listed.files[0].clone();
        entry.path = name.to_owned();
        entry.sha256 = hex::encode(Sha256::digest(&content));
        entry.bytes = content.len() as u64;
        listed.files.push(entry);
        files.push((name.to_owned(), content.clone()));
        let added = rezipped(&files, dir.path(), "added", &listed, name, &content);
        files.pop();

        let (verified, _, said) = verify_with(&added, &[]);

        assert!(
            !verified && said.contains("no file Minyi writes"),
            "{name}: {said}"
        );
    }
    // And one taken out, with the manifest rewritten to agree.
    for name in ["methodology.md", "codebook.csv", "totals.csv"] {
        let mut listed = manifest(&files);
        listed.files.retain(|f| f.path != name);
        let kept: Vec<(String, Vec<u8>)> =
            files.iter().filter(|(n, _)| n != name).cloned().collect();
        let taken_out = rezipped(
            &kept,
            dir.path(),
            "taken-out",
            &listed,
            "(no file replaced)",
            b"",
        );

        let (verified, _, said) = verify_with(&taken_out, &[]);

        assert!(
            !verified && said.contains(&format!("{name} is missing")),
            "{name}: {said}"
        );
    }
}

/// The manifest's account of the k-anonymity is a claim about the rows and the survey file, and
/// is held to them: an evaluator reading "13 rows suppressed, k = 5" can rely on it.
#[actix_web::test]
async fn a_manifest_misstating_the_anonymization_is_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    closed_with_responses(&app, 700);
    let dir = tempfile::tempdir().unwrap();
    let files = unzip(&std::fs::read(export(&app, Encoding::Utf8, dir.path())).unwrap());
    let said = manifest(&files).anonymization;
    assert!(said.suppressed_rows > 0, "some rows suppressed: {said:?}");
    let merged = |column: &'static str, merges: &[(&str, &str)]| {
        let map: std::collections::BTreeMap<String, String> = merges
            .iter()
            .map(|(from, to)| (from.to_string(), to.to_string()))
            .collect();
        move |m: &mut Manifest| {
            m.anonymization
                .generalized
                .insert(column.to_owned(), map.clone());
        }
    };
    let far_bands = merged(
        "age_band",
        &[
            ("18_29", "18_29~60_plus"),
            ("30_39", "30_39"),
            ("40_49", "40_49"),
            ("50_59", "50_59"),
            ("60_plus", "18_29~60_plus"),
        ],
    );
    let sexes = merged("sex", &[("male", "any"), ("female", "any")]);
    let cases: [(&str, &ManifestEdit, &str); 6] = [
        (
            "the youngest and oldest bands merged",
            &far_bands,
            "manifest.json says age_band was generalized as 18_29+60_plus → 18_29~60_plus; the \
             anonymization merges only neighbouring bands, as 18_29+30_39 → 18_39, 40_49+50_59 → \
             40_59 or as 18_29+30_39+40_49+50_59 → 18_59",
        ),
        (
            "the sexes merged",
            &sexes,
            "manifest.json says sex was generalized as female+male → any; the anonymization \
             merges only neighbouring bands, and sex has none",
        ),
        (
            "no row suppressed",
            &|m| m.anonymization.suppressed_rows = 0,
            "manifest.json says 0",
        ),
        (
            "a larger k",
            &|m| m.anonymization.k *= 2,
            "the survey file's [privacy] k_anonymity is 5",
        ),
        (
            "county alone",
            &|m| m.anonymization.quasi_identifiers = vec!["county".into()],
            "manifest.json names the quasi-identifiers county; the survey file's are county, sex, age_band",
        ),
        (
            "as exported",
            &|_| {},
            "",
        ),
    ];
    for (case, edit, expected) in cases {
        let mut forged = manifest(&files);
        edit(&mut forged);
        let path = rezipped(&files, dir.path(), "claims", &forged, "(none)", b"");

        let (verified, _, complaint) = verify(&path);

        assert_eq!(verified, expected.is_empty(), "{case}: {complaint}");
        assert!(complaint.contains(expected), "{case}: {complaint}");
    }
}

/// A result set an evaluator downloaded from an earlier Minyi verifies with this one: one real
/// result set of every format this Minyi reads, each exported by a Minyi that wrote that format
/// (tests/fixtures/resultsets/README.md says how). The current format's file pins its scripts
/// and recomputed files: a change to one of them that keeps the format's name fails here, as it
/// would fail every evaluator holding one; such a change needs a new format.
#[test]
fn a_result_set_of_every_format_exported_by_the_minyi_of_its_day_verifies() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/resultsets");

    for format in
        std::iter::once(resultset::FORMAT).chain(resultset::EARLIER_FORMATS.iter().copied())
    {
        let number = format.strip_prefix("minyi-resultset/").unwrap();
        let path = fixtures.join(format!("format-{number}.zip"));
        assert!(
            path.exists(),
            "no result set of format {format}: export one into {}",
            path.display()
        );

        let (verified, said, complaint) = verify(&path);

        assert!(
            verified,
            "the result set of format {format} does not verify: {complaint}"
        );
        assert!(
            said.contains("1400 response rows give Merkle root"),
            "{said}"
        );
        assert_eq!(
            said.contains(&format!("It is in the earlier format {format}")),
            format != resultset::FORMAT,
            "{said}"
        );
        assert_eq!(
            said.contains("weights, estimates, totals, evaluation"),
            resultset::has_totals(format),
            "{said}"
        );
        assert_eq!(
            said.contains(
                "Its codebook (codebook.csv, datapackage.json) is held to its manifest only"
            ),
            !resultset::from_format_8(format),
            "{said}"
        );
    }
}

/// Result sets downloaded before `minyi.sps` computed the estimates (format
/// `minyi-resultset/1`), `minyi.R` the points (`/2`), `minyi.sps` the points (`/3`),
/// totals.csv came in (`/4`), the scripts gave a domain whose answers are all the same that
/// value (`/5`) or evaluation.json named the threshold flags as estimates.csv does (`/6`) must
/// still verify with a later Minyi,
/// their scripts made again as their format made them: a forged one is caught, and relabelling
/// a file as an earlier format gains a forger nothing.
#[actix_web::test]
async fn result_sets_of_earlier_formats_verify_with_their_scripts_made_as_then() {
    let app = spawn_app(Backend::Sqlite).await;
    closed_with_responses(&app, 1400);
    let dir = tempfile::tempdir().unwrap();
    let path = export(&app, Encoding::Utf8WithBom, dir.path());
    let files = unzip(&std::fs::read(&path).unwrap());
    let text = |name: &str| String::from_utf8(file(&files, name).to_vec()).unwrap();
    let (sps_8, r_6) = (text("minyi.sps"), text("minyi.R"));
    // `/7` and before: no note on SPSS's names (and no merged bands to label in these 1,400
    // responses, so nothing else differs from `/6` on).
    let names_note =
        "* SPSS names cannot hold a dot: a column of responses.csv and codebook.csv named\n\
                      * question.option (or question.item) is question_option here.\n";
    assert_eq!(sps_8.matches(names_note).count(), 1, "{sps_8}");
    let sps_6 = sps_8.replacen(names_note, "", 1);
    // `/5` and before: a domain whose answers are all the same got their weighted mean, and a
    // threshold was reached only at or above it. In SPSS, no lowest and highest value per
    // domain, nor the block that used them, nor the tie in the scoring and its comments.
    let sps = {
        let block_from = sps_6
            .find("* A domain whose every value of an indicator is the same")
            .expect("minyi.sps gives such a domain its value");
        let block_to = block_from + sps_6[block_from..].find("\n.\n").unwrap() + 3;
        let kept: String = format!("{}{}", &sps_6[..block_from], &sps_6[block_to..])
            .split_inclusive('\n')
            .filter(|line| !line.starts_with("  /min.") && !line.starts_with("  /max."))
            .collect();
        [
            (" - 1E-9 * 80)", ")"),
            (" - 1E-9 * 1)", ")"),
            ("est.ID (the estimate; where every value in the domain is the same, that value) and n.ID", "est.ID (the estimate) and n.ID"),
            (
                " (or falls short of it by no more than a billionth of it,\n\
                 * floating point's rounding of a tie)",
                "",
            ),
            ("totals.csv's points and evaluation.json's ", "evaluation.json's "),
        ]
        .iter()
        .fold(kept, |sps, (now, then)| {
            assert!(sps.contains(now), "minyi.sps holds {now}");
            sps.replace(now, then)
        })
    };
    // In R, neither those nor the totals' new comment and unnamed vector, nor the survey
    // package's degrees of freedom in the comment.
    let r = [
        (
            "  # Every answer the same: that value, and no spread to measure (methodology.md).\n  \
             alike <- n > 0 && all(y[valid] == y[valid][1])\n  if (alike) p <- y[valid][1]\n",
            "",
        ),
        ("  se <- if (alike) 0 else sqrt(v)\n", "  se <- sqrt(v)\n"),
        (
            "  reaches <- function(x) x >= threshold - 1e-9 * max(1, abs(threshold))  # a tie, to rounding\n",
            "",
        ),
        (
            "\"undetermined\" else if (reaches(ci[1])) \"met\" else if (!reaches(ci[2])) \"not_met\"",
            "\"undetermined\" else if (ci[1] >= threshold) \"met\" else if (ci[2] < threshold) \"not_met\"",
        ),
        (
            "ifelse(estimate >= threshold - 1e-9 * pmax(1, abs(threshold)), max_points, 0)))",
            "ifelse(estimate >= threshold, max_points, 0)))",
        ),
        (
            " (or falls short of it by no more than a billionth of it,\n\
             # floating point's rounding of a tie); one scored linearly (linear = TRUE) earns its points\n",
            "; one scored linearly (linear = TRUE) earns its points\n",
        ),
        (
            "for each indicator's values y and each domain, s <- subset(d, <domain> & !is.na(y)):\n\
             #   svyciprop(~y, s, method = \"logit\") for rates; for scores m <- svymean(~y, s,\n\
             #   na.rm = TRUE) and confint(m, df = degf(s)), the answers in the domain less its counties\n\
             #   (svyciprop takes that df itself; a rate of exactly 0 or 1: the exact interval\n\
             #   methodology.md gives, as below).\n",
            "use subset() for domains, svyciprop(method = \"logit\") for rates, svymean for scores\n\
             #   (a rate of exactly 0 or 1: the exact interval methodology.md gives, as below).\n",
        ),
        (", 0,\n  USE.NAMES = FALSE)\n", ", 0)\n"),
        (
            "# minyi_totals holds each domain's total, as totals.csv does: the public page gives it\n\
             # rounded down.\n",
            "# minyi_totals holds each domain's total: the public page gives it rounded down, and\n\
             # evaluation.json gives it under domains[].points.\n",
        ),
    ]
    .iter()
    .fold(r_6.clone(), |r, (now, then)| {
        assert_eq!(r.matches(now).count(), 1, "minyi.R holds {now}");
        r.replacen(now, then, 1)
    });
    assert!(sps.len() < sps_6.len() && !sps.contains("= MIN(value.") && !r.contains("alike"));
    // `/1`'s SPSS script: the reading part alone, which ended with EXECUTE.
    let sps_1 = &sps[..sps
        .find("\n* ---- Each indicator's estimate")
        .expect("minyi.sps recomputes the estimates")];
    assert!(sps_1.ends_with("\nEXECUTE.\n"));
    // `/1` and `/2`'s R script: up to the estimates, without the points.
    let r_2 = &r[..r
        .find("\n# ---- The evaluation component")
        .expect("minyi.R recomputes the points")];
    assert!(
        r_2.ends_with("by = c(\"domain\", \"indicator\"))\n"),
        "{r_2}"
    );
    // `/2` and `/3`'s SPSS script: the estimates without the points, which come before the
    // estimates' formats.
    let points_from = sps
        .find("* ---- The evaluation component")
        .expect("minyi.sps recomputes the points");
    let points_to = points_from + sps[points_from..].find("FORMATS\n  est.").unwrap();
    let sps_3 = format!("{}{}", &sps[..points_from], &sps[points_to..]);
    // `/4` and before: no totals.csv.
    let without_totals: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter(|(name, _)| name != "totals.csv")
        .cloned()
        .collect();
    // Before `/7`, evaluation.json named the threshold flags otherwise.
    let evaluation_7 = file(&files, "evaluation.json").to_vec();
    let evaluation_6 = {
        let mut json: serde_json::Value = serde_json::from_slice(&evaluation_7).unwrap();
        for domain in json["evaluation"]["domains"].as_array_mut().unwrap() {
            for indicator in domain["indicators"].as_array_mut().unwrap() {
                let fields = indicator.as_object_mut().unwrap();
                for (now, then) in [
                    ("estimate_meets_threshold", "point_meets"),
                    ("interval_clears_threshold", "lower_bound_clears"),
                ] {
                    let value = fields.remove(now).expect(now);
                    fields.insert(then.to_owned(), value);
                }
            }
        }
        let mut bytes = serde_json::to_vec_pretty(&json).unwrap();
        bytes.push(b'\n');
        bytes
    };
    // Before `/8`, totals.csv did not count the estimates reaching their thresholds.
    let totals_8 = text("totals.csv");
    let totals_7: String = totals_8
        .split_inclusive("\r\n")
        .map(|line| {
            let mut cells: Vec<&str> = line.split(',').collect();
            cells.remove(9);
            cells.join(",")
        })
        .collect();
    assert!(
        totals_8.contains(",estimate_meets_threshold,") && !totals_7.contains("estimate_meets")
    );
    let with_evaluation = |format: &str, sps: &str, r: &str, evaluation: &[u8]| {
        let totals = if resultset::from_format_8(format) {
            totals_8.as_bytes()
        } else {
            totals_7.as_bytes()
        };
        let mut manifest = manifest(&files);
        manifest.format = format.to_owned();
        let files = if resultset::has_totals(format) {
            &files
        } else {
            manifest.files.retain(|entry| entry.path != "totals.csv");
            &without_totals
        };
        for entry in &mut manifest.files {
            let content = match entry.path.as_str() {
                "minyi.sps" => sps.as_bytes(),
                "minyi.R" => r.as_bytes(),
                "evaluation.json" => evaluation,
                "totals.csv" => totals,
                _ => continue,
            };
            entry.sha256 = hex::encode(Sha256::digest(content));
            entry.bytes = content.len() as u64;
        }
        let mut with_r = files.clone();
        for (name, content) in &mut with_r {
            match name.as_str() {
                "minyi.R" => *content = r.as_bytes().to_vec(),
                "evaluation.json" => *content = evaluation.to_vec(),
                "totals.csv" => *content = totals.to_vec(),
                _ => {}
            }
        }
        rezipped(
            &with_r,
            dir.path(),
            "format",
            &manifest,
            "minyi.sps",
            sps.as_bytes(),
        )
    };
    let with = |format: &str, sps: &str, r: &str| {
        let evaluation = if format == resultset::FORMAT || format == "minyi-resultset/7" {
            &evaluation_7
        } else {
            &evaluation_6
        };
        with_evaluation(format, sps, r, evaluation)
    };
    let forged_sps = sps_1.replacen("VALUE LABELS county", "VALUE LABELS sex", 1);
    let forged_r = r_2.replacen("thresholds <- c(", "thresholds <- c(0, ", 1);
    let now = manifest(&files).format;
    let verified = |zip: PathBuf| verify(&zip);

    let (current, current_said, _) = verify(&path);
    let (seventh, seventh_said, _) = verified(with("minyi-resultset/7", &sps_6, &r_6));
    let (sixth, sixth_said, _) = verified(with("minyi-resultset/6", &sps_6, &r_6));
    let (fifth, fifth_said, _) = verified(with("minyi-resultset/5", &sps, &r));
    let (first, first_said, _) = verified(with("minyi-resultset/1", sps_1, r_2));
    let (second, second_said, _) = verified(with("minyi-resultset/2", &sps_3, r_2));
    let (third, third_said, _) = verified(with("minyi-resultset/3", &sps_3, &r));
    let (fourth, fourth_said, _) = verified(with("minyi-resultset/4", &sps, &r));
    let relabelled_with_totals = {
        let mut manifest = manifest(&files);
        manifest.format = "minyi-resultset/4".to_owned();
        rezipped(
            &files,
            dir.path(),
            "relabelled",
            &manifest,
            "minyi.sps",
            sps_8.as_bytes(),
        )
    };
    let caught = [
        (
            verified(with_evaluation(
                "minyi-resultset/6",
                &sps_6,
                &r_6,
                &evaluation_7,
            )),
            "evaluation.json",
            "today's evaluation.json in a file relabelled /6",
        ),
        (
            verified(with_evaluation(&now, &sps_8, &r_6, &evaluation_6)),
            "evaluation.json",
            "/6's evaluation.json in a file of today's format",
        ),
        (
            verified(with("minyi-resultset/5", &sps_6, &r)),
            "minyi.sps",
            "today's SPSS script in a file relabelled /5",
        ),
        (
            verified(with("minyi-resultset/5", &sps, &r_6)),
            "minyi.R",
            "today's R script in a file relabelled /5",
        ),
        (
            verified(with(&now, &sps_8, &r)),
            "minyi.R",
            "/5's R script in a file of today's format",
        ),
        (
            verified(with(&now, &sps, &r_6)),
            "minyi.sps",
            "/5's SPSS script in a file of today's format",
        ),
        (
            verified(with(&now, &sps_6, &r_6)),
            "minyi.sps",
            "/7's SPSS script (no note on names) in a file of today's format",
        ),
        (
            verified(with("minyi-resultset/7", &sps_8, &r_6)),
            "minyi.sps",
            "today's SPSS script in a file relabelled /7",
        ),
        (
            verified(with("minyi-resultset/1", &forged_sps, r_2)),
            "minyi.sps",
            "a forged SPSS script of /1",
        ),
        (
            verified(relabelled_with_totals),
            "totals.csv came in with format minyi-resultset/5",
            "today's file relabelled /4, its totals.csv kept out of recomputation",
        ),
        (
            verified(with("minyi-resultset/2", &sps_3, &forged_r)),
            "minyi.R",
            "a forged R script of /2",
        ),
        (
            verified(with("minyi-resultset/3", &sps, &r)),
            "minyi.sps",
            "today's SPSS script in a file relabelled /3",
        ),
        (
            verified(with(&now, &sps_3, &r_6)),
            "minyi.sps",
            "/3's SPSS script in a file of today's format",
        ),
        (
            verified(with("minyi-resultset/1", &sps, r_2)),
            "minyi.sps",
            "today's SPSS script in a file relabelled /1",
        ),
        (
            verified(with("minyi-resultset/2", &sps_3, &r)),
            "minyi.R",
            "today's R script in a file relabelled /2",
        ),
        (
            verified(with(&now, sps_1, &r_6)),
            "minyi.sps",
            "/1's SPSS script in a file of today's format",
        ),
        (
            verified(with(&now, &sps_8, r_2)),
            "minyi.R",
            "/2's R script in a file of today's format",
        ),
    ];
    let (later, _, later_said) = verified(with("minyi-resultset/9", &sps_6, &r_6));

    assert!(
        current && !current_said.contains("earlier format"),
        "{current_said}"
    );
    for (verified, said, format) in [
        (first, &first_said, "/1"),
        (second, &second_said, "/2"),
        (third, &third_said, "/3"),
        (fourth, &fourth_said, "/4"),
        (fifth, &fifth_said, "/5"),
        (sixth, &sixth_said, "/6"),
        (seventh, &seventh_said, "/7"),
    ] {
        assert!(
            verified
                && said.contains(&format!(
                    "It is in the earlier format minyi-resultset{format}, whose scripts were made again as that format made them."
                )),
            "{said}"
        );
    }
    for ((verified, _, said), script, what) in caught {
        assert!(
            !verified && said.contains(script),
            "{what} is caught: {said}"
        );
    }
    assert!(
        !later
            && later_said.contains(
                "\"minyi-resultset/9\"; this Minyi reads minyi-resultset/8, minyi-resultset/7, minyi-resultset/6, minyi-resultset/5, minyi-resultset/4, minyi-resultset/3, minyi-resultset/2, minyi-resultset/1"
            ),
        "{later_said}"
    );
}

#[test]
fn verify_names_what_is_wrong_with_a_file_that_is_no_result_set() {
    let dir = tempfile::tempdir().unwrap();
    let not_zip = dir.path().join("notes.zip");
    std::fs::write(&not_zip, "hello").unwrap();

    let repacked = dir.path().join("repacked.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&repacked).unwrap());
    zip.start_file("rs/manifest.json", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut zip, b"{}").unwrap();
    zip.finish().unwrap();

    let (ok, _, not_zip_said) = verify(&not_zip);
    let (folder_ok, _, folder_said) = verify(dir.path());
    let (repacked_ok, _, repacked_said) = verify(&repacked);

    assert!(
        !ok && not_zip_said.contains("is not a zip file")
            && not_zip_said.contains("give the result set's .zip as downloaded"),
        "{not_zip_said}"
    );
    assert!(
        !folder_ok && folder_said.contains("is a folder: give the result set's .zip file itself"),
        "{folder_said}"
    );
    assert!(
        !repacked_ok
            && repacked_said
                .contains("manifest.json is not at the top of the zip but at rs/manifest.json"),
        "{repacked_said}"
    );
}

/// A zip holding one name twice (an altered `estimates.csv` before the released one): unzip
/// programs keep the first, the last, or ask, so what the evaluator opens need not be what was
/// checked. Refused, even with the published manifest's hash.
#[actix_web::test]
async fn a_zip_holding_a_file_twice_is_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    closed_with_responses(&app, 700);
    let dir = tempfile::tempdir().unwrap();
    let files = unzip(&std::fs::read(export(&app, Encoding::Utf8, dir.path())).unwrap());
    let published_manifest = hex::encode(Sha256::digest(file(&files, "manifest.json")));
    let estimates = String::from_utf8(file(&files, "estimates.csv").to_vec()).unwrap();
    let altered = estimates.replace("not_met", "met");
    assert_ne!(altered, estimates, "some indicator is not met");
    for name in ["estimates.csv", "responses.csv"] {
        // The zip crate writes no name twice: the extra entry goes in under a stand-in of the
        // same length, which is then renamed in the zip's bytes (a name is in no checksum).
        let stand_in = name.replace(".csv", ".cs_");
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file(stand_in.as_str(), options).unwrap();
        zip.write_all(altered.as_bytes()).unwrap();
        for (file_name, content) in &files {
            zip.start_file(file_name.as_str(), options).unwrap();
            zip.write_all(content).unwrap();
        }
        let bytes = zip.finish().unwrap().into_inner();
        let renamed = replace_bytes(&bytes, stand_in.as_bytes(), name.as_bytes());
        let path = dir.path().join(format!("twice-{name}.zip"));
        std::fs::write(&path, renamed).unwrap();

        let (verified, _, said) = verify_with(&path, &["--expect-manifest", &published_manifest]);

        assert!(
            !verified && said.contains(&format!("the zip holds {name} twice")),
            "{name}: {said}"
        );
    }
}

/// Entries whose stored name differs from the name an Info-ZIP Unicode path field (0x7075) gives
/// them: unzip programs and the zip crate take the field's, Windows' own and Python's zipfile
/// the stored one, so two evaluators would open different files. Refused: an altered copy
/// stored under another name and renamed by the field into a second estimates.csv, and the
/// released estimates.csv stored as estimates.txt.
#[actix_web::test]
async fn a_zip_renaming_a_file_through_a_unicode_path_field_is_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    closed_with_responses(&app, 700);
    let dir = tempfile::tempdir().unwrap();
    let files = unzip(&std::fs::read(export(&app, Encoding::Utf8, dir.path())).unwrap());
    let published_manifest = hex::encode(Sha256::digest(file(&files, "manifest.json")));
    let estimates = file(&files, "estimates.csv").to_vec();
    let altered = String::from_utf8(estimates.clone())
        .unwrap()
        .replace("not_met", "met")
        .into_bytes();
    let others: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter(|(name, _)| name != "estimates.csv")
        .cloned()
        .collect();
    let cases: [(&str, &str, &[u8], &Files, String); 2] = [
        (
            // First: the zip crate keeps the released one, listed after it, and checks that,
            // while an unzip that keeps the first shows the evaluator the altered one.
            "a second estimates.csv",
            "estimates-other.csv",
            &altered,
            &files,
            format!(
                "the zip lists {} entries but {} distinct names",
                files.len() + 1,
                files.len()
            ),
        ),
        (
            "estimates.csv stored as estimates.txt",
            "estimates.txt",
            &estimates,
            &others,
            "the zip stores an entry as estimates.txt but names it estimates.csv in a Unicode \
             path field"
                .to_owned(),
        ),
    ];
    for (case, stored_name, content, rest, expected) in cases {
        let path = dir.path().join(format!("{stored_name}.zip"));
        std::fs::write(
            &path,
            zip_renaming(stored_name, "estimates.csv", content, rest),
        )
        .unwrap();

        let (verified, _, said) = verify_with(&path, &["--expect-manifest", &published_manifest]);

        assert!(!verified && said.contains(&expected), "{case}: {said}");
    }
}

/// A result set's files: name and content.
type Files = [(String, Vec<u8>)];

/// A zip holding `content` stored as `stored_name` with a Unicode path field naming it
/// `named`, then `rest`.
fn zip_renaming(
    stored_name: &str,
    named: &str,
    content: &[u8],
    rest: &[(String, Vec<u8>)],
) -> Vec<u8> {
    // The field: version 1, the CRC-32 of the stored name, then the name it stands for.
    let mut crc = flate2::Crc::new();
    crc.update(stored_name.as_bytes());
    let mut field = vec![1u8];
    field.extend(crc.sum().to_le_bytes());
    field.extend(named.as_bytes());
    // The zip crate writes no 0x7075 field itself: it goes in under a stand-in id, which is then
    // changed in the zip's bytes.
    const STAND_IN: u16 = 0x4242;
    let mut options = zip::write::FullFileOptions::default();
    options
        .add_extra_data(STAND_IN, field.clone(), true)
        .unwrap();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(stored_name, options).unwrap();
    zip.write_all(content).unwrap();
    for (file_name, content) in rest {
        zip.start_file(file_name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(content).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    let length = u16::try_from(field.len()).unwrap().to_le_bytes();
    let [stand_in_lo, stand_in_hi] = STAND_IN.to_le_bytes();
    let renamed = replace_bytes(
        &bytes,
        &[stand_in_lo, stand_in_hi, length[0], length[1]],
        &[0x75, 0x70, length[0], length[1]],
    );
    assert_ne!(renamed, bytes, "the stand-in id was found");
    renamed
}

/// `bytes` with every occurrence of `from` replaced by `to` (of the same length).
fn replace_bytes(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = bytes.to_vec();
    let mut at = 0;
    while let Some(found) = out[at..].windows(from.len()).position(|w| w == from) {
        out[at + found..at + found + from.len()].copy_from_slice(to);
        at += found + from.len();
    }
    out
}
