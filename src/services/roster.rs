//! The roster (人员名册): create, update, end (a person who leaves keeps their record, so past
//! coverage stays true) and the Excel import, each one transaction with audit and field
//! history.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};

use crate::auth::{Action, CurrentUser};
use crate::db::models::roster::{self, PersonFields, TrackedPerson, ENTITY};
use crate::db::models::units::{self, Unit};
use crate::db::models::{audit, history};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::forms::roster::{split_categories, PersonForm, FIELDS};
use crate::forms::ymd;

/// A person's unit, checked for writing (another unit's → Forbidden).
fn writable_unit(c: &mut DbConn, user: &CurrentUser, unit_id: i32) -> AppResult<Unit> {
    let unit = units::find(c, unit_id)?.ok_or(AppError::Forbidden)?;
    user.require(Action::Write, &unit)?;
    Ok(unit)
}

/// Add a person; their id.
pub fn create(
    c: &mut DbConn,
    user: &CurrentUser,
    fields: &PersonFields,
    now: NaiveDateTime,
) -> AppResult<i32> {
    let unit = writable_unit(c, user, fields.unit_id)?;
    let id = roster::insert(c, fields, user.id, now)?;
    audit::Change::new(
        user.id,
        "create",
        ENTITY,
        id,
        format!("新增人员 {}（{}）", fields.name, unit.name),
    )
    .unit(unit.id)
    .after(fields)
    .record(c, now)?;
    Ok(id)
}

/// How an update ended.
pub enum Saved {
    Done,
    /// Someone saved first: nothing written; the version now stored, for the form (saving
    /// again is then a deliberate overwrite, as on every edit form).
    Stale(i32),
}

fn record_change(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    before: (&PersonFields, &Unit),
    after: (&PersonFields, &Unit),
    (action, summary): (&str, String),
    now: NaiveDateTime,
) -> AppResult<()> {
    history::record(
        c,
        ENTITY,
        id,
        Some(user.id),
        now,
        &TrackedPerson {
            fields: before.0,
            unit_name: &before.1.name,
        },
        &TrackedPerson {
            fields: after.0,
            unit_name: &after.1.name,
        },
    )?;
    audit::Change::new(user.id, action, ENTITY, id, summary)
        .unit(after.1.id)
        .before(before.0)
        .after(after.0)
        .record(c, now)?;
    Ok(())
}

/// Overwrite a person at `expected` (the version the form was made from), with field
/// history and audit. Also for an ended person (to correct the leaving date).
pub fn update(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    fields: &PersonFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    let before = roster::get(c, id)?;
    let before_unit = units::get(c, before.unit_id)?;
    user.require(Action::Write, &before_unit)?;
    if expected != before.version {
        return Ok(Saved::Stale(before.version));
    }
    let unit = writable_unit(c, user, fields.unit_id)?;
    // Guarded by the version read: a save that lost the race writes nothing.
    if !roster::update(c, id, expected, fields, now)? {
        return Ok(Saved::Stale(roster::get(c, id)?.version));
    }
    let before_fields = before.fields();
    record_change(
        c,
        user,
        id,
        (&before_fields, &before_unit),
        (fields, &unit),
        (
            "update",
            format!("修改人员 {}（{}）", fields.name, unit.name),
        ),
        now,
    )?;
    Ok(Saved::Done)
}

/// A leaving that came after another leaving or change of the same person.
pub fn already_ended(on: NaiveDate) -> AppError {
    AppError::Conflict(format!(
        "该人员已登记离开（离开日期 {}），本次操作未执行。如需更正离开日期，请点击“编辑”。",
        ymd(on)
    ))
}

/// Record that a person left on `left_on` (404 when missing, 403 outside the user's scope,
/// 409 when already ended or changed since `expected`), with history and audit: the name.
pub fn end(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    left_on: NaiveDate,
    now: NaiveDateTime,
) -> AppResult<String> {
    let before = roster::get(c, id)?;
    let unit = units::get(c, before.unit_id)?;
    user.require(Action::Write, &unit)?;
    if let Some(on) = before.active_to {
        return Err(already_ended(on));
    }
    if expected != before.version {
        return Err(AppError::Stale);
    }
    if before.active_from.is_some_and(|f| left_on < f) {
        return Err(AppError::BadRequest(
            "离开日期不能早于在册起始日期。".into(),
        ));
    }
    if !roster::end(c, id, expected, left_on, now)? {
        // Ended or edited meanwhile: say which.
        let now_p = roster::get(c, id)?;
        return Err(match now_p.active_to {
            Some(on) => already_ended(on),
            None => AppError::Stale,
        });
    }
    let before_fields = before.fields();
    let after_fields = PersonFields {
        active_to: Some(left_on),
        ..before_fields.clone()
    };
    record_change(
        c,
        user,
        id,
        (&before_fields, &unit),
        (&after_fields, &unit),
        (
            "end",
            format!(
                "登记人员离开 {}（{}），离开日期 {}",
                before.name,
                unit.name,
                ymd(left_on)
            ),
        ),
        now,
    )?;
    Ok(before.name)
}

// ---------------------------------------------------------------- import

/// One data row of an import sheet as typed: the unit (code or name) and categories still
/// to be looked up, the other cells in `form`.
pub struct SheetRow {
    pub number: usize,
    pub unit: String,
    pub categories: String,
    pub form: PersonForm,
}

/// How an import ended.
pub enum Imported {
    Done {
        added: usize,
        updated: usize,
        unchanged: usize,
    },
    /// One line per bad row; nothing written.
    Invalid(Vec<String>),
}

/// What a good row does.
enum Plan {
    Add(PersonFields),
    /// The existing person (id, version, fields before, unit before) and the new fields.
    Update(i32, i32, Box<PersonFields>, PersonFields),
    Same,
}

/// A cell as named in a message: at most 30 characters.
fn short(text: &str) -> String {
    if text.chars().count() > 30 {
        format!("{}…", text.chars().take(30).collect::<String>())
    } else {
        text.to_string()
    }
}

/// The unit a row names, by code (any case) or by exact name.
fn unit_of<'a>(
    text: &str,
    by_code: &HashMap<String, &'a Unit>,
    by_name: &HashMap<&str, Vec<&'a Unit>>,
) -> Result<&'a Unit, String> {
    if text.is_empty() {
        return Err("请填写单位（单位名称或编码）".into());
    }
    if let Some(u) = by_code.get(&text.to_uppercase()) {
        return Ok(u);
    }
    match by_name.get(text).map(Vec::as_slice) {
        Some([u]) => Ok(u),
        Some([_, _, ..]) => Err(format!(
            "单位名称“{}”对应多个单位，请改填单位编码",
            short(text)
        )),
        _ => Err(format!(
            "单位“{}”不存在，请填写系统中的单位名称或编码",
            short(text)
        )),
    }
}

/// Check every row and decide what it does, or name every bad row.
fn plan(
    c: &mut DbConn,
    user: &CurrentUser,
    rows: Vec<SheetRow>,
) -> AppResult<Result<Vec<Plan>, Vec<String>>> {
    let all_units = units::all(c)?;
    let by_code: HashMap<String, &Unit> = all_units
        .iter()
        .map(|u| (u.code.to_uppercase(), u))
        .collect();
    let mut by_name: HashMap<&str, Vec<&Unit>> = HashMap::new();
    for u in &all_units {
        by_name.entry(u.name.as_str()).or_default().push(u);
    }
    // First pass: every row on its own.
    let mut checked: Vec<(usize, Result<PersonFields, Vec<String>>)> = Vec::new();
    for row in rows {
        let mut reasons: Vec<String> = Vec::new();
        let unit = match unit_of(&row.unit, &by_code, &by_name) {
            Ok(u) if !user.can(Action::Write, u) => {
                reasons.push(format!(
                    "单位“{}”不在您可维护的范围内，不能导入该单位的人员",
                    u.name
                ));
                None
            }
            Ok(u) => Some(u),
            Err(m) => {
                reasons.push(m);
                None
            }
        };
        let form = PersonForm {
            unit_id: unit.map(|u| u.id.to_string()).unwrap_or_default(),
            categories: split_categories(&row.categories),
            ..row.form
        };
        let result = match form.parse() {
            Ok(fields) if reasons.is_empty() => Ok(fields),
            Ok(_) => Err(reasons),
            Err(e) => {
                for field in FIELDS {
                    if field == "unit_id" {
                        continue;
                    }
                    if let Some(m) = e.get(field) {
                        let m = if field == "categories" && form.categories.is_empty() {
                            "请填写人员类别".to_string()
                        } else {
                            m.to_string()
                        };
                        if !reasons.contains(&m) {
                            reasons.push(m);
                        }
                    }
                }
                Err(reasons)
            }
        };
        checked.push((row.number, result));
    }
    // Second pass: repeats within the file, and matching people already on the roster.
    let unit_ids: Vec<i32> = {
        let mut ids: Vec<i32> = checked
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok().map(|f| f.unit_id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let mut existing: HashMap<(i32, String), Vec<roster::Person>> = HashMap::new();
    for p in roster::of_units(c, &unit_ids)? {
        existing
            .entry((p.unit_id, p.name.clone()))
            .or_default()
            .push(p);
    }
    let unit_name = |id: i32| {
        all_units
            .iter()
            .find(|u| u.id == id)
            .map_or_else(String::new, |u| u.name.clone())
    };
    let mut seen: HashMap<(i32, String), usize> = HashMap::new();
    let mut problems = Vec::new();
    let mut plans = Vec::new();
    for (number, result) in checked {
        let mut fields = match result {
            Ok(f) => f,
            Err(reasons) => {
                problems.push(format!("第 {number} 行：{}", reasons.join("；")));
                continue;
            }
        };
        let key = (fields.unit_id, fields.name.clone());
        if let Some(first) = seen.get(&key) {
            problems.push(format!(
                "第 {number} 行：与第 {first} 行重复（同一单位“{}”、同一姓名“{}”），请合并为一行",
                unit_name(fields.unit_id),
                fields.name
            ));
            continue;
        }
        seen.insert(key.clone(), number);
        let plan = match existing.get(&key).map(Vec::as_slice) {
            None | Some([]) => Plan::Add(fields),
            Some([p]) => {
                // An empty leaving date in the file keeps the one on the roster.
                if fields.active_to.is_none() {
                    fields.active_to = p.active_to;
                }
                if let (Some(f), Some(t)) = (fields.active_from, fields.active_to) {
                    if t < f {
                        problems.push(format!(
                            "第 {number} 行：在册起始日期（{}）晚于名册中已登记的离开日期（{}）",
                            ymd(f),
                            ymd(t)
                        ));
                        continue;
                    }
                }
                let before = p.fields();
                if before == fields {
                    Plan::Same
                } else {
                    Plan::Update(p.id, p.version, Box::new(before), fields)
                }
            }
            Some(many) => {
                problems.push(format!(
                    "第 {number} 行：单位“{}”已有 {} 名姓名为“{}”的人员，无法确定更新哪一位，请在名册中逐一修改",
                    unit_name(key.0),
                    many.len(),
                    key.1
                ));
                continue;
            }
        };
        plans.push(plan);
    }
    Ok(if problems.is_empty() {
        Ok(plans)
    } else {
        Err(problems)
    })
}

/// Import the rows: all of them, or none with every bad row named. A row whose unit and
/// name match one person already on the roster updates that person (with history) instead
/// of adding another, so importing the same file twice does not double the roster.
pub fn import(
    c: &mut DbConn,
    user: &CurrentUser,
    rows: Vec<SheetRow>,
    now: NaiveDateTime,
) -> AppResult<Imported> {
    // Two imports at once must not both add the same person.
    roster::lock_for_import(c)?;
    let plans = match plan(c, user, rows)? {
        Ok(p) => p,
        Err(problems) => return Ok(Imported::Invalid(problems)),
    };
    let all_units = units::all(c)?;
    let unit = |id: i32| -> AppResult<&Unit> {
        all_units
            .iter()
            .find(|u| u.id == id)
            .ok_or(AppError::Forbidden)
    };
    let (mut added, mut updated, mut unchanged) = (0, 0, 0);
    for plan in plans {
        match plan {
            Plan::Add(fields) => {
                let u = unit(fields.unit_id)?;
                let id = roster::insert(c, &fields, user.id, now)?;
                audit::Change::new(
                    user.id,
                    "import",
                    ENTITY,
                    id,
                    format!("导入人员 {}（{}）", fields.name, u.name),
                )
                .unit(u.id)
                .after(&fields)
                .record(c, now)?;
                added += 1;
            }
            Plan::Update(id, version, before, fields) => {
                let u = unit(fields.unit_id)?;
                if !roster::update(c, id, version, &fields, now)? {
                    return Err(AppError::Conflict(
                        "导入期间名册中的人员被他人修改，本次未导入任何数据。请重新导入。".into(),
                    ));
                }
                record_change(
                    c,
                    user,
                    id,
                    (&before, u),
                    (&fields, u),
                    (
                        "import",
                        format!("导入更新人员 {}（{}）", fields.name, u.name),
                    ),
                    now,
                )?;
                updated += 1;
            }
            Plan::Same => unchanged += 1,
        }
    }
    Ok(Imported::Done {
        added,
        updated,
        unchanged,
    })
}
