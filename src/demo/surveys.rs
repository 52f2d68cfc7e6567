//! Demo surveys (issue 11): the article's 2022 figures — 2 员工思想状况调查 with 1,131
//! participant-times in all — and one survey in the current year (dates derived from `today`,
//! never in the future). Idempotent: a year that has surveys is left alone.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::campaigns::Campaign;
use crate::db::models::units;
use crate::db::schema::surveys;
use crate::db::DbConn;
use crate::domain::activity::SurveyMethod;

/// The article's 2022 figures: 2 surveys, 1,131 participant-times.
pub const PARTICIPANTS_2022: [i32; 2] = [586, 545];

struct Demo<'a> {
    title: String,
    start: NaiveDate,
    end: NaiveDate,
    method: SurveyMethod,
    participants: i32,
    findings: &'a str,
    measures: &'a str,
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn has_year(c: &mut DbConn, year: i32) -> QueryResult<bool> {
    let n: i64 = surveys::table
        .filter(surveys::period_start.between(ymd(year, 1, 1), ymd(year, 12, 31)))
        .count()
        .get_result(c)?;
    Ok(n > 0)
}

pub fn seed(
    c: &mut DbConn,
    _campaigns: &[Campaign],
    actors: &super::Actors,
    today: NaiveDate,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    let Some(dw) = units::by_code(c, "DW")? else {
        return Ok(());
    };
    let mut rows: Vec<Demo<'_>> = Vec::new();
    if today.year() > 2022 && !has_year(c, 2022)? {
        rows.push(Demo {
            title: "2022年上半年员工思想状况调查".into(),
            start: ymd(2022, 5, 9),
            end: ymd(2022, 5, 27),
            method: SurveyMethod::Online,
            participants: PARTICIPANTS_2022[0],
            findings: "员工对集团改革发展前景总体认同度高（92.6%）；青年员工关注职业发展通道和专业技术晋升；项目一线员工反映驻场时间长、与家人团聚少。",
            measures: "完善专业技术职务晋升办法，开通“监理—检测”双通道；落实项目一线轮休制度；开展“青年员工成长面对面”交流 3 场。",
        });
        rows.push(Demo {
            title: "2022年下半年员工思想状况调查（问卷与座谈）".into(),
            start: ymd(2022, 11, 7),
            end: ymd(2022, 11, 25),
            method: SurveyMethod::Paper,
            participants: PARTICIPANTS_2022[1],
            findings: "员工对作风建设成效评价较好，认为办事效率明显提高；部分员工认为考核激励与工作实绩挂钩不够紧密；基层反映报表材料偏多。",
            measures: "修订绩效考核办法，加大一线业绩权重；精简基层报表 11 种；将调查结果纳入党委理论学习中心组专题研讨。",
        });
    }
    let year = today.year();
    if !has_year(c, year)? {
        let start = crate::demo::activities::this_year(today, 1, 3);
        let end = (start + Duration::days(18)).min(today);
        rows.push(Demo {
            title: format!("{year}年员工思想状况调查"),
            start,
            end,
            method: SurveyMethod::Online,
            participants: 608,
            findings: "员工普遍关注“严、真、细、实、快”作风建设的具体要求在考核中的体现；项目一线员工希望增加专业培训机会。",
            measures: "结合调查结果制定年度培训计划，增加现场技术培训 4 期；在月度调度中通报作风建设典型做法。",
        });
    }
    for d in rows {
        diesel::insert_into(surveys::table)
            .values((
                surveys::unit_id.eq(dw.id),
                surveys::title.eq(&d.title),
                surveys::period_start.eq(d.start),
                surveys::period_end.eq(d.end),
                surveys::method.eq(d.method.code()),
                surveys::target_units.eq(""),
                surveys::participants.eq(d.participants),
                surveys::findings.eq(d.findings),
                surveys::measures_taken.eq(d.measures),
                surveys::version.eq(1),
                surveys::created_by.eq(actors.committee()),
                surveys::created_at.eq(now),
                surveys::updated_at.eq(now),
            ))
            .execute(c)?;
    }
    Ok(())
}
