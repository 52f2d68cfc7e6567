//! Unit scope: a secretary sees her branch, a general branch its subtree, the office and the
//! viewer everything; a unit outside the user's scope is refused (403), on the page and the
//! export alike.

use super::*;

const PAGE: &str = "/activities/coverage";

async fn each_sees_their_units(app: TestApp) {
    roster(&app);
    let sec = app.signed_in("zhibu01").await;
    let page = sec.get(PAGE).await;
    assert_eq!(page.status, 200);
    let lines = units(&page.body);
    assert_eq!(lines.keys().collect::<Vec<_>>(), ["ZB01"]);
    assert_eq!(overall(&page.body), Some((5, 3, 1)));
    let names = people(&page.body);
    assert!(names.contains(&"李三".to_string()), "{names:?}");
    assert!(!names.contains(&"陈丙".to_string()), "{names:?}");
    page.assert_lacks("党群工作部党支部");

    let reviewer = app.signed_in("zongzhi01").await;
    let page = reviewer.get(PAGE).await;
    let lines = units(&page.body);
    assert!(lines.contains_key("ZB02") && lines.contains_key("ZZ01"));
    assert!(!lines.contains_key("ZB05") && !lines.contains_key("DW"));

    for who in ["admin", "viewer"] {
        let b = app.signed_in(who).await;
        let page = b.get(PAGE).await;
        assert_eq!(overall(&page.body), Some((8, 5, 1)), "{who}");
        assert!(units(&page.body).contains_key("ZB18"), "{who}");
    }

    // Another branch's people are somebody else's: nothing of them on ZB05's page.
    let other = app.signed_in("zhibu03").await;
    let page = other.get(PAGE).await;
    assert_eq!(page.status, 200);
    assert_eq!(overall(&page.body), None);
    page.assert_lacks("李三");
}

async fn another_unit_is_refused(app: TestApp) {
    roster(&app);
    let zb01 = app.unit_id("ZB01");
    let zb02 = app.unit_id("ZB02");
    let zb05 = app.unit_id("ZB05");
    let zz01 = app.unit_id("ZZ01");
    let sec = app.signed_in("zhibu01").await;
    for unit in [zb02, zz01, zb05] {
        let page = sec.get(&format!("{PAGE}?unit={unit}")).await;
        assert_eq!(page.status, 403, "unit {unit}");
        page.assert_lacks("陈丙");
        let (status, _, _) = sec.download(&format!("{PAGE}/export?unit={unit}")).await;
        assert_eq!(status, 403, "export of unit {unit}");
    }
    assert_eq!(sec.get(&format!("{PAGE}?unit={zb01}")).await.status, 200);
    let reviewer = app.signed_in("zongzhi01").await;
    assert_eq!(
        reviewer.get(&format!("{PAGE}?unit={zb05}")).await.status,
        403
    );
    assert_eq!(
        reviewer.get(&format!("{PAGE}?unit={zb02}")).await.status,
        200
    );
    // A unit that does not exist.
    let admin = app.signed_in("admin").await;
    assert_eq!(admin.get(&format!("{PAGE}?unit=999999")).await.status, 404);
    // Signed out: to the sign-in page.
    let anon = app.browser();
    let res = anon.get(PAGE).await;
    assert_eq!(res.status, 303);
    assert!(res.location.unwrap_or_default().starts_with("/login"));
}

async fn pages_and_print_view(app: TestApp) {
    roster(&app);
    // 25 more members of ZB01 not covered: two pages of 20, every one in the print view.
    let zb01 = app.unit_id("ZB01");
    let mut sql = String::new();
    for i in 0..25 {
        sql.push_str(&format!(
            "INSERT INTO roster_people (unit_id, name, categories, created_at, updated_at) \
             VALUES ({zb01}, '新党员{i:02}', ',party_member,', '2026-01-01 00:00:00', '2026-01-01 00:00:00');"
        ));
    }
    app.exec(&sql);
    let admin = app.signed_in("admin").await;
    let first = admin.get(PAGE).await;
    assert_eq!(people(&first.body).len(), 20);
    first.assert_contains("共 28 条");
    let second = admin.get(&format!("{PAGE}?page=2")).await;
    assert_eq!(people(&second.body).len(), 8);
    let print = admin.get(&format!("{PAGE}?print=1")).await;
    assert_eq!(people(&print.body).len(), 28);
    print.assert_contains("data-print");
    print.assert_contains(
        "筛选条件：年度：2026年；人员类别：党员；活动类型：培训、考试；单位：全部（含下级）",
    );
    print.assert_contains("期间：2026年");
}

both!(
    each_sees_their_units,
    another_unit_is_refused,
    pages_and_print_view
);
