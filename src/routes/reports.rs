//! Monthly reports (月度调度, DESIGN.md section 4): the month's page (own report or the
//! compliance table), the report with its lines, draft saving with edit-conflict detection,
//! submission with completeness checks, the three-level review with return comments, the
//! review queues with batch approval for the office, and a print page.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Datelike;
use diesel::OptionalExtension;
use serde::Deserialize;

use crate::auth::{Action, CurrentUser, Scope};
use crate::clock::format_local;
use crate::db::models::attachments::Owner;
use crate::db::models::campaigns;
use crate::db::models::reports::{
    self, Compliance, Line, LineInput, Report, Texts, KIND_MEASURE, MEASURE_SETTABLE,
};
use crate::db::models::units::{self, Unit};
use crate::db::models::{audit, reviews};
use crate::domain::register::RectStatus;
use crate::domain::review::{self, Actor, ReviewAction, ReviewState, StepError};
use crate::domain::{Role, UnitKind};
use crate::error::{AppError, AppResult};
use crate::routes::attachments::FileList;
use crate::state::AppState;
use crate::views::{flash, redirect, render, render_status, BaseContext, PageCtx};
use crate::xlsx::{self, col, Column, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/reports", web::get().to(index))
        .route("/reports", web::post().to(open))
        .route("/reports/export", web::get().to(export))
        .route("/reports/queue", web::get().to(queue))
        .route("/reports/queue/export", web::get().to(export_queue))
        .route("/reports/queue/approve", web::post().to(batch_approve))
        .route("/reports/{id}", web::get().to(show))
        .route("/reports/{id}", web::post().to(save))
        .route("/reports/{id}/submit", web::post().to(submit))
        .route("/reports/{id}/approve", web::post().to(approve))
        .route("/reports/{id}/return", web::post().to(return_report))
        .route("/reports/{id}/print", web::get().to(print));
}

const TEXT_MAX: usize = 2000;

// ---------------------------------------------------------------- the month's page

#[derive(Deserialize)]
pub struct MonthQuery {
    year: Option<String>,
    month: Option<String>,
}

pub struct ComplianceRow {
    /// 0 on time, 1 late, 2 missing, 3 pending: the counter it adds to.
    pub bucket: usize,
    pub unit_name: String,
    pub unit_code: String,
    pub report_id: Option<i32>,
    pub compliance: &'static str,
    pub compliance_code: &'static str,
    pub state: &'static str,
    pub submitted_at: String,
}

pub struct MineView {
    pub id: i32,
    pub state: &'static str,
    pub submitted_at: String,
    pub late: bool,
}

#[derive(Template)]
#[template(path = "reports/index.html")]
struct IndexPage {
    base: BaseContext,
    year: i32,
    month: i32,
    years: Vec<i32>,
    due: String,
    has_campaign: bool,
    is_branch: bool,
    can_open: bool,
    mine: Option<MineView>,
    show_table: bool,
    rows: Vec<ComplianceRow>,
    counts: [usize; 4],
    export_link: String,
    can_queue: bool,
}

fn parse_month(q: &MonthQuery, today: chrono::NaiveDate) -> (i32, i32) {
    let year = q
        .year
        .as_deref()
        .and_then(|s| s.trim().parse::<i32>().ok())
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(today.year());
    let month = q
        .month
        .as_deref()
        .and_then(|s| s.trim().parse::<i32>().ok())
        .filter(|m| (1..=12).contains(m))
        .unwrap_or(today.month() as i32);
    (year, month)
}

/// The compliance table's lines: each branch in scope with its report of the month, judged
/// against the month's due date (no lines when the year has no campaign).
fn compliance_rows(
    table: Vec<(Unit, Option<Report>)>,
    due: Option<chrono::NaiveDate>,
    today: chrono::NaiveDate,
) -> Vec<ComplianceRow> {
    let Some(due) = due else {
        return Vec::new();
    };
    table
        .into_iter()
        .map(|(u, r)| {
            let comp = Compliance::of(r.as_ref(), due, today);
            ComplianceRow {
                bucket: comp.count_index(),
                unit_name: u.name,
                unit_code: u.code,
                report_id: r.as_ref().map(|r| r.id),
                compliance: comp.label(),
                compliance_code: comp.code(),
                state: r.as_ref().map_or("未建立", |r| r.state().label()),
                submitted_at: r
                    .as_ref()
                    .and_then(|r| r.submitted_at)
                    .map(format_local)
                    .unwrap_or_default(),
            }
        })
        .collect()
}

const COMPLIANCE_COLUMNS: [Column; 4] = [
    col("党支部", 30.0),
    col("报送情况", 10.0),
    col("状态", 12.0),
    col("提交时间", 18.0),
];

/// The month's compliance table as the office or a general branch sees it.
async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<MonthQuery>,
) -> AppResult<HttpResponse> {
    let scope = user.scope();
    if matches!(scope, Scope::Unit(_)) {
        return Err(AppError::Forbidden);
    }
    let today = state.settings.clock.today();
    let (year, month) = parse_month(&q, today);
    let (campaign, table) = state
        .db
        .run(move |c| {
            Ok((
                campaigns::by_year(c, year)?,
                reports::compliance(c, &scope, year, month)?,
            ))
        })
        .await?;
    let due = campaign
        .as_ref()
        .and_then(|c| c.due_date(month as u32))
        .ok_or(AppError::NotFound)?;
    let data: Vec<Vec<Value>> = compliance_rows(table, Some(due), today)
        .into_iter()
        .map(|r| {
            vec![
                Value::from(r.unit_name),
                Value::from(r.compliance),
                Value::from(r.state),
                Value::from(r.submitted_at),
            ]
        })
        .collect();
    xlsx::export(
        &format!("{year}年{month}月月度调度报送情况"),
        &COMPLIANCE_COLUMNS,
        &data,
    )
}

async fn index(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    q: web::Query<MonthQuery>,
) -> AppResult<HttpResponse> {
    let today = state.settings.clock.today();
    let (year, month) = parse_month(&q, today);
    let scope = user.scope();
    let is_branch = user.unit_kind == UnitKind::Branch;
    let show_table = !matches!(scope, Scope::Unit(_));
    let uid = user.unit_id;
    let sc = scope.clone();
    let (campaign, years, mine, table) = state
        .db
        .run(move |c| {
            let campaign = campaigns::by_year(c, year)?;
            let years: Vec<i32> = campaigns::years(c)?;
            let mine = if is_branch {
                reports::by_period(c, uid, year, month)?
            } else {
                None
            };
            let table = if show_table {
                reports::compliance(c, &sc, year, month)?
            } else {
                Vec::new()
            };
            Ok((campaign, years, mine, table))
        })
        .await?;
    let due = campaign.as_ref().and_then(|c| c.due_date(month as u32));
    let rows = compliance_rows(table, due, today);
    let mut counts = [0usize; 4];
    for r in &rows {
        counts[r.bucket] += 1;
    }
    let not_future = (year, month) <= (today.year(), today.month() as i32);
    render(&IndexPage {
        base: ctx.base("月度调度"),
        year,
        month,
        years,
        due: due
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        has_campaign: campaign.is_some(),
        is_branch,
        can_open: is_branch && campaign.is_some() && not_future && user.role != Role::Viewer,
        mine: mine.map(|r| MineView {
            id: r.id,
            state: r.state().label(),
            submitted_at: r.submitted_at.map(format_local).unwrap_or_default(),
            late: r.late,
        }),
        show_table,
        rows,
        counts,
        export_link: format!("/reports/export?year={year}&month={month}"),
        can_queue: matches!(user.role, Role::Office | Role::Reviewer),
    })
}

// ---------------------------------------------------------------- open a draft

async fn open(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let pairs: HashMap<String, String> = body.into_inner().into_iter().collect();
    let get = |k: &str| {
        pairs
            .get(k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let today = state.settings.clock.today();
    let year: i32 = get("year")
        .parse()
        .map_err(|_| AppError::BadRequest("年度无效。".into()))?;
    let month: i32 = get("month")
        .parse()
        .ok()
        .filter(|m| (1..=12).contains(m))
        .ok_or_else(|| AppError::BadRequest("月份无效。".into()))?;
    let unit_id: i32 = match get("unit_id").as_str() {
        "" => user.unit_id,
        s => s
            .parse()
            .map_err(|_| AppError::BadRequest("单位无效。".into()))?,
    };
    if (year, month) > (today.year(), today.month() as i32) {
        return Err(AppError::BadRequest("不能填报未来月份的月度调度。".into()));
    }
    let now = state.now();
    let u = user.clone();
    let result = state
        .db
        .write(move |c| {
            let unit = units::find(c, unit_id)?.ok_or(AppError::Forbidden)?;
            u.require(Action::Write, &unit)?;
            if unit.kind() != UnitKind::Branch {
                return Err(AppError::BadRequest("月度调度由党支部填报。".into()));
            }
            let campaign = campaigns::by_year(c, year)?
                .ok_or_else(|| AppError::BadRequest("该年度没有活动方案。".into()))?;
            if let Some(r) = reports::by_period(c, unit_id, year, month)? {
                return Ok((r.id, false));
            }
            let r = reports::create(c, &campaign, unit_id, month, Some(u.id), now)?;
            audit::Change::new(
                u.id,
                "create",
                reports::ENTITY,
                r.id,
                format!("新建月度调度 {}（{}）", r.period(), unit.name),
            )
            .unit(unit.id)
            .record(c, now)?;
            Ok((r.id, true))
        })
        .await;
    let (id, created) = match result {
        Ok(v) => v,
        // Two first clicks at once on PostgreSQL: the second insert meets the unique key.
        Err(AppError::Internal(e)) => {
            let again = state
                .db
                .run(move |c| Ok(reports::by_period(c, unit_id, year, month)?))
                .await?;
            match again {
                Some(r) => (r.id, false),
                None => return Err(AppError::Internal(e)),
            }
        }
        Err(e) => return Err(e),
    };
    if created {
        flash(&session, "success", "已新建本月月度调度草稿，请逐项填写。");
    }
    Ok(redirect(&format!("/reports/{id}")))
}

// ---------------------------------------------------------------- the report page

pub struct Opt {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

pub struct LineView {
    pub id: i32,
    pub no: usize,
    pub kind: &'static str,
    pub title: String,
    pub progress: String,
    pub work: String,
    pub status_label: String,
    pub options: Vec<Opt>,
    pub errors: Vec<String>,
    pub files: FileList,
}

pub struct TrailLine {
    pub at: String,
    pub who: String,
    pub action: &'static str,
    pub to: &'static str,
    pub comment: String,
}

#[derive(Template)]
#[template(path = "reports/show.html")]
struct ShowPage {
    base: BaseContext,
    r: ReportView,
    lines: Vec<LineView>,
    highlights: String,
    problems: String,
    next_plan: String,
    version: i32,
    errors: Vec<String>,
    text_errors: HashMap<&'static str, String>,
    conflict: bool,
    /// What the user typed but could not be saved (the report was submitted meanwhile):
    /// label and text, shown read-only to copy.
    kept: Vec<(String, String)>,
    returned: Option<TrailLine>,
    trail: Vec<TrailLine>,
    can_edit: bool,
    can_review: bool,
}

impl ShowPage {
    fn text_error(&self, field: &str) -> &str {
        self.text_errors.get(field).map_or("", |s| s.as_str())
    }
}

pub struct ReportView {
    pub id: i32,
    pub unit_name: String,
    pub period: String,
    pub year: i32,
    pub month: i32,
    pub state: &'static str,
    pub due: String,
    pub submitted_at: String,
    pub submitter: String,
    pub late: bool,
}

/// The raw input of the report form, kept as typed.
#[derive(Default, Clone, Debug)]
struct RawForm {
    lines: HashMap<i32, (String, String, String)>,
    highlights: String,
    problems: String,
    next_plan: String,
    version: String,
}

impl RawForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> RawForm {
        let mut f = RawForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "highlights" => f.highlights = v,
                "problems" => f.problems = v,
                "next_plan" => f.next_plan = v,
                "version" => f.version = v,
                _ => {
                    let (which, id) = match k.split_once('_') {
                        Some(("progress", id)) => (0, id),
                        Some(("work", id)) => (1, id),
                        Some(("status", id)) => (2, id),
                        _ => continue,
                    };
                    let Ok(id) = id.parse::<i32>() else { continue };
                    let e = f.lines.entry(id).or_default();
                    match which {
                        0 => e.0 = v,
                        1 => e.1 = v,
                        _ => e.2 = v,
                    }
                }
            }
        }
        f
    }

    fn from_report(r: &Report, lines: &[Line]) -> RawForm {
        RawForm {
            lines: lines
                .iter()
                .map(|l| {
                    (
                        l.id,
                        (
                            l.progress.map(|p| p.to_string()).unwrap_or_default(),
                            l.work.clone(),
                            l.status.clone(),
                        ),
                    )
                })
                .collect(),
            highlights: r.highlights.clone(),
            problems: r.problems.clone(),
            next_plan: r.next_plan.clone(),
            version: r.version.to_string(),
        }
    }

    /// Validate against the report's lines: per-line messages, text messages.
    #[allow(clippy::type_complexity)]
    fn parse(
        &self,
        lines: &[Line],
    ) -> Result<(Vec<LineInput>, Texts), (HashMap<i32, Vec<String>>, HashMap<&'static str, String>)>
    {
        let mut line_errors: HashMap<i32, Vec<String>> = HashMap::new();
        let mut out = Vec::new();
        for l in lines {
            // A line the form did not carry (added to the draft after the page was opened)
            // keeps what it has.
            let (p, w, s) = self.lines.get(&l.id).cloned().unwrap_or_else(|| {
                (
                    l.progress.map(|p| p.to_string()).unwrap_or_default(),
                    l.work.clone(),
                    l.status.clone(),
                )
            });
            let mut errs = Vec::new();
            let progress = match p.trim() {
                "" => None,
                t => match t.parse::<i32>() {
                    Ok(v) if (0..=100).contains(&v) => Some(v),
                    _ => {
                        errs.push("进度须为 0 到 100 之间的整数".to_string());
                        None
                    }
                },
            };
            let work = w.trim().to_string();
            if work.chars().count() > TEXT_MAX {
                errs.push(format!("本月工作不能超过 {TEXT_MAX} 个字"));
            }
            let status = s.trim().to_string();
            if !reports::status_valid(&l.kind, &status) {
                errs.push("请选择有效的状态".to_string());
            }
            if !errs.is_empty() {
                line_errors.insert(l.id, errs);
            }
            out.push(LineInput {
                id: l.id,
                progress,
                work,
                status,
            });
        }
        let mut text_errors = HashMap::new();
        for (field, label, v) in [
            ("highlights", "亮点", &self.highlights),
            ("problems", "问题", &self.problems),
            ("next_plan", "下月计划", &self.next_plan),
        ] {
            if v.trim().chars().count() > TEXT_MAX {
                text_errors.insert(field, format!("{label}不能超过 {TEXT_MAX} 个字"));
            }
        }
        if line_errors.is_empty() && text_errors.is_empty() {
            Ok((
                out,
                Texts {
                    highlights: self.highlights.trim().to_string(),
                    problems: self.problems.trim().to_string(),
                    next_plan: self.next_plan.trim().to_string(),
                },
            ))
        } else {
            Err((line_errors, text_errors))
        }
    }
}

/// What is missing before a report can be submitted, each named.
fn missing(lines: &[Line], texts: &Texts) -> (HashMap<i32, Vec<String>>, Vec<String>) {
    let mut per_line: HashMap<i32, Vec<String>> = HashMap::new();
    let mut all = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let mut add = |what: &str| {
            let msg = format!("第 {} 行「{}」未填写{what}", i + 1, short(&l.title, 30));
            per_line
                .entry(l.id)
                .or_default()
                .push(format!("请填写{what}"));
            all.push(msg);
        };
        if l.progress.is_none() {
            add("进度");
        }
        if l.work.trim().is_empty() {
            add("本月工作");
        }
    }
    if texts.highlights.trim().is_empty() {
        all.push("未填写本月亮点".to_string());
    }
    if texts.next_plan.trim().is_empty() {
        all.push("未填写下月计划".to_string());
    }
    (per_line, all)
}

fn short(s: &str, max: usize) -> String {
    if s.chars().count() > max {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    } else {
        s.to_string()
    }
}

fn trail_line(e: reviews::ReviewEvent, who: Option<String>) -> TrailLine {
    TrailLine {
        at: format_local(e.at),
        who: who.unwrap_or_else(|| "—".into()),
        action: e.action_label(),
        to: e.to_label(),
        comment: e.comment,
    }
}

struct Loaded {
    report: Report,
    unit: Unit,
    lines: Vec<Line>,
}

async fn load(state: &AppState, user: &CurrentUser, id: i32) -> AppResult<Loaded> {
    let l = state
        .db
        .run(move |c| {
            let report = reports::find(c, id)?.ok_or(AppError::NotFound)?;
            let unit = units::get(c, report.unit_id)?;
            let lines = reports::lines(c, id)?;
            Ok(Loaded {
                report,
                unit,
                lines,
            })
        })
        .await?;
    user.require(Action::Read, &l.unit)?;
    Ok(l)
}

/// A draft shown to someone who may write it has its lines brought up to date with the
/// registers first (measures and items opened or closed since it was made).
async fn refreshed(state: &AppState, user: &CurrentUser, l: Loaded) -> AppResult<Loaded> {
    if !l.report.state().editable() || !user.can(Action::Write, &l.unit) {
        return Ok(l);
    }
    let (l, outdated) = state
        .db
        .run(move |c| {
            let outdated = reports::lines_outdated(c, &l.report, &l.lines)?;
            Ok((l, outdated))
        })
        .await?;
    if !outdated {
        return Ok(l);
    }
    let r = l.report.clone();
    let changed = state
        .db
        .write(move |c| Ok(reports::refresh_lines(c, &r)?))
        .await?;
    if changed {
        load(state, user, l.report.id).await
    } else {
        Ok(l)
    }
}

struct Problems {
    lines: HashMap<i32, Vec<String>>,
    texts: HashMap<&'static str, String>,
    general: Vec<String>,
    conflict: bool,
    kept: Vec<(String, String)>,
}

impl Problems {
    fn none() -> Self {
        Problems {
            lines: HashMap::new(),
            texts: HashMap::new(),
            general: Vec::new(),
            conflict: false,
            kept: Vec::new(),
        }
    }
}

/// Render the report page from `l` with `form` as the values shown.
async fn page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    l: Loaded,
    form: RawForm,
    problems: Problems,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let st = l.report.state();
    let can_edit = st.editable() && user.review_actor(&l.unit, st) == Some(Actor::Branch);
    let can_review = matches!(
        user.review_actor(&l.unit, st),
        Some(Actor::GeneralBranch | Actor::Committee)
    );
    let id = l.report.id;
    let line_ids: Vec<i32> = l.lines.iter().map(|x| x.id).collect();
    let submitter = l.report.submitted_by;
    let unit = l.unit.clone();
    let (files, trail, returned, submitter) = state
        .db
        .run(move |c| {
            let mut files = Vec::new();
            for lid in line_ids {
                files.push(FileList::load(
                    c,
                    Owner::ReportLine,
                    lid,
                    format!("/reports/{id}"),
                    can_edit,
                )?);
            }
            let trail = reviews::trail(c, reports::ENTITY, id)?;
            let trail = reviews::with_names(c, &unit, trail)?;
            let returned = if st == ReviewState::Draft {
                reviews::last_return(c, reports::ENTITY, id)?
            } else {
                None
            };
            let returned = match returned {
                Some(r) => reviews::with_names(c, &unit, vec![r])?.pop(),
                None => None,
            };
            let submitter = match submitter {
                Some(uid) => crate::db::models::users::get(c, uid)
                    .optional()?
                    .map(|u| u.display_name),
                None => None,
            }
            .unwrap_or_else(|| reviews::branch_stand_in(&unit));
            Ok((files, trail, returned, submitter))
        })
        .await?;
    let mut problems = problems;
    let lines: Vec<LineView> = l
        .lines
        .iter()
        .zip(files)
        .enumerate()
        .map(|(i, (line, files))| {
            let (p, w, s) = form.lines.get(&line.id).cloned().unwrap_or_default();
            let options = if line.kind == KIND_MEASURE {
                MEASURE_SETTABLE
                    .iter()
                    .map(|o| Opt {
                        code: o.code(),
                        label: o.label(),
                        selected: o.code() == s.trim(),
                    })
                    .collect()
            } else {
                RectStatus::BRANCH_SETTABLE
                    .iter()
                    .map(|o| Opt {
                        code: o.code(),
                        label: o.label(),
                        selected: o.code() == s.trim(),
                    })
                    .collect()
            };
            LineView {
                id: line.id,
                no: i + 1,
                kind: line.kind_label(),
                title: line.title.clone(),
                progress: p,
                work: w,
                status_label: line.status_label().to_string(),
                options,
                errors: problems.lines.remove(&line.id).unwrap_or_default(),
                files,
            }
        })
        .collect();
    let r = &l.report;
    let view = ReportView {
        id: r.id,
        unit_name: l.unit.name.clone(),
        period: r.period(),
        year: r.year,
        month: r.month,
        state: st.label(),
        due: r.due_date.format("%Y-%m-%d").to_string(),
        submitted_at: r.submitted_at.map(format_local).unwrap_or_default(),
        submitter,
        late: r.late,
    };
    let version = form.version.trim().parse().unwrap_or(r.version);
    render_status(
        status,
        &ShowPage {
            base: ctx.base(format!("{} {} 月度调度", l.unit.name, r.period())),
            r: view,
            lines,
            highlights: form.highlights,
            problems: form.problems,
            next_plan: form.next_plan,
            version,
            errors: problems.general,
            text_errors: problems.texts,
            conflict: problems.conflict,
            kept: problems.kept,
            returned: returned.map(|(e, who)| trail_line(e, who)),
            trail: trail.into_iter().map(|(e, w)| trail_line(e, w)).collect(),
            can_edit,
            can_review,
        },
    )
}

async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let l = refreshed(&state, &user, load(&state, &user, id).await?).await?;
    let form = RawForm::from_report(&l.report, &l.lines);
    page(
        &state,
        &ctx,
        &user,
        l,
        form,
        Problems::none(),
        StatusCode::OK,
    )
    .await
}

// ---------------------------------------------------------------- save and submit

enum Outcome {
    Saved,
    Submitted(ReviewState),
    Conflict,
    /// Submitted (or further) meanwhile: nothing saved.
    NotEditable,
    Incomplete(HashMap<i32, Vec<String>>, Vec<String>),
}

async fn save(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    save_or_submit(state, user, ctx, session, path.into_inner(), body, false).await
}

async fn submit(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    save_or_submit(state, user, ctx, session, path.into_inner(), body, true).await
}

async fn save_or_submit(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    id: i32,
    body: web::Form<Vec<(String, String)>>,
    submit: bool,
) -> AppResult<HttpResponse> {
    let l = load(&state, &user, id).await?;
    user.require(Action::Write, &l.unit)?;
    let form = RawForm::from_pairs(body.into_inner());
    if !l.report.state().editable() {
        return not_editable_page(&state, &ctx, &user, l, &form).await;
    }
    let (inputs, texts) = match form.parse(&l.lines) {
        Ok(v) => v,
        Err((lines, texts)) => {
            let mut p = Problems::none();
            p.lines = lines;
            p.texts = texts;
            p.general
                .push("有填写不正确的内容，请按提示修改（尚未保存）。".into());
            return page(
                &state,
                &ctx,
                &user,
                l,
                form,
                p,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let expected: Option<i32> = form.version.trim().parse().ok();
    let now = state.now();
    let today = state.settings.clock.today();
    let u = user.clone();
    let outcome = state
        .db
        .write(move |c| {
            let before = reports::find(c, id)?.ok_or(AppError::NotFound)?;
            let unit = units::get(c, before.unit_id)?;
            u.require(Action::Write, &unit)?;
            let st = before.state();
            if !st.editable() {
                return Ok(Outcome::NotEditable);
            }
            let Some(expected) = expected.filter(|v| *v == before.version) else {
                return Ok(Outcome::Conflict);
            };
            // The UPDATE itself checks version and state: a concurrent save or submission
            // that got there first leaves nothing written here.
            if !reports::save(c, id, expected, &inputs, &texts, u.id, now)? {
                let now_st = reports::find(c, id)?.map(|r| r.state());
                return Ok(if now_st.is_some_and(|s| s.editable()) {
                    Outcome::Conflict
                } else {
                    Outcome::NotEditable
                });
            }
            let after = reports::find(c, id)?.ok_or(AppError::NotFound)?;
            reports::refresh_lines(c, &after)?;
            if !submit {
                audit::Change::new(
                    u.id,
                    "update",
                    reports::ENTITY,
                    id,
                    format!("保存月度调度草稿 {}（{}）", before.period(), unit.name),
                )
                .unit(unit.id)
                .record(c, now)?;
                return Ok(Outcome::Saved);
            }
            let lines = reports::lines(c, id)?;
            let (per_line, all) = missing(&lines, &texts);
            if !all.is_empty() {
                // The draft was saved: that is recorded like any save.
                audit::Change::new(
                    u.id,
                    "update",
                    reports::ENTITY,
                    id,
                    format!(
                        "保存月度调度草稿 {}（{}），提交未成功：内容不完整",
                        before.period(),
                        unit.name
                    ),
                )
                .unit(unit.id)
                .record(c, now)?;
                return Ok(Outcome::Incomplete(per_line, all));
            }
            let actor = u.review_actor(&unit, st).ok_or(AppError::Forbidden)?;
            let to = review::step(
                st,
                ReviewAction::Submit,
                actor,
                unit.directly_under_root(),
                false,
            )
            .map_err(step_error)?;
            let late = reports::late_on_submit(&before, today);
            if !reports::mark_submitted(c, id, to, u.id, late, now)? {
                return Err(AppError::Conflict(StepError::NotNow.message().into()));
            }
            reviews::record(
                c,
                reviews::Step {
                    entity: reports::ENTITY,
                    entity_id: id,
                    action: ReviewAction::Submit,
                    from: st,
                    to,
                    actor_id: u.id,
                    comment: "",
                },
                now,
            )?;
            audit::Change::new(
                u.id,
                "submit",
                reports::ENTITY,
                id,
                format!(
                    "提交月度调度 {}（{}）{}",
                    before.period(),
                    unit.name,
                    if late { "，迟报" } else { "" }
                ),
            )
            .unit(unit.id)
            .record(c, now)?;
            Ok(Outcome::Submitted(to))
        })
        .await?;
    match outcome {
        Outcome::Saved => {
            flash(&session, "success", "草稿已保存。");
            Ok(redirect(&format!("/reports/{id}")))
        }
        Outcome::Submitted(to) => {
            flash(
                &session,
                "success",
                format!("已提交，当前状态：{}。", to.label()),
            );
            Ok(redirect(&format!("/reports/{id}")))
        }
        Outcome::NotEditable => {
            let fresh = load(&state, &user, id).await?;
            not_editable_page(&state, &ctx, &user, fresh, &form).await
        }
        Outcome::Conflict => {
            let fresh = load(&state, &user, id).await?;
            let mut form = form;
            form.version = fresh.report.version.to_string();
            let mut p = Problems::none();
            p.conflict = true;
            p.general.push(
                "保存失败：在您编辑期间，本支部的其他人已保存了这份月度调度。您的内容保留在下方，尚未保存；请核对后再次保存（将以您的内容为准）。"
                    .into(),
            );
            page(&state, &ctx, &user, fresh, form, p, StatusCode::CONFLICT).await
        }
        Outcome::Incomplete(per_line, all) => {
            // The draft was saved; the page shows it with what is missing.
            let fresh = load(&state, &user, id).await?;
            let mut form = form;
            form.version = fresh.report.version.to_string();
            let mut p = Problems::none();
            p.lines = per_line;
            p.general
                .push("草稿已保存，但还不能提交，以下内容尚未填写：".into());
            p.general.extend(all);
            page(
                &state,
                &ctx,
                &user,
                fresh,
                form,
                p,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// The report was submitted before this save or submission arrived: show it as it is now,
/// say so plainly, and list what the user typed (not saved) so nothing is lost.
async fn not_editable_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    l: Loaded,
    form: &RawForm,
) -> AppResult<HttpResponse> {
    let mut p = Problems::none();
    p.general.push(format!(
        "未能保存：这份月度调度已经提交（当前状态：{}），不能再修改。您刚才填写的内容没有保存，已列在页面下方，可复制留存；如需修改，请联系审核人退回后再填写。",
        l.report.state().label()
    ));
    for (i, line) in l.lines.iter().enumerate() {
        if let Some((_, w, _)) = form.lines.get(&line.id) {
            if !w.trim().is_empty() {
                p.kept.push((
                    format!("第 {} 行「{}」本月工作", i + 1, short(&line.title, 30)),
                    w.trim().to_string(),
                ));
            }
        }
    }
    for (label, v) in [
        ("本月亮点", &form.highlights),
        ("存在问题", &form.problems),
        ("下月计划", &form.next_plan),
    ] {
        if !v.trim().is_empty() {
            p.kept.push((label.to_string(), v.trim().to_string()));
        }
    }
    let stored = RawForm::from_report(&l.report, &l.lines);
    page(state, ctx, user, l, stored, p, StatusCode::CONFLICT).await
}

fn step_error(e: StepError) -> AppError {
    match e {
        StepError::NotYours => AppError::Forbidden,
        other => AppError::Conflict(other.message().into()),
    }
}

// ---------------------------------------------------------------- review

/// Approve or return one report inside a write transaction: checks the actor against the
/// CURRENT state, steps, keeps the trail, and flows progress back on final approval.
fn review_one(
    c: &mut crate::db::DbConn,
    u: &CurrentUser,
    id: i32,
    action: ReviewAction,
    comment: &str,
    now: chrono::NaiveDateTime,
) -> AppResult<(Report, Unit, ReviewState)> {
    let r = reports::find(c, id)?.ok_or(AppError::NotFound)?;
    let unit = units::get(c, r.unit_id)?;
    let st = r.state();
    let actor = match u.review_actor(&unit, st) {
        Some(a) => a,
        None => {
            let reviews_here =
                u.is_office() || (u.role == Role::Reviewer && u.can(Action::Review, &unit));
            return Err(if reviews_here {
                AppError::Conflict(StepError::NotNow.message().into())
            } else {
                AppError::Forbidden
            });
        }
    };
    let own = u.owns_material(r.submitted_by, r.unit_id);
    let to =
        review::step(st, action, actor, unit.directly_under_root(), own).map_err(step_error)?;
    // Conditional on the state read above: of two concurrent steps exactly one is recorded.
    if !reports::set_state(c, id, st, to, now)? {
        return Err(AppError::Conflict(StepError::NotNow.message().into()));
    }
    reviews::record(
        c,
        reviews::Step {
            entity: reports::ENTITY,
            entity_id: id,
            action,
            from: st,
            to,
            actor_id: u.id,
            comment,
        },
        now,
    )?;
    let mut summary = format!(
        "{}月度调度 {}（{}）→ {}",
        action.label(),
        r.period(),
        unit.name,
        to.label()
    );
    if to == ReviewState::Closed {
        let changes = reports::flow_back(c, &r, u.id, now)?;
        for ch in &changes {
            audit::Change::new(
                u.id,
                "update",
                ch.entity,
                ch.id,
                format!("月度调度 {} 审核通过，进度回写", r.period()),
            )
            .unit(unit.id)
            .before(&ch.before)
            .after(&ch.after)
            .record(c, now)?;
        }
        if !changes.is_empty() {
            summary.push_str(&format!("，回写 {} 项进度", changes.len()));
        }
    }
    audit::Change::new(u.id, action.code(), reports::ENTITY, id, summary)
        .unit(unit.id)
        .before(&serde_json::json!({ "state": st.code() }))
        .after(&serde_json::json!({ "state": to.code(), "comment": comment }))
        .record(c, now)?;
    Ok((r, unit, to))
}

async fn approve(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    review_action(
        state,
        user,
        session,
        path.into_inner(),
        body,
        ReviewAction::Approve,
    )
    .await
}

async fn return_report(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    review_action(
        state,
        user,
        session,
        path.into_inner(),
        body,
        ReviewAction::Return,
    )
    .await
}

async fn review_action(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    id: i32,
    body: web::Form<Vec<(String, String)>>,
    action: ReviewAction,
) -> AppResult<HttpResponse> {
    let l = load(&state, &user, id).await?;
    let comment = body
        .into_inner()
        .into_iter()
        .find(|(k, _)| k == "comment")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    if action == ReviewAction::Return && comment.is_empty() {
        // Refuse before anything else is checked only for someone who may review here.
        if user.review_actor(&l.unit, l.report.state()).is_none() {
            return Err(AppError::Forbidden);
        }
        flash(&session, "error", "退回时请填写退回意见。");
        return Ok(redirect(&format!("/reports/{id}")));
    }
    if comment.chars().count() > 500 {
        flash(&session, "error", "审核意见不能超过 500 个字。");
        return Ok(redirect(&format!("/reports/{id}")));
    }
    let now = state.now();
    let u = user.clone();
    let note = comment.clone();
    let (r, unit, to) = state
        .db
        .write(move |c| review_one(c, &u, id, action, &comment, now))
        .await?;
    if action == ReviewAction::Return {
        crate::notify::Notifier::from_settings(&state.settings).on_return(
            &unit.name,
            &format!("{} 月度调度", r.period()),
            &note,
        );
    }
    flash(
        &session,
        "success",
        format!(
            "已{}：{} {}，当前状态：{}。",
            action.label(),
            unit.name,
            r.period(),
            to.label()
        ),
    );
    Ok(redirect(&format!("/reports/{id}")))
}

// ---------------------------------------------------------------- queues

pub struct QueueRow {
    pub id: i32,
    pub unit_name: String,
    pub period: String,
    pub submitted_at: String,
    pub late: bool,
    pub state: &'static str,
}

#[derive(Template)]
#[template(path = "reports/queue.html")]
struct QueuePage {
    base: BaseContext,
    title: &'static str,
    rows: Vec<QueueRow>,
    batch: bool,
}

/// The user's review queue: its stage title and its lines, oldest submission first.
async fn queue_rows(
    state: &AppState,
    user: &CurrentUser,
) -> AppResult<(&'static str, Vec<QueueRow>)> {
    let (scope, st, title) = match user.role {
        Role::Office => (Scope::All, ReviewState::AwaitingCommittee, "待党委复核"),
        Role::Reviewer => (
            Scope::Subtree(user.unit_path.clone()),
            ReviewState::AwaitingGeneral,
            "待总支复查",
        ),
        _ => return Err(AppError::Forbidden),
    };
    let rows = state
        .db
        .run(move |c| Ok(reports::queue(c, &scope, st)?))
        .await?;
    let rows = rows
        .into_iter()
        .map(|(r, u)| QueueRow {
            id: r.id,
            unit_name: u.name,
            period: r.period(),
            submitted_at: r.submitted_at.map(format_local).unwrap_or_default(),
            late: r.late,
            state: r.state().label(),
        })
        .collect();
    Ok((title, rows))
}

async fn queue(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    let (title, rows) = queue_rows(&state, &user).await?;
    render(&QueuePage {
        base: ctx.base(format!("月度调度审核 · {title}")),
        title,
        rows,
        batch: user.is_office(),
    })
}

const QUEUE_COLUMNS: [Column; 5] = [
    col("党支部", 30.0),
    col("月份", 12.0),
    col("提交时间", 18.0),
    col("迟报", 8.0),
    col("状态", 12.0),
];

async fn export_queue(state: web::Data<AppState>, user: CurrentUser) -> AppResult<HttpResponse> {
    let (title, rows) = queue_rows(&state, &user).await?;
    let data: Vec<Vec<Value>> = rows
        .into_iter()
        .map(|r| {
            vec![
                Value::from(r.unit_name),
                Value::from(r.period),
                Value::from(r.submitted_at),
                Value::from(if r.late { "迟报" } else { "" }),
                Value::from(r.state),
            ]
        })
        .collect();
    xlsx::export(&format!("月度调度{title}"), &QUEUE_COLUMNS, &data)
}

async fn batch_approve(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    user.require_office()?;
    let ids = crate::routes::ticked_ids(body.into_inner())?;
    if ids.is_empty() {
        flash(&session, "error", "请先勾选要审核通过的报告。");
        return Ok(redirect("/reports/queue"));
    }
    let now = state.now();
    let u = user.clone();
    let (done, refused) = state
        .db
        .write(move |c| {
            let mut done = 0;
            let mut refused: Vec<String> = Vec::new();
            for id in ids {
                let Some(r) = reports::find(c, id)? else {
                    refused.push(format!("编号 {id}：不存在"));
                    continue;
                };
                let unit = units::get(c, r.unit_id)?;
                if r.state() != ReviewState::AwaitingCommittee {
                    refused.push(format!(
                        "{} {}：{}",
                        unit.name,
                        r.period(),
                        StepError::NotNow.message()
                    ));
                    continue;
                }
                match review_one(c, &u, id, ReviewAction::Approve, "", now) {
                    Ok(_) => done += 1,
                    Err(AppError::Conflict(msg)) => {
                        refused.push(format!("{} {}：{msg}", unit.name, r.period()))
                    }
                    Err(AppError::Forbidden) => refused.push(format!(
                        "{} {}：{}",
                        unit.name,
                        r.period(),
                        StepError::NotYours.message()
                    )),
                    Err(e) => return Err(e),
                }
            }
            Ok((done, refused))
        })
        .await?;
    crate::routes::flash_batch(&session, done, "份月度调度", "以下报告未能通过", &refused);
    Ok(redirect("/reports/queue"))
}

// ---------------------------------------------------------------- print

pub struct PrintLine {
    pub no: usize,
    pub kind: &'static str,
    pub title: String,
    pub progress: String,
    pub work: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "reports/print.html")]
struct PrintPage {
    base: BaseContext,
    r: ReportView,
    printed_at: String,
    lines: Vec<PrintLine>,
    highlights: String,
    problems: String,
    next_plan: String,
    trail: Vec<TrailLine>,
}

async fn print(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let l = load(&state, &user, id).await?;
    let submitter = l.report.submitted_by;
    let unit = l.unit.clone();
    let (trail, submitter) = state
        .db
        .run(move |c| {
            let trail = reviews::trail(c, reports::ENTITY, id)?;
            let trail = reviews::with_names(c, &unit, trail)?;
            let submitter = match submitter {
                Some(uid) => crate::db::models::users::get(c, uid)
                    .optional()?
                    .map(|u| u.display_name),
                None => None,
            }
            .unwrap_or_else(|| reviews::branch_stand_in(&unit));
            Ok((trail, submitter))
        })
        .await?;
    let r = &l.report;
    render(&PrintPage {
        base: ctx.base(format!("{} {} 月度调度", l.unit.name, r.period())),
        r: ReportView {
            id: r.id,
            unit_name: l.unit.name.clone(),
            period: r.period(),
            year: r.year,
            month: r.month,
            state: r.state().label(),
            due: r.due_date.format("%Y-%m-%d").to_string(),
            submitted_at: r.submitted_at.map(format_local).unwrap_or_default(),
            submitter,
            late: r.late,
        },
        printed_at: format_local(state.now()),
        lines: l
            .lines
            .iter()
            .enumerate()
            .map(|(i, x)| PrintLine {
                no: i + 1,
                kind: x.kind_label(),
                title: x.title.clone(),
                progress: x.progress.map(|p| format!("{p}%")).unwrap_or_default(),
                work: x.work.clone(),
                status: x.status_label().to_string(),
            })
            .collect(),
        highlights: r.highlights.clone(),
        problems: r.problems.clone(),
        next_plan: r.next_plan.clone(),
        trail: trail.into_iter().map(|(e, w)| trail_line(e, w)).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_pairs_map_to_lines() {
        let f = RawForm::from_pairs(vec![
            ("progress_3".into(), "40".into()),
            ("work_3".into(), "做了".into()),
            ("status_3".into(), "in_progress".into()),
            ("status_x".into(), "zz".into()),
            ("version".into(), "2".into()),
        ]);
        assert_eq!(
            f.lines.get(&3),
            Some(&("40".into(), "做了".into(), "in_progress".into()))
        );
        assert_eq!(f.lines.len(), 1);
        assert_eq!(f.version, "2");
    }
}
