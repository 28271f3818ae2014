//! The dashboard's invitation section, as `invitations::campaign_status` finds the campaign:
//! each county's invitations, the responses that came in through them and the response rate;
//! the messages waiting and given up on, with the mail server's reasons; the reminder rounds.

use serde_json::{json, Value};

use super::i18n::Messages;
use crate::invitations::{CampaignStatus, Uptake};
use crate::privacy::scrub::scrub;
use crate::survey::Lang;

/// The mail server's reasons with any address they quote replaced by a placeholder
/// (`privacy::scrub`: `[邮箱]`), merged where that makes them the same, most frequent first: a
/// publisher sees why messages failed, not to whom. (The log never holds them; the command
/// line gives them in full to the operator, who holds the database anyway.)
fn reasons_without_addresses(reasons: &[(String, i64)]) -> Vec<(String, i64)> {
    let mut merged: Vec<(String, i64)> = Vec::new();
    for (reason, count) in reasons {
        let reason = scrub(reason);
        match merged.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += count,
            None => merged.push((reason, *count)),
        }
    }
    merged.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    merged
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
    // The failed ones said only when there are some.
    let mail = (!no_mail).then(|| {
        let key = if status.mail_failed > 0 {
            "fieldwork.invitations_mail"
        } else {
            "fieldwork.invitations_mail_waiting"
        };
        messages.format(
            lang,
            key,
            &[
                ("waiting", &status.mail_waiting.to_string()),
                ("failed", &status.mail_failed.to_string()),
            ],
        )
    });
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
    Some(json!({
        "counties": status.uptake.iter().flat_map(|u| &u.counties).map(row).collect::<Vec<_>>(),
        "total": status.uptake.as_ref().map(|u| row(&u.total)),
        "mail": mail,
        "failure_reasons": reasons_without_addresses(&status.failure_reasons).iter()
            .map(|(reason, count)| json!({ "reason": reason, "count": count }))
            .collect::<Vec<_>>(),
        "reminders": reminders,
    }))
}
