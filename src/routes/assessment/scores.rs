//! /assessment (issue 12): the year's 千分制 ranking (totals at each level, shared ranks,
//! 一票否决 with its reason), its print view and the .xlsx matrix of every unit × leaf; the
//! score sheets themselves are in `sheet`, their review steps and queue in `routes::review`.

mod sheet;

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db::models::assessment;
use crate::db::models::assessment::Indicator;
use crate::db::models::assessment_scores::YearSheet;
use crate::domain::assessment::{leaf_points, IndicatorKind, Points};
use crate::domain::filters::FilterWords;
use crate::domain::review::ReviewState;
use crate::domain::{Scope, UnitKind};
use crate::error::{AppError, AppResult};
use crate::routes::non_empty;
use crate::routes::review;
use crate::routes::year_book::{BookSheet, Columns};
use crate::services::assessment_scores::{self as service, RankFilter, RankRow, Ranking, RowState};
use crate::state::{AppState, ListKey};
use crate::views::units::unit_options_html;
use crate::views::{render, BaseContext, KeptHtml, PageCtx};
use crate::xlsx::{self, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/assessment", web::get().to(ranking))
        .route("/assessment/export", web::get().to(export))
        .route("/assessment/scores", web::post().to(sheet::create))
        .route(
            "/assessment/scores/queue",
            web::get().to(review::queue::<YearSheet>),
        )
        .route(
            "/assessment/scores/queue/export",
            web::get().to(review::export_queue::<YearSheet>),
        )
        .route(
            "/assessment/scores/queue/approve",
            web::post().to(review::batch_approve::<YearSheet>),
        )
        .route("/assessment/scores/{id}", web::get().to(sheet::show))
        .route("/assessment/scores/{id}", web::post().to(sheet::save))
        .route("/assessment/scores/{id}/print", web::get().to(sheet::print))
        .route(
            "/assessment/scores/{id}/refresh",
            web::post().to(sheet::refresh),
        )
        .route(
            "/assessment/scores/{id}/submit",
            web::post().to(review::submit::<YearSheet>),
        )
        .route(
            "/assessment/scores/{id}/approve",
            web::post().to(review::approve::<YearSheet>),
        )
        .route(
            "/assessment/scores/{id}/return",
            web::post().to(review::return_back::<YearSheet>),
        );
}

#[derive(Deserialize, Default)]
pub struct RankQuery {
    year: Option<String>,
    kind: Option<String>,
    group: Option<String>,
    state: Option<String>,
}

struct Selection {
    year: i32,
    filter: RankFilter,
}

impl Selection {
    fn of(q: &RankQuery, this_year: i32) -> Selection {
        Selection {
            year: non_empty(&q.year)
                .and_then(|y| y.parse().ok())
                .filter(|y| (2000..=2100).contains(y))
                .unwrap_or(this_year),
            filter: RankFilter {
                kind: non_empty(&q.kind)
                    .and_then(UnitKind::parse)
                    .filter(|k| *k != UnitKind::Committee),
                group: non_empty(&q.group).and_then(|g| g.parse().ok()),
                state: non_empty(&q.state).and_then(RowState::parse),
            },
        }
    }

    fn query_string(&self) -> String {
        let mut qs = url::form_urlencoded::Serializer::new(String::new());
        qs.append_pair("year", &self.year.to_string());
        if let Some(k) = self.filter.kind {
            qs.append_pair("kind", k.code());
        }
        if let Some(g) = self.filter.group {
            qs.append_pair("group", &g.to_string());
        }
        if let Some(s) = self.filter.state {
            qs.append_pair("state", state_code(s));
        }
        qs.finish()
    }

    fn words(&self, r: &Ranking) -> FilterWords {
        FilterWords::new()
            .add("年度", format!("{}年", self.year))
            .opt("单位类型", self.filter.kind.map(UnitKind::label))
            .opt(
                "党总支",
                self.filter.group.map(|g| {
                    r.groups
                        .iter()
                        .find(|u| u.id == g)
                        .map_or_else(|| g.to_string(), |u| u.name.clone())
                }),
            )
            .opt("状态", self.filter.state.map(RowState::label))
    }
}

fn state_code(s: RowState) -> &'static str {
    match s {
        RowState::NotStarted => "none",
        RowState::Sheet(s) => s.code(),
    }
}

/// One line of the ranking as shown.
pub struct RankView {
    pub id: Option<i32>,
    pub unit_name: String,
    pub kind: &'static str,
    pub state: &'static str,
    pub closed: bool,
    pub self_score: String,
    pub review: String,
    pub office: String,
    pub final_total: String,
    pub rank: String,
    pub veto: String,
}

fn view(r: &RankRow) -> RankView {
    let t = r.totals.as_ref();
    let show = |x: Option<&crate::domain::assessment::Total>| {
        x.map(|t| t.points.to_string())
            .unwrap_or_else(|| "—".into())
    };
    RankView {
        id: r.score.as_ref().map(|s| s.id),
        unit_name: r.unit.name.clone(),
        kind: r.unit.kind().label(),
        state: r.state.label(),
        closed: r.state == RowState::Sheet(ReviewState::Closed),
        self_score: show(t.and_then(|t| t.self_score.as_ref())),
        review: show(t.and_then(|t| t.review.as_ref())),
        office: show(t.and_then(|t| t.office.as_ref())),
        final_total: t
            .map(|t| t.counting.points.to_string())
            .unwrap_or_else(|| "—".into()),
        rank: r.rank.map(|k| k.to_string()).unwrap_or_default(),
        veto: t.and_then(|t| t.counting.veto.clone()).unwrap_or_default(),
    }
}

/// A choice of a select.
pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "assessment/ranking.html")]
struct RankingPage<'a> {
    base: BaseContext,
    year: i32,
    years: Vec<i32>,
    has_scheme: bool,
    scheme_title: String,
    kinds: Vec<Choice>,
    groups: Vec<Choice>,
    states: Vec<Choice>,
    f_kind: String,
    f_group: String,
    f_state: String,
    no_rows: bool,
    /// The table's rows, kept rendered ([`RankingRows`]).
    rows_html: &'a str,
    closed: usize,
    started: usize,
    export_link: String,
    print_link: String,
    /// The `<option>`s of 开始评分 (empty: none).
    openable: &'a str,
    can_queue: bool,
    filtered: bool,
}

/// The ranking of a scope and filters as kept until the next write, with its rows rendered
/// once (a row per unit: 330 at 300 branches).
struct RankingView {
    ranking: Ranking,
    /// The years with a scheme.
    years: Vec<i32>,
    closed: usize,
    started: usize,
    rows_html: KeptHtml,
}

/// The rows of the ranking table (assessment/ranking.html), rendered once per write.
#[derive(Template)]
#[template(path = "assessment/ranking_rows.html")]
struct RankingRows {
    rows: Vec<RankView>,
}

/// What the 开始评分 choice is kept by: the ranking's key and who chooses (which units one may
/// open a sheet for goes with the role and the unit).
#[derive(Clone, PartialEq, Eq, Hash)]
struct OpenableKey(ListKey, &'static str, i32);

async fn load(state: &AppState, user: &CurrentUser, sel: &Selection) -> AppResult<RankingView> {
    let u = user.clone();
    let (year, f) = (sel.year, sel.filter.clone());
    state
        .db
        .run(move |c| {
            let ranking = service::ranking(c, &u, year, &f)?;
            let closed = ranking
                .rows
                .iter()
                .filter(|x| x.state == RowState::Sheet(ReviewState::Closed))
                .count();
            let started = ranking.rows.iter().filter(|x| x.score.is_some()).count();
            Ok(RankingView {
                ranking,
                years: assessment::scheme_years(c)?,
                closed,
                started,
                rows_html: KeptHtml::default(),
            })
        })
        .await
}

/// The `<option>`s of 开始评分: the units in the user's scope the user may open a sheet for
/// that have none among the rows shown, kept as the ranking is.
async fn openable_choices(
    state: &AppState,
    user: &CurrentUser,
    key: ListKey,
    kept: &RankingView,
) -> AppResult<std::sync::Arc<String>> {
    let key = OpenableKey(key, user.role.code(), user.unit_id);
    state
        .kept_or_read(key, || async {
            let units = state.scope_units(&user.scope()).await?;
            let with_sheet: std::collections::HashSet<i32> = kept
                .ranking
                .rows
                .iter()
                .filter(|x| x.score.is_some())
                .map(|x| x.unit.id)
                .collect();
            let openable: Vec<_> = service::openable_among(user, &units)
                .into_iter()
                .filter(|u| !with_sheet.contains(&u.id))
                .collect();
            unit_options_html(&openable, None).map_err(AppError::internal)
        })
        .await
}

async fn ranking(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<RankQuery>,
) -> AppResult<HttpResponse> {
    let this_year = state.settings.clock.today().year();
    let sel = Selection::of(&query, this_year);
    // The ranking is kept per scope, filters and day until the next write.
    let today = state.settings.clock.today();
    let key = ListKey::new(
        "assessment ranking",
        user.scope(),
        sel.query_string(),
        today,
    );
    let kept = state
        .kept_or_read(key.clone(), || load(&state, &user, &sel))
        .await?;
    let r = &kept.ranking;
    let mut years = kept.years.clone();
    if !years.contains(&sel.year) {
        years.push(sel.year);
        years.sort_unstable_by(|a, b| b.cmp(a));
    }
    let openable = if user.may(Capability::CreateRecords) && r.scheme.is_some() {
        openable_choices(&state, &user, key, &kept).await?
    } else {
        Default::default()
    };
    let rows_html = kept.rows_html.get_or_render(|| {
        RankingRows {
            rows: r.rows.iter().map(view).collect(),
        }
        .render()
    })?;
    let words = sel.words(r);
    let qs = sel.query_string();
    render(&RankingPage {
        base: ctx
            .base(format!("{}年度千分制考核排名", sel.year))
            .period(format!("{}年度", sel.year))
            .filters(&words),
        year: sel.year,
        years,
        has_scheme: r.scheme.is_some(),
        scheme_title: r
            .scheme
            .as_ref()
            .map(|s| s.title.clone())
            .unwrap_or_default(),
        kinds: [UnitKind::GeneralBranch, UnitKind::Branch]
            .iter()
            .map(|k| Choice {
                value: k.code().into(),
                label: k.label().into(),
            })
            .collect(),
        groups: r
            .groups
            .iter()
            .map(|g| Choice {
                value: g.id.to_string(),
                label: g.name.clone(),
            })
            .collect(),
        states: std::iter::once(RowState::NotStarted)
            .chain(ReviewState::ALL.iter().map(|s| RowState::Sheet(*s)))
            .map(|s| Choice {
                value: state_code(s).into(),
                label: s.label().into(),
            })
            .collect(),
        f_kind: sel
            .filter
            .kind
            .map(|k| k.code().to_string())
            .unwrap_or_default(),
        f_group: sel.filter.group.map(|g| g.to_string()).unwrap_or_default(),
        f_state: sel
            .filter
            .state
            .map(|s| state_code(s).to_string())
            .unwrap_or_default(),
        closed: kept.closed,
        started: kept.started,
        no_rows: r.rows.is_empty(),
        rows_html,
        export_link: xlsx::export_link("/assessment/export", &qs),
        print_link: format!("?{qs}&print=1"),
        openable: &openable,
        can_queue: user.may(Capability::SeeReviewQueues),
        filtered: sel.filter.kind.is_some()
            || sel.filter.group.is_some()
            || sel.filter.state.is_some(),
    })
}

// ---------------------------------------------------------------- the matrix

/// The whole matrix as offices print it: title, the filters and export time, a header of
/// fixed columns and one column per leaf (named with its points), a row per unit with each
/// leaf's points at the counting level, the totals at each level and the rank; A4 landscape,
/// header repeated on every page.
async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<RankQuery>,
) -> AppResult<HttpResponse> {
    let this_year = state.settings.clock.today().year();
    let sel = Selection::of(&query, this_year);
    let r = load(&state, &user, &sel).await?.ranking;
    if r.scheme.is_none() {
        return Err(AppError::NotFound);
    }
    let group = sel.filter.group.map(|g| {
        r.groups
            .iter()
            .find(|u| u.id == g)
            .map_or_else(|| g.to_string(), |u| u.name.clone())
    });
    let sheet = xlsx::Sheet::new(format!("{}年度千分制考核得分汇总", sel.year), state.now())
        .filter("年度", format!("{}年", sel.year))
        .filter(
            "单位类型",
            sel.filter.kind.map(UnitKind::label).unwrap_or_default(),
        )
        .filter("党总支", group.unwrap_or_default())
        .filter(
            "状态",
            sel.filter.state.map(RowState::label).unwrap_or_default(),
        );
    let bytes = matrix(&sheet, &r).map_err(|e| {
        tracing::error!("assessment matrix: {e:?}");
        e
    })?;
    Ok(xlsx::download(&format!("{}.xlsx", sheet.title), bytes))
}

/// The fixed columns before the leaves and after them.
const HEAD: [(&str, f64); 4] = [("名次", 6.0), ("单位", 24.0), ("类型", 8.0), ("状态", 10.0)];
const TAIL: [(&str, f64); 5] = [
    ("自评分", 9.0),
    ("总支复查分", 9.0),
    ("党委复核分", 9.0),
    ("最终得分", 9.0),
    ("一票否决", 18.0),
];

fn matrix(sheet: &xlsx::Sheet, r: &Ranking) -> AppResult<Vec<u8>> {
    let mut book = xlsx::Book::new();
    let mut w = book.sheet_of("得分汇总", sheet, &matrix_headers(&r.indicators))?;
    w.freeze_columns(2);
    book.rows(&mut w, &matrix_rows(r))?;
    book.push(w)?;
    book.finish()
}

/// The matrix's header: the fixed columns, one per leaf (named with its points), the totals.
fn matrix_headers(indicators: &[Indicator]) -> Vec<(String, f64)> {
    let mut headers: Vec<(String, f64)> = HEAD.iter().map(|(h, w)| (h.to_string(), *w)).collect();
    for l in indicators.iter().filter(|i| !i.is_area()) {
        headers.push((format!("{}（{}分）", l.name, l.max()), 10.0));
    }
    headers.extend(TAIL.iter().map(|(h, w)| (h.to_string(), *w)));
    headers
}

/// A row per unit: rank, unit, each leaf's points at the counting level, the totals, veto.
fn matrix_rows(r: &Ranking) -> Vec<Vec<Value>> {
    let leaves: Vec<&Indicator> = r.indicators.iter().filter(|i| !i.is_area()).collect();
    let num = |p: Points| Value::Number(f64::from(p.0) / 10.0);
    r.rows
        .iter()
        .map(|row| {
            let v = view(row);
            let mut cells: Vec<Value> = vec![
                row.rank.map_or(Value::Empty, |x| Value::Number(x as f64)),
                Value::from(v.unit_name.clone()),
                Value::from(v.kind),
                Value::from(v.state),
            ];
            for (i, l) in leaves.iter().enumerate() {
                let kind = l.kind().unwrap_or(IndicatorKind::Deduct);
                cells.push(match row.values.get(i).and_then(|x| x.as_ref()) {
                    None => Value::Empty,
                    Some((value, _)) if kind == IndicatorKind::Veto => {
                        if *value == Some(Points(1)) {
                            Value::from("否决")
                        } else {
                            Value::Empty
                        }
                    }
                    Some((value, _)) => num(leaf_points(kind, l.max(), *value)),
                });
            }
            let t = row.totals.as_ref();
            for x in [
                t.and_then(|t| t.self_score.as_ref()),
                t.and_then(|t| t.review.as_ref()),
                t.and_then(|t| t.office.as_ref()),
                t.map(|t| &t.counting),
            ] {
                cells.push(x.map_or(Value::Empty, |t| num(t.points)));
            }
            cells.push(Value::from(v.veto));
            cells
        })
        .collect()
}

/// 千分制考核 of the year's workbook: the year's matrix for every unit (no scheme: no rows).
pub(crate) const BOOK_SHEET: BookSheet = BookSheet {
    name: "千分制考核",
    title: "度千分制考核得分汇总",
    note: "",
    columns: Columns::Loaded(|c, year| {
        let indicators = match assessment::scheme_for_year(c, year.campaign.year)? {
            Some(scheme) => assessment::indicators(c, scheme.id)?,
            None => Vec::new(),
        };
        Ok(matrix_headers(&indicators))
    }),
    page: |c, year, offset, _limit| {
        // One row per unit, ranked together: read at once, on the first page.
        if offset > 0 {
            return Ok(Vec::new());
        }
        let r = service::ranking_in(c, &Scope::All, year.campaign.year, &RankFilter::default())?;
        Ok(matrix_rows(&r))
    },
};
