//! Each unit's implementation plan (实施方案) for a year: read by those who read the unit, written by its own unit.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::{Action, CurrentUser};
use crate::clock::format_local;
use crate::db;
use crate::db::models::attachments::Owner;
use crate::db::models::campaigns::{self, Campaign};
use crate::db::models::units;
use crate::domain::validate::{self, FieldErrors};
use crate::error::{AppError, AppResult, NO_VERSION, STALE_EDIT};
use crate::routes::attachments::FileList;
use crate::services::campaigns as service;
use crate::state::AppState;
use crate::views::{flash, redirect, render_form, BaseContext, PageCtx};

use super::load_campaign;

#[derive(Template)]
#[template(path = "campaigns/plan.html")]
struct PlanPage {
    base: BaseContext,
    campaign: Campaign,
    unit_id: i32,
    unit_name: String,
    title: String,
    content: String,
    version: String,
    updated: String,
    can_write: bool,
    errors: FieldErrors,
    files: Option<FileList>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PlanForm {
    title: String,
    content: String,
    /// Hidden: the plan's version when the form was read (0: no plan yet).
    version: String,
}

async fn plan_page(
    state: &AppState,
    user: &CurrentUser,
    ctx: &PageCtx,
    year: i32,
    unit_id: i32,
    typed: Option<(PlanForm, FieldErrors)>,
) -> AppResult<HttpResponse> {
    let campaign = load_campaign(state, year).await?;
    let unit = state.db.run(move |c| Ok(units::get(c, unit_id)?)).await?;
    user.require(Action::Read, &unit)?;
    let can_write = user.can(Action::Write, &unit);
    let cid = campaign.id;
    let back = format!("/campaigns/{year}/plans/{unit_id}");
    let (plan, files) = state
        .db
        .run(move |c| {
            let plan = campaigns::plan(c, cid, unit_id)?;
            let files = match &plan {
                Some(p) => Some(FileList::load(c, Owner::UnitPlan, p.id, back, can_write)?),
                None => None,
            };
            Ok((plan, files))
        })
        .await?;
    // The version the form names: the stored one on a fresh page and after a lost save (so
    // saving again is deliberate); otherwise what the refused form carried.
    let stored = plan.as_ref().map_or(0, |p| p.version).to_string();
    let (form, errors) = match typed {
        Some((mut form, errors)) => {
            if errors.general() == Some(STALE_EDIT) {
                form.version = stored;
            }
            (form, errors)
        }
        None => (
            PlanForm {
                title: plan.as_ref().map(|p| p.title.clone()).unwrap_or_else(|| {
                    format!("{}践行“严、真、细、实、快”工作作风实施方案", unit.name)
                }),
                content: plan.as_ref().map(|p| p.content.clone()).unwrap_or_default(),
                version: stored,
            },
            FieldErrors::new(),
        ),
    };
    let version = form.version;
    let page = PlanPage {
        base: ctx
            .base(format!("{}实施方案", unit.name))
            .unit(unit.name.clone())
            .period(format!("{}年", campaign.year)),
        unit_id,
        unit_name: unit.name.clone(),
        title: form.title,
        content: form.content,
        version,
        updated: plan
            .as_ref()
            .map(|p| format_local(p.updated_at))
            .unwrap_or_default(),
        can_write,
        errors,
        files,
        campaign,
    };
    render_form(&page, &page.errors)
}

pub(super) async fn show_plan(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<(i32, i32)>,
) -> AppResult<HttpResponse> {
    let (year, unit_id) = path.into_inner();
    plan_page(&state, &user, &ctx, year, unit_id, None).await
}

pub(super) async fn save_plan(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<(i32, i32)>,
    form: web::Form<PlanForm>,
) -> AppResult<HttpResponse> {
    let (year, unit_id) = path.into_inner();
    let (campaign, unit) = state
        .db
        .run(move |c| {
            let campaign = campaigns::by_year(c, year)?.ok_or(AppError::NotFound)?;
            Ok((campaign, units::get(c, unit_id)?))
        })
        .await?;
    user.require(Action::Write, &unit)?;
    let form = form.into_inner();
    let mut errors = FieldErrors::new();
    let title = validate::required_text(&mut errors, "title", "方案名称", &form.title, 100);
    let content =
        validate::required_text(&mut errors, "content", "方案内容", &form.content, 20_000);
    if !errors.is_empty() {
        return plan_page(&state, &user, &ctx, year, unit_id, Some((form, errors))).await;
    }
    let Ok(expected) = db::edit_version(&form.version) else {
        let e = FieldErrors::message(NO_VERSION);
        return plan_page(&state, &user, &ctx, year, unit_id, Some((form, e))).await;
    };
    let now = state.now();
    let me = user.clone();
    let cid = campaign.id;
    let saved = state
        .db
        .write(move |c| {
            service::save_plan(c, &me, cid, year, unit_id, expected, &title, &content, now)
        })
        .await;
    match saved {
        Ok(()) => {}
        Err(AppError::Stale) => {
            let e = FieldErrors::message(STALE_EDIT);
            return plan_page(&state, &user, &ctx, year, unit_id, Some((form, e))).await;
        }
        Err(e) => return Err(e),
    }
    flash(
        &session,
        "success",
        "实施方案已保存，可在下方上传方案文件。",
    );
    Ok(redirect(&format!("/campaigns/{year}/plans/{unit_id}")))
}
