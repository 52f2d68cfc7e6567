//! The audit log viewer (office only): every change, newest first.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::clock::format_local;
use crate::db::models::audit::{self, AuditFilter};
use crate::error::AppResult;
use crate::routes::non_empty;
use crate::startup::AppState;
use crate::views::{render, BaseContext, PageCtx, Paging};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit", web::get().to(list));
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
}

pub const ENTITIES: &[(&str, &str)] = &[("unit", "单位"), ("user", "用户")];

fn entity_label(code: &str) -> String {
    ENTITIES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| code.to_string(), |(_, l)| l.to_string())
}

async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    user.require_office()?;
    let entity = non_empty(&query.entity)
        .filter(|e| ENTITIES.iter().any(|(c, _)| c == e))
        .map(str::to_string);
    let mut paging = Paging::new(query.page.as_deref(), 50);
    let (offset, limit) = (paging.offset(), paging.per_page);
    let filter = AuditFilter {
        entity: entity.clone(),
        ..Default::default()
    };
    let (rows, total) = state
        .db
        .run(move |c| Ok(audit::list(c, &filter, offset, limit)?))
        .await?;
    paging.total = total;
    if let Some(e) = &entity {
        paging.query = format!("entity={e}");
    }
    render(&ListPage {
        base: ctx.base("操作日志"),
        rows: rows
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
            .collect(),
        paging,
        entity: entity.unwrap_or_default(),
    })
}
