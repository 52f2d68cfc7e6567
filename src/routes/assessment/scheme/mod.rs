//! /assessment/scheme (issue 12): the 千分制 scheme of a year as a tree table (areas with their
//! subtotals, items with 序号, kind, points, 评分标准 and 系统数据来源), the 1000-point check,
//! its print view and .xlsx export — every signed-in user reads it. The office creates a
//! year's scheme and edits its title and notes (`form`), the whole indicator tree on one page
//! (`tree`) and imports it from .xlsx (`excel`).

mod excel;
mod form;
mod tree;

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db::models::assessment::{self as model, Indicator, Scheme, SCHEME_ENTITY};
use crate::db::models::{campaigns, history, units};
use crate::domain::assessment::{check_full_marks, Points};
use crate::error::AppResult;
use crate::routes::{history_lines, non_empty, HistoryLine};
use crate::state::AppState;
use crate::views::{render, BaseContext, PageCtx};
use crate::xlsx::{self, col, Column, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/assessment/scheme", web::get().to(show))
        .route("/assessment/scheme", web::post().to(form::create))
        .route("/assessment/scheme/new", web::get().to(form::new_form))
        .route("/assessment/scheme/export", web::get().to(export))
        .route(
            "/assessment/scheme/import/template",
            web::get().to(excel::template),
        )
        .route("/assessment/scheme/{id}", web::post().to(form::update))
        .route(
            "/assessment/scheme/{id}/edit",
            web::get().to(form::edit_form),
        )
        .route(
            "/assessment/scheme/{id}/tree",
            web::get().to(tree::edit_form),
        )
        .route("/assessment/scheme/{id}/tree", web::post().to(tree::save))
        .route(
            "/assessment/scheme/{id}/import",
            web::get().to(excel::import_form),
        )
        .route(
            "/assessment/scheme/{id}/import",
            web::post().to(excel::import),
        );
}

/// The page's address for a year.
pub fn link(year: i32) -> String {
    format!("/assessment/scheme?year={year}")
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    year: Option<String>,
}

/// The year asked for, else the current campaign's, else this year.
async fn chosen_year(state: &AppState, q: &YearQuery) -> AppResult<i32> {
    if let Some(y) = non_empty(&q.year)
        .and_then(|y| y.parse::<i32>().ok())
        .filter(|y| (2000..=2100).contains(y))
    {
        return Ok(y);
    }
    let today = state.settings.clock.today();
    let current = state
        .db
        .run(move |c| Ok(campaigns::current(c, today)?))
        .await?;
    Ok(current.map_or(today.year(), |c| c.year))
}

/// One row of the tree table (and of the export).
pub struct TreeRow {
    pub area: bool,
    pub seq: String,
    pub area_name: String,
    pub name: String,
    pub kind: &'static str,
    pub points: String,
    pub rule: String,
    pub source: &'static str,
}

/// The stored tree as rows, areas with the sum of their items.
pub fn tree_rows(inds: &[Indicator]) -> Vec<TreeRow> {
    let mut rows = Vec::with_capacity(inds.len());
    let (mut a, mut i) = (0, 0);
    let mut area_name = String::new();
    for ind in inds {
        if ind.is_area() {
            a += 1;
            i = 0;
            area_name = ind.name.clone();
            let subtotal: Points = inds
                .iter()
                .filter(|x| x.parent_id == Some(ind.id))
                .map(Indicator::max)
                .sum();
            rows.push(TreeRow {
                area: true,
                seq: a.to_string(),
                area_name: area_name.clone(),
                name: ind.name.clone(),
                kind: "",
                points: subtotal.to_string(),
                rule: String::new(),
                source: "",
            });
        } else {
            i += 1;
            rows.push(TreeRow {
                area: false,
                seq: format!("{a}.{i}"),
                area_name: area_name.clone(),
                name: ind.name.clone(),
                kind: ind.kind().map_or("", |k| k.label()),
                points: ind.max().to_string(),
                rule: ind.rule.clone(),
                source: ind.source().map_or("", |s| s.label()),
            });
        }
    }
    rows
}

/// The leaves' sum in words, and the check's message when it is not 1000.
pub fn sum_line(inds: &[Indicator]) -> (String, Option<String>) {
    let leaves: Vec<Points> = inds
        .iter()
        .filter(|i| !i.is_area())
        .map(Indicator::max)
        .collect();
    let n = leaves.len();
    let sum: Points = leaves.iter().copied().sum();
    match check_full_marks(leaves) {
        Ok(()) => (format!("共 {n} 项考核细项，合计 1000 分"), None),
        Err(m) => (format!("共 {n} 项考核细项，合计 {sum} 分"), Some(m)),
    }
}

#[derive(Template)]
#[template(path = "assessment/scheme/show.html")]
struct ShowPage {
    base: BaseContext,
    year: i32,
    years: Vec<i32>,
    scheme: Option<Scheme>,
    rows: Vec<TreeRow>,
    sum: String,
    sum_error: Option<String>,
    can_manage: bool,
    frozen: bool,
    previous: Option<i32>,
    history: Vec<HistoryLine>,
    print_link: String,
}

/// Years to choose from: the campaigns', the schemes' and the one shown, newest first.
fn years_with(mut years: Vec<i32>, more: Vec<i32>, year: i32) -> Vec<i32> {
    years.extend(more);
    years.push(year);
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    years
}

/// The committee's name (the root of the tree), for the print header.
fn committee(c: &mut crate::db::DbConn) -> AppResult<String> {
    Ok(units::all(c)?
        .into_iter()
        .find(|u| u.parent_id.is_none())
        .map(|u| u.name)
        .unwrap_or_default())
}

async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<YearQuery>,
) -> AppResult<HttpResponse> {
    let year = chosen_year(&state, &query).await?;
    let (scheme, inds, years, frozen, previous, changes, unit) = state
        .db
        .run(move |c| {
            let scheme = model::scheme_for_year(c, year)?;
            let (inds, frozen, changes) = match &scheme {
                Some(s) => (
                    model::indicators(c, s.id)?,
                    model::sheets_past_draft(c, s.id)? > 0,
                    history::list(c, SCHEME_ENTITY, s.id)?,
                ),
                None => (Vec::new(), false, Vec::new()),
            };
            let years = years_with(campaigns::years(c)?, model::scheme_years(c)?, year);
            let previous = model::previous_scheme(c, year)?.map(|s| s.year);
            Ok((
                scheme,
                inds,
                years,
                frozen,
                previous,
                changes,
                committee(c)?,
            ))
        })
        .await?;
    let (sum, sum_error) = sum_line(&inds);
    render(&ShowPage {
        base: ctx
            .base(format!("{year}年度千分制考核方案"))
            .unit(unit)
            .period(format!("{year}年度")),
        year,
        years,
        rows: tree_rows(&inds),
        sum,
        sum_error,
        can_manage: user.may(Capability::ManageAssessment),
        frozen,
        previous,
        history: history_lines(changes.into_iter().take(50).collect()),
        scheme,
        print_link: format!("?year={year}&print=1"),
    })
}

pub const H_AREA: &str = "考核内容";
pub const H_ITEM: &str = "考核细项";
pub const H_KIND: &str = "类型";
pub const H_POINTS: &str = "分值";
pub const H_RULE: &str = "评分标准";
pub const H_SOURCE: &str = "系统数据来源";

pub const COLUMNS: [Column; 6] = [
    col(H_AREA, 16.0),
    col(H_ITEM, 24.0),
    col(H_KIND, 10.0),
    col(H_POINTS, 8.0),
    col(H_RULE, 60.0),
    col(H_SOURCE, 18.0),
];

/// The scheme's leaves as sheet rows (an area without items as a row of its own), as the
/// import reads them back.
pub fn sheet_rows(inds: &[Indicator]) -> Vec<Vec<Value>> {
    let rows = tree_rows(inds);
    let mut out = Vec::new();
    for (n, r) in rows.iter().enumerate() {
        if r.area {
            let has_items = rows.get(n + 1).is_some_and(|x| !x.area);
            if !has_items {
                out.push(vec![
                    Value::from(r.name.clone()),
                    Value::Empty,
                    Value::Empty,
                    Value::Empty,
                    Value::Empty,
                    Value::Empty,
                ]);
            }
            continue;
        }
        let points = r.points.parse::<f64>().map_or(Value::Empty, Value::Number);
        out.push(vec![
            Value::from(r.area_name.clone()),
            Value::from(r.name.clone()),
            Value::from(r.kind),
            points,
            Value::from(r.rule.clone()),
            if r.source.is_empty() {
                Value::Empty
            } else {
                Value::from(r.source)
            },
        ]);
    }
    out
}

async fn export(
    state: web::Data<AppState>,
    _user: CurrentUser,
    query: web::Query<YearQuery>,
) -> AppResult<HttpResponse> {
    let year = chosen_year(&state, &query).await?;
    let (scheme, inds) = state
        .db
        .run(move |c| {
            let scheme = model::scheme_for_year(c, year)?;
            let inds = match &scheme {
                Some(s) => model::indicators(c, s.id)?,
                None => Vec::new(),
            };
            Ok((scheme, inds))
        })
        .await?;
    let (sum, _) = sum_line(&inds);
    let sheet = xlsx::Sheet::new(format!("{year}年度千分制考核方案"), state.now())
        .filter("年度", format!("{year}年度"))
        .filter(
            "方案",
            scheme.map_or("本年度尚未制定考核方案".to_string(), |s| s.title),
        )
        .filter("合计", sum);
    xlsx::export(&sheet, &COLUMNS, &sheet_rows(&inds))
}
