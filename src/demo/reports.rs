//! Demo monthly reports: for the current campaign, closed reports of the months before the
//! current one for most branches (some late, some missing), one returned draft of ZB02 last
//! month with its comment; for 2022 twelve closed months for every branch. Batch inserts;
//! idempotent (nothing happens when a campaign already has reports). The trail names the
//! demo accounts (see [`super::Actors`]); steps of units without one have no actor.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::campaigns::Campaign;
use crate::db::models::units;
use crate::db::schema::monthly_reports;
use crate::db::DbConn;
use crate::domain::review::{ReviewAction, ReviewState};
use crate::domain::UnitKind;

pub(crate) const HIGHLIGHTS: &[&str] = &[
    "组织党员骨干深入监理项目现场开展质量安全巡查，发现并督促整改隐患 12 处。",
    "开展“检测数据零差错”承诺践诺活动，检测报告一次通过率提升至 99.2%。",
    "设计、造价专业联合攻关，为业主节约投资约 380 万元，获书面表扬。",
    "落实“首问负责”制度，窗口服务事项办结时限平均缩短 1.5 个工作日。",
];
pub(crate) const PROBLEMS: &[&str] = &[
    "个别项目监理日志记录不够规范，整改闭环资料不全。",
    "青年党员参与专项攻关积极性有待提高。",
    "部分整改事项进度滞后于配档表时限。",
];
pub(crate) const PLANS: &[&str] = &[
    "开展作风建设专题组织生活会，对照“严真细实快”查摆问题。",
    "推进整改配档表事项销号，完成月度自查自评。",
    "组织现场规范化管理观摩，推广先进经验。",
];

#[derive(Insertable)]
#[diesel(table_name = monthly_reports)]
struct NewReport {
    campaign_id: i32,
    unit_id: i32,
    year: i32,
    month: i32,
    state: String,
    version: i32,
    highlights: String,
    problems: String,
    next_plan: String,
    due_date: NaiveDate,
    submitted_at: Option<NaiveDateTime>,
    submitted_by: Option<i32>,
    late: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

pub fn seed(
    c: &mut DbConn,
    campaigns: &[Campaign],
    actors: &super::Actors,
    today: NaiveDate,
    _now: NaiveDateTime,
) -> anyhow::Result<()> {
    let branches: Vec<units::Unit> = units::all(c)?
        .into_iter()
        .filter(|u| u.kind() == UnitKind::Branch)
        .collect();
    for camp in campaigns {
        let done: i64 = monthly_reports::table
            .filter(monthly_reports::campaign_id.eq(camp.id))
            .count()
            .get_result(c)?;
        if done > 0 || branches.is_empty() {
            continue;
        }
        let last_month = if camp.year < today.year() {
            12
        } else if camp.year == today.year() {
            today.month() as i32 - 1
        } else {
            0
        };
        let mut rows = Vec::new();
        for month in 1..=last_month {
            let Some(due) = camp.due_date(month as u32) else {
                continue;
            };
            for (i, u) in branches.iter().enumerate() {
                let k = i + month as usize;
                // The current year: one branch a month leaves it missing.
                if camp.year == today.year() && k.is_multiple_of(7) {
                    continue;
                }
                let late = k.is_multiple_of(5);
                let day_off = if late { 2 } else { -((k % 4) as i64) - 1 };
                let at = (due + Duration::days(day_off))
                    .and_hms_opt(7, (k % 50) as u32, 0)
                    .unwrap_or_default();
                let returned = camp.year == today.year() && month == last_month && u.code == "ZB02";
                rows.push(NewReport {
                    campaign_id: camp.id,
                    unit_id: u.id,
                    year: camp.year,
                    month,
                    state: if returned {
                        ReviewState::Draft
                    } else {
                        ReviewState::Closed
                    }
                    .code()
                    .into(),
                    version: 2,
                    highlights: HIGHLIGHTS[k % HIGHLIGHTS.len()].into(),
                    problems: PROBLEMS[k % PROBLEMS.len()].into(),
                    next_plan: PLANS[k % PLANS.len()].into(),
                    due_date: due,
                    submitted_at: Some(at),
                    submitted_by: actors.branch(u),
                    late,
                    created_at: at - Duration::days(3),
                    updated_at: at + Duration::days(2),
                });
            }
        }
        for chunk in rows.chunks(200) {
            crate::per_backend!(&mut *c, |cc| diesel::insert_into(monthly_reports::table)
                .values(chunk)
                .execute(cc))?;
        }
        // The trail, for the current year only (2022 stays compact).
        if camp.year != today.year() {
            continue;
        }
        let made: Vec<(i32, i32, String, Option<NaiveDateTime>)> = monthly_reports::table
            .filter(monthly_reports::campaign_id.eq(camp.id))
            .select((
                monthly_reports::id,
                monthly_reports::unit_id,
                monthly_reports::state,
                monthly_reports::submitted_at,
            ))
            .load(c)?;
        let mut events = Vec::new();
        for (id, unit_id, state, at) in made {
            let at = at.unwrap_or_default();
            let Some(unit) = branches.iter().find(|u| u.id == unit_id) else {
                continue;
            };
            let direct = unit.directly_under_root();
            let trail = super::Trail {
                entity: crate::db::models::reports::ENTITY,
                id,
                unit,
                actors,
                start: at,
            };
            let ev = |action, from, to, comment: &str, h| trail.step(action, from, to, comment, h);
            let first = if direct {
                ReviewState::AwaitingCommittee
            } else {
                ReviewState::AwaitingGeneral
            };
            events.push(ev(ReviewAction::Submit, ReviewState::Draft, first, "", 0));
            if state == ReviewState::Draft.code() {
                events.push(ev(
                    ReviewAction::Return,
                    first,
                    ReviewState::Draft,
                    "“本月工作”过于笼统，请补充整改事项的具体进展和佐证材料后重新提交。",
                    20,
                ));
                continue;
            }
            if !direct {
                events.push(ev(
                    ReviewAction::Approve,
                    ReviewState::AwaitingGeneral,
                    ReviewState::AwaitingCommittee,
                    "同意",
                    24,
                ));
            }
            events.push(ev(
                ReviewAction::Approve,
                ReviewState::AwaitingCommittee,
                ReviewState::Closed,
                "",
                48,
            ));
        }
        super::insert_events(c, &events)?;
    }
    Ok(())
}
