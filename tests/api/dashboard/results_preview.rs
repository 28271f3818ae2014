//! Publishing cannot be undone, so before it a publisher sees the results page as it will be:
//! computed as publication computes it, shown to signed-in staff only, stored nowhere.

use minyi::accounts::Role;
use minyi::analysis::add_simulated;
use minyi::lifecycle::Transition;

use super::*;

/// The first section of a results page: the city's component and indicators.
fn city_section(body: &str) -> &str {
    let start = body
        .find("<section class=\"box\">")
        .expect("the city section");
    &body[start..start + body[start..].find("</section>").expect("its end")]
}

on_both_backends! {
    async fn a_publisher_sees_the_results_page_before_publishing_and_nothing_is_published(backend: Backend) {
        let app = spawn_app(backend).await;
        add_simulated(&app.catalog(), EXAMPLE_ID, 700, 2).expect("simulated fieldwork");
        let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;
        let preview = format!("/admin/surveys/{EXAMPLE_ID}/results");

        let while_open = get(&app, &preview, &cookie).await;
        app.catalog().transition(EXAMPLE_ID, Transition::Close).expect("closed");
        let dashboard = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}"), &cookie).await;
        let publish_page = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}/publish"), &cookie).await;
        let page = get(&app, &preview, &cookie).await;
        let public_before = app.get(&format!("/results/{EXAMPLE_ID}")).await;
        let state_after_preview = state_of(&app);
        minyi::publishing::publish(&app.catalog(), EXAMPLE_ID).expect("published");
        let published = app.get(&format!("/results/{EXAMPLE_ID}")).await;
        let after_publishing = get(&app, &preview, &cookie).await;

        assert_eq!(while_open.status, 409, "nothing to preview while answers come in: {}", while_open.body);
        assert!(dashboard.body.contains(&format!("href=\"{preview}\"")), "the dashboard of a closed survey links to it");
        assert!(publish_page.body.contains(&format!("href=\"{preview}\"")), "and so does the publish confirmation");
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("预览：尚未发布") && page.body.contains("这是发布后公众将看到的结果页面的预览"), "{}", page.body);
        assert!(!page.body.contains("figures.csv"), "no link to downloads that do not exist yet");
        assert_eq!(public_before.status, 404, "the public sees nothing yet");
        assert_eq!(state_after_preview, SurveyState::Closed, "previewing publishes nothing");
        assert_eq!(published.status, 200);
        assert_eq!(city_section(&page.body), city_section(&published.body), "the preview showed what was then published");
        assert_eq!(after_publishing.status, 303, "once published, the public page itself");
        assert_eq!(after_publishing.location.as_deref(), Some(format!("/results/{EXAMPLE_ID}").as_str()));
    }
}
