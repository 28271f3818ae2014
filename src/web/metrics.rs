//! Counters for `/metrics`, in the Prometheus text format: requests by route pattern, method and
//! status; request latency by route; submissions by outcome. Labels are route patterns
//! (`/s/{id}`) and fixed outcome names, never anything a client typed.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use actix_web::http::Method;
use actix_web::HttpResponse;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// What became of one submission (`POST /s/{id}`), attached to its response by the handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Outcome(pub &'static str);

impl Outcome {
    /// Stored now.
    pub const ACCEPTED: Outcome = Outcome("accepted");
    /// A copy of a form already stored: thanked, nothing new stored.
    pub const DUPLICATE: Outcome = Outcome("duplicate");
    /// The honeypot was filled: thanked, nothing stored.
    pub const HONEYPOT: Outcome = Outcome("honeypot");
    /// Missing, expired or forged form token: the form came back.
    pub const TOKEN: Outcome = Outcome("token");

    /// Marks a response with the outcome, for the metrics middleware.
    pub fn tag(self, mut response: HttpResponse) -> HttpResponse {
        response.extensions_mut().insert(self);
        response
    }

    /// The outcome of an untagged submission response, from its status.
    pub fn from_status(status: u16) -> Outcome {
        BY_STATUS.iter().find(|(code, _)| *code == status).map_or(
            if (500..=599).contains(&status) {
                Outcome::ERROR
            } else {
                Outcome::OTHER
            },
            |(_, outcome)| *outcome,
        )
    }

    /// Another 5xx than 503.
    const ERROR: Outcome = Outcome("error");
    /// A status no other outcome names.
    const OTHER: Outcome = Outcome("other");

    /// Every outcome there is, each rendered from the first scrape on (at 0 until it happens):
    /// a series that appears only with its first event is missed by `rate()` and `increase()`,
    /// so an alert on, say, `rate_limited` would not fire on the first wave.
    pub fn all() -> impl Iterator<Item = Outcome> {
        [
            Outcome::ACCEPTED,
            Outcome::DUPLICATE,
            Outcome::HONEYPOT,
            Outcome::TOKEN,
        ]
        .into_iter()
        .chain(BY_STATUS.iter().map(|(_, outcome)| *outcome))
        .chain([Outcome::ERROR, Outcome::OTHER])
    }
}

/// The outcome of each status a submission can be refused with.
const BY_STATUS: [(u16, Outcome); 10] = [
    (400, Outcome("bad_request")),
    (403, Outcome("forbidden")),
    (404, Outcome("not_found")),
    (408, Outcome("too_slow")),
    (409, Outcome("quota_full")),
    (410, Outcome("closed")),
    (413, Outcome("too_large")),
    (422, Outcome("invalid")),
    (429, Outcome("rate_limited")),
    (503, Outcome("unavailable")),
];

/// A method's label: the standard ones by name, any other as `OTHER`.
fn method_label(method: &Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "OPTIONS" => "OPTIONS",
        _ => "OTHER",
    }
}

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Counters {
    requests: BTreeMap<(&'static str, &'static str, u16), u64>,
    latency: BTreeMap<&'static str, Histogram>,
    submissions: BTreeMap<Outcome, u64>,
}

#[derive(Default)]
pub struct Metrics {
    counters: Mutex<Counters>,
}

impl Metrics {
    /// Counts one request. Labels are static (a route pattern, a method name), so recording
    /// allocates nothing and no client can add labels.
    pub fn record_request(
        &self,
        route: &'static str,
        method: &Method,
        status: u16,
        took: Duration,
    ) {
        let Ok(mut c) = self.counters.lock() else {
            return;
        };
        *c.requests
            .entry((route, method_label(method), status))
            .or_default() += 1;
        let seconds = took.as_secs_f64();
        let h = c.latency.entry(route).or_default();
        for (count, bound) in h.counts.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *count += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    pub fn record_submission(&self, outcome: Outcome) {
        if let Ok(mut c) = self.counters.lock() {
            *c.submissions.entry(outcome).or_default() += 1;
        }
    }

    /// Everything counted so far, in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let Ok(c) = self.counters.lock() else {
            return out;
        };
        out.push_str("# HELP minyi_http_requests_total HTTP requests answered, by route pattern, method and status.\n");
        out.push_str("# TYPE minyi_http_requests_total counter\n");
        for ((route, method, status), n) in &c.requests {
            let _ = writeln!(
                out,
                "minyi_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP minyi_http_request_duration_seconds Time to answer a request, by route pattern.\n");
        out.push_str("# TYPE minyi_http_request_duration_seconds histogram\n");
        for (route, h) in &c.latency {
            for (count, bound) in h.counts.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "minyi_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "minyi_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "minyi_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "minyi_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        out.push_str("# HELP minyi_submissions_total Survey submissions by outcome: accepted (stored), duplicate (already stored), or the reason it was rejected.\n");
        out.push_str("# TYPE minyi_submissions_total counter\n");
        let mut submissions: BTreeMap<Outcome, u64> =
            Outcome::all().map(|outcome| (outcome, 0)).collect();
        submissions.extend(&c.submissions);
        for (Outcome(outcome), n) in &submissions {
            let _ = writeln!(out, "minyi_submissions_total{{outcome=\"{outcome}\"}} {n}");
        }
        out
    }
}

/// What this build is, whether the database answered, the submissions waiting for the writer,
/// and the mail outbox of every survey (`None` when the database could not be read), in the
/// Prometheus text format.
pub fn render_state(mail: Option<(i64, i64)>, in_flight: usize) -> String {
    let mut out = String::new();
    out.push_str("# HELP minyi_build_info The running build; always 1.\n");
    out.push_str("# TYPE minyi_build_info gauge\n");
    let _ = writeln!(
        out,
        "minyi_build_info{{version=\"{}\",commit=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION"),
        crate::COMMIT
    );
    out.push_str("# HELP minyi_database_up Whether the database answered this scrape.\n");
    out.push_str("# TYPE minyi_database_up gauge\n");
    let _ = writeln!(out, "minyi_database_up {}", u8::from(mail.is_some()));
    out.push_str("# HELP minyi_ingest_in_flight Submissions handed to the response writer and not yet answered (queued or being committed); near MINYI_QUEUE new ones get 503.\n");
    out.push_str("# TYPE minyi_ingest_in_flight gauge\n");
    let _ = writeln!(out, "minyi_ingest_in_flight {in_flight}");
    if let Some((waiting, failed)) = mail {
        out.push_str("# HELP minyi_mail_outbox Messages in the outbox: waiting to be sent (or tried again), or failed (given up on; `minyi mail retry`).\n");
        out.push_str("# TYPE minyi_mail_outbox gauge\n");
        let _ = writeln!(out, "minyi_mail_outbox{{state=\"waiting\"}} {waiting}");
        let _ = writeln!(out, "minyi_mail_outbox{{state=\"failed\"}} {failed}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_the_database_and_the_outbox_render_as_gauges() {
        let up = render_state(Some((3, 1)), 7);
        for line in [
            "minyi_database_up 1",
            "minyi_mail_outbox{state=\"waiting\"} 3",
            "minyi_mail_outbox{state=\"failed\"} 1",
            "minyi_ingest_in_flight 7",
        ] {
            assert!(up.lines().any(|l| l == line), "{line} in\n{up}");
        }
        assert!(up.contains("minyi_build_info{version=\""));
        let down = render_state(None, 0);
        assert!(down.lines().any(|l| l == "minyi_database_up 0"));
        assert!(
            !down.contains("minyi_mail_outbox{"),
            "no outbox figures it could not read"
        );
    }

    #[test]
    fn counts_render_as_prometheus_text() {
        let metrics = Metrics::default();
        metrics.record_request("/s/{id}", &Method::POST, 303, Duration::from_millis(3));
        metrics.record_request("/s/{id}", &Method::POST, 303, Duration::from_millis(30));
        metrics.record_submission(Outcome::ACCEPTED);
        metrics.record_submission(Outcome::from_status(409));

        let text = metrics.render();

        for line in [
            "minyi_http_requests_total{route=\"/s/{id}\",method=\"POST\",status=\"303\"} 2",
            "minyi_http_request_duration_seconds_bucket{route=\"/s/{id}\",le=\"0.005\"} 1",
            "minyi_http_request_duration_seconds_bucket{route=\"/s/{id}\",le=\"+Inf\"} 2",
            "minyi_http_request_duration_seconds_count{route=\"/s/{id}\"} 2",
            "minyi_submissions_total{outcome=\"accepted\"} 1",
            "minyi_submissions_total{outcome=\"quota_full\"} 1",
            "minyi_submissions_total{outcome=\"rate_limited\"} 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
    }

    #[test]
    fn every_outcome_is_rendered_from_the_first_scrape() {
        let text = Metrics::default().render();

        let outcomes = text
            .lines()
            .filter(|l| l.starts_with("minyi_submissions_total{"))
            .count();
        assert_eq!(outcomes, Outcome::all().count(), "{text}");
        for status in 100..600 {
            let outcome = Outcome::from_status(status);
            assert!(
                Outcome::all().any(|o| o == outcome),
                "{outcome:?} of {status}"
            );
            assert!(
                text.contains(&format!(
                    "minyi_submissions_total{{outcome=\"{}\"}} 0",
                    outcome.0
                )),
                "{outcome:?} in\n{text}"
            );
        }
    }
}
