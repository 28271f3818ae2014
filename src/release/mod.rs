//! What Minyi hands to people outside it: files that open correctly in Excel, WPS, SPSS and R.

mod bulletin;
mod csv_file;
mod evaluation_csv;

pub use bulletin::bulletin_csv;
pub use csv_file::{defang, number, CsvFile, Encoding};
pub use evaluation_csv::evaluation_csv;
