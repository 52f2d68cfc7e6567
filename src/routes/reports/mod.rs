//! Monthly reports (月度调度, DESIGN.md section 4): the month's page (own report or the
//! compliance table) and opening the month's draft here; the report page with save and
//! submission in `show`, its print in `print`; review steps, queues and batch approval are
//! the shared handlers of `routes::review`.

mod print;
mod show;

use std::collections::HashMap;

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::{CurrentUser, Scope};
use crate::clock::format_local;
use crate::db::models::campaigns;
use crate::db::models::reports::{self, Compliance, Report};
use crate::db::models::units::Unit;
use crate::domain::UnitKind;
use crate::error::{AppError, AppResult};
use crate::routes::review;
use crate::services::reports as service;
use crate::state::AppState;
use crate::views::{flash, redirect, render, BaseContext, PageCtx};
use crate::xlsx::{self, col, Column, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/reports", web::get().to(index))
        .route("/reports", web::post().to(open))
        .route("/reports/export", web::get().to(export))
        .route("/reports/queue", web::get().to(review::queue::<Report>))
        .route(
            "/reports/queue/export",
            web::get().to(review::export_queue::<Report>),
        )
        .route(
            "/reports/queue/approve",
            web::post().to(review::batch_approve::<Report>),
        )
        .route("/reports/{id}", web::get().to(show::show))
        .route("/reports/{id}", web::post().to(show::save))
        .route("/reports/{id}/submit", web::post().to(show::submit))
        .route(
            "/reports/{id}/approve",
            web::post().to(review::approve::<Report>),
        )
        .route(
            "/reports/{id}/return",
            web::post().to(review::return_back::<Report>),
        )
        .route("/reports/{id}/print", web::get().to(print::print));
}

// ---------------------------------------------------------------- the month's page

#[derive(Deserialize)]
pub struct MonthQuery {
    year: Option<String>,
    month: Option<String>,
}

pub struct ComplianceRow {
    /// 0 on time, 1 late, 2 missing, 3 pending: the counter it adds to.
    pub bucket: usize,
    pub unit_name: String,
    pub unit_code: String,
    pub report_id: Option<i32>,
    pub compliance: &'static str,
    pub compliance_code: &'static str,
    pub state: &'static str,
    pub submitted_at: String,
}

pub struct MineView {
    pub id: i32,
    pub state: &'static str,
    pub submitted_at: String,
    pub late: bool,
}

#[derive(Template)]
#[template(path = "reports/index.html")]
struct IndexPage {
    base: BaseContext,
    year: i32,
    month: i32,
    years: Vec<i32>,
    due: String,
    has_campaign: bool,
    is_branch: bool,
    can_open: bool,
    mine: Option<MineView>,
    show_table: bool,
    rows: Vec<ComplianceRow>,
    counts: [usize; 4],
    export_link: String,
    can_queue: bool,
}

fn parse_month(q: &MonthQuery, today: chrono::NaiveDate) -> (i32, i32) {
    let year = q
        .year
        .as_deref()
        .and_then(|s| s.trim().parse::<i32>().ok())
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(today.year());
    let month = q
        .month
        .as_deref()
        .and_then(|s| s.trim().parse::<i32>().ok())
        .filter(|m| (1..=12).contains(m))
        .unwrap_or(today.month() as i32);
    (year, month)
}

/// The compliance table's lines: each branch in scope with its report of the month, judged
/// against the month's due date (no lines when the year has no campaign).
fn compliance_rows(
    table: Vec<(Unit, Option<Report>)>,
    due: Option<chrono::NaiveDate>,
    today: chrono::NaiveDate,
) -> Vec<ComplianceRow> {
    let Some(due) = due else {
        return Vec::new();
    };
    table
        .into_iter()
        .map(|(u, r)| {
            let comp = Compliance::of(r.as_ref().map(|r| r.filed()), due, today);
            ComplianceRow {
                bucket: comp.count_index(),
                unit_name: u.name,
                unit_code: u.code,
                report_id: r.as_ref().map(|r| r.id),
                compliance: comp.label(),
                compliance_code: comp.code(),
                state: r.as_ref().map_or("未建立", |r| r.state().label()),
                submitted_at: r
                    .as_ref()
                    .and_then(|r| r.submitted_at)
                    .map(format_local)
                    .unwrap_or_default(),
            }
        })
        .collect()
}

const COMPLIANCE_COLUMNS: [Column; 4] = [
    col("党支部", 30.0),
    col("报送情况", 10.0),
    col("状态", 12.0),
    col("提交时间", 18.0),
];

/// The month's compliance table as the office or a general branch sees it.
async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<MonthQuery>,
) -> AppResult<HttpResponse> {
    let scope = user.scope();
    if matches!(scope, Scope::Unit(_)) {
        return Err(AppError::Forbidden);
    }
    let today = state.settings.clock.today();
    let (year, month) = parse_month(&q, today);
    let (campaign, table) = state
        .db
        .run(move |c| {
            Ok((
                campaigns::by_year(c, year)?,
                reports::compliance(c, &scope, year, month)?,
            ))
        })
        .await?;
    let due = campaign
        .as_ref()
        .and_then(|c| c.due_date(month as u32))
        .ok_or(AppError::NotFound)?;
    let data: Vec<Vec<Value>> = compliance_rows(table, Some(due), today)
        .into_iter()
        .map(|r| {
            vec![
                Value::from(r.unit_name),
                Value::from(r.compliance),
                Value::from(r.state),
                Value::from(r.submitted_at),
            ]
        })
        .collect();
    xlsx::export(
        &format!("{year}年{month}月月度调度报送情况"),
        &COMPLIANCE_COLUMNS,
        &data,
    )
}

async fn index(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    q: web::Query<MonthQuery>,
) -> AppResult<HttpResponse> {
    let today = state.settings.clock.today();
    let (year, month) = parse_month(&q, today);
    let scope = user.scope();
    let is_branch = user.unit_kind == UnitKind::Branch;
    let show_table = !matches!(scope, Scope::Unit(_));
    let uid = user.unit_id;
    let sc = scope.clone();
    let (campaign, years, mine, table) = state
        .db
        .run(move |c| {
            let campaign = campaigns::by_year(c, year)?;
            let years: Vec<i32> = campaigns::years(c)?;
            let mine = if is_branch {
                reports::by_period(c, uid, year, month)?
            } else {
                None
            };
            let table = if show_table {
                reports::compliance(c, &sc, year, month)?
            } else {
                Vec::new()
            };
            Ok((campaign, years, mine, table))
        })
        .await?;
    let due = campaign.as_ref().and_then(|c| c.due_date(month as u32));
    let rows = compliance_rows(table, due, today);
    let mut counts = [0usize; 4];
    for r in &rows {
        counts[r.bucket] += 1;
    }
    let not_future = (year, month) <= (today.year(), today.month() as i32);
    render(&IndexPage {
        base: ctx.base("月度调度").period(format!("{year}年{month}月")),
        year,
        month,
        years,
        due: due
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        has_campaign: campaign.is_some(),
        is_branch,
        can_open: is_branch
            && campaign.is_some()
            && not_future
            && user.may(Capability::CreateRecords),
        mine: mine.map(|r| MineView {
            id: r.id,
            state: r.state().label(),
            submitted_at: r.submitted_at.map(format_local).unwrap_or_default(),
            late: r.late,
        }),
        show_table,
        rows,
        counts,
        export_link: format!("/reports/export?year={year}&month={month}"),
        can_queue: user.may(Capability::SeeReviewQueues),
    })
}

// ---------------------------------------------------------------- open a draft

async fn open(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let pairs: HashMap<String, String> = body.into_inner().into_iter().collect();
    let get = |k: &str| {
        pairs
            .get(k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let today = state.settings.clock.today();
    let year: i32 = get("year")
        .parse()
        .map_err(|_| AppError::BadRequest("年度无效。".into()))?;
    let month: i32 = get("month")
        .parse()
        .ok()
        .filter(|m| (1..=12).contains(m))
        .ok_or_else(|| AppError::BadRequest("月份无效。".into()))?;
    let unit_id: i32 = match get("unit_id").as_str() {
        "" => user.unit_id,
        s => s
            .parse()
            .map_err(|_| AppError::BadRequest("单位无效。".into()))?,
    };
    if (year, month) > (today.year(), today.month() as i32) {
        return Err(AppError::BadRequest("不能填报未来月份的月度调度。".into()));
    }
    let now = state.now();
    let u = user.clone();
    let result = state
        .db
        .write(move |c| service::open(c, &u, unit_id, year, month, now))
        .await;
    let (id, created) = match result {
        Ok(v) => v,
        // Two first clicks at once on PostgreSQL: the second insert meets the unique key.
        Err(AppError::Internal(e)) => {
            let again = state
                .db
                .run(move |c| Ok(reports::by_period(c, unit_id, year, month)?))
                .await?;
            match again {
                Some(r) => (r.id, false),
                None => return Err(AppError::Internal(e)),
            }
        }
        Err(e) => return Err(e),
    };
    if created {
        flash(&session, "success", "已新建本月月度调度草稿，请逐项填写。");
    }
    Ok(redirect(&format!("/reports/{id}")))
}
