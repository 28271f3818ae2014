//! The CPU a submission's own work costs on a request worker, step by step, without HTTP or a
//! database: decoding the posted body, checking its token, validating it against the example
//! survey, its county and quality flags, scrubbing free text, the client hash and the stored
//! form of the answers. Single-threaded, 20,000 simulated forms (the load benchmark's kind),
//! each step timed over all of them, best of five rounds.
//!
//! Run: `cargo bench --bench submission`. It complements `scripts/profile-ingest` (the whole
//! server under load, noisy) with figures that agree within a few percent between alternating
//! runs, for comparing two versions of one step (docs/performance.md).

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use minyi::privacy::client::SurveySecret;
use minyi::simulate::simulate;
use minyi::survey::{stored_answers, Answers, FormInput, Survey};
use minyi::web::{parse_form, FormTokens};

/// The server's allocator (`src/main.rs`), so that allocation costs what it costs there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const FORMS: usize = 20_000;
const ROUNDS: usize = 5;

/// The fastest of `ROUNDS` passes of `step` over every item, in nanoseconds per item.
fn time_per_item<T>(items: &[T], mut step: impl FnMut(&T)) -> f64 {
    (0..ROUNDS)
        .map(|_| {
            let started = Instant::now();
            for item in items {
                step(item);
            }
            started.elapsed().as_nanos() as f64 / items.len() as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let source = include_str!("../surveys/jiaxing-food-safety-2016.toml");
    let survey = match Survey::from_toml(source, "surveys/jiaxing-food-safety-2016.toml") {
        Ok(survey) => survey,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let tokens = FormTokens::new(b"a load-test key of some length..");
    let now = 1_795_000_000;
    let bodies: Vec<String> = simulate(&survey, FORMS, 2016)
        .map(|form| {
            let mut fields = form.fields;
            let token = tokens.issue(&survey.id, now - i64::from(form.duration_seconds));
            fields.push(("_token".to_owned(), token));
            serde_urlencoded::to_string(&fields).expect("fields encode")
        })
        .collect();
    let inputs: Vec<FormInput> = bodies
        .iter()
        .map(|body| parse_form(body.as_bytes()).expect("simulated forms are UTF-8"))
        .collect();
    let answers: Vec<Answers> = inputs
        .iter()
        .filter_map(|input| survey.validate(input).ok())
        .collect();
    let secret = SurveySecret::generate();
    let address = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7));
    let body_bytes = bodies.iter().map(String::len).sum::<usize>() / bodies.len();
    println!(
        "{FORMS} simulated forms of the example survey, {body_bytes} bytes a body on average, \
         {} valid; nanoseconds per form (best of {ROUNDS}):",
        answers.len()
    );

    let steps: [(&str, f64); 8] = [
        (
            "decode the body (parse_form)",
            time_per_item(&bodies, |body| {
                black_box(parse_form(black_box(body.as_bytes())).ok());
            }),
        ),
        (
            "check the form token",
            time_per_item(&inputs, |input| {
                black_box(tokens.check(&survey.id, input.first("_token"), now).ok());
            }),
        ),
        (
            "validate",
            time_per_item(&inputs, |input| {
                black_box(survey.validate(black_box(input)).ok());
            }),
        ),
        (
            "county and quality flags",
            time_per_item(&answers, |answers| {
                black_box(survey.stratum_of(answers));
                black_box(survey.quality_flags(answers, Some(300)));
            }),
        ),
        (
            "scrub free text",
            time_per_item(&answers, |answers| {
                let mut answers = answers.clone();
                minyi::privacy::scrub_free_text(&survey, &mut answers);
                black_box(answers);
            }),
        ),
        (
            "  (cloning the answers, part of the line above)",
            time_per_item(&answers, |answers| {
                black_box(answers.clone());
            }),
        ),
        (
            "client hash",
            time_per_item(&answers, |_| {
                black_box(secret.client_hash(Some("0123456789abcdef0123456789abcdef"), address));
            }),
        ),
        (
            "stored form of the answers",
            time_per_item(&answers, |answers| {
                black_box(stored_answers::encode(&survey, answers));
            }),
        ),
    ];
    for (step, ns) in steps {
        println!("  {step:<48} {ns:>8.0}");
    }
}
