//! Demo roster and activities (issue 11). Idempotent: run inside the demo's write
//! transaction after the accounts exist; each part is skipped when its records exist.
//!
//! - The roster: about 20 people per branch, a few per general branch and at the committee,
//!   with generated (deterministic) Chinese names, posts and categories; active since before
//!   2022, a few who left in mid-2022, some who joined in the current year. No ID numbers.
//! - 2022, the article's figures exactly: 2 党务工作能力提升专项培训 and 1 党员发展对象考试 by
//!   the committee with 318 participant-times (attendance rows) in all, every 组工干部 active in
//!   2022 among them; 7 research / exchange / symposium activities; one 强意识座谈会 per branch
//!   (18).
//! - The current year (dates derived from `today`, never in the future): trainings, a 专题党课,
//!   强意识座谈会 in some branches, some with attendance and some with a typed count; the
//!   coverage of 组工干部 partial.

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::campaigns::Campaign;
use crate::db::models::roster::Person;
use crate::db::models::units::{self, Unit};
use crate::db::schema::{activities, activity_attendance, roster_people};
use crate::db::DbConn;
use crate::domain::activity::{ActivityKind, RosterGroup};
use crate::domain::codes;
use crate::domain::UnitKind;

/// The 2022 training and exam participant-times of the article (参训318人次).
pub const TRAINING_TIMES_2022: usize = 318;

/// One attendance row, inserted in batches (the demo's and `synth`'s).
#[derive(Insertable)]
#[diesel(table_name = activity_attendance)]
pub(crate) struct NewAttendance {
    pub activity_id: i32,
    pub person_id: i32,
    pub score: Option<f64>,
    pub created_at: NaiveDateTime,
}

pub(super) fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

pub(super) fn set(groups: &[RosterGroup]) -> String {
    codes::encode(groups.iter().map(|g| g.code()))
}

/// The day `num / den` of the way from 1 January of `today`'s year to `today` (never later).
pub fn this_year(today: NaiveDate, num: i64, den: i64) -> NaiveDate {
    let start = ymd(today.year(), 1, 1);
    let span = (today - start).num_days();
    start + Duration::days(span * num / den.max(1))
}

pub fn seed(
    c: &mut DbConn,
    _campaigns: &[Campaign],
    actors: &super::Actors,
    today: NaiveDate,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    let all = units::all(c)?;
    if all.iter().all(|u| u.code != "DW") {
        return Ok(());
    }
    let by = actors.committee();
    super::roster::seed(c, &all, by, today, now)?;
    let people: Vec<Person> = roster_people::table
        .select(Person::as_select())
        .order(roster_people::id.asc())
        .load(c)?;
    if people.is_empty() {
        return Ok(());
    }
    seed_2022(c, &all, &people, by, today, now)?;
    seed_current(c, &all, &people, by, today, now)?;
    Ok(())
}

pub(super) fn unit<'a>(all: &'a [Unit], code: &str) -> anyhow::Result<&'a Unit> {
    all.iter()
        .find(|u| u.code == code)
        .ok_or_else(|| anyhow::anyhow!("demo unit {code} missing"))
}

// ---------------------------------------------------------------- activities

/// A research / exchange / symposium activity of 2022: kind, title, day, summary, typed
/// count (None: attendance of the 统战对象), target groups.
type Talk<'a> = (
    ActivityKind,
    &'a str,
    NaiveDate,
    &'a str,
    Option<i32>,
    &'a [RosterGroup],
);

/// One activity to insert (one row each: its id is needed for the attendance).
struct Act<'a> {
    unit_id: i32,
    kind: ActivityKind,
    title: &'a str,
    start: NaiveDate,
    end: NaiveDate,
    groups: &'a [RosterGroup],
    hours: f64,
    tags: &'a str,
    place: &'a str,
    summary: &'a str,
    count: Option<i32>,
    pass_mark: Option<f64>,
}

fn insert_activity(
    c: &mut DbConn,
    a: &Act<'_>,
    by: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    diesel::insert_into(activities::table)
        .values((
            activities::unit_id.eq(a.unit_id),
            activities::kind.eq(a.kind.code()),
            activities::title.eq(a.title),
            activities::start_date.eq(a.start),
            activities::end_date.eq(a.end),
            activities::target_groups.eq(set(a.groups)),
            activities::hours.eq(a.hours),
            activities::lead_tags.eq(a.tags),
            activities::place.eq(a.place),
            activities::summary.eq(a.summary),
            activities::participant_count.eq(a.count),
            activities::pass_mark.eq(a.pass_mark),
            activities::version.eq(1),
            activities::created_by.eq(by),
            activities::created_at.eq(now),
            activities::updated_at.eq(now),
        ))
        .returning(activities::id)
        .get_result(c)
}

fn attend(
    c: &mut DbConn,
    activity_id: i32,
    people: &[(i32, Option<f64>)],
    now: NaiveDateTime,
) -> QueryResult<()> {
    let rows: Vec<NewAttendance> = people
        .iter()
        .map(|(p, score)| NewAttendance {
            activity_id,
            person_id: *p,
            score: *score,
            created_at: now,
        })
        .collect();
    for chunk in rows.chunks(200) {
        crate::per_backend!(&mut *c, |cc| diesel::insert_into(
            activity_attendance::table
        )
        .values(chunk)
        .execute(cc))?;
    }
    Ok(())
}

fn active_on(p: &Person, d: NaiveDate) -> bool {
    p.active_between(d, d)
}

fn has(p: &Person, g: RosterGroup) -> bool {
    p.groups().contains(&g)
}

/// `size` people active on `day`: first everyone `must` picks, then party members in a
/// deterministic spread over the roster (`seed` varies it).
fn pick(
    people: &[Person],
    day: NaiveDate,
    size: usize,
    seed: usize,
    must: impl Fn(&Person) -> bool,
    skip: &HashSet<i32>,
) -> anyhow::Result<Vec<i32>> {
    let mut out: Vec<i32> = people
        .iter()
        .filter(|p| active_on(p, day) && must(p))
        .map(|p| p.id)
        .collect();
    let n = people.len();
    let mut i = 0;
    while out.len() < size && i < n {
        let p = &people[(i * 37 + seed) % n];
        i += 1;
        let member = has(p, RosterGroup::PartyMember) || has(p, RosterGroup::Probationary);
        if member && active_on(p, day) && !out.contains(&p.id) && !skip.contains(&p.id) {
            out.push(p.id);
        }
    }
    // The spread may miss a few (37 and n share a factor): take the rest in order.
    for p in people {
        if out.len() >= size {
            break;
        }
        let member = has(p, RosterGroup::PartyMember) || has(p, RosterGroup::Probationary);
        if member && active_on(p, day) && !out.contains(&p.id) && !skip.contains(&p.id) {
            out.push(p.id);
        }
    }
    if out.len() != size {
        anyhow::bail!("demo roster too small for {size} participants on {day}");
    }
    Ok(out)
}

fn seed_2022(
    c: &mut DbConn,
    all: &[Unit],
    people: &[Person],
    by: Option<i32>,
    today: NaiveDate,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    use RosterGroup::*;
    if today.year() <= 2022 {
        return Ok(());
    }
    let done: i64 = activities::table
        .filter(activities::start_date.between(ymd(2022, 1, 1), ymd(2022, 12, 31)))
        .count()
        .get_result(c)?;
    if done > 0 {
        return Ok(());
    }
    let dw = unit(all, "DW")?.id;
    let none = HashSet::new();

    // The exam: every 入党积极分子 and 发展对象 on the roster that day.
    let exam_day = ymd(2022, 11, 18);
    let examinees: Vec<i32> = people
        .iter()
        .filter(|p| active_on(p, exam_day) && (has(p, Activist) || has(p, Candidate)))
        .map(|p| p.id)
        .collect();
    let rest = TRAINING_TIMES_2022
        .checked_sub(examinees.len())
        .ok_or_else(|| anyhow::anyhow!("too many examinees"))?;
    let first = rest.div_ceil(2);
    let second = rest - first;
    // Both trainings take every 组工干部 and 党务工作者 on the roster that day (so those who
    // left in June and who came in July are both covered), then party members.
    let cadre = |p: &Person| has(p, OrgCadre) || has(p, PartyWorker);
    let t1_day = ymd(2022, 4, 20);
    let t1 = pick(people, t1_day, first, 3, cadre, &none)?;
    let t2_day = ymd(2022, 9, 15);
    let t1_set: HashSet<i32> = t1.iter().copied().collect();
    let t2 = pick(people, t2_day, second, 11, cadre, &t1_set)?;

    let id = insert_activity(
        c,
        &Act {
            unit_id: dw,
            kind: ActivityKind::Training,
            title: "党务工作能力提升专项培训（第一期）",
            start: t1_day,
            end: t1_day + Duration::days(1),
            groups: &[OrgCadre, PartyWorker, PartyMember],
            hours: 16.0,
            tags: ",members,",
            place: "集团总部三楼报告厅",
            summary: "围绕党支部标准化规范化建设、发展党员工作流程、党费收缴使用管理开展专题授课和案例研讨，组工干部、党务工作者全员参训。",
            count: None,
            pass_mark: None,
        },
        by,
        now,
    )?;
    let rows: Vec<(i32, Option<f64>)> = t1.iter().map(|p| (*p, None)).collect();
    attend(c, id, &rows, now)?;
    let id = insert_activity(
        c,
        &Act {
            unit_id: dw,
            kind: ActivityKind::Training,
            title: "党务工作能力提升专项培训（第二期）",
            start: t2_day,
            end: t2_day,
            groups: &[OrgCadre, PartyWorker, PartyMember],
            hours: 8.0,
            tags: ",members,middle,",
            place: "集团总部三楼报告厅（线上同步）",
            summary: "聚焦“三会一课”、主题党日和组织生活会规范开展，结合“严、真、细、实、快”作风建设要求进行实务辅导。",
            count: None,
            pass_mark: None,
        },
        by,
        now,
    )?;
    let rows: Vec<(i32, Option<f64>)> = t2.iter().map(|p| (*p, None)).collect();
    attend(c, id, &rows, now)?;
    let id = insert_activity(
        c,
        &Act {
            unit_id: dw,
            kind: ActivityKind::Exam,
            title: "2022年党员发展对象考试",
            start: exam_day,
            end: exam_day,
            groups: &[Candidate, Activist],
            hours: 2.0,
            tags: ",members,",
            place: "集团总部二楼会议室",
            summary: "闭卷考试，内容为党章党规、党的基本理论和入党程序，60 分及格。",
            count: None,
            pass_mark: Some(60.0),
        },
        by,
        now,
    )?;
    let rows: Vec<(i32, Option<f64>)> = examinees
        .iter()
        .enumerate()
        .map(|(i, p)| (*p, Some(52.0 + ((i * 17) % 46) as f64)))
        .collect();
    attend(c, id, &rows, now)?;

    // Seven research / exchange / symposium activities led by the committee.
    let united: Vec<(i32, Option<f64>)> = people
        .iter()
        .filter(|p| active_on(p, ymd(2022, 3, 24)) && has(p, UnitedFront))
        .map(|p| (p.id, None))
        .collect();
    let talks: [Talk<'_>; 7] = [
        (
            ActivityKind::UnitedFrontSymposium,
            "2022年统战对象座谈会",
            ymd(2022, 3, 24),
            "通报集团改革发展情况，听取党外知识分子和无党派人士对企业发展、作风建设的意见建议。",
            None,
            &[UnitedFront],
        ),
        (
            ActivityKind::Exchange,
            "“政工人事”系列调研交流会（总部机关专场）",
            ymd(2022, 5, 12),
            "围绕干部选拔任用、人才梯队建设与基层党建融合开展交流，形成问题清单 6 项。",
            Some(26),
            &[OrgCadre, MiddleManager],
        ),
        (
            ActivityKind::Exchange,
            "“政工人事”系列调研交流会（监理公司专场）",
            ymd(2022, 6, 16),
            "交流项目一线党员管理、青年骨干培养经验，推广“党员先锋岗”做法。",
            Some(31),
            &[OrgCadre, MiddleManager],
        ),
        (
            ActivityKind::Exchange,
            "“政工人事”系列调研交流会（检测公司专场）",
            ymd(2022, 7, 21),
            "研究检测业务条线党建与业务融合的难点，明确 4 项改进措施。",
            Some(28),
            &[OrgCadre, MiddleManager],
        ),
        (
            ActivityKind::Research,
            "基层党支部标准化建设专题调研",
            ymd(2022, 8, 18),
            "分组深入 12 个党支部查阅资料、个别访谈，反馈问题 15 条，督促限期整改。",
            Some(19),
            &[OrgCadre, PartyWorker],
        ),
        (
            ActivityKind::Research,
            "项目一线党建工作调研",
            ymd(2022, 9, 22),
            "走访在建监理、检测项目部，了解流动党员管理和作风建设落实情况。",
            Some(15),
            &[OrgCadre, Leader],
        ),
        (
            ActivityKind::Symposium,
            "青年员工思想动态座谈会",
            ymd(2022, 12, 8),
            "听取 35 岁以下青年员工在成长成才、工作作风方面的想法和诉求，逐条建立台账。",
            Some(35),
            &[PartyMember],
        ),
    ];
    for (i, (kind, title, day, summary, count, groups)) in talks.iter().enumerate() {
        let id = insert_activity(
            c,
            &Act {
                unit_id: dw,
                kind: *kind,
                title,
                start: *day,
                end: *day,
                groups,
                hours: if i == 4 { 4.0 } else { 2.0 },
                tags: if i == 5 { ",leaders,hq," } else { ",hq," },
                place: "集团总部会议室",
                summary,
                count: *count,
                pass_mark: None,
            },
            by,
            now,
        )?;
        if count.is_none() {
            attend(c, id, &united, now)?;
        }
    }

    // One 强意识座谈会 per branch, spread over the year, with a typed count.
    let mut branches: Vec<&Unit> = all
        .iter()
        .filter(|u| u.kind() == UnitKind::Branch)
        .collect();
    branches.sort_by(|a, b| a.code.cmp(&b.code));
    for (k, b) in branches.iter().enumerate() {
        let day = ymd(2022, 3 + (k % 9) as u32, 10 + (k % 15) as u32);
        let size = people
            .iter()
            .filter(|p| p.unit_id == b.id && active_on(p, day))
            .count() as i32;
        let title = format!("{}党建“强意识”座谈会", b.name);
        insert_activity(
            c,
            &Act {
                unit_id: b.id,
                kind: ActivityKind::AwarenessSymposium,
                title: &title,
                start: day,
                end: day,
                groups: &[PartyMember],
                hours: 2.0,
                tags: ",members,",
                place: "支部活动室",
                summary: "围绕“党建强意识、作风促发展”交流发言，查找党建与业务融合中的短板。",
                count: Some((size - 2 - (k % 3) as i32).max(1)),
                pass_mark: None,
            },
            by,
            now,
        )?;
    }
    Ok(())
}

fn seed_current(
    c: &mut DbConn,
    all: &[Unit],
    people: &[Person],
    by: Option<i32>,
    today: NaiveDate,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    use RosterGroup::*;
    let year = today.year();
    let done: i64 = activities::table
        .filter(activities::start_date.between(ymd(year, 1, 1), ymd(year, 12, 31)))
        .count()
        .get_result(c)?;
    if done > 0 {
        return Ok(());
    }
    let dw = unit(all, "DW")?.id;
    let zz02 = unit(all, "ZZ02")?;

    // The committee's training: two of every three 组工干部 so far (coverage partial).
    let t1_day = this_year(today, 1, 3);
    let title1 = format!("党务工作能力提升专项培训（{year}年第一期）");
    let id = insert_activity(
        c,
        &Act {
            unit_id: dw,
            kind: ActivityKind::Training,
            title: &title1,
            start: t1_day,
            end: t1_day,
            groups: &[OrgCadre, PartyWorker],
            hours: 8.0,
            tags: ",members,",
            place: "集团总部三楼报告厅",
            summary: "党支部工作条例、发展党员工作细则专题辅导。",
            count: None,
            pass_mark: None,
        },
        by,
        now,
    )?;
    let mut n = 0;
    let rows: Vec<(i32, Option<f64>)> = people
        .iter()
        .filter(|p| active_on(p, t1_day) && (has(p, OrgCadre) || has(p, PartyWorker)))
        .filter(|p| {
            n += 1;
            !has(p, OrgCadre) || n % 3 != 0
        })
        .map(|p| (p.id, None))
        .collect();
    attend(c, id, &rows, now)?;

    // 监理公司党总支's own training for its branches (no 组工干部 among them).
    let t2_day = this_year(today, 1, 2);
    let rows: Vec<(i32, Option<f64>)> = people
        .iter()
        .filter(|p| active_on(p, t2_day) && !has(p, OrgCadre))
        .filter(|p| {
            all.iter()
                .any(|u| u.id == p.unit_id && u.path.starts_with(&zz02.path))
        })
        .filter(|p| has(p, PartyMember) || has(p, Probationary))
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(_, p)| (p.id, None))
        .collect();
    let id = insert_activity(
        c,
        &Act {
            unit_id: zz02.id,
            kind: ActivityKind::Training,
            title: "监理现场党员先锋岗业务培训",
            start: t2_day,
            end: t2_day,
            groups: &[PartyMember],
            hours: 4.0,
            tags: ",members,middle,",
            place: "监理公司培训室",
            summary: "旁站监理规范、质量安全隐患排查实务。",
            count: None,
            pass_mark: None,
        },
        by,
        now,
    )?;
    attend(c, id, &rows, now)?;

    // A training and a Party lecture with a typed count.
    let t3_day = this_year(today, 2, 3);
    insert_activity(
        c,
        &Act {
            unit_id: dw,
            kind: ActivityKind::Training,
            title: "新任党支部委员培训班",
            start: t3_day,
            end: t3_day,
            groups: &[PartyWorker],
            hours: 8.0,
            tags: ",members,",
            place: "线上（钉钉直播）",
            summary: "新任支委履职能力培训。",
            count: Some(46),
            pass_mark: None,
        },
        by,
        now,
    )?;
    let lecture_day = this_year(today, 3, 4);
    insert_activity(
        c,
        &Act {
            unit_id: dw,
            kind: ActivityKind::PartyLecture,
            title: "“严、真、细、实、快”作风建设专题党课",
            start: lecture_day,
            end: lecture_day,
            groups: &[PartyMember, Probationary],
            hours: 2.0,
            tags: ",leaders,members,",
            place: "集团总部三楼报告厅",
            summary: "党委书记讲授专题党课，各党支部组织收看。",
            count: Some(212),
            pass_mark: None,
        },
        by,
        now,
    )?;

    // 强意识座谈会 in some branches: with attendance in ZB01 and ZB05, typed elsewhere.
    for (k, code) in ["ZB01", "ZB02", "ZB05", "ZB08", "ZB11", "ZB14"]
        .iter()
        .enumerate()
    {
        let b = unit(all, code)?;
        let day = this_year(today, 2 + k as i64, 9);
        let title = format!("{}党建“强意识”座谈会", b.name);
        let typed = !matches!(*code, "ZB01" | "ZB05");
        let members: Vec<(i32, Option<f64>)> = people
            .iter()
            .filter(|p| p.unit_id == b.id && active_on(p, day))
            .filter(|p| has(p, PartyMember) || has(p, Probationary))
            .map(|p| (p.id, None))
            .collect();
        let id = insert_activity(
            c,
            &Act {
                unit_id: b.id,
                kind: ActivityKind::AwarenessSymposium,
                title: &title,
                start: day,
                end: day,
                groups: &[PartyMember],
                hours: 2.0,
                tags: ",members,",
                place: "支部活动室",
                summary: "交流学习体会，查摆党建与业务融合中的作风问题。",
                count: typed.then_some(members.len() as i32),
                pass_mark: None,
            },
            by,
            now,
        )?;
        if !typed {
            attend(c, id, &members, now)?;
        }
    }
    Ok(())
}
