//! Extension requests (延期申请): asked for on an item page, decided by the office, listed
//! and exported.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::clock::format_local;
use crate::db::models::rect;
use crate::domain::register::ExtensionStatus;
use crate::domain::validate::{self, FieldErrors};
use crate::error::AppResult;
use crate::routes::year_book::{BookSheet, Columns};
use crate::routes::{non_empty, ymd};
use crate::services::rect::{self as service, Saved};
use crate::state::AppState;
use crate::views::{flash, redirect, render, render_status, BaseContext, PageCtx, Paging};
use crate::xlsx::{self, Value};

use super::item_page::{refused, ItemInput};
use super::{keep, load_item, parse_deadline, CommentForm};

// ---------------------------------------------------------------- extension requests

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ExtensionForm {
    new_deadline: String,
    reason: String,
}

pub(super) async fn request_extension(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<ExtensionForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (item, unit, _, _) = state.db.run(move |c| load_item(c, id)).await?;
    user.require(Action::Write, &unit)?;
    let form = form.into_inner();
    let mut e = FieldErrors::new();
    let new_deadline = parse_deadline(&mut e, "new_deadline", "新的整改时限", &form.new_deadline);
    let reason = validate::required_text(&mut e, "reason", "延期理由", &form.reason, 500);
    if e.get("new_deadline").is_none() && new_deadline <= item.deadline {
        e.add(
            "new_deadline",
            format!("新的整改时限须晚于当前时限 {}", ymd(item.deadline)),
        );
    }
    let now = state.now();
    let saved = if e.is_empty() {
        let u = user.clone();
        state
            .db
            .write(move |c| service::request_extension(c, &u, id, new_deadline, &reason, now))
            .await?
    } else {
        Saved::Invalid(e)
    };
    match saved {
        Saved::Done(_) => {
            flash(&session, "success", "已提交延期申请，等待党群工作部审批。");
            Ok(redirect(&format!("/rect/items/{id}")))
        }
        Saved::Invalid(errors) => {
            let input = ItemInput {
                errors,
                new_deadline: form.new_deadline,
                reason: form.reason,
                ..Default::default()
            };
            refused(&state, &ctx, &user, id, input).await
        }
    }
}

#[derive(Deserialize, Default)]
pub(super) struct ExtensionsQuery {
    status: Option<String>,
    page: Option<String>,
}

pub struct ExtensionRowView {
    pub id: i32,
    pub item_id: i32,
    pub problem: String,
    pub unit_name: String,
    pub old_deadline: String,
    pub new_deadline: String,
    pub reason: String,
    pub requester: String,
    pub requested_at: String,
    pub status: &'static str,
    pub pending: bool,
    pub comment: String,
}

#[derive(Template)]
#[template(path = "rect/extensions.html")]
struct ExtensionsPage {
    base: BaseContext,
    rows: Vec<ExtensionRowView>,
    export_link: String,
    paging: Paging,
    status: String,
    statuses: &'static [ExtensionStatus],
    /// (request id, message, comment typed) after a refused decision.
    error: Option<(i32, String, String)>,
}

/// One page (or all, for the export) of extension requests of a status, as list lines.
async fn select_extensions(
    state: &AppState,
    status: Option<ExtensionStatus>,
    offset: i64,
    limit: i64,
    short_problem: bool,
) -> AppResult<(Vec<ExtensionRowView>, i64)> {
    let (rows, total) = state
        .db
        .run(move |c| Ok(rect::list_extensions(c, status, None, offset, limit)?))
        .await?;
    Ok((extension_views(rows, short_problem), total))
}

/// Requests as the list shows them (the problem cut to 40 characters when `short_problem`).
fn extension_views(rows: Vec<rect::ExtensionRow>, short_problem: bool) -> Vec<ExtensionRowView> {
    rows.into_iter()
        .map(|(e, problem, unit, who)| ExtensionRowView {
            id: e.id,
            item_id: e.item_id,
            problem: if short_problem {
                rect::short(&problem, 40)
            } else {
                problem
            },
            unit_name: unit.name,
            old_deadline: ymd(e.old_deadline),
            new_deadline: ymd(e.new_deadline),
            requester: who.unwrap_or_else(|| "—".into()),
            requested_at: format_local(e.requested_at),
            status: e.status().label(),
            pending: e.status() == ExtensionStatus::Pending,
            comment: e.decision_comment,
            reason: e.reason,
        })
        .collect()
}

async fn extensions_page(
    state: &AppState,
    ctx: &PageCtx,
    status_raw: Option<String>,
    page_raw: Option<String>,
    error: Option<(i32, String, String)>,
) -> AppResult<HttpResponse> {
    let status = non_empty(&status_raw).and_then(ExtensionStatus::parse);
    let mut paging = Paging::new(page_raw.as_deref(), Paging::PER_PAGE).printing(ctx.print_view);
    let (rows, total) =
        select_extensions(state, status, paging.offset(), paging.per_page, true).await?;
    paging.total = total;
    let status_code = status.map(|s| s.code().to_string()).unwrap_or_default();
    paging.query = keep(&[("status", &status_code)]);
    let page = ExtensionsPage {
        base: ctx.base("延期申请审批").wide().filters(
            &crate::domain::filters::FilterWords::new()
                .opt("状态", status.map(ExtensionStatus::label)),
        ),
        rows,
        export_link: xlsx::export_link("/rect/extensions/export", &paging.query),
        paging,
        status: status_code,
        statuses: ExtensionStatus::ALL,
        error,
    };
    if page.error.is_some() {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    } else {
        render(&page)
    }
}

const EXTENSION_COLUMNS: [xlsx::Column; 9] = [
    xlsx::col("单位", 20.0),
    xlsx::col("整改事项", 36.0),
    xlsx::col("原时限", 12.0),
    xlsx::col("申请延至", 12.0),
    xlsx::col("理由", 30.0),
    xlsx::col("申请人", 10.0),
    xlsx::col("申请时间", 18.0),
    xlsx::col("状态", 9.0),
    xlsx::col("审批意见", 24.0),
];

pub(super) async fn export_extensions(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ExtensionsQuery>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::DecideExtensions)?;
    let status = non_empty(&query.status).and_then(ExtensionStatus::parse);
    let (rows, _) = select_extensions(&state, status, 0, xlsx::EXPORT_LIMIT, false).await?;
    let data = extension_export_rows(rows);
    let sheet = xlsx::Sheet::new("延期申请", state.now())
        .filter("状态", status.map(|s| s.label()).unwrap_or_default());
    xlsx::export(&sheet, &EXTENSION_COLUMNS, &data)
}

fn extension_export_rows(rows: Vec<ExtensionRowView>) -> Vec<Vec<Value>> {
    rows.into_iter()
        .map(|r| {
            vec![
                Value::from(r.unit_name),
                Value::from(r.problem),
                Value::from(r.old_deadline),
                Value::from(r.new_deadline),
                Value::from(r.reason),
                Value::from(r.requester),
                Value::from(r.requested_at),
                Value::from(r.status),
                Value::from(r.comment),
            ]
        })
        .collect()
}

/// 延期申请 of the year's workbook: every request on the items of the campaign's tables.
pub(crate) const BOOK_SHEET: BookSheet = BookSheet {
    name: "延期申请",
    title: "整改事项延期申请",
    note: "",
    columns: Columns::Fixed(|| EXTENSION_COLUMNS.to_vec()),
    page: |c, year, offset, limit| {
        let (rows, _) = rect::list_extensions(c, None, Some(year.campaign.id), offset, limit)?;
        Ok(extension_export_rows(extension_views(rows, false)))
    },
};

pub(super) async fn extensions(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<ExtensionsQuery>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::DecideExtensions)?;
    let q = query.into_inner();
    extensions_page(&state, &ctx, q.status, q.page, None).await
}

async fn decide(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    id: i32,
    comment_raw: String,
    approve: bool,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::DecideExtensions)?;
    // 404 for an unknown request before anything else.
    state.db.run(move |c| Ok(rect::extension(c, id)?)).await?;
    let mut e = FieldErrors::new();
    let comment = if approve {
        validate::optional_text(&mut e, "comment", "审批意见", &comment_raw, 500)
            .unwrap_or_default()
    } else {
        validate::required_text(&mut e, "comment", "不批准的理由", &comment_raw, 500)
    };
    if let Some(msg) = e.get("comment") {
        return extensions_page(
            &state,
            &ctx,
            None,
            None,
            Some((id, msg.to_string(), comment_raw)),
        )
        .await;
    }
    let now = state.now();
    let u = user.clone();
    let ext = state
        .db
        .write(move |c| service::decide_extension(c, &u, id, approve, &comment, now))
        .await?;
    flash(
        &session,
        "success",
        if approve {
            format!("已批准延期，整改时限改为 {}。", ymd(ext.new_deadline))
        } else {
            "已不批准该延期申请。".to_string()
        },
    );
    Ok(redirect("/rect/extensions"))
}

pub(super) async fn approve(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<CommentForm>,
) -> AppResult<HttpResponse> {
    let comment = form.into_inner().comment;
    decide(state, user, ctx, session, path.into_inner(), comment, true).await
}

pub(super) async fn refuse(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<CommentForm>,
) -> AppResult<HttpResponse> {
    let comment = form.into_inner().comment;
    decide(state, user, ctx, session, path.into_inner(), comment, false).await
}
