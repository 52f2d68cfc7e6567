//! The scheme's own form: create a year's scheme (title, notes, optionally the previous
//! year's indicators copied), and edit its title and notes (version-guarded). The office
//! only.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db::models::assessment as model;
use crate::domain::validate::FieldErrors;
use crate::error::{AppResult, NO_VERSION, STALE_EDIT};
use crate::forms::assessment::SchemeForm;
use crate::services::assessment::{self as service, Created, Saved};
use crate::state::AppState;
use crate::views::{flash, redirect, render_status, BaseContext, PageCtx};

use super::{chosen_year, link, YearQuery};

#[derive(Template)]
#[template(path = "assessment/scheme/form.html")]
struct FormPage {
    base: BaseContext,
    /// The scheme being edited (None: a new one).
    editing: Option<i32>,
    year: i32,
    /// The year whose indicators a new scheme may copy.
    previous: Option<i32>,
    form: SchemeForm,
    errors: FieldErrors,
}

fn page(
    ctx: &PageCtx,
    editing: Option<i32>,
    year: i32,
    previous: Option<i32>,
    form: SchemeForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let title = if editing.is_some() {
        format!("编辑{year}年度考核方案")
    } else {
        format!("制定{year}年度考核方案")
    };
    render_status(
        status,
        &FormPage {
            base: ctx.base(title),
            editing,
            year,
            previous,
            form,
            errors,
        },
    )
}

pub async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    query: web::Query<YearQuery>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageAssessment)?;
    let year = chosen_year(&state, &query).await?;
    let (existing, previous) = state
        .db
        .run(move |c| {
            Ok((
                model::scheme_for_year(c, year)?,
                model::previous_scheme(c, year)?.map(|s| s.year),
            ))
        })
        .await?;
    if existing.is_some() {
        flash(&session, "info", service::taken_message(year));
        return Ok(redirect(&link(year)));
    }
    let form = SchemeForm {
        year: year.to_string(),
        title: format!("{year}年度党建工作责任制考核（千分制）"),
        copy: if previous.is_some() {
            "1".into()
        } else {
            String::new()
        },
        ..Default::default()
    };
    page(
        &ctx,
        None,
        year,
        previous,
        form,
        FieldErrors::new(),
        StatusCode::OK,
    )
}

pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    body: web::Form<SchemeForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageAssessment)?;
    let form = body.into_inner();
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let year = match form.parse_year() {
        Ok(y) => y,
        Err(e) => {
            let today = state.settings.clock.today();
            use chrono::Datelike;
            return page(&ctx, None, today.year(), None, form, e, unprocessable);
        }
    };
    let previous = state
        .db
        .run(move |c| Ok(model::previous_scheme(c, year)?.map(|s| s.year)))
        .await?;
    let fields = match form.parse() {
        Ok(f) => f,
        Err(e) => return page(&ctx, None, year, previous, form, e, unprocessable),
    };
    let copy = form.copying();
    let now = state.now();
    let me = user.clone();
    let f = fields.clone();
    let created = state
        .db
        .write(move |c| service::create(c, &me, year, &f, copy, now))
        .await?;
    match created {
        Created::Done(id) => {
            flash(
                &session,
                "success",
                format!("已创建{year}年度考核方案「{}」。", fields.title),
            );
            Ok(redirect(&format!("/assessment/scheme/{id}/tree")))
        }
        Created::Taken(_) => {
            let e = FieldErrors::message(service::taken_message(year));
            page(&ctx, None, year, previous, form, e, StatusCode::CONFLICT)
        }
    }
}

pub async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageAssessment)?;
    let id = path.into_inner();
    let s = state.db.run(move |c| service::get(c, id)).await?;
    page(
        &ctx,
        Some(id),
        s.year,
        None,
        SchemeForm::from_scheme(&s),
        FieldErrors::new(),
        StatusCode::OK,
    )
}

pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<SchemeForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageAssessment)?;
    let id = path.into_inner();
    let s = state.db.run(move |c| service::get(c, id)).await?;
    let mut form = body.into_inner();
    form.year = s.year.to_string();
    let fields = match form.parse() {
        Ok(f) => f,
        Err(e) => {
            let st = StatusCode::UNPROCESSABLE_ENTITY;
            return page(&ctx, Some(id), s.year, None, form, e, st);
        }
    };
    let Ok(expected) = form.version.trim().parse::<i32>() else {
        let e = FieldErrors::message(NO_VERSION);
        return page(
            &ctx,
            Some(id),
            s.year,
            None,
            form,
            e,
            StatusCode::BAD_REQUEST,
        );
    };
    let now = state.now();
    let me = user.clone();
    let saved = state
        .db
        .write(move |c| service::update(c, &me, id, expected, &fields, now))
        .await?;
    match saved {
        Saved::Conflict(current) => {
            form.version = current.to_string();
            let e = FieldErrors::message(STALE_EDIT);
            page(&ctx, Some(id), s.year, None, form, e, StatusCode::CONFLICT)
        }
        _ => {
            flash(&session, "success", "已保存考核方案的名称和说明。");
            Ok(redirect(&link(s.year)))
        }
    }
}
