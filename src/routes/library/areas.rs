//! The template areas (模板分类), the office's: the list with how many templates each has,
//! and the area form (new, edit; names unique, edits guarded by version).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db::models::library::{self, Area, Filter};
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::forms::library::AreaForm;
use crate::services::library::{self as service, Saved};
use crate::state::AppState;
use crate::views::{flash, redirect, render, render_status, BaseContext, PageCtx};

pub struct AreaLine {
    pub area: Area,
    pub count: i64,
}

#[derive(Template)]
#[template(path = "library/areas.html")]
struct ListPage {
    base: BaseContext,
    lines: Vec<AreaLine>,
}

pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageTemplates)?;
    let (areas, counts) = state
        .db
        .run(|c| {
            let f = Filter {
                inactive: true,
                ..Default::default()
            };
            Ok((library::areas(c)?, library::counts_by_area(c, &f)?))
        })
        .await?;
    let lines = areas
        .into_iter()
        .map(|a| AreaLine {
            count: counts
                .iter()
                .find(|(id, _)| *id == a.id)
                .map_or(0, |(_, n)| *n),
            area: a,
        })
        .collect();
    render(&ListPage {
        base: ctx.base("模板分类"),
        lines,
    })
}

#[derive(Template)]
#[template(path = "library/area_form.html")]
struct FormPage {
    base: BaseContext,
    editing: Option<i32>,
    form: AreaForm,
    errors: FieldErrors,
}

fn form_page(
    ctx: &PageCtx,
    editing: Option<i32>,
    form: AreaForm,
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
    render_status(
        status,
        &FormPage {
            base: ctx.base(if editing.is_some() {
                "编辑模板分类"
            } else {
                "新建模板分类"
            }),
            editing,
            form,
            errors,
        },
    )
}

pub async fn new_form(user: CurrentUser, ctx: PageCtx) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageTemplates)?;
    form_page(&ctx, None, AreaForm::default(), FieldErrors::new(), None)
}

pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    body: web::Form<AreaForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageTemplates)?;
    let form = body.into_inner();
    let fields = match form.parse() {
        Ok(f) => f,
        Err(e) => return form_page(&ctx, None, form, e, None),
    };
    let now = state.now();
    let me = user.clone();
    let name = fields.name.clone();
    let saved = state
        .db
        .write(move |c| service::create_area(c, &me, &fields, now))
        .await?;
    match saved {
        Saved::Done(_) => {
            flash(&session, "success", format!("已新建模板分类「{name}」。"));
            Ok(redirect("/templates/areas"))
        }
        Saved::Refused(e) => form_page(&ctx, None, form, e, None),
        Saved::Conflict(_) => Err(AppError::internal("a new area cannot conflict")),
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
    let area = state
        .db
        .run(move |c| library::find_area(c, id)?.ok_or(AppError::NotFound))
        .await?;
    form_page(
        &ctx,
        Some(id),
        AreaForm::from_area(&area),
        FieldErrors::new(),
        None,
    )
}

pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<AreaForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageTemplates)?;
    let id = path.into_inner();
    let mut form = body.into_inner();
    let fields = match form.parse() {
        Ok(f) => f,
        Err(e) => return form_page(&ctx, Some(id), form, e, None),
    };
    let Ok(expected) = form.version.trim().parse::<i32>() else {
        let e = FieldErrors::message(crate::error::NO_VERSION);
        return form_page(&ctx, Some(id), form, e, Some(StatusCode::BAD_REQUEST));
    };
    let now = state.now();
    let me = user.clone();
    let saved = state
        .db
        .write(move |c| service::update_area(c, &me, id, expected, &fields, now))
        .await?;
    match saved {
        Saved::Done(_) => {
            flash(&session, "success", "已保存模板分类。");
            Ok(redirect("/templates/areas"))
        }
        Saved::Conflict(current) => {
            form.version = current.to_string();
            let e = FieldErrors::message(crate::error::STALE_EDIT);
            form_page(&ctx, Some(id), form, e, None)
        }
        Saved::Refused(e) => form_page(&ctx, Some(id), form, e, None),
    }
}
