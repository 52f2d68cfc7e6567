//! 千分制 score sheets (issue 12): a unit's sheet for a scheme (the reviewed record) and its
//! lines, one per leaf.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{assessment_lines, assessment_scores};
use crate::domain::review::ReviewState;

/// The audit entity of a unit's score sheet (the reviewed record).
pub const ENTITY: &str = "assessment_score";

/// A unit's score sheet for a scheme: the reviewed record.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = assessment_scores)]
pub struct Score {
    pub id: i32,
    pub scheme_id: i32,
    pub unit_id: i32,
    /// `ReviewState` code.
    pub state: String,
    pub version: i32,
    pub submitted_by: Option<i32>,
    pub submitted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Score {
    pub fn review_state(&self) -> ReviewState {
        ReviewState::parse(&self.state).unwrap_or(ReviewState::Draft)
    }
}

/// One leaf of a sheet at the three levels (see the migration for what a value means).
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = assessment_lines)]
pub struct Line {
    pub id: i32,
    pub score_id: i32,
    pub indicator_id: i32,
    pub self_tenths: Option<i32>,
    pub self_note: String,
    pub review_tenths: Option<i32>,
    pub review_note: String,
    pub office_tenths: Option<i32>,
    pub office_note: String,
    pub suggested_tenths: Option<i32>,
}
