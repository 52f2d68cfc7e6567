//! The brand forms: new, edit, create and update. The office creates a brand for any unit
//! that has none; a secretary (or a general branch) for her own unit when it has none.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db::models::brands;
use crate::db::models::units::{self, Unit};
use crate::db::DbConn;
use crate::domain::validate::FieldErrors;
use crate::domain::UnitKind;
use crate::error::{AppError, AppResult};
use crate::forms::brands::BrandForm;
use crate::routes::ymd;
use crate::services::brands::{self as service, Created, Saved};
use crate::state::AppState;
use crate::views::units::{tree_rows, UnitRow};
use crate::views::{flash, redirect, render_status, BaseContext, PageCtx};

use super::show::load_checked;

#[derive(Template)]
#[template(path = "brands/form.html")]
struct FormPage {
    base: BaseContext,
    editing: Option<i32>,
    /// Editing the committee's main brand (its theme is the concept, 理念).
    main: bool,
    /// The unit's name when editing (the unit does not change).
    unit_name: String,
    form: BrandForm,
    errors: FieldErrors,
    units: Vec<UnitRow>,
}

/// Units the user may create a brand for: those in their write scope without one.
fn open_units(c: &mut DbConn, user: &CurrentUser) -> AppResult<Vec<Unit>> {
    let candidates: Vec<Unit> = if user.may(Capability::RecordForAnyUnit) {
        units::all(c)?.into_iter().filter(|u| u.active).collect()
    } else {
        vec![units::get(c, user.unit_id)?]
    };
    let mut out = Vec::new();
    for u in candidates {
        if user.can(Action::Write, &u) && brands::by_unit(c, u.id)?.is_none() {
            out.push(u);
        }
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    editing: Option<(i32, bool, String)>,
    form: BrandForm,
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
    let u = user.clone();
    let unit_list = if editing.is_none() {
        state.db.run(move |c| open_units(c, &u)).await?
    } else {
        Vec::new()
    };
    let chosen_main = unit_list
        .iter()
        .find(|x| x.id.to_string() == form.unit_id.trim())
        .is_some_and(|x| x.kind() == UnitKind::Committee);
    let (id, main, unit_name) = match editing {
        Some((id, main, name)) => (Some(id), main, name),
        None => (None, chosen_main, String::new()),
    };
    render_status(
        status,
        &FormPage {
            base: ctx.base(if id.is_some() {
                "编辑党建品牌"
            } else {
                "新建党建品牌"
            }),
            editing: id,
            main,
            unit_name,
            form,
            errors,
            units: tree_rows(&unit_list),
        },
    )
}

pub async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::CreateRecords)?;
    if !user.may(Capability::RecordForAnyUnit) {
        let uid = user.unit_id;
        if let Some(b) = state.db.run(move |c| Ok(brands::by_unit(c, uid)?)).await? {
            flash(&session, "info", service::taken_message(&b.name));
            return Ok(redirect(&format!("/brands/{}", b.id)));
        }
    }
    let form = BrandForm {
        unit_id: if user.may(Capability::RecordForAnyUnit) {
            String::new()
        } else {
            user.unit_id.to_string()
        },
        cultivating_on: ymd(state.settings.clock.today()),
        ..Default::default()
    };
    form_page(&state, &ctx, &user, None, form, FieldErrors::new(), None).await
}

pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    body: web::Form<BrandForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::CreateRecords)?;
    let mut form = body.into_inner();
    if !user.may(Capability::RecordForAnyUnit) && form.unit_id.trim().is_empty() {
        form.unit_id = user.unit_id.to_string();
    }
    // Another unit's id is refused before anything about the form is said.
    if let Ok(uid) = form.unit_id.trim().parse::<i32>() {
        let unit = state.db.run(move |c| Ok(units::find(c, uid)?)).await?;
        user.require(Action::Write, &unit.ok_or(AppError::Forbidden)?)?;
    }
    let parsed = match form.parse(state.settings.clock.today(), true) {
        Ok(p) => p,
        Err(e) => return form_page(&state, &ctx, &user, None, form, e, None).await,
    };
    let Some(since) = parsed.cultivating_on else {
        return Err(AppError::internal("new brand without its start date"));
    };
    let now = state.now();
    let me = user.clone();
    let fields = parsed.fields;
    let name = fields.name.clone();
    let created = state
        .db
        .write(move |c| service::create(c, &me, &fields, since, now))
        .await?;
    match created {
        Created::Done(id) => {
            flash(
                &session,
                "success",
                format!("已创建党建品牌「{name}」（培育中）。"),
            );
            Ok(redirect(&format!("/brands/{id}")))
        }
        Created::Taken(existing) => {
            let mut e = FieldErrors::new();
            e.add("unit_id", service::taken_message(&existing));
            form_page(
                &state,
                &ctx,
                &user,
                None,
                form,
                e,
                Some(StatusCode::UNPROCESSABLE_ENTITY),
            )
            .await
        }
    }
}

pub async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (b, unit) = load_checked(&state, &user, id, Action::Write).await?;
    let main = unit.kind() == UnitKind::Committee;
    form_page(
        &state,
        &ctx,
        &user,
        Some((id, main, unit.name)),
        BrandForm::from_brand(&b),
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
    body: web::Form<BrandForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (b, unit) = load_checked(&state, &user, id, Action::Write).await?;
    let main = unit.kind() == UnitKind::Committee;
    let mut form = body.into_inner();
    form.unit_id = b.unit_id.to_string();
    let editing = Some((id, main, unit.name.clone()));
    let parsed = match form.parse(state.settings.clock.today(), false) {
        Ok(p) => p,
        Err(e) => return form_page(&state, &ctx, &user, editing, form, e, None).await,
    };
    let Ok(expected) = form.version.trim().parse::<i32>() else {
        let e = FieldErrors::message(crate::error::NO_VERSION);
        return form_page(
            &state,
            &ctx,
            &user,
            editing,
            form,
            e,
            Some(StatusCode::BAD_REQUEST),
        )
        .await;
    };
    let now = state.now();
    let me = user.clone();
    let fields = parsed.fields;
    let saved = state
        .db
        .write(move |c| service::update(c, &me, id, expected, &fields, now))
        .await?;
    match saved {
        Saved::Done => {
            flash(&session, "success", "已保存党建品牌。");
            Ok(redirect(&format!("/brands/{id}")))
        }
        Saved::Conflict(current) => {
            form.version = current.to_string();
            let e = FieldErrors::message(crate::error::STALE_EDIT);
            form_page(&state, &ctx, &user, editing, form, e, None).await
        }
    }
}
