//! The indicator tree on one page: every area and item a row (序号, name, kind, points,
//! 评分标准, 系统数据来源, delete), a few empty rows to add to it. A save writes the whole tree
//! in one transaction — or nothing: bad rows are named on the rows, a tree whose leaves do
//! not sum to 1000 is refused with the difference named (422, the input kept), a save from
//! an old version is refused (409, the input kept), and the tree is frozen once a unit's
//! score sheet has been submitted.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db::models::assessment::{self as model, Scheme};
use crate::domain::assessment::{IndicatorKind, ScoreSource};
use crate::error::{AppError, AppResult, NO_VERSION, STALE_EDIT};
use crate::forms::assessment::{TreeForm, TreeRefusal, MAX_ROWS};
use crate::services::assessment::{self as service, Saved, FROZEN};
use crate::state::AppState;
use crate::views::{flash, redirect, render_status, BaseContext, PageCtx};

use super::{link, sum_line};

#[derive(Template)]
#[template(path = "assessment/scheme/tree.html")]
struct TreePage {
    base: BaseContext,
    scheme: Scheme,
    form: TreeForm,
    /// The form-level message (refusal, conflict), if any.
    message: Option<String>,
    /// The stored tree's sum in words.
    stored_sum: String,
    frozen: bool,
    kinds: &'static [IndicatorKind],
    sources: &'static [ScoreSource],
    max_rows: usize,
}

async fn page(
    state: &AppState,
    ctx: &PageCtx,
    scheme: Scheme,
    mut form: TreeForm,
    message: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let id = scheme.id;
    let (inds, frozen) = state
        .db
        .run(move |c| {
            Ok((
                model::indicators(c, id)?,
                model::sheets_past_draft(c, id)? > 0,
            ))
        })
        .await?;
    form.add_blank_rows();
    render_status(
        status,
        &TreePage {
            base: ctx.base(format!("编辑{}年度考核指标", scheme.year)),
            stored_sum: sum_line(&inds).0,
            scheme,
            form,
            message,
            frozen,
            kinds: IndicatorKind::ALL,
            sources: ScoreSource::ALL,
            max_rows: MAX_ROWS,
        },
    )
}

pub async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageAssessment)?;
    let id = path.into_inner();
    let (scheme, inds) = state
        .db
        .run(move |c| {
            let s = service::get(c, id)?;
            let inds = model::indicators(c, id)?;
            Ok((s, inds))
        })
        .await?;
    let form = TreeForm::from_tree(&inds, scheme.version);
    page(&state, &ctx, scheme, form, None, StatusCode::OK).await
}

pub async fn save(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageAssessment)?;
    let id = path.into_inner();
    let scheme = state.db.run(move |c| service::get(c, id)).await?;
    let mut form = match TreeForm::from_pairs(body.into_inner()) {
        Ok(f) => f,
        Err(TreeRefusal::Bad(m)) => return Err(AppError::BadRequest(m)),
        Err(_) => return Err(AppError::BadRequest("表单内容无法识别。".into())),
    };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let tree = match form.parse() {
        Ok(t) => t,
        Err(TreeRefusal::Bad(m)) => return Err(AppError::BadRequest(m)),
        Err(TreeRefusal::Rows(m)) | Err(TreeRefusal::FullMarks(m)) => {
            return page(&state, &ctx, scheme, form, Some(m), unprocessable).await;
        }
    };
    let Ok(expected) = form.version.trim().parse::<i32>() else {
        let m = Some(NO_VERSION.to_string());
        return page(&state, &ctx, scheme, form, m, StatusCode::BAD_REQUEST).await;
    };
    let now = state.now();
    let me = user.clone();
    let saved = state
        .db
        .write(move |c| service::save_tree(c, &me, id, Some(expected), tree, now))
        .await?;
    match saved {
        Saved::Done(summary) => {
            flash(&session, "success", format!("已保存考核指标。{summary}。"));
            Ok(redirect(&link(scheme.year)))
        }
        Saved::Conflict(current) => {
            form.version = current.to_string();
            let m = Some(STALE_EDIT.to_string());
            page(&state, &ctx, scheme, form, m, StatusCode::CONFLICT).await
        }
        Saved::Frozen => {
            let m = Some(FROZEN.to_string());
            page(&state, &ctx, scheme, form, m, StatusCode::CONFLICT).await
        }
    }
}
