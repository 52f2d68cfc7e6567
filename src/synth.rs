//! `zuofeng synth`: a large synthetic group for benchmarks — by default 300 branches under
//! 30 general branches, a secretary per branch and a reviewer per general branch, and for
//! the current year 6,000 measures and 1,500 rectification items in 300 配档表.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::campaigns;
use crate::db::models::units::{self, UnitFields};
use crate::db::schema::{measure_goals, measures, rect_items, rect_tables, users};
use crate::db::{write_tx, DbConn};
use crate::domain::register::{
    Carrier, LeadTag, MeasureCategory, MeasureStatus, RectArea, RectStatus,
};
use crate::domain::{Role, UnitCategory, UnitKind};

pub struct SynthSize {
    pub general_branches: usize,
    pub branches_per_general: usize,
    pub measures: usize,
    pub items: usize,
}

/// A tiny deterministic generator (xorshift), so runs are repeatable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const ACTIONS: &[&str] = &["提升", "规范", "优化", "强化", "完善", "推进"];
const OBJECTS: &[&str] = &[
    "监理日志填写质量",
    "检测报告审核流程",
    "安全生产隐患排查",
    "党员先锋岗创建",
    "合同履约管理",
    "项目现场标准化",
    "党费收缴使用管理",
    "三会一课记录",
];

/// Create the synthetic group (skipping what exists by code) and fill the current year.
pub fn run(
    conn: &mut DbConn,
    size: &SynthSize,
    password_hash: &str,
    today: NaiveDate,
    now: NaiveDateTime,
) -> anyhow::Result<String> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let campaign = write_tx(conn, |c| -> anyhow::Result<_> {
        Ok(match campaigns::by_year(c, today.year())? {
            Some(x) => x,
            None => campaigns::create(
                c,
                today.year(),
                &format!("{}年作风建设", today.year()),
                25,
                7,
                now,
            )?,
        })
    })?;
    let goals = campaigns::goals(conn, campaign.id)?;
    let mut branch_ids = Vec::new();
    write_tx(conn, |c| -> anyhow::Result<()> {
        let root = match units::by_code(c, "DW")? {
            Some(u) => u,
            None => units::insert(
                c,
                &UnitFields {
                    parent_id: None,
                    code: "DW".into(),
                    name: "工程咨询集团党委".into(),
                    kind: UnitKind::Committee,
                    category: UnitCategory::Headquarters,
                    sort_order: 0,
                    active: true,
                },
                now,
            )?,
        };
        add_user(
            c,
            "sadmin",
            "党群工作部",
            Role::Office,
            root.id,
            password_hash,
            now,
        )?;
        add_user(
            c,
            "sviewer",
            "集团",
            Role::Viewer,
            root.id,
            password_hash,
            now,
        )?;
        for g in 0..size.general_branches {
            let gcode = format!("SZ{:03}", g + 1);
            let general = match units::by_code(c, &gcode)? {
                Some(u) => u,
                None => units::insert(
                    c,
                    &UnitFields {
                        parent_id: Some(root.id),
                        code: gcode.clone(),
                        name: format!("第{}党总支", g + 1),
                        kind: UnitKind::GeneralBranch,
                        category: UnitCategory::Subsidiary,
                        sort_order: 1000 + g as i32,
                        active: true,
                    },
                    now,
                )?,
            };
            add_user(
                c,
                &format!("szz{:03}", g + 1),
                &general.name,
                Role::Reviewer,
                general.id,
                password_hash,
                now,
            )?;
            for b in 0..size.branches_per_general {
                let code = format!("SB{:03}{:02}", g + 1, b + 1);
                let branch = match units::by_code(c, &code)? {
                    Some(u) => u,
                    None => units::insert(
                        c,
                        &UnitFields {
                            parent_id: Some(general.id),
                            code: code.clone(),
                            name: format!("第{}党总支第{}党支部", g + 1, b + 1),
                            kind: UnitKind::Branch,
                            category: UnitCategory::Subsidiary,
                            sort_order: b as i32,
                            active: true,
                        },
                        now,
                    )?,
                };
                add_user(
                    c,
                    &format!("s{:03}{:02}", g + 1, b + 1),
                    &branch.name,
                    Role::Secretary,
                    branch.id,
                    password_hash,
                    now,
                )?;
                branch_ids.push(branch.id);
            }
        }
        Ok(())
    })?;

    // Measures, in batches.
    let start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let mut rows = Vec::with_capacity(size.measures);
    for i in 0..size.measures {
        let unit_id = branch_ids[i % branch_ids.len().max(1)];
        let deadline = start + Duration::days(rng.below(365) as i64);
        let status = if deadline < today && rng.below(4) > 0 {
            MeasureStatus::Completed
        } else if rng.below(3) == 0 {
            MeasureStatus::NotStarted
        } else {
            MeasureStatus::InProgress
        };
        let progress = if status == MeasureStatus::Completed {
            100
        } else {
            rng.below(90) as i32
        };
        rows.push((
            measures::campaign_id.eq(campaign.id),
            measures::unit_id.eq(unit_id),
            measures::title.eq(format!(
                "{}{}（第{}项）",
                ACTIONS[rng.below(ACTIONS.len())],
                OBJECTS[rng.below(OBJECTS.len())],
                i + 1
            )),
            measures::content.eq("结合本单位实际，细化任务分工，明确完成时限，按月调度推进。"),
            measures::category
                .eq(MeasureCategory::ALL[rng.below(MeasureCategory::ALL.len())].code()),
            measures::carrier.eq(Carrier::ALL[rng.below(Carrier::ALL.len())].code()),
            measures::lead_tag.eq(LeadTag::ALL[rng.below(LeadTag::ALL.len())].code()),
            measures::indicator.eq("完成率"),
            measures::target_value.eq(Some(100.0)),
            measures::target_unit.eq("%"),
            measures::owner.eq(["张伟", "王芳", "李强", "刘敏", "陈杰"][rng.below(5)]),
            measures::deadline.eq(deadline),
            measures::status.eq(status.code()),
            measures::progress.eq(progress),
            measures::created_at.eq(now),
            measures::updated_at.eq(now),
        ));
    }
    let mut measure_ids: Vec<i32> = Vec::new();
    for chunk in rows.chunks(500) {
        let ids: Vec<i32> = write_tx(conn, |c| {
            crate::per_backend!(c, |c| diesel::insert_into(measures::table)
                .values(chunk)
                .returning(measures::id)
                .get_results(c))
        })?;
        measure_ids.extend(ids);
    }
    if !goals.is_empty() {
        let links: Vec<_> = measure_ids
            .iter()
            .map(|id| {
                (
                    measure_goals::measure_id.eq(*id),
                    measure_goals::goal_id.eq(goals[rng.below(goals.len())].id),
                )
            })
            .collect();
        for chunk in links.chunks(2000) {
            write_tx(conn, |c| {
                crate::per_backend!(c, |c| diesel::insert_into(measure_goals::table)
                    .values(chunk)
                    .execute(c))
            })?;
        }
    }

    // 配档表: one per branch while items last, five items each.
    let tables_needed = size.items.div_ceil(5).min(branch_ids.len().max(1));
    let table_rows: Vec<_> = branch_ids
        .iter()
        .take(tables_needed)
        .map(|u| {
            (
                rect_tables::campaign_id.eq(campaign.id),
                rect_tables::unit_id.eq(*u),
                rect_tables::title.eq("作风建设问题整改工作配档表"),
                rect_tables::created_at.eq(now),
                rect_tables::updated_at.eq(now),
            )
        })
        .collect();
    let mut tables: Vec<(i32, i32)> = Vec::new();
    for chunk in table_rows.chunks(500) {
        let ids: Vec<(i32, i32)> = write_tx(conn, |c| {
            crate::per_backend!(c, |c| diesel::insert_into(rect_tables::table)
                .values(chunk)
                .returning((rect_tables::id, rect_tables::unit_id))
                .get_results(c))
        })?;
        tables.extend(ids);
    }
    let mut items = Vec::with_capacity(size.items);
    for i in 0..size.items {
        let (table_id, unit_id) = tables[i % tables.len().max(1)];
        let deadline = start + Duration::days(rng.below(365) as i64);
        let status = if deadline < today && rng.below(3) > 0 {
            RectStatus::Closed
        } else {
            RectStatus::ALL[rng.below(4)]
        };
        items.push((
            rect_items::table_id.eq(table_id),
            rect_items::campaign_id.eq(campaign.id),
            rect_items::unit_id.eq(unit_id),
            rect_items::seq.eq((i / tables.len().max(1)) as i32 + 1),
            rect_items::area.eq(RectArea::ALL[rng.below(3)].code()),
            rect_items::source.eq("2026年度党建工作检查"),
            rect_items::problem.eq(format!(
                "{}不到位（问题{}）",
                OBJECTS[rng.below(OBJECTS.len())],
                i + 1
            )),
            rect_items::cause.eq("制度执行不严，过程管控不细。"),
            rect_items::measure.eq("修订制度，明确责任，逐项销号。"),
            rect_items::requirement.eq("按期完成整改并提交佐证材料。"),
            rect_items::responsible.eq(["张伟", "王芳", "李强"][rng.below(3)]),
            rect_items::deadline.eq(deadline),
            rect_items::original_deadline.eq(deadline),
            rect_items::status.eq(status.code()),
            rect_items::created_at.eq(now),
            rect_items::updated_at.eq(now),
        ));
    }
    for chunk in items.chunks(500) {
        write_tx(conn, |c| {
            crate::per_backend!(c, |c| diesel::insert_into(rect_items::table)
                .values(chunk)
                .execute(c))
        })?;
    }
    // Fresh statistics for the planner on both backends.
    diesel::connection::SimpleConnection::batch_execute(conn, "ANALYZE")?;
    Ok(format!(
        "已生成：{} 个党总支、{} 个党支部、{} 条践行举措、{} 个配档表、{} 条整改事项（{} 年度）。",
        size.general_branches,
        branch_ids.len(),
        measure_ids.len(),
        tables.len(),
        size.items,
        campaign.year
    ))
}

fn add_user(
    c: &mut DbConn,
    username: &str,
    unit_name: &str,
    role: Role,
    unit_id: i32,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let exists: i64 = users::table
        .filter(users::username.eq(username))
        .count()
        .get_result(c)?;
    if exists == 0 {
        diesel::insert_into(users::table)
            .values((
                users::username.eq(username),
                users::display_name.eq(format!(
                    "{unit_name}{}",
                    match role {
                        Role::Reviewer => "书记",
                        Role::Secretary => "支部书记",
                        Role::Office => "管理员",
                        Role::Viewer => "领导",
                    }
                )),
                users::password_hash.eq(hash),
                users::role.eq(role.code()),
                users::unit_id.eq(unit_id),
                users::active.eq(true),
                users::must_change_password.eq(false),
                users::created_at.eq(now),
                users::updated_at.eq(now),
            ))
            .execute(c)?;
    }
    Ok(())
}
