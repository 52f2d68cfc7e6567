//! The roster (~20 people per branch, a few per general branch and at the committee) and the
//! activities (~17 per branch over the three years, and two committee trainings a year) with
//! their attendance.

use crate::demo::activities::NewAttendance;
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{day_of, insert_ids, insert_rows, Synth};
use crate::db::schema::{activities, activity_attendance, roster_people};
use crate::db::DbConn;
use crate::domain::activity::{ActivityKind, RosterGroup};
use crate::domain::codes;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "萍", "红", "鹏", "辉", "建", "文", "斌",
    "宇", "浩", "凯", "晨", "欣", "琳", "鑫", "博", "雪", "颖", "瑞", "婷", "健", "帅", "峰", "慧",
];
const HQ_POSTS: &[&str] = &["主管", "专员", "科员", "业务主办", "高级主管", "综合岗"];
const FIELD_POSTS: &[&str] = &[
    "总监理工程师",
    "专业监理工程师",
    "监理员",
    "检测工程师",
    "试验员",
    "技术负责人",
    "安全管理员",
    "造价工程师",
];

#[derive(Insertable)]
#[diesel(table_name = roster_people)]
struct NewPerson {
    unit_id: i32,
    name: String,
    categories: String,
    post: &'static str,
    active_from: Option<NaiveDate>,
    active_to: Option<NaiveDate>,
    notes: &'static str,
    version: i32,
    created_by: Option<i32>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = activities)]
struct NewActivity {
    unit_id: i32,
    kind: &'static str,
    title: String,
    start_date: NaiveDate,
    end_date: NaiveDate,
    target_groups: String,
    hours: f64,
    lead_tags: &'static str,
    place: &'static str,
    summary: &'static str,
    participant_count: Option<i32>,
    pass_mark: Option<f64>,
    version: i32,
    created_by: Option<i32>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// A person as the attendance needs it.
struct Person {
    id: i32,
    groups: Vec<RosterGroup>,
    from: NaiveDate,
    to: Option<NaiveDate>,
}

impl Person {
    fn active_on(&self, d: NaiveDate) -> bool {
        self.from <= d && self.to.is_none_or(|t| t >= d)
    }

    fn has(&self, g: RosterGroup) -> bool {
        self.groups.contains(&g)
    }

    fn member(&self) -> bool {
        self.has(RosterGroup::PartyMember) || self.has(RosterGroup::Probationary)
    }
}

fn set(groups: &[RosterGroup]) -> String {
    codes::encode(groups.iter().map(|g| g.code()))
}

/// A branch activity: kind, title (after the branch name), hours, tags, place, summary, groups.
type Template = (
    ActivityKind,
    &'static str,
    f64,
    &'static str,
    &'static str,
    &'static str,
    &'static [RosterGroup],
);

const TEMPLATES: &[Template] = &[
    (
        ActivityKind::Training,
        "党员集中学习培训",
        4.0,
        ",members,",
        "支部活动室",
        "围绕党章党规和作风建设要求集中学习，结合岗位实际交流体会。",
        &[RosterGroup::PartyMember, RosterGroup::Probationary],
    ),
    (
        ActivityKind::PartyLecture,
        "专题党课",
        2.0,
        ",leaders,members,",
        "支部活动室",
        "支部书记讲授“严、真、细、实、快”作风建设专题党课。",
        &[RosterGroup::PartyMember, RosterGroup::Probationary],
    ),
    (
        ActivityKind::AwarenessSymposium,
        "党建“强意识”座谈会",
        2.0,
        ",members,",
        "支部活动室",
        "围绕“党建强意识、作风促发展”交流发言，查找党建与业务融合中的短板。",
        &[RosterGroup::PartyMember],
    ),
    (
        ActivityKind::Symposium,
        "青年员工思想动态座谈会",
        2.0,
        ",middle,",
        "项目部会议室",
        "听取青年员工在成长成才、工作作风方面的想法和诉求，逐条建立台账。",
        &[RosterGroup::PartyMember, RosterGroup::Activist],
    ),
    (
        ActivityKind::Research,
        "项目一线党建工作调研",
        4.0,
        ",middle,members,",
        "在建项目部",
        "走访在建项目部，了解流动党员管理和作风建设落实情况。",
        &[RosterGroup::PartyMember, RosterGroup::MiddleManager],
    ),
    (
        ActivityKind::Exchange,
        "党建业务融合经验交流会",
        2.0,
        ",members,",
        "支部活动室",
        "交流项目一线党员管理、青年骨干培养经验，推广“党员先锋岗”做法。",
        &[RosterGroup::PartyMember],
    ),
    (
        ActivityKind::Exam,
        "党的基本知识测试",
        1.0,
        ",members,",
        "支部活动室",
        "闭卷测试，内容为党章党规和党的基本理论，60 分及格。",
        &[
            RosterGroup::PartyMember,
            RosterGroup::Activist,
            RosterGroup::Candidate,
        ],
    ),
    (
        ActivityKind::Other,
        "主题党日志愿服务",
        3.0,
        ",members,",
        "社区服务站",
        "组织党员到社区开展志愿服务，为群众提供工程质量咨询。",
        &[RosterGroup::PartyMember],
    ),
];

pub(super) fn fill(s: &mut Synth<'_>, c: &mut DbConn) -> anyhow::Result<()> {
    use RosterGroup::*;
    let now = s.now;
    let first_year = s.years.first().map_or(s.today.year(), |y| y.year);
    let this_year = s.today.year();
    let admin = Some(s.admin);
    let mut rows: Vec<NewPerson> = Vec::new();
    let mut owner: Vec<Option<usize>> = Vec::new();
    let mut name_no = 0usize;
    let mut name = |rng: &mut super::Rng| {
        name_no += 1;
        let sur = SURNAMES[rng.below(SURNAMES.len())];
        let g1 = GIVEN[rng.below(GIVEN.len())];
        if name_no.is_multiple_of(3) {
            format!("{sur}{g1}")
        } else {
            format!("{sur}{g1}{}", GIVEN[rng.below(GIVEN.len())])
        }
    };
    let since = |k: usize| {
        NaiveDate::from_ymd_opt(
            first_year - 10 + (k % 9) as i32,
            1 + (k % 12) as u32,
            1 + (k % 27) as u32,
        )
        .unwrap_or_default()
    };
    let person = |unit_id: i32,
                  name: String,
                  groups: &[RosterGroup],
                  post: &'static str,
                  from: NaiveDate,
                  to: Option<NaiveDate>,
                  notes: &'static str| NewPerson {
        unit_id,
        name,
        categories: set(groups),
        post,
        active_from: Some(from),
        active_to: to,
        notes,
        version: 1,
        created_by: admin,
        created_at: now,
        updated_at: now,
    };
    // The committee and the general branches.
    let committee: &[(&str, &[RosterGroup])] = &[
        ("党委书记、董事长", &[PartyMember, Leader]),
        ("党委副书记、总经理", &[PartyMember, Leader]),
        ("党委委员、纪委书记", &[PartyMember, Leader]),
        ("总工程师", &[UnitedFront, Leader]),
        (
            "党群工作部部长",
            &[PartyMember, MiddleManager, OrgCadre, PartyWorker],
        ),
        ("组织干事", &[PartyMember, OrgCadre, PartyWorker]),
        ("宣传干事", &[PartyMember, PartyWorker]),
    ];
    for (k, (post, groups)) in committee.iter().enumerate() {
        let n = name(&mut s.rng);
        rows.push(person(s.root, n, groups, post, since(k), None, ""));
        owner.push(None);
    }
    for (g, general) in s.generals.iter().enumerate() {
        for (post, groups) in [
            ("党总支书记", &[PartyMember, Leader][..]),
            (
                "党总支副书记",
                &[PartyMember, MiddleManager, PartyWorker][..],
            ),
            ("党总支组织委员", &[PartyMember, OrgCadre][..]),
            ("综合管理岗", &[PartyMember][..]),
        ] {
            let n = name(&mut s.rng);
            rows.push(person(
                general.id,
                n,
                groups,
                post,
                since(g + post.len()),
                None,
                "",
            ));
            owner.push(None);
        }
    }
    // The branches: about 20 people each; a few left during the first year, some joined
    // this year.
    let left = NaiveDate::from_ymd_opt(first_year, 6, 30).unwrap_or_default();
    let joined = day_of(this_year, 60, s.today);
    for (k, b) in s.branches.iter().enumerate() {
        let n = 18 + (k * 5) % 6;
        let posts = if b.headquarters {
            HQ_POSTS
        } else {
            FIELD_POSTS
        };
        for i in 0..n {
            let (groups, post): (Vec<RosterGroup>, &'static str) = match i {
                0 => (vec![PartyMember, MiddleManager, OrgCadre], "党支部书记"),
                1 => {
                    let mut g = vec![PartyMember, PartyWorker];
                    if k % 2 == 0 {
                        g.push(OrgCadre);
                    }
                    (g, "组织委员")
                }
                2 => (vec![PartyMember, PartyWorker], "宣传委员"),
                3 => (vec![PartyMember, MiddleManager], "副经理"),
                _ if i == n - 1 => (vec![UnitedFront], posts[i % posts.len()]),
                _ if i == n - 2 => (vec![Activist], posts[i % posts.len()]),
                _ if i == n - 3 && k % 3 != 0 => (vec![Candidate], posts[i % posts.len()]),
                _ if i == n - 4 && k % 2 == 0 => (vec![Probationary], posts[i % posts.len()]),
                _ => (vec![PartyMember], posts[(i + k) % posts.len()]),
            };
            let leaves = k % 4 == 1 && i == n - 5;
            let joins = k % 5 == 0 && i == n - 6;
            let from = if joins { joined } else { since(k * 31 + i) };
            let nm = name(&mut s.rng);
            rows.push(person(
                b.id,
                nm,
                &groups,
                post,
                from,
                leaves.then_some(left),
                if leaves {
                    "调离"
                } else if joins {
                    "本年度新入职"
                } else {
                    ""
                },
            ));
            owner.push(Some(k));
        }
    }
    let ids = insert_ids!(s, c, roster_people::table, roster_people::id, rows);
    s.count("花名册", ids.len());
    let mut by_branch: Vec<Vec<Person>> = (0..s.branches.len()).map(|_| Vec::new()).collect();
    let mut everyone: Vec<Person> = Vec::with_capacity(ids.len());
    for ((row, id), who) in rows.iter().zip(&ids).zip(&owner) {
        let p = Person {
            id: *id,
            groups: codes::parse_set(&row.categories, RosterGroup::parse),
            from: row.active_from.unwrap_or_default(),
            to: row.active_to,
        };
        if let Some(k) = who {
            by_branch[*k].push(Person {
                id: p.id,
                groups: p.groups.clone(),
                from: p.from,
                to: p.to,
            });
        }
        everyone.push(p);
    }
    drop(rows);

    // Activities: ~17 per branch over the three years, and two committee trainings a year.
    let mut acts: Vec<NewActivity> = Vec::new();
    // Per activity, who attended (person id, score); empty with a typed count.
    let mut attendance: Vec<Vec<(i32, Option<f64>)>> = Vec::new();
    let years: Vec<i32> = s.years.iter().map(|y| y.year).collect();
    for &year in &years {
        let span = if year == this_year {
            s.today.ordinal0() as usize
        } else {
            364
        };
        // The committee's trainings: every 组工干部 and 党务工作者 at the first, two of
        // three at the second.
        for (t, share) in [(0usize, 3usize), (1, 2)] {
            let day = day_of(year, span * (1 + 2 * t) / 4, s.today);
            let who: Vec<(i32, Option<f64>)> = everyone
                .iter()
                .filter(|p| p.active_on(day) && (p.has(OrgCadre) || p.has(PartyWorker)))
                .enumerate()
                .filter(|(i, _)| share == 3 || i % 3 != 0)
                .map(|(_, p)| (p.id, None))
                .collect();
            acts.push(NewActivity {
                unit_id: s.root,
                kind: ActivityKind::Training.code(),
                title: format!("党务工作能力提升专项培训（{year}年第{}期）", t + 1),
                start_date: day,
                end_date: day,
                target_groups: set(&[OrgCadre, PartyWorker]),
                hours: 8.0,
                lead_tags: ",members,",
                place: "集团总部三楼报告厅",
                summary: "党支部工作条例、发展党员工作细则专题辅导。",
                participant_count: None,
                pass_mark: None,
                version: 1,
                created_by: admin,
                created_at: super::at(day, 9, 0).min(now),
                updated_at: super::at(day, 9, 0).min(now),
            });
            attendance.push(who);
        }
        for (k, b) in s.branches.iter().enumerate() {
            let n = if (k + year as usize) % 3 == 2 { 5 } else { 6 };
            for j in 0..n {
                let t = &TEMPLATES[(k + j * 3 + year as usize) % TEMPLATES.len()];
                let day = day_of(year, span * j / n + s.rng.below(span / n + 1), s.today);
                let exam = t.0 == ActivityKind::Exam;
                let typed = !exam && s.rng.chance(25);
                let mut who: Vec<(i32, Option<f64>)> = Vec::new();
                for p in &by_branch[k] {
                    let fits = if exam {
                        p.member() || p.has(Activist) || p.has(Candidate)
                    } else {
                        p.member()
                    };
                    if fits && p.active_on(day) && s.rng.chance(85) {
                        let score = exam.then(|| 50.0 + s.rng.below(50) as f64);
                        who.push((p.id, score));
                    }
                }
                let count = typed.then_some(who.len() as i32);
                if typed {
                    who.clear();
                }
                acts.push(NewActivity {
                    unit_id: b.id,
                    kind: t.0.code(),
                    title: format!("{}{}", b.name, t.1),
                    start_date: day,
                    end_date: day,
                    target_groups: set(t.6),
                    hours: t.2,
                    lead_tags: t.3,
                    place: t.4,
                    summary: t.5,
                    participant_count: count,
                    pass_mark: exam.then_some(60.0),
                    version: 1,
                    created_by: Some(b.secretary),
                    created_at: super::at(day, 9, 0).min(now),
                    updated_at: super::at(day, 9, 0).min(now),
                });
                attendance.push(who);
            }
        }
    }
    let ids = insert_ids!(s, c, activities::table, activities::id, acts);
    s.count("活动", ids.len());
    let rows: Vec<NewAttendance> = ids
        .iter()
        .zip(&attendance)
        .flat_map(|(id, who)| {
            who.iter().map(move |(p, score)| NewAttendance {
                activity_id: *id,
                person_id: *p,
                score: *score,
                created_at: now,
            })
        })
        .collect();
    let n = insert_rows!(s, c, activity_attendance::table, rows);
    s.count("参加记录", n);
    Ok(())
}
