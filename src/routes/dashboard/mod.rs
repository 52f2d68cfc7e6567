//! The dashboard (统计看板, issue 13): `GET /dashboard?year=&month=&unit=` (the page, `show`)
//! and `GET /dashboard/briefing.docx?year=&month=&unit=` (the monthly briefing, `briefing`).
//! Both read the same period and scope: the user's units, narrowed to one unit and what lies
//! under it by `unit` (a unit outside the user's scope answers 403).

pub mod briefing;
pub mod data;
pub mod show;

use actix_web::web;
use chrono::Datelike;

use crate::auth::CurrentUser;
use crate::db::models::units::Unit;
use crate::domain::Scope;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/dashboard", web::get().to(show::page)).route(
        "/dashboard/briefing.docx",
        web::get().to(briefing::download),
    );
}

/// The query both addresses take; empty or missing values fall back to today's period and
/// the user's whole scope.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PeriodQuery {
    pub year: Option<String>,
    pub month: Option<String>,
    pub unit: Option<String>,
}

/// What a dashboard or briefing covers: the year and month, the unit picked (if any) and the
/// scope its queries use (the user's scope, or the picked unit's subtree).
#[derive(Debug, Clone)]
pub struct Period {
    pub year: i32,
    pub month: u32,
    /// The unit picked with `unit=`, inside the user's scope.
    pub unit: Option<Unit>,
    pub scope: Scope,
    /// The scope's name for headings: the picked unit, the user's own unit for a narrowed
    /// user, or the committee's name for everyone's.
    pub scope_name: String,
}

impl Period {
    /// `unit=ID` for the links into the lists (empty when no unit was picked).
    pub fn unit_param(&self) -> String {
        self.unit
            .as_ref()
            .map(|u| format!("&unit={}", u.id))
            .unwrap_or_default()
    }

    /// The picked unit's path: the lists' "this unit and what lies under it".
    pub fn unit_path(&self) -> Option<String> {
        self.unit.as_ref().map(|u| u.path.clone())
    }

    /// The committee's view: every unit, nothing picked.
    pub fn committee_wide(&self) -> bool {
        matches!(self.scope, Scope::All)
    }
}

/// Read the period of `q` for `user`: a year 2000–2100 (default: this year), a month 1–12
/// (default: this month; January–December of another year defaults to December), and a unit
/// in the user's scope (403 otherwise; a unit that does not exist is 403 too).
pub async fn period(state: &AppState, user: &CurrentUser, q: &PeriodQuery) -> AppResult<Period> {
    let today = state.settings.clock.today();
    let year = match crate::routes::non_empty(&q.year) {
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| AppError::BadRequest("年度无效。".into()))?,
        None => today.year(),
    };
    let month = match crate::routes::non_empty(&q.month) {
        Some(m) => m
            .parse::<u32>()
            .ok()
            .filter(|m| (1..=12).contains(m))
            .ok_or_else(|| AppError::BadRequest("月份无效。".into()))?,
        None if year == today.year() => today.month(),
        None if year < today.year() => 12,
        None => 1,
    };
    let (scope, unit) = crate::routes::narrowed_scope(state, user, &q.unit).await?;
    let scope_name = unit
        .as_ref()
        .map_or_else(|| user.unit_name.clone(), |u| u.name.clone());
    Ok(Period {
        year,
        month,
        unit,
        scope,
        scope_name,
    })
}
