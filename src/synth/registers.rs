//! The registers of each campaign year: measures (with their goals), one 配档表 per branch
//! and its rectification items. Past years mostly completed and closed.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{at, insert_ids, insert_rows, Synth, SynthSize};
use crate::db::models::campaigns;
use crate::db::schema::{measure_goals, measures, rect_items, rect_tables};
use crate::db::DbConn;
use crate::domain::register::{
    Carrier, LeadTag, MeasureCategory, MeasureStatus, RectArea, RectStatus,
};

const ACTIONS: &[&str] = &["提升", "规范", "优化", "强化", "完善", "推进"];
pub(super) const OBJECTS: &[&str] = &[
    "监理日志填写质量",
    "检测报告审核流程",
    "安全生产隐患排查",
    "党员先锋岗创建",
    "合同履约管理",
    "项目现场标准化",
    "党费收缴使用管理",
    "三会一课记录",
];
const OWNERS: &[&str] = &["张伟", "王芳", "李强", "刘敏", "陈杰"];

/// A measure or item as a monthly report line needs it.
pub(super) struct Ref {
    pub measure: bool,
    pub id: i32,
    pub title: String,
    pub deadline: NaiveDate,
    pub status: &'static str,
    pub progress: i32,
}

/// Per campaign year (index into `years`), per branch (index into `branches`), its refs:
/// measures first, then items.
pub(super) type Refs = Vec<Vec<Vec<Ref>>>;

#[derive(Insertable)]
#[diesel(table_name = measures)]
struct NewMeasure {
    campaign_id: i32,
    unit_id: i32,
    title: String,
    content: &'static str,
    category: &'static str,
    carrier: &'static str,
    lead_tag: &'static str,
    indicator: &'static str,
    target_value: Option<f64>,
    target_unit: &'static str,
    owner: &'static str,
    deadline: NaiveDate,
    status: &'static str,
    progress: i32,
    closed_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = rect_items)]
struct NewItem {
    table_id: i32,
    campaign_id: i32,
    unit_id: i32,
    seq: i32,
    area: &'static str,
    source: String,
    problem: String,
    cause: &'static str,
    measure: &'static str,
    requirement: &'static str,
    responsible: &'static str,
    deadline: NaiveDate,
    original_deadline: NaiveDate,
    status: &'static str,
    accepted_by: Option<i32>,
    accepted_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

pub(super) fn fill(s: &mut Synth<'_>, c: &mut DbConn, size: &SynthSize) -> anyhow::Result<Refs> {
    let nb = s.branches.len().max(1);
    let per_measures = size.measures.unwrap_or(20 * nb);
    let per_items = size.items.unwrap_or(5 * nb);
    let mut refs: Refs = Vec::new();
    let (mut n_measures, mut n_links, mut n_tables, mut n_items) = (0, 0, 0, 0);
    let years: Vec<(i32, i32)> = s.years.iter().map(|y| (y.id, y.year)).collect();
    for (campaign_id, year) in years {
        let mut by_branch: Vec<Vec<Ref>> = (0..nb).map(|_| Vec::new()).collect();
        let current = s.is_current(year);
        let created = at(
            NaiveDate::from_ymd_opt(year, 1, 10).unwrap_or(s.today),
            1,
            0,
        )
        .min(s.now);
        let ends = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(s.today);
        let updated = if current { s.now } else { at(ends, 8, 0) };

        // Measures.
        let mut rows = Vec::with_capacity(per_measures);
        for i in 0..per_measures {
            let branch = i % nb;
            let deadline = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(s.today)
                + chrono::Duration::days(s.rng.below(365) as i64);
            let past = deadline < s.today;
            let status = if !current {
                match s.rng.below(20) {
                    0 => MeasureStatus::Closed,
                    1 => MeasureStatus::InProgress,
                    _ => MeasureStatus::Completed,
                }
            } else if past && s.rng.below(4) > 0 {
                MeasureStatus::Completed
            } else if s.rng.below(3) == 0 {
                MeasureStatus::NotStarted
            } else {
                MeasureStatus::InProgress
            };
            let progress = match status {
                MeasureStatus::Completed => 100,
                MeasureStatus::NotStarted => 0,
                MeasureStatus::InProgress => 10 + s.rng.below(85) as i32,
                MeasureStatus::Closed => 40 + s.rng.below(50) as i32,
            };
            let title = format!(
                "{}{}（第{}项）",
                ACTIONS[s.rng.below(ACTIONS.len())],
                OBJECTS[s.rng.below(OBJECTS.len())],
                i + 1
            );
            rows.push(NewMeasure {
                campaign_id,
                unit_id: s.branches[branch].id,
                title,
                content: "结合本单位实际，细化任务分工，明确完成时限，按月调度推进。",
                category: MeasureCategory::ALL[s.rng.below(MeasureCategory::ALL.len())].code(),
                carrier: Carrier::ALL[s.rng.below(Carrier::ALL.len())].code(),
                lead_tag: LeadTag::ALL[s.rng.below(LeadTag::ALL.len())].code(),
                indicator: "完成率",
                target_value: Some(100.0),
                target_unit: "%",
                owner: OWNERS[s.rng.below(OWNERS.len())],
                deadline,
                status: status.code(),
                progress,
                closed_at: (status == MeasureStatus::Closed)
                    .then(|| at(deadline.min(s.today), 2, 0).min(s.now)),
                created_at: created,
                updated_at: updated,
            });
        }
        let ids = insert_ids!(s, c, measures::table, measures::id, rows);
        let goals = campaigns::goals(c, campaign_id)?;
        if !goals.is_empty() {
            let links: Vec<_> = ids
                .iter()
                .map(|id| {
                    (
                        measure_goals::measure_id.eq(*id),
                        measure_goals::goal_id.eq(goals[s.rng.below(goals.len())].id),
                    )
                })
                .collect();
            n_links += insert_rows!(s, c, measure_goals::table, links);
        }
        for (i, (row, id)) in rows.into_iter().zip(ids).enumerate() {
            by_branch[i % nb].push(Ref {
                measure: true,
                id,
                title: row.title,
                deadline: row.deadline,
                status: row.status,
                progress: row.progress,
            });
        }
        n_measures += per_measures;

        // 配档表: one per branch while items last.
        let tables_needed = per_items.div_ceil(5).min(nb);
        let table_rows: Vec<_> = s
            .branches
            .iter()
            .take(tables_needed)
            .map(|b| {
                (
                    rect_tables::campaign_id.eq(campaign_id),
                    rect_tables::unit_id.eq(b.id),
                    rect_tables::title.eq("作风建设问题整改工作配档表"),
                    rect_tables::created_at.eq(created),
                    rect_tables::updated_at.eq(updated),
                )
            })
            .collect();
        let tables = insert_ids!(s, c, rect_tables::table, rect_tables::id, table_rows);
        n_tables += tables.len();
        let nt = tables.len().max(1);
        let source = format!("{year}年度党建工作检查");
        let mut items = Vec::with_capacity(per_items);
        for i in 0..per_items {
            if tables.is_empty() {
                break;
            }
            let branch = i % nt;
            let deadline = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(s.today)
                + chrono::Duration::days(s.rng.below(365) as i64);
            let status = if !current {
                if s.rng.below(10) > 0 {
                    RectStatus::Closed
                } else {
                    RectStatus::ALL[s.rng.below(4)]
                }
            } else if deadline < s.today && s.rng.below(3) > 0 {
                RectStatus::Closed
            } else {
                RectStatus::ALL[s.rng.below(4)]
            };
            let closed = status == RectStatus::Closed;
            items.push(NewItem {
                table_id: tables[branch],
                campaign_id,
                unit_id: s.branches[branch].id,
                seq: (i / nt) as i32 + 1,
                area: RectArea::ALL[s.rng.below(3)].code(),
                source: source.clone(),
                problem: format!(
                    "{}不到位（问题{}）",
                    OBJECTS[s.rng.below(OBJECTS.len())],
                    i + 1
                ),
                cause: "制度执行不严，过程管控不细。",
                measure: "修订制度，明确责任，逐项销号。",
                requirement: "按期完成整改并提交佐证材料。",
                responsible: ["张伟", "王芳", "李强"][s.rng.below(3)],
                deadline,
                original_deadline: deadline,
                status: status.code(),
                accepted_by: closed.then_some(s.generals[s.branches[branch].general].reviewer),
                accepted_at: closed.then(|| at(deadline.min(s.today), 3, 0).min(s.now)),
                created_at: created,
                updated_at: updated,
            });
        }
        let items_len = items.len();
        let ids = insert_ids!(s, c, rect_items::table, rect_items::id, items);
        for (i, (row, id)) in items.into_iter().zip(ids).enumerate() {
            by_branch[i % nt].push(Ref {
                measure: false,
                id,
                title: row.problem,
                deadline: row.deadline,
                status: row.status,
                progress: 0,
            });
        }
        n_items += items_len;
        refs.push(by_branch);
    }
    s.count("践行举措", n_measures);
    s.count("举措目标关联", n_links);
    s.count("配档表", n_tables);
    s.count("整改事项", n_items);
    Ok(refs)
}
