//! 第一议题 records (DESIGN.md F11): each branch records the first agenda item of its
//! meetings; the records go through the same three-level review as monthly reports.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::history::Tracked;
use crate::db::models::units::Unit;
use crate::db::schema::{first_topics, units};
use crate::db::scope;
use crate::db::DbConn;
pub use crate::domain::meeting::MeetingKind;
use crate::domain::review::ReviewState;
use crate::domain::Scope;

/// The entity name in the review trail, audit log, history and reminders.
pub const ENTITY: &str = "first_topic";

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = first_topics)]
pub struct FirstTopic {
    pub id: i32,
    pub unit_id: i32,
    pub meeting_date: NaiveDate,
    pub meeting_kind: String,
    pub topic: String,
    pub materials: String,
    pub attendance: i32,
    pub absent: i32,
    pub notes: String,
    pub state: String,
    pub version: i32,
    pub submitted_at: Option<NaiveDateTime>,
    pub submitted_by: Option<i32>,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl FirstTopic {
    pub fn state(&self) -> ReviewState {
        ReviewState::parse(&self.state).unwrap_or(ReviewState::Draft)
    }

    pub fn kind(&self) -> MeetingKind {
        MeetingKind::parse(&self.meeting_kind).unwrap_or(MeetingKind::Other)
    }

    pub fn fields(&self) -> TopicFields {
        TopicFields {
            unit_id: self.unit_id,
            meeting_date: self.meeting_date,
            meeting_kind: self.kind(),
            topic: self.topic.clone(),
            materials: self.materials.clone(),
            attendance: self.attendance,
            absent: self.absent,
            notes: self.notes.clone(),
        }
    }
}

/// The validated fields of a record.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TopicFields {
    pub unit_id: i32,
    pub meeting_date: NaiveDate,
    pub meeting_kind: MeetingKind,
    pub topic: String,
    pub materials: String,
    pub attendance: i32,
    pub absent: i32,
    pub notes: String,
}

/// A record with its unit's name, as the history shows it.
pub struct TrackedTopic<'a> {
    pub fields: &'a TopicFields,
    pub unit_name: &'a str,
}

impl Tracked for TrackedTopic<'_> {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        let f = self.fields;
        vec![
            ("单位", self.unit_name.to_string()),
            ("会议日期", f.meeting_date.format("%Y-%m-%d").to_string()),
            ("会议类型", f.meeting_kind.label().to_string()),
            ("学习内容", f.topic.clone()),
            ("学习材料", f.materials.clone()),
            ("实到人数", f.attendance.to_string()),
            ("缺席人数", f.absent.to_string()),
            ("研讨发言摘要", f.notes.clone()),
        ]
    }
}

#[derive(Debug, Clone)]
pub struct TopicFilter {
    pub scope: Scope,
    pub unit_path: Option<String>,
    pub year: Option<i32>,
    pub state: Option<ReviewState>,
}

macro_rules! apply_filter {
    ($q:expr, $f:expr) => {{
        let f: &TopicFilter = $f;
        let mut q = $q;
        if let Some(c) = scope::units_in(&f.scope, first_topics::unit_id) {
            q = q.filter(c);
        }
        if let Some(path) = &f.unit_path {
            q = q.filter(scope::under(path));
        }
        if let Some(y) = f.year {
            if let (Some(from), Some(to)) = (
                NaiveDate::from_ymd_opt(y, 1, 1),
                NaiveDate::from_ymd_opt(y, 12, 31),
            ) {
                q = q.filter(first_topics::meeting_date.between(from, to));
            }
        }
        if let Some(s) = f.state {
            q = q.filter(first_topics::state.eq(s.code()));
        }
        q
    }};
}

/// One page of records matching `f`, newest meeting first, with units, and the total.
pub fn list(
    conn: &mut DbConn,
    f: &TopicFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<(FirstTopic, Unit)>, i64)> {
    let total: i64 = apply_filter!(first_topics::table.inner_join(units::table).into_boxed(), f)
        .count()
        .get_result(conn)?;
    let rows = apply_filter!(first_topics::table.inner_join(units::table).into_boxed(), f)
        .order((first_topics::meeting_date.desc(), first_topics::id.desc()))
        .offset(offset)
        .limit(limit)
        .select((FirstTopic::as_select(), Unit::as_select()))
        .load(conn)?;
    Ok((rows, total))
}

/// Years that have records, newest first (plus `this_year`).
pub fn years(conn: &mut DbConn, this_year: i32) -> QueryResult<Vec<i32>> {
    use diesel::dsl::{exists, max, min};
    // Two queries: SQLite answers a lone min() or max() from the index, not both at once.
    let first = first_topics::table
        .select(min(first_topics::meeting_date))
        .first(conn)?;
    let last = first_topics::table
        .select(max(first_topics::meeting_date))
        .first(conn)?;
    let span = (first, last);
    super::years_present(this_year, span, |from, to| {
        diesel::select(exists(
            first_topics::table.filter(first_topics::meeting_date.between(from, to)),
        ))
        .get_result(conn)
    })
}

pub fn get(conn: &mut DbConn, id: i32) -> QueryResult<FirstTopic> {
    first_topics::table
        .find(id)
        .select(FirstTopic::as_select())
        .first(conn)
}

/// The record, its row locked until the transaction ends (`FOR UPDATE` on PostgreSQL;
/// SQLite's `BEGIN IMMEDIATE` already holds the database). Call inside a write transaction.
pub fn lock(conn: &mut DbConn, id: i32) -> QueryResult<Option<FirstTopic>> {
    match conn {
        DbConn::Pg(c) => first_topics::table
            .find(id)
            .select(FirstTopic::as_select())
            .for_update()
            .first(c)
            .optional(),
        DbConn::Sqlite(_) => get(conn, id).optional(),
    }
}

pub fn insert(
    conn: &mut DbConn,
    f: &TopicFields,
    by: i32,
    now: NaiveDateTime,
) -> QueryResult<FirstTopic> {
    let id: i32 = diesel::insert_into(first_topics::table)
        .values((
            first_topics::unit_id.eq(f.unit_id),
            first_topics::meeting_date.eq(f.meeting_date),
            first_topics::meeting_kind.eq(f.meeting_kind.code()),
            first_topics::topic.eq(&f.topic),
            first_topics::materials.eq(&f.materials),
            first_topics::attendance.eq(f.attendance),
            first_topics::absent.eq(f.absent),
            first_topics::notes.eq(&f.notes),
            first_topics::state.eq(ReviewState::Draft.code()),
            first_topics::version.eq(1),
            first_topics::created_by.eq(Some(by)),
            first_topics::created_at.eq(now),
            first_topics::updated_at.eq(now),
        ))
        .returning(first_topics::id)
        .get_result(conn)?;
    get(conn, id)
}

/// Overwrite the fields and bump the version, only if the record is still a draft at the
/// `expected` version (one conditional UPDATE: of two concurrent saves exactly one wins, on
/// both backends). None when it moved on; nothing written then.
pub fn update(
    conn: &mut DbConn,
    id: i32,
    expected: i32,
    f: &TopicFields,
    now: NaiveDateTime,
) -> QueryResult<Option<FirstTopic>> {
    let n = diesel::update(
        first_topics::table
            .filter(first_topics::id.eq(id))
            .filter(first_topics::version.eq(expected))
            .filter(first_topics::state.eq(ReviewState::Draft.code())),
    )
    .set((
        first_topics::unit_id.eq(f.unit_id),
        first_topics::meeting_date.eq(f.meeting_date),
        first_topics::meeting_kind.eq(f.meeting_kind.code()),
        first_topics::topic.eq(&f.topic),
        first_topics::materials.eq(&f.materials),
        first_topics::attendance.eq(f.attendance),
        first_topics::absent.eq(f.absent),
        first_topics::notes.eq(&f.notes),
        first_topics::version.eq(first_topics::version + 1),
        first_topics::updated_at.eq(now),
    ))
    .execute(conn)?;
    if n != 1 {
        return Ok(None);
    }
    // Evidence follows the record to its new unit (download and delete check the file's unit).
    crate::db::models::attachments::move_owner(
        conn,
        crate::db::models::attachments::Owner::FirstTopic,
        id,
        f.unit_id,
    )?;
    get(conn, id).map(Some)
}

/// Move a record from `from` to `to`, only if it is still in `from` at version `expected`;
/// a submission also stamps who and when. Returns false (nothing written) when another step
/// or save got there first.
pub fn set_state(
    conn: &mut DbConn,
    id: i32,
    from: ReviewState,
    expected: i32,
    to: ReviewState,
    submitted_by: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let target = first_topics::table
        .filter(first_topics::id.eq(id))
        .filter(first_topics::state.eq(from.code()))
        .filter(first_topics::version.eq(expected));
    let n = if let Some(by) = submitted_by {
        diesel::update(target)
            .set((
                first_topics::state.eq(to.code()),
                first_topics::submitted_by.eq(Some(by)),
                first_topics::submitted_at.eq(Some(now)),
                first_topics::version.eq(first_topics::version + 1),
                first_topics::updated_at.eq(now),
            ))
            .execute(conn)?
    } else {
        diesel::update(target)
            .set((
                first_topics::state.eq(to.code()),
                first_topics::version.eq(first_topics::version + 1),
                first_topics::updated_at.eq(now),
            ))
            .execute(conn)?
    };
    Ok(n == 1)
}

/// Records waiting in `state` for units in `scope`, oldest submission first, with the unit.
pub fn queue(
    conn: &mut DbConn,
    scope: &Scope,
    state: ReviewState,
) -> QueryResult<Vec<(FirstTopic, Unit)>> {
    let mut q = first_topics::table
        .inner_join(units::table)
        .filter(first_topics::state.eq(state.code()))
        .into_boxed();
    if let Some(c) = scope::units_in(scope, first_topics::unit_id) {
        q = q.filter(c);
    }
    q.order((first_topics::submitted_at.asc(), first_topics::id.asc()))
        .limit(500)
        .select((FirstTopic::as_select(), Unit::as_select()))
        .load(conn)
}

/// What waits for this user, for the home page's in-app reminders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Waiting {
    /// Records waiting for this user's review (re-check for a reviewer, re-review for the
    /// office).
    pub to_review: i64,
    /// Returned drafts of the user's own unit.
    pub returned: i64,
}

/// Counts of 第一议题 records waiting for this user. `review_path` is the reviewer's unit
/// path (for 总支复查); `office` counts the committee's queue instead.
pub fn topics_waiting(
    conn: &mut DbConn,
    unit_id: i32,
    review_path: Option<&str>,
    office: bool,
) -> QueryResult<Waiting> {
    use crate::db::schema::review_events;
    let to_review = if office {
        first_topics::table
            .filter(first_topics::state.eq(ReviewState::AwaitingCommittee.code()))
            .count()
            .get_result(conn)?
    } else if let Some(p) = review_path {
        first_topics::table
            .inner_join(units::table)
            .filter(first_topics::state.eq(ReviewState::AwaitingGeneral.code()))
            .filter(scope::under(p))
            .filter(first_topics::unit_id.ne(unit_id))
            .count()
            .get_result(conn)?
    } else {
        0
    };
    // A draft that was submitted before went back by a return.
    let returned: i64 = first_topics::table
        .filter(first_topics::unit_id.eq(unit_id))
        .filter(first_topics::state.eq(ReviewState::Draft.code()))
        .filter(first_topics::submitted_at.is_not_null())
        .filter(diesel::dsl::exists(
            review_events::table
                .filter(review_events::entity.eq(ENTITY))
                .filter(review_events::entity_id.eq(first_topics::id))
                .filter(review_events::action.eq("return")),
        ))
        .count()
        .get_result(conn)?;
    Ok(Waiting {
        to_review,
        returned,
    })
}

/// Records of a unit (for demo seeding idempotence).
pub fn count_for_unit(conn: &mut DbConn, unit_id: i32) -> QueryResult<i64> {
    first_topics::table
        .filter(first_topics::unit_id.eq(unit_id))
        .count()
        .get_result(conn)
}
