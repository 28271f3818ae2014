//! Nothing in the responses table orders responses by arrival: random ids, a date and no
//! time, no column beyond those listed here. Issue 7 (invitations) relies on this: a response
//! can then not be joined to the invitation it used by order or time (docs/privacy.md).

use super::*;
use minyi::lifecycle::{SurveyState, Transition};
use minyi::storage::{self, Database, NewResponse};

/// Every column the responses table may have. Adding one is a privacy decision: say in
/// docs/privacy.md why it cannot order, time or identify a response, then add it here.
const ALLOWED_COLUMNS: [&str; 10] = [
    "slot",
    "id",
    "survey_id",
    "version",
    "stratum",
    "channel",
    "answers",
    "quality_flags",
    "submitted_on",
    "client_hash",
];

async fn load_after_inserting(backend: Backend, ids: &[String]) -> Vec<String> {
    let app = spawn_app(backend).await;
    let survey = app.catalog().require(EXAMPLE_ID).unwrap().record;
    let db = Database::connect(app.db.url.clone(), 1).unwrap();
    let mut conn = db.conn().unwrap();
    for id in ids {
        storage::insert_response(&mut conn, &new_response(id, &survey)).unwrap();
    }
    storage::load_responses(&mut conn, EXAMPLE_ID)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
}

on_both_backends! {
    async fn responses_load_in_the_same_order_whatever_order_they_arrived_in(backend: Backend) {
        let ids: Vec<String> = (0..12).map(|_| hex::encode(rand::random::<[u8; 16]>())).collect();
        let reversed: Vec<String> = ids.iter().rev().cloned().collect();

        let first = load_after_inserting(backend, &ids).await;
        let second = load_after_inserting(backend, &reversed).await;

        assert_eq!(first, second, "the order comes from the ids (their slots), not from arrival");
        assert_ne!(first, ids, "nor is it the arrival order (a 1 in 12! chance of a false alarm)");
    }

    async fn submitted_responses_get_random_ids_and_a_date_without_time(backend: Backend) {
        let app = spawn_app(backend).await;
        for county in ["nanhu", "nanhu", "haiyan", "tongxiang"] {
            let token = app.form_token(EXAMPLE_ID).await;
            submit(&app, county, &token, &[]).await;
        }
        let db = Database::connect(app.db.url.clone(), 1).unwrap();
        let mut conn = db.conn().unwrap();

        let stored = storage::load_responses(&mut conn, EXAMPLE_ID).unwrap();
        let columns = storage::table_columns(&mut conn, "responses").unwrap();

        assert_eq!(stored.len(), 4);
        let mut ids: Vec<&str> = stored.iter().map(|r| r.id.as_str()).collect();
        ids.dedup();
        assert_eq!(ids.len(), 4, "ids differ");
        for r in &stored {
            assert!(r.id.len() == 32 && r.id.bytes().all(|b| b.is_ascii_hexdigit()), "128 random bits: {}", r.id);
            let date = chrono::NaiveDate::parse_from_str(&r.submitted_on, "%Y-%m-%d");
            assert!(date.is_ok() && r.submitted_on.len() == 10, "a date only: {}", r.submitted_on);
        }
        assert!(!columns.is_empty(), "the column list is read");
        for column in &columns {
            assert!(
                ALLOWED_COLUMNS.contains(&column.as_str()),
                "responses.{column} is not on the privacy allow-list (see docs/privacy.md)"
            );
        }
    }
}

on_both_backends! {
    async fn two_responses_whose_ids_share_a_slot_are_both_kept_and_each_stored_once(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = app.catalog().require(EXAMPLE_ID).unwrap().record;
        let db = Database::connect(app.db.url.clone(), 1).unwrap();
        let mut conn = db.conn().unwrap();
        let first = new_response("a1b2c3", &survey);
        // A second key whose 47 hash bits happen to equal the first's (rare, so forced here).
        let second = NewResponse { id: "d4e5f6".to_owned(), ..first.clone() };
        assert_eq!(first.slot, second.slot);

        let outcomes = [
            storage::insert_response(&mut conn, &first).unwrap(),
            storage::insert_response(&mut conn, &second).unwrap(),
            storage::insert_response(&mut conn, &second).unwrap(),
            storage::insert_response(&mut conn, &first).unwrap(),
        ];

        use storage::InsertOutcome::{AlreadyStored, Stored};
        assert_eq!(outcomes, [Stored, Stored, AlreadyStored, AlreadyStored]);
        let mut ids: Vec<String> = storage::load_responses(&mut conn, EXAMPLE_ID)
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        ids.sort();
        assert_eq!(ids, ["a1b2c3", "d4e5f6"]);
        assert!(storage::is_stored(&mut conn, survey.number, "a1b2c3").unwrap());
        assert!(!storage::is_stored(&mut conn, survey.number, "0f0f0f").unwrap());
    }
}

/// The slots of a survey's responses in the order the database keeps them physically, and
/// how many different transaction ids (PostgreSQL's hidden `xmin`) wrote them. SQLite keeps
/// rows in rowid order and has no `xmin`: the rowid must be the slot itself.
fn physical_order_and_writers(db: &TestDatabase) -> (Vec<i64>, usize) {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        slot: i64,
        #[diesel(sql_type = diesel::sql_types::Text)]
        writer: String,
    }
    let database = Database::connect(db.url.clone(), 1).unwrap();
    let mut conn = database.conn().unwrap();
    let query = match db.url {
        minyi::storage::DatabaseUrl::Postgres(_) => {
            "SELECT slot, xmin::text AS writer FROM responses ORDER BY ctid"
        }
        minyi::storage::DatabaseUrl::Sqlite(_) => {
            "SELECT slot, '' AS writer FROM responses WHERE rowid = slot ORDER BY rowid"
        }
    };
    let rows: Vec<Row> = diesel::sql_query(query).load(&mut *conn).unwrap();
    let mut writers: Vec<String> = rows.iter().map(|r| r.writer.clone()).collect();
    writers.sort();
    writers.dedup();
    (rows.into_iter().map(|r| r.slot).collect(), writers.len())
}

on_both_backends! {
    async fn closing_a_survey_leaves_no_trace_of_the_order_its_answers_came_in(backend: Backend) {
        let app = spawn_app(backend).await;
        for county in ["nanhu", "haiyan", "tongxiang", "pinghu", "jiashan"] {
            let token = app.form_token(EXAMPLE_ID).await;
            submit(&app, county, &token, &[]).await;
        }
        let (_, writers_in_fieldwork) = physical_order_and_writers(&app.db);
        if backend == Backend::Postgres {
            assert_eq!(writers_in_fieldwork, 5, "in fieldwork each answer has its own transaction id: the trace closing erases");
        }

        app.catalog().transition(EXAMPLE_ID, Transition::Close).unwrap();

        let (order, writers) = physical_order_and_writers(&app.db);
        let mut by_slot = order.clone();
        by_slot.sort_unstable();
        assert_eq!(order.len(), 5, "every response is still there");
        assert_eq!(order, by_slot, "the rows sit in slot order, not in the order they came in");
        assert_eq!(writers, 1, "one transaction id for all: it no longer dates each answer");

        assert!(app.catalog().clear_owed_fieldwork_traces().unwrap().cleared.is_empty(), "the close recorded its clearing as done");

        minyi::retention::purge(&app.catalog(), EXAMPLE_ID, chrono::Utc::now().date_naive()).unwrap();
        assert_eq!(physical_order_and_writers(&app.db), (by_slot, 1), "the purge, which rewrites every row, keeps it so");
    }

    async fn a_close_whose_clearing_fails_is_audited_and_the_next_daily_run_clears_it(backend: Backend) {
        let app = spawn_app(backend).await;
        // Closed and cleared once, then reopened: the second close owes a clearing again.
        app.catalog().transition(EXAMPLE_ID, Transition::Close).unwrap();
        app.catalog().transition(EXAMPLE_ID, Transition::Open).unwrap();
        let address = "left.behind@example.org";
        minyi::invitations::invite(&app.catalog(), EXAMPLE_ID, &crate::mail::addresses(&[(address, None)]), crate::mail::invited_on()).unwrap();
        for county in ["nanhu", "haiyan", "tongxiang", "pinghu", "jiashan"] {
            let token = app.form_token(EXAMPLE_ID).await;
            submit(&app, county, &token, &[]).await;
        }
        // A real failure after the state changes: a table the clearing needs is missing.
        rename_table(&app.db, "invitation_links", "invitation_links_away");

        let close = minyi::transitions::open_or_close(&app.catalog(), EXAMPLE_ID, Transition::Close, "publisher@example.org");

        let error = close.unwrap_err();
        assert!(error.closed_but_not_cleared(), "{error}");
        assert!(error.to_string().contains("is closed, but clearing") && error.to_string().contains("next start"), "{error}");
        assert_eq!(app.catalog().require(EXAMPLE_ID).unwrap().record.state, SurveyState::Closed);
        let last = minyi::audit::recent(app.catalog().database(), 1).unwrap().into_iter().next().expect("the close is audited");
        assert_eq!((last.actor.as_str(), last.action.as_str()), ("publisher@example.org", "survey_closed"), "the close is audited");
        assert!(last.detail.ends_with("fieldwork traces not yet cleared"), "{}", last.detail);
        // The secret went first; the clearing stopped at the addresses, before the order.
        assert!(database_contents(&app.db).contains(address), "the address is still there (else this proves nothing)");
        if backend == Backend::Postgres {
            assert_eq!(physical_order_and_writers(&app.db).1, 5, "so is the arrival order");
        }

        let daily_run = || minyi::transitions::clear_every_owed_trace(&app.catalog()).unwrap();
        let still_failing = daily_run();
        assert_eq!((still_failing.cleared.len(), still_failing.failed.len()), (0, 1), "reported, still owed");

        rename_table(&app.db, "invitation_links_away", "invitation_links");
        let run = daily_run();

        assert_eq!((run.cleared.as_slice(), run.failed.len()), ([EXAMPLE_ID.to_owned()].as_slice(), 0));
        let last = minyi::audit::recent(app.catalog().database(), 1).unwrap().into_iter().next().expect("audited");
        assert_eq!((last.actor.as_str(), last.action.as_str(), last.survey_id.as_deref()), ("daily run", "traces_cleared", Some(EXAMPLE_ID)), "the clearing is audited");
        let db = Database::connect(app.db.url.clone(), 1).unwrap();
        let mut conn = db.conn().unwrap();
        assert!(!storage::has_survey_secret(&mut conn, EXAMPLE_ID).unwrap(), "the secret is destroyed");
        assert!(!database_contents(&app.db).contains(address), "the invited address is deleted");
        let (order, writers) = physical_order_and_writers(&app.db);
        let mut by_slot = order.clone();
        by_slot.sort_unstable();
        assert_eq!((order.len(), &order, writers), (5, &by_slot, 1), "the arrival order is erased");
        assert!(daily_run().cleared.is_empty(), "once: the clearing is recorded");
    }
}
