//! 培训与活动 (issue 11): activities and their attendance.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{activities, activity_attendance};
use crate::domain::activity::{ActivityKind, RosterGroup};
use crate::domain::codes;
use crate::domain::register::LeadTag;

pub const ENTITY: &str = "activity";

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = activities)]
pub struct Activity {
    pub id: i32,
    /// The organising unit.
    pub unit_id: i32,
    /// `ActivityKind` code.
    pub kind: String,
    pub title: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// `RosterGroup` codes, `,a,b,`.
    pub target_groups: String,
    /// 学时 per participant.
    pub hours: f64,
    /// `LeadTag` codes, `,a,b,`.
    pub lead_tags: String,
    pub place: String,
    pub summary: String,
    /// Typed participant-times where no roster exists (None: attendance rows count).
    pub participant_count: Option<i32>,
    /// Exams: the pass mark.
    pub pass_mark: Option<f64>,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Activity {
    pub fn kind(&self) -> ActivityKind {
        ActivityKind::parse(&self.kind).unwrap_or(ActivityKind::Other)
    }

    pub fn groups(&self) -> Vec<RosterGroup> {
        codes::parse_set(&self.target_groups, RosterGroup::parse)
    }

    pub fn lead_tags(&self) -> Vec<LeadTag> {
        codes::parse_set(&self.lead_tags, LeadTag::parse)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = activity_attendance)]
pub struct Attendance {
    pub id: i32,
    pub activity_id: i32,
    pub person_id: i32,
    /// Exams: the person's score.
    pub score: Option<f64>,
    pub created_at: NaiveDateTime,
}
