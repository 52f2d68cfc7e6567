//! Demo brands (issue 11), the article's figures: the committee's main brand 工程医匠·护航先锋
//! (红医精神 and 工匠精神, from 监理 and 检测 work) and 18 sub-brands, one per branch
//! ZB01–ZB18, all launched at the 党建品牌体系发布会 on 2022-10-14 and promoted on
//! 中企党建研究院 and 山东国资报道. In the current year a few sub-brands are recognised
//! (已获评), with new promotions and an exchange event; every date derived from `today`
//! lies on or before it. Idempotent: a unit that has a brand is left alone. Run inside the
//! demo's write transaction after the accounts exist.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::brands::{self, EventFields, PromotionFields};
use crate::db::models::campaigns::Campaign;
use crate::db::models::units;
use crate::db::schema::brands as t;
use crate::db::DbConn;
use crate::domain::brand::{BrandEventKind, BrandKind, BrandStatus};

const MAIN_NAME: &str = "工程医匠·护航先锋";
const MAIN_CONCEPT: &str = "汲取“红医精神”“工匠精神”内涵，从监理、检测等主业实际出发：像医者一样为工程质量望闻问切、治未病，像工匠一样精益求精、追求极致，以过硬作风护航交通强国山东示范区建设。";
const MAIN_FEATURE: &str = "主品牌统领、子品牌支撑，督导各级党组织相继创建18个子品牌，形成“一支部一主题一特色一品牌”基层党建生态。";
const MAIN_SLOGAN: &str = "为工程把脉 为发展护航";
const MAIN_METHOD: &str = "“望闻问切”工作法：望——党员带头深入监理、检测一线，察看质量安全隐患；闻——畅通“信、网、电、微”渠道，倾听职工群众和业主单位声音；问——问计于民、问需于企，查找作风和业务短板；切——开出整改“处方”，按“专题研究、专项培训、专班督导、专责落实”的“四专”工作法抓落实，做到“严、真、细、实、快”。";

/// (branch code, name, theme, feature, slogan, 工作法)
const SUBS: [(&str, &str, &str, &str, &str, &str); 18] = [
    (
        "ZB01",
        "中枢先锋",
        "服务中枢，高效运转",
        "办文、办会、办事“零差错”，让“严真细实快”从机关中枢做起",
        "枢纽畅通 服务先行",
        "“三办”闭环工作法：办文有标准、办会有清单、办事有回音",
    ),
    (
        "ZB02",
        "红色引擎",
        "党建引领，凝心聚力",
        "牵头品牌创建、党务培训和作风建设调度，当好党建工作“发动机”",
        "党建红引擎 发展强动能",
        "“四专”工作法：专题研究、专项培训、专班督导、专责落实",
    ),
    (
        "ZB03",
        "红色账本",
        "精打细算，清廉理财",
        "把党风廉政建设融入资金管理每个环节",
        "算好每一笔账 守好每一分钱",
        "“三审一公开”工作法：初审、复审、终审，结果公开",
    ),
    (
        "ZB04",
        "技术先锋",
        "技术攻关，质量护航",
        "党员领衔技术攻关项目，解决一线技术难题",
        "以技术之匠 筑工程之魂",
        "“揭榜挂帅”工作法：难题张榜、党员揭榜、限时攻关",
    ),
    (
        "ZB05",
        "监理医生",
        "把脉工程质量，守护一线安全",
        "党员监理工程师“坐诊”工地，为质量安全问题问诊开方",
        "旁站有我 质量无忧",
        "“问诊—开方—复诊”工作法：巡查问诊、限期开方、跟踪复诊",
    ),
    (
        "ZB06",
        "红色旁站",
        "党员在旁站，质量在身边",
        "关键工序党员带头旁站，设立党员责任区",
        "一站到底 一丝不苟",
        "“党员责任区”工作法：划区定责、亮牌上岗、挂牌销号",
    ),
    (
        "ZB07",
        "路桥卫士",
        "守护路桥平安",
        "高速公路改扩建项目一线党员先锋岗",
        "守一方路桥 保一路平安",
        "“三查三改”工作法：查隐患、查流程、查作风，即查即改",
    ),
    (
        "ZB08",
        "精准检测先锋",
        "数据说话，精准为先",
        "检测数据“零误差”，党员检测员带头把关",
        "用数据守护质量",
        "“双人双签”工作法：一人检测、一人复核，双签负责",
    ),
    (
        "ZB09",
        "匠心试验",
        "一丝不苟，试出精品",
        "试验室标准化建设与工匠精神相结合",
        "毫厘之间见匠心",
        "“样品全程可追溯”工作法：取样、流转、试验、报告全程留痕",
    ),
    (
        "ZB10",
        "桥隧体检师",
        "为桥隧把脉问诊",
        "桥梁隧道定期检测中的党员突击队",
        "给桥隧做体检 为安全把好关",
        "“体检档案”工作法：一桥一档、一隧一档、病害跟踪",
    ),
    (
        "ZB11",
        "红色设计",
        "设计引领，绘就精品",
        "党员设计师领衔优化设计方案",
        "用心设计每一笔",
        "“设计回访”工作法：施工前交底、施工中跟踪、完工后回访",
    ),
    (
        "ZB12",
        "清廉造价",
        "精算每一分，守住每一关",
        "造价咨询廉洁风险防控",
        "廉洁造价 精准咨询",
        "“清单化”工作法：风险点清单、防控措施清单、责任清单",
    ),
    (
        "ZB13",
        "人才港湾",
        "识才爱才，育才用才",
        "党员骨干“导师带徒”培养青年人才",
        "聚天下英才 育咨询栋梁",
        "“导师带徒”工作法：结对、定标、考核、出师",
    ),
    (
        "ZB14",
        "银发先锋",
        "离岗不离党，退休不褪色",
        "离退休老党员讲传统、传经验",
        "银发生辉 余热奉献",
        "“老少结对”工作法：老党员讲党课、带青年、助发展",
    ),
    (
        "ZB15",
        "先锋监理",
        "项目一线党旗红",
        "偏远项目“流动党小组”，党组织覆盖到每个标段",
        "哪里有项目 哪里就有党旗",
        "“流动党小组”工作法：随项目建组、随工序活动、随进度考评",
    ),
    (
        "ZB16",
        "项目管家",
        "全过程管理，全周期护航",
        "项目管理全过程党建与业务融合",
        "管好每个项目 服务每位业主",
        "“一项目一清单”工作法：目标清单、节点清单、问题清单",
    ),
    (
        "ZB17",
        "绿色卫士",
        "守护绿水青山",
        "环境检测助力绿色公路建设",
        "检测绿色 守护生态",
        "“绿色检测”工作法：标准先行、数据公开、整改闭环",
    ),
    (
        "ZB18",
        "数智先锋",
        "数字赋能，智慧党建",
        "党员攻关信息化项目，建设智慧监理和检测平台",
        "让数据多跑路 让一线少跑腿",
        "“数字孪生”工作法：业务上线、流程再造、数据赋能",
    ),
];

/// Sub-brands recognised (已获评) this year: (branch code, award, month, day).
const AWARDS: [(&str, &str, u32, u32); 3] = [
    ("ZB05", "集团公司优秀党建品牌", 4, 18),
    ("ZB08", "集团公司优秀党建品牌", 4, 18),
    ("ZB11", "集团公司党建示范品牌", 6, 28),
];

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

/// A day of the current year, never after today.
fn this_year(today: NaiveDate, m: u32, day: u32) -> NaiveDate {
    d(today.year(), m, day).min(today)
}

#[allow(clippy::too_many_arguments)]
fn insert(
    c: &mut DbConn,
    unit_id: i32,
    kind: BrandKind,
    texts: (&str, &str, &str, &str, &str),
    dates: [Option<NaiveDate>; 4],
    award: &str,
    by: Option<i32>,
    now: NaiveDateTime,
) -> diesel::QueryResult<i32> {
    let status = if dates[3].is_some() {
        BrandStatus::Awarded
    } else if dates[2].is_some() {
        BrandStatus::Published
    } else if dates[1].is_some() {
        BrandStatus::Created
    } else {
        BrandStatus::Cultivating
    };
    let (name, theme, feature, slogan, method) = texts;
    diesel::insert_into(t::table)
        .values((
            t::unit_id.eq(unit_id),
            t::kind.eq(kind.code()),
            t::name.eq(name),
            t::theme.eq(theme),
            t::feature.eq(feature),
            t::slogan.eq(slogan),
            t::method.eq(method),
            t::status.eq(status.code()),
            t::cultivating_on.eq(dates[0]),
            t::created_on.eq(dates[1]),
            t::published_on.eq(dates[2]),
            t::awarded_on.eq(dates[3]),
            t::award.eq(award),
            t::version.eq(1),
            t::created_by.eq(by),
            t::created_at.eq(now),
            t::updated_at.eq(now),
        ))
        .returning(t::id)
        .get_result(c)
}

#[allow(clippy::too_many_arguments)]
fn event(
    c: &mut DbConn,
    brand: i32,
    kind: BrandEventKind,
    on: NaiveDate,
    title: &str,
    place: &str,
    notes: &str,
    by: Option<i32>,
    now: NaiveDateTime,
) -> diesel::QueryResult<i32> {
    let f = EventFields {
        kind,
        held_on: on,
        title: title.into(),
        place: place.into(),
        notes: notes.into(),
    };
    brands::insert_event(c, brand, &f, by, now)
}

fn promotion(
    c: &mut DbConn,
    brand: i32,
    platform: &str,
    on: NaiveDate,
    title: &str,
    by: Option<i32>,
    now: NaiveDateTime,
) -> diesel::QueryResult<i32> {
    let f = PromotionFields {
        platform: platform.into(),
        published_on: on,
        title: title.into(),
        link: String::new(),
    };
    brands::insert_promotion(c, brand, &f, by, now)
}

pub fn seed(
    c: &mut DbConn,
    _campaigns: &[Campaign],
    actors: &super::Actors,
    today: NaiveDate,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    let admin = actors.committee();
    let release = d(2022, 10, 14);
    if today < release {
        return Ok(());
    }
    // The main brand.
    if let Some(dw) = units::by_code(c, "DW")? {
        if brands::by_unit(c, dw.id)?.is_none() {
            let id = insert(
                c,
                dw.id,
                BrandKind::Main,
                (
                    MAIN_NAME,
                    MAIN_CONCEPT,
                    MAIN_FEATURE,
                    MAIN_SLOGAN,
                    MAIN_METHOD,
                ),
                [
                    Some(d(2022, 3, 15)),
                    Some(d(2022, 7, 1)),
                    Some(release),
                    None,
                ],
                "",
                admin,
                now,
            )?;
            event(
                c,
                id,
                BrandEventKind::Launch,
                d(2022, 3, 15),
                "党建品牌创建工作启动会",
                "集团总部",
                "部署“品牌创建”专项活动，督导各级党组织一支部一主题一特色一品牌。",
                admin,
                now,
            )?;
            event(
                c,
                id,
                BrandEventKind::Release,
                release,
                "党建品牌体系发布会",
                "集团总部",
                "根据党委工作部署，发布“工程医匠·护航先锋”党建主品牌和18个子品牌。",
                admin,
                now,
            )?;
            promotion(
                c,
                id,
                "中企党建研究院",
                d(2022, 10, 21),
                "工程咨询集团：“工程医匠·护航先锋”党建品牌体系发布",
                admin,
                now,
            )?;
            promotion(
                c,
                id,
                "山东国资报道",
                d(2022, 11, 8),
                "以“工程医匠·护航先锋”党建品牌引领主业高质量发展",
                admin,
                now,
            )?;
            if today.year() > 2022 {
                event(
                    c,
                    id,
                    BrandEventKind::Exchange,
                    this_year(today, 6, 28),
                    &format!("{}年党建品牌交流展示会", today.year()),
                    "集团总部",
                    "各子品牌交流创建经验，展示一年来品牌建设成果。",
                    admin,
                    now,
                )?;
                promotion(
                    c,
                    id,
                    "中企党建研究院",
                    this_year(today, 7, 6),
                    "党建品牌深化年：18个子品牌持续擦亮",
                    admin,
                    now,
                )?;
            }
        }
    }
    // One sub-brand per branch, all launched at the release.
    for (i, (code, name, theme, feature, slogan, method)) in SUBS.iter().enumerate() {
        let Some(unit) = units::by_code(c, code)? else {
            continue;
        };
        if brands::by_unit(c, unit.id)?.is_some() {
            continue;
        }
        let n = i as u32;
        let award = AWARDS
            .iter()
            .find(|(c, ..)| c == code)
            .filter(|_| today.year() > 2022);
        let awarded_on = award.map(|(_, _, m, day)| this_year(today, *m, *day).max(release));
        let by = actors.branch(&unit).or(admin);
        let id = insert(
            c,
            unit.id,
            BrandKind::Sub,
            (name, theme, feature, slogan, method),
            [
                Some(d(2022, 4, 1 + n)),
                Some(d(2022, 8, 1 + n)),
                Some(release),
                awarded_on,
            ],
            award.map_or("", |(_, a, ..)| a),
            by,
            now,
        )?;
        event(
            c,
            id,
            BrandEventKind::Launch,
            d(2022, 4, 1 + n),
            &format!("“{name}”子品牌创建启动"),
            &unit.name,
            "",
            by,
            now,
        )?;
        event(
            c,
            id,
            BrandEventKind::Release,
            release,
            "在党建品牌体系发布会上发布",
            "集团总部",
            "",
            by,
            now,
        )?;
        // A few promoted on outside platforms in 2022, and again this year.
        if i % 6 == 4 {
            promotion(
                c,
                id,
                "山东国资报道",
                d(2022, 11, 20 + n / 6),
                &format!("{}：擦亮“{name}”品牌", unit.name),
                by,
                now,
            )?;
        }
        if let Some(on) = awarded_on {
            promotion(
                c,
                id,
                "山东国资报道",
                (on + chrono::Duration::days(7)).min(today),
                &format!("“{name}”获评{}", award.map_or("", |(_, a, ..)| a)),
                by,
                now,
            )?;
        }
    }
    Ok(())
}
