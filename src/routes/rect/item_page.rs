//! One rectification item's page (history, extensions, notes, files), acceptance (验收销号)
//! or return, and supervision notes (督办) from the task force.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::clock::format_local;
use crate::db::models::attachments::Owner;
use crate::db::models::rect::{self, ITEM};
use crate::db::models::{history, taskforce, users};
use crate::domain::register::{ExtensionStatus, RectStatus};
use crate::domain::validate::{self, FieldErrors};
use crate::error::AppResult;
use crate::routes::attachments::FileList;
use crate::routes::ymd;
use crate::routes::{history_lines, HistoryLine};
use crate::services::rect::{self as service, not_assigned};
use crate::state::AppState;
use crate::views::{flash, redirect, render_status, BaseContext, PageCtx};

use super::{item_line, load_item, CommentForm, ItemLine};

// ---------------------------------------------------------------- item page

pub struct ExtensionLine {
    pub id: i32,
    pub old_deadline: String,
    pub new_deadline: String,
    pub reason: String,
    pub status: &'static str,
    pub pending: bool,
    pub requester: String,
    pub requested: String,
    pub decided: String,
    pub comment: String,
}

pub struct NoteLine {
    pub who: String,
    pub at: String,
    pub content: String,
}

/// What the forms on the item page were given, kept on a 422.
#[derive(Default)]
pub(super) struct ItemInput {
    pub(super) errors: FieldErrors,
    pub(super) new_deadline: String,
    pub(super) reason: String,
    pub(super) note: String,
    pub(super) comment: String,
}

#[derive(Template)]
#[template(path = "rect/item.html")]
struct ItemPage {
    base: BaseContext,
    item: ItemLine,
    table_id: i32,
    table_title: String,
    unit_name: String,
    cause_analysis: String,
    accepted: Option<String>,
    awaiting: bool,
    closed: bool,
    open: bool,
    history: Vec<HistoryLine>,
    extensions: Vec<ExtensionLine>,
    has_pending: bool,
    notes: Vec<NoteLine>,
    files: FileList,
    can_write: bool,
    can_accept: bool,
    can_note: bool,
    mine: bool,
    input: ItemInput,
}

/// The item page again after a refused form: the messages next to the fields, the text kept.
pub(super) async fn refused(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    id: i32,
    input: ItemInput,
) -> AppResult<HttpResponse> {
    item_page(
        state,
        ctx,
        user,
        id,
        input,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub(super) async fn item_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    id: i32,
    input: ItemInput,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let supervisor = user.may(Capability::SuperviseRectification);
    let u = user.clone();
    // One checkout for the item, the check and everything the page shows.
    let ((item, unit, campaign, table), (changes, exts, notes, files, accepter, mine)) = state
        .db
        .run(move |c| {
            let (item, unit, campaign, table) = load_item(c, id)?;
            u.require(Action::Read, &unit)?;
            let can_write = u.can(Action::Write, &unit);
            let changes = history::list(c, ITEM, id)?;
            let exts = rect::extensions_of_item(c, id)?;
            let notes = rect::notes_of_item(c, id)?;
            let files = FileList::load(
                c,
                Owner::RectItem,
                id,
                format!("/rect/items/{id}"),
                can_write,
            )?;
            let accepter = match item.accepted_by {
                Some(a) => Some(users::get(c, a)?.display_name),
                None => None,
            };
            let mine = supervisor && taskforce::is_mine(&taskforce::units_of(c, u.id)?, &unit.path);
            Ok((
                (item, unit, campaign, table),
                (changes, exts, notes, files, accepter, mine),
            ))
        })
        .await?;
    let can_write = user.can(Action::Write, &unit);
    let can_accept = user.can(Action::Review, &unit);
    let today = state.settings.clock.today();
    let st = item.status();
    let accepted = item.accepted_at.map(|at| {
        format!(
            "{} 于 {} 验收销号",
            accepter.clone().unwrap_or_else(|| "—".into()),
            format_local(at)
        )
    });
    let page = ItemPage {
        base: ctx
            .base(format!("整改事项 {}", rect::short(&item.problem, 20)))
            .unit(unit.name.clone()),
        table_id: table.id,
        table_title: table.title,
        unit_name: unit.name,
        cause_analysis: item.cause.clone(),
        accepted,
        awaiting: st == RectStatus::AwaitingAcceptance,
        closed: st == RectStatus::Closed,
        open: st.is_open(),
        item: item_line(item, today, campaign.yellow_days, notes.len() as i64),
        history: history_lines(changes),
        has_pending: exts
            .iter()
            .any(|(e, _, _)| e.status() == ExtensionStatus::Pending),
        extensions: exts
            .into_iter()
            .map(|(e, req, dec)| ExtensionLine {
                id: e.id,
                old_deadline: ymd(e.old_deadline),
                new_deadline: ymd(e.new_deadline),
                status: e.status().label(),
                pending: e.status() == ExtensionStatus::Pending,
                requester: req.unwrap_or_else(|| "—".into()),
                requested: format_local(e.requested_at),
                decided: e
                    .decided_at
                    .map(|at| format!("{} {}", dec.unwrap_or_default(), format_local(at)))
                    .unwrap_or_default(),
                comment: e.decision_comment,
                reason: e.reason,
            })
            .collect(),
        notes: notes
            .into_iter()
            .map(|(n, who)| NoteLine {
                who: who.unwrap_or_else(|| "—".into()),
                at: format_local(n.created_at),
                content: n.content,
            })
            .collect(),
        files,
        can_write,
        can_accept,
        can_note: supervisor && mine,
        mine,
        input,
    };
    render_status(status, &page)
}

pub(super) async fn show_item(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    item_page(
        &state,
        &ctx,
        &user,
        path.into_inner(),
        ItemInput::default(),
        StatusCode::OK,
    )
    .await
}

// ---------------------------------------------------------------- acceptance

pub(super) async fn accept(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let now = state.now();
    let u = user.clone();
    // The transaction answers 404, 403 and 409 itself: no separate load first.
    state
        .db
        .write(move |c| service::accept(c, &u, id, now))
        .await?;
    flash(&session, "success", "已验收销号。");
    Ok(redirect(&format!("/rect/items/{id}")))
}

pub(super) async fn reject_acceptance(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<CommentForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (_, unit, _, _) = state.db.run(move |c| load_item(c, id)).await?;
    user.require(Action::Review, &unit)?;
    let mut e = FieldErrors::new();
    let comment = validate::required_text(&mut e, "comment", "退回意见", &form.comment, 500);
    if !e.is_empty() {
        let input = ItemInput {
            errors: e,
            comment: form.comment.clone(),
            ..Default::default()
        };
        return refused(&state, &ctx, &user, id, input).await;
    }
    let now = state.now();
    let u = user.clone();
    state
        .db
        .write(move |c| service::reject_acceptance(c, &u, id, &comment, now))
        .await?;
    flash(&session, "success", "已退回，事项回到“整改中”。");
    Ok(redirect(&format!("/rect/items/{id}")))
}

// ---------------------------------------------------------------- supervision notes

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct NoteForm {
    content: String,
}

pub(super) async fn add_note(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<NoteForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::SuperviseRectification)?;
    let id = path.into_inner();
    // Task-force members supervise the items of their own units (and the units below): the
    // item and the user's assignment in one checkout.
    let uid = user.id;
    let (item, unit, assigned) = state
        .db
        .run(move |c| {
            let (item, unit, _, _) = load_item(c, id)?;
            let assigned = taskforce::is_mine(&taskforce::units_of(c, uid)?, &unit.path);
            Ok((item, unit, assigned))
        })
        .await?;
    if !assigned {
        return Err(not_assigned(&unit.name));
    }
    let mut e = FieldErrors::new();
    let content = validate::required_text(&mut e, "note", "督办意见", &form.content, 1000);
    if !e.is_empty() {
        let input = ItemInput {
            errors: e,
            note: form.content.clone(),
            ..Default::default()
        };
        return refused(&state, &ctx, &user, id, input).await;
    }
    let now = state.now();
    let u = user.clone();
    state
        .db
        .write(move |c| service::add_note(c, &u, &item, &unit, &content, now))
        .await?;
    flash(&session, "success", "已添加督办意见。");
    Ok(redirect(&format!("/rect/items/{id}")))
}
