//! 党建品牌: create and edit a brand, move it to its next stage, add and remove its events
//! and promotion records. Each is one transaction with its audit entry (and field history
//! for edits and steps); every write checks the brand's unit against the user's scope.

use chrono::NaiveDateTime;

use crate::auth::{Action, CurrentUser};
use crate::db::models::brands::{
    self, Brand, BrandFields, EventFields, PromotionFields, TrackedBrand, TrackedStage, ENTITY,
    EVENT_ENTITY, PROMOTION_ENTITY,
};
use crate::db::models::units::{self, Unit};
use crate::db::models::{audit, history};
use crate::db::DbConn;
use crate::domain::brand::{BrandKind, BrandStatus};
use crate::domain::validate::FieldErrors;
use crate::domain::{Role, UnitKind};
use crate::error::{AppError, AppResult};
use crate::forms::brands::ParsedAdvance;
use crate::forms::ymd;

/// Why a unit cannot get a second brand (一支部一品牌).
pub fn taken_message(existing: &str) -> String {
    format!(
        "该单位已有党建品牌「{existing}」，每个单位只能创建一个品牌；如需修改，请编辑已有品牌。"
    )
}

/// Who decides 已获评.
pub const OFFICE_ONLY: &str = "“已获评”由党群工作部（党委）认定，支部和总支不能自行设置。";

/// The brand `id` with its unit, checked for `action` (404 for no such brand, 403 for
/// another unit's).
pub fn load(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    action: Action,
) -> AppResult<(Brand, Unit)> {
    let b = brands::find(c, id)?.ok_or(AppError::NotFound)?;
    let unit = units::get(c, b.unit_id)?;
    user.require(action, &unit)?;
    Ok((b, unit))
}

/// How a create ended.
pub enum Created {
    Done(i32),
    /// The unit has a brand already (its name): nothing written.
    Taken(String),
}

/// A new brand at 培育中: the committee's is the main brand, any other unit's a sub-brand.
pub fn create(
    c: &mut DbConn,
    user: &CurrentUser,
    f: &BrandFields,
    cultivating_on: chrono::NaiveDate,
    now: NaiveDateTime,
) -> AppResult<Created> {
    let unit = units::find(c, f.unit_id)?.ok_or(AppError::Forbidden)?;
    user.require(Action::Write, &unit)?;
    // Two creates for one unit at once: the second waits here and then sees the first.
    brands::lock_unit(c, unit.id)?;
    if let Some(b) = brands::by_unit(c, unit.id)? {
        return Ok(Created::Taken(b.name));
    }
    let kind = if unit.kind() == UnitKind::Committee {
        BrandKind::Main
    } else {
        BrandKind::Sub
    };
    let id = brands::insert(c, f, kind, cultivating_on, user.id, now)?;
    audit::Change::new(
        user.id,
        "create",
        ENTITY,
        id,
        format!("新增{}「{}」（{}）", kind.label(), f.name, unit.name),
    )
    .unit(unit.id)
    .after(&serde_json::json!({
        "unit_id": unit.id,
        "kind": kind.label(),
        "name": f.name,
        "theme": f.theme,
        "feature": f.feature,
        "slogan": f.slogan,
        "method": f.method,
        "status": BrandStatus::Cultivating.label(),
        "cultivating_on": ymd(cultivating_on),
    }))
    .record(c, now)?;
    Ok(Created::Done(id))
}

/// How an edit ended.
pub enum Saved {
    Done,
    /// Someone saved or advanced it first: the version now stored, for the form.
    Conflict(i32),
}

/// Overwrite a brand's texts if it is still at `expected`, with field history and audit.
/// The unit stays (one brand per unit).
pub fn update(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    f: &BrandFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    let (before, unit) = load(c, user, id, Action::Write)?;
    let f = BrandFields {
        unit_id: before.unit_id,
        ..f.clone()
    };
    if expected != before.version || !brands::update(c, id, expected, &f, now)? {
        let current = brands::get(c, id)?.version;
        return Ok(Saved::Conflict(current));
    }
    let old = before.fields();
    history::record(
        c,
        ENTITY,
        id,
        Some(user.id),
        now,
        &TrackedBrand {
            fields: &old,
            unit_name: &unit.name,
        },
        &TrackedBrand {
            fields: &f,
            unit_name: &unit.name,
        },
    )?;
    audit::Change::new(
        user.id,
        "update",
        ENTITY,
        id,
        format!("修改党建品牌「{}」（{}）", f.name, unit.name),
    )
    .unit(unit.id)
    .before(&old)
    .after(&f)
    .record(c, now)?;
    Ok(Saved::Done)
}

/// What stands in the way of a step that is not the next one.
fn not_next(current: BrandStatus) -> String {
    match current.next() {
        Some(n) => format!(
            "只能推进到下一阶段：当前为“{}”，下一阶段为“{}”，不能跳过或回退。",
            current.label(),
            n.label()
        ),
        None => format!("该品牌已是“{}”，没有下一阶段。", current.label()),
    }
}

/// Move brand `id` to its next stage on the date given. 403 for 已获评 by anyone but the
/// office; 409 when the page is out of date (another step or edit came first, or the target
/// is not the next stage); the field errors when the date lies before the last step's.
pub fn advance(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    step: &ParsedAdvance,
    now: NaiveDateTime,
) -> AppResult<Result<BrandStatus, FieldErrors>> {
    let (b, unit) = load(c, user, id, Action::Write)?;
    if step.to.office_only() && user.role != Role::Office {
        return Err(AppError::ForbiddenBecause(OFFICE_ONLY.into()));
    }
    let current = b.status();
    if expected != b.version {
        return Err(AppError::Conflict(format!(
            "操作未执行：该品牌在您操作期间已被他人修改或推进（当前阶段：{}）。请刷新页面，核对后再操作。",
            current.label()
        )));
    }
    if current.next() != Some(step.to) {
        return Err(AppError::Conflict(not_next(current)));
    }
    if let Some(prev) = b.date_of(current) {
        if step.on < prev {
            let mut e = FieldErrors::new();
            e.add(
                "on",
                format!(
                    "日期不能早于上一阶段“{}”的日期（{}）",
                    current.label(),
                    ymd(prev)
                ),
            );
            return Ok(Err(e));
        }
    }
    let award = if step.to == BrandStatus::Awarded {
        step.award.as_str()
    } else {
        ""
    };
    if !brands::advance(c, id, current, expected, step.to, step.on, award, now)? {
        return Err(AppError::Conflict(
            "操作未执行：该品牌的阶段已被他人推进。请刷新页面，核对最新阶段后再操作。".into(),
        ));
    }
    history::record(
        c,
        ENTITY,
        id,
        Some(user.id),
        now,
        &TrackedStage {
            status: current,
            date: b.date_of(current),
            award: b.award.clone(),
        },
        &TrackedStage {
            status: step.to,
            date: Some(step.on),
            award: if award.is_empty() {
                b.award.clone()
            } else {
                award.to_string()
            },
        },
    )?;
    let date_key = match step.to {
        BrandStatus::Cultivating => "cultivating_on",
        BrandStatus::Created => "created_on",
        BrandStatus::Published => "published_on",
        BrandStatus::Awarded => "awarded_on",
    };
    let mut after = serde_json::json!({ "status": step.to.label(), date_key: ymd(step.on) });
    if !award.is_empty() {
        after["award"] = serde_json::Value::from(award);
    }
    audit::Change::new(
        user.id,
        "advance",
        ENTITY,
        id,
        format!(
            "党建品牌「{}」（{}）{} → {}（{}）",
            b.name,
            unit.name,
            current.label(),
            step.to.label(),
            ymd(step.on)
        ),
    )
    .unit(unit.id)
    .before(&serde_json::json!({ "status": current.label() }))
    .after(&after)
    .record(c, now)?;
    Ok(Ok(step.to))
}

/// Add an event to brand `id`.
pub fn add_event(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    f: &EventFields,
    now: NaiveDateTime,
) -> AppResult<i32> {
    let (b, unit) = load(c, user, id, Action::Write)?;
    let eid = brands::insert_event(c, id, f, Some(user.id), now)?;
    audit::Change::new(
        user.id,
        "create",
        EVENT_ENTITY,
        eid,
        format!(
            "党建品牌「{}」新增活动：{}（{}，{}）",
            b.name,
            f.title,
            f.kind.label(),
            ymd(f.held_on)
        ),
    )
    .unit(unit.id)
    .after(&serde_json::json!({
        "kind": f.kind.label(),
        "held_on": ymd(f.held_on),
        "title": f.title,
        "place": f.place,
        "notes": f.notes,
    }))
    .record(c, now)?;
    Ok(eid)
}

/// Remove event `eid` of brand `id`; its title.
pub fn delete_event(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    eid: i32,
    now: NaiveDateTime,
) -> AppResult<String> {
    let (b, unit) = load(c, user, id, Action::Write)?;
    let ev = brands::event_of(c, id, eid)?.ok_or(AppError::NotFound)?;
    crate::db::one_row(brands::delete_event(c, eid)?)?;
    audit::Change::new(
        user.id,
        "delete",
        EVENT_ENTITY,
        eid,
        format!("党建品牌「{}」删除活动：{}", b.name, ev.title),
    )
    .unit(unit.id)
    .before(&serde_json::json!({
        "kind": ev.kind,
        "held_on": ymd(ev.held_on),
        "title": ev.title,
    }))
    .record(c, now)?;
    Ok(ev.title)
}

/// Add a promotion record to brand `id`.
pub fn add_promotion(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    f: &PromotionFields,
    now: NaiveDateTime,
) -> AppResult<i32> {
    let (b, unit) = load(c, user, id, Action::Write)?;
    let pid = brands::insert_promotion(c, id, f, Some(user.id), now)?;
    audit::Change::new(
        user.id,
        "create",
        PROMOTION_ENTITY,
        pid,
        format!(
            "党建品牌「{}」新增宣传：{}《{}》",
            b.name, f.platform, f.title
        ),
    )
    .unit(unit.id)
    .after(&serde_json::json!({
        "platform": f.platform,
        "published_on": ymd(f.published_on),
        "title": f.title,
        "link": f.link,
    }))
    .record(c, now)?;
    Ok(pid)
}

/// Remove promotion record `pid` of brand `id`; its title.
pub fn delete_promotion(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    pid: i32,
    now: NaiveDateTime,
) -> AppResult<String> {
    let (b, unit) = load(c, user, id, Action::Write)?;
    let p = brands::promotion_of(c, id, pid)?.ok_or(AppError::NotFound)?;
    crate::db::one_row(brands::delete_promotion(c, pid)?)?;
    audit::Change::new(
        user.id,
        "delete",
        PROMOTION_ENTITY,
        pid,
        format!(
            "党建品牌「{}」删除宣传：{}《{}》",
            b.name, p.platform, p.title
        ),
    )
    .unit(unit.id)
    .before(&serde_json::json!({
        "platform": p.platform,
        "published_on": ymd(p.published_on),
        "title": p.title,
        "link": p.link,
    }))
    .record(c, now)?;
    Ok(p.title)
}
