//! What the line of a TOML syntax error most likely got wrong, for the slips a person copying
//! the example makes: the heuristics behind [`SyntaxHint`]. The parser's own message is terse
//! English ("duplicate key", "string values must be quoted") and often leads them astray.

use super::error::SyntaxHint;

/// What a line holds outside its `"…"` and `'…'` strings, up to a comment: where punctuation
/// and spaces are TOML's (inside a string they are just text).
fn outside_strings(line: &str) -> String {
    let mut outside = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in line.chars() {
        match quote {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' => break,
            None => outside.push(c),
        }
    }
    outside
}

/// What a `"…"` text on the line that ends where the writing goes on most likely meant: a
/// closing quote left out (`zh = "比较满意, en = "Fairly"`: the text runs on into the next key),
/// or half-width quotes meant as part of the text (`"您的"性别""`). A text that ends before a
/// space, a comma, a bracket or a comment is followed by TOML, not by more of itself.
fn quote_slip(line: &str) -> Option<SyntaxHint> {
    if line.contains("\"\"\"") || line.contains("'''") {
        return None;
    }
    let mut chars = line.chars().peekable();
    let mut escaped = false;
    let mut quote: Option<char> = None;
    let mut text = String::new();
    while let Some(c) = chars.next() {
        match quote {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => {
                quote = None;
                let goes_on = chars
                    .peek()
                    .is_some_and(|&next| !next.is_whitespace() && !",]}#=.\"'".contains(next));
                // Up to the next quote reads as more text, not as TOML (`"4"zh = "…"`).
                let words: String = chars.clone().take_while(|&c| c != '"').collect();
                let more_text = !words.contains(['=', ',', '[', '{']);
                if q == '"' && goes_on && more_text && chars.clone().any(|c| c == '"') {
                    return Some(if text.contains('=') {
                        SyntaxHint::UnclosedQuote
                    } else {
                        SyntaxHint::QuotesInsideText
                    });
                }
            }
            Some(_) => text.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                text.clear();
            }
            None if c == '#' => return None,
            None => {}
        }
    }
    None
}

/// A long text left open above the error's `line`: a line meant to open the next one
/// (`description.en = """`) found a long text with the same quotes still open above it (as TOML
/// reads strings and comments), so its quotes closed that text instead and what was meant to
/// follow became TOML. That line is the error's own when words follow the quotes on it
/// (`description.en = """Food safety`); else the last line before it that holds anything (blank
/// lines and comments parse, so the parser stops at the first line of words).
pub(super) fn unclosed_long_text(source: &str, line: usize) -> Option<SyntaxHint> {
    // The parser may name the line after the last (a text left open at the end of the file).
    let error_line = source.lines().nth(line.checked_sub(1)?)?;
    let above: Vec<&str> = source.lines().take(line - 1).collect();
    let lines = &above;
    let (index, quotes) = match long_text_opening(error_line) {
        Some((quotes, false)) => (line - 1, quotes),
        _ => {
            let (index, before) = above.iter().enumerate().rev().find(|(_, text)| {
                let text = text.trim();
                !text.is_empty() && !text.starts_with('#')
            })?;
            match long_text_opening(before)? {
                (quotes, true) => (index, quotes),
                (_, false) => return None,
            }
        }
    };
    let (open, opened) = long_text_left_open(&lines[..index])?;
    (open == quotes).then_some(SyntaxHint::UnclosedLongText {
        line: index + 1,
        opened,
        quotes: open,
    })
}

/// A long text still open where the file ends (`zh = """您的性别` and no `"""` after it): the
/// parser names the file's end, and the line to mend is where the text opened.
pub(super) fn long_text_never_closed(source: &str, line: usize) -> Option<SyntaxHint> {
    let lines: Vec<&str> = source.lines().collect();
    if line < lines.len() {
        return None;
    }
    let (quotes, opened) = long_text_left_open(&lines)?;
    Some(SyntaxHint::LongTextNeverClosed { opened, quotes })
}

/// The quotes of a long text a line opens (`key = """`), and whether nothing but a comment
/// follows them on the line.
fn long_text_opening(line: &str) -> Option<(&'static str, bool)> {
    let (key, value) = line.split_once('=')?;
    if key.contains(['"', '\'']) {
        return None;
    }
    let value = value.trim_start();
    let quotes = ["\"\"\"", "\'\'\'"]
        .into_iter()
        .find(|quotes| value.starts_with(quotes))?;
    let after = value[3..].trim();
    Some((quotes, after.is_empty() || after.starts_with('#')))
}

/// The quotes and 1-based line of a long text (`"""…"""` or `'''…'''`) still open at the end of
/// `lines`, read as TOML reads strings and comments.
fn long_text_left_open(lines: &[&str]) -> Option<(&'static str, usize)> {
    enum Reading {
        Code,
        Comment,
        Text(u8),
        LongText(&'static str, usize),
    }
    let mut reading = Reading::Code;
    let mut escaped = false;
    for (number, line) in lines.iter().enumerate() {
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let rest = &bytes[i..];
            match reading {
                Reading::Comment => break,
                Reading::Code => {
                    let long = ["\"\"\"", "'''"];
                    if let Some(long) = long.into_iter().find(|q| rest.starts_with(q.as_bytes())) {
                        reading = Reading::LongText(long, number + 1);
                        i += 2;
                    } else if matches!(bytes[i], b'"' | b'\'') {
                        reading = Reading::Text(bytes[i]);
                    } else if bytes[i] == b'#' {
                        reading = Reading::Comment;
                    }
                }
                _ if escaped => escaped = false,
                Reading::Text(b'"') | Reading::LongText("\"\"\"", _) if bytes[i] == b'\\' => {
                    escaped = true;
                }
                Reading::Text(quote) if bytes[i] == quote => reading = Reading::Code,
                Reading::Text(_) => {}
                Reading::LongText(long, _) if rest.starts_with(long.as_bytes()) => {
                    // Up to two more quotes may end the text itself (`""""` is `"` then `"""`).
                    let more = rest[3..]
                        .iter()
                        .take(2)
                        .take_while(|&&b| b == rest[0])
                        .count();
                    i += 2 + more;
                    reading = Reading::Code;
                }
                Reading::LongText(..) => {}
            }
            i += 1;
        }
        // A line ends comments and one-line texts; a backslash at a line's end joins the next
        // line in a long text and escapes nothing on it.
        escaped = false;
        if matches!(reading, Reading::Comment | Reading::Text(_)) {
            reading = Reading::Code;
        }
    }
    match reading {
        Reading::LongText(quotes, line) => Some((quotes, line)),
        _ => None,
    }
}

/// The full-width punctuation a Chinese input method types, found outside `"…"` and `'…'`
/// strings of a line (inside them it is just text), each once.
pub(super) fn full_width_outside_strings(line: &str) -> Vec<char> {
    const WIDE: &str = "“”‘’＝，。：；［］｛｝（）＂＇＃【】";
    let mut found = Vec::new();
    for c in outside_strings(line).chars() {
        if WIDE.contains(c) && !found.contains(&c) {
            found.push(c);
        }
    }
    found
}

/// What the line of a syntax error most likely meant, for the slips a person copying the
/// example makes: a repeated block with single brackets, a date written otherwise, a number
/// written with %, 万 or thousands separators, full-width digits or spaces, a key that needs
/// quotes. TOML's own message says "duplicate key" or "string values must be quoted", which
/// leads them astray.
pub(super) fn syntax_hint(line: &str) -> Option<SyntaxHint> {
    const BLOCKS: [&str; 4] = ["questions", "indicators", "margins", "strata.units"];
    if let Some(name) = line
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .filter(|name| BLOCKS.contains(name))
    {
        return Some(SyntaxHint::SingleBrackets {
            name: name.to_owned(),
        });
    }
    if outside_strings(line)
        .chars()
        .any(|c| ('０'..='９').contains(&c) || c == '\u{3000}' || c == '\u{a0}')
    {
        return Some(SyntaxHint::FullWidthDigits);
    }
    if let Some(hint) = quote_slip(line) {
        return Some(hint);
    }
    let (key, value) = line.split_once('=')?;
    let value = value.split('#').next().unwrap_or(value).trim();
    if let Some(written) = date_meant(value) {
        return Some(SyntaxHint::Date { written });
    }
    if let Some(hint) = number_hint(value) {
        return Some(hint);
    }
    let key = key.trim();
    let bare = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    let quoted = key.starts_with(['"', '\'', '[', '{']);
    (!key.is_empty() && !quoted && !key.chars().all(bare)).then(|| key_hint(key))
}

/// The hint for a key a bare key cannot be: the key meant, when it is one written in full-width
/// letters (`ｅｎ`) or the language keys in Chinese (`英文`); else to quote it.
fn key_hint(key: &str) -> SyntaxHint {
    let half_width: String = key
        .chars()
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            other => other,
        })
        .collect();
    let meant = match key {
        "中文" | "汉语" | "简体中文" => Some("zh"),
        "英文" | "英语" => Some("en"),
        _ => None,
    };
    match meant {
        Some(meant) => SyntaxHint::KeyMeant {
            key: key.to_owned(),
            meant: meant.to_owned(),
        },
        None if half_width != key && half_width.is_ascii() => SyntaxHint::KeyMeant {
            key: key.to_owned(),
            meant: half_width,
        },
        None => SyntaxHint::QuoteKey {
            key: key.to_owned(),
        },
    }
}

/// The key around `offset` that a bare key cannot be (`60+` inside `{ 60+ = 0.19 }`), to
/// quote.
pub(super) fn bare_key_at(source: &str, offset: usize) -> Option<SyntaxHint> {
    let delimiter = |c: char| c.is_whitespace() || matches!(c, '{' | ',' | '=' | '[' | '}');
    let start = source.get(..offset)?.rfind(delimiter).map_or(0, |i| i + 1);
    let rest = source.get(start..)?;
    let key = &rest[..rest.find(delimiter).unwrap_or(rest.len())];
    (!key.is_empty()).then(|| key_hint(key))
}

/// The date a value written otherwise than `2016-10-05` means: with slashes, dots, full-width
/// hyphens, 年月日, or a one-digit month or day. `None` for anything else.
fn date_meant(value: &str) -> Option<String> {
    let normal: String = value
        .trim_end_matches(['日', '号'])
        .chars()
        .map(|c| match c {
            '年' | '月' | '－' | '—' | '–' | '‐' | '/' | '／' | '.' | '．' => '-',
            other => other,
        })
        .collect();
    let parts: Vec<&str> = normal.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return None;
    };
    let digits = |part: &str, lengths: std::ops::RangeInclusive<usize>| {
        lengths.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit())
    };
    let written = format!("{year}-{month:0>2}-{day:0>2}");
    (digits(year, 4..=4) && digits(month, 1..=2) && digits(day, 1..=2) && written != value)
        .then_some(written)
}

/// What a number written as a person writes it on paper should be: a share with %, a count
/// with 万 or 亿, or with thousands separators.
pub(super) fn number_hint(value: &str) -> Option<SyntaxHint> {
    if let Some(number) = value.strip_suffix(['%', '％']) {
        if let Ok(percent) = number.trim().parse::<f64>() {
            return Some(SyntaxHint::Percent {
                percent: percent.to_string(),
                fraction: (percent / 100.0).to_string(),
            });
        }
    }
    for (unit, zeros) in [('万', 4), ('亿', 8)] {
        if let Some(number) = value
            .strip_suffix(unit)
            .and_then(|n| in_full(n.trim(), zeros))
        {
            return Some(SyntaxHint::ChineseNumber {
                written: value.to_owned(),
                number,
            });
        }
    }
    let groups: Vec<&str> = value.split([',', ' ', '，']).collect();
    let grouped = groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    grouped.then(|| SyntaxHint::ThousandsSeparator {
        number: groups.concat(),
    })
}

/// `number` (digits, perhaps a decimal point) times 10^`zeros`, written out: `61.27` and 4
/// give `612700`. `None` when that is no whole number or `number` no plain decimal.
fn in_full(number: &str, zeros: usize) -> Option<String> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let plain = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !plain(whole) || !plain(fraction) || fraction.len() > zeros {
        return None;
    }
    let written = format!("{whole}{fraction:0<zeros$}");
    let trimmed = written.trim_start_matches('0');
    Some(if trimmed.is_empty() { "0" } else { trimmed }.to_owned())
}

/// What the TOML parser's message about `line` means, in plain words, for the mistakes a clerk
/// most often makes (the message itself is terse English).
pub(super) fn parser_hint(message: &str, line: &str) -> Option<SyntaxHint> {
    let what = message.split(", expected").next().unwrap_or_default();
    // `key =` with nothing after it (but perhaps a comment) reads as an unquoted text.
    let no_value = line
        .split('#')
        .next()
        .unwrap_or(line)
        .trim_end()
        .ends_with('=');
    Some(match what {
        "string values must be quoted" if no_value => SyntaxHint::NoValue,
        "missing value" | "missing value for key" => SyntaxHint::NoValue,
        // The same message names a control character inside a closed text.
        "invalid basic string" if message.ends_with("expected `\"`") => SyntaxHint::UnclosedQuote,
        "duplicate key" => SyntaxHint::DuplicateKey,
        "key with no value" | "missing assignment between key-value pairs" => SyntaxHint::NoValue,
        "unclosed array table" | "unclosed table" => SyntaxHint::UnclosedHeader,
        "unclosed array" | "unclosed inline table" => SyntaxHint::UnclosedBrackets,
        "string values must be quoted" | "invalid boolean" | "missing opening quote" => {
            SyntaxHint::UnquotedText
        }
        "missing comma between array elements" => SyntaxHint::MissingComma,
        "unexpected leading zero" => SyntaxHint::LeadingZero,
        "unexpected key or value" => SyntaxHint::MoreOnTheLine,
        _ => return None,
    })
}
