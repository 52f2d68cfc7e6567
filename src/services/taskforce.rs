//! The task force (一线专班): the office assigns one of its staff to a unit, or ends the
//! assignment; one transaction each, with audit.

use chrono::NaiveDateTime;
use diesel::OptionalExtension;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db;
use crate::db::models::{audit, taskforce, units, users};
use crate::db::DbConn;
use crate::domain::validate::FieldErrors;
use crate::domain::Role;
use crate::error::AppResult;

/// How an assignment ended.
pub enum Saved {
    /// The summary, e.g. "一线专班：张三 联系 第一支部".
    Done(String),
    Invalid(FieldErrors),
}

/// Assign `member` (an active office account) to unit `unit_id`, once.
pub fn assign(
    c: &mut DbConn,
    user: &CurrentUser,
    member: i32,
    unit_id: i32,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    user.require_may(Capability::ManageTaskforce)?;
    let mut e = FieldErrors::new();
    let person = users::get(c, member).optional()?;
    match &person {
        Some(p) if p.role() == Role::Office && p.active => {}
        Some(_) => e.add("user_id", "专班成员须为党群工作部的在用账户"),
        None => e.add("user_id", "该用户不存在"),
    }
    let unit = units::find(c, unit_id)?;
    if unit.is_none() {
        e.add("unit_id", "该单位不存在");
    }
    if e.is_empty() && taskforce::exists(c, member, unit_id)? {
        e.add("unit_id", "该成员已联系这个单位");
    }
    let (Some(person), Some(unit)) = (person, unit) else {
        return Ok(Saved::Invalid(e));
    };
    if !e.is_empty() {
        return Ok(Saved::Invalid(e));
    }
    let Some(a) = taskforce::insert(c, member, unit_id, now)? else {
        e.add("unit_id", "该成员已联系这个单位");
        return Ok(Saved::Invalid(e));
    };
    let summary = format!("一线专班：{} 联系 {}", person.display_name, unit.name);
    audit::record(
        c,
        audit::Change {
            user_id: Some(user.id),
            unit_id: Some(unit_id),
            action: "create",
            entity: "task_force",
            entity_id: Some(a.id),
            summary: summary.clone(),
            before: None,
            after: serde_json::to_value(&a).ok(),
        },
        now,
    )?;
    Ok(Saved::Done(summary))
}

/// End assignment `id`.
pub fn remove(c: &mut DbConn, user: &CurrentUser, id: i32, now: NaiveDateTime) -> AppResult<()> {
    user.require_may(Capability::ManageTaskforce)?;
    let a = taskforce::get(c, id)?;
    // Ten clicks at once: one removal, one audit row.
    db::one_row(taskforce::delete(c, id)?)?;
    audit::record(
        c,
        audit::Change {
            user_id: Some(user.id),
            unit_id: Some(a.unit_id),
            action: "delete",
            entity: "task_force",
            entity_id: Some(id),
            summary: "取消一线专班联系单位".into(),
            before: serde_json::to_value(&a).ok(),
            after: None,
        },
        now,
    )?;
    Ok(())
}
