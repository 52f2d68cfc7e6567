//! HTTP routes, one module per area. Each module exposes `configure`; handlers stay thin:
//! parse input, ask the policy, call the area's queries, render.

pub mod account;
pub mod activities;
pub mod assessment;
pub mod assets;
pub mod attachments;
pub mod audit;
pub mod brands;
pub mod campaigns;
pub mod client_ip;
pub mod dashboard;
pub mod feedback;
pub mod health;
pub mod heavy;
pub mod home;
pub mod imports;
pub mod incentives;
pub mod library;
pub mod measures;
pub mod notices;
pub mod rect;
pub mod reports;
pub mod review;
pub mod roster;
pub mod surveys;
pub mod taskforce;
pub mod topics;
pub mod units;
pub mod users;
pub mod year_book;

use actix_governor::governor::middleware::NoOpMiddleware;
use actix_governor::Governor;
use actix_web::web;

use crate::clock::format_local;
use crate::db::models::history::FieldChange;
use crate::error::AppError;

pub type LoginLimiter = Governor<client_ip::ClientIpKeyExtractor, NoOpMiddleware>;

/// `public_limiter`: the per-address limit of `POST /public/feedback` (issue 12, built in
/// `startup` like the sign-in limiter).
pub fn configure(
    cfg: &mut web::ServiceConfig,
    login_limiter: LoginLimiter,
    public_limiter: feedback::PublicLimiter,
) {
    health::configure(cfg);
    assets::configure(cfg);
    attachments::configure(cfg);
    account::configure(cfg, login_limiter);
    // The pages opened most come first: actix tries routes in the order they are registered,
    // and each route with a `{parameter}` before a page costs that page a regular-expression
    // match (the dashboard, registered last, spent 7–8 % of its time there; issue 14).
    home::configure(cfg);
    dashboard::configure(cfg);
    measures::configure(cfg);
    notices::configure(cfg);
    rect::configure(cfg);
    reports::configure(cfg);
    taskforce::configure(cfg);
    topics::configure(cfg);
    units::configure(cfg);
    users::configure(cfg);
    audit::configure(cfg);
    campaigns::configure(cfg);
    roster::configure(cfg);
    // Before the records: `/activities/coverage` is not an activity id.
    activities::coverage::configure(cfg);
    activities::configure(cfg);
    surveys::configure(cfg);
    brands::configure(cfg);
    assessment::configure(cfg);
    feedback::configure(cfg, public_limiter);
    incentives::configure(cfg);
    library::configure(cfg);
}

pub async fn not_found() -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// The ticked ids of a batch form (`ids=3&ids=7`), without repeats; a non-number is a 400.
pub fn ticked_ids(pairs: Vec<(String, String)>) -> Result<Vec<i32>, AppError> {
    let mut ids: Vec<i32> = Vec::new();
    for (k, v) in pairs {
        if k == "ids" {
            let id = v
                .trim()
                .parse::<i32>()
                .map_err(|_| AppError::BadRequest("所选记录无效。".into()))?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    Ok(ids)
}

/// The units the user may record for in a unit-picking form, in tree order: every active unit
/// for the office, the user's own unit for everyone else (the register's policy check refuses
/// the viewer on save).
pub fn writable_units(
    c: &mut crate::db::DbConn,
    user: &crate::auth::CurrentUser,
) -> crate::error::AppResult<Vec<crate::db::models::units::Unit>> {
    use crate::auth::policy::Capability;
    use crate::db::models::units;
    if user.may(Capability::RecordForAnyUnit) {
        Ok(units::all(c)?.into_iter().filter(|u| u.active).collect())
    } else {
        Ok(vec![units::get(c, user.unit_id)?])
    }
}

/// Refuse a form's unit outside the user's write scope before anything else (a unit that does
/// not exist is refused the same way); an empty or non-number unit is left to the form's own
/// check, which names the field.
pub async fn require_unit_write(
    state: &crate::state::AppState,
    user: &crate::auth::CurrentUser,
    unit_id: &str,
) -> crate::error::AppResult<()> {
    if let Ok(uid) = unit_id.trim().parse::<i32>() {
        let unit = state
            .db
            .run(move |c| Ok(crate::db::models::units::find(c, uid)?))
            .await?
            .ok_or(AppError::Forbidden)?;
        user.require(crate::auth::Action::Write, &unit)?;
    }
    Ok(())
}

/// A page's `unit=`: the unit (inside the user's read scope: 403 otherwise, and for a unit
/// that does not exist; a non-number is a 400) and the user's scope narrowed to it and what
/// lies under it (someone who reads one unit only keeps that one). No `unit=`: the user's
/// scope, no unit.
pub async fn narrowed_scope(
    state: &crate::state::AppState,
    user: &crate::auth::CurrentUser,
    unit: &Option<String>,
) -> crate::error::AppResult<(crate::domain::Scope, Option<crate::db::models::units::Unit>)> {
    use crate::domain::Scope;
    let scope = user.scope();
    let Some(raw) = non_empty(unit) else {
        return Ok((scope, None));
    };
    let id: i32 = raw
        .parse()
        .map_err(|_| AppError::BadRequest("单位无效。".into()))?;
    let unit = state
        .db
        .run(move |c| Ok(crate::db::models::units::find(c, id)?))
        .await?
        .ok_or(AppError::Forbidden)?;
    user.require(crate::auth::Action::Read, &unit)?;
    let narrowed = match scope {
        Scope::Unit(_) => scope,
        _ => Scope::Subtree(unit.path.clone()),
    };
    Ok((narrowed, Some(unit)))
}

/// A unit field left empty by someone who records only for their own unit means that unit.
pub fn own_unit_by_default(user: &crate::auth::CurrentUser, unit_id: &mut String) {
    use crate::auth::policy::Capability;
    if !user.may(Capability::RecordForAnyUnit) && unit_id.trim().is_empty() {
        *unit_id = user.unit_id.to_string();
    }
}

/// Parse the optional query parameter the list filters share: an empty string means "any".
pub fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A list's unit filter in words for its export, as the select shows it: the unit's name, or
/// 全部（含下级） when none is chosen.
pub async fn unit_in_words(
    state: &crate::state::AppState,
    unit: Option<i32>,
) -> crate::error::AppResult<String> {
    let Some(id) = unit else {
        return Ok("全部（含下级）".to_string());
    };
    let unit = state
        .db
        .run(move |c| Ok(crate::db::models::units::find(c, id)?))
        .await?;
    Ok(unit.map(|u| u.name).unwrap_or_default())
}

/// One field change in the history of a record, as its page shows it.
pub struct HistoryLine {
    pub at: String,
    pub who: String,
    pub field: String,
    pub old: String,
    pub new: String,
}

/// A record's history (as `history::list` gives it) as page lines; a change nobody signed
/// was the system's.
pub fn history_lines(changes: Vec<(FieldChange, Option<String>)>) -> Vec<HistoryLine> {
    changes
        .into_iter()
        .map(|(ch, who)| HistoryLine {
            at: format_local(ch.at),
            who: who.unwrap_or_else(|| "系统".into()),
            field: ch.field,
            old: ch.old_value,
            new: ch.new_value,
        })
        .collect()
}

/// A date as the forms and lists show it: 2026-12-31.
pub use crate::forms::ymd;

/// The outcome of a batch approval as flash messages: how many passed (`done` of `what`, e.g.
/// "份月度调度"), and each refused one with its reason after `refused_head`.
pub fn flash_batch(
    session: &actix_session::Session,
    done: usize,
    what: &str,
    refused_head: &str,
    refused: &[String],
) {
    if done > 0 {
        crate::views::flash(session, "success", format!("已审核通过 {done} {what}。"));
    }
    if !refused.is_empty() {
        crate::views::flash(
            session,
            "error",
            format!("{refused_head}：{}", refused.join("；")),
        );
    }
}
