//! The task force (一线专班): the office assigns its staff to units; each member sees their
//! units with open and overdue items. Nobody else gets near it.

use crate::helpers::*;
use crate::rect::{ids, snapshot};

async fn office_assigns_and_removes_members(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let page = admin.get("/taskforce").await;
    assert_eq!(page.status, 200);
    page.assert_contains("监理一分公司党支部");
    page.assert_contains("data-confirm=");
    let admin_id = app.user_id("admin").to_string();
    let zb01 = app.unit_id("ZB01").to_string();
    let before = snapshot(&app);
    admin
        .post("/taskforce", &[("user_id", &admin_id), ("unit_id", &zb01)])
        .await
        .assert_redirect("/taskforce");
    assert_eq!(app.count("task_force"), before[5] + 1);
    assert_eq!(app.count("audit_log WHERE entity = 'task_force'"), 1);
    // Bad input: kept, explained, nothing written.
    let zhibu01 = app.user_id("zhibu01").to_string();
    let before = snapshot(&app);
    for (user, unit, message) in [
        (admin_id.as_str(), zb01.as_str(), "该成员已联系这个单位"),
        (zhibu01.as_str(), zb01.as_str(), "须为党群工作部的在用账户"),
        ("", zb01.as_str(), "请选择专班成员"),
        (admin_id.as_str(), "abc", "请选择联系单位"),
        ("999999", zb01.as_str(), "该用户不存在"),
        (admin_id.as_str(), "999999", "该单位不存在"),
    ] {
        let res = admin
            .post("/taskforce", &[("user_id", user), ("unit_id", unit)])
            .await;
        assert_eq!(res.status, 422, "{user} {unit}");
        res.assert_contains(message);
        assert_eq!(snapshot(&app), before);
    }
    // My units, with their open and overdue items.
    let mine = admin.get("/taskforce/mine").await;
    assert_eq!(mine.status, 200);
    mine.assert_contains("综合办公室党支部");
    mine.assert_contains("监理二分公司党支部");
    mine.assert_contains("light light-red");
    // Remove the new assignment.
    let id = ids(
        &app,
        &format!("SELECT id AS id FROM task_force WHERE unit_id = {zb01}"),
    )[0];
    admin
        .post(&format!("/taskforce/{id}/delete"), &[])
        .await
        .assert_redirect("/taskforce");
    assert_eq!(app.count(&format!("task_force WHERE id = {id}")), 0);
    assert_eq!(
        admin.post("/taskforce/999999/delete", &[]).await.status,
        404
    );
}

async fn only_the_office_reaches_the_task_force(app: TestApp) {
    let id = ids(&app, "SELECT id AS id FROM task_force")[0];
    let admin_id = app.user_id("admin").to_string();
    let zb01 = app.unit_id("ZB01").to_string();
    for who in ["zhibu01", "zongzhi01", "viewer"] {
        let b = app.signed_in(who).await;
        let before = snapshot(&app);
        assert_eq!(b.get("/taskforce").await.status, 403, "{who}");
        assert_eq!(b.get("/taskforce/mine").await.status, 403, "{who}");
        let res = b
            .post("/taskforce", &[("user_id", &admin_id), ("unit_id", &zb01)])
            .await;
        assert_eq!(res.status, 403, "{who}");
        let res = b.post(&format!("/taskforce/{id}/delete"), &[]).await;
        assert_eq!(res.status, 403, "{who}");
        assert_eq!(snapshot(&app), before);
    }
    // And the nav shows it to the office only.
    let admin = app.signed_in("admin").await;
    admin
        .get("/home")
        .await
        .assert_contains("href=\"/taskforce\"");
    let sec = app.signed_in("zhibu01").await;
    let home = sec.get("/home").await;
    home.assert_lacks("href=\"/taskforce\"");
    home.assert_contains("href=\"/rect\"");
}

both!(
    office_assigns_and_removes_members,
    only_the_office_reaches_the_task_force,
);
