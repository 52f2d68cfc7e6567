//! The dashboard's figures for one period and scope, each with the address of the list it
//! counts (the list's own filter, so the list shows exactly that many rows). Every figure is
//! one count or one grouped query of its register, through the register's own filter: no
//! query per row.

use chrono::NaiveDate;

use super::Period;
use crate::auth::CurrentUser;
use crate::db::models::activities::{self, ActivityFilter};
use crate::db::models::brands::{self, BrandFilter};
use crate::db::models::campaigns::{self, Campaign};
use crate::db::models::feedback::{self, FeedbackFilter};
use crate::db::models::incentives::{self, IncentiveFilter};
use crate::db::models::library;
use crate::db::models::measures::{self, LightFilter, MeasureFilter};
use crate::db::models::rect::{self, ItemFilter, TableFilter};
use crate::db::models::surveys::{self, SurveyFilter};
use crate::db::DbConn;
use crate::domain::activity::{ActivityKind, RosterGroup};
use crate::domain::brand::{BrandKind, BrandStatus};
use crate::domain::feedback::{FeedbackChannel, FeedbackState};
use crate::domain::incentive::IncentiveKind;
use crate::domain::register::{
    Carrier, ExtensionStatus, LeadTag, MeasureCategory, MeasureStatus, RectArea, RectStatus,
};
use crate::domain::review::ReviewState;
use crate::domain::{Light, Scope};
use crate::error::AppResult;
use crate::routes::reports::compliance::{self, ComplianceTable};
use crate::services::coverage::{self, Selection};

/// One number on the dashboard and the list it counts (`None`: no list shows it alone).
#[derive(Clone, Debug, Default)]
pub struct Fig {
    pub label: String,
    pub value: i64,
    pub href: Option<String>,
}

impl Fig {
    fn new(label: impl Into<String>, value: i64, href: Option<String>) -> Fig {
        Fig {
            label: label.into(),
            value,
            href,
        }
    }
}

/// A share as people read it: "87.5%", or "—" with nothing to divide by.
pub fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "—".into();
    }
    let p = part as f64 * 100.0 / whole as f64;
    if (p - p.round()).abs() < 0.05 {
        format!("{}%", p.round() as i64)
    } else {
        format!("{p:.1}%")
    }
}

/// 月度调度: the month's compliance, the review pipeline and the year's trend.
#[derive(Default)]
pub struct Dispatch {
    /// 按时, 迟报, 未报, 待报送 (each linking to the month's table).
    pub counts: Vec<Fig>,
    pub branches: i64,
    /// The table grouped by 党总支.
    pub table: ComplianceTable,
    /// The month's reports by review state (草稿 … 已办结).
    pub pipeline: Vec<Fig>,
    /// Month by month (1 …, up to the period's month): the four counts.
    pub trend: Vec<(u32, [usize; 4])>,
    /// The month's table address.
    pub href: String,
}

/// 践行举措.
#[derive(Default)]
pub struct Measures {
    pub total: Fig,
    pub by_category: Vec<Fig>,
    pub by_carrier: Vec<Fig>,
    pub by_lead: Vec<Fig>,
    pub by_status: Vec<Fig>,
    /// Open ones by light: 逾期 (red), 临期 (yellow), 正常 (green).
    pub lights: Vec<Fig>,
    /// 已完成 and 已关闭 over all.
    pub completion: String,
    pub goals: i64,
}

/// One line of the rectification table by area.
pub struct AreaLine {
    pub area: &'static str,
    pub total: Fig,
    pub closed: Fig,
    pub open: Fig,
    pub overdue: Fig,
    pub rate: String,
}

/// 整改.
#[derive(Default)]
pub struct Rect {
    pub tables: Fig,
    pub areas: Vec<AreaLine>,
    pub total: i64,
    pub closed: i64,
    pub overdue: i64,
    pub rate: String,
    /// Extension requests by status (the office's list; committee scope only).
    pub extensions: Vec<Fig>,
}

/// Coverage of one target group.
pub struct CoverageLine {
    pub group: &'static str,
    pub total: i64,
    pub covered: i64,
    pub rate: String,
    pub reached: i64,
    pub href: String,
}

/// 培训与活动.
#[derive(Default)]
pub struct Training {
    /// Activities of each kind (kinds without any left out), with their 参训人次.
    pub kinds: Vec<(Fig, i64)>,
    pub activities: Fig,
    pub participant_times: i64,
    /// 培训 and 考试 only (the article's "2 trainings and 1 exam").
    pub trainings: Fig,
    pub training_times: i64,
    /// 调研、交流、座谈.
    pub exchanges: Fig,
    pub surveys: Fig,
    pub survey_times: i64,
    pub coverage: Vec<CoverageLine>,
    pub quota: i32,
}

/// One promotion of a brand.
pub struct PromotionLine {
    pub date: String,
    pub brand: String,
    pub platform: String,
    pub title: String,
    pub href: String,
}

/// 党建品牌.
#[derive(Default)]
pub struct Brands {
    pub main: Fig,
    pub subs: Fig,
    pub by_status: Vec<Fig>,
    pub promotions: Vec<PromotionLine>,
    pub templates: Fig,
    pub areas: Vec<Fig>,
}

/// 监督渠道 and 激励约束.
#[derive(Default)]
pub struct Supervision {
    pub feedback: Fig,
    pub by_channel: Vec<Fig>,
    pub by_state: Vec<Fig>,
    pub incentives: Fig,
    pub by_kind: Vec<Fig>,
    pub series: Vec<Fig>,
}

/// A headline figure beside the previous year's.
pub struct YearOverYear {
    pub label: &'static str,
    pub this: i64,
    pub last: i64,
}

impl YearOverYear {
    /// "+12", "-3" or "持平".
    pub fn change(&self) -> String {
        match self.this - self.last {
            0 => "持平".into(),
            d if d > 0 => format!("+{d}"),
            d => d.to_string(),
        }
    }
}

/// Everything the page shows.
#[derive(Default)]
pub struct Dashboard {
    pub campaign: Option<Campaign>,
    pub dispatch: Dispatch,
    pub measures: Measures,
    pub rect: Rect,
    pub training: Training,
    pub brands: Brands,
    pub supervision: Supervision,
    pub yoy: Vec<YearOverYear>,
}

/// `path?year=…&k=v…&unit=…`: a list address with the period's unit.
fn href(p: &Period, path: &str, params: &[(&str, String)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    if let Some(u) = &p.unit {
        s.append_pair("unit", &u.id.to_string());
    }
    let q = s.finish();
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{q}")
    }
}

fn y(p: &Period) -> (&'static str, String) {
    ("year", p.year.to_string())
}

/// Load every figure (inside `Db::run`).
pub fn load(
    c: &mut DbConn,
    user: &CurrentUser,
    p: &Period,
    today: NaiveDate,
) -> AppResult<Dashboard> {
    let campaign = campaigns::by_year(c, p.year)?;
    let mut d = Dashboard::default();
    if let Some(cp) = &campaign {
        d.dispatch = dispatch(c, p, cp, today)?;
        d.measures = measure_figures(c, p, cp, today)?;
        let extensions = user.may(crate::auth::policy::Capability::DecideExtensions);
        d.rect = rect_figures(c, p, cp, today, extensions)?;
    }
    d.training = training(c, user, p)?;
    d.brands = brand_figures(c, p)?;
    d.supervision = supervision(c, p)?;
    d.yoy = year_over_year(c, p, &d)?;
    d.campaign = campaign;
    Ok(d)
}

fn dispatch(c: &mut DbConn, p: &Period, cp: &Campaign, today: NaiveDate) -> AppResult<Dispatch> {
    let month_href = href(p, "/reports", &[y(p), ("month", p.month.to_string())]);
    let table_of = |c: &mut DbConn, month: u32| -> AppResult<ComplianceTable> {
        let loaded = compliance::load(c, &p.scope, p.year, month as i32, today)?;
        Ok(compliance::build(loaded, cp.due_date(month), today))
    };
    let table = table_of(c, p.month)?;
    let labels = crate::domain::report::COUNT_LABELS;
    let counts = labels
        .iter()
        .zip(table.counts)
        .map(|(l, n)| Fig::new(*l, n as i64, Some(month_href.clone())))
        .collect();
    let mut pipeline = Vec::new();
    for s in [
        ReviewState::Draft,
        ReviewState::AwaitingGeneral,
        ReviewState::AwaitingCommittee,
        ReviewState::Closed,
    ] {
        let n = table
            .groups
            .iter()
            .flat_map(|g| g.rows.iter())
            .filter(|r| r.state == s.label())
            .count();
        pipeline.push(Fig::new(s.label(), n as i64, Some(month_href.clone())));
    }
    // The year's trend: every month whose report was due before today (a month still open
    // would show as a fall to nothing).
    let mut trend = Vec::new();
    for m in 1..=12u32 {
        if cp.due_date(m).is_none_or(|due| due >= today) {
            continue;
        }
        let t = if m == p.month {
            table.counts
        } else {
            table_of(c, m)?.counts
        };
        trend.push((m, t));
    }
    Ok(Dispatch {
        counts,
        branches: table.branches as i64,
        table,
        pipeline,
        trend,
        href: month_href,
    })
}

fn measure_filter(p: &Period) -> MeasureFilter {
    let mut f = MeasureFilter::new(p.scope.clone());
    f.unit_path = p.unit_path();
    f
}

/// The rectification items of campaign `campaign_id` in the period's scope.
fn item_filter(p: &Period, campaign_id: i32) -> ItemFilter {
    ItemFilter {
        campaign_id,
        scope: Some(p.scope.clone()),
        unit_path: p.unit_path(),
        ..ItemFilter::default()
    }
}

/// The count a grouped tally (`(key, count)` rows) holds for `key`, 0 when it has none.
fn count_of<K: PartialEq + ?Sized>(counts: &[(impl std::borrow::Borrow<K>, i64)], key: &K) -> i64 {
    counts
        .iter()
        .find(|(k, _)| k.borrow() == key)
        .map_or(0, |(_, n)| *n)
}

/// One figure per value of a measure field: the measures matching `base` with the field set
/// to it (`set`), linked as `/measures?year=…&{param}={code}`.
#[allow(clippy::too_many_arguments)]
fn measures_by<T: Copy>(
    c: &mut DbConn,
    p: &Period,
    cp: &Campaign,
    base: &MeasureFilter,
    values: &[T],
    param: &str,
    set: impl Fn(&mut MeasureFilter, T),
    words: impl Fn(T) -> (&'static str, &'static str),
) -> AppResult<Vec<Fig>> {
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        let mut f = base.clone();
        set(&mut f, *v);
        let (label, code) = words(*v);
        let href = href(p, "/measures", &[y(p), (param, code.to_string())]);
        out.push(Fig::new(label, measures::count(c, cp.id, &f)?, Some(href)));
    }
    Ok(out)
}

fn measure_figures(
    c: &mut DbConn,
    p: &Period,
    cp: &Campaign,
    today: NaiveDate,
) -> AppResult<Measures> {
    let base = measure_filter(p);
    let total = measures::count(c, cp.id, &base)?;
    let link = |k: &str, v: &str| href(p, "/measures", &[y(p), (k, v.to_string())]);
    let mut m = Measures {
        total: Fig::new("践行举措", total, Some(href(p, "/measures", &[y(p)]))),
        goals: campaigns::goals(c, cp.id)?.len() as i64,
        ..Measures::default()
    };
    m.by_category = measures_by(
        c,
        p,
        cp,
        &base,
        MeasureCategory::ALL,
        "category",
        |f, v| f.category = Some(v),
        |v| (v.label(), v.code()),
    )?;
    m.by_carrier = measures_by(
        c,
        p,
        cp,
        &base,
        Carrier::ALL,
        "carrier",
        |f, v| f.carrier = Some(v),
        |v| (v.label(), v.code()),
    )?;
    m.by_carrier.retain(|f| f.value > 0);
    m.by_lead = measures_by(
        c,
        p,
        cp,
        &base,
        LeadTag::ALL,
        "lead",
        |f, v| f.lead_tag = Some(v),
        |v| (v.label(), v.code()),
    )?;
    m.by_status = measures_by(
        c,
        p,
        cp,
        &base,
        MeasureStatus::ALL,
        "status",
        |f, v| f.status = Some(v),
        |v| (v.label(), v.code()),
    )?;
    let done: i64 = MeasureStatus::ALL
        .iter()
        .zip(&m.by_status)
        .filter(|(s, _)| !s.is_open())
        .map(|(_, f)| f.value)
        .sum();
    m.completion = percent(done, total);
    for (light, label) in [
        (Light::Red, "逾期"),
        (Light::Yellow, "临期"),
        (Light::Green, "正常推进"),
    ] {
        let mut f = base.clone();
        f.light = Some(LightFilter {
            light,
            today,
            yellow_days: cp.yellow_days,
        });
        let n = measures::count(c, cp.id, &f)?;
        m.lights
            .push(Fig::new(label, n, Some(link("light", light.code()))));
    }
    Ok(m)
}

/// `extensions`: the user decides extension requests (their list is the office's).
fn rect_figures(
    c: &mut DbConn,
    p: &Period,
    cp: &Campaign,
    today: NaiveDate,
    extensions: bool,
) -> AppResult<Rect> {
    let base = item_filter(p, cp.id);
    let tables = rect::count_tables(
        c,
        &TableFilter {
            campaign_id: cp.id,
            scope: Some(p.scope.clone()),
            unit_path: p.unit_path(),
        },
    )?;
    let mut r = Rect {
        tables: Fig::new("工作配档表", tables, Some(href(p, "/rect", &[y(p)]))),
        ..Rect::default()
    };
    for area in RectArea::ALL {
        let items = |k: &str, v: &str| {
            let mut params = vec![y(p), ("area", area.code().to_string())];
            if !k.is_empty() {
                params.push((k, v.to_string()));
            }
            href(p, "/rect/items", &params)
        };
        let mut f = base.clone();
        f.area = Some(*area);
        let total = rect::count_items_matching(c, &f)?;
        let mut closed_f = f.clone();
        closed_f.status = Some(RectStatus::Closed);
        let closed = rect::count_items_matching(c, &closed_f)?;
        let mut red = f.clone();
        red.light = Some((Light::Red, today, cp.yellow_days));
        let overdue = rect::count_items_matching(c, &red)?;
        r.total += total;
        r.closed += closed;
        r.overdue += overdue;
        r.areas.push(AreaLine {
            area: area.label(),
            total: Fig::new("合计", total, Some(items("", ""))),
            closed: Fig::new(
                "已销号",
                closed,
                Some(items("status", RectStatus::Closed.code())),
            ),
            open: Fig::new("整改中", total - closed, None),
            overdue: Fig::new("逾期", overdue, Some(items("light", Light::Red.code()))),
            rate: percent(closed, total),
        });
    }
    r.rate = percent(r.closed, r.total);
    // The extension list is the office's, across units and years.
    if extensions && matches!(p.scope, Scope::All) && p.unit.is_none() {
        for s in ExtensionStatus::ALL {
            let n = rect::count_extensions(c, Some(*s))?;
            r.extensions.push(Fig::new(
                s.label(),
                n,
                Some(format!("/rect/extensions?status={}", s.code())),
            ));
        }
    }
    Ok(r)
}

fn training(c: &mut DbConn, user: &CurrentUser, p: &Period) -> AppResult<Training> {
    let mut t = Training::default();
    let link = |kind: Option<ActivityKind>| {
        let mut params = vec![y(p)];
        if let Some(k) = kind {
            params.push(("kind", k.code().to_string()));
        }
        href(p, "/activities", &params)
    };
    let kinds = activities::counts_by_kind(c, &p.scope, p.year)?;
    // Activities and 参训人次 of the kinds `pred` picks.
    let sum_of = |pred: fn(ActivityKind) -> bool| {
        kinds
            .iter()
            .filter(|k| pred(k.kind))
            .fold((0, 0), |acc, k| {
                (acc.0 + k.activities, acc.1 + k.participant_times)
            })
    };
    let (n, times) = sum_of(|_| true);
    t.activities = Fig::new("活动", n, Some(link(None)));
    t.participant_times = times;
    let (n, times) = sum_of(ActivityKind::is_training);
    t.trainings = Fig::new("培训与考试", n, None);
    t.training_times = times;
    let (n, _) = sum_of(ActivityKind::is_research_or_symposium);
    t.exchanges = Fig::new("调研交流座谈", n, None);
    t.kinds = kinds
        .iter()
        .map(|k| {
            (
                Fig::new(k.kind.label(), k.activities, Some(link(Some(k.kind)))),
                k.participant_times,
            )
        })
        .collect();
    let sf = SurveyFilter {
        scope: p.scope.clone(),
        unit_path: p.unit_path(),
        year: Some(p.year),
        method: None,
    };
    let (surveys_n, times) = surveys::totals(c, &sf)?;
    t.surveys = Fig::new("思想调查", surveys_n, Some(href(p, "/surveys", &[y(p)])));
    t.survey_times = times;
    for group in [
        RosterGroup::PartyMember,
        RosterGroup::OrgCadre,
        RosterGroup::PartyWorker,
        RosterGroup::Leader,
        RosterGroup::MiddleManager,
    ] {
        let sel = Selection {
            year: p.year,
            group,
            kinds: coverage::DEFAULT_KINDS.to_vec(),
            unit: p.unit.as_ref().map(|u| u.id),
        };
        let report = coverage::report(c, user, sel)?;
        t.quota = report.quota;
        let o = &report.overall;
        if o.total == 0 {
            continue;
        }
        t.coverage.push(CoverageLine {
            group: group.label(),
            total: o.total,
            covered: o.covered,
            rate: percent(o.covered, o.total),
            reached: o.reached,
            href: href(
                p,
                "/activities/coverage",
                &[y(p), ("group", group.code().to_string())],
            ),
        });
    }
    Ok(t)
}

fn brand_figures(c: &mut DbConn, p: &Period) -> AppResult<Brands> {
    let base = BrandFilter {
        scope: Some(p.scope.clone()),
        unit_path: p.unit_path(),
        group: None,
        status: None,
        kind: None,
    };
    let mut b = Brands::default();
    let link = |k: &str, v: &str| href(p, "/brands", &[(k, v.to_string())]);
    for kind in [BrandKind::Main, BrandKind::Sub] {
        let mut f = base.clone();
        f.kind = Some(kind);
        let n: i64 = brands::counts_by_status(c, &f)?
            .iter()
            .map(|(_, n)| n)
            .sum();
        let fig = Fig::new(kind.label(), n, Some(link("kind", kind.code())));
        match kind {
            BrandKind::Main => b.main = fig,
            BrandKind::Sub => b.subs = fig,
        }
    }
    let counts = brands::counts_by_status(c, &base)?;
    for s in BrandStatus::ALL {
        let n = count_of::<str>(&counts, s.code());
        b.by_status
            .push(Fig::new(s.label(), n, Some(link("status", s.code()))));
    }
    b.promotions = brands::latest_promotions(c, &base, 5)?
        .into_iter()
        .map(|(pr, brand_id, brand)| PromotionLine {
            date: pr.published_on.format("%Y-%m-%d").to_string(),
            brand,
            platform: pr.platform,
            title: pr.title,
            href: format!("/brands/{brand_id}"),
        })
        .collect();
    // The template library belongs to everyone.
    let lf = library::Filter::default();
    let counts = library::counts_by_area(c, &lf)?;
    let mut all = 0;
    for area in library::areas(c)? {
        let n = count_of(&counts, &area.id);
        all += n;
        b.areas.push(Fig::new(
            area.name.clone(),
            n,
            Some(format!("/templates?area={}", area.id)),
        ));
    }
    b.templates = Fig::new("工作模板", all, Some("/templates".into()));
    Ok(b)
}

fn supervision(c: &mut DbConn, p: &Period) -> AppResult<Supervision> {
    let mut s = Supervision::default();
    let (from, to) = (
        NaiveDate::from_ymd_opt(p.year, 1, 1),
        NaiveDate::from_ymd_opt(p.year, 12, 31),
    );
    let mut ff = FeedbackFilter::of_scope(p.scope.clone());
    ff.unit_path = p.unit_path();
    ff.from = from;
    ff.to = to;
    let pairs = feedback::channel_states(c, &ff)?;
    let range = [
        ("from", format!("{}-01-01", p.year)),
        ("to", format!("{}-12-31", p.year)),
    ];
    let link = |k: &str, v: &str| {
        let mut params = range.to_vec();
        params.push((k, v.to_string()));
        href(p, "/feedback", &params)
    };
    s.feedback = Fig::new(
        "来信来电",
        pairs.len() as i64,
        Some(href(p, "/feedback", &range)),
    );
    for ch in FeedbackChannel::ALL {
        let n = pairs.iter().filter(|(c, _)| c == ch.code()).count() as i64;
        s.by_channel.push(Fig::new(
            ch.long_label(),
            n,
            Some(link("channel", ch.code())),
        ));
    }
    for st in FeedbackState::ALL {
        let n = pairs.iter().filter(|(_, x)| x == st.code()).count() as i64;
        s.by_state
            .push(Fig::new(st.label(), n, Some(link("state", st.code()))));
    }
    let inf = IncentiveFilter {
        scope: p.scope.clone(),
        unit_path: p.unit_path(),
        kind: None,
        year: Some(p.year),
        text: None,
    };
    let counts = incentives::counts_by_kind(c, &inf)?;
    let mut all = 0;
    for k in IncentiveKind::ALL {
        let n = count_of::<str>(&counts, k.code());
        all += n;
        s.by_kind.push(Fig::new(
            k.label(),
            n,
            Some(href(
                p,
                "/incentives",
                &[y(p), ("kind", k.code().to_string())],
            )),
        ));
    }
    s.incentives = Fig::new("正向激励", all, Some(href(p, "/incentives", &[y(p)])));
    // Series pages read the user's whole scope: linked only without a unit picked. A series
    // without any issue in scope has none in the year either.
    for (series, in_scope) in incentives::series_list(c, &p.scope)? {
        if in_scope == 0 {
            continue;
        }
        let n = incentives::issues(c, series.id, &p.scope, Some(p.year))?.len() as i64;
        if n == 0 {
            continue;
        }
        let link = p
            .unit
            .is_none()
            .then(|| format!("/incentives/series/{}?year={}", series.id, p.year));
        s.series.push(Fig::new(series.name.clone(), n, link));
    }
    Ok(s)
}

/// The headline figures of the period's year beside the previous year's (same scope).
fn year_over_year(c: &mut DbConn, p: &Period, d: &Dashboard) -> AppResult<Vec<YearOverYear>> {
    let last_year = p.year - 1;
    let last_campaign = campaigns::by_year(c, last_year)?;
    let (measures_last, items_last, closed_last) = match &last_campaign {
        Some(cp) => {
            let m = measures::count(c, cp.id, &measure_filter(p))?;
            let f = item_filter(p, cp.id);
            let items = rect::count_items_matching(c, &f)?;
            let mut closed = f.clone();
            closed.status = Some(RectStatus::Closed);
            (m, items, rect::count_items_matching(c, &closed)?)
        }
        None => (0, 0, 0),
    };
    let mut af = ActivityFilter::new(p.scope.clone());
    af.unit_path = p.unit_path();
    af.year = Some(last_year);
    let acts_last = activities::totals(c, &af)?;
    Ok(vec![
        YearOverYear {
            label: "践行举措",
            this: d.measures.total.value,
            last: measures_last,
        },
        YearOverYear {
            label: "整改事项",
            this: d.rect.total,
            last: items_last,
        },
        YearOverYear {
            label: "已销号",
            this: d.rect.closed,
            last: closed_last,
        },
        YearOverYear {
            label: "培训活动",
            this: d.training.activities.value,
            last: acts_last.activities,
        },
        YearOverYear {
            label: "参训人次",
            this: d.training.participant_times,
            last: acts_last.participant_times,
        },
    ])
}
