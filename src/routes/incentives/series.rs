//! 系列报道: report series (e.g. 党旗在一线高高飘扬) and their numbered issues, each on one
//! unit. Everyone signed in reads the series and the issues of the units in their scope; the
//! office adds, edits and deletes series and issues (a number is unique within its series).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db::models::history;
use crate::db::models::incentives::{self as q, Series, SeriesIssue, ISSUE_ENTITY, SERIES_ENTITY};
use crate::db::models::units::Unit;
use crate::db::DbConn;
use crate::domain::filters::FilterWords;
use crate::domain::validate::FieldErrors;
use crate::domain::Scope;
use crate::error::{AppError, AppResult};
use crate::forms::incentives::{IssueForm, SeriesForm};
use crate::routes::year_book::{BookSheet, Columns};
use crate::routes::{history_lines, writable_units, ymd, HistoryLine};
use crate::services::incentives::{self as service, Saved};
use crate::state::AppState;
use crate::views::units::{tree_rows, UnitRow};
use crate::views::{flash, redirect, render, render_status, BaseContext, PageCtx};
use crate::xlsx::{self, col, Column, Value};

use super::form::DeleteForm;
use super::{safe_link, year_of, Tabs};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/incentives/series", web::get().to(list))
        .route("/incentives/series", web::post().to(create))
        .route("/incentives/series/new", web::get().to(new_form))
        .route("/incentives/series/export", web::get().to(export_all))
        .route("/incentives/series/{sid:\\d+}", web::get().to(show))
        .route("/incentives/series/{sid:\\d+}", web::post().to(update))
        .route(
            "/incentives/series/{sid:\\d+}/export",
            web::get().to(export_one),
        )
        .route(
            "/incentives/series/{sid:\\d+}/edit",
            web::get().to(edit_form),
        )
        .route(
            "/incentives/series/{sid:\\d+}/delete",
            web::post().to(delete),
        )
        .route(
            "/incentives/series/{sid:\\d+}/issues",
            web::post().to(create_issue),
        )
        .route(
            "/incentives/series/{sid:\\d+}/issues/new",
            web::get().to(new_issue),
        )
        .route(
            "/incentives/series/{sid:\\d+}/issues/{iid:\\d+}",
            web::get().to(show_issue),
        )
        .route(
            "/incentives/series/{sid:\\d+}/issues/{iid:\\d+}",
            web::post().to(update_issue),
        )
        .route(
            "/incentives/series/{sid:\\d+}/issues/{iid:\\d+}/edit",
            web::get().to(edit_issue),
        )
        .route(
            "/incentives/series/{sid:\\d+}/issues/{iid:\\d+}/delete",
            web::post().to(delete_issue),
        );
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    year: Option<String>,
}

pub struct IssueRow {
    pub id: i32,
    pub series_id: i32,
    pub series_name: String,
    pub number: i32,
    pub unit_name: String,
    pub title: String,
    pub date: String,
    pub link: Option<String>,
    pub raw_link: String,
}

fn issue_row(series: &Series, i: SeriesIssue, unit: Unit) -> IssueRow {
    IssueRow {
        id: i.id,
        series_id: series.id,
        series_name: series.name.clone(),
        number: i.number,
        unit_name: unit.name,
        date: ymd(i.published_on),
        link: safe_link(&i.link),
        raw_link: i.link,
        title: i.title,
    }
}

pub struct SeriesRow {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub issues: i64,
}

#[derive(Template)]
#[template(path = "incentives/series_list.html")]
struct ListPage {
    base: BaseContext,
    tabs: Tabs,
    rows: Vec<SeriesRow>,
    can_manage: bool,
}

async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    let scope = user.scope();
    let all = state
        .db
        .run(move |c| Ok(q::series_list(c, &scope)?))
        .await?;
    render(&ListPage {
        base: ctx.base("系列报道"),
        tabs: Tabs::of(&user, "series"),
        rows: all
            .into_iter()
            .map(|(s, n)| SeriesRow {
                id: s.id,
                name: s.name,
                description: s.description,
                issues: n,
            })
            .collect(),
        can_manage: user.may(Capability::ManageIncentives),
    })
}

const EXPORT_COLUMNS: [Column; 6] = [
    col("系列", 24.0),
    col("期次", 8.0),
    col("单位", 24.0),
    col("标题", 40.0),
    col("刊发日期", 12.0),
    col("链接", 36.0),
];

fn export_rows(rows: Vec<IssueRow>) -> Vec<Vec<Value>> {
    rows.into_iter()
        .map(|r| {
            vec![
                Value::from(r.series_name),
                Value::from(format!("第{}期", r.number)),
                Value::from(r.unit_name),
                Value::from(r.title),
                Value::from(r.date),
                Value::from(r.raw_link),
            ]
        })
        .collect()
}

/// Every issue of every series in `scope` (of a year, when given), series by series.
fn all_issues(c: &mut DbConn, scope: &Scope, year: Option<i32>) -> AppResult<Vec<IssueRow>> {
    let mut out = Vec::new();
    for (s, _) in q::series_list(c, scope)? {
        for (i, u) in q::issues(c, s.id, scope, year)? {
            out.push(issue_row(&s, i, u));
        }
    }
    Ok(out)
}

/// 系列报道 of the year's workbook: every issue published in the year, every series, all
/// units (a few hundred a year: read at once, on the first page).
pub(crate) const BOOK_SHEET: BookSheet = BookSheet {
    name: "系列报道",
    title: "系列报道",
    note: "",
    columns: Columns::Fixed(|| EXPORT_COLUMNS.to_vec()),
    page: |c, year, offset, _limit| {
        if offset > 0 {
            return Ok(Vec::new());
        }
        Ok(export_rows(all_issues(
            c,
            &Scope::All,
            Some(year.campaign.year),
        )?))
    },
};

/// Every issue of every series in the user's scope (of a year, when given).
async fn export_all(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<YearQuery>,
) -> AppResult<HttpResponse> {
    let year = year_of(&query.year);
    let scope = user.scope();
    let rows = state.db.run(move |c| all_issues(c, &scope, year)).await?;
    let sheet = xlsx::Sheet::new("系列报道", state.now()).filter(
        "年度",
        year.map(|y| format!("{y}年"))
            .unwrap_or_else(|| "全部".into()),
    );
    xlsx::export(&sheet, &EXPORT_COLUMNS, &export_rows(rows))
}

async fn find_series(state: &AppState, sid: i32) -> AppResult<Series> {
    state
        .db
        .run(move |c| q::find_series(c, sid)?.ok_or(AppError::NotFound))
        .await
}

async fn export_one(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i32>,
    query: web::Query<YearQuery>,
) -> AppResult<HttpResponse> {
    let sid = path.into_inner();
    let year = year_of(&query.year);
    let scope = user.scope();
    let (s, rows) = state
        .db
        .run(move |c| {
            let s = q::find_series(c, sid)?.ok_or(AppError::NotFound)?;
            let rows: Vec<IssueRow> = q::issues(c, sid, &scope, year)?
                .into_iter()
                .map(|(i, u)| issue_row(&s, i, u))
                .collect();
            Ok((s, rows))
        })
        .await?;
    let sheet = xlsx::Sheet::new(format!("系列报道“{}”", s.name), state.now()).filter(
        "年度",
        year.map(|y| format!("{y}年"))
            .unwrap_or_else(|| "全部".into()),
    );
    xlsx::export(&sheet, &EXPORT_COLUMNS, &export_rows(rows))
}

#[derive(Template)]
#[template(path = "incentives/series_show.html")]
struct ShowPage {
    base: BaseContext,
    tabs: Tabs,
    s: Series,
    rows: Vec<IssueRow>,
    years: Vec<i32>,
    f_year: String,
    export_link: String,
    print_link: String,
    history: Vec<HistoryLine>,
    can_manage: bool,
    can_audit: bool,
}

async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
    query: web::Query<YearQuery>,
) -> AppResult<HttpResponse> {
    let sid = path.into_inner();
    let year = year_of(&query.year);
    let scope = user.scope();
    let (s, issues, all_years, changes) = state
        .db
        .run(move |c| {
            let s = q::find_series(c, sid)?.ok_or(AppError::NotFound)?;
            let all = q::issues(c, sid, &scope, None)?;
            let mut years: Vec<i32> = all.iter().map(|(i, _)| i.published_on.year()).collect();
            years.sort_unstable_by(|a, b| b.cmp(a));
            years.dedup();
            let issues: Vec<_> = all
                .into_iter()
                .filter(|(i, _)| year.is_none_or(|y| i.published_on.year() == y))
                .collect();
            let changes = history::list(c, SERIES_ENTITY, sid)?;
            Ok((s, issues, years, changes))
        })
        .await?;
    let qs = year.map(|y| format!("year={y}")).unwrap_or_default();
    let words = FilterWords::new().opt("年度", year.map(|y| format!("{y}年")));
    render(&ShowPage {
        base: ctx.base(format!("系列报道 · {}", s.name)).filters(&words),
        tabs: Tabs::of(&user, "series"),
        rows: issues
            .into_iter()
            .map(|(i, u)| issue_row(&s, i, u))
            .collect(),
        years: all_years,
        f_year: year.map(|y| y.to_string()).unwrap_or_default(),
        export_link: xlsx::export_link(&format!("/incentives/series/{sid}/export"), &qs),
        print_link: crate::views::paging::print_link(&qs),
        history: history_lines(changes),
        can_manage: user.may(Capability::ManageIncentives),
        can_audit: user.may(Capability::ReadAuditLog),
        s,
    })
}

// ---------------------------------------------------------------- series forms

#[derive(Template)]
#[template(path = "incentives/series_form.html")]
struct SeriesFormPage {
    base: BaseContext,
    editing: Option<i32>,
    form: SeriesForm,
    errors: FieldErrors,
}

fn status_of(errors: &FieldErrors) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else if errors.general().is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

fn series_form(
    ctx: &PageCtx,
    editing: Option<i32>,
    form: SeriesForm,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    render_status(
        status_of(&errors),
        &SeriesFormPage {
            base: ctx.base(if editing.is_some() {
                "编辑系列报道"
            } else {
                "新增系列报道"
            }),
            editing,
            form,
            errors,
        },
    )
}

async fn new_form(user: CurrentUser, ctx: PageCtx) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageIncentives)?;
    series_form(&ctx, None, SeriesForm::default(), FieldErrors::new())
}

async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageIncentives)?;
    let s = find_series(&state, path.into_inner()).await?;
    series_form(
        &ctx,
        Some(s.id),
        SeriesForm::from_series(&s),
        FieldErrors::new(),
    )
}

async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    body: web::Form<SeriesForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageIncentives)?;
    let form = body.into_inner();
    let fields = match form.parse() {
        Ok(f) => f,
        Err(e) => return series_form(&ctx, None, form, e),
    };
    let now = state.now();
    let u = user.clone();
    let f = fields.clone();
    match state
        .db
        .write(move |c| service::create_series(c, &u, &f, now))
        .await?
    {
        Saved::Done(id) => {
            flash(
                &session,
                "success",
                format!("已新增系列报道：{}", fields.name),
            );
            Ok(redirect(&format!("/incentives/series/{id}")))
        }
        Saved::Invalid(e) => series_form(&ctx, None, form, e),
        Saved::Conflict(_) => Err(AppError::Stale),
    }
}

async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<SeriesForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageIncentives)?;
    let sid = path.into_inner();
    find_series(&state, sid).await?;
    let mut form = body.into_inner();
    let expected = crate::db::edit_version(&form.version)?;
    let fields = match form.parse() {
        Ok(f) => f,
        Err(e) => return series_form(&ctx, Some(sid), form, e),
    };
    let now = state.now();
    let u = user.clone();
    match state
        .db
        .write(move |c| service::update_series(c, &u, sid, expected, &fields, now))
        .await?
    {
        Saved::Done(_) => {
            flash(&session, "success", "已保存系列报道。");
            Ok(redirect(&format!("/incentives/series/{sid}")))
        }
        Saved::Invalid(e) => series_form(&ctx, Some(sid), form, e),
        Saved::Conflict(current) => {
            form.version = current.to_string();
            series_form(
                &ctx,
                Some(sid),
                form,
                FieldErrors::message(crate::error::STALE_EDIT),
            )
        }
    }
}

async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<DeleteForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageIncentives)?;
    let sid = path.into_inner();
    find_series(&state, sid).await?;
    let expected = crate::db::edit_version(&form.version)?;
    let now = state.now();
    let u = user.clone();
    let s = state
        .db
        .write(move |c| service::delete_series(c, &u, sid, expected, now))
        .await?;
    flash(&session, "success", format!("已删除系列报道：{}", s.name));
    Ok(redirect("/incentives/series"))
}

// ---------------------------------------------------------------- issues

#[derive(Template)]
#[template(path = "incentives/issue_form.html")]
struct IssueFormPage {
    base: BaseContext,
    s: Series,
    editing: Option<i32>,
    form: IssueForm,
    errors: FieldErrors,
    units: Vec<UnitRow>,
}

async fn issue_form(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    s: Series,
    editing: Option<i32>,
    form: IssueForm,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let u = user.clone();
    let unit_list = state.db.run(move |c| writable_units(c, &u)).await?;
    render_status(
        status_of(&errors),
        &IssueFormPage {
            base: ctx.base(if editing.is_some() {
                format!("编辑“{}”期次", s.name)
            } else {
                format!("新增“{}”期次", s.name)
            }),
            s,
            editing,
            form,
            errors,
            units: tree_rows(&unit_list),
        },
    )
}

async fn new_issue(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageIncentives)?;
    let sid = path.into_inner();
    let s = find_series(&state, sid).await?;
    let next = state.db.run(move |c| Ok(q::next_number(c, sid)?)).await?;
    let form = IssueForm {
        number: next.to_string(),
        published_on: ymd(state.settings.clock.today()),
        ..Default::default()
    };
    issue_form(&state, &ctx, &user, s, None, form, FieldErrors::new()).await
}

async fn check_unit(state: &AppState, form: &IssueForm) -> AppResult<()> {
    if let Ok(uid) = form.unit_id.trim().parse::<i32>() {
        if state
            .db
            .run(move |c| Ok(crate::db::models::units::find(c, uid)?))
            .await?
            .is_none()
        {
            return Err(AppError::Forbidden);
        }
    }
    Ok(())
}

async fn create_issue(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<IssueForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageIncentives)?;
    let sid = path.into_inner();
    let s = find_series(&state, sid).await?;
    let form = body.into_inner();
    check_unit(&state, &form).await?;
    let fields = match form.parse(state.settings.clock.today()) {
        Ok(f) => f,
        Err(e) => return issue_form(&state, &ctx, &user, s, None, form, e).await,
    };
    let now = state.now();
    let u = user.clone();
    let f = fields.clone();
    match state
        .db
        .write(move |c| service::create_issue(c, &u, sid, &f, now))
        .await?
    {
        Saved::Done(_) => {
            flash(
                &session,
                "success",
                format!("已新增第{}期：{}", fields.number, fields.title),
            );
            Ok(redirect(&format!("/incentives/series/{sid}")))
        }
        Saved::Invalid(e) => issue_form(&state, &ctx, &user, s, None, form, e).await,
        Saved::Conflict(_) => Err(AppError::Stale),
    }
}

async fn load_issue(
    state: &AppState,
    user: &CurrentUser,
    sid: i32,
    iid: i32,
    action: Action,
) -> AppResult<(Series, SeriesIssue, Unit)> {
    let u = user.clone();
    state
        .db
        .run(move |c| service::load_issue(c, &u, sid, iid, action))
        .await
}

#[derive(Template)]
#[template(path = "incentives/issue_show.html")]
struct IssuePage {
    base: BaseContext,
    tabs: Tabs,
    s: Series,
    i: SeriesIssue,
    unit_name: String,
    date: String,
    link: Option<String>,
    history: Vec<HistoryLine>,
    can_manage: bool,
}

async fn show_issue(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<(i32, i32)>,
) -> AppResult<HttpResponse> {
    let (sid, iid) = path.into_inner();
    let (s, i, unit) = load_issue(&state, &user, sid, iid, Action::Read).await?;
    let changes = state
        .db
        .run(move |c| Ok(history::list(c, ISSUE_ENTITY, iid)?))
        .await?;
    render(&IssuePage {
        base: ctx
            .base(format!("{} · 第{}期", s.name, i.number))
            .unit(unit.name.clone()),
        tabs: Tabs::of(&user, "series"),
        unit_name: unit.name,
        date: ymd(i.published_on),
        link: safe_link(&i.link),
        history: history_lines(changes),
        can_manage: user.may(Capability::ManageIncentives),
        s,
        i,
    })
}

async fn edit_issue(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<(i32, i32)>,
) -> AppResult<HttpResponse> {
    let (sid, iid) = path.into_inner();
    let (s, i, _) = load_issue(&state, &user, sid, iid, Action::Write).await?;
    let form = IssueForm::from_issue(&i);
    issue_form(&state, &ctx, &user, s, Some(iid), form, FieldErrors::new()).await
}

async fn update_issue(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<(i32, i32)>,
    body: web::Form<IssueForm>,
) -> AppResult<HttpResponse> {
    let (sid, iid) = path.into_inner();
    let (s, _, _) = load_issue(&state, &user, sid, iid, Action::Write).await?;
    let mut form = body.into_inner();
    check_unit(&state, &form).await?;
    let expected = crate::db::edit_version(&form.version)?;
    let fields = match form.parse(state.settings.clock.today()) {
        Ok(f) => f,
        Err(e) => return issue_form(&state, &ctx, &user, s, Some(iid), form, e).await,
    };
    let now = state.now();
    let u = user.clone();
    match state
        .db
        .write(move |c| service::update_issue(c, &u, sid, iid, expected, &fields, now))
        .await?
    {
        Saved::Done(_) => {
            flash(&session, "success", "已保存期次。");
            Ok(redirect(&format!("/incentives/series/{sid}/issues/{iid}")))
        }
        Saved::Invalid(e) => issue_form(&state, &ctx, &user, s, Some(iid), form, e).await,
        Saved::Conflict(current) => {
            form.version = current.to_string();
            let e = FieldErrors::message(crate::error::STALE_EDIT);
            issue_form(&state, &ctx, &user, s, Some(iid), form, e).await
        }
    }
}

async fn delete_issue(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i32, i32)>,
    form: web::Form<DeleteForm>,
) -> AppResult<HttpResponse> {
    let (sid, iid) = path.into_inner();
    load_issue(&state, &user, sid, iid, Action::Write).await?;
    let expected = crate::db::edit_version(&form.version)?;
    let now = state.now();
    let u = user.clone();
    let i = state
        .db
        .write(move |c| service::delete_issue(c, &u, sid, iid, expected, now))
        .await?;
    flash(
        &session,
        "success",
        format!("已删除第{}期：{}", i.number, i.title),
    );
    Ok(redirect(&format!("/incentives/series/{sid}")))
}
