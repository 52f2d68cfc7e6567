//! 第一议题 records (DESIGN.md F11): each branch records the first agenda item of its
//! meetings; the record then goes through the three-level review shared with monthly
//! reports (`routes::review`). The list and its export are here, the record page in
//! `show`, the create and edit forms in `form`. Every handler checks the record's unit
//! against the user's scope.

mod form;
mod show;

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db::models::topics::{self, FirstTopic, TopicFilter};
use crate::db::models::units::{self, Unit};
use crate::domain::filters::FilterWords;
use crate::domain::review::ReviewState;
use crate::domain::Scope;
use crate::error::{AppError, AppResult};
use crate::routes::review;
use crate::routes::year_book::{BookSheet, Columns};
use crate::routes::{non_empty, unit_in_words, ymd};
use crate::state::{AppState, ListKey};
use crate::views::units::filter_name;
use crate::views::{render, BaseContext, PageCtx, Paging};
use crate::xlsx::{self, col, Column, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/topics", web::get().to(list))
        .route("/topics", web::post().to(form::create))
        .route("/topics/new", web::get().to(form::new_form))
        .route("/topics/export", web::get().to(export))
        .route("/topics/queue", web::get().to(review::queue::<FirstTopic>))
        .route(
            "/topics/queue/export",
            web::get().to(review::export_queue::<FirstTopic>),
        )
        .route(
            "/topics/queue/approve",
            web::post().to(review::batch_approve::<FirstTopic>),
        )
        .route("/topics/{id}", web::get().to(show::show))
        .route("/topics/{id}", web::post().to(form::update))
        .route("/topics/{id}/edit", web::get().to(form::edit_form))
        .route(
            "/topics/{id}/submit",
            web::post().to(review::submit::<FirstTopic>),
        )
        .route(
            "/topics/{id}/approve",
            web::post().to(review::approve::<FirstTopic>),
        )
        .route(
            "/topics/{id}/return",
            web::post().to(review::return_back::<FirstTopic>),
        );
}

// ---------------------------------------------------------------- list

#[derive(Deserialize, Default)]
pub struct ListQuery {
    year: Option<String>,
    unit: Option<String>,
    state: Option<String>,
    page: Option<String>,
}

pub struct TopicRow {
    pub id: i32,
    pub unit_name: String,
    pub date: String,
    pub kind: &'static str,
    pub topic: String,
    pub attendance: i32,
    pub state: &'static str,
    pub state_code: &'static str,
}

fn row(t: FirstTopic, unit: Unit) -> TopicRow {
    TopicRow {
        id: t.id,
        unit_name: unit.name,
        date: ymd(t.meeting_date),
        kind: t.kind().label(),
        attendance: t.attendance,
        state: t.state().label(),
        state_code: t.state().code(),
        topic: t.topic,
    }
}

#[derive(Template)]
#[template(path = "topics/list.html")]
struct ListPage<'a> {
    base: BaseContext,
    years: Vec<i32>,
    units: std::sync::Arc<String>,
    states: &'static [ReviewState],
    f_year: String,
    f_state: String,
    rows: &'a [TopicRow],
    export_link: String,
    paging: Paging,
    can_create: bool,
    can_queue: bool,
    filtered: bool,
}

/// A page of the list as kept until the next write (`AppState::list_page`).
struct TopicsView {
    rows: Vec<TopicRow>,
    total: i64,
    years: Vec<i32>,
}

/// The list's filters, parsed once for the page and its export.
struct Selection {
    year: i32,
    unit: Option<i32>,
    state: Option<ReviewState>,
}

impl Selection {
    fn of(q: &ListQuery, today: NaiveDate) -> Self {
        Selection {
            year: non_empty(&q.year)
                .and_then(|y| y.parse().ok())
                .filter(|y| (2000..=2100).contains(y))
                .unwrap_or(today.year()),
            unit: non_empty(&q.unit).and_then(|u| u.parse().ok()),
            state: non_empty(&q.state).and_then(ReviewState::parse),
        }
    }

    fn query_string(&self) -> String {
        let mut qs = url::form_urlencoded::Serializer::new(String::new());
        qs.append_pair("year", &self.year.to_string());
        if let Some(u) = self.unit {
            qs.append_pair("unit", &u.to_string());
        }
        if let Some(s) = self.state {
            qs.append_pair("state", s.code());
        }
        qs.finish()
    }

    /// The filters in words, as the page's selects show them, on the export's sheet.
    async fn sheet(&self, sheet: xlsx::Sheet, state: &AppState) -> AppResult<xlsx::Sheet> {
        Ok(sheet
            .filter("年度", format!("{}年", self.year))
            .filter("单位", unit_in_words(state, self.unit).await?)
            .filter("状态", self.state.map(|s| s.label()).unwrap_or_default()))
    }
}

/// The records of the filter in the user's scope (a unit outside it is refused), one page
/// or all of them for the export, with the total.
async fn select(
    state: &AppState,
    user: &CurrentUser,
    sel: &Selection,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<(FirstTopic, Unit)>, i64)> {
    let u = user.clone();
    let (year, unit, st) = (sel.year, sel.unit, sel.state);
    state
        .db
        .run(move |c| {
            let mut f = TopicFilter {
                scope: u.scope(),
                unit_path: None,
                year: Some(year),
                state: st,
            };
            if let Some(uid) = unit {
                let unit = units::find(c, uid)?.ok_or(AppError::NotFound)?;
                u.require(Action::Read, &unit)?;
                f.unit_path = Some(unit.path);
            }
            Ok(topics::list(c, &f, offset, limit)?)
        })
        .await
}

async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let today = state.settings.clock.today();
    let sel = Selection::of(&q, today);
    let mut paging = Paging::new(q.page.as_deref(), Paging::PER_PAGE).printing(ctx.print_view);
    let unit_list = state.scope_units(&user.scope()).await?;
    let key = ListKey::new("topics page", user.scope(), sel.query_string(), today);
    let (offset, limit) = (paging.offset(), paging.per_page);
    // Each page is kept per scope, filters and day until the next write.
    let view = state
        .list_page(key, paging.at(), || async {
            let (rows, total) = select(&state, &user, &sel, offset, limit).await?;
            let years = state
                .db
                .run(move |c| Ok(topics::years(c, today.year())?))
                .await?;
            Ok(TopicsView {
                rows: rows.into_iter().map(|(t, u)| row(t, u)).collect(),
                total,
                years,
            })
        })
        .await?;
    paging.total = view.total;
    paging.query = sel.query_string();
    let words = FilterWords::new()
        .add("年度", format!("{}年", sel.year))
        .opt("单位", filter_name(&unit_list, sel.unit))
        .opt("状态", sel.state.map(ReviewState::label));
    render(&ListPage {
        base: ctx.base("第一议题").filters(&words),
        years: view.years.clone(),
        units: crate::views::units::unit_choices(&state, &user.scope(), sel.unit).await?,
        states: ReviewState::ALL,
        f_year: sel.year.to_string(),
        f_state: sel.state.map(|s| s.code().to_string()).unwrap_or_default(),
        rows: &view.rows,
        export_link: xlsx::export_link("/topics/export", &paging.query),
        paging,
        can_create: user.may(Capability::CreateRecords),
        can_queue: user.may(Capability::SeeReviewQueues),
        filtered: sel.unit.is_some() || sel.state.is_some(),
    })
}

const EXPORT_COLUMNS: [Column; 6] = [
    col("单位", 24.0),
    col("会议日期", 12.0),
    col("会议类型", 12.0),
    col("学习内容", 40.0),
    col("实到人数", 9.0),
    col("状态", 12.0),
];

fn export_rows(rows: Vec<(FirstTopic, Unit)>) -> Vec<Vec<Value>> {
    rows.into_iter()
        .map(|(t, u)| {
            let r = row(t, u);
            vec![
                Value::from(r.unit_name),
                Value::from(r.date),
                Value::from(r.kind),
                Value::from(r.topic),
                Value::from(r.attendance),
                Value::from(r.state),
            ]
        })
        .collect()
}

/// 第一议题 of the year's workbook: every topic of the year, all units, the list's order.
pub(crate) const BOOK_SHEET: BookSheet = BookSheet {
    name: "第一议题",
    title: "第一议题学习记录",
    note: "",
    columns: Columns::Fixed(|| EXPORT_COLUMNS.to_vec()),
    page: |c, year, offset, limit| {
        let f = TopicFilter {
            scope: Scope::All,
            unit_path: None,
            year: Some(year.campaign.year),
            state: None,
        };
        let (rows, _) = topics::list(c, &f, offset, limit)?;
        Ok(export_rows(rows))
    },
};

async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let sel = Selection::of(&query, state.settings.clock.today());
    let (rows, _) = select(&state, &user, &sel, 0, xlsx::EXPORT_LIMIT).await?;
    let sheet = xlsx::Sheet::new(format!("{}年第一议题学习记录", sel.year), state.now());
    let sheet = sel.sheet(sheet, &state).await?;
    xlsx::export(&sheet, &EXPORT_COLUMNS, &export_rows(rows))
}
