//! One rectification item: the form to create and edit it, and the saves (the page, its
//! acceptance and supervision notes are in `item_page`).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db::models::rect::RectTable;
use crate::domain::register::{RectArea, RectStatus};
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::forms::rect::ItemForm;
use crate::routes::ymd;
use crate::state::AppState;
use crate::views::{flash, redirect, render, render_status, BaseContext, PageCtx};

use super::{load_item, load_table};
use crate::services::rect::{self as service, ItemSaved, CLOSED_MEANWHILE};

// ---------------------------------------------------------------- item form

#[derive(Template)]
#[template(path = "rect/item_form.html")]
struct ItemFormPage {
    base: BaseContext,
    table_id: i32,
    table_title: String,
    editing: Option<i32>,
    /// Only the office moves a deadline directly; branches ask for an extension.
    deadline_locked: bool,
    form: ItemForm,
    errors: FieldErrors,
    areas: &'static [RectArea],
    statuses: &'static [RectStatus],
}

fn item_form_page(
    ctx: &PageCtx,
    user: &CurrentUser,
    table: &RectTable,
    editing: Option<i32>,
    form: ItemForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let page = ItemFormPage {
        base: ctx.base(if editing.is_some() {
            "修改整改事项"
        } else {
            "新增整改事项"
        }),
        table_id: table.id,
        table_title: table.title.clone(),
        editing,
        deadline_locked: editing.is_some() && !user.may(Capability::ChangeDeadlines),
        form,
        errors,
        areas: RectArea::ALL,
        statuses: RectStatus::BRANCH_SETTABLE,
    };
    if page.errors.is_empty() && status == StatusCode::OK {
        render(&page)
    } else {
        render_status(status, &page)
    }
}

pub(super) async fn new_item(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (t, unit, _) = state.db.run(move |c| load_table(c, id)).await?;
    user.require(Action::Write, &unit)?;
    let form = ItemForm {
        area: RectArea::Headquarters.code().into(),
        status: RectStatus::NotStarted.code().into(),
        ..Default::default()
    };
    item_form_page(
        &ctx,
        &user,
        &t,
        None,
        form,
        FieldErrors::new(),
        StatusCode::OK,
    )
}

pub(super) async fn create_item(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<ItemForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (t, unit, _) = state.db.run(move |c| load_table(c, id)).await?;
    user.require(Action::Write, &unit)?;
    let form = form.into_inner();
    let fields = match form.parse() {
        Ok(f) => f,
        Err(e) => {
            return item_form_page(
                &ctx,
                &user,
                &t,
                None,
                form,
                e,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    };
    let now = state.now();
    let u = user.clone();
    let item = state
        .db
        .write(move |c| service::create_item(c, &u, id, &fields, now))
        .await?;
    flash(&session, "success", "已新增整改事项。");
    Ok(redirect(&format!("/rect/items/{}", item.id)))
}

pub(super) async fn edit_item(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (item, unit, _, t) = state.db.run(move |c| load_item(c, id)).await?;
    user.require(Action::Write, &unit)?;
    if item.status() == RectStatus::Closed {
        return Err(closed_error());
    }
    item_form_page(
        &ctx,
        &user,
        &t,
        Some(id),
        ItemForm::from_item(&item),
        FieldErrors::new(),
        StatusCode::OK,
    )
}

fn closed_error() -> AppError {
    AppError::Conflict("该整改事项已验收销号，不能再修改。".into())
}

pub(super) async fn update_item(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<ItemForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (before, unit, _, t) = state.db.run(move |c| load_item(c, id)).await?;
    user.require(Action::Write, &unit)?;
    let form = form.into_inner();
    if before.status() == RectStatus::Closed {
        return item_form_page(
            &ctx,
            &user,
            &t,
            Some(id),
            form,
            FieldErrors::message(CLOSED_MEANWHILE),
            StatusCode::CONFLICT,
        );
    }
    let fields = match form.parse() {
        Ok(f) if !user.may(Capability::ChangeDeadlines) && f.deadline != before.deadline => {
            let mut e = FieldErrors::new();
            e.add(
                "deadline",
                format!(
                    "整改时限不能直接修改（当前为 {}），请提交延期申请",
                    ymd(before.deadline)
                ),
            );
            return item_form_page(
                &ctx,
                &user,
                &t,
                Some(id),
                form,
                e,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
        Ok(f) => f,
        Err(e) => {
            return item_form_page(
                &ctx,
                &user,
                &t,
                Some(id),
                form,
                e,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    };
    let Ok(version) = crate::db::edit_version(&form.version) else {
        return item_form_page(
            &ctx,
            &user,
            &t,
            Some(id),
            form,
            FieldErrors::message(crate::error::NO_VERSION),
            StatusCode::BAD_REQUEST,
        );
    };
    let now = state.now();
    let u = user.clone();
    let saved = state
        .db
        .write(move |c| service::update_item(c, &u, id, version, &fields, now))
        .await?;
    match saved {
        ItemSaved::Done => {
            flash(&session, "success", "已保存整改事项。");
            Ok(redirect(&format!("/rect/items/{id}")))
        }
        ItemSaved::Closed(e) => {
            item_form_page(&ctx, &user, &t, Some(id), form, e, StatusCode::CONFLICT)
        }
        ItemSaved::Stale(e, current) => {
            let mut form = form;
            form.version = current.to_string();
            item_form_page(&ctx, &user, &t, Some(id), form, e, StatusCode::CONFLICT)
        }
    }
}
