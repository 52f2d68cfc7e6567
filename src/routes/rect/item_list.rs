//! Items across the tables of a campaign, with filters, and their Excel export.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::db::models::campaigns::{self, Campaign};
use crate::db::models::rect::{self, ItemFilter, ItemRow};
use crate::domain::filters::FilterWords;
use crate::domain::register::{RectArea, RectStatus};
use crate::domain::{Light, Scope};
use crate::error::{AppError, AppResult};
use crate::routes::year_book::{BookSheet, Columns};
use crate::routes::{non_empty, unit_in_words};
use crate::state::{AppState, ListKey};
use crate::views::units::filter_name;
use crate::views::{render, BaseContext, PageCtx, Paging};
use crate::xlsx::{self, Column, Value};

use super::{item_line, keep, narrowed_unit, parse_year, ItemLine};

// ---------------------------------------------------------------- items across tables

#[derive(Deserialize, Default, Clone)]
pub(super) struct ItemsQuery {
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
    filter: ItemFilter,
    /// The filters as a query string (without `page`).
    query: String,
    year: i32,
    unit: String,
    area: String,
    status: String,
    light: String,
    q: String,
    /// The filters in words, for the print header.
    words: FilterWords,
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
    let visible = state.scope_units(&user.scope()).await?;
    let (campaign, years) = state
        .db
        .run(move |c| Ok((campaigns::chosen(c, year, today)?, campaigns::years(c)?)))
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
    let words = FilterWords::new()
        .add("年度", format!("{year_shown}年"))
        .opt("单位", filter_name(&visible, unit_id))
        .opt("问题领域", area.map(RectArea::label))
        .opt("状态", status.map(RectStatus::label))
        .opt("提醒", light.map(Light::label))
        .keyword("关键词", q.as_deref());
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
        filter,
        query,
        year: year_shown,
        unit,
        area,
        status,
        light,
        q,
        words,
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
struct ItemsPage<'a> {
    base: BaseContext,
    has_campaign: bool,
    rows: &'a [ListedItem],
    paging: Paging,
    query: String,
    year: i32,
    years: Vec<i32>,
    units: std::sync::Arc<String>,
    area: String,
    areas: &'static [RectArea],
    status: String,
    statuses: &'static [RectStatus],
    light: String,
    q: String,
}

/// What a view of the items list reads (kept per page until the next write:
/// `AppState::list_page`).
struct ItemsView {
    sel: ItemsSelection,
    rows: Vec<ListedItem>,
    total: i64,
}

pub(super) async fn items(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    req: HttpRequest,
    query: web::Query<ItemsQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let mut paging = Paging::new(query.page.as_deref(), Paging::PER_PAGE).printing(ctx.print_view);
    let today = state.settings.clock.today();
    let key = ListKey::new(
        "rect items page",
        user.scope(),
        req.query_string().into(),
        today,
    );
    let (offset, limit) = (paging.offset(), paging.per_page);
    let view = state
        .list_page(key, paging.at(), || {
            read_items(&state, &user, query, today, offset, limit)
        })
        .await?;
    let sel = &view.sel;
    paging.total = view.total;
    paging.query = sel.query.clone();
    render(&ItemsPage {
        base: ctx.base("整改事项").wide().filters(&sel.words),
        has_campaign: sel.campaign.is_some(),
        rows: &view.rows,
        paging,
        query: sel.query.clone(),
        year: sel.year,
        years: sel.years.clone(),
        units: crate::views::units::unit_choices(&state, &user.scope(), sel.unit.parse().ok())
            .await?,
        area: sel.area.clone(),
        areas: RectArea::ALL,
        status: sel.status.clone(),
        statuses: RectStatus::ALL,
        light: sel.light.clone(),
        q: sel.q.clone(),
    })
}

async fn read_items(
    state: &AppState,
    user: &CurrentUser,
    query: ItemsQuery,
    today: NaiveDate,
    offset: i64,
    limit: i64,
) -> AppResult<ItemsView> {
    let sel = select_items(state, user, query).await?;
    let yellow = sel.campaign.as_ref().map_or(7, |c| c.yellow_days);
    let filter = sel.filter.clone();
    let (rows, total) = if sel.campaign.is_some() {
        // The list's order (by unit path, table, seq) is a sort of the whole campaign: the
        // ordered ids are kept per scope, filters and day until the next write, for the
        // list's other pages.
        let key = ListKey::new("rect items", user.scope(), sel.query.clone(), today);
        let known = state.known::<_, Vec<i32>>(key);
        let kept = known.value.clone();
        let (rows, ids) = state
            .db
            .run(move |c| {
                let ids = match kept {
                    Some(ids) => ids,
                    None => std::sync::Arc::new(rect::ordered_ids(c, &filter, None)?),
                };
                let page = crate::db::paging::page_of(&ids, offset, limit);
                Ok((rect::items_by_id(c, &page)?, ids))
            })
            .await?;
        let total = ids.len() as i64;
        state.keep(known, ids);
        (rows, total)
    } else {
        (Vec::new(), 0)
    };
    let rows = rows
        .into_iter()
        .map(|(i, unit, title)| ListedItem {
            table_id: i.table_id,
            line: item_line(i, today, yellow, 0),
            unit_name: unit.name,
            table_title: title,
        })
        .collect();
    Ok(ItemsView { sel, rows, total })
}

pub(super) async fn export_items(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ItemsQuery>,
) -> AppResult<HttpResponse> {
    let sel = select_items(&state, &user, query.into_inner()).await?;
    let Some(campaign) = &sel.campaign else {
        return Err(AppError::NotFound);
    };
    let today = state.settings.clock.today();
    let filter = sel.filter.clone();
    let rows = state
        .db
        .run(move |c| Ok(rect::list_items(c, &filter, 0, xlsx::EXPORT_LIMIT)?))
        .await?;
    let data = item_export_rows(rows, today, campaign.yellow_days);
    let title = format!("{}年作风建设问题整改事项", campaign.year);
    let sheet = sel
        .sheet(xlsx::Sheet::new(title, state.now()), &state)
        .await?;
    let bytes = xlsx::table("整改事项", &sheet, &ITEM_COLUMNS, &data)?;
    Ok(xlsx::download(&format!("{}.xlsx", sheet.title), bytes))
}

const ITEM_COLUMNS: [Column; 14] = [
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

/// The export's rows of listed items, 提醒 as seen on `today` with the campaign's window.
fn item_export_rows(rows: Vec<ItemRow>, today: NaiveDate, yellow_days: i32) -> Vec<Vec<Value>> {
    rows.into_iter()
        .map(|(i, unit, title)| {
            let light = i.signal(today, yellow_days);
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
                Value::from(light.label),
            ]
        })
        .collect()
}

/// 整改事项 of the year's workbook: every item of the campaign's tables, all units.
pub(crate) const BOOK_SHEET: BookSheet = BookSheet {
    name: "整改事项",
    title: "作风建设问题整改事项",
    note: "",
    columns: Columns::Fixed(|| ITEM_COLUMNS.to_vec()),
    page: |c, year, offset, limit| {
        let f = ItemFilter {
            campaign_id: year.campaign.id,
            scope: Some(Scope::All),
            unit_path: None,
            area: None,
            status: None,
            light: None,
            q: None,
        };
        let rows = rect::list_items(c, &f, offset, limit)?;
        Ok(item_export_rows(
            rows,
            year.today,
            year.campaign.yellow_days,
        ))
    },
};

impl ItemsSelection {
    /// The export's sheet: the filters in words, as the page's selects show them.
    async fn sheet(&self, sheet: xlsx::Sheet, state: &AppState) -> AppResult<xlsx::Sheet> {
        let label = |code: &str, parse: fn(&str) -> Option<&'static str>| {
            parse(code).unwrap_or_default().to_string()
        };
        let unit = unit_in_words(state, self.unit.parse().ok()).await?;
        Ok(sheet
            .filter("年度", format!("{}年", self.year))
            .filter("单位", unit)
            .filter(
                "问题领域",
                label(&self.area, |c| RectArea::parse(c).map(|a| a.label())),
            )
            .filter(
                "状态",
                label(&self.status, |c| RectStatus::parse(c).map(|s| s.label())),
            )
            .filter(
                "提醒",
                label(&self.light, |c| Light::parse(c).map(|l| l.label())),
            )
            .filter("关键词", self.q.clone()))
    }
}
