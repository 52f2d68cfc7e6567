//! Who sees and writes whose people: the list follows the unit scope, another unit's person
//! is refused on every route, the viewer reads only, and every POST checks its CSRF token.

use super::*;

async fn the_list_follows_the_unit_scope(app: TestApp) {
    // The demo's roster fills pages; this test counts its own people only.
    app.without_demo_records();
    let (zb01, zb02, zb05) = (
        app.unit_id("ZB01"),
        app.unit_id("ZB02"),
        app.unit_id("ZB05"),
    );
    let office = app.signed_in("admin").await;
    let own = create(&office, zb01, "王芳").await;
    let sibling = create(&office, zb02, "李强").await;
    let far = create(&office, zb05, "赵敏").await;

    // The secretary of ZB01: her branch only.
    let sec = app.signed_in("zhibu01").await;
    let list = sec.get("/roster").await;
    assert_eq!(list.status, 200);
    list.assert_contains("王芳");
    list.assert_lacks("李强");
    list.assert_lacks("赵敏");
    sec.get(&format!("/roster/{own}"))
        .await
        .assert_contains("王芳");
    for path in [
        format!("/roster/{sibling}"),
        format!("/roster/{sibling}/edit"),
        format!("/roster?unit={zb02}"),
        format!("/roster/export?unit={zb02}"),
    ] {
        assert_eq!(sec.get(&path).await.status, 403, "{path}");
    }
    // Her export holds her branch only.
    let (status, _, bytes) = sec.download("/roster/export").await;
    assert_eq!(status, 200);
    let rows = zuofeng::xlsx::read(&bytes, &["姓名"], &["姓名", "单位"], 5000).expect("reads");
    let names: Vec<&str> = rows.iter().map(|r| r.get("姓名")).collect();
    assert!(names.contains(&"王芳"), "{names:?}");
    assert!(
        !names.contains(&"李强") && !names.contains(&"赵敏"),
        "{names:?}"
    );
    assert!(
        rows.iter().all(|r| r.get("单位") == "综合办公室党支部"),
        "{names:?}"
    );

    // The general branch reads its subtree (ZB01, ZB02), not another general branch's.
    let rev = app.signed_in("zongzhi01").await;
    let list = rev.get("/roster").await;
    list.assert_contains("王芳");
    list.assert_contains("李强");
    list.assert_lacks("赵敏");
    assert_eq!(rev.get(&format!("/roster/{far}")).await.status, 403);
    // …but writes only its own unit's people.
    rev.get(&format!("/roster/{own}"))
        .await
        .assert_lacks(&format!("/roster/{own}/edit"));
    assert_eq!(rev.get(&format!("/roster/{own}/edit")).await.status, 403);

    // The viewer reads everyone and may change nothing.
    let viewer = app.signed_in("viewer").await;
    let list = viewer.get("/roster").await;
    for name in ["王芳", "李强", "赵敏"] {
        list.assert_contains(name);
    }
    list.assert_lacks("/roster/new");
    let page = viewer.get(&format!("/roster/{own}")).await;
    page.assert_lacks("登记离开</button>");
    page.assert_lacks(&format!("/roster/{own}/edit"));
    for path in ["/roster/new", "/roster/import"] {
        assert_eq!(viewer.get(path).await.status, 403, "{path}");
    }
    let u = zb01.to_string();
    assert_eq!(viewer.post("/roster", &good(&u, "孙丽")).await.status, 403);
    let v = ver(&app, own);
    assert_eq!(
        viewer
            .post(
                &format!("/roster/{own}/end"),
                &[("active_to", "2026-11-20"), ("version", &v)]
            )
            .await
            .status,
        403
    );
    assert_eq!(people(&app, "孙丽"), 0);
    assert_eq!(left_on(&app, own), "");
}

async fn another_units_user_writes_nothing(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let office = app.signed_in("admin").await;
    let id = create(&office, zb01, "王芳").await;
    let audit = app.count("audit_log WHERE entity = 'roster_person'");
    let other = app.signed_in("zhibu03").await; // ZB05, under another general branch
    let u = zb01.to_string();
    let v = ver(&app, id);
    // Adding someone to ZB01's roster.
    let res = other.post("/roster", &good(&u, "周杰")).await;
    assert_eq!(res.status, 403);
    // Editing or ending ZB01's person.
    let mut f = good(&u, "王芳（改）");
    f.push(("version", &v));
    assert_eq!(other.post(&format!("/roster/{id}"), &f).await.status, 403);
    // Moving their own form to another unit is refused too.
    let own = create(&other, app.unit_id("ZB05"), "钱七").await;
    let own_v = ver(&app, own);
    let mut moved = good(&u, "钱七");
    moved.push(("version", &own_v));
    assert_eq!(
        other.post(&format!("/roster/{own}"), &moved).await.status,
        403
    );
    assert_eq!(
        other
            .post(
                &format!("/roster/{id}/end"),
                &[("active_to", "2026-11-20"), ("version", &v)]
            )
            .await
            .status,
        403
    );
    assert_eq!(people(&app, "周杰"), 0);
    assert_eq!(people(&app, "王芳（改）"), 0);
    assert_eq!(ver(&app, id), v);
    assert_eq!(ver(&app, own), own_v);
    assert_eq!(left_on(&app, id), "");
    assert_eq!(
        app.count("audit_log WHERE entity = 'roster_person'"),
        audit + 1,
        "only the own person's creation"
    );
}

async fn every_post_checks_its_csrf_token(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let sec = app.signed_in("zhibu01").await;
    let id = create(&sec, zb01, "王芳").await;
    let v = ver(&app, id);
    let before = app.count("roster_people");
    let u = zb01.to_string();
    for path in [
        "/roster".to_string(),
        format!("/roster/{id}"),
        format!("/roster/{id}/end"),
    ] {
        let mut f = good(&u, "冒名");
        f.push(("version", &v));
        f.push(("active_to", "2026-11-20"));
        assert_eq!(sec.post_raw(&path, &f).await.status, 403, "{path} without");
        let mut forged = f.clone();
        forged.insert(0, ("csrf_token", "forged-token"));
        assert_eq!(
            sec.post_raw(&path, &forged).await.status,
            403,
            "{path} forged"
        );
    }
    // The import, without and with a forged token.
    let file = super::excel::sheet(vec![super::excel::row("ZB01", "冒名", "党员")]);
    for token in ["", "forged-token"] {
        let (ct, body) = multipart(token, &[], Some(("名册.xlsx", &file)));
        let res = sec.post_body("/roster/import", &ct, body).await;
        assert_eq!(res.status, 403, "import with {token:?}");
    }
    assert_eq!(people(&app, "冒名"), 0);
    assert_eq!(app.count("roster_people"), before);
    assert_eq!(ver(&app, id), v);
    assert_eq!(left_on(&app, id), "");
}

async fn an_anonymous_visitor_sees_and_writes_nothing(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let id = create(&app.signed_in("admin").await, zb01, "王芳").await;
    let before = app.count("roster_people");
    let v = ver(&app, id);
    let anon = app.browser();
    anon.get("/login").await; // a sign-in form's token, as a visitor has one
    for path in [
        "/roster".to_string(),
        "/roster/export".to_string(),
        "/roster/import/template".to_string(),
        format!("/roster/{id}"),
    ] {
        let res = anon.get(&path).await;
        assert_eq!(res.status, 303, "{path}");
        assert!(
            res.location
                .as_deref()
                .is_some_and(|l| l.starts_with("/login")),
            "{path}: {:?}",
            res.location
        );
        res.assert_lacks("王芳");
    }
    let u = zb01.to_string();
    let mut f = good(&u, "匿名");
    f.push(("version", &v));
    f.push(("active_to", "2026-11-20"));
    for path in [
        "/roster".to_string(),
        format!("/roster/{id}"),
        format!("/roster/{id}/end"),
    ] {
        let res = anon.post(&path, &f).await;
        assert!(
            res.status == 303 || res.status == 403,
            "{path}: {}",
            res.status
        );
    }
    assert_eq!(app.count("roster_people"), before);
    assert_eq!(ver(&app, id), v);
    assert_eq!(left_on(&app, id), "");
}

both!(
    an_anonymous_visitor_sees_and_writes_nothing,
    the_list_follows_the_unit_scope,
    another_units_user_writes_nothing,
    every_post_checks_its_csrf_token,
);
