//! Monthly reports in the year's workbook (`routes::year_book`): 月度报告, one row per report
//! (unit, month, state, submitted, last reviewed), and 报告明细, one row per report line.
//! The lists of reports have no download of their own; these sheets are their export.

use crate::clock::format_local;
use crate::db::models::reports::{self, Line, Report, ENTITY};
use crate::db::models::reviews::{self, ReviewEvent};
use crate::db::models::units::Unit;
use crate::routes::year_book::{BookSheet, Columns};
use crate::xlsx::{col, Column, Value};

const REPORT_COLUMNS: [Column; 11] = [
    col("单位", 24.0),
    col("月份", 10.0),
    col("状态", 12.0),
    col("截止日", 12.0),
    col("提交时间", 17.0),
    col("提交人", 10.0),
    col("迟报", 6.0),
    col("最近审核", 30.0),
    col("工作亮点", 36.0),
    col("存在问题", 30.0),
    col("下月计划", 30.0),
];

/// The latest review in words: `2026-11-05 10:00 张三 审核通过（意见）`.
fn review_words((e, who): &(ReviewEvent, Option<String>)) -> String {
    let mut s = format!(
        "{} {} {}",
        format_local(e.at),
        who.as_deref().unwrap_or("—"),
        e.action_label()
    );
    if !e.comment.trim().is_empty() {
        s.push_str(&format!("（{}）", e.comment.trim()));
    }
    s
}

fn report_rows(
    rows: Vec<(Report, Unit, Option<String>)>,
    last: &std::collections::HashMap<i32, (ReviewEvent, Option<String>)>,
) -> Vec<Vec<Value>> {
    rows.into_iter()
        .map(|(r, u, submitter)| {
            vec![
                Value::from(u.name),
                Value::from(r.period()),
                Value::from(r.state().label()),
                Value::from(r.due_date),
                Value::from(r.submitted_at.map(format_local).unwrap_or_default()),
                Value::from(submitter.unwrap_or_default()),
                Value::from(if r.late { "是" } else { "" }),
                Value::from(last.get(&r.id).map(review_words).unwrap_or_default()),
                Value::from(r.highlights),
                Value::from(r.problems),
                Value::from(r.next_plan),
            ]
        })
        .collect()
}

/// 月度报告 of the year's workbook: every report of the campaign, unit by unit, month by month.
pub(crate) const REPORTS: BookSheet = BookSheet {
    name: "月度报告",
    title: "作风建设月度调度报告",
    note: "",
    columns: Columns::Fixed(|| REPORT_COLUMNS.to_vec()),
    page: |c, year, offset, limit| {
        let rows = reports::of_campaign(c, year.campaign.id, offset, limit)?;
        let ids: Vec<i32> = rows.iter().map(|(r, _, _)| r.id).collect();
        let last = reviews::last_reviews(c, ENTITY, &ids)?;
        Ok(report_rows(rows, &last))
    },
};

const LINE_COLUMNS: [Column; 8] = [
    col("单位", 24.0),
    col("月份", 8.0),
    col("序号", 6.0),
    col("类型", 10.0),
    col("事项", 36.0),
    col("进度(%)", 8.0),
    col("本月工作", 40.0),
    col("状态", 10.0),
];

fn line_rows(rows: Vec<(Line, i32, String)>) -> Vec<Vec<Value>> {
    rows.into_iter()
        .map(|(l, month, unit)| {
            vec![
                Value::from(unit),
                Value::from(format!("{month}月")),
                Value::from(l.seq),
                Value::from(l.kind_label()),
                Value::from(l.title.as_str()),
                l.progress.map_or(Value::Empty, Value::from),
                Value::from(l.work.as_str()),
                Value::from(l.status_label()),
            ]
        })
        .collect()
}

/// 报告明细 of the year's workbook: every line of every report of the campaign.
pub(crate) const LINES: BookSheet = BookSheet {
    name: "报告明细",
    title: "月度调度报告逐项进展",
    note: "",
    columns: Columns::Fixed(|| LINE_COLUMNS.to_vec()),
    page: |c, year, offset, limit| {
        Ok(line_rows(reports::lines_of_campaign(
            c,
            year.campaign.id,
            offset,
            limit,
        )?))
    },
};
