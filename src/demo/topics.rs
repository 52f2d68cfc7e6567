//! Demo 第一议题 records of the current year: for every branch one meeting a month up to the
//! current month. Months before last are closed with their full trail; last month's records
//! wait for the general branch or the committee (a third already closed); this month ZB01
//! and ZB05 have drafts and ZB02 a draft returned by its general branch with a comment.
//! Batch inserts; idempotent (a branch that has any record is left alone).

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::topics::{self, MeetingKind, ENTITY};
use crate::db::models::units::{self, Unit};
use crate::db::schema::first_topics;
use crate::db::DbConn;
use crate::domain::review::{ReviewAction, ReviewState};
use crate::domain::UnitKind;

/// (what was studied, the materials)
const TOPICS: &[(&str, &str)] = &[
    (
        "学习习近平总书记关于加强党的作风建设的重要论述",
        "《习近平关于加强党的作风建设论述摘编》相关章节",
    ),
    (
        "学习贯彻党的二十届四中全会精神",
        "全会公报；《人民日报》评论员文章",
    ),
    (
        "学习《中国共产党章程》总纲及党员的义务和权利",
        "《中国共产党章程》；支部书记领学提纲",
    ),
    (
        "学习中央八项规定及其实施细则精神",
        "中央八项规定及其实施细则；集团作风建设通报典型案例",
    ),
    (
        "学习习近平总书记关于国有企业改革发展和党的建设的重要论述",
        "重要论述摘编；集团党委学习参考材料",
    ),
    (
        "学习《中国共产党纪律处分条例》",
        "《中国共产党纪律处分条例》重点条款解读",
    ),
    (
        "学习习近平总书记关于安全生产的重要论述",
        "重要论述摘编；行业安全生产事故警示材料",
    ),
    (
        "学习集团党委《关于践行“严、真、细、实、快”工作作风的实施方案》",
        "集团党委实施方案；本支部工作配档表",
    ),
];

const NOTES: &[&str] = &[
    "书记领学，委员结合分管工作逐一交流发言，明确本月落实措施三项。",
    "党员结合岗位实际谈体会，对照“严真细实快”查找差距，形成问题清单。",
    "集中学习后开展研讨，围绕整改配档表事项提出改进建议，由支委会跟进落实。",
    "采用“领学+自学+交流”方式，青年党员作重点发言，会后撰写学习心得。",
];

const RETURN_COMMENT: &str =
    "研讨发言摘要过于简略，请补充党员交流发言要点和会议形成的落实措施后重新提交。";

#[derive(Insertable)]
#[diesel(table_name = first_topics)]
struct NewTopic {
    unit_id: i32,
    meeting_date: NaiveDate,
    meeting_kind: String,
    topic: String,
    materials: String,
    attendance: i32,
    absent: i32,
    notes: String,
    state: String,
    version: i32,
    submitted_at: Option<NaiveDateTime>,
    submitted_by: Option<i32>,
    created_by: Option<i32>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// What happened to one demo record.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fate {
    Draft,
    /// Submitted and returned by the first reviewer.
    Returned,
    /// Submitted, waiting at this state (or closed).
    Reached(ReviewState),
}

/// The record of branch number `i` (in tree order) for `month`, or None if that branch has
/// not met yet this month.
fn fate(i: usize, code: &str, month: u32, this_month: u32, direct: bool) -> Option<Fate> {
    if month + 1 < this_month {
        return Some(Fate::Reached(ReviewState::Closed));
    }
    if month + 1 == this_month {
        return Some(match i % 3 {
            0 if !direct => Fate::Reached(ReviewState::AwaitingGeneral),
            0 | 1 => Fate::Reached(ReviewState::AwaitingCommittee),
            _ => Fate::Reached(ReviewState::Closed),
        });
    }
    match code {
        "ZB01" | "ZB05" => Some(Fate::Draft),
        "ZB02" => Some(Fate::Returned),
        _ => None,
    }
}

pub fn seed(
    c: &mut DbConn,
    actors: &super::Actors,
    today: NaiveDate,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    let branches: Vec<Unit> = units::all(c)?
        .into_iter()
        .filter(|u| u.kind() == UnitKind::Branch)
        .collect();
    let year = today.year();
    let this_month = today.month();
    let mut rows = Vec::new();
    // (unit, meeting date, fate) in the order of `rows`.
    let mut made: Vec<(&Unit, NaiveDate, Fate)> = Vec::new();
    for (i, u) in branches.iter().enumerate() {
        if topics::count_for_unit(c, u.id)? > 0 {
            continue;
        }
        let direct = u.directly_under_root();
        for month in 1..=this_month {
            let Some(fate) = fate(i, &u.code, month, this_month, direct) else {
                continue;
            };
            let k = i + month as usize;
            let mut day = 2 + (k % 6) as u32;
            if month == this_month {
                day = day.min(today.day());
            }
            let Some(date) = NaiveDate::from_ymd_opt(year, month, day) else {
                continue;
            };
            // Submitted two days after the meeting, 09:30 Beijing time; never in the future.
            let submitted = (date + Duration::days(2))
                .and_hms_opt(1, 30, 0)
                .unwrap_or_default()
                .min(now - Duration::hours(30));
            // Early on the first days of a month there was no time to submit and return.
            let fate = if fate == Fate::Returned && submitted.date() < date {
                Fate::Draft
            } else {
                fate
            };
            let kind = if month.is_multiple_of(3) {
                MeetingKind::General
            } else if k.is_multiple_of(5) {
                MeetingKind::Group
            } else {
                MeetingKind::Committee
            };
            let (topic, materials) = TOPICS[(month as usize + i % 3) % TOPICS.len()];
            let absent = (k % 3) as i32;
            let attendance = 8 + ((i * 7 + month as usize * 3) % 15) as i32 - absent;
            let created = date.and_hms_opt(8, 0, 0).unwrap_or_default().min(now);
            let (state, version, submitted_at, submitted_by) = match fate {
                Fate::Draft => (ReviewState::Draft, 1, None, None),
                Fate::Returned => (ReviewState::Draft, 3, Some(submitted), actors.branch(u)),
                Fate::Reached(s) => (s, 2, Some(submitted), actors.branch(u)),
            };
            rows.push(NewTopic {
                unit_id: u.id,
                meeting_date: date,
                meeting_kind: kind.code().into(),
                topic: topic.into(),
                materials: materials.into(),
                attendance,
                absent,
                notes: NOTES[k % NOTES.len()].into(),
                state: state.code().into(),
                version,
                submitted_at,
                submitted_by,
                created_by: actors.branch(u),
                created_at: created,
                updated_at: submitted_at.unwrap_or(created),
            });
            made.push((u, date, fate));
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    for chunk in rows.chunks(200) {
        crate::per_backend!(&mut *c, |cc| diesel::insert_into(first_topics::table)
            .values(chunk)
            .execute(cc))?;
    }
    // The new records' ids, found by unit and meeting date (one demo record a month each).
    let unit_ids: Vec<i32> = made.iter().map(|(u, ..)| u.id).collect();
    let ids: Vec<(i32, i32, NaiveDate)> = first_topics::table
        .filter(first_topics::unit_id.eq_any(&unit_ids))
        .order(first_topics::id)
        .select((
            first_topics::id,
            first_topics::unit_id,
            first_topics::meeting_date,
        ))
        .load(c)?;
    let mut events = Vec::new();
    for (id, unit_id, date) in ids {
        let Some((unit, _, fate)) = made.iter().find(|(u, d, _)| u.id == unit_id && *d == date)
        else {
            continue;
        };
        let Some(at) = rows
            .iter()
            .find(|r| r.unit_id == unit_id && r.meeting_date == date)
            .and_then(|r| r.submitted_at)
        else {
            continue;
        };
        let direct = unit.directly_under_root();
        let trail = super::Trail {
            entity: ENTITY,
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
        if *fate == Fate::Draft {
            continue;
        }
        events.push(ev(ReviewAction::Submit, ReviewState::Draft, first, "", 0));
        let reached = match fate {
            Fate::Draft => continue,
            Fate::Returned => {
                events.push(ev(
                    ReviewAction::Return,
                    first,
                    ReviewState::Draft,
                    RETURN_COMMENT,
                    6,
                ));
                continue;
            }
            Fate::Reached(s) => *s,
        };
        if !direct && reached != ReviewState::AwaitingGeneral {
            events.push(ev(
                ReviewAction::Approve,
                ReviewState::AwaitingGeneral,
                ReviewState::AwaitingCommittee,
                "同意",
                8,
            ));
        }
        if reached == ReviewState::Closed {
            events.push(ev(
                ReviewAction::Approve,
                ReviewState::AwaitingCommittee,
                ReviewState::Closed,
                "",
                24,
            ));
        }
    }
    super::insert_events(c, &events)?;
    Ok(())
}
