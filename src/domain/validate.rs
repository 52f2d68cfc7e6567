//! Parsing raw form input into valid values, with per-field Chinese messages.

use std::collections::BTreeMap;

/// Messages keyed by form field name, shown next to the field; `""` is the form-level message.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(BTreeMap<&'static str, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| message.into());
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Only a form-level message (shown above the form).
    pub fn message(msg: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.add("", msg);
        e
    }

    /// Form-level message, if any.
    pub fn general(&self) -> Option<&str> {
        self.get("")
    }

    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

/// Trimmed required text of at most `max` characters.
pub fn required_text(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    raw: &str,
    max: usize,
) -> String {
    let value = raw.trim();
    if value.is_empty() {
        errors.add(field, format!("请填写{label}"));
    } else if value.chars().count() > max {
        errors.add(field, format!("{label}不能超过 {max} 个字"));
    }
    value.to_string()
}

/// Trimmed optional text of at most `max` characters; `None` when empty.
pub fn optional_text(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    raw: &str,
    max: usize,
) -> Option<String> {
    let value = raw.trim();
    if value.chars().count() > max {
        errors.add(field, format!("{label}不能超过 {max} 个字"));
    }
    (!value.is_empty()).then(|| value.to_string())
}

/// A login name: 2–32 of a–z, 0–9, `.`, `_`, `-`, stored lower-case.
pub fn username(errors: &mut FieldErrors, raw: &str) -> String {
    let value = raw.trim().to_lowercase();
    if value.is_empty() {
        errors.add("username", "请填写用户名");
    } else if !(2..=32).contains(&value.chars().count())
        || !value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
    {
        errors.add("username", "用户名须为 2–32 位小写字母、数字或 . _ -");
    }
    value
}

pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;

/// A new password: 8–128 characters with at least one letter and one digit.
pub fn new_password(errors: &mut FieldErrors, field: &'static str, raw: &str) -> String {
    let n = raw.chars().count();
    if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&n) {
        errors.add(
            field,
            format!("密码长度须为 {PASSWORD_MIN}–{PASSWORD_MAX} 位"),
        );
    } else if !raw.chars().any(|c| c.is_alphabetic()) || !raw.chars().any(|c| c.is_ascii_digit()) {
        errors.add(field, "密码须同时包含字母和数字");
    }
    raw.to_string()
}

/// A whole number in a range; the raw text is kept by the caller for re-display.
pub fn int_in_range(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    raw: &str,
    range: std::ops::RangeInclusive<i32>,
) -> i32 {
    match raw.trim().parse::<i32>() {
        Ok(v) if range.contains(&v) => v,
        _ => {
            errors.add(
                field,
                format!(
                    "{label}须为 {} 到 {} 之间的整数",
                    range.start(),
                    range.end()
                ),
            );
            *range.start()
        }
    }
}

/// An id chosen from a list (a `<select>`); `None` with a message when not a number.
pub fn chosen_id(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    raw: &str,
) -> Option<i32> {
    match raw.trim().parse::<i32>() {
        Ok(v) if v > 0 => Some(v),
        _ => {
            errors.add(field, format!("请选择{label}"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        let mut e = FieldErrors::new();
        assert_eq!(username(&mut e, "  ZhiBu01 "), "zhibu01");
        assert!(e.is_empty());
        for bad in [
            "",
            "a",
            "有中文",
            "a b",
            "x'; drop table users;--",
            &"a".repeat(33),
        ] {
            let mut e = FieldErrors::new();
            username(&mut e, bad);
            assert!(e.get("username").is_some(), "{bad:?} accepted");
        }
    }

    #[test]
    fn passwords() {
        for (pw, ok) in [
            ("abc12345", true),
            ("密码abc12345", true),
            ("short1", false),
            ("allletters", false),
            ("12345678", false),
        ] {
            let mut e = FieldErrors::new();
            new_password(&mut e, "password", pw);
            assert_eq!(e.is_empty(), ok, "{pw}");
        }
        let mut e = FieldErrors::new();
        new_password(&mut e, "password", &"a1".repeat(65));
        assert!(!e.is_empty());
    }

    #[test]
    fn texts_and_numbers() {
        let mut e = FieldErrors::new();
        assert_eq!(
            required_text(&mut e, "name", "名称", "  党支部 ", 10),
            "党支部"
        );
        assert!(e.is_empty());
        required_text(&mut e, "name", "名称", "   ", 10);
        assert_eq!(e.get("name"), Some("请填写名称"));
        let mut e = FieldErrors::new();
        required_text(&mut e, "name", "名称", &"长".repeat(11), 10);
        assert!(e.get("name").is_some());
        let mut e = FieldErrors::new();
        assert_eq!(int_in_range(&mut e, "n", "序号", " 7 ", 0..=9), 7);
        int_in_range(&mut e, "n", "序号", "x", 0..=9);
        assert!(e.get("n").is_some());
        let mut e = FieldErrors::new();
        assert_eq!(chosen_id(&mut e, "unit_id", "单位", "12"), Some(12));
        assert_eq!(chosen_id(&mut e, "parent_id", "上级", "1 OR 1=1"), None);
        assert!(e.get("parent_id").is_some());
    }
}
