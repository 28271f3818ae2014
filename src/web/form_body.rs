//! Decoding an `application/x-www-form-urlencoded` body strictly: text that is not valid UTF-8
//! after percent-decoding is refused (400), never silently replaced, so an answer is either
//! stored exactly as typed or not at all.

use percent_encoding::percent_decode;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("field {field} is not valid UTF-8 text")]
pub struct NotUtf8 {
    pub field: usize,
}

/// The body's `name=value` pairs in order. Pairs without a name are skipped.
pub fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, NotUtf8> {
    let mut pairs = Vec::new();
    for (index, part) in body.split(|&b| b == b'&').enumerate() {
        if part.is_empty() {
            continue;
        }
        let (name, value) = match part.iter().position(|&b| b == b'=') {
            Some(i) => (&part[..i], &part[i + 1..]),
            None => (part, &b""[..]),
        };
        let decode = |raw: &[u8]| -> Result<String, NotUtf8> {
            let spaced: Vec<u8> = raw
                .iter()
                .map(|&b| if b == b'+' { b' ' } else { b })
                .collect();
            let bytes: Vec<u8> = percent_decode(&spaced).collect();
            String::from_utf8(bytes).map_err(|_| NotUtf8 { field: index + 1 })
        };
        let name = decode(name)?;
        if name.is_empty() {
            continue;
        }
        pairs.push((name, decode(value)?));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn decodes_what_browsers_send() {
        type Case<'a> = (&'a [u8], Vec<(String, String)>);
        let cases: [Case; 5] = [
            (
                b"county=nanhu&age=30-39",
                pairs(&[("county", "nanhu"), ("age", "30-39")]),
            ),
            (b"q=a+b%2Bc", pairs(&[("q", "a b+c")])),
            ("s=%E5%BB%BA%E8%AE%AE".as_bytes(), pairs(&[("s", "建议")])),
            (
                b"places=a&places=b&&",
                pairs(&[("places", "a"), ("places", "b")]),
            ),
            (b"flag&=orphan", pairs(&[("flag", "")])),
        ];
        for (body, expected) in cases {
            assert_eq!(
                parse_form(body),
                Ok(expected),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn invalid_utf8_is_refused_not_replaced() {
        assert_eq!(
            parse_form(b"county=nanhu&s=%FF%FE"),
            Err(NotUtf8 { field: 2 })
        );
        assert_eq!(parse_form(b"s=\xff"), Err(NotUtf8 { field: 1 }));
    }
}
