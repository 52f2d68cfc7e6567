//! Rectification (问题导向抓整改, DESIGN.md F2 and 2b): work scheduling tables (工作配档表) per
//! unit and year, their items with deadline lights, closure only after acceptance (验收销号),
//! extension requests (延期申请) decided by the office, supervision notes (督办) from the
//! office, and the 配档表 in Excel both ways.

use actix_multipart::form::{bytes::Bytes, MultipartForm};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::auth::{Action, CurrentUser};
use crate::clock::format_local;
use crate::db::models::attachments::Owner;
use crate::db::models::campaigns::{self, Campaign};
use crate::db::models::rect::{
    self, ItemFields, ItemFilter, RectItem, RectTable, TableFilter, ITEM,
};
use crate::db::models::units::{self, Unit};
use crate::db::models::{audit, history, taskforce, users};
use crate::db::DbConn;
use crate::domain::register::{ExtensionStatus, RectArea, RectStatus};
use crate::domain::validate::{self, FieldErrors};
use crate::domain::Light;
use crate::error::{AppError, AppResult};
use crate::routes::attachments::FileList;
use crate::routes::non_empty;
use crate::startup::AppState;
use crate::views::{flash, redirect, render, render_status, BaseContext, PageCtx, Paging};
use crate::xlsx::{self, Formats, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/rect", web::get().to(list))
        .route("/rect/export", web::get().to(export_items))
        .route("/rect/items", web::get().to(items))
        .route("/rect/extensions", web::get().to(extensions))
        .route("/rect/extensions/export", web::get().to(export_extensions))
        .route("/rect/extensions/{id}/approve", web::post().to(approve))
        .route("/rect/extensions/{id}/refuse", web::post().to(refuse))
        .route("/rect/tables", web::post().to(create_table))
        .route("/rect/tables/new", web::get().to(new_table))
        .route("/rect/tables/export", web::get().to(export_tables))
        .route("/rect/tables/{id}", web::get().to(show_table))
        .route("/rect/tables/{id}", web::post().to(rename_table))
        .route("/rect/tables/{id}/edit", web::get().to(edit_table))
        .route("/rect/tables/{id}/delete", web::post().to(delete_table))
        .route("/rect/tables/{id}/export", web::get().to(export_table))
        .route("/rect/tables/{id}/import", web::get().to(import_form))
        .route("/rect/tables/{id}/import", web::post().to(import))
        .route(
            "/rect/tables/{id}/import/template",
            web::get().to(import_template),
        )
        .route("/rect/tables/{id}/items", web::post().to(create_item))
        .route("/rect/tables/{id}/items/new", web::get().to(new_item))
        .route("/rect/items/{id}", web::get().to(show_item))
        .route("/rect/items/{id}", web::post().to(update_item))
        .route("/rect/items/{id}/edit", web::get().to(edit_item))
        .route("/rect/items/{id}/accept", web::post().to(accept))
        .route(
            "/rect/items/{id}/reject-acceptance",
            web::post().to(reject_acceptance),
        )
        .route(
            "/rect/items/{id}/extensions",
            web::post().to(request_extension),
        )
        .route("/rect/items/{id}/notes", web::post().to(add_note));
}

// ---------------------------------------------------------------- shared bits

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A query string of the non-empty pairs.
fn keep(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

fn parse_year(raw: &Option<String>) -> Option<i32> {
    non_empty(raw)
        .and_then(|y| y.parse::<i32>().ok())
        .filter(|y| (1900..=9999).contains(y))
}

pub struct UnitOption {
    pub id: i32,
    pub name: String,
    pub depth: usize,
}

fn unit_options(units: &[Unit]) -> Vec<UnitOption> {
    let top = units.iter().map(Unit::depth).min().unwrap_or(0);
    units
        .iter()
        .map(|u| UnitOption {
            id: u.id,
            name: u.name.clone(),
            depth: u.depth() - top,
        })
        .collect()
}

/// A table with its unit and campaign; 404 when missing.
fn load_table(c: &mut DbConn, id: i32) -> AppResult<(RectTable, Unit, Campaign)> {
    let t = rect::table(c, id)?;
    let unit = units::get(c, t.unit_id)?;
    let campaign = campaigns::get(c, t.campaign_id)?;
    Ok((t, unit, campaign))
}

/// An item with its unit, campaign and table; 404 when missing.
fn load_item(c: &mut DbConn, id: i32) -> AppResult<(RectItem, Unit, Campaign, RectTable)> {
    let item = rect::item(c, id)?;
    let unit = units::get(c, item.unit_id)?;
    let campaign = campaigns::get(c, item.campaign_id)?;
    let table = rect::table(c, item.table_id)?;
    Ok((item, unit, campaign, table))
}

pub struct LightView {
    pub code: &'static str,
    pub label: &'static str,
}

impl From<Light> for LightView {
    fn from(l: Light) -> Self {
        LightView {
            code: l.code(),
            label: l.label(),
        }
    }
}

// ---------------------------------------------------------------- list of tables

#[derive(Deserialize, Default)]
struct ListQuery {
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
struct ListPage {
    base: BaseContext,
    campaign_name: Option<String>,
    year: i32,
    years: Vec<i32>,
    unit: String,
    units: Vec<UnitOption>,
    rows: Vec<TableLine>,
    export_link: String,
    paging: Paging,
    statuses: &'static [RectStatus],
    can_create: bool,
    is_office: bool,
}

/// What the list of tables shows for a filter: the chosen campaign, the years, the units in
/// scope, one page (or all, for the export) of table lines and their total.
struct TablesSelection {
    campaign: Option<Campaign>,
    years: Vec<i32>,
    visible: Vec<Unit>,
    rows: Vec<TableLine>,
    total: i64,
    year: i32,
    unit: String,
    query: String,
}

async fn select_tables(
    state: &AppState,
    user: &CurrentUser,
    query: &ListQuery,
    offset: i64,
    limit: i64,
) -> AppResult<TablesSelection> {
    let today = state.settings.clock.today();
    let year = parse_year(&query.year);
    let unit_id = non_empty(&query.unit).and_then(|u| u.parse::<i32>().ok());
    let unit_path = narrowed_unit(state, user, unit_id).await?;
    let scope = user.scope();
    let (campaign, years, visible, rows, total) = state
        .db
        .run(move |c| {
            let campaign = campaigns::chosen(c, year, today)?;
            let years: Vec<i32> = campaigns::list(c)?.iter().map(|c| c.year).collect();
            let visible = units::in_scope(c, &scope)?;
            let (mut rows, mut total) = (Vec::new(), 0);
            if let Some(camp) = &campaign {
                let f = TableFilter {
                    campaign_id: camp.id,
                    scope: Some(scope.clone()),
                    unit_path,
                };
                let (tables, t) = rect::list_tables(c, &f, offset, limit)?;
                let ids: Vec<i32> = tables.iter().map(|(t, _)| t.id).collect();
                let mut stats = rect::table_stats(c, &ids, today, camp.yellow_days)?;
                rows = tables
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
                total = t;
            }
            Ok((campaign, years, visible, rows, total))
        })
        .await?;
    let year_shown = campaign
        .as_ref()
        .map_or(year.unwrap_or(today.year()), |c| c.year);
    let unit = unit_id.map(|u| u.to_string()).unwrap_or_default();
    let query = keep(&[("year", &year_shown.to_string()), ("unit", &unit)]);
    Ok(TablesSelection {
        campaign,
        years,
        visible,
        rows,
        total,
        year: year_shown,
        unit,
        query,
    })
}

async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let mut paging = Paging::new(query.page.as_deref(), Paging::PER_PAGE);
    let sel = select_tables(&state, &user, &query, paging.offset(), paging.per_page).await?;
    paging.total = sel.total;
    paging.query = sel.query;
    let can_create = sel.visible.iter().any(|u| user.can(Action::Write, u));
    render(&ListPage {
        base: ctx.base("整改配档表"),
        campaign_name: sel.campaign.map(|c| c.name),
        year: sel.year,
        years: sel.years,
        unit: sel.unit,
        units: unit_options(&sel.visible),
        rows: sel.rows,
        export_link: xlsx::export_link("/rect/tables/export", &paging.query),
        paging,
        statuses: RectStatus::ALL,
        can_create,
        is_office: user.is_office(),
    })
}

async fn export_tables(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let sel = select_tables(&state, &user, &query, 0, xlsx::EXPORT_LIMIT).await?;
    let campaign = sel.campaign.ok_or(AppError::NotFound)?;
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
    let data: Vec<Vec<Value>> = sel
        .rows
        .into_iter()
        .map(|r| {
            let mut row = vec![
                Value::from(r.title),
                Value::from(r.unit_name),
                Value::from(r.total),
            ];
            row.extend(r.by_status.into_iter().map(Value::from));
            row.extend([r.red, r.yellow, r.green, r.notes].map(Value::from));
            row
        })
        .collect();
    xlsx::export(
        &format!("{}年整改配档表一览", campaign.year),
        &columns,
        &data,
    )
}

// ---------------------------------------------------------------- create / rename / delete tables

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct TableForm {
    year: String,
    unit_id: String,
    title: String,
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
            let years: Vec<i32> = campaigns::list(c)?.iter().map(|c| c.year).collect();
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
    if page.errors.is_empty() {
        render(&page)
    } else {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

#[derive(Deserialize, Default)]
struct NewTableQuery {
    year: Option<String>,
}

async fn new_table(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<NewTableQuery>,
) -> AppResult<HttpResponse> {
    let today = state.settings.clock.today();
    let year = parse_year(&query.year).unwrap_or(today.year());
    let unit_id = if user.is_office() {
        String::new()
    } else {
        user.unit_id.to_string()
    };
    let form = TableForm {
        year: year.to_string(),
        title: if user.is_office() {
            String::new()
        } else {
            format!("{}作风建设问题整改工作配档表", user.unit_name)
        },
        unit_id,
    };
    table_form_page(&state, &ctx, &user, None, form, FieldErrors::new()).await
}

enum Saved<T> {
    Done(T),
    Invalid(FieldErrors),
}

async fn create_table(
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
    let actor = user.id;
    let saved = state
        .db
        .write(move |c| {
            let Some(campaign) = campaigns::by_year(c, year)? else {
                let mut e = FieldErrors::new();
                e.add("year", "该年度尚未设立作风建设活动");
                return Ok(Saved::Invalid(e));
            };
            let t = rect::insert_table(c, campaign.id, unit_id, &title, Some(actor), now)?;
            audit::Change::new(
                actor,
                "create",
                "rect_table",
                t.id,
                format!("新建配档表 {}", t.title),
            )
            .unit(unit_id)
            .after(&t)
            .record(c, now)
            .map_err(AppError::from)?;
            Ok(Saved::Done(t))
        })
        .await?;
    match saved {
        Saved::Done(t) => {
            flash(&session, "success", format!("已新建配档表：{}", t.title));
            Ok(redirect(&format!("/rect/tables/{}", t.id)))
        }
        Saved::Invalid(e) => table_form_page(&state, &ctx, &user, None, form, e).await,
    }
}

async fn edit_table(
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
    };
    table_form_page(&state, &ctx, &user, Some(id), form, FieldErrors::new()).await
}

async fn rename_table(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<TableForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (before, unit, campaign) = state.db.run(move |c| load_table(c, id)).await?;
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
    let now = state.now();
    let actor = user.id;
    let t = state
        .db
        .write(move |c| {
            let t = rect::rename_table(c, id, &title, now)?;
            audit::Change::new(
                actor,
                "update",
                "rect_table",
                id,
                format!("修改配档表名称 {}", t.title),
            )
            .unit(t.unit_id)
            .before(&before)
            .after(&t)
            .record(c, now)
            .map_err(AppError::from)?;
            Ok(t)
        })
        .await?;
    flash(&session, "success", format!("已保存配档表：{}", t.title));
    Ok(redirect(&format!("/rect/tables/{id}")))
}

async fn delete_table(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (_, unit, _) = state.db.run(move |c| load_table(c, id)).await?;
    user.require(Action::Write, &unit)?;
    let now = state.now();
    let actor = user.id;
    let deleted = state
        .db
        .write(move |c| {
            let t = rect::table(c, id)?;
            if rect::count_items(c, id)? > 0 {
                return Ok(None);
            }
            rect::delete_table(c, id)?;
            audit::Change::new(
                actor,
                "delete",
                "rect_table",
                id,
                format!("删除配档表 {}", t.title),
            )
            .unit(t.unit_id)
            .before(&t)
            .record(c, now)
            .map_err(AppError::from)?;
            Ok(Some(t))
        })
        .await?;
    match deleted {
        Some(t) => {
            flash(&session, "success", format!("已删除配档表：{}", t.title));
            Ok(redirect("/rect"))
        }
        None => Err(AppError::Conflict(
            "配档表中还有整改事项，不能删除。只能删除空的配档表。".into(),
        )),
    }
}

// ---------------------------------------------------------------- one table

pub struct ItemLine {
    pub id: i32,
    pub seq: i32,
    pub area: &'static str,
    pub source: String,
    pub problem: String,
    pub cause: String,
    pub measure: String,
    pub requirement: String,
    pub responsible: String,
    pub deadline: String,
    /// The deadline at creation, when an extension moved it.
    pub original_deadline: Option<String>,
    pub status: &'static str,
    pub light: LightView,
    pub notes: i64,
}

fn item_line(i: RectItem, today: NaiveDate, yellow: i32, notes: i64) -> ItemLine {
    ItemLine {
        id: i.id,
        seq: i.seq,
        area: i.area().label(),
        light: i.light(today, yellow).into(),
        status: i.status().label(),
        original_deadline: (i.original_deadline != i.deadline).then(|| ymd(i.original_deadline)),
        deadline: ymd(i.deadline),
        source: i.source,
        problem: i.problem,
        cause: i.cause,
        measure: i.measure,
        requirement: i.requirement,
        responsible: i.responsible,
        notes,
    }
}

#[derive(Template)]
#[template(path = "rect/table.html")]
struct TablePage {
    base: BaseContext,
    id: i32,
    title: String,
    unit_name: String,
    year: i32,
    rows: Vec<ItemLine>,
    can_write: bool,
    notes_total: i64,
    red: usize,
    yellow: usize,
    mine: bool,
}

async fn show_table(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (t, unit, campaign) = state.db.run(move |c| load_table(c, id)).await?;
    user.require(Action::Read, &unit)?;
    let today = state.settings.clock.today();
    let uid = user.id;
    let office = user.is_office();
    let unit_path = unit.path.clone();
    let (items, notes, mine) = state
        .db
        .run(move |c| {
            let items = rect::items_of_table(c, id)?;
            let notes = rect::note_counts_of_table(c, id)?;
            let mine = office && taskforce::is_mine(&taskforce::units_of(c, uid)?, &unit_path);
            Ok((items, notes, mine))
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
        base: ctx.base(t.title.clone()),
        id,
        notes_total: rows.iter().map(|r| r.notes).sum(),
        red: rows.iter().filter(|r| r.light.code == "red").count(),
        yellow: rows.iter().filter(|r| r.light.code == "yellow").count(),
        rows,
        title: t.title,
        unit_name: unit.name.clone(),
        year: campaign.year,
        can_write: user.can(Action::Write, &unit),
        mine,
    })
}

// ---------------------------------------------------------------- item form

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct ItemForm {
    area: String,
    source: String,
    problem: String,
    cause: String,
    measure: String,
    requirement: String,
    responsible: String,
    deadline: String,
    status: String,
    version: String,
}

/// A date as typed: 2026-12-31 (also 2026/12/31, 2026年12月31日), in a sane range.
fn parse_deadline(e: &mut FieldErrors, field: &'static str, label: &str, raw: &str) -> NaiveDate {
    let fallback = NaiveDate::default();
    if raw.trim().is_empty() {
        e.add(field, format!("请填写{label}"));
        return fallback;
    }
    match xlsx::parse_date(raw) {
        Some(d) if (2000..=2100).contains(&d.year()) => d,
        _ => {
            e.add(field, format!("{label}须为日期，如 2026-12-31"));
            fallback
        }
    }
}

impl ItemForm {
    fn from_item(i: &RectItem) -> Self {
        ItemForm {
            area: i.area.clone(),
            source: i.source.clone(),
            problem: i.problem.clone(),
            cause: i.cause.clone(),
            measure: i.measure.clone(),
            requirement: i.requirement.clone(),
            responsible: i.responsible.clone(),
            deadline: ymd(i.deadline),
            status: i.status.clone(),
            version: i.version.to_string(),
        }
    }

    fn parse(&self) -> Result<ItemFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let area = RectArea::parse(self.area.trim());
        if area.is_none() {
            e.add("area", "请选择问题领域");
        }
        let source = validate::optional_text(&mut e, "source", "问题来源", &self.source, 200)
            .unwrap_or_default();
        let problem = validate::required_text(&mut e, "problem", "存在问题", &self.problem, 1000);
        let cause = validate::optional_text(&mut e, "cause", "原因分析", &self.cause, 1000)
            .unwrap_or_default();
        let measure = validate::required_text(&mut e, "measure", "整改措施", &self.measure, 1000);
        let requirement =
            validate::optional_text(&mut e, "requirement", "整改要求", &self.requirement, 500)
                .unwrap_or_default();
        let responsible =
            validate::required_text(&mut e, "responsible", "责任人", &self.responsible, 50);
        let deadline = parse_deadline(&mut e, "deadline", "整改时限", &self.deadline);
        let status = match RectStatus::parse(self.status.trim()) {
            Some(RectStatus::Closed) => {
                e.add(
                    "status",
                    "“已销号”须由上级党总支或党群工作部验收后设定，不能直接选择",
                );
                None
            }
            Some(s) => Some(s),
            None => {
                e.add("status", "请选择整改状态");
                None
            }
        };
        match (area, status) {
            (Some(area), Some(status)) if e.is_empty() => Ok(ItemFields {
                area,
                source,
                problem,
                cause,
                measure,
                requirement,
                responsible,
                deadline,
                status,
            }),
            _ => Err(e),
        }
    }
}

#[derive(Template)]
#[template(path = "rect/item_form.html")]
struct ItemFormPage {
    base: BaseContext,
    table_id: i32,
    table_title: String,
    editing: Option<i32>,
    /// Only the office moves a deadline directly; branches ask for an extension.
    deadline_locked: bool,
    form: ItemForm,
    errors: FieldErrors,
    areas: &'static [RectArea],
    statuses: &'static [RectStatus],
}

fn item_form_page(
    ctx: &PageCtx,
    user: &CurrentUser,
    table: &RectTable,
    editing: Option<i32>,
    form: ItemForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let page = ItemFormPage {
        base: ctx.base(if editing.is_some() {
            "修改整改事项"
        } else {
            "新增整改事项"
        }),
        table_id: table.id,
        table_title: table.title.clone(),
        editing,
        deadline_locked: editing.is_some() && !user.is_office(),
        form,
        errors,
        areas: RectArea::ALL,
        statuses: RectStatus::BRANCH_SETTABLE,
    };
    if page.errors.is_empty() && status == StatusCode::OK {
        render(&page)
    } else {
        render_status(status, &page)
    }
}

async fn new_item(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (t, unit, _) = state.db.run(move |c| load_table(c, id)).await?;
    user.require(Action::Write, &unit)?;
    let form = ItemForm {
        area: RectArea::Headquarters.code().into(),
        status: RectStatus::NotStarted.code().into(),
        ..Default::default()
    };
    item_form_page(
        &ctx,
        &user,
        &t,
        None,
        form,
        FieldErrors::new(),
        StatusCode::OK,
    )
}

async fn create_item(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<ItemForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (t, unit, _) = state.db.run(move |c| load_table(c, id)).await?;
    user.require(Action::Write, &unit)?;
    let form = form.into_inner();
    let fields = match form.parse() {
        Ok(f) => f,
        Err(e) => {
            return item_form_page(
                &ctx,
                &user,
                &t,
                None,
                form,
                e,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    };
    let now = state.now();
    let actor = user.id;
    let item = state
        .db
        .write(move |c| {
            let t = rect::table(c, id)?;
            let item = rect::insert_item(c, &t, &fields, Some(actor), now)?;
            audit::Change::new(
                actor,
                "create",
                ITEM,
                item.id,
                format!("新增整改事项 {}", rect::short(&item.problem, 30)),
            )
            .unit(item.unit_id)
            .after(&item)
            .record(c, now)
            .map_err(AppError::from)?;
            Ok(item)
        })
        .await?;
    flash(&session, "success", "已新增整改事项。");
    Ok(redirect(&format!("/rect/items/{}", item.id)))
}

async fn edit_item(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (item, unit, _, t) = state.db.run(move |c| load_item(c, id)).await?;
    user.require(Action::Write, &unit)?;
    if item.status() == RectStatus::Closed {
        return Err(closed_error());
    }
    item_form_page(
        &ctx,
        &user,
        &t,
        Some(id),
        ItemForm::from_item(&item),
        FieldErrors::new(),
        StatusCode::OK,
    )
}

fn closed_error() -> AppError {
    AppError::Conflict("该整改事项已验收销号，不能再修改。".into())
}

async fn update_item(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<ItemForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (before, unit, _, t) = state.db.run(move |c| load_item(c, id)).await?;
    user.require(Action::Write, &unit)?;
    if before.status() == RectStatus::Closed {
        return Err(closed_error());
    }
    let form = form.into_inner();
    let fields = match form.parse() {
        Ok(f) if !user.is_office() && f.deadline != before.deadline => {
            let mut e = FieldErrors::new();
            e.add(
                "deadline",
                format!(
                    "整改时限不能直接修改（当前为 {}），请提交延期申请",
                    ymd(before.deadline)
                ),
            );
            return item_form_page(
                &ctx,
                &user,
                &t,
                Some(id),
                form,
                e,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
        Ok(f) => f,
        Err(e) => {
            return item_form_page(
                &ctx,
                &user,
                &t,
                Some(id),
                form,
                e,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    };
    let version = form.version.trim().parse::<i32>().ok();
    let now = state.now();
    let actor = user.id;
    let saved = state
        .db
        .write(move |c| {
            let before = rect::item(c, id)?;
            if before.status() == RectStatus::Closed {
                return Err(closed_error());
            }
            if version.is_some_and(|v| v != before.version) {
                let mut e = FieldErrors::new();
                e.add(
                    "",
                    "该事项已被他人修改。请先复制您的修改，返回事项页面刷新后再提交。",
                );
                return Ok(Saved::Invalid(e));
            }
            let after = rect::update_item(c, id, &fields, now)?;
            history::record(c, ITEM, id, Some(actor), now, &before, &after)?;
            audit::Change::new(
                actor,
                "update",
                ITEM,
                id,
                format!("修改整改事项 {}", rect::short(&after.problem, 30)),
            )
            .unit(after.unit_id)
            .before(&before)
            .after(&after)
            .record(c, now)
            .map_err(AppError::from)?;
            Ok(Saved::Done(after))
        })
        .await?;
    match saved {
        Saved::Done(_) => {
            flash(&session, "success", "已保存整改事项。");
            Ok(redirect(&format!("/rect/items/{id}")))
        }
        Saved::Invalid(e) => {
            let _ = before;
            item_form_page(&ctx, &user, &t, Some(id), form, e, StatusCode::CONFLICT)
        }
    }
}

// ---------------------------------------------------------------- item page

pub struct ChangeLine {
    pub at: String,
    pub who: String,
    pub field: String,
    pub old: String,
    pub new: String,
}

pub struct ExtensionLine {
    pub id: i32,
    pub old_deadline: String,
    pub new_deadline: String,
    pub reason: String,
    pub status: &'static str,
    pub pending: bool,
    pub requested: String,
    pub decided: String,
    pub comment: String,
}

pub struct NoteLine {
    pub who: String,
    pub at: String,
    pub content: String,
}

/// What the forms on the item page were given, kept on a 422.
#[derive(Default)]
struct ItemInput {
    errors: FieldErrors,
    new_deadline: String,
    reason: String,
    note: String,
    comment: String,
}

#[derive(Template)]
#[template(path = "rect/item.html")]
struct ItemPage {
    base: BaseContext,
    item: ItemLine,
    table_id: i32,
    table_title: String,
    unit_name: String,
    cause_analysis: String,
    accepted: Option<String>,
    awaiting: bool,
    closed: bool,
    open: bool,
    history: Vec<ChangeLine>,
    extensions: Vec<ExtensionLine>,
    has_pending: bool,
    notes: Vec<NoteLine>,
    files: FileList,
    can_write: bool,
    can_accept: bool,
    can_note: bool,
    mine: bool,
    input: ItemInput,
}

async fn item_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    id: i32,
    input: ItemInput,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (item, unit, campaign, table) = state.db.run(move |c| load_item(c, id)).await?;
    user.require(Action::Read, &unit)?;
    let can_write = user.can(Action::Write, &unit);
    let can_accept = user.can(Action::Review, &unit);
    let office = user.is_office();
    let uid = user.id;
    let unit_path = unit.path.clone();
    let accepted_by = item.accepted_by;
    let (changes, exts, notes, files, accepter, mine) = state
        .db
        .run(move |c| {
            let changes = history::list(c, ITEM, id)?;
            let exts = rect::extensions_of_item(c, id)?;
            let notes = rect::notes_of_item(c, id)?;
            let files = FileList::load(
                c,
                Owner::RectItem,
                id,
                format!("/rect/items/{id}"),
                can_write,
            )?;
            let accepter = match accepted_by {
                Some(u) => Some(users::get(c, u)?.display_name),
                None => None,
            };
            let mine = office && taskforce::is_mine(&taskforce::units_of(c, uid)?, &unit_path);
            Ok((changes, exts, notes, files, accepter, mine))
        })
        .await?;
    let today = state.settings.clock.today();
    let st = item.status();
    let accepted = item.accepted_at.map(|at| {
        format!(
            "{} 于 {} 验收销号",
            accepter.clone().unwrap_or_else(|| "—".into()),
            format_local(at)
        )
    });
    let page = ItemPage {
        base: ctx.base(format!("整改事项 {}", rect::short(&item.problem, 20))),
        table_id: table.id,
        table_title: table.title,
        unit_name: unit.name,
        cause_analysis: item.cause.clone(),
        accepted,
        awaiting: st == RectStatus::AwaitingAcceptance,
        closed: st == RectStatus::Closed,
        open: st.is_open(),
        item: item_line(item, today, campaign.yellow_days, notes.len() as i64),
        history: changes
            .into_iter()
            .map(|(ch, who)| ChangeLine {
                at: format_local(ch.at),
                who: who.unwrap_or_else(|| "系统".into()),
                field: ch.field,
                old: ch.old_value,
                new: ch.new_value,
            })
            .collect(),
        has_pending: exts
            .iter()
            .any(|(e, _, _)| e.status() == ExtensionStatus::Pending),
        extensions: exts
            .into_iter()
            .map(|(e, req, dec)| ExtensionLine {
                id: e.id,
                old_deadline: ymd(e.old_deadline),
                new_deadline: ymd(e.new_deadline),
                status: e.status().label(),
                pending: e.status() == ExtensionStatus::Pending,
                requested: format!(
                    "{} {}",
                    req.unwrap_or_default(),
                    format_local(e.requested_at)
                ),
                decided: e
                    .decided_at
                    .map(|at| format!("{} {}", dec.unwrap_or_default(), format_local(at)))
                    .unwrap_or_default(),
                comment: e.decision_comment,
                reason: e.reason,
            })
            .collect(),
        notes: notes
            .into_iter()
            .map(|(n, who)| NoteLine {
                who: who.unwrap_or_else(|| "—".into()),
                at: format_local(n.created_at),
                content: n.content,
            })
            .collect(),
        files,
        can_write,
        can_accept,
        can_note: office && mine,
        mine,
        input,
    };
    render_status(status, &page)
}

async fn show_item(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    item_page(
        &state,
        &ctx,
        &user,
        path.into_inner(),
        ItemInput::default(),
        StatusCode::OK,
    )
    .await
}

// ---------------------------------------------------------------- acceptance

#[derive(Deserialize, Default)]
#[serde(default)]
struct CommentForm {
    comment: String,
}

async fn accept(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (_, unit, _, _) = state.db.run(move |c| load_item(c, id)).await?;
    user.require(Action::Review, &unit)?;
    let now = state.now();
    let actor = user.id;
    state
        .db
        .write(move |c| {
            let before = rect::item(c, id)?;
            if before.status() != RectStatus::AwaitingAcceptance {
                return Err(AppError::Conflict(
                    "只有“已整改待验收”的事项才能验收销号。".into(),
                ));
            }
            let after = rect::set_status(c, id, RectStatus::Closed, Some((actor, now)), now)?;
            history::record(c, ITEM, id, Some(actor), now, &before, &after)?;
            audit::Change::new(
                actor,
                "accept",
                ITEM,
                id,
                format!("验收销号 {}", rect::short(&after.problem, 30)),
            )
            .unit(after.unit_id)
            .before(&before)
            .after(&after)
            .record(c, now)
            .map_err(AppError::from)
        })
        .await?;
    flash(&session, "success", "已验收销号。");
    Ok(redirect(&format!("/rect/items/{id}")))
}

async fn reject_acceptance(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<CommentForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (_, unit, _, _) = state.db.run(move |c| load_item(c, id)).await?;
    user.require(Action::Review, &unit)?;
    let mut e = FieldErrors::new();
    let comment = validate::required_text(&mut e, "comment", "退回意见", &form.comment, 500);
    if !e.is_empty() {
        let input = ItemInput {
            errors: e,
            comment: form.comment.clone(),
            ..Default::default()
        };
        return item_page(
            &state,
            &ctx,
            &user,
            id,
            input,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let now = state.now();
    let actor = user.id;
    state
        .db
        .write(move |c| {
            let before = rect::item(c, id)?;
            if before.status() != RectStatus::AwaitingAcceptance {
                return Err(AppError::Conflict(
                    "只有“已整改待验收”的事项才能退回。".into(),
                ));
            }
            let after = rect::set_status(c, id, RectStatus::InProgress, None, now)?;
            history::record(c, ITEM, id, Some(actor), now, &before, &after)?;
            rect::history_remark(c, id, Some(actor), now, "验收退回意见", &comment)?;
            audit::Change::new(
                actor,
                "reject_acceptance",
                ITEM,
                id,
                format!("验收退回 {}：{}", rect::short(&after.problem, 20), comment),
            )
            .unit(after.unit_id)
            .before(&before)
            .after(&after)
            .record(c, now)
            .map_err(AppError::from)
        })
        .await?;
    flash(&session, "success", "已退回，事项回到“整改中”。");
    Ok(redirect(&format!("/rect/items/{id}")))
}

// ---------------------------------------------------------------- extension requests

#[derive(Deserialize, Default)]
#[serde(default)]
struct ExtensionForm {
    new_deadline: String,
    reason: String,
}

async fn request_extension(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<ExtensionForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (item, unit, _, _) = state.db.run(move |c| load_item(c, id)).await?;
    user.require(Action::Write, &unit)?;
    let form = form.into_inner();
    let mut e = FieldErrors::new();
    let new_deadline = parse_deadline(&mut e, "new_deadline", "新的整改时限", &form.new_deadline);
    let reason = validate::required_text(&mut e, "reason", "延期理由", &form.reason, 500);
    if e.get("new_deadline").is_none() && new_deadline <= item.deadline {
        e.add(
            "new_deadline",
            format!("新的整改时限须晚于当前时限 {}", ymd(item.deadline)),
        );
    }
    let now = state.now();
    let actor = user.id;
    let saved = if e.is_empty() {
        state
            .db
            .write(move |c| {
                let item = rect::item(c, id)?;
                let mut e = FieldErrors::new();
                if !item.status().is_open() {
                    e.add("", "该事项已整改完毕，无需申请延期。");
                } else if rect::has_pending(c, id)? {
                    e.add("", "该事项已有待审批的延期申请，请等待党群工作部审批。");
                } else if new_deadline <= item.deadline {
                    e.add(
                        "new_deadline",
                        format!("新的整改时限须晚于当前时限 {}", ymd(item.deadline)),
                    );
                }
                if !e.is_empty() {
                    return Ok(Saved::Invalid(e));
                }
                let ext = rect::insert_extension(
                    c,
                    rect::NewExtension {
                        item: &item,
                        new_deadline,
                        reason: &reason,
                        requested_by: Some(actor),
                    },
                    now,
                )?;
                audit::Change::new(
                    actor,
                    "request_extension",
                    "rect_extension",
                    ext.id,
                    format!(
                        "申请延期 {}：{} → {}",
                        rect::short(&item.problem, 20),
                        ymd(ext.old_deadline),
                        ymd(ext.new_deadline)
                    ),
                )
                .unit(item.unit_id)
                .after(&ext)
                .record(c, now)
                .map_err(AppError::from)?;
                Ok(Saved::Done(ext))
            })
            .await?
    } else {
        Saved::Invalid(e)
    };
    match saved {
        Saved::Done(_) => {
            flash(&session, "success", "已提交延期申请，等待党群工作部审批。");
            Ok(redirect(&format!("/rect/items/{id}")))
        }
        Saved::Invalid(errors) => {
            let input = ItemInput {
                errors,
                new_deadline: form.new_deadline,
                reason: form.reason,
                ..Default::default()
            };
            item_page(
                &state,
                &ctx,
                &user,
                id,
                input,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
struct ExtensionsQuery {
    status: Option<String>,
    page: Option<String>,
}

pub struct ExtensionRowView {
    pub id: i32,
    pub item_id: i32,
    pub problem: String,
    pub unit_name: String,
    pub old_deadline: String,
    pub new_deadline: String,
    pub reason: String,
    pub requester: String,
    pub requested_at: String,
    pub status: &'static str,
    pub pending: bool,
    pub comment: String,
}

#[derive(Template)]
#[template(path = "rect/extensions.html")]
struct ExtensionsPage {
    base: BaseContext,
    rows: Vec<ExtensionRowView>,
    export_link: String,
    paging: Paging,
    status: String,
    statuses: &'static [ExtensionStatus],
    /// (request id, message, comment typed) after a refused decision.
    error: Option<(i32, String, String)>,
}

/// One page (or all, for the export) of extension requests of a status, as list lines.
async fn select_extensions(
    state: &AppState,
    status: Option<ExtensionStatus>,
    offset: i64,
    limit: i64,
    short_problem: bool,
) -> AppResult<(Vec<ExtensionRowView>, i64)> {
    let (rows, total) = state
        .db
        .run(move |c| Ok(rect::list_extensions(c, status, offset, limit)?))
        .await?;
    let rows = rows
        .into_iter()
        .map(|(e, problem, unit, who)| ExtensionRowView {
            id: e.id,
            item_id: e.item_id,
            problem: if short_problem {
                rect::short(&problem, 40)
            } else {
                problem
            },
            unit_name: unit.name,
            old_deadline: ymd(e.old_deadline),
            new_deadline: ymd(e.new_deadline),
            requester: who.unwrap_or_default(),
            requested_at: format_local(e.requested_at),
            status: e.status().label(),
            pending: e.status() == ExtensionStatus::Pending,
            comment: e.decision_comment,
            reason: e.reason,
        })
        .collect();
    Ok((rows, total))
}

async fn extensions_page(
    state: &AppState,
    ctx: &PageCtx,
    status_raw: Option<String>,
    page_raw: Option<String>,
    error: Option<(i32, String, String)>,
) -> AppResult<HttpResponse> {
    let status = non_empty(&status_raw).and_then(ExtensionStatus::parse);
    let mut paging = Paging::new(page_raw.as_deref(), Paging::PER_PAGE);
    let (rows, total) =
        select_extensions(state, status, paging.offset(), paging.per_page, true).await?;
    paging.total = total;
    let status_code = status.map(|s| s.code().to_string()).unwrap_or_default();
    paging.query = keep(&[("status", &status_code)]);
    let page = ExtensionsPage {
        base: ctx.base("延期申请审批"),
        rows,
        export_link: xlsx::export_link("/rect/extensions/export", &paging.query),
        paging,
        status: status_code,
        statuses: ExtensionStatus::ALL,
        error,
    };
    if page.error.is_some() {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    } else {
        render(&page)
    }
}

const EXTENSION_COLUMNS: [xlsx::Column; 9] = [
    xlsx::col("单位", 20.0),
    xlsx::col("整改事项", 36.0),
    xlsx::col("原时限", 12.0),
    xlsx::col("申请延至", 12.0),
    xlsx::col("理由", 30.0),
    xlsx::col("申请人", 10.0),
    xlsx::col("申请时间", 18.0),
    xlsx::col("状态", 9.0),
    xlsx::col("审批意见", 24.0),
];

async fn export_extensions(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ExtensionsQuery>,
) -> AppResult<HttpResponse> {
    user.require_office()?;
    let status = non_empty(&query.status).and_then(ExtensionStatus::parse);
    let (rows, _) = select_extensions(&state, status, 0, xlsx::EXPORT_LIMIT, false).await?;
    let data: Vec<Vec<Value>> = rows
        .into_iter()
        .map(|r| {
            vec![
                Value::from(r.unit_name),
                Value::from(r.problem),
                Value::from(r.old_deadline),
                Value::from(r.new_deadline),
                Value::from(r.reason),
                Value::from(r.requester),
                Value::from(r.requested_at),
                Value::from(r.status),
                Value::from(r.comment),
            ]
        })
        .collect();
    xlsx::export("延期申请", &EXTENSION_COLUMNS, &data)
}

async fn extensions(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<ExtensionsQuery>,
) -> AppResult<HttpResponse> {
    user.require_office()?;
    let q = query.into_inner();
    extensions_page(&state, &ctx, q.status, q.page, None).await
}

async fn decide(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    id: i32,
    comment_raw: String,
    approve: bool,
) -> AppResult<HttpResponse> {
    user.require_office()?;
    // 404 for an unknown request before anything else.
    state.db.run(move |c| Ok(rect::extension(c, id)?)).await?;
    let mut e = FieldErrors::new();
    let comment = if approve {
        validate::optional_text(&mut e, "comment", "审批意见", &comment_raw, 500)
            .unwrap_or_default()
    } else {
        validate::required_text(&mut e, "comment", "不批准的理由", &comment_raw, 500)
    };
    if let Some(msg) = e.get("comment") {
        return extensions_page(
            &state,
            &ctx,
            None,
            None,
            Some((id, msg.to_string(), comment_raw)),
        )
        .await;
    }
    let now = state.now();
    let actor = user.id;
    let ext = state
        .db
        .write(move |c| {
            let before = rect::extension(c, id)?;
            if before.status() != ExtensionStatus::Pending {
                return Err(AppError::Conflict(format!(
                    "该延期申请已处理（{}），不能重复审批。",
                    before.status().label()
                )));
            }
            let status = if approve {
                ExtensionStatus::Approved
            } else {
                ExtensionStatus::Refused
            };
            let ext = rect::decide_extension(c, id, status, actor, &comment, now)?;
            let item_before = rect::item(c, ext.item_id)?;
            if approve {
                let item_after = rect::set_deadline(c, ext.item_id, ext.new_deadline, now)?;
                history::record(
                    c,
                    ITEM,
                    ext.item_id,
                    Some(actor),
                    now,
                    &item_before,
                    &item_after,
                )?;
            }
            audit::Change::new(
                actor,
                if approve {
                    "approve_extension"
                } else {
                    "refuse_extension"
                },
                "rect_extension",
                id,
                format!(
                    "{}延期申请 {}：{} → {}",
                    if approve { "批准" } else { "不批准" },
                    rect::short(&item_before.problem, 20),
                    ymd(ext.old_deadline),
                    ymd(ext.new_deadline)
                ),
            )
            .unit(ext.unit_id)
            .before(&before)
            .after(&ext)
            .record(c, now)
            .map_err(AppError::from)?;
            Ok(ext)
        })
        .await?;
    flash(
        &session,
        "success",
        if approve {
            format!("已批准延期，整改时限改为 {}。", ymd(ext.new_deadline))
        } else {
            "已不批准该延期申请。".to_string()
        },
    );
    Ok(redirect("/rect/extensions"))
}

async fn approve(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<CommentForm>,
) -> AppResult<HttpResponse> {
    let comment = form.into_inner().comment;
    decide(state, user, ctx, session, path.into_inner(), comment, true).await
}

async fn refuse(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<CommentForm>,
) -> AppResult<HttpResponse> {
    let comment = form.into_inner().comment;
    decide(state, user, ctx, session, path.into_inner(), comment, false).await
}

// ---------------------------------------------------------------- supervision notes

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoteForm {
    content: String,
}

fn not_assigned(unit_name: &str) -> AppError {
    AppError::ForbiddenBecause(format!(
        "只有联系{unit_name}（或其上级单位）的一线专班成员才能添加督办意见。"
    ))
}

async fn add_note(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<NoteForm>,
) -> AppResult<HttpResponse> {
    user.require_office()?;
    let id = path.into_inner();
    let (item, unit, _, _) = state.db.run(move |c| load_item(c, id)).await?;
    // Task-force members supervise the items of their own units (and the units below).
    let uid = user.id;
    let path_of_unit = unit.path.clone();
    let assigned = state
        .db
        .run(move |c| {
            Ok(taskforce::is_mine(
                &taskforce::units_of(c, uid)?,
                &path_of_unit,
            ))
        })
        .await?;
    if !assigned {
        return Err(not_assigned(&unit.name));
    }
    let mut e = FieldErrors::new();
    let content = validate::required_text(&mut e, "note", "督办意见", &form.content, 1000);
    if !e.is_empty() {
        let input = ItemInput {
            errors: e,
            note: form.content.clone(),
            ..Default::default()
        };
        return item_page(
            &state,
            &ctx,
            &user,
            id,
            input,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let now = state.now();
    let actor = user.id;
    state
        .db
        .write(move |c| {
            // Checked again where it is written: the assignment may have just been removed.
            if !taskforce::is_mine(&taskforce::units_of(c, actor)?, &unit.path) {
                return Err(not_assigned(&unit.name));
            }
            let note_id = rect::insert_note(c, &item, Some(actor), &content, now)?;
            audit::Change::new(
                actor,
                "create",
                "supervision_note",
                note_id,
                format!("督办 {}：{}", rect::short(&item.problem, 20), content),
            )
            .unit(item.unit_id)
            .after(&serde_json::json!({ "item_id": item.id, "content": content }))
            .record(c, now)
            .map_err(AppError::from)
        })
        .await?;
    flash(&session, "success", "已添加督办意见。");
    Ok(redirect(&format!("/rect/items/{id}")))
}

// ---------------------------------------------------------------- items across tables

#[derive(Deserialize, Default, Clone)]
struct ItemsQuery {
    year: Option<String>,
    unit: Option<String>,
    area: Option<String>,
    status: Option<String>,
    light: Option<String>,
    q: Option<String>,
    page: Option<String>,
}

/// The parsed filters of the items list and its export.
struct ItemsSelection {
    campaign: Option<Campaign>,
    years: Vec<i32>,
    visible: Vec<Unit>,
    filter: ItemFilter,
    /// The filters as a query string (without `page`).
    query: String,
    year: i32,
    unit: String,
    area: String,
    status: String,
    light: String,
    q: String,
}

/// The unit a list is narrowed to (`?unit=`), checked like the measures list: an unknown
/// unit is 404, one outside the user's scope 403.
async fn narrowed_unit(
    state: &AppState,
    user: &CurrentUser,
    unit_id: Option<i32>,
) -> AppResult<Option<String>> {
    let Some(uid) = unit_id else {
        return Ok(None);
    };
    let unit = state
        .db
        .run(move |c| units::find(c, uid)?.ok_or(AppError::NotFound))
        .await?;
    user.require(Action::Read, &unit)?;
    Ok(Some(unit.path))
}

async fn select_items(
    state: &AppState,
    user: &CurrentUser,
    query: ItemsQuery,
) -> AppResult<ItemsSelection> {
    let today = state.settings.clock.today();
    let year = parse_year(&query.year);
    let unit_id = non_empty(&query.unit).and_then(|u| u.parse::<i32>().ok());
    let area = non_empty(&query.area).and_then(RectArea::parse);
    let status = non_empty(&query.status).and_then(RectStatus::parse);
    let light = non_empty(&query.light).and_then(Light::parse);
    let q = non_empty(&query.q).map(|s| s.chars().take(50).collect::<String>());
    let unit_path = narrowed_unit(state, user, unit_id).await?;
    let scope = user.scope();
    let (campaign, years, visible) = state
        .db
        .run(move |c| {
            let campaign = campaigns::chosen(c, year, today)?;
            let years: Vec<i32> = campaigns::list(c)?.iter().map(|c| c.year).collect();
            let visible = units::in_scope(c, &scope)?;
            Ok((campaign, years, visible))
        })
        .await?;
    let yellow = campaign.as_ref().map_or(7, |c| c.yellow_days);
    let filter = ItemFilter {
        campaign_id: campaign.as_ref().map_or(0, |c| c.id),
        scope: Some(user.scope()),
        unit_path,
        area,
        status,
        light: light.map(|l| (l, today, yellow)),
        q: q.clone(),
    };
    let year_shown = campaign
        .as_ref()
        .map_or(year.unwrap_or(today.year()), |c| c.year);
    let unit = unit_id.map(|u| u.to_string()).unwrap_or_default();
    let area = area.map(|a| a.code().to_string()).unwrap_or_default();
    let status = status.map(|s| s.code().to_string()).unwrap_or_default();
    let light = light.map(|l| l.code().to_string()).unwrap_or_default();
    let q = q.unwrap_or_default();
    let query = keep(&[
        ("year", &year_shown.to_string()),
        ("unit", &unit),
        ("area", &area),
        ("status", &status),
        ("light", &light),
        ("q", &q),
    ]);
    Ok(ItemsSelection {
        campaign,
        years,
        visible,
        filter,
        query,
        year: year_shown,
        unit,
        area,
        status,
        light,
        q,
    })
}

pub struct ListedItem {
    pub line: ItemLine,
    pub unit_name: String,
    pub table_id: i32,
    pub table_title: String,
}

#[derive(Template)]
#[template(path = "rect/items.html")]
struct ItemsPage {
    base: BaseContext,
    has_campaign: bool,
    rows: Vec<ListedItem>,
    paging: Paging,
    query: String,
    year: i32,
    years: Vec<i32>,
    unit: String,
    units: Vec<UnitOption>,
    area: String,
    areas: &'static [RectArea],
    status: String,
    statuses: &'static [RectStatus],
    light: String,
    q: String,
}

async fn items(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<ItemsQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let mut paging = Paging::new(query.page.as_deref(), Paging::PER_PAGE);
    let sel = select_items(&state, &user, query).await?;
    let today = state.settings.clock.today();
    let yellow = sel.campaign.as_ref().map_or(7, |c| c.yellow_days);
    let (offset, limit) = (paging.offset(), paging.per_page);
    let filter = sel.filter.clone();
    let has_campaign = sel.campaign.is_some();
    let (rows, total) = if has_campaign {
        state
            .db
            .run(move |c| Ok(rect::list_items(c, &filter, offset, limit)?))
            .await?
    } else {
        (Vec::new(), 0)
    };
    paging.total = total;
    paging.query = sel.query.clone();
    render(&ItemsPage {
        base: ctx.base("整改事项"),
        has_campaign,
        rows: rows
            .into_iter()
            .map(|(i, unit, title)| ListedItem {
                table_id: i.table_id,
                line: item_line(i, today, yellow, 0),
                unit_name: unit.name,
                table_title: title,
            })
            .collect(),
        paging,
        query: sel.query,
        year: sel.year,
        years: sel.years,
        unit: sel.unit,
        units: unit_options(&sel.visible),
        area: sel.area,
        areas: RectArea::ALL,
        status: sel.status,
        statuses: RectStatus::ALL,
        light: sel.light,
        q: sel.q,
    })
}

async fn export_items(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ItemsQuery>,
) -> AppResult<HttpResponse> {
    let sel = select_items(&state, &user, query.into_inner()).await?;
    let Some(campaign) = sel.campaign else {
        return Err(AppError::NotFound);
    };
    let today = state.settings.clock.today();
    let filter = sel.filter.clone();
    let (rows, _) = state
        .db
        .run(move |c| Ok(rect::list_items(c, &filter, 0, xlsx::EXPORT_LIMIT)?))
        .await?;
    let columns = [
        xlsx::col("单位", 18.0),
        xlsx::col("配档表", 24.0),
        xlsx::col("序号", 6.0),
        xlsx::col("问题领域", 10.0),
        xlsx::col("问题来源", 16.0),
        xlsx::col("存在问题", 30.0),
        xlsx::col("原因分析", 24.0),
        xlsx::col("整改措施", 30.0),
        xlsx::col("整改要求", 20.0),
        xlsx::col("责任人", 10.0),
        xlsx::col("整改时限", 12.0),
        xlsx::col("原整改时限", 12.0),
        xlsx::col("状态", 12.0),
        xlsx::col("提醒", 8.0),
    ];
    let data: Vec<Vec<Value>> = rows
        .into_iter()
        .map(|(i, unit, title)| {
            let light = i.light(today, campaign.yellow_days);
            vec![
                Value::from(unit.name),
                Value::from(title),
                Value::from(i.seq),
                Value::from(i.area().label()),
                Value::from(i.source.clone()),
                Value::from(i.problem.clone()),
                Value::from(i.cause.clone()),
                Value::from(i.measure.clone()),
                Value::from(i.requirement.clone()),
                Value::from(i.responsible.clone()),
                Value::from(i.deadline),
                Value::from(i.original_deadline),
                Value::from(i.status().label()),
                Value::from(light.label()),
            ]
        })
        .collect();
    let title = format!("{}年作风建设问题整改事项", campaign.year);
    let bytes = xlsx::table("整改事项", &title, &columns, &data)?;
    Ok(xlsx::download(&format!("{title}.xlsx"), bytes))
}

// ---------------------------------------------------------------- 配档表 in Excel

/// Columns of the 配档表 below the group headers: (header, width).
const LAYOUT: [(&str, f64); 10] = [
    ("序号", 6.0),
    ("问题领域", 10.0),
    ("问题来源", 16.0),
    ("存在问题", 32.0),
    ("原因分析", 26.0),
    ("整改措施", 32.0),
    ("整改要求", 22.0),
    ("责任人", 10.0),
    ("整改时限", 12.0),
    ("状态", 12.0),
];

/// Headers an import needs, and all it reads.
const REQUIRED: [&str; 4] = ["存在问题", "整改措施", "责任人", "整改时限"];
const KNOWN: [&str; 10] = [
    "序号",
    "问题领域",
    "问题来源",
    "存在问题",
    "原因分析",
    "整改措施",
    "整改要求",
    "责任人",
    "整改时限",
    "状态",
];

fn xerr(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::internal(format!("xlsx: {e}"))
}

/// The 配档表 as offices print it: title row, a filling-in line, a two-level header with
/// merged cells, bordered wrapped cells, A4 landscape with the header repeated on every page.
pub fn peidang_xlsx(
    unit_name: &str,
    year: i32,
    exported_at: &str,
    items: &[RectItem],
) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Format, FormatAlign, Workbook};
    let f = Formats::new();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("配档表").map_err(xerr)?;
    let last = (LAYOUT.len() - 1) as u16;
    ws.merge_range(
        0,
        0,
        0,
        last,
        &format!("{unit_name}作风建设问题整改工作配档表"),
        &f.title,
    )
    .map_err(xerr)?;
    ws.set_row_height(0, 32).map_err(xerr)?;
    let info = Format::new().set_align(FormatAlign::VerticalCenter);
    ws.merge_range(
        1,
        0,
        1,
        last,
        &format!("填报单位：{unit_name}　　年度：{year}　　导出时间：{exported_at}"),
        &info,
    )
    .map_err(xerr)?;
    ws.set_row_height(1, 22).map_err(xerr)?;
    // Two header rows: 序号 spans both; the groups span their columns.
    ws.merge_range(2, 0, 3, 0, "序号", &f.header)
        .map_err(xerr)?;
    ws.merge_range(2, 1, 2, 4, "问题查摆", &f.header)
        .map_err(xerr)?;
    ws.merge_range(2, 5, 2, last, "整改落实", &f.header)
        .map_err(xerr)?;
    for (i, (name, width)) in LAYOUT.iter().enumerate() {
        ws.set_column_width(i as u16, *width).map_err(xerr)?;
        if i > 0 {
            ws.write_string_with_format(3, i as u16, *name, &f.header)
                .map_err(xerr)?;
        }
    }
    ws.set_row_height(2, 22).map_err(xerr)?;
    ws.set_row_height(3, 22).map_err(xerr)?;
    for (r, i) in items.iter().enumerate() {
        let row = r as u32 + 4;
        let values = [
            Value::from(r as i32 + 1),
            Value::from(i.area().label()),
            Value::from(i.source.clone()),
            Value::from(i.problem.clone()),
            Value::from(i.cause.clone()),
            Value::from(i.measure.clone()),
            Value::from(i.requirement.clone()),
            Value::from(i.responsible.clone()),
            Value::from(i.deadline),
            Value::from(i.status().label()),
        ];
        for (c, v) in values.iter().enumerate() {
            xlsx::write_value(ws, row, c as u16, v, &f)?;
        }
    }
    ws.set_freeze_panes(4, 0).map_err(xerr)?;
    xlsx::print_setup(ws, 3)?;
    // Repeat only the two header rows, not the title.
    ws.set_repeat_rows(2, 3).map_err(xerr)?;
    wb.save_to_buffer().map_err(xerr)
}

async fn export_table(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (t, unit, campaign) = state.db.run(move |c| load_table(c, id)).await?;
    user.require(Action::Read, &unit)?;
    let items = state
        .db
        .run(move |c| Ok(rect::items_of_table(c, id)?))
        .await?;
    let bytes = peidang_xlsx(
        &unit.name,
        campaign.year,
        &format_local(state.now()),
        &items,
    )?;
    Ok(xlsx::download(&format!("{}.xlsx", t.title), bytes))
}

async fn import_template(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (_, unit, campaign) = state.db.run(move |c| load_table(c, id)).await?;
    user.require(Action::Read, &unit)?;
    let bytes = peidang_xlsx(&unit.name, campaign.year, &format_local(state.now()), &[])?;
    Ok(xlsx::download(
        &format!("{}作风建设问题整改工作配档表（导入模板）.xlsx", unit.name),
        bytes,
    ))
}

#[derive(Template)]
#[template(path = "rect/import.html")]
struct ImportPage {
    base: BaseContext,
    table_id: i32,
    table_title: String,
    problems: Vec<String>,
    areas: String,
    statuses: String,
}

fn import_page(ctx: &PageCtx, t: &RectTable, problems: Vec<String>) -> AppResult<HttpResponse> {
    let page = ImportPage {
        base: ctx.base("导入整改事项"),
        table_id: t.id,
        table_title: t.title.clone(),
        areas: RectArea::ALL
            .iter()
            .map(|a| a.label())
            .collect::<Vec<_>>()
            .join("、"),
        statuses: RectStatus::ALL
            .iter()
            .map(|a| a.label())
            .collect::<Vec<_>>()
            .join("、"),
        problems,
    };
    if page.problems.is_empty() {
        render(&page)
    } else {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

async fn import_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (t, unit, _) = state.db.run(move |c| load_table(c, id)).await?;
    user.require(Action::Write, &unit)?;
    import_page(&ctx, &t, Vec::new())
}

#[derive(MultipartForm)]
pub struct ImportForm {
    file: Option<Bytes>,
}

/// One data row of a 配档表 sheet as item fields, or the reasons it is wrong.
pub fn parse_import_row(row: &xlsx::ImportRow) -> Result<ItemFields, Vec<String>> {
    let mut why = Vec::new();
    let text = |h: &str, max: usize, required: bool, why: &mut Vec<String>| -> String {
        let v = row.get(h).to_string();
        if required && v.is_empty() {
            why.push(format!("{h}为空"));
        } else if v.chars().count() > max {
            why.push(format!("{h}超过 {max} 个字"));
        }
        v
    };
    let area = match RectArea::parse_label(row.get("问题领域")) {
        Some(a) => Some(a),
        None => {
            let v = row.get("问题领域");
            why.push(if v.is_empty() {
                "问题领域为空".to_string()
            } else {
                format!("问题领域“{v}”无法识别（应为总部部室、业务一线或领导干部）")
            });
            None
        }
    };
    let source = text("问题来源", 200, false, &mut why);
    let problem = text("存在问题", 1000, true, &mut why);
    let cause = text("原因分析", 1000, false, &mut why);
    let measure = text("整改措施", 1000, true, &mut why);
    let requirement = text("整改要求", 500, false, &mut why);
    let responsible = text("责任人", 50, true, &mut why);
    let raw_deadline = row.get("整改时限");
    let deadline = if raw_deadline.is_empty() {
        why.push("整改时限为空".into());
        None
    } else {
        match xlsx::parse_date(raw_deadline) {
            Some(d) if (2000..=2100).contains(&d.year()) => Some(d),
            _ => {
                why.push(format!("整改时限“{raw_deadline}”不是日期（如 2026-12-31）"));
                None
            }
        }
    };
    let raw_status = row.get("状态");
    let status = if raw_status.is_empty() {
        Some(RectStatus::NotStarted)
    } else {
        match RectStatus::parse_label(raw_status) {
            Some(s) => Some(s),
            None => {
                why.push(format!("状态“{raw_status}”无法识别"));
                None
            }
        }
    };
    match (area, deadline, status) {
        (Some(area), Some(deadline), Some(status)) if why.is_empty() => Ok(ItemFields {
            area,
            source,
            problem,
            cause,
            measure,
            requirement,
            responsible,
            deadline,
            status,
        }),
        _ => Err(why),
    }
}

async fn import(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: MultipartForm<ImportForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (t, unit, _) = state.db.run(move |c| load_table(c, id)).await?;
    user.require(Action::Write, &unit)?;
    let Some(file) = form.into_inner().file else {
        return import_page(&ctx, &t, vec!["请选择要导入的 Excel 文件。".into()]);
    };
    let rows = match xlsx::read(&file.data, &REQUIRED, &KNOWN) {
        Ok(r) => r,
        Err(msg) => return import_page(&ctx, &t, vec![msg]),
    };
    if rows.is_empty() {
        return import_page(&ctx, &t, vec!["文件中没有数据行。".into()]);
    }
    // Closed (已销号) rows carry an acceptance: only someone who may accept this unit's
    // items (the general branch above or the office) may import them.
    let may_accept = user.can(Action::Review, &unit);
    let mut good = Vec::new();
    let mut problems = Vec::new();
    for row in &rows {
        match parse_import_row(row) {
            Ok(f) if f.status == RectStatus::Closed && !may_accept => problems.push(format!(
                "第 {} 行：“已销号”的事项须经验收，只能由上级党总支或党群工作部导入",
                row.number
            )),
            Ok(f) => good.push(f),
            Err(why) => problems.push(format!("第 {} 行：{}", row.number, why.join("；"))),
        }
    }
    if !problems.is_empty() {
        problems.insert(
            0,
            format!(
                "共 {} 行有误，整个文件未导入。请改正后重新上传：",
                problems.len()
            ),
        );
        return import_page(&ctx, &t, problems);
    }
    let now = state.now();
    let actor = user.id;
    let n = state
        .db
        .write(move |c| {
            let t = rect::table(c, id)?;
            let n = rect::append_items(c, &t, &good, Some(actor), now)?;
            let closed = good
                .iter()
                .filter(|f| f.status == RectStatus::Closed)
                .count();
            let note = if closed > 0 {
                format!("，其中已销号 {closed} 条（由导入人确认验收）")
            } else {
                String::new()
            };
            audit::Change::new(
                actor,
                "import",
                "rect_table",
                id,
                format!("导入整改事项 {n} 条到 {}{note}", t.title),
            )
            .unit(t.unit_id)
            .after(&good)
            .record(c, now)
            .map_err(AppError::from)?;
            Ok(n)
        })
        .await?;
    flash(&session, "success", format!("已导入 {n} 条整改事项。"));
    Ok(redirect(&format!("/rect/tables/{id}")))
}
