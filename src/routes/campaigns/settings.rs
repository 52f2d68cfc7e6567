//! A campaign year's settings (office): create and edit the year, its due day, yellow days
//! and yearly 学时 quota.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult, NO_VERSION, STALE_EDIT};
use crate::forms::campaigns::CampaignForm;
use crate::services::campaigns as service;
use crate::state::AppState;
use crate::views::{flash, redirect, render_form, BaseContext, PageCtx};

use super::load_campaign;

#[derive(Template)]
#[template(path = "campaigns/form.html")]
struct FormPage {
    base: BaseContext,
    editing: Option<i32>,
    form: CampaignForm,
    errors: FieldErrors,
}

fn form_page(
    ctx: &PageCtx,
    editing: Option<i32>,
    form: CampaignForm,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let page = FormPage {
        base: ctx.base(if editing.is_some() {
            "年度设置"
        } else {
            "新建作风建设年度"
        }),
        editing,
        form,
        errors,
    };
    render_form(&page, &page.errors)
}

pub(super) async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageCampaign)?;
    let year = chrono::Datelike::year(&state.settings.clock.today()) + 1;
    form_page(
        &ctx,
        None,
        CampaignForm {
            year: year.to_string(),
            name: format!("{year}年“严、真、细、实、快”工作作风建设"),
            due_day: "25".into(),
            yellow_days: "7".into(),
            hours_quota: Some(crate::services::coverage::DEFAULT_HOURS_QUOTA.to_string()),
            version: String::new(),
        },
        FieldErrors::new(),
    )
}

pub(super) async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    form: web::Form<CampaignForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageCampaign)?;
    let form = form.into_inner();
    let f = match form.parse() {
        Ok(f) => f,
        Err(errors) => return form_page(&ctx, None, form, errors),
    };
    let now = state.now();
    let me = user.clone();
    let year = f.year;
    let created = state
        .db
        .write(move |c| service::create(c, &me, &f, now))
        .await?;
    match created {
        Some(_) => {
            flash(
                &session,
                "success",
                format!("已新建 {year} 年度，15 个工作目标已按实施方案生成。"),
            );
            Ok(redirect(&format!("/campaigns/{year}")))
        }
        None => {
            let mut errors = FieldErrors::new();
            errors.add("year", format!("{year} 年度已存在"));
            form_page(&ctx, None, form, errors)
        }
    }
}

pub(super) async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageCampaign)?;
    let c = load_campaign(&state, path.into_inner()).await?;
    form_page(
        &ctx,
        Some(c.year),
        CampaignForm {
            year: c.year.to_string(),
            name: c.name,
            due_day: c.due_day.to_string(),
            yellow_days: c.yellow_days.to_string(),
            hours_quota: Some(c.hours_quota.to_string()),
            version: c.version.to_string(),
        },
        FieldErrors::new(),
    )
}

pub(super) async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<CampaignForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageCampaign)?;
    let year = path.into_inner();
    let before = load_campaign(&state, year).await?;
    let mut form = form.into_inner();
    form.year = year.to_string();
    let f = match form.parse() {
        Ok(f) => f,
        Err(errors) => return form_page(&ctx, Some(year), form, errors),
    };
    let Ok(expected) = db::edit_version(&form.version) else {
        return form_page(&ctx, Some(year), form, FieldErrors::message(NO_VERSION));
    };
    let now = state.now();
    let me = user.clone();
    let saved = state
        .db
        .write(move |c| service::update_settings(c, &me, &before, expected, &f, now))
        .await;
    match saved {
        Ok(()) => {
            flash(&session, "success", "年度设置已保存。");
            Ok(redirect(&format!("/campaigns/{year}")))
        }
        Err(AppError::Stale) => {
            form.version = load_campaign(&state, year).await?.version.to_string();
            form_page(&ctx, Some(year), form, FieldErrors::message(STALE_EDIT))
        }
        Err(e) => Err(e),
    }
}
