//! The supervision-channel forms (issue 12), kept as typed for re-display: the public form
//! (网), the office's entry of a letter, call or WeChat message (信、电、微), and the steps of
//! an item (assign, reply, close, return).

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::db::models::feedback::NewItem;
use crate::domain::feedback::{FeedbackCategory, FeedbackChannel, REPLY_DAYS};
use crate::domain::validate::{self, FieldErrors};
use crate::forms::ymd;

pub const CONTENT_MAX: usize = 2000;
pub const NAME_MAX: usize = 50;
pub const PHONE_MAX: usize = 30;
pub const NOTE_MAX: usize = 500;
pub const REPLY_MAX: usize = 2000;

/// The public form and the office's entry (the office also names channel and date).
#[derive(Default, Clone, Debug, Deserialize)]
#[serde(default)]
pub struct ItemForm {
    pub content: String,
    pub name: String,
    pub phone: String,
    pub category: String,
    pub unit_id: String,
    /// Office entry only: 信、电、微.
    pub channel: String,
    /// Office entry only: the day it was received.
    pub received_on: String,
}

fn phone(e: &mut FieldErrors, raw: &str) -> String {
    let v = raw.trim();
    if v.chars().count() > PHONE_MAX {
        e.add("phone", format!("联系电话不能超过 {PHONE_MAX} 个字符"));
    } else if !v
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' '))
    {
        e.add("phone", "联系电话只能包含数字、“-”和“+”");
    }
    v.to_string()
}

fn date(e: &mut FieldErrors, field: &'static str, label: &str, raw: &str) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") {
        Ok(d) if d.year() >= 2000 => Some(d),
        _ if raw.trim().is_empty() => {
            e.add(field, format!("请填写{label}"));
            None
        }
        _ => {
            e.add(field, format!("{label}须为有效日期，如 2026-11-24"));
            None
        }
    }
}

impl ItemForm {
    /// The fields both forms share; `channel` and `received_on` are set by the caller.
    fn common(
        &self,
        e: &mut FieldErrors,
    ) -> (
        String,
        String,
        String,
        Option<FeedbackCategory>,
        Option<i32>,
    ) {
        let content = validate::required_text(e, "content", "反映内容", &self.content, CONTENT_MAX);
        let name =
            validate::optional_text(e, "name", "姓名", &self.name, NAME_MAX).unwrap_or_default();
        let phone = phone(e, &self.phone);
        let category = FeedbackCategory::parse(self.category.trim());
        if category.is_none() {
            e.add("category", "请选择反映类别");
        }
        let unit_id = match self.unit_id.trim() {
            "" => None,
            raw => match raw.parse::<i32>() {
                Ok(v) if v > 0 => Some(v),
                _ => {
                    e.add("unit_id", "所选单位无效");
                    None
                }
            },
        };
        (content, name, phone, category, unit_id)
    }

    /// The public form: channel 网, received today.
    pub fn parse_public(&self, today: NaiveDate) -> Result<NewItem, FieldErrors> {
        let mut e = FieldErrors::new();
        let (content, name, phone, category, unit_id) = self.common(&mut e);
        match category {
            Some(category) if e.is_empty() => Ok(NewItem {
                channel: FeedbackChannel::Web,
                category,
                content,
                name,
                phone,
                unit_id,
                received_on: today,
            }),
            _ => Err(e),
        }
    }

    /// The office's entry: 信、电 or 微 (网 comes only through the public form), received on a
    /// day not after today.
    pub fn parse_office(&self, today: NaiveDate) -> Result<NewItem, FieldErrors> {
        let mut e = FieldErrors::new();
        let (content, name, phone, category, unit_id) = self.common(&mut e);
        let channel =
            FeedbackChannel::parse(self.channel.trim()).filter(|c| *c != FeedbackChannel::Web);
        if channel.is_none() {
            e.add("channel", "请选择渠道：来信、来电或微信");
        }
        let received_on = date(&mut e, "received_on", "收到日期", &self.received_on);
        if received_on.is_some_and(|d| d > today) {
            e.add("received_on", "收到日期不能晚于今天");
        }
        match (channel, category, received_on) {
            (Some(channel), Some(category), Some(received_on)) if e.is_empty() => Ok(NewItem {
                channel,
                category,
                content,
                name,
                phone,
                unit_id,
                received_on,
            }),
            _ => Err(e),
        }
    }
}

/// 分办: the unit, the reply day and the note.
#[derive(Default, Clone, Debug, Deserialize)]
#[serde(default)]
pub struct AssignForm {
    pub unit_id: String,
    pub due_on: String,
    /// 分办意见 (`comment`: a long-text field).
    pub comment: String,
    pub version: String,
}

#[derive(Debug, Clone)]
pub struct ParsedAssign {
    pub unit_id: i32,
    pub due_on: NaiveDate,
    pub note: String,
}

impl AssignForm {
    /// The default reply day: today + `REPLY_DAYS`.
    pub fn default_due(today: NaiveDate) -> String {
        ymd(today + chrono::Duration::days(REPLY_DAYS))
    }

    pub fn parse(&self, today: NaiveDate) -> Result<ParsedAssign, FieldErrors> {
        let mut e = FieldErrors::new();
        let unit_id = validate::chosen_id(&mut e, "unit_id", "承办单位", &self.unit_id);
        let due_on = date(&mut e, "due_on", "答复期限", &self.due_on);
        if due_on.is_some_and(|d| d < today) {
            e.add("due_on", "答复期限不能早于今天");
        }
        let note = validate::optional_text(&mut e, "comment", "分办意见", &self.comment, NOTE_MAX)
            .unwrap_or_default();
        match (unit_id, due_on) {
            (Some(unit_id), Some(due_on)) if e.is_empty() => Ok(ParsedAssign {
                unit_id,
                due_on,
                note,
            }),
            _ => Err(e),
        }
    }
}

/// A step with one text: the unit's reply (required), the office's closing or returning note.
#[derive(Default, Clone, Debug, Deserialize)]
#[serde(default)]
pub struct TextForm {
    /// The reply or the note (`comment`: a long-text field, line breaks kept).
    pub comment: String,
    pub version: String,
}

impl TextForm {
    pub fn parse_reply(&self) -> Result<String, FieldErrors> {
        let mut e = FieldErrors::new();
        let v = validate::required_text(&mut e, "comment", "答复内容", &self.comment, REPLY_MAX);
        e.into_result(v)
    }

    /// A note; required when returning to the unit or closing an item never assigned.
    pub fn parse_note(&self, required: bool) -> Result<String, FieldErrors> {
        let mut e = FieldErrors::new();
        let v = if required {
            validate::required_text(&mut e, "comment", "意见", &self.comment, NOTE_MAX)
        } else {
            validate::optional_text(&mut e, "comment", "意见", &self.comment, NOTE_MAX)
                .unwrap_or_default()
        };
        e.into_result(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).expect("date")
    }

    #[test]
    fn public_form_checks_its_fields() {
        let f = ItemForm {
            content: "  食堂排队太久  ".into(),
            category: "suggestion".into(),
            phone: "+86 138-0000-0000".into(),
            ..Default::default()
        };
        let n = f.parse_public(today()).expect("valid");
        assert_eq!(n.content, "食堂排队太久");
        assert_eq!(n.channel, FeedbackChannel::Web);
        let bad = ItemForm {
            content: "x".repeat(CONTENT_MAX + 1),
            name: "名".repeat(NAME_MAX + 1),
            phone: "call me".into(),
            category: "nonsense".into(),
            unit_id: "abc".into(),
            ..Default::default()
        };
        let e = bad.parse_public(today()).expect_err("invalid");
        for f in ["content", "name", "phone", "category", "unit_id"] {
            assert!(e.get(f).is_some(), "{f}");
        }
    }

    #[test]
    fn office_entry_refuses_the_web_channel_and_future_days() {
        let f = ItemForm {
            content: "来信".into(),
            category: "complaint".into(),
            channel: "web".into(),
            received_on: "2026-11-25".into(),
            ..Default::default()
        };
        let e = f.parse_office(today()).expect_err("invalid");
        assert!(e.get("channel").is_some());
        assert!(e.get("received_on").is_some());
    }
}
