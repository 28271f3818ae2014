//! Interface text in Simplified Chinese (default) and English, from `templates/i18n/*.toml`.
//! Handlers and views look text up by key; none is written in code.

use actix_web::HttpRequest;
use serde_json::Value;

use crate::survey::{Lang, Said};

const ZH_CN: &str = include_str!("../../templates/i18n/zh-CN.toml");
const EN: &str = include_str!("../../templates/i18n/en.toml");
/// The survey-file checker's sentences in Chinese, by key; their English is in the code.
const SURVEY_FILE_ZH_CN: &str = include_str!("../../templates/i18n/survey-file.zh-CN.toml");

#[derive(Clone, Debug)]
pub struct Messages {
    zh: Value,
    en: Value,
    survey_file_zh: toml::Table,
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
            survey_file_zh: toml::from_str(SURVEY_FILE_ZH_CN)
                .map_err(|e| anyhow::anyhow!("templates/i18n/survey-file.zh-CN.toml: {e}"))?,
        })
    }

    /// A sentence of the survey-file checker in `lang`: English as the code says it, Chinese
    /// from `survey-file.zh-CN.toml` (a key missing there is said in English, and a test keeps
    /// that from happening). Text quoted from the file is said as it stands.
    pub fn said(&self, lang: Lang, said: &Said) -> String {
        let chinese = match lang {
            Lang::Zh if !said.is_as_written() => self
                .survey_file_zh
                .get(said.key)
                .and_then(toml::Value::as_str),
            _ => None,
        };
        debug_assert!(
            chinese.is_some() || lang == Lang::En || said.is_as_written(),
            "templates/i18n/survey-file.zh-CN.toml has no {}",
            said.key
        );
        let template = chinese.unwrap_or(said.english);
        debug_assert!(
            {
                let given: Vec<(&str, &str)> =
                    said.values.iter().map(|(k, v)| (*k, v.as_str())).collect();
                unfilled_placeholder(template, &given).is_none()
            },
            "{}: a placeholder without a value",
            said.key
        );
        said.fill(template)
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
    lang_asked(req.query_string()).unwrap_or_else(|| lang_unasked(req))
}

/// The language a request to a page would get with nothing in its address: the remembered
/// choice, else the browser's, else Chinese. Where it differs from the language a reader is
/// reading in, a link or redirect must name that language (`?lang=zh` too).
pub fn lang_unasked(req: &HttpRequest) -> Lang {
    remembered_lang(req)
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

    /// Every `said!("key", "English", …)` (and `Said { key, english, … }`) in `src/survey/` and
    /// `src/catalog/`, read from the source as an extraction tool would: (key, English, file).
    fn checker_sentences() -> Vec<(String, String, String)> {
        fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
                let path = entry.path();
                if path.is_dir() {
                    files(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        /// The string literal at the start of `text` (after spaces), unescaped as Rust would.
        fn literal(text: &str) -> Option<(String, &str)> {
            let text = text.trim_start().strip_prefix('"')?;
            let (mut out, mut chars) = (String::new(), text.char_indices());
            while let Some((at, c)) = chars.next() {
                match c {
                    '"' => return Some((out, &text[at + 1..])),
                    '\\' => match chars.next()?.1 {
                        '\n' => {
                            let rest = &text[at + 2..];
                            let skip = rest.len() - rest.trim_start().len();
                            for _ in rest[..skip].chars() {
                                chars.next();
                            }
                        }
                        'n' => out.push('\n'),
                        other => out.push(other),
                    },
                    c => out.push(c),
                }
            }
            None
        }
        let mut paths = Vec::new();
        for dir in ["src/survey", "src/catalog"] {
            files(
                &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir),
                &mut paths,
            );
        }
        let mut found = Vec::new();
        for path in paths {
            let source = std::fs::read_to_string(&path).unwrap();
            for (opener, after_comma) in [("said!(", ""), ("key: ", "english:")] {
                for (at, _) in source.match_indices(opener) {
                    let line_start = source[..at].rfind('\n').map_or(0, |n| n + 1);
                    if source[line_start..at].trim_start().starts_with("//") {
                        continue;
                    }
                    let Some((key, rest)) = literal(&source[at + opener.len()..]) else {
                        continue;
                    };
                    if key.is_empty() {
                        continue; // `Said::as_written`: said as it stands
                    }
                    let Some(rest) = rest
                        .trim_start()
                        .strip_prefix(',')
                        .map(str::trim_start)
                        .and_then(|rest| rest.strip_prefix(after_comma))
                    else {
                        continue;
                    };
                    let (english, _) = literal(rest).expect("an English literal after the key");
                    found.push((key, english, path.display().to_string()));
                }
            }
        }
        found
    }

    fn placeholders(template: &str) -> std::collections::BTreeSet<&str> {
        template
            .match_indices('{')
            .filter_map(|(at, _)| {
                let rest = &template[at + 1..];
                let name = &rest[..rest.find('}')?];
                let is_name =
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                is_name.then_some(name)
            })
            .collect()
    }

    #[test]
    fn every_sentence_of_the_survey_file_checker_is_in_chinese_with_the_same_placeholders() {
        let messages = Messages::load().unwrap();
        let sentences = checker_sentences();
        assert!(sentences.len() > 100, "found only {}", sentences.len());
        let mut english_by_key = std::collections::BTreeMap::new();
        for (key, english, file) in &sentences {
            let earlier = english_by_key.insert(key.as_str(), english.as_str());
            assert!(
                earlier.is_none_or(|earlier| earlier == english),
                "{file}: key {key} says two things"
            );
            let chinese = messages
                .survey_file_zh
                .get(key)
                .and_then(toml::Value::as_str)
                .unwrap_or_else(|| panic!("{file}: {key} has no Chinese"));
            assert_eq!(
                placeholders(chinese),
                placeholders(english),
                "{key}: the Chinese fills other places than the English"
            );
        }
        for key in messages.survey_file_zh.keys() {
            assert!(
                english_by_key.contains_key(key.as_str()),
                "survey-file.zh-CN.toml: {key} is said nowhere in src/survey or src/catalog"
            );
        }
    }

    #[test]
    fn a_checker_sentence_is_said_in_the_readers_language_and_the_files_own_text_as_it_stands() {
        let messages = Messages::load().unwrap();
        let sentence = crate::survey::Said {
            key: "max_above_min",
            english: "a number greater than min ({min})",
            values: vec![("min", "18".to_string())],
        };
        assert_eq!(messages.said(Lang::Zh, &sentence), "大于 min（18）的数字");
        assert_eq!(
            messages.said(Lang::En, &sentence),
            "a number greater than min (18)"
        );
        let quoted = Said::as_written("\"{min}\"");
        assert_eq!(messages.said(Lang::Zh, &quoted), "\"{min}\"");
    }

    #[test]
    fn every_kind_of_refused_survey_file_is_named_in_both_languages() {
        use crate::catalog::FileRefusal;
        let messages = Messages::load().unwrap();
        // A new kind breaks this match, and so asks for its place in `FileRefusal::ALL`.
        let position = |kind: FileRefusal| match kind {
            FileRefusal::Unreadable => 0,
            FileRefusal::Invalid => 1,
            FileRefusal::Fixed => 2,
            FileRefusal::Earlier => 3,
            FileRefusal::DropsAnswered => 4,
            FileRefusal::ChangesRules => 5,
            FileRefusal::AnotherSurvey => 6,
            FileRefusal::SameId => 7,
            FileRefusal::NotAsChecked => 8,
            FileRefusal::Other => 9,
        };
        for (i, kind) in FileRefusal::ALL.into_iter().enumerate() {
            assert_eq!(position(kind), i, "{kind:?}");
            for lang in [Lang::Zh, Lang::En] {
                let key = format!("fieldwork.not_loaded_{}", kind.name());
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
        let text = messages.format(
            Lang::En,
            "problem.too_long",
            &[("max", "500"), ("written", "512")],
        );
        assert_eq!(text, "Please keep it to 500 characters (it is 512 now).");
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
