//! Login throttling: per account and per network, stored in the database (so every server
//! process counts the same failures), without storing an address.

use minyi::accounts::Role;

use super::*;

on_both_backends! {
    async fn after_five_wrong_passwords_even_the_right_one_waits(backend: Backend) {
        let app = spawn_app(backend).await;
        let password = add_account(&app, "li.wei@example.org", Role::Evaluator);
        for attempt in 1..=5 {
            let reply = request(&app, "post", "/login", None, &[("email", "li.wei@example.org"), ("password", "wrong password")]).await;
            assert_eq!(reply.status, 422, "attempt {attempt} is checked");
        }

        let sixth = request(&app, "post", "/login", None, &[("email", "li.wei@example.org"), ("password", &password)]).await;

        assert_eq!(sixth.status, 429, "throttled");
        assert!(sixth.body.contains("分钟后再试"), "says how long to wait: {}", sixth.body);
        assert!(sixth.set_cookie.is_none(), "no session while throttled");
        let other = add_account(&app, "zhang.min@example.org", Role::Evaluator);
        sign_in(&app, "zhang.min@example.org", &other).await;
    }

    async fn one_network_trying_many_addresses_is_throttled_without_storing_the_address(backend: Backend) {
        let app = spawn_app(backend).await;
        let password = add_account(&app, "admin@example.org", Role::Admin);
        for attempt in 1..=20 {
            let email = format!("guess{attempt}@example.org");
            let reply = request(&app, "post", "/login", None, &[("email", &email), ("password", "wrong password")]).await;
            assert_eq!(reply.status, 422, "attempt {attempt}");
        }

        let real = request(&app, "post", "/login", None, &[("email", "admin@example.org"), ("password", &password)]).await;

        assert_eq!(real.status, 429, "the network has used up its attempts");
        let contents = crate::privacy::database_contents(&app.db);
        assert!(!contents.contains("127.0.0.1") && !contents.contains("127.0.0.0"), "no address stored");
        assert!(!contents.contains("guess1@example.org"), "unknown addresses typed are not stored");
    }
}
