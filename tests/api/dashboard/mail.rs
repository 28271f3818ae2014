//! The dashboard's invitation section when mail fails: the messages given up on are counted with
//! the mail server's reasons, and a button sends them again (as `minyi mail retry` does),
//! audited with the account that pressed it.

use std::time::Duration;

use minyi::accounts::Role;
use minyi::storage::{self, NewMail};

use super::*;

on_both_backends! {
    async fn failed_messages_are_shown_with_their_reasons_and_sent_again_from_the_dashboard(backend: Backend) {
        // The server's own sender waits an hour between looks at an empty outbox, so the
        // message below fails as the test says and is not sent first.
        let app = spawn_app_with_settings(backend, &repo_path("surveys"), |s| {
            s.mail.poll = Duration::from_secs(3600);
        })
        .await;
        let max = minyi::mail::MAX_ATTEMPTS;
        let mut conn = app.catalog().database().conn().unwrap();
        let rejected = |address: &str| format!("SMTP: permanent error (550): 5.1.1 <{address}>: Recipient address rejected");
        for (id, to) in [("given-up-1", "wang.fang@example.org"), ("given-up-2", "li.lei@example.org")] {
            storage::enqueue(&mut conn, &[NewMail {
                id: id.into(),
                survey_id: EXAMPLE_ID.into(),
                kind: "results_published".into(),
                recipient: to.into(),
                invitation_id: None,
                lang: "zh".into(),
            }]).unwrap();
            let now = chrono::Utc::now().timestamp();
            let claimed = storage::claim_next(&mut conn, now, now + 60, "test", max).unwrap().expect("claimable");
            storage::fail(&mut conn, &claimed.id, "test", now, Some(max), &rejected(to)).unwrap();
        }
        let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;
        let dashboard = format!("/admin/surveys/{EXAMPLE_ID}");
        let retried = || minyi::audit::recent(app.catalog().database(), 100).unwrap().into_iter()
            .filter(|e| e.action == "mail_retried")
            .map(|e| (e.actor, e.survey_id.unwrap_or_default(), e.detail))
            .collect::<Vec<_>>();

        let page = get(&app, &dashboard, &cookie).await.body;

        assert!(page.contains("邮件：0 封待发送，2 封发送失败，已停止重试。"), "{page}");
        assert!(
            page.contains(&format!(
                "<li>2 × <span lang=\"en\">{}</span><span lang=\"zh-CN\">[邮箱]</span><span lang=\"en\">{}</span></li>",
                "SMTP: permanent error (550): 5.1.1 &lt;",
                "&gt;: Recipient address rejected"
            )),
            "why, as the server said (in English), without the addresses it quoted (a placeholder in Chinese): {page}"
        );
        assert!(!page.contains("wang.fang@") && !page.contains("li.lei@"), "no resident's address on the page");
        let form = &page[page.find(&format!("action=\"/admin/surveys/{EXAMPLE_ID}/mail/retry\"")).expect("a retry button")..];
        let token = form.split("name=\"_token\" value=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("its token").to_owned();

        let forged = send(&app, "post", &format!("{dashboard}/mail/retry"), &cookie, &[("_token", "forged")], &[]).await;

        assert_eq!((forged.status, forged.location.as_deref()), (303, Some(dashboard.as_str())), "the dashboard again");
        assert_eq!(storage::outbox_counts(&mut conn, EXAMPLE_ID, max).unwrap(), (0, 2), "a forged token sends nothing again");
        assert!(retried().is_empty());

        let pressed = send(&app, "post", &format!("{dashboard}/mail/retry"), &cookie, &[("_token", &token)], &[]).await;
        let again = send(&app, "post", &format!("{dashboard}/mail/retry"), &cookie, &[("_token", &token)], &[]).await;

        assert_eq!((pressed.status, pressed.location.as_deref()), (303, Some(format!("{dashboard}?done=mail_retried").as_str())));
        assert_eq!(storage::outbox_counts(&mut conn, EXAMPLE_ID, max).unwrap(), (2, 0), "waiting to be sent again, no longer failed");
        let after = get(&app, pressed.location.as_deref().unwrap(), &cookie).await.body;
        assert!(after.contains("发送失败的邮件已重新排队"), "{after}");
        assert!(!after.contains("/mail/retry"), "nothing failed, no button");
        assert_eq!((again.status, again.location.as_deref()), (303, Some(dashboard.as_str())), "nothing left to send again: the dashboard, saying nothing");
        assert_eq!(retried(), [("publisher@example.org".to_owned(), EXAMPLE_ID.to_owned(), "messages queued again: 2".to_owned())], "once, with who pressed it");
    }
}

/// Waits until the outbox holds `given_up` messages given up on and `retrying` waiting with a
/// failed try behind them.
async fn settled(
    app: &TestApp,
    given_up: usize,
    retrying: usize,
) -> (Vec<(String, i64)>, Vec<(String, i64)>) {
    let max = minyi::mail::MAX_ATTEMPTS;
    let mut conn = app.catalog().database().conn().unwrap();
    for _ in 0..1000 {
        let failed = storage::failure_reasons(&mut conn, EXAMPLE_ID, max).unwrap();
        let waiting = storage::retry_reasons(&mut conn, EXAMPLE_ID, max).unwrap();
        let count =
            |reasons: &[(String, i64)]| reasons.iter().map(|(_, n)| *n as usize).sum::<usize>();
        if (count(&failed), count(&waiting)) == (given_up, retrying) {
            return (failed, waiting);
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the outbox never held {given_up} given up on and {retrying} to be tried again");
}

on_both_backends! {
    async fn a_refused_address_is_given_up_at_once_with_the_servers_words_and_a_delay_shows_as_retrying(backend: Backend) {
        let smtp = crate::mail::SmtpServer::start();
        let app = crate::mail::spawn_mail_app(backend, &smtp).await;
        let list = crate::mail::addresses(&[
            ("resident@example.org", None),
            ("unknown.wang@example.org", None),
            ("greylisted.li@example.org", None),
            ("王芳@例子.中国", None),
        ]);

        minyi::invitations::invite(&app.catalog(), EXAMPLE_ID, &list, crate::mail::invited_on()).unwrap();
        smtp.wait_for(1).await;
        let (given_up, retrying) = settled(&app, 2, 1).await;

        let reasons: Vec<&str> = given_up.iter().map(|(r, _)| r.as_str()).collect();
        assert!(
            reasons.contains(&"the SMTP server answered 550: 5.1.1 <unknown.wang@example.org>: Recipient address rejected: User unknown"),
            "a refused address, at its first try, in the server's own words: {reasons:?}"
        );
        assert!(
            reasons.iter().any(|r| r.contains("SMTPUTF8")),
            "an address outside ASCII to a server without SMTPUTF8 is not tried for hours: {reasons:?}"
        );
        assert_eq!(
            retrying,
            [("the SMTP server answered 451: 4.7.1 <greylisted.li@example.org>: Recipient address rejected: Greylisted, try again later".to_owned(), 1)],
            "a refusal for now waits for its next try"
        );
        let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;

        let page = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}"), &cookie).await.body;

        assert!(
            page.contains("邮件：1 封待发送，2 封发送失败，已停止重试。待发送的邮件中有 1 封上次发送失败，将自动重试（最多 12 次，约 16 小时）。"),
            "the waiting message is not shown as merely slow: {page}"
        );
        assert!(page.contains("<summary>待发送邮件上次失败的原因（邮件服务器返回的原文，其中的邮箱地址已隐去）</summary>"), "{page}");
        assert!(page.contains("Recipient address rejected: User unknown"), "{page}");
        assert!(page.contains("Greylisted, try again later"), "{page}");
        for address in ["unknown.wang@", "greylisted.li@", "王芳@"] {
            assert!(!page.contains(address), "no resident's address on the page: {address}");
        }
    }
}

on_both_backends! {
    async fn a_mail_server_that_will_not_take_the_settings_keeps_every_message_waiting(backend: Backend) {
        // Minyi set to STARTTLS against a server that offers none: lettre's error is of the
        // client, as an address outside ASCII is, but it is the settings', to be mended while
        // the messages wait, not a reason to give them up.
        let smtp = crate::mail::SmtpServer::start();
        let mut transport = smtp.transport();
        if let minyi::mail::TransportSettings::Smtp(settings) = &mut transport {
            settings.security = minyi::mail::SmtpSecurity::StartTls;
        }
        let app = spawn_app_with_settings(backend, &repo_path("surveys"), move |s| {
            s.mail.transport = transport;
        })
        .await;

        minyi::invitations::invite(&app.catalog(), EXAMPLE_ID, &crate::mail::addresses(&[("resident@example.org", None)]), crate::mail::invited_on()).unwrap();
        let (given_up, retrying) = settled(&app, 0, 1).await;

        assert!(given_up.is_empty());
        assert!(retrying[0].0.contains("STARTTLS"), "the reason names what to mend: {retrying:?}");
        assert!(smtp.received().is_empty());
    }

    async fn after_a_close_and_a_reopen_the_invitations_that_lost_their_address_are_counted(backend: Backend) {
        let app = spawn_app(backend).await;
        let catalog = app.catalog();
        let list = crate::mail::addresses(&[("wang@example.org", Some("nanhu")), ("zhao@example.org", None)]);
        minyi::invitations::invite(&catalog, EXAMPLE_ID, &list, crate::mail::invited_on()).unwrap();
        catalog.transition(EXAMPLE_ID, minyi::lifecycle::Transition::Close).unwrap();
        catalog.transition(EXAMPLE_ID, minyi::lifecycle::Transition::Open).unwrap();
        let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;

        let page = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}"), &cookie).await.body;
        let english = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}?lang=en"), &cookie).await.body;

        assert!(
            page.contains("其中 2 份未使用的邀请在调查结束时删除了邮箱地址和链接：提醒发不到，链接也已失效"),
            "the unused count alone would promise reminders: {page}"
        );
        assert!(english.contains("2 of the unused invitations lost their address and link when the survey was closed"), "{english}");
        assert!(
            page.contains("调查结束时已删除之前受邀者的邮箱地址：再邀请时，名单只能含从未邀请过的地址，并需加 --only-new-addresses"),
            "what `minyi invite` will ask for, said before it refuses: {page}"
        );
    }
}
