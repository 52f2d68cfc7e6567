//! 第一议题 records (DESIGN.md F11): each branch records the first agenda item of its
//! meetings; the record then goes through the three-level review shared with monthly
//! reports (支部初审 = submit, 总支复查, 党委复核; any level returns with a comment).
//! Every handler checks the record's unit against the user's scope.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::auth::{Action, CurrentUser};
use crate::clock::format_local;
use crate::db::models::attachments::Owner;
use crate::db::models::topics::{
    self, FirstTopic, MeetingKind, TopicFields, TopicFilter, TrackedTopic, ENTITY,
};
use crate::db::models::units::{self, Unit};
use crate::db::models::{audit, history, reviews};
use crate::db::DbConn;
use crate::domain::review::{self, ReviewAction, ReviewState, StepError};
use crate::domain::validate::{self, FieldErrors};
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::notify::Notifier;
use crate::routes::attachments::FileList;
use crate::routes::{history_lines, non_empty, ymd, HistoryLine};
use crate::state::AppState;
use crate::views::units::{tree_rows, UnitRow};
use crate::views::{flash, redirect, render, render_status, BaseContext, PageCtx, Paging};
use crate::xlsx::{self, col, Column, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/topics", web::get().to(list))
        .route("/topics", web::post().to(create))
        .route("/topics/new", web::get().to(new_form))
        .route("/topics/export", web::get().to(export))
        .route("/topics/queue", web::get().to(queue))
        .route("/topics/queue/export", web::get().to(export_queue))
        .route("/topics/queue/approve", web::post().to(batch_approve))
        .route("/topics/{id}", web::get().to(show))
        .route("/topics/{id}", web::post().to(update))
        .route("/topics/{id}/edit", web::get().to(edit_form))
        .route("/topics/{id}/submit", web::post().to(submit))
        .route("/topics/{id}/approve", web::post().to(approve))
        .route("/topics/{id}/return", web::post().to(return_back));
}

/// The units the user may record for, in tree order.
fn writable_units(c: &mut DbConn, user: &CurrentUser) -> AppResult<Vec<Unit>> {
    if user.is_office() {
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
struct ListPage {
    base: BaseContext,
    years: Vec<i32>,
    units: Vec<UnitRow>,
    states: &'static [ReviewState],
    f_year: String,
    f_unit: String,
    f_state: String,
    rows: Vec<TopicRow>,
    export_link: String,
    paging: Paging,
    can_create: bool,
    can_queue: bool,
    filtered: bool,
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
    let mut paging = Paging::new(q.page.as_deref(), Paging::PER_PAGE);
    let (rows, total) = select(&state, &user, &sel, paging.offset(), paging.per_page).await?;
    let scope = user.scope();
    let (years, unit_list) = state
        .db
        .run(move |c| Ok((topics::years(c, today.year())?, units::in_scope(c, &scope)?)))
        .await?;
    paging.total = total;
    paging.query = sel.query_string();
    render(&ListPage {
        base: ctx.base("第一议题"),
        years,
        units: tree_rows(&unit_list),
        states: ReviewState::ALL,
        f_year: sel.year.to_string(),
        f_unit: sel.unit.map(|u| u.to_string()).unwrap_or_default(),
        f_state: sel.state.map(|s| s.code().to_string()).unwrap_or_default(),
        rows: rows.into_iter().map(|(t, u)| row(t, u)).collect(),
        export_link: xlsx::export_link("/topics/export", &paging.query),
        paging,
        can_create: user.role != Role::Viewer,
        can_queue: user.is_office() || user.role == Role::Reviewer,
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

async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let sel = Selection::of(&query, state.settings.clock.today());
    let (rows, _) = select(&state, &user, &sel, 0, xlsx::EXPORT_LIMIT).await?;
    xlsx::export(
        &format!("{}年第一议题学习记录", sel.year),
        &EXPORT_COLUMNS,
        &export_rows(rows),
    )
}

// ---------------------------------------------------------------- queue

#[derive(Template)]
#[template(path = "topics/queue.html")]
struct QueuePage {
    base: BaseContext,
    stage: &'static str,
    rows: Vec<TopicRow>,
    batch: bool,
}

/// The user's review stage and the records waiting at it.
async fn queue_rows(
    state: &AppState,
    user: &CurrentUser,
) -> AppResult<(&'static str, Vec<(FirstTopic, Unit)>)> {
    let (st, stage) = if user.is_office() {
        (ReviewState::AwaitingCommittee, "待党委复核")
    } else if user.role == Role::Reviewer {
        (ReviewState::AwaitingGeneral, "待总支复查")
    } else {
        return Err(AppError::Forbidden);
    };
    let u = user.clone();
    let rows = state
        .db
        .run(move |c| {
            let path = if u.is_office() {
                None
            } else {
                Some(units::get(c, u.unit_id)?.path)
            };
            Ok(topics::queue(c, st, path.as_deref())?)
        })
        .await?;
    Ok((stage, rows))
}

async fn queue(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    let (stage, rows) = queue_rows(&state, &user).await?;
    render(&QueuePage {
        base: ctx.base("第一议题 · 待我审核"),
        stage,
        rows: rows.into_iter().map(|(t, u)| row(t, u)).collect(),
        batch: user.is_office(),
    })
}

async fn export_queue(state: web::Data<AppState>, user: CurrentUser) -> AppResult<HttpResponse> {
    let (stage, rows) = queue_rows(&state, &user).await?;
    xlsx::export(
        &format!("第一议题{stage}"),
        &EXPORT_COLUMNS,
        &export_rows(rows),
    )
}

/// The office approves several records at once (党委复核); each is checked like a single
/// approval, all in one transaction; those that cannot pass are named.
async fn batch_approve(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    user.require_office()?;
    let ids = crate::routes::ticked_ids(body.into_inner())?;
    if ids.is_empty() {
        flash(&session, "error", "请先勾选要审核通过的记录。");
        return Ok(redirect("/topics/queue"));
    }
    let now = state.now();
    let u = user.clone();
    let (done, refused) = state
        .db
        .write(move |c| {
            let mut done = 0;
            let mut refused = Vec::new();
            for id in ids {
                let Ok(t) = topics::get(c, id) else {
                    refused.push(format!("编号 {id}：不存在"));
                    continue;
                };
                match step_topic(c, &u, id, ReviewAction::Approve, None, "", now) {
                    Ok(_) => done += 1,
                    Err(AppError::Conflict(msg)) => refused.push(format!("「{}」：{msg}", t.topic)),
                    Err(e) => return Err(e),
                }
            }
            Ok((done, refused))
        })
        .await?;
    crate::routes::flash_batch(
        &session,
        done,
        "条第一议题记录",
        "以下记录未能通过",
        &refused,
    );
    Ok(redirect("/topics/queue"))
}

// ---------------------------------------------------------------- detail

pub struct TrailLine {
    pub at: String,
    pub who: String,
    pub action: &'static str,
    pub to: &'static str,
    pub comment: String,
}

#[derive(Template)]
#[template(path = "topics/show.html")]
struct ShowPage {
    base: BaseContext,
    t: FirstTopic,
    unit_name: String,
    kind: &'static str,
    state: &'static str,
    date: String,
    submitted_at: String,
    returned: Option<TrailLine>,
    trail: Vec<TrailLine>,
    history: Vec<HistoryLine>,
    files: FileList,
    can_edit: bool,
    can_submit: bool,
    can_review: bool,
    review_stage: &'static str,
    comment: String,
    errors: FieldErrors,
}

/// A record with its unit, checked for `action`.
async fn load_checked(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    action: Action,
) -> AppResult<(FirstTopic, Unit)> {
    let (t, unit) = state
        .db
        .run(move |c| {
            let t = topics::get(c, id).map_err(|e| match e {
                diesel::result::Error::NotFound => AppError::NotFound,
                e => e.into(),
            })?;
            let unit = units::get(c, t.unit_id)?;
            Ok((t, unit))
        })
        .await?;
    user.require(action, &unit)?;
    Ok((t, unit))
}

fn trail_line(e: reviews::ReviewEvent, who: Option<String>) -> TrailLine {
    TrailLine {
        at: format_local(e.at),
        who: who.unwrap_or_else(|| "系统".into()),
        action: e.action_label(),
        to: e.to_label(),
        comment: e.comment,
    }
}

async fn show_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    id: i32,
    comment: String,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let (t, unit) = load_checked(state, user, id, Action::Read).await?;
    let st = t.state();
    let can_write = user.can(Action::Write, &unit);
    let can_edit = can_write && st.editable();
    let named = unit.clone();
    let (trail, changes, files, last) = state
        .db
        .run(move |c| {
            let trail = reviews::trail(c, ENTITY, id)?;
            let trail = reviews::with_names(c, &named, trail)?;
            let changes = history::list(c, ENTITY, id)?;
            let files =
                FileList::load(c, Owner::FirstTopic, id, format!("/topics/{id}"), can_edit)?;
            let last = if st == ReviewState::Draft {
                reviews::last_return(c, ENTITY, id)?
            } else {
                None
            };
            let last = match last {
                Some(r) => reviews::with_names(c, &named, vec![r])?.pop(),
                None => None,
            };
            Ok((trail, changes, files, last))
        })
        .await?;
    let actor = user.review_actor(&unit, st);
    let own = t.submitted_by == Some(user.id);
    let can_submit = actor == Some(review::Actor::Branch);
    let can_review = matches!(
        actor,
        Some(review::Actor::GeneralBranch | review::Actor::Committee)
    ) && !own;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &ShowPage {
            base: ctx.base(format!("第一议题 · {}", t.topic)),
            unit_name: unit.name.clone(),
            kind: t.kind().label(),
            state: st.label(),
            date: ymd(t.meeting_date),
            submitted_at: t.submitted_at.map(format_local).unwrap_or_default(),
            returned: last.map(|(e, w)| trail_line(e, w)),
            trail: trail.into_iter().map(|(e, w)| trail_line(e, w)).collect(),
            history: history_lines(changes),
            files,
            can_edit,
            can_submit,
            can_review,
            review_stage: if st == ReviewState::AwaitingGeneral {
                "总支复查"
            } else {
                "党委复核"
            },
            comment,
            errors,
            t,
        },
    )
}

async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    show_page(
        &state,
        &ctx,
        &user,
        path.into_inner(),
        String::new(),
        FieldErrors::new(),
    )
    .await
}

// ---------------------------------------------------------------- form

/// The raw form, kept as typed for re-display.
#[derive(Default, Clone, Debug, Deserialize)]
#[serde(default)]
pub struct TopicForm {
    pub unit_id: String,
    pub meeting_date: String,
    pub meeting_kind: String,
    pub topic: String,
    pub materials: String,
    pub attendance: String,
    pub absent: String,
    pub notes: String,
    pub version: String,
}

impl TopicForm {
    fn from_topic(t: &FirstTopic) -> Self {
        TopicForm {
            unit_id: t.unit_id.to_string(),
            meeting_date: ymd(t.meeting_date),
            meeting_kind: t.meeting_kind.clone(),
            topic: t.topic.clone(),
            materials: t.materials.clone(),
            attendance: t.attendance.to_string(),
            absent: t.absent.to_string(),
            notes: t.notes.clone(),
            version: t.version.to_string(),
        }
    }

    /// Checks that need no database. A meeting cannot lie in the future.
    pub fn parse(&self, today: NaiveDate) -> Result<TopicFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let unit_id = validate::chosen_id(&mut e, "unit_id", "所属单位", &self.unit_id);
        let meeting_date = if self.meeting_date.trim().is_empty() {
            e.add("meeting_date", "请填写会议日期");
            None
        } else {
            match NaiveDate::parse_from_str(self.meeting_date.trim(), "%Y-%m-%d") {
                Ok(d) if d.year() < 2000 => {
                    e.add("meeting_date", "会议日期须为有效日期，如 2026-11-20");
                    None
                }
                Ok(d) if d > today => {
                    e.add("meeting_date", "会议日期不能晚于今天");
                    None
                }
                Ok(d) => Some(d),
                Err(_) => {
                    e.add("meeting_date", "会议日期须为有效日期，如 2026-11-20");
                    None
                }
            }
        };
        let meeting_kind = MeetingKind::parse_label(&self.meeting_kind);
        if meeting_kind.is_none() {
            e.add("meeting_kind", "请选择会议类型");
        }
        let topic = validate::required_text(&mut e, "topic", "学习内容", &self.topic, 200);
        let materials =
            validate::optional_text(&mut e, "materials", "学习材料", &self.materials, 500)
                .unwrap_or_default();
        let attendance =
            validate::int_in_range(&mut e, "attendance", "实到人数", &self.attendance, 1..=1000);
        let absent_raw = if self.absent.trim().is_empty() {
            "0"
        } else {
            self.absent.as_str()
        };
        let absent = validate::int_in_range(&mut e, "absent", "缺席人数", absent_raw, 0..=1000);
        let notes = validate::optional_text(&mut e, "notes", "研讨发言摘要", &self.notes, 4000)
            .unwrap_or_default();
        match (unit_id, meeting_date, meeting_kind) {
            (Some(unit_id), Some(meeting_date), Some(meeting_kind)) if e.is_empty() => {
                Ok(TopicFields {
                    unit_id,
                    meeting_date,
                    meeting_kind,
                    topic,
                    materials,
                    attendance,
                    absent,
                    notes,
                })
            }
            _ => Err(e),
        }
    }
}

#[derive(Template)]
#[template(path = "topics/form.html")]
struct FormPage {
    base: BaseContext,
    editing: Option<i32>,
    form: TopicForm,
    errors: FieldErrors,
    units: Vec<UnitRow>,
    kinds: &'static [MeetingKind],
}

async fn form_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    editing: Option<i32>,
    form: TopicForm,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else if errors.general().is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let u = user.clone();
    let unit_list = state.db.run(move |c| writable_units(c, &u)).await?;
    let title = if editing.is_some() {
        "编辑第一议题记录"
    } else {
        "新增第一议题记录"
    };
    render_status(
        status,
        &FormPage {
            base: ctx.base(title),
            editing,
            form,
            errors,
            units: tree_rows(&unit_list),
            kinds: MeetingKind::ALL,
        },
    )
}

async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    if user.role == Role::Viewer {
        return Err(AppError::Forbidden);
    }
    let form = TopicForm {
        unit_id: if user.is_office() {
            String::new()
        } else {
            user.unit_id.to_string()
        },
        meeting_date: ymd(state.settings.clock.today()),
        meeting_kind: MeetingKind::Committee.code().into(),
        ..Default::default()
    };
    form_page(&state, &ctx, &user, None, form, FieldErrors::new()).await
}

async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (t, _) = load_checked(&state, &user, id, Action::Write).await?;
    if !t.state().editable() {
        // A stale edit link: show the record with the reason instead of an error page.
        flash(&session, "error", NOT_EDITABLE);
        return Ok(redirect(&format!("/topics/{id}")));
    }
    form_page(
        &state,
        &ctx,
        &user,
        Some(id),
        TopicForm::from_topic(&t),
        FieldErrors::new(),
    )
    .await
}

const NOT_EDITABLE: &str = "该记录已提交审核，不能再修改；如需修改，请由审核人退回。";

/// Why a save or submission came too late: the record was submitted meanwhile, its input is
/// kept on the form with this message.
const SUBMITTED_MEANWHILE: &str = "未能保存：该记录已提交审核，不能再修改。您填写的内容仍在下方，尚未保存，可复制留存；如需修改，请由审核人退回后再编辑。";

enum Saved {
    Done(i32),
    /// Someone saved first: their version, to give the form (a deliberate re-save then wins).
    Conflict(FieldErrors, i32),
    NotEditable,
}

/// Refuse a unit outside the user's write scope before anything else.
async fn check_unit(state: &AppState, user: &CurrentUser, form: &TopicForm) -> AppResult<()> {
    if let Ok(uid) = form.unit_id.trim().parse::<i32>() {
        if let Some(unit) = state.db.run(move |c| Ok(units::find(c, uid)?)).await? {
            user.require(Action::Write, &unit)?;
        } else {
            return Err(AppError::Forbidden);
        }
    }
    Ok(())
}

fn form_of(user: &CurrentUser, raw: TopicForm) -> TopicForm {
    let mut form = raw;
    if !user.is_office() && form.unit_id.trim().is_empty() {
        form.unit_id = user.unit_id.to_string();
    }
    form
}

async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    body: web::Form<TopicForm>,
) -> AppResult<HttpResponse> {
    if user.role == Role::Viewer {
        return Err(AppError::Forbidden);
    }
    let form = form_of(&user, body.into_inner());
    check_unit(&state, &user, &form).await?;
    let fields = match form.parse(state.settings.clock.today()) {
        Ok(f) => f,
        Err(errors) => return form_page(&state, &ctx, &user, None, form, errors).await,
    };
    let now = state.now();
    let u = user.clone();
    let id = state
        .db
        .write(move |c| {
            let unit = units::find(c, fields.unit_id)?.ok_or(AppError::Forbidden)?;
            u.require(Action::Write, &unit)?;
            let t = topics::insert(c, &fields, u.id, now)?;
            audit::Change::new(
                u.id,
                "create",
                ENTITY,
                t.id,
                format!("新增第一议题记录 {}（{}）", t.topic, unit.name),
            )
            .unit(unit.id)
            .after(&fields)
            .record(c, now)?;
            Ok(t.id)
        })
        .await?;
    flash(&session, "success", "已保存第一议题记录（草稿）。");
    Ok(redirect(&format!("/topics/{id}")))
}

async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<TopicForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (t, _) = load_checked(&state, &user, id, Action::Write).await?;
    let form = form_of(&user, body.into_inner());
    if !t.state().editable() {
        return not_editable_form(&state, &ctx, &user, id, form).await;
    }
    check_unit(&state, &user, &form).await?;
    let fields = match form.parse(state.settings.clock.today()) {
        Ok(f) => f,
        Err(errors) => return form_page(&state, &ctx, &user, Some(id), form, errors).await,
    };
    let expected: Option<i32> = form.version.trim().parse().ok();
    let now = state.now();
    let u = user.clone();
    let saved = state
        .db
        .write(move |c| {
            let before = topics::get(c, id)?;
            let before_unit = units::get(c, before.unit_id)?;
            u.require(Action::Write, &before_unit)?;
            if !before.state().editable() {
                return Ok(Saved::NotEditable);
            }
            let conflict = |current: i32| {
                let mut e = FieldErrors::new();
                e.add(
                    "",
                    "保存失败：该记录在您编辑期间已被他人修改。您的内容仍在下方，尚未保存；请打开记录核对最新内容，确认以您的内容为准时再次保存。",
                );
                Saved::Conflict(e, current)
            };
            let Some(expected) = expected.filter(|v| *v == before.version) else {
                return Ok(conflict(before.version));
            };
            let unit = units::find(c, fields.unit_id)?.ok_or(AppError::Forbidden)?;
            u.require(Action::Write, &unit)?;
            let before_fields = before.fields();
            // The UPDATE checks version and state itself: a concurrent save that got there
            // first leaves nothing written here.
            if topics::update(c, id, expected, &fields, now)?.is_none() {
                let now_t = topics::get(c, id)?;
                return Ok(if now_t.state().editable() {
                    conflict(now_t.version)
                } else {
                    Saved::NotEditable
                });
            }
            history::record(
                c,
                ENTITY,
                id,
                Some(u.id),
                now,
                &TrackedTopic {
                    fields: &before_fields,
                    unit_name: &before_unit.name,
                },
                &TrackedTopic {
                    fields: &fields,
                    unit_name: &unit.name,
                },
            )?;
            audit::Change::new(
                u.id,
                "update",
                ENTITY,
                id,
                format!("修改第一议题记录 {}（{}）", fields.topic, unit.name),
            )
            .unit(unit.id)
            .before(&before_fields)
            .after(&fields)
            .record(c, now)?;
            Ok(Saved::Done(id))
        })
        .await?;
    match saved {
        Saved::Done(id) => {
            flash(&session, "success", "已保存第一议题记录。");
            Ok(redirect(&format!("/topics/{id}")))
        }
        Saved::Conflict(errors, current) => {
            let mut form = form;
            form.version = current.to_string();
            form_page(&state, &ctx, &user, Some(id), form, errors).await
        }
        Saved::NotEditable => not_editable_form(&state, &ctx, &user, id, form).await,
    }
}

/// The record was submitted before this save arrived: the form again, input kept, 409.
async fn not_editable_form(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    id: i32,
    form: TopicForm,
) -> AppResult<HttpResponse> {
    let mut e = FieldErrors::new();
    e.add("", SUBMITTED_MEANWHILE);
    form_page(state, ctx, user, Some(id), form, e).await
}

// ---------------------------------------------------------------- review

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReviewForm {
    comment: String,
}

/// One review transition in one write transaction: re-read the record, check the step
/// against its CURRENT state, update, keep the trail and the audit line.
async fn transition(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    action: ReviewAction,
    expected: Option<i32>,
    comment: String,
) -> AppResult<(ReviewState, String, String)> {
    // Another unit's user never gets further than this.
    load_checked(state, user, id, Action::Read).await?;
    let now = state.now();
    let u = user.clone();
    state
        .db
        .write(move |c| step_topic(c, &u, id, action, expected, &comment, now))
        .await
}

/// One review step on a record, inside the caller's write transaction: re-read the record,
/// check the step against its current state and the user's capacity, update, keep the trail.
fn step_topic(
    c: &mut DbConn,
    u: &CurrentUser,
    id: i32,
    action: ReviewAction,
    expected: Option<i32>,
    comment: &str,
    now: chrono::NaiveDateTime,
) -> AppResult<(ReviewState, String, String)> {
    let t = topics::get(c, id)?;
    let unit = units::get(c, t.unit_id)?;
    let from = t.state();
    let skip = unit.directly_under_root();
    let own = u.owns_material(t.submitted_by, t.unit_id);
    let result = match u.review_actor(&unit, from) {
        Some(actor) => review::step(from, action, actor, skip, own),
        None => match from.stage_actor() {
            Some(a) => review::step(from, action, a, skip, false).and(Err(StepError::NotYours)),
            None => Err(StepError::NotNow),
        },
    };
    let to = result.map_err(|e| AppError::Conflict(e.message().into()))?;
    // A submission names the version the user saw: what they submit is what they read.
    if let Some(v) = expected {
        if v != t.version {
            return Err(AppError::Conflict(
                "提交失败：该记录在您查看之后已被修改，请核对最新内容后再提交。".into(),
            ));
        }
    }
    let submitter = (action == ReviewAction::Submit).then_some(u.id);
    // Conditional on the state and version read above: of two concurrent steps exactly one
    // is recorded.
    if !topics::set_state(c, id, from, t.version, to, submitter, now)? {
        return Err(AppError::Conflict(StepError::NotNow.message().into()));
    }
    reviews::record(
        c,
        reviews::Step {
            entity: ENTITY,
            entity_id: id,
            action,
            from,
            to,
            actor_id: u.id,
            comment,
        },
        now,
    )?;
    audit::Change::new(
        u.id,
        action.code(),
        ENTITY,
        id,
        format!(
            "第一议题记录 {}（{}）：{} → {}{}",
            t.topic,
            unit.name,
            action.label(),
            to.label(),
            if comment.is_empty() {
                String::new()
            } else {
                format!("，意见：{comment}")
            }
        ),
    )
    .unit(unit.id)
    .before(&serde_json::json!({ "state": from.code() }))
    .after(&serde_json::json!({ "state": to.code(), "comment": comment }))
    .record(c, now)?;
    Ok((to, unit.name, t.topic))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SubmitForm {
    version: String,
}

async fn submit(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<SubmitForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    // No version (or garbage) never matches: the submission is refused as stale.
    let expected = Some(body.version.trim().parse::<i32>().unwrap_or(-1));
    let (to, _, _) = transition(
        &state,
        &user,
        id,
        ReviewAction::Submit,
        expected,
        String::new(),
    )
    .await?;
    flash(&session, "success", format!("已提交，{}。", to.label()));
    Ok(redirect(&format!("/topics/{id}")))
}

async fn approve(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<ReviewForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let comment: String = body.comment.trim().chars().take(500).collect();
    let (to, _, _) = transition(&state, &user, id, ReviewAction::Approve, None, comment).await?;
    flash(&session, "success", format!("已审核通过，{}。", to.label()));
    Ok(redirect(&format!("/topics/{id}")))
}

async fn return_back(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<ReviewForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let raw = body.into_inner().comment;
    let mut e = FieldErrors::new();
    let comment = validate::required_text(&mut e, "comment", "退回意见", &raw, 500);
    if !e.is_empty() {
        return show_page(&state, &ctx, &user, id, raw, e).await;
    }
    let (_, unit_name, topic) = transition(
        &state,
        &user,
        id,
        ReviewAction::Return,
        None,
        comment.clone(),
    )
    .await?;
    Notifier::new(state.settings.notify.clone()).on_return(
        &unit_name,
        &format!("第一议题记录「{topic}」"),
        &comment,
    );
    flash(&session, "success", "已退回，记录回到草稿。");
    Ok(redirect(&format!("/topics/{id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn good() -> TopicForm {
        TopicForm {
            unit_id: "3".into(),
            meeting_date: "2026-11-20".into(),
            meeting_kind: "committee".into(),
            topic: "学习贯彻党的二十届四中全会精神".into(),
            materials: String::new(),
            attendance: "9".into(),
            absent: String::new(),
            notes: String::new(),
            version: String::new(),
        }
    }

    #[test]
    fn a_good_form_parses() {
        let f = good().parse(today()).unwrap();
        assert_eq!(f.attendance, 9);
        assert_eq!(f.absent, 0);
        assert_eq!(f.meeting_kind, MeetingKind::Committee);
    }

    #[test]
    fn each_bad_field_is_named() {
        for (field, change) in [
            (
                "unit_id",
                Box::new(|f: &mut TopicForm| f.unit_id = "x".into()) as Box<dyn Fn(&mut TopicForm)>,
            ),
            (
                "meeting_date",
                Box::new(|f: &mut TopicForm| f.meeting_date = "2026-13-01".into()),
            ),
            (
                "meeting_date",
                Box::new(|f: &mut TopicForm| f.meeting_date = "2026-11-25".into()),
            ),
            (
                "meeting_kind",
                Box::new(|f: &mut TopicForm| f.meeting_kind = "party".into()),
            ),
            ("topic", Box::new(|f: &mut TopicForm| f.topic = " ".into())),
            (
                "attendance",
                Box::new(|f: &mut TopicForm| f.attendance = "0".into()),
            ),
            (
                "absent",
                Box::new(|f: &mut TopicForm| f.absent = "-1".into()),
            ),
        ] {
            let mut f = good();
            change(&mut f);
            let e = f.parse(today()).unwrap_err();
            assert!(e.get(field).is_some(), "{field}");
        }
    }
}
