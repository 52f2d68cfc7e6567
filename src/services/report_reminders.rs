//! 催报: the office (every branch) or a general branch (the branches below it) urges
//! branches that have not submitted a month's report — one branch, or all not yet reported
//! in the user's scope. Each urged branch gets, in one transaction: the day's guard row
//! (`report_reminders`: a branch is urged at most once per Beijing day, so a double click
//! sends nothing twice), an in-app notice for each of its secretaries, an audit entry
//! (entity `report_reminder`, action `remind`); and the action queues one message for the
//! outgoing hook when it is configured.

use chrono::{Datelike, NaiveDateTime};

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db::models::audit;
use crate::db::models::campaigns;
use crate::db::models::reports::{self, Compliance, Report};
use crate::db::models::units::{self, Unit};
use crate::db::DbConn;
use crate::domain::UnitKind;
use crate::error::{AppError, AppResult};
use crate::notify::Notice;
use crate::services::notices;
use crate::services::review::Env;

pub const ENTITY: &str = "report_reminder";
pub const ACTION: &str = "remind";

/// Which branches to urge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// One branch (its unit id).
    Unit(i32),
    /// Every branch in the user's scope that has not submitted.
    AllNotReported,
}

/// What an urge did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Urged {
    /// Branches urged now.
    pub urged: Vec<String>,
    /// Branches left alone because they were urged today already, with the time.
    pub already: Vec<(String, NaiveDateTime)>,
    /// In-app notices left for secretaries.
    pub notified: usize,
}

/// Urge `target` to submit the report of `year`/`month`. Refused: a user who may not urge
/// (403), a branch outside the user's reach (403), a future month or a year without a
/// campaign, an unknown unit or one that is not a branch in use (400), a branch that has
/// submitted (409).
pub fn urge(
    c: &mut DbConn,
    user: &CurrentUser,
    env: &Env,
    year: i32,
    month: i32,
    target: Target,
) -> AppResult<Urged> {
    user.require_may(Capability::RemindReports)?;
    let today = env.today;
    if (year, month) > (today.year(), today.month() as i32) {
        return Err(AppError::BadRequest("不能催报未来月份的月度调度。".into()));
    }
    let due = campaigns::by_year(c, year)?
        .and_then(|cp| cp.due_date(month as u32))
        .ok_or_else(|| AppError::BadRequest(format!("{year} 年没有活动方案，无需催报。")))?;
    let candidates: Vec<Unit> = match target {
        Target::Unit(id) => {
            let unit = units::find(c, id)?
                .filter(|u| u.kind() == UnitKind::Branch && u.active)
                .ok_or_else(|| AppError::BadRequest("找不到该党支部，无法催报。".into()))?;
            user.require(Action::Review, &unit)?;
            let report = reports::by_period(c, unit.id, year, month)?;
            if !compliance(report.as_ref(), due, today).awaited() {
                return Err(AppError::Conflict(format!(
                    "{}的{year}年{month}月月度调度已报送，无需催报。",
                    unit.name
                )));
            }
            vec![unit]
        }
        Target::AllNotReported => reports::compliance(c, &user.scope(), year, month)?
            .into_iter()
            .filter(|(u, r)| {
                user.can(Action::Review, u) && compliance(r.as_ref(), due, today).awaited()
            })
            .map(|(u, _)| u)
            .collect(),
    };
    let message = format!(
        "{}催报：请尽快提交{year}年{month}月月度调度（报送截止 {}）。",
        user.unit_name,
        due.format("%Y-%m-%d")
    );
    let link = format!("/reports?year={year}&month={month}");
    let mut done = Urged::default();
    for unit in candidates {
        let Some(id) = reports::record_reminder(c, unit.id, year, month, today, user.id, env.now)?
        else {
            let at = reports::reminded_on(c, year, month, today, &[unit.id])?
                .remove(&unit.id)
                .unwrap_or(env.now);
            done.already.push((unit.name, at));
            continue;
        };
        let notified = notices::to_secretaries(c, unit.id, &message, &link, env.now)?;
        done.notified += notified;
        audit::Change::new(
            user.id,
            ACTION,
            ENTITY,
            id,
            format!("催报 {} {year}年{month}月月度调度", unit.name),
        )
        .unit(unit.id)
        .after(&serde_json::json!({
            "unit": unit.name,
            "year": year,
            "month": month,
            "notified": notified,
        }))
        .record(c, env.now)?;
        done.urged.push(unit.name);
    }
    if !done.urged.is_empty() {
        let names: Vec<&str> = done.urged.iter().map(String::as_str).collect();
        let notice = Notice::urged(&user.unit_name, year, month, due, &names);
        env.outbox.enqueue(c, &notice, env.now)?;
    }
    Ok(done)
}

fn compliance(
    report: Option<&Report>,
    due: chrono::NaiveDate,
    today: chrono::NaiveDate,
) -> Compliance {
    Compliance::of(report.map(Report::filed), due, today)
}
