//! The reviewed records: every branch's monthly reports with their lines, and its 第一议题
//! records, one a month, with their review trails.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::registers::Refs;
use super::{at, insert_ids, insert_rows, trail, Event, Synth};
use crate::db::models::reports::{NewLine, ENTITY, KIND_ITEM, KIND_MEASURE};
use crate::db::schema::{first_topics, monthly_reports, report_lines, review_events};
use crate::db::DbConn;
use crate::domain::meeting::MeetingKind;
use crate::domain::review::ReviewState;

use crate::demo::reports::{HIGHLIGHTS, PLANS, PROBLEMS};

const WORK: &[&str] = &[
    "按计划推进，本月完成阶段任务，佐证材料已归档。",
    "召开专题会研究部署，明确责任人和完成时限。",
    "已完成现场核查，问题逐项建立台账。",
    "结合月度调度跟踪落实，进度符合配档表要求。",
];
const REPORT_RETURN: &str = "“本月工作”过于笼统，请补充整改事项的具体进展和佐证材料后重新提交。";
const TOPIC_RETURN: &str =
    "研讨发言摘要过于简略，请补充党员交流发言要点和会议形成的落实措施后重新提交。";

/// (what was studied, the materials)
const TOPICS: &[(&str, &str)] = &[
    (
        "学习习近平总书记关于加强党的作风建设的重要论述",
        "《习近平关于加强党的作风建设论述摘编》相关章节",
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
        "学习《中国共产党纪律处分条例》",
        "《中国共产党纪律处分条例》重点条款解读",
    ),
    (
        "学习习近平总书记关于安全生产的重要论述",
        "重要论述摘编；行业安全生产事故警示材料",
    ),
];
const TOPIC_NOTES: &[&str] = &[
    "书记领学，委员结合分管工作逐一交流发言，明确本月落实措施三项。",
    "党员结合岗位实际谈体会，对照“严真细实快”查找差距，形成问题清单。",
    "集中学习后开展研讨，围绕整改配档表事项提出改进建议，由支委会跟进落实。",
];

/// Where a record ended.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Never submitted.
    Draft,
    /// Submitted and sent back by the first reviewer.
    Returned,
    /// Submitted, waiting at this state (or closed).
    Reached(ReviewState),
}

impl Fate {
    fn state(self) -> ReviewState {
        match self {
            Fate::Draft | Fate::Returned => ReviewState::Draft,
            Fate::Reached(s) => s,
        }
    }

    fn version(self) -> i32 {
        match self {
            Fate::Draft => 1,
            Fate::Returned => 3,
            Fate::Reached(_) => 2,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = monthly_reports)]
struct NewReport {
    campaign_id: i32,
    unit_id: i32,
    year: i32,
    month: i32,
    state: &'static str,
    version: i32,
    highlights: &'static str,
    problems: &'static str,
    next_plan: &'static str,
    due_date: NaiveDate,
    submitted_at: Option<NaiveDateTime>,
    submitted_by: Option<i32>,
    late: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    updated_by: Option<i32>,
}

/// One report to make: (year index, branch index, month, fate).
struct Planned {
    year: usize,
    branch: usize,
    month: u32,
    fate: Fate,
}

fn first_of(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default()
}

/// The line of `r` in the report of `month`, or None when it was done before that month.
fn line(
    r: &super::registers::Ref,
    year: i32,
    month: u32,
    report_id: i32,
    seq: i32,
) -> Option<NewLine> {
    let open = matches!(r.status, "not_started" | "in_progress" | "partial");
    if r.deadline < first_of(year, month) && !open {
        return None;
    }
    let dm = if r.deadline.year() == year {
        r.deadline.month()
    } else {
        12
    };
    let done_by_then = month >= dm;
    let (progress, status) = if r.measure {
        let share = (100 * month / dm.max(1)).min(100) as i32;
        match r.status {
            "completed" if done_by_then => (Some(100), "completed"),
            "not_started" => (Some(0), "not_started"),
            _ => (Some(r.progress.min(share).min(99)), "in_progress"),
        }
    } else {
        let status = match r.status {
            "closed" | "awaiting" if done_by_then => "awaiting",
            "closed" | "awaiting" => "in_progress",
            other => other,
        };
        (None, status)
    };
    Some(NewLine {
        report_id,
        kind: if r.measure { KIND_MEASURE } else { KIND_ITEM }.into(),
        ref_id: r.id,
        title: r.title.chars().take(200).collect(),
        seq,
        progress,
        work: String::new(),
        status: status.into(),
        snap_progress: progress,
        snap_status: Some(status.into()),
    })
}

pub(super) fn reports(s: &mut Synth<'_>, c: &mut DbConn, refs: &Refs) -> anyhow::Result<()> {
    let today = s.today;
    let mut plan: Vec<Planned> = Vec::new();
    let mut rows: Vec<NewReport> = Vec::new();
    for (yi, camp) in s.years.iter().enumerate() {
        let current = camp.year == today.year();
        let last_month = if current { today.month() } else { 12 };
        let latest_due = (1..=last_month)
            .rev()
            .find(|m| camp.due_date(*m).is_some_and(|d| d < today));
        for month in 1..=last_month {
            let Some(due) = camp.due_date(month) else {
                continue;
            };
            let recent = current && Some(month) == latest_due;
            let open = current && due >= today;
            for (bi, b) in s.branches.iter().enumerate() {
                let r = s.rng.below(100);
                let fate = if open {
                    match r {
                        _ if bi == 0 => None,
                        0..=29 => None,
                        30..=59 => Some(Fate::Draft),
                        60..=79 => Some(Fate::Reached(ReviewState::AwaitingGeneral)),
                        80..=91 => Some(Fate::Reached(ReviewState::AwaitingCommittee)),
                        _ => Some(Fate::Returned),
                    }
                } else if recent {
                    match r {
                        0..=3 => None,
                        4..=7 => Some(Fate::Returned),
                        8..=17 => Some(Fate::Reached(ReviewState::AwaitingGeneral)),
                        18..=31 => Some(Fate::Reached(ReviewState::AwaitingCommittee)),
                        _ => Some(Fate::Reached(ReviewState::Closed)),
                    }
                } else if r < 2 {
                    None
                } else {
                    Some(Fate::Reached(ReviewState::Closed))
                };
                let Some(fate) = fate else {
                    continue;
                };
                let late = !open && s.rng.chance(10);
                let submitted = if open {
                    let start = first_of(camp.year, month);
                    let span = (today - start).num_days().max(0) as usize;
                    at(
                        start + Duration::days(s.rng.below(span + 1) as i64),
                        1,
                        s.rng.below(60) as u32,
                    )
                } else if late {
                    at(
                        due + Duration::days(1 + s.rng.below(3) as i64),
                        1,
                        s.rng.below(60) as u32,
                    )
                } else {
                    at(
                        due - Duration::days(1 + s.rng.below(5) as i64),
                        1,
                        s.rng.below(60) as u32,
                    )
                }
                .min(s.now - Duration::hours(2));
                let created = submitted - Duration::days(3);
                let submitted_at = (fate != Fate::Draft).then_some(submitted);
                let k = bi + month as usize;
                rows.push(NewReport {
                    campaign_id: camp.id,
                    unit_id: b.id,
                    year: camp.year,
                    month: month as i32,
                    state: fate.state().code(),
                    version: fate.version(),
                    highlights: HIGHLIGHTS[k % HIGHLIGHTS.len()],
                    problems: PROBLEMS[k % PROBLEMS.len()],
                    next_plan: PLANS[k % PLANS.len()],
                    due_date: due,
                    submitted_at,
                    submitted_by: submitted_at.map(|_| b.secretary),
                    late: late && submitted_at.is_some(),
                    created_at: created,
                    updated_at: match fate {
                        Fate::Draft => created,
                        Fate::Returned => submitted + Duration::hours(20),
                        Fate::Reached(_) => submitted + Duration::hours(48),
                    }
                    .min(s.now),
                    updated_by: Some(b.secretary),
                });
                plan.push(Planned {
                    year: yi,
                    branch: bi,
                    month,
                    fate,
                });
            }
        }
    }
    let ids = insert_ids!(s, c, monthly_reports::table, monthly_reports::id, rows);
    s.count("月度报告", ids.len());

    // Lines and trails, in slices so memory stays small.
    let mut n_lines = 0;
    let mut n_events = 0;
    let per_slice = 2000;
    for start in (0..plan.len()).step_by(per_slice) {
        let end = (start + per_slice).min(plan.len());
        let mut lines: Vec<NewLine> = Vec::new();
        let mut events: Vec<Event> = Vec::new();
        for i in start..end {
            let p = &plan[i];
            let id = ids[i];
            let year = s.years[p.year].year;
            let mut seq = 0;
            for r in &refs[p.year][p.branch] {
                if let Some(mut l) = line(r, year, p.month, id, seq + 1) {
                    seq += 1;
                    if p.fate != Fate::Draft || s.rng.chance(30) {
                        l.work = WORK[s.rng.below(WORK.len())].into();
                    }
                    lines.push(l);
                }
            }
            if p.fate == Fate::Draft {
                continue;
            }
            let b = &s.branches[p.branch];
            let Some(submitted) = rows[i].submitted_at else {
                continue;
            };
            trail(
                &mut events,
                ENTITY,
                id,
                p.fate.state(),
                p.fate == Fate::Returned,
                false,
                (b.secretary, s.generals[b.general].reviewer, s.admin),
                submitted,
                s.now,
                REPORT_RETURN,
            );
        }
        n_lines += insert_rows!(s, c, report_lines::table, lines);
        n_events += insert_rows!(s, c, review_events::table, events);
    }
    s.count("报告明细", n_lines);
    s.count("报告审核记录", n_events);
    Ok(())
}

#[derive(Insertable)]
#[diesel(table_name = first_topics)]
struct NewTopic {
    unit_id: i32,
    meeting_date: NaiveDate,
    meeting_kind: &'static str,
    topic: &'static str,
    materials: &'static str,
    attendance: i32,
    absent: i32,
    notes: &'static str,
    state: &'static str,
    version: i32,
    submitted_at: Option<NaiveDateTime>,
    submitted_by: Option<i32>,
    created_by: Option<i32>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

pub(super) fn topics(s: &mut Synth<'_>, c: &mut DbConn) -> anyhow::Result<()> {
    let today = s.today;
    let this_month = today.month();
    let mut rows: Vec<NewTopic> = Vec::new();
    let mut fates: Vec<(usize, Fate)> = Vec::new();
    let years: Vec<i32> = s.years.iter().map(|y| y.year).collect();
    for year in years {
        let current = year == today.year();
        let last_month = if current { this_month } else { 12 };
        for month in 1..=last_month {
            for bi in 0..s.branches.len() {
                let r = s.rng.below(100);
                let fate = if !current || month + 1 < this_month {
                    (r >= 2).then_some(Fate::Reached(ReviewState::Closed))
                } else if month + 1 == this_month {
                    Some(Fate::Reached(match r % 3 {
                        0 => ReviewState::AwaitingGeneral,
                        1 => ReviewState::AwaitingCommittee,
                        _ => ReviewState::Closed,
                    }))
                } else {
                    match r {
                        0..=29 => Some(Fate::Draft),
                        30..=39 => Some(Fate::Returned),
                        _ => None,
                    }
                };
                let Some(fate) = fate else {
                    continue;
                };
                let mut day = 2 + s.rng.below(6) as u32;
                if current && month == this_month {
                    day = day.min(today.day());
                }
                let Some(date) = NaiveDate::from_ymd_opt(year, month, day) else {
                    continue;
                };
                let submitted =
                    at(date + Duration::days(2), 1, 30).min(s.now - Duration::hours(30));
                let fate = if fate == Fate::Returned && submitted.date() < date {
                    Fate::Draft
                } else {
                    fate
                };
                let kind = if month % 3 == 0 {
                    MeetingKind::General
                } else if r.is_multiple_of(5) {
                    MeetingKind::Group
                } else {
                    MeetingKind::Committee
                };
                let (topic, materials) = TOPICS[(month as usize + bi) % TOPICS.len()];
                let absent = (r % 3) as i32;
                let b = &s.branches[bi];
                let created = at(date, 0, 0).min(s.now);
                let submitted_at = (fate != Fate::Draft).then_some(submitted);
                rows.push(NewTopic {
                    unit_id: b.id,
                    meeting_date: date,
                    meeting_kind: kind.code(),
                    topic,
                    materials,
                    attendance: 8 + (r % 15) as i32 - absent,
                    absent,
                    notes: TOPIC_NOTES[r % TOPIC_NOTES.len()],
                    state: fate.state().code(),
                    version: fate.version(),
                    submitted_at,
                    submitted_by: submitted_at.map(|_| b.secretary),
                    created_by: Some(b.secretary),
                    created_at: created,
                    updated_at: submitted_at.unwrap_or(created),
                });
                fates.push((bi, fate));
            }
        }
    }
    let ids = insert_ids!(s, c, first_topics::table, first_topics::id, rows);
    let mut events = Vec::new();
    for ((row, id), (bi, fate)) in rows.iter().zip(&ids).zip(&fates) {
        let (Some(submitted), true) = (row.submitted_at, *fate != Fate::Draft) else {
            continue;
        };
        let b = &s.branches[*bi];
        trail(
            &mut events,
            crate::db::models::topics::ENTITY,
            *id,
            fate.state(),
            *fate == Fate::Returned,
            false,
            (b.secretary, s.generals[b.general].reviewer, s.admin),
            submitted,
            s.now,
            TOPIC_RETURN,
        );
    }
    let n = insert_rows!(s, c, review_events::table, events);
    s.count("第一议题", ids.len());
    s.count("议题审核记录", n);
    Ok(())
}
