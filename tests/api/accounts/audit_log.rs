//! The audit log: sign-ins and grants are appended and shown to admins only; the database
//! refuses to change or delete an entry.

use diesel::connection::SimpleConnection;
use minyi::accounts::{Email, Role};
use minyi::audit::{AuditAction, AuditEvent};

use super::*;

on_both_backends! {
    async fn sign_ins_and_grants_are_shown_to_admins_and_cannot_be_changed(backend: Backend) {
        let app = spawn_app(backend).await;
        let admin = add_account(&app, "admin@example.org", Role::Admin);
        let evaluator = add_account(&app, "li.wei@example.org", Role::Evaluator);
        accounts(&app)
            .grant(&Email::parse("li.wei@example.org").unwrap(), EXAMPLE_ID, "admin@example.org")
            .expect("granted");
        request(&app, "post", "/login", None, &[("email", "li.wei@example.org"), ("password", "wrong password")]).await;
        let as_evaluator = sign_in(&app, "li.wei@example.org", &evaluator).await;
        let as_admin = sign_in(&app, "admin@example.org", &admin).await;

        let page = request(&app, "get", "/admin/audit?lang=en", Some(&as_admin), &[]).await;
        let refused = request(&app, "get", "/admin/audit", Some(&as_evaluator), &[]).await;

        assert_eq!(page.status, 200);
        for shown in ["Signed in", "Sign-in failed", "Survey granted", "li.wei@example.org", EXAMPLE_ID, "Account added"] {
            assert!(page.body.contains(shown), "the log shows {shown}");
        }
        assert_eq!(refused.status, 403, "evaluators do not see the log");
        let first = minyi::audit::recent(app.catalog().database(), 100).unwrap().pop().unwrap().at;
        let beijing = chrono::DateTime::parse_from_rfc3339(&first).unwrap() + chrono::Duration::hours(8);
        let shown_at = format!("{} (Beijing time)", beijing.format("%Y-%m-%d %H:%M:%S"));
        assert!(page.body.contains(&shown_at), "times in Beijing time, said so: {shown_at}");
        let entries = minyi::audit::recent(&Database::connect(app.db.url.clone(), 1).unwrap(), 100).unwrap();
        let actions: Vec<&str> = entries.iter().rev().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["survey_imported", "user_added", "user_added", "grant", "sign_in_failed", "sign_in", "sign_in"],
            "appended in order, from the example survey imported at start"
        );
        assert!(
            entries.last().unwrap().detail.ends_with("; opened (open_on_import)"),
            "its opening on import is in the log too: {}",
            entries.last().unwrap().detail
        );
        let db = Database::connect(app.db.url.clone(), 1).unwrap();
        let mut conn = db.conn().unwrap();
        for statement in ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"] {
            let refused = (*conn).batch_execute(statement);
            assert!(refused.is_err(), "the database refuses: {statement}");
        }
        drop(conn);
        assert_eq!(minyi::audit::recent(&db, 100).unwrap().len(), entries.len(), "nothing changed");

        minyi::transitions::open_or_close(&app.catalog(), EXAMPLE_ID, minyi::lifecycle::Transition::Close, minyi::audit::COMMAND_LINE).unwrap();
        let chinese = request(&app, "get", "/admin/audit", Some(&as_admin), &[]).await;
        assert!(chinese.body.contains("结束调查</strong> · 命令行操作"), "the command line named in Chinese: {}", chinese.body);
    }

    async fn a_refused_download_is_in_the_log_with_who_asked(backend: Backend) {
        let app = spawn_app(backend).await;
        let admin = add_account(&app, "admin@example.org", Role::Admin);
        let evaluator = add_account(&app, "not.granted@example.org", Role::Evaluator);
        let publisher = add_account(&app, "office@example.org", Role::Publisher);
        let as_evaluator = sign_in(&app, "not.granted@example.org", &evaluator).await;
        let as_publisher = sign_in(&app, "office@example.org", &publisher).await;
        let as_admin = sign_in(&app, "admin@example.org", &admin).await;
        let download = format!("/resultsets/{EXAMPLE_ID}/download");
        let comments = format!("/resultsets/{EXAMPLE_ID}/comments.csv");

        let by_evaluator = request(&app, "get", &download, Some(&as_evaluator), &[]).await;
        let again = request(&app, "get", &download, Some(&as_evaluator), &[]).await;
        let by_publisher = request(&app, "get", &comments, Some(&as_publisher), &[]).await;
        let made_up = request(&app, "get", "/resultsets/%E2%80%AEnot-a-survey/download", Some(&as_publisher), &[]).await;
        let page = request(&app, "get", "/admin/audit?lang=en", Some(&as_admin), &[]).await;

        assert_eq!([by_evaluator.status, again.status, by_publisher.status, made_up.status], [403; 4]);
        let refused: Vec<(String, Option<String>, String)> = minyi::audit::recent(app.catalog().database(), 100)
            .unwrap()
            .into_iter()
            .rev()
            .filter(|e| e.action == "download_refused")
            .map(|e| (e.actor, e.survey_id, e.detail))
            .collect();
        assert_eq!(
            refused,
            [
                ("not.granted@example.org".to_owned(), Some(EXAMPLE_ID.to_owned()), "/resultsets/{id}/download (evaluator)".to_owned()),
                ("office@example.org".to_owned(), Some(EXAMPLE_ID.to_owned()), "/resultsets/{id}/comments.csv (publisher)".to_owned()),
            ],
            "who was refused which survey's microdata and what they asked for; once for a reload, \
             nothing for a survey that does not exist"
        );
        assert!(page.body.contains("Download refused (survey not granted)"), "shown to admins: {}", page.body);

        // Another server process, on the same database, refused the same request a moment
        // later: the log already has it. Ten minutes on, it is recorded again.
        let other_process = accounts(&app);
        let who = other_process.find(&Email::parse("not.granted@example.org").unwrap()).unwrap().unwrap();
        let now = chrono::Utc::now().timestamp();
        let count = || {
            minyi::audit::recent(app.catalog().database(), 100).unwrap().iter().filter(|e| e.action == "download_refused").count()
        };
        other_process.record_refused_download(&who, EXAMPLE_ID, "/resultsets/{id}/download", now).unwrap();
        assert_eq!(count(), 2, "the other process finds the entry in the log");
        other_process.record_refused_download(&who, EXAMPLE_ID, "/resultsets/{id}/download", now + 601).unwrap();
        assert_eq!(count(), 3, "and records the refusal again after ten minutes");
    }
}

on_both_backends! {
    async fn an_admin_narrows_the_log_by_what_who_and_which_survey_and_pages_back(backend: Backend) {
        let app = spawn_app(backend).await;
        let admin = add_account(&app, "admin@example.org", Role::Admin);
        let db = app.catalog().database().clone();
        for n in 0..250 {
            let (actor, action) = if n % 2 == 0 { ("li.wei@example.org", AuditAction::Download) } else { ("zhang.min@example.org", AuditAction::SignIn) };
            minyi::audit::record(&db, AuditEvent { actor, action, survey_id: (n % 2 == 0).then_some(EXAMPLE_ID), manifest_sha256: None, detail: format!("entry {n}") }).unwrap();
        }
        let cookie = sign_in(&app, "admin@example.org", &admin).await;
        let numbers = |body: &str| -> Vec<i64> {
            body.split("<span class=\"note\">#").skip(1).map(|rest| rest.split(' ').next().unwrap().parse().unwrap()).collect()
        };

        let newest = request(&app, "get", "/admin/audit", Some(&cookie), &[]).await;
        let downloads = request(&app, "get", "/admin/audit?action=download&actor=+li.wei%40example.org+&survey=", Some(&cookie), &[]).await;
        let nobody = request(&app, "get", "/admin/audit?actor=someone%40example.org", Some(&cookie), &[]).await;
        let unknown = request(&app, "get", "/admin/audit?action=drop+table&before=x", Some(&cookie), &[]).await;

        assert_eq!(newest.status, 200);
        let first_page = numbers(&newest.body);
        assert_eq!(first_page.len(), 200, "a page at a time");
        assert!(first_page.windows(2).all(|w| w[0] > w[1]), "newest first");
        let older = newest.body.split("<p class=\"more\"><a href=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("a link to older entries");
        let older = older.replace("&amp;", "&").replace("&#x3D;", "=");
        let second = request(&app, "get", &older, Some(&cookie), &[]).await;
        let second_page = numbers(&second.body);
        assert!(!second_page.is_empty() && second_page[0] == first_page[199] - 1, "the next page starts where the first ended: {older}");
        assert!(second.body.contains("回到最新的记录"), "with a way back to the newest");

        let shown = numbers(&downloads.body);
        assert_eq!(shown.len(), 125, "every download of li.wei's, and nothing else (the actor trimmed, an empty survey ignored)");
        assert!(!downloads.body.contains("zhang.min@example.org"));
        assert!(downloads.body.contains("<option value=\"download\" selected>"), "the form shows the filter in use");
        assert!(downloads.body.contains("value=\"li.wei@example.org\""));
        assert!(!downloads.body.contains("更早的记录"), "no older page when all are shown");
        assert!(nobody.body.contains("尚无记录"), "{}", nobody.body);
        assert_eq!(unknown.status, 200, "an action it does not know, or a page number that is not one, narrows nothing");
        assert_eq!(numbers(&unknown.body), first_page);
    }
}
