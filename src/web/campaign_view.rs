//! The dashboard's invitation section, as `invitations::campaign_status` finds the campaign:
//! each county's invitations, the responses that came in through them and the response rate;
//! the messages waiting and given up on, with the mail server's reasons; the reminder rounds.

use serde_json::{json, Value};

use super::i18n::Messages;
use crate::invitations::{CampaignStatus, Uptake};
use crate::privacy::scrub::{scrub, Found};
use crate::survey::Lang;

/// The mail server's reasons with any address they quote replaced by a placeholder
/// (`privacy::scrub`: `[邮箱]`), merged where that makes them the same, most frequent first: a
/// publisher sees why messages failed, not to whom. (The log never holds them; the command
/// line gives them in full to the operator, who holds the database anyway.)
fn reasons_without_addresses(reasons: &[(String, i64)]) -> Vec<(String, i64)> {
    let mut merged: Vec<(String, i64)> = Vec::new();
    for (reason, count) in reasons {
        let reason = without_other_addresses(&scrub(reason));
        match merged.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += count,
            None => merged.push((reason, *count)),
        }
    }
    merged.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    merged
}

/// `text` with every word still holding an `@` (or a full-width `＠`) replaced by the address
/// placeholder: `scrub` knows ASCII addresses only, and a server that takes SMTPUTF8 may quote
/// 王芳@例子.中国 in its refusal. A word ends at a space or at the brackets, quotes and
/// punctuation servers put around an address.
fn without_other_addresses(text: &str) -> String {
    let ends_word = |c: char| c.is_whitespace() || "<>()[]\"',;:".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.contains(['@', '＠']) {
            out.push_str(Found::Email.placeholder());
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if ends_word(c) {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// A reason in runs of one language each, so that a screen reader says each in its own voice:
/// the placeholders `scrub` put in (`[邮箱]`) are Chinese, and the mail server's words are
/// Chinese when they are written in Chinese script (as Chinese providers write them), English
/// when they hold letters. Server text of neither (a status code, punctuation) is said in the
/// language of the server's words before it, or else after it. Neighbouring runs of one
/// language are one run. `(language, text)`.
fn in_languages(reason: &str) -> Vec<(&'static str, &str)> {
    // (start, end, the language the text says, whether it is a placeholder) over `reason`.
    let mut spans: Vec<(usize, usize, Option<&'static str>, bool)> = Vec::new();
    let mut at = 0;
    while let Some((found, placeholder)) = Found::ALL
        .iter()
        .filter_map(|f| {
            reason[at..]
                .find(f.placeholder())
                .map(|i| (at + i, f.placeholder()))
        })
        .min()
    {
        if found > at {
            spans.push((at, found, language_of(&reason[at..found]), false));
        }
        let end = found + placeholder.len();
        spans.push((found, end, Some(Lang::Zh.code()), true));
        at = end;
    }
    if at < reason.len() {
        spans.push((at, reason.len(), language_of(&reason[at..]), false));
    }
    let server_words = |span: &(usize, usize, Option<&'static str>, bool)| {
        if span.3 {
            None
        } else {
            span.2
        }
    };
    let mut runs: Vec<(&'static str, usize, usize)> = Vec::new();
    for (i, &(start, end, said, _)) in spans.iter().enumerate() {
        let lang = said
            .or_else(|| spans[..i].iter().rev().find_map(server_words))
            .or_else(|| spans[i + 1..].iter().find_map(server_words))
            .unwrap_or(Lang::En.code());
        match runs.last_mut() {
            Some(last) if last.0 == lang => last.2 = end,
            _ => runs.push((lang, start, end)),
        }
    }
    runs.into_iter()
        .map(|(lang, start, end)| (lang, &reason[start..end]))
        .collect()
}

/// Chinese when the text holds a Han character or CJK punctuation, English when it holds
/// letters, `None` otherwise (digits, spaces, ASCII punctuation).
fn language_of(text: &str) -> Option<&'static str> {
    let chinese = |c: char| {
        matches!(c,
            '\u{3000}'..='\u{303f}' // CJK punctuation: 、。「」
            | '\u{3400}'..='\u{4dbf}' // Han, extension A
            | '\u{4e00}'..='\u{9fff}' // Han
            | '\u{f900}'..='\u{faff}' // Han compatibility
            | '\u{ff01}'..='\u{ff60}' // full-width forms: ，：（）
            | '\u{20000}'..='\u{3134f}') // Han, extensions B to G
    };
    if text.chars().any(chinese) {
        Some(Lang::Zh.code())
    } else if text.chars().any(char::is_alphabetic) {
        Some(Lang::En.code())
    } else {
        None
    }
}

/// The section's view, `None` when there is no campaign: nobody invited and no message
/// waiting or given up on.
pub fn campaign_view(messages: &Messages, lang: Lang, status: &CampaignStatus) -> Option<Value> {
    let no_mail = status.mail_waiting == 0 && status.mail_failed == 0;
    if status.uptake.is_none() && no_mail {
        return None;
    }
    let row = |u: &Uptake| {
        let name = match (&u.name, &u.code) {
            (Some(name), _) => name.get(lang).to_owned(),
            (None, Some(code)) => code.clone(),
            (None, None) => messages.text(lang, "fieldwork.invitations_no_county"),
        };
        json!({
            "name": name,
            "invited": u.invited,
            "answered": u.answered,
            "rate": u.rate_text(),
        })
    };
    // The failed ones said only when there are some, and so are those waiting to be tried
    // again: without them a mail server refusing everything looks like a slow queue for hours.
    let retrying: i64 = status.retry_reasons.iter().map(|(_, n)| n).sum();
    let mail = (!no_mail).then(|| {
        let key = if status.mail_failed > 0 {
            "fieldwork.invitations_mail"
        } else {
            "fieldwork.invitations_mail_waiting"
        };
        let mut line = messages.format(
            lang,
            key,
            &[
                ("waiting", &status.mail_waiting.to_string()),
                ("failed", &status.mail_failed.to_string()),
            ],
        );
        if retrying > 0 {
            if lang == Lang::En {
                line.push(' '); // (Chinese sentences follow each other without one)
            }
            line.push_str(&messages.format(
                lang,
                "fieldwork.invitations_mail_retrying",
                &[
                    ("retrying", &retrying.to_string()),
                    ("tries", &crate::mail::MAX_ATTEMPTS.to_string()),
                    (
                        "hours",
                        &(crate::mail::retry_span().as_secs() / 3600).to_string(),
                    ),
                ],
            ));
        }
        line
    });
    let reasons = |summary: &str, reasons: &[(String, i64)]| {
        let items: Vec<Value> = reasons_without_addresses(reasons)
            .iter()
            .map(|(reason, count)| {
                json!({
                    "runs": in_languages(reason).iter()
                        .map(|(lang, text)| json!({ "lang": lang, "text": text }))
                        .collect::<Vec<_>>(),
                    "count": count,
                })
            })
            .collect();
        (!items.is_empty())
            .then(|| json!({ "summary": messages.text(lang, summary), "items": items }))
    };
    let reminders: Vec<String> = status
        .reminder_rounds
        .iter()
        .map(|r| {
            messages.format(
                lang,
                "fieldwork.invitations_reminder_round",
                &[
                    ("round", &r.round.to_string()),
                    ("date", &r.queued_on),
                    ("count", &r.reminders.to_string()),
                ],
            )
        })
        .collect();
    let reason_lists: Vec<Value> = [
        reasons(
            "fieldwork.invitations_failed_reasons",
            &status.failure_reasons,
        ),
        reasons("fieldwork.invitations_retry_reasons", &status.retry_reasons),
    ]
    .into_iter()
    .flatten()
    .collect();
    // Unused invitations no reminder goes to, said only when there are some.
    let unused_but = |key: &str, count: i64| {
        (count > 0).then(|| messages.format(lang, key, &[("count", &count.to_string())]))
    };
    let unreachable = unused_but("fieldwork.invitations_unreachable", status.unreachable);
    let declined = unused_but("fieldwork.invitations_declined", status.reminders_declined);
    Some(json!({
        "counties": status.uptake.iter().flat_map(|u| &u.counties).map(row).collect::<Vec<_>>(),
        "total": status.uptake.as_ref().map(|u| row(&u.total)),
        "unreachable": unreachable,
        "declined": declined,
        "mail": mail,
        "reasons": reason_lists,
        "reminders": reminders,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_outside_ascii_in_a_servers_words_is_hidden_too() {
        let reasons = [
            (
                "the SMTP server answered 550: 5.1.1 <王芳@例子.中国>: User unknown".to_owned(),
                1,
            ),
            (
                "the SMTP server answered 550: 5.1.1 <wang@例子.中国>: User unknown".to_owned(),
                2,
            ),
            (
                "the SMTP server answered 550: 5.1.1 <li.lei@example.org>: User unknown".to_owned(),
                1,
            ),
        ];

        let shown = reasons_without_addresses(&reasons);

        assert_eq!(
            shown,
            [(
                "the SMTP server answered 550: 5.1.1 <[邮箱]>: User unknown".to_owned(),
                4
            )],
            "one reason, no address"
        );
    }

    #[test]
    fn a_reason_is_cut_into_runs_of_one_language_at_each_placeholder() {
        assert_eq!(
            in_languages("550 <[邮箱]> rejected; call [手机号]"),
            [
                ("en", "550 <"),
                ("zh-CN", "[邮箱]"),
                ("en", "> rejected; call "),
                ("zh-CN", "[手机号]"),
            ]
        );
        assert_eq!(
            in_languages("connection timed out"),
            [("en", "connection timed out")]
        );
        assert_eq!(in_languages("[邮箱]"), [("zh-CN", "[邮箱]")]);
    }

    #[test]
    fn a_reason_written_in_chinese_is_marked_chinese_whole() {
        assert_eq!(
            in_languages("550 收件人 [邮箱] 不存在"),
            [("zh-CN", "550 收件人 [邮箱] 不存在")]
        );
        assert_eq!(
            in_languages("[邮箱] mailbox full，请稍后再试"),
            [("zh-CN", "[邮箱] mailbox full，请稍后再试")]
        );
        assert_eq!(
            in_languages("[邮箱]: user unknown"),
            [("zh-CN", "[邮箱]"), ("en", ": user unknown")]
        );
        assert_eq!(
            in_languages("550 [邮箱] 不存在"),
            [("zh-CN", "550 [邮箱] 不存在")],
            "a status code goes with the server's words after it"
        );
        assert_eq!(
            in_languages("user unknown: [邮箱] (550)"),
            [
                ("en", "user unknown: "),
                ("zh-CN", "[邮箱]"),
                ("en", " (550)")
            ],
            "or with the server's words before it"
        );
        assert_eq!(in_languages("421"), [("en", "421")]);
    }
}
