//! The survey page: the survey, its result files, the field history, and (for the office)
//! a link to its audit entries.

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db::models::attachments::Owner;
use crate::db::models::history;
use crate::db::models::surveys::{self, Survey, ENTITY};
use crate::db::models::units::{self, Unit};
use crate::error::{AppError, AppResult};
use crate::routes::attachments::FileList;
use crate::routes::{history_lines, ymd, HistoryLine};
use crate::services::surveys as service;
use crate::state::AppState;
use crate::views::{render, BaseContext, PageCtx};

#[derive(Template)]
#[template(path = "surveys/show.html")]
struct ShowPage {
    base: BaseContext,
    s: Survey,
    unit_name: String,
    method: &'static str,
    period: String,
    targets: String,
    history: Vec<HistoryLine>,
    files: FileList,
    can_edit: bool,
    can_audit: bool,
}

/// A survey with its organising unit, checked for `action` (404 when there is none).
pub(super) async fn load_checked(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    action: Action,
) -> AppResult<(Survey, Unit)> {
    let (s, unit) = state
        .db
        .run(move |c| {
            let s = surveys::get(c, id).map_err(|e| match e {
                diesel::result::Error::NotFound => AppError::NotFound,
                e => e.into(),
            })?;
            let unit = units::get(c, s.unit_id)?;
            Ok((s, unit))
        })
        .await?;
    user.require(action, &unit)?;
    Ok((s, unit))
}

pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (s, unit) = load_checked(&state, &user, id, Action::Read).await?;
    let can_edit = user.can(Action::Write, &unit);
    let stored = s.clone();
    let (targets, changes, files) = state
        .db
        .run(move |c| {
            let targets = service::targets_in_words(c, &stored)?;
            let changes = history::list(c, ENTITY, id)?;
            let files = FileList::load(c, Owner::Survey, id, format!("/surveys/{id}"), can_edit)?;
            Ok((targets, changes, files))
        })
        .await?;
    render(&ShowPage {
        base: ctx
            .base(format!("思想状况调查 · {}", s.title))
            .unit(unit.name.clone()),
        unit_name: unit.name,
        method: s.method().map(|m| m.label()).unwrap_or_default(),
        period: format!("{} 至 {}", ymd(s.period_start), ymd(s.period_end)),
        targets,
        history: history_lines(changes),
        files,
        can_edit,
        can_audit: user.may(Capability::ReadAuditLog),
        s,
    })
}
