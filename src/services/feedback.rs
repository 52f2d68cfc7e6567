//! Supervision channels 信、网、电、微 (issue 12): an item received through the public form
//! or entered by the office, assigned to a unit (or closed at once), answered by that unit,
//! closed by the office or returned to the unit. Each step is one transaction: a guarded
//! `UPDATE … WHERE id = ? AND state = <from> AND version = ?` (rows counted; 409 otherwise),
//! its field history and audit entry.
//!
//! Who reads an item: the office and the viewer every item; any other user only the items
//! assigned to a unit in their scope (an item 待分办 is the office's alone). Without its
//! tracking code nobody else reads an item.

use chrono::{NaiveDate, NaiveDateTime};

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db::models::feedback::{self, FeedbackItem, NewItem, TrackedItem, ENTITY};
use crate::db::models::units::{self, Unit};
use crate::db::models::{audit, history};
use crate::db::DbConn;
use crate::domain::feedback::{FeedbackState, REPLY_DAYS};
use crate::domain::validate::FieldErrors;
use crate::domain::Scope;
use crate::error::{AppError, AppResult};
use crate::forms::feedback::ParsedAssign;
use crate::forms::ymd;

/// Characters of a tracking code: no 0/O, 1/I/L (read out over the phone).
const CODE_CHARS: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Length of a tracking code (20 × log2(31) ≈ 99 bits).
pub const CODE_LEN: usize = 20;

/// A fresh random tracking code.
pub fn new_code() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| CODE_CHARS[rng.random_range(0..CODE_CHARS.len())] as char)
        .collect()
}

/// Could `code` be a tracking code at all (checked before any query)?
pub fn plausible_code(code: &str) -> bool {
    code.len() == CODE_LEN && code.bytes().all(|b| CODE_CHARS.contains(&b))
}

/// May `user` read `item` (assigned to `unit`)?
pub fn may_read(user: &CurrentUser, item: &FeedbackItem, unit: Option<&Unit>) -> bool {
    if matches!(user.scope(), Scope::All) {
        return true;
    }
    match unit {
        Some(u) => item.state() != FeedbackState::Received && user.can(Action::Read, u),
        None => false,
    }
}

/// The item `id` with its unit, readable by `user` (404 for no such item, 403 otherwise).
pub fn load(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
) -> AppResult<(FeedbackItem, Option<Unit>)> {
    let item = feedback::find(c, id)?.ok_or(AppError::NotFound)?;
    let unit = match item.unit_id {
        Some(u) => units::find(c, u)?,
        None => None,
    };
    if !may_read(user, &item, unit.as_ref()) {
        return Err(AppError::Forbidden);
    }
    Ok((item, unit))
}

/// The item for an office step: readable and the user handles feedback.
fn load_for_office(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
) -> AppResult<(FeedbackItem, Option<Unit>)> {
    let loaded = load(c, user, id)?;
    user.require_may(Capability::HandleFeedback)?;
    Ok(loaded)
}

/// 409 unless the item is still at `from` and `expected`.
fn check_current(item: &FeedbackItem, from: &[FeedbackState], expected: i32) -> AppResult<()> {
    if item.version != expected || !from.contains(&item.state()) {
        return Err(AppError::Conflict(format!(
            "操作未执行：该事项在您操作期间已被他人处理（当前状态：{}）。请刷新页面，核对后再操作。",
            item.state().label()
        )));
    }
    Ok(())
}

fn field_error(field: &'static str, msg: &str) -> FieldErrors {
    let mut e = FieldErrors::new();
    e.add(field, msg);
    e
}

fn lost() -> AppError {
    AppError::Conflict("操作未执行：该事项已被他人处理。请刷新页面，核对最新状态后再操作。".into())
}

/// The unit an item may be assigned to or named for: an active unit.
fn active_unit(c: &mut DbConn, id: i32) -> AppResult<Option<Unit>> {
    Ok(units::find(c, id)?.filter(|u| u.active))
}

/// A received item stored with a fresh unique code: (id, code). A named unit that is not an
/// active unit is a field error.
fn store(
    c: &mut DbConn,
    n: &NewItem,
    by: Option<i32>,
    now: NaiveDateTime,
) -> AppResult<Result<(i32, String), FieldErrors>> {
    let mut unit_name = String::new();
    if let Some(uid) = n.unit_id {
        match active_unit(c, uid)? {
            Some(u) => unit_name = u.name,
            None => return Ok(Err(field_error("unit_id", "所选单位无效"))),
        }
    }
    let mut code = new_code();
    while feedback::by_code(c, &code)?.is_some() {
        code = new_code();
    }
    let id = feedback::insert(c, n, &code, by, now)?;
    let mut after = serde_json::json!({
        "channel": n.channel.label(),
        "category": n.category.label(),
        "content": n.content,
        "received_on": ymd(n.received_on),
        "state": FeedbackState::Received.label(),
    });
    if !unit_name.is_empty() {
        after["target_unit"] = serde_json::Value::from(unit_name);
    }
    let summary = format!("收到{}（{}）", n.channel.long_label(), n.category.label());
    audit::Change {
        user_id: by,
        unit_id: n.unit_id,
        action: "create",
        entity: ENTITY,
        entity_id: Some(id),
        summary,
        before: None,
        after: Some(after),
    }
    .record(c, now)?;
    Ok(Ok((id, code)))
}

/// An item sent through the public form (网): its tracking code.
pub fn create_public(
    c: &mut DbConn,
    n: &NewItem,
    now: NaiveDateTime,
) -> AppResult<Result<String, FieldErrors>> {
    Ok(store(c, n, None, now)?.map(|(_, code)| code))
}

/// A letter, call or WeChat message entered by the office: its id.
pub fn create_office(
    c: &mut DbConn,
    user: &CurrentUser,
    n: &NewItem,
    now: NaiveDateTime,
) -> AppResult<Result<i32, FieldErrors>> {
    user.require_may(Capability::HandleFeedback)?;
    Ok(store(c, n, Some(user.id), now)?.map(|(id, _)| id))
}

fn unit_name(u: &Option<Unit>) -> String {
    u.as_ref().map(|u| u.name.clone()).unwrap_or_default()
}

/// 分办: 待分办 → 办理中, to a unit with a reply day; its secretaries get a notice.
pub fn assign(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    p: &ParsedAssign,
    now: NaiveDateTime,
) -> AppResult<Result<(), FieldErrors>> {
    let (item, old_unit) = load_for_office(c, user, id)?;
    check_current(&item, &[FeedbackState::Received], expected)?;
    let Some(unit) = active_unit(c, p.unit_id)? else {
        return Ok(Err(field_error("unit_id", "请选择承办单位")));
    };
    if !feedback::assign(
        c,
        id,
        FeedbackState::Received,
        expected,
        unit.id,
        p.due_on,
        &p.note,
        user.id,
        now,
    )? {
        return Err(lost());
    }
    let after = feedback::get(c, id)?;
    history::record(
        c,
        ENTITY,
        id,
        Some(user.id),
        now,
        &TrackedItem::of(&item, &unit_name(&old_unit)),
        &TrackedItem::of(&after, &unit.name),
    )?;
    audit::Change::new(
        user.id,
        "assign",
        ENTITY,
        id,
        format!("分办至{}，答复期限 {}", unit.name, ymd(p.due_on)),
    )
    .unit(unit.id)
    .before(&serde_json::json!({ "state": item.state().label() }))
    .after(&serde_json::json!({
        "state": FeedbackState::Assigned.label(),
        "unit_id": unit.id,
        "due_on": ymd(p.due_on),
        "triage_note": p.note,
    }))
    .record(c, now)?;
    crate::services::notices::to_secretaries(
        c,
        unit.id,
        &format!(
            "监督渠道事项已分办至本单位，请于 {} 前答复。",
            ymd(p.due_on)
        ),
        &format!("/feedback/{id}"),
        now,
    )?;
    Ok(Ok(()))
}

/// The unit answers: 办理中 → 已答复. The assigned unit's users (and the office).
pub fn reply(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    text: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let (item, unit) = load(c, user, id)?;
    let Some(unit) = unit else {
        return Err(AppError::Forbidden);
    };
    user.require(Action::Write, &unit)?;
    check_current(&item, &[FeedbackState::Assigned], expected)?;
    if !feedback::reply(c, id, expected, text, user.id, now)? {
        return Err(lost());
    }
    let after = feedback::get(c, id)?;
    history::record(
        c,
        ENTITY,
        id,
        Some(user.id),
        now,
        &TrackedItem::of(&item, &unit.name),
        &TrackedItem::of(&after, &unit.name),
    )?;
    audit::Change::new(user.id, "reply", ENTITY, id, format!("{}答复", unit.name))
        .unit(unit.id)
        .before(&serde_json::json!({ "state": item.state().label(), "reply": item.reply }))
        .after(&serde_json::json!({ "state": FeedbackState::Replied.label(), "reply": text }))
        .record(c, now)?;
    Ok(())
}

/// The office closes: 待分办 → 已办结 (a duplicate, nothing to do) or 已答复 → 已办结.
pub fn close(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    note: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let (item, unit) = load_for_office(c, user, id)?;
    check_current(
        &item,
        &[FeedbackState::Received, FeedbackState::Replied],
        expected,
    )?;
    if !feedback::close(c, id, item.state(), expected, note, user.id, now)? {
        return Err(lost());
    }
    let after = feedback::get(c, id)?;
    let name = unit_name(&unit);
    history::record(
        c,
        ENTITY,
        id,
        Some(user.id),
        now,
        &TrackedItem::of(&item, &name),
        &TrackedItem::of(&after, &name),
    )?;
    let mut change = audit::Change::new(
        user.id,
        "close",
        ENTITY,
        id,
        if item.state() == FeedbackState::Received {
            "未分办直接办结".to_string()
        } else {
            "办结".to_string()
        },
    )
    .before(&serde_json::json!({ "state": item.state().label() }))
    .after(&serde_json::json!({ "state": FeedbackState::Closed.label(), "close_note": note }));
    if let Some(u) = &unit {
        change = change.unit(u.id);
    }
    change.record(c, now)?;
    Ok(())
}

/// The office sends a reply back: 已答复 → 办理中 with its note and a new reply day.
pub fn return_back(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    note: &str,
    today: NaiveDate,
    now: NaiveDateTime,
) -> AppResult<()> {
    let (item, unit) = load_for_office(c, user, id)?;
    check_current(&item, &[FeedbackState::Replied], expected)?;
    let Some(unit) = unit else {
        return Err(lost());
    };
    let due = today + chrono::Duration::days(REPLY_DAYS);
    let triage = if item.triage_note.is_empty() {
        format!("退回：{note}")
    } else {
        format!("{}\n退回：{note}", item.triage_note)
    };
    if !feedback::assign(
        c,
        id,
        FeedbackState::Replied,
        expected,
        unit.id,
        due,
        &triage,
        user.id,
        now,
    )? {
        return Err(lost());
    }
    let after = feedback::get(c, id)?;
    history::record(
        c,
        ENTITY,
        id,
        Some(user.id),
        now,
        &TrackedItem::of(&item, &unit.name),
        &TrackedItem::of(&after, &unit.name),
    )?;
    audit::Change::new(
        user.id,
        "return",
        ENTITY,
        id,
        format!("退回{}重新办理，答复期限 {}", unit.name, ymd(due)),
    )
    .unit(unit.id)
    .before(&serde_json::json!({ "state": item.state().label() }))
    .after(&serde_json::json!({
        "state": FeedbackState::Assigned.label(),
        "due_on": ymd(due),
        "comment": note,
    }))
    .record(c, now)?;
    crate::services::notices::to_secretaries(
        c,
        unit.id,
        &format!("监督渠道事项的答复被退回，请于 {} 前重新答复。", ymd(due)),
        &format!("/feedback/{id}"),
        now,
    )?;
    Ok(())
}
