//! A close that could not clear what fieldwork left (the client-hash secret, invited addresses,
//! arrival order) is shown on the survey's dashboard, with a button that retries it now; the
//! retry is audited with the account that pressed it (the daily run does the same unasked).

use minyi::accounts::Role;
use minyi::lifecycle::SurveyState;

use super::*;
use crate::privacy::database_contents;

const CLEAR: &str = "/admin/surveys/jiaxing-food-safety-2016/clear";
const DASHBOARD: &str = "/admin/surveys/jiaxing-food-safety-2016?lang=en";

/// Presses the dashboard's "Clear now" button with `token`, from `site` (`same-origin` is
/// Minyi's own page).
async fn press(app: &TestApp, cookie: &str, token: &str, site: &str) -> Reply {
    send(
        app,
        "post",
        CLEAR,
        cookie,
        &[("_token", token), ("_lang", "en")],
        &[("Sec-Fetch-Site", site)],
    )
    .await
}

fn owed(app: &TestApp) -> bool {
    let survey = app
        .catalog()
        .require(EXAMPLE_ID)
        .expect("the example survey");
    survey.record.owes_trace_clearing()
}

on_both_backends! {
    async fn a_clearing_the_close_could_not_finish_is_shown_and_retried_from_the_dashboard(backend: Backend) {
        let app = spawn_app(backend).await;
        let address = "left.behind@example.org";
        minyi::invitations::invite(&app.catalog(), EXAMPLE_ID, &crate::mail::addresses(&[(address, None)]), crate::mail::invited_on()).unwrap();
        let publisher = signed_in(&app, "publisher@example.org", Role::Publisher).await;
        let before = get(&app, DASHBOARD, &publisher).await;
        assert!(!before.body.contains("not yet cleared"), "an open survey owes nothing");

        // The clearing needs a table that is missing: the close happens, the clearing fails.
        rename_table(&app.db, "invitation_links", "invitation_links_away");
        let (_, token) = confirmation(&app, "close", &publisher).await;
        let closed = confirm(&app, "close", &publisher, &token).await;
        assert_eq!((closed.status, state_of(&app)), (303, SurveyState::Closed), "{}", closed.body);

        let dashboard = get(&app, DASHBOARD, &publisher).await;
        assert!(dashboard.body.contains("Fieldwork traces not yet cleared"), "{}", dashboard.body);
        assert!(dashboard.body.contains("Minyi retries at every start and once a day"), "says what happens next");
        assert!(dashboard.body.contains(&format!("action=\"{CLEAR}\"")), "a button retries it now");
        let token = token_in(&dashboard.body);

        let elsewhere = press(&app, &publisher, &token, "cross-site").await;
        assert_eq!(elsewhere.status, 403, "a post from another site does nothing");
        let forged = press(&app, &publisher, "not-a-token", "same-origin").await;
        assert_eq!(forged.location.as_deref(), Some(DASHBOARD), "without the page's token: the dashboard again");
        assert!(owed(&app), "neither cleared anything");

        let failed = press(&app, &publisher, &token, "same-origin").await;
        let failed_at = failed.location.expect("back to the dashboard");
        let page = get(&app, &failed_at, &publisher).await;
        assert!(page.body.contains("Clearing failed again; the cause is in the server"), "{}", page.body);
        assert!(owed(&app), "still owed");
        assert!(database_contents(&app.db).contains(address), "the address is still there");

        rename_table(&app.db, "invitation_links_away", "invitation_links");
        let cleared = press(&app, &publisher, &token, "same-origin").await;
        let cleared_at = cleared.location.expect("back to the dashboard");
        let page = get(&app, &cleared_at, &publisher).await;

        assert!(page.body.contains("Fieldwork traces cleared:"), "{}", page.body);
        assert!(!page.body.contains("not yet cleared"), "the notice is gone");
        assert!(!owed(&app), "nothing is owed any more");
        assert!(!database_contents(&app.db).contains(address), "the invited address is deleted");
        let last = minyi::audit::recent(app.catalog().database(), 1).unwrap().remove(0);
        assert_eq!(
            (last.actor.as_str(), last.action.as_str(), last.survey_id.as_deref()),
            ("publisher@example.org", "traces_cleared", Some(EXAMPLE_ID)),
            "audited with the account that pressed it"
        );

        let again = press(&app, &publisher, &token, "same-origin").await;
        assert_eq!(again.status, 303, "pressing again is harmless");
        assert_eq!(minyi::audit::recent(app.catalog().database(), 1).unwrap().remove(0).seq, last.seq, "and records nothing: nothing was owed");
    }
}
