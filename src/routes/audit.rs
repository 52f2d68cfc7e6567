//! The audit log viewer (office only): every change, newest first.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::clock::format_local;
use crate::db::models::audit::{self, AuditFilter};
use crate::error::AppResult;
use crate::routes::non_empty;
use crate::state::AppState;
use crate::views::{render, BaseContext, PageCtx, Paging};
use crate::xlsx::{self, col, Column, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit", web::get().to(list))
        .route("/audit/export", web::get().to(export));
}

pub struct AuditRow {
    pub at: String,
    pub who: String,
    pub action: String,
    pub entity: String,
    pub summary: String,
    pub before: String,
    pub after: String,
}

#[derive(Deserialize)]
struct ListQuery {
    entity: Option<String>,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct ListPage {
    base: BaseContext,
    rows: Vec<AuditRow>,
    paging: Paging,
    entity: String,
    export_link: String,
}

pub const ENTITIES: &[(&str, &str)] = &[("unit", "单位"), ("user", "用户")];

fn entity_label(code: &str) -> String {
    ENTITIES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| code.to_string(), |(_, l)| l.to_string())
}

/// The entity filter as the list reads it.
fn chosen_entity(query: &ListQuery) -> Option<String> {
    non_empty(&query.entity)
        .filter(|e| ENTITIES.iter().any(|(c, _)| c == e))
        .map(str::to_string)
}

/// Entries of the filter, newest first, as list lines.
async fn select(
    state: &AppState,
    entity: Option<String>,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<AuditRow>, i64)> {
    let filter = AuditFilter {
        entity,
        ..Default::default()
    };
    let (rows, total) = state
        .db
        .run(move |c| Ok(audit::list(c, &filter, offset, limit)?))
        .await?;
    let rows = rows
        .into_iter()
        .map(|(e, who)| AuditRow {
            at: format_local(e.at),
            who: who.unwrap_or_else(|| "系统".into()),
            action: e.action,
            entity: entity_label(&e.entity),
            summary: e.summary,
            before: e.before_json.unwrap_or_default(),
            after: e.after_json.unwrap_or_default(),
        })
        .collect();
    Ok((rows, total))
}

async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ReadAuditLog)?;
    let entity = chosen_entity(&query);
    let mut paging = Paging::new(query.page.as_deref(), 50).printing(ctx.print_view);
    let (rows, total) = select(&state, entity.clone(), paging.offset(), paging.per_page).await?;
    paging.total = total;
    if let Some(e) = &entity {
        paging.query = format!("entity={e}");
    }
    render(&ListPage {
        base: ctx.base("操作日志").wide().filters(
            &crate::domain::filters::FilterWords::new()
                .opt("对象", entity.as_deref().map(entity_label)),
        ),
        rows,
        export_link: xlsx::export_link("/audit/export", &paging.query),
        paging,
        entity: entity.unwrap_or_default(),
    })
}

const EXPORT_COLUMNS: [Column; 6] = [
    col("时间", 18.0),
    col("操作人", 12.0),
    col("对象", 8.0),
    col("内容", 36.0),
    col("变更前", 40.0),
    col("变更后", 40.0),
];

async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ReadAuditLog)?;
    let (rows, _) = select(&state, chosen_entity(&query), 0, xlsx::EXPORT_LIMIT).await?;
    let data: Vec<Vec<Value>> = rows
        .into_iter()
        .map(|r| {
            vec![
                Value::from(r.at),
                Value::from(r.who),
                Value::from(r.entity),
                Value::from(r.summary),
                Value::from(r.before),
                Value::from(r.after),
            ]
        })
        .collect();
    let entity = chosen_entity(&query).and_then(|e| ENTITIES.iter().find(|(c, _)| *c == e));
    let sheet = xlsx::Sheet::new("操作日志", state.now())
        .filter("对象", entity.map(|(_, label)| *label).unwrap_or_default());
    xlsx::export(&sheet, &EXPORT_COLUMNS, &data)
}
