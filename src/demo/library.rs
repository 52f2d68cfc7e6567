//! Demo template library (issue 12): the 7 areas and 85 templates of 基层党组织标准化规范化
//! 建设指导意见, each with a small real file made here (an .xlsx form: title, a line to fill
//! in, the header row and empty ruled rows), a few with a second, revised version, and some
//! download counts. Idempotent: an area that exists keeps its templates; an area with
//! templates gets none added.

use std::sync::OnceLock;

use chrono::{NaiveDate, NaiveDateTime};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};

use crate::db::models::campaigns::Campaign;
use crate::db::models::library::{self, AreaFields, NewVersion, TemplateFields};
use crate::db::DbConn;

/// Column sets of the forms, by kind.
const MEETING: &[&str] = &[
    "时间",
    "地点",
    "主持人",
    "记录人",
    "应到人数",
    "实到人数",
    "缺席人员及原因",
    "议题",
    "主要内容",
    "决议事项",
];
const REGISTER: &[&str] = &[
    "序号",
    "姓名",
    "性别",
    "出生年月",
    "入党时间",
    "职务",
    "联系电话",
    "备注",
];
const FLOW: &[&str] = &[
    "序号",
    "工作环节",
    "工作内容",
    "责任人",
    "时限要求",
    "依据",
    "完成情况",
];
const PLAN: &[&str] = &[
    "序号",
    "工作内容",
    "时间安排",
    "责任人",
    "完成标准",
    "完成情况",
];
const LEDGER: &[&str] = &["序号", "日期", "项目", "内容", "数量", "经办人", "备注"];
const DUES: &[&str] = &[
    "序号",
    "姓名",
    "月工资基数（元）",
    "缴纳比例",
    "应缴金额（元）",
    "实缴金额（元）",
    "缴纳日期",
    "备注",
];

/// The areas in order: (name, description, templates as (title, columns)).
type AreaSpec = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static [&'static str])],
);

const AREAS: &[AreaSpec] = &[
    (
        "组织设置",
        "党组织设立、换届选举、隶属关系和党小组设置。",
        &[
            ("党支部设立请示", FLOW),
            ("党支部设立批复登记表", LEDGER),
            ("党支部换届选举工作流程表", FLOW),
            ("党支部换届选举请示", FLOW),
            ("党员大会选举计票表", LEDGER),
            ("选举结果报告单", LEDGER),
            ("党支部委员候选人推荐表", REGISTER),
            ("党组织隶属关系变更登记表", LEDGER),
            ("党小组设置及组长名单", REGISTER),
            ("党支部基本信息表", LEDGER),
            ("联合党支部成员单位登记表", LEDGER),
            ("临时党支部设立登记表", LEDGER),
        ],
    ),
    (
        "班子建设",
        "支部委员会建设、委员分工、议事规则和书记抓党建责任。",
        &[
            ("支部委员会会议记录", MEETING),
            ("支部委员分工表", REGISTER),
            ("支部书记述职评议表", LEDGER),
            ("支部委员谈心谈话记录", MEETING),
            ("班子民主生活会征求意见表", LEDGER),
            ("支部委员培训登记表", REGISTER),
            ("支部书记抓党建工作责任清单", PLAN),
            ("班子成员联系党员登记表", REGISTER),
            ("支部委员会议事规则", FLOW),
            ("支部书记任期目标责任书", PLAN),
            ("支委会决议执行情况台账", LEDGER),
            ("支部班子年度考核表", LEDGER),
        ],
    ),
    (
        "党员队伍",
        "发展党员、党员教育管理、党费收缴和组织关系转接。",
        &[
            ("发展党员工作流程表", FLOW),
            ("入党申请人登记表", REGISTER),
            ("入党积极分子培养考察登记表", REGISTER),
            ("发展对象政治审查表", REGISTER),
            ("预备党员接收审批表", REGISTER),
            ("预备党员转正审批表", REGISTER),
            ("党费收缴登记表", DUES),
            ("党员花名册", REGISTER),
            ("党员组织关系转接登记表", REGISTER),
            ("流动党员登记表", REGISTER),
            ("党员积分管理考核表", LEDGER),
            ("党员承诺践诺登记表", LEDGER),
            ("困难党员帮扶登记表", REGISTER),
        ],
    ),
    (
        "组织生活",
        "“三会一课”、主题党日、组织生活会、民主评议党员和谈心谈话。",
        &[
            ("党员大会记录", MEETING),
            ("党小组会记录", MEETING),
            ("党课记录", MEETING),
            ("主题党日活动记录", MEETING),
            ("组织生活会记录", MEETING),
            ("民主评议党员测评表", LEDGER),
            ("党员学习教育签到表", REGISTER),
            ("谈心谈话记录", MEETING),
            ("“三会一课”年度计划表", PLAN),
            ("主题党日年度安排表", PLAN),
            ("专题学习研讨记录", MEETING),
            ("批评与自我批评情况登记表", LEDGER),
            ("组织生活会问题整改清单", PLAN),
        ],
    ),
    (
        "制度机制",
        "党支部各项工作制度和考核评价。",
        &[
            ("党支部工作制度汇编目录", LEDGER),
            ("“三会一课”制度", FLOW),
            ("党员发展工作制度", FLOW),
            ("党费收缴使用管理制度", FLOW),
            ("党务公开制度", FLOW),
            ("党员教育培训制度", FLOW),
            ("谈心谈话制度", FLOW),
            ("党员联系群众制度", FLOW),
            ("党支部工作考核评价表", LEDGER),
            ("支部书记抓党建述职评议考核表", LEDGER),
            ("党建工作责任制落实情况检查表", LEDGER),
            ("党内关怀帮扶制度", FLOW),
        ],
    ),
    (
        "阵地保障",
        "党员活动室、党建阵地、宣传栏、经费和党建资料档案。",
        &[
            ("党员活动室建设标准对照表", LEDGER),
            ("党建阵地使用登记表", LEDGER),
            ("党建宣传栏更新登记表", LEDGER),
            ("党建工作经费使用登记表", LEDGER),
            ("党员教育电教设备登记表", LEDGER),
            ("党建资料档案目录", LEDGER),
            ("党建阵地建设年度计划", PLAN),
            ("党报党刊订阅登记表", LEDGER),
            ("党建活动物资领用登记表", LEDGER),
            ("智慧党建平台使用台账", LEDGER),
            ("党员先锋岗设岗定责登记表", REGISTER),
            ("党员责任区划分表", REGISTER),
        ],
    ),
    (
        "工作运行",
        "工作计划、台账、总结、督办整改和信息报送。",
        &[
            ("党支部年度工作计划", PLAN),
            ("党支部年度工作总结提纲", PLAN),
            ("党支部工作月度安排表", PLAN),
            ("党建工作台账目录", LEDGER),
            ("党建信息报送登记表", LEDGER),
            ("党支部标准化规范化建设自查表", LEDGER),
            ("党建工作督办事项登记表", PLAN),
            ("党建工作问题整改台账", PLAN),
            ("党务公开登记表", LEDGER),
            ("上级党组织来文办理登记表", LEDGER),
            ("党建工作季度报告表", LEDGER),
        ],
    ),
];

/// How many templates the demo has (the 85).
pub const TEMPLATES: usize = 85;

/// Templates (by their running number) that get a second, revised version.
fn revised(n: usize) -> bool {
    n % 9 == 4
}

/// A small form as an .xlsx: the title across the top, a line to fill in, the header row and
/// ten empty ruled rows, A4 landscape.
fn form_file(
    title: &str,
    columns: &[&str],
    edition: &str,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("模板")?;
    ws.set_landscape();
    ws.set_paper_size(9);
    let last = u16::try_from(columns.len().saturating_sub(1)).unwrap_or(0);
    let title_format = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let border = Format::new()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    let header = border
        .clone()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color(0xE7E9ED);
    ws.merge_range(0, 0, 0, last, title, &title_format)?;
    ws.set_row_height(0, 30)?;
    ws.merge_range(
        1,
        0,
        1,
        last,
        &format!("党支部（盖章）：　　　　　　　　　填表日期：　　年　　月　　日　　　{edition}"),
        &Format::new(),
    )?;
    for (i, h) in columns.iter().enumerate() {
        let c = u16::try_from(i).unwrap_or(0);
        ws.write_string_with_format(2, c, *h, &header)?;
        let width = if *h == "序号" { 6.0 } else { 16.0 };
        ws.set_column_width(c, width)?;
    }
    for r in 3..13u32 {
        for c in 0..=last {
            ws.write_blank(r, c, &border)?;
        }
        ws.set_row_height(r, 24)?;
    }
    ws.set_repeat_rows(2, 2)?;
    wb.save_to_buffer()
}

/// A template's first file and, when revised, its second.
type Editions = (Vec<u8>, Option<Vec<u8>>);

/// The files of every template (first editions) and of the revised ones (second editions),
/// made once per process: (first, second if revised).
fn files() -> &'static Vec<Editions> {
    static FILES: OnceLock<Vec<Editions>> = OnceLock::new();
    FILES.get_or_init(|| {
        let mut out = Vec::with_capacity(TEMPLATES);
        let mut n = 0;
        for (_, _, templates) in AREAS {
            for (title, columns) in *templates {
                let first = form_file(title, columns, "（2023年版）").unwrap_or_default();
                let second = revised(n)
                    .then(|| form_file(title, columns, "（2024年修订版）").unwrap_or_default());
                out.push((first, second));
                n += 1;
            }
        }
        out
    })
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn at(y: i32, m: u32, d: u32, now: NaiveDateTime) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(1, 30, 0))
        .map_or(now, |t| t.min(now))
}

pub fn seed(
    c: &mut DbConn,
    _campaigns: &[Campaign],
    actors: &super::Actors,
    _today: NaiveDate,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    let admin = actors.committee();
    let files = files();
    let first_at = at(2023, 3, 1, now);
    let second_at = at(2024, 6, 1, now);
    let mut n = 0usize;
    for (i, (name, description, templates)) in AREAS.iter().enumerate() {
        let area_id = match library::area_by_name(c, name)? {
            Some(a) => a.id,
            None => library::insert_area(
                c,
                &AreaFields {
                    name: name.to_string(),
                    position: (i as i32 + 1) * 10,
                    description: description.to_string(),
                },
            )?,
        };
        let has_templates = library::counts_by_area(
            c,
            &library::Filter {
                area: None,
                text: None,
                inactive: true,
            },
        )?
        .iter()
        .any(|(a, k)| *a == area_id && *k > 0);
        if has_templates {
            n += templates.len();
            continue;
        }
        for (j, (title, _)) in templates.iter().enumerate() {
            let id = library::insert(
                c,
                &TemplateFields {
                    area_id,
                    title: title.to_string(),
                    description: format!(
                        "《基层党组织标准化规范化建设指导意见》{name}类工作模板。下载后按本支部实际填写，留存备查。"
                    ),
                    position: (j as i32 + 1) * 10,
                },
                admin,
                first_at,
            )?;
            let Some((first, second)) = files.get(n) else {
                break;
            };
            let file_name = format!("{title}.xlsx");
            library::insert_version(
                c,
                &NewVersion {
                    template_id: id,
                    number: 1,
                    file_name: &file_name,
                    content_type: XLSX,
                    data: first,
                    note: "首次发布",
                    uploaded_by: admin,
                },
                first_at,
            )?;
            if let Some(second) = second {
                library::insert_version(
                    c,
                    &NewVersion {
                        template_id: id,
                        number: 2,
                        file_name: &format!("{title}（2024年修订）.xlsx"),
                        content_type: XLSX,
                        data: second,
                        note: "按新修订的工作要求调整栏目",
                        uploaded_by: admin,
                    },
                    second_at,
                )?;
                library::touch(c, id, second_at)?;
            }
            // Some use: the meeting records and registers most.
            let downloads = ((n * 37 + 11) % 97) as i32;
            if downloads > 5 {
                library::set_downloads(c, id, downloads)?;
            }
            n += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eighty_five_templates_with_real_files() {
        let count: usize = AREAS.iter().map(|(_, _, t)| t.len()).sum();
        assert_eq!((AREAS.len(), count), (7, TEMPLATES));
        let files = files();
        assert_eq!(files.len(), TEMPLATES);
        for (first, second) in files {
            assert!(infer::doc::is_xlsx(first));
            if let Some(s) = second {
                assert!(infer::doc::is_xlsx(s));
            }
        }
        assert!(files.iter().filter(|(_, s)| s.is_some()).count() >= 5);
        // Titles are unique.
        let mut titles: Vec<&str> = AREAS
            .iter()
            .flat_map(|(_, _, t)| t.iter().map(|(x, _)| *x))
            .collect();
        titles.sort_unstable();
        titles.dedup();
        assert_eq!(titles.len(), TEMPLATES);
    }
}
