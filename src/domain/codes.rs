//! A set of codes kept in one text column, written `,a,b,` (a person's roster categories, an
//! activity's target groups and 四个带头 tags, a survey's target units). Empty set: the empty
//! string. A member test in SQL is `column LIKE '%,code,%'` ([`like`]), the same on both
//! backends; codes never contain a comma.

/// `,a,b,` for the codes in order, without repeats; "" for none.
pub fn encode<'a>(codes: impl IntoIterator<Item = &'a str>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for c in codes {
        let c = c.trim();
        if !c.is_empty() && !c.contains(',') && !seen.contains(&c) {
            seen.push(c);
        }
    }
    if seen.is_empty() {
        String::new()
    } else {
        format!(",{},", seen.join(","))
    }
}

/// The codes of a stored set, in stored order (empty pieces skipped).
pub fn decode(stored: &str) -> Vec<&str> {
    stored
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// The `LIKE` pattern matching stored sets that hold `code` (codes are plain ASCII words or
/// numbers: no LIKE wildcard in them).
pub fn like(code: &str) -> String {
    format!("%,{code},%")
}

/// A set of labelled-enum values: stored codes, parsed back (unknown codes are skipped).
pub fn parse_set<T: Copy>(stored: &str, parse: impl Fn(&str) -> Option<T>) -> Vec<T> {
    decode(stored).into_iter().filter_map(parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_without_repeats() {
        let s = encode(["cadre", "member", "cadre", " ", "a,b"]);
        assert_eq!(s, ",cadre,member,");
        assert_eq!(decode(&s), ["cadre", "member"]);
        assert_eq!(encode([]), "");
        assert!(decode("").is_empty());
        assert_eq!(like("cadre"), "%,cadre,%");
    }
}
