//! Capturing everything Minyi logs in this test process (at debug level and finer for Minyi's
//! own lines), so a test can prove what never appears in a log.

use std::io::Write;
use std::sync::{Mutex, OnceLock};

static CAPTURED: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static INSTALLED: OnceLock<()> = OnceLock::new();

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURED.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends every log line of this process, from now on, to the capture buffer.
pub fn capture_logs() {
    INSTALLED.get_or_init(|| {
        tracing_subscriber::fmt()
            .with_env_filter(minyi::web::log_filter("debug,minyi=trace").expect("a filter"))
            .with_ansi(false)
            .with_writer(|| Capture)
            .try_init()
            .expect("the capture is the only subscriber in the test binary");
    });
}

/// Everything logged so far, by every test in this process.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&CAPTURED.lock().unwrap()).into_owned()
}
