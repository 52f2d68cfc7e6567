//! The demo 千分制 scheme (issue 12): the same tree for every campaign year, seven areas with
//! 作风建设 one of them, leaves summing to 1000 points, 一票否决 items worth 0, and the leaves
//! the portal can suggest a score for tied to their record. Idempotent: a year that has a
//! scheme is left alone. The units' score sheets are seeded by `assessment_scores`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::assessment;
use crate::db::models::campaigns::Campaign;
use crate::db::schema::{assessment_indicators as ind, assessment_schemes as sch};
use crate::db::DbConn;
use crate::domain::assessment::{check_full_marks, IndicatorKind, Points, ScoreSource, AREA_KIND};

type Leaf = (
    &'static str,
    IndicatorKind,
    i32,
    &'static str,
    Option<ScoreSource>,
);

use IndicatorKind::{Bonus, Deduct, Veto};

/// (area, its items: (name, kind, points, rule, source)).
pub const SCHEME: &[(&str, &[Leaf])] = &[
    (
        "政治建设",
        &[
            ("“第一议题”制度落实", Deduct, 40, "党组织会议第一议题学习习近平新时代中国特色社会主义思想和重要讲话精神；每缺一次扣5分，未按“支部初审、总支复查、党委复核”程序报审的每次扣2分。", Some(ScoreSource::Topics)),
            ("理论学习", Deduct, 40, "按年度计划开展集中学习，每季度不少于1次专题研讨；缺一次扣5分，无学习记录扣10分。", None),
            ("意识形态工作", Deduct, 40, "落实意识形态工作责任制，每半年分析研判1次；未开展扣10分，阵地管理出现问题每次扣10分。", None),
            ("政治生态", Deduct, 30, "班子团结、风清气正；因政治生态问题被上级通报的扣30分。", None),
        ],
    ),
    (
        "思想建设",
        &[
            ("教育培训", Deduct, 40, "组工干部、党务工作者培训全覆盖，党员人均学时达到年度要求；覆盖率每低1个百分点扣1分。", Some(ScoreSource::Coverage)),
            ("员工思想状况调查", Deduct, 30, "每年至少开展1次员工思想状况调查并形成报告、落实改进措施；未开展扣30分，无改进措施扣10分。", None),
            ("宣传思想文化", Deduct, 30, "及时报送宣传稿件，讲好工程咨询故事；全年少于4篇的每少1篇扣5分。", None),
        ],
    ),
    (
        "组织建设",
        &[
            ("“三会一课”", Deduct, 50, "支部党员大会、支委会、党小组会和党课按规定召开；每缺一次扣5分，记录不全每次扣2分。", None),
            ("组织生活会和民主评议党员", Deduct, 40, "按要求召开组织生活会、开展民主评议党员；未开展扣50分，程序不规范扣10分。", None),
            ("发展党员", Deduct, 30, "严格按程序发展党员，材料齐全规范；程序违规每人次扣10分。", None),
            ("党费收缴使用管理", Deduct, 30, "按时足额收缴党费、规范使用；未按时收缴每月扣5分。", None),
            ("标准化规范化建设", Deduct, 40, "对照《基层党组织标准化规范化建设指导意见》7个方面85项工作模板落实；每缺一项扣2分。", None),
            ("党建品牌创建", Deduct, 30, "围绕“工程医匠·护航先锋”主品牌创建子品牌，有主题、有特色、有载体；未创建扣30分，未发布扣10分。", None),
        ],
    ),
    (
        "作风建设",
        &[
            ("月度调度按时报送", Deduct, 60, "每月25日前报送月度工作进展；每迟报一次扣3分，每未报一次扣5分。", Some(ScoreSource::Compliance)),
            ("践行举措推进", Deduct, 60, "践行举措按计划推进、按期完成；完成率每低1个百分点扣0.6分。", Some(ScoreSource::Measures)),
            ("问题整改销号", Deduct, 60, "整改配档表事项按期整改、验收销号；销号率每低1个百分点扣0.6分，逾期未整改每项扣2分。", Some(ScoreSource::Rectification)),
            ("“严真细实快”落实", Deduct, 40, "围绕“严、真、细、实、快”开展作风建设，形成可推广的经验做法；无具体举措扣20分。", None),
            ("监督渠道办理", Deduct, 30, "“信、网、电、微”反映的问题按期答复、办结；逾期答复每件扣3分。", None),
        ],
    ),
    (
        "党风廉政建设",
        &[
            ("“两个责任”落实", Deduct, 40, "签订党风廉政建设责任书，定期研究部署；未签订扣20分，未研究部署扣10分。", None),
            ("廉洁教育", Deduct, 30, "每年开展廉洁教育、警示教育不少于2次；每少1次扣10分。", None),
            ("监督执纪问责", Deduct, 60, "运用监督执纪“四种形态”；党员干部受到党纪政务处分的，每人次扣20分。", None),
        ],
    ),
    (
        "党建引领业务",
        &[
            ("党建与生产经营融合", Deduct, 50, "党建工作与监理、检测等主业同部署同考核；融合载体缺失扣20分。", None),
            ("党员先锋作用", Deduct, 30, "设立党员先锋岗、责任区，“四个带头”作用发挥明显；未设立扣15分。", None),
        ],
    ),
    (
        "创新创优",
        &[
            ("经验做法推广", Bonus, 30, "经验做法被集团公司及以上推广的，每项加10分，最多30分。", None),
            ("评优评先", Bonus, 20, "获集团公司及以上表彰的，每项加10分，最多20分。", None),
            ("品牌宣传", Bonus, 20, "在中企党建研究院、山东国资报道等平台宣传推广的，每次加5分，最多20分。", None),
        ],
    ),
    (
        "否决事项",
        &[
            ("严重违纪违法", Veto, 0, "班子成员发生严重违纪违法问题的，考核总分为0。", None),
            ("重大安全质量责任事故", Veto, 0, "发生重大安全质量责任事故并负主要责任的，考核总分为0。", None),
        ],
    ),
];

#[derive(Insertable)]
#[diesel(table_name = sch)]
struct NewScheme {
    year: i32,
    title: String,
    notes: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = ind)]
struct NewIndicator<'a> {
    scheme_id: i32,
    parent_id: Option<i32>,
    position: i32,
    name: &'a str,
    kind: &'a str,
    max_tenths: i32,
    rule: &'a str,
    source: Option<&'a str>,
}

/// A scheme for every campaign year that has none.
pub fn seed(c: &mut DbConn, campaigns: &[Campaign], now: NaiveDateTime) -> anyhow::Result<()> {
    check_full_marks(
        SCHEME
            .iter()
            .flat_map(|(_, leaves)| leaves.iter().map(|l| Points(l.2 * 10))),
    )
    .map_err(|e| anyhow::anyhow!("demo scheme: {e}"))?;
    for campaign in campaigns {
        if assessment::scheme_for_year(c, campaign.year)?.is_some() {
            continue;
        }
        let scheme_id: i32 = diesel::insert_into(sch::table)
            .values(NewScheme {
                year: campaign.year,
                title: format!("{}年度党建工作责任制考核（千分制）", campaign.year),
                notes:
                    "作风建设专项纳入千分制党建考核，考核结果与领导班子和领导人员综合考核评价挂钩。"
                        .into(),
                created_at: now,
                updated_at: now,
            })
            .returning(sch::id)
            .get_result(c)?;
        for (a, (area, leaves)) in SCHEME.iter().enumerate() {
            let area_id: i32 = diesel::insert_into(ind::table)
                .values(NewIndicator {
                    scheme_id,
                    parent_id: None,
                    position: a as i32 + 1,
                    name: area,
                    kind: AREA_KIND,
                    max_tenths: leaves.iter().map(|l| l.2 * 10).sum(),
                    rule: "",
                    source: None,
                })
                .returning(ind::id)
                .get_result(c)?;
            for (i, (name, kind, points, rule, source)) in leaves.iter().enumerate() {
                diesel::insert_into(ind::table)
                    .values(NewIndicator {
                        scheme_id,
                        parent_id: Some(area_id),
                        position: i as i32 + 1,
                        name,
                        kind: kind.code(),
                        max_tenths: points * 10,
                        rule,
                        source: source.map(|s| s.code()),
                    })
                    .execute(c)?;
            }
        }
    }
    Ok(())
}
