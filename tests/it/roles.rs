//! Who may see and do what: navigation, unit pages and lists by role, and the office-only
//! pages and actions refused (403, nothing written) for everyone else.

use crate::helpers::*;

fn assert_forbidden(page: &Page, what: &str) {
    assert_eq!(
        page.status, 403,
        "{what}: expected 403, got {}: {}",
        page.status, page.body
    );
    page.assert_contains("无权访问");
}

async fn office_sees_user_admin_in_navigation(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let home = admin.get("/home").await;
    home.assert_contains("href=\"/users\"");
    home.assert_contains("用户管理");
    home.assert_contains("href=\"/audit\"");

    for name in ["zhibu01", "zongzhi01", "viewer"] {
        let b = app.signed_in(name).await;
        for path in ["/home", "/units"] {
            let page = b.get(path).await;
            assert_eq!(page.status, 200, "{name} {path}");
            page.assert_contains("href=\"/units\"");
            page.assert_lacks("href=\"/users\"");
            page.assert_lacks("用户管理");
            page.assert_lacks("href=\"/audit\"");
        }
    }
}

async fn unit_pages_follow_the_reading_rules(app: TestApp) {
    let all = [
        "DW", "ZZ01", "ZB01", "ZB02", "ZB03", "ZB04", "ZZ02", "ZB05", "ZB06", "ZB07", "ZZ03",
        "ZB08", "ZB09", "ZB10", "ZB11", "ZB12",
    ];
    let rules: [(&str, &[&str]); 5] = [
        ("zhibu01", &["ZB01"]),
        ("zhibu03", &["ZB05"]),
        ("zongzhi01", &["ZZ01", "ZB01", "ZB02", "ZB03", "ZB04"]),
        ("viewer", &all),
        ("admin", &all),
    ];
    for (name, allowed) in rules {
        let b = app.signed_in(name).await;
        for code in all {
            let page = b.get(&format!("/units/{}", app.unit_id(code))).await;
            if allowed.contains(&code) {
                assert_eq!(page.status, 200, "{name} reading {code}: {}", page.body);
            } else {
                assert_forbidden(&page, &format!("{name} reading {code}"));
            }
        }
    }
}

async fn secretary_reads_only_own_branch(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let own = b.get(&format!("/units/{}", app.unit_id("ZB01"))).await;
    assert_eq!(own.status, 200);
    own.assert_contains("综合办公室党支部");
    // Members of the own branch are listed; the trail hides units the secretary may not read.
    own.assert_contains("李明");
    own.assert_lacks(&format!("href=\"/units/{}\"", app.unit_id("ZZ01")));
    // No management buttons for a secretary.
    own.assert_lacks("/edit\"");
    own.assert_lacks("新增下级单位");

    assert_forbidden(
        &b.get(&format!("/units/{}", app.unit_id("ZB02"))).await,
        "ZB02",
    );
    let parent = b.get(&format!("/units/{}", app.unit_id("ZZ01"))).await;
    assert_forbidden(&parent, "ZZ01");
    // The header names the user's own unit; the page itself shows nothing of ZZ01's.
    assert!(
        !parent.main().contains("综合办公室党支部"),
        "{}",
        parent.main()
    );
}

async fn unit_list_is_scoped_to_the_role(app: TestApp) {
    let sec = app.signed_in("zhibu01").await;
    let list = sec.get("/units").await;
    assert_eq!(list.status, 200);
    list.assert_contains("综合办公室党支部");
    list.assert_contains("共 1 个单位");
    for other in [
        "党群工作部党支部",
        "总部机关党总支",
        "监理一分公司党支部",
        "工程咨询集团党委",
    ] {
        list.assert_lacks(other);
    }
    list.assert_lacks("新增单位");

    let rev = app.signed_in("zongzhi01").await;
    let list = rev.get("/units").await;
    assert_eq!(list.status, 200);
    for mine in [
        "总部机关党总支",
        "综合办公室党支部",
        "党群工作部党支部",
        "财务管理部党支部",
        "工程技术部党支部",
        "人力资源部党支部",
        "离退休职工党支部",
    ] {
        list.assert_contains(mine);
    }
    list.assert_contains("共 7 个单位");
    for other in [
        "检测中心党支部",
        "监理公司党总支",
        "监理一分公司党支部",
        "设计院党支部",
    ] {
        list.assert_lacks(other);
    }

    let viewer = app.signed_in("viewer").await;
    let list = viewer.get("/units").await;
    list.assert_contains("共 22 个单位");
    list.assert_contains("检测中心党支部");
    list.assert_lacks("新增单位");
    list.assert_lacks("/edit\"");

    let admin = app.signed_in("admin").await;
    let list = admin.get("/units").await;
    list.assert_contains("共 22 个单位");
    list.assert_contains("href=\"/units/new\"");
}

async fn office_pages_are_refused_to_everyone_else(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let zhibu02 = app.user_id("zhibu02");
    let paths = [
        "/users".to_string(),
        "/users?role=secretary".to_string(),
        "/users/new".to_string(),
        format!("/users/{zhibu02}/edit"),
        "/audit".to_string(),
        "/units/new".to_string(),
        format!("/units/{zb01}/edit"),
    ];
    for name in ["zhibu01", "zongzhi01", "viewer"] {
        let b = app.signed_in(name).await;
        for path in &paths {
            let page = b.get(path).await;
            assert_forbidden(&page, &format!("{name} GET {path}"));
            // The refusal is a page of its own, not the form or list with data (the header
            // keeps the user's sign-out form).
            assert!(!page.main().contains("csrf_token"), "{name} GET {path}");
            page.assert_contains("<nav class=\"mainnav\"");
        }
    }
    let admin = app.signed_in("admin").await;
    for path in &paths {
        let page = admin.get(path).await;
        assert_eq!(page.status, 200, "admin GET {path}: {}", page.body);
    }
}

async fn anonymous_visitors_are_sent_to_sign_in(app: TestApp) {
    let b = app.browser();
    let zb01 = app.unit_id("ZB01");
    for path in [
        "/units".to_string(),
        format!("/units/{zb01}"),
        "/users".to_string(),
    ] {
        let page = b.get(&path).await;
        assert_eq!(page.status, 303, "{path}");
        let to = page.location.clone().unwrap_or_default();
        assert!(to.starts_with("/login"), "{path} went to {to}");
    }
}

async fn non_office_writes_are_refused_and_nothing_changes(app: TestApp) {
    let zz02 = app.unit_id("ZZ02").to_string();
    let zz01 = app.unit_id("ZZ01").to_string();
    let zb01 = app.unit_id("ZB01");
    let zb06 = app.unit_id("ZB06").to_string();
    let zhibu02 = app.user_id("zhibu02");
    let units_before = app.count("units");
    let users_before = app.count("users");

    for name in ["zhibu01", "zongzhi01", "viewer"] {
        let b = app.signed_in(name).await;
        let own_id = app.user_id(name);
        // Sign-ins are audited; from here on nothing may be.
        let audit_before = app.count("audit_log");

        let page = b
            .post(
                "/units",
                &[
                    ("name", "越权新增党支部"),
                    ("code", "HACK01"),
                    ("kind", "branch"),
                    ("parent_id", &zz02),
                    ("category", "subsidiary"),
                    ("sort_order", "1"),
                    ("active", "on"),
                ],
            )
            .await;
        assert_forbidden(&page, &format!("{name} POST /units"));

        // Even a secretary's own branch may not be edited by them.
        let page = b
            .post(
                &format!("/units/{zb01}"),
                &[
                    ("name", "越权改名党支部"),
                    ("code", "ZB01"),
                    ("kind", "branch"),
                    ("parent_id", &zz01),
                    ("category", "hq"),
                    ("sort_order", "0"),
                    ("active", "on"),
                ],
            )
            .await;
        assert_forbidden(&page, &format!("{name} POST /units/{{id}}"));

        let page = b
            .post(
                "/users",
                &[
                    ("username", "hacker"),
                    ("display_name", "越权用户"),
                    ("role", "office"),
                    ("unit_id", &zb06),
                    ("password", "Hack-pass-2026"),
                ],
            )
            .await;
        assert_forbidden(&page, &format!("{name} POST /users"));

        // Not even promoting oneself.
        let own_unit = match name {
            "zhibu01" => app.unit_id("ZB01"),
            "zongzhi01" => app.unit_id("ZZ01"),
            _ => app.unit_id("DW"),
        }
        .to_string();
        for (target, uname) in [(zhibu02, "zhibu02"), (own_id, name)] {
            let page = b
                .post(
                    &format!("/users/{target}"),
                    &[
                        ("username", uname),
                        ("display_name", "越权改名"),
                        ("role", "office"),
                        ("unit_id", &own_unit),
                    ],
                )
                .await;
            assert_forbidden(&page, &format!("{name} POST /users/{target}"));
        }

        let page = b.post(&format!("/users/{zhibu02}/disable"), &[]).await;
        assert_forbidden(&page, &format!("{name} disable"));
        let page = b
            .post(
                &format!("/users/{zhibu02}/password"),
                &[("password", "Taken-over-2026")],
            )
            .await;
        assert_forbidden(&page, &format!("{name} reset password"));
        let page = b.post(&format!("/users/{zhibu02}/enable"), &[]).await;
        assert_forbidden(&page, &format!("{name} enable"));

        assert_eq!(
            app.count("audit_log"),
            audit_before,
            "{name}: audit rows written"
        );
        assert_eq!(app.count("units"), units_before);
        assert_eq!(app.count("users"), users_before);
        assert_eq!(
            app.count("units WHERE code = 'HACK01' OR name LIKE '越权%'"),
            0
        );
        assert_eq!(
            app.count("users WHERE username = 'hacker' OR display_name = '越权改名'"),
            0
        );
        assert_eq!(app.count("users WHERE role = 'office'"), 1);
        assert_eq!(
            app.count("users WHERE username = 'zhibu02' AND active AND NOT must_change_password"),
            1
        );
        // The caller is still signed in and unchanged.
        assert_eq!(b.get("/home").await.status, 200);
    }

    // zhibu02's password was not touched.
    let victim = app.browser();
    assert_eq!(victim.login("zhibu02", DEMO_PASSWORD).await.status, 303);
    assert_eq!(victim.get("/home").await.status, 200);
}

async fn reviewer_cannot_see_members_of_other_general_branches(app: TestApp) {
    let rev = app.signed_in("zongzhi01").await;
    let own = rev.get(&format!("/units/{}", app.unit_id("ZZ01"))).await;
    assert_eq!(own.status, 200);
    own.assert_contains("王建国");
    // Its branches are listed as children.
    own.assert_contains("综合办公室党支部");
    own.assert_contains("工程技术部党支部");
    let branch = rev.get(&format!("/units/{}", app.unit_id("ZB01"))).await;
    branch.assert_contains("李明");
    let other = rev.get(&format!("/units/{}", app.unit_id("ZB05"))).await;
    assert_forbidden(&other, "ZB05");
    other.assert_lacks("刘洋");
}

both!(
    office_sees_user_admin_in_navigation,
    unit_pages_follow_the_reading_rules,
    secretary_reads_only_own_branch,
    unit_list_is_scoped_to_the_role,
    office_pages_are_refused_to_everyone_else,
    anonymous_visitors_are_sent_to_sign_in,
    non_office_writes_are_refused_and_nothing_changes,
    reviewer_cannot_see_members_of_other_general_branches,
);
