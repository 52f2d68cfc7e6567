//! Brands, feedback items, 千分制 schemes and score sheets, surveys and incentives.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{at, day_of, insert_ids, insert_rows, trail, Event, Synth};
use crate::db::models::assessment::{self, Indicator};
use crate::db::schema::{
    assessment_lines, assessment_scores, brand_events, brand_promotions, brands, feedback_items,
    incentives, review_events, surveys,
};
use crate::db::DbConn;
use crate::domain::activity::SurveyMethod;
use crate::domain::brand::{BrandEventKind, BrandKind, BrandStatus};
use crate::domain::feedback::{FeedbackCategory, FeedbackChannel, FeedbackState, REPLY_DAYS};
use crate::domain::incentive::IncentiveKind;
use crate::domain::review::ReviewState;

#[derive(Insertable)]
#[diesel(table_name = brands)]
struct NewBrand {
    unit_id: i32,
    kind: &'static str,
    name: String,
    theme: &'static str,
    feature: &'static str,
    slogan: &'static str,
    method: &'static str,
    status: &'static str,
    cultivating_on: Option<NaiveDate>,
    created_on: Option<NaiveDate>,
    published_on: Option<NaiveDate>,
    awarded_on: Option<NaiveDate>,
    award: &'static str,
    version: i32,
    created_by: Option<i32>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = brand_events)]
struct NewBrandEvent {
    brand_id: i32,
    kind: &'static str,
    held_on: NaiveDate,
    title: String,
    place: &'static str,
    notes: &'static str,
    created_by: Option<i32>,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = brand_promotions)]
struct NewPromotion {
    brand_id: i32,
    platform: &'static str,
    published_on: NaiveDate,
    title: String,
    link: &'static str,
    created_by: Option<i32>,
    created_at: NaiveDateTime,
}

const BRAND_WORDS: &[&str] = &[
    "先锋", "卫士", "匠心", "红旗", "护航", "领航", "堡垒", "引擎", "尖兵", "灯塔",
];
const BRAND_FIELDS: &[&str] = &[
    "监理", "检测", "路桥", "试验", "设计", "造价", "项目", "数智", "绿色", "安全",
];

/// The main brand at the committee, a sub-brand for two branches in three, in every stage
/// from 培育中 to 已获评, with their launch and release events and some promotions.
pub(super) fn brands(s: &mut Synth<'_>, c: &mut DbConn) -> anyhow::Result<()> {
    let first = s.years.first().map_or(s.today.year(), |y| y.year);
    let this = s.today.year();
    let admin = Some(s.admin);
    let now = s.now;
    let d = |y: i32, m: u32, day: u32| {
        NaiveDate::from_ymd_opt(y, m, day)
            .unwrap_or_default()
            .min(s.today)
    };
    let release = d(first, 10, 14);
    let mut rows = vec![NewBrand {
        unit_id: s.root,
        kind: BrandKind::Main.code(),
        name: "工程医匠·护航先锋".into(),
        theme: "汲取“红医精神”“工匠精神”内涵，从监理、检测等主业实际出发，以过硬作风护航工程建设。",
        feature: "主品牌统领、子品牌支撑，形成“一支部一主题一特色一品牌”基层党建生态。",
        slogan: "为工程把脉 为发展护航",
        method: "“望闻问切”工作法",
        status: BrandStatus::Published.code(),
        cultivating_on: Some(d(first, 3, 15)),
        created_on: Some(d(first, 7, 1)),
        published_on: Some(release),
        awarded_on: None,
        award: "",
        version: 1,
        created_by: admin,
        created_at: now,
        updated_at: now,
    }];
    let mut owners: Vec<Option<usize>> = vec![None];
    for (k, b) in s.branches.iter().enumerate() {
        if k % 3 == 2 {
            continue;
        }
        // Stages: most published at the release of the first year, some later, a few still
        // being built this year, some recognised.
        let stage = k % 7;
        let start_year = if stage >= 5 {
            this
        } else {
            first + (k % 2) as i32
        };
        let cultivating = d(start_year, 2 + (k % 3) as u32, 1 + (k % 27) as u32);
        let created = (stage != 6).then(|| d(start_year, 6 + (k % 2) as u32, 1 + (k % 27) as u32));
        let published = (stage < 5).then(|| {
            if start_year == first {
                release
            } else {
                d(start_year, 10, 1 + (k % 27) as u32)
            }
        });
        let awarded = (stage < 2).then(|| d(this, 4 + (k % 3) as u32, 18));
        let status = if awarded.is_some() {
            BrandStatus::Awarded
        } else if published.is_some() {
            BrandStatus::Published
        } else if created.is_some() {
            BrandStatus::Created
        } else {
            BrandStatus::Cultivating
        };
        rows.push(NewBrand {
            unit_id: b.id,
            kind: BrandKind::Sub.code(),
            name: format!(
                "{}{}·{}",
                BRAND_FIELDS[k % BRAND_FIELDS.len()],
                BRAND_WORDS[(k / BRAND_FIELDS.len()) % BRAND_WORDS.len()],
                k + 1
            ),
            theme: "党建引领，作风护航",
            feature: "党员带头攻坚，业务与党建深度融合",
            slogan: "一支部一品牌 一党员一面旗",
            method: "“亮身份、践承诺、创品牌”工作法",
            status: status.code(),
            cultivating_on: Some(cultivating),
            created_on: created,
            published_on: published,
            awarded_on: awarded,
            award: if awarded.is_some() {
                "集团公司优秀党建品牌"
            } else {
                ""
            },
            version: 1,
            created_by: Some(b.secretary),
            created_at: now,
            updated_at: now,
        });
        owners.push(Some(k));
    }
    let ids = insert_ids!(s, c, brands::table, brands::id, rows);
    let mut events = Vec::new();
    let mut promos = Vec::new();
    for ((row, id), owner) in rows.iter().zip(&ids).zip(&owners) {
        let by = owner.map_or(admin, |k| Some(s.branches[k].secretary));
        let place = if owner.is_some() {
            "支部活动室"
        } else {
            "集团总部"
        };
        if let Some(on) = row.cultivating_on {
            events.push(NewBrandEvent {
                brand_id: *id,
                kind: BrandEventKind::Launch.code(),
                held_on: on,
                title: format!("“{}”品牌创建启动", row.name),
                place,
                notes: "",
                created_by: by,
                created_at: now,
            });
        }
        if let Some(on) = row.published_on {
            events.push(NewBrandEvent {
                brand_id: *id,
                kind: BrandEventKind::Release.code(),
                held_on: on,
                title: "在党建品牌发布会上发布".into(),
                place: "集团总部",
                notes: "",
                created_by: by,
                created_at: now,
            });
            if owner.is_none_or(|k| k % 2 == 0) {
                promos.push(NewPromotion {
                    brand_id: *id,
                    platform: "山东国资报道",
                    published_on: (on + Duration::days(7)).min(s.today),
                    title: format!("擦亮“{}”党建品牌", row.name),
                    link: "",
                    created_by: by,
                    created_at: now,
                });
            }
        }
        if let Some(on) = row.awarded_on {
            events.push(NewBrandEvent {
                brand_id: *id,
                kind: BrandEventKind::Exchange.code(),
                held_on: on,
                title: format!("{this}年党建品牌交流展示会"),
                place: "集团总部",
                notes: "交流创建经验，展示品牌建设成果。",
                created_by: by,
                created_at: now,
            });
            promos.push(NewPromotion {
                brand_id: *id,
                platform: "中企党建研究院",
                published_on: (on + Duration::days(7)).min(s.today),
                title: format!("“{}”获评集团公司优秀党建品牌", row.name),
                link: "",
                created_by: by,
                created_at: now,
            });
        }
    }
    s.count("品牌", ids.len());
    let n = insert_rows!(s, c, brand_events::table, events);
    s.count("品牌活动", n);
    let n = insert_rows!(s, c, brand_promotions::table, promos);
    s.count("品牌宣传", n);
    Ok(())
}

#[derive(Insertable)]
#[diesel(table_name = feedback_items)]
struct NewFeedback {
    code: String,
    channel: &'static str,
    category: &'static str,
    content: &'static str,
    name: &'static str,
    phone: &'static str,
    unit_id: Option<i32>,
    state: &'static str,
    received_on: NaiveDate,
    due_on: Option<NaiveDate>,
    triage_note: &'static str,
    assigned_at: Option<NaiveDateTime>,
    assigned_by: Option<i32>,
    reply: &'static str,
    replied_at: Option<NaiveDateTime>,
    replied_by: Option<i32>,
    close_note: &'static str,
    closed_at: Option<NaiveDateTime>,
    closed_by: Option<i32>,
    version: i32,
    created_by: Option<i32>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

const CONTENTS: &[&str] = &[
    "建议机关食堂延长晚餐供应时间，方便加班职工就餐。",
    "反映某项目监理人员旁站不到位，关键工序现场无人。",
    "投诉检测报告出具时间过长，影响工程验收进度。",
    "表扬项目部党员先锋岗同志主动帮助解决施工难题。",
    "建议简化差旅报销流程，减少纸质材料。",
    "反映个别窗口服务态度生硬，办事推诿。",
];
const NAMES: &[&str] = &["张先生", "李女士", "匿名", "王先生", "刘女士"];

/// A few items per branch and year: past years closed, this year in every state (recent
/// ones still 待分办 or 办理中, some past their reply day).
pub(super) fn feedback(s: &mut Synth<'_>, c: &mut DbConn) -> anyhow::Result<()> {
    let admin = s.admin;
    let mut rows = Vec::new();
    let years: Vec<i32> = s.years.iter().map(|y| y.year).collect();
    for year in years {
        let current = s.is_current(year);
        let span = if current {
            s.today.ordinal0() as usize
        } else {
            364
        };
        for b in &s.branches {
            for _ in 0..3 {
                let received = day_of(year, s.rng.below(span + 1), s.today);
                let age = (s.today - received).num_days();
                let state = if !current || age > 45 {
                    if s.rng.chance(95) {
                        FeedbackState::Closed
                    } else {
                        FeedbackState::Replied
                    }
                } else {
                    match s.rng.below(10) {
                        0..=1 => FeedbackState::Received,
                        2..=5 => FeedbackState::Assigned,
                        6..=7 => FeedbackState::Replied,
                        _ => FeedbackState::Closed,
                    }
                };
                let channel = FeedbackChannel::ALL[s.rng.below(FeedbackChannel::ALL.len())];
                let category = FeedbackCategory::ALL[s.rng.below(FeedbackCategory::ALL.len())];
                let step = |days: i64, hour: u32| {
                    at((received + Duration::days(days)).min(s.today), hour, 0).min(s.now)
                };
                let assigned = state != FeedbackState::Received;
                let replied = matches!(state, FeedbackState::Replied | FeedbackState::Closed);
                let closed = state == FeedbackState::Closed;
                let assigned_on = (received + Duration::days(1)).min(s.today);
                let steps = 1 + i32::from(assigned) + i32::from(replied) + i32::from(closed);
                rows.push(NewFeedback {
                    code: crate::services::feedback::new_code(),
                    channel: channel.code(),
                    category: category.code(),
                    content: CONTENTS[s.rng.below(CONTENTS.len())],
                    name: NAMES[s.rng.below(NAMES.len())],
                    phone: "",
                    unit_id: (assigned || channel == FeedbackChannel::Web).then_some(b.id),
                    state: state.code(),
                    received_on: received,
                    due_on: assigned.then(|| assigned_on + Duration::days(REPLY_DAYS)),
                    triage_note: if assigned {
                        "请核实情况并按期答复。"
                    } else {
                        ""
                    },
                    assigned_at: assigned.then(|| step(1, 2)),
                    assigned_by: assigned.then_some(admin),
                    reply: if replied {
                        "经核实，已责成相关部门整改并向反映人说明情况。"
                    } else {
                        ""
                    },
                    replied_at: replied.then(|| step(7, 3)),
                    replied_by: replied.then_some(b.secretary),
                    close_note: if closed {
                        "答复属实，予以办结。"
                    } else {
                        ""
                    },
                    closed_at: closed.then(|| step(9, 4)),
                    closed_by: closed.then_some(admin),
                    version: steps,
                    created_by: (channel != FeedbackChannel::Web).then_some(admin),
                    created_at: step(0, 1),
                    updated_at: step((steps as i64 - 1) * 3, 5),
                });
            }
        }
    }
    let n = insert_rows!(s, c, feedback_items::table, rows);
    s.count("意见反馈", n);
    Ok(())
}

#[derive(Insertable)]
#[diesel(table_name = assessment_scores)]
struct NewScore {
    scheme_id: i32,
    unit_id: i32,
    state: &'static str,
    version: i32,
    submitted_by: Option<i32>,
    submitted_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = assessment_lines)]
struct NewScoreLine {
    score_id: i32,
    indicator_id: i32,
    self_tenths: Option<i32>,
    self_note: &'static str,
    review_tenths: Option<i32>,
    review_note: &'static str,
    office_tenths: Option<i32>,
    office_note: &'static str,
}

/// The demo's 千分制 scheme for each year, and a score sheet for every general branch and
/// branch: past years closed, this year in every state (a few not started).
pub(super) fn assessment(s: &mut Synth<'_>, c: &mut DbConn) -> anyhow::Result<()> {
    crate::demo::assessment::seed(c, &s.years, s.now)?;
    let mut n_scores = 0;
    let mut n_lines = 0;
    let mut n_events = 0;
    let years: Vec<i32> = s.years.iter().map(|y| y.year).collect();
    for year in years {
        let current = s.is_current(year);
        let Some(scheme) = assessment::scheme_for_year(c, year)? else {
            continue;
        };
        let indicators = assessment::indicators(c, scheme.id)?;
        let leaves: Vec<&Indicator> = indicators.iter().filter(|i| !i.is_area()).collect();
        // (unit id, own account, reviewer above, directly under the committee)
        let mut units: Vec<(i32, i32, i32, bool)> = s
            .generals
            .iter()
            .map(|g| (g.id, g.reviewer, g.reviewer, true))
            .collect();
        units.extend(
            s.branches
                .iter()
                .map(|b| (b.id, b.secretary, s.generals[b.general].reviewer, false)),
        );
        let mut rows = Vec::new();
        let mut plans = Vec::new();
        for (i, (unit_id, own, reviewer, direct)) in units.into_iter().enumerate() {
            let reached = if !current {
                ReviewState::Closed
            } else {
                match i % 6 {
                    0 => continue,
                    1 => ReviewState::Draft,
                    2 if !direct => ReviewState::AwaitingGeneral,
                    2 | 3 => ReviewState::AwaitingCommittee,
                    _ => ReviewState::Closed,
                }
            };
            let submitted = if current {
                s.now - Duration::days(3 + (i % 20) as i64)
            } else {
                at(
                    NaiveDate::from_ymd_opt(year + 1, 1, 5 + (i % 10) as u32).unwrap_or(s.today),
                    1,
                    30,
                )
                .min(s.now)
            };
            let version = match reached {
                ReviewState::Draft => 1,
                ReviewState::AwaitingGeneral => 2,
                ReviewState::AwaitingCommittee if direct => 2,
                ReviewState::AwaitingCommittee => 3,
                _ if direct => 3,
                _ => 4,
            };
            let sent = reached != ReviewState::Draft;
            rows.push(NewScore {
                scheme_id: scheme.id,
                unit_id,
                state: reached.code(),
                version,
                submitted_by: sent.then_some(own),
                submitted_at: sent.then_some(submitted),
                created_at: submitted - Duration::days(10),
                updated_at: submitted,
            });
            plans.push((i, own, reviewer, direct, reached, submitted));
        }
        let ids = insert_ids!(s, c, assessment_scores::table, assessment_scores::id, rows);
        n_scores += ids.len();
        let mut lines = Vec::new();
        let mut events: Vec<Event> = Vec::new();
        for (id, (i, own, reviewer, direct, reached, submitted)) in ids.iter().zip(plans) {
            let vals = crate::demo::assessment_scores::values(i, &leaves, reached, direct);
            for (l, v) in leaves.iter().zip(&vals) {
                let note = |on: Option<i32>| {
                    if on.is_some_and(|x| x > 0) {
                        v.3
                    } else {
                        ""
                    }
                };
                lines.push(NewScoreLine {
                    score_id: *id,
                    indicator_id: l.id,
                    self_tenths: v.0,
                    self_note: note(v.0),
                    review_tenths: v.1,
                    review_note: note(v.1),
                    office_tenths: v.2,
                    office_note: note(v.2),
                });
            }
            if reached != ReviewState::Draft {
                trail(
                    &mut events,
                    crate::db::models::assessment_scores::ENTITY,
                    *id,
                    reached,
                    false,
                    direct,
                    (own, reviewer, s.admin),
                    submitted,
                    s.now,
                    "",
                );
            }
        }
        n_lines += insert_rows!(s, c, assessment_lines::table, lines);
        n_events += insert_rows!(s, c, review_events::table, events);
    }
    s.count("千分制评分表", n_scores);
    s.count("评分明细", n_lines);
    s.count("评分审核记录", n_events);
    Ok(())
}

/// Two 员工思想状况调查 a year at the committee; an incentive for one branch in ten a year.
pub(super) fn surveys_and_incentives(s: &mut Synth<'_>, c: &mut DbConn) -> anyhow::Result<()> {
    let now = s.now;
    let admin = Some(s.admin);
    let mut rows = Vec::new();
    let years: Vec<i32> = s.years.iter().map(|y| y.year).collect();
    for &year in &years {
        for (h, (m, label)) in [(5u32, "上半年"), (10, "下半年")].into_iter().enumerate() {
            let start = NaiveDate::from_ymd_opt(year, m, 9).unwrap_or(s.today);
            if start > s.today {
                continue;
            }
            rows.push((
                surveys::unit_id.eq(s.root),
                surveys::title.eq(format!("{year}年{label}员工思想状况调查")),
                surveys::period_start.eq(start),
                surveys::period_end.eq((start + Duration::days(18)).min(s.today)),
                surveys::method.eq(SurveyMethod::ALL[h % SurveyMethod::ALL.len()].code()),
                surveys::target_units.eq(""),
                surveys::participants.eq((s.branches.len() * 3 + h * 50) as i32),
                surveys::findings
                    .eq("员工对集团改革发展前景总体认同度高；青年员工关注职业发展通道。"),
                surveys::measures_taken.eq("完善专业技术职务晋升办法；落实项目一线轮休制度。"),
                surveys::version.eq(1),
                surveys::created_by.eq(admin),
                surveys::created_at.eq(now),
                surveys::updated_at.eq(now),
            ));
        }
    }
    let n = insert_rows!(s, c, surveys::table, rows);
    s.count("调查", n);
    let mut rows = Vec::new();
    for &year in &years {
        for (k, b) in s.branches.iter().enumerate() {
            if !(k + year as usize).is_multiple_of(10) {
                continue;
            }
            let kind = IncentiveKind::ALL[k % IncentiveKind::ALL.len()];
            rows.push((
                incentives::kind.eq(kind.code()),
                incentives::unit_id.eq(b.id),
                incentives::title.eq(match kind {
                    IncentiveKind::Commendation => "作风建设示范党支部",
                    IncentiveKind::Promotion => "“党旗在一线高高飘扬”系列报道",
                    IncentiveKind::Recommendation => "推荐为上级先进基层党组织",
                }),
                incentives::issuer.eq("集团公司党委"),
                incentives::awarded_on.eq(day_of(year, 120 + k % 200, s.today)),
                incentives::link.eq(""),
                incentives::notes.eq(""),
                incentives::version.eq(1),
                incentives::created_by.eq(admin),
                incentives::created_at.eq(now),
                incentives::updated_at.eq(now),
            ));
        }
    }
    let n = insert_rows!(s, c, incentives::table, rows);
    s.count("激励", n);
    Ok(())
}
