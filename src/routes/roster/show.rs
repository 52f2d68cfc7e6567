//! The person page: the person, the leaving form for those who may write, the field
//! history and the operation log of this person.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::{Action, CurrentUser};
use crate::clock::format_local;
use crate::db::models::audit::{self, AuditFilter};
use crate::db::models::history;
use crate::db::models::roster::{self, group_names, Person, ENTITY};
use crate::db::models::units::{self, Unit};
use crate::domain::audit as words;
use crate::error::{AppError, AppResult};
use crate::routes::{history_lines, ymd, HistoryLine};
use crate::state::AppState;
use crate::views::{render_status, BaseContext, PageCtx};

/// One entry of the person's operation log.
pub struct LogLine {
    pub at: String,
    pub who: String,
    pub action: String,
    pub summary: String,
    pub changes: Vec<String>,
}

#[derive(Template)]
#[template(path = "roster/show.html")]
struct ShowPage {
    base: BaseContext,
    p: Person,
    unit_name: String,
    categories: String,
    active_from: String,
    active_to: String,
    status: &'static str,
    status_code: &'static str,
    history: Vec<HistoryLine>,
    log: Vec<LogLine>,
    can_edit: bool,
    /// The leaving form as typed and why it was refused.
    end_date: String,
    end_error: Option<String>,
}

/// A person with their unit, checked for `action` (another unit's person: 403).
pub(super) async fn load_checked(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    action: Action,
) -> AppResult<(Person, Unit)> {
    let (p, unit) = state
        .db
        .run(move |c| {
            let p = roster::find(c, id)?.ok_or(AppError::NotFound)?;
            let unit = units::get(c, p.unit_id)?;
            Ok((p, unit))
        })
        .await?;
    user.require(action, &unit)?;
    Ok((p, unit))
}

/// The person page; `end` is a refused leaving form (the date as typed, and why).
pub(super) async fn show_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    id: i32,
    end: Option<(String, String)>,
) -> AppResult<HttpResponse> {
    let (p, unit) = load_checked(state, user, id, Action::Read).await?;
    let today = state.settings.clock.today();
    let (changes, entries, names) = state
        .db
        .run(move |c| {
            let changes = history::list(c, ENTITY, id)?;
            let filter = AuditFilter {
                entity: Some(ENTITY.to_string()),
                entity_id: Some(id),
                user_id: None,
            };
            let (entries, _) = audit::list(c, &filter, 0, 100)?;
            let parsed: Vec<_> = entries
                .into_iter()
                .map(|(e, who)| {
                    let parse = |raw: Option<&str>| {
                        raw.and_then(|r| serde_json::from_str::<serde_json::Value>(r).ok())
                    };
                    let before = parse(e.before_json.as_deref());
                    let after = parse(e.after_json.as_deref());
                    (e, who, before, after)
                })
                .collect();
            let values: Vec<Option<&serde_json::Value>> = parsed
                .iter()
                .flat_map(|(_, _, b, a)| [b.as_ref(), a.as_ref()])
                .collect();
            let (u, us, g) = words::refs(&values);
            let names = audit::names(c, &u, &us, &g)?;
            Ok((changes, parsed, names))
        })
        .await?;
    let log = entries
        .into_iter()
        .map(|(e, who, before, after)| LogLine {
            at: format_local(e.at),
            who: who.unwrap_or_else(|| "系统".into()),
            action: words::action_label(&e.action),
            changes: if e.action == "update" || e.action == "end" || e.action == "import" {
                words::changes(&e.entity, before.as_ref(), after.as_ref(), &names)
                    .iter()
                    .map(words::FieldChange::text)
                    .collect()
            } else {
                Vec::new()
            },
            summary: e.summary,
        })
        .collect();
    let st = p.status(today);
    let status = if end.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (end_date, end_error) = match end {
        Some((date, error)) => (date, Some(error)),
        None => (ymd(today), None),
    };
    render_status(
        status,
        &ShowPage {
            base: ctx
                .base(format!("人员名册 · {}", p.name))
                .unit(unit.name.clone()),
            unit_name: unit.name.clone(),
            categories: group_names(&p.groups()),
            active_from: p.active_from.map(ymd).unwrap_or_default(),
            active_to: p.active_to.map(ymd).unwrap_or_default(),
            status: st.label(),
            status_code: st.code(),
            history: history_lines(changes),
            log,
            can_edit: user.can(Action::Write, &unit),
            end_date,
            end_error,
            p,
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
