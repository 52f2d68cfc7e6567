//! An item's page: what was received, its unit and reply day, the reply, the trail (each step
//! with who and when, from the audit log) and the field history; the steps the user may take
//! (the office: assign, close, return; the assigned unit: reply).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::clock::format_local;
use crate::db::models::feedback::{self, FeedbackItem, ENTITY};
use crate::db::models::{history, units};
use crate::domain::feedback::{FeedbackCategory, FeedbackChannel, FeedbackState};
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::forms::feedback::{AssignForm, TextForm};
use crate::routes::{history_lines, ymd, HistoryLine};
use crate::services::feedback as service;
use crate::state::AppState;
use crate::views::units::{tree_rows, UnitRow};
use crate::views::{flash, redirect, render_status, BaseContext, PageCtx};

pub struct TrailLine {
    pub at: String,
    pub who: String,
    pub action: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "feedback/show.html")]
struct ShowPage {
    base: BaseContext,
    i: FeedbackItem,
    channel: &'static str,
    category: &'static str,
    state: &'static str,
    state_code: &'static str,
    unit_name: String,
    due_on: String,
    overdue: bool,
    assigned: String,
    replied: String,
    closed: String,
    trail: Vec<TrailLine>,
    history: Vec<HistoryLine>,
    units: Vec<UnitRow>,
    /// Office steps offered now.
    can_assign: bool,
    can_close: bool,
    can_return: bool,
    /// The unit's reply offered now.
    can_reply: bool,
    assign: AssignForm,
    assign_errors: FieldErrors,
    text: TextForm,
    reply_errors: FieldErrors,
    close_errors: FieldErrors,
    return_errors: FieldErrors,
}

/// A form of the page that came back with errors, kept as typed.
#[derive(Default)]
struct Refused {
    assign: Option<(AssignForm, FieldErrors)>,
    reply: Option<(TextForm, FieldErrors)>,
    close: Option<(TextForm, FieldErrors)>,
    ret: Option<(TextForm, FieldErrors)>,
}

fn stamp(name: String, at: Option<chrono::NaiveDateTime>) -> String {
    match at {
        Some(t) => format!("{name}　{}", format_local(t)),
        None => String::new(),
    }
}

async fn show_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    id: i32,
    refused: Refused,
) -> AppResult<HttpResponse> {
    let me = user.clone();
    let (item, unit, trail, changes, unit_list, names) = state
        .db
        .run(move |c| {
            let (item, unit) = service::load(c, &me, id)?;
            let trail = feedback::trail(c, id)?;
            let changes = history::list(c, ENTITY, id)?;
            let unit_list: Vec<_> = units::all(c)?.into_iter().filter(|u| u.active).collect();
            let names = (
                feedback::user_name(c, item.assigned_by)?,
                feedback::user_name(c, item.replied_by)?,
                feedback::user_name(c, item.closed_by)?,
            );
            Ok((item, unit, trail, changes, unit_list, names))
        })
        .await?;
    let today = state.settings.clock.today();
    let office = user.may(Capability::HandleFeedback);
    let st = item.state();
    let can_reply =
        st == FeedbackState::Assigned && unit.as_ref().is_some_and(|u| user.can(Action::Write, u));
    let status = if refused.assign.is_some()
        || refused.reply.is_some()
        || refused.close.is_some()
        || refused.ret.is_some()
    {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let version = item.version.to_string();
    let (assign, assign_errors) = refused.assign.unwrap_or_else(|| {
        (
            AssignForm {
                unit_id: item.unit_id.map(|u| u.to_string()).unwrap_or_default(),
                due_on: AssignForm::default_due(today),
                comment: String::new(),
                version: version.clone(),
            },
            FieldErrors::new(),
        )
    });
    let blank = || TextForm {
        version: version.clone(),
        ..Default::default()
    };
    let mut text = blank();
    let mut reply_errors = FieldErrors::new();
    let mut close_errors = FieldErrors::new();
    let mut return_errors = FieldErrors::new();
    if let Some((f, e)) = refused.reply {
        text = f;
        reply_errors = e;
    } else if let Some((f, e)) = refused.close {
        text = f;
        close_errors = e;
    } else if let Some((f, e)) = refused.ret {
        text = f;
        return_errors = e;
    }
    let unit_name = unit.as_ref().map(|u| u.name.clone()).unwrap_or_default();
    render_status(
        status,
        &ShowPage {
            base: ctx
                .base(format!("监督渠道事项 · {}", ymd(item.received_on)))
                .unit(unit_name.clone()),
            channel: item.channel().map_or("", FeedbackChannel::long_label),
            category: item.category().map_or("", FeedbackCategory::label),
            state: st.label(),
            state_code: st.code(),
            unit_name,
            due_on: item.due_on.map(ymd).unwrap_or_default(),
            overdue: super::is_overdue(&item, today),
            assigned: stamp(names.0, item.assigned_at),
            replied: stamp(names.1, item.replied_at),
            closed: stamp(names.2, item.closed_at),
            trail: trail
                .into_iter()
                .map(|(e, who)| TrailLine {
                    at: format_local(e.at),
                    who: who.unwrap_or_else(|| "来访者（网上）".into()),
                    action: crate::domain::audit::action_label(&e.action),
                    summary: e.summary,
                })
                .collect(),
            history: history_lines(changes),
            units: tree_rows(&unit_list),
            can_assign: office && st == FeedbackState::Received,
            can_close: office && matches!(st, FeedbackState::Received | FeedbackState::Replied),
            can_return: office && st == FeedbackState::Replied,
            can_reply,
            assign,
            assign_errors,
            text,
            reply_errors,
            close_errors,
            return_errors,
            i: item,
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    show_page(&state, &ctx, &user, path.into_inner(), Refused::default()).await
}

/// The hidden `version` of a step's form; a form without one is refused (400).
fn version_of(raw: &str) -> AppResult<i32> {
    raw.trim()
        .parse()
        .map_err(|_| AppError::BadRequest(crate::error::NO_VERSION.into()))
}

/// Scope first (403 for another unit's user, 404 for no such item), then the capability.
async fn check(state: &AppState, user: &CurrentUser, id: i32, office: bool) -> AppResult<()> {
    let me = user.clone();
    state
        .db
        .run(move |c| service::load(c, &me, id).map(|_| ()))
        .await?;
    if office {
        user.require_may(Capability::HandleFeedback)?;
    }
    Ok(())
}

pub async fn assign(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<AssignForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    check(&state, &user, id, true).await?;
    let form = body.into_inner();
    let expected = version_of(&form.version)?;
    let parsed = match form.parse(state.settings.clock.today()) {
        Ok(p) => p,
        Err(e) => {
            let refused = Refused {
                assign: Some((form, e)),
                ..Default::default()
            };
            return show_page(&state, &ctx, &user, id, refused).await;
        }
    };
    let now = state.now();
    let me = user.clone();
    match state
        .db
        .write(move |c| service::assign(c, &me, id, expected, &parsed, now))
        .await?
    {
        Ok(()) => {
            flash(&session, "success", "已分办，承办单位书记已收到通知。");
            Ok(redirect(&format!("/feedback/{id}")))
        }
        Err(e) => {
            let refused = Refused {
                assign: Some((form, e)),
                ..Default::default()
            };
            show_page(&state, &ctx, &user, id, refused).await
        }
    }
}

pub async fn reply(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<TextForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    check(&state, &user, id, false).await?;
    let form = body.into_inner();
    let expected = version_of(&form.version)?;
    let text = match form.parse_reply() {
        Ok(t) => t,
        Err(e) => {
            let refused = Refused {
                reply: Some((form, e)),
                ..Default::default()
            };
            return show_page(&state, &ctx, &user, id, refused).await;
        }
    };
    let now = state.now();
    let me = user.clone();
    state
        .db
        .write(move |c| service::reply(c, &me, id, expected, &text, now))
        .await?;
    flash(&session, "success", "已答复，等待党群工作部办结。");
    Ok(redirect(&format!("/feedback/{id}")))
}

pub async fn close(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<TextForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    check(&state, &user, id, true).await?;
    let form = body.into_inner();
    let expected = version_of(&form.version)?;
    let note = match form.parse_note(false) {
        Ok(t) => t,
        Err(e) => {
            let refused = Refused {
                close: Some((form, e)),
                ..Default::default()
            };
            return show_page(&state, &ctx, &user, id, refused).await;
        }
    };
    let now = state.now();
    let me = user.clone();
    state
        .db
        .write(move |c| service::close(c, &me, id, expected, &note, now))
        .await?;
    flash(&session, "success", "已办结。");
    Ok(redirect(&format!("/feedback/{id}")))
}

pub async fn return_back(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<TextForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    check(&state, &user, id, true).await?;
    let form = body.into_inner();
    let expected = version_of(&form.version)?;
    let note = match form.parse_note(true) {
        Ok(t) => t,
        Err(e) => {
            let refused = Refused {
                ret: Some((form, e)),
                ..Default::default()
            };
            return show_page(&state, &ctx, &user, id, refused).await;
        }
    };
    let today = state.settings.clock.today();
    let now = state.now();
    let me = user.clone();
    state
        .db
        .write(move |c| service::return_back(c, &me, id, expected, &note, today, now))
        .await?;
    flash(&session, "success", "已退回承办单位重新办理。");
    Ok(redirect(&format!("/feedback/{id}")))
}
