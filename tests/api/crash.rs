//! Durability: the server is killed with SIGKILL at random moments while residents submit, then
//! restarted; every response that was acknowledged (303) is stored, exactly once. And a bug that
//! panics half-way through a transaction leaves the database usable.

use std::cell::{Cell, RefCell};
use std::process::{Child, Stdio};
use std::rc::Rc;
use std::time::Duration;

use minyi::survey::QuestionKind;
use rand::RngExt;

use crate::helpers::*;

const PATH: &str = "/s/jiaxing-food-safety-2016";

on_both_backends! {
    async fn a_panic_inside_a_transaction_does_not_leave_it_open_for_the_next_user(backend: Backend) {
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        let app = spawn_app(backend).await;
        // One connection in the pool: whoever comes next would get the very one that panicked.
        let db = minyi::storage::Database::connect(app.db.url.clone(), 1).unwrap();

        let panicked = std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let mut conn = db.conn().unwrap();
                    let _ = (*conn).transaction::<(), diesel::result::Error, _>(|conn| {
                        conn.batch_execute("CREATE TABLE half_done (n INTEGER)")?;
                        panic!("a bug, half-way through a transaction");
                    });
                })
                .join()
        });
        assert!(panicked.is_err(), "the thread panicked");

        let mut conn = db.conn().unwrap();
        (*conn)
            .transaction::<(), diesel::result::Error, _>(|conn| {
                conn.batch_execute("CREATE TABLE afterwards (n INTEGER); INSERT INTO afterwards VALUES (1)")
            })
            .expect("the next user writes in a transaction of its own");
        drop(conn);
        let elsewhere = minyi::storage::Database::connect(app.db.url.clone(), 1).unwrap();
        let mut other = elsewhere.conn().unwrap();
        (*other)
            .batch_execute("INSERT INTO afterwards VALUES (2)")
            .expect("what the next user committed is there for everyone, and nothing holds a lock");
        assert!(
            (*other).batch_execute("SELECT n FROM half_done").is_err(),
            "the panicked transaction was rolled back"
        );
        // The server still stores answers.
        let token = app.form_token(EXAMPLE_ID).await;
        let page = app.post_form(PATH, &with_token(valid_fields(&example_survey(), "nanhu"), &token)).await;
        assert_eq!(page.status, 303, "{}", page.body);
    }
}
const ROUNDS: usize = 3;
const CLIENTS: usize = 16;

/// A Minyi process serving `db`, and its address.
fn start(db: &TestDatabase) -> (Child, String) {
    serve_process(db, &[("MINYI_LOG", "error")], Stdio::null())
}

/// Characters for the unique word each form carries: Chinese, so that the free-text scrubbing
/// (which replaces anything shaped like a WeChat id, phone number, …) leaves the word alone.
const MARKS: [char; 22] = [
    '甲', '乙', '丙', '丁', '戊', '己', '庚', '辛', '壬', '癸', '子', '丑', '寅', '卯', '辰', '巳',
    '午', '未', '申', '酉', '戌', '亥',
];

fn marker() -> String {
    let mut rng = rand::rng();
    (0..12)
        .map(|_| MARKS[rng.random_range(0..MARKS.len())])
        .collect()
}

fn is_marker(text: &str) -> bool {
    text.chars().count() == 12 && text.chars().all(|c| MARKS.contains(&c))
}

/// Posts fresh forms (each with its own token and a unique word in its free text) until the
/// server stops answering; records the word of every acknowledged one.
type Acked = Rc<RefCell<Vec<(String, String)>>>;

async fn resident(
    address: String,
    tokens: Rc<minyi::web::FormTokens>,
    acked: Acked,
    unexpected: Rc<RefCell<Vec<u16>>>,
    stop: Rc<Cell<bool>>,
) {
    let survey = example_survey();
    let text_question = survey
        .questions
        .iter()
        .find(|q| matches!(q.kind, QuestionKind::Text { .. }) && q.show_if.is_none())
        .expect("a free-text question")
        .id
        .clone();
    let client = awc::Client::builder()
        .disable_redirects()
        .timeout(Duration::from_secs(30))
        .finish();
    while !stop.get() {
        let word = marker();
        let mut fields = valid_fields(&survey, "jiashan");
        for (name, value) in fields.iter_mut() {
            if *name == text_question {
                *value = word.clone();
            }
        }
        let token = tokens.issue(EXAMPLE_ID, chrono::Utc::now().timestamp() - 300);
        let body = serde_urlencoded::to_string(with_token(fields, &token)).unwrap();
        let sent = client
            .post(format!("{address}{PATH}"))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .send_body(body.clone())
            .await;
        match sent {
            Ok(response) if response.status().as_u16() == 303 => {
                acked.borrow_mut().push((word, body))
            }
            Ok(response) => unexpected.borrow_mut().push(response.status().as_u16()),
            Err(_) => return, // killed: this one may or may not be stored, and was not acknowledged
        }
    }
}

/// Kills the server at a random moment once it has acknowledged at least `after` responses.
async fn killer(mut child: Child, acked: Acked, after: usize, killed: Rc<Cell<bool>>) {
    while acked.borrow().len() < after {
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
    let extra = rand::rng().random_range(0..300);
    actix_web::rt::time::sleep(Duration::from_millis(extra)).await;
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    killed.set(true);
}

on_both_backends! {
    async fn every_acknowledged_response_survives_sigkill_exactly_once(backend: Backend) {
        let db = TestDatabase::new(backend);
        let acked: Acked = Rc::new(RefCell::new(Vec::new()));
        let unexpected = Rc::new(RefCell::new(Vec::new()));
        let mut tokens = None;
        for round in 0..ROUNDS {
            let (child, address) = start(&db);
            let tokens = tokens.get_or_insert_with(|| Rc::new(form_tokens(&db))).clone();
            let killed = Rc::new(Cell::new(false));
            let before = acked.borrow().len();
            let residents = (0..CLIENTS).map(|_| resident(address.clone(), tokens.clone(), acked.clone(), unexpected.clone(), Rc::new(Cell::new(false))));
            futures_util::future::join(
                futures_util::future::join_all(residents),
                killer(child, acked.clone(), before + 20, killed.clone()),
            )
            .await;
            assert!(killed.get(), "round {round}: the server was killed under load");
        }

        // Restarted once more: acknowledged forms posted again are thanked and not stored twice.
        let (mut child, address) = start(&db);
        let client = awc::Client::builder().disable_redirects().finish();
        let again: Vec<(String, String)> = acked.borrow().iter().take(5).cloned().collect();
        for (word, body) in &again {
            let status = client
                .post(format!("{address}{PATH}"))
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .send_body(body.clone())
                .await
                .expect("restarted")
                .status();
            assert_eq!(status, 303, "the form with {word} posted again is thanked");
        }
        child.kill().expect("stop");
        child.wait().expect("reaped");

        let acked = acked.borrow();
        assert!(acked.len() >= ROUNDS * 20, "{} acknowledged", acked.len());
        assert_stored_exactly_once(&db, &acked);
        assert!(unexpected.borrow().is_empty(), "statuses other than 303 before the kill: {:?}", unexpected.borrow());
    }

    async fn two_nodes_share_the_load_and_killing_one_loses_nothing_acknowledged(backend: Backend) {
        let db = TestDatabase::new(backend);
        let (first, first_address) = start(&db);
        let (mut second, second_address) = start(&db);
        let tokens = Rc::new(form_tokens(&db));
        let (on_first, on_second): (Acked, Acked) = Default::default();
        let unexpected = Rc::new(RefCell::new(Vec::new()));
        let (killed, stop) = (Rc::new(Cell::new(false)), Rc::new(Cell::new(false)));
        let residents = (0..CLIENTS).map(|i| {
            let (address, acked) = if i % 2 == 0 { (&first_address, &on_first) } else { (&second_address, &on_second) };
            resident(address.clone(), tokens.clone(), acked.clone(), unexpected.clone(), stop.clone())
        });
        // The second node carries on until it has acknowledged 30 more after the kill.
        let carry_on = async {
            while !killed.get() {
                actix_web::rt::time::sleep(Duration::from_millis(5)).await;
            }
            let at_kill = on_second.borrow().len();
            while on_second.borrow().len() < at_kill + 30 {
                actix_web::rt::time::sleep(Duration::from_millis(5)).await;
            }
            stop.set(true);
        };
        futures_util::future::join3(
            futures_util::future::join_all(residents),
            killer(first, on_first.clone(), 20, killed.clone()),
            carry_on,
        )
        .await;
        second.kill().expect("stop");
        second.wait().expect("reaped");

        let acked: Vec<(String, String)> = on_first.borrow().iter().chain(on_second.borrow().iter()).cloned().collect();
        assert!(on_first.borrow().len() >= 20 && on_second.borrow().len() >= 30, "both nodes took answers");
        assert_stored_exactly_once(&db, &acked);
        assert!(unexpected.borrow().is_empty(), "statuses other than 303: {:?}", unexpected.borrow());
    }
}

on_both_backends! {
    async fn nodes_starting_together_on_a_fresh_database_all_start(backend: Backend) {
        // Several nodes started at once (a deployment rolling out) each find the schema
        // missing; one migrates, the others wait for it and find nothing left to do.
        for _ in 0..5 {
            start_together_on_a_fresh_database(backend, 4);
        }
    }
}

fn start_together_on_a_fresh_database(backend: Backend, nodes: usize) {
    let db = TestDatabase::new(backend);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(nodes));
    let starts: Vec<_> = (0..nodes)
        .map(|_| {
            let (url, barrier) = (db.url.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                minyi::storage::Database::connect(url, 1)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
        })
        .collect();
    let failed: Vec<String> = starts
        .into_iter()
        .filter_map(|s| s.join().unwrap().err())
        .collect();
    assert!(failed.is_empty(), "nodes that could not start: {failed:?}");
}

/// Every acknowledged word is stored exactly once, and no word is stored twice.
fn assert_stored_exactly_once(db: &TestDatabase, acked: &[(String, String)]) {
    let mut copies = std::collections::HashMap::<String, usize>::new();
    for (_, answers) in stored_answers_in(db, EXAMPLE_ID) {
        for answer in answers.values() {
            if let minyi::survey::Answer::Code(text) = answer {
                if is_marker(text) {
                    *copies.entry(text.to_owned()).or_default() += 1;
                }
            }
        }
    }
    let lost: Vec<&String> = acked
        .iter()
        .map(|(w, _)| w)
        .filter(|w| !copies.contains_key(*w))
        .collect();
    let doubled: Vec<(&String, &usize)> = copies.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged responses lost: {lost:?}",
        lost.len(),
        acked.len()
    );
    assert!(doubled.is_empty(), "stored more than once: {doubled:?}");
}
