//! The review handlers every reviewed record shares (monthly reports, 第一议题 records):
//! one step (submit / approve / return), the review queue, its export and the office's batch
//! approval. Each is generic over the record type; the work is `services::review`.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::domain::review::{self, ReviewAction};
use crate::error::{AppError, AppResult};
use crate::services::review::{self as service, Decision, Env, QueueRow, Reviewed, TrailLine};
use crate::state::AppState;
use crate::views::{flash, redirect, render, BaseContext, PageCtx};
use crate::xlsx::{self, col, Column, Value};

/// A record type whose page can show the review panel again with a refused comment.
pub trait ReviewPage: Reviewed {
    /// The record's page, 422, with `error` under the comment box and `comment` kept.
    fn with_review_error(
        state: &AppState,
        ctx: &PageCtx,
        user: &CurrentUser,
        id: i32,
        comment: String,
        error: String,
    ) -> impl std::future::Future<Output = AppResult<HttpResponse>>;
}

/// The review panel on a record's page (partial `review/panel.html`).
pub struct ReviewPanel {
    /// `/reports/12`: the forms post to `…/approve` and `…/return`.
    pub base: String,
    /// "总支复查" / "党委复核".
    pub stage: &'static str,
    pub version: i32,
    /// What is decided on, for the confirmations: "第一支部 2026年11月月度调度".
    pub what: String,
    pub comment: String,
    pub error: Option<String>,
}

impl ReviewPanel {
    /// The panel for a record the user may decide on now, if they may.
    pub fn for_record<R: Reviewed>(
        user: &CurrentUser,
        unit: &crate::db::models::units::Unit,
        r: &R,
    ) -> Option<ReviewPanel> {
        service::may(user, unit, r, ReviewAction::Approve).then(|| ReviewPanel {
            base: format!("{}/{}", R::BASE, r.id()),
            stage: match r.state() {
                review::ReviewState::AwaitingGeneral => "总支复查",
                _ => "党委复核",
            },
            version: r.version(),
            what: format!("{} {}", unit.name, r.summary()),
            comment: String::new(),
            error: None,
        })
    }
}

/// The trail as the partial `review/trail.html` shows it.
pub type Trail = Vec<TrailLine>;

/// The posted comment and version of a decision form.
fn decision(pairs: Vec<(String, String)>) -> AppResult<(String, Option<i32>)> {
    let mut comment = String::new();
    let mut version = None;
    for (k, v) in pairs {
        match k.as_str() {
            "comment" => comment = v,
            "version" if !v.trim().is_empty() => {
                version = Some(
                    v.trim()
                        .parse::<i32>()
                        .map_err(|_| AppError::BadRequest(crate::error::NO_VERSION.into()))?,
                )
            }
            _ => {}
        }
    }
    Ok((comment, version))
}

/// `POST …/{id}/approve`
pub async fn approve<R: ReviewPage + Send + 'static>(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    decide::<R>(state, user, ctx, session, path, body, ReviewAction::Approve).await
}

/// `POST …/{id}/return`
pub async fn return_back<R: ReviewPage + Send + 'static>(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    decide::<R>(state, user, ctx, session, path, body, ReviewAction::Return).await
}

/// Approve or return record `id`: the comment is checked first (a refused one shows the page
/// again with it kept), then one write transaction takes the step.
async fn decide<R: ReviewPage + Send + 'static>(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<Vec<(String, String)>>,
    action: ReviewAction,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (raw, version) = decision(body.into_inner())?;
    let comment = match review::comment(action, &raw) {
        Ok(c) => c,
        Err(msg) => return R::with_review_error(&state, &ctx, &user, id, raw, msg).await,
    };
    step::<R>(&state, &user, &session, id, action, comment, version).await
}

/// Submit record `id` at the version the user saw.
pub async fn submit<R: Reviewed + Send + 'static>(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    // No version (or garbage) never matches: the submission is refused as stale.
    let version = body
        .into_inner()
        .into_iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.trim().parse::<i32>().ok())
        .unwrap_or(-1);
    step::<R>(
        &state,
        &user,
        &session,
        id,
        ReviewAction::Submit,
        String::new(),
        Some(version),
    )
    .await
}

async fn step<R: Reviewed + Send + 'static>(
    state: &AppState,
    user: &CurrentUser,
    session: &Session,
    id: i32,
    action: ReviewAction,
    comment: String,
    version: Option<i32>,
) -> AppResult<HttpResponse> {
    let env = Env::of(state);
    let u = user.clone();
    let d = Decision {
        action,
        comment,
        version,
    };
    let done = state
        .db
        .write(move |c| service::decide::<R>(c, &u, id, &d, &env))
        .await??;
    flash(
        session,
        "success",
        format!(
            "已{}：{} {}，当前状态：{}。",
            action.label(),
            done.unit.name,
            done.record.summary(),
            done.to.label()
        ),
    );
    Ok(redirect(&format!("{}/{id}", R::BASE)))
}

#[derive(Template)]
#[template(path = "review/queue.html")]
struct QueuePage<'a> {
    base: BaseContext,
    /// "月度调度" / "第一议题"
    area: &'static str,
    area_link: &'static str,
    stage: &'static str,
    date_label: &'static str,
    rows: &'a [QueueRow],
    batch: bool,
}

/// What a review queue is kept by until the next write: the records' area, the stage and
/// the reviewer's scope (a general branch's reviewers share their queue).
#[derive(Clone, PartialEq, Eq, Hash)]
struct QueueKey {
    area: &'static str,
    stage: crate::domain::review::ReviewState,
    scope: crate::domain::Scope,
}

/// The user's review queue (待总支复查 for a reviewer, 待党委复核 for the office).
pub async fn queue<R: Reviewed + Send + 'static>(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    let (stage, scope) = user.review_queue().ok_or(AppError::Forbidden)?;
    let key = QueueKey {
        area: R::AREA,
        stage,
        scope,
    };
    let u = user.clone();
    let kept = state
        .kept_or_read(key, || state.db.run(move |c| service::queue::<R>(c, &u)))
        .await?;
    let (stage, rows) = &*kept;
    render(&QueuePage {
        base: ctx.base(format!("{}审核 · {stage}", R::AREA)),
        area: R::AREA,
        area_link: R::BASE,
        stage,
        date_label: R::DATE_LABEL,
        rows,
        batch: user.may(Capability::Rereview),
    })
}

/// The queue as .xlsx.
pub async fn export_queue<R: Reviewed + Send + 'static>(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    let u = user.clone();
    let (stage, rows) = state.db.run(move |c| service::queue::<R>(c, &u)).await?;
    let columns: [Column; 6] = [
        col("单位", 28.0),
        col("材料", 40.0),
        col(R::DATE_LABEL, 12.0),
        col("提交时间", 18.0),
        col("迟报", 8.0),
        col("状态", 12.0),
    ];
    let data: Vec<Vec<Value>> = rows
        .into_iter()
        .map(|r| {
            vec![
                Value::from(r.unit_name),
                Value::from(r.title),
                Value::from(r.date),
                Value::from(r.submitted_at),
                Value::from(if r.late { "迟报" } else { "" }),
                Value::from(r.state),
            ]
        })
        .collect();
    let sheet = xlsx::Sheet::new(format!("{}{stage}", R::AREA), state.now())
        .filter("审核环节", stage.to_string());
    xlsx::export(&sheet, &columns, &data)
}

/// The office approves the ticked records at once (党委复核), each as a single approval,
/// in one transaction; those that cannot pass are named.
pub async fn batch_approve<R: Reviewed + Send + 'static>(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::Rereview)?;
    let back = format!("{}/queue", R::BASE);
    let ids = crate::routes::ticked_ids(body.into_inner())?;
    if ids.is_empty() {
        flash(&session, "error", "请先勾选要审核通过的材料。");
        return Ok(redirect(&back));
    }
    let env = Env::of(&state);
    let u = user.clone();
    let (done, refused) = state
        .db
        .write(move |c| service::approve_many::<R>(c, &u, &ids, &env))
        .await?;
    crate::routes::flash_batch(&session, done, R::COUNTED, "以下材料未能通过", &refused);
    Ok(redirect(&back))
}
