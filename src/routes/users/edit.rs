//! Creating and editing accounts (office): the form pages and their saves.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::policy::{permits, Capability};
use crate::auth::CurrentUser;
use crate::db;
use crate::db::models::sessions;
use crate::db::models::units;
use crate::db::models::users::{self, User};
use crate::domain::validate::FieldErrors;
use crate::domain::Role;
use crate::error::{AppError, AppResult, NO_VERSION, STALE_EDIT};
use crate::forms::users::UserForm;
use crate::services::users::{self as service, Saved};
use crate::state::AppState;
use crate::views::units::UnitRow;
use crate::views::{flash, redirect, render_form, BaseContext, PageCtx};

#[derive(Template)]
#[template(path = "users/form.html")]
struct FormPage {
    base: BaseContext,
    editing: Option<EditingUser>,
    form: UserForm,
    errors: FieldErrors,
    roles: &'static [Role],
    units: Vec<UnitRow>,
}

pub(super) struct EditingUser {
    id: i32,
    /// The stored version, for the password, disable and enable forms.
    version: i32,
    active: bool,
    is_self: bool,
    active_sessions: i64,
}

pub(super) async fn form_page(
    state: &AppState,
    ctx: &PageCtx,
    editing: Option<EditingUser>,
    form: UserForm,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let all = state.db.run(|c| Ok(units::all(c)?)).await?;
    let title = if editing.is_some() {
        "编辑用户"
    } else {
        "新增用户"
    };
    let page = FormPage {
        base: ctx.base(title),
        editing,
        form,
        errors,
        roles: Role::ALL,
        units: all.iter().map(UnitRow::from).collect(),
    };
    render_form(&page, &page.errors)
}

pub(super) async fn load_editing(
    state: &AppState,
    me: &CurrentUser,
    id: i32,
) -> AppResult<(User, EditingUser)> {
    let (u, n) = state
        .db
        .run(move |c| Ok((users::get(c, id)?, sessions::count_for_user(c, id)?)))
        .await?;
    let editing = EditingUser {
        id,
        version: u.version,
        active: u.active,
        is_self: me.id == id,
        active_sessions: n,
    };
    Ok((u, editing))
}

#[derive(Deserialize)]
pub(super) struct NewQuery {
    unit: Option<i32>,
}

pub(super) async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<NewQuery>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    let form = UserForm {
        role: Role::Secretary.code().into(),
        unit_id: query.unit.map(|u| u.to_string()).unwrap_or_default(),
        ..Default::default()
    };
    form_page(&state, &ctx, None, form, FieldErrors::new()).await
}

pub(super) async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    let (u, editing) = load_editing(&state, &user, path.into_inner()).await?;
    let form = UserForm {
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role.clone(),
        unit_id: u.unit_id.to_string(),
        password: String::new(),
        version: u.version.to_string(),
    };
    form_page(&state, &ctx, Some(editing), form, FieldErrors::new()).await
}

pub(super) async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    form: web::Form<UserForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    let mut form = form.into_inner();
    let fields = match form.parse(true) {
        Ok(f) => f,
        Err(errors) => {
            form.password.clear();
            return form_page(&state, &ctx, None, form, errors).await;
        }
    };
    let hash = state.hasher.hash(form.password.clone()).await?;
    let now = state.now();
    let me = user.clone();
    let saved = state
        .db
        .write(move |c| service::create(c, &me, &fields, &hash, now))
        .await?;
    match saved {
        Saved::Done(u) => {
            flash(
                &session,
                "success",
                format!("已新增用户 {}，首次登录时须修改初始密码。", u.username),
            );
            Ok(redirect("/users"))
        }
        Saved::Invalid(errors) => {
            form.password.clear();
            form_page(&state, &ctx, None, form, errors).await
        }
    }
}

pub(super) async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<UserForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    let id = path.into_inner();
    let (_, editing) = load_editing(&state, &user, id).await?;
    let form = form.into_inner();
    let fields = match form.parse(false) {
        Ok(f) => f,
        Err(errors) => return form_page(&state, &ctx, Some(editing), form, errors).await,
    };
    // The office may not lock itself out of managing accounts.
    if id == user.id && !permits(fields.role, Capability::ManageOrganisation) {
        let mut errors = FieldErrors::new();
        errors.add("role", "不能取消自己的党群工作部角色");
        return form_page(&state, &ctx, Some(editing), form, errors).await;
    }
    let expected = match db::edit_version(&form.version) {
        Ok(v) => v,
        Err(_) => {
            let errors = FieldErrors::message(NO_VERSION);
            return form_page(&state, &ctx, Some(editing), form, errors).await;
        }
    };
    let now = state.now();
    let me = user.clone();
    let saved = state
        .db
        .write(move |c| service::update(c, &me, id, expected, &fields, now))
        .await;
    match saved {
        Ok(Saved::Done(u)) => {
            flash(&session, "success", format!("已保存用户 {}", u.username));
            Ok(redirect("/users"))
        }
        Ok(Saved::Invalid(errors)) => form_page(&state, &ctx, Some(editing), form, errors).await,
        Err(AppError::Stale) => {
            // The typed input again, with the version now stored: saving once more is a
            // deliberate overwrite by someone who has seen the message.
            let (now_u, editing) = load_editing(&state, &user, id).await?;
            let mut form = form;
            form.version = now_u.version.to_string();
            form_page(
                &state,
                &ctx,
                Some(editing),
                form,
                FieldErrors::message(STALE_EDIT),
            )
            .await
        }
        Err(e) => Err(e),
    }
}
