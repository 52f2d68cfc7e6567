//! The demo roster (issue 11): about 20 people per branch, a few per general branch and at the
//! committee, with generated (deterministic) Chinese names, posts and categories; active since
//! before 2022, a few who left in mid-2022, some who joined in the current year. No ID
//! numbers. Skipped when any person exists; run by `activities::seed` before the activities.

use std::collections::HashSet;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::activities::{set, this_year, unit, ymd};
use crate::db::models::units::Unit;
use crate::db::schema::roster_people;
use crate::db::DbConn;
use crate::domain::activity::RosterGroup;
use crate::domain::{UnitCategory, UnitKind};

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

pub fn seed(
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
