//! Demo 千分制 score sheets (issue 12). For 2022 a closed sheet for every 党总支 and 党支部,
//! with plausible values at the three levels (the unit a little lenient on itself, the general
//! branch and the office deducting a point or two more), totals mostly between 900 and 990,
//! two units tied, no 一票否决; each with its review trail. For the current year a few drafts
//! and one sheet waiting at each review stage. Idempotent: a unit that has a sheet for the
//! year is left alone. Runs inside the demo's write transaction after the accounts exist.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::assessment::{self, Indicator};
use crate::db::models::assessment_scores::{self as model, ENTITY};
use crate::db::models::campaigns::Campaign;
use crate::db::models::units::{self, Unit};
use crate::db::schema::{assessment_lines as al, assessment_scores as sc};
use crate::db::DbConn;
use crate::domain::assessment::IndicatorKind;
use crate::domain::review::{ReviewAction, ReviewState};
use crate::domain::UnitKind;

/// The year whose sheets are all closed.
const CLOSED_YEAR: i32 = 2022;

/// Deduction notes, by leaf position.
const NOTES: &[&str] = &[
    "一季度专题研讨记录不全。",
    "有1次会议记录未及时归档。",
    "部分台账资料不够规范。",
    "宣传稿件数量未达要求。",
    "个别月份材料报送不及时。",
    "整改事项有1项逾期。",
];

/// Current-year sheets: (unit code, state reached).
const CURRENT: &[(&str, ReviewState)] = &[
    ("ZB03", ReviewState::Draft),
    ("ZB04", ReviewState::Draft),
    ("ZB08", ReviewState::Draft),
    ("ZB06", ReviewState::AwaitingGeneral),
    ("ZB09", ReviewState::AwaitingCommittee),
];

/// One leaf's values: (self, review, office) in tenths, and the note.
pub(crate) type Values = (Option<i32>, Option<i32>, Option<i32>, &'static str);

/// The values of unit number `s` (two units share a number: a tie), per leaf.
pub(crate) fn values(
    s: usize,
    leaves: &[&Indicator],
    reached: ReviewState,
    direct: bool,
) -> Vec<Values> {
    let deducts: Vec<usize> = (0..leaves.len())
        .filter(|&j| leaves[j].kind() == Some(IndicatorKind::Deduct))
        .collect();
    let bonuses: Vec<usize> = (0..leaves.len())
        .filter(|&j| leaves[j].kind() == Some(IndicatorKind::Bonus))
        .collect();
    let reviewed = !direct
        && matches!(
            reached,
            ReviewState::AwaitingCommittee | ReviewState::Closed
        );
    let office = reached == ReviewState::Closed;
    let mut out: Vec<Values> = leaves
        .iter()
        .map(|l| {
            if l.kind() == Some(IndicatorKind::Veto) {
                (Some(0), reviewed.then_some(0), office.then_some(0), "")
            } else {
                (None, None, None, "")
            }
        })
        .collect();
    let k = 2 + s % 4;
    for t in 0..k {
        let Some(&j) = deducts.get((s * 5 + t * 7) % deducts.len().max(1)) else {
            continue;
        };
        let max = leaves[j].max_tenths;
        let final_d = ((1 + (s + t) % 5) as i32 * 10).min(max);
        let self_d = (final_d - 10).max(0);
        let note = NOTES[(s + t) % NOTES.len()];
        out[j] = (
            Some(self_d),
            reviewed.then_some(final_d),
            office.then_some(final_d),
            note,
        );
    }
    let bonus_total = 200 + 100 * (s % 5) as i32;
    let mut left = bonus_total;
    for &j in &bonuses {
        let give = left.min(leaves[j].max_tenths);
        left -= give;
        if give > 0 {
            out[j] = (
                Some(give),
                reviewed.then_some(give),
                office.then_some(give),
                "获集团公司表彰、经验做法被推广。",
            );
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn sheet(
    c: &mut DbConn,
    scheme_id: i32,
    unit: &Unit,
    leaves: &[&Indicator],
    vals: &[Values],
    reached: ReviewState,
    submitted: NaiveDateTime,
    actors: &super::Actors,
) -> anyhow::Result<Vec<super::NewEvent>> {
    let created = submitted - Duration::days(10);
    let id = model::insert(c, scheme_id, unit.id, &[], created)?;
    for (l, v) in leaves.iter().zip(vals) {
        let note = |on: bool| if on && !v.3.is_empty() { v.3 } else { "" };
        diesel::insert_into(al::table)
            .values((
                al::score_id.eq(id),
                al::indicator_id.eq(l.id),
                al::self_tenths.eq(v.0),
                al::self_note.eq(note(v.0.is_some_and(|x| x > 0))),
                al::review_tenths.eq(v.1),
                al::review_note.eq(note(v.1.is_some_and(|x| x > 0))),
                al::office_tenths.eq(v.2),
                al::office_note.eq(note(v.2.is_some_and(|x| x > 0))),
            ))
            .execute(c)?;
    }
    let direct = unit.directly_under_root();
    let mut events = Vec::new();
    if reached != ReviewState::Draft {
        diesel::update(sc::table.find(id))
            .set((
                sc::state.eq(reached.code()),
                sc::version.eq(match reached {
                    ReviewState::AwaitingGeneral => 2,
                    ReviewState::AwaitingCommittee if direct => 2,
                    ReviewState::AwaitingCommittee => 3,
                    _ if direct => 3,
                    _ => 4,
                }),
                sc::submitted_by.eq(actors.branch(unit)),
                sc::submitted_at.eq(Some(submitted)),
                sc::updated_at.eq(submitted),
            ))
            .execute(c)?;
        let trail = super::Trail {
            entity: ENTITY,
            id,
            unit,
            actors,
            start: submitted,
        };
        let first = if direct {
            ReviewState::AwaitingCommittee
        } else {
            ReviewState::AwaitingGeneral
        };
        events.push(trail.step(ReviewAction::Submit, ReviewState::Draft, first, "", 0));
        if !direct && reached != ReviewState::AwaitingGeneral {
            events.push(trail.step(
                ReviewAction::Approve,
                ReviewState::AwaitingGeneral,
                ReviewState::AwaitingCommittee,
                "复查通过，个别扣分项已核减。",
                48,
            ));
        }
        if reached == ReviewState::Closed {
            events.push(trail.step(
                ReviewAction::Approve,
                ReviewState::AwaitingCommittee,
                ReviewState::Closed,
                "复核通过。",
                120,
            ));
        }
    }
    Ok(events)
}

pub fn seed(
    c: &mut DbConn,
    campaigns: &[Campaign],
    actors: &super::Actors,
    today: NaiveDate,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    let all: Vec<Unit> = units::all(c)?
        .into_iter()
        .filter(|u| u.active && u.kind() != UnitKind::Committee)
        .collect();
    let mut events = Vec::new();
    for campaign in campaigns {
        let year = campaign.year;
        let closed_year = year == CLOSED_YEAR;
        let current = year == today.year();
        if !closed_year && !current {
            continue;
        }
        let Some(scheme) = assessment::scheme_for_year(c, year)? else {
            continue;
        };
        let indicators = assessment::indicators(c, scheme.id)?;
        let leaves: Vec<&Indicator> = indicators.iter().filter(|i| !i.is_area()).collect();
        if leaves.is_empty() {
            continue;
        }
        for (i, u) in all.iter().enumerate() {
            let reached = if closed_year {
                ReviewState::Closed
            } else {
                match CURRENT.iter().find(|(code, _)| *code == u.code) {
                    Some((_, s)) => *s,
                    None => continue,
                }
            };
            if model::of_unit(c, scheme.id, u.id)?.is_some() {
                continue;
            }
            // Units 0 and 1 share their values: a tie.
            let s = if i == 1 { 0 } else { i };
            let vals = values(s, &leaves, reached, u.directly_under_root());
            let submitted = if closed_year {
                NaiveDate::from_ymd_opt(CLOSED_YEAR + 1, 1, 5 + (i % 10) as u32)
                    .and_then(|d| d.and_hms_opt(1, 30, 0))
                    .unwrap_or(now)
            } else {
                (now - Duration::days(3 + i as i64)).min(now)
            };
            events.extend(sheet(
                c, scheme.id, u, &leaves, &vals, reached, submitted, actors,
            )?);
        }
    }
    super::insert_events(c, &events)?;
    Ok(())
}
