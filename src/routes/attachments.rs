//! Evidence files: upload (multipart, CSRF-checked like every POST), download with the
//! original Chinese name, delete. Every step checks the unit scope of the record the file
//! belongs to.

use actix_multipart::form::{bytes::Bytes, text::Text, MultipartForm};
use actix_session::Session;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::{Action, CurrentUser};
use crate::clock::format_local;
use crate::db::models::attachments::{self, AttachmentMeta, Owner};
use crate::db::DbConn;
use crate::domain::files;
use crate::error::{AppError, AppResult};
use crate::services::attachments as service;
use crate::state::AppState;
use crate::views::{flash, redirect, safe_next};
use crate::xlsx::attachment_response;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/attachments", web::post().to(upload))
        .route("/attachments/{id}", web::get().to(download))
        .route("/attachments/{id}/delete", web::post().to(delete));
}

/// One file in a record's list (read by `templates/partials/files.html`).
#[derive(Clone)]
pub struct FileLine {
    pub id: i32,
    pub name: String,
    pub size: String,
    pub uploader: String,
    pub at: String,
}

/// The files block of a record page: list, and the upload form when the user may write.
#[derive(Clone)]
pub struct FileList {
    pub owner: &'static str,
    pub owner_id: i32,
    /// Where to come back to after an upload or delete.
    pub back: String,
    pub can_write: bool,
    /// Why files can no longer be added or deleted (shown instead of the upload form).
    pub locked: Option<&'static str>,
    pub files: Vec<FileLine>,
}

impl FileList {
    /// Load the files of a record. `can_write` comes from the record's own permission check;
    /// a frozen record (see `attachments::owner_locked`) offers no upload or delete.
    pub fn load(
        conn: &mut DbConn,
        owner: Owner,
        owner_id: i32,
        back: String,
        can_write: bool,
    ) -> AppResult<FileList> {
        let locked = attachments::owner_locked(conn, owner, owner_id)?;
        let mut list = FileList::new(owner, owner_id, back, can_write, locked);
        list.files = attachments::list_for(conn, owner, owner_id)?
            .into_iter()
            .map(FileLine::of)
            .collect();
        Ok(list)
    }

    /// An empty list of a record; upload and delete only when the user may write it and the
    /// record is not frozen (`locked` says why).
    fn new(
        owner: Owner,
        owner_id: i32,
        back: String,
        can_write: bool,
        locked: Option<&'static str>,
    ) -> FileList {
        FileList {
            owner: owner.code(),
            owner_id,
            back,
            can_write: can_write && locked.is_none(),
            locked: if can_write { locked } else { None },
            files: Vec::new(),
        }
    }
}

impl FileLine {
    fn of((m, who): (AttachmentMeta, Option<String>)) -> FileLine {
        FileLine {
            id: m.id,
            size: m.size_label(),
            name: m.file_name,
            uploader: who.unwrap_or_default(),
            at: format_local(m.uploaded_at),
        }
    }
}

impl FileList {
    /// A record without files.
    pub fn empty(owner: Owner, owner_id: i32, back: String) -> FileList {
        FileList::new(owner, owner_id, back, false, None)
    }

    /// The files of several records of one parent (the lines of a report), in one query
    /// for the files and one for the lock (taken from the first: they share their parent's
    /// state), by owner id.
    pub fn load_many(
        conn: &mut DbConn,
        owner: Owner,
        owner_ids: &[i32],
        back: &str,
        can_write: bool,
    ) -> AppResult<std::collections::HashMap<i32, FileList>> {
        let Some(&first) = owner_ids.first() else {
            return Ok(Default::default());
        };
        let locked = attachments::owner_locked(conn, owner, first)?;
        let mut out: std::collections::HashMap<i32, FileList> = owner_ids
            .iter()
            .map(|&id| {
                let list = FileList::new(owner, id, back.to_string(), can_write, locked);
                (id, list)
            })
            .collect();
        for row in attachments::list_for_many(conn, owner, owner_ids)? {
            if let Some(list) = out.get_mut(&row.0.owner_id) {
                list.files.push(FileLine::of(row));
            }
        }
        Ok(out)
    }
}

/// A file part of a multipart form, read boundedly: at most `MAX_UPLOAD + 1` bytes are kept
/// (enough for `files::check` to refuse it as too large), the rest is read past and counted
/// against `limits`' total only, so the fields after it can still be read.
pub struct FilePart {
    /// The cleaned name (`files::clean_name`).
    pub name: String,
    pub data: Vec<u8>,
}

impl FilePart {
    /// Read `field` (a part with a `filename`); `None` for an empty file input (no name, no
    /// content). Errors are the stream's or the total limit's.
    pub async fn read(
        field: &mut actix_multipart::Field,
        limits: &mut actix_multipart::form::Limits,
    ) -> Result<Option<FilePart>, actix_multipart::MultipartError> {
        use futures_util::TryStreamExt;
        let raw_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .unwrap_or("")
            .to_string();
        let mut data = Vec::new();
        while let Some(chunk) = field.try_next().await? {
            limits.try_consume_limits(chunk.len(), false)?;
            let room = (files::MAX_UPLOAD + 1).saturating_sub(data.len());
            data.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
        if raw_name.is_empty() && data.is_empty() {
            return Ok(None);
        }
        Ok(Some(FilePart {
            name: files::clean_name(&raw_name),
            data,
        }))
    }

    /// The MIME type to store it with, or why it is refused (`files::check`).
    pub fn check(&self) -> Result<&'static str, String> {
        files::check(&self.name, &self.data)
    }
}

#[derive(MultipartForm)]
pub struct UploadForm {
    file: Option<Bytes>,
    owner: Text<String>,
    owner_id: Text<String>,
    back: Option<Text<String>>,
}

/// The unit of a record, checked for `action`.
async fn unit_for(
    state: &AppState,
    user: &CurrentUser,
    owner: Owner,
    owner_id: i32,
    action: Action,
) -> AppResult<i32> {
    let me = user.clone();
    state
        .db
        .run(move |c| service::owner_unit(c, &me, owner, owner_id, action))
        .await
}

async fn upload(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: MultipartForm<UploadForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let owner = Owner::parse(form.owner.trim()).ok_or(AppError::NotFound)?;
    let owner_id: i32 = form
        .owner_id
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let back = safe_next(form.back.as_ref().map(|b| b.as_str())).unwrap_or_else(|| "/home".into());
    // No file or a refused one: the record and the user's right to it are still checked
    // first (a 404 or 403 before any message about the file).
    let Some(file) = form.file else {
        unit_for(&state, &user, owner, owner_id, Action::Write).await?;
        flash(&session, "error", "请选择要上传的文件。");
        return Ok(redirect(&back));
    };
    let name = files::clean_name(file.file_name.as_deref().unwrap_or(""));
    let content_type = match files::check(&name, &file.data) {
        Ok(t) => t,
        Err(msg) => {
            unit_for(&state, &user, owner, owner_id, Action::Write).await?;
            flash(&session, "error", format!("{name}：{msg}"));
            return Ok(redirect(&back));
        }
    };
    let now = state.now();
    let me = user.clone();
    let data = file.data.to_vec();
    let stored_name = name.clone();
    state
        .db
        .write(move |c| {
            service::upload(
                c,
                &me,
                owner,
                owner_id,
                &stored_name,
                content_type,
                &data,
                now,
            )
        })
        .await?;
    flash(&session, "success", format!("已上传附件：{name}"));
    Ok(redirect(&back))
}

async fn download(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let me = user.clone();
    let (meta, data) = state.db.run(move |c| service::download(c, &me, id)).await?;
    Ok(attachment_response(
        &meta.file_name,
        &meta.content_type,
        data,
    ))
}

#[derive(Deserialize)]
struct DeleteForm {
    #[serde(default)]
    back: String,
}

async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<DeleteForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let now = state.now();
    let me = user.clone();
    let name = state
        .db
        .write(move |c| service::delete(c, &me, id, now))
        .await?;
    flash(&session, "success", format!("已删除附件：{name}"));
    Ok(redirect(
        &safe_next(Some(&form.back)).unwrap_or_else(|| "/home".into()),
    ))
}
