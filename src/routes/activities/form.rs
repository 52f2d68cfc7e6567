//! The activity forms: new, edit, create, update (guarded by the version, input kept on a
//! conflict), and delete (only while no attendance is recorded).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db::edit_version;
use crate::domain::activity::{ActivityKind, RosterGroup};
use crate::domain::register::LeadTag;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::forms::activities::ActivityForm;
use crate::routes::ymd;
use crate::services::activities::{self as service, Deleted, Saved};
use crate::state::AppState;
use crate::views::units::{tree_rows, UnitRow};
use crate::views::{flash, redirect, render_status, BaseContext, PageCtx};

use super::{lead_tags, load_checked};
use crate::routes::writable_units;

#[derive(Template)]
#[template(path = "activities/form.html")]
struct FormPage {
    base: BaseContext,
    editing: Option<i32>,
    form: ActivityForm,
    errors: FieldErrors,
    units: Vec<UnitRow>,
    kinds: &'static [ActivityKind],
    groups: &'static [RosterGroup],
    tags: Vec<LeadTag>,
}

async fn form_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    editing: Option<i32>,
    form: ActivityForm,
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
    let title = if editing.is_some() {
        "编辑培训活动"
    } else {
        "登记培训活动"
    };
    render_status(
        status,
        &FormPage {
            base: ctx.base(title),
            editing,
            form,
            errors,
            units: tree_rows(&unit_list),
            kinds: ActivityKind::ALL,
            groups: RosterGroup::ALL,
            tags: lead_tags(),
        },
    )
}

pub async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::CreateRecords)?;
    let form = ActivityForm {
        unit_id: if user.may(Capability::RecordForAnyUnit) {
            String::new()
        } else {
            user.unit_id.to_string()
        },
        kind: ActivityKind::Training.code().into(),
        start_date: ymd(state.settings.clock.today()),
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
    let (a, _) = load_checked(&state, &user, id, Action::Write).await?;
    form_page(
        &state,
        &ctx,
        &user,
        Some(id),
        ActivityForm::from_activity(&a),
        FieldErrors::new(),
    )
    .await
}

fn form_of(user: &CurrentUser, pairs: Vec<(String, String)>) -> ActivityForm {
    let mut form = ActivityForm::from_pairs(pairs);
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
    let fields = match form.parse() {
        Ok(f) => f,
        Err(errors) => return form_page(&state, &ctx, &user, None, form, errors).await,
    };
    let now = state.now();
    let u = user.clone();
    let id = state
        .db
        .write(move |c| service::create(c, &u, &fields, now))
        .await?;
    flash(&session, "success", "已登记培训活动。");
    Ok(redirect(&format!("/activities/{id}")))
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
    let expected = edit_version(&form.version)?;
    crate::routes::require_unit_write(&state, &user, &form.unit_id).await?;
    let fields = match form.parse() {
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
        Saved::Done => {
            flash(&session, "success", "已保存培训活动。");
            Ok(redirect(&format!("/activities/{id}")))
        }
        Saved::Conflict(current) => {
            let mut e = FieldErrors::new();
            e.add("", crate::error::STALE_EDIT);
            let mut form = form;
            form.version = current.to_string();
            form_page(&state, &ctx, &user, Some(id), form, e).await
        }
        Saved::Invalid(field, message) => {
            let mut e = FieldErrors::new();
            e.add(field, message);
            form_page(&state, &ctx, &user, Some(id), form, e).await
        }
    }
}

#[derive(serde::Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    version: String,
}

pub async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<DeleteForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    load_checked(&state, &user, id, Action::Write).await?;
    let expected = edit_version(&body.version)?;
    let now = state.now();
    let u = user.clone();
    let outcome = state
        .db
        .write(move |c| service::delete(c, &u, id, expected, now))
        .await?;
    match outcome {
        Deleted::Done(title) => {
            flash(&session, "success", format!("已删除培训活动「{title}」。"));
            Ok(redirect("/activities"))
        }
        Deleted::HasAttendance(n) => Err(AppError::Conflict(format!(
            "该活动已登记 {n} 名参加人员，不能删除。如确需删除，请先在“登记参加人员”中清空名单。"
        ))),
        Deleted::Conflict => Err(AppError::Conflict(crate::error::CHANGED_MEANWHILE.into())),
    }
}
