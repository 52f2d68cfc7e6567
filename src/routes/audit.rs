//! The audit log viewer (office only): every change, newest first.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::clock::format_local;
use crate::db::models::audit::{self, AuditFilter};
use crate::domain::audit::{self as words, FieldChange};
use crate::domain::Scope;
use crate::error::AppResult;
use crate::routes::non_empty;
use crate::state::{AppState, ListKey};
use crate::views::{render, BaseContext, PageCtx, Paging};
use crate::xlsx::{self, col, Column, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit", web::get().to(list))
        .route("/audit/export", web::get().to(export));
}

pub struct AuditRow {
    pub at: String,
    pub who: String,
    /// 审核通过, 修改, … (domain::audit).
    pub action: String,
    /// 践行举措, 月度调度, …
    pub entity: String,
    pub summary: String,
    /// Per field: 状态：未开始 → 推进中.
    pub changes: Vec<FieldChange>,
}

#[derive(Deserialize)]
struct ListQuery {
    entity: Option<String>,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct ListPage<'a> {
    base: BaseContext,
    rows: &'a [AuditRow],
    paging: Paging,
    entity: String,
    entities: &'static [(&'static str, &'static str)],
    export_link: String,
}

pub use crate::domain::audit::ENTITIES;

/// The entity filter as the list reads it.
fn chosen_entity(query: &ListQuery) -> Option<String> {
    non_empty(&query.entity)
        .filter(|e| ENTITIES.iter().any(|(c, _)| c == e))
        .map(str::to_string)
}

/// A stored before/after; text that is not JSON is kept as text.
fn parse(raw: Option<&str>) -> Option<serde_json::Value> {
    let raw = raw?;
    Some(serde_json::from_str(raw).unwrap_or_else(|_| serde_json::Value::String(raw.to_string())))
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
    let (rows, total, names) = state
        .db
        .run(move |c| {
            let (rows, total) = audit::list(c, &filter, offset, limit)?;
            let parsed: Vec<_> = rows
                .into_iter()
                .map(|(e, who)| {
                    let before = parse(e.before_json.as_deref());
                    let after = parse(e.after_json.as_deref());
                    (e, who, before, after)
                })
                .collect();
            let values: Vec<Option<&serde_json::Value>> = parsed
                .iter()
                .flat_map(|(_, _, b, a)| [b.as_ref(), a.as_ref()])
                .collect();
            let (units, users, goals) = words::refs(&values);
            let names = audit::names(c, &units, &users, &goals)?;
            Ok((parsed, total, names))
        })
        .await?;
    let rows = rows
        .into_iter()
        .map(|(e, who, before, after)| AuditRow {
            at: format_local(e.at),
            who: who.unwrap_or_else(|| "系统".into()),
            action: words::action_label(&e.action),
            entity: words::entity_label(&e.entity),
            changes: words::changes(&e.entity, before.as_ref(), after.as_ref(), &names),
            summary: e.summary,
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
    if let Some(e) = &entity {
        paging.query = format!("entity={e}");
    }
    // A page is kept until the next write (which adds an entry): each line's changes are
    // read from the stored JSON and the names it refers to (~0.3 ms a page).
    let key = ListKey::new(
        "audit",
        Scope::All,
        paging.query.clone(),
        state.settings.clock.today(),
    );
    let (offset, limit) = (paging.offset(), paging.per_page);
    let page = state
        .list_page(key, paging.at(), || {
            select(&state, entity.clone(), offset, limit)
        })
        .await?;
    let (rows, total) = &*page;
    paging.total = *total;
    render(&ListPage {
        base: ctx.base("操作日志").wide().filters(
            &crate::domain::filters::FilterWords::new()
                .opt("对象", entity.as_deref().map(words::entity_label)),
        ),
        rows,
        export_link: xlsx::export_link("/audit/export", &paging.query),
        paging,
        entity: entity.unwrap_or_default(),
        entities: ENTITIES,
    })
}

const EXPORT_COLUMNS: [Column; 6] = [
    col("时间", 18.0),
    col("操作人", 12.0),
    col("操作", 10.0),
    col("对象", 12.0),
    col("内容", 36.0),
    col("变更（变更前 → 变更后）", 60.0),
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
                Value::from(r.action),
                Value::from(r.entity),
                Value::from(r.summary),
                Value::from(
                    r.changes
                        .iter()
                        .map(FieldChange::text)
                        .collect::<Vec<_>>()
                        .join("\n"),
                ),
            ]
        })
        .collect();
    let entity = chosen_entity(&query).and_then(|e| ENTITIES.iter().find(|(c, _)| *c == e));
    let sheet = xlsx::Sheet::new("操作日志", state.now())
        .filter("对象", entity.map(|(_, label)| *label).unwrap_or_default());
    xlsx::export(&sheet, &EXPORT_COLUMNS, &data)
}
