//! Resetting passwords and disabling or enabling accounts (office); either ends the user's sessions at once.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db;
use crate::domain::validate::{self, FieldErrors};
use crate::error::{AppResult, NO_VERSION};
use crate::forms::users::UserForm;
use crate::services::users as service;
use crate::state::AppState;
use crate::views::{flash, redirect, PageCtx};

use super::edit::{form_page, load_editing};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ResetForm {
    password: String,
    version: String,
}

pub(super) async fn reset_password(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<ResetForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    let id = path.into_inner();
    let (u, editing) = load_editing(&state, &user, id).await?;
    let mut errors = FieldErrors::new();
    let password = validate::new_password(&mut errors, "reset_password", &form.password);
    let expected = db::edit_version(&form.version);
    if expected.is_err() {
        errors.add("", NO_VERSION);
    }
    if !errors.is_empty() {
        let form = UserForm {
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.clone(),
            unit_id: u.unit_id.to_string(),
            password: String::new(),
            version: u.version.to_string(),
        };
        return form_page(&state, &ctx, Some(editing), form, errors).await;
    }
    let expected = expected?;
    let hash = state.hasher.hash(password).await?;
    let now = state.now();
    let me = user.clone();
    state
        .db
        .write(move |c| service::reset_password(c, &me, id, expected, &hash, now))
        .await?;
    flash(
        &session,
        "success",
        format!(
            "已重置 {} 的密码，其登录已全部退出，下次登录须修改密码。",
            u.username
        ),
    );
    Ok(redirect(&format!("/users/{id}/edit")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct StateForm {
    version: String,
}

async fn set_active(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    id: i32,
    active: bool,
    form: StateForm,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    if id == user.id && !active {
        flash(&session, "error", "不能停用自己的账户。");
        return Ok(redirect(&format!("/users/{id}/edit")));
    }
    let expected = db::edit_version(&form.version)?;
    let now = state.now();
    let me = user.clone();
    let target = state
        .db
        .write(move |c| service::set_active(c, &me, id, expected, active, now))
        .await?;
    let msg = if active {
        format!("已启用用户 {}", target.username)
    } else {
        format!("已停用用户 {}，其登录已全部退出。", target.username)
    };
    flash(&session, "success", msg);
    Ok(redirect(&format!("/users/{id}/edit")))
}

pub(super) async fn disable(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<StateForm>,
) -> AppResult<HttpResponse> {
    set_active(
        state,
        user,
        session,
        path.into_inner(),
        false,
        form.into_inner(),
    )
    .await
}

pub(super) async fn enable(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<StateForm>,
) -> AppResult<HttpResponse> {
    set_active(
        state,
        user,
        session,
        path.into_inner(),
        true,
        form.into_inner(),
    )
    .await
}
