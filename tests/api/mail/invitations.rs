//! The resident's side: an invitation arrives by mail, its link opens the survey with the
//! county set, a submission uses it up, a second use is told so politely; reminders reach only
//! the unused; evaluators hear when results are published.

use minyi::invitations::{invite, invite_with, remind, EarlierAddresses, InvitationError, Spacing};
use minyi::storage::{self, Database};

use super::*;

/// A header's value as the raw message writes it (unfolded: Minyi's are short).
fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    raw.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(": "))
        .map(str::trim)
}

fn counts(app: &TestApp) -> (i64, i64) {
    let db = Database::connect(app.db.url.clone(), 1).unwrap();
    storage::invitation_counts(&mut db.conn().unwrap(), EXAMPLE_ID).unwrap()
}

/// Waits until the outbox holds nothing: a message is deleted from it just after the mail
/// server accepts it, so one already received may still count as waiting for a moment.
async fn outbox_drained(app: &TestApp) {
    let db = Database::connect(app.db.url.clone(), 1).unwrap();
    for _ in 0..500 {
        let (waiting, _) = storage::outbox_counts(
            &mut db.conn().unwrap(),
            EXAMPLE_ID,
            minyi::mail::MAX_ATTEMPTS,
        )
        .unwrap();
        if waiting == 0 {
            return;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the outbox was not drained");
}

async fn answer(app: &TestApp, link: &str, county: &str) -> Page {
    let form = app.get(link).await;
    assert_eq!(form.status, 200, "the link opens the survey: {}", form.body);
    let fields = with_token(
        valid_fields(&example_survey(), county),
        &token_in(&form.body),
    );
    app.post_form(link.split('?').next().unwrap(), &fields)
        .await
}

on_both_backends! {
    async fn an_invitation_arrives_with_its_headers_and_its_link_opens_the_survey_once(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = spawn_mail_app(backend, &smtp).await;
        let title = example_survey().title.zh;

        let report = invite(&app.catalog(), EXAMPLE_ID, &addresses(&[("resident@example.org", Some("haiyan"))]), invited_on()).unwrap();
        let raw = smtp.wait_for(1).await;

        assert_eq!(report.created, 1);
        let mail = read(&raw[0]);
        assert_eq!(mail.from, "minyi@localhost", "From");
        assert_eq!(mail.to, "resident@example.org", "To");
        assert_eq!(mail.subject, format!("问卷邀请：{title}"), "Subject, decoded");
        assert!(mail.raw.contains("Subject: =?utf-8?b?"), "a Chinese subject is RFC 2047-encoded:\n{}", mail.raw);
        assert!(mail.message_id.ends_with("@localhost"), "Message-ID: {:?}", mail.message_id);
        let age = chrono::Utc::now().timestamp() - mail.date.expect("a Date header");
        assert!((-300..300).contains(&age), "dated now: {age} s off");
        let link = link_in(&mail.text);
        assert!(mail.text.contains(&title) && mail.text.contains("只能提交一次"), "text body:\n{}", mail.text);
        let answer_by = format!("请在 {} 当天或之前填写", example_survey().fieldwork_end);
        assert!(mail.text.contains(&answer_by) && mail.html.contains(&answer_by), "dated: by when to answer");
        let contact = format!("如需了解或核实这项调查，请联系：{}", example_survey().contact.expect("the example names its contact").zh);
        assert!(mail.text.contains(&contact) && mail.html.contains(&contact), "says whom to ask:\n{}", mail.text);
        assert!(mail.html.contains(&format!("href=\"{}{link}\"", app.address)), "the HTML body links to the same place:\n{}", mail.html);

        let form = app.get(&link).await;
        assert_eq!(form.status, 200);
        assert!(form.body.contains(&format!("action=\"{link}\"")), "the form posts back to the link");
        assert!(form.body.contains("value=\"haiyan\" checked"), "the invitation's county is chosen");
        assert!(!form.body.contains("value=\"nanhu\""), "and no other county is offered");
        assert!(form.body.contains("调查组织方及联系方式：嘉兴市创建省食品安全市工作领导小组办公室委托的第三方评估机构"), "the form names who runs it");
        assert!(form.body.contains(&format!("data-draft=\"minyi:draft:{EXAMPLE_ID}:invitation\"")), "the phone keeps its unsent answers apart from the public form's, under no identifier");

        let first = answer(&app, &link, "nanhu").await;
        assert_eq!(first.status, 303, "{}", first.body);
        assert!(
            first.set_cookies.iter().any(|c| c.starts_with("minyi_sent=1;") && c.contains(&format!("Path=/s/{EXAMPLE_ID}/thanks;"))),
            "the thanks page, and only it, knows this phone sent the form: {:?}",
            first.set_cookies
        );
        let thanks = app.get_thanks(first.location.as_deref().expect("to the thanks page")).await;
        assert!(
            thanks.body.contains(&format!("data-draft-done=\"minyi:draft:{EXAMPLE_ID}:invitation\"")),
            "the thank-you page deletes the invitation's copy, and not the public link's: {}",
            thanks.body
        );
        let stored = storage::load_responses(&mut Database::connect(app.db.url.clone(), 1).unwrap().conn().unwrap(), EXAMPLE_ID).unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!((stored[0].channel.as_str(), stored[0].stratum.as_str()), ("invitation", "haiyan"), "the invitation's channel and county, whatever was posted");
        assert_eq!(counts(&app), (1, 0), "one invitation, used");

        let again = app.get(&link).await;
        assert_eq!(again.status, 410, "a used link is spent");
        assert!(again.body.contains("这份邀请已经用过了"), "and says so politely: {}", again.body);
        assert!(again.body.contains(&format!("data-draft-done=\"minyi:draft:{EXAMPLE_ID}:invitation\"")), "its answers were sent: a copy left on the phone goes");
        let cut = app.get(&link[..link.len() - 10]).await;
        assert_eq!(cut.status, 404, "a link copied in part");
        assert!(cut.body.contains("可能复制得不完整") && !cut.body.contains("调查尚未开始"), "says what most likely happened: {}", cut.body);
        let another_form = with_token(valid_fields(&example_survey(), "haiyan"), &app.form_token(EXAMPLE_ID).await);
        let second = app.post_form(&link, &another_form).await;
        assert_eq!(second.status, 410, "a second submission through the link is refused");
        let mut switched = another_form.clone();
        switched.push(("_switch".into(), "text".into()));
        let larger = app.post_form(&format!("{link}?text=large"), &switched).await;
        assert_eq!(larger.status, 410, "nor is its form shown again by the large-text button");
        assert_eq!(app.response_count(EXAMPLE_ID), 1, "and stores nothing");
    }

    async fn the_dashboard_gives_each_countys_response_rate_and_the_result_set_each_countys_invitations(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = spawn_mail_app(backend, &smtp).await;
        let list = [
            ("h1@example.org", Some("haiyan")),
            ("h2@example.org", Some("haiyan")),
            ("h3@example.org", Some("haiyan")),
            ("n1@example.org", Some("nanhu")),
            ("x1@example.org", None),
        ];
        invite(&app.catalog(), EXAMPLE_ID, &addresses(&list), invited_on()).unwrap();
        let mails: Vec<Received> = smtp.wait_for(5).await.iter().map(|raw| read(raw)).collect();
        let link_to = |to: &str| link_in(&mails.iter().find(|m| m.to == to).expect("mailed").text);
        for to in ["h1@example.org", "h3@example.org"] {
            let answered = answer(&app, &link_to(to), "haiyan").await;
            assert_eq!(answered.status, 303, "{}", answered.body);
        }
        outbox_drained(&app).await;
        let cookie = crate::dashboard::signed_in(&app, "publisher@example.org", minyi::accounts::Role::Publisher).await;

        let page = crate::dashboard::get(&app, &format!("/admin/surveys/{EXAMPLE_ID}"), &cookie).await.body;

        let section = &page[page.find("<section class=\"box\" id=\"invitations\">").expect("an invitations section")..];
        let section = &section[..section.find("</section>").unwrap()];
        for row in [
            "<tr><th scope=\"row\">南湖区</th><td>1</td><td>0</td><td>0.0%</td></tr>",
            "<tr><th scope=\"row\">海盐县</th><td>3</td><td>2</td><td>66.7%</td></tr>",
            "<tr><th scope=\"row\">名单未注明县（市、区）</th><td>1</td><td>0</td><td>0.0%</td></tr>",
            "<tr><th scope=\"row\">合计</th><td>5</td><td>2</td><td><strong>40.0%</strong></td></tr>",
        ] {
            assert!(section.contains(row), "{row} in\n{section}");
        }
        assert!(section.find("南湖区") < section.find("海盐县"), "counties in the survey file's order");
        assert!(!section.contains("邮件："), "no mail waiting or failed, none said");
        assert!(section.contains(&format!("minyi remind {EXAMPLE_ID}")), "how to remind those who have not answered: {section}");
        assert!(section.contains("最多 3 轮") && !section.contains("邀请发出后"), "the how-to follows the campaign under way: {section}");

        // Closing forgets the addresses, not the counts: the result set gives them.
        crate::resultset::closed_with_responses(&app, 1400);
        let dir = tempfile::tempdir().unwrap();
        let zip = crate::resultset::export(&app, minyi::release::Encoding::Utf8WithBom, dir.path());
        let files = crate::resultset::unzip(&std::fs::read(zip).unwrap());
        let methodology = String::from_utf8_lossy(crate::resultset::file(&files, "methodology.md")).into_owned();
        let (chinese, english) = methodology.split_once("\n# English\n").expect("both languages");
        assert!(chinese.contains("邀请：共 5 份，通过邀请链接提交的答卷 2 份（无论是否纳入统计），应答率 40.0%。"), "{chinese}");
        assert!(
            chinese.contains("| 县（市、区） | 邀请数 |\n|---|---:|\n| 南湖区 | 1 |\n| 海盐县 | 3 |\n| 名单未注明县（市、区） | 1 |\n| 合计 | 5 |\n"),
            "one table, each county's invitations, in the file's order: {chinese}"
        );
        assert!(english.contains("Invitations: 5; responses that came in through an invitation's link, used in the estimates or not: 2; response rate 40.0%."), "{english}");
        assert!(
            english.contains("| County | Invited |\n|---|---:|\n| Nanhu District | 1 |\n| Haiyan County | 3 |\n| No county in the list | 1 |\n| Total | 5 |\n"),
            "{english}"
        );
        assert!(!methodology.contains("66.7%"), "no county's answered count: with the released rows it would give withheld counties back");
    }

    async fn the_public_page_gives_the_response_rate_once_enough_residents_were_invited(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = spawn_mail_app(backend, &smtp).await;
        let emails: Vec<String> = (0..30).map(|n| format!("resident{n}@example.org")).collect();
        let list: Vec<(&str, Option<&str>)> = emails.iter().map(|e| (e.as_str(), Some("jiashan"))).collect();
        invite(&app.catalog(), EXAMPLE_ID, &addresses(&list), invited_on()).unwrap();
        for raw in smtp.wait_for(30).await.iter().take(3) {
            let answered = answer(&app, &link_in(&read(raw).text), "jiashan").await;
            assert_eq!(answered.status, 303, "{}", answered.body);
        }
        crate::resultset::closed_with_responses(&app, 1400);
        minyi::publishing::publish(&app.catalog(), EXAMPLE_ID).expect("publish");

        let page = app.get(&format!("/results/{EXAMPLE_ID}")).await.body;
        let english = app.get(&format!("/results/{EXAMPLE_ID}?lang=en")).await.body;
        let api: serde_json::Value = serde_json::from_str(&app.get(&format!("/api/results/{EXAMPLE_ID}")).await.body).unwrap();

        assert!(page.contains("共向 30 位居民发出邀请，其中 3 位通过邀请链接作答，应答率 10.0%"), "{page}");
        assert!(english.contains("30 residents were invited; 3 answered through their invitation&#x27;s link, a response rate of 10.0%"), "{english}");
        assert_eq!(api["invitations"], serde_json::json!({ "invited": 30, "answered": 3, "rate": 0.1 }));
    }

    async fn fewer_invited_than_a_public_cell_and_the_public_page_says_nothing_of_them(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = spawn_mail_app(backend, &smtp).await;
        let emails: Vec<String> = (0..29).map(|n| format!("resident{n}@example.org")).collect();
        let list: Vec<(&str, Option<&str>)> = emails.iter().map(|e| (e.as_str(), None)).collect();
        invite(&app.catalog(), EXAMPLE_ID, &addresses(&list), invited_on()).unwrap();
        crate::resultset::closed_with_responses(&app, 1400);
        minyi::publishing::publish(&app.catalog(), EXAMPLE_ID).expect("publish");

        let page = app.get(&format!("/results/{EXAMPLE_ID}")).await.body;
        let api: serde_json::Value = serde_json::from_str(&app.get(&format!("/api/results/{EXAMPLE_ID}")).await.body).unwrap();

        assert!(page.contains("所用答卷的来源"), "the method section is there: {page}");
        assert!(!page.contains("发出邀请"), "29 invitations, under the 30 a public cell needs: {page}");
        assert_eq!(api["invitations"], serde_json::Value::Null);
    }

    async fn a_double_tap_on_an_invitation_form_stores_one_response_and_thanks_twice(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = spawn_mail_app(backend, &smtp).await;
        invite(&app.catalog(), EXAMPLE_ID, &addresses(&[("tap@example.org", None)]), invited_on()).unwrap();
        let link = link_in(&read(&smtp.wait_for(1).await[0]).text);
        let form = app.get(&link).await;
        let fields = with_token(valid_fields(&example_survey(), "pinghu"), &token_in(&form.body));

        let first = app.post_form(&link, &fields).await;
        let second = app.post_form(&link, &fields).await;

        assert_eq!((first.status, second.status), (303, 303), "both taps reach the thanks page");
        assert_eq!(app.response_count(EXAMPLE_ID), 1);
        let stored = stored_answers(&app, EXAMPLE_ID);
        assert_eq!(stored[0].0, "pinghu", "without a preassigned county the resident chooses");
        let metrics = app.get("/metrics").await.body;
        assert!(
            metrics.contains("minyi_submissions_total{outcome=\"accepted\"} 1")
                && metrics.contains("minyi_submissions_total{outcome=\"duplicate\"} 1"),
            "invitation forms are counted like the open link's: {metrics}"
        );
    }

    async fn an_invitation_form_sent_while_its_link_cannot_be_read_comes_back_to_be_sent_again(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = spawn_mail_app(backend, &smtp).await;
        invite(&app.catalog(), EXAMPLE_ID, &addresses(&[("patient@example.org", None)]), invited_on()).unwrap();
        let link = link_in(&read(&smtp.wait_for(1).await[0]).text);
        let path = link.split('?').next().unwrap().to_owned();
        let form = app.get(&link).await;
        let mut fields = with_token(valid_fields(&example_survey(), "haiyan"), &token_in(&form.body));
        fields.push(("suggestion".to_owned(), "多检查菜场 & <b>\"小吃店\"</b>".to_owned()));
        rename_table(&app.db, "invitation_links", "invitation_links_away");

        let refused = app.post_form(&path, &fields).await;

        assert_eq!(refused.status, 503, "{}", refused.body);
        assert!(refused.body.contains("这份问卷这次没能保存，但回答都还在这个页面里"), "{}", refused.body);
        assert!(refused.body.contains(&format!("<form method=\"post\" action=\"{path}\" id=\"resend\">")), "a form that sends them to the invitation's link again");
        let kept = hidden_fields(&refused.body);
        let mut sorted = fields.clone();
        sorted.sort();
        assert_eq!(kept, sorted, "every answer kept on the page as it was posted");
        assert_eq!(app.response_count(EXAMPLE_ID), 0, "nothing stored yet");

        rename_table(&app.db, "invitation_links_away", "invitation_links");
        let sent_again = app.post_form(&path, &kept).await;

        assert_eq!(sent_again.status, 303, "{}", sent_again.body);
        assert_eq!(app.response_count(EXAMPLE_ID), 1, "stored once sent again");
        assert_eq!(counts(&app), (1, 0), "through the invitation, which is now used");
    }

    async fn two_invitees_behind_one_address_are_not_taken_for_one_phone(backend: Backend) {
        // Both post from 127.0.0.1, as two phones behind a carrier's shared address do.
        let smtp = SmtpServer::start();
        let app = spawn_mail_app(backend, &smtp).await;
        invite(&app.catalog(), EXAMPLE_ID, &addresses(&[("a@example.org", None), ("b@example.org", None)]), invited_on()).unwrap();
        let links: Vec<String> = smtp.wait_for(2).await.iter().map(|raw| link_in(&read(raw).text)).collect();

        for (link, county) in links.iter().zip(["nanhu", "haiyan"]) {
            let form = crate::accounts::request(&app, "get", link, None, &[]).await;
            let cookie = form.set_cookie.clone().expect("the form sets the duplicate-check cookie");
            // As a browser does: the cookie goes back only to paths under its own.
            let cookie_path = cookie.split(';').find_map(|a| a.trim().strip_prefix("Path=")).expect("a path");
            let path = link.split('?').next().unwrap();
            let sent_cookie = path.starts_with(cookie_path).then(|| cookie.split(';').next().unwrap());
            let fields = with_token(valid_fields(&example_survey(), county), &token_in(&form.body));
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let sent = crate::accounts::request(&app, "post", path, sent_cookie, &fields).await;
            assert_eq!(sent.status, 303, "{}", sent.body);
        }

        let db = Database::connect(app.db.url.clone(), 1).unwrap();
        let duplicates = storage::duplicate_client_ids(&mut db.conn().unwrap(), EXAMPLE_ID).unwrap();
        assert_eq!(app.response_count(EXAMPLE_ID), 2);
        assert!(duplicates.is_empty(), "two phones, two residents: {duplicates:?}");
    }

    async fn two_forms_racing_on_one_invitation_store_one_response(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = spawn_mail_app(backend, &smtp).await;
        invite(&app.catalog(), EXAMPLE_ID, &addresses(&[("race@example.org", None)]), invited_on()).unwrap();
        let link = link_in(&read(&smtp.wait_for(1).await[0]).text);
        let survey = example_survey();
        let phone = with_token(valid_fields(&survey, "nanhu"), &token_in(&app.get(&link).await.body));
        let laptop = with_token(valid_fields(&survey, "haiyan"), &token_in(&app.get(&link).await.body));

        let (a, b) = futures_util::future::join(app.post_form(&link, &phone), app.post_form(&link, &laptop)).await;

        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [303, 410], "one is thanked, the other told the invitation is used");
        assert_eq!(app.response_count(EXAMPLE_ID), 1);
        assert_eq!(counts(&app), (1, 0));
    }

    async fn an_address_invited_before_is_not_invited_again_whatever_its_case(backend: Backend) {
        let app = spawn_app(backend).await;
        invite(&app.catalog(), EXAMPLE_ID, &addresses(&[("wang.fang@example.org", None)]), invited_on()).unwrap();

        let again = invite(&app.catalog(), EXAMPLE_ID, &addresses(&[("Wang.Fang@Example.ORG", None)]), invited_on()).unwrap();

        assert_eq!((again.created, again.already_invited), (0, 1), "the same resident: no second link");
    }

    async fn reminders_go_only_to_invitations_not_used_and_their_links_work(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = spawn_mail_app(backend, &smtp).await;
        let invited = ["used@example.org", "late@example.org", "later@example.org"];
        invite(&app.catalog(), EXAMPLE_ID, &addresses(&invited.map(|a| (a, None))), invited_on()).unwrap();
        let first_round: Vec<Received> = smtp.wait_for(3).await.iter().map(|m| read(m)).collect();
        let used_link = link_in(&to(&first_round, "used@example.org")[0].text);
        assert_eq!(answer(&app, &used_link, "xiuzhou").await.status, 303);
        outbox_drained(&app).await;

        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let report = remind(&app.catalog(), EXAMPLE_ID, today, Spacing::Kept).unwrap();
        let all: Vec<Received> = smtp.wait_for(5).await.iter().map(|m| read(m)).collect();

        assert_eq!((report.queued, report.round, report.previous), (2, Some(1), None), "one reminder per unused invitation, as round 1");
        let reminders: Vec<&Received> = all.iter().filter(|m| m.subject.starts_with("【提醒】问卷邀请：")).collect();
        let mut recipients: Vec<&str> = reminders.iter().map(|m| m.to.as_str()).collect();
        recipients.sort();
        assert_eq!(recipients, ["late@example.org", "later@example.org"]);
        let late = to(&all, "late@example.org");
        let (first_link, reminder_link) = (link_in(&late[0].text), link_in(&late[1].text));
        assert_ne!(first_link, reminder_link, "the reminder carries a link of its own");
        assert!(late[1].text.contains("如果您还没有填写，欢迎参加") && !late[1].text.contains("没有收到您的回答"),
            "it does not claim to know who answered (the survey is anonymous): {}", late[1].text);
        assert_eq!(answer(&app, &reminder_link, "jiashan").await.status, 303, "which works");
        assert_eq!(app.get(&first_link).await.status, 410, "and uses the same invitation");
        assert_eq!(counts(&app), (3, 1));
    }

    async fn a_round_of_reminders_waits_three_days_after_the_last_and_a_fourth_is_refused_unless_forced(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = spawn_mail_app(backend, &smtp).await;
        invite(&app.catalog(), EXAMPLE_ID, &addresses(&[("slow@example.org", None), ("slower@example.org", None)]), invited_on()).unwrap();
        smtp.wait_for(2).await;
        outbox_drained(&app).await;
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        remind(&app.catalog(), EXAMPLE_ID, day(20), Spacing::Kept).unwrap();
        smtp.wait_for(4).await;
        outbox_drained(&app).await;

        let too_soon = remind(&app.catalog(), EXAMPLE_ID, day(22), Spacing::Kept).unwrap_err();
        let forced = remind(&app.catalog(), EXAMPLE_ID, day(22), Spacing::Overridden).unwrap();
        smtp.wait_for(6).await;
        outbox_drained(&app).await;
        let waiting_out = remind(&app.catalog(), EXAMPLE_ID, day(24), Spacing::Kept).unwrap_err();
        let after_three_days = remind(&app.catalog(), EXAMPLE_ID, day(25), Spacing::Kept).unwrap();
        smtp.wait_for(8).await;
        outbox_drained(&app).await;
        let a_fourth = remind(&app.catalog(), EXAMPLE_ID, day(30), Spacing::Kept).unwrap_err();
        let received = smtp.received();

        assert!(matches!(too_soon, InvitationError::RemindedRecently { round: 1, .. }), "{too_soon:?}");
        assert_eq!(
            too_soon.to_string(),
            format!("survey {EXAMPLE_ID}: the last reminders were queued on 2026-11-20 (round 1); residents are not written to again within 3 days of a reminder. Run it again on or after 2026-11-23, or pass --force to remind them now")
        );
        assert_eq!((forced.queued, forced.round), (2, Some(2)), "forced: the deadline is near");
        assert!(waiting_out.to_string().contains("on or after 2026-11-25"), "counted from the forced round: {waiting_out}");
        assert_eq!((after_three_days.queued, after_three_days.round), (2, Some(3)));
        assert!(matches!(a_fourth, InvitationError::RemindedEnough { rounds: 3, reachable: 2, .. }), "three rounds are enough, however long after: {a_fourth:?}");
        assert!(
            a_fourth.to_string().contains("Pass --force to send another round all the same: it would reach 2 invitations not used yet"),
            "and it says how to send one all the same, and to how many: {a_fourth}"
        );
        assert_eq!(received.len(), 8, "two invitations and three rounds of two reminders, nothing else");
        let rounds = storage::reminder_rounds(&mut Database::connect(app.db.url.clone(), 1).unwrap().conn().unwrap(), EXAMPLE_ID).unwrap();
        let rounds: Vec<(i32, &str, i32)> = rounds.iter().map(|r| (r.round, r.queued_on.as_str(), r.reminders)).collect();
        assert_eq!(rounds, [(1, "2026-11-20", 2), (2, "2026-11-22", 2), (3, "2026-11-25", 2)]);
    }

    async fn a_resident_invited_lately_is_reminded_only_three_days_after_the_invitation(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = spawn_mail_app(backend, &smtp).await;
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        invite(&app.catalog(), EXAMPLE_ID, &addresses(&[("early@example.org", None)]), day(10)).unwrap();
        invite(&app.catalog(), EXAMPLE_ID, &addresses(&[("late@example.org", None)]), day(15)).unwrap();
        smtp.wait_for(2).await;
        outbox_drained(&app).await;

        let first = remind(&app.catalog(), EXAMPLE_ID, day(16), Spacing::Kept).unwrap();
        smtp.wait_for(3).await;
        outbox_drained(&app).await;
        let second = remind(&app.catalog(), EXAMPLE_ID, day(19), Spacing::Kept).unwrap();
        smtp.wait_for(5).await;
        outbox_drained(&app).await;
        invite(&app.catalog(), EXAMPLE_ID, &addresses(&[("today@example.org", None)]), day(22)).unwrap();
        smtp.wait_for(6).await;
        outbox_drained(&app).await;
        let forced = remind(&app.catalog(), EXAMPLE_ID, day(22), Spacing::Overridden).unwrap();
        smtp.wait_for(8).await;
        outbox_drained(&app).await;
        let received: Vec<Received> = smtp.received().iter().map(|m| read(m)).collect();

        assert_eq!((first.queued, first.invited_lately), (1, 1), "invited the day before: not yet");
        assert_eq!((second.queued, second.invited_lately), (2, 0), "four days after the invitation: reminded");
        assert_eq!(
            (forced.queued, forced.invited_lately),
            (2, 1),
            "forced, a reminder still never follows an invitation on its own day"
        );
        let reminded = |address: &str| to(&received, address).iter().filter(|m| m.subject.starts_with("【提醒】")).count();
        assert_eq!(
            (reminded("early@example.org"), reminded("late@example.org"), reminded("today@example.org")),
            (3, 2, 0)
        );
        assert_eq!(received.len(), 8, "three invitations and five reminders");
    }

    async fn a_resident_who_asks_for_no_more_reminders_gets_none_and_can_still_answer(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = spawn_mail_app(backend, &smtp).await;
        invite(&app.catalog(), EXAMPLE_ID, &addresses(&[("busy@example.org", None), ("keen@example.org", None)]), invited_on()).unwrap();
        let invitations: Vec<Received> = smtp.wait_for(2).await.iter().map(|m| read(m)).collect();
        outbox_drained(&app).await;
        let busy = to(&invitations, "busy@example.org")[0];
        let stop_url = header(&busy.raw, "List-Unsubscribe").expect("a List-Unsubscribe header").trim_matches(['<', '>']).to_owned();
        let stop = stop_url.strip_prefix(&app.address).expect("on this server").to_owned();

        let page = app.get(&stop).await;
        // As a mail client's unsubscribe button posts (RFC 8058): no form token, no cookie.
        let stopped = app.post_raw(&stop, "application/x-www-form-urlencoded", b"List-Unsubscribe=One-Click".to_vec(), &[]).await;
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let reminded = remind(&app.catalog(), EXAMPLE_ID, day, Spacing::Kept).unwrap();
        smtp.wait_for(3).await;
        outbox_drained(&app).await;
        let declined = minyi::invitations::campaign_status(&app.catalog(), EXAMPLE_ID).unwrap().reminders_declined;
        let cookie = crate::dashboard::signed_in(&app, "publisher@example.org", minyi::accounts::Role::Publisher).await;
        let dashboard = crate::dashboard::get(&app, &format!("/admin/surveys/{EXAMPLE_ID}"), &cookie).await.body;
        let answered = answer(&app, &link_in(&busy.text), "nanhu").await;

        assert_eq!(
            header(&busy.raw, "List-Unsubscribe-Post"),
            None,
            "one-click is offered for https addresses only (RFC 8058), and this server is on http: mail::transport's tests cover https"
        );
        assert!(busy.text.contains("不想再收到这项调查的提醒邮件？") && busy.text.contains(&stop_url), "the body says so too: {}", busy.text);
        assert!(busy.html.contains(&format!("href=\"{stop_url}\"")), "{}", busy.html);
        assert_eq!(page.status, 200);
        assert!(page.body.contains("不再接收这项调查的提醒？") && page.body.contains(&format!("action=\"{stop}\"")), "a page with one button: {}", page.body);
        assert_eq!(stopped.status, 200, "{}", stopped.body);
        assert!(stopped.body.contains("不会再给您发提醒了"), "{}", stopped.body);
        assert_eq!((reminded.queued, declined), (1, 1), "the other resident only is reminded");
        assert!(
            dashboard.contains("其中 1 位尚未填写的受邀者点了邮件中的“不再提醒”"),
            "the publisher sees why fewer reminders went out than invitations wait: {dashboard}"
        );
        let reminders: Vec<String> = smtp.received().iter().map(|m| read(m)).filter(|m| m.subject.starts_with("【提醒】")).map(|m| m.to).collect();
        assert_eq!(reminders, ["keen@example.org"]);
        assert_eq!(answered.status, 303, "stopping reminders is not declining to answer: the link still works");
        let once_used = app.get(&stop).await;
        assert_eq!(once_used.status, 410);
        assert!(
            once_used.body.contains("这份邀请已经用过了") && !once_used.body.contains("现在填写问卷"),
            "answered: no offer to answer, the page the invitation link gives: {}",
            once_used.body
        );
        app.catalog().transition(EXAMPLE_ID, minyi::lifecycle::Transition::Close).unwrap();
        let after_close = app.post_raw(&stop, "application/x-www-form-urlencoded", b"List-Unsubscribe=One-Click".to_vec(), &[]).await;
        assert_eq!(after_close.status, 404);
        assert!(
            after_close.body.contains("这个“不再提醒”链接无法识别") && !after_close.body.contains("回答没有保存"),
            "after the close the link is gone, and no answers were at stake: {}",
            after_close.body
        );
    }

    // Closing deletes the invited addresses; opened again, the survey cannot tell a list's
    // addresses from those invited before, and a resident who answered would get a new link.
    async fn once_a_close_forgot_the_invited_addresses_a_list_is_taken_only_as_new_addresses(backend: Backend) {
        let app = spawn_app(backend).await;
        let catalog = app.catalog();
        let list = addresses(&[("wang@example.org", Some("nanhu")), ("zhao@example.org", None)]);
        invite(&catalog, EXAMPLE_ID, &list, invited_on()).unwrap();
        catalog.transition(EXAMPLE_ID, minyi::lifecycle::Transition::Close).unwrap();
        catalog.transition(EXAMPLE_ID, minyi::lifecycle::Transition::Open).unwrap();
        let invitations = || storage::invitation_counts(&mut catalog.database().conn().unwrap(), EXAMPLE_ID).unwrap().0;

        let again = invite(&catalog, EXAMPLE_ID, &list, invited_on()).unwrap_err();

        assert!(matches!(again, InvitationError::AddressesForgotten { .. }), "{again}");
        let said = again.to_string();
        assert!(said.contains("nobody invited") && said.contains("--only-new-addresses"), "says what to do: {said}");
        assert_eq!(invitations(), 2, "nobody invited again");
        let today = chrono::Utc::now().date_naive();
        let reminded = remind(&catalog, EXAMPLE_ID, today, Spacing::Kept).unwrap();
        assert_eq!(
            (reminded.queued, reminded.round, reminded.unreachable),
            (0, None, 2),
            "no reminder, and the two unused invitations said to be out of reach, not used"
        );
        let status = minyi::invitations::campaign_status(&catalog, EXAMPLE_ID).unwrap();
        assert_eq!(status.unreachable, 2, "the dashboard and `survey status` say so too");
        let fresh = addresses(&[("li@example.org", Some("haiyan"))]);
        let report = invite_with(&catalog, EXAMPLE_ID, &fresh, invited_on(), EarlierAddresses::ListHasNoneOfThem).unwrap();
        assert_eq!(report.created, 1, "a list the publisher vouches for is invited");
        assert_eq!(invitations(), 3);
    }

    async fn evaluators_are_told_by_mail_when_results_are_published(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = spawn_mail_app(backend, &smtp).await;
        let catalog = app.catalog();
        minyi::analysis::add_simulated(&catalog, EXAMPLE_ID, 300, 3).unwrap();
        catalog.transition(EXAMPLE_ID, minyi::lifecycle::Transition::Close).unwrap();
        let evaluators: Vec<lettre::Address> = ["stats@evaluator.example", "lead@evaluator.example"]
            .iter()
            .map(|a| a.parse().unwrap())
            .collect();

        minyi::publishing::publish_and_notify(&catalog, EXAMPLE_ID, &evaluators).unwrap();
        let mut mails: Vec<Received> = smtp.wait_for(2).await.iter().map(|m| read(m)).collect();

        mails.sort_by(|a, b| a.to.cmp(&b.to));
        assert_eq!(mails.iter().map(|m| m.to.as_str()).collect::<Vec<_>>(), ["lead@evaluator.example", "stats@evaluator.example"]);
        let title = example_survey().title.zh;
        for mail in &mails {
            assert_eq!(mail.subject, format!("结果已发布：{title}"));
            let link = format!("{}/results/{EXAMPLE_ID}", app.address);
            assert!(mail.text.contains(&link), "{}", mail.text);
            let text = mail.text.replace("\r\n", "\n");
            let account = format!("请登录后在“我的账户”页面下载：\n{}/account\n\n", app.address);
            assert!(text.contains(&account), "where to sign in and download: {text}");
        }
        assert_eq!(app.get(&format!("/results/{EXAMPLE_ID}")).await.status, 200, "the link leads to the results");
    }

    async fn publishing_tells_the_evaluators_granted_the_survey_and_no_one_else(backend: Backend) {
        use minyi::accounts::{Accounts, Email, Password, Role};
        let smtp = SmtpServer::start();
        let app = spawn_mail_app(backend, &smtp).await;
        let catalog = app.catalog();
        let accounts = Accounts::new(catalog.database().clone()).unwrap();
        let password = Password::parse("correct horse battery staple").unwrap();
        for (email, role) in [("granted@evaluator.example", Role::Evaluator), ("other@evaluator.example", Role::Evaluator)] {
            accounts.add_user(&Email::parse(email).unwrap(), role, &password, "test").unwrap();
        }
        accounts.grant(&Email::parse("granted@evaluator.example").unwrap(), EXAMPLE_ID, "test").unwrap();
        minyi::analysis::add_simulated(&catalog, EXAMPLE_ID, 300, 3).unwrap();
        catalog.transition(EXAMPLE_ID, minyi::lifecycle::Transition::Close).unwrap();

        minyi::publishing::publish_and_notify_grantees(&catalog, &accounts, EXAMPLE_ID, &[]).unwrap();
        let mails: Vec<Received> = smtp.wait_for(1).await.iter().map(|m| read(m)).collect();

        assert_eq!(mails.iter().map(|m| m.to.as_str()).collect::<Vec<_>>(), ["granted@evaluator.example"]);
        assert!(mails[0].subject.starts_with("结果已发布："), "{}", mails[0].subject);
    }

    async fn without_an_smtp_server_messages_are_written_as_eml_files(backend: Backend) {
        let app = spawn_app(backend).await;
        let outbox = app.db.dir.path().join("outbox");

        invite(&app.catalog(), EXAMPLE_ID, &addresses(&[("file@example.org", Some("nanhu"))]), invited_on()).unwrap();
        let started = std::time::Instant::now();
        // A file appears whole (written under a hidden name, then renamed) and its owner's only
        // (the address and the live link, whatever the umask): the first look that finds it
        // reads the complete message.
        let file = loop {
            let found = std::fs::read_dir(&outbox).unwrap().filter_map(|e| e.ok()).map(|e| e.path()).find(|p| p.extension().is_some_and(|x| x == "eml"));
            if let Some(file) = found { break file; }
            assert!(started.elapsed().as_secs() < 60, "no .eml file in {}", outbox.display());
            actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "{}", file.display());
        }
        let written = std::fs::read(&file).unwrap();

        let mail = read(&written);
        assert_eq!(mail.to, "file@example.org");
        assert!(mail.subject.starts_with("问卷邀请："), "{}", mail.subject);
        assert_eq!(app.get(&link_in(&mail.text)).await.status, 200, "the link in the file works");
        assert_eq!(std::fs::read_dir(&outbox).unwrap().count(), 1, "nothing else left in the outbox");
    }
}

#[actix_web::test]
async fn answers_sent_through_an_invitation_after_the_close_are_said_not_to_be_saved() {
    // A resident fills the form in while the survey closes: the close deletes the link, so
    // the answers cannot be stored, and the page must say so, not merely "not recognised".
    let smtp = SmtpServer::start();
    let app = spawn_mail_app(Backend::Sqlite, &smtp).await;
    invite(
        &app.catalog(),
        EXAMPLE_ID,
        &addresses(&[("late@example.org", Some("nanhu"))]),
        invited_on(),
    )
    .unwrap();
    let link = link_in(&read(&smtp.wait_for(1).await[0]).text);
    let form = app.get(&link).await;
    let fields = with_token(
        valid_fields(&example_survey(), "nanhu"),
        &token_in(&form.body),
    );
    app.catalog()
        .transition(EXAMPLE_ID, minyi::lifecycle::Transition::Close)
        .unwrap();

    let sent = app.post_form(&link, &fields).await;
    let opened = app.get(&link).await;

    assert_eq!(sent.status, 404);
    assert!(
        sent.body.contains("邀请链接已失效，回答没有保存") && sent.body.contains("调查已经结束"),
        "{}",
        sent.body
    );
    assert_eq!(app.response_count(EXAMPLE_ID), 0);
    assert!(
        opened.body.contains("邀请链接无法识别") && !opened.body.contains("回答没有保存"),
        "a link only opened has lost nothing: {}",
        opened.body
    );
}
