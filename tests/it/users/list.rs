//! Finding accounts: filters, case-insensitive search, pages.

use super::*;

async fn user_list_filters(app: TestApp) {
    let admin = app.signed_in("admin").await;

    let all = admin.get("/users").await;
    all.assert_contains("共 6 条");
    for name in [
        "admin",
        "viewer",
        "zongzhi01",
        "zhibu01",
        "zhibu02",
        "zhibu03",
    ] {
        assert_eq!(rows_of(&all, name), 1, "{name}");
    }

    let page = admin.get("/users?role=secretary").await;
    assert_eq!(rows_of(&page, "zhibu01"), 1);
    assert_eq!(rows_of(&page, "zongzhi01"), 0);
    assert_eq!(rows_of(&page, "admin"), 0);
    page.assert_contains("共 3 条");
    page.assert_contains("<option value=\"secretary\" selected>");

    let page = admin.get("/users?q=zhibu0").await;
    page.assert_contains("共 3 条");
    for name in ["zhibu01", "zhibu02", "zhibu03"] {
        assert_eq!(rows_of(&page, name), 1, "{name}");
    }
    assert_eq!(rows_of(&page, "zongzhi01"), 0);
    assert_eq!(page.input_value("q").as_deref(), Some("zhibu0"));

    // By name too.
    let page = admin.get("/users?q=%E6%9D%8E").await; // 李
    page.assert_contains("共 1 条");
    assert_eq!(rows_of(&page, "zhibu01"), 1);

    // A unit means that unit and everything under it.
    let zz01 = app.unit_id("ZZ01");
    let page = admin.get(&format!("/users?unit={zz01}")).await;
    for name in ["zhibu01", "zhibu02", "zongzhi01"] {
        assert_eq!(rows_of(&page, name), 1, "{name}");
    }
    assert_eq!(rows_of(&page, "zhibu03"), 0);
    assert_eq!(rows_of(&page, "admin"), 0);
    page.assert_contains("共 3 条");

    let page = admin
        .get(&format!("/users?unit={}", app.unit_id("ZB05")))
        .await;
    page.assert_contains("共 1 条");
    assert_eq!(rows_of(&page, "zhibu03"), 1);

    let page = admin.get("/users?status=disabled").await;
    assert_eq!(page.status, 200);
    page.assert_contains("没有符合条件的用户");
    page.assert_contains("共 0 条");

    let page = admin.get("/users?status=active&role=reviewer").await;
    page.assert_contains("共 1 条");
    assert_eq!(rows_of(&page, "zongzhi01"), 1);

    // LIKE wildcards are searched as text.
    for q in ["%25", "_", "%5C"] {
        let page = admin.get(&format!("/users?q={q}")).await;
        assert_eq!(page.status, 200, "{q}");
        page.assert_contains("没有符合条件的用户");
    }

    // Nonsense filters are ignored or answered plainly, never with an error.
    for query in [
        "?role=root",
        "?unit=abc",
        "?unit=99999",
        "?status=x",
        "?page=-3",
        "?page=abc",
    ] {
        let page = admin.get(&format!("/users{query}")).await;
        assert_eq!(page.status, 200, "{query}: {}", page.body);
    }
    admin
        .get("/users?unit=99999")
        .await
        .assert_contains("共 6 条");
}

async fn user_search_ignores_letter_case(app: TestApp) {
    // Usernames are stored in lower case; a search typed in capitals finds them on both
    // databases alike.
    let admin = app.signed_in("admin").await;
    let page = admin.get("/users?q=ZHIBU0").await;
    page.assert_contains("共 3 条");
    assert_eq!(rows_of(&page, "zhibu01"), 1);
}

async fn user_list_pages(app: TestApp) {
    let zb12 = app.unit_id("ZB12");
    {
        let mut conn = app.db.conn().expect("connection");
        for i in 1..=25 {
            let fields = UserFields {
                username: format!("bulk-user-{i:02}"),
                display_name: format!("批量用户{i:02}"),
                role: Role::Secretary,
                unit_id: zb12,
            };
            user_rows::insert(&mut conn, &fields, "not-a-real-hash", false, start_time())
                .expect("insert user");
        }
    }
    let mut everyone: Vec<String> = [
        "admin",
        "viewer",
        "zongzhi01",
        "zhibu01",
        "zhibu02",
        "zhibu03",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    everyone.extend((1..=25).map(|i| format!("bulk-user-{i:02}")));

    let admin = app.signed_in("admin").await;
    let p1 = admin.get("/users").await;
    p1.assert_contains("共 31 条");
    p1.assert_contains("第 1 / 2 页");
    assert_eq!(paging_link(&p1, "下一页").as_deref(), Some("?page=2"));
    p1.assert_lacks("上一页");
    let p2 = admin.get("/users?page=2").await;
    p2.assert_contains("共 31 条");
    p2.assert_contains("第 2 / 2 页");
    assert_eq!(paging_link(&p2, "上一页").as_deref(), Some("?page=1"));
    p2.assert_lacks("下一页");

    let on1: Vec<&String> = everyone.iter().filter(|u| rows_of(&p1, u) == 1).collect();
    let on2: Vec<&String> = everyone.iter().filter(|u| rows_of(&p2, u) == 1).collect();
    assert_eq!(on1.len(), 20, "page 1: {on1:?}");
    assert_eq!(on2.len(), 11, "page 2: {on2:?}");
    for u in &everyone {
        assert_eq!(
            rows_of(&p1, u) + rows_of(&p2, u),
            1,
            "{u} on exactly one page"
        );
    }

    // Page links keep the filters.
    let f1 = admin
        .get(&format!("/users?role=secretary&unit={zb12}"))
        .await;
    f1.assert_contains("共 25 条");
    assert_eq!(
        paging_link(&f1, "下一页"),
        Some(format!("?role=secretary&unit={zb12}&page=2"))
    );
    let f2 = admin
        .get(&format!("/users?role=secretary&unit={zb12}&page=2"))
        .await;
    assert_eq!(
        (1..=25)
            .filter(|i| rows_of(&f2, &format!("bulk-user-{i:02}")) == 1)
            .count(),
        5
    );
    // Past the end: an empty page, not an error.
    let far = admin.get("/users?page=9").await;
    assert_eq!(far.status, 200);
    far.assert_contains("没有符合条件的用户");
}

both!(
    user_list_filters,
    user_search_ignores_letter_case,
    user_list_pages,
);
