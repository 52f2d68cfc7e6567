//! The person forms: new, edit, create and update (also of a person who left, to correct
//! the date), and the leaving form (登记离开).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db::models::units;
use crate::domain::activity::RosterGroup;
use crate::domain::validate::FieldErrors;
use crate::error::{AppResult, STALE_EDIT};
use crate::forms::roster::{EndForm, PersonForm, NAME_MAX, NOTES_MAX, POST_MAX};
use crate::routes::ymd;
use crate::services::roster::{self as service, Saved};
use crate::state::AppState;
use crate::views::units::{tree_rows, UnitRow};
use crate::views::{flash, redirect, render_status, BaseContext, PageCtx};

use super::show::{load_checked, show_page};
use super::writable_units;

#[derive(Template)]
#[template(path = "roster/form.html")]
struct FormPage {
    base: BaseContext,
    editing: Option<i32>,
    form: PersonForm,
    errors: FieldErrors,
    units: Vec<UnitRow>,
    groups: &'static [RosterGroup],
    name_max: usize,
    post_max: usize,
    notes_max: usize,
}

async fn form_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    editing: Option<i32>,
    form: PersonForm,
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
    let mut unit_list = state.db.run(move |c| writable_units(c, &u)).await?;
    // An edit keeps showing the person's unit even when it is no longer active.
    if let Ok(uid) = form.unit_id.trim().parse::<i32>() {
        if !unit_list.iter().any(|x| x.id == uid) && user.may(Capability::RecordForAnyUnit) {
            if let Some(unit) = state.db.run(move |c| Ok(units::find(c, uid)?)).await? {
                unit_list.push(unit);
            }
        }
    }
    let title = if editing.is_some() {
        "编辑人员信息"
    } else {
        "新增人员"
    };
    render_status(
        status,
        &FormPage {
            base: ctx.base(title),
            editing,
            form,
            errors,
            units: tree_rows(&unit_list),
            groups: RosterGroup::ALL,
            name_max: NAME_MAX,
            post_max: POST_MAX,
            notes_max: NOTES_MAX,
        },
    )
}

pub async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::CreateRecords)?;
    let form = PersonForm {
        unit_id: if user.may(Capability::RecordForAnyUnit) {
            String::new()
        } else {
            user.unit_id.to_string()
        },
        active_from: ymd(state.settings.clock.today()),
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
    let (p, _) = load_checked(&state, &user, id, Action::Write).await?;
    form_page(
        &state,
        &ctx,
        &user,
        Some(id),
        PersonForm::from_person(&p),
        FieldErrors::new(),
    )
    .await
}

fn form_of(user: &CurrentUser, pairs: Vec<(String, String)>) -> PersonForm {
    let mut form = PersonForm::from_pairs(pairs);
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
    let name = fields.name.clone();
    let id = state
        .db
        .write(move |c| service::create(c, &u, &fields, now))
        .await?;
    flash(&session, "success", format!("已将 {name} 加入人员名册。"));
    Ok(redirect(&format!("/roster/{id}")))
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
    let fields = match form.parse() {
        Ok(f) => f,
        Err(errors) => return form_page(&state, &ctx, &user, Some(id), form, errors).await,
    };
    let Ok(expected) = crate::db::edit_version(&form.version) else {
        let errors = FieldErrors::message(crate::error::NO_VERSION);
        return form_page(&state, &ctx, &user, Some(id), form, errors).await;
    };
    let now = state.now();
    let u = user.clone();
    let saved = state
        .db
        .write(move |c| service::update(c, &u, id, expected, &fields, now))
        .await?;
    match saved {
        Saved::Done => {
            flash(&session, "success", "已保存人员信息。");
            Ok(redirect(&format!("/roster/{id}")))
        }
        Saved::Stale(current) => {
            let mut form = form;
            form.version = current.to_string();
            form_page(
                &state,
                &ctx,
                &user,
                Some(id),
                form,
                FieldErrors::message(STALE_EDIT),
            )
            .await
        }
    }
}

/// 登记离开: set the leaving date (guarded by the version the page showed).
pub async fn end(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<EndForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (p, _) = load_checked(&state, &user, id, Action::Write).await?;
    let form = body.into_inner();
    let expected = crate::db::edit_version(&form.version)?;
    if let Some(on) = p.active_to {
        return Err(service::already_ended(on));
    }
    let left_on = match form.parse(p.active_from) {
        Ok(d) => d,
        Err(msg) => {
            return show_page(&state, &ctx, &user, id, Some((form.active_to, msg))).await;
        }
    };
    let now = state.now();
    let u = user.clone();
    let name = state
        .db
        .write(move |c| service::end(c, &u, id, expected, left_on, now))
        .await?;
    flash(
        &session,
        "success",
        format!(
            "已登记 {name} 于 {} 离开，其记录仍保留在名册中。",
            ymd(left_on)
        ),
    );
    Ok(redirect(&format!("/roster/{id}")))
}
