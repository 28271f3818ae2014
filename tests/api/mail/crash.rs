//! A server killed in the middle of a campaign, then started again. The real binary is run and
//! killed with SIGKILL (no chance to clean up) while the test's SMTP server holds a message at a
//! chosen point of the conversation.

use std::process::{Child, Command, Stdio};

use minyi::catalog::Catalog;
use minyi::invitations::invite;
use minyi::storage::{self, Database};

use super::*;

fn serve(db: &TestDatabase, smtp: &SmtpServer) -> Child {
    Command::new(env!("CARGO_BIN_EXE_minyi"))
        .arg("serve")
        .env("DATABASE_URL", &db.raw_url)
        .env("MINYI_BIND", "127.0.0.1:0")
        .env("MINYI_SURVEYS_DIR", repo_path("surveys"))
        .env("MINYI_SMTP_URL", smtp.url())
        .env("MINYI_MAIL_RATE", "6000")
        .env("MINYI_MAIL_POLL", "0.05")
        // A dead sender's message goes to the next one after 2 seconds.
        .env("MINYI_MAIL_LEASE", "2")
        .env("MINYI_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("minyi serve starts")
}

/// Invites ten addresses, serves until the SMTP server holds the fourth message at `hold`,
/// kills the server, lets the SMTP server go on, serves again until the outbox is empty.
/// Returns how many messages had arrived at the kill, and every message received.
fn campaign_killed_at(backend: Backend, hold: Hold) -> (usize, Vec<Received>, Vec<String>) {
    let smtp = SmtpServer::start_holding_after(3, hold);
    let db = TestDatabase::new(backend);
    let database = Database::connect(db.url.clone(), 2).unwrap();
    let catalog = Catalog::new(database.clone());
    catalog
        .import_file(&repo_path("surveys/jiaxing-food-safety-2016.toml"))
        .unwrap();
    let invited: Vec<String> = (0..10)
        .map(|n| format!("resident{n}@example.org"))
        .collect();
    let list: Vec<(&str, Option<&str>)> = invited.iter().map(|a| (a.as_str(), None)).collect();
    invite(&catalog, EXAMPLE_ID, &addresses(&list), invited_on()).unwrap();

    let mut first = serve(&db, &smtp);
    smtp.wait_until("the fourth message to be held", SmtpServer::is_holding);
    first.kill().expect("SIGKILL");
    first.wait().unwrap();
    let at_kill = smtp.received().len();
    smtp.release();
    let mut second = serve(&db, &smtp);
    smtp.wait_until("the outbox to empty", |_| {
        storage::outbox_counts(&mut database.conn().unwrap(), EXAMPLE_ID, 5).unwrap() == (0, 0)
    });
    second.kill().unwrap();
    second.wait().unwrap();
    let received = smtp.received().iter().map(|m| read(m)).collect();
    (at_kill, received, invited)
}

fn recipients(received: &[Received]) -> Vec<String> {
    let mut to: Vec<String> = received.iter().map(|m| m.to.clone()).collect();
    to.sort();
    to
}

on_both_backends! {
    async fn a_server_killed_mid_message_neither_loses_nor_repeats_it(backend: Backend) {
        let (at_kill, received, invited) = campaign_killed_at(backend, Hold::BeforeData);

        assert_eq!(at_kill, 3, "killed while sending the fourth");
        assert_eq!(recipients(&received), invited, "each address exactly once");
    }
}

/// The limit of any SMTP client, stated as a test: killed after the server has the whole
/// message but before its "250 OK" arrives, the sender cannot know the message went, and
/// sends it again after the restart. Both copies carry the same Message-ID, so the receiving
/// side can recognise the repeat; every other message arrives once.
#[test]
fn a_server_killed_between_the_servers_acceptance_and_its_reply_repeats_that_one_message() {
    let (at_kill, received, invited) = campaign_killed_at(Backend::Sqlite, Hold::BeforeReply);

    assert_eq!(at_kill, 3);
    assert_eq!(received.len(), 11, "the held message arrives twice");
    let mut distinct = recipients(&received);
    distinct.dedup();
    assert_eq!(distinct, invited, "every address, none lost");
    let repeated: Vec<&Received> = received
        .iter()
        .filter(|m| received.iter().filter(|other| other.to == m.to).count() > 1)
        .collect();
    assert_eq!(repeated.len(), 2, "one message, twice");
    let copies = repeated;
    assert_eq!(
        copies[0].message_id, copies[1].message_id,
        "the repeat has the same Message-ID"
    );
}
