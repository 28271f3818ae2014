//! Interface text in Simplified Chinese (default) and English, from `templates/i18n/*.toml`.
//! Handlers and views look text up by key; none is written in code.

use actix_web::HttpRequest;
use serde_json::Value;

use crate::survey::Lang;

const ZH_CN: &str = include_str!("../../templates/i18n/zh-CN.toml");
const EN: &str = include_str!("../../templates/i18n/en.toml");

#[derive(Clone, Debug)]
pub struct Messages {
    zh: Value,
    en: Value,
}

impl Messages {
    pub fn load() -> anyhow::Result<Messages> {
        let parse = |name: &str, text: &str| -> anyhow::Result<Value> {
            let table: toml::Table =
                toml::from_str(text).map_err(|e| anyhow::anyhow!("templates/i18n/{name}: {e}"))?;
            Ok(serde_json::to_value(table)?)
        };
        Ok(Messages {
            zh: parse("zh-CN.toml", ZH_CN)?,
            en: parse("en.toml", EN)?,
        })
    }

    /// Every message of a language, for templates (`{{t.survey.submit}}`).
    pub fn all(&self, lang: Lang) -> &Value {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }

    /// One message by dotted key, with `{name}` placeholders filled. A missing key shows the
    /// key itself (and a test keeps that from happening).
    pub fn format(&self, lang: Lang, key: &str, params: &[(&str, &str)]) -> String {
        let found = key
            .split('.')
            .try_fold(self.all(lang), |value, part| value.get(part))
            .and_then(Value::as_str);
        let mut text = found.unwrap_or(key).to_owned();
        for (name, value) in params {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        debug_assert!(
            unfilled_placeholder(found.unwrap_or_default(), params).is_none(),
            "{key}: no value given for {{{}}}",
            unfilled_placeholder(found.unwrap_or_default(), params).unwrap_or_default()
        );
        text
    }

    pub fn text(&self, lang: Lang, key: &str) -> String {
        self.format(lang, key, &[])
    }
}

/// The first `{name}` in `template` that `params` gives no value for (a caller that forgot
/// one would show the braces to the reader; debug builds, and so the tests, stop there).
fn unfilled_placeholder<'a>(template: &'a str, params: &[(&str, &str)]) -> Option<&'a str> {
    template.match_indices('{').find_map(|(at, _)| {
        let rest = &template[at + 1..];
        let name = &rest[..rest.find('}')?];
        let is_name = !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        (is_name && !params.iter().any(|(given, _)| *given == name)).then_some(name)
    })
}

/// The cookie that remembers a reader's choice of language: `en` or `zh` (the latter only
/// where the browser asks for English first), the same for everyone who chose it, like the
/// text-size cookie: it identifies no one.
const LANG_COOKIE: &str = "lang";
/// A year: the whole fieldwork, and the results after it.
const REMEMBER_SECONDS: u32 = 365 * 24 * 60 * 60;

/// The language a query asks for (`lang=en`, `lang=zh`), if it asks.
pub fn lang_asked(query: &str) -> Option<Lang> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "lang"))
        .and_then(|(_, v)| Lang::from_code(&v))
}

/// The language of a request: asked in its address (`?lang=en`: the reader just chose, or
/// followed a link that carries it), else as a choice made before remembers it, else the one
/// of ours the browser's `Accept-Language` ranks first (a phone set to English), else Chinese.
/// An English reader who opens the survey link again, from the QR code, reads it in English.
pub fn lang_of(req: &HttpRequest) -> Lang {
    lang_asked(req.query_string())
        .or_else(|| remembered_lang(req))
        .or_else(|| browser_lang(req))
        .unwrap_or_default()
}

fn remembered_lang(req: &HttpRequest) -> Option<Lang> {
    super::client::cookies(req)
        .find(|(name, _)| *name == LANG_COOKIE)
        .and_then(|(_, value)| Lang::from_code(value))
}

/// Of Chinese and English, the one the browser's `Accept-Language` prefers (the first listed
/// of the highest quality), if it names either.
fn browser_lang(req: &HttpRequest) -> Option<Lang> {
    use actix_web::http::header::{AcceptLanguage, Header, Preference, Quality};
    let accepted = AcceptLanguage::parse(req).ok()?;
    let mut best: Option<(Quality, Lang)> = None;
    for item in &accepted.0 {
        let Preference::Specific(tag) = &item.item else {
            continue;
        };
        let Some(lang) = Lang::from_code(tag.primary_language()) else {
            continue;
        };
        if item.quality > Quality::ZERO && best.is_none_or(|(q, _)| item.quality > q) {
            best = Some((item.quality, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

/// The `Set-Cookie` value remembering a choice of language, when the request's address chose
/// one that differs from what the browser would otherwise be given: none is kept for the
/// language its `Accept-Language` gives anyway.
pub fn remember_lang(req: &HttpRequest) -> Option<String> {
    let chosen = lang_asked(req.query_string())?;
    let unremembered = browser_lang(req).unwrap_or_default();
    let remembered = remembered_lang(req);
    if chosen == unremembered {
        remembered
            .is_some()
            .then(|| format!("{LANG_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly"))
    } else {
        (remembered != Some(chosen)).then(|| {
            format!(
                "{LANG_COOKIE}={}; Path=/; Max-Age={REMEMBER_SECONDS}; SameSite=Lax; HttpOnly",
                chosen.param()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(value: &Value, prefix: &str, out: &mut Vec<String>) {
        if let Value::Object(map) = value {
            for (k, v) in map {
                keys(v, &format!("{prefix}{k}."), out);
            }
        } else {
            out.push(prefix.trim_end_matches('.').to_owned());
        }
    }

    #[test]
    fn chinese_and_english_have_the_same_keys() {
        let messages = Messages::load().expect("catalogs parse");
        let (mut zh, mut en) = (Vec::new(), Vec::new());
        keys(messages.all(Lang::Zh), "", &mut zh);
        keys(messages.all(Lang::En), "", &mut en);
        zh.sort();
        en.sort();
        assert_eq!(zh, en);
    }

    #[test]
    fn every_kind_of_refused_survey_file_is_named_in_both_languages() {
        let messages = Messages::load().unwrap();
        for kind in crate::catalog::FILE_REFUSAL_KINDS {
            for lang in [Lang::Zh, Lang::En] {
                let key = format!("fieldwork.not_loaded_{kind}");
                assert_ne!(messages.text(lang, &key), key, "{lang:?}");
            }
        }
    }

    #[test]
    fn placeholders_are_filled() {
        let messages = Messages::load().unwrap();
        let text = messages.format(
            Lang::Zh,
            "problem.out_of_range",
            &[("min", "0"), ("max", "120")],
        );
        assert_eq!(text, "请填写 0 至 120 之间的数字。");
        let text = messages.format(Lang::En, "problem.too_long", &[("max", "500")]);
        assert_eq!(text, "Please keep it to 500 characters.");
    }

    #[test]
    fn a_placeholder_left_without_a_value_is_found() {
        let given = [("count", "3")];
        assert_eq!(unfilled_placeholder("{count} 份，{id}", &given), Some("id"));
        assert_eq!(unfilled_placeholder("{count} 份", &given), None);
        assert_eq!(unfilled_placeholder("集合 {1, 2} 与 {", &[]), None);
    }

    #[test]
    fn the_language_comes_from_the_query_then_a_remembered_choice_then_the_browser_then_chinese() {
        assert_eq!(lang_asked("lang=en"), Some(Lang::En));
        assert_eq!(lang_asked("x=1&lang=zh-CN"), Some(Lang::Zh));
        assert_eq!(lang_asked(""), None);
        assert_eq!(lang_asked("lang=fr"), None);
        assert_eq!(lang_asked("%ZZ&&=="), None);

        let request = |query: &str, cookie: Option<&str>, browser: Option<&str>| {
            let mut req = actix_web::test::TestRequest::get().uri(&format!("/s/x?{query}"));
            if let Some(cookie) = cookie {
                req = req.insert_header((actix_web::http::header::COOKIE, cookie));
            }
            if let Some(browser) = browser {
                req = req.insert_header((actix_web::http::header::ACCEPT_LANGUAGE, browser));
            }
            req.to_http_request()
        };
        let english_phone = Some("en-GB,en;q=0.9,zh-CN;q=0.3");
        let browser_cases = [
            (
                "",
                None,
                english_phone,
                Lang::En,
                None,
                "a phone set to English, first visit",
            ),
            (
                "",
                None,
                Some("zh-CN,zh;q=0.9,en;q=0.8"),
                Lang::Zh,
                None,
                "a phone set to Chinese",
            ),
            (
                "",
                None,
                Some("fr-FR,en;q=0.5,zh;q=0.4"),
                Lang::En,
                None,
                "English ranked above Chinese",
            ),
            (
                "",
                None,
                Some("de, en;q=0"),
                Lang::Zh,
                None,
                "English refused: Chinese",
            ),
            (
                "",
                None,
                Some("zh-TW, en"),
                Lang::Zh,
                None,
                "a tie goes to the first listed",
            ),
            ("", None, Some("fr"), Lang::Zh, None, "neither: Chinese"),
            (
                "",
                None,
                Some(";;q=x,,"),
                Lang::Zh,
                None,
                "a garbled header: Chinese",
            ),
            (
                "lang=en",
                None,
                english_phone,
                Lang::En,
                None,
                "a link that carries it sets nothing",
            ),
            (
                "lang=zh",
                None,
                english_phone,
                Lang::Zh,
                Some("lang=zh; Path=/"),
                "Chinese chosen on an English phone is remembered",
            ),
            (
                "",
                Some("lang=zh"),
                english_phone,
                Lang::Zh,
                None,
                "and kept",
            ),
            (
                "lang=en",
                Some("lang=zh"),
                english_phone,
                Lang::En,
                Some("lang=; Path=/; Max-Age=0"),
                "back to the phone's English, forgotten",
            ),
        ];
        let cases = [
            ("", None, Lang::Zh, None, "nothing chosen"),
            (
                "lang=en",
                None,
                Lang::En,
                Some("lang=en; Path=/"),
                "chosen now, remembered",
            ),
            (
                "",
                Some("text=large; lang=en"),
                Lang::En,
                None,
                "remembered, not set again",
            ),
            (
                "lang=en",
                Some("lang=en"),
                Lang::En,
                None,
                "a link that carries it sets nothing",
            ),
            (
                "lang=zh",
                Some("lang=en"),
                Lang::Zh,
                Some("lang=; Path=/; Max-Age=0"),
                "back to Chinese, forgotten",
            ),
            (
                "",
                Some("lang=fr"),
                Lang::Zh,
                None,
                "a strange cookie is ignored",
            ),
        ];
        let without_browser = cases
            .into_iter()
            .map(|(query, cookie, lang, set, what)| (query, cookie, None, lang, set, what));
        for (query, cookie, browser, lang, set, what) in without_browser.chain(browser_cases) {
            let req = request(query, cookie, browser);
            assert_eq!(lang_of(&req), lang, "{what}");
            let cookie = remember_lang(&req);
            assert_eq!(cookie.is_some(), set.is_some(), "{what}: {cookie:?}");
            if let (Some(cookie), Some(set)) = (cookie, set) {
                assert!(cookie.starts_with(set), "{what}: {cookie}");
            }
        }
    }
}
