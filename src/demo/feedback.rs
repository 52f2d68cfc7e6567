//! Demo feedback (issue 12): items on every channel (信、网、电、微) and in every state (待分办,
//! 办理中 — some past their reply day —, 已答复, 已办结), in 2022 and in the current year, with
//! replies written by the demo branches' secretaries. Idempotent: when the first demo item is
//! there, nothing is added. Run inside the demo's write transaction after the accounts exist.

use chrono::{NaiveDate, NaiveDateTime};

use crate::db::models::campaigns::Campaign;
use crate::db::models::feedback::{self, NewItem, ENTITY};
use crate::db::models::{audit, units};
use crate::db::DbConn;
use crate::domain::feedback::{
    FeedbackCategory as Cat, FeedbackChannel as Ch, FeedbackState as St,
};

/// (channel, category, content, name, phone, unit code, final state, days before today it
/// was received — or a 2022 day —, reply)
struct Demo {
    channel: Ch,
    category: Cat,
    content: &'static str,
    name: &'static str,
    phone: &'static str,
    unit: &'static str,
    state: St,
    /// `Ok(days before today)` or `Err((month, day))` of 2022.
    when: Result<i64, (u32, u32)>,
    reply: &'static str,
}

const FIRST: &str = "建议机关食堂延长晚餐供应时间，方便加班职工就餐。";

fn demos() -> Vec<Demo> {
    use Cat::*;
    use Ch::*;
    use St::*;
    let d = |channel, category, content, name, phone, unit, state, when, reply| Demo {
        channel,
        category,
        content,
        name,
        phone,
        unit,
        state,
        when,
        reply,
    };
    vec![
        d(
            Web,
            Suggestion,
            FIRST,
            "",
            "",
            "ZB01",
            Closed,
            Err((3, 15)),
            "已协调后勤将晚餐供应延长至19:30，自4月1日起执行。",
        ),
        d(
            Letter,
            WorkStyle,
            "反映某项目监理人员旁站记录不及时、现场签字补签的问题。",
            "匿名",
            "",
            "ZB02",
            Closed,
            Err((6, 8)),
            "经核实，相关人员已批评教育并调离岗位，支部开展旁站记录专项检查。",
        ),
        d(
            Phone,
            Complaint,
            "来电反映检测报告出具时间过长，影响工程进度。",
            "孙先生",
            "0535-6688001",
            "ZB05",
            Closed,
            Err((9, 20)),
            "已优化检测流程，常规报告出具时间由7个工作日压缩至5个工作日。",
        ),
        d(
            Wechat,
            Praise,
            "微信留言表扬项目部党员突击队雨夜抢险，保障了通行安全。",
            "",
            "",
            "ZB01",
            Closed,
            Err((11, 2)),
            "感谢群众认可，已在支部大会上通报表扬。",
        ),
        d(
            Web,
            WorkStyle,
            "网上留言：个别窗口工作人员办事推诿，一次性告知不到位。",
            "",
            "",
            "ZB02",
            Received,
            Ok(2),
            "",
        ),
        d(
            Letter,
            Suggestion,
            "来信建议在一线项目部设立党员示范岗公示牌。",
            "钱女士",
            "",
            "ZB01",
            Received,
            Ok(5),
            "",
        ),
        d(
            Phone,
            WorkStyle,
            "来电反映个别会议时间过长、材料照本宣科。",
            "",
            "13800005678",
            "ZB02",
            Assigned,
            Ok(30),
            "",
        ),
        d(
            Wechat,
            Complaint,
            "微信反映报销审批环节多、周期长。",
            "",
            "",
            "ZB05",
            Assigned,
            Ok(25),
            "",
        ),
        d(
            Web,
            Suggestion,
            "建议定期公开作风建设问题整改进展。",
            "",
            "",
            "ZB01",
            Assigned,
            Ok(3),
            "",
        ),
        d(
            Letter,
            Other,
            "来信咨询职工培训学时认定办法。",
            "李先生",
            "",
            "ZB05",
            Replied,
            Ok(12),
            "培训学时按《职工教育培训管理办法》认定，线上课程按实际学习时长折算。",
        ),
        d(
            Web,
            Praise,
            "网上留言表扬检测中心服务热情、效率高。",
            "",
            "",
            "ZB02",
            Replied,
            Ok(9),
            "感谢您的肯定，我们将继续保持。",
        ),
        d(
            Phone,
            Suggestion,
            "来电建议增加夜间施工安全巡查频次。",
            "",
            "",
            "ZB01",
            Closed,
            Ok(40),
            "已将夜间巡查由每周2次增至每周3次。",
        ),
    ]
}

fn note(
    c: &mut DbConn,
    by: i32,
    action: &'static str,
    id: i32,
    unit_id: i32,
    summary: String,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    audit::Change::new(by, action, ENTITY, id, summary)
        .unit(unit_id)
        .record(c, now)?;
    Ok(())
}

pub fn seed(
    c: &mut DbConn,
    _campaigns: &[Campaign],
    actors: &super::Actors,
    today: NaiveDate,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    use diesel::prelude::*;
    let exists: i64 = crate::db::schema::feedback_items::table
        .filter(crate::db::schema::feedback_items::content.eq(FIRST))
        .count()
        .get_result(c)?;
    if exists > 0 {
        return Ok(());
    }
    let Some(admin) = actors.committee() else {
        return Ok(());
    };
    for (n, demo) in demos().into_iter().enumerate() {
        let Some(unit) = units::by_code(c, demo.unit)? else {
            continue;
        };
        let received_on = match demo.when {
            Ok(days) => today - chrono::Duration::days(days),
            Err((m, d)) => NaiveDate::from_ymd_opt(2022, m, d).unwrap_or(today),
        };
        let at = |day: NaiveDate, hour: u32| {
            day.and_hms_opt(hour, (n as u32 * 7) % 60, 0)
                .map(|t| t.min(now))
                .unwrap_or(now)
        };
        let item = NewItem {
            channel: demo.channel,
            category: demo.category,
            content: demo.content.to_string(),
            name: demo.name.to_string(),
            phone: demo.phone.to_string(),
            unit_id: (demo.channel == Ch::Web).then_some(unit.id),
            received_on,
        };
        let by = (demo.channel != Ch::Web).then_some(admin);
        let code = crate::services::feedback::new_code();
        let id = feedback::insert(c, &item, &code, by, at(received_on, 1))?;
        let state = demo.state;
        if state == St::Received {
            continue;
        }
        let assigned_on = (received_on + chrono::Duration::days(1)).min(today);
        let due = assigned_on + chrono::Duration::days(crate::domain::feedback::REPLY_DAYS);
        feedback::assign(
            c,
            id,
            St::Received,
            1,
            unit.id,
            due,
            "请核实办理并按期答复。",
            admin,
            at(assigned_on, 2),
        )?;
        note(
            c,
            admin,
            "assign",
            id,
            unit.id,
            format!("分办至{}，答复期限 {}", unit.name, crate::forms::ymd(due)),
            at(assigned_on, 2),
        )?;
        if state == St::Assigned {
            continue;
        }
        let replier = actors.branch(&unit).unwrap_or(admin);
        let replied_on = (assigned_on + chrono::Duration::days(6)).min(today);
        feedback::reply(c, id, 2, demo.reply, replier, at(replied_on, 3))?;
        note(
            c,
            replier,
            "reply",
            id,
            unit.id,
            format!("{}答复", unit.name),
            at(replied_on, 3),
        )?;
        if state == St::Replied {
            continue;
        }
        let closed_on = (replied_on + chrono::Duration::days(2)).min(today);
        feedback::close(
            c,
            id,
            St::Replied,
            3,
            "答复属实，予以办结。",
            admin,
            at(closed_on, 4),
        )?;
        note(
            c,
            admin,
            "close",
            id,
            unit.id,
            "办结".into(),
            at(closed_on, 4),
        )?;
    }
    Ok(())
}
