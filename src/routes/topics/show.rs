//! The 第一议题 record page: the record, its evidence, the review panel for the reviewer of
//! the current stage, the trail and the field history.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::{Action, CurrentUser};
use crate::clock::format_local;
use crate::db::models::attachments::Owner;
use crate::db::models::history;
use crate::db::models::topics::{self, FirstTopic, ENTITY};
use crate::db::models::units::{self, Unit};
use crate::domain::review::ReviewAction;
use crate::error::{AppError, AppResult};
use crate::routes::attachments::FileList;
use crate::routes::review::{ReviewPage, ReviewPanel, Trail};
use crate::routes::{history_lines, ymd, HistoryLine};
use crate::services::review::{self as review_service, TrailLine};
use crate::state::AppState;
use crate::views::{render_status, BaseContext, PageCtx};

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
    trail: Trail,
    history: Vec<HistoryLine>,
    files: FileList,
    can_edit: bool,
    can_submit: bool,
    review: Option<ReviewPanel>,
}

/// A record with its unit, checked for `action`.
pub(super) async fn load_checked(
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

/// The record page; `review_error` is a refused review comment (as typed, and why).
async fn show_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    id: i32,
    review_error: Option<(String, String)>,
) -> AppResult<HttpResponse> {
    let (t, unit) = load_checked(state, user, id, Action::Read).await?;
    let st = t.state();
    let can_submit = review_service::may(user, &unit, &t, ReviewAction::Submit);
    let can_edit = st.editable() && user.can(Action::Write, &unit);
    let mut review = ReviewPanel::for_record(user, &unit, &t);
    let status = match (review.as_mut(), review_error) {
        (Some(panel), Some((comment, error))) => {
            panel.comment = comment;
            panel.error = Some(error);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        _ => StatusCode::OK,
    };
    let named = unit.clone();
    let ((trail, returned), changes, files) = state
        .db
        .run(move |c| {
            let trail = review_service::trail(c, ENTITY, id, &named)?;
            let changes = history::list(c, ENTITY, id)?;
            let files =
                FileList::load(c, Owner::FirstTopic, id, format!("/topics/{id}"), can_edit)?;
            Ok((trail, changes, files))
        })
        .await?;
    render_status(
        status,
        &ShowPage {
            base: ctx
                .base(format!("第一议题 · {}", t.topic))
                .unit(unit.name.clone()),
            unit_name: unit.name.clone(),
            kind: t.kind().label(),
            state: st.label(),
            date: ymd(t.meeting_date),
            submitted_at: t.submitted_at.map(format_local).unwrap_or_default(),
            returned: if st.editable() { returned } else { None },
            trail,
            history: history_lines(changes),
            files,
            can_edit,
            can_submit,
            review,
            t,
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    show_page(&state, &ctx, &user, path.into_inner(), None).await
}

impl ReviewPage for FirstTopic {
    async fn with_review_error(
        state: &AppState,
        ctx: &PageCtx,
        user: &CurrentUser,
        id: i32,
        comment: String,
        error: String,
    ) -> AppResult<HttpResponse> {
        show_page(state, ctx, user, id, Some((comment, error))).await
    }
}
