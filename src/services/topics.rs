//! 第一议题 records: the record as a reviewed record, and its create and update, each one
//! transaction.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::auth::{Action, CurrentUser, Scope};
use crate::db::models::topics::{self, FirstTopic, TopicFields, TrackedTopic, ENTITY};
use crate::db::models::units::{self, Unit};
use crate::db::models::{audit, history};
use crate::db::DbConn;
use crate::domain::review::{ReviewAction, ReviewState};
use crate::error::{AppError, AppResult};
use crate::services::review::{self, Reviewed, Step};

impl Reviewed for FirstTopic {
    const ENTITY: &'static str = ENTITY;
    const AREA: &'static str = "第一议题";
    const BASE: &'static str = "/topics";
    const COUNTED: &'static str = "条第一议题记录";
    const DATE_LABEL: &'static str = "会议日期";

    fn lock(c: &mut DbConn, id: i32) -> QueryResult<Option<Self>> {
        topics::lock(c, id)
    }

    fn queue(c: &mut DbConn, scope: &Scope, state: ReviewState) -> QueryResult<Vec<(Self, Unit)>> {
        topics::queue(c, scope, state)
    }

    review::review_columns!();

    fn summary(&self) -> String {
        format!("第一议题记录「{}」", self.topic)
    }

    fn date(&self) -> String {
        self.meeting_date.format("%Y-%m-%d").to_string()
    }

    fn apply(&self, c: &mut DbConn, step: &Step) -> QueryResult<bool> {
        let submitter = (step.action == ReviewAction::Submit).then_some(step.actor_id);
        topics::set_state(
            c,
            self.id,
            step.from,
            self.version,
            step.to,
            submitter,
            step.now,
        )
    }
}

/// Create a draft record; its id.
pub fn create(
    c: &mut DbConn,
    user: &CurrentUser,
    fields: &TopicFields,
    now: NaiveDateTime,
) -> AppResult<i32> {
    let unit = units::find(c, fields.unit_id)?.ok_or(AppError::Forbidden)?;
    user.require(Action::Write, &unit)?;
    let t = topics::insert(c, fields, user.id, now)?;
    audit::Change::new(
        user.id,
        "create",
        ENTITY,
        t.id,
        format!("新增第一议题记录 {}（{}）", t.topic, unit.name),
    )
    .unit(unit.id)
    .after(fields)
    .record(c, now)?;
    Ok(t.id)
}

/// How an update ended.
pub enum Saved {
    Done,
    /// Someone saved first: the version now stored, for the form (a deliberate re-save wins).
    Conflict(i32),
    /// Submitted meanwhile: nothing written.
    NotEditable,
}

/// Overwrite a draft if it is still a draft at `expected` (the version the form was made
/// from), with field history and audit.
pub fn update(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: Option<i32>,
    fields: &TopicFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    let before = topics::lock(c, id)?.ok_or(AppError::NotFound)?;
    let before_unit = units::get(c, before.unit_id)?;
    user.require(Action::Write, &before_unit)?;
    if !before.state().editable() {
        return Ok(Saved::NotEditable);
    }
    let Some(expected) = expected.filter(|v| *v == before.version) else {
        return Ok(Saved::Conflict(before.version));
    };
    let unit = units::find(c, fields.unit_id)?.ok_or(AppError::Forbidden)?;
    user.require(Action::Write, &unit)?;
    let before_fields = before.fields();
    // The UPDATE checks version and state itself: a concurrent save that got there first
    // leaves nothing written here.
    if topics::update(c, id, expected, fields, now)?.is_none() {
        let now_t = topics::get(c, id)?;
        return Ok(if now_t.state().editable() {
            Saved::Conflict(now_t.version)
        } else {
            Saved::NotEditable
        });
    }
    history::record(
        c,
        ENTITY,
        id,
        Some(user.id),
        now,
        &TrackedTopic {
            fields: &before_fields,
            unit_name: &before_unit.name,
        },
        &TrackedTopic {
            fields,
            unit_name: &unit.name,
        },
    )?;
    audit::Change::new(
        user.id,
        "update",
        ENTITY,
        id,
        format!("修改第一议题记录 {}（{}）", fields.topic, unit.name),
    )
    .unit(unit.id)
    .before(&before_fields)
    .after(fields)
    .record(c, now)?;
    Ok(Saved::Done)
}
