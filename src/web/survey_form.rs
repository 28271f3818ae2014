//! The survey form as a page: every question with its options, what the resident already
//! entered, and each problem next to its question.

use serde_json::{json, Value};

use super::i18n::Messages;
use crate::survey::{
    AnswerErrors, AnswerProblem, Choice, FormInput, Lang, Question, QuestionKind, Scale, Survey,
};

/// Everything needed to render one survey form.
/// The `id` of the resident's form, which the page's language and text-size buttons submit.
pub const FORM_ID: &str = "answers";

/// The field those buttons send: the form is to come back in the other language or text size
/// (given in the query of the address they post to), not to be stored.
pub const SWITCH_FIELD: &str = "_switch";

/// The hidden field holding the token of the page on which the resident began the form, when
/// that is not this page: their phone kept the answers and brought them back (`draft.js` puts
/// it in), or the form's own token had expired. The time taken counts from it.
pub const STARTED_FIELD: &str = "_started";

pub struct FormContext<'a> {
    pub survey: &'a Survey,
    pub lang: Lang,
    pub messages: &'a Messages,
    /// Where the form posts to: `/s/{id}`, `/i/{token}` for an invitation, `/iv/{token}` for
    /// an interviewer.
    pub action: String,
    /// The county an invitation set: the stratum question shows only it, already chosen.
    pub fixed_stratum: Option<&'a str>,
    /// Counties whose quota is full: said above the form, and not offered.
    pub full_counties: Vec<String>,
    pub token: &'a str,
    /// What the resident entered (empty for a fresh form).
    pub input: &'a FormInput,
    pub errors: Option<&'a AnswerErrors>,
    /// A message about the whole form, above it.
    pub notice: Option<Notice>,
    /// Where the phone keeps the answers until they are sent ([`draft_key`]); `None` for a
    /// form no resident answers (a publisher's preview) or an interviewer's (one device,
    /// many residents: one's answers must never come back in the next one's form).
    pub draft_key: Option<String>,
    /// Entered by an interviewer for the resident they interview: a note above the questions
    /// says how to ask them.
    pub interviewer: bool,
}

/// A message above the form: a problem with the whole form (an expired page, answers not
/// stored just now) is announced at once and drawn as one; a note (a preview) is not. That this
/// phone has sent the form before is a note said again by the submit button: a resident who
/// came back to the form (the Back button after the thanks page) is taken down to it by the
/// browser, far below the top.
pub enum Notice {
    Problem(String),
    Note(String),
    SentBefore(String),
}

/// Days a resident's unsent answers stay on their phone (`templates/draft.js`): long enough to
/// finish the next day, short enough not to linger on a phone shared in a family.
pub const DRAFT_DAYS: u32 = 3;

/// Where a phone keeps its unsent answers to a survey (the browser's `localStorage`): the
/// public link's apart from an invitation's, so that answers one person began through an
/// invitation never turn up in the public form, or the other way round. No identifier of the
/// invitation goes into it.
pub fn draft_key(survey_id: &str, invited: bool) -> String {
    match invited {
        false => format!("minyi:draft:{survey_id}"),
        true => format!("minyi:draft:{survey_id}:invitation"),
    }
}

/// The error summary links this many questions; more would push the first question screens
/// down on a phone (a form sent empty has some twenty). The rest are marked where they are.
const SUMMARY_LINKS: usize = 5;

impl FormContext<'_> {
    pub fn view(&self) -> Value {
        let survey = self.survey;
        let marked = Marked::of(survey);
        let mut questions: Vec<Value> = survey
            .questions
            .iter()
            .enumerate()
            .map(|(index, q)| self.question(index, q, marked))
            .collect();
        self.mark_sections(&mut questions);
        let error_count = self.errors.map_or(0, |e| e.problems.len());
        let error_summary = (error_count > 0).then(|| {
            self.messages.format(
                self.lang,
                "survey.errors_summary",
                &[("count", &error_count.to_string())],
            )
        });
        self.link_next_problems(&mut questions);
        let with_errors: Vec<&Value> = questions.iter().filter(|q| !q["error"].is_null()).collect();
        let error_links: Vec<Value> = with_errors
            .iter()
            .take(SUMMARY_LINKS)
            .map(|q| json!({ "href": q["error_anchor"], "number": q["number"], "text": q["text"], "problem": q["error"] }))
            .collect();
        let error_more = (with_errors.len() > SUMMARY_LINKS).then(|| {
            self.messages.format(
                self.lang,
                "survey.errors_more",
                &[("count", &(with_errors.len() - SUMMARY_LINKS).to_string())],
            )
        });
        let mut view = json!({
            "form_id": FORM_ID,
            // A form sent back with problems, or not stored (an old page, a busy server), says
            // so in the tab's title too, the first thing a screen reader reads out.
            "page_title": match (error_count, &self.notice) {
                (0, Some(Notice::Problem(_))) => self.messages.format(
                    self.lang,
                    "survey.unsaved_page_title",
                    &[("title", survey.title.get(self.lang))],
                ),
                (0, _) => survey.title.get(self.lang).to_owned(),
                _ => self.messages.format(
                    self.lang,
                    "survey.errors_page_title",
                    &[("title", survey.title.get(self.lang))],
                ),
            },
            "title": survey.title.get(self.lang),
            "description": survey.description.get(self.lang),
            // A paragraph a line: folded away, a long notice is still read point by point.
            "privacy_notice": survey
                .privacy_notice
                .get(self.lang)
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .collect::<Vec<_>>(),
            "contact": survey.contact.as_ref().map(|contact| contact.get(self.lang)),
            "tags_note": marked
                .note_key(survey)
                .map(|key| self.messages.text(self.lang, key)),
            "action": self.action,
            "token": self.token,
            "started": self.input.first(STARTED_FIELD),
            "honeypot": super::honeypot::FIELD,
            "lang_param": self.lang.param(),
            "notice": match &self.notice { Some(Notice::Problem(text)) => Some(text), _ => None },
            "full_note": self.full_note(),
            "note": match &self.notice {
                Some(Notice::Note(text) | Notice::SentBefore(text)) => Some(text),
                _ => None,
            },
            "sent_before": matches!(self.notice, Some(Notice::SentBefore(_))),
            "interviewer": self.interviewer,
            "error_summary": error_summary,
            "error_links": error_links,
            "error_more": error_more,
            "questions": questions,
            "extra_css": conditional_css(survey),
            "draft": self.draft(),
        });
        // The page holds answers (typed, or posted and coming back), which a plain link to the
        // other language or text size would lose: its switches submit the form instead, and
        // the form comes back switched with every answer in place (`routes::survey`).
        view["switch_form"] = json!(FORM_ID);
        view
    }

    /// The copy of the answers the phone keeps until they are sent: put back into a fresh
    /// form, not after this phone sent the form. A form the server sends back holds the
    /// answers sent, and is marked so: the script puts the copy back only if it changed since
    /// they were sent (a reload or Back sent an older form again).
    fn draft(&self) -> Option<Value> {
        let sent_before = matches!(self.notice, Some(Notice::SentBefore(_)));
        let sent_back = self.input.pairs().next().is_some();
        let fresh = !sent_back && self.errors.is_none() && !sent_before;
        self.draft_key.as_ref().map(|key| {
            json!({
                "key": key,
                "restore": fresh,
                "sent_back": sent_back,
                "done": false,
                "days": DRAFT_DAYS,
                "kept_note": self.messages.format(
                    self.lang,
                    "survey.draft_kept",
                    &[("days", &DRAFT_DAYS.to_string())],
                ),
            })
        })
    }

    /// Under each problem, a link to the next question with one ("下一处需要修改：第 9 题 ↓"): the
    /// summary links only the first few, and on a phone the rest can be screens apart.
    fn link_next_problems(&self, questions: &mut [Value]) {
        let marked: Vec<usize> = (0..questions.len())
            .filter(|&i| !questions[i]["error"].is_null())
            .collect();
        for pair in marked.windows(2) {
            let next = &questions[pair[1]];
            let link = json!({
                "href": next["error_anchor"],
                "text": self.messages.format(
                    self.lang,
                    "survey.next_problem",
                    &[("number", &next["number"].to_string())],
                ),
            });
            questions[pair[0]]["next_problem"] = link;
        }
    }

    /// Puts each part's heading on the question that begins it, with where the part is
    /// ("第 2 部分，共 5 部分 · 第 4–9 题"). Questions before the first heading are a part of
    /// their own, without one.
    fn mark_sections(&self, questions: &mut [Value]) {
        let starts: Vec<usize> = (0..questions.len())
            .filter(|&i| i == 0 || self.survey.questions[i].section.is_some())
            .collect();
        let parts = starts.len();
        if parts < 2 {
            return;
        }
        for (part, &start) in starts.iter().enumerate() {
            let Some(heading) = &self.survey.questions[start].section else {
                continue;
            };
            let end = starts.get(part + 1).copied().unwrap_or(questions.len());
            let key = if end == start + 1 {
                "survey.section_place_one"
            } else {
                "survey.section_place"
            };
            let place = self.messages.format(
                self.lang,
                key,
                &[
                    ("part", &(part + 1).to_string()),
                    ("parts", &parts.to_string()),
                    ("first", &(start + 1).to_string()),
                    ("last", &end.to_string()),
                ],
            );
            questions[start]["section"] =
                json!({ "heading": heading.get(self.lang), "place": place });
        }
    }

    fn question(&self, index: usize, q: &Question, marked: Marked) -> Value {
        let lang = self.lang;
        let mut hints: Vec<String> = Vec::new();
        if let Some(help) = &q.help {
            hints.push(help.get(lang).to_owned());
        }
        if let Some(hint) = self.condition_hint(q) {
            hints.push(hint);
        }
        let choices = |options: &mut dyn Iterator<Item = &Choice>, name: &str| -> Vec<Value> {
            options
                .map(|c| {
                    json!({
                        "code": c.code,
                        "label": c.label.get(lang),
                        "checked": self.input.has(name, &c.code),
                    })
                })
                .collect()
        };
        // "Don't know" is no point of the scale: set apart below it (`dk`), so that neither an
        // older reader nor a slipped finger takes it for the lowest rating.
        let scale_choices = |scale: &Scale, name: &str| -> Vec<Value> {
            let mut offered = choices(&mut scale.choices(), name);
            if let (Some(_), Some(last)) = (&scale.dont_know, offered.last_mut()) {
                last["dk"] = json!(true);
            }
            offered
        };
        let mut view = json!({
            "anchor": format!("q{}", index + 1),
            "error_anchor": format!("q{}", index + 1),
            "number": index + 1,
            "name": q.id,
            "text": q.text.get(lang),
            "tag": tag_key(q, marked).map(|key| self.messages.text(lang, key)),
            "optional": !q.required,
            "section": null,
            "error": self.problem(q),
            "input_type": "radio",
            "options": [],
            "items": [],
            "is_number": false,
            "is_text": false,
            "value": self.input.first(&q.id).unwrap_or_default(),
            "max_length": 0,
        });
        let fixed = self
            .fixed_stratum
            .filter(|_| q.id == self.survey.strata.question);
        match &q.kind {
            QuestionKind::Single { options } if fixed.is_some() => {
                let code = fixed.unwrap_or_default();
                let only: Vec<Value> = options
                    .iter()
                    .filter(|c| c.code == code)
                    .map(|c| json!({ "code": c.code, "label": c.label.get(lang), "checked": true }))
                    .collect();
                view["options"] = json!(only);
                hints.push(self.messages.text(
                    lang,
                    if self.interviewer {
                        "invitation.county_set_interviewer"
                    } else {
                        "invitation.county_set"
                    },
                ));
            }
            QuestionKind::Single { options } if q.id == self.survey.strata.question => {
                let mut offered = choices(&mut options.iter(), &q.id);
                for (option, choice) in offered.iter_mut().zip(options) {
                    if self.full_counties.contains(&choice.code) {
                        option["full"] = json!(self.messages.text(lang, "survey.county_full"));
                    }
                }
                view["options"] = json!(offered);
            }
            QuestionKind::Single { options } | QuestionKind::YesNo { options } => {
                view["options"] = json!(choices(&mut options.iter(), &q.id));
            }
            QuestionKind::Multiple {
                options,
                max_choices,
            } => {
                view["input_type"] = json!("checkbox");
                view["options"] = json!(choices(&mut options.iter(), &q.id));
                hints.push(match max_choices {
                    Some(max) => self.messages.format(
                        lang,
                        "survey.choose_up_to",
                        &[("max", &max.to_string())],
                    ),
                    None => self.messages.text(lang, "survey.choose_any"),
                });
            }
            QuestionKind::Scale { scale } => {
                view["options"] = json!(scale_choices(scale, &q.id));
            }
            QuestionKind::Matrix { scale, items } => {
                // Each item left unanswered is marked where it is, which may be screens below
                // the question's own message; the summary's link goes to the first.
                let missing = self.missing_items(q);
                let items: Vec<Value> = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let name = format!("{}.{}", q.id, item.code);
                        json!({
                            // "6.3": which question a row belongs to, when the question's own
                            // title has scrolled screens away.
                            "number": format!("{}.{}", index + 1, i + 1),
                            "label": item.label.get(lang),
                            "name": name,
                            // '.' is in no code: a row coded `t`, `h` or `e` cannot take
                            // the question's own ids (q6-t, its legend; -h, its hints; -e,
                            // its problem), nor one row's problem (q6.a.e) another row's.
                            "anchor": format!("q{}.{}", index + 1, item.code),
                            "missing": missing.contains(&item.code),
                            "options": scale_choices(scale, &name),
                        })
                    })
                    .collect();
                if let Some(first) = items.iter().find(|i| i["missing"] == true) {
                    view["error_anchor"] = first["anchor"].clone();
                }
                view["items"] = json!(items);
            }
            QuestionKind::Number {
                min,
                max,
                integer,
                unit,
            } => {
                view["is_number"] = json!(true);
                // The phone's keypad: digits only for a whole number, with a point for a
                // fraction; neither has a minus sign, so a range below zero gets the keyboard.
                view["inputmode"] = json!(match (*min >= 0.0, *integer) {
                    (true, true) => "numeric",
                    (true, false) => "decimal",
                    (false, _) => "text",
                });
                view["unit"] = json!(unit.as_ref().map(|u| u.get(lang)));
                hints.push(self.messages.format(
                    lang,
                    "survey.number_range",
                    &[("min", &min.to_string()), ("max", &max.to_string())],
                ));
            }
            QuestionKind::Text { max_length } => {
                view["is_text"] = json!(true);
                view["max_length"] = json!(max_length);
                hints.push(self.messages.format(
                    lang,
                    "survey.text_limit",
                    &[("max", &max_length.to_string())],
                ));
            }
        }
        let anchor = format!("q{}", index + 1);
        let described_by: Vec<String> = [
            (!hints.is_empty()).then(|| format!("{anchor}-h")),
            view["error"].is_string().then(|| format!("{anchor}-e")),
        ]
        .into_iter()
        .flatten()
        .collect();
        view["described_by"] = json!(described_by.join(" "));
        // One line each: joined on one line, a hint could wrap with its separator first.
        view["hints"] = json!(hints);
        view
    }

    /// "海盐县的调查已经完成…", when a county the resident may pick is full (an invitation's
    /// county only if it is that one).
    fn full_note(&self) -> Option<String> {
        let names: Vec<&str> = self
            .survey
            .strata
            .units
            .iter()
            .filter(|unit| self.full_counties.contains(&unit.code))
            .filter(|unit| self.fixed_stratum.is_none_or(|fixed| fixed == unit.code))
            .map(|unit| unit.name.get(self.lang))
            .collect();
        if names.is_empty() {
            return None;
        }
        let separator = if self.lang == Lang::Zh { "、" } else { ", " };
        Some(self.messages.format(
            self.lang,
            "survey.counties_full",
            &[("counties", &names.join(separator))],
        ))
    }

    fn condition_hint(&self, q: &Question) -> Option<String> {
        let condition = q.show_if.as_ref()?;
        let (number, earlier) = self
            .survey
            .questions
            .iter()
            .enumerate()
            .find(|(_, e)| e.id == condition.question)?;
        let labels: Vec<&str> = condition
            .any_of
            .iter()
            .map(|code| choice_label(earlier, code, self.lang).unwrap_or(code))
            .collect();
        let separator = match self.lang {
            Lang::Zh => "”或“",
            Lang::En => "” or “",
        };
        Some(self.messages.format(
            self.lang,
            "survey.condition_hint",
            &[
                ("number", &(number + 1).to_string()),
                ("answers", &labels.join(separator)),
            ],
        ))
    }

    /// The items of matrix `q` the resident left unanswered (none when it has no such problem).
    fn missing_items(&self, q: &Question) -> &[String] {
        match self.errors.and_then(|e| e.problems.get(&q.id)) {
            Some(AnswerProblem::ItemsMissing { items }) => items,
            _ => &[],
        }
    }

    fn problem(&self, q: &Question) -> Option<String> {
        let problem = self.errors?.problems.get(&q.id)?;
        let m = self.messages;
        let lang = self.lang;
        Some(match problem {
            AnswerProblem::Required => m.text(lang, "problem.required"),
            AnswerProblem::UnknownOption => m.text(lang, "problem.unknown_option"),
            AnswerProblem::TooManyChoices { max } => m.format(
                lang,
                "problem.too_many_choices",
                &[("max", &max.to_string())],
            ),
            AnswerProblem::NotANumber => m.text(lang, "problem.not_a_number"),
            AnswerProblem::NotAnInteger => m.text(lang, "problem.not_an_integer"),
            AnswerProblem::OutOfRange { min, max } => m.format(
                lang,
                "problem.out_of_range",
                &[("min", &min.to_string()), ("max", &max.to_string())],
            ),
            AnswerProblem::TooLong { max, written } => m.format(
                lang,
                "problem.too_long",
                &[("max", &max.to_string()), ("written", &written.to_string())],
            ),
            AnswerProblem::ItemsMissing { items } => {
                let labels: Vec<&str> = items
                    .iter()
                    .map(|code| item_label(q, code, lang).unwrap_or(code))
                    .collect();
                // Not "、": item labels such as "肉、禽、蛋" hold it themselves.
                let separator = m.text(lang, "problem.items_separator");
                // One key per grammatical number: English says "1 item still needs".
                let key = if items.len() == 1 {
                    "problem.one_item_missing"
                } else {
                    "problem.items_missing"
                };
                m.format(
                    lang,
                    key,
                    &[
                        ("count", &items.len().to_string()),
                        ("items", &labels.join(&separator)),
                    ],
                )
            }
        })
    }
}

/// Which questions carry a tag after their text: the exceptions only. Where most questions
/// must be answered (a satisfaction survey: 19 of 20), "必答" on each would be noise for an
/// older reader, so only the optional ones say "可以不答" and one line above the first question
/// says the rest are required; where most are optional, the required ones say "必答".
#[derive(Clone, Copy, PartialEq, Eq)]
enum Marked {
    Optional,
    Required,
}

impl Marked {
    /// Counted over the questions every resident sees (a conditional one has a tag of its own).
    fn of(survey: &Survey) -> Marked {
        let always = survey.questions.iter().filter(|q| q.show_if.is_none());
        let (required, optional) =
            always.fold(
                (0, 0),
                |(r, o), q| {
                    if q.required {
                        (r + 1, o)
                    } else {
                        (r, o + 1)
                    }
                },
            );
        if required >= optional {
            Marked::Optional
        } else {
            Marked::Required
        }
    }

    /// The line above the first question saying what the tags mean, if any question needs it.
    fn note_key(self, survey: &Survey) -> Option<&'static str> {
        let any = |required: bool| {
            survey
                .questions
                .iter()
                .any(|q| q.show_if.is_none() && q.required == required)
        };
        match self {
            Marked::Optional if any(true) => Some("survey.required_unless_marked"),
            Marked::Required if any(true) => Some("survey.optional_unless_marked"),
            _ => None,
        }
    }
}

/// The tag after a question's text, if it has one (see [`Marked`]). A required question shown
/// only after some answer is "if it applies" rather than "required": a browser without CSS
/// `:has()` (old WebViews) shows it to everyone, next to the hint saying when to answer it. One
/// that may be skipped even then is tagged as any optional question is.
fn tag_key(q: &Question, marked: Marked) -> Option<&'static str> {
    match (q.show_if.is_some(), q.required, marked) {
        (true, true, _) => Some("survey.conditional"),
        (false, true, Marked::Required) => Some("survey.required"),
        (_, false, Marked::Optional) => Some("survey.optional"),
        _ => None,
    }
}

fn choice_label<'a>(q: &'a Question, code: &str, lang: Lang) -> Option<&'a str> {
    let found = match &q.kind {
        QuestionKind::Single { options }
        | QuestionKind::Multiple { options, .. }
        | QuestionKind::YesNo { options } => options.iter().find(|c| c.code == code),
        QuestionKind::Scale { scale } => scale.choices().find(|c| c.code == code),
        _ => None,
    };
    found.map(|c| c.label.get(lang))
}

fn item_label<'a>(q: &'a Question, code: &str, lang: Lang) -> Option<&'a str> {
    match &q.kind {
        QuestionKind::Matrix { items, .. } => items
            .iter()
            .find(|c| c.code == code)
            .map(|c| c.label.get(lang)),
        _ => None,
    }
}

/// CSS that hides a conditional question until its condition holds, in browsers that support
/// `:has()`. Elsewhere every question stays visible with its "answer only if" hint, and the server
/// discards answers to questions whose condition does not hold. No JavaScript either way.
fn conditional_css(survey: &Survey) -> String {
    let mut css = String::new();
    for (index, q) in survey.questions.iter().enumerate() {
        if q.show_if.is_none() {
            continue;
        }
        let anchor = format!("#q{}", index + 1);
        let shown: Vec<String> = shown_when(survey, q)
            .iter()
            .map(|form| format!("{form} {anchor}"))
            .collect();
        css.push_str(&format!(
            "@supports selector(:has(*)){{{anchor}{{display:none}}{}{{display:block}}}}\n",
            shown.join(",")
        ));
    }
    css
}

/// The forms in which `q` is shown, as selectors: its condition and every condition up its
/// chain (the earlier question's own, and so on) must hold, as `Survey::visible` says, so that
/// "other: which?" hides with "how did you hear?" when "aware" turns to no. One selector per
/// combination of one code from each level.
fn shown_when(survey: &Survey, q: &Question) -> Vec<String> {
    let mut forms = vec![String::from("form")];
    let mut current = q;
    // Conditions refer only to earlier questions, so the chain ends; the bound is a second
    // guarantee.
    for _ in 0..=survey.questions.len() {
        let Some(condition) = &current.show_if else {
            break;
        };
        forms = forms
            .iter()
            .flat_map(|form| {
                condition.any_of.iter().map(move |code| {
                    format!(
                        "{form}:has([name=\"{}\"][value=\"{}\"]:checked)",
                        css_string(&condition.question),
                        css_string(code)
                    )
                })
            })
            .collect();
        match survey.question(&condition.question) {
            Some(earlier) => current = earlier,
            None => break,
        }
    }
    forms
}

/// Escapes text for use inside a double-quoted CSS string (and keeps `</style>` impossible).
fn css_string(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' | '\\' | '<' | '>' | '\n' => format!("\\{:x} ", c as u32),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_other_box_hides_with_the_question_it_follows_when_an_earlier_answer_changes() {
        let survey = crate::survey::tests::example();
        let other = survey.question("campaign_heard_from_other").unwrap();

        assert_eq!(
            shown_when(&survey, other),
            [concat!(
                "form:has([name=\"campaign_heard_from\"][value=\"other\"]:checked)",
                ":has([name=\"campaign_aware\"][value=\"yes\"]:checked)"
            )]
        );
        let css = conditional_css(&survey);
        assert!(css.contains("#q12{display:none}"), "{css}");
    }
}
