//! 人员名册 (issue 11): the people of a unit, their categories, and when they were active.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::roster_people;
use crate::domain::activity::RosterGroup;
use crate::domain::codes;

pub const ENTITY: &str = "roster_person";

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = roster_people)]
pub struct Person {
    pub id: i32,
    pub unit_id: i32,
    pub name: String,
    /// `RosterGroup` codes, `,a,b,` (`domain::codes`).
    pub categories: String,
    pub post: String,
    pub active_from: Option<NaiveDate>,
    /// Set when the person left; never deleted.
    pub active_to: Option<NaiveDate>,
    pub notes: String,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Person {
    pub fn groups(&self) -> Vec<RosterGroup> {
        codes::parse_set(&self.categories, RosterGroup::parse)
    }

    /// Active on some day of `from ..= to`.
    pub fn active_between(&self, from: NaiveDate, to: NaiveDate) -> bool {
        self.active_from.is_none_or(|f| f <= to) && self.active_to.is_none_or(|t| t >= from)
    }
}
