//! Published results for the public: rendered from the snapshot taken at publication, with
//! intervals, statuses, a chart, the method, and small cells suppressed.

use crate::helpers::*;
use minyi::lifecycle::Transition;

/// Simulated fieldwork, then close and publish, as a publisher would.
fn run_fieldwork_and_publish(app: &TestApp, responses: usize) {
    let catalog = app.catalog();
    minyi::analysis::add_simulated(&catalog, EXAMPLE_ID, responses, 3).expect("simulate");
    catalog
        .transition(EXAMPLE_ID, Transition::Close)
        .expect("close");
    minyi::publishing::publish(&catalog, EXAMPLE_ID).expect("publish");
}

on_both_backends! {
    async fn results_are_404_until_published_then_show_figures_intervals_and_method(backend: Backend) {
        let app = spawn_app(backend).await;
        let path = format!("/results/{EXAMPLE_ID}");
        let before = app.get(&path).await;
        assert_eq!(before.status, 404, "nothing public before publication");
        assert!(before.body.contains("结果尚未发布"), "says the results are not out yet, not that the survey is missing: {}", before.body);
        assert!(before.body.contains("href=\"/\""), "and leads home, where published results are listed");
        let api_before = app.client.get(app.url(&format!("/api/results/{EXAMPLE_ID}"))).send().await.expect("GET");
        assert_eq!(api_before.status(), 404);
        assert_eq!(header_of(&api_before, "access-control-allow-origin").as_deref(), Some("*"), "another site's dashboard may read the answer");

        // The day the simulated answers are stamped with, read before they are.
        let today = example_survey().local_date(chrono::Utc::now());
        run_fieldwork_and_publish(&app, 1400);
        let page = app.get(&path).await;

        assert_eq!(page.status, 200, "{}", page.body);
        let survey = example_survey();
        for text in [
            "全市总体情况",
            "“社会认可、群众满意”考核得分",
            "项指标按考核评分规则所得分数之和（满分 100\u{a0}分），不是满意度或满意率",
            "不宜据此排名",
            "尚难判定：标准落在区间之内",
            "调查组织方及联系方式：",
            "（目标 200）",
            "计算方法与标准来源：满意率",
            "（非常满意 + 比较满意）/ 作出评价者；70%门槛",
            "95% 置信区间",
            "南湖区",
            "桐乡市",
            "调查方法",
            "2016-10-10",
            "注意：以下结果包含模拟数据",
        ] {
            assert!(page.body.contains(text), "the page shows {text}");
        }
        assert!(page.body.contains(&survey.indicators[0].label.zh), "indicator labels");
        assert!(!page.body.contains("与人口结构仍有最多"), "weights that match the census carry no warning");
        assert!(page.body.contains("所用答卷的来源：模拟 ") && !page.body.contains("自愿参与"), "simulated only: no open link to caution about");
        assert!(page.body.contains("按置信区间可能在"), "a county total with calls too close says what its intervals allow");
        assert!(page.body.contains("未达计划样本量"), "a county short of its target says so beside its total");
        assert!(page.body.contains("使样本结构接近全市人口") && page.body.contains("<summary>详细方法"), "the method in plain words first, the details folded");
        let rule_exclusions: Vec<usize> = page.body.match_indices("按事先公布的规则剔除").map(|(at, _)| at).collect();
        let suppressed_at = page.body.find("为保护受访者隐私（k-匿名）").expect("k-anonymity suppressed some rows");
        assert!(rule_exclusions.len() >= 2 && rule_exclusions.iter().all(|at| *at < suppressed_at), "the quality rules' exclusions together, then what privacy left out: {rule_exclusions:?}, {suppressed_at}");
        let sensitivity = page.body.split("剔除规则对结果的影响").nth(1).expect("what the exclusion rules change").split("</p>").next().unwrap().to_owned();
        assert_eq!(sensitivity.matches("（剔除时 ").count(), survey.indicators.len(), "every city figure both ways: {sensitivity}");
        let published = minyi::publishing::published(&app.catalog(), EXAMPLE_ID).unwrap().expect("published");
        let compared = published.evaluation.sensitivity.as_ref().expect("the rules exclude some");
        for (figure, shown) in compared.city.iter().zip(&published.evaluation.domains[0].indicators) {
            assert_eq!((&figure.id, figure.with_rules), (&shown.id, shown.estimate), "with the rules is the page's own figure, from the same released rows");
        }
        let county_table = &page.body[page.body.find("<h2>各县（市、区）").expect("the counties")..];
        let county_table = &county_table[..county_table.find("</table>").unwrap()];
        assert!(county_table.contains(&format!("<th scope=\"col\">{}</th>", survey.indicators[0].label.zh)), "the headline indicator beside each county's total: {county_table}");
        let nanhu = &county_table[county_table.find("<th scope=\"row\">南湖区<br><span class=\"note\">").expect("Nanhu, its responses under its name")..];
        let nanhu = &nanhu[..nanhu.find("</tr>").unwrap()];
        assert!(nanhu.contains("\u{a0}分<br><span class=\"st "), "its satisfaction score and status: {nanhu}");
        assert!(nanhu.contains("\u{a0}/ 100<br>"), "the total broken, if at all, after its slash: {nanhu}");
        assert!(!page.body.contains("· 问卷版本") && page.body.contains("问卷版本："), "the version is in the method, not under the heading");
        assert!(page.body.contains("<details class=\"box\" id=\"result-set\"><summary>数据核验（供评估人员使用的技术信息）</summary>"), "the fingerprints folded, for evaluators");
        assert!(
            page.body.contains(&format!("调查时间：计划 2016-10-10 至 2016-11-30，实际收到答卷 {today} 至 {today}。注意：所有答卷都是在计划的调查时间之外收到的。")),
            "the days the answers came in beside the plan, and that they fall outside it"
        );
        let home = app.get("/").await;
        assert!(home.body.contains("调查时间：2016-10-10 至 2016-11-30"), "the home page dates each published survey: {}", home.body);
        let details = page.body.find("<summary>南湖区：各项指标与得分明细</summary>").expect("a county's own breakdown");
        let breakdown = &page.body[details..details + page.body[details..].find("</details>").unwrap()];
        assert_eq!(breakdown.matches("<tr><th scope=\"row\">").count(), survey.indicators.len(), "every indicator of the county");
        assert!(breakdown.contains("得分 "), "with its points");
        assert!(!page.body.contains("可能因此有偏"), "no bias warning where the weights match the census");
        assert_eq!(page.body.matches("<svg").count(), survey.indicators.len(), "one chart per indicator");
        assert!(page.body.contains("stroke-dasharray"), "the threshold line");
        assert!(!page.body.contains("<script"), "no JavaScript");
        let broken: Vec<String> = page.body.match_indices(" 分").map(|(i, _)| page.body[..i].chars().rev().take(20).collect::<String>()).collect();
        assert!(page.body.contains("\u{a0}分\u{a0}– ") && broken.is_empty(), "a score keeps its unit on its line, an interval breaks only after the dash: {broken:?}");
        let english = app.get(&format!("{path}?lang=en")).await;
        assert!(english.body.contains("The city as a whole"));
        assert!(english.body.contains("not a satisfaction level or rate") && english.body.contains("Do not rank counties"));
        assert!(page.body.contains("得分 0.0\u{a0}/\u{a0}30") && !page.body.contains("<br><span class=\"note\">0.0 / "), "points say they are points, the figures on one line");
        assert!(english.body.contains("\u{a0}points\u{a0}– ") && english.body.contains(" of 100\u{a0}points"), "nor in English");
        let source = &survey.strata.source;
        let sentence = |text: &str| text.trim_end_matches(['。', '.']).to_owned();
        assert!(page.body.contains(&sentence(&source.zh)) && !page.body.contains(&sentence(&source.en)), "the population source in Chinese only");
        let response = app.client.get(app.url(&path)).send().await.expect("GET");
        assert_eq!(header_of(&response, "vary").as_deref(), Some("Cookie, Accept-Language"), "shared caches keep large and normal text, and the languages, apart");
        let large = app.get(&format!("{path}?text=large")).await;
        assert!(large.body.contains("font-size=\"27\"") && page.body.contains("font-size=\"18\""), "the charts' words grow with large text");
        let english_source = sentence(&source.en).replace('\'', "&#x27;"); // as the page escapes it
        assert!(english.body.contains(&english_source) && !english.body.contains(&source.zh), "and in English only");
    }

    async fn the_figures_download_is_excel_ready_and_the_api_matches_the_page(backend: Backend) {
        let app = spawn_app(backend).await;
        let today = example_survey().local_date(chrono::Utc::now()).to_string();
        run_fieldwork_and_publish(&app, 1400);

        let csv = app.get(&format!("/results/{EXAMPLE_ID}/figures.csv")).await;
        let api = app.get(&format!("/api/results/{EXAMPLE_ID}")).await;

        assert_eq!(csv.status, 200);
        assert!(csv.body.starts_with('\u{feff}'), "a byte-order mark for Excel and WPS");
        let rows: Vec<&str> = csv.body.trim_start_matches('\u{feff}').lines().collect();
        assert!(rows[0].starts_with("domain,domain_zh,domain_en,indicator"), "{}", rows[0]);
        assert_eq!(rows.len(), 1 + 8 * example_survey().indicators.len());
        assert_eq!(api.status, 200);
        let json: serde_json::Value = serde_json::from_str(&api.body).expect("JSON");
        assert_eq!(json["includes_simulated"], true);
        assert_eq!(json["fieldwork"]["planned"]["start"], "2016-10-10");
        assert_eq!(json["fieldwork"]["submitted"]["first"], today.as_str(), "the days the answers came in");
        assert_eq!(json["fieldwork"]["submitted"]["last"], today.as_str());
        assert_eq!(json["domains"][0]["code"], "city");
        let city_estimate = json["domains"][0]["indicators"][0]["estimate"].as_f64().expect("a number");
        let csv_city: Vec<&str> = rows[1].split(',').collect();
        assert_eq!(csv_city[7].parse::<f64>().unwrap(), city_estimate, "CSV and API agree");
        let response = app.client.get(app.url(&format!("/api/results/{EXAMPLE_ID}"))).send().await.expect("GET");
        assert_eq!(header_of(&response, "access-control-allow-origin").as_deref(), Some("*"), "public figures, readable from any site's page");
        assert_eq!(header_of(&response, "access-control-allow-credentials"), None, "never with the reader's cookies");
    }

    async fn a_changed_file_is_refused_after_publication_and_the_page_stays_as_published(backend: Backend) {
        let app = spawn_app(backend).await;
        run_fieldwork_and_publish(&app, 1400);
        let before = app.get(&format!("/api/results/{EXAMPLE_ID}")).await;

        let dir = tempfile::tempdir().unwrap();
        let changed = std::fs::read_to_string(repo_path("surveys/jiaxing-food-safety-2016.toml"))
            .unwrap()
            .replace("threshold = 80", "threshold = 10");
        std::fs::write(dir.path().join("changed.toml"), changed).unwrap();
        let refused = app.catalog().import_file(&dir.path().join("changed.toml"));
        let after = app.get(&format!("/api/results/{EXAMPLE_ID}")).await;

        assert!(refused.is_err(), "a published survey's file is final");
        assert_eq!(before.body, after.body, "published figures do not move when the file changes");
    }
}

on_both_backends! {
    async fn the_method_says_how_the_answers_came_in_and_that_an_open_link_is_self_selected(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = example_survey();
        for county in ["nanhu", "pinghu"] {
            // Ten minutes spent on the form: not flagged as too fast.
            let token = signed_token(&app, EXAMPLE_ID, 600);
            let sent = app.post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(valid_fields(&survey, county), &token)).await;
            assert_eq!(sent.status, 303, "{}", sent.body);
        }
        run_fieldwork_and_publish(&app, 1400);

        let page = app.get(&format!("/results/{EXAMPLE_ID}")).await;
        let english = app.get(&format!("/results/{EXAMPLE_ID}?lang=en")).await;
        let api: serde_json::Value = serde_json::from_str(&app.get(&format!("/api/results/{EXAMPLE_ID}")).await.body).unwrap();

        let by_channel = &api["responses"]["used_by_channel"];
        assert_eq!(by_channel["open_link"], 2, "{by_channel}");
        let simulated = by_channel["simulated"].as_u64().expect("simulated counted");
        assert_eq!(api["responses"]["used"].as_u64(), Some(simulated + 2), "every used response has its channel");
        assert!(page.body.contains(&format!("所用答卷的来源：公开链接 2 份、模拟 {simulated} 份。")), "{}", page.body);
        assert!(page.body.contains("自愿参与，并非随机抽取"), "the open link's caveat");
        assert!(page.body.contains("没有一个县（市、区）里每种作答方式都有至少 30 份有效答卷（或没有答卷），不按作答方式比较。") && !page.body.contains("相比："), "two answers are not compared with the rest");
        let compared = api["channels"].as_array().expect("channels");
        assert!(compared.iter().flat_map(|c| c["indicators"].as_array().unwrap()).all(|f| f["suppressed"] == true && f["verdict"] == "too_few" && f["difference"].is_null() && f["difference_low"].is_null() && f["counties"].is_null()), "nor in the API: {compared:?}");
        assert!(english.body.contains(&format!("public link 2; simulated {simulated}")) && english.body.contains("chose to take part"));
    }
}

#[actix_web::test]
async fn a_results_page_that_sets_a_cookie_is_not_kept_by_shared_caches() {
    let app = spawn_app(Backend::Sqlite).await;
    run_fieldwork_and_publish(&app, 1400);
    let path = format!("/results/{EXAMPLE_ID}");
    let cache_control = |path: String| {
        let app = &app;
        async move {
            let response = app.client.get(app.url(&path)).send().await.expect("GET");
            (
                header_of(&response, "cache-control").unwrap_or_default(),
                header_of(&response, "set-cookie"),
            )
        }
    };
    let (plain, no_cookie) = cache_control(path.clone()).await;
    assert_eq!((plain.as_str(), no_cookie), ("public, max-age=300", None));
    // Choosing English or large text sets a cookie: a shared cache would hand it to all.
    for query in ["?lang=en", "?text=large"] {
        let (chosen, cookie) = cache_control(format!("{path}{query}")).await;
        assert!(cookie.is_some(), "{query} is remembered");
        assert_eq!(chosen, "private, max-age=300", "{query}");
    }
}

#[actix_web::test]
async fn weights_trimmed_short_of_the_census_are_said_to_miss_it() {
    // Adjustments held within 0.8 to 1.2: the simulated sample's age and sex mix cannot be
    // weighted to the census, and the page must not claim it was.
    let dir = tempfile::tempdir().unwrap();
    let source = std::fs::read_to_string(repo_path("surveys/jiaxing-food-safety-2016.toml"))
        .unwrap()
        .replace("trim_min_factor = 0.3", "trim_min_factor = 0.8")
        .replace("trim_max_factor = 3.0", "trim_max_factor = 1.2");
    std::fs::write(dir.path().join("survey.toml"), source).unwrap();
    let app = spawn_app_with_surveys(Backend::Sqlite, dir.path()).await;
    run_fieldwork_and_publish(&app, 1400);

    let page = app.get(&format!("/results/{EXAMPLE_ID}")).await;
    let english = app.get(&format!("/results/{EXAMPLE_ID}?lang=en")).await;

    let gap: f64 = page
        .body
        .split_once("与人口结构仍有最多 ")
        .and_then(|(_, rest)| rest.split_once("% 的差距"))
        .and_then(|(number, _)| number.parse().ok())
        .unwrap_or_else(|| panic!("the page gives the gap to the census: {}", page.body));
    assert!(gap > 1.0, "more than the 1% that counts as a match: {gap}");
    assert!(
        page.body.contains("调整系数限制在 0.8 至 1.2 倍之间"),
        "and why"
    );
    assert!(page.body.contains("结果可能因此有偏"), "and what it means");
    assert!(
        page.body.contains("尽量接近人口结构") && !page.body.contains("分布与人口结构一致"),
        "and never that the weights match it"
    );
    let warning = page
        .body
        .find("全市和各县的结果可能因此有偏")
        .expect("a warning above the figures");
    assert!(
        warning < page.body.find("<table").unwrap(),
        "before the first table of figures"
    );
    assert!(
        english.body.contains("away from the population") && english.body.contains("may be biased")
    );
}

#[actix_web::test]
async fn small_counties_are_suppressed_on_every_public_surface() {
    // 700 responses: at a minimum of 120 several counties are small; at 40 often just one.
    // At 45 one county has enough respondents (46) but a figure on fewer answers (44).
    let (mut lone_small_rows, mut own_small_totals) = (0, 0);
    for min in [120, 45, 40] {
        let (lone, own) = check_suppression(min).await;
        (lone_small_rows, own_small_totals) = (lone_small_rows + lone, own_small_totals + own);
    }
    assert!(
        lone_small_rows > 0,
        "the case of one small county was exercised"
    );
    assert!(
        own_small_totals > 0,
        "the case of a county with enough respondents and a figure on too few was exercised"
    );
}

/// The example survey, its `min_public_cell` set to `min`, published from `responses`
/// simulated responses (SQLite), and the folder its file is read from.
async fn published_under_minimum(min: u64, responses: usize) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let source = std::fs::read_to_string(repo_path("surveys/jiaxing-food-safety-2016.toml"))
        .unwrap()
        .replace("min_public_cell = 30", &format!("min_public_cell = {min}"));
    std::fs::write(dir.path().join("survey.toml"), source).unwrap();
    let app = spawn_app_with_surveys(Backend::Sqlite, dir.path()).await;
    run_fieldwork_and_publish(&app, responses);
    (app, dir)
}

/// Publishes 700 simulated responses under `min_public_cell = min`, checks the page, the API
/// and the CSV withhold what they must, and returns how many indicators had one small county
/// and how many counties had enough respondents but a figure on too few answers.
async fn check_suppression(min: u64) -> (usize, usize) {
    let (app, _surveys) = published_under_minimum(min, 700).await;

    let page = app.get(&format!("/results/{EXAMPLE_ID}")).await;
    let api: serde_json::Value =
        serde_json::from_str(&app.get(&format!("/api/results/{EXAMPLE_ID}")).await.body).unwrap();
    let csv = app.get(&format!("/results/{EXAMPLE_ID}/figures.csv")).await;

    assert!(
        page.body.contains("样本不足，不公布"),
        "the page says why a figure is missing"
    );
    for note in ["样本不足，不公布", "本项一并不公布"] {
        assert!(
            page.body
                .match_indices(note)
                .all(|(at, note)| page.body[at + note.len()..].starts_with("</td>")),
            "and gives no count of its answers"
        );
    }
    let domains = api["domains"].as_array().unwrap();
    let indicators = domains[0]["indicators"].as_array().unwrap().len();
    // The counts of answers as computed (the API withholds a withheld figure's).
    let published = minyi::publishing::published(&app.catalog(), EXAMPLE_ID)
        .unwrap()
        .expect("published");
    let mut suppressed = 0;
    let mut lone_small_rows = 0;
    for k in 0..indicators {
        // The counties' figures of one indicator: (n, withheld, has a figure).
        let row: Vec<(u64, bool, bool)> = domains[1..]
            .iter()
            .zip(&published.evaluation.domains[1..])
            .map(|(d, stored)| {
                let i = &d["indicators"][k];
                let withheld = i["suppressed"] == true;
                assert_eq!(
                    i["n"].is_null(),
                    withheld,
                    "a withheld figure's count of answers is withheld with it: {i}"
                );
                (
                    stored.indicators[k].n as u64,
                    withheld,
                    i["estimate"].is_number(),
                )
            })
            .collect();
        let small = row.iter().filter(|(n, _, _)| (1..min).contains(n)).count();
        for (n, withheld, has_figure) in &row {
            assert_eq!(
                *withheld, !*has_figure,
                "a withheld figure is absent, a shown one present"
            );
            if (1..min).contains(n) {
                assert!(withheld, "below the minimum: withheld");
            }
        }
        let large_withheld = row.iter().filter(|(n, w, _)| *n >= min && *w).count();
        // One small county alone could be worked out from the city and the others: the
        // shown county with the fewest answers is withheld with it, and no other.
        let expected = if small == 1 { 1 } else { 0 };
        assert_eq!(large_withheld, expected, "indicator {k}: {row:?}");
        if small == 1 {
            lone_small_rows += 1;
            let fewest_large = row
                .iter()
                .filter(|(n, _, _)| *n >= min)
                .map(|(n, _, _)| *n)
                .min();
            assert!(
                row.iter().any(|(n, w, _)| Some(*n) == fewest_large && *w),
                "{row:?}"
            );
        }
        suppressed += small + large_withheld;
    }
    assert!(
        suppressed > 0,
        "700 responses leave some county below {min}"
    );
    // A county's withheld total says why: too few answers when one of its own figures rests
    // on too few (its respondents alone may be enough), else withheld with a smaller county.
    let (mut totals_withheld, mut own_small_totals) = (0, 0);
    for stored in &published.evaluation.domains[1..] {
        let name = &stored.name.zh;
        let start = page
            .body
            .find(&format!("<tr><th scope=\"row\">{name}<br>"))
            .expect("a totals row per county");
        let row = &page.body[start..start + page.body[start..].find("</tr>").unwrap()];
        let points_cell = row.rsplit("<td>").next().unwrap();
        let fewest = stored.indicators.iter().map(|i| i.n as u64).min().unwrap();
        own_small_totals += usize::from(stored.respondents as u64 >= min && fewest < min);
        if points_cell.starts_with("样本不足，不公布") {
            totals_withheld += 1;
            assert!(
                fewest < min,
                "{name}: total withheld for too few answers, fewest {fewest}: {row}"
            );
        } else if points_cell.starts_with("本地样本已达公布标准") {
            totals_withheld += 1;
            assert!(
                fewest >= min,
                "{name}: every figure has enough answers, fewest {fewest}: {row}"
            );
        }
    }
    assert!(totals_withheld > 0, "some county's total is withheld");
    let suppressed_rows = csv
        .body
        .lines()
        .filter(|l| l.contains(",true,"))
        .filter(|l| l.split(',').nth(7) == Some("") && l.split(',').nth(10) == Some(""))
        .count();
    assert!(
        suppressed_rows >= suppressed,
        "the CSV leaves the same cells empty, their counts of answers too"
    );
    (lone_small_rows, own_small_totals)
}

#[actix_web::test]
async fn the_home_page_offers_a_qr_code_and_published_results() {
    let app = spawn_app(Backend::Sqlite).await;
    let home = app.get("/").await;
    assert!(home.body.contains(&format!("/s/{EXAMPLE_ID}/qr.svg")));
    let qr = app.get(&format!("/s/{EXAMPLE_ID}/qr.svg")).await;
    assert_eq!(qr.status, 200);
    assert!(qr.body.contains("<svg"), "an SVG for posters");
    let english = app.get("/?lang=en").await;
    assert!(
        home.body.contains("alt=\"问卷二维码：嘉兴市食品安全"),
        "{}",
        home.body
    );
    assert!(
        english
            .body
            .contains("alt=\"QR code of the survey: Jiaxing Public"),
        "an English colon in English: {}",
        english.body
    );

    run_fieldwork_and_publish(&app, 700);
    let home = app.get("/").await;
    assert!(
        home.body
            .contains(&format!("href=\"/results/{EXAMPLE_ID}\"")),
        "{}",
        home.body
    );
}

on_both_backends! {
    async fn the_public_figures_are_the_result_sets_to_the_last_digit(backend: Backend) {
        let app = spawn_app(backend).await;
        run_fieldwork_and_publish(&app, 1430);
        let dir = tempfile::tempdir().unwrap();
        let zip = minyi::release::resultset::export(
            &app.catalog(),
            EXAMPLE_ID,
            minyi::release::Encoding::Utf8,
            dir.path(),
        )
        .expect("export")
        .0;
        let files = crate::resultset::unzip(&std::fs::read(zip).unwrap());
        let released = String::from_utf8(crate::resultset::file(&files, "estimates.csv").to_vec()).unwrap();
        let public = app.get(&format!("/results/{EXAMPLE_ID}/figures.csv")).await.body;

        let estimates = |csv: &str| -> Vec<(String, String, f64)> {
            let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
            let headers = reader.headers().unwrap().clone();
            let at = |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("a {name} column in {headers:?}"));
            let (domain, indicator, estimate) = (at("domain"), at("indicator"), at("estimate"));
            reader
                .records()
                .map(|r| r.unwrap())
                .filter(|r| !r[estimate].is_empty())
                .map(|r| (r[domain].to_owned(), r[indicator].to_owned(), r[estimate].parse().unwrap()))
                .collect()
        };
        let (released, public) = (estimates(&released), estimates(&public));

        let page = app.get(&format!("/results/{EXAMPLE_ID}")).await.body;
        assert!(page.contains("见结果集中的 methodology.md（中英文）。结果集供获授权的评估人员下载"), "the method is in the download: {page}");
        assert!(page.contains("人口数据来源：") && !page.contains("。；"), "the sources joined without doubled stops");
        let english = app.get(&format!("/results/{EXAMPLE_ID}?lang=en")).await.body;
        assert!(!english.contains(".;"), "nor in English");
        assert!(released.len() > 40, "{} estimates", released.len());
        assert_eq!(public, released, "exactly the same numbers, not one unit in the last place apart");
    }
}

on_both_backends! {
    async fn figures_published_without_a_result_set_say_they_cannot_be_recomputed(backend: Backend) {
        let app = spawn_app(backend).await;
        let catalog = app.catalog();
        // Too few responses to weight once k-anonymity has suppressed the rare combinations.
        minyi::analysis::add_simulated(&catalog, EXAMPLE_ID, 250, 3).unwrap();
        catalog.transition(EXAMPLE_ID, Transition::Close).unwrap();

        let published = minyi::publishing::publish(&catalog, EXAMPLE_ID).expect("published all the same");
        let page = app.get(&format!("/results/{EXAMPLE_ID}")).await.body;
        let english = app.get(&format!("/results/{EXAMPLE_ID}?lang=en")).await.body;

        assert!(published.result_set.is_none(), "no result set could be made from 250 responses");
        assert!(page.contains("这些结果没有可供下载复算的数据包") && !page.contains("清单文件 SHA-256"), "{page}");
        assert!(english.contains("evaluators cannot recompute them from released data"), "{english}");
        assert!(!page.contains("结果集中的 methodology.md"), "it does not point to a result set it lacks");
    }
}

on_both_backends! {
    async fn the_page_says_how_the_city_answered_each_question_as_the_result_set_counts_it(backend: Backend) {
        let app = spawn_app(backend).await;
        run_fieldwork_and_publish(&app, 1430);
        let dir = tempfile::tempdir().unwrap();
        let zip = minyi::release::resultset::export(&app.catalog(), EXAMPLE_ID, minyi::release::Encoding::Utf8, dir.path())
            .expect("export")
            .0;
        let files = crate::resultset::unzip(&std::fs::read(zip).unwrap());
        let released = String::from_utf8(crate::resultset::file(&files, "responses.csv").to_vec()).unwrap();
        let api: serde_json::Value = serde_json::from_str(&app.get(&format!("/api/results/{EXAMPLE_ID}")).await.body).unwrap();
        let page = app.get(&format!("/results/{EXAMPLE_ID}")).await.body;
        let english = app.get(&format!("/results/{EXAMPLE_ID}?lang=en")).await.body;

        // What an evaluator computes from the released rows: each used row's weight, summed
        // over the rows that gave the answer, over the rows that answered.
        let mut reader = csv::Reader::from_reader(released.as_bytes());
        let headers = reader.headers().unwrap().clone();
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        let at = |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} in {headers:?}"));
        let weighted_share = |column: &str, gave: &dyn Fn(&str) -> bool| {
            let (column, weight) = (at(column), at("weight"));
            let (mut all, mut chosen) = (0.0, 0.0);
            for row in rows.iter().filter(|r| !r[weight].is_empty() && !r[column].is_empty()) {
                let w: f64 = row[weight].parse().unwrap();
                all += w;
                if gave(&row[column]) {
                    chosen += w;
                }
            }
            chosen / all
        };
        let answers = api["answers"].as_array().expect("the shares of the answers");
        let of = |question: &str, item: Option<&str>| {
            answers
                .iter()
                .find(|a| a["question"] == question && a["item"]["code"].as_str() == item)
                .unwrap_or_else(|| panic!("{question} {item:?} in {answers:?}"))
        };
        let mut compared = 0;
        for (question, item, column) in [
            ("overall_satisfaction", None, "overall_satisfaction".to_owned()),
            ("campaign_aware", None, "campaign_aware".to_owned()),
            ("places", Some("street_stall"), "places.street_stall".to_owned()),
        ] {
            for share in of(question, item)["shares"].as_array().unwrap() {
                let code = share["code"].as_str().unwrap();
                let expected = weighted_share(&column, &|given| given == code);
                assert!((share["share"].as_f64().unwrap() - expected).abs() < 1e-9, "{question} {item:?} {code}: {share} against {expected}");
                assert!(share["ci_low"].as_f64().unwrap() <= expected && expected <= share["ci_high"].as_f64().unwrap(), "{share}");
                compared += 1;
            }
        }
        // Several answers: each option's 0/1 column among the rows that answered.
        let heard = of("campaign_heard_from", None);
        assert_eq!(heard["several"], true);
        for share in heard["shares"].as_array().unwrap() {
            let column = format!("campaign_heard_from.{}", share["code"].as_str().unwrap());
            let expected = weighted_share(&column, &|ticked| ticked == "1");
            assert!((share["share"].as_f64().unwrap() - expected).abs() < 1e-9, "{column}: {share} against {expected}");
            compared += 1;
        }
        assert!(compared > 15, "{compared} shares compared");
        for left_out in ["county", "sex", "age_band", "campaign_heard_from_other"] {
            assert!(answers.iter().all(|a| a["question"] != left_out), "{left_out} is not listed");
        }

        let section = &page[page.find("<h2>各题回答情况（全市）</h2>").expect("the section")..];
        let section = &section[..section.find("<h2>调查方法</h2>").expect("before the method")];
        let survey = example_survey();
        let question = |id: &str| survey.questions.iter().find(|q| q.id == id).unwrap();
        assert!(section.contains(&format!("<summary>{}</summary>", question("overall_satisfaction").text.zh)), "{section}");
        assert!(section.contains("<caption>小餐饮店和流动摊贩</caption>"), "a matrix's items under its question");
        let very = of("overall_satisfaction", None)["shares"][0]["share"].as_f64().unwrap();
        assert!(section.contains(&format!("<tr><th scope=\"row\">非常满意</th><td>{:.1}%<br>", very * 100.0)), "{section}");
        assert!(section.contains("可多选，各项比例之和可超过 100%"));
        assert!(!section.contains("您的性别"), "no weighting question");
        assert!(english.contains("How the city answered each question") && english.contains("<th scope=\"row\">Very satisfied</th>"));

        // The same shares for Excel and WPS, a row per answer.
        assert!(section.contains(&format!("<a href=\"/results/{EXAMPLE_ID}/answers.csv\">下载各题回答比例（CSV）</a>")));
        let response = app.client.get(app.url(&format!("/results/{EXAMPLE_ID}/answers.csv"))).send().await.expect("GET");
        assert!(header_of(&response, "content-disposition").unwrap().starts_with(&format!("attachment; filename=\"answers-{EXAMPLE_ID}-")));
        let csv = app.get(&format!("/results/{EXAMPLE_ID}/answers.csv")).await;
        assert_eq!(csv.status, 200);
        let csv = csv.body;
        assert!(csv.starts_with('\u{feff}'), "a byte-order mark for Excel and WPS");
        let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
        let header = reader.headers().unwrap().clone();
        assert_eq!(header.iter().take(3).collect::<Vec<_>>(), ["question", "question_zh", "question_en"]);
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        let shares: usize = answers.iter().map(|a| a["shares"].as_array().unwrap().len()).sum();
        assert_eq!(rows.len(), shares, "a row per answer of every question");
        let column = |name: &str| header.iter().position(|h| h == name).unwrap();
        let stall = rows.iter().find(|r| r[column("item")] == *"street_stall" && r[column("answer")] == *"1").expect("a matrix item's answer");
        assert_eq!(&stall[column("item_zh")], "小餐饮店和流动摊贩");
        let published = of("places", Some("street_stall"))["shares"].as_array().unwrap().iter().find(|s| s["code"] == "1").unwrap()["share"].as_f64().unwrap();
        assert_eq!(stall[column("share")].parse::<f64>().unwrap(), published, "the API's figure, every digit");
    }
}

/// The example survey published from 1,430 simulated responses under `min_public_cell = min`:
/// the results API, page and `answers.csv`.
async fn published_with_minimum(min: u64) -> (serde_json::Value, String, String) {
    let (app, _surveys) = published_under_minimum(min, 1430).await;
    let api =
        serde_json::from_str(&app.get(&format!("/api/results/{EXAMPLE_ID}")).await.body).unwrap();
    let page = app.get(&format!("/results/{EXAMPLE_ID}")).await.body;
    (
        api,
        page,
        app.get(&format!("/results/{EXAMPLE_ID}/answers.csv"))
            .await
            .body,
    )
}

#[actix_web::test]
async fn a_question_is_withheld_whole_when_few_answered_it_or_its_shares_would_give_away_a_withheld_figure(
) {
    // How many answered the overall question, and how many of them rated (the satisfaction
    // rate's valid answers: "don't know" leaves its denominator).
    let (api, _, _) = published_with_minimum(30).await;
    let answer = |api: &serde_json::Value, question: &str| {
        api["answers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["question"] == question)
            .cloned()
            .unwrap()
    };
    let answered = answer(&api, "overall_satisfaction")["answered"]
        .as_u64()
        .unwrap();
    let city = api["domains"][0]["indicators"].as_array().unwrap().clone();
    let rated = city
        .iter()
        .find(|i| i["id"] == "satisfaction_rate")
        .unwrap()["n"]
        .as_u64()
        .unwrap();
    assert!(
        rated < answered,
        "some said they do not know: {rated} rated of {answered}"
    );

    // A minimum the question's answers reach and the rate's do not: the rate is withheld, and
    // (s5 + s4) / (1 − s_dk) of the shares would give it back, so they are withheld with it.
    let min = rated + 1;
    let (api, page, csv) = published_with_minimum(min).await;
    let city = api["domains"][0]["indicators"].as_array().unwrap().clone();
    assert_eq!(
        city.iter()
            .find(|i| i["id"] == "satisfaction_rate")
            .unwrap()["suppressed"],
        true
    );
    let overall = answer(&api, "overall_satisfaction");
    assert_eq!(overall["suppressed"], true, "{overall}");
    assert!(
        overall["answered"].is_null(),
        "no count of a withheld question: {overall}"
    );
    let aware = answer(&api, "campaign_aware");
    assert_eq!(
        aware["suppressed"], false,
        "its own figure is shown, and so are its shares: {aware}"
    );
    assert!(aware["answered"].as_u64().unwrap() >= min);
    let heard = answer(&api, "campaign_heard_from");
    assert_eq!(
        heard["suppressed"], true,
        "asked only of those who knew of the campaign: {heard}"
    );
    for a in api["answers"].as_array().unwrap() {
        let withheld = a["suppressed"] == true;
        assert_eq!(a["answered"].is_null(), withheld, "{a}");
        for share in a["shares"].as_array().unwrap() {
            assert_eq!(
                share["share"].is_null(),
                withheld,
                "a withheld question has no figure, a shown one has: {a}"
            );
            assert_eq!(share["ci_low"].is_null(), withheld, "{a}");
        }
    }
    // The download withholds as the API does: no figure and no count.
    let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let (mut blank, mut filled) = (0, 0);
    for row in &rows {
        let a = answer(&api, &row[column("question")]);
        let withheld = a["suppressed"] == true;
        assert_eq!(
            &row[column("suppressed")],
            if withheld { "true" } else { "false" },
            "{row:?}"
        );
        for figure in ["share", "ci_low", "ci_high", "answered", "reliable"] {
            assert_eq!(
                row[column(figure)].is_empty(),
                withheld,
                "{figure} of {row:?}"
            );
        }
        if withheld {
            blank += 1
        } else {
            filled += 1
        }
    }
    assert!(
        blank > 0 && filled > 0,
        "{blank} withheld rows, {filled} shown"
    );

    let section = &page[page
        .find("<h2>各题回答情况（全市）</h2>")
        .expect("the section")..];
    let part = |summary: &str| {
        let at = section
            .find(&format!("<summary>{summary}"))
            .unwrap_or_else(|| panic!("{summary} is still listed"));
        section[at..at + section[at..].find("</details>").unwrap()].to_owned()
    };
    let overall = part("总的来说");
    assert!(
        overall.contains("这道题的比例能推算出那项结果，因此一并不公布")
            && !overall.contains("<th scope=\"row\">"),
        "{overall}"
    );
    let heard = part("您是通过哪些途径");
    assert!(
        heard.contains(&format!("回答这道题的不到 {min} 人，比例不公布。")),
        "{heard}"
    );
    assert!(
        !heard.contains("<th scope=\"row\">") && !heard.contains("可多选"),
        "no shares and no note on them: {heard}"
    );
    assert!(
        part("您是否知道").contains("<th scope=\"row\">是</th>"),
        "a question whose figures are shown"
    );
}

#[actix_web::test]
async fn a_method_weighted_to_one_question_speaks_of_it_as_one() {
    let example =
        std::fs::read_to_string(repo_path("surveys/jiaxing-food-safety-2016.toml")).unwrap();
    let margin = &example[example
        .find("[[margins]]\nquestion = \"age_band\"")
        .expect("the age margin")..];
    let margin = &margin[..margin.find("\n\n").unwrap()];
    let source = example.replace(margin, "").replace(
        "id = \"age_band\"\nkind = \"single\"\nzh = \"您的年龄\"\nen = \"Your age\"\nrole = \"weighting\"\n",
        "id = \"age_band\"\nkind = \"single\"\nzh = \"您的年龄\"\nen = \"Your age\"\n",
    );
    assert!(
        !source.contains("question = \"age_band\""),
        "weighted to sex alone"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("survey.toml"), source).unwrap();
    let app = spawn_app_with_surveys(Backend::Sqlite, dir.path()).await;
    run_fieldwork_and_publish(&app, 1430);
    let page = app.get(&format!("/results/{EXAMPLE_ID}")).await.body;
    assert!(
        page.contains("以及“您的性别”这道题的人口比例加权"),
        "{page}"
    );
    assert!(
        page.contains("使样本在“您的性别”这道题上的分布"),
        "and in the details"
    );
    assert!(!page.contains("这几道题"), "not as several");

    let two = spawn_app(Backend::Sqlite).await;
    run_fieldwork_and_publish(&two, 1430);
    let page = two.get(&format!("/results/{EXAMPLE_ID}")).await.body;
    assert!(
        page.contains("以及“您的性别”、“您的年龄”这几道题的人口比例加权"),
        "two questions are several"
    );
    let english = two
        .get(&format!("/results/{EXAMPLE_ID}?lang=en"))
        .await
        .body;
    assert!(
        english.contains("the answers to “Your sex” and “Your age”, so that"),
        "{english}"
    );
}

/// 2,100 residents' answers stored as they came in: every other satisfied resident by the
/// public link, one in four of the rest too, the others by invitation.
fn store_by_channel(app: &TestApp) {
    use minyi::storage::{insert_responses, slot_of, NewResponse};
    let catalog = app.catalog();
    let survey = catalog.require(EXAMPLE_ID).unwrap();
    let definition = &survey.definition;
    let rate = definition
        .indicators
        .iter()
        .find(|i| i.id == "satisfaction_rate")
        .expect("a satisfaction rate");
    let rows: Vec<NewResponse> = minyi::simulate::simulate(definition, 2100, 9)
        .enumerate()
        .map(|(i, form)| {
            let answers = definition
                .validate(&minyi::survey::FormInput::from_pairs(form.fields))
                .expect("valid");
            let satisfied = rate.value(&answers) == Some(1.0);
            let channel = if (satisfied && i % 2 == 0) || i % 4 == 1 {
                "open_link"
            } else {
                "invitation"
            };
            let id = format!("resident {i}");
            NewResponse {
                slot: slot_of(survey.record.number, &id),
                id,
                survey_id: EXAMPLE_ID.to_owned(),
                version: survey.record.current_version.clone(),
                stratum: definition
                    .stratum_of(&answers)
                    .expect("a county")
                    .to_owned(),
                channel: channel.to_owned(),
                answers: minyi::survey::stored_answers::encode(definition, &answers),
                quality_flags: String::new(),
                submitted_on: "2016-10-12".to_owned(),
                client_hash: None,
            }
        })
        .collect();
    insert_responses(&mut catalog.database().conn().unwrap(), &rows).expect("stored");
    catalog
        .transition(EXAMPLE_ID, Transition::Close)
        .expect("close");
    minyi::publishing::publish(&catalog, EXAMPLE_ID).expect("publish");
}

/// How many counties the published comparison of the first channel compared on an indicator.
fn published_counties(app: &TestApp, indicator: &str) -> usize {
    let published = minyi::publishing::published(&app.catalog(), EXAMPLE_ID)
        .unwrap()
        .expect("published");
    let channels = published.evaluation.channels.expect("compared");
    channels[0]
        .indicators
        .iter()
        .find(|f| f.id == indicator)
        .expect("the indicator")
        .counties
}

on_both_backends! {
    async fn the_method_compares_the_channels_and_a_channel_bringing_the_satisfied_stands_out(backend: Backend) {
        let app = spawn_app(backend).await;
        store_by_channel(&app);
        let survey = example_survey();

        let page = app.get(&format!("/results/{EXAMPLE_ID}")).await;
        let english = app.get(&format!("/results/{EXAMPLE_ID}?lang=en")).await;
        let api: serde_json::Value = serde_json::from_str(&app.get(&format!("/api/results/{EXAMPLE_ID}")).await.body).unwrap();

        let compared = published_counties(&app, "satisfaction_rate");
        assert!(compared >= 5, "the counties where both ways brought 30 valid answers: {compared}");
        let note = if compared < 7 { format!("（只比较了其中 {compared} 个县（市、区））") } else { String::new() };
        let opening = format!("在同一县（市、区）内比较{note}，通过公开链接填写的答卷与受邀填写的答卷相比：");
        let line = page.body.split(&opening).nth(1).expect("one line for the two channels, saying how many counties it compared when not all").split("</p>").next().unwrap().to_owned();
        assert_eq!(page.body.matches("相比：").count(), 1, "two channels: one line, not the same twice with the signs turned");
        assert_eq!(line.matches("（95% 置信区间 ").count(), survey.indicators.len(), "every indicator compared: {line}");
        assert!(!line.contains("只比较了"), "said once for the line, not at each figure: {line}");
        let label = |id: &str| survey.indicators.iter().find(|i| i.id == id).unwrap().label.zh.clone();
        let figure = |id: &str| line.split(&format!("{} ", label(id))).nth(1).unwrap().split("）；").next().unwrap().to_owned();
        let satisfaction = figure("satisfaction_rate");
        assert!(satisfaction.starts_with('+') && satisfaction.contains(" 个百分点（95% 置信区间 +") && satisfaction.contains("，差异明确"), "the public link brought the satisfied: {satisfaction}");
        let knowledge = figure("knowledge_score");
        assert!(knowledge.contains(" 分（95% 置信区间 \u{2212}") && knowledge.contains(" 至 +") && knowledge.contains("，未见明确差异"), "knowledge has nothing to do with it: {knowledge}");
        assert!(page.body.contains("仅凭差异不能断定有人指使作答") && page.body.contains("至少 30 份有效答卷（或没有答卷）的县（市、区）"), "what a difference can and cannot mean, and which counties are compared");
        assert!(english.body.contains("answers through the public link compared with answers by invitation: ") && english.body.contains("percentage points (95% confidence interval +") && english.body.contains("a clear difference") && english.body.contains("not proof of it"));

        // The API gives both channels with the page's figures.
        let published = minyi::publishing::published(&app.catalog(), EXAMPLE_ID).unwrap().expect("published");
        let stored = published.evaluation.channels.as_ref().expect("compared at publication");
        let channels = api["channels"].as_array().expect("channels");
        let names: Vec<&str> = channels.iter().map(|c| c["channel"].as_str().unwrap()).collect();
        assert_eq!(names, ["open_link", "invitation"]);
        let used = &api["responses"]["used_by_channel"];
        let rate_of = |c: &minyi::evaluation::ChannelComparison| c.indicators.iter().find(|f| f.id == "satisfaction_rate").unwrap().clone();
        for (c, s) in channels.iter().zip(stored) {
            assert_eq!(c["respondents"], used[&s.channel], "every used response of the channel");
            let rate = c["indicators"].as_array().unwrap().iter().find(|f| f["id"] == "satisfaction_rate").unwrap();
            let kept = rate_of(s);
            assert_eq!((rate["difference"].as_f64(), rate["verdict"].as_str(), rate["counties"].as_u64()), (Some(kept.difference), Some("clear"), Some(kept.counties as u64)));
            assert!(rate.get("n").is_none(), "no count of a channel's answers: {rate}");
        }
        let (open, invited) = (rate_of(&stored[0]), rate_of(&stored[1]));
        assert!((open.difference + invited.difference).abs() < 1e-12 && open.difference > 0.05, "{open:?} {invited:?}");
        // The result set says how the page compares them, for an evaluator to redo it.
        let out = tempfile::tempdir().unwrap();
        let zip = crate::resultset::export(&app, minyi::release::Encoding::Utf8, out.path());
        let files = crate::resultset::unzip(&std::fs::read(zip).unwrap());
        let methodology = String::from_utf8_lossy(crate::resultset::file(&files, "methodology.md")).into_owned();
        assert!(
            methodology.contains("在同一县（市、区）内比较各种作答方式") && methodology.contains("有至少 30 份答卷")
                && methodology.contains("compares the channels within counties") && methodology.contains("county:in_channel"),
            "{methodology}"
        );
        let shown: f64 = satisfaction[..satisfaction.find(" 个").unwrap()].trim_start_matches('+').parse().expect("a number");
        assert!((shown - open.difference * 100.0).abs() < 0.051, "the page shows the stored difference in percentage points: {shown}");
    }
}
