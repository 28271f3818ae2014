//! `minyi verify FILE.zip`: checks a result set without trusting anything in it but the
//! survey file: every file against the manifest's SHA-256, the Merkle root and count of the
//! response rows, then recomputes the weights, the estimates and the evaluation from
//! `responses.csv` and `survey.toml` and compares them with the released ones. The first
//! discrepancy is reported, naming the file, row or line, and both values.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::merkle::MerkleRoot;
use super::resultset::{
    self, columns, estimates_csv, evaluation_json, release_definition, stratum_code, Manifest,
};
use super::{encode_row, Encoding};
use crate::evaluation::{evaluate_weighted, sample_weights, Inclusion, SampleBuilder};
use crate::privacy::kanon;
use crate::survey::Survey;

/// What a verified result set is.
#[derive(Debug)]
pub struct Verified {
    pub survey_id: String,
    pub survey_version: String,
    pub manifest_sha256: String,
    pub merkle_root: String,
    pub responses: u64,
    pub files: usize,
    /// The CSV encoding: the Excel one (byte-order mark) or plain UTF-8.
    pub encoding: Encoding,
    /// `manifest.json`'s format: [`resultset::FORMAT`] or one of the earlier ones.
    pub format: String,
}

/// Every file a result set of any format holds besides manifest.json (totals.csv from /5 on,
/// codebook.csv from /2 on).
const RELEASED_FILES: [&str; 10] = [
    "responses.csv",
    "codebook.csv",
    "estimates.csv",
    "totals.csv",
    "evaluation.json",
    "datapackage.json",
    "methodology.md",
    "survey.toml",
    "minyi.R",
    "minyi.sps",
];

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("cannot read the result set: {0}")]
    Unreadable(String),
    #[error("{0}")]
    Discrepancy(String),
}

fn discrepancy(text: impl Into<String>) -> VerifyError {
    VerifyError::Discrepancy(text.into())
}

type Zip = zip::ZipArchive<std::io::BufReader<std::fs::File>>;

/// The zip's small files in memory, by name; `responses.csv` (which may hold a million rows)
/// is only listed, with no content, and read as a stream later.
fn read_zip(path: &Path) -> Result<(Zip, HashMap<String, Vec<u8>>), VerifyError> {
    if path.is_dir() {
        return Err(VerifyError::Unreadable(format!(
            "{} is a folder: give the result set's .zip file itself, as downloaded",
            path.display()
        )));
    }
    let file = std::fs::File::open(path)
        .map_err(|e| VerifyError::Unreadable(format!("{}: {e}", path.display())))?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| {
        VerifyError::Unreadable(format!(
            "{} is not a zip file ({e}): give the result set's .zip as downloaded",
            path.display()
        ))
    })?;
    // Two entries of one name: an unzip keeps the first or the last, or asks, so what the
    // evaluator opens need not be the one checked.
    let unreadable =
        |e: std::io::Error| VerifyError::Unreadable(format!("{}: {e}", path.display()));
    let listed = std::fs::File::open(path)
        .map(std::io::BufReader::new)
        .and_then(|mut file| central_directory_names(&mut file, archive.central_directory_start()))
        .map_err(unreadable)?;
    let mut seen = std::collections::HashSet::new();
    if let Some(twice) = listed.iter().find(|name| !seen.insert(*name)) {
        return Err(discrepancy(format!(
            "the zip holds {} twice: a result set holds each file once, so one of them was \
             added (unzip programs keep either, or ask)",
            String::from_utf8_lossy(twice)
        )));
    }
    // Names that differ as bytes can still be one name to an unzip program (an Info-ZIP Unicode
    // path field gives a record another name), and the zip crate then keeps only one of them.
    if listed.len() != archive.len() {
        return Err(discrepancy(format!(
            "the zip lists {} entries but {} distinct names: a result set holds each file once \
             under one name, so one of them was added (unzip programs keep either, or ask)",
            listed.len(),
            archive.len()
        )));
    }
    let mut files = HashMap::new();
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| VerifyError::Unreadable(e.to_string()))?;
        // A Unicode path field gives an entry another name than it is stored under; programs
        // that ignore the field (Windows' own, Python's zipfile) show the stored one. Minyi's
        // names are plain ASCII, stored as they are.
        if listed.get(i).map(Vec::as_slice) != Some(entry.name().as_bytes()) {
            return Err(discrepancy(format!(
                "the zip stores an entry as {} but names it {} in a Unicode path field: \
                 unzip programs differ on which they show, so the file was altered",
                listed
                    .get(i)
                    .map_or_else(String::new, |name| String::from_utf8_lossy(name)
                        .into_owned()),
                entry.name()
            )));
        }
        let mut content = Vec::new();
        if entry.name() != RESPONSES {
            entry
                .read_to_end(&mut content)
                .map_err(|e| VerifyError::Unreadable(format!("{}: {e}", entry.name())))?;
        }
        files.insert(entry.name().to_owned(), content);
    }
    Ok((archive, files))
}

const RESPONSES: &str = "responses.csv";

/// The name of every record of a zip's central directory, in order, read with the zip format's
/// record layout (APPNOTE 4.3.12: a 46-byte header whose lengths of name, extra field and
/// comment are at bytes 28, 30 and 32). The zip crate keeps one entry per name (the last of
/// those named alike), so it cannot tell that a name is there twice.
fn central_directory_names(
    file: &mut (impl Read + std::io::Seek),
    start: u64,
) -> std::io::Result<Vec<Vec<u8>>> {
    const SIGNATURE: [u8; 4] = [0x50, 0x4b, 0x01, 0x02];
    file.seek(std::io::SeekFrom::Start(start))?;
    let mut names = Vec::new();
    let mut header = [0u8; 46];
    while file.read_exact(&mut header).is_ok() && header[..4] == SIGNATURE {
        let length = |at: usize| u16::from_le_bytes([header[at], header[at + 1]]);
        let mut name = vec![0u8; usize::from(length(28))];
        file.read_exact(&mut name)?;
        file.seek_relative(i64::from(length(30)) + i64::from(length(32)))?;
        names.push(name);
    }
    Ok(names)
}

/// Reads through to SHA-256 as it goes.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Where two lines of a CSV file first differ: the column by the header's name, the two
/// values, and the row's first cell and indicator (if it has one) to find it by.
struct DifferingCell {
    row: String,
    column: String,
    released: String,
    recomputed: String,
}

fn differing_cell(header: &str, released: &str, recomputed: &str) -> Option<DifferingCell> {
    let cells = |line: &str| -> Option<Vec<String>> {
        let line = line.trim_start_matches('\u{feff}');
        let record = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.as_bytes())
            .records()
            .next()?
            .ok()?;
        Some(record.iter().map(str::to_owned).collect())
    };
    let (names, was, is) = (cells(header)?, cells(released)?, cells(recomputed)?);
    let at = was.iter().zip(&is).position(|(x, y)| x != y)?;
    Some(DifferingCell {
        row: std::iter::once(0)
            .chain(names.iter().position(|name| name == "indicator"))
            .filter_map(|i| was.get(i).cloned())
            .collect::<Vec<_>>()
            .join(", "),
        column: names.get(at)?.clone(),
        released: was[at].clone(),
        recomputed: is[at].clone(),
    })
}

/// The first line where two texts differ, for a message; in a CSV file, the cell.
fn first_difference(file: &str, released: &[u8], recomputed: &[u8]) -> VerifyError {
    let (a, b) = (
        String::from_utf8_lossy(released),
        String::from_utf8_lossy(recomputed),
    );
    let mut lines = a.lines().zip(b.lines()).enumerate();
    match lines.find(|(_, (x, y))| x != y) {
        Some((i, (x, y))) => match file
            .ends_with(".csv")
            .then(|| differing_cell(a.lines().next().unwrap_or_default(), x, y))
            .flatten()
        {
            Some(cell) => discrepancy(format!(
                "{file} line {} ({}), column {}: released {:?}, recomputed {:?}",
                i + 1,
                cell.row,
                cell.column,
                cell.released,
                cell.recomputed
            )),
            None => discrepancy(format!(
                "{file} line {}: released {x:?}, recomputed {y:?}",
                i + 1
            )),
        },
        None => discrepancy(format!(
            "{file}: released {} lines, recomputed {}",
            a.lines().count(),
            b.lines().count()
        )),
    }
}

pub fn verify(path: &Path) -> Result<Verified, VerifyError> {
    let (mut archive, files) = read_zip(path)?;
    let manifest_bytes = files.get("manifest.json").ok_or_else(|| {
        match files.keys().find(|name| name.ends_with("/manifest.json")) {
            Some(nested) => discrepancy(format!(
                "manifest.json is not at the top of the zip but at {nested}: the zip was \
                 unpacked and packed again; verify the result set's .zip as downloaded"
            )),
            None => discrepancy("manifest.json is missing: this is not a Minyi result set"),
        }
    })?;
    let manifest: Manifest = serde_json::from_slice(manifest_bytes)
        .map_err(|e| discrepancy(format!("manifest.json cannot be read: {e}")))?;
    if manifest.format != resultset::FORMAT
        && !resultset::EARLIER_FORMATS.contains(&manifest.format.as_str())
    {
        let readable: Vec<&str> = std::iter::once(resultset::FORMAT)
            .chain(resultset::EARLIER_FORMATS.iter().copied())
            .collect();
        return Err(discrepancy(format!(
            "manifest.json has format {:?}; this Minyi reads {} (a later format needs a later Minyi)",
            manifest.format,
            readable.join(", ")
        )));
    }

    // 1. Every file is the one the manifest names (responses.csv is hashed as it is read).
    for entry in &manifest.files {
        let content = files.get(&entry.path).ok_or_else(|| {
            discrepancy(format!(
                "{} is listed in the manifest but missing",
                entry.path
            ))
        })?;
        if entry.path == RESPONSES {
            continue;
        }
        let actual = sha256(content);
        if actual != entry.sha256 {
            return Err(discrepancy(format!(
                "{}: SHA-256 is {actual}, the manifest says {}",
                entry.path, entry.sha256
            )));
        }
    }
    if let Some(extra) = files
        .keys()
        .filter(|name| *name != "manifest.json")
        .find(|name| !manifest.files.iter().any(|f| &f.path == *name))
    {
        return Err(discrepancy(format!(
            "{extra} is in the zip but not in the manifest"
        )));
    }
    // Only the files Minyi writes: an added file, however the manifest vouches for it, is
    // nothing Minyi released (and a name such as ../x would be written outside the folder
    // by an unzip that trusts it).
    if let Some(stranger) = manifest
        .files
        .iter()
        .map(|f| f.path.as_str())
        .find(|name| !RELEASED_FILES.contains(name))
    {
        return Err(discrepancy(format!(
            "{stranger:?} is no file Minyi writes into a result set (it writes {})",
            RELEASED_FILES.join(", ")
        )));
    }
    // And every file its format holds: one taken out, however the manifest was rewritten to
    // agree, leaves the result set incomplete (codebook.csv from /2 on, totals.csv from /5).
    if let Some(missing) = RELEASED_FILES.iter().find(|name| {
        let in_format = match **name {
            "codebook.csv" => manifest.format != resultset::FORMAT_1,
            "totals.csv" => resultset::has_totals(&manifest.format),
            _ => true,
        };
        in_format && !manifest.files.iter().any(|f| f.path == **name)
    }) {
        return Err(discrepancy(format!(
            "{missing} is missing: a result set of format {} holds it",
            manifest.format
        )));
    }
    // A file relabelled as an earlier format would escape totals.csv's recomputation.
    if !resultset::has_totals(&manifest.format) && files.contains_key("totals.csv") {
        return Err(discrepancy(format!(
            "totals.csv came in with format {}, but manifest.json says {:?}: the file was \
             relabelled",
            resultset::FORMAT_5,
            manifest.format
        )));
    }
    let file = |name: &str| {
        files
            .get(name)
            .map(Vec::as_slice)
            .ok_or_else(|| discrepancy(format!("{name} is missing")))
    };
    let definition = file(&manifest.definition)?;
    if sha256(definition) != manifest.survey_version {
        return Err(discrepancy(format!(
            "{}: SHA-256 is {}, but the survey version is {}",
            manifest.definition,
            sha256(definition),
            manifest.survey_version
        )));
    }
    let source = std::str::from_utf8(definition)
        .map_err(|_| discrepancy(format!("{} is not UTF-8 text", manifest.definition)))?;
    let survey = Survey::from_stored_toml(source, &manifest.definition).map_err(|e| {
        discrepancy(format!(
            "{} is not a valid survey file: {e}",
            manifest.definition
        ))
    })?;
    let encoding = match manifest.encoding.as_str() {
        "utf-8-sig" => Encoding::Utf8WithBom,
        "utf-8" => Encoding::Utf8,
        other => {
            return Err(discrepancy(format!(
                "manifest.json names an unknown encoding {other:?}"
            )))
        }
    };

    // 2. The rows: Merkle root, count, numbering; and each row into the weighting sample.
    generalization_holds(&survey, &manifest.anonymization.generalized)?;
    let release = release_definition(&survey, &manifest.anonymization.generalized);
    let columns = if resultset::from_format_8(&manifest.format) {
        columns(&release)
    } else {
        columns(&survey)
    };
    let listed = manifest
        .files
        .iter()
        .find(|f| f.path == RESPONSES)
        .ok_or_else(|| discrepancy("responses.csv is not listed in the manifest"))?;
    let entry = archive
        .by_name(RESPONSES)
        .map_err(|_| discrepancy("responses.csv is missing"))?;
    let mut hashing = Hashing {
        inner: std::io::BufReader::new(entry),
        hash: Sha256::new(),
    };
    let mut merkle = MerkleRoot::new();
    let mut builder = SampleBuilder::new(&release);
    let mut released = Released::new(&columns, &manifest.anonymization.quasi_identifiers);
    let rows = read_rows(
        &mut hashing,
        &columns,
        &release,
        &mut merkle,
        &mut builder,
        &mut released,
    );
    // A changed file is named as such before anything its rows say.
    std::io::copy(&mut hashing, &mut std::io::sink())
        .map_err(|e| VerifyError::Unreadable(format!("responses.csv: {e}")))?;
    let actual = hex::encode(hashing.hash.finalize());
    if actual != listed.sha256 {
        return Err(discrepancy(format!(
            "responses.csv: SHA-256 is {actual}, the manifest says {}",
            listed.sha256
        )));
    }
    rows?;
    if merkle.leaves() != manifest.responses {
        return Err(discrepancy(format!(
            "responses.csv has {} rows; the manifest says {}",
            merkle.leaves(),
            manifest.responses
        )));
    }
    let root = merkle.finish();
    if root != manifest.merkle_root {
        return Err(discrepancy(format!(
            "the Merkle root of responses.csv is {root}; the manifest says {}",
            manifest.merkle_root
        )));
    }
    anonymization_holds(
        &survey,
        &manifest.anonymization,
        &released.quasi_identifiers,
    )?;

    // 3. Recompute the weights, the estimates and the evaluation.
    let sample = builder.finish();
    // Weighed once, for the weights column and the evaluation alike.
    let weights = sample_weights(&release, &sample)
        .map_err(|e| discrepancy(format!("the released rows cannot be weighted: {e}")))?;
    for ((number, released), recomputed) in released.weights.iter().zip(&weights.weights) {
        if *released != Some(*recomputed) {
            let text = released.map(|w| w.to_string()).unwrap_or_default();
            return Err(discrepancy(format!(
                "responses.csv row {number}: weight {text:?} released, {recomputed} recomputed"
            )));
        }
    }
    let evaluation = evaluate_weighted(&release, &sample, &weights)
        .map_err(|e| discrepancy(format!("the released rows cannot be evaluated: {e}")))?;
    let estimates = estimates_csv(&evaluation, encoding).map_err(|e| discrepancy(e.to_string()))?;
    if estimates != file("estimates.csv")? {
        return Err(first_difference(
            "estimates.csv",
            file("estimates.csv")?,
            &estimates,
        ));
    }
    if resultset::has_totals(&manifest.format) {
        let totals = resultset::totals_csv(&evaluation, &release, encoding, &manifest.format)
            .map_err(|e| discrepancy(e.to_string()))?;
        if totals != file("totals.csv")? {
            return Err(first_difference("totals.csv", file("totals.csv")?, &totals));
        }
    }
    let json = evaluation_json(&evaluation, &manifest.survey_version, &manifest.format)
        .map_err(|e| discrepancy(e.to_string()))?;
    if json != file("evaluation.json")? {
        return Err(first_difference(
            "evaluation.json",
            file("evaluation.json")?,
            &json,
        ));
    }
    // 4. The scripts, and from format /8 the codebook, made from survey.toml alone (as the
    // file's format made them): a changed one would label or compute something other than
    // what the files hold, with every hash made to agree.
    if resultset::from_format_8(&manifest.format) {
        let codebook =
            resultset::codebook_csv(&columns, encoding).map_err(|e| discrepancy(e.to_string()))?;
        let datapackage =
            resultset::datapackage(&columns, &survey, &manifest.survey_version, encoding);
        for (name, made) in [
            ("codebook.csv", codebook),
            ("datapackage.json", datapackage),
        ] {
            if made != file(name)? {
                return Err(first_difference(name, file(name)?, &made));
            }
        }
    }
    for (name, made) in [
        (
            "minyi.sps",
            resultset::spss_script(&columns, encoding, &release, &manifest.format),
        ),
        (
            "minyi.R",
            resultset::r_script_of_format(&columns, encoding, &release, &manifest.format),
        ),
    ] {
        if made != file(name)? {
            return Err(first_difference(name, file(name)?, &made));
        }
    }
    Ok(Verified {
        survey_id: manifest.survey_id,
        survey_version: manifest.survey_version,
        manifest_sha256: sha256(manifest_bytes),
        merkle_root: root,
        responses: manifest.responses,
        files: manifest.files.len(),
        encoding,
        format: manifest.format,
    })
}

/// What the rows of responses.csv say beyond the sample: each used row's released weight, and
/// each row's quasi-identifier values (in the manifest's order of them).
struct Released {
    weights: Vec<(u64, Option<f64>)>,
    quasi_identifiers: Vec<Vec<String>>,
    /// Where each quasi-identifier the manifest names is among the columns (`None`: none is
    /// named so, which the check of the anonymization reports).
    positions: Vec<Option<usize>>,
}

impl Released {
    fn new(columns: &[resultset::Column], quasi_identifiers: &[String]) -> Released {
        Released {
            weights: Vec::new(),
            quasi_identifiers: Vec::new(),
            positions: quasi_identifiers
                .iter()
                .map(|name| columns.iter().position(|c| c.name == *name))
                .collect(),
        }
    }
}

/// The manifest's account of the k-anonymity, held to the survey file and the rows: its k and
/// quasi-identifiers are the file's, the rows it says were suppressed are the rows suppressed,
/// and no other combination of quasi-identifier values is shared by fewer than k rows.
fn anonymization_holds(
    survey: &Survey,
    said: &resultset::Anonymization,
    rows: &[Vec<String>],
) -> Result<(), VerifyError> {
    let k = usize::try_from(survey.privacy.k_anonymity).unwrap_or(usize::MAX);
    if said.k != k {
        return Err(discrepancy(format!(
            "manifest.json says the rows are {}-anonymous; the survey file's [privacy] \
             k_anonymity is {k}",
            said.k
        )));
    }
    let named: Vec<String> = kanon::survey_columns(survey)
        .into_iter()
        .map(|c| c.name)
        .collect();
    if said.quasi_identifiers != named {
        return Err(discrepancy(format!(
            "manifest.json names the quasi-identifiers {}; the survey file's are {}",
            said.quasi_identifiers.join(", "),
            named.join(", ")
        )));
    }
    let suppressed = rows
        .iter()
        .filter(|row| !row.is_empty() && row.iter().all(|v| v == kanon::SUPPRESSED))
        .count();
    if suppressed != said.suppressed_rows {
        return Err(discrepancy(format!(
            "responses.csv has {suppressed} rows whose quasi-identifiers are all {:?}; \
             manifest.json says {}",
            kanon::SUPPRESSED,
            said.suppressed_rows
        )));
    }
    if let Some(smallest) = kanon::violations(rows, k).first() {
        return Err(discrepancy(format!(
            "responses.csv is not {k}-anonymous: {} ({}) is shared by {} row(s)",
            smallest.values.join(", "),
            named.join(", "),
            smallest.count
        )));
    }
    Ok(())
}

/// The manifest's merges of bands, held to the steps the anonymization could take: they weight
/// the rows (a merged band's population is the sum of its bands'), so a grouping a forger
/// prefers would move the figures recomputed from the very rows released.
fn generalization_holds(
    survey: &Survey,
    generalized: &std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
) -> Result<(), VerifyError> {
    // As export takes them: the county is never merged.
    let columns = resultset::qi_columns(survey);
    for (column, merges) in generalized {
        let steps = columns
            .iter()
            .find(|c| &c.name == column)
            .map(|c| c.steps.as_slice())
            .unwrap_or_default();
        if steps.iter().any(|step| &step.map == merges) {
            continue;
        }
        let said = |merges: Vec<String>| {
            if merges.is_empty() {
                "no merge".to_owned()
            } else {
                merges.join(", ")
            }
        };
        let claimed = kanon::Generalization {
            map: merges.clone(),
        };
        let possible: Vec<String> = steps.iter().map(|step| said(step.describe())).collect();
        return Err(discrepancy(format!(
            "manifest.json says {column} was generalized as {}; the anonymization merges only \
             neighbouring bands, {}",
            said(claimed.describe()),
            if possible.is_empty() {
                format!("and {column} has none")
            } else {
                format!("as {}", possible.join(" or as "))
            }
        )));
    }
    Ok(())
}

/// Reads the rows of `responses.csv`: each into the Merkle tree and the weighting sample, with
/// its numbering, exclusion and released weight checked as far as a row alone can tell.
fn read_rows(
    reader: &mut dyn Read,
    columns: &[resultset::Column],
    release: &Survey,
    merkle: &mut MerkleRoot,
    builder: &mut SampleBuilder<'_>,
    released: &mut Released,
) -> Result<(), VerifyError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(&mut *reader);
    let header: Vec<String> = csv
        .headers()
        .map_err(|e| discrepancy(format!("responses.csv: {e}")))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect();
    let expected: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    if header != expected {
        return Err(discrepancy(format!(
            "responses.csv has the columns {}; the survey file gives {}",
            header.join(","),
            expected.join(",")
        )));
    }
    for (i, record) in csv.records().enumerate() {
        let record = record.map_err(|e| discrepancy(format!("responses.csv: {e}")))?;
        let cells: Vec<&str> = record.iter().collect();
        merkle.add(&encode_row(&cells).map_err(|e| discrepancy(e.to_string()))?);
        let number = i as u64 + 1;
        let row = columns::read_row(columns, &cells)
            .map_err(|e| discrepancy(format!("responses.csv row {number}: {e}")))?;
        if row.row != number.to_string() {
            return Err(discrepancy(format!(
                "responses.csv: the row numbered {} is row {number} of the file; rows are numbered 1, 2, 3 … without gaps",
                row.row
            )));
        }
        released.quasi_identifiers.push(
            released
                .positions
                .iter()
                .map(|at| at.and_then(|i| cells.get(i)).unwrap_or(&"").to_string())
                .collect(),
        );
        let stratum = stratum_code(release, &row.answers);
        let inclusion = builder.add(&stratum, &row.answers, &row.flags, &row.channel);
        let recomputed = match inclusion {
            Inclusion::Used => "",
            Inclusion::Excluded(reason) => reason,
        };
        if row.excluded != recomputed {
            return Err(discrepancy(format!(
                "responses.csv row {number}: excluded is {:?}, the survey's rules give {recomputed:?}",
                row.excluded
            )));
        }
        let weight = if row.weight.is_empty() {
            None
        } else {
            Some(row.weight.parse::<f64>().map_err(|_| {
                discrepancy(format!(
                    "responses.csv row {number}: weight {:?} is not a number",
                    row.weight
                ))
            })?)
        };
        if inclusion == Inclusion::Used {
            released.weights.push((number, weight));
        } else if weight.is_some() {
            return Err(discrepancy(format!(
                "responses.csv row {number} is excluded but has a weight"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Survey {
        crate::survey::tests::example()
    }

    fn rows(combinations: &[(&[&str; 3], usize)]) -> Vec<Vec<String>> {
        combinations
            .iter()
            .flat_map(|(values, n)| {
                std::iter::repeat_with(|| values.iter().map(|v| v.to_string()).collect()).take(*n)
            })
            .collect()
    }

    #[test]
    fn rows_sharing_a_combination_with_fewer_than_k_others_are_not_anonymous() {
        let survey = example();
        let said = resultset::Anonymization {
            k: 5,
            quasi_identifiers: vec!["county".into(), "sex".into(), "age_band".into()],
            generalized: Default::default(),
            suppressed_rows: 2,
        };
        let suppressed = ["suppressed"; 3];
        let anonymous = rows(&[
            (&["nanhu", "male", "18_29"], 5),
            (&["haiyan", "female", "60_plus"], 7),
            (&suppressed, 2),
        ]);
        assert!(anonymization_holds(&survey, &said, &anonymous).is_ok());

        let lone = rows(&[
            (&["nanhu", "male", "18_29"], 5),
            (&["haiyan", "female", "60_plus"], 4),
            (&suppressed, 2),
        ]);
        let complaint = anonymization_holds(&survey, &said, &lone)
            .unwrap_err()
            .to_string();
        assert!(
            complaint.contains("not 5-anonymous: haiyan, female, 60_plus")
                && complaint.contains("4 row(s)"),
            "{complaint}"
        );
    }
}
