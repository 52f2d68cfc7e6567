//! User management (office only): list with filters, create, edit, reset password,
//! disable and enable. Disabling a user or resetting a password ends their sessions at once.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::policy::{permits, Capability};
use crate::auth::CurrentUser;
use crate::clock::format_local;
use crate::db;
use crate::db::models::units::{self, Unit};
use crate::db::models::users::{self, User, UserFilter};
use crate::db::models::{audit, sessions};
use crate::domain::validate::{self, FieldErrors};
use crate::domain::Role;
use crate::error::{AppError, AppResult, NO_VERSION, STALE_EDIT};
use crate::forms::users::{check, UserForm};
use crate::routes::imports;
use crate::routes::non_empty;
use crate::state::AppState;
use crate::views::units::UnitRow;
use crate::views::{flash, redirect, render, render_form, BaseContext, PageCtx, Paging};
use crate::xlsx::{self, col, Column, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(list))
        .route("/users/export", web::get().to(export))
        .route("/users/import", web::get().to(imports::users_form))
        .route("/users/import", web::post().to(imports::users_import))
        .route(
            "/users/import/template",
            web::get().to(imports::users_template),
        )
        .route("/users", web::post().to(create))
        .route("/users/new", web::get().to(new_form))
        .route("/users/{id}/edit", web::get().to(edit_form))
        .route("/users/{id}", web::post().to(update))
        .route("/users/{id}/password", web::post().to(reset_password))
        .route("/users/{id}/disable", web::post().to(disable))
        .route("/users/{id}/enable", web::post().to(enable));
}

pub struct UserRow {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub unit_name: String,
    pub active: bool,
    pub last_login: String,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    q: Option<String>,
    role: Option<String>,
    unit: Option<String>,
    status: Option<String>,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage {
    base: BaseContext,
    rows: Vec<UserRow>,
    export_link: String,
    paging: Paging,
    q: String,
    role: String,
    unit: String,
    status: String,
    roles: &'static [Role],
    units: Vec<UnitRow>,
}

/// The list's filters, parsed once for the page and its export.
#[derive(Clone)]
struct Selection {
    q: Option<String>,
    role: Option<Role>,
    unit_id: Option<i32>,
    active: Option<bool>,
    status: String,
}

impl Selection {
    fn of(query: &ListQuery) -> Self {
        let status = non_empty(&query.status).unwrap_or("").to_string();
        Selection {
            q: non_empty(&query.q).map(|s| s.chars().take(50).collect::<String>()),
            role: non_empty(&query.role).and_then(Role::parse),
            unit_id: non_empty(&query.unit).and_then(|u| u.parse::<i32>().ok()),
            active: match status.as_str() {
                "active" => Some(true),
                "disabled" => Some(false),
                _ => None,
            },
            status,
        }
    }

    fn filter(&self, all_units: &[Unit]) -> UserFilter {
        UserFilter {
            q: self.q.clone(),
            role: self.role,
            unit_path: self
                .unit_id
                .and_then(|id| all_units.iter().find(|u| u.id == id))
                .map(|u| u.path.clone()),
            unit_id: None,
            active: self.active,
        }
    }

    fn query_string(&self) -> String {
        let mut kept = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", self.q.clone().unwrap_or_default()),
            (
                "role",
                self.role.map(|r| r.code().to_string()).unwrap_or_default(),
            ),
            (
                "unit",
                self.unit_id.map(|u| u.to_string()).unwrap_or_default(),
            ),
            ("status", self.status.clone()),
        ] {
            if !v.is_empty() {
                kept.append_pair(k, &v);
            }
        }
        kept.finish()
    }
}

/// The filtered users (one page, or all for the export) with every unit.
async fn select(
    state: &AppState,
    sel: &Selection,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<Unit>, Vec<(User, Unit)>, i64)> {
    let sel = sel.clone();
    state
        .db
        .run(move |c| {
            let all_units = units::all(c)?;
            let (rows, total) = users::list(c, &sel.filter(&all_units), offset, limit)?;
            Ok((all_units, rows, total))
        })
        .await
}

async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    let query = query.into_inner();
    let sel = Selection::of(&query);
    let mut paging = Paging::new(query.page.as_deref(), Paging::PER_PAGE);
    let (all_units, rows, total) = select(&state, &sel, paging.offset(), paging.per_page).await?;
    paging.total = total;
    paging.query = sel.query_string();
    render(&ListPage {
        base: ctx.base("用户管理"),
        rows: rows.into_iter().map(|(u, unit)| row(u, &unit)).collect(),
        export_link: xlsx::export_link("/users/export", &paging.query),
        paging,
        q: sel.q.unwrap_or_default(),
        role: sel.role.map(|r| r.code().to_string()).unwrap_or_default(),
        unit: sel.unit_id.map(|u| u.to_string()).unwrap_or_default(),
        status: sel.status,
        roles: Role::ALL,
        units: all_units.iter().map(UnitRow::from).collect(),
    })
}

const EXPORT_COLUMNS: [Column; 6] = [
    col("用户名", 16.0),
    col("姓名", 12.0),
    col("角色", 14.0),
    col("所属单位", 30.0),
    col("状态", 8.0),
    col("最近登录", 18.0),
];

async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    let sel = Selection::of(&query.into_inner());
    let (_, rows, _) = select(&state, &sel, 0, xlsx::EXPORT_LIMIT).await?;
    let data: Vec<Vec<Value>> = rows
        .into_iter()
        .map(|(u, unit)| {
            let r = row(u, &unit);
            vec![
                Value::from(r.username),
                Value::from(r.display_name),
                Value::from(r.role),
                Value::from(r.unit_name),
                Value::from(if r.active { "在用" } else { "已停用" }),
                Value::from(r.last_login),
            ]
        })
        .collect();
    xlsx::export("用户列表", &EXPORT_COLUMNS, &data)
}

fn row(u: User, unit: &Unit) -> UserRow {
    UserRow {
        id: u.id,
        role: u.role().label(),
        username: u.username,
        display_name: u.display_name,
        unit_name: unit.name.clone(),
        active: u.active,
        last_login: u
            .last_login_at
            .map(format_local)
            .unwrap_or_else(|| "从未登录".into()),
    }
}

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

struct EditingUser {
    id: i32,
    /// The stored version, for the password, disable and enable forms.
    version: i32,
    active: bool,
    is_self: bool,
    active_sessions: i64,
}

async fn form_page(
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

async fn load_editing(
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
struct NewQuery {
    unit: Option<i32>,
}

async fn new_form(
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

async fn edit_form(
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

enum Saved {
    Done(User),
    Invalid(FieldErrors),
}

fn change(actor: i32, u: &User, action: &'static str, summary: String) -> audit::Change<'static> {
    audit::Change::new(actor, action, "user", u.id, summary).unit(u.unit_id)
}

async fn create(
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
    let actor = user.id;
    let saved = state
        .db
        .write(move |c| {
            db::serialize_names(c, db::NameLock::Usernames)?;
            let errors = check(c, &fields, None)?;
            if !errors.is_empty() {
                return Ok(Saved::Invalid(errors));
            }
            let created = users::insert(c, &fields, &hash, true, now)?;
            change(
                actor,
                &created,
                "create",
                format!("新增用户 {}（{}）", created.display_name, created.username),
            )
            .after(&fields)
            .record(c, now)?;
            Ok(Saved::Done(created))
        })
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

async fn update(
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
    let actor = user.id;
    let saved = state
        .db
        .write(move |c| {
            db::serialize_names(c, db::NameLock::Usernames)?;
            let before = users::get(c, id)?;
            if before.version != expected {
                return Err(AppError::Stale);
            }
            let errors = check(c, &fields, Some(id))?;
            if !errors.is_empty() {
                return Ok(Saved::Invalid(errors));
            }
            db::one_row(users::update(c, id, expected, &fields, now)?)?;
            let after = users::get(c, id)?;
            if before.role != after.role || before.unit_id != after.unit_id {
                // New rights: sign in again.
                sessions::delete_for_user(c, id, None)?;
            }
            change(
                actor,
                &after,
                "update",
                format!("修改用户 {}", after.username),
            )
            .before(&serde_json::json!({
                "username": before.username, "display_name": before.display_name,
                "role": before.role, "unit_id": before.unit_id,
            }))
            .after(&fields)
            .record(c, now)?;
            Ok(Saved::Done(after))
        })
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

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResetForm {
    password: String,
    version: String,
}

async fn reset_password(
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
    let actor = user.id;
    state
        .db
        .write(move |c| {
            let target = users::get(c, id)?;
            db::one_row(users::set_password(
                c,
                id,
                users::Expect::Version(expected),
                &hash,
                true,
                now,
            )?)?;
            sessions::delete_for_user(c, id, None)?;
            audit::record(
                c,
                change(
                    actor,
                    &target,
                    "reset_password",
                    format!("重置用户 {} 的密码", target.username),
                ),
                now,
            )?;
            Ok(())
        })
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
struct StateForm {
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
    let actor = user.id;
    let target = state
        .db
        .write(move |c| {
            let target = users::get(c, id)?;
            // Only from the other state at the version the page showed: of ten clicks at once
            // one is recorded, and a stale page changes nothing.
            db::one_row(users::set_active(c, id, Some(expected), active, now)?)?;
            let (action, verb) = if active {
                ("enable", "启用")
            } else {
                ("disable", "停用")
            };
            audit::record(
                c,
                change(
                    actor,
                    &target,
                    action,
                    format!("{verb}用户 {}", target.username),
                ),
                now,
            )?;
            Ok(target)
        })
        .await?;
    let msg = if active {
        format!("已启用用户 {}", target.username)
    } else {
        format!("已停用用户 {}，其登录已全部退出。", target.username)
    };
    flash(&session, "success", msg);
    Ok(redirect(&format!("/users/{id}/edit")))
}

async fn disable(
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

async fn enable(
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
