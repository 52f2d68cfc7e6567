//! The measure form (践行举措), also the shape of an imported row: parsed into
//! `MeasureFields` without the database. The route checks the unit and goals against the
//! database (`check_refs`), with the user's permissions.

use crate::db::models::measures::{number_text, Measure, MeasureFields};
use crate::domain::register::{Carrier, LeadTag, MeasureCategory, MeasureStatus};
use crate::domain::validate::{self, FieldErrors};
use crate::forms::{choices, ymd};
use crate::xlsx;

/// The raw form (or an imported row), kept as typed for re-display. Enumerations accept the
/// code or the Chinese label.
#[derive(Default, Clone, Debug)]
pub struct MeasureForm {
    pub year: String,
    pub unit_id: String,
    pub goals: Vec<String>,
    pub title: String,
    pub content: String,
    pub category: String,
    pub carrier: String,
    pub lead_tag: String,
    pub indicator: String,
    pub target_value: String,
    pub target_unit: String,
    pub owner: String,
    pub deadline: String,
    pub status: String,
    pub progress: String,
    pub version: String,
}

/// Field names in form order, for messages that list every problem.
pub const FIELDS: [&str; 14] = [
    "unit_id",
    "goals",
    "title",
    "content",
    "category",
    "carrier",
    "lead_tag",
    "indicator",
    "target_value",
    "target_unit",
    "owner",
    "deadline",
    "status",
    "progress",
];

impl MeasureForm {
    /// The form from the posted pairs (several `goals`).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = MeasureForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "year" => f.year = v,
                "unit_id" => f.unit_id = v,
                "goals" => f.goals.push(v),
                "title" => f.title = v,
                "content" => f.content = v,
                "category" => f.category = v,
                "carrier" => f.carrier = v,
                "lead_tag" => f.lead_tag = v,
                "indicator" => f.indicator = v,
                "target_value" => f.target_value = v,
                "target_unit" => f.target_unit = v,
                "owner" => f.owner = v,
                "deadline" => f.deadline = v,
                "status" => f.status = v,
                "progress" => f.progress = v,
                "version" => f.version = v,
                _ => {}
            }
        }
        f
    }

    /// The form filled from a stored measure and its goals (edit page).
    pub fn from_measure(m: &Measure, goal_ids: &[i32], year: i32) -> Self {
        MeasureForm {
            year: year.to_string(),
            unit_id: m.unit_id.to_string(),
            goals: goal_ids.iter().map(|g| g.to_string()).collect(),
            title: m.title.clone(),
            content: m.content.clone(),
            category: m.category.clone(),
            carrier: m.carrier.clone(),
            lead_tag: m.lead_tag.clone(),
            indicator: m.indicator.clone(),
            target_value: m.target_value.map(number_text).unwrap_or_default(),
            target_unit: m.target_unit.clone(),
            owner: m.owner.clone(),
            deadline: ymd(m.deadline),
            status: m.status.clone(),
            progress: m.progress.to_string(),
            version: m.version.to_string(),
        }
    }

    pub fn has_goal(&self, id: &i32) -> bool {
        let id = id.to_string();
        self.goals.iter().any(|g| g.trim() == id)
    }

    /// Checks that need no database. `allow_closed`: imports may carry 已关闭.
    pub fn parse(&self, allow_closed: bool) -> Result<MeasureFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let unit_id = validate::chosen_id(&mut e, "unit_id", "所属单位", &self.unit_id);
        let mut goal_ids = Vec::new();
        for g in self.goals.iter().filter(|g| !g.trim().is_empty()) {
            match g.trim().parse::<i32>() {
                Ok(v) if v > 0 => goal_ids.push(v),
                _ => e.add("goals", "所选目标无效，请重新选择"),
            }
        }
        goal_ids.sort_unstable();
        goal_ids.dedup();
        if goal_ids.is_empty() {
            e.add("goals", "请至少选择一个对应目标");
        } else if goal_ids.len() > 15 {
            e.add("goals", "对应目标最多 15 个");
        }
        let title = validate::required_text(&mut e, "title", "举措名称", &self.title, 100);
        let content = validate::optional_text(&mut e, "content", "具体内容", &self.content, 2000)
            .unwrap_or_default();
        let category = MeasureCategory::parse_label(&self.category);
        if category.is_none() {
            e.add(
                "category",
                format!(
                    "请选择类别（{}）",
                    choices(MeasureCategory::ALL, MeasureCategory::label)
                ),
            );
        }
        let carrier = Carrier::parse_label(&self.carrier);
        if carrier.is_none() {
            e.add(
                "carrier",
                format!("请选择载体（{}）", choices(Carrier::ALL, Carrier::label)),
            );
        }
        let lead_tag = LeadTag::parse_label(&self.lead_tag);
        if lead_tag.is_none() {
            e.add(
                "lead_tag",
                format!(
                    "请选择四个带头（{}）",
                    choices(LeadTag::ALL, LeadTag::label)
                ),
            );
        }
        let indicator = validate::optional_text(&mut e, "indicator", "指标", &self.indicator, 100)
            .unwrap_or_default();
        let raw_target = self.target_value.trim().replace([',', '，'], "");
        let target_value = if raw_target.is_empty() {
            None
        } else {
            match raw_target.parse::<f64>() {
                Ok(v) if v.is_finite() && (0.0..=1e12).contains(&v) => Some(v),
                _ => {
                    e.add("target_value", "目标值须为不小于 0 的数字，如 98.5");
                    None
                }
            }
        };
        let target_unit =
            validate::optional_text(&mut e, "target_unit", "计量单位", &self.target_unit, 20)
                .unwrap_or_default();
        let owner = validate::required_text(&mut e, "owner", "责任人", &self.owner, 50);
        let deadline = if self.deadline.trim().is_empty() {
            e.add("deadline", "请填写完成时限");
            None
        } else {
            let d = xlsx::parse_deadline(&self.deadline);
            if d.is_none() {
                e.add("deadline", "完成时限须为有效日期，如 2026-12-31");
            }
            d
        };
        let status = MeasureStatus::parse_label(&self.status)
            .filter(|s| allow_closed || *s != MeasureStatus::Closed);
        if status.is_none() {
            let open: Vec<MeasureStatus> = MeasureStatus::ALL
                .iter()
                .copied()
                .filter(|s| allow_closed || *s != MeasureStatus::Closed)
                .collect();
            e.add(
                "status",
                format!("请选择状态（{}）", choices(&open, MeasureStatus::label)),
            );
        }
        let progress_raw = self.progress.trim().trim_end_matches(['%', '％']);
        let progress = validate::int_in_range(&mut e, "progress", "进度", progress_raw, 0..=100);
        if status == Some(MeasureStatus::Completed)
            && progress != 100
            && e.get("progress").is_none()
        {
            e.add("progress", "状态为已完成时，进度应为 100%");
        }
        match (unit_id, category, carrier, lead_tag, deadline, status) {
            (
                Some(unit_id),
                Some(category),
                Some(carrier),
                Some(lead_tag),
                Some(deadline),
                Some(status),
            ) if e.is_empty() => Ok(MeasureFields {
                unit_id,
                goal_ids,
                title,
                content,
                category,
                carrier,
                lead_tag,
                indicator,
                target_value,
                target_unit,
                owner,
                deadline,
                status,
                progress,
            }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn valid() -> MeasureForm {
        MeasureForm {
            unit_id: "3".into(),
            goals: vec!["1".into(), "".into(), "1".into(), "2".into()],
            title: " 提升监理质量 ".into(),
            category: "生产经营指标".into(),
            carrier: "none".into(),
            lead_tag: "党员干部带头作榜样".into(),
            target_value: "1,200".into(),
            owner: "李明".into(),
            deadline: "2026/12/31".into(),
            status: "已完成".into(),
            progress: "100%".into(),
            ..Default::default()
        }
    }

    #[test]
    fn labels_and_codes_parse_alike() {
        let f = valid().parse(false).expect("valid");
        assert_eq!(f.goal_ids, vec![1, 2]);
        assert_eq!(f.title, "提升监理质量");
        assert_eq!(f.category, MeasureCategory::Production);
        assert_eq!(f.carrier, Carrier::NoCarrier);
        assert_eq!(f.target_value, Some(1200.0));
        assert_eq!(f.deadline, NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
        assert_eq!(f.progress, 100);
    }

    #[test]
    fn closed_only_from_imports() {
        let mut form = valid();
        form.status = "已关闭".into();
        assert!(form.parse(false).unwrap_err().get("status").is_some());
        assert_eq!(form.parse(true).unwrap().status, MeasureStatus::Closed);
    }
}
