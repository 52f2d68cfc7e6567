//! The audit log: who changed what, when, with the record before and after (as JSON).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{audit_log, users};
use crate::db::DbConn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i32,
    pub at: NaiveDateTime,
    pub user_id: Option<i32>,
    pub unit_id: Option<i32>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i32>,
    pub summary: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

/// One change to record. `before` / `after` are any serialisable view of the record.
pub struct Change<'a> {
    pub user_id: Option<i32>,
    pub unit_id: Option<i32>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i32>,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> Change<'a> {
    /// `user_id` did `action` to `entity` number `entity_id`; `summary` is the line people read.
    pub fn new(
        user_id: i32,
        action: &'a str,
        entity: &'a str,
        entity_id: i32,
        summary: impl Into<String>,
    ) -> Self {
        Change {
            user_id: Some(user_id),
            unit_id: None,
            action,
            entity,
            entity_id: Some(entity_id),
            summary: summary.into(),
            before: None,
            after: None,
        }
    }

    /// The unit whose data changed (for scoping the log).
    pub fn unit(mut self, unit_id: i32) -> Self {
        self.unit_id = Some(unit_id);
        self
    }

    pub fn before(mut self, value: &impl serde::Serialize) -> Self {
        self.before = serde_json::to_value(value).ok();
        self
    }

    pub fn after(mut self, value: &impl serde::Serialize) -> Self {
        self.after = serde_json::to_value(value).ok();
        self
    }

    pub fn record(self, conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<()> {
        record(conn, self, now)
    }
}

pub fn record(conn: &mut DbConn, change: Change<'_>, now: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(now),
            audit_log::user_id.eq(change.user_id),
            audit_log::unit_id.eq(change.unit_id),
            audit_log::action.eq(change.action),
            audit_log::entity.eq(change.entity),
            audit_log::entity_id.eq(change.entity_id),
            audit_log::summary.eq(change.summary),
            audit_log::before_json.eq(change.before.map(|v| v.to_string())),
            audit_log::after_json.eq(change.after.map(|v| v.to_string())),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<i32>,
    pub user_id: Option<i32>,
}

/// An entry with the display name of who made it (none for the system).
pub type EntryWithActor = (AuditEntry, Option<String>);

/// Newest first, one page, with the actor's display name.
pub fn list(
    conn: &mut DbConn,
    f: &AuditFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<EntryWithActor>, i64)> {
    macro_rules! apply {
        ($q:expr) => {{
            let mut q = $q;
            if let Some(e) = &f.entity {
                q = q.filter(audit_log::entity.eq(e.clone()));
            }
            if let Some(id) = f.entity_id {
                q = q.filter(audit_log::entity_id.eq(id));
            }
            if let Some(id) = f.user_id {
                q = q.filter(audit_log::user_id.eq(id));
            }
            q
        }};
    }
    let total = apply!(audit_log::table.into_boxed())
        .count()
        .get_result(conn)?;
    let rows = apply!(audit_log::table.left_join(users::table).into_boxed())
        .order(audit_log::id.desc())
        .offset(offset)
        .limit(limit)
        .select((AuditEntry::as_select(), users::display_name.nullable()))
        .load(conn)?;
    Ok((rows, total))
}
