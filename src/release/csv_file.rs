//! The one CSV writer: RFC 4180 quoting, UTF-8 with a byte-order mark by default (Excel and WPS
//! then show Chinese correctly), and cells that a spreadsheet would run as a formula defanged.

use std::io::Write;

/// Byte-order mark or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 with a byte-order mark: what Excel and WPS need to read Chinese.
    #[default]
    Utf8WithBom,
    /// Plain UTF-8, for R, Python and other tools that do not want a mark.
    Utf8,
}

/// A CSV file written row by row: into memory (`CsvFile::new`), or streamed into any writer
/// (`CsvFile::to_writer`) so that a million rows never sit in memory at once.
pub struct CsvFile<W: Write = Vec<u8>> {
    out: W,
}

const BOM: &[u8] = "\u{feff}".as_bytes();

impl CsvFile<Vec<u8>> {
    pub fn new(encoding: Encoding, header: &[&str]) -> Result<CsvFile, csv::Error> {
        CsvFile::to_writer(Vec::new(), encoding, header)
    }
}

impl<W: Write> CsvFile<W> {
    /// Starts a CSV file in `out`: the byte-order mark (if asked for) and the header row.
    pub fn to_writer(
        mut out: W,
        encoding: Encoding,
        header: &[&str],
    ) -> Result<CsvFile<W>, csv::Error> {
        if encoding == Encoding::Utf8WithBom {
            out.write_all(BOM)?;
        }
        let mut file = CsvFile { out };
        file.row(header)?;
        Ok(file)
    }

    pub fn row<I, S>(&mut self, cells: I) -> Result<(), csv::Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.row_line(cells).map(|_| ())
    }

    /// Writes a row and returns its bytes without the line end: what a Merkle leaf of the row
    /// hashes (`release::merkle`).
    pub fn row_line<I, S>(&mut self, cells: I) -> Result<Vec<u8>, csv::Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let line = encode_row(cells)?;
        self.out.write_all(&line)?;
        self.out.write_all(b"\r\n")?;
        Ok(line)
    }

    pub fn finish(mut self) -> Result<W, csv::Error> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// One row as RFC 4180 text (quoted only where needed, formulas defanged), without its line end.
pub fn encode_row<I, S>(cells: I) -> Result<Vec<u8>, csv::Error>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .buffer_capacity(512)
        .from_writer(Vec::with_capacity(256));
    writer.write_record(cells.into_iter().map(|c| defang(c.as_ref()).into_owned()))?;
    let mut line = writer.into_inner().map_err(|e| e.into_error())?;
    line.truncate(line.len().saturating_sub(2));
    Ok(line)
}

/// A cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return) would run as a
/// formula in a spreadsheet; it gets a leading apostrophe. Numbers such as `-0.5` stay numbers;
/// `-inf` or `+NaN`, which Rust reads as numbers and a spreadsheet as a formula, do not.
pub fn defang(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !cell.parse::<f64>().is_ok_and(f64::is_finite) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// A number for a CSV cell: empty when undefined.
pub fn number(value: f64) -> String {
    if value.is_finite() {
        value.to_string()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defanged_and_numbers_kept() {
        let cases = [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+86 138", "'+86 138"),
            ("-cmd", "'-cmd"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("-0.25", "-0.25"),
            ("-1e5", "-1e5"),
            ("-inf", "'-inf"),
            ("+NaN", "'+NaN"),
            ("-Infinity", "'-Infinity"),
            ("满意", "满意"),
            ("", ""),
        ];
        for (cell, expected) in cases {
            assert_eq!(defang(cell), expected, "{cell}");
        }
    }

    #[test]
    fn excel_files_start_with_a_byte_order_mark_and_quote_per_rfc_4180() {
        let mut file = CsvFile::new(Encoding::Utf8WithBom, &["county", "note"]).unwrap();
        file.row(["南湖区", "说\"好\", 行"]).unwrap();
        let bytes = file.finish().unwrap();
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(text, "county,note\r\n南湖区,\"说\"\"好\"\", 行\"\r\n");
    }

    #[test]
    fn plain_utf8_has_no_mark() {
        let bytes = CsvFile::new(Encoding::Utf8, &["a"])
            .unwrap()
            .finish()
            .unwrap();
        assert_eq!(bytes, b"a\r\n");
    }
}
