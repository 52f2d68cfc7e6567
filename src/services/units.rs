//! The organisation tree: adding and editing a unit, each one transaction under the tree
//! lock (codes, the one root and parent kinds are checked against the stored tree).

use chrono::NaiveDateTime;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db::models::audit;
use crate::db::models::units::{self, Unit, UnitFields};
use crate::db::DbConn;
use crate::domain::validate::FieldErrors;
use crate::error::AppResult;
use crate::forms::units::check_tree;

/// How a unit save ended.
pub enum Saved {
    Done(Unit),
    /// The tree refuses the fields (code taken, parent kind, a second root …).
    Invalid(FieldErrors),
    /// Someone saved first: the version now stored, for the form (a deliberate re-save wins).
    Conflict(i32),
}

/// Add a unit, with audit.
pub fn create(
    c: &mut DbConn,
    user: &CurrentUser,
    fields: &UnitFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    user.require_may(Capability::ManageOrganisation)?;
    units::lock_tree(c)?;
    let errors = check_tree(c, fields, None)?;
    if !errors.is_empty() {
        return Ok(Saved::Invalid(errors));
    }
    let unit = units::insert(c, fields, now)?;
    audit::Change::new(
        user.id,
        "create",
        "unit",
        unit.id,
        format!("新增单位 {}", unit.name),
    )
    .unit(unit.id)
    .after(fields)
    .record(c, now)?;
    Ok(Saved::Done(unit))
}

/// Overwrite unit `id` if it is still at `expected` (the version the form was made from),
/// with audit.
pub fn update(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    fields: &UnitFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    user.require_may(Capability::ManageOrganisation)?;
    units::lock_tree(c)?;
    let before = units::get(c, id)?;
    if before.version != expected {
        return Ok(Saved::Conflict(before.version));
    }
    let errors = check_tree(c, fields, Some(&before))?;
    if !errors.is_empty() {
        return Ok(Saved::Invalid(errors));
    }
    let Some(unit) = units::update(c, id, expected, fields, now)? else {
        return Ok(Saved::Conflict(units::get(c, id)?.version));
    };
    audit::Change::new(
        user.id,
        "update",
        "unit",
        id,
        format!("修改单位 {}", unit.name),
    )
    .unit(id)
    .before(&before)
    .after(&unit)
    .record(c, now)?;
    Ok(Saved::Done(unit))
}
