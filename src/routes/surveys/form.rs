//! The survey forms: new, edit, create, update, and delete.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db::models::units;
use crate::domain::activity::SurveyMethod;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::forms::surveys::SurveyForm;
use crate::routes::ymd;
use crate::services::surveys::{self as service, Saved};
use crate::state::AppState;
use crate::views::units::{tree_rows, UnitRow};
use crate::views::{flash, redirect, render_status, BaseContext, PageCtx};

use super::show::load_checked;
use super::writable_units;

#[derive(Template)]
#[template(path = "surveys/form.html")]
struct FormPage {
    base: BaseContext,
    editing: Option<i32>,
    form: SurveyForm,
    errors: FieldErrors,
    /// The organising units the user may choose.
    units: Vec<UnitRow>,
    /// The units that may be ticked as targets (the writable units and all below them).
    targets: Vec<UnitRow>,
    methods: &'static [SurveyMethod],
}

async fn form_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    editing: Option<i32>,
    form: SurveyForm,
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
    let (unit_list, target_list) = state
        .db
        .run(move |c| {
            let mine = writable_units(c, &u)?;
            let targets = if u.may(Capability::RecordForAnyUnit) {
                mine.clone()
            } else {
                let own = units::get(c, u.unit_id)?;
                units::subtree(c, &own.path)?
                    .into_iter()
                    .filter(|x| x.active)
                    .collect()
            };
            Ok((mine, targets))
        })
        .await?;
    let title = if editing.is_some() {
        "编辑思想状况调查"
    } else {
        "新增思想状况调查"
    };
    render_status(
        status,
        &FormPage {
            base: ctx.base(title),
            editing,
            form,
            errors,
            units: tree_rows(&unit_list),
            targets: tree_rows(&target_list),
            methods: SurveyMethod::ALL,
        },
    )
}

pub async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::CreateRecords)?;
    let today = ymd(state.settings.clock.today());
    let form = SurveyForm {
        unit_id: if user.may(Capability::RecordForAnyUnit) {
            String::new()
        } else {
            user.unit_id.to_string()
        },
        period_start: today.clone(),
        period_end: today,
        method: SurveyMethod::Online.code().into(),
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
    let (s, _) = load_checked(&state, &user, id, Action::Write).await?;
    form_page(
        &state,
        &ctx,
        &user,
        Some(id),
        SurveyForm::from_survey(&s),
        FieldErrors::new(),
    )
    .await
}

/// Refuse an organising unit outside the user's write scope before anything else.
fn form_of(user: &CurrentUser, pairs: Vec<(String, String)>) -> SurveyForm {
    let mut form = SurveyForm::from_pairs(pairs);
    crate::routes::own_unit_by_default(user, &mut form.unit_id);
    form
}

pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::CreateRecords)?;
    let form = form_of(&user, body.into_inner());
    crate::routes::require_unit_write(&state, &user, &form.unit_id).await?;
    let fields = match form.parse(state.settings.clock.today()) {
        Ok(f) => f,
        Err(errors) => return form_page(&state, &ctx, &user, None, form, errors).await,
    };
    let now = state.now();
    let u = user.clone();
    let saved = state
        .db
        .write(move |c| service::create(c, &u, &fields, now))
        .await?;
    match saved {
        Saved::Done(id) => {
            flash(&session, "success", "已保存思想状况调查。");
            Ok(redirect(&format!("/surveys/{id}")))
        }
        Saved::Invalid(e) => form_page(&state, &ctx, &user, None, form, e).await,
        Saved::Conflict(_) => Err(AppError::Stale),
    }
}

pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    load_checked(&state, &user, id, Action::Write).await?;
    let form = form_of(&user, body.into_inner());
    crate::routes::require_unit_write(&state, &user, &form.unit_id).await?;
    let expected = crate::db::edit_version(&form.version)?;
    let fields = match form.parse(state.settings.clock.today()) {
        Ok(f) => f,
        Err(errors) => return form_page(&state, &ctx, &user, Some(id), form, errors).await,
    };
    let now = state.now();
    let u = user.clone();
    let saved = state
        .db
        .write(move |c| service::update(c, &u, id, expected, &fields, now))
        .await?;
    match saved {
        Saved::Done(_) => {
            flash(&session, "success", "已保存思想状况调查。");
            Ok(redirect(&format!("/surveys/{id}")))
        }
        Saved::Invalid(e) => form_page(&state, &ctx, &user, Some(id), form, e).await,
        Saved::Conflict(current) => {
            let mut form = form;
            form.version = current.to_string();
            form_page(
                &state,
                &ctx,
                &user,
                Some(id),
                form,
                FieldErrors::message(crate::error::STALE_EDIT),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    version: String,
}

pub async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<DeleteForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    // 404 and 403 come before a form without its version.
    load_checked(&state, &user, id, Action::Write).await?;
    let expected = crate::db::edit_version(&form.version)?;
    let now = state.now();
    let u = user.clone();
    let s = state
        .db
        .write(move |c| service::delete(c, &u, id, expected, now))
        .await?;
    flash(
        &session,
        "success",
        format!("已删除思想状况调查：{}", s.title),
    );
    Ok(redirect("/surveys"))
}
