//! Clients that send slowly: a body still trickling in at `MINYI_BODY_TIMEOUT` is cut off with
//! 408 and its connection closed, and `minyi serve` raises its open-files limit to the hard
//! limit, so that a thousand such clients cannot hold every connection the server may open; a
//! slow but steady form within the deadline is stored.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::helpers::*;

const PATH: &str = "/s/jiaxing-food-safety-2016";

/// Sends `head` and then `chunks` of the body, `pause` apart, on a fresh connection, and reads
/// until the server closes it (or 10 s pass). Returns what came back and when the reading ended.
fn send_slowly(address: &str, head: &str, chunks: &[&[u8]], pause: Duration) -> (String, Duration) {
    let host = address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let started = Instant::now();
    stream.write_all(head.as_bytes()).unwrap();
    for chunk in chunks {
        std::thread::sleep(pause);
        stream.write_all(chunk).unwrap();
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

/// A form post's head; `connection` is `keep-alive` (HTTP/1.1's default: the server may keep the
/// connection for another request) or `close`.
fn head(content_length: usize, connection: &str) -> String {
    format!(
        "POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {content_length}\r\nConnection: {connection}\r\n\r\n"
    )
}

#[actix_web::test]
async fn a_body_still_arriving_at_the_deadline_gets_408_and_its_connection_closed() {
    let app = spawn_app_with_settings(Backend::Sqlite, &repo_path("surveys"), |s| {
        s.body_timeout = Duration::from_secs(1);
    })
    .await;
    let address = app.address.clone();

    // Ten bytes of a promised thousand, then nothing, on a connection asked to stay open: the
    // server must close it itself.
    let (answer, took) = actix_web::web::block(move || {
        send_slowly(
            &address,
            &head(1000, "keep-alive"),
            &[b"county=nan"],
            Duration::ZERO,
        )
    })
    .await
    .unwrap();

    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains("网络太慢"),
        "the page says what happened: {answer}"
    );
    assert!(
        took < Duration::from_secs(5),
        "cut off at the 1 s deadline, not left open: {took:?}"
    );
    let health = app.get("/healthz").await;
    assert_eq!(health.status, 200, "the server goes on answering");
    assert_eq!(app.response_count(EXAMPLE_ID), 0);
}

#[actix_web::test]
async fn a_body_declared_larger_than_any_form_is_refused_at_once_not_waited_for() {
    let app = spawn_app(Backend::Sqlite).await;
    let address = app.address.clone();

    // Three bytes of a promised hundred gigabytes: refused on the head, not at the deadline.
    let (answer, took) = actix_web::web::block(move || {
        send_slowly(
            &address,
            &head(99_999_999_999, "keep-alive"),
            &[b"a=b"],
            Duration::ZERO,
        )
    })
    .await
    .unwrap();

    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("提交的内容过长"),
        "the page says what happened: {answer}"
    );
    assert!(
        took < Duration::from_secs(5),
        "answered at once, not after the 30 s deadline: {took:?}"
    );
    assert_eq!(app.get("/healthz").await.status, 200);
}

#[actix_web::test]
async fn a_slow_but_steady_form_within_the_deadline_is_stored() {
    let app = spawn_app_with_settings(Backend::Sqlite, &repo_path("surveys"), |s| {
        s.body_timeout = Duration::from_secs(2);
    })
    .await;
    let token = app.form_token(EXAMPLE_ID).await;
    let body =
        serde_urlencoded::to_string(with_token(valid_fields(&example_survey(), "nanhu"), &token))
            .unwrap();
    let address = app.address.clone();

    // The form in three parts, 300 ms apart: a weak mobile signal.
    let (answer, _) = actix_web::web::block(move || {
        let bytes = body.as_bytes();
        let third = bytes.len() / 3;
        let parts = [
            &bytes[..third],
            &bytes[third..2 * third],
            &bytes[2 * third..],
        ];
        send_slowly(
            &address,
            &head(bytes.len(), "close"),
            &parts,
            Duration::from_millis(300),
        )
    })
    .await
    .unwrap();

    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    assert_eq!(app.response_count(EXAMPLE_ID), 1);
}

/// The soft and hard "Max open files" of a process, from `/proc/{pid}/limits`.
fn open_files_limits(pid: &str) -> (u64, u64) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).expect("limits");
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .expect("a Max open files line");
    let numbers: Vec<u64> = line
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect();
    (numbers[0], numbers[1])
}

#[test]
fn minyi_serve_raises_its_open_files_limit_to_the_hard_limit() {
    let (_, hard) = open_files_limits("self");
    let db = TestDatabase::new(Backend::Sqlite);
    // Started the way a service often is: with a soft limit of 1,024 (or half the hard one, if
    // that is lower), so that there is always room to raise it.
    let soft = (hard / 2).min(1024);
    let mut shell = std::process::Command::new("sh");
    shell
        .arg("-c")
        .arg(format!("ulimit -S -n {soft} && exec \"$0\" serve"))
        .arg(env!("CARGO_BIN_EXE_minyi"));
    let (mut server, _) = serve_process_by(shell, &db, &[], std::process::Stdio::null());

    let limits = open_files_limits(&server.id().to_string());

    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(
        limits,
        (hard, hard),
        "the soft limit was {soft}; now as many as the hard limit allows"
    );
}
