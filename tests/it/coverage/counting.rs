//! The numbers: the hand-checked case per unit and overall, a person counted once, the kinds
//! and the group chosen, hours against the quota.

use super::*;

const PAGE: &str = "/activities/coverage";

async fn the_hand_checked_case(app: TestApp) {
    roster(&app);
    let admin = app.signed_in("admin").await;
    // The defaults: this year, 党员, 培训 and 考试.
    let page = admin.get(PAGE).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let lines = units(&page.body);
    // ZB01: 5 counted (李三 who left before the first training and 钱五 who left mid-year
    // included), 3 covered, 1 reached 32 h (张一, 36 h).
    assert_eq!(lines["ZB01"], (5, 3, 1));
    assert_eq!(lines["ZB02"], (3, 2, 0));
    assert_eq!(lines["ZZ01"], (8, 5, 1));
    assert_eq!(lines["DW"], (8, 5, 1));
    assert_eq!(lines["ZB05"], (0, 0, 0));
    assert_eq!(overall(&page.body), Some((8, 5, 1)));
    page.assert_contains("60.0%"); // ZB01: 3 / 5
    page.assert_contains("62.5%"); // overall: 5 / 8
    page.assert_contains("人均学时");
    // ZB01's hours: 36 + 16 + 16 = 68 over 5 people.
    page.assert_contains("13.6");
    // Who is not covered, so the office can act: 李三, 赵四 (2 h of a 座谈 so far), 陈丙.
    let mut names = people(&page.body);
    names.sort();
    let mut expected = vec!["李三", "赵四", "陈丙"];
    expected.sort();
    assert_eq!(names, expected);
    page.assert_contains("尚未覆盖的党员（3 人）");
    // Typed participant counts name nobody: the page says they do not count.
    page.assert_contains("不计入覆盖率");

    // Last year: only 李三 (active then, at a December training) and 陈丙 (at a March one)
    // of those on the roster in 2025; 周七 had not joined, everyone else is counted too.
    let page = admin.get(&format!("{PAGE}?year=2025")).await;
    let lines = units(&page.body);
    // 2025 counts ZB01: 张一, 王二, 李三, 赵四, 钱五, 吴八 (left on the year's last day).
    assert_eq!(lines["ZB01"], (6, 1, 0));
    assert_eq!(lines["ZB02"], (3, 1, 0));
    assert_eq!(overall(&page.body), Some((9, 2, 0)));
}

async fn one_person_counts_once(app: TestApp) {
    roster(&app);
    // 郑甲 (ZB02) attended activities of the committee and of ZB01: one person covered in
    // ZB02, in ZZ01 and in the committee's line, and once overall, for every user who sees
    // him.
    let admin = app.signed_in("admin").await;
    let page = admin.get(PAGE).await;
    let lines = units(&page.body);
    assert_eq!(lines["ZB02"].1, 2);
    assert_eq!(
        lines["ZB01"].1 + lines["ZB02"].1,
        overall(&page.body).expect("overall").1
    );
    let reviewer = app.signed_in("zongzhi01").await;
    let page = reviewer.get(PAGE).await;
    assert_eq!(overall(&page.body), Some((8, 5, 1)));
    assert_eq!(units(&page.body)["ZZ01"], (8, 5, 1));
    // Picking a unit: that unit and what lies under it.
    let zb02 = app.unit_id("ZB02");
    let page = reviewer.get(&format!("{PAGE}?unit={zb02}")).await;
    assert_eq!(overall(&page.body), Some((3, 2, 0)));
    assert_eq!(units(&page.body).len(), 1);
}

async fn kinds_and_group_choose_what_counts(app: TestApp) {
    roster(&app);
    let admin = app.signed_in("admin").await;
    let cases: [(&str, Line, Line, Line); 5] = [
        // (kinds, ZB01, ZB02, overall) with the quota of 32 h of those kinds.
        ("kind=training", (5, 3, 0), (3, 1, 0), (8, 4, 0)),
        ("kind=exam", (5, 1, 0), (3, 2, 0), (8, 3, 0)),
        ("kind=symposium", (5, 1, 0), (3, 0, 0), (8, 1, 0)),
        ("kind=symposium&kind=exam", (5, 2, 0), (3, 2, 0), (8, 4, 0)),
        ("kind=training&kind=exam", (5, 3, 1), (3, 2, 0), (8, 5, 1)),
    ];
    for (kinds, zb01, zb02, all) in cases {
        let page = admin.get(&format!("{PAGE}?year=2026&{kinds}")).await;
        let lines = units(&page.body);
        assert_eq!(lines["ZB01"], zb01, "{kinds}");
        assert_eq!(lines["ZB02"], zb02, "{kinds}");
        assert_eq!(overall(&page.body), Some(all), "{kinds}");
    }
    // The chosen kinds stay ticked, in words in the print view.
    let page = admin
        .get(&format!("{PAGE}?kind=symposium&kind=exam&print=1"))
        .await;
    page.assert_contains(r#"value="exam" checked"#);
    page.assert_contains(r#"value="symposium" checked"#);
    page.assert_lacks(r#"value="training" checked"#);
    page.assert_contains("活动类型：考试、座谈");
    // Unknown kinds are ignored: the defaults.
    let page = admin.get(&format!("{PAGE}?kind=nonsense")).await;
    assert_eq!(overall(&page.body), Some((8, 5, 1)));
    // Another group: 入党积极分子 (孙六, at T1).
    let page = admin.get(&format!("{PAGE}?group=activist")).await;
    assert_eq!(overall(&page.body), Some((1, 1, 0)));
    page.assert_contains("2026 年入党积极分子覆盖率");
    // 组工干部: 张一 only.
    let page = admin.get(&format!("{PAGE}?group=org_cadre")).await;
    assert_eq!(overall(&page.body), Some((1, 1, 1)));
}

async fn hours_against_the_quota(app: TestApp) {
    roster(&app);
    let admin = app.signed_in("admin").await;
    let page = admin.get(PAGE).await;
    // Quota 32: only 张一 (36 h); 1 of 8 = 12.5%.
    assert_eq!(overall(&page.body).map(|l| l.2), Some(1));
    page.assert_contains("1 / 12.5%");
    page.assert_contains(r#"data-quota="32""#);
    // The year's quota set to 20 h: 张一 36, 郑甲 26 and 冯乙 exactly 20 reach it.
    app.exec("UPDATE campaigns SET hours_quota = 20 WHERE year = 2026");
    let page = admin.get(PAGE).await;
    assert_eq!(units(&page.body)["ZB01"].2, 1);
    assert_eq!(units(&page.body)["ZB02"].2, 2);
    assert_eq!(overall(&page.body).map(|l| l.2), Some(3));
    page.assert_contains(r#"data-quota="20""#);
    page.assert_contains("每人每年 20 学时");
    page.assert_contains("3 / 37.5%");
    // A year without a campaign: 32.
    let page = admin.get(&format!("{PAGE}?year=2031")).await;
    page.assert_contains("每人每年 32 学时");
}

async fn an_empty_roster_says_so(app: TestApp) {
    app.exec("DELETE FROM activity_attendance; DELETE FROM activities; DELETE FROM roster_people;");
    let admin = app.signed_in("admin").await;
    let page = admin.get(PAGE).await;
    assert_eq!(page.status, 200);
    page.assert_contains("没有 2026 年在册的党员，无法计算覆盖率");
    assert_eq!(overall(&page.body), None);
    // Everyone covered: the list says so instead of an empty table.
    roster(&app);
    let page = admin.get(&format!("{PAGE}?group=org_cadre")).await;
    page.assert_contains("均已参加过所选类型的活动");
}

/// Seen again the same day after a training's attendance is ticked, the page counts the
/// person and no longer lists them as not covered: nothing kept from before is shown.
async fn a_person_ticked_at_a_training_leaves_the_list(app: TestApp) {
    use diesel::prelude::*;
    use zuofeng::db::schema::roster_people as r;
    roster(&app);
    let admin = app.signed_in("admin").await;
    let page = admin.get(PAGE).await;
    assert!(
        people(&page.body).iter().any(|n| n == "赵四"),
        "{}",
        page.body
    );
    assert_eq!(overall(&page.body), Some((8, 5, 1)));
    let zhao: i32 = {
        let mut c = app.db.conn().expect("conn");
        r::table
            .filter(r::name.eq("赵四"))
            .select(r::id)
            .first(&mut *c)
            .expect("赵四")
    };
    let sec = app.signed_in("zhibu01").await;
    let id = crate::activities::create(&sec, app.unit_id("ZB01"), "training").await;
    let v = crate::activities::ver(&app, id);
    sec.post(
        &format!("/activities/{id}/attendance"),
        &[("version", v.as_str()), ("person", &zhao.to_string())],
    )
    .await
    .assert_redirect(&format!("/activities/{id}"));
    let page = admin.get(PAGE).await;
    assert!(
        !people(&page.body).iter().any(|n| n == "赵四"),
        "{}",
        page.body
    );
    assert_eq!(overall(&page.body), Some((8, 6, 1)));
    page.assert_contains("尚未覆盖的党员（2 人）");
}

both!(
    a_person_ticked_at_a_training_leaves_the_list,
    the_hand_checked_case,
    one_person_counts_once,
    kinds_and_group_choose_what_counts,
    hours_against_the_quota,
    an_empty_roster_says_so,
);
