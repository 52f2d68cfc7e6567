//! Demo rectification data: the 15 配档表 of 2022 (one per branch and one per general branch,
//! mostly closed after acceptance) and a current year whose items are red, yellow and green
//! today; an approved and a pending extension request; the task force and a supervision note.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::campaigns::{self, Campaign};
use crate::db::models::rect::{self, ItemFields, NewItem, RectTable};
use crate::db::models::units::{self, Unit};
use crate::db::models::{taskforce, users};
use crate::db::schema::{rect_extensions, rect_items, rect_tables};
use crate::db::DbConn;
use crate::domain::register::{ExtensionStatus, RectArea, RectStatus};
use crate::domain::{Role, UnitKind};

const SOURCES: [&str; 7] = [
    "党委巡察反馈",
    "上级党建工作检查反馈",
    "安全生产大检查",
    "质量管理体系内部审核",
    "内部审计整改通知",
    "作风建设专项督查",
    "职工群众来信反映",
];

/// (area, problem, cause, measure, requirement)
const PROBLEMS: [(RectArea, &str, &str, &str, &str); 24] = [
    (
        RectArea::Frontline,
        "监理日志填写不规范，部分日志缺少旁站记录",
        "现场监理人员对日志填写标准掌握不一，项目总监审核把关不严",
        "组织监理日志填写专题培训，制定日志填写样板，项目总监每周抽查签认",
        "12月底前完成全部在监项目日志自查",
    ),
    (
        RectArea::Headquarters,
        "会议纪要签批流程不完整，个别纪要未经分管领导审签即印发",
        "公文流转制度执行不到位，对纪要印发环节缺少节点控制",
        "修订会议纪要管理办法，在办公系统中增设审签节点",
        "制度修订后报党委会审议",
    ),
    (
        RectArea::Frontline,
        "安全检查记录缺少整改闭环，隐患整改复查签字不全",
        "检查重发现、轻复查，隐患台账未与整改通知单对应",
        "建立隐患整改台账，实行“检查—通知—整改—复查—销号”闭环管理",
        "每月25日前报送隐患整改台账",
    ),
    (
        RectArea::Leaders,
        "领导干部深入一线调研次数偏少，调研成果转化不够",
        "日常事务性工作占用时间较多，调研计划刚性不足",
        "制定领导班子成员年度调研计划，每人每季度至少深入项目一线两次",
        "调研报告在班子会上交流",
    ),
    (
        RectArea::Frontline,
        "检测报告出具超时，部分委托检测未在约定周期内完成",
        "检测任务排程粗放，设备周转与人员配置不匹配",
        "推行检测任务排程表，关键设备增配备用，超期报告实行周通报",
        "报告按期出具率达到98%以上",
    ),
    (
        RectArea::Headquarters,
        "合同评审记录不完整，个别合同缺少法务审核意见",
        "合同评审流程节点多，部门间衔接不畅",
        "优化合同评审流程，法务审核作为必经节点纳入系统管控",
        "完成近两年合同评审记录补正",
    ),
    (
        RectArea::Frontline,
        "造价审核底稿归档不及时，部分项目底稿缺失",
        "项目完成后归档意识不强，档案移交无时限要求",
        "明确底稿归档时限为项目完成后15个工作日，纳入绩效考核",
        "年底前完成底稿补档",
    ),
    (
        RectArea::Leaders,
        "“三会一课”领导干部讲党课内容与业务结合不紧",
        "备课不充分，对本单位生产经营难点研究不深",
        "领导干部讲党课前开展专题调研，围绕项目难点选题",
        "党课讲稿报党总支审核",
    ),
    (
        RectArea::Headquarters,
        "部门之间工作推诿，跨部门事项办理时限过长",
        "职责边界不清，缺少牵头部门和办理时限规定",
        "梳理跨部门事项清单，明确牵头部门和办结时限，实行首问负责制",
        "清单在内网公开",
    ),
    (
        RectArea::Frontline,
        "设计变更审批滞后，影响现场施工进度",
        "变更审批层级多，设计代表驻场时间不足",
        "简化一般设计变更审批流程，重点项目设计代表常驻现场",
        "一般变更3个工作日内批复",
    ),
    (
        RectArea::Headquarters,
        "财务报销审核标准不统一，退单率较高",
        "报销标准宣传不足，审核口径前后不一",
        "编制报销业务指南，统一审核口径，开展报销业务答疑",
        "退单率下降50%",
    ),
    (
        RectArea::Leaders,
        "个别领导干部落实“一岗双责”不到位，分管领域党建工作过问少",
        "重业务轻党建的观念仍然存在",
        "签订党建工作责任书，将分管领域党建工作纳入述职评议",
        "年度述职中专题报告",
    ),
    (
        RectArea::Frontline,
        "试验室仪器设备检定标识不全，部分设备超期未检",
        "设备台账更新不及时，检定计划执行不严",
        "全面清查设备台账，制定年度检定计划并张贴状态标识",
        "超期设备一律停用",
    ),
    (
        RectArea::Headquarters,
        "档案管理不规范，党建档案分类与归档不统一",
        "档案管理人员兼职且变动频繁，缺少统一目录",
        "按照标准化规范化建设指导意见统一党建档案目录，开展档案专项整理",
        "各支部档案12月底前完成整理",
    ),
    (
        RectArea::Frontline,
        "项目部人员持证上岗检查不到位，个别岗位人证不符",
        "人员调配频繁，项目部未及时更新人员备案",
        "开展人员资格专项核查，建立项目人员动态备案制度",
        "人证相符率100%",
    ),
    (
        RectArea::Leaders,
        "领导干部联系基层制度落实不到位，联系点走访流于形式",
        "走访计划不具体，问题收集后缺少跟踪督办",
        "完善联系点制度，走访问题建立台账并跟踪销号",
        "每季度通报一次",
    ),
    (
        RectArea::Headquarters,
        "对基层请示事项答复不及时，个别请示超过一个月未回复",
        "请示办理缺少时限管理和催办机制",
        "建立请示事项办理台账，实行限时办结和超时督办",
        "一般请示10个工作日内答复",
    ),
    (
        RectArea::Frontline,
        "桥隧检测外业记录签认不全，原始记录存在涂改",
        "外业记录管理要求不明确，复核人员复核不细",
        "统一外业记录表格，推行记录即时签认和复核留痕",
        "原始记录规范率100%",
    ),
    (
        RectArea::Frontline,
        "监理例会纪要未及时分发，参建单位对会议要求落实不力",
        "纪要整理责任人不明确，分发渠道单一",
        "明确例会纪要24小时内整理分发，建立会议要求落实跟踪表",
        "下次例会通报上次要求落实情况",
    ),
    (
        RectArea::Headquarters,
        "培训计划执行率不高，部分培训项目未按期开展",
        "计划编制与业务高峰期冲突，缺少调整机制",
        "按季度滚动调整培训计划，结合线上方式组织培训",
        "年度培训计划执行率达到90%",
    ),
    (
        RectArea::Leaders,
        "领导班子民主生活会批评与自我批评辣味不足",
        "会前谈心谈话不深入，查摆问题避重就轻",
        "会前开展班子成员间谈心谈话全覆盖，问题查摆具体到事到人",
        "整改清单报上级党组织",
    ),
    (
        RectArea::Frontline,
        "现场材料见证取样记录不完整，取样数量不足",
        "见证人员责任心不强，对规范取样频率掌握不准",
        "组织见证取样规范培训，建立取样台账并逐批核对",
        "取样频率符合规范要求",
    ),
    (
        RectArea::Headquarters,
        "办公用房和公务用车管理台账更新不及时",
        "资产变动未及时登记，台账管理责任未落实到人",
        "落实台账专人管理，每月核对一次实物与台账",
        "12月底前完成全面清查",
    ),
    (
        RectArea::Frontline,
        "投标文件编制质量不高，技术标存在照搬模板现象",
        "编标时间紧，技术人员参与不够",
        "建立编标技术支撑小组，重要项目技术标实行专家评审",
        "技术标评审意见闭环",
    ),
];

const PEOPLE: [&str; 12] = [
    "陈立新",
    "赵敏",
    "孙海涛",
    "周静",
    "吴志强",
    "郑丽",
    "冯涛",
    "何晓燕",
    "许军",
    "吕芳",
    "施建华",
    "韩雪",
];

fn fields(k: usize, year_source: i32, deadline: NaiveDate, status: RectStatus) -> ItemFields {
    let (area, problem, cause, measure, requirement) = PROBLEMS[k % PROBLEMS.len()];
    ItemFields {
        area,
        source: format!("{year_source}年{}", SOURCES[k % SOURCES.len()]),
        problem: problem.to_string(),
        cause: cause.to_string(),
        measure: measure.to_string(),
        requirement: requirement.to_string(),
        responsible: PEOPLE[(k * 7) % PEOPLE.len()].to_string(),
        deadline,
        status,
    }
}

fn new_table(
    c: &mut DbConn,
    campaign: &Campaign,
    unit: &Unit,
    now: NaiveDateTime,
) -> QueryResult<RectTable> {
    rect::insert_table(
        c,
        campaign.id,
        unit.id,
        &format!("{}作风建设问题整改工作配档表", unit.name),
        None,
        now,
    )
}

fn has_tables(c: &mut DbConn, campaign_id: i32) -> QueryResult<bool> {
    let n: i64 = rect_tables::table
        .filter(rect_tables::campaign_id.eq(campaign_id))
        .count()
        .get_result(c)?;
    Ok(n > 0)
}

/// Tables and items of the demo campaigns (run inside the demo's write transaction).
pub fn seed(
    c: &mut DbConn,
    campaigns: &[Campaign],
    today: NaiveDate,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    let all = units::all(c)?;
    let branches: Vec<&Unit> = all
        .iter()
        .filter(|u| u.kind() == UnitKind::Branch)
        // The article's 15 配档表: the registers' 12 branches and the 3 general branches.
        .filter(|u| {
            super::measures::UNIT_WORK
                .iter()
                .any(|(code, _)| *code == u.code)
        })
        .collect();
    let generals: Vec<&Unit> = all
        .iter()
        .filter(|u| u.kind() == UnitKind::GeneralBranch)
        .collect();
    for campaign in campaigns {
        if has_tables(c, campaign.id)? {
            continue;
        }
        if campaign.year == today.year() {
            seed_current(c, campaign, &branches, today, now)?;
        } else {
            seed_past(c, campaign, &branches, &generals, now)?;
        }
    }
    Ok(())
}

/// A finished year: 15 tables (branches, then general branches), mostly closed.
fn seed_past(
    c: &mut DbConn,
    campaign: &Campaign,
    branches: &[&Unit],
    generals: &[&Unit],
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    let year = campaign.year;
    let accepted_at = NaiveDate::from_ymd_opt(year, 12, 20)
        .and_then(|d| d.and_hms_opt(2, 0, 0))
        .unwrap_or(now);
    let mut rows = Vec::new();
    let mut k = 0usize;
    for (t, unit) in branches.iter().chain(generals.iter()).enumerate() {
        let table = new_table(c, campaign, unit, now)?;
        let n = 3 + (t * 5) % 6;
        for seq in 1..=n {
            let month = 4 + ((k * 3) % 8) as u32;
            let deadline =
                NaiveDate::from_ymd_opt(year, month, if k.is_multiple_of(2) { 30 } else { 15 })
                    .unwrap_or_else(|| {
                        NaiveDate::from_ymd_opt(year, month, 28).unwrap_or_default()
                    });
            // Mostly closed after acceptance; a few carried over as partial.
            let status = if k % 9 == 4 {
                RectStatus::Partial
            } else {
                RectStatus::Closed
            };
            let mut row = NewItem::new(
                &table,
                seq as i32,
                &fields(k, year, deadline, status),
                None,
                now,
            );
            if status == RectStatus::Closed {
                row.accepted_at = Some(accepted_at);
            }
            rows.push(row);
            k += 1;
        }
    }
    rect::insert_items(c, &rows)?;
    Ok(())
}

/// This year: one table per branch, deadlines around today.
fn seed_current(
    c: &mut DbConn,
    campaign: &Campaign,
    branches: &[&Unit],
    today: NaiveDate,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    let year = campaign.year;
    let day = |n: i64| today + Duration::days(n);
    let mut rows = Vec::new();
    let mut k = 5usize;
    for (t, unit) in branches.iter().enumerate() {
        let table = new_table(c, campaign, unit, now)?;
        // (days from today, status): red, yellow, green, and some done.
        let plan: Vec<(i64, RectStatus)> = if unit.code == "ZB01" {
            vec![
                (-5, RectStatus::InProgress),
                (3, RectStatus::NotStarted),
                (20, RectStatus::Partial),
                (10, RectStatus::AwaitingAcceptance),
            ]
        } else {
            let all = [
                (-3 - t as i64, RectStatus::InProgress),
                (2 + (t % 5) as i64, RectStatus::Partial),
                (15 + t as i64 * 2, RectStatus::NotStarted),
                (30, RectStatus::InProgress),
                (-30, RectStatus::Closed),
            ];
            all.into_iter().take(3 + t % 3).collect()
        };
        for (seq, (offset, status)) in plan.into_iter().enumerate() {
            let mut row = NewItem::new(
                &table,
                seq as i32 + 1,
                &fields(k, year, day(offset), status),
                None,
                now,
            );
            if status == RectStatus::Closed {
                row.accepted_at = Some(now - Duration::days(20));
            }
            rows.push(row);
            k += 1;
        }
    }
    rect::insert_items(c, &rows)?;

    // Extension requests: ZB01's green item was extended once; ZB02 waits for a decision.
    // Who asked and who decided are filled in by `seed_people`, once the accounts exist.
    let by_code: HashMap<&str, i32> = branches.iter().map(|u| (u.code.as_str(), u.id)).collect();
    let first_items = |c: &mut DbConn, code: &str| -> QueryResult<Vec<(i32, NaiveDate)>> {
        rect_items::table
            .filter(rect_items::campaign_id.eq(campaign.id))
            .filter(rect_items::unit_id.eq(by_code.get(code).copied().unwrap_or(0)))
            .order(rect_items::seq)
            .select((rect_items::id, rect_items::deadline))
            .load(c)
    };
    let zb01 = first_items(c, "ZB01")?;
    if let Some((id, deadline)) = zb01.get(2).copied() {
        let original = deadline - Duration::days(30);
        diesel::update(rect_items::table.find(id))
            .set(rect_items::original_deadline.eq(original))
            .execute(c)?;
        diesel::insert_into(rect_extensions::table)
            .values((
                rect_extensions::item_id.eq(id),
                rect_extensions::unit_id.eq(by_code.get("ZB01").copied().unwrap_or(0)),
                rect_extensions::old_deadline.eq(original),
                rect_extensions::new_deadline.eq(deadline),
                rect_extensions::reason.eq("涉及外部单位配合，制度修订需经职代会审议"),
                rect_extensions::status.eq(ExtensionStatus::Approved.code()),
                rect_extensions::requested_at.eq(now - Duration::days(35)),
                rect_extensions::decided_at.eq(Some(now - Duration::days(33))),
                rect_extensions::decision_comment.eq("同意延期，请按新时限完成"),
            ))
            .execute(c)?;
    }
    if let Some((id, deadline)) = first_items(c, "ZB02")?.first().copied() {
        diesel::insert_into(rect_extensions::table)
            .values((
                rect_extensions::item_id.eq(id),
                rect_extensions::unit_id.eq(by_code.get("ZB02").copied().unwrap_or(0)),
                rect_extensions::old_deadline.eq(deadline),
                rect_extensions::new_deadline.eq(deadline + Duration::days(30)),
                rect_extensions::reason.eq("财务系统升级改造推迟上线，报销指南需待系统上线后定稿"),
                rect_extensions::status.eq(ExtensionStatus::Pending.code()),
                rect_extensions::requested_at.eq(now - Duration::days(1)),
                rect_extensions::decision_comment.eq(""),
            ))
            .execute(c)?;
    }
    Ok(())
}

/// What needs the demo accounts: `admin` in the task force for ZZ02's branches, and one
/// supervision note of theirs. Run after the accounts exist; does nothing the second time.
pub fn seed_people(c: &mut DbConn, today: NaiveDate, now: NaiveDateTime) -> anyhow::Result<()> {
    let Some(admin) = users::by_username(c, "admin")? else {
        return Ok(());
    };
    name_extension_people(c, admin.id)?;
    if !taskforce::units_of(c, admin.id)?.is_empty() {
        return Ok(());
    }
    let Some(zz02) = units::by_code(c, "ZZ02")? else {
        return Ok(());
    };
    let branches = units::children(c, zz02.id)?;
    for b in &branches {
        taskforce::insert(c, admin.id, b.id, now)?;
    }
    let Some(first) = branches.first() else {
        return Ok(());
    };
    let Some(campaign) = campaigns::by_year(c, today.year())? else {
        return Ok(());
    };
    let item: Option<i32> = rect_items::table
        .filter(rect_items::campaign_id.eq(campaign.id))
        .filter(rect_items::unit_id.eq(first.id))
        .order(rect_items::deadline)
        .select(rect_items::id)
        .first(c)
        .optional()?;
    if let Some(id) = item {
        let item = rect::item(c, id)?;
        rect::insert_note(
            c,
            &item,
            Some(admin.id),
            "该事项已逾期，请支部于本周内报送整改进展和佐证材料，一线专班将到现场核查。",
            now,
        )?;
    }
    Ok(())
}

/// The demo's extension requests were asked for by their unit's secretary and decided by
/// the office, so the pages show names and not blanks.
fn name_extension_people(c: &mut DbConn, office: i32) -> QueryResult<()> {
    let unnamed: Vec<(i32, i32)> = rect_extensions::table
        .filter(rect_extensions::requested_by.is_null())
        .select((rect_extensions::id, rect_extensions::unit_id))
        .load(c)?;
    for (id, unit_id) in unnamed {
        let secretary = users::active_in_units(c, &[unit_id])?
            .into_iter()
            .find(|u| u.role() == Role::Secretary);
        if let Some(s) = secretary {
            diesel::update(rect_extensions::table.find(id))
                .set(rect_extensions::requested_by.eq(s.id))
                .execute(c)?;
        }
    }
    diesel::update(
        rect_extensions::table
            .filter(rect_extensions::decided_at.is_not_null())
            .filter(rect_extensions::decided_by.is_null()),
    )
    .set(rect_extensions::decided_by.eq(office))
    .execute(c)?;
    Ok(())
}
