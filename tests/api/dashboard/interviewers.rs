//! The dashboard's interviewer links: a publisher issues one (its address and QR code shown
//! once), sees it listed, and withdraws it with a button, each audited with the account; a
//! label already working is refused with what to do, nothing issued.

use minyi::accounts::Role;

use super::*;

/// The hidden value of field `name` in the first form on `page` that posts to `action`.
fn field_of(page: &str, action: &str, name: &str) -> String {
    let form = &page[page
        .find(&format!("action=\"{action}\""))
        .expect("the form")..];
    let form = &form[..form.find("</form>").unwrap()];
    form.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the field")
        .to_owned()
}

on_both_backends! {
    async fn a_publisher_issues_an_interviewer_link_sees_it_once_and_withdraws_it(backend: Backend) {
        let app = spawn_app(backend).await;
        let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;
        let dashboard = format!("/admin/surveys/{EXAMPLE_ID}");
        let issue_at = format!("{dashboard}/interviewers");
        let page = get(&app, &dashboard, &cookie).await.body;
        let section = &page[page.find("<section class=\"box\" id=\"interviewers\">").expect("an interviewer links section")..];
        assert!(section.contains("<option value=\"haiyan\">海盐县</option>"), "the form offers the counties: {section}");
        let token = field_of(&page, &issue_at, "_token");

        let forged = send(&app, "post", &issue_at, &cookie, &[("_token", "forged"), ("label", "A07")], &[]).await;
        assert_eq!(forged.status, 422, "a forged (or stale) token issues nothing");
        assert!(forged.body.contains("刚才的操作没有执行") && !forged.body.contains("/iv/"), "and says so: {}", forged.body);
        let issued = send(&app, "post", &issue_at, &cookie, &[("_token", &token), ("label", "A07"), ("county", "haiyan")], &[]).await;

        assert_eq!(issued.status, 200, "{}", issued.body);
        assert!(issued.body.contains("访员链接 A07（区县：海盐县）已发放"), "{}", issued.body);
        assert!(issued.body.contains("这个地址只显示这一次"), "says it is shown once");
        assert!(issued.body.contains("<svg"), "with a QR code to scan");
        let address = issued.body.split(&format!("{}/iv/", app.address)).nth(1).and_then(|rest| rest.get(..32)).expect("the link's address");
        let link = format!("/iv/{address}");
        let form = app.get(&link).await;
        assert_eq!(form.status, 200, "the address opens the survey for the interviewer");
        assert!(form.body.contains("value=\"haiyan\" checked"), "in the county chosen");

        let switched = get(&app, &format!("{issue_at}?lang=en"), &cookie).await;
        assert_eq!((switched.status, switched.location.as_deref()), (303, Some(&*format!("{dashboard}?lang=en#interviewers"))), "the page switched to English (or reloaded) is the dashboard's section");
        let taken = send(&app, "post", &issue_at, &cookie, &[("_token", &token), ("label", "A07")], &[]).await;
        assert_eq!(taken.status, 422, "{}", taken.body);
        assert!(taken.body.contains("已有一个名为“A07”的访员链接在使用中") && taken.body.contains("未做任何更改"), "says why and that nothing was issued: {}", taken.body);

        let page = get(&app, &dashboard, &cookie).await.body;
        let withdraw_at = format!("{dashboard}/interviewers/withdraw");
        assert!(page.contains("<tr><th scope=\"row\">A07</th><td>海盐县</td>"), "listed with its county: {page}");
        assert!(!page.contains(address), "the address is never shown again");
        let token = field_of(&page, &withdraw_at, "_token");
        let link_hash = field_of(&page, &withdraw_at, "link");
        let stale = send(&app, "post", &withdraw_at, &cookie, &[("_token", "stale"), ("link", &link_hash)], &[]).await;
        assert_eq!(stale.location.as_deref(), Some(&*format!("{dashboard}?done=expired")), "a stale page withdraws nothing");
        assert!(get(&app, stale.location.as_deref().unwrap(), &cookie).await.body.contains("刚才的操作没有执行"), "and says to press again");
        assert_eq!(app.get(&link).await.status, 200, "the link still works");
        let withdrawn = send(&app, "post", &withdraw_at, &cookie, &[("_token", &token), ("link", &link_hash)], &[]).await;
        let again = send(&app, "post", &withdraw_at, &cookie, &[("_token", &token), ("link", &link_hash)], &[]).await;

        assert_eq!(withdrawn.location.as_deref(), Some(&*format!("{dashboard}?done=interviewer_withdrawn")));
        assert_eq!(again.location.as_deref(), Some(dashboard.as_str()), "a second press changes nothing and says nothing");
        let page = get(&app, withdrawn.location.as_deref().unwrap(), &cookie).await.body;
        assert!(page.contains("访员链接已停用"), "{page}");
        assert!(page.contains("<td>停用于 20"), "listed as withdrawn, with the day: {page}");
        assert!(!page.contains(&format!("action=\"{withdraw_at}\"")), "no button left to press");
        assert_eq!(app.get(&link).await.status, 410, "the link no longer opens the form");
        let reissued = send(&app, "post", &issue_at, &cookie, &[("_token", &token), ("label", "A07")], &[]).await;
        assert!(reissued.body.contains("访员链接 A07 已发放"), "the label is free again once withdrawn: {}", reissued.body);
        let new_link = format!("/iv/{}", reissued.body.split(&format!("{}/iv/", app.address)).nth(1).and_then(|rest| rest.get(..32)).expect("the new address"));
        let old_page_pressed = send(&app, "post", &withdraw_at, &cookie, &[("_token", &token), ("link", &link_hash)], &[]).await;
        assert_eq!(old_page_pressed.location.as_deref(), Some(dashboard.as_str()), "the old page's button, pressed again, changes nothing");
        assert_eq!(app.get(&new_link).await.status, 200, "and leaves the link issued since under the same label working");
        assert!(get(&app, &dashboard, &cookie).await.body.contains("<td>使用中<form"), "listed as working");
        let audited: Vec<(String, String)> = {
            let db = minyi::storage::Database::connect(app.db.url.clone(), 1).unwrap();
            minyi::storage::recent_audit(&mut db.conn().unwrap(), 20).unwrap().into_iter()
                .filter(|e| e.action.starts_with("interviewer_link"))
                .map(|e| (e.actor, e.action)).collect()
        };
        assert_eq!(audited.len(), 3, "issued, withdrawn, issued again: {audited:?}");
        assert!(audited.iter().all(|(actor, _)| actor == "publisher@example.org"), "by who pressed: {audited:?}");
    }
}

on_both_backends! {
    async fn a_link_issued_before_fieldwork_says_when_it_works_and_the_list_follows_the_survey(backend: Backend) {
        let surveys = example_survey_dir(|file| file.replace("open_on_import = true", "open_on_import = false"));
        let app = spawn_app_with_surveys(backend, surveys.path()).await;
        let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;
        let dashboard = format!("/admin/surveys/{EXAMPLE_ID}");
        let issue_at = format!("{dashboard}/interviewers");
        let token = field_of(&get(&app, &dashboard, &cookie).await.body, &issue_at, "_token");

        let issued = send(&app, "post", &issue_at, &cookie, &[("_token", &token), ("label", "B01")], &[]).await;

        assert_eq!(issued.status, 200, "{}", issued.body);
        assert!(issued.body.contains("访员链接 B01 已发放，区县由访员询问"), "{}", issued.body);
        assert!(issued.body.contains("这项调查还没有开始：调查开始（状态变为“调查进行中”）后，这个链接才能使用。"), "says when the link will work: {}", issued.body);
        let link = format!("/iv/{}", issued.body.split(&format!("{}/iv/", app.address)).nth(1).and_then(|rest| rest.get(..32)).expect("the link's address"));
        assert_ne!(app.get(&link).await.status, 200, "a draft takes no answers");
        let row = |page: &str| {
            let start = page.find("<tr><th scope=\"row\">B01</th>").expect("the link listed");
            page[start..start + page[start..].find("</tr>").unwrap()].to_owned()
        };
        assert!(row(&get(&app, &dashboard, &cookie).await.body).contains("<td>调查开始后可用"), "listed as waiting for the survey to open");

        app.catalog().transition(EXAMPLE_ID, minyi::lifecycle::Transition::Open).expect("open");
        assert_eq!(app.get(&link).await.status, 200, "the survey open, the link works");
        assert!(row(&get(&app, &dashboard, &cookie).await.body).contains("<td>使用中<form"), "listed as working");

        app.catalog().transition(EXAMPLE_ID, minyi::lifecycle::Transition::Close).expect("close");
        let page = get(&app, &dashboard, &cookie).await.body;
        assert!(row(&page).contains("<td>调查结束期间暂停使用（重新开启后恢复）"), "listed as stopped for now: {}", row(&page));
        let late = send(&app, "post", &issue_at, &cookie, &[("_token", &token), ("label", "B02")], &[]).await;
        assert_eq!(late.status, 422, "{}", late.body);
        assert!(late.body.contains("这项调查已经结束收集，不能再发放访员链接。") && !late.body.contains("/iv/"), "no link issued once fieldwork is over: {}", late.body);

        app.catalog().transition(EXAMPLE_ID, minyi::lifecycle::Transition::Open).expect("reopen");
        assert_eq!(app.get(&link).await.status, 200, "reopened, the link works again, as its status said");
        assert!(row(&get(&app, &dashboard, &cookie).await.body).contains("<td>使用中<form"), "listed as working again");
    }
}
