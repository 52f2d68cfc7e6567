//! Practice measures (践行举措): create, update, close and the Excel import, each one
//! transaction.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::auth::{Action, CurrentUser};
use crate::db::models::campaigns::{self, Goal};
use crate::db::models::measures::{self, BulkMeasure, MeasureFields, TrackedMeasure};
use crate::db::models::units::{self, Unit};
use crate::db::models::{audit, history};
use crate::db::DbConn;
use crate::domain::register::MeasureStatus;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::forms::measures::{MeasureForm, FIELDS};

/// Why a save came too late: the measure was closed meanwhile.
pub const CLOSED_MEANWHILE: &str =
    "保存失败：该举措已关闭，不能再修改。您填写的内容仍在下方，仅供留存。";
/// Why a save came too late: someone saved first.
pub const EDITED_MEANWHILE: &str =
    "保存失败：该举措在您编辑期间已被他人修改。您填写的内容仍在下方，尚未保存；请核对最新内容，确认以您的内容为准时再次保存。";

/// A close that came after another close (or a change) of the same measure.
pub fn already_closed() -> AppError {
    AppError::Conflict(
        "该举措已被关闭或刚被他人修改，本次关闭未执行。请返回举措页面刷新后查看。".into(),
    )
}

/// How a create or update ended.
pub enum Saved {
    Done {
        id: i32,
        title: String,
    },
    /// The form's references do not hold (goals of another campaign): nothing written.
    Invalid(FieldErrors),
    /// Closed meanwhile: nothing written.
    Conflict(FieldErrors),
    /// Someone saved first: nothing written; the version now stored, for the form (saving
    /// again is then a deliberate overwrite, as on every edit form).
    Stale(FieldErrors, i32),
}

/// "标准严格、举措细致"
pub fn goal_names(goals: &[Goal]) -> String {
    goals
        .iter()
        .map(|g| g.name.as_str())
        .collect::<Vec<_>>()
        .join("、")
}

/// Checks against the database, inside the write transaction: the unit may be written by
/// the user (else Forbidden), the goals belong to the campaign.
fn check_refs(
    c: &mut DbConn,
    user: &CurrentUser,
    campaign_id: i32,
    fields: &MeasureFields,
) -> AppResult<(Unit, Vec<Goal>, FieldErrors)> {
    let mut e = FieldErrors::new();
    let unit = units::find(c, fields.unit_id)?.ok_or(AppError::Forbidden)?;
    user.require(Action::Write, &unit)?;
    let all = campaigns::goals(c, campaign_id)?;
    let chosen: Vec<Goal> = all
        .into_iter()
        .filter(|g| fields.goal_ids.contains(&g.id))
        .collect();
    if chosen.len() != fields.goal_ids.len() {
        e.add("goals", "所选目标不属于本年度活动，请重新选择");
    }
    Ok((unit, chosen, e))
}

/// Create a measure of the campaign, with audit.
pub fn create(
    c: &mut DbConn,
    user: &CurrentUser,
    campaign_id: i32,
    fields: &MeasureFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    let (unit, goals, errors) = check_refs(c, user, campaign_id, fields)?;
    if !errors.is_empty() {
        return Ok(Saved::Invalid(errors));
    }
    let m = measures::insert(c, campaign_id, fields, Some(user.id), now)?;
    let mut after = serde_json::to_value(fields).unwrap_or_default();
    after["goals"] = serde_json::Value::String(goal_names(&goals));
    audit::record(
        c,
        audit::Change {
            user_id: Some(user.id),
            unit_id: Some(unit.id),
            action: "create",
            entity: "measure",
            entity_id: Some(m.id),
            summary: format!("新增践行举措 {}（{}）", m.title, unit.name),
            before: None,
            after: Some(after),
        },
        now,
    )?;
    Ok(Saved::Done {
        id: m.id,
        title: m.title,
    })
}

/// Overwrite a measure that is still open at `expected` (the version the form was made
/// from), with field history and audit.
pub fn update(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    campaign_id: i32,
    expected: i32,
    fields: &MeasureFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    let before = measures::get(c, id)?;
    let before_unit = units::get(c, before.unit_id)?;
    user.require(Action::Write, &before_unit)?;
    if before.status() == MeasureStatus::Closed {
        return Ok(Saved::Conflict(FieldErrors::message(CLOSED_MEANWHILE)));
    }
    if expected != before.version {
        return Ok(Saved::Stale(
            FieldErrors::message(EDITED_MEANWHILE),
            before.version,
        ));
    }
    let (unit, goals, errors) = check_refs(c, user, campaign_id, fields)?;
    if !errors.is_empty() {
        return Ok(Saved::Invalid(errors));
    }
    let before_goals = measures::goals_of(c, &[id])?
        .remove(&id)
        .unwrap_or_default();
    let before_fields = before.fields(before_goals.iter().map(|g| g.id).collect());
    // Guarded by the version read: a save that lost the race writes nothing.
    let Some(after) = measures::update(c, id, expected, fields, now)? else {
        let current = measures::get(c, id)?.version;
        return Ok(Saved::Stale(
            FieldErrors::message(EDITED_MEANWHILE),
            current,
        ));
    };
    history::record(
        c,
        "measure",
        id,
        Some(user.id),
        now,
        &TrackedMeasure {
            fields: &before_fields,
            unit_name: &before_unit.name,
            goal_names: goal_names(&before_goals),
        },
        &TrackedMeasure {
            fields,
            unit_name: &unit.name,
            goal_names: goal_names(&goals),
        },
    )?;
    let mut b = serde_json::to_value(&before_fields).unwrap_or_default();
    b["goals"] = serde_json::Value::String(goal_names(&before_goals));
    let mut a = serde_json::to_value(fields).unwrap_or_default();
    a["goals"] = serde_json::Value::String(goal_names(&goals));
    audit::record(
        c,
        audit::Change {
            user_id: Some(user.id),
            unit_id: Some(unit.id),
            action: "update",
            entity: "measure",
            entity_id: Some(id),
            summary: format!("修改践行举措 {}", after.title),
            before: Some(b),
            after: Some(a),
        },
        now,
    )?;
    Ok(Saved::Done {
        id,
        title: after.title,
    })
}

/// Close a measure (404 when missing, 403 outside the user's scope, 409 when closed or
/// changed meanwhile), with field history and audit: its title.
pub fn close(c: &mut DbConn, user: &CurrentUser, id: i32, now: NaiveDateTime) -> AppResult<String> {
    let before = measures::get(c, id)?;
    let unit = units::get(c, before.unit_id)?;
    user.require(Action::Write, &unit)?;
    if before.status() == MeasureStatus::Closed {
        return Err(already_closed());
    }
    let goals = measures::goals_of(c, &[id])?
        .remove(&id)
        .unwrap_or_default();
    let goal_ids: Vec<i32> = goals.iter().map(|g| g.id).collect();
    let before_fields = before.fields(goal_ids.clone());
    // Guarded by the state and version read: of two closes at once one wins.
    let Some(after) = measures::close(c, id, before.version, now)? else {
        return Err(already_closed());
    };
    let after_fields = after.fields(goal_ids);
    let names = goal_names(&goals);
    history::record(
        c,
        "measure",
        id,
        Some(user.id),
        now,
        &TrackedMeasure {
            fields: &before_fields,
            unit_name: &unit.name,
            goal_names: names.clone(),
        },
        &TrackedMeasure {
            fields: &after_fields,
            unit_name: &unit.name,
            goal_names: names,
        },
    )?;
    audit::record(
        c,
        audit::Change {
            user_id: Some(user.id),
            unit_id: Some(unit.id),
            action: "close",
            entity: "measure",
            entity_id: Some(id),
            summary: format!("关闭践行举措 {}", after.title),
            before: Some(serde_json::json!({ "status": before.status })),
            after: Some(serde_json::json!({ "status": after.status })),
        },
        now,
    )?;
    Ok(after.title)
}

/// One data row of an import sheet as typed: the unit code and goal names still to be
/// looked up, the other cells in `form` (its `unit_id` and `goals` are filled here).
pub struct SheetRow {
    pub number: usize,
    pub unit_code: String,
    pub goal_names: Vec<String>,
    pub form: MeasureForm,
}

/// How an import ended.
pub enum Imported {
    Done(usize),
    /// One line per bad row; nothing written.
    Invalid(Vec<String>),
}

/// Turn the rows of a sheet into measures, or list every bad row.
fn rows_to_measures(
    c: &mut DbConn,
    user: &CurrentUser,
    campaign_id: i32,
    rows: Vec<SheetRow>,
    now: NaiveDateTime,
) -> AppResult<Result<Vec<BulkMeasure>, Vec<String>>> {
    let all_units = units::all(c)?;
    let by_code: HashMap<String, &Unit> = all_units
        .iter()
        .map(|u| (u.code.to_uppercase(), u))
        .collect();
    let goals = campaigns::goals(c, campaign_id)?;
    let goal_by_name = |name: &str| -> Option<i32> {
        goals
            .iter()
            .find(|g| g.name == name || g.full_name() == name)
            .map(|g| g.id)
    };
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for row in rows {
        let mut reasons: Vec<String> = Vec::new();
        let code = row.unit_code.as_str();
        let unit_id = if code.is_empty() {
            reasons.push("请填写单位编码".into());
            String::new()
        } else {
            match by_code.get(&code.to_uppercase()) {
                None => {
                    reasons.push(format!("单位编码“{code}”不存在"));
                    String::new()
                }
                Some(u) if !user.can(Action::Write, u) => {
                    reasons.push(format!("无权为单位“{}”（{code}）导入举措", u.name));
                    String::new()
                }
                Some(u) => u.id.to_string(),
            }
        };
        let mut goal_ids = Vec::new();
        let names = &row.goal_names;
        for name in names {
            match goal_by_name(name) {
                Some(id) => goal_ids.push(id.to_string()),
                None => reasons.push(format!("对应目标“{name}”不存在")),
            }
        }
        let form = MeasureForm {
            unit_id: unit_id.clone(),
            goals: goal_ids,
            ..row.form
        };
        match form.parse(true) {
            Ok(fields) if reasons.is_empty() => out.push(BulkMeasure {
                unit_id: fields.unit_id,
                fields,
                created_at: now,
                updated_at: now,
            }),
            Ok(_) => {}
            Err(e) => {
                let goal_named = reasons.iter().any(|r| r.starts_with("对应目标"));
                for field in FIELDS {
                    // Unit and goal problems are already named above with their values.
                    if (field == "unit_id" && unit_id.is_empty())
                        || (field == "goals" && goal_named)
                    {
                        continue;
                    }
                    if let Some(m) = e.get(field) {
                        let m = if field == "goals" && names.is_empty() {
                            "请填写对应目标".to_string()
                        } else {
                            m.to_string()
                        };
                        if !reasons.contains(&m) {
                            reasons.push(m);
                        }
                    }
                }
            }
        }
        if !reasons.is_empty() {
            problems.push(format!("第 {} 行：{}", row.number, reasons.join("；")));
        }
    }
    Ok(if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    })
}

/// Import the rows into the campaign: all of them, or none with every bad row named.
pub fn import(
    c: &mut DbConn,
    user: &CurrentUser,
    campaign_id: i32,
    rows: Vec<SheetRow>,
    now: NaiveDateTime,
) -> AppResult<Imported> {
    let list = match rows_to_measures(c, user, campaign_id, rows, now)? {
        Ok(list) => list,
        Err(problems) => return Ok(Imported::Invalid(problems)),
    };
    let ids = measures::insert_many(c, campaign_id, &list, Some(user.id))?;
    for (id, m) in ids.iter().zip(&list) {
        audit::record(
            c,
            audit::Change {
                user_id: Some(user.id),
                unit_id: Some(m.unit_id),
                action: "import",
                entity: "measure",
                entity_id: Some(*id),
                summary: format!("导入践行举措 {}", m.fields.title),
                before: None,
                after: serde_json::to_value(&m.fields).ok(),
            },
            now,
        )?;
    }
    Ok(Imported::Done(ids.len()))
}
