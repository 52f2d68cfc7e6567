//! 正向激励 / 反向约束: incentives (评优评先, 平台宣传, 向上推荐), report series and their issues,
//! referrals to the committee. Each function is one transaction with its audit entry (and
//! field history for edits and steps). The office records (`ManageIncentives`,
//! `ManageReferrals`); everyone reads the incentives and issues of the units in their scope;
//! referrals are the office's alone.

use chrono::{NaiveDate, NaiveDateTime};

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db::models::incentives::{
    self as q, Incentive, IncentiveFields, IssueFields, Referral, ReferralFields, Series,
    SeriesFields, SeriesIssue, TrackedIncentive, TrackedIssue, TrackedReferral, TrackedStep,
    ENTITY, ISSUE_ENTITY, REFERRAL_ENTITY, SERIES_ENTITY,
};
use crate::db::models::units::{self, Unit};
use crate::db::models::{audit, history};
use crate::db::DbConn;
use crate::domain::incentive::ReferralState;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::forms::ymd;

/// How a save ended.
pub enum Saved {
    Done(i32),
    /// A check against the stored records failed (a taken name or number): the form again.
    Invalid(FieldErrors),
    /// Someone saved first: the version now stored, for the form.
    Conflict(i32),
}

/// The unit a form names, which must exist (403 otherwise, as for a forged id).
fn unit_of(c: &mut DbConn, user: &CurrentUser, id: i32) -> AppResult<Unit> {
    let unit = units::find(c, id)?.ok_or(AppError::Forbidden)?;
    user.require(Action::Write, &unit)?;
    Ok(unit)
}

// ---------------------------------------------------------------- incentives

/// Incentive `id` with its unit, checked for reading (404 for none, 403 for a unit outside
/// the user's scope) or, for `Action::Write`, for the office's capability.
pub fn load(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    action: Action,
) -> AppResult<(Incentive, Unit)> {
    let i = q::find(c, id)?.ok_or(AppError::NotFound)?;
    let unit = units::get(c, i.unit_id)?;
    user.require(Action::Read, &unit)?;
    if action != Action::Read {
        user.require_may(Capability::ManageIncentives)?;
    }
    Ok((i, unit))
}

pub fn create(
    c: &mut DbConn,
    user: &CurrentUser,
    f: &IncentiveFields,
    now: NaiveDateTime,
) -> AppResult<i32> {
    user.require_may(Capability::ManageIncentives)?;
    let unit = unit_of(c, user, f.unit_id)?;
    let id = q::insert(c, f, Some(user.id), now)?;
    audit::Change::new(
        user.id,
        "create",
        ENTITY,
        id,
        format!("新增{}：{}（{}）", f.kind.label(), f.title, unit.name),
    )
    .unit(unit.id)
    .after(&f.logged())
    .record(c, now)?;
    Ok(id)
}

pub fn update(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    f: &IncentiveFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    user.require_may(Capability::ManageIncentives)?;
    let before = q::lock(c, id)?.ok_or(AppError::NotFound)?;
    let before_unit = units::get(c, before.unit_id)?;
    let unit = unit_of(c, user, f.unit_id)?;
    if expected != before.version || !q::update(c, id, expected, f, now)? {
        let current = q::find(c, id)?.ok_or(AppError::NotFound)?.version;
        return Ok(Saved::Conflict(current));
    }
    let old = before.fields();
    history::record(
        c,
        ENTITY,
        id,
        Some(user.id),
        now,
        &TrackedIncentive {
            fields: &old,
            unit_name: &before_unit.name,
        },
        &TrackedIncentive {
            fields: f,
            unit_name: &unit.name,
        },
    )?;
    audit::Change::new(
        user.id,
        "update",
        ENTITY,
        id,
        format!("修改{}：{}（{}）", f.kind.label(), f.title, unit.name),
    )
    .unit(unit.id)
    .before(&old.logged())
    .after(&f.logged())
    .record(c, now)?;
    Ok(Saved::Done(id))
}

/// Delete at version `expected` (changed meanwhile: [`AppError::Stale`], nothing written).
pub fn delete(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    now: NaiveDateTime,
) -> AppResult<Incentive> {
    let (i, unit) = load(c, user, id, Action::Write)?;
    crate::db::one_row(q::delete(c, id, expected)?)?;
    audit::Change::new(
        user.id,
        "delete",
        ENTITY,
        id,
        format!(
            "删除{}：{}（{}）",
            i.kind().map(|k| k.label()).unwrap_or_default(),
            i.title,
            unit.name
        ),
    )
    .unit(unit.id)
    .before(&i.fields().logged())
    .record(c, now)?;
    Ok(i)
}

// ---------------------------------------------------------------- series

fn name_taken(name: &str) -> FieldErrors {
    let mut e = FieldErrors::new();
    e.add(
        "name",
        format!("已有名为“{name}”的系列报道，请换一个名称或在已有系列中新增期次。"),
    );
    e
}

pub fn create_series(
    c: &mut DbConn,
    user: &CurrentUser,
    f: &SeriesFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    user.require_may(Capability::ManageIncentives)?;
    q::serialize_series_names(c)?;
    if q::series_by_name(c, &f.name)?.is_some() {
        return Ok(Saved::Invalid(name_taken(&f.name)));
    }
    let id = q::insert_series(c, f, Some(user.id), now)?;
    audit::Change::new(
        user.id,
        "create",
        SERIES_ENTITY,
        id,
        format!("新增系列报道：{}", f.name),
    )
    .after(f)
    .record(c, now)?;
    Ok(Saved::Done(id))
}

pub fn update_series(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    f: &SeriesFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    user.require_may(Capability::ManageIncentives)?;
    q::serialize_series_names(c)?;
    let before = q::lock_series(c, id)?.ok_or(AppError::NotFound)?;
    if q::series_by_name(c, &f.name)?.is_some_and(|s| s.id != id) {
        return Ok(Saved::Invalid(name_taken(&f.name)));
    }
    if expected != before.version || !q::update_series(c, id, expected, f, now)? {
        let current = q::find_series(c, id)?.ok_or(AppError::NotFound)?.version;
        return Ok(Saved::Conflict(current));
    }
    let old = SeriesFields {
        name: before.name.clone(),
        description: before.description.clone(),
    };
    history::record(c, SERIES_ENTITY, id, Some(user.id), now, &old, f)?;
    audit::Change::new(
        user.id,
        "update",
        SERIES_ENTITY,
        id,
        format!("修改系列报道：{}", f.name),
    )
    .before(&old)
    .after(f)
    .record(c, now)?;
    Ok(Saved::Done(id))
}

/// Delete a series with its issues, at version `expected`.
pub fn delete_series(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    now: NaiveDateTime,
) -> AppResult<Series> {
    user.require_may(Capability::ManageIncentives)?;
    let s = q::lock_series(c, id)?.ok_or(AppError::NotFound)?;
    let issues = q::issues(c, id, &crate::domain::Scope::All, None)?.len();
    crate::db::one_row(q::delete_series(c, id, expected)?)?;
    audit::Change::new(
        user.id,
        "delete",
        SERIES_ENTITY,
        id,
        format!("删除系列报道：{}（含 {issues} 期）", s.name),
    )
    .before(&serde_json::json!({
        "name": s.name,
        "description": s.description,
        "count": issues,
    }))
    .record(c, now)?;
    Ok(s)
}

// ---------------------------------------------------------------- issues

fn number_taken(series: &Series, n: i32, other: &SeriesIssue) -> FieldErrors {
    let mut e = FieldErrors::new();
    e.add(
        "number",
        format!(
            "“{}”已有第{n}期（{}），期次不能重复。",
            series.name, other.title
        ),
    );
    e
}

pub fn create_issue(
    c: &mut DbConn,
    user: &CurrentUser,
    series_id: i32,
    f: &IssueFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    user.require_may(Capability::ManageIncentives)?;
    // Two adds to one series at once: the second waits here and then sees the first.
    let series = q::lock_series(c, series_id)?.ok_or(AppError::NotFound)?;
    let unit = unit_of(c, user, f.unit_id)?;
    if let Some(other) = q::issue_numbered(c, series_id, f.number, None)? {
        return Ok(Saved::Invalid(number_taken(&series, f.number, &other)));
    }
    let id = q::insert_issue(c, series_id, f, Some(user.id), now)?;
    audit::Change::new(
        user.id,
        "create",
        ISSUE_ENTITY,
        id,
        format!(
            "“{}”新增第{}期：{}（{}）",
            series.name, f.number, f.title, unit.name
        ),
    )
    .unit(unit.id)
    .after(&f.logged())
    .record(c, now)?;
    Ok(Saved::Done(id))
}

/// Issue `iid` of series `series_id` with the series and the issue's unit (404 for none).
pub fn load_issue(
    c: &mut DbConn,
    user: &CurrentUser,
    series_id: i32,
    iid: i32,
    action: Action,
) -> AppResult<(Series, SeriesIssue, Unit)> {
    let series = q::find_series(c, series_id)?.ok_or(AppError::NotFound)?;
    let issue = q::issue_of(c, series_id, iid)?.ok_or(AppError::NotFound)?;
    let unit = units::get(c, issue.unit_id)?;
    user.require(Action::Read, &unit)?;
    if action != Action::Read {
        user.require_may(Capability::ManageIncentives)?;
    }
    Ok((series, issue, unit))
}

#[allow(clippy::too_many_arguments)]
pub fn update_issue(
    c: &mut DbConn,
    user: &CurrentUser,
    series_id: i32,
    iid: i32,
    expected: i32,
    f: &IssueFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    user.require_may(Capability::ManageIncentives)?;
    let series = q::lock_series(c, series_id)?.ok_or(AppError::NotFound)?;
    let before = q::issue_of(c, series_id, iid)?.ok_or(AppError::NotFound)?;
    let before_unit = units::get(c, before.unit_id)?;
    let unit = unit_of(c, user, f.unit_id)?;
    if let Some(other) = q::issue_numbered(c, series_id, f.number, Some(iid))? {
        return Ok(Saved::Invalid(number_taken(&series, f.number, &other)));
    }
    if expected != before.version || !q::update_issue(c, iid, expected, f, now)? {
        let current = q::issue_of(c, series_id, iid)?
            .ok_or(AppError::NotFound)?
            .version;
        return Ok(Saved::Conflict(current));
    }
    let old = before.fields();
    history::record(
        c,
        ISSUE_ENTITY,
        iid,
        Some(user.id),
        now,
        &TrackedIssue {
            fields: &old,
            unit_name: &before_unit.name,
        },
        &TrackedIssue {
            fields: f,
            unit_name: &unit.name,
        },
    )?;
    audit::Change::new(
        user.id,
        "update",
        ISSUE_ENTITY,
        iid,
        format!(
            "修改“{}”第{}期：{}（{}）",
            series.name, f.number, f.title, unit.name
        ),
    )
    .unit(unit.id)
    .before(&old.logged())
    .after(&f.logged())
    .record(c, now)?;
    Ok(Saved::Done(iid))
}

pub fn delete_issue(
    c: &mut DbConn,
    user: &CurrentUser,
    series_id: i32,
    iid: i32,
    expected: i32,
    now: NaiveDateTime,
) -> AppResult<SeriesIssue> {
    let (series, issue, unit) = load_issue(c, user, series_id, iid, Action::Write)?;
    crate::db::one_row(q::delete_issue(c, iid, expected)?)?;
    audit::Change::new(
        user.id,
        "delete",
        ISSUE_ENTITY,
        iid,
        format!(
            "删除“{}”第{}期：{}（{}）",
            series.name, issue.number, issue.title, unit.name
        ),
    )
    .unit(unit.id)
    .before(&issue.fields().logged())
    .record(c, now)?;
    Ok(issue)
}

// ---------------------------------------------------------------- referrals

/// Referral `id` with its unit; the office only (403 for everyone else, before anything
/// about the referral is said).
pub fn load_referral(c: &mut DbConn, user: &CurrentUser, id: i32) -> AppResult<(Referral, Unit)> {
    user.require_may(Capability::ManageReferrals)?;
    let r = q::find_referral(c, id)?.ok_or(AppError::NotFound)?;
    let unit = units::get(c, r.unit_id)?;
    Ok((r, unit))
}

fn referral_name(f: &ReferralFields, unit: &Unit) -> String {
    if f.person.is_empty() {
        unit.name.clone()
    } else {
        format!("{}（{}）", f.person, unit.name)
    }
}

pub fn create_referral(
    c: &mut DbConn,
    user: &CurrentUser,
    f: &ReferralFields,
    now: NaiveDateTime,
) -> AppResult<i32> {
    user.require_may(Capability::ManageReferrals)?;
    let unit = unit_of(c, user, f.unit_id)?;
    let id = q::insert_referral(c, f, Some(user.id), now)?;
    audit::Change::new(
        user.id,
        "create",
        REFERRAL_ENTITY,
        id,
        format!(
            "移交党委会研究：{}（{}）",
            referral_name(f, &unit),
            f.target.label()
        ),
    )
    .unit(unit.id)
    .after(&f.logged())
    .record(c, now)?;
    Ok(id)
}

pub fn update_referral(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    f: &ReferralFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    let (before, before_unit) = load_referral(c, user, id)?;
    let unit = unit_of(c, user, f.unit_id)?;
    if expected != before.version || !q::update_referral(c, id, expected, f, now)? {
        let current = q::find_referral(c, id)?.ok_or(AppError::NotFound)?.version;
        return Ok(Saved::Conflict(current));
    }
    let old = before.fields();
    history::record(
        c,
        REFERRAL_ENTITY,
        id,
        Some(user.id),
        now,
        &TrackedReferral {
            fields: &old,
            unit_name: &before_unit.name,
        },
        &TrackedReferral {
            fields: f,
            unit_name: &unit.name,
        },
    )?;
    audit::Change::new(
        user.id,
        "update",
        REFERRAL_ENTITY,
        id,
        format!("修改反向约束移交：{}", referral_name(f, &unit)),
    )
    .unit(unit.id)
    .before(&old.logged())
    .after(&f.logged())
    .record(c, now)?;
    Ok(Saved::Done(id))
}

/// Why a step does not apply to a referral in state `current`.
fn not_now(current: ReferralState, want_from: ReferralState) -> AppError {
    AppError::Conflict(format!(
        "操作未执行：该移交事项当前为“{}”，只有“{}”的事项可以进行此步骤。请刷新页面后核对。",
        current.label(),
        want_from.label()
    ))
}

const STEP_LOST: &str =
    "操作未执行：该移交事项在您操作期间已被他人修改或推进。请刷新页面，核对最新状态后再操作。";

/// 已移交 → 已决定: the committee's decision and its date. 409 when the referral moved on or
/// changed meanwhile (one conditional UPDATE: of decisions posted at once exactly one lands).
pub fn decide(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    decision: &str,
    on: NaiveDate,
    now: NaiveDateTime,
) -> AppResult<()> {
    let (r, unit) = load_referral(c, user, id)?;
    if r.state() != ReferralState::Referred {
        return Err(not_now(r.state(), ReferralState::Referred));
    }
    if expected != r.version || !q::decide(c, id, expected, decision, on, now)? {
        return Err(AppError::Conflict(STEP_LOST.into()));
    }
    let after = TrackedStep {
        state: ReferralState::Decided,
        decision: decision.to_string(),
        decided_on: Some(on),
        outcome: r.outcome.clone(),
    };
    history::record(
        c,
        REFERRAL_ENTITY,
        id,
        Some(user.id),
        now,
        &TrackedStep::of(&r),
        &after,
    )?;
    audit::Change::new(
        user.id,
        "decide",
        REFERRAL_ENTITY,
        id,
        format!(
            "党委会作出决定：{}（{}）",
            referral_name(&r.fields(), &unit),
            ymd(on)
        ),
    )
    .unit(unit.id)
    .before(&serde_json::json!({ "state": ReferralState::Referred.label() }))
    .after(&serde_json::json!({
        "state": ReferralState::Decided.label(),
        "decision": decision,
        "decided_on": ymd(on),
    }))
    .record(c, now)?;
    Ok(())
}

/// 已决定 → 已办结 with the outcome; 409 as for [`decide`].
pub fn close(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    outcome: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let (r, unit) = load_referral(c, user, id)?;
    if r.state() != ReferralState::Decided {
        return Err(not_now(r.state(), ReferralState::Decided));
    }
    if expected != r.version || !q::close(c, id, expected, outcome, now)? {
        return Err(AppError::Conflict(STEP_LOST.into()));
    }
    let after = TrackedStep {
        state: ReferralState::Closed,
        decision: r.decision.clone(),
        decided_on: r.decided_on,
        outcome: outcome.to_string(),
    };
    history::record(
        c,
        REFERRAL_ENTITY,
        id,
        Some(user.id),
        now,
        &TrackedStep::of(&r),
        &after,
    )?;
    audit::Change::new(
        user.id,
        "conclude",
        REFERRAL_ENTITY,
        id,
        format!("办结：{}", referral_name(&r.fields(), &unit)),
    )
    .unit(unit.id)
    .before(&serde_json::json!({ "state": ReferralState::Decided.label() }))
    .after(&serde_json::json!({
        "state": ReferralState::Closed.label(),
        "outcome": outcome,
    }))
    .record(c, now)?;
    Ok(())
}
