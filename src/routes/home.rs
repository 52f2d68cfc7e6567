//! `/` leads to the home page of the signed-in user; `/home` shows what their role needs:
//! the deadline lights of this year's measures and rectification items in their scope, what
//! is red or yellow now, and (office) what waits for a decision. Training (issue 11): a
//! branch sees its activities this month and its members not yet covered this year; the
//! office, the viewer and a general branch see this year's coverage by unit.

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Datelike, Duration};

use crate::auth::policy::Capability;
use crate::auth::{CurrentUser, Scope};
use crate::clock::format_local;
use crate::db::models::coverage::activities_of_unit;
use crate::db::models::{
    audit, campaigns, measures, notices, rect, reports, reviews, topics, units, users,
};
use crate::db::DbConn;
use crate::domain::review::ReviewState;
use crate::domain::{Light, Role, UnitKind};
use crate::error::AppResult;
use crate::routes::activities::coverage::{query_string, LineRow, PersonRow};
use crate::routes::notices::{NoticeView, SHOWN as NOTICES_SHOWN};
use crate::services::coverage::Selection;
use crate::state::AppState;
use crate::views::{redirect, render, BaseContext, PageCtx};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(root))
        .route("/home", web::get().to(home));
}

async fn root(ctx: PageCtx) -> HttpResponse {
    redirect(if ctx.user.is_some() {
        "/home"
    } else {
        "/login"
    })
}

#[derive(Clone)]
pub struct Stat {
    pub label: &'static str,
    pub value: i64,
}

#[derive(Clone)]
pub struct UnitLine {
    pub id: i32,
    pub name: String,
    pub kind: &'static str,
    pub depth: usize,
    pub members: String,
}

pub struct RecentChange {
    pub at: String,
    pub who: String,
    pub summary: String,
}

/// Red / yellow / green counts of one register.
#[derive(Clone)]
pub struct Lights {
    pub label: &'static str,
    pub href: &'static str,
    pub red: i64,
    pub yellow: i64,
    pub green: i64,
}

/// A measure or item that is red or yellow now.
#[derive(Clone)]
pub struct Attention {
    pub light: Light,
    pub kind: &'static str,
    pub href: String,
    pub text: String,
    pub unit_name: String,
    pub deadline: String,
}

/// This month's report of the user's branch, with the countdown to the due day.
pub struct MonthReport {
    pub month: u32,
    pub due: String,
    /// Days until the due day (negative: overdue).
    pub days_left: i64,
    /// Label of the report's state, or None when no draft is opened yet.
    pub state: Option<&'static str>,
    pub submitted: bool,
    pub late: bool,
    /// Submitted once on time, returned: a resubmission stays on time even after the due day.
    pub first_on_time: bool,
    /// The comment, when the draft was returned by a reviewer.
    pub returned: Option<String>,
}

/// A monthly report of the unit returned to draft (any month), waiting to be resubmitted.
pub struct ReturnedReport {
    pub id: i32,
    pub period: String,
    pub comment: String,
}

/// An activity of this month that concerns the user's branch.
pub struct MonthActivity {
    pub id: i32,
    pub date: String,
    pub kind: &'static str,
    pub title: String,
    /// The organising unit, when it is not the user's own.
    pub organiser: Option<String>,
}

/// This year's coverage in the user's units (党员, 培训 and 考试).
pub struct HomeCoverage {
    pub year: i32,
    pub group: &'static str,
    pub kinds: String,
    pub quota: i32,
    /// The coverage page with the same selection.
    pub link: String,
    /// The coverage page's selection, for a line's link (`&unit=` appended).
    pub query: String,
    /// By unit: the units directly under the user's (none for a branch: its line is `overall`).
    pub lines: Vec<LineRow>,
    pub overall: LineRow,
    /// A branch: its members not yet covered (the first few; `overall` says how many).
    pub people: Vec<PersonRow>,
    pub not_covered: i64,
}

impl HomeCoverage {
    pub fn more_people(&self) -> bool {
        self.not_covered > self.people.len() as i64
    }
}

/// A branch's members not covered shown on its home page (the rest on the coverage page).
const UNCOVERED_SHOWN: i64 = 10;
/// This month's activities shown on a branch's home page.
const ACTIVITIES_SHOWN: i64 = 20;

impl MonthReport {
    pub fn overdue_days(&self) -> i64 {
        -self.days_left
    }
}

#[derive(Template)]
#[template(path = "home/index.html")]
struct HomePage {
    base: BaseContext,
    /// Everything else, kept per user and day (the template reads its fields through `Deref`).
    page: std::sync::Arc<HomeData>,
}

impl std::ops::Deref for HomePage {
    type Target = HomeData;
    fn deref(&self) -> &HomeData {
        &self.page
    }
}

/// What one user's home page shows on one day, kept until the next write (issue 14): read
/// again on every view, it was a trip with about ten small queries (on PostgreSQL, a round
/// trip each) for figures that change only with a write.
#[derive(Clone, PartialEq, Eq, Hash)]
struct HomeKey {
    user: i32,
    today: chrono::NaiveDate,
}

struct HomeData {
    /// The user's unread in-app notices (newest first) and how many there are.
    notices: Vec<NoticeView>,
    unread_notices: i64,
    greeting: String,
    role: Role,
    unit_name: String,
    year: Option<i32>,
    lights: Vec<Lights>,
    attention: Vec<Attention>,
    pending_extensions: i64,
    report: Option<MonthReport>,
    returned_reports: Vec<ReturnedReport>,
    /// A branch: this month's activities organised by it or attended by its people.
    month_activities: Option<Vec<MonthActivity>>,
    month: u32,
    coverage: HomeCoverage,
    reports_waiting: i64,
    topics: topics::Waiting,
    stats: Vec<Stat>,
    units: Vec<UnitLine>,
    recent: Vec<RecentChange>,
    /// What the page offers, by capability (see `policy::permits`).
    can_decide_extensions: bool,
    can_manage_campaign: bool,
    shortcuts: bool,
    sees_all_units: bool,
    /// The user's lists cover their own unit only (a branch secretary).
    own_unit_only: bool,
    sees_log: bool,
}

const ATTENTION_LIMIT: i64 = 15;

async fn home(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    let today = state.settings.clock.today();
    let key = HomeKey {
        user: user.id,
        today,
    };
    let page = state
        .kept_or_read(key, || home_data(&state, &user, today))
        .await?;
    render(&HomePage {
        base: ctx.base("首页"),
        page,
    })
}

async fn home_data(
    state: &AppState,
    user: &CurrentUser,
    today: chrono::NaiveDate,
) -> AppResult<HomeData> {
    let scope = user.scope();
    let sees_all_units = matches!(scope, Scope::All);
    let own_unit_only = matches!(scope, Scope::Unit(_));
    let committee = user.may(Capability::Rereview);
    let rechecks = user.may(Capability::Recheck);
    let sees_accounts = user.may(Capability::ManageOrganisation);
    let sees_extensions = user.may(Capability::DecideExtensions);
    let sees_log = user.may(Capability::ReadAuditLog);
    let (role, unit_id, unit_path) = (user.role, user.unit_id, user.unit_path.clone());
    let user_id = user.id;
    let branch = user.unit_kind == UnitKind::Branch && user.may(Capability::CreateRecords);
    let overview = overview_kept(state, &scope, today).await?;
    let campaign = overview.campaign.clone();
    let data = state
        .db
        .run(move |c| {
            let report = match (&campaign, branch) {
                (Some(cp), true) => match cp.due_date(today.month()) {
                    Some(due) => {
                        let report = reports::by_period(c, unit_id, cp.year, today.month() as i32)?;
                        let returned = match &report {
                            Some(r) if r.state() == ReviewState::Draft => {
                                reviews::last_return(c, reports::ENTITY, r.id)?
                                    .map(|(e, _)| e.comment)
                            }
                            _ => None,
                        };
                        let first_on_time = report
                            .as_ref()
                            .is_some_and(|r| r.submitted_at.is_some() && !r.late);
                        let status = report.map(|r| (r.state(), r.late));
                        Some(MonthReport {
                            month: today.month(),
                            due: due.format("%m月%d日").to_string(),
                            days_left: (due - today).num_days(),
                            state: status.map(|(s, _)| s.label()),
                            submitted: status.is_some_and(|(s, _)| s != ReviewState::Draft),
                            late: status.is_some_and(|(_, late)| late),
                            first_on_time,
                            returned,
                        })
                    }
                    None => None,
                },
                _ => None,
            };
            let mut returned_reports = Vec::new();
            if branch {
                for r in reports::returned_drafts(c, unit_id)? {
                    let comment = reviews::last_return(c, reports::ENTITY, r.id)?
                        .map(|(e, _)| e.comment)
                        .unwrap_or_default();
                    returned_reports.push(ReturnedReport {
                        id: r.id,
                        period: r.period(),
                        comment,
                    });
                }
            }
            let reports_waiting = reports::waiting_for(c, role, &unit_path)?;
            let unread = (
                notices::unread(c, user_id, NOTICES_SHOWN)?,
                notices::count_unread(c, user_id)?,
            );
            let review_path = rechecks.then_some(unit_path.as_str());
            let topics = topics::topics_waiting(c, unit_id, review_path, committee)?;
            let mut recent = Vec::new();
            let mut pending = 0;
            let active_users = if sees_accounts {
                Some(users::count_active(c)?)
            } else {
                None
            };
            if sees_extensions {
                pending = rect::pending_extensions(c)?;
            }
            if sees_log {
                let (rows, _) = audit::list(c, &audit::AuditFilter::default(), 0, 8)?;
                recent = rows
                    .into_iter()
                    .map(|(e, who)| RecentChange {
                        at: format_local(e.at),
                        who: who.unwrap_or_else(|| "系统".into()),
                        summary: e.summary,
                    })
                    .collect();
            }
            Ok((
                active_users,
                recent,
                (pending, report, reports_waiting, topics, returned_reports),
                unread,
            ))
        })
        .await?;
    let (active_users, recent, decisions, unread) = data;
    let (coverage, month_activities) = training(state, user, today).await?;
    let (pending_extensions, report, reports_waiting, topics, returned_reports) = decisions;
    let mut stats = overview.unit_stats.clone();
    if let Some(n) = active_users {
        stats.push(Stat {
            label: "在用账户",
            value: n,
        });
    }
    Ok(HomeData {
        notices: unread.0.into_iter().map(NoticeView::from).collect(),
        unread_notices: unread.1,
        greeting: format!("{}，您好", user.display_name),
        role: user.role,
        unit_name: user.unit_name.clone(),
        year: overview.campaign.as_ref().map(|c| c.year),
        lights: overview.lights.clone(),
        attention: overview.attention.clone(),
        pending_extensions,
        report,
        returned_reports,
        month_activities,
        month: today.month(),
        coverage,
        reports_waiting,
        topics,
        stats,
        units: overview.units.clone(),
        recent,
        can_decide_extensions: sees_extensions,
        can_manage_campaign: user.may(Capability::ManageCampaign),
        shortcuts: sees_accounts,
        sees_all_units,
        own_unit_only,
        sees_log,
    })
}

/// What a home page shows of its scope, the same for every user who reads that scope on that
/// day: the counts and tree of its units, this year's lights and what is red or yellow. Kept
/// until the next write (`AppState::kept`): the office's lights count the whole group's open
/// work, and every home page view asked for them again.
struct Overview {
    campaign: Option<campaigns::Campaign>,
    unit_stats: Vec<Stat>,
    units: Vec<UnitLine>,
    lights: Vec<Lights>,
    attention: Vec<Attention>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct OverviewKey {
    scope: Scope,
    today: chrono::NaiveDate,
}

async fn overview_kept(
    state: &AppState,
    scope: &Scope,
    today: chrono::NaiveDate,
) -> AppResult<std::sync::Arc<Overview>> {
    let key = OverviewKey {
        scope: scope.clone(),
        today,
    };
    let read = || {
        let db = state.db.clone();
        let scope = scope.clone();
        async move { db.run(move |c| overview(c, &scope, today)).await }
    };
    state.kept_or_read(key, read).await
}

fn overview(c: &mut DbConn, scope: &Scope, today: chrono::NaiveDate) -> AppResult<Overview> {
    let visible = units::in_scope(c, scope)?;
    let count = |k: UnitKind| visible.iter().filter(|u| u.kind() == k).count() as i64;
    let mut unit_stats = Vec::new();
    if !matches!(scope, Scope::Unit(_)) {
        unit_stats.push(Stat {
            label: "党总支",
            value: count(UnitKind::GeneralBranch),
        });
        unit_stats.push(Stat {
            label: "党支部",
            value: count(UnitKind::Branch),
        });
    }
    // The whole group is long: show its first two levels.
    let top = visible.iter().map(|u| u.depth()).min().unwrap_or(0);
    let shown: Vec<_> = visible
        .into_iter()
        .filter(|u| !matches!(scope, Scope::All) || u.depth() <= top + 1)
        .collect();
    let ids: Vec<i32> = shown.iter().map(|u| u.id).collect();
    let members = users::active_in_units(c, &ids)?;
    let units = shown
        .iter()
        .map(|u| UnitLine {
            id: u.id,
            name: u.name.clone(),
            kind: u.kind().label(),
            depth: u.depth() - top,
            members: members
                .iter()
                .filter(|m| m.unit_id == u.id)
                .map(|m| format!("{}（{}）", m.display_name, m.role().label()))
                .collect::<Vec<_>>()
                .join("、"),
        })
        .collect();

    let campaign = campaigns::current(c, today)?;
    let mut lights = Vec::new();
    let mut attention = Vec::new();
    if let Some(cp) = &campaign {
        let until = today + Duration::days(i64::from(cp.yellow_days));
        let light = |d| Light::of(d, today, cp.yellow_days, true);
        let (red, yellow, green) =
            measures::counts_by_light(c, scope, cp.id, today, cp.yellow_days)?;
        lights.push(Lights {
            label: "践行举措",
            href: "/measures",
            red,
            yellow,
            green,
        });
        let (red, yellow, green) = rect::counts_by_light(c, scope, cp.id, today, cp.yellow_days)?;
        lights.push(Lights {
            label: "整改事项",
            href: "/rect/items",
            red,
            yellow,
            green,
        });
        for m in measures::attention(c, scope, cp.id, until, ATTENTION_LIMIT)? {
            attention.push(Attention {
                light: light(m.deadline),
                kind: "践行举措",
                href: format!("/measures/{}", m.id),
                text: m.title,
                unit_name: m.unit_name,
                deadline: m.deadline.format("%Y-%m-%d").to_string(),
            });
        }
        for i in rect::attention(c, scope, cp.id, until, ATTENTION_LIMIT)? {
            attention.push(Attention {
                light: light(i.deadline),
                kind: "整改事项",
                href: format!("/rect/items/{}", i.id),
                text: i.problem,
                unit_name: i.unit_name,
                deadline: i.deadline.format("%Y-%m-%d").to_string(),
            });
        }
        attention.sort_by(|a, b| a.deadline.cmp(&b.deadline));
    }
    Ok(Overview {
        campaign,
        unit_stats,
        units,
        lights,
        attention,
    })
}

/// This year's coverage in the user's units (two grouped queries: the counts by unit, and a
/// branch's first members not covered) and a branch's activities this month.
async fn training(
    state: &AppState,
    user: &CurrentUser,
    today: chrono::NaiveDate,
) -> AppResult<(HomeCoverage, Option<Vec<MonthActivity>>)> {
    let me = user.clone();
    let own_unit = matches!(user.scope(), Scope::Unit(_));
    let report = crate::routes::activities::coverage::report_kept(
        state,
        user,
        Selection::of_year(today.year()),
    )
    .await?;
    let kept = std::sync::Arc::clone(&report);
    // Only a branch's own home lists people and this month's activities: the others need no
    // trip to the database beyond the kept report.
    let (people, activities) = if !own_unit {
        (Vec::new(), None)
    } else {
        state
            .db
            .run(move |c| {
                let people = if kept.overall.not_covered() > 0 {
                    kept.uncovered(c, 0, UNCOVERED_SHOWN)?
                } else {
                    Vec::new()
                };
                let first = today.with_day(1).unwrap_or(today);
                let last = first
                    .checked_add_months(chrono::Months::new(1))
                    .and_then(|d| d.pred_opt())
                    .unwrap_or(today);
                let list = activities_of_unit(c, me.unit_id, first, last, ACTIVITIES_SHOWN)?;
                let mut organisers: Vec<i32> = list.iter().map(|a| a.unit_id).collect();
                organisers.sort_unstable();
                organisers.dedup();
                let names = units::by_ids(c, &organisers)?;
                let lines = list
                    .into_iter()
                    .map(|a| MonthActivity {
                        id: a.id,
                        date: if a.end_date > a.start_date {
                            format!(
                                "{} 至 {}",
                                a.start_date.format("%m-%d"),
                                a.end_date.format("%m-%d")
                            )
                        } else {
                            a.start_date.format("%m-%d").to_string()
                        },
                        kind: a.kind().label(),
                        organiser: (a.unit_id != me.unit_id)
                            .then(|| names.iter().find(|u| u.id == a.unit_id))
                            .flatten()
                            .map(|u| u.name.clone()),
                        title: a.title,
                    })
                    .collect();
                Ok((people, Some(lines)))
            })
            .await?
    };
    let sel = &report.selection;
    let home = HomeCoverage {
        year: sel.year,
        group: sel.group.label(),
        kinds: sel.kinds_in_words(),
        quota: report.quota,
        link: format!("/activities/coverage?{}", query_string(sel)),
        query: query_string(sel),
        lines: if own_unit {
            Vec::new()
        } else {
            report.level(1).map(LineRow::of).collect()
        },
        overall: LineRow::counts(&report.overall),
        not_covered: report.overall.not_covered(),
        people: people.into_iter().map(PersonRow::of).collect(),
    };
    Ok((home, activities))
}
