//! Accounts (office): create and edit, reset a password, disable or enable; each one
//! transaction with its audit row. Any change of rights or credentials ends the user's
//! sessions in the same transaction.

use chrono::NaiveDateTime;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db;
use crate::db::models::users::{self, User, UserFields};
use crate::db::models::{audit, sessions};
use crate::db::DbConn;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::forms::users::check;

/// How an account save ended. A stale version is `AppError::Stale`.
pub enum Saved {
    Done(User),
    /// The name is taken, the unit does not exist …
    Invalid(FieldErrors),
}

/// The audit entry of a change to `u`, under its unit.
fn change(actor: i32, u: &User, action: &'static str, summary: String) -> audit::Change<'static> {
    audit::Change::new(actor, action, "user", u.id, summary).unit(u.unit_id)
}

/// Add an account with the initial password `hash` (to be changed at first sign-in).
pub fn create(
    c: &mut DbConn,
    user: &CurrentUser,
    fields: &UserFields,
    hash: &str,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    user.require_may(Capability::ManageOrganisation)?;
    db::serialize_names(c, db::NameLock::Usernames)?;
    let errors = check(c, fields, None)?;
    if !errors.is_empty() {
        return Ok(Saved::Invalid(errors));
    }
    let created = users::insert(c, fields, hash, true, now)?;
    change(
        user.id,
        &created,
        "create",
        format!("新增用户 {}（{}）", created.display_name, created.username),
    )
    .after(fields)
    .record(c, now)?;
    Ok(Saved::Done(created))
}

/// Overwrite account `id` if it is still at `expected`; a new role or unit signs it out.
pub fn update(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    fields: &UserFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    user.require_may(Capability::ManageOrganisation)?;
    db::serialize_names(c, db::NameLock::Usernames)?;
    let before = users::get(c, id)?;
    if before.version != expected {
        return Err(AppError::Stale);
    }
    let errors = check(c, fields, Some(id))?;
    if !errors.is_empty() {
        return Ok(Saved::Invalid(errors));
    }
    db::one_row(users::update(c, id, expected, fields, now)?)?;
    let after = users::get(c, id)?;
    if before.role != after.role || before.unit_id != after.unit_id {
        // New rights: sign in again.
        sessions::delete_for_user(c, id, None)?;
    }
    change(
        user.id,
        &after,
        "update",
        format!("修改用户 {}", after.username),
    )
    .before(&serde_json::json!({
        "username": before.username, "display_name": before.display_name,
        "role": before.role, "unit_id": before.unit_id,
    }))
    .after(fields)
    .record(c, now)?;
    Ok(Saved::Done(after))
}

/// Set a new password `hash` on account `id` at `expected` (to be changed at the next
/// sign-in) and end its sessions.
pub fn reset_password(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    hash: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    user.require_may(Capability::ManageOrganisation)?;
    let target = users::get(c, id)?;
    db::one_row(users::set_password(
        c,
        id,
        users::Expect::Version(expected),
        hash,
        true,
        now,
    )?)?;
    sessions::delete_for_user(c, id, None)?;
    audit::record(
        c,
        change(
            user.id,
            &target,
            "reset_password",
            format!("重置用户 {} 的密码", target.username),
        ),
        now,
    )?;
    Ok(())
}

/// Enable or disable account `id` from the other state at `expected`; the account as it was.
pub fn set_active(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    active: bool,
    now: NaiveDateTime,
) -> AppResult<User> {
    user.require_may(Capability::ManageOrganisation)?;
    let target = users::get(c, id)?;
    // Only from the other state at the version the page showed: of ten clicks at once
    // one is recorded, and a stale page changes nothing.
    db::one_row(users::set_active(c, id, Some(expected), active, now)?)?;
    let (action, verb) = if active {
        ("enable", "启用")
    } else {
        ("disable", "停用")
    };
    audit::record(
        c,
        change(
            user.id,
            &target,
            action,
            format!("{verb}用户 {}", target.username),
        ),
        now,
    )?;
    Ok(target)
}
