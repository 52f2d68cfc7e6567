//! The template forms (the office's): new, edit, create and update. Files come by upload on
//! the template page.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db::models::library::{self, Area};
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::forms::library::TemplateForm;
use crate::services::library::{self as service, Saved};
use crate::state::AppState;
use crate::views::{flash, redirect, render_status, BaseContext, PageCtx};

#[derive(Template)]
#[template(path = "library/form.html")]
struct FormPage {
    base: BaseContext,
    editing: Option<i32>,
    form: TemplateForm,
    errors: FieldErrors,
    areas: Vec<Area>,
}

async fn form_page(
    state: &AppState,
    ctx: &PageCtx,
    editing: Option<i32>,
    form: TemplateForm,
    errors: FieldErrors,
    status: Option<StatusCode>,
) -> AppResult<HttpResponse> {
    let status = status.unwrap_or(if errors.is_empty() {
        StatusCode::OK
    } else if errors.general().is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    });
    let areas = state.db.run(|c| Ok(library::areas(c)?)).await?;
    render_status(
        status,
        &FormPage {
            base: ctx.base(if editing.is_some() {
                "编辑工作模板"
            } else {
                "新建工作模板"
            }),
            editing,
            form,
            errors,
            areas,
        },
    )
}

#[derive(serde::Deserialize, Default)]
pub struct NewQuery {
    area: Option<String>,
}

pub async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<NewQuery>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageTemplates)?;
    let form = TemplateForm {
        area_id: query.area.clone().unwrap_or_default(),
        ..Default::default()
    };
    form_page(&state, &ctx, None, form, FieldErrors::new(), None).await
}

pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    body: web::Form<TemplateForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageTemplates)?;
    let form = body.into_inner();
    let fields = match form.parse() {
        Ok(f) => f,
        Err(e) => return form_page(&state, &ctx, None, form, e, None).await,
    };
    let now = state.now();
    let me = user.clone();
    let title = fields.title.clone();
    let saved = state
        .db
        .write(move |c| service::create(c, &me, &fields, now))
        .await?;
    match saved {
        Saved::Done(id) => {
            flash(
                &session,
                "success",
                format!("已新建工作模板「{title}」，请在下方上传模板文件。"),
            );
            Ok(redirect(&format!("/templates/{id}")))
        }
        Saved::Refused(e) => form_page(&state, &ctx, None, form, e, None).await,
        Saved::Conflict(_) => Err(AppError::internal("a new template cannot conflict")),
    }
}

pub async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageTemplates)?;
    let id = path.into_inner();
    let me = user.clone();
    let (t, _) = state.db.run(move |c| service::load(c, &me, id)).await?;
    form_page(
        &state,
        &ctx,
        Some(id),
        TemplateForm::from_template(&t),
        FieldErrors::new(),
        None,
    )
    .await
}

pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<TemplateForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageTemplates)?;
    let id = path.into_inner();
    let me = user.clone();
    state
        .db
        .run(move |c| service::load(c, &me, id).map(|_| ()))
        .await?;
    let mut form = body.into_inner();
    let fields = match form.parse() {
        Ok(f) => f,
        Err(e) => return form_page(&state, &ctx, Some(id), form, e, None).await,
    };
    let Ok(expected) = form.version.trim().parse::<i32>() else {
        let e = FieldErrors::message(crate::error::NO_VERSION);
        return form_page(
            &state,
            &ctx,
            Some(id),
            form,
            e,
            Some(StatusCode::BAD_REQUEST),
        )
        .await;
    };
    let now = state.now();
    let me = user.clone();
    let saved = state
        .db
        .write(move |c| service::update(c, &me, id, expected, &fields, now))
        .await?;
    match saved {
        Saved::Done(_) => {
            flash(&session, "success", "已保存工作模板。");
            Ok(redirect(&format!("/templates/{id}")))
        }
        Saved::Conflict(current) => {
            form.version = current.to_string();
            let e = FieldErrors::message(crate::error::STALE_EDIT);
            form_page(&state, &ctx, Some(id), form, e, None).await
        }
        Saved::Refused(e) => form_page(&state, &ctx, Some(id), form, e, None).await,
    }
}
