//! The form decoder and the answer validator on any bytes: `properties::form_body`.
#![no_main]

#[path = "../properties.rs"]
mod properties;

libfuzzer_sys::fuzz_target!(|data: &[u8]| properties::form_body(data));
