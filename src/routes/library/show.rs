//! The template page: its description, every file version newest first with a download link
//! each, and for the office the upload of a new version, stop / restart, the field history
//! and the audit entries. Downloads (the current file, or any version) are counted.

use actix_multipart::form::{bytes::Bytes, text::Text, MultipartForm};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::clock::format_local;
use crate::db::models::history;
use crate::db::models::library::{self, Area, WorkTemplate, ENTITY};
use crate::domain::audit::action_label;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::forms::library::{self as forms, StepForm, ACCEPTED, ACCEPT_ATTR};
use crate::routes::{history_lines, HistoryLine};
use crate::services::library::{self as service, Upload};
use crate::state::AppState;
use crate::views::{flash, redirect, render_status, BaseContext, PageCtx};
use crate::xlsx::attachment_response;

/// One file version in the table.
pub struct VersionLine {
    pub number: i32,
    pub file_name: String,
    pub size: String,
    pub note: String,
    pub uploader: String,
    pub at: String,
    pub current: bool,
}

pub struct AuditLine {
    pub at: String,
    pub who: String,
    pub action: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "library/show.html")]
struct ShowPage {
    base: BaseContext,
    t: WorkTemplate,
    area: Area,
    state: &'static str,
    versions: Vec<VersionLine>,
    can_manage: bool,
    note: String,
    upload_errors: FieldErrors,
    accepted: &'static str,
    accept_attr: &'static str,
    history: Vec<HistoryLine>,
    audit: Vec<AuditLine>,
}

async fn show_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    id: i32,
    refused: Option<(String, FieldErrors)>,
) -> AppResult<HttpResponse> {
    let me = user.clone();
    let can_manage = user.may(Capability::ManageTemplates);
    let (t, area, versions, names, changes, entries) = state
        .db
        .run(move |c| {
            let (t, area) = service::load(c, &me, id)?;
            let versions = library::versions(c, id)?;
            let ids: Vec<i32> = versions.iter().filter_map(|v| v.uploaded_by).collect();
            let names = library::user_names(c, &ids)?;
            let (changes, entries) = if can_manage {
                (
                    history::list(c, ENTITY, id)?,
                    library::audit_entries(c, id, 50)?,
                )
            } else {
                (Vec::new(), Vec::new())
            };
            Ok((t, area, versions, names, changes, entries))
        })
        .await?;
    let top = versions.first().map(|v| v.number);
    let versions = versions
        .into_iter()
        .map(|v| VersionLine {
            number: v.number,
            size: v.size_label(),
            uploader: v
                .uploaded_by
                .and_then(|u| names.get(&u).cloned())
                .unwrap_or_else(|| "系统".into()),
            at: format_local(v.uploaded_at),
            current: Some(v.number) == top,
            file_name: v.file_name,
            note: v.note,
        })
        .collect();
    let audit = entries
        .into_iter()
        .map(|(e, who)| AuditLine {
            at: format_local(e.at),
            who: who.unwrap_or_else(|| "系统".into()),
            action: action_label(&e.action),
            summary: e.summary,
        })
        .collect();
    let (status, note, upload_errors) = match refused {
        Some((note, e)) => (StatusCode::UNPROCESSABLE_ENTITY, note, e),
        None => (StatusCode::OK, String::new(), FieldErrors::new()),
    };
    render_status(
        status,
        &ShowPage {
            base: ctx.base(format!("工作模板 · {}", t.title)),
            state: t.state_label(),
            t,
            area,
            versions,
            can_manage,
            note,
            upload_errors,
            accepted: ACCEPTED,
            accept_attr: ACCEPT_ATTR,
            history: history_lines(changes),
            audit,
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    show_page(&state, &ctx, &user, path.into_inner(), None).await
}

async fn download(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    number: Option<i32>,
) -> AppResult<HttpResponse> {
    let me = user.clone();
    let (meta, data) = state
        .db
        .write(move |c| service::download(c, &me, id, number))
        .await?;
    Ok(attachment_response(
        &meta.file_name,
        &meta.content_type,
        data,
    ))
}

pub async fn download_current(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    download(&state, &user, path.into_inner(), None).await
}

pub async fn download_version(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i32, i32)>,
) -> AppResult<HttpResponse> {
    let (id, n) = path.into_inner();
    download(&state, &user, id, Some(n)).await
}

#[derive(MultipartForm)]
pub struct UploadForm {
    file: Option<Bytes>,
    note: Option<Text<String>>,
}

pub async fn upload(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: MultipartForm<UploadForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    // Who may, and which template, before anything about the file is said.
    user.require_may(Capability::ManageTemplates)?;
    let me = user.clone();
    state
        .db
        .run(move |c| service::load(c, &me, id).map(|_| ()))
        .await?;
    let form = form.into_inner();
    let raw_note = form.note.map(|n| n.into_inner()).unwrap_or_default();
    let mut e = FieldErrors::new();
    let note = forms::note(&mut e, &raw_note);
    let checked = match &form.file {
        None => {
            e.add("file", "请选择要上传的文件。");
            None
        }
        Some(f) => match forms::check_file(f.file_name.as_deref().unwrap_or(""), &f.data) {
            Ok(c) => Some(c),
            Err(msg) => {
                e.add("file", msg);
                None
            }
        },
    };
    let (Some(checked), Some(file), true) = (checked, form.file, e.is_empty()) else {
        return show_page(&state, &ctx, &user, id, Some((raw_note, e))).await;
    };
    let now = state.now();
    let me = user.clone();
    let data = file.data.to_vec();
    let name = checked.name.clone();
    let number = state
        .db
        .write(move |c| {
            service::upload(
                c,
                &me,
                id,
                &Upload {
                    file_name: &checked.name,
                    content_type: checked.content_type,
                    data: &data,
                    note: &note,
                },
                now,
            )
        })
        .await?;
    flash(
        &session,
        "success",
        format!("已上传第{number}版：{name}（原有版本仍保留，可在下方下载）。"),
    );
    Ok(redirect(&format!("/templates/{id}")))
}

async fn step(
    state: &AppState,
    user: &CurrentUser,
    session: &Session,
    id: i32,
    form: StepForm,
    active: bool,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageTemplates)?;
    let Ok(expected) = form.version.trim().parse::<i32>() else {
        return Err(AppError::BadRequest(crate::error::NO_VERSION.into()));
    };
    let now = state.now();
    let me = user.clone();
    let title = state
        .db
        .write(move |c| service::set_active(c, &me, id, expected, active, now))
        .await?;
    let msg = if active {
        format!("已启用模板「{title}」。")
    } else {
        format!("已停用模板「{title}」：普通用户不再看到和下载，可随时重新启用。")
    };
    flash(session, "success", msg);
    Ok(redirect(&format!("/templates/{id}")))
}

pub async fn disable(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<StepForm>,
) -> AppResult<HttpResponse> {
    step(
        &state,
        &user,
        &session,
        path.into_inner(),
        form.into_inner(),
        false,
    )
    .await
}

pub async fn enable(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<StepForm>,
) -> AppResult<HttpResponse> {
    step(
        &state,
        &user,
        &session,
        path.into_inner(),
        form.into_inner(),
        true,
    )
    .await
}
