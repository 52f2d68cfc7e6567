//! `GET /dashboard`: the whole campaign on one page, its charts drawn on the server, every
//! figure a link to the list it counts; `?print=1` is its A4 print.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::data::{self, Dashboard, Fig};
use super::{period, PeriodQuery};
use crate::auth::CurrentUser;
use crate::db::models::campaigns;
use crate::domain::report::COUNT_LABELS;
use crate::domain::Scope;
use crate::error::AppResult;
use crate::services::assessment_scores::{self, RankFilter};
use crate::state::AppState;
use crate::views::charts::{self, Chart};
use crate::views::{render, BaseContext, KeptHtml, PageCtx};

/// One unit of the 千分制 ranking's top.
pub struct RankLine {
    pub rank: String,
    pub unit: String,
    pub score: String,
}

pub struct Charts {
    pub groups: Option<Chart>,
    pub trend: Option<Chart>,
    pub categories: Chart,
    pub statuses: Chart,
    pub leads: Chart,
    pub areas: Chart,
    pub kinds: Option<Chart>,
    pub brands: Chart,
    pub channels: Chart,
}

#[derive(Template)]
#[template(path = "dashboard/show.html")]
struct DashboardPage<'a> {
    base: BaseContext,
    year: i32,
    month: u32,
    scope_name: String,
    d: &'a Dashboard,
    briefing_href: String,
    /// Everything below the heading, kept rendered ([`DashboardBody`]).
    body: &'a str,
}

/// The dashboard below its heading: only what the kept figures and their key hold, so it is
/// rendered once per write and kept with the figures.
#[derive(Template)]
#[template(path = "dashboard/body.html")]
struct DashboardBody<'a> {
    year: i32,
    month: u32,
    years: &'a [i32],
    f_unit: String,
    units: &'a [(i32, String)],
    /// A secretary's dashboard: her branch alone.
    one_branch: bool,
    d: &'a Dashboard,
    c: &'a Charts,
    ranking: &'a [RankLine],
    ranked: usize,
    ranking_href: String,
    /// A branch's months in words: (month, 按时 / 迟报 / 未报 / 待报送, its badge code).
    months: &'a [(u32, &'static str, &'static str)],
}

fn pairs(figs: &[Fig]) -> Vec<(String, f64)> {
    figs.iter()
        .map(|f| (f.label.clone(), f.value as f64))
        .collect()
}

fn charts(d: &Dashboard, one_branch: bool) -> Charts {
    let disp = &d.dispatch;
    let groups = (!one_branch && !disp.table.groups.is_empty()).then(|| {
        let rows: Vec<(String, Vec<f64>)> = disp
            .table
            .groups
            .iter()
            .map(|g| (g.name.clone(), g.counts.iter().map(|n| *n as f64).collect()))
            .collect();
        charts::stacked("ch-groups", "各党总支报送情况", &COUNT_LABELS, &rows)
    });
    let trend = (!one_branch && disp.trend.len() > 1).then(|| {
        let months: Vec<String> = disp.trend.iter().map(|(m, _)| format!("{m}月")).collect();
        let series: Vec<(&str, Vec<f64>)> = (0..3)
            .map(|i| {
                (
                    COUNT_LABELS[i],
                    disp.trend.iter().map(|(_, c)| c[i] as f64).collect(),
                )
            })
            .collect();
        charts::line("ch-trend", "月度报送趋势", &months, &series)
    });
    let m = &d.measures;
    let categories = charts::bars("ch-cat", "践行举措按类别", &pairs(&m.by_category));
    let statuses = charts::donut(
        "ch-status",
        "践行举措按状态",
        &pairs(&m.by_status),
        &m.completion,
    );
    let leads = charts::bars("ch-lead", "践行举措按“四个带头”", &pairs(&m.by_lead));
    let areas = charts::stacked(
        "ch-areas",
        "整改事项按领域",
        &["已销号", "整改中"],
        &d.rect
            .areas
            .iter()
            .map(|a| {
                (
                    a.area.to_string(),
                    vec![a.closed.value as f64, a.open.value as f64],
                )
            })
            .collect::<Vec<_>>(),
    );
    let kinds = (!d.training.kinds.is_empty()).then(|| {
        let rows: Vec<(String, f64)> = d
            .training
            .kinds
            .iter()
            .map(|(f, times)| (f.label.clone(), *times as f64))
            .collect();
        charts::bars("ch-kinds", "各类活动参训人次", &rows)
    });
    let brands = charts::bars("ch-brands", "子品牌按阶段", &pairs(&d.brands.by_status));
    let channels = charts::donut(
        "ch-channels",
        "监督渠道按来源",
        &pairs(&d.supervision.by_channel),
        &format!("共 {} 件", d.supervision.feedback.value),
    );
    Charts {
        groups,
        trend,
        categories,
        statuses,
        leads,
        areas,
        kinds,
        brands,
        channels,
    }
}

/// Everything the page shows for one scope and period, read once and kept until the next
/// write (`AppState::kept`).
pub struct Figures {
    d: Dashboard,
    c: Charts,
    years: Vec<i32>,
    units: Vec<(i32, String)>,
    ranking: Vec<RankLine>,
    ranked: usize,
    months: Vec<(u32, &'static str, &'static str)>,
    /// The page below its heading ([`DashboardBody`]).
    body: KeptHtml,
}

/// What the figures depend on: who looks (role and scope: the ranking and the extension
/// figures follow them), the period, the unit picked and the day (overdue is counted as of
/// today).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FiguresKey {
    role: crate::domain::Role,
    user_scope: Scope,
    scope: Scope,
    unit: Option<i32>,
    year: i32,
    month: u32,
    today: chrono::NaiveDate,
}

/// The kept figures for this scope and period, or read them (a few dozen queries).
async fn figures(
    state: &AppState,
    user: &CurrentUser,
    p: &super::Period,
) -> AppResult<std::sync::Arc<Figures>> {
    let today = state.settings.clock.today();
    let key = FiguresKey {
        role: user.role,
        user_scope: user.scope(),
        scope: p.scope.clone(),
        unit: p.unit.as_ref().map(|u| u.id),
        year: p.year,
        month: p.month,
        today,
    };
    state
        .kept_or_read(key, || read_figures(state, user, p, today))
        .await
}

/// Read the figures for `p` (a few dozen queries).
async fn read_figures(
    state: &AppState,
    user: &CurrentUser,
    p: &super::Period,
    today: chrono::NaiveDate,
) -> AppResult<Figures> {
    let one_branch = matches!(p.scope, Scope::Unit(_));
    let me = user.clone();
    let period_ = p.clone();
    let (d, years, units, ranking) = state
        .db
        .run(move |c| {
            let d = data::load(c, &me, &period_, today)?;
            let years = campaigns::years(c)?;
            let units: Vec<(i32, String)> = crate::db::models::units::in_scope(c, &me.scope())?
                .into_iter()
                .filter(|u| u.active && u.kind() != crate::domain::UnitKind::Branch)
                .map(|u| (u.id, u.name))
                .collect();
            let mut rf = RankFilter::default();
            if let Some(u) = &period_.unit {
                if u.kind() == crate::domain::UnitKind::GeneralBranch {
                    rf.group = Some(u.id);
                }
            }
            let ranking = assessment_scores::ranking(c, &me, period_.year, &rf)?;
            Ok((d, years, units, ranking))
        })
        .await?;
    let mut ranked: Vec<_> = ranking.rows.iter().filter(|r| r.rank.is_some()).collect();
    ranked.sort_by_key(|r| r.rank);
    let top: Vec<RankLine> = ranked
        .iter()
        .take(10)
        .map(|r| RankLine {
            rank: r.rank.map(|n| n.to_string()).unwrap_or_default(),
            unit: r.unit.name.clone(),
            score: r
                .totals
                .as_ref()
                .map(|t| t.counting.points.to_string())
                .unwrap_or_default(),
        })
        .collect();
    let c = charts(&d, one_branch);
    let months = if one_branch {
        d.dispatch
            .trend
            .iter()
            .filter_map(|(m, counts)| {
                let i = counts.iter().position(|n| *n > 0)?;
                Some((
                    *m,
                    COUNT_LABELS[i],
                    ["ontime", "late", "missing", "pending"][i],
                ))
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Figures {
        ranked: ranked.len(),
        d,
        c,
        years,
        units,
        ranking: top,
        months,
        body: KeptHtml::default(),
    })
}

pub async fn page(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    q: web::Query<PeriodQuery>,
) -> AppResult<HttpResponse> {
    let p = period(&state, &user, &q).await?;
    let f = figures(&state, &user, &p).await?;
    let period_words = format!("{} 年 {} 月", p.year, p.month);
    let unit_q = p.unit_param();
    // Rendered from the figures and their key only (period, unit picked, scope): the same
    // for everyone the figures are kept for.
    let body = f.body.get_or_render(|| {
        DashboardBody {
            year: p.year,
            month: p.month,
            years: &f.years,
            f_unit: p
                .unit
                .as_ref()
                .map(|u| u.id.to_string())
                .unwrap_or_default(),
            units: &f.units,
            one_branch: matches!(p.scope, Scope::Unit(_)),
            ranked: f.ranked,
            ranking: &f.ranking,
            months: &f.months,
            ranking_href: format!("/assessment?year={}", p.year),
            d: &f.d,
            c: &f.c,
        }
        .render()
    })?;
    render(&DashboardPage {
        base: ctx
            .base("统计看板")
            .unit(p.scope_name.clone())
            .period(period_words),
        year: p.year,
        month: p.month,
        scope_name: p.scope_name.clone(),
        briefing_href: format!(
            "/dashboard/briefing.docx?year={}&month={}{}",
            p.year, p.month, unit_q
        ),
        d: &f.d,
        body,
    })
}
