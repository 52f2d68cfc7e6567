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

// ---------------------------------------------------------------- queries (issue 12)

use crate::db::schema::units;
use crate::db::scope;
use crate::db::search::{Engine, Indexed};
use crate::db::DbConn;
use crate::domain::Scope;

/// The list's filters. `scope` is the reader's: every unit for the office and the viewer;
/// otherwise only items assigned to a unit in it (an item still 待分办 is the office's alone).
#[derive(Debug, Clone)]
pub struct FeedbackFilter {
    pub scope: Scope,
    /// A unit and everything under it.
    pub unit_path: Option<String>,
    pub channel: Option<FeedbackChannel>,
    pub category: Option<FeedbackCategory>,
    pub state: Option<FeedbackState>,
    /// Only items past their reply day on this day (办理中 and `due_on` before it).
    pub overdue_on: Option<NaiveDate>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// In the content, the sender's name or the tracking code.
    pub text: Option<String>,
}

impl FeedbackFilter {
    pub fn of_scope(scope: Scope) -> Self {
        FeedbackFilter {
            scope,
            unit_path: None,
            channel: None,
            category: None,
            state: None,
            overdue_on: None,
            from: None,
            to: None,
            text: None,
        }
    }

    /// Does the query need the units joined (a scope narrower than everything, or a unit)?
    fn joins_units(&self) -> bool {
        !matches!(self.scope, Scope::All) || self.unit_path.is_some()
    }
}

/// The rows of `f` as a boxed query `q` over `feedback_items` joined with `units` (inner join
/// when the scope or a unit narrows it, else a left join so that unassigned items show), then
/// `$body` with it. `$with_cs`: apply the channel and state filters (off for the counts).
/// `$engine`: how the free-text filter is narrowed on this connection.
macro_rules! with_query {
    ($f:expr, $engine:expr, $with_cs:expr, |$q:ident| $body:expr) => {{
        let f: &FeedbackFilter = $f;
        let engine: Engine = $engine;
        macro_rules! common {
            ($src:expr) => {{
                let mut q = $src.into_boxed();
                if $with_cs {
                    if let Some(c) = f.channel {
                        q = q.filter(feedback_items::channel.eq(c.code()));
                    }
                    if let Some(s) = f.state {
                        q = q.filter(feedback_items::state.eq(s.code()));
                    }
                }
                if let Some(c) = f.category {
                    q = q.filter(feedback_items::category.eq(c.code()));
                }
                if let Some(day) = f.overdue_on {
                    q = q
                        .filter(feedback_items::state.eq(FeedbackState::Assigned.code()))
                        .filter(feedback_items::due_on.lt(day));
                }
                if let Some(d) = f.from {
                    q = q.filter(feedback_items::received_on.ge(d));
                }
                if let Some(d) = f.to {
                    q = q.filter(feedback_items::received_on.le(d));
                }
                if let Some(t) = &f.text {
                    if let Some(c) = engine.narrow(Indexed::FeedbackItems, t) {
                        q = q.filter(c);
                    }
                    let like = format!("%{}%", crate::db::models::units::escape_like(t));
                    q = q.filter(
                        feedback_items::content
                            .like(like.clone())
                            .escape('\\')
                            .or(feedback_items::name.like(like).escape('\\'))
                            .or(feedback_items::code.eq(t.clone())),
                    );
                }
                q
            }};
        }
        if f.joins_units() {
            let mut $q = common!(feedback_items::table.inner_join(units::table));
            if let Some(c) = scope::units_in(&f.scope, units::id) {
                $q = $q.filter(c);
            }
            if !matches!(f.scope, Scope::All) {
                $q = $q.filter(feedback_items::state.ne(FeedbackState::Received.code()));
            }
            if let Some(p) = &f.unit_path {
                $q = $q.filter(scope::under(p));
            }
            $body
        } else {
            let $q = common!(feedback_items::table.left_join(units::table));
            $body
        }
    }};
}

/// An item with its unit's name (none while unassigned).
pub type ListedItem = (FeedbackItem, Option<String>);

/// How many items `f` lists.
pub fn count(conn: &mut DbConn, f: &FeedbackFilter) -> QueryResult<i64> {
    Ok(with_query!(f, Engine::of(conn), true, |q| q
        .count()
        .get_result(conn)?))
}

/// One page of the items `f` lists, newest first.
pub fn page(
    conn: &mut DbConn,
    f: &FeedbackFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<ListedItem>> {
    let engine = Engine::of(conn);
    let rows = with_query!(f, engine, true, |q| q
        .order((
            feedback_items::received_on.desc(),
            feedback_items::id.desc()
        ))
        .offset(offset)
        .limit(limit)
        .select((FeedbackItem::as_select(), units::name.nullable()))
        .load(conn)?);
    Ok(rows)
}

/// (channel, state) of every item of `f` but its channel and state filters: the counts at
/// the top of the list.
pub fn channel_states(conn: &mut DbConn, f: &FeedbackFilter) -> QueryResult<Vec<(String, String)>> {
    Ok(with_query!(f, Engine::of(conn), false, |q| q
        .select((feedback_items::channel, feedback_items::state))
        .load(conn)?))
}

pub fn get(conn: &mut DbConn, id: i32) -> QueryResult<FeedbackItem> {
    feedback_items::table
        .find(id)
        .select(FeedbackItem::as_select())
        .first(conn)
}

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<FeedbackItem>> {
    get(conn, id).optional()
}

/// The item with this tracking code.
pub fn by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<FeedbackItem>> {
    feedback_items::table
        .filter(feedback_items::code.eq(code))
        .select(FeedbackItem::as_select())
        .first(conn)
        .optional()
}

/// A new item as received.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewItem {
    pub channel: FeedbackChannel,
    pub category: FeedbackCategory,
    pub content: String,
    pub name: String,
    pub phone: String,
    pub unit_id: Option<i32>,
    pub received_on: NaiveDate,
}

/// Store a received item (待分办) with its tracking code; its id.
pub fn insert(
    conn: &mut DbConn,
    n: &NewItem,
    code: &str,
    created_by: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    diesel::insert_into(feedback_items::table)
        .values((
            feedback_items::code.eq(code),
            feedback_items::channel.eq(n.channel.code()),
            feedback_items::category.eq(n.category.code()),
            feedback_items::content.eq(&n.content),
            feedback_items::name.eq(&n.name),
            feedback_items::phone.eq(&n.phone),
            feedback_items::unit_id.eq(n.unit_id),
            feedback_items::state.eq(FeedbackState::Received.code()),
            feedback_items::received_on.eq(n.received_on),
            feedback_items::created_by.eq(created_by),
            feedback_items::created_at.eq(now),
            feedback_items::updated_at.eq(now),
        ))
        .returning(feedback_items::id)
        .get_result(conn)
}

/// The item `id` if it is still at `from` and version `expected` (the guard of every step).
macro_rules! guarded {
    ($id:expr, $from:expr, $expected:expr) => {
        feedback_items::table
            .filter(feedback_items::id.eq($id))
            .filter(feedback_items::state.eq($from.code()))
            .filter(feedback_items::version.eq($expected))
    };
}

/// 待分办 → 办理中 (or 已答复 → 办理中 when returned): the unit, the reply day and the note.
/// False when someone else moved it first.
#[allow(clippy::too_many_arguments)]
pub fn assign(
    conn: &mut DbConn,
    id: i32,
    from: FeedbackState,
    expected: i32,
    unit_id: i32,
    due_on: NaiveDate,
    note: &str,
    by: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(guarded!(id, from, expected))
        .set((
            feedback_items::state.eq(FeedbackState::Assigned.code()),
            feedback_items::unit_id.eq(Some(unit_id)),
            feedback_items::due_on.eq(Some(due_on)),
            feedback_items::triage_note.eq(note),
            feedback_items::assigned_at.eq(Some(now)),
            feedback_items::assigned_by.eq(Some(by)),
            feedback_items::version.eq(feedback_items::version + 1),
            feedback_items::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// 办理中 → 已答复 with the unit's reply.
pub fn reply(
    conn: &mut DbConn,
    id: i32,
    expected: i32,
    text: &str,
    by: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(guarded!(id, FeedbackState::Assigned, expected))
        .set((
            feedback_items::state.eq(FeedbackState::Replied.code()),
            feedback_items::reply.eq(text),
            feedback_items::replied_at.eq(Some(now)),
            feedback_items::replied_by.eq(Some(by)),
            feedback_items::version.eq(feedback_items::version + 1),
            feedback_items::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// `from` (待分办 or 已答复) → 已办结 with the office's note.
pub fn close(
    conn: &mut DbConn,
    id: i32,
    from: FeedbackState,
    expected: i32,
    note: &str,
    by: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(guarded!(id, from, expected))
        .set((
            feedback_items::state.eq(FeedbackState::Closed.code()),
            feedback_items::close_note.eq(note),
            feedback_items::closed_at.eq(Some(now)),
            feedback_items::closed_by.eq(Some(by)),
            feedback_items::version.eq(feedback_items::version + 1),
            feedback_items::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// The audit entries of an item, oldest first, with who made them: its trail.
pub fn trail(
    conn: &mut DbConn,
    id: i32,
) -> QueryResult<Vec<(crate::db::models::audit::AuditEntry, Option<String>)>> {
    use crate::db::models::audit::AuditEntry;
    use crate::db::schema::{audit_log, users};
    audit_log::table
        .left_join(users::table)
        .filter(audit_log::entity.eq(ENTITY))
        .filter(audit_log::entity_id.eq(id))
        .order(audit_log::id.asc())
        .limit(200)
        .select((AuditEntry::as_select(), users::display_name.nullable()))
        .load(conn)
}

/// The display name of a user (for the page's 分办人 / 答复人 / 办结人).
pub fn user_name(conn: &mut DbConn, id: Option<i32>) -> QueryResult<String> {
    use crate::db::schema::users;
    let Some(id) = id else {
        return Ok(String::new());
    };
    Ok(users::table
        .find(id)
        .select(users::display_name)
        .first::<String>(conn)
        .optional()?
        .unwrap_or_default())
}

/// What the field history of an item follows: its state, unit, reply day, notes and reply.
pub struct TrackedItem {
    pub state: FeedbackState,
    pub unit_name: String,
    pub due_on: Option<NaiveDate>,
    pub triage_note: String,
    pub reply: String,
    pub close_note: String,
}

impl TrackedItem {
    pub fn of(item: &FeedbackItem, unit_name: &str) -> Self {
        TrackedItem {
            state: item.state(),
            unit_name: unit_name.to_string(),
            due_on: item.due_on,
            triage_note: item.triage_note.clone(),
            reply: item.reply.clone(),
            close_note: item.close_note.clone(),
        }
    }
}

impl crate::db::models::history::Tracked for TrackedItem {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("状态", self.state.label().to_string()),
            ("承办单位", self.unit_name.clone()),
            (
                "答复期限",
                self.due_on
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
            ),
            ("分办意见", self.triage_note.clone()),
            ("答复内容", self.reply.clone()),
            ("办结意见", self.close_note.clone()),
        ]
    }
}
