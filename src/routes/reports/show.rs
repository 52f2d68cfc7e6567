//! The report page: its lines with evidence, the draft form for the branch, the review panel
//! for the reviewer of the current stage, the trail; saving and submitting the draft.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::OptionalExtension;

use crate::auth::{Action, CurrentUser};
use crate::clock::format_local;
use crate::db::models::attachments::Owner;
use crate::db::models::reports::{self, Line, Report, KIND_MEASURE, MEASURE_SETTABLE};
use crate::db::models::units::{self, Unit};
use crate::db::DbConn;
use crate::domain::register::RectStatus;
use crate::domain::review::ReviewAction;
use crate::domain::text::short;
use crate::error::{AppError, AppResult};
use crate::forms::reports::RawForm;
use crate::routes::attachments::FileList;
use crate::routes::review::{ReviewPage, ReviewPanel, Trail};
use crate::services::reports::{self as service, Draft, Outcome};
use crate::services::review::{self as review_service, Env, TrailLine};
use crate::state::AppState;
use crate::views::{flash, redirect, render_status, BaseContext, PageCtx};

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
    trail: Trail,
    can_edit: bool,
    review: Option<ReviewPanel>,
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

impl ReportView {
    pub fn of(r: &Report, unit: &Unit, submitter: String) -> ReportView {
        ReportView {
            id: r.id,
            unit_name: unit.name.clone(),
            period: r.period(),
            year: r.year,
            month: r.month,
            state: r.state().label(),
            due: r.due_date.format("%Y-%m-%d").to_string(),
            submitted_at: r.submitted_at.map(format_local).unwrap_or_default(),
            submitter,
            late: r.late,
        }
    }
}

pub struct Loaded {
    pub report: Report,
    pub unit: Unit,
    pub lines: Vec<Line>,
}

fn load_in(c: &mut DbConn, id: i32) -> AppResult<Loaded> {
    let report = reports::find(c, id)?.ok_or(AppError::NotFound)?;
    let unit = units::get(c, report.unit_id)?;
    let lines = reports::lines(c, id)?;
    Ok(Loaded {
        report,
        unit,
        lines,
    })
}

/// The report with its unit and lines, if the user may read it.
pub async fn load(state: &AppState, user: &CurrentUser, id: i32) -> AppResult<Loaded> {
    let l = state.db.run(move |c| load_in(c, id)).await?;
    user.require(Action::Read, &l.unit)?;
    Ok(l)
}

/// Who submitted the report, by name (the branch's secretary stands in when unknown).
pub fn submitter_name(c: &mut DbConn, r: &Report, unit: &Unit) -> AppResult<String> {
    let known = match r.submitted_by {
        Some(uid) => crate::db::models::users::get(c, uid)
            .optional()?
            .map(|u| u.display_name),
        None => None,
    };
    Ok(known.unwrap_or_else(|| crate::db::models::reviews::branch_stand_in(unit)))
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
    let id = l.report.id;
    state
        .db
        .write(move |c| {
            reports::refresh_lines(c, &l.report)?;
            load_in(c, id)
        })
        .await
}

pub struct Problems {
    pub lines: HashMap<i32, Vec<String>>,
    pub texts: HashMap<&'static str, String>,
    pub general: Vec<String>,
    pub conflict: bool,
    pub kept: Vec<(String, String)>,
    /// A refused review comment: the comment as typed and why.
    pub review: Option<(String, String)>,
}

impl Problems {
    pub fn none() -> Self {
        Problems {
            lines: HashMap::new(),
            texts: HashMap::new(),
            general: Vec::new(),
            conflict: false,
            kept: Vec::new(),
            review: None,
        }
    }
}

fn options(line: &Line, chosen: &str) -> Vec<Opt> {
    let opt = |code: &'static str, label: &'static str| Opt {
        code,
        label,
        selected: code == chosen.trim(),
    };
    if line.kind == KIND_MEASURE {
        MEASURE_SETTABLE
            .iter()
            .map(|o| opt(o.code(), o.label()))
            .collect()
    } else {
        RectStatus::BRANCH_SETTABLE
            .iter()
            .map(|o| opt(o.code(), o.label()))
            .collect()
    }
}

/// Render the report page from `l` with `form` as the values shown.
pub async fn page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    l: Loaded,
    form: RawForm,
    problems: Problems,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let st = l.report.state();
    let can_edit =
        st.editable() && review_service::may(user, &l.unit, &l.report, ReviewAction::Submit);
    let mut review = ReviewPanel::for_record(user, &l.unit, &l.report);
    let id = l.report.id;
    let line_ids: Vec<i32> = l.lines.iter().map(|x| x.id).collect();
    let (unit, report) = (l.unit.clone(), l.report.clone());
    let (mut files, (trail, returned), submitter) = state
        .db
        .run(move |c| {
            let files = FileList::load_many(
                c,
                Owner::ReportLine,
                &line_ids,
                &format!("/reports/{id}"),
                can_edit,
            )?;
            let trail = review_service::trail(c, reports::ENTITY, id, &unit)?;
            let submitter = submitter_name(c, &report, &unit)?;
            Ok((files, trail, submitter))
        })
        .await?;
    let mut problems = problems;
    if let (Some(panel), Some((comment, error))) = (review.as_mut(), problems.review.take()) {
        panel.comment = comment;
        panel.error = Some(error);
    }
    let lines: Vec<LineView> = l
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let (p, w, s) = form.lines.get(&line.id).cloned().unwrap_or_default();
            LineView {
                id: line.id,
                no: i + 1,
                kind: line.kind_label(),
                title: line.title.clone(),
                options: options(line, &s),
                progress: p,
                work: w,
                status_label: line.status_label().to_string(),
                errors: problems.lines.remove(&line.id).unwrap_or_default(),
                files: files.remove(&line.id).unwrap_or_else(|| {
                    FileList::empty(Owner::ReportLine, line.id, format!("/reports/{id}"))
                }),
            }
        })
        .collect();
    let r = &l.report;
    let version = form.version.trim().parse().unwrap_or(r.version);
    render_status(
        status,
        &ShowPage {
            base: ctx.base(format!("{} {} 月度调度", l.unit.name, r.period())),
            r: ReportView::of(r, &l.unit, submitter),
            lines,
            highlights: form.highlights,
            problems: form.problems,
            next_plan: form.next_plan,
            version,
            errors: problems.general,
            text_errors: problems.texts,
            conflict: problems.conflict,
            kept: problems.kept,
            returned: if st.editable() { returned } else { None },
            trail,
            can_edit,
            review,
        },
    )
}

pub async fn show(
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

impl ReviewPage for Report {
    async fn with_review_error(
        state: &AppState,
        ctx: &PageCtx,
        user: &CurrentUser,
        id: i32,
        comment: String,
        error: String,
    ) -> AppResult<HttpResponse> {
        let l = load(state, user, id).await?;
        let form = RawForm::from_report(&l.report, &l.lines);
        let mut p = Problems::none();
        p.review = Some((comment, error));
        page(
            state,
            ctx,
            user,
            l,
            form,
            p,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
    }
}

// ---------------------------------------------------------------- save and submit

pub async fn save(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    save_or_submit(state, user, ctx, session, path.into_inner(), body, false).await
}

pub async fn submit(
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
    let (lines, texts) = match form.parse(&l.lines) {
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
    let draft = Draft {
        lines,
        texts,
        version: form.version.trim().parse().ok(),
    };
    let env = Env::of(&state);
    let u = user.clone();
    let outcome = state
        .db
        .write(move |c| service::save(c, &u, id, &draft, submit, &env))
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
        "未能保存：这份月度调度已经提交（当前状态：{}），当前状态下不能进行此操作，不能再修改。您刚才填写的内容没有保存，已列在页面下方，可复制留存；如需修改，请联系审核人退回后再填写。",
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
