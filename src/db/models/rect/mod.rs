//! Rectification (问题导向抓整改): work scheduling tables (工作配档表) per unit and campaign
//! year, their items, extension requests (延期申请) and supervision notes (督办) on items.
//!
//! This module holds the rows; `tables`, `items`, `lists` and `extensions` hold the queries,
//! re-exported here so callers name everything as `rect::…`.

mod extensions;
mod items;
mod lists;
mod tables;

pub use extensions::*;
pub use items::*;
pub use lists::*;
pub use tables::*;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::history::Tracked;
use crate::db::schema::{rect_extensions, rect_items, rect_tables, supervision_notes};
use crate::domain::light::Signal;
use crate::domain::register::{ExtensionStatus, RectArea, RectStatus};
use crate::domain::Light;

/// Entity name of items in history, notes and the audit log.
pub const ITEM: &str = "rect_item";

/// Codes of the statuses that still show a light.
pub fn open_codes() -> Vec<&'static str> {
    RectStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.code())
        .collect()
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = rect_tables)]
pub struct RectTable {
    pub id: i32,
    pub campaign_id: i32,
    pub unit_id: i32,
    pub title: String,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Bumped by a rename; the rename and delete forms name the version they read.
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = rect_items)]
pub struct RectItem {
    pub id: i32,
    pub table_id: i32,
    pub campaign_id: i32,
    pub unit_id: i32,
    pub seq: i32,
    pub area: String,
    pub source: String,
    pub problem: String,
    pub cause: String,
    pub measure: String,
    pub requirement: String,
    pub responsible: String,
    pub deadline: NaiveDate,
    pub original_deadline: NaiveDate,
    pub status: String,
    pub accepted_by: Option<i32>,
    pub accepted_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl RectItem {
    pub fn area(&self) -> RectArea {
        RectArea::parse(&self.area).unwrap_or(RectArea::Headquarters)
    }

    pub fn status(&self) -> RectStatus {
        RectStatus::parse(&self.status).unwrap_or(RectStatus::NotStarted)
    }

    pub fn light(&self, today: NaiveDate, yellow_days: i32) -> Light {
        self.signal(today, yellow_days).light
    }

    /// The light and its word, as every page shows them (已整改待验收 shows 待验收).
    pub fn signal(&self, today: NaiveDate, yellow_days: i32) -> Signal {
        Signal::of(self.status(), self.deadline, today, yellow_days)
    }

    pub fn fields(&self) -> ItemFields {
        ItemFields {
            area: self.area(),
            source: self.source.clone(),
            problem: self.problem.clone(),
            cause: self.cause.clone(),
            measure: self.measure.clone(),
            requirement: self.requirement.clone(),
            responsible: self.responsible.clone(),
            deadline: self.deadline,
            status: self.status(),
        }
    }
}

impl Tracked for RectItem {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("问题领域", self.area().label().to_string()),
            ("问题来源", self.source.clone()),
            ("存在问题", self.problem.clone()),
            ("原因分析", self.cause.clone()),
            ("整改措施", self.measure.clone()),
            ("整改要求", self.requirement.clone()),
            ("责任人", self.responsible.clone()),
            ("整改时限", self.deadline.format("%Y-%m-%d").to_string()),
            ("状态", self.status().label().to_string()),
        ]
    }
}

/// What a branch sets on an item.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ItemFields {
    pub area: RectArea,
    pub source: String,
    pub problem: String,
    pub cause: String,
    pub measure: String,
    pub requirement: String,
    pub responsible: String,
    pub deadline: NaiveDate,
    pub status: RectStatus,
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = rect_extensions)]
pub struct Extension {
    pub id: i32,
    pub item_id: i32,
    pub unit_id: i32,
    pub old_deadline: NaiveDate,
    pub new_deadline: NaiveDate,
    pub reason: String,
    pub status: String,
    pub requested_by: Option<i32>,
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<i32>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_comment: String,
}

impl Extension {
    pub fn status(&self) -> ExtensionStatus {
        ExtensionStatus::parse(&self.status).unwrap_or(ExtensionStatus::Pending)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = supervision_notes)]
pub struct Note {
    pub id: i32,
    pub entity: String,
    pub entity_id: i32,
    pub unit_id: i32,
    pub author_id: Option<i32>,
    pub content: String,
    pub created_at: NaiveDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts() {
        assert_eq!(short("监理日志", 10), "监理日志");
        assert_eq!(short("监理日志填写不规范", 4), "监理日志…");
    }
}
