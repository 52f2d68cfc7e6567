//! The 第一议题 record form, kept as typed for re-display and parsed into the fields a
//! save writes.

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::db::models::topics::{FirstTopic, MeetingKind, TopicFields};
use crate::domain::validate::{self, FieldErrors};
use crate::forms::ymd;

/// The raw form, kept as typed for re-display.
#[derive(Default, Clone, Debug, Deserialize)]
#[serde(default)]
pub struct TopicForm {
    pub unit_id: String,
    pub meeting_date: String,
    pub meeting_kind: String,
    pub topic: String,
    pub materials: String,
    pub attendance: String,
    pub absent: String,
    pub notes: String,
    pub version: String,
}

impl TopicForm {
    pub fn from_topic(t: &FirstTopic) -> Self {
        TopicForm {
            unit_id: t.unit_id.to_string(),
            meeting_date: ymd(t.meeting_date),
            meeting_kind: t.meeting_kind.clone(),
            topic: t.topic.clone(),
            materials: t.materials.clone(),
            attendance: t.attendance.to_string(),
            absent: t.absent.to_string(),
            notes: t.notes.clone(),
            version: t.version.to_string(),
        }
    }

    /// Checks that need no database. A meeting cannot lie in the future.
    pub fn parse(&self, today: NaiveDate) -> Result<TopicFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let unit_id = validate::chosen_id(&mut e, "unit_id", "所属单位", &self.unit_id);
        let meeting_date = if self.meeting_date.trim().is_empty() {
            e.add("meeting_date", "请填写会议日期");
            None
        } else {
            match NaiveDate::parse_from_str(self.meeting_date.trim(), "%Y-%m-%d") {
                Ok(d) if d.year() < 2000 => {
                    e.add("meeting_date", "会议日期须为有效日期，如 2026-11-20");
                    None
                }
                Ok(d) if d > today => {
                    e.add("meeting_date", "会议日期不能晚于今天");
                    None
                }
                Ok(d) => Some(d),
                Err(_) => {
                    e.add("meeting_date", "会议日期须为有效日期，如 2026-11-20");
                    None
                }
            }
        };
        let meeting_kind = MeetingKind::parse_label(&self.meeting_kind);
        if meeting_kind.is_none() {
            e.add("meeting_kind", "请选择会议类型");
        }
        let topic = validate::required_text(&mut e, "topic", "学习内容", &self.topic, 200);
        let materials =
            validate::optional_text(&mut e, "materials", "学习材料", &self.materials, 500)
                .unwrap_or_default();
        let attendance =
            validate::int_in_range(&mut e, "attendance", "实到人数", &self.attendance, 1..=1000);
        let absent_raw = if self.absent.trim().is_empty() {
            "0"
        } else {
            self.absent.as_str()
        };
        let absent = validate::int_in_range(&mut e, "absent", "缺席人数", absent_raw, 0..=1000);
        let notes = validate::optional_text(&mut e, "notes", "研讨发言摘要", &self.notes, 4000)
            .unwrap_or_default();
        match (unit_id, meeting_date, meeting_kind) {
            (Some(unit_id), Some(meeting_date), Some(meeting_kind)) if e.is_empty() => {
                Ok(TopicFields {
                    unit_id,
                    meeting_date,
                    meeting_kind,
                    topic,
                    materials,
                    attendance,
                    absent,
                    notes,
                })
            }
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn good() -> TopicForm {
        TopicForm {
            unit_id: "3".into(),
            meeting_date: "2026-11-20".into(),
            meeting_kind: "committee".into(),
            topic: "学习贯彻党的二十届四中全会精神".into(),
            materials: String::new(),
            attendance: "9".into(),
            absent: String::new(),
            notes: String::new(),
            version: String::new(),
        }
    }

    #[test]
    fn a_good_form_parses() {
        let f = good().parse(today()).unwrap();
        assert_eq!(f.attendance, 9);
        assert_eq!(f.absent, 0);
        assert_eq!(f.meeting_kind, MeetingKind::Committee);
    }

    #[test]
    fn each_bad_field_is_named() {
        for (field, change) in [
            (
                "unit_id",
                Box::new(|f: &mut TopicForm| f.unit_id = "x".into()) as Box<dyn Fn(&mut TopicForm)>,
            ),
            (
                "meeting_date",
                Box::new(|f: &mut TopicForm| f.meeting_date = "2026-13-01".into()),
            ),
            (
                "meeting_date",
                Box::new(|f: &mut TopicForm| f.meeting_date = "2026-11-25".into()),
            ),
            (
                "meeting_kind",
                Box::new(|f: &mut TopicForm| f.meeting_kind = "party".into()),
            ),
            ("topic", Box::new(|f: &mut TopicForm| f.topic = " ".into())),
            (
                "attendance",
                Box::new(|f: &mut TopicForm| f.attendance = "0".into()),
            ),
            (
                "absent",
                Box::new(|f: &mut TopicForm| f.absent = "-1".into()),
            ),
        ] {
            let mut f = good();
            change(&mut f);
            let e = f.parse(today()).unwrap_err();
            assert!(e.get(field).is_some(), "{field}");
        }
    }
}
