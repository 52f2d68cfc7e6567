//! 培训与活动: create, edit and delete an activity, save its attendance (ticked on the page
//! or imported from a sign-in sheet); each is one transaction with audit (and field history
//! on edits), guarded by the activity's version.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;

use crate::auth::{Action, CurrentUser};
use crate::db::models::activities::{
    self as model, Activity, ActivityFields, TrackedActivity, ENTITY,
};
use crate::db::models::roster::Person;
use crate::db::models::units::{self, Unit};
use crate::db::models::{audit, history};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};

/// The audit entity of attendance changes (entity id: the activity's).
pub const ATTENDANCE: &str = "attendance";

/// Why a typed count is refused while attendance rows exist.
pub fn typed_count_refused(rows: i64) -> String {
    format!("本活动已登记 {rows} 名参加人员，参训人次按名单计算，不能再填写人数；如确需改为填写人数，请先清空参加人员名单。")
}

/// Why attendance is refused while a typed count is kept.
pub fn attendance_refused(count: i32) -> String {
    format!("本活动已填写参训人次 {count}（无名册时使用）。如要按名单登记参加人员，请先编辑活动、清空“参训人次”后再登记。")
}

/// The activity and its unit, checked for `action`.
pub fn load_checked(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    action: Action,
) -> AppResult<(Activity, Unit)> {
    let a = model::find(c, id)?.ok_or(AppError::NotFound)?;
    let unit = units::get(c, a.unit_id)?;
    user.require(action, &unit)?;
    Ok((a, unit))
}

/// Create an activity; its id.
pub fn create(
    c: &mut DbConn,
    user: &CurrentUser,
    fields: &ActivityFields,
    now: NaiveDateTime,
) -> AppResult<i32> {
    let unit = units::find(c, fields.unit_id)?.ok_or(AppError::Forbidden)?;
    user.require(Action::Write, &unit)?;
    let a = model::insert(c, fields, user.id, now)?;
    audit::Change::new(
        user.id,
        "create",
        ENTITY,
        a.id,
        format!(
            "新增{}「{}」（{}）",
            fields.kind.label(),
            a.title,
            unit.name
        ),
    )
    .unit(unit.id)
    .after(fields)
    .record(c, now)?;
    Ok(a.id)
}

/// How an edit ended.
pub enum Saved {
    Done,
    /// Someone saved first: the version now stored, for the form.
    Conflict(i32),
    /// Refused for one field (field, message); nothing written.
    Invalid(&'static str, String),
}

/// Overwrite an activity still at `expected`, with field history and audit.
pub fn update(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    fields: &ActivityFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    let before = model::lock(c, id)?.ok_or(AppError::NotFound)?;
    let before_unit = units::get(c, before.unit_id)?;
    user.require(Action::Write, &before_unit)?;
    if expected != before.version {
        return Ok(Saved::Conflict(before.version));
    }
    let unit = units::find(c, fields.unit_id)?.ok_or(AppError::Forbidden)?;
    user.require(Action::Write, &unit)?;
    if fields.participant_count.is_some() {
        let rows = model::attendance_count(c, id)?;
        if rows > 0 {
            return Ok(Saved::Invalid(
                "participant_count",
                typed_count_refused(rows),
            ));
        }
    }
    let before_fields = before.fields();
    if model::update(c, id, expected, fields, now)?.is_none() {
        return Ok(Saved::Conflict(model::get(c, id)?.version));
    }
    history::record(
        c,
        ENTITY,
        id,
        Some(user.id),
        now,
        &TrackedActivity {
            fields: &before_fields,
            unit_name: &before_unit.name,
        },
        &TrackedActivity {
            fields,
            unit_name: &unit.name,
        },
    )?;
    audit::Change::new(
        user.id,
        "update",
        ENTITY,
        id,
        format!(
            "修改{}「{}」（{}）",
            fields.kind.label(),
            fields.title,
            unit.name
        ),
    )
    .unit(unit.id)
    .before(&before_fields)
    .after(fields)
    .record(c, now)?;
    Ok(Saved::Done)
}

/// How a delete ended.
pub enum Deleted {
    Done(String),
    /// It has attendance rows (how many): kept.
    HasAttendance(i64),
    /// Changed meanwhile: kept.
    Conflict,
}

/// Delete an activity without attendance, still at `expected`.
pub fn delete(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    now: NaiveDateTime,
) -> AppResult<Deleted> {
    let a = model::lock(c, id)?.ok_or(AppError::NotFound)?;
    let unit = units::get(c, a.unit_id)?;
    user.require(Action::Write, &unit)?;
    let rows = model::attendance_count(c, id)?;
    if rows > 0 {
        return Ok(Deleted::HasAttendance(rows));
    }
    if a.version != expected || !model::delete(c, id, expected)? {
        return Ok(Deleted::Conflict);
    }
    audit::Change::new(
        user.id,
        "delete",
        ENTITY,
        id,
        format!("删除{}「{}」（{}）", a.kind().label(), a.title, unit.name),
    )
    .unit(unit.id)
    .before(&a.fields())
    .record(c, now)?;
    Ok(Deleted::Done(a.title))
}

/// How an attendance save or import ended.
pub enum AttendanceSaved {
    /// Saved: how many people now attend.
    Done(usize),
    /// Someone saved the activity first: nothing written.
    Conflict,
    /// Refused as a whole, with the reason (a typed count is kept); nothing written.
    Refused(String),
    /// A ticked person the activity may not count (a forged or stale form); nothing written.
    OutOfScope,
    /// Import rows that are wrong, each with its row number; nothing written.
    Invalid(Vec<String>),
}

/// Replace the attendance of an activity with `rows` (person, score), if the activity is
/// still at `expected`. Every person must be in the activity's scope and active on its dates.
pub fn save_attendance(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    rows: &[(i32, Option<f64>)],
    now: NaiveDateTime,
) -> AppResult<AttendanceSaved> {
    let a = model::lock(c, id)?.ok_or(AppError::NotFound)?;
    let unit = units::get(c, a.unit_id)?;
    user.require(Action::Write, &unit)?;
    if a.version != expected {
        return Ok(AttendanceSaved::Conflict);
    }
    if let (Some(n), false) = (a.participant_count, rows.is_empty()) {
        return Ok(AttendanceSaved::Refused(attendance_refused(n)));
    }
    let mut people: HashMap<i32, (Person, Unit)> =
        model::people_in_scope(c, &unit.path, a.start_date, a.end_date)?
            .into_iter()
            .map(|(p, u)| (p.id, (p, u)))
            .collect();
    // Who already attends stays allowed (the activity's dates or unit may have changed since).
    for (_, p, u) in model::attendance(c, id)? {
        people.entry(p.id).or_insert((p, u));
    }
    if rows.iter().any(|(pid, _)| !people.contains_key(pid)) {
        return Ok(AttendanceSaved::OutOfScope);
    }
    replace(c, user, &a, &unit, rows, &people, "update", now)
}

/// Write the new set: the guard first (version), then the rows that changed, then the audit.
#[allow(clippy::too_many_arguments)]
fn replace(
    c: &mut DbConn,
    user: &CurrentUser,
    a: &Activity,
    unit: &Unit,
    rows: &[(i32, Option<f64>)],
    people: &HashMap<i32, (Person, Unit)>,
    action: &str,
    now: NaiveDateTime,
) -> AppResult<AttendanceSaved> {
    if !model::touch(c, a.id, a.version, now)? {
        return Ok(AttendanceSaved::Conflict);
    }
    let exam = a.is_exam();
    let before = model::attendance(c, a.id)?;
    let wanted: HashMap<i32, Option<f64>> = rows.iter().copied().collect();
    let mut removed = Vec::new();
    let mut kept: HashMap<i32, ()> = HashMap::new();
    let mut rescored = 0;
    for (row, person, _) in &before {
        match wanted.get(&person.id) {
            None => removed.push(row.id),
            Some(score) => {
                kept.insert(person.id, ());
                let score = if exam { *score } else { row.score };
                if score != row.score {
                    model::set_score(c, row.id, score)?;
                    rescored += 1;
                }
            }
        }
    }
    model::delete_attendance(c, &removed)?;
    let mut added = 0;
    for (pid, score) in rows {
        if !kept.contains_key(pid) {
            model::insert_attendance(c, a.id, *pid, if exam { *score } else { None }, now)?;
            added += 1;
        }
    }
    let names: Vec<String> = rows
        .iter()
        .filter_map(|(pid, score)| {
            people.get(pid).map(|(p, u)| match (exam, score) {
                (true, Some(s)) => {
                    format!("{}（{}）{}分", p.name, u.name, model::score_in_words(*s))
                }
                _ => format!("{}（{}）", p.name, u.name),
            })
        })
        .collect();
    let verb = if action == "import" {
        "导入签到表"
    } else {
        "登记参加人员"
    };
    let mut summary = format!(
        "{verb}：「{}」共 {} 人（新增 {added}、移除 {}",
        a.title,
        rows.len(),
        removed.len()
    );
    if exam {
        summary.push_str(&format!("、改成绩 {rescored}"));
    }
    summary.push('）');
    audit::Change::new(user.id, action, ATTENDANCE, a.id, summary)
        .unit(unit.id)
        .before(&serde_json::json!({ "count": before.len() }))
        .after(&serde_json::json!({ "count": rows.len(), "values": names }))
        .record(c, now)?;
    Ok(AttendanceSaved::Done(rows.len()))
}

/// A sign-in sheet row as typed.
#[derive(Debug, Clone)]
pub struct SheetRow {
    /// The Excel row number (行号).
    pub number: usize,
    pub name: String,
    pub unit: String,
    pub score: String,
}

/// Import a sign-in sheet: every row matched by name against the people in the activity's
/// scope active on its dates (单位 disambiguates; 成绩 for exams). All rows or none: every
/// unknown, ambiguous or out-of-scope name, bad score and repeated person is named with its
/// row number, and nothing is written then. The sheet replaces the attendance list.
pub fn import_attendance(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    sheet: &[SheetRow],
    now: NaiveDateTime,
) -> AppResult<AttendanceSaved> {
    let a = model::lock(c, id)?.ok_or(AppError::NotFound)?;
    let unit = units::get(c, a.unit_id)?;
    user.require(Action::Write, &unit)?;
    if a.version != expected {
        return Ok(AttendanceSaved::Conflict);
    }
    if let Some(n) = a.participant_count {
        return Ok(AttendanceSaved::Refused(attendance_refused(n)));
    }
    let in_scope = model::people_in_scope(c, &unit.path, a.start_date, a.end_date)?;
    let mut by_name: HashMap<&str, Vec<&(Person, Unit)>> = HashMap::new();
    for pu in &in_scope {
        by_name.entry(pu.0.name.as_str()).or_default().push(pu);
    }
    let unmatched: Vec<String> = sheet
        .iter()
        .filter(|r| !r.name.is_empty() && !by_name.contains_key(r.name.as_str()))
        .map(|r| r.name.clone())
        .collect();
    let elsewhere = model::names_in_roster(c, &unmatched)?;
    let exam = a.is_exam();
    let mut problems = Vec::new();
    let mut rows: Vec<(i32, Option<f64>)> = Vec::new();
    let mut first_row: BTreeMap<i32, usize> = BTreeMap::new();
    for r in sheet {
        let n = r.number;
        if r.name.is_empty() {
            problems.push(format!("第 {n} 行：请填写姓名。"));
            continue;
        }
        let person = match by_name.get(r.name.as_str()) {
            None if elsewhere.contains(&r.name) => {
                problems.push(format!(
                    "第 {n} 行：“{}”不在本活动的人员范围内（须为{}及其下级单位、活动日期在册的人员）。",
                    r.name, unit.name
                ));
                None
            }
            None => {
                problems.push(format!("第 {n} 行：人员名册中没有“{}”。", r.name));
                None
            }
            Some(found) => {
                let chosen: Vec<&&(Person, Unit)> = if r.unit.is_empty() {
                    found.iter().collect()
                } else {
                    found
                        .iter()
                        .filter(|(_, u)| u.name == r.unit || u.code == r.unit)
                        .collect()
                };
                match chosen.as_slice() {
                    [one] => Some(one.0.id),
                    [] => {
                        problems.push(format!(
                            "第 {n} 行：“{}”单位中没有名为“{}”的人员（本活动范围内的“{}”在：{}）。",
                            r.unit,
                            r.name,
                            r.name,
                            found
                                .iter()
                                .map(|(_, u)| u.name.as_str())
                                .collect::<Vec<_>>()
                                .join("、")
                        ));
                        None
                    }
                    many => {
                        problems.push(format!(
                            "第 {n} 行：“{}”有 {} 人同名（{}），请在“单位”列填写其单位。",
                            r.name,
                            many.len(),
                            many.iter()
                                .map(|(_, u)| u.name.as_str())
                                .collect::<Vec<_>>()
                                .join("、")
                        ));
                        None
                    }
                }
            }
        };
        let score = if exam {
            if r.score.is_empty() {
                problems.push(format!("第 {n} 行：考试须填写成绩。"));
                None
            } else {
                let s = crate::forms::activities::parse_score(&r.score);
                if s.is_none() {
                    problems.push(format!(
                        "第 {n} 行：成绩“{}”无效，须为 0 到 1000 之间的数。",
                        r.score
                    ));
                }
                s
            }
        } else {
            None
        };
        if let Some(pid) = person {
            if let Some(first) = first_row.get(&pid) {
                problems.push(format!(
                    "第 {n} 行：“{}”与第 {first} 行是同一人，重复。",
                    r.name
                ));
                continue;
            }
            first_row.insert(pid, n);
            rows.push((pid, score));
        }
    }
    if !problems.is_empty() {
        return Ok(AttendanceSaved::Invalid(problems));
    }
    let people: HashMap<i32, (Person, Unit)> =
        in_scope.into_iter().map(|(p, u)| (p.id, (p, u))).collect();
    replace(c, user, &a, &unit, &rows, &people, "import", now)
}
