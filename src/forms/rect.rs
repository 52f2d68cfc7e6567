//! The rectification item form (整改事项): parsed into `ItemFields` without the database.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::db::models::rect::{ItemFields, RectItem};
use crate::domain::register::{RectArea, RectStatus};
use crate::domain::validate::{self, FieldErrors};
use crate::forms::ymd;
use crate::xlsx;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ItemForm {
    pub area: String,
    pub source: String,
    pub problem: String,
    pub cause: String,
    pub measure: String,
    pub requirement: String,
    pub responsible: String,
    pub deadline: String,
    pub status: String,
    pub version: String,
}

impl ItemForm {
    /// The form filled from a stored item (edit page).
    pub fn from_item(i: &RectItem) -> Self {
        ItemForm {
            area: i.area.clone(),
            source: i.source.clone(),
            problem: i.problem.clone(),
            cause: i.cause.clone(),
            measure: i.measure.clone(),
            requirement: i.requirement.clone(),
            responsible: i.responsible.clone(),
            deadline: ymd(i.deadline),
            status: i.status.clone(),
            version: i.version.to_string(),
        }
    }

    /// Checks that need no database.
    pub fn parse(&self) -> Result<ItemFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let area = RectArea::parse(self.area.trim());
        if area.is_none() {
            e.add("area", "请选择问题领域");
        }
        let source = validate::optional_text(&mut e, "source", "问题来源", &self.source, 200)
            .unwrap_or_default();
        let problem = validate::required_text(&mut e, "problem", "存在问题", &self.problem, 1000);
        let cause = validate::optional_text(&mut e, "cause", "原因分析", &self.cause, 1000)
            .unwrap_or_default();
        let measure = validate::required_text(&mut e, "measure", "整改措施", &self.measure, 1000);
        let requirement =
            validate::optional_text(&mut e, "requirement", "整改要求", &self.requirement, 500)
                .unwrap_or_default();
        let responsible =
            validate::required_text(&mut e, "responsible", "责任人", &self.responsible, 50);
        let deadline = parse_deadline(&mut e, "deadline", "整改时限", &self.deadline);
        let status = match RectStatus::parse(self.status.trim()) {
            Some(RectStatus::Closed) => {
                e.add(
                    "status",
                    "“已销号”须由上级党总支或党群工作部验收后设定，不能直接选择",
                );
                None
            }
            Some(s) => Some(s),
            None => {
                e.add("status", "请选择整改状态");
                None
            }
        };
        match (area, status) {
            (Some(area), Some(status)) if e.is_empty() => Ok(ItemFields {
                area,
                source,
                problem,
                cause,
                measure,
                requirement,
                responsible,
                deadline,
                status,
            }),
            _ => Err(e),
        }
    }
}

/// A date as typed: 2026-12-31 (also 2026/12/31, 2026年12月31日), in a sane range.
pub fn parse_deadline(
    e: &mut FieldErrors,
    field: &'static str,
    label: &str,
    raw: &str,
) -> NaiveDate {
    let fallback = NaiveDate::default();
    if raw.trim().is_empty() {
        e.add(field, format!("请填写{label}"));
        return fallback;
    }
    match xlsx::parse_deadline(raw) {
        Some(d) => d,
        None => {
            e.add(field, format!("{label}须为日期，如 2026-12-31"));
            fallback
        }
    }
}
