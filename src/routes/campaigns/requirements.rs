//! The year's 15 goals and monthly requirements (年内统筹), edited together on the year's page (office).

use std::collections::HashMap;

use actix_session::Session;
use actix_web::{web, HttpResponse};

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db;
use crate::db::models::campaigns;
use crate::domain::register::GOAL_SEPARATORS;
use crate::domain::validate::{self, FieldErrors};
use crate::error::{AppError, AppResult, NO_VERSION, STALE_EDIT};
use crate::services::campaigns::{self as service, GoalChange};
use crate::state::AppState;
use crate::views::{flash, redirect, PageCtx};

use super::{load_campaign, show_page};

/// Goals are edited together: fields `name_<id>` and `desc_<id>`.
pub(super) async fn update_goals(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageCampaign)?;
    let year = path.into_inner();
    let (cid, goals) = state
        .db
        .run(move |c| {
            let campaign = campaigns::by_year(c, year)?.ok_or(AppError::NotFound)?;
            Ok((campaign.id, campaigns::goals(c, campaign.id)?))
        })
        .await?;
    let mut errors = FieldErrors::new();
    let mut changes = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for g in &goals {
        let name_raw = form
            .get(&format!("name_{}", g.id))
            .map(String::as_str)
            .unwrap_or(&g.name);
        let desc_raw = form
            .get(&format!("desc_{}", g.id))
            .map(String::as_str)
            .unwrap_or(&g.description);
        let name = validate::required_text(
            &mut errors,
            "goals",
            &format!("目标“{}”的名称", g.name),
            name_raw,
            30,
        );
        if name.contains(GOAL_SEPARATORS) {
            errors.add(
                "goals",
                format!(
                    "目标名称“{name}”不能含有顿号、逗号、分号、斜杠或空格（导入时用它们分隔多个目标）"
                ),
            );
        } else if !name.is_empty() && names.contains(&name) {
            errors.add(
                "goals",
                format!("目标名称“{name}”重复，同一年度的目标名称须各不相同"),
            );
        }
        names.push(name.clone());
        let desc = validate::optional_text(&mut errors, "goals", "目标说明", desc_raw, 500)
            .unwrap_or_default();
        if name != g.name || desc != g.description {
            changes.push(GoalChange {
                id: g.id,
                old_name: g.name.clone(),
                old_description: g.description.clone(),
                name,
                description: desc,
            });
        }
    }
    if !errors.is_empty() {
        return show_page(&state, &user, &ctx, year, errors, Some(&*form)).await;
    }
    let raw_version = form.get("goals_version").map(String::as_str).unwrap_or("");
    let Ok(expected) = db::edit_version(raw_version) else {
        let e = FieldErrors::message(NO_VERSION);
        return show_page(&state, &user, &ctx, year, e, Some(&*form)).await;
    };
    let now = state.now();
    let me = user.clone();
    let n = changes.len();
    let saved = state
        .db
        .write(move |c| service::update_goals(c, &me, cid, year, expected, &changes, now))
        .await;
    match saved {
        Ok(()) => {}
        Err(AppError::Stale) => {
            let e = FieldErrors::message(STALE_EDIT);
            return show_page(&state, &user, &ctx, year, e, Some(&*form)).await;
        }
        Err(e) => return Err(e),
    }
    flash(
        &session,
        "success",
        format!("工作目标已保存（{n} 项有改动）。"),
    );
    Ok(redirect(&format!("/campaigns/{year}#goals")))
}

/// Monthly requirements are edited together: fields `m1` … `m12`.
pub(super) async fn update_months(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageCampaign)?;
    let year = path.into_inner();
    let campaign = load_campaign(&state, year).await?;
    let mut errors = FieldErrors::new();
    let mut texts = Vec::new();
    for m in 1..=12 {
        let raw = form.get(&format!("m{m}")).map(String::as_str).unwrap_or("");
        let text =
            validate::optional_text(&mut errors, "months", &format!("{m}月工作要求"), raw, 2000);
        texts.push((m, text.unwrap_or_default()));
    }
    if !errors.is_empty() {
        return show_page(&state, &user, &ctx, year, errors, Some(&*form)).await;
    }
    let raw_version = form.get("months_version").map(String::as_str).unwrap_or("");
    let Ok(expected) = db::edit_version(raw_version) else {
        let e = FieldErrors::message(NO_VERSION);
        return show_page(&state, &user, &ctx, year, e, Some(&*form)).await;
    };
    let now = state.now();
    let me = user.clone();
    let cid = campaign.id;
    let saved = state
        .db
        .write(move |c| service::update_months(c, &me, cid, year, expected, &texts, now))
        .await;
    match saved {
        Ok(()) => {}
        Err(AppError::Stale) => {
            let e = FieldErrors::message(STALE_EDIT);
            return show_page(&state, &user, &ctx, year, e, Some(&*form)).await;
        }
        Err(e) => return Err(e),
    }
    flash(&session, "success", "每月工作要求已保存。");
    Ok(redirect(&format!("/campaigns/{year}#months")))
}
