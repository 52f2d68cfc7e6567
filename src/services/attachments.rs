//! Evidence files: upload, download and delete, each in one checkout; every step checks the
//! unit of the record the file belongs to, and a record past editing keeps its files.

use chrono::NaiveDateTime;

use crate::auth::{Action, CurrentUser};
use crate::db::models::attachments::{self, AttachmentMeta, NewFile, Owner};
use crate::db::models::{audit, units};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};

/// The unit of record `owner`/`owner_id`, checked for `action` (404 for no such record).
pub fn owner_unit(
    c: &mut DbConn,
    user: &CurrentUser,
    owner: Owner,
    owner_id: i32,
    action: Action,
) -> AppResult<i32> {
    let unit_id = attachments::owner_unit(c, owner, owner_id)?.ok_or(AppError::NotFound)?;
    let unit = units::get(c, unit_id)?;
    user.require(action, &unit)?;
    Ok(unit.id)
}

/// Attach file `file_name` (already checked: `content_type`) to a record the user may write.
#[allow(clippy::too_many_arguments)]
pub fn upload(
    c: &mut DbConn,
    user: &CurrentUser,
    owner: Owner,
    owner_id: i32,
    file_name: &str,
    content_type: &str,
    data: &[u8],
    now: NaiveDateTime,
) -> AppResult<()> {
    let unit_id = owner_unit(c, user, owner, owner_id, Action::Write)?;
    attachments::lock_owner(c, owner, owner_id)?;
    if let Some(why) = attachments::owner_locked(c, owner, owner_id)? {
        return Err(AppError::Conflict(why.into()));
    }
    let id = attachments::insert(
        c,
        NewFile {
            owner,
            owner_id,
            unit_id,
            file_name,
            content_type,
            data,
            uploaded_by: user.id,
        },
        now,
    )?;
    audit::Change::new(
        user.id,
        "upload",
        owner.code(),
        owner_id,
        format!("上传附件 {file_name}"),
    )
    .unit(unit_id)
    .after(&serde_json::json!({ "attachment_id": id, "size": data.len() }))
    .record(c, now)?;
    Ok(())
}

/// File `id` and its content, if the user may read its unit.
pub fn download(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
) -> AppResult<(AttachmentMeta, Vec<u8>)> {
    let meta = attachments::meta(c, id)?;
    user.require(Action::Read, &units::get(c, meta.unit_id)?)?;
    let data = attachments::data(c, id)?;
    Ok((meta, data))
}

/// Delete file `id` if the user may write its unit and its record is still editable; the
/// file's name.
pub fn delete(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    now: NaiveDateTime,
) -> AppResult<String> {
    let meta = attachments::meta(c, id)?;
    let unit_id = meta.unit_id;
    user.require(Action::Write, &units::get(c, unit_id)?)?;
    if let Some(owner) = Owner::parse(&meta.owner) {
        attachments::lock_owner(c, owner, meta.owner_id)?;
        if let Some(why) = attachments::owner_locked(c, owner, meta.owner_id)? {
            return Err(AppError::Conflict(why.into()));
        }
    }
    // Ten clicks at once: one deletion, one audit row.
    crate::db::one_row(attachments::delete(c, id)?)?;
    audit::Change::new(
        user.id,
        "delete_attachment",
        &meta.owner,
        meta.owner_id,
        format!("删除附件 {}", meta.file_name),
    )
    .unit(unit_id)
    .before(&serde_json::json!({ "attachment_id": id, "file_name": meta.file_name }))
    .record(c, now)?;
    Ok(meta.file_name)
}
