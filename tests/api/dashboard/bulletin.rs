//! The progress bulletin (通报): the CSV the command line writes, and a dated page to print.

use std::process::Command;

use minyi::accounts::Role;
use minyi::analysis::{add_simulated, fieldwork_progress};

use super::*;

on_both_backends! {
    async fn the_bulletin_csv_is_what_minyi_progress_writes(backend: Backend) {
        let app = spawn_app(backend).await;
        add_simulated(&app.catalog(), EXAMPLE_ID, 300, 6).expect("simulated fieldwork");
        let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;

        let download = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}/bulletin.csv"), &cookie).await;
        let cli = Command::new(env!("CARGO_BIN_EXE_minyi"))
            .args(["progress", EXAMPLE_ID, "--format", "csv"])
            .env("DATABASE_URL", &app.db.raw_url)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("minyi runs");

        assert_eq!(download.status, 200);
        assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
        assert!(download.bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "a byte-order mark for Excel and WPS");
        assert_eq!(
            String::from_utf8_lossy(&download.bytes),
            String::from_utf8_lossy(&cli.stdout),
            "the same bytes as `minyi progress --format csv`"
        );
        let progress = fieldwork_progress(&app.catalog(), EXAMPLE_ID).expect("progress");
        let usable = progress.usable();
        assert!(
            download.body.contains(&format!("\ncity,全市,300,{},{usable},1400,{:.4},", 300 - usable, usable as f64 / 1400.0)),
            "received, left out, usable, and the share of usable responses to four places: {}",
            download.body
        );
    }

    async fn the_printable_bulletin_is_dated_and_reads_in_chinese_and_english(backend: Backend) {
        let app = spawn_app(backend).await;
        add_simulated(&app.catalog(), EXAMPLE_ID, 140, 8).expect("simulated fieldwork");
        let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;
        let progress = fieldwork_progress(&app.catalog(), EXAMPLE_ID).expect("progress");
        // Dated in Beijing time, where the survey runs (16:00 UTC is already tomorrow there).
        let beijing = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        let today = chrono::Utc::now().with_timezone(&beijing).format("%Y-%m-%d").to_string();

        for (lang, heading, title, city, as_of, zone) in [
            ("", "调查执行进度通报", "嘉兴市食品安全公众满意度调查", "全市", "截至 ", "（北京时间）"),
            ("?lang=en", "Fieldwork progress bulletin", "Jiaxing Public Satisfaction Survey on Food Safety", "City", "As of ", "(Beijing time)"),
        ] {
            let page = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}/bulletin{lang}"), &cookie).await;

            assert_eq!(page.status, 200, "{lang}: {}", page.body);
            for expected in [heading, title, &format!("{as_of}{today}"), zone, "@media print{.bar,.noprint{display:none}"] {
                assert!(page.body.contains(expected), "{lang}: the bulletin shows {expected:?}");
            }
            let city_row = row(&page.body, "city");
            assert!(city_row.contains(city) && city_row.contains(&format!("<td>{}</td><td>{}</td><td>1400</td>", progress.completed, progress.usable())), "{lang}: {city_row}");
            for county in &progress.by_stratum {
                let name = if lang.is_empty() { &county.name.zh } else { &county.name.en };
                let shown = row(&page.body, &format!("county-{}", county.code));
                assert!(shown.contains(name.as_str()), "{lang}: {name}");
                assert!(shown.contains(&format!("<td>{}</td><td>{}</td><td>{}</td>", county.completed, county.usable, county.target.unwrap())), "{lang}: {shown}");
            }
            assert!(!page.body.contains("<script"), "{lang}: no JavaScript");
        }
    }
}
