//! Downloading a result set: granted evaluators and admins, audited with the manifest hash;
//! `minyi export` from the command line; the public page shows the manifest hash and root.

use minyi::accounts::{Email, Role};

use super::*;
use crate::accounts::{accounts, add_account, request, sign_in};

on_both_backends! {
    async fn a_granted_evaluator_downloads_the_result_set_and_the_download_is_audited(backend: Backend) {
        let app = spawn_app(backend).await;
        let password = add_account(&app, "li.wei@example.org", Role::Evaluator);
        accounts(&app).grant(&Email::parse("li.wei@example.org").unwrap(), EXAMPLE_ID, "test").unwrap();
        let cookie = sign_in(&app, "li.wei@example.org", &password).await;
        let path = format!("/resultsets/{EXAMPLE_ID}/download");
        let too_early = request(&app, "get", &path, Some(&cookie), &[]).await;
        closed_with_responses(&app, 700);

        // A HEAD (a download manager's, a link checker's) is not a download.
        let head = request(&app, "head", &path, Some(&cookie), &[]).await;
        let reply = request(&app, "get", &path, Some(&cookie), &[]).await;
        let plain = request(&app, "get", &format!("{path}?encoding=utf8"), Some(&cookie), &[]).await;
        let misspelt = request(&app, "get", &format!("{path}?encoding=utf-8"), Some(&cookie), &[]).await;

        assert_eq!(plain.status, 200);
        assert!(!file(&unzip(&plain.bytes), "responses.csv").starts_with("\u{feff}".as_bytes()), "plain UTF-8");
        assert_eq!(misspelt.status, 400, "an encoding it does not know is not quietly the default");
        assert!(misspelt.body.contains("encoding 只能是 utf8"), "{}", misspelt.body);
        assert_eq!(too_early.status, 409, "no result set while fieldwork runs");
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!((head.status, head.bytes.len()), (200, 0));
        let files = unzip(&reply.bytes);
        let manifest_hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(file(&files, "manifest.json")));
        let entries = minyi::audit::recent(app.catalog().database(), 10).unwrap();
        let downloads: Vec<_> = entries.iter().filter(|e| e.action == "download").collect();
        assert_eq!(downloads.len(), 2, "both encodings' downloads are audited, the refused one is not");
        let download = downloads
            .iter()
            .find(|e| e.manifest_sha256.as_deref() == Some(manifest_hash.as_str()))
            .expect("the download is audited with its manifest hash");
        assert_eq!(download.actor, "li.wei@example.org");
        assert_eq!(download.survey_id.as_deref(), Some(EXAMPLE_ID));
    }
}

/// Too few responses for their k-anonymous rows to be weighted (a census category no released
/// row falls in): the download says why and who can do something about it, not "something went
/// wrong".
#[actix_web::test]
async fn a_result_set_whose_released_rows_cannot_be_weighted_is_refused_saying_why() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = add_account(&app, "admin@example.org", Role::Admin);
    let cookie = sign_in(&app, "admin@example.org", &password).await;
    let catalog = app.catalog();
    minyi::analysis::add_simulated(&catalog, EXAMPLE_ID, 250, 3).expect("simulate");
    catalog
        .transition(EXAMPLE_ID, Transition::Close)
        .expect("close");
    let path = format!("/resultsets/{EXAMPLE_ID}/download");

    let reply = request(&app, "get", &path, Some(&cookie), &[]).await;
    let english = request(&app, "get", &format!("{path}?lang=en"), Some(&cookie), &[]).await;

    assert_eq!(reply.status, 409, "{}", reply.body);
    assert!(
        reply.body.contains("结果数据包无法生成") && reply.body.contains("k_anonymity"),
        "{}",
        reply.body
    );
    assert!(
        english.body.contains("cannot be weighted or estimated"),
        "{}",
        english.body
    );
    assert!(
        reply.body.contains("href=\"/account\""),
        "leads back to the account page"
    );
}

/// A closed survey nobody answered has no result set: the download says so, without advice
/// about weighting or a published page it does not have.
#[actix_web::test]
async fn a_result_set_of_a_survey_without_responses_is_refused_saying_so() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = add_account(&app, "admin@example.org", Role::Admin);
    let cookie = sign_in(&app, "admin@example.org", &password).await;
    app.catalog()
        .transition(EXAMPLE_ID, Transition::Close)
        .expect("close");

    let reply = request(
        &app,
        "get",
        &format!("/resultsets/{EXAMPLE_ID}/download"),
        Some(&cookie),
        &[],
    )
    .await;

    assert_eq!(reply.status, 409, "{}", reply.body);
    assert!(reply.body.contains("没有可以统计的答卷"), "{}", reply.body);
    assert!(!reply.body.contains("k_anonymity"), "{}", reply.body);
}

#[actix_web::test]
async fn the_public_page_shows_the_manifest_hash_and_merkle_root_once_published() {
    let app = spawn_app(Backend::Sqlite).await;
    closed_with_responses(&app, 700);
    minyi::publishing::publish(&app.catalog(), EXAMPLE_ID).expect("publish");
    let dir = tempfile::tempdir().unwrap();

    let files = unzip(&std::fs::read(export(&app, Encoding::Utf8WithBom, dir.path())).unwrap());
    let plain = unzip(&std::fs::read(export(&app, Encoding::Utf8, dir.path())).unwrap());
    let page = app.get(&format!("/results/{EXAMPLE_ID}")).await;
    let api: serde_json::Value =
        serde_json::from_str(&app.get(&format!("/api/results/{EXAMPLE_ID}")).await.body).unwrap();

    let manifest_hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(file(
        &files,
        "manifest.json",
    )));
    assert!(
        page.body.contains(&manifest_hash),
        "the page shows the manifest hash"
    );
    assert!(
        page.body.contains(&manifest(&files).merkle_root),
        "and the Merkle root"
    );
    let plain_hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(file(
        &plain,
        "manifest.json",
    )));
    assert_ne!(plain_hash, manifest_hash);
    assert!(
        page.body.contains(&plain_hash),
        "and the plain UTF-8 download's manifest hash, for an evaluator in R"
    );
    assert_eq!(api["result_set"]["manifest_sha256"], manifest_hash.as_str());
    assert_eq!(
        api["result_set"]["manifest_sha256_utf8"],
        plain_hash.as_str()
    );
    assert_eq!(
        api["result_set"]["merkle_root"],
        manifest(&plain).merkle_root.as_str()
    );

    // An evaluator downloading the Excel file again does not take the other hash off the page.
    resultset::download(
        &app.catalog(),
        EXAMPLE_ID,
        Encoding::Utf8WithBom,
        dir.path(),
        "li.wei@example.org",
        minyi::audit::AuditAction::Download,
    )
    .expect("download");
    let again = app.get(&format!("/results/{EXAMPLE_ID}")).await;
    assert!(again.body.contains(&plain_hash) && again.body.contains(&manifest_hash));
    let released: serde_json::Value =
        serde_json::from_slice(file(&files, "evaluation.json")).unwrap();
    assert_eq!(
        api["domains"][0]["indicators"][0]["estimate"],
        released["evaluation"]["domains"][0]["indicators"][0]["estimate"],
        "the published figures are the result set's"
    );
}

/// After an upgrade to a Minyi that writes a later result-set format, the files a download
/// gives have other manifest hashes (the same rows, so the same Merkle root): the first download
/// puts both encodings' current hashes on the page, whichever encoding it was.
#[actix_web::test]
async fn a_download_after_an_upgrade_puts_both_current_manifest_hashes_on_the_page() {
    let app = spawn_app(Backend::Sqlite).await;
    closed_with_responses(&app, 700);
    minyi::publishing::publish(&app.catalog(), EXAMPLE_ID).expect("publish");
    let catalog = app.catalog();
    let current = |encoding| resultset::summarize(&catalog, EXAMPLE_ID, encoding).unwrap();
    let (excel, utf8) = (current(Encoding::Utf8WithBom), current(Encoding::Utf8));
    // What an earlier Minyi recorded: the same rows, the files made otherwise.
    let mut earlier = excel.clone();
    earlier.manifest_sha256 = "e".repeat(64);
    let earlier_utf8 = "f".repeat(64);
    let dir = tempfile::tempdir().unwrap();
    let download = |encoding| {
        resultset::download(
            &catalog,
            EXAMPLE_ID,
            encoding,
            dir.path(),
            "li.wei@example.org",
            minyi::audit::AuditAction::Download,
        )
        .expect("download")
    };
    let page = || async { app.get(&format!("/results/{EXAMPLE_ID}")).await.body };

    let mut pages = Vec::new();
    for encoding in [Encoding::Utf8WithBom, Encoding::Utf8] {
        resultset::record(&catalog, &earlier, Some(&earlier_utf8)).unwrap();
        let before = page().await;
        download(encoding);
        pages.push((encoding, before, page().await));
    }

    for (encoding, before, after) in pages {
        assert!(
            before.contains(&earlier.manifest_sha256) && before.contains(&earlier_utf8),
            "the page showed the earlier hashes"
        );
        assert!(
            after.contains(&excel.manifest_sha256)
                && after.contains(&utf8.manifest_sha256)
                && after.contains(&excel.merkle_root),
            "{encoding:?}: a download puts both current hashes on the page, the root unchanged"
        );
        assert!(
            !after.contains(&earlier.manifest_sha256) && !after.contains(&earlier_utf8),
            "{encoding:?}: and neither earlier one stays"
        );
    }
}

#[test]
fn minyi_export_writes_the_zip_and_refuses_an_open_survey() {
    let db = TestDatabase::new(Backend::Sqlite);
    let minyi = |args: &[&str]| run_minyi(&db, args);
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    assert!(
        minyi(&["survey", "import", "surveys/jiaxing-food-safety-2016.toml"])
            .status
            .success()
    );
    assert!(minyi(&["simulate", EXAMPLE_ID, "--responses", "700"])
        .status
        .success());

    let open = minyi(&["export", EXAMPLE_ID, "--out", dir]);
    assert!(!open.status.success());
    assert!(String::from_utf8_lossy(&open.stderr).contains("close it first"));

    assert!(minyi(&["survey", "close", EXAMPLE_ID]).status.success());
    let done = minyi(&["export", EXAMPLE_ID, "--out", dir, "--encoding", "utf8"]);
    let stdout = String::from_utf8_lossy(&done.stdout);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(
        stdout.contains("manifest sha256") && stdout.contains("merkle root"),
        "{stdout}"
    );
    let zips: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .collect();
    assert_eq!(zips.len(), 1, "one zip, no partial file left behind");

    let file = zips[0].path();
    let onto_a_file = minyi(&["export", EXAMPLE_ID, "--out", file.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&onto_a_file.stderr);
    assert!(!onto_a_file.status.success());
    assert!(
        said.contains(&format!(
            "--out {} is a file: give a folder",
            file.display()
        )),
        "names the path and what to give instead: {said}"
    );
}

on_both_backends! {
    async fn a_grant_opens_one_surveys_result_set_and_no_other_and_ends_when_revoked(backend: Backend) {
        let other = "jiaxing-food-safety-2017";
        let surveys = example_survey_dir(|file| file.replace(&format!("id = \"{EXAMPLE_ID}\""), &format!("id = \"{other}\"")));
        std::fs::copy(repo_path("surveys/jiaxing-food-safety-2016.toml"), surveys.path().join("example.toml")).expect("copy");
        let app = spawn_app_with_surveys(backend, surveys.path()).await;
        let catalog = app.catalog();
        for id in [EXAMPLE_ID, other] {
            minyi::analysis::add_simulated(&catalog, id, 700, 5).expect("simulate");
            catalog.transition(id, Transition::Close).expect("close");
        }
        let password = add_account(&app, "li.wei@example.org", Role::Evaluator);
        let email = Email::parse("li.wei@example.org").unwrap();
        accounts(&app).grant(&email, EXAMPLE_ID, "test").unwrap();
        let cookie = sign_in(&app, "li.wei@example.org", &password).await;

        for route in ["download", "comments.csv"] {
            let granted = request(&app, "get", &format!("/resultsets/{EXAMPLE_ID}/{route}"), Some(&cookie), &[]).await;
            let not_granted = request(&app, "get", &format!("/resultsets/{other}/{route}"), Some(&cookie), &[]).await;
            assert_eq!(granted.status, 200, "{route} of the survey granted");
            assert_eq!(not_granted.status, 403, "{route} of another survey: {}", not_granted.body);
            assert!(not_granted.bytes.len() < 20_000 && !not_granted.body.contains("PK\u{3}\u{4}"), "nothing of it sent");
        }
        accounts(&app).revoke(&email, EXAMPLE_ID, "test").unwrap();
        let revoked = request(&app, "get", &format!("/resultsets/{EXAMPLE_ID}/download"), Some(&cookie), &[]).await;
        assert_eq!(revoked.status, 403, "the same session, the grant revoked: refused at once");
        let refused: Vec<(String, Option<String>)> = minyi::audit::recent(catalog.database(), 50).unwrap().into_iter()
            .filter(|e| e.action == "download_refused").map(|e| (e.actor, e.survey_id)).collect();
        assert!(refused.contains(&("li.wei@example.org".to_owned(), Some(other.to_owned()))), "the refusal is audited: {refused:?}");
    }
}
