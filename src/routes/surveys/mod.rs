//! 员工思想状况调查 (DESIGN.md F6): the surveys a unit carried out, with their participant-times,
//! findings and the measures taken, and the result files. The list, its totals and its export
//! are here, the survey page in `show`, the forms (create, edit, delete) in `form`. Every
//! handler checks the survey's organising unit against the user's scope.

mod form;
mod show;

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db::models::surveys::{self, Survey, SurveyFilter};
use crate::db::models::units::{self, Unit};
use crate::db::DbConn;
use crate::domain::activity::SurveyMethod;
use crate::domain::filters::FilterWords;
use crate::domain::Scope;
use crate::error::{AppError, AppResult};
use crate::routes::year_book::{BookSheet, Columns};
use crate::routes::{non_empty, unit_in_words, ymd};
use crate::state::{AppState, ListKey};
use crate::views::units::filter_name;
use crate::views::{render, BaseContext, PageCtx, Paging};
use crate::xlsx::{self, col, Column, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/surveys", web::get().to(list))
        .route("/surveys", web::post().to(form::create))
        .route("/surveys/new", web::get().to(form::new_form))
        .route("/surveys/export", web::get().to(export))
        .route("/surveys/{id}", web::get().to(show::show))
        .route("/surveys/{id}", web::post().to(form::update))
        .route("/surveys/{id}/edit", web::get().to(form::edit_form))
        .route("/surveys/{id}/delete", web::post().to(form::delete));
}

/// The units the user may record a survey for, in tree order.
pub(super) fn writable_units(c: &mut DbConn, user: &CurrentUser) -> AppResult<Vec<Unit>> {
    if user.may(Capability::RecordForAnyUnit) {
        Ok(units::all(c)?.into_iter().filter(|u| u.active).collect())
    } else {
        Ok(vec![units::get(c, user.unit_id)?])
    }
}

// ---------------------------------------------------------------- list

#[derive(Deserialize, Default)]
pub struct ListQuery {
    year: Option<String>,
    unit: Option<String>,
    method: Option<String>,
    page: Option<String>,
}

pub struct SurveyRow {
    pub id: i32,
    pub unit_name: String,
    pub title: String,
    pub period: String,
    pub method: &'static str,
    pub participants: i32,
    pub findings: String,
    pub measures_taken: String,
}

fn row(s: Survey, unit: Unit) -> SurveyRow {
    SurveyRow {
        id: s.id,
        unit_name: unit.name,
        period: format!("{} 至 {}", ymd(s.period_start), ymd(s.period_end)),
        method: s.method().map(SurveyMethod::label).unwrap_or_default(),
        participants: s.participants,
        title: s.title,
        findings: s.findings,
        measures_taken: s.measures_taken,
    }
}

#[derive(Template)]
#[template(path = "surveys/list.html")]
struct ListPage<'a> {
    base: BaseContext,
    years: Vec<i32>,
    units: std::sync::Arc<String>,
    methods: &'static [SurveyMethod],
    f_year: String,
    f_method: String,
    rows: &'a [SurveyRow],
    surveys: i64,
    participants: i64,
    export_link: String,
    paging: Paging,
    can_create: bool,
    filtered: bool,
}

/// The list's filters, parsed once for the page and its export.
struct Selection {
    year: i32,
    unit: Option<i32>,
    method: Option<SurveyMethod>,
}

impl Selection {
    fn of(q: &ListQuery, today: NaiveDate) -> Self {
        Selection {
            year: non_empty(&q.year)
                .and_then(|y| y.parse().ok())
                .filter(|y| (2000..=2100).contains(y))
                .unwrap_or(today.year()),
            unit: non_empty(&q.unit).and_then(|u| u.parse().ok()),
            method: non_empty(&q.method).and_then(SurveyMethod::parse),
        }
    }

    fn query_string(&self) -> String {
        let mut qs = url::form_urlencoded::Serializer::new(String::new());
        qs.append_pair("year", &self.year.to_string());
        if let Some(u) = self.unit {
            qs.append_pair("unit", &u.to_string());
        }
        if let Some(m) = self.method {
            qs.append_pair("method", m.code());
        }
        qs.finish()
    }

    /// The filters in words, as the page's selects show them, on the export's sheet.
    async fn sheet(&self, sheet: xlsx::Sheet, state: &AppState) -> AppResult<xlsx::Sheet> {
        Ok(sheet
            .filter("年度", format!("{}年", self.year))
            .filter("单位", unit_in_words(state, self.unit).await?)
            .filter(
                "调查方式",
                self.method.map(SurveyMethod::label).unwrap_or("全部"),
            ))
    }
}

/// What one selection shows: a page (or all rows for the export), the total of rows, and the
/// totals of the whole selection (surveys, participant-times).
/// A page of the list as kept until the next write (`AppState::list_page`).
struct SurveysView {
    rows: Vec<SurveyRow>,
    total: i64,
    participants: i64,
    years: Vec<i32>,
}

struct Selected {
    rows: Vec<(Survey, Unit)>,
    total: i64,
    participants: i64,
}

/// The surveys of the filter in the user's scope (a unit outside it is refused).
async fn select(
    state: &AppState,
    user: &CurrentUser,
    sel: &Selection,
    offset: i64,
    limit: i64,
) -> AppResult<Selected> {
    let u = user.clone();
    let (year, unit, method) = (sel.year, sel.unit, sel.method);
    state
        .db
        .run(move |c| {
            let mut f = SurveyFilter {
                scope: u.scope(),
                unit_path: None,
                year: Some(year),
                method,
            };
            if let Some(uid) = unit {
                let unit = units::find(c, uid)?.ok_or(AppError::NotFound)?;
                u.require(Action::Read, &unit)?;
                f.unit_path = Some(unit.path);
            }
            let (rows, total) = surveys::list(c, &f, offset, limit)?;
            let (_, participants) = surveys::totals(c, &f)?;
            Ok(Selected {
                rows,
                total,
                participants,
            })
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
    let key = ListKey::new("surveys page", user.scope(), sel.query_string(), today);
    let (offset, limit) = (paging.offset(), paging.per_page);
    // Each page is kept per scope, filters and day until the next write.
    let view = state
        .list_page(key, paging.at(), || async {
            let got = select(&state, &user, &sel, offset, limit).await?;
            let years = state
                .db
                .run(move |c| Ok(surveys::years(c, today.year())?))
                .await?;
            Ok(SurveysView {
                rows: got.rows.into_iter().map(|(s, u)| row(s, u)).collect(),
                total: got.total,
                participants: got.participants,
                years,
            })
        })
        .await?;
    paging.total = view.total;
    paging.query = sel.query_string();
    let words = FilterWords::new()
        .add("年度", format!("{}年", sel.year))
        .opt("单位", filter_name(&unit_list, sel.unit))
        .opt("调查方式", sel.method.map(SurveyMethod::label));
    render(&ListPage {
        base: ctx.base("员工思想状况调查").filters(&words),
        years: view.years.clone(),
        units: crate::views::units::unit_choices(&state, &user.scope(), sel.unit).await?,
        methods: SurveyMethod::ALL,
        f_year: sel.year.to_string(),
        f_method: sel.method.map(|m| m.code().to_string()).unwrap_or_default(),
        rows: &view.rows,
        surveys: view.total,
        participants: view.participants,
        export_link: xlsx::export_link("/surveys/export", &paging.query),
        paging,
        can_create: user.may(Capability::CreateRecords),
        filtered: sel.unit.is_some() || sel.method.is_some(),
    })
}

const EXPORT_COLUMNS: [Column; 7] = [
    col("组织单位", 24.0),
    col("调查名称", 32.0),
    col("调查时间", 24.0),
    col("调查方式", 10.0),
    col("参与人次", 10.0),
    col("主要发现", 40.0),
    col("改进措施", 40.0),
];

fn export_rows(rows: Vec<(Survey, Unit)>) -> Vec<Vec<Value>> {
    rows.into_iter()
        .map(|(s, u)| {
            let r = row(s, u);
            vec![
                Value::from(r.unit_name),
                Value::from(r.title),
                Value::from(r.period),
                Value::from(r.method),
                Value::from(r.participants),
                Value::from(r.findings),
                Value::from(r.measures_taken),
            ]
        })
        .collect()
}

/// 调查 of the year's workbook: every survey started in the year, all units, the list's order.
pub(crate) const BOOK_SHEET: BookSheet = BookSheet {
    name: "员工思想状况调查",
    title: "员工思想状况调查",
    note: "",
    columns: Columns::Fixed(|| EXPORT_COLUMNS.to_vec()),
    page: |c, year, offset, limit| {
        let f = SurveyFilter {
            scope: Scope::All,
            unit_path: None,
            year: Some(year.campaign.year),
            method: None,
        };
        let (rows, _) = surveys::list(c, &f, offset, limit)?;
        Ok(export_rows(rows))
    },
};

async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let sel = Selection::of(&query, state.settings.clock.today());
    let got = select(&state, &user, &sel, 0, xlsx::EXPORT_LIMIT).await?;
    let sheet = xlsx::Sheet::new(format!("{}年员工思想状况调查", sel.year), state.now());
    let sheet = sel.sheet(sheet, &state).await?;
    xlsx::export(&sheet, &EXPORT_COLUMNS, &export_rows(got.rows))
}
