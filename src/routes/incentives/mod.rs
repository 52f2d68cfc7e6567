//! 正向激励 / 反向约束 (DESIGN.md F5, issue 12) at `/incentives`: one page with three tabs —
//! 正向激励 (commendations, platform promotions, upward recommendations: the list, counts by
//! kind, export and print here; the record page and forms in `form`), 系列报道 (report series
//! and their issues, `series`) and 反向约束 (referrals to the committee, the office only,
//! `referrals`). Everyone signed in reads the incentives and issues of the units in their
//! scope; the office records them.

mod form;
pub(crate) mod referrals;
pub(crate) mod series;

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db::models::incentives::{self as q, Incentive, IncentiveFilter};
use crate::db::models::units::{self, Unit};
use crate::domain::filters::FilterWords;
use crate::domain::incentive::IncentiveKind;
use crate::domain::Scope;
use crate::error::{AppError, AppResult};
use crate::routes::year_book::{BookSheet, Columns};
use crate::routes::{non_empty, unit_in_words, ymd};
use crate::state::{AppState, ListKey};
use crate::views::units::filter_name;
use crate::views::{render, BaseContext, PageCtx, Paging};
use crate::xlsx::{self, col, Column, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/incentives", web::get().to(list))
        .route("/incentives", web::post().to(form::create))
        .route("/incentives/new", web::get().to(form::new_form))
        .route("/incentives/export", web::get().to(export));
    series::configure(cfg);
    referrals::configure(cfg);
    cfg.route("/incentives/{id:\\d+}", web::get().to(form::show))
        .route("/incentives/{id:\\d+}", web::post().to(form::update))
        .route("/incentives/{id:\\d+}/edit", web::get().to(form::edit_form))
        .route("/incentives/{id:\\d+}/delete", web::post().to(form::delete));
}

/// The tabs above every page of the area; 反向约束 only for the office.
pub struct Tabs {
    pub current: &'static str,
    pub referrals: bool,
}

impl Tabs {
    fn of(user: &CurrentUser, current: &'static str) -> Self {
        Tabs {
            current,
            referrals: user.may(Capability::ManageReferrals),
        }
    }
}

/// A year typed into a filter: 2000–2100, else none.
fn year_of(raw: &Option<String>) -> Option<i32> {
    non_empty(raw)
        .and_then(|y| y.parse().ok())
        .filter(|y| (2000..=2100).contains(y))
}

fn text_of(raw: &Option<String>) -> Option<String> {
    non_empty(raw).map(|t| t.chars().take(100).collect())
}

/// A link a page may offer as `<a href>`: only http(s) (what the forms store; anything else
/// an old row might hold is shown as text).
pub fn safe_link(link: &str) -> Option<String> {
    let l = link.trim();
    (l.starts_with("http://") || l.starts_with("https://")).then(|| l.to_string())
}

// ---------------------------------------------------------------- list

#[derive(Deserialize, Default)]
pub struct ListQuery {
    kind: Option<String>,
    unit: Option<String>,
    year: Option<String>,
    q: Option<String>,
    page: Option<String>,
}

pub struct IncentiveRow {
    pub id: i32,
    pub kind: &'static str,
    pub kind_code: &'static str,
    pub unit_name: String,
    pub title: String,
    pub issuer: String,
    pub date: String,
    pub link: Option<String>,
    pub raw_link: String,
    pub notes: String,
}

fn row(i: Incentive, unit: Unit) -> IncentiveRow {
    let kind = i.kind();
    IncentiveRow {
        id: i.id,
        kind: kind.map(IncentiveKind::label).unwrap_or_default(),
        kind_code: kind.map(IncentiveKind::code).unwrap_or_default(),
        unit_name: unit.name,
        date: ymd(i.awarded_on),
        link: safe_link(&i.link),
        raw_link: i.link,
        title: i.title,
        issuer: i.issuer,
        notes: i.notes,
    }
}

pub struct KindCount {
    pub code: &'static str,
    pub label: &'static str,
    pub count: i64,
}

#[derive(Template)]
#[template(path = "incentives/list.html")]
struct ListPage<'a> {
    base: BaseContext,
    tabs: Tabs,
    years: Vec<i32>,
    units: std::sync::Arc<String>,
    kinds: &'static [IncentiveKind],
    f_kind: String,
    f_year: String,
    f_q: String,
    counts: Vec<KindCount>,
    total_all: i64,
    rows: &'a [IncentiveRow],
    export_link: String,
    paging: Paging,
    can_create: bool,
    filtered: bool,
}

/// A page of the list as kept until the next write (`AppState::list_page`).
struct IncentivesView {
    rows: Vec<IncentiveRow>,
    total: i64,
    counts: Vec<(String, i64)>,
    years: Vec<i32>,
}

#[derive(Clone)]
struct Selection {
    kind: Option<IncentiveKind>,
    unit: Option<i32>,
    year: Option<i32>,
    text: Option<String>,
}

impl Selection {
    fn of(q: &ListQuery) -> Self {
        Selection {
            kind: non_empty(&q.kind).and_then(IncentiveKind::parse),
            unit: non_empty(&q.unit).and_then(|u| u.parse().ok()),
            year: year_of(&q.year),
            text: text_of(&q.q),
        }
    }

    fn query_string(&self) -> String {
        let mut qs = url::form_urlencoded::Serializer::new(String::new());
        if let Some(k) = self.kind {
            qs.append_pair("kind", k.code());
        }
        if let Some(u) = self.unit {
            qs.append_pair("unit", &u.to_string());
        }
        if let Some(y) = self.year {
            qs.append_pair("year", &y.to_string());
        }
        if let Some(t) = &self.text {
            qs.append_pair("q", t);
        }
        qs.finish()
    }

    fn filtered(&self) -> bool {
        self.kind.is_some() || self.unit.is_some() || self.year.is_some() || self.text.is_some()
    }

    /// The filter for the database: the user's scope, the chosen unit (refused outside it).
    fn filter(&self, c: &mut crate::db::DbConn, user: &CurrentUser) -> AppResult<IncentiveFilter> {
        let mut f = IncentiveFilter {
            scope: user.scope(),
            unit_path: None,
            kind: self.kind,
            year: self.year,
            text: self.text.clone(),
        };
        if let Some(uid) = self.unit {
            let unit = units::find(c, uid)?.ok_or(AppError::NotFound)?;
            user.require(Action::Read, &unit)?;
            f.unit_path = Some(unit.path);
        }
        Ok(f)
    }
}

async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let sel = Selection::of(&q);
    let mut paging = Paging::new(q.page.as_deref(), Paging::PER_PAGE).printing(ctx.print_view);
    let (offset, limit) = (paging.offset(), paging.per_page);
    let today: NaiveDate = state.settings.clock.today();
    let u = user.clone();
    let unit_list = state.scope_units(&user.scope()).await?;
    // Each page is kept per scope, filters and day until the next write.
    let key = ListKey::new("incentives page", user.scope(), sel.query_string(), today);
    let chosen = sel.clone();
    let view = state
        .list_page(key, paging.at(), || {
            state.db.run(move |c| {
                let f = chosen.filter(c, &u)?;
                let (rows, total) = q::list(c, &f, offset, limit)?;
                Ok(IncentivesView {
                    rows: rows.into_iter().map(|(i, u)| row(i, u)).collect(),
                    total,
                    counts: q::counts_by_kind(c, &f)?,
                    years: q::years(c, today.year())?,
                })
            })
        })
        .await?;
    paging.total = view.total;
    paging.query = sel.query_string();
    let counts: Vec<KindCount> = IncentiveKind::ALL
        .iter()
        .map(|k| KindCount {
            code: k.code(),
            label: k.label(),
            count: view
                .counts
                .iter()
                .find(|(code, _)| code == k.code())
                .map_or(0, |(_, n)| *n),
        })
        .collect();
    let words = FilterWords::new()
        .opt("类别", sel.kind.map(IncentiveKind::label))
        .opt("单位", filter_name(&unit_list, sel.unit))
        .opt("年度", sel.year.map(|y| format!("{y}年")))
        .keyword("关键词", sel.text.as_deref());
    render(&ListPage {
        base: ctx.base("正向激励").filters(&words),
        tabs: Tabs::of(&user, "incentives"),
        years: view.years.clone(),
        units: crate::views::units::unit_choices(&state, &user.scope(), sel.unit).await?,
        kinds: IncentiveKind::ALL,
        f_kind: sel.kind.map(|k| k.code().to_string()).unwrap_or_default(),
        f_year: sel.year.map(|y| y.to_string()).unwrap_or_default(),
        f_q: sel.text.clone().unwrap_or_default(),
        total_all: counts.iter().map(|c| c.count).sum(),
        counts,
        rows: &view.rows,
        export_link: xlsx::export_link("/incentives/export", &paging.query),
        paging,
        can_create: user.may(Capability::ManageIncentives),
        filtered: sel.filtered(),
    })
}

const EXPORT_COLUMNS: [Column; 7] = [
    col("类别", 10.0),
    col("单位", 24.0),
    col("事项", 36.0),
    col("授予/刊发/推荐单位或平台", 22.0),
    col("日期", 12.0),
    col("链接", 36.0),
    col("备注", 30.0),
];

async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let sel = Selection::of(&query);
    let u = user.clone();
    let (data, sel) = state
        .db
        .run(move |c| {
            let f = sel.filter(c, &u)?;
            let (rows, _) = q::list(c, &f, 0, xlsx::EXPORT_LIMIT)?;
            Ok((export_rows(rows), sel))
        })
        .await?;
    let sheet = xlsx::Sheet::new("正向激励", state.now())
        .filter("类别", sel.kind.map(IncentiveKind::label).unwrap_or("全部"))
        .filter("单位", unit_in_words(&state, sel.unit).await?)
        .filter(
            "年度",
            sel.year
                .map(|y| format!("{y}年"))
                .unwrap_or_else(|| "全部".into()),
        )
        .filter(
            "关键词",
            sel.text
                .as_deref()
                .map(|t| format!("“{t}”"))
                .unwrap_or_else(|| "全部".into()),
        );
    xlsx::export(&sheet, &EXPORT_COLUMNS, &data)
}

/// The export's rows of listed incentives.
fn export_rows(rows: Vec<(Incentive, Unit)>) -> Vec<Vec<Value>> {
    rows.into_iter()
        .map(|(i, u)| {
            let r = row(i, u);
            vec![
                Value::from(r.kind),
                Value::from(r.unit_name),
                Value::from(r.title),
                Value::from(r.issuer),
                Value::from(r.date),
                Value::from(r.raw_link),
                Value::from(r.notes),
            ]
        })
        .collect()
}

/// 正向激励 of the year's workbook: every incentive dated in the year, all units.
pub(crate) const BOOK_SHEET: BookSheet = BookSheet {
    name: "正向激励",
    title: "正向激励",
    note: "",
    columns: Columns::Fixed(|| EXPORT_COLUMNS.to_vec()),
    page: |c, year, offset, limit| {
        let f = IncentiveFilter {
            scope: Scope::All,
            unit_path: None,
            kind: None,
            year: Some(year.campaign.year),
            text: None,
        };
        let (rows, _) = q::list(c, &f, offset, limit)?;
        Ok(export_rows(rows))
    },
};
