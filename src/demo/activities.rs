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
use crate::domain::{UnitCategory, UnitKind};

/// The 2022 training and exam participant-times of the article (参训318人次).
pub const TRAINING_TIMES_2022: usize = 318;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹",
    "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛",
    "叶", "阎", "余", "潘", "杜", "戴", "夏", "钟", "汪", "田", "任", "姜", "范", "方", "石", "姚",
    "谭", "廖", "邹", "熊", "金", "陆", "郝", "孔", "白", "崔", "康", "毛", "邱", "秦", "江", "史",
];

const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "萍", "红", "鹏", "辉", "建", "文", "斌",
    "宇", "浩", "凯", "晨", "欣", "琳", "鑫", "博", "雪", "颖", "瑞", "婷", "健", "帅", "峰", "慧",
    "志", "新", "海", "东", "立", "春", "晓", "亮", "飞", "俊", "佳", "倩", "嘉", "振", "国", "德",
    "光", "荣", "昊", "晗", "璐", "蕾", "雯", "蓉", "楠", "彤", "宁", "青", "阳", "帆", "卫", "玲",
];

/// The posts of rank-and-file staff, by unit category.
const HQ_POSTS: &[&str] = &[
    "主管",
    "专员",
    "科员",
    "业务主办",
    "高级主管",
    "综合岗",
    "统计员",
    "档案管理员",
];
const FIELD_POSTS: &[&str] = &[
    "总监理工程师",
    "专业监理工程师",
    "监理员",
    "检测工程师",
    "试验员",
    "技术负责人",
    "安全管理员",
    "造价工程师",
    "项目经理",
    "资料员",
];

/// One person to insert.
#[derive(Insertable)]
#[diesel(table_name = roster_people)]
struct NewPerson {
    unit_id: i32,
    name: String,
    categories: String,
    post: String,
    active_from: Option<NaiveDate>,
    active_to: Option<NaiveDate>,
    notes: String,
    version: i32,
    created_by: Option<i32>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = activity_attendance)]
struct NewAttendance {
    activity_id: i32,
    person_id: i32,
    score: Option<f64>,
    created_at: NaiveDateTime,
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn set(groups: &[RosterGroup]) -> String {
    codes::encode(groups.iter().map(|g| g.code()))
}

/// Deterministic, distinct names.
struct Names {
    used: HashSet<String>,
    next: usize,
}

impl Names {
    fn new(reserved: &[&str]) -> Names {
        Names {
            used: reserved.iter().map(|s| s.to_string()).collect(),
            next: 0,
        }
    }

    fn take(&mut self) -> String {
        loop {
            let i = self.next;
            self.next += 1;
            let s = SURNAMES[(i * 7 + i / SURNAMES.len()) % SURNAMES.len()];
            let g1 = GIVEN[(i * 13 + 5) % GIVEN.len()];
            let name = if i.is_multiple_of(3) {
                format!("{s}{g1}")
            } else {
                let g2 = GIVEN[(i * 29 + 11) % GIVEN.len()];
                if g1 == g2 {
                    continue;
                }
                format!("{s}{g1}{g2}")
            };
            if self.used.insert(name.clone()) {
                return name;
            }
        }
    }

    /// A given name (the demo accounts' people keep theirs).
    fn fixed(&mut self, name: &str) -> String {
        self.used.insert(name.to_string());
        name.to_string()
    }
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
    seed_roster(c, &all, by, today, now)?;
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

fn unit<'a>(all: &'a [Unit], code: &str) -> anyhow::Result<&'a Unit> {
    all.iter()
        .find(|u| u.code == code)
        .ok_or_else(|| anyhow::anyhow!("demo unit {code} missing"))
}

// ---------------------------------------------------------------- roster

fn seed_roster(
    c: &mut DbConn,
    all: &[Unit],
    by: Option<i32>,
    today: NaiveDate,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    let existing: i64 = roster_people::table.count().get_result(c)?;
    if existing > 0 {
        return Ok(());
    }
    use RosterGroup::*;
    // The demo accounts' people keep their names on the roster.
    let accounts: Vec<(&str, &str)> = super::ACCOUNTS
        .iter()
        .filter(|a| {
            matches!(
                a.2,
                crate::domain::Role::Secretary | crate::domain::Role::Reviewer
            )
        })
        .map(|a| (a.3, a.1))
        .collect();
    let mut names = Names::new(&accounts.iter().map(|a| a.1).collect::<Vec<_>>());
    let head_name = |names: &mut Names, code: &str| match accounts.iter().find(|a| a.0 == code) {
        Some((_, n)) => names.fixed(n),
        None => names.take(),
    };
    let joined = this_year(today, 1, 4);
    let left = ymd(2022, 6, 30);
    let mut rows: Vec<NewPerson> = Vec::new();
    let mut person = |unit_id: i32,
                      name: String,
                      groups: &[RosterGroup],
                      post: &str,
                      from: NaiveDate,
                      to: Option<NaiveDate>,
                      notes: &str| {
        rows.push(NewPerson {
            unit_id,
            name,
            categories: set(groups),
            post: post.to_string(),
            active_from: Some(from),
            active_to: to,
            notes: notes.to_string(),
            version: 1,
            created_by: by,
            created_at: now,
            updated_at: now,
        });
    };
    let since = |k: usize| {
        ymd(
            2012 + (k % 9) as i32,
            1 + (k % 12) as u32,
            1 + (k % 27) as u32,
        )
    };

    // The committee: the group's leaders and the 党群工作部.
    let dw = unit(all, "DW")?.id;
    let committee: &[(&str, &[RosterGroup])] = &[
        ("党委书记、董事长", &[PartyMember, Leader]),
        ("党委副书记、总经理", &[PartyMember, Leader]),
        ("党委委员、纪委书记", &[PartyMember, Leader]),
        ("党委委员、副总经理", &[PartyMember, Leader]),
        ("副总经理", &[PartyMember, Leader]),
        ("总工程师", &[UnitedFront, Leader]),
        (
            "党群工作部部长",
            &[PartyMember, MiddleManager, OrgCadre, PartyWorker],
        ),
        ("党群工作部副部长", &[PartyMember, MiddleManager, OrgCadre]),
        ("组织干事", &[PartyMember, OrgCadre, PartyWorker]),
        ("组织干事", &[PartyMember, OrgCadre, PartyWorker]),
        ("宣传干事", &[PartyMember, PartyWorker]),
        ("纪检干事", &[PartyMember, PartyWorker]),
    ];
    for (k, (post, groups)) in committee.iter().enumerate() {
        person(dw, names.take(), groups, post, since(k + 3), None, "");
    }

    // The general branches.
    for (g, code) in ["ZZ01", "ZZ02", "ZZ03"].iter().enumerate() {
        let id = unit(all, code)?.id;
        let head = head_name(&mut names, code);
        person(
            id,
            head,
            &[PartyMember, Leader],
            "党总支书记",
            since(g + 1),
            None,
            "",
        );
        for (post, groups) in [
            (
                "党总支副书记",
                &[PartyMember, MiddleManager, PartyWorker][..],
            ),
            ("党总支组织委员", &[PartyMember, OrgCadre][..]),
            ("党总支宣传委员", &[PartyMember][..]),
            ("综合管理岗", &[PartyMember][..]),
        ] {
            person(
                id,
                names.take(),
                groups,
                post,
                since(g + post.len()),
                None,
                "",
            );
        }
    }

    // The branches: about 20 people each.
    let mut branches: Vec<&Unit> = all
        .iter()
        .filter(|u| u.kind() == UnitKind::Branch)
        .collect();
    branches.sort_by(|a, b| a.code.cmp(&b.code));
    for (k, b) in branches.iter().enumerate() {
        let n = 18 + (k * 5) % 6;
        let posts = if b.category() == UnitCategory::Headquarters {
            HQ_POSTS
        } else {
            FIELD_POSTS
        };
        for i in 0..n {
            let from = since(k * 31 + i);
            let (name, groups, post): (String, Vec<RosterGroup>, String) = match i {
                0 => (
                    head_name(&mut names, &b.code),
                    vec![PartyMember, MiddleManager, OrgCadre],
                    "党支部书记".into(),
                ),
                1 => {
                    let mut g = vec![PartyMember, PartyWorker];
                    if k % 2 == 0 || k == 9 {
                        g.push(OrgCadre);
                    }
                    (names.take(), g, "组织委员".into())
                }
                2 => (
                    names.take(),
                    vec![PartyMember, PartyWorker],
                    "宣传委员".into(),
                ),
                3 => (
                    names.take(),
                    vec![PartyMember, MiddleManager],
                    if b.category() == UnitCategory::Headquarters {
                        "部门副主任".into()
                    } else {
                        "副经理".into()
                    },
                ),
                _ if i == n - 1 => (
                    names.take(),
                    vec![UnitedFront],
                    posts[i % posts.len()].into(),
                ),
                _ if i == n - 2 => (names.take(), vec![Activist], posts[i % posts.len()].into()),
                _ if i == n - 3 && k % 3 != 0 => {
                    (names.take(), vec![Candidate], posts[i % posts.len()].into())
                }
                _ if i == n - 4 && k % 2 == 0 => (
                    names.take(),
                    vec![Probationary],
                    posts[i % posts.len()].into(),
                ),
                _ => (
                    names.take(),
                    vec![PartyMember],
                    posts[(i + k) % posts.len()].into(),
                ),
            };
            // A few left in mid-2022; in ZB10 the 组织委员 (a 组工干部) was among them.
            let leaves = (k % 4 == 1 && i == n - 5) || (k == 9 && i == 1);
            let to = leaves.then_some(left);
            let notes = if leaves { "2022年6月调离" } else { "" };
            person(b.id, name, &groups, &post, from, to, notes);
        }
        if k == 9 {
            // Who took over as 组织委员 in July 2022.
            person(
                b.id,
                names.take(),
                &[PartyMember, PartyWorker, OrgCadre],
                "组织委员",
                ymd(2022, 7, 1),
                None,
                "2022年7月接任组织委员",
            );
        }
        if k % 5 == 0 {
            // Joined this year.
            person(
                b.id,
                names.take(),
                &[PartyMember],
                posts[k % posts.len()],
                joined,
                None,
                "本年度新入职",
            );
            person(
                b.id,
                names.take(),
                &[Activist],
                posts[(k + 3) % posts.len()],
                joined,
                None,
                "本年度新入职",
            );
        }
    }
    for chunk in rows.chunks(200) {
        crate::per_backend!(&mut *c, |cc| diesel::insert_into(roster_people::table)
            .values(chunk)
            .execute(cc))?;
    }
    Ok(())
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
