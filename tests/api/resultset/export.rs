//! What a result set holds, and that it is deterministic.

use sha2::{Digest, Sha256};

use super::*;

const FILES: [&str; 11] = [
    "responses.csv",
    "estimates.csv",
    "totals.csv",
    "evaluation.json",
    "survey.toml",
    "datapackage.json",
    "codebook.csv",
    "methodology.md",
    "minyi.sps",
    "minyi.R",
    "manifest.json",
];

on_both_backends! {
    async fn a_result_set_holds_anonymous_k_anonymous_rows_and_hashes_of_every_file(backend: Backend) {
        let app = spawn_app(backend).await;
        closed_with_responses(&app, 1400);
        let dir = tempfile::tempdir().unwrap();

        let path = export(&app, Encoding::Utf8WithBom, dir.path());

        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with(&format!("resultset-{EXAMPLE_ID}-")) && name.ends_with(".zip"), "{name}");
        let files = unzip(&std::fs::read(&path).unwrap());
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, FILES);
        let manifest = manifest(&files);
        assert_eq!(manifest.responses, 1400);
        for entry in &manifest.files {
            assert_eq!(hex::encode(Sha256::digest(file(&files, &entry.path))), entry.sha256, "{}", entry.path);
        }
        assert_eq!(
            hex::encode(Sha256::digest(file(&files, "survey.toml"))),
            manifest.survey_version,
            "the definition in the zip is the version answered"
        );
        let responses = String::from_utf8(file(&files, "responses.csv").to_vec()).unwrap();
        assert!(responses.starts_with('\u{feff}'), "Excel-ready by default");
        let lines: Vec<&str> = responses.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines.len(), 1401, "a header and one row per response");
        assert!(lines[0].starts_with("row,county,sex,age_band,overall_satisfaction,"), "{}", lines[0]);
        assert!(lines[0].ends_with(",channel,flag_too_fast,flag_straightlining,flag_duplicate_client,excluded,weight"));
        for (i, line) in lines[1..].iter().enumerate() {
            assert!(line.starts_with(&format!("{},", i + 1)), "rows are numbered 1, 2, 3 …");
        }
        assert!(!lines[0].contains("suggestion"), "no free-text column");
        assert!(!responses.contains("2016-") && !responses.contains("2026-"), "no dates");
        let stored_ids = minyi::storage::load_responses(&mut app.catalog().database().conn().unwrap(), EXAMPLE_ID).unwrap();
        assert!(stored_ids.iter().all(|r| !responses.contains(&r.id)), "no response id");
        let check = minyi::privacy::check::check_csv(
            file(&files, "responses.csv"), 5, &["county".into(), "sex".into(), "age_band".into()],
        ).unwrap();
        assert!(check.violations.is_empty(), "k-anonymous: {:?}", check.violations);
        let estimates = String::from_utf8_lossy(file(&files, "estimates.csv")).into_owned();
        assert_eq!(estimates.lines().count(), 1 + 8 * example_survey().indicators.len(), "city and 7 counties");
        assert!(estimates.lines().next().unwrap().contains("estimate,se,ci_low,ci_high,n,effective_n,deff"));
        let package: serde_json::Value = serde_json::from_slice(file(&files, "datapackage.json")).unwrap();
        let county = &package["resources"][0]["schema"]["fields"][1];
        assert_eq!(county["name"], "county");
        assert_eq!(county["valueLabels"]["nanhu"]["zh"], "南湖区");
        assert_eq!(package["resources"][0]["schema"]["missingValues"][0], "");
        let methodology = String::from_utf8_lossy(file(&files, "methodology.md")).into_owned();
        for fact in ["2016-10-10", "too_fast", "trim", "2010年第六次全国人口普查", "minyi 0.1.0", "k = 5"] {
            assert!(methodology.to_lowercase().contains(&fact.to_lowercase()), "methodology.md says {fact}");
        }
        let (chinese, english) = methodology.split_once("\n# English\n").expect("a Chinese part, then an English one");
        for fact in ["调查时间（计划）：2016-10-10 至 2016-11-30", "收回答卷：1400 份", "## 加权", "泰勒线性化",
            "阈值 80，30 分", "“不了解”和未回答的不计入分母。阈值 0.7，15 分",
            "`campaign_support` 创建工作支持率：“您是否支持本地开展食品安全市、县创建活动？”回答“支持”的比例；其他回答都计入分母",
            "阈值 0.6，5 分，按比例计分"] {
            assert!(chinese.contains(fact), "the Chinese part says {fact}: {chinese}");
        }
        for fact in ["fieldwork (as planned): 2016-10-10 to 2016-11-30", "- stored: 1400", "Taylor linearization",
            "`satisfaction_rate` Overall food-safety satisfaction rate: the share answering \"Very satisfied\" or \"Fairly satisfied\" to",
            "\"Don't know\" and unanswered left out of the denominator. Threshold 0.7, 15 points",
            "`knowledge_score` Basic food-safety knowledge score: 100 × the share of 5 questions answered correctly"] {
            assert!(english.contains(fact), "the English part says {fact}: {english}");
        }
        // Simulated today: the actual dates beside the planned ones, in the methodology only.
        let today = example_survey().local_date(chrono::Utc::now()).to_string();
        assert!(chinese.contains(&format!("答卷实际提交日期：{today} 至 {today}")), "{chinese}");
        assert!(english.contains(&format!("responses actually submitted: {today} to {today} (local dates; the data file holds no dates). **Note: responses were submitted outside the planned fieldwork.**")), "{english}");
        assert!(chinese.contains("**注意：有答卷是在计划的调查时间之外提交的。**"), "{chinese}");
        // And what Excel would do to the files.
        assert!(english.contains("In a formula Excel takes text for more than any number") && chinese.contains("Excel 只保留 15 位"), "{methodology}");
        assert!(!methodology.contains("docs/"), "self-contained: it points to no document outside the zip");
        assert!(!methodology.contains("compares the channels within counties") && !methodology.contains("比较各种作答方式"), "one way of answering: nothing compared");
        let r = String::from_utf8_lossy(file(&files, "minyi.R")).into_owned();
        assert!(r.contains("factor(responses[[\"county\"]]"));
        assert!(r.contains("minyi_estimates <- local({") && r.contains("raked_margins <- list(used[[\"county\"]], used[[\"sex\"]], used[[\"age_band\"]])"), "R recomputes the estimates, with the raked margins");
        assert!(String::from_utf8_lossy(file(&files, "minyi.sps")).contains("VALUE LABELS county"));
    }

    async fn estimates_say_whether_the_estimate_and_the_interval_clear_the_threshold_and_every_column_is_described(backend: Backend) {
        let app = spawn_app(backend).await;
        closed_with_responses(&app, 1400);
        let dir = tempfile::tempdir().unwrap();
        let files = unzip(&std::fs::read(export(&app, Encoding::Utf8, dir.path())).unwrap());
        let mut reader = csv::Reader::from_reader(file(&files, "estimates.csv"));
        let headers = reader.headers().unwrap().clone();
        let at = |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} in {headers:?}"));
        let package: serde_json::Value = serde_json::from_slice(file(&files, "datapackage.json")).unwrap();

        let mut kinds_of_close_call = std::collections::BTreeSet::new();
        for row in reader.records().map(Result::unwrap) {
            let (estimate, ci_low, threshold): (f64, f64, f64) =
                (row[at("estimate")].parse().unwrap(), row[at("ci_low")].parse().unwrap(), row[at("threshold")].parse().unwrap());
            let (meets, clears) = (&row[at("estimate_meets_threshold")], &row[at("interval_clears_threshold")]);
            assert_eq!(meets, (estimate >= threshold).to_string(), "{row:?}");
            assert_eq!(clears, (ci_low >= threshold).to_string(), "{row:?}");
            match &row[at("status")] {
                "met" => assert_eq!(clears, "true", "{row:?}"),
                "too_close_to_call" => { kinds_of_close_call.insert(meets.to_owned()); }
                _ => {}
            }
        }
        let fields = package["resources"][1]["schema"]["fields"].as_array().unwrap();
        assert_eq!(fields.len(), headers.len());
        for field in fields {
            assert!(field["description"].as_str().is_some_and(|d| d.len() > 10), "{field}");
        }
        assert!(!kinds_of_close_call.is_empty(), "a close call was exercised");
    }

    async fn the_same_responses_give_byte_identical_result_sets(backend: Backend) {
        let app = spawn_app(backend).await;
        closed_with_responses(&app, 700);
        let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());

        let a = std::fs::read(export(&app, Encoding::Utf8WithBom, first.path())).unwrap();
        let b = std::fs::read(export(&app, Encoding::Utf8WithBom, second.path())).unwrap();
        let plain_path = export(&app, Encoding::Utf8, second.path());
        let plain = std::fs::read(&plain_path).unwrap();

        assert!(a == b, "byte-identical zips");
        let mut names: Vec<String> = std::fs::read_dir(second.path()).unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        assert_eq!(names.len(), 2, "the two encodings sit side by side: {names:?}");
        assert!(names[0].ends_with("-utf8.zip") || names[1].ends_with("-utf8.zip"), "{names:?}");
        let (with_bom, without) = (unzip(&a), unzip(&plain));
        assert!(!file(&without, "responses.csv").starts_with("\u{feff}".as_bytes()), "plain UTF-8 on request");
        assert_eq!(manifest(&with_bom).merkle_root, manifest(&without).merkle_root, "the rows are the same");
        assert_eq!(manifest(&without).encoding, "utf-8");
    }
}

/// `totals.csv`: the component's total of the city and of each county, one row each, as an
/// evaluator in Excel would otherwise sum `estimates.csv`'s points by domain.
#[actix_web::test]
async fn totals_give_each_domain_the_sum_of_its_points_and_its_indicators_by_status() {
    let app = spawn_app(Backend::Sqlite).await;
    closed_with_responses(&app, 1400);
    let dir = tempfile::tempdir().unwrap();
    let files = unzip(&std::fs::read(export(&app, Encoding::Utf8WithBom, dir.path())).unwrap());
    let table = |name: &str| {
        let text = String::from_utf8(file(&files, name).to_vec()).unwrap();
        let text = text
            .strip_prefix('\u{feff}')
            .expect("Excel-ready")
            .to_owned();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader.headers().unwrap().clone();
        let rows: Vec<std::collections::HashMap<String, String>> = reader
            .records()
            .map(|row| {
                headers
                    .iter()
                    .map(str::to_owned)
                    .zip(row.unwrap().iter().map(str::to_owned))
                    .collect()
            })
            .collect();
        rows
    };
    let number = |row: &std::collections::HashMap<String, String>, column: &str| -> f64 {
        row[column]
            .parse()
            .unwrap_or_else(|_| panic!("{column}: {row:?}"))
    };
    let (estimates, totals) = (table("estimates.csv"), table("totals.csv"));
    let evaluation: serde_json::Value =
        serde_json::from_slice(file(&files, "evaluation.json")).unwrap();
    let package: serde_json::Value =
        serde_json::from_slice(file(&files, "datapackage.json")).unwrap();

    let domains: Vec<&str> = totals.iter().map(|t| t["domain"].as_str()).collect();
    assert_eq!(domains[0], "city");
    assert_eq!(
        domains.len(),
        8,
        "the city and its seven counties: {domains:?}"
    );
    let mut statuses_seen = std::collections::BTreeSet::new();
    for (total, domain) in totals
        .iter()
        .zip(evaluation["evaluation"]["domains"].as_array().unwrap())
    {
        let rows: Vec<_> = estimates
            .iter()
            .filter(|e| e["domain"] == total["domain"])
            .collect();
        assert_eq!(rows.len(), example_survey().indicators.len(), "{total:?}");
        // The same figure goes by the same name in both files, with the same value.
        for (row, indicator) in rows.iter().zip(domain["indicators"].as_array().unwrap()) {
            assert_eq!(row["indicator"], indicator["id"].as_str().unwrap());
            for (name, value) in indicator.as_object().unwrap() {
                if ["id", "label", "flags"].contains(&name.as_str()) {
                    continue;
                }
                let column = row
                    .get(name)
                    .unwrap_or_else(|| panic!("estimates.csv has no column {name}"));
                match value {
                    serde_json::Value::Null => assert_eq!(column, "", "{name}"),
                    serde_json::Value::Number(n) => assert!(
                        (n.as_f64().unwrap() - number(row, name)).abs() <= 1e-9,
                        "{name}: {value} in evaluation.json, {column} in estimates.csv"
                    ),
                    _ => assert_eq!(
                        value.as_str().map_or(value.to_string(), str::to_owned),
                        *column,
                        "{name}"
                    ),
                }
            }
        }
        let (points, max_points) = (number(total, "points"), number(total, "max_points"));
        let sum: f64 = rows.iter().map(|e| number(e, "points")).sum();
        assert!(
            (points - sum).abs() <= 1e-9,
            "{total:?}: the points of estimates.csv add up to {sum}"
        );
        assert_eq!(
            max_points,
            rows.iter().map(|e| number(e, "max_points")).sum::<f64>()
        );
        assert_eq!(total["domain_zh"], rows[0]["domain_zh"]);
        assert_eq!(
            total["respondents"],
            domain["respondents"].to_string(),
            "{total:?}"
        );
        // As the results page shows it: one decimal, rounded down.
        let shown = &total["points_shown"];
        assert!(
            shown
                .split_once('.')
                .is_some_and(|(_, tenths)| tenths.len() == 1),
            "{shown}"
        );
        let shown: f64 = shown.parse().unwrap();
        assert!(shown <= points + 1e-9 && points - shown < 0.1, "{total:?}");
        let (low, high) = (number(total, "points_low"), number(total, "points_high"));
        assert!(
            0.0 <= low && low <= points && points <= high && high <= max_points,
            "{total:?}"
        );
        for status in [
            "met",
            "not_met",
            "too_close_to_call",
            "undetermined",
            "no_data",
        ] {
            let counted = rows.iter().filter(|e| e["status"] == status).count();
            assert_eq!(total[status], counted.to_string(), "{status} in {total:?}");
            if counted > 0 {
                statuses_seen.insert(status);
            }
        }
        let reaching = rows
            .iter()
            .filter(|e| e["estimate_meets_threshold"] == "true")
            .count();
        assert_eq!(
            total["estimate_meets_threshold"],
            reaching.to_string(),
            "indicators whose estimate reaches the threshold, counted: {total:?}"
        );
        assert_eq!(total["includes_simulated"], "true");
    }
    assert!(
        statuses_seen.len() >= 2,
        "more than one status counted: {statuses_seen:?}"
    );
    assert!(
        totals
            .iter()
            .any(|t| number(t, "points_low") < number(t, "points_high")),
        "some total rests on sampling noise"
    );
    let resource = package["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "totals.csv")
        .expect("described");
    let fields = resource["schema"]["fields"].as_array().unwrap();
    let header = String::from_utf8_lossy(file(&files, "totals.csv"))
        .lines()
        .next()
        .unwrap()
        .trim_start_matches('\u{feff}')
        .to_owned();
    let names: Vec<&str> = fields.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names.join(","), header);
    for field in fields {
        assert!(
            field["description"].as_str().is_some_and(|d| d.len() > 10)
                && field["description_zh"].is_string(),
            "{field}"
        );
    }
}

#[actix_web::test]
async fn the_methodology_notes_responses_outside_the_planned_fieldwork_only_when_there_are_some() {
    let dir = example_survey_dir(|source| {
        source
            .replace(
                "fieldwork_start = 2016-10-10",
                "fieldwork_start = 2020-01-01",
            )
            .replace("fieldwork_end = 2016-11-30", "fieldwork_end = 2099-12-31")
    });
    let app = spawn_app_with_surveys(Backend::Sqlite, dir.path()).await;
    closed_with_responses(&app, 700);
    let out = tempfile::tempdir().unwrap();

    let files = unzip(&std::fs::read(export(&app, Encoding::Utf8, out.path())).unwrap());

    let methodology = String::from_utf8_lossy(file(&files, "methodology.md")).into_owned();
    assert!(
        methodology.contains("responses actually submitted:"),
        "{methodology}"
    );
    assert!(
        !methodology.contains("outside the planned fieldwork")
            && !methodology.contains("计划的调查时间之外"),
        "{methodology}"
    );
}

#[actix_web::test]
async fn the_methodology_describes_the_weighting_the_survey_file_asked_for() {
    // Without margins in the file, the weights are post-stratified by county only: the
    // methodology must not describe raking and trimming that never ran.
    let dir = example_survey_dir(|source| {
        let start = source.find("[[margins]]").unwrap();
        let end = source.find("[weighting]").unwrap();
        format!("{}{}", &source[..start], &source[end..]).replace("role = \"weighting\"\n", "")
    });
    let unraked = spawn_app_with_surveys(Backend::Sqlite, dir.path()).await;
    let raked = spawn_app(Backend::Sqlite).await;
    let methodology = |app: &TestApp| {
        closed_with_responses(app, 700);
        let out = tempfile::tempdir().unwrap();
        let files = unzip(&std::fs::read(export(app, Encoding::Utf8, out.path())).unwrap());
        String::from_utf8(file(&files, "methodology.md").to_vec()).unwrap()
    };

    let (unraked, raked) = (methodology(&unraked), methodology(&raked));

    assert!(
        unraked.contains("Scheme `poststratify_county`"),
        "{unraked}"
    );
    assert!(unraked.contains(
        "each response's weight is its county's population over that county's respondents"
    ));
    assert!(unraked.contains("每份答卷的权重 = 所在县常住人口 / 该县有效答卷数"));
    assert!(
        !unraked.contains("then raking") && !unraked.contains("迭代比例调整（raking）"),
        "no raking is described"
    );
    assert!(raked.contains("then raking") && raked.contains("迭代比例调整（raking）"));
    assert!(!raked.contains("there is no raking"));
}

/// With 700 responses k-anonymity merges neighbouring age bands (`18_29` and `30_39` are
/// released as `18_39`). Every file that labels the rows labels the merged codes too, so that
/// Excel's codebook, R, SPSS and a Frictionless validator show 「18-29岁、30-39岁」 where R
/// used to read a missing value; `minyi verify`, which makes the codebook again, agrees.
#[actix_web::test]
async fn merged_age_bands_are_labelled_wherever_the_rows_are_labelled() {
    let app = spawn_app(Backend::Sqlite).await;
    closed_with_responses(&app, 700);
    let dir = tempfile::tempdir().unwrap();
    let path = export(&app, Encoding::Utf8, dir.path());
    let files = unzip(&std::fs::read(&path).unwrap());
    let merges = manifest(&files)
        .anonymization
        .generalized
        .remove("age_band")
        .expect("700 responses merge age bands");
    assert_eq!(merges["30_39"], "18_39", "{merges:?}");
    let mut rows = csv::Reader::from_reader(file(&files, "responses.csv"));
    let at = rows
        .headers()
        .unwrap()
        .iter()
        .position(|c| c == "age_band")
        .unwrap();
    let released: std::collections::BTreeSet<String> = rows
        .records()
        .map(|r| r.unwrap()[at].to_owned())
        .filter(|code| !code.is_empty())
        .collect();
    assert!(released.contains("18_39"), "{released:?}");

    let mut codebook = csv::Reader::from_reader(file(&files, "codebook.csv"));
    let labelled: Vec<(String, String, String)> = codebook
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[0] == "age_band")
        .map(|r| (r[4].to_owned(), r[5].to_owned(), r[6].to_owned()))
        .collect();
    let datapackage: serde_json::Value =
        serde_json::from_slice(file(&files, "datapackage.json")).unwrap();
    let field = datapackage["resources"][0]["schema"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "age_band")
        .unwrap()
        .clone();
    let r_script = String::from_utf8(file(&files, "minyi.R").to_vec()).unwrap();
    let r_factor = r_script
        .lines()
        .find(|l| l.starts_with("responses[[\"age_band\"]] <- factor("))
        .unwrap_or_else(|| panic!("minyi.R makes age_band a factor: {r_script}"));
    let sps = String::from_utf8(file(&files, "minyi.sps").to_vec()).unwrap();
    let sps_labels = sps
        .split("VALUE LABELS age_band")
        .nth(1)
        .and_then(|rest| rest.split("\n.").next())
        .unwrap_or_else(|| panic!("minyi.sps labels age_band: {sps}"));

    for code in &released {
        assert!(
            labelled.iter().any(|(c, ..)| c == code),
            "codebook.csv labels {code}: {labelled:?}"
        );
        assert!(
            field["constraints"]["enum"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == code.as_str()),
            "datapackage.json allows {code}: {field}"
        );
        assert!(
            field["valueLabels"][code.as_str()]["zh"].is_string(),
            "datapackage.json labels {code}: {field}"
        );
        assert!(
            r_factor.contains(&format!("\"{code}\"")),
            "minyi.R has the level {code}: {r_factor}"
        );
        assert!(
            sps_labels.contains(&format!("\n  '{code}' ")),
            "minyi.sps labels {code}: {sps_labels}"
        );
    }
    assert!(
        labelled.contains(&(
            "18_39".into(),
            "18-29岁、30-39岁".into(),
            "18-29, 30-39".into()
        )),
        "the merged band's label names the bands it holds: {labelled:?}"
    );
    assert_eq!(field["valueLabels"]["18_39"]["en"], "18-29, 30-39");
    assert!(
        sps_labels.contains("\n  '18_39' '18-29岁、30-39岁 / 18-29, 30-39'"),
        "{sps_labels}"
    );
    assert!(
        !labelled.iter().any(|(c, ..)| c == "30_39"),
        "no label for a band no row holds: {labelled:?}"
    );
    let (verified, said, complaint) = super::verify::verify_with(&path, &[]);
    assert!(verified, "{complaint}");
    assert!(
        said.contains("the codebook (codebook.csv, datapackage.json)"),
        "{said}"
    );
}
