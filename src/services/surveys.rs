//! 员工思想状况调查: create, update and delete, each one transaction with its audit entry
//! (and field history for an edit). The office records for any unit, a secretary or a
//! general branch's reviewer for their own unit.

use chrono::NaiveDateTime;

use crate::auth::{Action, CurrentUser};
use crate::db::models::surveys::{self, Survey, SurveyFields, TrackedSurvey, ENTITY};
use crate::db::models::units::{self, Unit};
use crate::db::models::{audit, history};
use crate::db::DbConn;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};

/// How a save ended.
pub enum Saved {
    Done(i32),
    /// A target unit is not the organising unit or below it: the form again with this.
    Invalid(FieldErrors),
    /// Someone saved first: the version now stored, for the form (a deliberate re-save wins).
    Conflict(i32),
}

/// The target units in words, checked against the organising unit: each must exist and lie
/// in its subtree.
fn check_targets(
    c: &mut DbConn,
    unit: &Unit,
    f: &SurveyFields,
) -> AppResult<Result<String, FieldErrors>> {
    let found = units::by_ids(c, &f.target_units)?;
    for id in &f.target_units {
        match found.iter().find(|u| u.id == *id) {
            Some(u) if u.path.starts_with(&unit.path) => {}
            _ => {
                let mut e = FieldErrors::new();
                e.add(
                    "target_units",
                    format!("调查对象单位须为“{}”或其下属单位", unit.name),
                );
                return Ok(Err(e));
            }
        }
    }
    let names: Vec<(i32, String)> = found.into_iter().map(|u| (u.id, u.name)).collect();
    Ok(Ok(surveys::target_words(&f.target_units, &names)))
}

/// The target units of a stored survey in words.
pub fn targets_in_words(c: &mut DbConn, s: &Survey) -> AppResult<String> {
    let ids = s.target_ids();
    let names: Vec<(i32, String)> = units::by_ids(c, &ids)?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    Ok(surveys::target_words(&ids, &names))
}

/// The fields as the audit log keeps them: the target units in words instead of ids.
fn logged(fields: &SurveyFields, targets: &str) -> serde_json::Value {
    let mut v = serde_json::to_value(fields).unwrap_or_default();
    if let Some(map) = v.as_object_mut() {
        map.insert("target_units".into(), serde_json::Value::from(targets));
    }
    v
}

/// Record a survey; its id.
pub fn create(
    c: &mut DbConn,
    user: &CurrentUser,
    fields: &SurveyFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    let unit = units::find(c, fields.unit_id)?.ok_or(AppError::Forbidden)?;
    user.require(Action::Write, &unit)?;
    let targets = match check_targets(c, &unit, fields)? {
        Ok(t) => t,
        Err(e) => return Ok(Saved::Invalid(e)),
    };
    let s = surveys::insert(c, fields, user.id, now)?;
    audit::Change::new(
        user.id,
        "create",
        ENTITY,
        s.id,
        format!("新增思想状况调查 {}（{}）", s.title, unit.name),
    )
    .unit(unit.id)
    .after(&logged(fields, &targets))
    .record(c, now)?;
    Ok(Saved::Done(s.id))
}

/// Overwrite a survey if it is still at `expected` (the version the form was made from),
/// with field history and audit.
pub fn update(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    fields: &SurveyFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    let before = surveys::lock(c, id)?.ok_or(AppError::NotFound)?;
    let before_unit = units::get(c, before.unit_id)?;
    user.require(Action::Write, &before_unit)?;
    let unit = units::find(c, fields.unit_id)?.ok_or(AppError::Forbidden)?;
    user.require(Action::Write, &unit)?;
    if expected != before.version {
        return Ok(Saved::Conflict(before.version));
    }
    let targets = match check_targets(c, &unit, fields)? {
        Ok(t) => t,
        Err(e) => return Ok(Saved::Invalid(e)),
    };
    let before_targets = targets_in_words(c, &before)?;
    let before_fields = before.fields();
    // The UPDATE checks the version itself: a concurrent save that got there first leaves
    // nothing written here.
    if surveys::update(c, id, expected, fields, now)?.is_none() {
        let current = surveys::get(c, id)?;
        return Ok(Saved::Conflict(current.version));
    }
    history::record(
        c,
        ENTITY,
        id,
        Some(user.id),
        now,
        &TrackedSurvey {
            fields: &before_fields,
            unit_name: &before_unit.name,
            targets: &before_targets,
        },
        &TrackedSurvey {
            fields,
            unit_name: &unit.name,
            targets: &targets,
        },
    )?;
    audit::Change::new(
        user.id,
        "update",
        ENTITY,
        id,
        format!("修改思想状况调查 {}（{}）", fields.title, unit.name),
    )
    .unit(unit.id)
    .before(&logged(&before_fields, &before_targets))
    .after(&logged(fields, &targets))
    .record(c, now)?;
    Ok(Saved::Done(id))
}

/// Delete a survey (and its result files) if it is still at `expected`; the deleted survey.
/// Changed meanwhile: [`AppError::Stale`], nothing written.
pub fn delete(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    now: NaiveDateTime,
) -> AppResult<Survey> {
    let s = surveys::lock(c, id)?.ok_or(AppError::NotFound)?;
    let unit = units::get(c, s.unit_id)?;
    user.require(Action::Write, &unit)?;
    let targets = targets_in_words(c, &s)?;
    crate::db::one_row(surveys::delete(c, id, expected)?)?;
    audit::Change::new(
        user.id,
        "delete",
        ENTITY,
        id,
        format!("删除思想状况调查 {}（{}）", s.title, unit.name),
    )
    .unit(unit.id)
    .before(&logged(&s.fields(), &targets))
    .record(c, now)?;
    Ok(s)
}
