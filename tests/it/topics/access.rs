//! Who may do what: nobody reviews their own, CSRF on every POST, other units refused
//! everywhere, an office user on a branch reviews nothing of it.

use super::*;

async fn nobody_reviews_their_own(app: TestApp) {
    // The office records and submits for ZB11 itself: it may not re-review that.
    let zb11 = app.unit_id("ZB11");
    let office = app.signed_in("admin").await;
    let id = create(&office, zb11).await;
    office
        .post(
            &format!("/topics/{id}/submit"),
            &[("version", &ver(&app, id))],
        )
        .await
        .assert_redirect(&format!("/topics/{id}"));
    let page = office.get(&format!("/topics/{id}")).await;
    page.assert_lacks("审核通过</button>");
    let res = office.post(&format!("/topics/{id}/approve"), &[]).await;
    // Decided in issue 9: own material is never reviewed, whatever the state: 403.
    assert_eq!(res.status, 403);
    res.assert_contains("不能审核本人或本单位提交的材料");
    let res = office
        .post(&format!("/topics/{id}/return"), &[("comment", "自己退回")])
        .await;
    assert_eq!(res.status, 403);
    res.assert_contains("不能审核本人或本单位提交的材料");
    assert_eq!(state(&app, id, "awaiting_committee"), 1);
}

async fn csrf_is_checked_on_every_post(app: TestApp) {
    app.without_demo_topics();
    let zb01 = app.unit_id("ZB01");
    let sec = app.signed_in("zhibu01").await;
    let id = create(&sec, zb01).await;
    let u = zb01.to_string();
    let paths = [
        "/topics".to_string(),
        format!("/topics/{id}"),
        format!("/topics/{id}/submit"),
        format!("/topics/{id}/approve"),
        format!("/topics/{id}/return"),
    ];
    for p in &paths {
        let mut f = good(&u);
        f.push(("comment", "意见"));
        assert_eq!(sec.post_raw(p, &f).await.status, 403, "{p} without token");
        let mut forged = f.clone();
        forged.insert(0, ("csrf_token", "forged-token"));
        assert_eq!(sec.post_raw(p, &forged).await.status, 403, "{p} forged");
    }
    assert_eq!(app.count("first_topics"), 1);
    assert_eq!(state(&app, id, "draft"), 1);
    assert_eq!(app.count("review_events WHERE entity = 'first_topic'"), 0);
}

async fn other_units_are_refused_everywhere(app: TestApp) {
    app.without_demo_topics();
    let zb01 = app.unit_id("ZB01");
    let zb05 = app.unit_id("ZB05");
    let sec = app.signed_in("zhibu01").await;
    let id = create(&sec, zb01).await;
    let other = app.signed_in("zhibu03").await; // ZB05, under another general branch
    let u = zb01.to_string();
    let v = "1".to_string();
    let mut f = good(&u);
    f.push(("version", &v));
    assert_eq!(other.get(&format!("/topics/{id}")).await.status, 403);
    assert_eq!(other.get(&format!("/topics/{id}/edit")).await.status, 403);
    assert_eq!(other.post(&format!("/topics/{id}"), &f).await.status, 403);
    assert_eq!(
        other
            .post(
                &format!("/topics/{id}/submit"),
                &[("version", &ver(&app, id))]
            )
            .await
            .status,
        403
    );
    assert_eq!(other.post("/topics", &f).await.status, 403);
    other.get("/topics").await.assert_lacks(TOPIC);
    assert_eq!(other.get(&format!("/topics?unit={zb01}")).await.status, 403);
    assert_eq!(other.get("/topics/queue").await.status, 403);
    // Another general branch's reviewer cannot act on it.
    sec.post(
        &format!("/topics/{id}/submit"),
        &[("version", &ver(&app, id))],
    )
    .await
    .assert_redirect(&format!("/topics/{id}"));
    let rev2 = app.signed_in("zhibu02").await; // a sibling branch
    assert_eq!(rev2.get(&format!("/topics/{id}")).await.status, 403);
    assert_eq!(
        rev2.post(&format!("/topics/{id}/approve"), &[])
            .await
            .status,
        403
    );
    assert_eq!(
        rev2.post(&format!("/topics/{id}/return"), &[("comment", "越权退回")])
            .await
            .status,
        403
    );
    assert_eq!(
        other
            .post(&format!("/topics/{id}/approve"), &[])
            .await
            .status,
        403
    );
    // The viewer reads but changes nothing.
    let viewer = app.signed_in("viewer").await;
    viewer
        .get(&format!("/topics/{id}"))
        .await
        .assert_contains(TOPIC);
    assert_eq!(viewer.get("/topics/new").await.status, 403);
    let z5 = zb05.to_string();
    assert_eq!(viewer.post("/topics", &good(&z5)).await.status, 403);
    // Decided in issue 9: a user with no review capacity over the unit is refused with 403.
    assert_eq!(
        viewer
            .post(&format!("/topics/{id}/approve"), &[])
            .await
            .status,
        403
    );
    assert_eq!(app.count("first_topics"), 1);
    assert_eq!(state(&app, id, "awaiting_general"), 1);
    // Not found is not found.
    assert_eq!(sec.get("/topics/999999").await.status, 404);
}

/// An office user placed on a branch reviews nothing of that branch.
async fn an_office_user_on_a_branch_does_not_review_it(app: TestApp) {
    let hash = zuofeng::auth::password::hash_blocking(DEMO_PASSWORD).expect("hash");
    let zb01 = app.unit_id("ZB01");
    {
        let mut c = app.db.conn().expect("conn");
        zuofeng::db::models::users::insert(
            &mut c,
            &zuofeng::db::models::users::UserFields {
                username: "office01".into(),
                display_name: "支部挂职干部".into(),
                role: zuofeng::domain::Role::Office,
                unit_id: zb01,
            },
            &hash,
            false,
            crate::helpers::start_time(),
        )
        .expect("insert user");
    }
    let sec = app.signed_in("zhibu01").await;
    let id = create(&sec, zb01).await;
    sec.post(
        &format!("/topics/{id}/submit"),
        &[("version", &ver(&app, id))],
    )
    .await
    .assert_redirect(&format!("/topics/{id}"));
    let zz = app.signed_in("zongzhi01").await;
    zz.post(&format!("/topics/{id}/approve"), &[("comment", "")])
        .await
        .assert_redirect(&format!("/topics/{id}"));
    let o = app.signed_in("office01").await;
    let res = o
        .post(&format!("/topics/{id}/approve"), &[("comment", "")])
        .await;
    // Decided in issue 9: own material is never reviewed, whatever the state: 403.
    assert_eq!(res.status, 403);
    res.assert_contains("不能审核本人或本单位提交的材料");
    assert_eq!(state(&app, id, "awaiting_committee"), 1);
}

both!(
    nobody_reviews_their_own,
    csrf_is_checked_on_every_post,
    other_units_are_refused_everywhere,
    an_office_user_on_a_branch_does_not_review_it,
);
