//! 员工思想状况调查 (issue 11).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::surveys;
use crate::domain::activity::SurveyMethod;

pub const ENTITY: &str = "survey";

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = surveys)]
pub struct Survey {
    pub id: i32,
    /// The organising unit.
    pub unit_id: i32,
    pub title: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// `SurveyMethod` code.
    pub method: String,
    /// Target unit ids, `,3,5,` (`domain::codes`); empty: the organising unit and below.
    pub target_units: String,
    /// 参与人次.
    pub participants: i32,
    pub findings: String,
    pub measures_taken: String,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Survey {
    pub fn method(&self) -> Option<SurveyMethod> {
        SurveyMethod::parse(&self.method)
    }
}
