//! A publisher previews the form residents will get, a draft's too: its problems shown as a
//! resident would see them, a complete answer said to be complete, and nothing ever stored.

use minyi::accounts::Role;

use super::*;

on_both_backends! {
    async fn a_publisher_previews_a_drafts_form_and_its_checks_without_storing_anything(backend: Backend) {
        let surveys = example_survey_dir(|file| file.replace("open_on_import = true", "open_on_import = false"));
        let app = spawn_app_with_surveys(backend, surveys.path()).await;
        let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;
        let preview = format!("/admin/surveys/{EXAMPLE_ID}/preview");

        let public = app.get(&format!("/s/{EXAMPLE_ID}")).await;
        let dashboard = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}"), &cookie).await;
        let form = get(&app, &preview, &cookie).await;
        let anonymous = app.get(&preview).await;
        let incomplete = send(&app, "post", &preview, &cookie, &[("county", "nanhu")], &[]).await;
        let fields = valid_fields(&example_survey(), "haiyan");
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let complete = send(&app, "post", &preview, &cookie, &fields, &[]).await;
        // Every item of every grid given the first point: the example survey's rules flag
        // that as straight-lining and leave it out of the figures.
        let survey = example_survey();
        let grids: Vec<&str> = survey.questions.iter().filter(|q| matches!(q.kind, minyi::survey::QuestionKind::Matrix { .. })).map(|q| q.id.as_str()).collect();
        let mut same = valid_fields(&survey, "haiyan");
        for (name, value) in &mut same {
            if let Some((grid, _)) = name.split_once('.').filter(|(grid, _)| grids.contains(grid)) {
                let grid = survey.questions.iter().find(|q| q.id == grid).unwrap();
                let minyi::survey::QuestionKind::Matrix { scale, .. } = &grid.kind else { unreachable!() };
                *value = scale.points[0].code.clone();
            }
        }
        let same: Vec<(&str, &str)> = same.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let straight = send(&app, "post", &preview, &cookie, &same, &[]).await;
        let english = send(&app, "post", &format!("{preview}?lang=en"), &cookie, &[("_lang", "en"), ("county", "nanhu")], &[]).await;

        assert_eq!(state_of(&app), minyi::lifecycle::SurveyState::Draft, "a draft");
        assert_eq!(public.status, 404, "residents cannot see it yet");
        assert!(dashboard.body.contains(&format!("href=\"{preview}\"")), "the dashboard links to the preview");
        assert_eq!(form.status, 200, "{}", form.body);
        assert!(form.body.contains("预览：这是居民看到的问卷") && form.body.contains(&format!("action=\"{preview}\"")), "{}", form.body);
        assert!(form.body.contains(&example_survey().questions[1].text.zh), "the questions, as residents see them");
        assert_ne!(anonymous.status, 200, "not for the public");
        assert!(!anonymous.body.contains("预览"), "{}", anonymous.body);
        assert_eq!(incomplete.status, 422, "checked as a resident's answers are");
        assert!(incomplete.body.contains("value=\"nanhu\" checked"), "the answers kept");
        assert!(incomplete.body.contains("道题没有答完或需要修改"), "the problems listed: {}", incomplete.body);
        assert_eq!(complete.status, 200, "{}", complete.body);
        assert!(complete.body.contains("这份答卷填写完整"), "{}", complete.body);
        assert!(!complete.body.contains("质量标记"), "varied answers raise no flag");
        assert_eq!(straight.status, 200, "{}", straight.body);
        assert!(straight.body.contains("会带上质量标记：矩阵题全部选同一项；按本调查的规则，这样的答卷不计入统计"), "{}", straight.body);
        assert!(complete.body.contains(&format!("<a href=\"/admin/surveys/{EXAMPLE_ID}\">返回进度面板</a>")), "and the way back: {}", complete.body);
        assert!(english.body.contains("Preview: this is the form residents see"), "in English too");
        assert_eq!(app.response_count(EXAMPLE_ID), 0, "nothing stored");
    }
}
