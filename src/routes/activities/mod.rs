//! 培训与活动 (issue 11, DESIGN.md F7/F8): the register of trainings, exams, research and
//! symposium activities. The list with its totals and export is here, the record page in
//! `show`, the forms and delete in `form`, attendance (ticked, imported from a sign-in
//! sheet) in `attendance`. The coverage page is its own module (`coverage`), registered
//! before these routes so that `/activities/coverage` is not taken for a record id.

pub mod coverage;

pub(crate) mod attendance;
mod form;
mod show;

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db::models::activities::{
    self as model, hours_in_words, labels, score_in_words, Activity, ActivityFilter, Figures,
    Totals,
};
use crate::db::models::units::{self, Unit};
use crate::db::DbConn;
use crate::domain::activity::{ActivityKind, RosterGroup};
use crate::domain::filters::FilterWords;
use crate::domain::register::LeadTag;
use crate::domain::Scope;
use crate::error::{AppError, AppResult};
use crate::routes::year_book::{BookSheet, Columns};
use crate::routes::{non_empty, unit_in_words};
use crate::state::{AppState, ListKey};
use crate::views::units::filter_name;
use crate::views::{render, BaseContext, PageCtx, Paging};
use crate::xlsx::{self, col, Column, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/activities", web::get().to(list))
        .route("/activities", web::post().to(form::create))
        .route("/activities/new", web::get().to(form::new_form))
        .route("/activities/export", web::get().to(export))
        .route("/activities/{id}", web::get().to(show::show))
        .route("/activities/{id}", web::post().to(form::update))
        .route("/activities/{id}/edit", web::get().to(form::edit_form))
        .route("/activities/{id}/delete", web::post().to(form::delete))
        .route(
            "/activities/{id}/attendance",
            web::get().to(attendance::page),
        )
        .route(
            "/activities/{id}/attendance",
            web::post().to(attendance::save),
        )
        .route(
            "/activities/{id}/attendance/import",
            web::post().to(attendance::import),
        )
        .route(
            "/activities/{id}/attendance/template",
            web::get().to(attendance::template),
        );
}

/// The activity and its unit, checked for `action` (another unit's: 403; none: 404).
pub(super) async fn load_checked(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    action: Action,
) -> AppResult<(Activity, Unit)> {
    let u = user.clone();
    state
        .db
        .run(move |c| crate::services::activities::load_checked(c, &u, id, action))
        .await
}

/// 85.0%, or empty.
pub(super) fn rate_in_words(f: &Figures) -> String {
    f.pass_rate()
        .map(|r| format!("{r:.1}%"))
        .unwrap_or_default()
}

/// 86.5, or empty.
pub(super) fn average_in_words(f: &Figures) -> String {
    f.average().map(|v| format!("{v:.1}")).unwrap_or_default()
}

// ---------------------------------------------------------------- list

#[derive(Deserialize, Default)]
pub struct ListQuery {
    year: Option<String>,
    kind: Option<String>,
    unit: Option<String>,
    group: Option<String>,
    tag: Option<String>,
    page: Option<String>,
}

pub struct ActivityRow {
    pub id: i32,
    pub dates: String,
    pub kind: &'static str,
    pub title: String,
    pub unit_name: String,
    pub groups: String,
    pub hours: String,
    pub participant_times: i64,
    pub typed: bool,
    pub exam: bool,
    pub pass_rate: String,
    pub average: String,
}

fn row(a: &Activity, unit: &Unit, f: &Figures) -> ActivityRow {
    ActivityRow {
        id: a.id,
        dates: a.dates(),
        kind: a.kind().label(),
        title: a.title.clone(),
        unit_name: unit.name.clone(),
        groups: labels(&a.groups(), RosterGroup::label),
        hours: hours_in_words(a.hours),
        participant_times: f.participant_times(a),
        typed: a.participant_count.is_some(),
        exam: a.is_exam(),
        pass_rate: rate_in_words(f),
        average: average_in_words(f),
    }
}

/// A page of the activity list as kept until the next write (`AppState::list_page`).
struct ActivitiesView {
    rows: Vec<ActivityRow>,
    totals: Totals,
    years: Vec<i32>,
}

#[derive(Template)]
#[template(path = "activities/list.html")]
struct ListPage<'a> {
    base: BaseContext,
    years: Vec<i32>,
    units: std::sync::Arc<String>,
    kinds: &'static [ActivityKind],
    groups: &'static [RosterGroup],
    tags: Vec<LeadTag>,
    f_year: String,
    f_kind: String,
    f_group: String,
    f_tag: String,
    rows: &'a [ActivityRow],
    totals: Totals,
    export_link: String,
    paging: Paging,
    can_create: bool,
    filtered: bool,
}

/// The list's filters, parsed once for the page and its export.
struct Selection {
    year: i32,
    kind: Option<ActivityKind>,
    unit: Option<i32>,
    group: Option<RosterGroup>,
    tag: Option<LeadTag>,
}

impl Selection {
    fn of(q: &ListQuery, today: NaiveDate) -> Self {
        Selection {
            year: non_empty(&q.year)
                .and_then(|y| y.parse().ok())
                .filter(|y| (2000..=2100).contains(y))
                .unwrap_or(today.year()),
            kind: non_empty(&q.kind).and_then(ActivityKind::parse),
            unit: non_empty(&q.unit).and_then(|u| u.parse().ok()),
            group: non_empty(&q.group).and_then(RosterGroup::parse),
            tag: non_empty(&q.tag)
                .and_then(LeadTag::parse)
                .filter(|t| *t != LeadTag::NoTag),
        }
    }

    fn query_string(&self) -> String {
        let mut qs = url::form_urlencoded::Serializer::new(String::new());
        qs.append_pair("year", &self.year.to_string());
        if let Some(k) = self.kind {
            qs.append_pair("kind", k.code());
        }
        if let Some(u) = self.unit {
            qs.append_pair("unit", &u.to_string());
        }
        if let Some(g) = self.group {
            qs.append_pair("group", g.code());
        }
        if let Some(t) = self.tag {
            qs.append_pair("tag", t.code());
        }
        qs.finish()
    }

    fn filtered(&self) -> bool {
        self.kind.is_some() || self.unit.is_some() || self.group.is_some() || self.tag.is_some()
    }

    /// The filters in words, as the page's selects show them, on the export's sheet.
    async fn sheet(&self, sheet: xlsx::Sheet, state: &AppState) -> AppResult<xlsx::Sheet> {
        Ok(sheet
            .filter("年度", format!("{}年", self.year))
            .filter("活动类型", self.kind.map(|k| k.label()).unwrap_or_default())
            .filter("组织单位", unit_in_words(state, self.unit).await?)
            .filter(
                "培训对象",
                self.group.map(|g| g.label()).unwrap_or_default(),
            )
            .filter("四个带头", self.tag.map(|t| t.label()).unwrap_or_default()))
    }
}

/// One listed page (or all rows for the export): the rows with their figures and the totals
/// of the whole filtered list (`activities` is the list's count).
type Selected = (Vec<(Activity, Unit, Figures)>, Totals);

/// The activities of the filter in the user's scope (a unit outside it is refused). The
/// totals of the whole filtered list (its count, 参训人次) are kept until the next write
/// (`AppState::kept`, issue 14): at 1,000 branches they cost a page view ~12 ms of counting.
async fn select(
    state: &AppState,
    user: &CurrentUser,
    sel: &Selection,
    offset: i64,
    limit: i64,
) -> AppResult<Selected> {
    let mut f = ActivityFilter::new(user.scope());
    f.year = Some(sel.year);
    f.kinds = sel.kind.into_iter().collect();
    f.group = sel.group;
    f.lead_tag = sel.tag;
    if let Some(uid) = sel.unit {
        let u = user.clone();
        let path = state
            .db
            .run(move |c| {
                let unit = units::find(c, uid)?.ok_or(AppError::NotFound)?;
                u.require(Action::Read, &unit)?;
                Ok(unit.path)
            })
            .await?;
        f.unit_path = Some(path);
    }
    let read = || {
        let db = state.db.clone();
        let f = f.clone();
        async move { db.run(move |c| Ok(model::totals(c, &f)?)).await }
    };
    let totals: Totals = *state.kept_or_read(f.clone(), read).await?;
    let rows = state
        .db
        .run(move |c| {
            let rows = model::page(c, &f, offset, limit)?;
            with_figures(c, rows)
        })
        .await?;
    Ok((rows, totals))
}

/// The 四个带头 tags one can filter or tick (not 无).
pub(super) fn lead_tags() -> Vec<LeadTag> {
    LeadTag::ALL
        .iter()
        .copied()
        .filter(|t| *t != LeadTag::NoTag)
        .collect()
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
    let key = ListKey::new("activities page", user.scope(), sel.query_string(), today);
    let (offset, limit) = (paging.offset(), paging.per_page);
    // Each page is kept per scope, filters and day until the next write.
    let view = state
        .list_page(key, paging.at(), || async {
            let (rows, totals) = select(&state, &user, &sel, offset, limit).await?;
            let years = state
                .db
                .run(move |c| Ok(model::years(c, today.year())?))
                .await?;
            let rows = rows.iter().map(|(a, u, f)| row(a, u, f)).collect();
            Ok(ActivitiesView {
                rows,
                totals,
                years,
            })
        })
        .await?;
    let totals = view.totals;
    paging.total = totals.activities;
    paging.query = sel.query_string();
    let words = FilterWords::new()
        .add("年度", format!("{}年", sel.year))
        .opt("活动类型", sel.kind.map(ActivityKind::label))
        .opt("组织单位", filter_name(&unit_list, sel.unit))
        .opt("培训对象", sel.group.map(RosterGroup::label))
        .opt("四个带头", sel.tag.map(LeadTag::label));
    render(&ListPage {
        base: ctx.base("培训活动").filters(&words).wide(),
        years: view.years.clone(),
        units: crate::views::units::unit_choices(&state, &user.scope(), sel.unit).await?,
        kinds: ActivityKind::ALL,
        groups: RosterGroup::ALL,
        tags: lead_tags(),
        f_year: sel.year.to_string(),
        f_kind: sel.kind.map(|k| k.code().to_string()).unwrap_or_default(),
        f_group: sel.group.map(|g| g.code().to_string()).unwrap_or_default(),
        f_tag: sel.tag.map(|t| t.code().to_string()).unwrap_or_default(),
        rows: &view.rows,
        totals,
        export_link: xlsx::export_link("/activities/export", &paging.query),
        paging,
        can_create: user.may(Capability::CreateRecords),
        filtered: sel.filtered(),
    })
}

const EXPORT_COLUMNS: [Column; 15] = [
    col("开始日期", 12.0),
    col("结束日期", 12.0),
    col("活动类型", 12.0),
    col("活动名称", 32.0),
    col("组织单位", 22.0),
    col("培训对象", 18.0),
    col("学时", 7.0),
    col("四个带头", 22.0),
    col("地点", 16.0),
    col("参训人次", 9.0),
    col("人次来源", 9.0),
    col("及格线", 8.0),
    col("合格率(%)", 9.0),
    col("平均分", 8.0),
    col("活动内容", 36.0),
];

fn export_rows(rows: &[(Activity, Unit, Figures)]) -> Vec<Vec<Value>> {
    rows.iter()
        .map(|(a, u, f)| {
            let exam = a.is_exam();
            let round1 = |v: Option<f64>| v.map(|v| (v * 10.0).round() / 10.0);
            vec![
                Value::from(a.start_date),
                Value::from(a.end_date),
                Value::from(a.kind().label()),
                Value::from(a.title.as_str()),
                Value::from(u.name.as_str()),
                Value::from(labels(&a.groups(), RosterGroup::label)),
                Value::Number(a.hours),
                Value::from(labels(&a.lead_tags(), LeadTag::label)),
                Value::from(a.place.as_str()),
                Value::from(f.participant_times(a)),
                Value::from(if a.participant_count.is_some() {
                    "填报人数"
                } else {
                    "参加人员名单"
                }),
                if exam {
                    a.pass_mark
                        .map(|m| Value::from(score_in_words(m)))
                        .unwrap_or(Value::Empty)
                } else {
                    Value::Empty
                },
                Value::from(if exam { round1(f.pass_rate()) } else { None }),
                Value::from(if exam { round1(f.average()) } else { None }),
                Value::from(a.summary.as_str()),
            ]
        })
        .collect()
}

/// Listed activities with their figures (人次, 合格率, 平均分).
fn with_figures(
    c: &mut DbConn,
    rows: Vec<(Activity, Unit)>,
) -> AppResult<Vec<(Activity, Unit, Figures)>> {
    let ids: Vec<i32> = rows.iter().map(|(a, _)| a.id).collect();
    let figures = model::figures(c, &ids)?;
    Ok(rows
        .into_iter()
        .map(|(a, u)| {
            let fig = figures.get(&a.id).copied().unwrap_or_default();
            (a, u, fig)
        })
        .collect())
}

/// 培训与活动 of the year's workbook: every activity of the year, all units, the list's order.
pub(crate) const BOOK_SHEET: BookSheet = BookSheet {
    name: "培训与活动",
    title: "培训活动登记表",
    note: "",
    columns: Columns::Fixed(|| EXPORT_COLUMNS.to_vec()),
    page: |c, year, offset, limit| {
        let mut f = ActivityFilter::new(Scope::All);
        f.year = Some(year.campaign.year);
        let rows = model::page(c, &f, offset, limit)?;
        Ok(export_rows(&with_figures(c, rows)?))
    },
};

async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let sel = Selection::of(&query, state.settings.clock.today());
    let (rows, _) = select(&state, &user, &sel, 0, xlsx::EXPORT_LIMIT).await?;
    let sheet = xlsx::Sheet::new(format!("{}年培训活动登记表", sel.year), state.now());
    let sheet = sel.sheet(sheet, &state).await?;
    xlsx::export(&sheet, &EXPORT_COLUMNS, &export_rows(&rows))
}
