//! The template library 工作模板: the office's writes (areas, templates, stop / restart, new
//! file versions) and the counted download every signed-in user may make. Each is one
//! transaction with its audit entry (and field history for edits, steps and uploads).

use chrono::NaiveDateTime;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db::models::library::{
    self, Area, AreaFields, NewVersion, TemplateFields, TrackedOne, TrackedTemplate, VersionMeta,
    WorkTemplate, AREA_ENTITY, ENTITY,
};
use crate::db::models::{audit, history};
use crate::db::DbConn;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};

/// Why an area name cannot be used twice.
pub fn area_taken(name: &str) -> String {
    format!("已有名为「{name}」的模板分类，请换一个名称。")
}

/// How a write with a form ended.
pub enum Saved {
    Done(i32),
    /// Someone saved first: the version now stored, for the form (409).
    Conflict(i32),
    /// The form's input is refused by what is stored (a taken name, a missing area): 422.
    Refused(FieldErrors),
}

/// Template `id`, if the user may read it: stopped templates are the office's only (404 for
/// everyone else, as if it did not exist).
pub fn load(c: &mut DbConn, user: &CurrentUser, id: i32) -> AppResult<(WorkTemplate, Area)> {
    let t = library::find(c, id)?.ok_or(AppError::NotFound)?;
    if !t.active && !user.may(Capability::ManageTemplates) {
        return Err(AppError::NotFound);
    }
    let area = library::get_area(c, t.area_id)?;
    Ok((t, area))
}

// ---------------------------------------------------------------- areas

pub fn create_area(
    c: &mut DbConn,
    user: &CurrentUser,
    f: &AreaFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    user.require_may(Capability::ManageTemplates)?;
    library::lock_area_names(c)?;
    if library::area_by_name(c, &f.name)?.is_some() {
        let mut e = FieldErrors::new();
        e.add("name", area_taken(&f.name));
        return Ok(Saved::Refused(e));
    }
    let id = library::insert_area(c, f)?;
    audit::Change::new(
        user.id,
        "create",
        AREA_ENTITY,
        id,
        format!("新增模板分类「{}」", f.name),
    )
    .after(f)
    .record(c, now)?;
    Ok(Saved::Done(id))
}

pub fn update_area(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    f: &AreaFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    user.require_may(Capability::ManageTemplates)?;
    let before = library::find_area(c, id)?.ok_or(AppError::NotFound)?;
    library::lock_area_names(c)?;
    if let Some(other) = library::area_by_name(c, &f.name)? {
        if other.id != id {
            let mut e = FieldErrors::new();
            e.add("name", area_taken(&f.name));
            return Ok(Saved::Refused(e));
        }
    }
    if expected != before.version || !library::update_area(c, id, expected, f)? {
        let current = library::get_area(c, id)?.version;
        return Ok(Saved::Conflict(current));
    }
    let old = before.fields();
    history::record(c, AREA_ENTITY, id, Some(user.id), now, &old, f)?;
    audit::Change::new(
        user.id,
        "update",
        AREA_ENTITY,
        id,
        format!("修改模板分类「{}」", f.name),
    )
    .before(&old)
    .after(f)
    .record(c, now)?;
    Ok(Saved::Done(id))
}

// ---------------------------------------------------------------- templates

/// The area of a form, or the field error when it is gone.
fn area_of(c: &mut DbConn, area_id: i32) -> AppResult<Result<Area, FieldErrors>> {
    Ok(match library::find_area(c, area_id)? {
        Some(a) => Ok(a),
        None => {
            let mut e = FieldErrors::new();
            e.add("area_id", "请选择模板分类（所选分类不存在）");
            Err(e)
        }
    })
}

/// What the audit log keeps of a template's fields.
fn audit_fields(f: &TemplateFields, area: &str) -> serde_json::Value {
    serde_json::json!({
        "area": area,
        "title": f.title,
        "description": f.description,
        "position": f.position,
    })
}

pub fn create(
    c: &mut DbConn,
    user: &CurrentUser,
    f: &TemplateFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    user.require_may(Capability::ManageTemplates)?;
    let area = match area_of(c, f.area_id)? {
        Ok(a) => a,
        Err(e) => return Ok(Saved::Refused(e)),
    };
    let id = library::insert(c, f, Some(user.id), now)?;
    audit::Change::new(
        user.id,
        "create",
        ENTITY,
        id,
        format!("新增工作模板「{}」（{}）", f.title, area.name),
    )
    .after(&audit_fields(f, &area.name))
    .record(c, now)?;
    Ok(Saved::Done(id))
}

pub fn update(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    f: &TemplateFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    user.require_may(Capability::ManageTemplates)?;
    let before = library::find(c, id)?.ok_or(AppError::NotFound)?;
    let area = match area_of(c, f.area_id)? {
        Ok(a) => a,
        Err(e) => return Ok(Saved::Refused(e)),
    };
    if expected != before.version || !library::update(c, id, expected, f, now)? {
        let current = library::get(c, id)?.version;
        return Ok(Saved::Conflict(current));
    }
    let old = before.fields();
    let old_area = library::get_area(c, before.area_id)?;
    history::record(
        c,
        ENTITY,
        id,
        Some(user.id),
        now,
        &TrackedTemplate {
            fields: &old,
            area_name: &old_area.name,
        },
        &TrackedTemplate {
            fields: f,
            area_name: &area.name,
        },
    )?;
    audit::Change::new(
        user.id,
        "update",
        ENTITY,
        id,
        format!("修改工作模板「{}」（{}）", f.title, area.name),
    )
    .before(&audit_fields(&old, &old_area.name))
    .after(&audit_fields(f, &area.name))
    .record(c, now)?;
    Ok(Saved::Done(id))
}

/// Stop (`active` false) or restart template `id` if it is still at version `expected` and
/// in the other state; 409 with the reason otherwise.
pub fn set_active(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    active: bool,
    now: NaiveDateTime,
) -> AppResult<String> {
    user.require_may(Capability::ManageTemplates)?;
    let before = library::find(c, id)?.ok_or(AppError::NotFound)?;
    if before.active == active {
        return Err(AppError::Conflict(format!(
            "操作未执行：模板「{}」已是“{}”状态。请刷新页面查看。",
            before.title,
            library::state_label(active)
        )));
    }
    if !library::set_active(c, id, expected, active, now)? {
        return Err(AppError::Conflict(format!(
            "操作未执行：模板「{}」在您操作期间已被他人修改。请刷新页面，核对后再操作。",
            before.title
        )));
    }
    history::record(
        c,
        ENTITY,
        id,
        Some(user.id),
        now,
        &TrackedOne("状态", library::state_label(before.active).into()),
        &TrackedOne("状态", library::state_label(active).into()),
    )?;
    let (action, verb) = if active {
        ("enable", "启用")
    } else {
        ("disable", "停用")
    };
    audit::Change::new(
        user.id,
        action,
        ENTITY,
        id,
        format!("{verb}工作模板「{}」", before.title),
    )
    .before(&serde_json::json!({ "active": before.active }))
    .after(&serde_json::json!({ "active": active }))
    .record(c, now)?;
    Ok(before.title)
}

/// A checked file to store as a template's next version.
pub struct Upload<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub data: &'a [u8],
    pub note: &'a str,
}

/// Store `file` as template `id`'s next version (max + 1, taken under the template's row
/// lock, so uploads at the same moment get 1, 2, 3 … and none is lost); the old ones stay.
/// Its number.
pub fn upload(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    file: &Upload<'_>,
    now: NaiveDateTime,
) -> AppResult<i32> {
    user.require_may(Capability::ManageTemplates)?;
    library::lock(c, id)?;
    let t = library::find(c, id)?.ok_or(AppError::NotFound)?;
    let previous = library::current_version(c, id)?;
    let number = library::next_number(c, id)?;
    library::insert_version(
        c,
        &NewVersion {
            template_id: id,
            number,
            file_name: file.file_name,
            content_type: file.content_type,
            data: file.data,
            note: file.note,
            uploaded_by: Some(user.id),
        },
        now,
    )?;
    library::touch(c, id, now)?;
    let label = |v: Option<&VersionMeta>| {
        v.map(|v| format!("第{}版 {}", v.number, v.file_name))
            .unwrap_or_default()
    };
    history::record(
        c,
        ENTITY,
        id,
        Some(user.id),
        now,
        &TrackedOne("当前版本", label(previous.as_ref())),
        &TrackedOne("当前版本", format!("第{number}版 {}", file.file_name)),
    )?;
    audit::Change::new(
        user.id,
        "upload",
        ENTITY,
        id,
        format!(
            "上传工作模板「{}」第{number}版：{}",
            t.title, file.file_name
        ),
    )
    .after(&serde_json::json!({
        "number": number,
        "file_name": file.file_name,
        "size": file.data.len(),
        "note": file.note,
    }))
    .record(c, now)?;
    Ok(number)
}

/// Version `number` of template `id` (the current one for `None`) with its bytes, counting
/// the download on the template in the same transaction (one atomic increment).
pub fn download(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    number: Option<i32>,
) -> AppResult<(VersionMeta, Vec<u8>)> {
    load(c, user, id)?;
    let (meta, data) = library::version_data(c, id, number)?.ok_or(AppError::NotFound)?;
    crate::db::one_row(library::count_download(c, id)?)?;
    Ok((meta, data))
}
