//! Demo incentives (issue 12), from the article: the series 党旗在一线高高飘扬 with its 6 issues
//! in 2022 (each on a different branch, 监理 and 检测 work under the 工程医匠 brand);
//! commendations, promotions on 中企党建研究院, 山东国资报道 and the group's WeChat account, and
//! upward recommendations in 2022 and the current year; two referrals to the committee (one
//! closed in 2022, one decided this year). Every date lies on or before `today`. Idempotent:
//! each part is seeded only while its table is empty (the series: while it does not exist).
//! Run inside the demo's write transaction after the accounts exist.

use chrono::{NaiveDate, NaiveDateTime};

use crate::db::models::campaigns::Campaign;
use crate::db::models::incentives::{
    self as q, IncentiveFields, IssueFields, ReferralFields, SeriesFields,
};
use crate::db::models::units;
use crate::db::DbConn;
use crate::domain::incentive::{IncentiveKind, ReferralTarget};

/// (kind, branch, title, issuer, date, link)
type DemoIncentive<'a> = (
    IncentiveKind,
    &'a str,
    &'a str,
    &'a str,
    Option<NaiveDate>,
    &'a str,
);

pub const SERIES: &str = "党旗在一线高高飘扬";

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// (number, branch, title, date)
const ISSUES: [(i32, &str, &str, (u32, u32)); 6] = [
    (
        1,
        "ZB05",
        "监理一分公司党支部：旁站一线当“医生”，为工程质量望闻问切",
        (5, 18),
    ),
    (
        2,
        "ZB08",
        "检测中心党支部：一组数据一份责任，党员检测先锋岗守护质量底线",
        (6, 22),
    ),
    (
        3,
        "ZB06",
        "监理二分公司党支部：“红色旁站”亮身份，关键工序党员到位",
        (7, 27),
    ),
    (
        4,
        "ZB10",
        "桥隧检测党支部：“工程医匠”走进隧道，为桥隧安全把脉",
        (8, 24),
    ),
    (
        5,
        "ZB09",
        "试验室党支部：精益求精做试验，工匠精神铸品质",
        (9, 21),
    ),
    (
        6,
        "ZB07",
        "监理三分公司党支部：改扩建一线党旗红，“严真细实快”见行动",
        (10, 26),
    ),
];

pub fn seed(
    c: &mut DbConn,
    _campaigns: &[Campaign],
    actors: &super::Actors,
    today: NaiveDate,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    if units::by_code(c, "DW")?.is_none() {
        return Ok(());
    }
    let by = actors.admin;
    let unit = |c: &mut DbConn, code: &str| -> anyhow::Result<Option<i32>> {
        Ok(units::by_code(c, code)?.map(|u| u.id))
    };

    // The series and its six issues of 2022.
    if q::series_by_name(c, SERIES)?.is_none() {
        let sid = q::insert_series(
            c,
            &SeriesFields {
                name: SERIES.into(),
                description: "对整改落实成效突出、经验做法优秀的党组织，在公司各类平台宣传推广。2022年推出系列报道6期，展示一线党组织和党员的作风建设成效。".into(),
            },
            by,
            now,
        )?;
        for (number, code, title, (m, d)) in ISSUES {
            let (Some(unit_id), Some(on)) = (unit(c, code)?, ymd(2022, m, d)) else {
                continue;
            };
            if on > today {
                continue;
            }
            q::insert_issue(
                c,
                sid,
                &IssueFields {
                    number,
                    unit_id,
                    title: title.into(),
                    published_on: on,
                    link: format!("https://example.com/zuofeng/dangqi/{number}"),
                },
                by,
                now,
            )?;
        }
    }

    if q::count(c)? == 0 {
        let this = |n: i64, d: i64| crate::demo::activities::this_year(today, n, d);
        let rows: Vec<DemoIncentive<'_>> = vec![
            (
                IncentiveKind::Commendation,
                "ZB05",
                "先进基层党组织",
                "集团公司党委",
                ymd(2022, 6, 28),
                "",
            ),
            (
                IncentiveKind::Commendation,
                "ZB08",
                "作风建设示范党支部",
                "集团公司党委",
                ymd(2022, 12, 20),
                "",
            ),
            (
                IncentiveKind::Promotion,
                "DW",
                "“工程医匠·护航先锋”党建品牌体系发布会成功举办",
                "中企党建研究院",
                ymd(2022, 10, 18),
                "https://example.com/zuofeng/zqdj/2022-10-18",
            ),
            (
                IncentiveKind::Promotion,
                "DW",
                "工程咨询集团：以过硬作风打造“工程医匠·护航先锋”党建品牌",
                "山东国资报道",
                ymd(2022, 10, 25),
                "https://example.com/zuofeng/sdgz/2022-10-25",
            ),
            (
                IncentiveKind::Promotion,
                "ZB06",
                "“红色旁站”工作法：关键工序党员带头旁站",
                "集团公司微信公众号",
                ymd(2022, 8, 3),
                "https://example.com/zuofeng/wx/2022-08-03",
            ),
            (
                IncentiveKind::Recommendation,
                "ZB05",
                "“监理医生”党建品牌推荐参评省属企业党建品牌",
                "山东高速集团党委",
                ymd(2022, 11, 30),
                "",
            ),
            (
                IncentiveKind::Commendation,
                "ZB02",
                "作风建设先进集体",
                "集团公司党委",
                Some(this(1, 4)),
                "",
            ),
            (
                IncentiveKind::Promotion,
                "ZB10",
                "桥隧检测党支部：“工程医匠”守护桥隧安全",
                "集团公司微信公众号",
                Some(this(1, 2)),
                "https://example.com/zuofeng/wx/qiaosui",
            ),
            (
                IncentiveKind::Recommendation,
                "ZB08",
                "检测中心党支部推荐参评“四强”党支部",
                "山东高速集团党委",
                Some(this(2, 3)),
                "",
            ),
        ];
        for (kind, code, title, issuer, on, link) in rows {
            let (Some(unit_id), Some(on)) = (unit(c, code)?, on) else {
                continue;
            };
            if on > today {
                continue;
            }
            q::insert(
                c,
                &IncentiveFields {
                    kind,
                    unit_id,
                    title: title.into(),
                    issuer: issuer.into(),
                    awarded_on: on,
                    link: link.into(),
                    notes: String::new(),
                },
                by,
                now,
            )?;
        }
    }

    if q::referral_count(c)? == 0 {
        // Closed in 2022: an organisation slow to rectify.
        if let (Some(unit_id), Some(on), Some(decided)) =
            (unit(c, "ZB07")?, ymd(2022, 9, 15), ymd(2022, 9, 28))
        {
            if decided <= today {
                let id = q::insert_referral(
                    c,
                    &ReferralFields {
                        target: ReferralTarget::Organisation,
                        unit_id,
                        person: String::new(),
                        reason: "思想上不够重视，整改配档表事项3项逾期未销号，月度调度多次迟报，整改不力。".into(),
                        referred_on: on,
                    },
                    by,
                    now,
                )?;
                q::decide(
                    c,
                    id,
                    1,
                    "由党委副书记约谈该支部书记，限期30日完成逾期事项整改，整改情况报党群工作部。",
                    decided,
                    now,
                )?;
                q::close(
                    c,
                    id,
                    2,
                    "已约谈；逾期事项于2022年10月全部销号，党群工作部复查合格。",
                    now,
                )?;
            }
        }
        // Decided this year: a cadre not fit for the post.
        let on = crate::demo::activities::this_year(today, 1, 3);
        let decided = crate::demo::activities::this_year(today, 1, 2);
        if let Some(unit_id) = unit(c, "ZB12")? {
            let id = q::insert_referral(
                c,
                &ReferralFields {
                    target: ReferralTarget::Cadre,
                    unit_id,
                    person: "赵某".into(),
                    reason:
                        "能力不足、人岗不适：分管项目造价审核多次出现差错，经提醒谈话后仍未改进。"
                            .into(),
                    referred_on: on,
                },
                by,
                now,
            )?;
            q::decide(
                c,
                id,
                1,
                "调整工作岗位，由党委组织部门跟踪考察6个月。",
                decided,
                now,
            )?;
        }
    }
    Ok(())
}
