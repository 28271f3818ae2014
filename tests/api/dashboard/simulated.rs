//! Deleting a trial run's simulated responses from the web (`/admin/surveys/{id}/simulated`),
//! as `minyi simulate ID --remove` does: confirmed on a page of its own, residents' responses
//! untouched, audited with the account that did it, refused once the results are published.

use minyi::accounts::Role;
use minyi::analysis::{add_simulated, stored_fieldwork_progress};
use minyi::lifecycle::Transition;

use super::*;
use crate::privacy::{open_form, submit};

const PAGE: &str = "/admin/surveys/jiaxing-food-safety-2016/simulated";

async fn press(app: &TestApp, cookie: &str, token: &str) -> Reply {
    send(
        app,
        "post",
        PAGE,
        cookie,
        &[("_token", token), ("_lang", "en")],
        &[("Origin", &app.address), ("Sec-Fetch-Site", "same-origin")],
    )
    .await
}

fn simulated(app: &TestApp) -> i64 {
    stored_fieldwork_progress(&app.catalog(), EXAMPLE_ID)
        .unwrap()
        .simulated
}

on_both_backends! {
    async fn a_publisher_deletes_the_simulated_responses_and_residents_answers_stay(backend: Backend) {
        let app = spawn_app(backend).await;
        add_simulated(&app.catalog(), EXAMPLE_ID, 300, 3).expect("a trial run");
        let (token, _) = open_form(&app, &[]).await;
        submit(&app, "nanhu", &token, &[]).await;
        let publisher = signed_in(&app, "publisher@example.org", Role::Publisher).await;

        let dashboard = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}?lang=en"), &publisher).await;
        let page = get(&app, &format!("{PAGE}?lang=en"), &publisher).await;
        let forged = press(&app, &publisher, "forged-or-old").await;
        let still = simulated(&app);
        let deleted = press(&app, &publisher, &token_in(&page.body)).await;
        let after = get(&app, deleted.location.as_deref().unwrap_or("/"), &publisher).await;
        let again = get(&app, &format!("{PAGE}?lang=en"), &publisher).await;

        assert!(
            dashboard.body.contains("Note: 300 of these responses are simulated")
                && dashboard.body.contains(&format!("href=\"{PAGE}?lang")),
            "the dashboard says so, with the way to delete them: {}",
            dashboard.body
        );
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(
            page.body.contains("300 simulated responses (a trial run) will be deleted; residents&#x27; responses stay.")
                && page.body.contains("Yes, delete 300 simulated responses"),
            "{}",
            page.body
        );
        assert_eq!(forged.status, 422, "a post without the page's token deletes nothing");
        assert_eq!(still, 300);
        assert_eq!(deleted.status, 303, "{}", deleted.body);
        assert!(
            after.body.contains("The simulated responses are deleted; residents&#x27; responses stay.")
                && !after.body.contains("of these responses are simulated"),
            "{}",
            after.body
        );
        assert_eq!(simulated(&app), 0);
        assert_eq!(app.response_count(EXAMPLE_ID), 1, "the resident's response stays");
        assert_eq!(again.status, 303, "nothing left to delete: back to the dashboard");
        let audited: Vec<(String, String, String)> = minyi::audit::recent(app.catalog().database(), 10)
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "simulated_removed")
            .map(|e| (e.actor, e.survey_id.unwrap_or_default(), e.detail))
            .collect();
        assert_eq!(
            audited,
            [(
                "publisher@example.org".to_owned(),
                EXAMPLE_ID.to_owned(),
                "300 simulated responses deleted".to_owned()
            )]
        );
    }
}

#[actix_web::test]
async fn published_results_keep_their_simulated_responses() {
    let app = spawn_app(Backend::Sqlite).await;
    let catalog = app.catalog();
    add_simulated(&catalog, EXAMPLE_ID, 700, 5).expect("a trial run");
    let publisher = signed_in(&app, "publisher@example.org", Role::Publisher).await;
    let before = get(&app, &format!("{PAGE}?lang=en"), &publisher).await;
    catalog.transition(EXAMPLE_ID, Transition::Close).unwrap();
    minyi::publishing::publish(&catalog, EXAMPLE_ID).expect("published");

    let page = get(&app, &format!("{PAGE}?lang=en"), &publisher).await;
    let pressed = press(&app, &publisher, &token_in(&before.body)).await;
    let dashboard = get(
        &app,
        &format!("/admin/surveys/{EXAMPLE_ID}?lang=en"),
        &publisher,
    )
    .await;

    for (reply, what) in [(&page, "the page"), (&pressed, "its button, pressed after")] {
        assert_eq!(reply.status, 409, "{what}: {}", reply.body);
        assert!(
            reply.body.contains(
                "The results are published and final: their simulated responses cannot be deleted."
            ),
            "{what}: {}",
            reply.body
        );
    }
    assert_eq!(simulated(&app), 700);
    assert!(
        dashboard
            .body
            .contains("the published results say they include simulated data")
            && !dashboard.body.contains(PAGE),
        "no way to delete them is offered: {}",
        dashboard.body
    );
}
