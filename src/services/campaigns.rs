//! A campaign year (office): its settings, goals and monthly requirements; and each unit's
//! implementation plan (its own unit). One transaction each, with audit. A stale version is
//! `AppError::Stale`, nothing written.

use chrono::NaiveDateTime;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db;
use crate::db::models::campaigns::{self, Campaign};
use crate::db::models::{audit, units};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::forms::campaigns::CampaignFields;

/// Create the year (and its goals); `None` when the year exists already.
pub fn create(
    c: &mut DbConn,
    user: &CurrentUser,
    f: &CampaignFields,
    now: NaiveDateTime,
) -> AppResult<Option<Campaign>> {
    user.require_may(Capability::ManageCampaign)?;
    db::serialize_names(c, db::NameLock::CampaignYears)?;
    if campaigns::by_year(c, f.year)?.is_some() {
        return Ok(None);
    }
    let mut created = campaigns::create(c, f.year, &f.name, f.due_day, f.yellow_days, now)?;
    if let Some(quota) = f.hours_quota.filter(|q| *q != created.hours_quota) {
        campaigns::set_hours_quota(c, created.id, quota)?;
        created.hours_quota = quota;
    }
    audit::Change::new(
        user.id,
        "create",
        "campaign",
        created.id,
        format!("新建作风建设年度 {}", created.year),
    )
    .after(&created)
    .record(c, now)?;
    Ok(Some(created))
}

/// Save the settings of `before` (the year as the handler found it) at `expected`.
pub fn update_settings(
    c: &mut DbConn,
    user: &CurrentUser,
    before: &Campaign,
    expected: i32,
    f: &CampaignFields,
    now: NaiveDateTime,
) -> AppResult<()> {
    user.require_may(Capability::ManageCampaign)?;
    let settings = campaigns::Settings {
        name: &f.name,
        due_day: f.due_day,
        yellow_days: f.yellow_days,
        hours_quota: f.hours_quota.unwrap_or(before.hours_quota),
    };
    db::one_row(campaigns::update_settings(
        c, before.id, expected, &settings, now,
    )?)?;
    let after = campaigns::get(c, before.id)?;
    audit::Change::new(
        user.id,
        "update",
        "campaign",
        before.id,
        format!("修改 {} 年度设置", before.year),
    )
    .before(before)
    .after(&after)
    .record(c, now)?;
    Ok(())
}

/// One goal whose name or description the form changed.
pub struct GoalChange {
    pub id: i32,
    pub old_name: String,
    pub old_description: String,
    pub name: String,
    pub description: String,
}

/// Save the changed goals of campaign `cid` (year `year`) if the goals are still at
/// `expected`.
pub fn update_goals(
    c: &mut DbConn,
    user: &CurrentUser,
    cid: i32,
    year: i32,
    expected: i32,
    changes: &[GoalChange],
    now: NaiveDateTime,
) -> AppResult<()> {
    user.require_may(Capability::ManageCampaign)?;
    // First the claim on the form's version (and the campaign's row lock): of two
    // saves of the same page one goes on, the other writes nothing.
    db::one_row(campaigns::claim_goals(c, cid, expected)?)?;
    for g in changes {
        campaigns::update_goal(c, g.id, &g.name, &g.description)?;
        audit::Change::new(
            user.id,
            "update",
            "goal",
            g.id,
            format!("修改 {year} 年度工作目标：{} → {}", g.old_name, g.name),
        )
        .before(&serde_json::json!({ "name": g.old_name, "description": g.old_description }))
        .after(&serde_json::json!({ "name": g.name, "description": g.description }))
        .record(c, now)?;
    }
    Ok(())
}

/// Save the twelve monthly requirements `(month, text)` of campaign `cid` if they are
/// still at `expected`.
pub fn update_months(
    c: &mut DbConn,
    user: &CurrentUser,
    cid: i32,
    year: i32,
    expected: i32,
    texts: &[(i32, String)],
    now: NaiveDateTime,
) -> AppResult<()> {
    user.require_may(Capability::ManageCampaign)?;
    db::one_row(campaigns::claim_months(c, cid, expected)?)?;
    let before = campaigns::months(c, cid)?;
    for (m, text) in texts {
        campaigns::set_month(c, cid, *m, text)?;
    }
    audit::Change::new(
        user.id,
        "update",
        "campaign_months",
        cid,
        format!("修改 {year} 年度每月工作要求"),
    )
    .before(&serde_json::json!(before
        .iter()
        .map(|m| (m.month, m.requirement.clone()))
        .collect::<Vec<_>>()))
    .after(&serde_json::json!(texts))
    .record(c, now)?;
    Ok(())
}

/// Save unit `unit_id`'s plan for campaign `cid` (year `year`): create it (`expected` 0) or
/// overwrite it at `expected`.
#[allow(clippy::too_many_arguments)]
pub fn save_plan(
    c: &mut DbConn,
    user: &CurrentUser,
    cid: i32,
    year: i32,
    unit_id: i32,
    expected: i32,
    title: &str,
    content: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    user.require(Action::Write, &units::get(c, unit_id)?)?;
    let before = campaigns::plan(c, cid, unit_id)?;
    db::one_row(campaigns::save_plan(
        c, cid, unit_id, expected, title, content, user.id, now,
    )?)?;
    let after = campaigns::plan(c, cid, unit_id)?.ok_or(AppError::NotFound)?;
    let action = if before.is_some() { "update" } else { "create" };
    let mut change = audit::Change::new(
        user.id,
        action,
        "unit_plan",
        after.id,
        format!("保存 {year} 年度实施方案：{}", after.title),
    )
    .unit(unit_id)
    .after(&after);
    if let Some(b) = &before {
        change = change.before(b);
    }
    change.record(c, now)?;
    Ok(())
}
