//! Demo practice measures (践行举措): the article's 600+ measures for 2022, mostly done, and
//! about ten per branch for the current year with deadlines around today, so that some
//! lights are red, some yellow and most green.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

use crate::db::models::campaigns::{self, Campaign};
use crate::db::models::measures::{self, BulkMeasure, MeasureFields};
use crate::db::models::units;
use crate::db::DbConn;
use crate::domain::register::{Carrier, LeadTag, MeasureCategory, MeasureStatus};

/// (unit code, main lines of work) — titles are built as "{line}{action}". The units of the
/// article's registers (600+ measures, 15 配档表); the later branches have none.
pub const UNIT_WORK: &[(&str, [&str; 4])] = &[
    ("ZZ01", ["机关作风", "服务基层", "制度建设", "机关效能"]),
    ("ZB01", ["公文办理", "会务保障", "督查督办", "档案管理"]),
    ("ZB02", ["党员教育", "支部建设", "宣传报道", "群团工作"]),
    ("ZB03", ["资金结算", "成本管控", "预算执行", "财务报账"]),
    ("ZB04", ["技术评审", "标准规范", "科技创新", "质量管理"]),
    ("ZZ02", ["项目监理", "监理规范", "人才培养", "市场经营"]),
    ("ZB05", ["现场监理", "旁站监理", "安全巡查", "隐患排查"]),
    ("ZB06", ["公路监理", "质量抽检", "进度管控", "监理日志"]),
    ("ZB07", ["市政监理", "安全监理", "计量支付", "监理资料"]),
    ("ZZ03", ["检测业务", "资质管理", "市场开拓", "能力验证"]),
    ("ZB08", ["检测报告", "样品管理", "检测数据", "委托受理"]),
    ("ZB09", ["试验检测", "仪器检定", "试验数据", "环境监测"]),
    ("ZB10", ["桥梁检测", "隧道检测", "病害排查", "荷载试验"]),
    ("ZB11", ["设计方案", "施工图设计", "设计变更", "设计回访"]),
    ("ZB12", ["造价审核", "结算审计", "清单编制", "全过程咨询"]),
];

const ACTIONS: [&str; 12] = [
    "提质增效行动",
    "流程优化攻坚",
    "限时办结承诺",
    "标准化提升工程",
    "规范化管理专项",
    "“党员先锋岗”创建",
    "作风问题专项整治",
    "数字化转型试点",
    "服务质量提升计划",
    "“一岗双责”落实",
    "精细化管理示范",
    "能力素质提升培训",
];

const DOING: [&str; 6] = [
    "梳理现有工作流程，明确责任分工和办结时限，每月通报进展",
    "组建党员骨干团队，对标先进单位查找差距，形成问题清单逐项销号",
    "建立工作台账，实行周调度、月通报，确保举措按期落地见效",
    "开展专题培训和岗位练兵，提升业务能力，以考促学、以学促干",
    "制定量化考核指标，纳入支部年度考核，对落实不力的及时约谈提醒",
    "深入项目一线调研，听取业主和员工意见，整改措施限期落实",
];

const OWNERS: [&str; 16] = [
    "王立新",
    "陈静",
    "赵刚",
    "孙丽娟",
    "周明",
    "吴海燕",
    "郑伟",
    "冯涛",
    "何雪",
    "许建军",
    "曹磊",
    "彭芳",
    "韩冰",
    "蒋志强",
    "沈玉兰",
    "杨帆",
];

/// (indicator, target value, unit of measure) by category.
fn target(category: MeasureCategory, i: usize, line: &str) -> (String, Option<f64>, String) {
    match category {
        MeasureCategory::Production => match i % 4 {
            0 => (format!("{line}一次合格率"), Some(98.0), "%".into()),
            1 => (format!("{line}按期完成率"), Some(100.0), "%".into()),
            2 => ("客户满意度".into(), Some(95.0), "%".into()),
            _ => (
                "新签合同额".into(),
                Some(1200.0 + (i % 5) as f64 * 300.0),
                "万元".into(),
            ),
        },
        MeasureCategory::Breakthrough => match i % 2 {
            0 => (
                "攻坚项目完成数".into(),
                Some(2.0 + (i % 3) as f64),
                "项".into(),
            ),
            _ => (
                "问题整改销号数".into(),
                Some(8.0 + (i % 5) as f64),
                "项".into(),
            ),
        },
        MeasureCategory::Brand => match i % 2 {
            0 => ("品牌宣传报道".into(), Some(6.0), "篇".into()),
            _ => ("子品牌创建".into(), Some(1.0), "个".into()),
        },
        MeasureCategory::Other => match i % 3 {
            0 => ("开展专题活动".into(), Some(4.0), "次".into()),
            1 => (
                "覆盖党员人数".into(),
                Some(20.0 + (i % 4) as f64 * 5.0),
                "人".into(),
            ),
            _ => (String::new(), None, String::new()),
        },
    }
}

fn category_of(i: usize) -> MeasureCategory {
    match i % 20 {
        0..=7 => MeasureCategory::Production,
        8..=12 => MeasureCategory::Breakthrough,
        13..=15 => MeasureCategory::Brand,
        _ => MeasureCategory::Other,
    }
}

fn carrier_of(category: MeasureCategory, i: usize) -> Carrier {
    match (category, i % 3) {
        (MeasureCategory::Breakthrough, _) => Carrier::Assault,
        (_, 0) => Carrier::Vanguard,
        (_, 1) => Carrier::NoCarrier,
        _ => Carrier::Assault,
    }
}

fn lead_tag_of(i: usize) -> LeadTag {
    LeadTag::ALL[i % LeadTag::ALL.len()]
}

/// A measure of unit number `u` (index into UNIT_WORK), number `i` within the unit.
fn base_fields(
    u: usize,
    i: usize,
    unit_id: i32,
    goal_ids: &[i32],
    deadline: NaiveDate,
) -> MeasureFields {
    let (_, lines) = UNIT_WORK[u];
    let line = lines[i % 4];
    let action = ACTIONS[(i / 4 + u) % ACTIONS.len()];
    let category = category_of(i + u);
    let (indicator, target_value, target_unit) = target(category, i + u, line);
    let mut goals = Vec::new();
    if !goal_ids.is_empty() {
        let first = (i * 7 + u * 3) % goal_ids.len();
        goals.push(goal_ids[first]);
        if i.is_multiple_of(3) {
            goals.push(goal_ids[(first + 5) % goal_ids.len()]);
        }
    }
    MeasureFields {
        unit_id,
        goal_ids: goals,
        title: format!("{line}{action}"),
        content: format!("围绕{line}工作，{}。", DOING[(i + u) % DOING.len()]),
        category,
        carrier: carrier_of(category, i + u),
        lead_tag: lead_tag_of(i + 2 * u),
        indicator,
        target_value,
        target_unit,
        owner: OWNERS[(i * 5 + u) % OWNERS.len()].to_string(),
        deadline,
        status: MeasureStatus::NotStarted,
        progress: 0,
    }
}

pub fn seed(
    c: &mut DbConn,
    campaigns: &[Campaign],
    today: NaiveDate,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    let mut units_found = Vec::new();
    for (u, (code, _)) in UNIT_WORK.iter().enumerate() {
        if let Some(unit) = units::by_code(c, code)? {
            units_found.push((u, unit));
        }
    }
    for campaign in campaigns {
        if measures::count_in_campaign(c, campaign.id)? > 0 {
            continue;
        }
        let goal_ids: Vec<i32> = campaigns::goals(c, campaign.id)?
            .iter()
            .map(|g| g.id)
            .collect();
        let rows = if campaign.year == 2022 && today.year() != 2022 {
            article_year(&units_found, &goal_ids)
        } else {
            current_year(&units_found, &goal_ids, today, now)
        };
        measures::insert_many(c, campaign.id, &rows, None)?;
    }
    Ok(())
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// 2022: 42 measures per unit over 15 units (630), almost all completed by year end.
fn article_year(units_found: &[(usize, units::Unit)], goal_ids: &[i32]) -> Vec<BulkMeasure> {
    let mut rows = Vec::new();
    for (u, unit) in units_found {
        for i in 0..42 {
            let month = 3 + (i % 10) as u32;
            let deadline = ymd(2022, month, if i % 2 == 0 { 15 } else { 28 });
            let mut f = base_fields(*u, i, unit.id, goal_ids, deadline);
            let created = ymd(2022, 3, 1).and_hms_opt(1, 0, 0).unwrap_or_default();
            let updated = deadline.and_hms_opt(8, 0, 0).unwrap_or_default();
            match (i + u) % 21 {
                0 => {
                    f.status = MeasureStatus::Closed;
                    f.progress = 60;
                }
                7 => {
                    f.status = MeasureStatus::InProgress;
                    f.progress = 85;
                }
                _ => {
                    f.status = MeasureStatus::Completed;
                    f.progress = 100;
                }
            }
            rows.push(BulkMeasure {
                unit_id: unit.id,
                fields: f,
                created_at: created,
                updated_at: updated,
            });
        }
    }
    rows
}

/// The current year: ten measures per branch — one overdue, one due within the week, two
/// done, the rest due later.
fn current_year(
    units_found: &[(usize, units::Unit)],
    goal_ids: &[i32],
    today: NaiveDate,
    now: NaiveDateTime,
) -> Vec<BulkMeasure> {
    let mut rows = Vec::new();
    for (u, unit) in units_found {
        if unit.code.starts_with("ZZ") {
            continue;
        }
        for i in 0..10usize {
            let (deadline, status, progress) = match i {
                0 => (
                    today - Duration::days(3 + (*u as i64 % 5)),
                    MeasureStatus::InProgress,
                    50,
                ),
                1 => (
                    today + Duration::days(*u as i64 % 7),
                    MeasureStatus::InProgress,
                    80,
                ),
                2 | 3 => (
                    today - Duration::days(20 + i as i64 * 5),
                    MeasureStatus::Completed,
                    100,
                ),
                _ => (
                    today + Duration::days(10 + (i as i64) * 9 + (*u as i64 % 4)),
                    if i % 2 == 0 {
                        MeasureStatus::InProgress
                    } else {
                        MeasureStatus::NotStarted
                    },
                    if i % 2 == 0 { 20 + (i as i32) * 5 } else { 0 },
                ),
            };
            let mut f = base_fields(*u, i + 3, unit.id, goal_ids, deadline);
            f.status = status;
            f.progress = progress;
            rows.push(BulkMeasure {
                unit_id: unit.id,
                fields: f,
                created_at: now,
                updated_at: now,
            });
        }
    }
    rows
}
