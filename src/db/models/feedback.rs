//! Supervision channels 信、网、电、微 (issue 12): feedback items.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::feedback_items;
use crate::domain::feedback::{FeedbackCategory, FeedbackChannel, FeedbackState};

pub const ENTITY: &str = "feedback_item";

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = feedback_items)]
pub struct FeedbackItem {
    pub id: i32,
    pub code: String,
    pub channel: String,
    pub category: String,
    pub content: String,
    pub name: String,
    pub phone: String,
    pub unit_id: Option<i32>,
    pub state: String,
    pub received_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub triage_note: String,
    pub assigned_at: Option<NaiveDateTime>,
    pub assigned_by: Option<i32>,
    pub reply: String,
    pub replied_at: Option<NaiveDateTime>,
    pub replied_by: Option<i32>,
    pub close_note: String,
    pub closed_at: Option<NaiveDateTime>,
    pub closed_by: Option<i32>,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl FeedbackItem {
    pub fn channel(&self) -> Option<FeedbackChannel> {
        FeedbackChannel::parse(&self.channel)
    }

    pub fn category(&self) -> Option<FeedbackCategory> {
        FeedbackCategory::parse(&self.category)
    }

    pub fn state(&self) -> FeedbackState {
        FeedbackState::parse(&self.state).unwrap_or(FeedbackState::Received)
    }
}
