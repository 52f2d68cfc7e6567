//! Monthly reports (月度调度, DESIGN.md section 4): the month's page (own report and the
//! branch's reports of every month, or the compliance table grouped by 党总支 with 催报 in
//! `compliance`) and opening the month's draft here; the report page with save and
//! submission in `show`, its print in `print`; review steps, queues and batch approval are
//! the shared handlers of `routes::review`.

pub mod compliance;
mod print;
mod show;
pub(crate) mod year_sheets;

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
use crate::domain::UnitKind;
use crate::error::{AppError, AppResult};
use crate::routes::review;
use crate::services::reports as service;
use crate::state::{AppState, ListKey};
use crate::views::paging::Paging;
use crate::views::{flash, redirect, render, BaseContext, KeptHtml, PageCtx};
use crate::xlsx::{self, col, Column, Value};
use compliance::ComplianceTable;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/reports", web::get().to(index))
        .route("/reports", web::post().to(open))
        .route("/reports/export", web::get().to(export))
        .route("/reports/remind", web::post().to(compliance::remind))
        .route(
            "/reports/remind-all",
            web::post().to(compliance::remind_all),
        )
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
    /// The compliance table of one unit and what lies under it (e.g. the dashboard's link for
    /// one 党总支).
    unit: Option<String>,
    /// The page of the branch's own report list.
    page: Option<String>,
}

/// The unit the month's table is narrowed to (`unit=`).
pub struct Narrowed {
    pub id: i32,
    pub name: String,
}

/// The scope of the month's table (`routes::narrowed_scope`), with `&unit=ID` for the page's
/// own links.
async fn table_scope(
    state: &AppState,
    user: &CurrentUser,
    q: &MonthQuery,
) -> AppResult<(Scope, String, Option<Narrowed>)> {
    let (scope, unit) = crate::routes::narrowed_scope(state, user, &q.unit).await?;
    Ok(match unit {
        Some(u) => (
            scope,
            format!("&unit={}", u.id),
            Some(Narrowed {
                id: u.id,
                name: u.name,
            }),
        ),
        None => (scope, String::new(), None),
    })
}

/// What the month's page reads, kept until the next write.
struct IndexView {
    has_campaign: bool,
    due: String,
    years: Vec<i32>,
    mine: Option<MineView>,
    history: Vec<HistoryRow>,
    total: i64,
    table: ComplianceTable,
    /// The table as HTML, without and with the 催报 buttons ([`ComplianceRows`]).
    table_html: [KeptHtml; 2],
}

pub struct MineView {
    pub id: i32,
    pub state: &'static str,
    pub submitted_at: String,
    pub late: bool,
}

/// One of the branch's own reports, in the list of every month.
pub struct HistoryRow {
    pub id: i32,
    pub period: String,
    pub year: i32,
    pub month: i32,
    pub state: &'static str,
    pub compliance: &'static str,
    pub badge: &'static str,
    pub submitted_at: String,
}

#[derive(Template)]
#[template(path = "reports/index.html")]
struct IndexPage<'a> {
    base: BaseContext,
    year: i32,
    month: i32,
    years: Vec<i32>,
    due: String,
    has_campaign: bool,
    is_branch: bool,
    can_open: bool,
    mine: Option<&'a MineView>,
    history: &'a [HistoryRow],
    history_paging: Paging,
    show_table: bool,
    table: &'a ComplianceTable,
    /// The table's rows, kept rendered ([`ComplianceRows`]).
    table_html: &'a str,
    /// 催报 buttons are shown (the user may urge, the month is not in the future).
    can_remind: bool,
    export_link: String,
    can_queue: bool,
    /// The table narrowed to one unit and what lies under it (`unit=`).
    narrowed: Option<Narrowed>,
}

/// The month's table with a row per branch: rendered once per write for each of with and
/// without the 催报 buttons, and kept with the view.
#[derive(Template)]
#[template(path = "reports/compliance_table.html")]
struct ComplianceRows<'a> {
    table: &'a ComplianceTable,
    can_remind: bool,
}

/// Reports of the branch's own list per page.
const HISTORY_PER_PAGE: i64 = 12;

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

fn history_row(r: Report, today: chrono::NaiveDate) -> HistoryRow {
    let comp = Compliance::of(Some(r.filed()), r.due_date, today);
    HistoryRow {
        id: r.id,
        period: r.period(),
        year: r.year,
        month: r.month,
        state: r.state().label(),
        compliance: comp.label(),
        badge: comp.count_code(),
        submitted_at: r.submitted_at.map(format_local).unwrap_or_default(),
    }
}

const COMPLIANCE_COLUMNS: [Column; 5] = [
    col("党总支", 22.0),
    col("党支部", 30.0),
    col("报送情况", 14.0),
    col("状态", 12.0),
    col("提交时间", 18.0),
];

/// The month's compliance table as the office or a general branch sees it: grouped by
/// 党总支, each group followed by its subtotal row, the totals last.
async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<MonthQuery>,
) -> AppResult<HttpResponse> {
    if matches!(user.scope(), Scope::Unit(_)) {
        return Err(AppError::Forbidden);
    }
    let (scope, _, _) = table_scope(&state, &user, &q).await?;
    let today = state.settings.clock.today();
    let (year, month) = parse_month(&q, today);
    let (campaign, loaded) = state
        .db
        .run(move |c| {
            Ok((
                campaigns::by_year(c, year)?,
                compliance::load(c, &scope, year, month, today)?,
            ))
        })
        .await?;
    let due = campaign
        .as_ref()
        .and_then(|c| c.due_date(month as u32))
        .ok_or(AppError::NotFound)?;
    let data: Vec<Vec<Value>> =
        compliance::export_rows(compliance::build(loaded, Some(due), today));
    let sheet = xlsx::Sheet::new(format!("{year}年{month}月月度调度报送情况"), state.now())
        .filter("年度", format!("{year}年"))
        .filter("月份", format!("{month}月"));
    xlsx::export(&sheet, &COMPLIANCE_COLUMNS, &data)
}

async fn index(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    q: web::Query<MonthQuery>,
) -> AppResult<HttpResponse> {
    let today = state.settings.clock.today();
    let (year, month) = parse_month(&q, today);
    let show_table = !matches!(user.scope(), Scope::Unit(_));
    let (scope, unit_q, narrowed) = table_scope(&state, &user, &q).await?;
    let is_branch = user.unit_kind == UnitKind::Branch;
    let uid = user.unit_id;
    let sc = scope.clone();
    let mut paging = Paging::new(q.page.as_deref(), HISTORY_PER_PAGE);
    paging.query = format!("year={year}&month={month}{unit_q}");
    let offset = paging.offset();
    // Kept per scope, month, page and day until the next write (a branch's own reports are
    // in the key through its scope, or its unit for one placed on a branch).
    let own = if is_branch { uid } else { 0 };
    let key = ListKey::new(
        "reports index",
        scope.clone(),
        format!("{}&page={}&own={own}", paging.query, paging.page),
        today,
    );
    let view = state
        .kept_or_read(key, || {
            state.db.run(move |c| {
                let campaign = campaigns::by_year(c, year)?;
                let years: Vec<i32> = campaigns::years(c)?;
                let (mine, (history, total)) = if is_branch {
                    (
                        reports::by_period(c, uid, year, month)?,
                        reports::of_unit(c, uid, offset, HISTORY_PER_PAGE)?,
                    )
                } else {
                    (None, (Vec::new(), 0))
                };
                let due = campaign.as_ref().and_then(|c| c.due_date(month as u32));
                let table = if show_table {
                    compliance::build(compliance::load(c, &sc, year, month, today)?, due, today)
                } else {
                    ComplianceTable::default()
                };
                Ok(IndexView {
                    has_campaign: campaign.is_some(),
                    due: due
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                    years,
                    mine: mine.map(|r| MineView {
                        id: r.id,
                        state: r.state().label(),
                        submitted_at: r.submitted_at.map(format_local).unwrap_or_default(),
                        late: r.late,
                    }),
                    history: history.into_iter().map(|r| history_row(r, today)).collect(),
                    total,
                    table,
                    table_html: Default::default(),
                })
            })
        })
        .await?;
    paging.total = view.total;
    let not_future = (year, month) <= (today.year(), today.month() as i32);
    let can_remind = not_future && user.may(Capability::RemindReports);
    let table_html = if show_table && view.has_campaign {
        view.table_html[usize::from(can_remind)].get_or_render(|| {
            ComplianceRows {
                table: &view.table,
                can_remind,
            }
            .render()
        })?
    } else {
        ""
    };
    render(&IndexPage {
        base: ctx
            .base("月度调度")
            .period(format!("{year}年{month}月"))
            .unit(
                narrowed
                    .as_ref()
                    .map(|n| n.name.clone())
                    .unwrap_or_default(),
            ),
        year,
        month,
        years: view.years.clone(),
        due: view.due.clone(),
        has_campaign: view.has_campaign,
        is_branch,
        can_open: is_branch
            && view.has_campaign
            && not_future
            && user.may(Capability::CreateRecords),
        mine: view.mine.as_ref(),
        history: &view.history,
        history_paging: paging,
        show_table,
        table: &view.table,
        table_html,
        can_remind,
        export_link: format!("/reports/export?year={year}&month={month}{unit_q}"),
        can_queue: user.may(Capability::SeeReviewQueues),
        narrowed,
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
