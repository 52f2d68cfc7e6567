//! An incentive's page and its forms: new, edit, create, update, delete (the office).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db::models::history;
use crate::db::models::incentives::{Incentive, ENTITY};
use crate::db::models::units::{self, Unit};
use crate::domain::incentive::IncentiveKind;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::forms::incentives::IncentiveForm;
use crate::routes::{history_lines, writable_units, ymd, HistoryLine};
use crate::services::incentives::{self as service, Saved};
use crate::state::AppState;
use crate::views::units::{tree_rows, UnitRow};
use crate::views::{flash, redirect, render, render_status, BaseContext, PageCtx};

use super::{safe_link, Tabs};

#[derive(Template)]
#[template(path = "incentives/show.html")]
struct ShowPage {
    base: BaseContext,
    tabs: Tabs,
    i: Incentive,
    kind: &'static str,
    unit_name: String,
    date: String,
    link: Option<String>,
    history: Vec<HistoryLine>,
    can_edit: bool,
    can_audit: bool,
}

async fn load_checked(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    action: Action,
) -> AppResult<(Incentive, Unit)> {
    let u = user.clone();
    state
        .db
        .run(move |c| service::load(c, &u, id, action))
        .await
}

pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (i, unit) = load_checked(&state, &user, id, Action::Read).await?;
    let changes = state
        .db
        .run(move |c| Ok(history::list(c, ENTITY, id)?))
        .await?;
    let kind = i.kind().map(IncentiveKind::label).unwrap_or_default();
    render(&ShowPage {
        base: ctx
            .base(format!("{kind} · {}", i.title))
            .unit(unit.name.clone()),
        tabs: Tabs::of(&user, "incentives"),
        kind,
        unit_name: unit.name,
        date: ymd(i.awarded_on),
        link: safe_link(&i.link),
        history: history_lines(changes),
        can_edit: user.may(Capability::ManageIncentives),
        can_audit: user.may(Capability::ReadAuditLog),
        i,
    })
}

#[derive(Template)]
#[template(path = "incentives/form.html")]
struct FormPage {
    base: BaseContext,
    editing: Option<i32>,
    form: IncentiveForm,
    errors: FieldErrors,
    units: Vec<UnitRow>,
    kinds: &'static [IncentiveKind],
}

async fn form_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    editing: Option<i32>,
    form: IncentiveForm,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else if errors.general().is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let u = user.clone();
    let unit_list = state.db.run(move |c| writable_units(c, &u)).await?;
    render_status(
        status,
        &FormPage {
            base: ctx.base(if editing.is_some() {
                "编辑正向激励"
            } else {
                "新增正向激励"
            }),
            editing,
            form,
            errors,
            units: tree_rows(&unit_list),
            kinds: IncentiveKind::ALL,
        },
    )
}

pub async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageIncentives)?;
    let form = IncentiveForm {
        kind: IncentiveKind::Commendation.code().into(),
        awarded_on: ymd(state.settings.clock.today()),
        ..Default::default()
    };
    form_page(&state, &ctx, &user, None, form, FieldErrors::new()).await
}

pub async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (i, _) = load_checked(&state, &user, id, Action::Write).await?;
    form_page(
        &state,
        &ctx,
        &user,
        Some(id),
        IncentiveForm::from_incentive(&i),
        FieldErrors::new(),
    )
    .await
}

/// Refuse a unit id that names no unit before anything about the form is said.
async fn check_unit(state: &AppState, form: &IncentiveForm) -> AppResult<()> {
    if let Ok(uid) = form.unit_id.trim().parse::<i32>() {
        if state
            .db
            .run(move |c| Ok(units::find(c, uid)?))
            .await?
            .is_none()
        {
            return Err(AppError::Forbidden);
        }
    }
    Ok(())
}

pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    body: web::Form<IncentiveForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageIncentives)?;
    let form = body.into_inner();
    check_unit(&state, &form).await?;
    let fields = match form.parse(state.settings.clock.today()) {
        Ok(f) => f,
        Err(e) => return form_page(&state, &ctx, &user, None, form, e).await,
    };
    let now = state.now();
    let u = user.clone();
    let f = fields.clone();
    let id = state
        .db
        .write(move |c| service::create(c, &u, &f, now))
        .await?;
    flash(
        &session,
        "success",
        format!("已新增{}：{}", fields.kind.label(), fields.title),
    );
    Ok(redirect(&format!("/incentives/{id}")))
}

pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<IncentiveForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    load_checked(&state, &user, id, Action::Write).await?;
    let mut form = body.into_inner();
    check_unit(&state, &form).await?;
    let expected = crate::db::edit_version(&form.version)?;
    let fields = match form.parse(state.settings.clock.today()) {
        Ok(f) => f,
        Err(e) => return form_page(&state, &ctx, &user, Some(id), form, e).await,
    };
    let now = state.now();
    let u = user.clone();
    let saved = state
        .db
        .write(move |c| service::update(c, &u, id, expected, &fields, now))
        .await?;
    match saved {
        Saved::Done(_) => {
            flash(&session, "success", "已保存。");
            Ok(redirect(&format!("/incentives/{id}")))
        }
        Saved::Invalid(e) => form_page(&state, &ctx, &user, Some(id), form, e).await,
        Saved::Conflict(current) => {
            form.version = current.to_string();
            let e = FieldErrors::message(crate::error::STALE_EDIT);
            form_page(&state, &ctx, &user, Some(id), form, e).await
        }
    }
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    pub version: String,
}

pub async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<DeleteForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    load_checked(&state, &user, id, Action::Write).await?;
    let expected = crate::db::edit_version(&form.version)?;
    let now = state.now();
    let u = user.clone();
    let i = state
        .db
        .write(move |c| service::delete(c, &u, id, expected, now))
        .await?;
    flash(&session, "success", format!("已删除：{}", i.title));
    Ok(redirect("/incentives"))
}
