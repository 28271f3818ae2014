//! Opening, closing and publishing from the web: confirmed on a page of their own, by the
//! command line's rules, audited with the account that did it; refused moves change nothing and
//! say why; posts from other sites, or without the confirmation, do nothing.

use std::process::Command;

use minyi::accounts::{Email, Role};
use minyi::analysis::add_simulated;
use minyi::lifecycle::{SurveyState, Transition};

use super::*;
use crate::accounts::accounts;

/// Waits for the mail server's worker to write a message to `to` (mail goes to files in tests).
async fn mail_to(app: &TestApp, to: &str) -> String {
    crate::mail::eml_written(app, |text| text.contains(to)).await
}

/// Presses the publish button with the box about `simulated` responses ticked.
async fn publish_ticking(app: &TestApp, cookie: &str, token: &str, simulated: &str) -> Reply {
    send(
        app,
        "post",
        &format!("/admin/surveys/{EXAMPLE_ID}/publish"),
        cookie,
        &[("_token", token), ("_lang", "en"), ("simulated", simulated)],
        &[("Origin", &app.address), ("Sec-Fetch-Site", "same-origin")],
    )
    .await
}

/// A post that must not move the survey: why, as whom, what it sends, and the status expected.
struct Attempt<'a> {
    why: &'a str,
    cookie: &'a str,
    form: &'a [(&'a str, &'a str)],
    headers: &'a [(&'a str, &'a str)],
    status: u16,
}

on_both_backends! {
    async fn opening_closing_and_publishing_from_the_web_move_the_survey_and_are_audited(backend: Backend) {
        let app = spawn_app(backend).await;
        add_simulated(&app.catalog(), EXAMPLE_ID, 700, 2).expect("simulated fieldwork");
        add_account(&app, "li.wei@example.org", Role::Evaluator);
        accounts(&app).grant(&Email::parse("li.wei@example.org").unwrap(), EXAMPLE_ID, "test").unwrap();
        let publisher = signed_in(&app, "publisher@example.org", Role::Publisher).await;
        let admin = signed_in(&app, "admin@example.org", Role::Admin).await;

        let (close_page, token) = confirmation(&app, "close", &publisher).await;
        let usable = minyi::analysis::stored_fieldwork_progress(&app.catalog(), EXAMPLE_ID).unwrap().usable();
        assert!(usable < 700, "the quality rules set some aside");
        assert!(close_page.body.contains(&format!("So far: {usable} usable responses of 1400 targeted (700 received).")), "{}", close_page.body);
        assert!(close_page.body.contains("cannot be undone"), "the page says what is final");
        assert_eq!(state_of(&app), SurveyState::Open, "asking to confirm changes nothing");
        let closed = confirm(&app, "close", &publisher, &token).await;

        assert_eq!(closed.status, 303, "{}", closed.body);
        let back = closed.location.expect("back to the dashboard");
        assert_eq!(back, format!("/admin/surveys/{EXAMPLE_ID}?done=close&lang=en"));
        assert_eq!(state_of(&app), SurveyState::Closed);
        assert_eq!(app.get(&format!("/s/{EXAMPLE_ID}")).await.status, 410, "residents can no longer answer");
        let dashboard = get(&app, &back, &publisher).await;
        assert!(dashboard.body.contains("The survey is closed: it takes no more answers."), "the dashboard says what was done");
        assert!(dashboard.body.contains("Publish the results") && dashboard.body.contains("Open the survey"), "a closed survey may be published or reopened");

        let (open_page, token) = confirmation(&app, "open", &admin).await;
        assert!(open_page.body.contains(&format!("Residents can answer at {}/s/{EXAMPLE_ID}", app.address)), "the whole address, to pass on: {}", open_page.body);
        assert!(open_page.body.contains("closing deleted the key that recognises a second response from the same phone"), "reopening says what the close took away: {}", open_page.body);
        assert!(open_page.body.contains("Note: the survey file says its planned fieldwork ended on 2016-11-30 ("), "the example's dates are long past, and the page says so before the button: {}", open_page.body);
        assert!(open_page.body.contains("to survey on new dates, reopen it, then import the file"), "a closed survey's file changes only once it is reopened: {}", open_page.body);
        assert_eq!(confirm(&app, "open", &admin, &token).await.status, 303);
        assert_eq!(state_of(&app), SurveyState::Open, "an admin reopened it");
        let (_, token) = confirmation(&app, "close", &admin).await;
        assert_eq!(confirm(&app, "close", &admin, &token).await.status, 303);

        let (publish_page, token) = confirmation(&app, "publish", &publisher).await;
        assert!(publish_page.body.contains("Evaluators granted this survey who will be told by mail: 1."), "{}", publish_page.body);
        assert!(publish_page.body.contains("This survey has 700 simulated responses"), "warned before publishing simulated data");
        assert!(publish_page.body.contains(&format!("href=\"/admin/surveys/{EXAMPLE_ID}/simulated?lang")), "with the way to delete them: {}", publish_page.body);
        assert!(publish_page.body.contains("name=\"simulated\" value=\"700\" required"), "and a box to tick: {}", publish_page.body);
        let unticked = confirm(&app, "publish", &publisher, &token).await;
        assert_eq!(unticked.status, 422, "{}", unticked.body);
        assert!(unticked.body.contains("The box below was not ticked: the results were not published."), "{}", unticked.body);
        assert_eq!(state_of(&app), SurveyState::Closed, "simulated data is not published by a press alone");
        let ticked_for_others = publish_ticking(&app, &publisher, &token, "699").await;
        assert_eq!(ticked_for_others.status, 422, "a box ticked for another number of simulated responses does not count");
        assert!(ticked_for_others.body.contains("The number of simulated responses has changed, to 700"), "and says why: {}", ticked_for_others.body);
        let published = publish_ticking(&app, &publisher, &token, "700").await;

        assert_eq!(published.status, 303, "{}", published.body);
        assert_eq!(state_of(&app), SurveyState::Published);
        // The button pressed twice, and the confirmation page reached again with Back: the
        // results are published, which is what was asked; not a failure to retry.
        let pressed_again = confirm(&app, "publish", &publisher, &token).await;
        let page_again = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}/publish?lang=en"), &publisher).await;
        for (reply, what) in [(&pressed_again, "pressed twice"), (&page_again, "the page again")] {
            assert_eq!(reply.status, 303, "{what}: {}", reply.body);
            let dashboard = get(&app, reply.location.as_deref().expect("to the dashboard"), &publisher).await;
            assert!(dashboard.body.contains("The results are already published; nothing more to do."), "{what}: {}", dashboard.body);
        }
        assert_eq!(app.get(&format!("/results/{EXAMPLE_ID}")).await.status, 200, "the results are public");
        mail_to(&app, "li.wei@example.org").await;
        let results = minyi::publishing::published(&app.catalog(), EXAMPLE_ID).unwrap().expect("stored results");
        let manifest = results.result_set.expect("a verifiable result set").manifest_sha256;
        let audited: Vec<(String, String, Option<String>)> = moves_audited(&app)
            .into_iter()
            .map(|e| (e.action, e.actor, e.manifest_sha256))
            .collect();
        let entry = |action: &str, actor: &str, manifest: Option<&str>| (action.to_owned(), actor.to_owned(), manifest.map(str::to_owned));
        assert_eq!(audited, [
            entry("survey_closed", "publisher@example.org", None),
            entry("survey_opened", "admin@example.org", None),
            entry("survey_closed", "admin@example.org", None),
            entry("survey_published", "publisher@example.org", Some(&manifest)),
        ]);
        assert_eq!(moves_audited(&app)[0].detail, "open → closed; 700 responses");
        let log = get(&app, "/admin/audit?lang=en", &admin).await;
        assert!(log.body.contains("Survey closed") && log.body.contains("Results published"), "admins read the moves in the log");
    }

    async fn moves_the_rules_forbid_are_refused_with_the_reason_and_change_nothing(backend: Backend) {
        let app = spawn_app(backend).await;
        let publisher = signed_in(&app, "publisher@example.org", Role::Publisher).await;
        let catalog = app.catalog();
        let refused = |reply: &Reply, reason: &str, why: &str| {
            assert_eq!(reply.status, 409, "{why}: {}", reply.body);
            assert!(reply.body.contains(reason), "{why}: the page says {reason:?}: {}", reply.body);
            assert!(reply.body.contains("Nothing was changed."), "{why}");
            assert!(!reply.body.contains("name=\"_token\""), "{why}: no button to press");
        };

        // Asked from the state it is in: the confirmation page says why not.
        for (action, reason, why) in [
            ("publish", "Fieldwork is still running: close the survey first.", "publishing while open"),
        ] {
            let page = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}/{action}?lang=en"), &publisher).await;
            refused(&page, reason, why);
        }
        // Asked for the state it is in: nothing to confirm, and nothing wrong either.
        let open_again = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}/open?lang=en"), &publisher).await;
        assert_eq!(open_again.status, 303, "opening an open survey: {}", open_again.body);
        let dashboard = get(&app, open_again.location.as_deref().expect("to the dashboard"), &publisher).await;
        assert!(dashboard.body.contains("This survey is already open; nothing more to do."), "{}", dashboard.body);
        let chinese = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}/publish"), &publisher).await;
        assert!(chinese.body.contains("调查仍在进行：请先结束调查。"), "the reason in Chinese");

        // Confirmed while allowed, pressed after someone else made the move: the rules are
        // checked again, and the survey being where the move leads is no failure.
        let (_, close_token) = confirmation(&app, "close", &publisher).await;
        catalog.transition(EXAMPLE_ID, Transition::Close).expect("closed meanwhile");
        let late = confirm(&app, "close", &publisher, &close_token).await;
        assert_eq!(late.status, 303, "closed by someone else meanwhile: done, not refused");
        let dashboard = get(&app, late.location.as_deref().expect("to the dashboard"), &publisher).await;
        assert!(dashboard.body.contains("This survey is already closed; nothing more to do."), "{}", dashboard.body);

        // Nothing usable to publish: said on the confirmation page, with no button, and again
        // to a post that reaches the move anyway.
        let nothing = "There is nothing to publish: no usable responses (0 stored, 0 left out by the quality rules).";
        let empty_page = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}/publish?lang=en"), &publisher).await;
        refused(&empty_page, nothing, "asked to publish without responses");
        let empty = confirm(&app, "publish", &publisher, "forged-or-old-token").await;
        refused(&empty, nothing, "publishing without responses");
        assert_eq!(state_of(&app), SurveyState::Closed, "still closed");
        assert_eq!(app.get(&format!("/results/{EXAMPLE_ID}")).await.status, 404, "nothing public");
        assert!(moves_audited(&app).is_empty(), "no move recorded: {:?}", moves_audited(&app).iter().map(|e| &e.action).collect::<Vec<_>>());

        catalog.transition(EXAMPLE_ID, Transition::Open).unwrap();
        add_simulated(&catalog, EXAMPLE_ID, 700, 4).unwrap();
        catalog.transition(EXAMPLE_ID, Transition::Close).unwrap();
        minyi::publishing::publish(&catalog, EXAMPLE_ID).expect("published");
        let final_page = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}/open?lang=en"), &publisher).await;
        refused(&final_page, "Its results are published, and published results are final.", "reopening published results");
        let dashboard = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}?lang=en"), &publisher).await;
        assert!(dashboard.body.contains("The results are published, and published results are final."), "no buttons once published");
    }

    async fn posts_from_other_sites_or_without_the_confirmation_change_nothing(backend: Backend) {
        let app = spawn_app(backend).await;
        let publisher = signed_in(&app, "publisher@example.org", Role::Publisher).await;
        let admin = signed_in(&app, "admin@example.org", Role::Admin).await;
        let evaluator = signed_in(&app, "li.wei@example.org", Role::Evaluator).await;
        let (_, token) = confirmation(&app, "close", &publisher).await;
        let (_, admins_token) = confirmation(&app, "close", &admin).await;
        let path = format!("/admin/surveys/{EXAMPLE_ID}/close");

        let with_token = [("_token", token.as_str()), ("_lang", "en")];
        let with_admins_token = [("_token", admins_token.as_str()), ("_lang", "en")];
        let cases = [
            Attempt { why: "a form on another site (Origin)", cookie: &publisher, form: &with_token, headers: &[("Origin", "https://evil.example")], status: 403 },
            Attempt { why: "a form on another site (Sec-Fetch-Site)", cookie: &publisher, form: &with_token, headers: &[("Sec-Fetch-Site", "cross-site")], status: 403 },
            Attempt { why: "no confirmation token", cookie: &publisher, form: &[("_lang", "en")], headers: &[], status: 422 },
            Attempt { why: "another account's token", cookie: &publisher, form: &with_admins_token, headers: &[], status: 422 },
            Attempt { why: "an evaluator, even with a publisher's token", cookie: &evaluator, form: &with_token, headers: &[], status: 403 },
            Attempt { why: "nobody signed in", cookie: "", form: &with_token, headers: &[], status: 303 },
        ];
        for Attempt { why, cookie, form, headers, status } in cases {
            let reply = send(&app, "post", &path, cookie, form, headers).await;
            assert_eq!(reply.status, status, "{why}: {}", reply.body);
            assert_eq!(state_of(&app), SurveyState::Open, "{why}: nothing changed");
            if why.starts_with("a form on another site") {
                assert!(reply.body.contains("这次提交不是从本站页面发出的") && !reply.body.contains("请打开问卷链接"), "{why}: said in staff terms: {}", reply.body);
            }
            if status == 422 {
                assert!(reply.body.contains("This confirmation has expired"), "{why}: asked to confirm again");
                assert_ne!(token_in(&reply.body), token, "{why}: with a fresh token");
            }
        }
        assert!(moves_audited(&app).is_empty(), "nothing recorded");

        let pressed = confirm(&app, "close", &publisher, &token).await;
        assert_eq!(pressed.status, 303, "the page's own button, from this site: {}", pressed.body);
        assert_eq!(state_of(&app), SurveyState::Closed);
    }
}

/// The command line and the web record the same entry, the command line as its actor.
#[test]
fn the_command_line_records_its_moves_in_the_audit_log_as_the_web_does() {
    let db = TestDatabase::new(Backend::Sqlite);
    let minyi = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_minyi"))
            .args(args)
            .env("DATABASE_URL", &db.raw_url)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("minyi runs")
    };
    assert!(
        minyi(&["survey", "import", "surveys/jiaxing-food-safety-2016.toml"])
            .status
            .success()
    );

    let closed = minyi(&["survey", "close", EXAMPLE_ID]);
    let refused = minyi(&["survey", "publish", EXAMPLE_ID]);

    assert!(closed.status.success());
    assert!(!refused.status.success(), "nothing to publish");
    let entries = minyi::audit::recent(
        &minyi::storage::Database::connect(db.url.clone(), 1).unwrap(),
        10,
    )
    .unwrap();
    let moves: Vec<(&str, &str, &str)> = entries
        .iter()
        .filter(|e| e.action.starts_with("survey_") && e.action != "survey_imported")
        .map(|e| (e.action.as_str(), e.actor.as_str(), e.detail.as_str()))
        .collect();
    assert_eq!(
        moves,
        [(
            "survey_closed",
            "command line",
            "open → closed; 0 responses"
        )],
        "the refused publication is not recorded"
    );
}
