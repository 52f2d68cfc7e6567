//! What text may be stored and shown: no NUL or other control characters (C0 except tab, CR
//! and LF; DEL; C1) and no bidirectional overrides or isolates (U+202A–U+202E,
//! U+2066–U+2069), which can make a name read backwards on screen. Tab and line breaks are
//! kept only in long text (textareas); in single-line text they become spaces. Everything
//! here is one pass over the input and borrows when nothing changes.

use std::borrow::Cow;

/// A text cut to `max` characters with an ellipsis, for titles in messages and lists.
pub fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max).collect();
        s.push('…');
        s
    }
}

/// A character removed from every text input.
pub fn is_stripped(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}'
        | '\u{B}'
        | '\u{C}'
        | '\u{E}'..='\u{1F}'
        | '\u{7F}'..='\u{9F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}')
}

/// `s` without stripped characters; line breaks as `\n` in long text (`multiline`), tab and
/// line breaks as one space each in single-line text.
pub fn clean(s: &str, multiline: bool) -> Cow<'_, str> {
    let untouched = s.chars().all(|c| {
        !is_stripped(c)
            && if multiline {
                c != '\r'
            } else {
                !matches!(c, '\t' | '\r' | '\n')
            }
    });
    if untouched {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push(if multiline { '\n' } else { ' ' });
            }
            '\t' | '\n' if !multiline => out.push(' '),
            c if is_stripped(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Invalid UTF-8 after percent-decoding.
#[derive(Debug, PartialEq, Eq)]
pub struct NotUtf8;

/// Percent-decode one url-encoded name or value (`+` is a space) and check it is UTF-8.
pub fn decode_component(raw: &[u8]) -> Result<Cow<'_, str>, NotUtf8> {
    if !raw.iter().any(|b| matches!(b, b'%' | b'+')) {
        return std::str::from_utf8(raw)
            .map(Cow::Borrowed)
            .map_err(|_| NotUtf8);
    }
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => bytes.push(b' '),
            b'%' => match (
                raw.get(i + 1).and_then(|b| hex(*b)),
                raw.get(i + 2).and_then(|b| hex(*b)),
            ) {
                (Some(h), Some(l)) => {
                    bytes.push(h << 4 | l);
                    i += 2;
                }
                _ => bytes.push(b'%'),
            },
            b => bytes.push(b),
        }
        i += 1;
    }
    String::from_utf8(bytes)
        .map(Cow::Owned)
        .map_err(|_| NotUtf8)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Normalise a url-encoded form body or query string: every name and value decoded (invalid
/// UTF-8 is an error) and cleaned, values of long-text fields (`multiline(name)`) keeping their
/// line breaks. `None` when nothing changed (send the original on); otherwise the re-encoded
/// text. Linear in the input.
pub fn normalise_urlencoded(
    raw: &[u8],
    multiline: impl Fn(&str) -> bool,
) -> Result<Option<String>, NotUtf8> {
    let mut changed = false;
    let mut pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = Vec::new();
    for part in raw.split(|b| *b == b'&') {
        if part.is_empty() {
            continue;
        }
        let (name, value) = match part.iter().position(|b| *b == b'=') {
            Some(i) => (&part[..i], &part[i + 1..]),
            None => (part, &b""[..]),
        };
        let name = decode_component(name)?;
        let value = decode_component(value)?;
        let clean_name = clean(&name, false);
        let keep_raw = is_secret(&clean_name);
        let clean_value = if keep_raw {
            Cow::Borrowed(value.as_ref())
        } else {
            clean(&value, multiline(&clean_name))
        };
        if matches!(clean_name, Cow::Owned(_)) || matches!(clean_value, Cow::Owned(_)) {
            changed = true;
        }
        pairs.push((
            Cow::Owned(clean_name.into_owned()),
            Cow::Owned(clean_value.into_owned()),
        ));
    }
    if !changed {
        return Ok(None);
    }
    let mut out = url::form_urlencoded::Serializer::new(String::with_capacity(raw.len()));
    for (k, v) in &pairs {
        out.append_pair(k, v);
    }
    Ok(Some(out.finish()))
}

/// A request path whose percent-decoded form is UTF-8 without stripped characters (a path
/// parameter such as `/campaigns/2026/plans/%00` never reaches a query).
pub fn path_is_clean(raw: &str) -> bool {
    if !raw.contains('%') {
        return !raw.chars().any(is_stripped);
    }
    let b = raw.as_bytes();
    let mut bytes = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (
            b[i],
            b.get(i + 1).and_then(|x| hex(*x)),
            b.get(i + 2).and_then(|x| hex(*x)),
        ) {
            (b'%', Some(h), Some(l)) => {
                bytes.push(h << 4 | l);
                i += 3;
            }
            (x, _, _) => {
                bytes.push(x);
                i += 1;
            }
        }
    }
    std::str::from_utf8(&bytes).is_ok_and(|s| !s.chars().any(is_stripped))
}

/// Passwords are never stored or shown: they pass as typed (only checked to be UTF-8), so a
/// password keeps working whatever it holds.
fn is_secret(name: &str) -> bool {
    name.contains("password")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_controls_and_bidi() {
        assert_eq!(clean("a\u{0}b\u{7}c\u{7F}d\u{85}e", false), "abcde");
        assert_eq!(clean("evil\u{202E}fdp.exe", false), "evilfdp.exe");
        assert_eq!(clean("x\u{2066}y\u{2069}", false), "xy");
        assert_eq!(clean("中文（全角）", false), "中文（全角）");
        assert!(matches!(clean("plain 中文", false), Cow::Borrowed(_)));
    }

    #[test]
    fn line_breaks_only_in_long_text() {
        assert_eq!(clean("a\r\nb\rc\nd\te", true), "a\nb\nc\nd\te");
        assert_eq!(clean("a\r\nb\rc\nd\te", false), "a b c d e");
        assert!(matches!(clean("a\nb\tc", true), Cow::Borrowed(_)));
    }

    #[test]
    fn decodes_strictly() {
        assert_eq!(decode_component(b"a+b%20c").unwrap(), "a b c");
        assert_eq!(decode_component(b"%E4%B8%AD").unwrap(), "中");
        assert_eq!(decode_component(b"100%").unwrap(), "100%");
        assert_eq!(decode_component(b"%zz%4").unwrap(), "%zz%4");
        assert_eq!(decode_component(b"%FF%FE"), Err(NotUtf8));
        assert_eq!(decode_component(b"\xff"), Err(NotUtf8));
    }

    #[test]
    fn forms_are_rewritten_only_when_needed() {
        let long = |n: &str| n == "content";
        assert_eq!(normalise_urlencoded(b"q=a+b&page=2", long), Ok(None));
        assert_eq!(
            normalise_urlencoded(b"title=a%00b%0Ac&content=x%0D%0Ay", long),
            Ok(Some("title=ab+c&content=x%0Ay".into()))
        );
        assert_eq!(
            normalise_urlencoded(b"title=%E2%80%AEtxt.exe", long),
            Ok(Some("title=txt.exe".into()))
        );
        assert_eq!(normalise_urlencoded(b"q=%FF%FE", long), Err(NotUtf8));
        assert_eq!(normalise_urlencoded(b"%FF=1", long), Err(NotUtf8));
        assert_eq!(
            normalise_urlencoded(b"password=a%00%0Ab&username=x%00", long),
            Ok(Some("password=a%00%0Ab&username=x".into()))
        );
        // Repeated names (ticked ids) keep their order.
        assert_eq!(normalise_urlencoded(b"ids=1&ids=2&&x", long), Ok(None));
    }

    #[test]
    fn paths() {
        assert!(path_is_clean("/measures/12"));
        assert!(path_is_clean("/static/%E4%B8%AD.css"));
        assert!(!path_is_clean("/campaigns/2026/plans/%00"));
        assert!(!path_is_clean("/x/%FF"));
        assert!(!path_is_clean("/x/%E2%80%AE"));
    }

    #[test]
    fn linear_on_a_large_body() {
        let body = "title=".to_string() + &"%00a".repeat(500_000);
        let started = std::time::Instant::now();
        let out = normalise_urlencoded(body.as_bytes(), |_| false)
            .unwrap()
            .unwrap();
        assert_eq!(out.len(), "title=".len() + 500_000);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
