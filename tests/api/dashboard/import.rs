//! A publisher imports a survey file from the web (`/admin/import`): checked first and said what
//! importing it will do, imported only when confirmed, audited under the account, and written
//! into the surveys folder so that the next start finds it current.

use minyi::accounts::Role;
use minyi::lifecycle::{SurveyState, Transition};
use minyi::survey::version_of;

use super::*;

const BOUNDARY: &str = "minyi-test-7MA4YWxkTrZu0gW";

/// The example survey's file, as a publisher has it.
fn example_text() -> String {
    std::fs::read_to_string(repo_path("surveys/jiaxing-food-safety-2016.toml")).unwrap()
}

/// A new survey made from a copy of the example: its own id and title, not opened on import.
fn transport_survey() -> String {
    example_text()
        .replace(EXAMPLE_ID, "transport-2026")
        .replace(
            "嘉兴市食品安全公众满意度调查（2016年）",
            "嘉兴市公共交通满意度调查",
        )
        .replace("open_on_import = true", "open_on_import = false")
}

/// A surveys folder holding a copy of the example, as a server's `surveys/`.
fn surveys_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("jiaxing-food-safety-2016.toml"),
        example_text(),
    )
    .unwrap();
    dir
}

/// A server with a surveys folder of its own (a copy of the example), and a publisher signed in
/// (the folder, the server, the publisher's cookie).
async fn publisher_with_folder(backend: Backend) -> (tempfile::TempDir, TestApp, String) {
    let folder = surveys_folder();
    let app = spawn_app_with_surveys(backend, folder.path()).await;
    let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;
    (folder, app, cookie)
}

/// The upload page's form as a browser sends it: its token and language, and the file chosen
/// (`None`: none chosen, which browsers send as an empty part).
fn upload_form(token: &str, lang: &str, file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in [("_token", token), ("_lang", lang)] {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    let (file_name, bytes) = file.unwrap_or(("", b""));
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Opens the upload page and sends a file from it, as a browser on Minyi's own page does.
async fn upload(app: &TestApp, cookie: &str, file: Option<(&str, &[u8])>) -> Reply {
    upload_in(app, cookie, "zh", file).await
}

/// `upload`, from the page in language `lang` (`zh` or `en`).
async fn upload_in(app: &TestApp, cookie: &str, lang: &str, file: Option<(&str, &[u8])>) -> Reply {
    let page = get(app, &format!("/admin/import?lang={lang}"), cookie).await;
    assert_eq!(page.status, 200, "the upload page: {}", page.body);
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    send_body(
        app,
        "post",
        "/admin/import",
        cookie,
        Some((
            &content_type,
            upload_form(&token_in(&page.body), lang, file),
        )),
        &[("Origin", &app.address), ("Sec-Fetch-Site", "same-origin")],
    )
    .await
}

/// The value of the hidden field `name` of a page's form.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in the page"))
        + marker.len();
    let end = html[start..].find('"').expect("value ends") + start;
    html[start..end].to_owned()
}

/// Presses the check page's "import" button, with its fields as given.
async fn confirm_import(app: &TestApp, cookie: &str, fields: &[(&str, &str)]) -> Reply {
    send(
        app,
        "post",
        "/admin/import/confirm",
        cookie,
        fields,
        &[("Origin", &app.address), ("Sec-Fetch-Site", "same-origin")],
    )
    .await
}

/// The confirmation form of a check page, as the browser would send it.
fn confirmation_of(check: &Reply) -> Vec<(&'static str, String)> {
    [
        "_token",
        "_lang",
        "name",
        "source",
        "current",
        "state",
        "another_survey",
    ]
    .into_iter()
    .map(|name| (name, hidden(&check.body, name)))
    .collect()
}

async fn press(app: &TestApp, cookie: &str, fields: &[(&'static str, String)]) -> Reply {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    confirm_import(app, cookie, &fields).await
}

on_both_backends! {
    async fn a_publisher_imports_a_new_survey_after_seeing_what_the_import_will_do(backend: Backend) {
        let (folder, app, cookie) = publisher_with_folder(backend).await;
        let text = transport_survey();

        let list = get(&app, "/admin/surveys", &cookie).await;
        let check = upload(&app, &cookie, Some(("transport-2026.toml", text.as_bytes()))).await;

        assert!(list.body.contains("href=\"/admin/import\""), "the surveys page links to the import");
        assert_eq!(check.status, 200, "{}", check.body);
        for said in [
            "检查结果：transport-2026.toml",
            "嘉兴市公共交通满意度调查",
            "transport-2026",
            "这是一份新调查。导入后它处于草稿状态",
            // A note on the file, in the reader's language.
            "计划的调查期已于 2016-11-30 结束",
        ] {
            assert!(check.body.contains(said), "the check page says {said:?}: {}", check.body);
        }
        assert!(
            app.catalog().current("transport-2026").unwrap().is_none(),
            "nothing is imported before the publisher confirms"
        );

        let done = press(&app, &cookie, &confirmation_of(&check)).await;

        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(
            done.location.as_deref(),
            Some("/admin/surveys/transport-2026?done=imported")
        );
        let dashboard = get(&app, "/admin/surveys/transport-2026?done=imported", &cookie).await;
        assert!(dashboard.body.contains("调查文件已导入，并已保存到服务器的调查文件夹"), "{}", dashboard.body);
        let survey = app.catalog().require("transport-2026").expect("imported");
        assert_eq!(survey.record.state, SurveyState::Draft);
        assert_eq!(survey.record.current_version, version_of(&text), "the very text checked");
        assert_eq!(
            std::fs::read_to_string(folder.path().join("transport-2026.toml")).unwrap(),
            text,
            "written into the surveys folder under the name it was sent with"
        );
        let audited = minyi::audit::recent(app.catalog().database(), 10).unwrap();
        assert!(
            audited.iter().any(|e| e.action == "survey_imported"
                && e.actor == "publisher@example.org"
                && e.survey_id.as_deref() == Some("transport-2026")),
            "audited under the account: {audited:?}"
        );
    }

    async fn a_new_version_sent_under_another_name_replaces_the_surveys_own_file(backend: Backend) {
        let (folder, app, cookie) = publisher_with_folder(backend).await;
        let newer = example_text().replace("您可以随时停止作答。", "您可以随时停止作答，已填的答案不会提交。");
        let before = app.catalog().require(EXAMPLE_ID).unwrap().record.current_version;

        let check = upload(&app, &cookie, Some(("食品安全-第二版.toml", newer.as_bytes()))).await;

        assert_eq!(check.status, 200, "{}", check.body);
        assert!(
            check.body.contains(&format!("这是该调查的新版本，导入后取代当前版本（{}）", &before[..12])),
            "{}",
            check.body
        );
        assert!(check.body.contains("调查正在进行：此后打开问卷的居民会看到这个版本"), "{}", check.body);

        let done = press(&app, &cookie, &confirmation_of(&check)).await;

        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(app.catalog().require(EXAMPLE_ID).unwrap().record.current_version, version_of(&newer));
        let files: Vec<String> = std::fs::read_dir(folder.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(files, ["jiaxing-food-safety-2016.toml"], "one file per survey, still");
        assert_eq!(
            std::fs::read_to_string(folder.path().join("jiaxing-food-safety-2016.toml")).unwrap(),
            newer
        );
        // What the next start does: the folder's file is the current version, not an earlier
        // one refused and listed on the surveys page.
        let restart = app.catalog().import_dir(folder.path()).expect("folder imports");
        assert!(restart.refused.is_empty(), "{:?}", restart.refused);
    }
}

#[actix_web::test]
async fn a_file_with_problems_comes_back_with_each_named_and_nothing_stored() {
    let (folder, app, cookie) = publisher_with_folder(Backend::Sqlite).await;
    let gbk_title = [0xc3, 0xf1, 0xd2, 0xe2]; // 民意 in GBK
    let copy_of_example = example_text().replace(
        "嘉兴市食品安全公众满意度调查（2016年）",
        "嘉兴市公共交通满意度调查",
    );

    let invalid = upload(
        &app,
        &cookie,
        Some((
            "transport-2026.toml",
            b"id = \"transport-2026\"\n[questions]\n",
        )),
    )
    .await;
    let not_utf8 = upload(&app, &cookie, Some(("民意.toml", &gbk_title))).await;
    let copy = upload(
        &app,
        &cookie,
        Some(("transport-2026.toml", copy_of_example.as_bytes())),
    )
    .await;
    let nothing = upload(&app, &cookie, None).await;
    // The Word document the survey was drafted in (a .docx is a zip archive).
    let word = upload(
        &app,
        &cookie,
        Some((
            "问卷.docx",
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xdf\xa4\xd2lZ\x01",
        )),
    )
    .await;
    // Typed with a Chinese input method left on full-width punctuation.
    let full_width =
        transport_survey().replace("fieldwork_end = 2016-11-30", "fieldwork_end ＝ 2016/11/30");
    let typed = upload(
        &app,
        &cookie,
        Some(("transport-2026.toml", full_width.as_bytes())),
    )
    .await;

    for (reply, said) in [
        (
            &invalid,
            vec![
                "transport-2026.toml 没有导入",
                "文件内容有误",
                "<strong>第 2 行</strong> · <code>questions</code>",
                "[[questions]]",
            ],
        ),
        (
            &not_utf8,
            vec![
                "民意.toml 没有导入",
                "不是 UTF-8 编码的文本",
                "多半是存成了 GBK（ANSI）或 UTF-16。请另存为 UTF-8",
            ],
        ),
        (&nothing, vec!["请先选择一个调查文件"]),
        (
            &word,
            vec![
                "问卷.docx 没有导入",
                "问卷.docx 是 Word、Excel 或 WPS 文档（或其他压缩包），不是调查文件",
                "另存为 UTF-8 编码、文件名以 .toml 结尾的文件",
            ],
        ),
        (
            &typed,
            vec![
                "第 44 行第 15 列",
                "<strong>这一行在引号外面有全角的 ＝。TOML 要求半角标点",
                "请把输入法切换成英文标点（半角）再输入。</strong>",
            ],
        ),
    ] {
        assert_eq!(reply.status, 422, "{}", reply.body);
        for words in said {
            assert!(reply.body.contains(words), "says {words:?}: {}", reply.body);
        }
        assert!(
            reply.body.contains("enctype=\"multipart/form-data\""),
            "the form is there to try again"
        );
    }
    // A copy made for a new survey, its id left as it was: said, and left to the publisher.
    assert_eq!(copy.status, 200, "{}", copy.body);
    assert!(
        copy.body.contains("多半是为新调查复制时忘了改编号")
            && copy.body.contains("嘉兴市食品安全公众满意度调查（2016年）"),
        "the page warns whose id it is: {}",
        copy.body
    );

    let huge = vec![b'#'; 1100 * 1024];
    let too_large = upload(&app, &cookie, Some(("photo.toml", &huge))).await;
    assert_eq!(too_large.status, 413);
    assert!(
        too_large.body.contains("这个文件超过 1024 KiB"),
        "{}",
        too_large.body
    );
    assert!(too_large.body.contains("enctype=\"multipart/form-data\""));

    assert_eq!(
        app.catalog().list().unwrap().len(),
        1,
        "nothing was imported"
    );
    assert_eq!(
        std::fs::read_to_string(folder.path().join("jiaxing-food-safety-2016.toml")).unwrap(),
        example_text(),
        "the folder is untouched"
    );
}

#[actix_web::test]
async fn a_files_mistakes_are_said_in_the_readers_language_with_its_own_values_as_written() {
    let (_folder, app, cookie) = publisher_with_folder(Backend::Sqlite).await;
    // A score's threshold written as a share, and a key mistyped.
    let mistaken = transport_survey()
        .replace("threshold = 80", "threshold = 0.8")
        .replace("fieldwork_start", "fieldwork_strat");
    let file = Some(("transport-2026.toml", mistaken.as_bytes()));

    let chinese = upload_in(&app, &cookie, "zh", file).await;
    let english = upload_in(&app, &cookie, "en", file).await;

    assert_eq!(chinese.status, 422, "{}", chinese.body);
    for said in [
        "应为：百分制分数，而不是比例（80 分就写 80）<br>实际为：0.8",
        "实际为：未知的键&quot;fieldwork_strat&quot;；是不是要写&quot;fieldwork_start&quot;？",
        "<code>survey.fieldwork_strat</code><br>应为：以下键之一：id, title, description,",
    ] {
        assert!(
            chinese.body.contains(said),
            "says {said:?}: {}",
            chinese.body
        );
    }
    assert!(
        !chinese.body.contains("a score out of 100"),
        "no English left on the Chinese page: {}",
        chinese.body
    );
    assert_eq!(english.status, 422, "{}", english.body);
    for said in [
        "a score out of 100, not a share (for 80 points write 80)",
        "unknown key &quot;fieldwork_strat&quot;; did you mean &quot;fieldwork_start&quot;?",
        "Expected: one of the keys id, title, description,",
    ] {
        assert!(
            english.body.contains(said),
            "says {said:?}: {}",
            english.body
        );
    }
}

#[actix_web::test]
async fn a_closed_surveys_file_is_refused_at_the_check() {
    let (_folder, app, cookie) = publisher_with_folder(Backend::Sqlite).await;
    app.catalog()
        .transition(EXAMPLE_ID, Transition::Close)
        .unwrap();
    let newer = example_text().replace("您可以随时停止作答。", "您可以随时停止。");

    let check = upload(
        &app,
        &cookie,
        Some(("jiaxing-food-safety-2016.toml", newer.as_bytes())),
    )
    .await;

    assert_eq!(check.status, 422, "{}", check.body);
    assert!(
        check
            .body
            .contains("这份调查已经结束或已发布，它的文件不能再修改"),
        "{}",
        check.body
    );
    assert!(
        check.body.contains(
            "什么都没有保存。已结束的调查，可以先在进度面板上重新开启，再导入修改后的文件"
        ),
        "what to do, in the reader's language: {}",
        check.body
    );
    assert!(
        check
            .body
            .contains("调查 jiaxing-food-safety-2016 已经结束：答卷是按它现有的版本填写的")
            && !check.body.contains("<p lang=\"en\">"),
        "and why, in it too, with no English left: {}",
        check.body
    );
}

#[actix_web::test]
async fn an_open_surveys_file_that_drops_a_county_says_what_to_do() {
    let (_folder, app, cookie) = publisher_with_folder(Backend::Sqlite).await;
    let renamed = example_text().replace("\"haiyan\"", "\"hy\"");

    let check = upload(
        &app,
        &cookie,
        Some(("jiaxing-food-safety-2016.toml", renamed.as_bytes())),
    )
    .await;

    assert_eq!(check.status, 422, "{}", check.body);
    for said in [
        "这个版本删掉了已有答卷用到的题目或选项",
        "调查 jiaxing-food-safety-2016 已存答卷 0 份，按题目 id 和答案代码读取，而这一版删去了：",
        "<br>题目 &#x60;county&#x60; 的选项 &#x60;haiyan&#x60;",
        "什么都没有保存。请保留已有答卷可能用到的每一道题和每一个代码",
    ] {
        assert!(check.body.contains(said), "says {said:?}: {}", check.body);
    }
}

#[actix_web::test]
async fn only_the_text_that_was_checked_can_be_imported() {
    let (folder, app, cookie) = publisher_with_folder(Backend::Sqlite).await;
    let other = signed_in(&app, "other@example.org", Role::Publisher).await;
    let check = upload(
        &app,
        &cookie,
        Some(("transport-2026.toml", transport_survey().as_bytes())),
    )
    .await;
    let fields = confirmation_of(&check);

    let mut altered = fields.clone();
    altered[3].1 =
        hex::encode(transport_survey().replace("open_on_import = false", "open_on_import = true"));
    let changed = press(&app, &cookie, &altered).await;
    let someone_else = press(&app, &other, &fields).await;
    let cross_site = send(
        &app,
        "post",
        "/admin/import/confirm",
        &cookie,
        &fields
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect::<Vec<_>>(),
        &[
            ("Origin", "https://elsewhere.example"),
            ("Sec-Fetch-Site", "cross-site"),
        ],
    )
    .await;

    assert_eq!(changed.status, 422, "{}", changed.body);
    assert!(
        changed.body.contains("这个页面已经过期"),
        "{}",
        changed.body
    );
    assert_eq!(someone_else.status, 422, "a token is the account's own");
    assert_eq!(cross_site.status, 403);
    assert!(app.catalog().current("transport-2026").unwrap().is_none());
    assert!(!folder.path().join("transport-2026.toml").exists());

    let done = press(&app, &cookie, &fields).await;
    let again = press(&app, &cookie, &fields).await;

    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        again.status, 303,
        "pressed twice: imported once, unchanged the second time"
    );
    assert_eq!(
        app.catalog().every_version("transport-2026").unwrap().len(),
        1
    );
}

#[actix_web::test]
async fn a_file_refused_at_start_is_put_right_by_uploading_it_corrected() {
    let folder = surveys_folder();
    let broken = "id = \"transport-2026\"\n[questions]\n";
    std::fs::write(folder.path().join("transport-2026.toml"), broken).unwrap();
    let app = spawn_app_with_surveys(Backend::Sqlite, folder.path()).await;
    let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;
    let listed = get(&app, "/admin/surveys", &cookie).await;
    assert!(
        listed.body.contains("transport-2026.toml: 文件内容有误"),
        "{}",
        listed.body
    );
    assert!(
        listed.body.contains("在“导入调查文件”页上传"),
        "the alert says how"
    );

    let corrected = transport_survey();
    let check = upload(
        &app,
        &cookie,
        Some(("transport-2026.toml", corrected.as_bytes())),
    )
    .await;
    let done = press(&app, &cookie, &confirmation_of(&check)).await;
    let after = get(&app, "/admin/surveys", &cookie).await;

    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        std::fs::read_to_string(folder.path().join("transport-2026.toml")).unwrap(),
        corrected,
        "the broken file is replaced by its correction"
    );
    assert!(
        !after.body.contains("未能加载") && after.body.contains("id=\"survey-transport-2026\""),
        "no longer listed as refused, and the survey is there: {}",
        after.body
    );
}

#[actix_web::test]
async fn the_dashboard_gives_the_current_file_to_edit_and_upload_again() {
    let (_folder, app, cookie) = publisher_with_folder(Backend::Sqlite).await;
    let path = format!("/admin/surveys/{EXAMPLE_ID}/survey.toml");

    let dashboard = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}"), &cookie).await;
    let mut response = app
        .client
        .get(app.url(&path))
        .insert_header(("Cookie", cookie.as_str()))
        .send()
        .await
        .unwrap();
    let header = |name: &str| header_of(&response, name).unwrap_or_default();
    let (disposition, content_type) = (header("content-disposition"), header("content-type"));
    let file = response.body().limit(1 << 20).await.unwrap();
    let back = upload(
        &app,
        &cookie,
        Some(("jiaxing-food-safety-2016.toml", &file)),
    )
    .await;

    assert!(
        dashboard
            .body
            .contains(&format!("href=\"{path}\" download")),
        "{}",
        dashboard.body
    );
    assert!(
        dashboard
            .body
            .contains("要修改问卷：下载调查文件，改好后在“导入调查文件”页上传"),
        "while it is open"
    );
    assert_eq!(response.status(), 200);
    assert_eq!(
        disposition,
        "attachment; filename=\"jiaxing-food-safety-2016.toml\"; \
         filename*=UTF-8''jiaxing%2Dfood%2Dsafety%2D2016%2Etoml"
    );
    assert_eq!(content_type, "application/toml; charset=utf-8");
    assert_eq!(
        file,
        example_text().as_bytes(),
        "the text as imported, byte for byte"
    );
    assert_eq!(back.status, 200, "{}", back.body);
    assert!(
        back.body.contains("当前版本就是这个文件，无需再导入"),
        "{}",
        back.body
    );
    assert!(
        !back.body.contains("/admin/import/confirm"),
        "no import button for nothing"
    );
}

/// A form's fields, as posted.
type Fields<'a> = Vec<(&'a str, String)>;

#[actix_web::test]
async fn malformed_uploads_and_confirmations_get_a_4xx_and_change_nothing() {
    // A form that is no upload is 400; a confirmation whose token was not made for it, 422; a
    // source over the limit, 413. A file name with folders is no error: the check page names
    // the file by its last part and nothing is written until the import is confirmed.
    let (folder, app, cookie) = publisher_with_folder(Backend::Sqlite).await;
    let page = get(&app, "/admin/import", &cookie).await;
    let token = token_in(&page.body);
    let multipart = format!("multipart/form-data; boundary={BOUNDARY}");
    let text = transport_survey();
    let good = upload_form(&token, "zh", Some(("transport-2026.toml", text.as_bytes())));
    let part = |disposition: &str, body: &str| {
        format!("--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n{body}\r\n--{BOUNDARY}--\r\n")
            .into_bytes()
    };
    let named = |file_name: &str| upload_form(&token, "zh", Some((file_name, text.as_bytes())));
    let uploads: Vec<(&str, String, Vec<u8>, u16)> = vec![
        ("no boundary", "multipart/form-data".into(), good.clone(), 400),
        ("another boundary", "multipart/form-data; boundary=other".into(), good.clone(), 400),
        ("cut short", multipart.clone(), good[..good.len() / 2].to_vec(), 400),
        ("empty body", multipart.clone(), Vec::new(), 400),
        ("not multipart", "application/x-www-form-urlencoded".into(), b"file=x".to_vec(), 400),
        ("JSON", "application/json".into(), br#"{"file":"x"}"#.to_vec(), 400),
        ("no content type", String::new(), good.clone(), 400),
        ("part without a name", multipart.clone(), part("form-data", "x"), 400),
        ("part without disposition", multipart.clone(), format!("--{BOUNDARY}\r\n\r\nx\r\n--{BOUNDARY}--\r\n").into_bytes(), 400),
        ("a NUL in the file name", multipart.clone(), named("a\u{0}b.toml"), 400),
        ("a good upload after a thousand closed parts", multipart.clone(), [(0..1000).map(|i| format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\nx\r\n")).collect::<String>().into_bytes(), good.clone()].concat(), 400),
        ("a thousand parts, never closed", multipart.clone(), (0..1000).map(|i| format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\nx\r\n")).collect::<String>().into_bytes(), 400),
    ];
    let long_name = "长".repeat(3000);
    // (what, the name sent, the name the check page gives it, what it never shows)
    let names: Vec<(&str, &str, String, Option<String>)> = vec![
        (
            "a path as the file name",
            "../../../etc/passwd",
            "passwd".into(),
            Some("etc/passwd".into()),
        ),
        // A multipart name's \\ arrives as one backslash: C:\Windows\system.ini.
        (
            "a Windows path",
            "C:\\\\Windows\\\\system.ini",
            "system.ini".into(),
            Some("Windows".into()),
        ),
        ("a hidden file name", ".bashrc", ".bashrc".into(), None),
        (
            "a very long file name",
            &long_name,
            "长".repeat(100),
            Some("长".repeat(101)),
        ),
    ];
    // (what, the fields posted, the status)
    let confirmations: Vec<(&str, Fields, u16)> = vec![
        ("no fields", vec![], 400),
        (
            "source not hex",
            vec![("_token", token.clone()), ("source", "zz".into())],
            400,
        ),
        (
            "source of odd length",
            vec![("_token", token.clone()), ("source", "abc".into())],
            400,
        ),
        (
            "source not UTF-8",
            vec![("_token", token.clone()), ("source", "c3f1d2e2".into())],
            400,
        ),
        (
            "the upload page's token",
            vec![
                ("_token", token.clone()),
                ("source", hex::encode(&text)),
                ("name", "x.toml".into()),
            ],
            422,
        ),
        (
            "a made-up token, with a path as the name",
            vec![
                ("_token", "1.2.3".into()),
                ("source", hex::encode(&text)),
                ("name", "../../x.toml".into()),
            ],
            422,
        ),
        (
            "a huge source",
            vec![
                ("_token", token.clone()),
                ("source", "61".repeat(1_100_000)),
            ],
            413,
        ),
    ];

    let mut answers = Vec::new();
    // An upload cut short is told in staff terms, not sent back to a survey page.
    let cut_short = send_body(
        &app,
        "post",
        "/admin/import?lang=en",
        &cookie,
        Some((&multipart, good[..good.len() / 2].to_vec())),
        &[],
    )
    .await;
    assert_eq!(cut_short.status, 400);
    assert!(
        cut_short.body.contains("a file upload cut short")
            && !cut_short.body.contains("survey page"),
        "{}",
        cut_short.body
    );
    for (what, content_type, body, expected) in uploads {
        let mut request = app
            .client
            .post(app.url("/admin/import"))
            .insert_header(("Cookie", cookie.as_str()));
        if !content_type.is_empty() {
            request = request.insert_header(("Content-Type", content_type));
        }
        answers.push((
            what,
            request.send_body(body).await.map(|r| r.status().as_u16()),
            expected,
        ));
    }
    for (what, fields, expected) in confirmations {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        answers.push((
            what,
            Ok(confirm_import(&app, &cookie, &fields).await.status),
            expected,
        ));
    }
    let mut checks = Vec::new();
    for (_, sent, ..) in &names {
        checks.push(upload(&app, &cookie, Some((sent, text.as_bytes()))).await);
    }

    for (what, answer, expected) in &answers {
        match answer {
            Ok(status) => assert_eq!(status, expected, "{what}"),
            Err(e) => panic!("{what}: no answer ({e})"),
        }
    }
    for ((what, _, shown, never), check) in names.iter().zip(&checks) {
        assert_eq!(check.status, 200, "{what}: {}", check.body);
        assert!(
            check.body.contains(shown.as_str()),
            "{what}: the page names {shown}"
        );
        if let Some(never) = never {
            assert!(
                !check.body.contains(never.as_str()),
                "{what}: and not {never}"
            );
        }
    }
    assert_eq!(app.get("/healthz").await.status, 200, "still serving");
    assert!(
        app.catalog().current("transport-2026").unwrap().is_none(),
        "nothing imported"
    );
    let files: Vec<_> = std::fs::read_dir(folder.path()).unwrap().collect();
    assert_eq!(files.len(), 1, "nothing written into the folder");
}

/// A new service names its surveys folder before there is one (docs/deployment.md's unit):
/// the first import from the web makes it, and the next start finds the file there.
#[actix_web::test]
async fn the_first_import_makes_the_surveys_folder_the_settings_name() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("surveys");
    let app = spawn_app_with_surveys(Backend::Sqlite, &folder).await;
    let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;
    let check = upload(
        &app,
        &cookie,
        Some(("transport-2026.toml", transport_survey().as_bytes())),
    )
    .await;

    let done = press(&app, &cookie, &confirmation_of(&check)).await;

    assert_eq!(
        done.location.as_deref(),
        Some("/admin/surveys/transport-2026?done=imported")
    );
    assert_eq!(
        std::fs::read_to_string(folder.join("transport-2026.toml")).unwrap(),
        transport_survey()
    );
}

#[actix_web::test]
async fn an_import_stands_when_the_surveys_folder_cannot_take_the_file_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    // A folder that cannot be made: its parent is a file.
    let in_the_way = dir.path().join("a-file");
    std::fs::write(&in_the_way, "not a folder").unwrap();
    let missing = in_the_way.join("no-such-folder");
    let app = spawn_app_with_surveys(Backend::Sqlite, &missing).await;
    let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;
    let check = upload(
        &app,
        &cookie,
        Some(("transport-2026.toml", transport_survey().as_bytes())),
    )
    .await;

    let done = press(&app, &cookie, &confirmation_of(&check)).await;
    let dashboard = get(&app, done.location.as_deref().unwrap_or_default(), &cookie).await;

    assert_eq!(
        done.location.as_deref(),
        Some("/admin/surveys/transport-2026?done=imported_not_saved")
    );
    assert!(
        app.catalog().current("transport-2026").unwrap().is_some(),
        "imported all the same"
    );
    assert!(
        dashboard.body.contains(
            "调查文件已导入，服务器从现在起使用这个版本；但文件未能保存到服务器的调查文件夹"
        ) && dashboard.body.contains("no-such-folder"),
        "and the publisher is told, with the folder: {}",
        dashboard.body
    );
}

/// A survey file with its own id and title, made from the example.
fn survey_named(id: &str, title: &str) -> String {
    example_text()
        .replace(EXAMPLE_ID, id)
        .replace("嘉兴市食品安全公众满意度调查（2016年）", title)
        .replace("open_on_import = true", "open_on_import = false")
}

#[actix_web::test]
async fn what_the_check_page_said_must_still_hold_when_the_import_is_confirmed() {
    let (folder, app, cookie) = publisher_with_folder(Backend::Sqlite).await;
    let colleague = signed_in(&app, "colleague@example.org", Role::Publisher).await;
    let mine = transport_survey();
    let theirs = transport_survey().replace("您可以随时停止作答。", "随时可以停止。");
    let newer = example_text().replace("您可以随时停止作答。", "您可以随时停止。");

    // Both see "a new survey"; the colleague imports first.
    let my_check = upload(
        &app,
        &cookie,
        Some(("transport-2026.toml", mine.as_bytes())),
    )
    .await;
    let their_check = upload(
        &app,
        &colleague,
        Some(("transport-2026.toml", theirs.as_bytes())),
    )
    .await;
    let theirs_done = press(&app, &colleague, &confirmation_of(&their_check)).await;
    let mine_done = press(&app, &cookie, &confirmation_of(&my_check)).await;
    // A new version checked, then the survey closed.
    let newer_check = upload(
        &app,
        &cookie,
        Some(("jiaxing-food-safety-2016.toml", newer.as_bytes())),
    )
    .await;
    app.catalog()
        .transition(EXAMPLE_ID, Transition::Close)
        .unwrap();
    let newer_done = press(&app, &cookie, &confirmation_of(&newer_check)).await;
    // A new version of the colleague's draft checked, then the draft opened: the page said
    // nothing of residents seeing it.
    let draft_newer = theirs.replace("随时可以停止。", "随时都可以停止。");
    let draft_check = upload(
        &app,
        &cookie,
        Some(("transport-2026.toml", draft_newer.as_bytes())),
    )
    .await;
    app.catalog()
        .transition("transport-2026", Transition::Open)
        .unwrap();
    let draft_done = press(&app, &cookie, &confirmation_of(&draft_check)).await;

    assert!(my_check.body.contains("这是一份新调查"));
    assert_eq!(theirs_done.status, 303);
    assert_eq!(mine_done.status, 409, "{}", mine_done.body);
    assert!(
        mine_done
            .body
            .contains("在您检查这个文件之后，这份调查有了变化"),
        "{}",
        mine_done.body
    );
    assert!(mine_done.body.contains("什么都没有导入"));
    assert_eq!(
        app.catalog()
            .require("transport-2026")
            .unwrap()
            .record
            .current_version,
        version_of(&theirs),
        "the colleague's file stands"
    );
    assert_eq!(
        std::fs::read_to_string(folder.path().join("transport-2026.toml")).unwrap(),
        theirs
    );
    for (done, what) in [(&newer_done, "closed"), (&draft_done, "opened")] {
        assert_eq!(done.status, 409, "{what}: {}", done.body);
        assert!(
            done.body.contains("在您检查这个文件之后，这份调查有了变化"),
            "{what}: {}",
            done.body
        );
    }
    assert!(
        !draft_check.body.contains("调查正在进行"),
        "the page spoke of a draft"
    );
    assert_eq!(
        app.catalog()
            .require("transport-2026")
            .unwrap()
            .record
            .current_version,
        version_of(&theirs),
        "the open survey keeps the version residents were given"
    );
    assert_eq!(
        std::fs::read_to_string(folder.path().join("jiaxing-food-safety-2016.toml")).unwrap(),
        example_text(),
        "nothing written"
    );
}

#[actix_web::test]
async fn an_earlier_version_is_gone_back_to_after_the_page_says_so() {
    let (folder, app, cookie) = publisher_with_folder(Backend::Sqlite).await;
    let first = example_text();
    let second = first.replace("您可以随时停止作答。", "您可以随时停止。");
    let check = upload(
        &app,
        &cookie,
        Some(("jiaxing-food-safety-2016.toml", second.as_bytes())),
    )
    .await;
    assert_eq!(
        press(&app, &cookie, &confirmation_of(&check)).await.status,
        303
    );

    let back = upload(
        &app,
        &cookie,
        Some(("jiaxing-food-safety-2016.toml", first.as_bytes())),
    )
    .await;
    let done = press(&app, &cookie, &confirmation_of(&back)).await;

    assert!(
        back.body.contains(&format!(
            "这是该调查以前用过的一个版本：导入后调查回到这个版本，取代当前版本（{}）",
            &version_of(&second)[..12]
        )),
        "{}",
        back.body
    );
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        app.catalog()
            .require(EXAMPLE_ID)
            .unwrap()
            .record
            .current_version,
        version_of(&first)
    );
    assert_eq!(
        std::fs::read_to_string(folder.path().join("jiaxing-food-safety-2016.toml")).unwrap(),
        first
    );
    let audited = minyi::audit::recent(app.catalog().database(), 5).unwrap();
    assert!(
        audited[0]
            .detail
            .contains("(an earlier version, gone back to) replaces"),
        "the audit log says it was a return: {}",
        audited[0].detail
    );
}

#[actix_web::test]
async fn no_other_surveys_file_is_ever_written_over() {
    let folder = surveys_folder();
    // Another survey's file, with a mistake in it, under the name the upload will have.
    let broken_other = "[survey\nid = \"parks-2026\"\n";
    std::fs::write(folder.path().join("roads.toml"), broken_other).unwrap();
    let app = spawn_app_with_surveys(Backend::Sqlite, folder.path()).await;
    let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;
    let roads = survey_named("roads-2026", "嘉兴市道路满意度调查");
    let schools = survey_named("schools-2026", "嘉兴市学校食堂满意度调查");
    let markets = survey_named("markets-2026", "嘉兴市农贸市场满意度调查");

    let roads_check = upload(&app, &cookie, Some(("roads.toml", roads.as_bytes()))).await;
    // Two new surveys checked under one name, then both imported.
    let schools_check = upload(&app, &cookie, Some(("survey.toml", schools.as_bytes()))).await;
    let markets_check = upload(&app, &cookie, Some(("survey.toml", markets.as_bytes()))).await;
    for check in [&roads_check, &schools_check, &markets_check] {
        assert_eq!(
            press(&app, &cookie, &confirmation_of(check)).await.status,
            303
        );
    }
    // A name that is a path, with the page's own token: the folder is the only place written.
    let mut outside = confirmation_of(
        &upload(
            &app,
            &cookie,
            Some(("parks.toml", survey_named("parks-9", "公园").as_bytes())),
        )
        .await,
    );
    outside.iter_mut().find(|(k, _)| *k == "name").unwrap().1 = "../../escaped.toml".into();
    assert_eq!(press(&app, &cookie, &outside).await.status, 303);

    let read = |name: &str| std::fs::read_to_string(folder.path().join(name)).unwrap();
    assert!(
        roads_check.body.contains("roads-2026.toml（新文件）"),
        "the page says where: {}",
        roads_check.body
    );
    assert_eq!(
        read("roads.toml"),
        broken_other,
        "another survey's broken file is left alone"
    );
    assert_eq!(read("roads-2026.toml"), roads);
    assert_eq!(
        read("survey.toml"),
        schools,
        "the first under that name keeps it"
    );
    assert_eq!(
        read("markets-2026.toml"),
        markets,
        "the second gets a name of its own"
    );
    assert!(
        folder.path().join("escaped.toml").exists(),
        "a path's last part, inside the folder"
    );
    assert!(!folder
        .path()
        .parent()
        .unwrap()
        .join("escaped.toml")
        .exists());
    assert!(!folder
        .path()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("escaped.toml")
        .exists());
}

#[actix_web::test]
async fn a_copy_that_kept_another_surveys_id_is_imported_only_past_the_warning() {
    let (folder, app, cookie) = publisher_with_folder(Backend::Sqlite).await;
    let copy = example_text().replace(
        "嘉兴市食品安全公众满意度调查（2016年）",
        "嘉兴市食品安全公众满意度调查（2017年）",
    );
    let check = upload(&app, &cookie, Some(("food-2017.toml", copy.as_bytes()))).await;
    let mut unwarned = confirmation_of(&check);
    unwarned
        .iter_mut()
        .find(|(k, _)| *k == "another_survey")
        .unwrap()
        .1 = "0".into();

    let refused = press(&app, &cookie, &unwarned).await;
    let done = press(&app, &cookie, &confirmation_of(&check)).await;

    assert!(
        check.body.contains("id=\"another-survey\""),
        "{}",
        check.body
    );
    assert_eq!(
        refused.status, 422,
        "the warning is part of what is confirmed"
    );
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        app.catalog()
            .require(EXAMPLE_ID)
            .unwrap()
            .record
            .current_version,
        version_of(&copy)
    );
    assert_eq!(
        std::fs::read_to_string(folder.path().join("jiaxing-food-safety-2016.toml")).unwrap(),
        copy,
        "the survey's own file takes it"
    );
    assert!(!folder.path().join("food-2017.toml").exists());
}

#[actix_web::test]
async fn a_copy_that_kept_another_surveys_id_and_changed_its_questions_is_told_of_the_id_first() {
    let (_folder, app, cookie) = publisher_with_folder(Backend::Sqlite).await;
    // A new survey begun from the example: new title, new file name, a question renamed, and
    // the example's id left as it was. As a version of the (open) example it would drop a
    // question; the id is what is wrong.
    let copy = example_text()
        .replace(
            "嘉兴市食品安全公众满意度调查（2016年）",
            "嘉兴市公共交通满意度调查",
        )
        .replace("id = \"hotline_aware\"", "id = \"bus_hotline_aware\"")
        .replace(
            "question = \"hotline_aware\"",
            "question = \"bus_hotline_aware\"",
        );

    let check = upload(
        &app,
        &cookie,
        Some(("transport-2026.toml", copy.as_bytes())),
    )
    .await;

    assert!(
        check.body.contains("多半是为新调查复制时忘了改编号"),
        "{}",
        check.body
    );
    assert!(
        !check.body.contains("hotline_aware"),
        "not a list of questions 'dropped' from a survey it is not a version of: {}",
        check.body
    );
    assert!(
        !check.body.contains("name=\"another_survey\""),
        "nothing to confirm: {}",
        check.body
    );
}
