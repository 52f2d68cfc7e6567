//! The organisation tree: everyone sees the part of it their role covers; the office adds and
//! edits units (committee → general branches → branches; HQ departments and subsidiaries).

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db;
use crate::db::models::{units, users};
use crate::domain::validate::FieldErrors;
use crate::domain::{UnitCategory, UnitKind};
use crate::error::{AppError, AppResult, NO_VERSION, STALE_EDIT};
use crate::forms::units::UnitForm;
use crate::routes::imports;
use crate::services::units::{self as service, Saved};
use crate::state::AppState;
use crate::views::units::{tree_rows, UnitRow};
use crate::views::{flash, redirect, render, render_form, BaseContext, PageCtx};
use crate::xlsx::{self, col, Column, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/units", web::get().to(list))
        .route("/units", web::post().to(create))
        .route("/units/new", web::get().to(new_form))
        .route("/units/export", web::get().to(export))
        .route("/units/import", web::get().to(imports::units_form))
        .route("/units/import", web::post().to(imports::units_import))
        .route(
            "/units/import/template",
            web::get().to(imports::units_template),
        )
        .route("/units/{id}", web::get().to(show))
        .route("/units/{id}", web::post().to(update))
        .route("/units/{id}/edit", web::get().to(edit_form));
}

#[derive(Template)]
#[template(path = "units/list.html")]
struct ListPage {
    base: BaseContext,
    rows: Vec<UnitRow>,
    can_manage: bool,
}

async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    let units = state.scope_units(&user.scope()).await?;
    render(&ListPage {
        base: ctx.base("组织机构"),
        rows: tree_rows(&units),
        can_manage: user.may(Capability::ManageOrganisation),
    })
}

const EXPORT_COLUMNS: [Column; 5] = [
    col("单位名称", 36.0),
    col("编码", 12.0),
    col("组织类型", 12.0),
    col("单位类别", 12.0),
    col("状态", 8.0),
];

/// The units the list shows (the user's part of the tree), indented by depth.
async fn export(state: web::Data<AppState>, user: CurrentUser) -> AppResult<HttpResponse> {
    let scope = user.scope();
    let units = state
        .db
        .run(move |c| Ok(units::in_scope(c, &scope)?))
        .await?;
    let data: Vec<Vec<Value>> = tree_rows(&units)
        .into_iter()
        .map(|u| {
            vec![
                Value::from(format!("{}{}", "　".repeat(u.depth), u.name)),
                Value::from(u.code),
                Value::from(u.kind),
                Value::from(u.category),
                Value::from(if u.active { "在用" } else { "已停用" }),
            ]
        })
        .collect();
    xlsx::export(
        &xlsx::Sheet::new("组织机构", state.now()),
        &EXPORT_COLUMNS,
        &data,
    )
}

pub struct Member {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "units/show.html")]
struct ShowPage {
    base: BaseContext,
    unit: UnitRow,
    trail: Vec<(i32, String)>,
    children: Vec<UnitRow>,
    members: Vec<Member>,
    can_manage: bool,
}

async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let me = user.clone();
    let (unit, ancestors, children, members) = state
        .db
        .run(move |c| {
            let unit = units::get(c, id)?;
            me.require(Action::Read, &unit)?;
            let mut trail = Vec::new();
            for aid in unit.ancestor_ids() {
                if aid != unit.id {
                    let a = units::get(c, aid)?;
                    trail.push(a);
                }
            }
            let children = units::children(c, unit.id)?;
            let (members, _) = users::list(
                c,
                &users::UserFilter {
                    unit_id: Some(unit.id),
                    ..Default::default()
                },
                0,
                500,
            )?;
            Ok((unit, trail, children, members))
        })
        .await?;
    render(&ShowPage {
        base: ctx.base(unit.name.clone()),
        unit: UnitRow::from(&unit),
        trail: ancestors
            .iter()
            .filter(|a| user.can(Action::Read, a))
            .map(|a| (a.id, a.name.clone()))
            .collect(),
        children: children
            .iter()
            .filter(|c| user.can(Action::Read, c))
            .map(UnitRow::from)
            .collect(),
        members: members
            .into_iter()
            .map(|(m, _)| Member {
                id: m.id,
                role: m.role().label(),
                username: m.username,
                display_name: m.display_name,
                active: m.active,
            })
            .collect(),
        can_manage: user.may(Capability::ManageOrganisation),
    })
}

#[derive(Template)]
#[template(path = "units/form.html")]
struct FormPage {
    base: BaseContext,
    editing: Option<i32>,
    form: UnitForm,
    errors: FieldErrors,
    parents: Vec<UnitRow>,
    kinds: &'static [UnitKind],
    categories: &'static [UnitCategory],
}

async fn form_page(
    state: &AppState,
    ctx: &PageCtx,
    editing: Option<i32>,
    form: UnitForm,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let all = state.db.run(|c| Ok(units::all(c)?)).await?;
    let parents = all
        .iter()
        .filter(|u| u.kind() != UnitKind::Branch)
        .filter(|u| editing.is_none_or(|id| !u.path.contains(&format!("/{id}/"))))
        .map(UnitRow::from)
        .collect();
    let title = if editing.is_some() {
        "编辑单位"
    } else {
        "新增单位"
    };
    let page = FormPage {
        base: ctx.base(title),
        editing,
        form,
        errors,
        parents,
        kinds: UnitKind::ALL,
        categories: UnitCategory::ALL,
    };
    render_form(&page, &page.errors)
}

#[derive(Deserialize)]
struct NewQuery {
    parent: Option<i32>,
}

async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<NewQuery>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    let form = UnitForm {
        parent_id: query.parent.map(|p| p.to_string()).unwrap_or_default(),
        kind: UnitKind::Branch.code().into(),
        category: UnitCategory::Subsidiary.code().into(),
        sort_order: "0".into(),
        active: "on".into(),
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
    let id = path.into_inner();
    let unit = state.db.run(move |c| Ok(units::get(c, id)?)).await?;
    form_page(
        &state,
        &ctx,
        Some(id),
        UnitForm::from_unit(&unit),
        FieldErrors::new(),
    )
    .await
}

async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    form: web::Form<UnitForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    let form = form.into_inner();
    let fields = match form.parse() {
        Ok(f) => f,
        Err(errors) => return form_page(&state, &ctx, None, form, errors).await,
    };
    let now = state.now();
    let u = user.clone();
    let saved = state
        .db
        .write(move |c| service::create(c, &u, &fields, now))
        .await?;
    match saved {
        Saved::Done(unit) => {
            flash(&session, "success", format!("已新增单位：{}", unit.name));
            Ok(redirect(&format!("/units/{}", unit.id)))
        }
        Saved::Invalid(errors) => form_page(&state, &ctx, None, form, errors).await,
        // A new unit has no version to be stale against.
        Saved::Conflict(_) => Err(AppError::Stale),
    }
}

async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<UnitForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    let id = path.into_inner();
    let form = form.into_inner();
    let fields = match form.parse() {
        Ok(f) => f,
        Err(errors) => {
            // Still a 404 for an id that does not exist.
            state.db.run(move |c| Ok(units::get(c, id)?)).await?;
            return form_page(&state, &ctx, Some(id), form, errors).await;
        }
    };
    let expected = match db::edit_version(&form.version) {
        Ok(v) => v,
        Err(_) => {
            state.db.run(move |c| Ok(units::get(c, id)?)).await?;
            let errors = FieldErrors::message(NO_VERSION);
            return form_page(&state, &ctx, Some(id), form, errors).await;
        }
    };
    let now = state.now();
    let u = user.clone();
    let saved = state
        .db
        .write(move |c| service::update(c, &u, id, expected, &fields, now))
        .await?;
    match saved {
        Saved::Done(unit) => {
            flash(&session, "success", format!("已保存单位：{}", unit.name));
            Ok(redirect(&format!("/units/{id}")))
        }
        Saved::Invalid(errors) => form_page(&state, &ctx, Some(id), form, errors).await,
        Saved::Conflict(version) => {
            // The typed input again, with the version now stored: saving once more is a
            // deliberate overwrite by someone who has seen the message.
            let mut form = form;
            form.version = version.to_string();
            form_page(
                &state,
                &ctx,
                Some(id),
                form,
                FieldErrors::message(STALE_EDIT),
            )
            .await
        }
    }
}
