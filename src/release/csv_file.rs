//! The one CSV writer: RFC 4180 quoting, UTF-8 with a byte-order mark by default (Excel and WPS
//! then show Chinese correctly), and cells that a spreadsheet would run as a formula defanged.

/// Byte-order mark or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 with a byte-order mark: what Excel and WPS need to read Chinese.
    #[default]
    Utf8WithBom,
    /// Plain UTF-8, for R, Python and other tools that do not want a mark.
    Utf8,
}

/// A CSV file built row by row in memory.
pub struct CsvFile {
    writer: csv::Writer<Vec<u8>>,
}

impl CsvFile {
    pub fn new(encoding: Encoding, header: &[&str]) -> Result<CsvFile, csv::Error> {
        let mut buffer = Vec::new();
        if encoding == Encoding::Utf8WithBom {
            buffer.extend_from_slice("\u{feff}".as_bytes());
        }
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(buffer);
        writer.write_record(header)?;
        Ok(CsvFile { writer })
    }

    pub fn row<I, S>(&mut self, cells: I) -> Result<(), csv::Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| defang(c.as_ref()).into_owned())
            .collect();
        self.writer.write_record(&cells)
    }

    pub fn finish(self) -> Result<Vec<u8>, csv::Error> {
        self.writer.into_inner().map_err(|e| e.into_error().into())
    }
}

/// A cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return) would run as a
/// formula in a spreadsheet; it gets a leading apostrophe. Numbers such as `-0.5` stay numbers.
pub fn defang(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
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
