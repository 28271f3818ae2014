//! Free-text scrubbing: contact details and identity numbers a resident types into a comment
//! box become typed placeholders (`[手机号]`, `[身份证号]`, …) before the text is stored.
//!
//! Pure. Numbers are judged whole (a run of digits with the spaces and dashes people type
//! between groups), never by a substring, and only what passes its own check is replaced:
//! a resident identity number by its ISO 7064 MOD 11-2 check character, a bank card by Luhn, a
//! mobile number by its 1[3-9] prefix. Prices, dates, years, the 12331 hotline and order
//! numbers that fail the checks stay as written.

use std::sync::LazyLock;

use regex_lite::{Captures, Regex};

/// What a placeholder stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Found {
    Mobile,
    Landline,
    ResidentId,
    BankCard,
    Email,
    Qq,
    WeChat,
    Plate,
    Dwelling,
}

impl Found {
    /// Every kind, in the order they are listed above.
    pub const ALL: [Found; 9] = [
        Found::Mobile,
        Found::Landline,
        Found::ResidentId,
        Found::BankCard,
        Found::Email,
        Found::Qq,
        Found::WeChat,
        Found::Plate,
        Found::Dwelling,
    ];

    /// The text that replaces the personal detail.
    pub fn placeholder(self) -> &'static str {
        match self {
            Found::Mobile => "[手机号]",
            Found::Landline => "[电话]",
            Found::ResidentId => "[身份证号]",
            Found::BankCard => "[银行卡号]",
            Found::Email => "[邮箱]",
            Found::Qq => "[QQ号]",
            Found::WeChat => "[微信号]",
            Found::Plate => "[车牌号]",
            Found::Dwelling => "[门牌号]",
        }
    }
}

/// The text with every personal detail found replaced by its placeholder.
pub fn scrub(text: &str) -> String {
    scrub_with_report(text).0
}

/// The scrubbed text and what was replaced, in the order the passes found it.
pub fn scrub_with_report(text: &str) -> (String, Vec<Found>) {
    let mut found = Vec::new();
    if !text.chars().any(might_hold_detail) {
        return (text.to_owned(), found);
    }
    let text = replace(
        text,
        &EMAIL,
        |caps, _, _| Some((caps[0].len(), Found::Email)),
        &mut found,
    );
    let text = replace_tail(
        &text,
        &QQ,
        Found::Qq,
        |rest| !starts_with(rest, |c| c.is_ascii_digit()),
        &mut found,
    );
    let text = replace_tail(
        &text,
        &WECHAT,
        Found::WeChat,
        |rest| !starts_with(rest, |c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
        &mut found,
    );
    let text = replace(
        &text,
        &PLATE,
        |caps, before, after| {
            let plate = &caps[0];
            let ok = !ends_with(before, |c| c.is_ascii_alphanumeric())
                && !starts_with(after, |c| c.is_ascii_alphanumeric())
                && plate.chars().any(|c| c.is_ascii_digit());
            ok.then_some((plate.len(), Found::Plate))
        },
        &mut found,
    );
    let text = replace(
        &text,
        &DWELLING,
        |caps, before, after| {
            let ok = !ends_with(before, |c| c.is_ascii_alphanumeric() || is_wide_digit(c))
                && !starts_with(after, |c| {
                    c.is_ascii_alphanumeric() || is_wide_digit(c) || "年元米平".contains(c)
                });
            ok.then_some((caps[0].len(), Found::Dwelling))
        },
        &mut found,
    );
    // Before the numbers are judged by their checks: labelled, a number is what its label says
    // even when a digit is mistyped (and a card number split in fours is not read as a
    // landline inside it).
    let text = replace_tail(
        &text,
        &LABELLED_ID,
        Found::ResidentId,
        |rest| !starts_with(rest, |c| c.is_ascii_alphanumeric() || is_wide_digit(c)),
        &mut found,
    );
    let text = replace_tail(
        &text,
        &LABELLED_CARD,
        Found::BankCard,
        |rest| !starts_with(rest, |c| c.is_ascii_digit() || is_wide_digit(c)),
        &mut found,
    );
    let text = scrub_numeral_runs(&text, &mut found);
    let text = scrub_numbers(&text, &mut found);
    let text = replace_tail(
        &text,
        &LOCAL_PHONE,
        Found::Landline,
        |rest| !starts_with(rest, |c| c.is_ascii_digit()),
        &mut found,
    );
    (text, found)
}

/// Only digits (ASCII, full-width or Chinese numerals), `@` and the letters of the keyword
/// patterns can start a detail; text without any of them is returned untouched without running
/// a pattern.
fn might_hold_detail(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || is_wide_digit(c)
        || numeral_digit(c).is_some()
        || c == '@'
        || c == '＠'
        || c == '微'
        || c == '扣'
}

/// The digit a Chinese numeral stands for when a number is read out digit by digit (`幺` is
/// the spoken "one" of phone numbers). Positional numbers (`十`, `百`) are no such reading.
fn numeral_digit(c: char) -> Option<char> {
    Some(match c {
        '〇' | '零' => '0',
        '一' | '幺' => '1',
        '二' => '2',
        '三' => '3',
        '四' => '4',
        '五' => '5',
        '六' => '6',
        '七' => '7',
        '八' => '8',
        '九' => '9',
        _ => return None,
    })
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"[A-Za-z0-9._%+\-]+[@＠][A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
});
static QQ: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"(?i)((?:q\s?q|扣扣)(?:号码|号)?\s*(?:[:：]|是|为)?\s*)([1-9][0-9]{4,11})")
});
static WECHAT: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)((?:微\s?信号?|weixin|wechat|wx|vx)\s*(?:id|号)?\s*(?:[:：]|是|为)?\s*)([A-Za-z][A-Za-z0-9_\-]{5,19})",
    )
});
static PLATE: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Za-z][·• ]?[A-Za-z0-9]{5,6}",
    )
});
/// A home's door in a residential compound: building (幢, 栋, 号楼, `A座`), unit (单元) and room,
/// or unit and room, or the `3-2-501室` shorthand; the room number (3 or 4 digits) is what
/// makes it a household, so a building or unit alone (`3栋楼`, `1单元的电梯`) is no match.
static DWELLING: LazyLock<Regex> = LazyLock::new(|| {
    let n = "[0-9０-９]";
    pattern(&format!(
        r"(?:(?:{n}{{1,3}}\s*(?:幢|栋|号楼)|(?:{n}{{1,3}}|[A-Za-z])\s*座)\s*(?:{n}{{1,2}}\s*单元\s*)?|{n}{{1,2}}\s*单元\s*){n}{{3,4}}\s*(?:室|户|房|号)?|{n}{{1,3}}[-－]{n}{{1,2}}[-－]{n}{{3,4}}\s*室"
    ))
});
/// A run of digits with single spaces, dashes, dots, slashes or commas between groups
/// (`138.1234.5678`, `138/1234/5678`), perhaps `+86` first and an `X` last (the check
/// character of an identity number).
static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"[+＋]?[0-9０-９](?:[ \-－./,，]?[0-9０-９])*[Xx]?"));
/// Like `NUMBER`, with Chinese numerals among the digits (`一三八 1234 五六七八`).
static NUMERAL_RUN: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"[0-9０-９〇零一二三四五六七八九幺](?:[ \-－]?[0-9０-９〇零一二三四五六七八九幺])*[Xx]?",
    )
});
/// An identity number after the word for it, whatever its check character: a resident who
/// mistypes a digit still wrote their number.
static LABELLED_ID: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"((?:身份证|证件)(?:号码|号)?\s*(?:是|为)?\s*[:：]?\s*)([0-9０-９]{14,17}[0-9０-９Xx])",
    )
});
/// A card or account number after the word for it, whatever the Luhn check says.
static LABELLED_CARD: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"((?:银行卡|卡号|账号|帐号)(?:号码|号)?\s*(?:是|为)?\s*[:：]?\s*)([0-9０-９](?:[ \-]?[0-9０-９]){11,18})",
    )
});
/// A local number without its area code, recognisable only by the word before it.
static LOCAL_PHONE: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"((?:电话|座机|固话)(?:号码)?\s*[:：]?\s*)([0-9]{7,8})"));

fn pattern(source: &str) -> Regex {
    Regex::new(source).unwrap_or_else(|e| panic!("scrub pattern {source:?} is invalid: {e}"))
}

fn is_wide_digit(c: char) -> bool {
    ('０'..='９').contains(&c)
}

fn starts_with(text: &str, test: impl Fn(char) -> bool) -> bool {
    text.chars().next().is_some_and(test)
}

fn ends_with(text: &str, test: impl Fn(char) -> bool) -> bool {
    text.chars().next_back().is_some_and(test)
}

/// Replaces each match that `judge` accepts. `judge` sees the captures, the text before and
/// after the match, and returns how many bytes of the match to replace (from its start).
fn replace(
    text: &str,
    regex: &Regex,
    judge: impl Fn(&Captures, &str, &str) -> Option<(usize, Found)>,
    found: &mut Vec<Found>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for caps in regex.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        let Some((len, kind)) = judge(&caps, &text[..whole.start()], &text[whole.end()..]) else {
            continue;
        };
        out.push_str(&text[copied..whole.start()]);
        out.push_str(kind.placeholder());
        copied = whole.start() + len;
        found.push(kind);
    }
    out.push_str(&text[copied..]);
    out
}

/// For keyword patterns (`QQ：12345678`): keeps the keyword (group 1) and replaces the value
/// (group 2) when `ends_cleanly` accepts what follows it.
fn replace_tail(
    text: &str,
    regex: &Regex,
    kind: Found,
    ends_cleanly: impl Fn(&str) -> bool,
    found: &mut Vec<Found>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for caps in regex.captures_iter(text) {
        let (Some(whole), Some(value)) = (caps.get(0), caps.get(2)) else {
            continue;
        };
        let before = &text[..whole.start()];
        let keyword_is_ascii = text[whole.start()..].starts_with(|c: char| c.is_ascii_alphabetic());
        if (keyword_is_ascii && ends_with(before, |c| c.is_ascii_alphabetic()))
            || !ends_cleanly(&text[value.end()..])
        {
            continue;
        }
        out.push_str(&text[copied..value.start()]);
        out.push_str(kind.placeholder());
        copied = value.end();
        found.push(kind);
    }
    out.push_str(&text[copied..]);
    out
}

fn scrub_numbers(text: &str, found: &mut Vec<Found>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for run in NUMBER.find_iter(text) {
        if !stands_alone(text, run.start(), run.end())
            && !is_labelled_mobile(&text[..run.start()], run.as_str())
        {
            continue;
        }
        out.push_str(&text[copied..run.start()]);
        out.push_str(&scrub_run(run.as_str(), found));
        copied = run.end();
    }
    out.push_str(&text[copied..]);
    out
}

/// A mobile number glued to a word that says it is one (`tel13812345678`); glued to other
/// letters a number is a code (`单号JD13812345678`) and stays.
fn is_labelled_mobile(before: &str, run: &str) -> bool {
    let before = before.to_ascii_lowercase();
    ["tel", "phone", "mobile", "mob", "cell"]
        .iter()
        .any(|word| before.ends_with(word))
        && classify(run) == Some(Found::Mobile)
}

/// Whether the number at `start..end` of `text` stands on its own: a number glued to letters
/// is a code (订单号AB2016…), and one after a point a fraction.
fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    !ends_with(&text[..start], |c| c.is_ascii_alphanumeric() || c == '.')
        && !starts_with(&text[end..], |c| c.is_ascii_alphanumeric())
}

/// Numbers written with Chinese numerals, digit by digit (a resident may write a phone number
/// so, or a form filter elsewhere may have taught them to): each run holding a numeral is
/// judged by the digits it reads as, and replaced only when it passes the same checks as a
/// number in digits. Runs of digits alone are left to `scrub_numbers`.
///
/// A word after the number may begin with a numeral (一直, 一个, 三天): when the whole run
/// passes no check, the run without its last one or two numerals is tried too, unless a
/// positional numeral follows (`…九十` is ninety, not a digit and a word).
fn scrub_numeral_runs(text: &str, found: &mut Vec<Found>) -> String {
    if !text.chars().any(|c| numeral_digit(c).is_some()) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for run in NUMERAL_RUN.find_iter(text) {
        let run_text = run.as_str();
        if !run_text.chars().any(|c| numeral_digit(c).is_some())
            || !stands_alone(text, run.start(), run.end())
        {
            continue;
        }
        let positional = starts_with(&text[run.end()..], |c| "十百千万亿".contains(c));
        let trailing = run_text
            .char_indices()
            .rev()
            .take(if positional { 0 } else { 2 });
        let ends = std::iter::once(run_text.len()).chain(
            trailing
                .take_while(|(_, c)| numeral_digit(*c).is_some())
                .map(|(at, _)| at),
        );
        for end in ends {
            let read: String = run_text[..end]
                .chars()
                .map(|c| numeral_digit(c).unwrap_or(c))
                .collect();
            if let Some(kind) = classify(&read) {
                out.push_str(&text[copied..run.start()]);
                out.push_str(kind.placeholder());
                copied = run.start() + end;
                found.push(kind);
                break;
            }
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// One run of digits: replaced whole when it is one detail; else the longest stretch of its
/// space-separated groups that is one ("电话 0573-82345678 13812345678" holds two numbers,
/// "138 1234 5678 3楼" a mobile number and a floor), and the groups either side judged the
/// same way.
fn scrub_run(run: &str, found: &mut Vec<Found>) -> String {
    let parts: Vec<&str> = run.split(' ').collect();
    scrub_parts(&parts, found).join(" ")
}

/// The most groups one detail is written in (a bank card in fives of four, `+86 138 1234
/// 5678`): longer stretches are not tried, so a long run costs time in proportion to it.
const MOST_GROUPS: usize = 6;

fn scrub_parts(parts: &[&str], found: &mut Vec<Found>) -> Vec<String> {
    for len in (1..=parts.len().min(MOST_GROUPS)).rev() {
        for start in 0..=parts.len() - len {
            if let Some(kind) = classify(&parts[start..start + len].join(" ")) {
                let mut out = scrub_parts(&parts[..start], found);
                found.push(kind);
                out.push(kind.placeholder().to_owned());
                out.extend(scrub_parts(&parts[start + len..], found));
                return out;
            }
        }
    }
    parts.iter().map(|part| (*part).to_owned()).collect()
}

/// What may separate the groups of a number's digits (see `NUMBER`).
const GROUP_SEPARATORS: [char; 8] = [' ', '-', '－', '.', '/', ',', '，', '、'];

/// What a run of digits is, judged by its digits and how they are grouped.
pub(crate) fn classify(run: &str) -> Option<Found> {
    let plus = run.starts_with(['+', '＋']);
    let groups: Vec<String> = run
        .trim_start_matches(['+', '＋'])
        .split(GROUP_SEPARATORS)
        .map(|group| group.chars().map(ascii_digit).collect())
        .collect();
    let lengths: Vec<usize> = groups.iter().map(String::len).collect();
    let digits: String = groups.concat();
    if plus {
        return match digits.strip_prefix("86") {
            Some(national) if is_mobile(national) => Some(Found::Mobile),
            Some(national) if national.len() >= 9 => Some(Found::Landline),
            _ if (8..=15).contains(&digits.len()) => Some(Found::Landline),
            _ => None,
        };
    }
    let only_digits = digits.bytes().all(|b| b.is_ascii_digit());
    if is_mobile(&digits)
        || (digits.len() == 13 && digits.starts_with("86") && is_mobile(&digits[2..]))
    {
        return Some(Found::Mobile);
    }
    // Eighteen digits with a valid check character and date of birth, however grouped; or,
    // one digit mistyped, shaped as one (a region, a date of birth) and ending in X, which
    // no other number does.
    if digits.len() == 18 && (is_resident_id(&digits) || is_mistyped_resident_id(&digits)) {
        return Some(Found::ResidentId);
    }
    if lengths == [15] && only_digits && is_old_resident_id(&digits) {
        return Some(Found::ResidentId);
    }
    let card_grouping = lengths.len() == 1 || lengths[..lengths.len() - 1].iter().all(|&n| n == 4);
    if only_digits && (16..=19).contains(&digits.len()) && card_grouping && luhn(&digits) {
        return Some(Found::BankCard);
    }
    if only_digits && is_landline(&digits, &lengths) {
        return Some(Found::Landline);
    }
    None
}

fn ascii_digit(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        'x' => 'X',
        other => other,
    }
}

/// 11 digits, `1` then 3 to 9: every mainland mobile number.
fn is_mobile(digits: &str) -> bool {
    let b = digits.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

/// An area code (0 and 2 or 3 more digits) and a local number of 7 or 8 digits, written with
/// a separator after the area code or as 10 to 12 digits in one.
fn is_landline(digits: &str, lengths: &[usize]) -> bool {
    if !digits.starts_with('0') || digits.starts_with("00") {
        return false;
    }
    match lengths {
        [area, rest @ ..] if !rest.is_empty() => {
            (3..=4).contains(area) && (7..=8).contains(&rest.iter().sum::<usize>())
        }
        [one] => (10..=12).contains(one),
        _ => false,
    }
}

/// 17 digits, a check character by ISO 7064 MOD 11-2 and a plausible date of birth.
pub(crate) fn is_resident_id(id: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let bytes = id.as_bytes();
    if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = bytes[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize] == bytes[17] && plausible_birth(&id[6..14])
}

/// An identity number whose check character fails but which ends in `X` after a region and a
/// plausible date of birth: a mistyped one (an order number never ends in X).
fn is_mistyped_resident_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    bytes.len() == 18
        && bytes[..17].iter().all(u8::is_ascii_digit)
        && bytes[17] == b'X'
        && (b'1'..=b'8').contains(&bytes[0])
        && plausible_birth(&id[6..14])
}

/// The 15-digit numbers issued before 1999: a region, a date of birth `YYMMDD` (19YY), a serial.
fn is_old_resident_id(id: &str) -> bool {
    matches!(id.as_bytes()[0], b'1'..=b'8') && plausible_birth(&format!("19{}", &id[6..12]))
}

fn plausible_birth(yyyymmdd: &str) -> bool {
    let number =
        |range: std::ops::Range<usize>| yyyymmdd.get(range).and_then(|s| s.parse::<u32>().ok());
    matches!(
        (number(0..4), number(4..6), number(6..8)),
        (Some(1900..=2099), Some(1..=12), Some(1..=31))
    )
}

/// The Luhn check every bank card number passes.
pub(crate) fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

#[cfg(test)]
#[path = "scrub_tests.rs"]
mod tests;
