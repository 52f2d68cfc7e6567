//! Campaign years (office sets them up; everyone reads): settings, the 15 goals under
//! 严真细实快, monthly requirements (年内统筹), and each unit's implementation plan (实施方案).

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::clock::format_local;
use crate::db::models::campaigns::{self, Campaign, Goal, MonthRequirement, UnitPlan};
use crate::db::models::units;
use crate::domain::validate::FieldErrors;
use crate::domain::UnitKind;
use crate::error::{AppError, AppResult, STALE_EDIT};
use crate::state::AppState;
use crate::views::{render, render_form, BaseContext, PageCtx};

mod plans;
mod requirements;
mod settings;

use plans::{save_plan, show_plan};
use requirements::{update_goals, update_months};
use settings::{create, edit_form, new_form, update};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/campaigns", web::get().to(list))
        .route("/campaigns", web::post().to(create))
        .route("/campaigns/new", web::get().to(new_form))
        .route("/campaigns/{year}", web::get().to(show))
        .route("/campaigns/{year}", web::post().to(update))
        .route("/campaigns/{year}/edit", web::get().to(edit_form))
        .route("/campaigns/{year}/goals", web::post().to(update_goals))
        .route("/campaigns/{year}/months", web::post().to(update_months))
        .route("/campaigns/{year}/plans/{unit}", web::get().to(show_plan))
        .route("/campaigns/{year}/plans/{unit}", web::post().to(save_plan));
}

async fn load_campaign(state: &AppState, year: i32) -> AppResult<Campaign> {
    state
        .db
        .run(move |c| campaigns::by_year(c, year)?.ok_or(AppError::NotFound))
        .await
}

#[derive(Template)]
#[template(path = "campaigns/list.html")]
struct ListPage {
    base: BaseContext,
    rows: Vec<Campaign>,
    can_manage: bool,
}

async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    let rows = state.db.run(|c| Ok(campaigns::list(c)?)).await?;
    render(&ListPage {
        base: ctx.base("作风建设年度"),
        rows,
        can_manage: user.may(Capability::ManageCampaign),
    })
}

/// A goal with its style label, for display.
pub struct GoalRow {
    pub id: i32,
    pub style: &'static str,
    pub seq: i32,
    pub name: String,
    pub description: String,
}

impl From<&Goal> for GoalRow {
    fn from(g: &Goal) -> Self {
        GoalRow {
            id: g.id,
            style: g.style().label(),
            seq: g.seq,
            name: g.name.clone(),
            description: g.description.clone(),
        }
    }
}

pub struct MonthRow {
    pub month: i32,
    pub requirement: String,
    /// `11-25`
    pub due: String,
}

pub struct PlanRow {
    pub unit_id: i32,
    pub unit_name: String,
    pub depth: usize,
    pub title: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "campaigns/show.html")]
struct ShowPage {
    base: BaseContext,
    campaign: Campaign,
    goals: Vec<GoalRow>,
    months: Vec<MonthRow>,
    plans: Vec<PlanRow>,
    plans_done: usize,
    can_manage: bool,
    errors: FieldErrors,
    /// Hidden fields of the goals and months forms.
    goals_version: String,
    months_version: String,
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    ctx: &PageCtx,
    year: i32,
    errors: FieldErrors,
    typed: Option<&HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let campaign = load_campaign(state, year).await?;
    let scope = user.scope();
    let cid = campaign.id;
    let (goals, months, units, plans) = state
        .db
        .run(move |c| {
            let visible = units::in_scope(c, &scope)?;
            Ok((
                campaigns::goals(c, cid)?,
                campaigns::months(c, cid)?,
                visible,
                campaigns::plans(c, cid)?,
            ))
        })
        .await?;
    let by_unit: HashMap<i32, &UnitPlan> = plans.iter().map(|p| (p.unit_id, p)).collect();
    let top = units.iter().map(|u| u.depth()).min().unwrap_or(0);
    let plan_rows: Vec<PlanRow> = units
        .iter()
        .filter(|u| u.active && u.kind() != UnitKind::Committee)
        .map(|u| PlanRow {
            unit_id: u.id,
            unit_name: u.name.clone(),
            depth: u.depth() - top,
            title: by_unit
                .get(&u.id)
                .map(|p| p.title.clone())
                .unwrap_or_default(),
            updated: by_unit
                .get(&u.id)
                .map(|p| format_local(p.updated_at))
                .unwrap_or_default(),
        })
        .collect();
    let plans_done = plan_rows.iter().filter(|p| !p.title.is_empty()).count();
    // After a refused save the forms show what was typed, not what is stored.
    let typed_or = |key: String, stored: String| -> String {
        typed.and_then(|t| t.get(&key)).cloned().unwrap_or(stored)
    };
    // The version a form names: what was typed after a refused save, unless that save lost to
    // another (then the stored one, so saving again is deliberate).
    let version_refused = errors.general() == Some(STALE_EDIT);
    let version_of = |key: &str, stored: i32| -> String {
        if version_refused {
            stored.to_string()
        } else {
            typed_or(key.to_string(), stored.to_string())
        }
    };
    let goals_version = version_of("goals_version", campaign.goals_version);
    let months_version = version_of("months_version", campaign.months_version);
    let page = ShowPage {
        goals_version,
        months_version,
        base: ctx
            .base(campaign.name.clone())
            .period(format!("{}年", campaign.year)),
        goals: goals
            .iter()
            .map(|g| {
                let mut row = GoalRow::from(g);
                row.name = typed_or(format!("name_{}", g.id), row.name);
                row.description = typed_or(format!("desc_{}", g.id), row.description);
                row
            })
            .collect(),
        months: months
            .into_iter()
            .map(|m: MonthRequirement| MonthRow {
                due: campaign
                    .due_date(m.month as u32)
                    .map(|d| d.format("%m-%d").to_string())
                    .unwrap_or_default(),
                month: m.month,
                requirement: typed_or(format!("m{}", m.month), m.requirement),
            })
            .collect(),
        plans: plan_rows,
        plans_done,
        can_manage: user.may(Capability::ManageCampaign),
        campaign,
        errors,
    };
    render_form(&page, &page.errors)
}

async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    show_page(
        &state,
        &user,
        &ctx,
        path.into_inner(),
        FieldErrors::new(),
        None,
    )
    .await
}
