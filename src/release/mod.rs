//! What Minyi hands to people outside it: files that open correctly in Excel, WPS, SPSS and R.

mod bulletin;
pub mod comments;
mod csv_file;
pub mod merkle;
pub mod resultset;
pub mod verify;

pub use bulletin::bulletin_csv;
pub use csv_file::{defang, encode_row, number, CsvFile, Encoding};
pub use resultset::estimates_csv;
