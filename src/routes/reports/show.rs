//! The report page: its lines with evidence, the draft form for the branch, the review panel
//! for the reviewer of the current stage, the trail; saving and submitting the draft (with
//! the evidence files chosen on its lines) in `save`.

mod save;
mod submission;

pub use save::{save, submit};

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::OptionalExtension;

use crate::auth::{Action, CurrentUser};
use crate::clock::format_local;
use crate::db::models::attachments::Owner;
use crate::db::models::campaigns;
use crate::db::models::reports::{self, Line, Report, KIND_MEASURE, MEASURE_SETTABLE};
use crate::db::models::units::{self, Unit};
use crate::db::DbConn;
use crate::domain::register::RectStatus;
use crate::domain::review::ReviewAction;
use crate::error::{AppError, AppResult};
use crate::forms::reports::{Field, FormErrors, RawForm};
use crate::forms::ymd;
use crate::routes::attachments::FileList;
use crate::routes::review::{ReviewPage, ReviewPanel, Trail};
use crate::services::review::{self as review_service, TrailLine};
use crate::state::AppState;
use crate::views::{render_status, BaseContext, PageCtx};

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
    /// 完成时限 and 责任人 of the measure or item, and its light (code, label).
    pub deadline: String,
    pub owner: String,
    pub light: &'static str,
    pub light_label: &'static str,
    pub progress_errors: Vec<String>,
    pub work_errors: Vec<String>,
    pub status_errors: Vec<String>,
    pub file_errors: Vec<String>,
    pub files: FileList,
}

impl LineView {
    pub fn has_errors(&self) -> bool {
        !(self.progress_errors.is_empty()
            && self.work_errors.is_empty()
            && self.status_errors.is_empty()
            && self.file_errors.is_empty())
    }
}

/// A link of the error summary to the field it is about.
pub struct SummaryLink {
    pub anchor: String,
    pub text: String,
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
    /// The field errors, as links of the summary on top.
    summary: Vec<SummaryLink>,
    text_errors: HashMap<&'static str, Vec<String>>,
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
    fn text_errors_of(&self, field: &str) -> &[String] {
        self.text_errors.get(field).map_or(&[], |v| v.as_slice())
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
    /// Messages by field: under the field, and linked from the summary on top.
    pub fields: FormErrors,
    pub general: Vec<String>,
    pub conflict: bool,
    pub kept: Vec<(String, String)>,
    /// A refused review comment: the comment as typed and why.
    pub review: Option<(String, String)>,
}

impl Problems {
    pub fn none() -> Self {
        Problems {
            fields: FormErrors::default(),
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

/// What the page shows beside the report's own fields: the registers' deadlines, owners
/// and lights of its lines, their files, the trail and who submitted it.
pub struct Extras {
    can_edit: bool,
    refs: HashMap<i32, reports::LineRef>,
    files: HashMap<i32, FileList>,
    trail: Trail,
    returned: Option<TrailLine>,
    submitter: String,
}

/// Read the [`Extras`] of `l` for `user` (one trip).
async fn extras(state: &AppState, user: &CurrentUser, l: &Loaded) -> AppResult<Extras> {
    let can_edit = l.report.state().editable()
        && review_service::may(user, &l.unit, &l.report, ReviewAction::Submit);
    let id = l.report.id;
    let line_ids: Vec<i32> = l.lines.iter().map(|x| x.id).collect();
    let (unit, report) = (l.unit.clone(), l.report.clone());
    let all_lines = l.lines.clone();
    let today = state.settings.clock.today();
    state
        .db
        .run(move |c| {
            let yellow = campaigns::get(c, report.campaign_id)?.yellow_days;
            let refs = reports::line_refs(c, &all_lines, today, yellow)?;
            let files = FileList::load_many(
                c,
                Owner::ReportLine,
                &line_ids,
                &format!("/reports/{id}"),
                can_edit,
            )?;
            let (trail, returned) = review_service::trail(c, reports::ENTITY, id, &unit)?;
            let submitter = submitter_name(c, &report, &unit)?;
            Ok(Extras {
                can_edit,
                refs,
                files,
                trail,
                returned,
                submitter,
            })
        })
        .await
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
    let x = extras(state, user, &l).await?;
    render_page(ctx, user, &l, &x, form, problems, status)
}

/// The report page of `l` and its [`Extras`], with `form` as the values shown.
fn render_page(
    ctx: &PageCtx,
    user: &CurrentUser,
    l: &Loaded,
    x: &Extras,
    form: RawForm,
    problems: Problems,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let st = l.report.state();
    let id = l.report.id;
    let mut review = ReviewPanel::for_record(user, &l.unit, &l.report);
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
            let fields = &problems.fields;
            let r = x.refs.get(&line.id);
            LineView {
                deadline: r.map(|r| ymd(r.deadline)).unwrap_or_default(),
                owner: r.map(|r| r.owner.clone()).unwrap_or_default(),
                light: r.map_or("", |r| r.signal.code),
                light_label: r.map_or("", |r| r.signal.label),
                progress_errors: fields.under(Field::Progress(line.id)),
                work_errors: fields.under(Field::Work(line.id)),
                status_errors: fields.under(Field::Status(line.id)),
                file_errors: fields.under(Field::Files(line.id)),
                id: line.id,
                no: i + 1,
                kind: line.kind_label(),
                title: line.title.clone(),
                options: options(line, &s),
                progress: p,
                work: w,
                status_label: line.status_label().to_string(),
                files: x.files.get(&line.id).cloned().unwrap_or_else(|| {
                    FileList::empty(Owner::ReportLine, line.id, format!("/reports/{id}"))
                }),
            }
        })
        .collect();
    let r = &l.report;
    let version = form.version.trim().parse().unwrap_or(r.version);
    let summary = problems
        .fields
        .0
        .iter()
        .map(|e| SummaryLink {
            anchor: e.field.anchor(),
            text: e.summary.clone(),
        })
        .collect();
    let mut text_errors: HashMap<&'static str, Vec<String>> = HashMap::new();
    for e in &problems.fields.0 {
        if let Field::Text(name) = e.field {
            text_errors.entry(name).or_default().push(e.message.clone());
        }
    }
    render_status(
        status,
        &ShowPage {
            base: ctx.base(format!("{} {} 月度调度", l.unit.name, r.period())),
            r: ReportView::of(r, &l.unit, x.submitter.clone()),
            lines,
            highlights: form.highlights,
            problems: form.problems,
            next_plan: form.next_plan,
            version,
            errors: problems.general,
            summary,
            text_errors,
            conflict: problems.conflict,
            kept: problems.kept,
            returned: if st.editable() {
                x.returned.clone()
            } else {
                None
            },
            trail: x.trail.clone(),
            can_edit: x.can_edit,
            review,
        },
    )
}

/// What a report view reads, kept per report, reader and day (the lines' lights) until the
/// next write: the report, its lines brought up to date with the registers, and its
/// [`Extras`] (four trips and a dozen queries; a secretary comes back to her draft again
/// and again).
#[derive(Clone, PartialEq, Eq, Hash)]
struct ShownKey {
    report: i32,
    reader: i32,
    today: chrono::NaiveDate,
}

/// A report view as read: see [`ShownKey`].
struct Shown {
    l: Loaded,
    x: Extras,
}

pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let key = ShownKey {
        report: id,
        reader: user.id,
        today: state.settings.clock.today(),
    };
    let shown = state
        .kept_or_read(key, || async {
            let l = refreshed(&state, &user, load(&state, &user, id).await?).await?;
            let x = extras(&state, &user, &l).await?;
            Ok::<_, AppError>(Shown { l, x })
        })
        .await?;
    user.require(Action::Read, &shown.l.unit)?;
    let form = RawForm::from_report(&shown.l.report, &shown.l.lines);
    render_page(
        &ctx,
        &user,
        &shown.l,
        &shown.x,
        form,
        Problems::none(),
        StatusCode::OK,
    )
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
