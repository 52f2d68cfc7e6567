//! The activity form and the attendance form, kept as typed for re-display and parsed into
//! what a save writes.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};

use crate::db::models::activities::{Activity, ActivityFields};
use crate::domain::activity::{ActivityKind, RosterGroup};
use crate::domain::register::LeadTag;
use crate::domain::validate::{self, FieldErrors};
use crate::forms::ymd;

/// Most 学时 one activity may give.
pub const MAX_HOURS: f64 = 1000.0;
/// Highest score or pass mark.
pub const MAX_SCORE: f64 = 1000.0;
/// Largest typed participant count.
pub const MAX_COUNT: i32 = 100_000;
/// Longest activity (days).
pub const MAX_DAYS: i64 = 366;

/// The raw form, kept as typed for re-display.
#[derive(Default, Clone, Debug)]
pub struct ActivityForm {
    pub unit_id: String,
    pub kind: String,
    pub title: String,
    pub start_date: String,
    pub end_date: String,
    pub target_groups: Vec<String>,
    pub hours: String,
    pub lead_tags: Vec<String>,
    pub place: String,
    pub summary: String,
    pub participant_count: String,
    pub pass_mark: String,
    pub version: String,
}

impl ActivityForm {
    /// From posted pairs (checkboxes repeat their name).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = ActivityForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "unit_id" => f.unit_id = v,
                "kind" => f.kind = v,
                "title" => f.title = v,
                "start_date" => f.start_date = v,
                "end_date" => f.end_date = v,
                "target_groups" => f.target_groups.push(v),
                "hours" => f.hours = v,
                "lead_tags" => f.lead_tags.push(v),
                "place" => f.place = v,
                "summary" => f.summary = v,
                "participant_count" => f.participant_count = v,
                "pass_mark" => f.pass_mark = v,
                "version" => f.version = v,
                _ => {}
            }
        }
        f
    }

    pub fn from_activity(a: &Activity) -> Self {
        let f = a.fields();
        ActivityForm {
            unit_id: a.unit_id.to_string(),
            kind: a.kind.clone(),
            title: a.title.clone(),
            start_date: ymd(a.start_date),
            end_date: if a.end_date == a.start_date {
                String::new()
            } else {
                ymd(a.end_date)
            },
            target_groups: f.target_groups.iter().map(|g| g.code().into()).collect(),
            hours: crate::db::models::activities::hours_in_words(a.hours),
            lead_tags: f.lead_tags.iter().map(|t| t.code().into()).collect(),
            place: a.place.clone(),
            summary: a.summary.clone(),
            participant_count: a
                .participant_count
                .map(|n| n.to_string())
                .unwrap_or_default(),
            pass_mark: a
                .pass_mark
                .map(crate::db::models::activities::score_in_words)
                .unwrap_or_default(),
            version: a.version.to_string(),
        }
    }

    pub fn has_group(&self, code: &str) -> bool {
        self.target_groups.iter().any(|g| g == code)
    }

    pub fn has_tag(&self, code: &str) -> bool {
        self.lead_tags.iter().any(|t| t == code)
    }

    /// Checks that need no database.
    pub fn parse(&self) -> Result<ActivityFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let unit_id = validate::chosen_id(&mut e, "unit_id", "组织单位", &self.unit_id);
        let kind = ActivityKind::parse_label(&self.kind);
        if kind.is_none() {
            e.add("kind", "请选择活动类型");
        }
        let title = validate::required_text(&mut e, "title", "活动名称", &self.title, 200);
        let start = if self.start_date.trim().is_empty() {
            e.add("start_date", "请填写活动日期");
            None
        } else {
            let d = date(&self.start_date);
            if d.is_none() {
                e.add("start_date", "活动日期须为有效日期，如 2026-03-05");
            }
            d
        };
        let end = if self.end_date.trim().is_empty() {
            start
        } else {
            match date(&self.end_date) {
                None => {
                    e.add("end_date", "结束日期须为有效日期，如 2026-03-07");
                    None
                }
                Some(d) => match start {
                    Some(s) if d < s => {
                        e.add("end_date", "结束日期不能早于开始日期");
                        None
                    }
                    Some(s) if (d - s).num_days() >= MAX_DAYS => {
                        e.add("end_date", "一项活动不能超过一年，请分开登记");
                        None
                    }
                    _ => Some(d),
                },
            }
        };
        let mut target_groups = Vec::new();
        for g in &self.target_groups {
            match RosterGroup::parse_label(g) {
                Some(g) if !target_groups.contains(&g) => target_groups.push(g),
                Some(_) => {}
                None => e.add("target_groups", "培训对象中有无效的类别，请重新勾选"),
            }
        }
        let mut lead_tags = Vec::new();
        for t in &self.lead_tags {
            match LeadTag::parse_label(t) {
                Some(LeadTag::NoTag) => {}
                Some(t) if !lead_tags.contains(&t) => lead_tags.push(t),
                Some(_) => {}
                None => e.add("lead_tags", "四个带头中有无效的选项，请重新勾选"),
            }
        }
        let hours = if self.hours.trim().is_empty() {
            0.0
        } else {
            match parse_hours(&self.hours) {
                Some(h) => h,
                None => {
                    e.add(
                        "hours",
                        "学时须为 0 到 1000 之间的数，可含半学时，如 2 或 1.5",
                    );
                    0.0
                }
            }
        };
        let place =
            validate::optional_text(&mut e, "place", "地点", &self.place, 200).unwrap_or_default();
        let summary = validate::optional_text(&mut e, "summary", "活动内容", &self.summary, 4000)
            .unwrap_or_default();
        let participant_count = if self.participant_count.trim().is_empty() {
            None
        } else {
            Some(validate::int_in_range(
                &mut e,
                "participant_count",
                "参训人次",
                &self.participant_count,
                1..=MAX_COUNT,
            ))
        };
        let pass_mark = if kind == Some(ActivityKind::Exam) {
            if self.pass_mark.trim().is_empty() {
                e.add("pass_mark", "考试须填写及格线，如 60");
                None
            } else {
                let m = parse_score(&self.pass_mark);
                if m.is_none() {
                    e.add("pass_mark", "及格线须为 0 到 1000 之间的数，如 60");
                }
                m
            }
        } else {
            // Only exams keep a pass mark.
            None
        };
        match (unit_id, kind, start, end) {
            (Some(unit_id), Some(kind), Some(start_date), Some(end_date)) if e.is_empty() => {
                Ok(ActivityFields {
                    unit_id,
                    kind,
                    title,
                    start_date,
                    end_date,
                    target_groups,
                    hours,
                    lead_tags,
                    place,
                    summary,
                    participant_count,
                    pass_mark,
                })
            }
            _ => Err(e),
        }
    }
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2100).contains(&d.year()))
}

/// 学时: 0 to 1000 in steps of a half.
pub fn parse_hours(s: &str) -> Option<f64> {
    let h: f64 = s.trim().parse().ok()?;
    (h.is_finite() && (0.0..=MAX_HOURS).contains(&h) && (h * 2.0).fract() == 0.0).then_some(h)
}

/// A score or pass mark: 0 to 1000, at most two decimals.
pub fn parse_score(s: &str) -> Option<f64> {
    let t = s.trim();
    let v: f64 = t.parse().ok()?;
    let decimals = t.split_once('.').map_or(0, |(_, d)| d.len());
    (v.is_finite() && (0.0..=MAX_SCORE).contains(&v) && decimals <= 2).then_some(v)
}

/// A message per person id whose score is wrong.
pub type ScoreErrors = BTreeMap<i32, String>;

/// The attendance form: the ticked people (`person`), their scores (`score_<id>`), and the
/// activity's version.
#[derive(Default, Clone, Debug)]
pub struct AttendanceForm {
    pub ticked: Vec<i32>,
    pub scores: HashMap<i32, String>,
    pub version: String,
    /// A tick that is not a person id (a forged form).
    pub bad: bool,
}

impl AttendanceForm {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = AttendanceForm::default();
        for (k, v) in pairs {
            if k == "person" {
                match v.trim().parse::<i32>() {
                    Ok(id) if !f.ticked.contains(&id) => f.ticked.push(id),
                    Ok(_) => {}
                    Err(_) => f.bad = true,
                }
            } else if let Some(id) = k.strip_prefix("score_") {
                if let Ok(id) = id.parse::<i32>() {
                    f.scores.insert(id, v);
                }
            } else if k == "version" {
                f.version = v;
            }
        }
        f
    }

    pub fn ticks(&self, id: i32) -> bool {
        self.ticked.contains(&id)
    }

    pub fn score(&self, id: i32) -> &str {
        self.scores.get(&id).map(String::as_str).unwrap_or("")
    }

    /// The ticked people with their scores (exams: a score each, 0–1000), or a message per
    /// person id that is wrong.
    pub fn parse(&self, exam: bool) -> Result<Vec<(i32, Option<f64>)>, ScoreErrors> {
        let mut errors = BTreeMap::new();
        let mut out = Vec::new();
        for &id in &self.ticked {
            if !exam {
                out.push((id, None));
                continue;
            }
            let raw = self.score(id).trim();
            if raw.is_empty() {
                errors.insert(id, "请填写成绩".to_string());
            } else if let Some(s) = parse_score(raw) {
                out.push((id, Some(s)));
            } else {
                errors.insert(id, "成绩须为 0 到 1000 之间的数".to_string());
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> ActivityForm {
        ActivityForm {
            unit_id: "3".into(),
            kind: "exam".into(),
            title: "党员发展对象考试".into(),
            start_date: "2026-03-05".into(),
            end_date: String::new(),
            target_groups: vec!["candidate".into()],
            hours: "1.5".into(),
            lead_tags: vec!["members".into(), "none".into()],
            pass_mark: "60".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_form_parses() {
        let f = good().parse().unwrap();
        assert_eq!(f.end_date, f.start_date);
        assert_eq!(f.hours, 1.5);
        assert_eq!(f.lead_tags, vec![LeadTag::Members]);
        assert_eq!(f.pass_mark, Some(60.0));
        assert_eq!(f.participant_count, None);
    }

    #[test]
    fn each_bad_field_is_named() {
        type Change = Box<dyn Fn(&mut ActivityForm)>;
        let cases: Vec<(&str, Change)> = vec![
            ("unit_id", Box::new(|f| f.unit_id = "x".into())),
            ("kind", Box::new(|f| f.kind = "party".into())),
            ("title", Box::new(|f| f.title = " ".into())),
            (
                "start_date",
                Box::new(|f| f.start_date = "2026-13-01".into()),
            ),
            ("end_date", Box::new(|f| f.end_date = "2026-03-04".into())),
            ("hours", Box::new(|f| f.hours = "1.2".into())),
            ("hours", Box::new(|f| f.hours = "-1".into())),
            (
                "participant_count",
                Box::new(|f| f.participant_count = "0".into()),
            ),
            ("pass_mark", Box::new(|f| f.pass_mark = String::new())),
            (
                "target_groups",
                Box::new(|f| f.target_groups.push("x".into())),
            ),
        ];
        for (field, change) in cases {
            let mut f = good();
            change(&mut f);
            let e = f.parse().unwrap_err();
            assert!(e.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn only_exams_keep_a_pass_mark() {
        let mut f = good();
        f.kind = "training".into();
        assert_eq!(f.parse().unwrap().pass_mark, None);
    }

    #[test]
    fn exam_scores_are_required() {
        let f = AttendanceForm::from_pairs(vec![
            ("person".into(), "4".into()),
            ("person".into(), "5".into()),
            ("score_4".into(), "88.5".into()),
            ("score_5".into(), "abc".into()),
        ]);
        assert_eq!(f.parse(false).unwrap(), vec![(4, None), (5, None)]);
        let e = f.parse(true).unwrap_err();
        assert!(e.contains_key(&5) && !e.contains_key(&4));
    }
}
