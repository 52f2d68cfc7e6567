//! The 配档表 of a unit and year: the list (with its Excel export), create, rename, delete,
//! and one table with its items.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db::models::campaigns::{self, Campaign};
use crate::db::models::rect::{self, TableFilter};
use crate::db::models::taskforce;
use crate::db::models::units::{self, Unit};
use crate::db::DbConn;
use crate::domain::filters::FilterWords;
use crate::domain::register::RectStatus;
use crate::domain::validate::{self, FieldErrors};
use crate::domain::Scope;
use crate::error::{AppError, AppResult};
use crate::routes::year_book::{BookSheet, Columns};
use crate::routes::{non_empty, unit_in_words};
use crate::services::rect::{self as service, Renamed, Saved};
use crate::state::AppState;
use crate::views::units::filter_name;
use crate::views::{flash, redirect, render, BaseContext, PageCtx, Paging};
use crate::xlsx::{self, Column, Value};

use super::{
    item_line, keep, load_table, narrowed_unit, parse_year, unit_options, ItemLine, UnitOption,
};

// ---------------------------------------------------------------- list of tables

#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    year: Option<String>,
    unit: Option<String>,
    page: Option<String>,
}

pub struct TableLine {
    pub id: i32,
    pub title: String,
    pub unit_name: String,
    pub total: i64,
    pub by_status: Vec<i64>,
    pub red: i64,
    pub yellow: i64,
    pub green: i64,
    pub notes: i64,
}

#[derive(Template)]
#[template(path = "rect/list.html")]
struct ListPage<'a> {
    base: BaseContext,
    campaign_name: Option<&'a str>,
    year: i32,
    years: &'a [i32],
    units: std::sync::Arc<String>,
    rows: &'a [TableLine],
    export_link: String,
    paging: Paging,
    statuses: &'static [RectStatus],
    can_create: bool,
    can_decide_extensions: bool,
}

/// What the list of tables reads for a filter: the chosen campaign, the years, one page
/// (or all, for the export) of table lines and their total.
struct TablesRead {
    campaign: Option<Campaign>,
    years: Vec<i32>,
    rows: Vec<TableLine>,
    total: i64,
}

/// What the list of tables shows for a filter: what it read (a page kept until the next
/// write: each line counts its items by status and light), the units in scope, the year.
struct TablesSelection {
    read: std::sync::Arc<TablesRead>,
    /// The units of the user's scope, as kept ([`AppState::scope_units`]).
    visible: std::sync::Arc<Vec<Unit>>,
    year: i32,
    unit: String,
    query: String,
}

/// One page of the tables `f` chooses, each with its items counted (by status, by signal as
/// seen on `today`); and the number of tables.
fn table_lines(
    c: &mut DbConn,
    f: &TableFilter,
    camp: &Campaign,
    today: NaiveDate,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<TableLine>, i64)> {
    let (tables, total) = rect::list_tables(c, f, offset, limit)?;
    let ids: Vec<i32> = tables.iter().map(|(t, _)| t.id).collect();
    let mut stats = rect::table_stats(c, &ids, today, camp.yellow_days)?;
    let rows = tables
        .into_iter()
        .map(|(t, unit)| {
            let s = stats.remove(&t.id).unwrap_or_default();
            TableLine {
                id: t.id,
                title: t.title,
                unit_name: unit.name,
                total: s.total,
                by_status: if s.by_status.is_empty() {
                    vec![0; RectStatus::ALL.len()]
                } else {
                    s.by_status
                },
                red: s.red,
                yellow: s.yellow,
                green: s.green,
                notes: s.notes,
            }
        })
        .collect();
    Ok((rows, total))
}

async fn select_tables(
    state: &AppState,
    user: &CurrentUser,
    query: &ListQuery,
    at: crate::state::PageAt,
) -> AppResult<TablesSelection> {
    let today = state.settings.clock.today();
    let year = parse_year(&query.year);
    let unit_id = non_empty(&query.unit).and_then(|u| u.parse::<i32>().ok());
    let unit_path = narrowed_unit(state, user, unit_id).await?;
    let scope = user.scope();
    let visible = state.scope_units(&scope).await?;
    let unit = unit_id.map(|u| u.to_string()).unwrap_or_default();
    let key = crate::state::ListKey::new(
        "rect_tables",
        scope.clone(),
        keep(&[
            ("year", &year.map(|y| y.to_string()).unwrap_or_default()),
            ("unit", &unit),
        ]),
        today,
    );
    let (offset, limit) = (at.offset(), at.per_page);
    let read = state
        .list_page(key, at, || {
            state.db.run(move |c| {
                let campaign = campaigns::chosen(c, year, today)?;
                let years: Vec<i32> = campaigns::years(c)?;
                let (mut rows, mut total) = (Vec::new(), 0);
                if let Some(camp) = &campaign {
                    let f = TableFilter {
                        campaign_id: camp.id,
                        scope: Some(scope.clone()),
                        unit_path,
                    };
                    (rows, total) = table_lines(c, &f, camp, today, offset, limit)?;
                }
                Ok(TablesRead {
                    campaign,
                    years,
                    rows,
                    total,
                })
            })
        })
        .await?;
    let year_shown = read
        .campaign
        .as_ref()
        .map_or(year.unwrap_or(today.year()), |c| c.year);
    let query = keep(&[("year", &year_shown.to_string()), ("unit", &unit)]);
    Ok(TablesSelection {
        read,
        visible,
        year: year_shown,
        unit,
        query,
    })
}

pub(super) async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let mut paging = Paging::new(query.page.as_deref(), Paging::PER_PAGE).printing(ctx.print_view);
    let sel = select_tables(&state, &user, &query, paging.at()).await?;
    paging.total = sel.read.total;
    paging.query = sel.query;
    let can_create = sel.visible.iter().any(|u| user.can(Action::Write, u));
    let words = FilterWords::new()
        .add("年度", format!("{}年", sel.year))
        .opt("单位", filter_name(&sel.visible, sel.unit.parse().ok()));
    render(&ListPage {
        base: ctx.base("整改配档表").wide().filters(&words),
        campaign_name: sel.read.campaign.as_ref().map(|c| c.name.as_str()),
        year: sel.year,
        years: &sel.read.years,
        units: crate::views::units::unit_choices(&state, &user.scope(), sel.unit.parse().ok())
            .await?,
        rows: &sel.read.rows,
        export_link: xlsx::export_link("/rect/tables/export", &paging.query),
        paging,
        statuses: RectStatus::ALL,
        can_create,
        can_decide_extensions: user.may(Capability::DecideExtensions),
    })
}

pub(super) async fn export_tables(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    // Every table, read now (a print-sized page is never kept).
    let all = crate::state::PageAt {
        page: 1,
        per_page: xlsx::EXPORT_LIMIT,
        print: true,
    };
    let sel = select_tables(&state, &user, &query, all).await?;
    let campaign = sel.read.campaign.as_ref().ok_or(AppError::NotFound)?;
    let data = table_export_rows(&sel.read.rows);
    let columns = table_columns();
    let sheet = xlsx::Sheet::new(format!("{}年整改配档表一览", campaign.year), state.now())
        .filter("年度", format!("{}年", campaign.year))
        .filter("单位", unit_in_words(&state, sel.unit.parse().ok()).await?);
    xlsx::export(&sheet, &columns, &data)
}

/// The export's columns: the table, its unit, its items and their counts by status and signal.
fn table_columns() -> Vec<Column> {
    let mut columns = vec![
        xlsx::col("配档表", 30.0),
        xlsx::col("单位", 24.0),
        xlsx::col("事项", 8.0),
    ];
    columns.extend(RectStatus::ALL.iter().map(|s| xlsx::col(s.label(), 9.0)));
    columns.extend([
        xlsx::col("逾期", 8.0),
        xlsx::col("临期", 8.0),
        xlsx::col("正常", 8.0),
        xlsx::col("督办意见", 10.0),
    ]);
    columns
}

fn table_export_rows(rows: &[TableLine]) -> Vec<Vec<Value>> {
    rows.iter()
        .map(|r| {
            let mut row = vec![
                Value::from(r.title.clone()),
                Value::from(r.unit_name.clone()),
                Value::from(r.total),
            ];
            row.extend(r.by_status.iter().copied().map(Value::from));
            row.extend([r.red, r.yellow, r.green, r.notes].map(Value::from));
            row
        })
        .collect()
}

/// 整改配档表 of the year's workbook: every table of the campaign, all units.
pub(crate) const BOOK_SHEET: BookSheet = BookSheet {
    name: "整改配档表",
    title: "整改配档表一览",
    note: "",
    columns: Columns::Fixed(table_columns),
    page: |c, year, offset, limit| {
        let f = TableFilter {
            campaign_id: year.campaign.id,
            scope: Some(Scope::All),
            unit_path: None,
        };
        let (rows, _) = table_lines(c, &f, &year.campaign, year.today, offset, limit)?;
        Ok(table_export_rows(&rows))
    },
};

// ---------------------------------------------------------------- create / rename / delete tables

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct TableForm {
    year: String,
    unit_id: String,
    title: String,
    /// Hidden: the version the rename form was read at.
    version: String,
}

#[derive(Template)]
#[template(path = "rect/table_form.html")]
struct TableFormPage {
    base: BaseContext,
    editing: Option<i32>,
    form: TableForm,
    errors: FieldErrors,
    units: Vec<UnitOption>,
    years: Vec<i32>,
}

async fn table_form_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    editing: Option<i32>,
    form: TableForm,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let scope = user.scope();
    let (visible, years) = state
        .db
        .run(move |c| {
            let visible = units::in_scope(c, &scope)?;
            let years: Vec<i32> = campaigns::years(c)?;
            Ok((visible, years))
        })
        .await?;
    let writable: Vec<Unit> = visible
        .into_iter()
        .filter(|u| user.can(Action::Write, u))
        .collect();
    let page = TableFormPage {
        base: ctx.base(if editing.is_some() {
            "修改配档表名称"
        } else {
            "新建整改配档表"
        }),
        editing,
        form,
        errors,
        units: unit_options(&writable),
        years,
    };
    crate::views::render_form(&page, &page.errors)
}

#[derive(Deserialize, Default)]
pub(super) struct NewTableQuery {
    year: Option<String>,
}

pub(super) async fn new_table(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<NewTableQuery>,
) -> AppResult<HttpResponse> {
    let today = state.settings.clock.today();
    let year = parse_year(&query.year).unwrap_or(today.year());
    let unit_id = if user.may(Capability::RecordForAnyUnit) {
        String::new()
    } else {
        user.unit_id.to_string()
    };
    let form = TableForm {
        year: year.to_string(),
        title: if user.may(Capability::RecordForAnyUnit) {
            String::new()
        } else {
            format!("{}作风建设问题整改工作配档表", user.unit_name)
        },
        unit_id,
        version: String::new(),
    };
    table_form_page(&state, &ctx, &user, None, form, FieldErrors::new()).await
}

pub(super) async fn create_table(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    form: web::Form<TableForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let mut e = FieldErrors::new();
    let title = validate::required_text(&mut e, "title", "配档表名称", &form.title, 100);
    let unit_id = validate::chosen_id(&mut e, "unit_id", "单位", &form.unit_id);
    let year = match form.year.trim().parse::<i32>() {
        Ok(y) => Some(y),
        Err(_) => {
            e.add("year", "请选择年度");
            None
        }
    };
    // The unit decides who may create: check it before anything else is said about the form.
    if let Some(uid) = unit_id {
        let unit = state.db.run(move |c| Ok(units::find(c, uid)?)).await?;
        match unit {
            Some(u) => user.require(Action::Write, &u)?,
            None => e.add("unit_id", "单位不存在"),
        }
    }
    if !e.is_empty() {
        return table_form_page(&state, &ctx, &user, None, form, e).await;
    }
    let (Some(unit_id), Some(year)) = (unit_id, year) else {
        return table_form_page(&state, &ctx, &user, None, form, e).await;
    };
    let now = state.now();
    let u = user.clone();
    let saved = state
        .db
        .write(move |c| service::create_table(c, &u, year, unit_id, &title, now))
        .await?;
    match saved {
        Saved::Done(t) => {
            flash(&session, "success", format!("已新建配档表：{}", t.title));
            Ok(redirect(&format!("/rect/tables/{}", t.id)))
        }
        Saved::Invalid(e) => table_form_page(&state, &ctx, &user, None, form, e).await,
    }
}

pub(super) async fn edit_table(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (t, unit, campaign) = state.db.run(move |c| load_table(c, id)).await?;
    user.require(Action::Write, &unit)?;
    let form = TableForm {
        year: campaign.year.to_string(),
        unit_id: unit.id.to_string(),
        title: t.title,
        version: t.version.to_string(),
    };
    table_form_page(&state, &ctx, &user, Some(id), form, FieldErrors::new()).await
}

pub(super) async fn rename_table(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<TableForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (_, unit, campaign) = state.db.run(move |c| load_table(c, id)).await?;
    user.require(Action::Write, &unit)?;
    let mut form = form.into_inner();
    // Unit and year of a table never change.
    form.unit_id = unit.id.to_string();
    form.year = campaign.year.to_string();
    let mut e = FieldErrors::new();
    let title = validate::required_text(&mut e, "title", "配档表名称", &form.title, 100);
    if !e.is_empty() {
        return table_form_page(&state, &ctx, &user, Some(id), form, e).await;
    }
    let expected = match crate::db::edit_version(&form.version) {
        Ok(v) => v,
        Err(_) => {
            let e = FieldErrors::message(crate::error::NO_VERSION);
            return table_form_page(&state, &ctx, &user, Some(id), form, e).await;
        }
    };
    let now = state.now();
    let u = user.clone();
    let renamed = state
        .db
        .write(move |c| service::rename_table(c, &u, id, expected, &title, now))
        .await?;
    match renamed {
        Renamed::Done(t) => {
            flash(&session, "success", format!("已保存配档表：{}", t.title));
            Ok(redirect(&format!("/rect/tables/{id}")))
        }
        Renamed::Stale(version) => {
            // Renamed meanwhile: the typed name again, at the stored version.
            form.version = version.to_string();
            let e = FieldErrors::message(crate::error::STALE_EDIT);
            table_form_page(&state, &ctx, &user, Some(id), form, e).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DeleteTableForm {
    version: String,
}

pub(super) async fn delete_table(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<DeleteTableForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let expected = match crate::db::edit_version(&form.version) {
        Ok(v) => v,
        Err(e) => {
            // 404 and 403 come before a form without its version.
            let (_, unit, _) = state.db.run(move |c| load_table(c, id)).await?;
            user.require(Action::Write, &unit)?;
            return Err(e);
        }
    };
    let now = state.now();
    let u = user.clone();
    let t = state
        .db
        .write(move |c| service::delete_table(c, &u, id, expected, now))
        .await?;
    flash(&session, "success", format!("已删除配档表：{}", t.title));
    Ok(redirect("/rect"))
}

// ---------------------------------------------------------------- one table

#[derive(Template)]
#[template(path = "rect/table.html")]
struct TablePage {
    base: BaseContext,
    id: i32,
    title: String,
    /// For the delete form.
    version: i32,
    unit_name: String,
    year: i32,
    rows: Vec<ItemLine>,
    can_write: bool,
    notes_total: i64,
    red: usize,
    yellow: usize,
    mine: bool,
}

pub(super) async fn show_table(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let today = state.settings.clock.today();
    let supervisor = user.may(Capability::SuperviseRectification);
    let u = user.clone();
    // One checkout for the table, the check and its items.
    let ((t, unit, campaign), (items, notes, mine)) = state
        .db
        .run(move |c| {
            let (t, unit, campaign) = load_table(c, id)?;
            u.require(Action::Read, &unit)?;
            let items = rect::items_of_table(c, id)?;
            let notes = rect::note_counts_of_table(c, id)?;
            let mine = supervisor && taskforce::is_mine(&taskforce::units_of(c, u.id)?, &unit.path);
            Ok(((t, unit, campaign), (items, notes, mine)))
        })
        .await?;
    let rows: Vec<ItemLine> = items
        .into_iter()
        .map(|i| {
            let n = notes.get(&i.id).copied().unwrap_or(0);
            item_line(i, today, campaign.yellow_days, n)
        })
        .collect();
    render(&TablePage {
        base: ctx
            .base(t.title.clone())
            .wide()
            .unit(unit.name.clone())
            .period(format!("{}年", campaign.year)),
        id,
        notes_total: rows.iter().map(|r| r.notes).sum(),
        red: rows.iter().filter(|r| r.light.code == "red").count(),
        yellow: rows.iter().filter(|r| r.light.code == "yellow").count(),
        rows,
        title: t.title,
        version: t.version,
        unit_name: unit.name.clone(),
        year: campaign.year,
        can_write: user.can(Action::Write, &unit),
        mine,
    })
}
