//! Stages: 培育中 → 已创建 → 已发布 → 已获评, one step at a time, each with a date not before
//! the previous one; 已获评 is the office's decision with its award; of advances made at once
//! exactly one lands.

use futures_util::future::join_all;

use super::*;

/// A new brand goes step by step; skipping, going back and an early date are refused.
async fn a_brand_moves_one_stage_at_a_time(app: TestApp) {
    without_brand(&app, "ZB01");
    let sec = app.signed_in("zhibu01").await;
    let id = create(&sec, app.unit_id("ZB01")).await; // 培育中 since 2026-03-01
    let page = sec.get(&format!("/brands/{id}")).await;
    page.assert_contains("推进到“已创建”");
    page.assert_contains("data-confirm=\"确定将品牌“红色枢纽”推进到“已创建”吗？");

    // Skipping 已创建.
    let before = snapshot(&app);
    let res = advance(&app, &sec, id, "published", "2026-06-01", "").await;
    assert_eq!(res.status, 409, "{}", res.body);
    res.assert_contains("只能推进到下一阶段：当前为“培育中”，下一阶段为“已创建”");
    // A date before 培育中's.
    let res = advance(&app, &sec, id, "created", "2026-02-28", "").await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("日期不能早于上一阶段“培育中”的日期（2026-03-01）");
    // Unknown stage, bad date, no version.
    let res = advance(&app, &sec, id, "famous", "2026-06-01", "").await;
    assert_eq!(res.status, 422);
    res.assert_contains("请选择要推进到的阶段");
    let res = advance(&app, &sec, id, "created", "2026-11-25", "").await;
    assert_eq!(res.status, 422);
    res.assert_contains("日期不能晚于今天");
    let res = sec
        .post(
            &format!("/brands/{id}/advance"),
            &[("status", "created"), ("on", "2026-06-01")],
        )
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(snapshot(&app), before);

    // The steps themselves, the same day allowed.
    advance(&app, &sec, id, "created", "2026-03-01", "")
        .await
        .assert_redirect(&format!("/brands/{id}"));
    // A page from before the step (its version) is out of date now.
    let res = sec
        .post(
            &format!("/brands/{id}/advance"),
            &[
                ("status", "published"),
                ("on", "2026-06-01"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, 409);
    res.assert_contains("已被他人修改或推进");
    advance(&app, &sec, id, "published", "2026-06-01", "")
        .await
        .assert_redirect(&format!("/brands/{id}"));
    let b = brand(&app, id);
    assert_eq!(b.status, "published");
    assert_eq!(b.created_on, chrono::NaiveDate::from_ymd_opt(2026, 3, 1));
    assert_eq!(b.published_on, chrono::NaiveDate::from_ymd_opt(2026, 6, 1));
    // Going back is not a step.
    let res = advance(&app, &sec, id, "created", "2026-06-02", "").await;
    assert_eq!(res.status, 409);
    // History and audit name each step.
    assert_eq!(
        app.count(&format!(
            "field_changes WHERE entity = 'brand' AND entity_id = {id} AND field = '状态'"
        )),
        2
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'brand' AND entity_id = {id} AND action = 'advance'"
        )),
        2
    );

    // 已获评 is the office's: not offered to the secretary, refused when posted.
    let page = sec.get(&format!("/brands/{id}")).await;
    page.assert_lacks("推进到“已获评”");
    page.assert_contains("“已获评”由党群工作部（党委）认定");
    let before = snapshot(&app);
    let res = advance(&app, &sec, id, "awarded", "2026-11-20", "示范品牌").await;
    assert_eq!(res.status, 403, "{}", res.body);
    res.assert_contains("“已获评”由党群工作部（党委）认定");
    // The reviewer above is not the office either.
    let reviewer = app.signed_in("zongzhi01").await;
    let res = advance(&app, &reviewer, id, "awarded", "2026-11-20", "示范品牌").await;
    assert_eq!(res.status, 403);
    assert_eq!(snapshot(&app), before);

    // The office: an award text is needed.
    let office = app.signed_in("admin").await;
    let page = office.get(&format!("/brands/{id}")).await;
    page.assert_contains("推进到“已获评”");
    let res = advance(&app, &office, id, "awarded", "2026-11-20", "").await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写获评荣誉");
    assert_eq!(snapshot(&app), before);
    advance(
        &app,
        &office,
        id,
        "awarded",
        "2026-11-20",
        "集团公司党建示范品牌",
    )
    .await
    .assert_redirect(&format!("/brands/{id}"));
    let b = brand(&app, id);
    assert_eq!(b.status, "awarded");
    assert_eq!(b.award, "集团公司党建示范品牌");
    assert_eq!(b.awarded_on, chrono::NaiveDate::from_ymd_opt(2026, 11, 20));
    let page = office.get(&format!("/brands/{id}")).await;
    page.assert_contains("集团公司党建示范品牌");
    page.assert_contains("2026-11-20");
    // Nothing after 已获评.
    let res = advance(&app, &office, id, "awarded", "2026-11-21", "再评").await;
    assert_eq!(res.status, 409);
    res.assert_contains("没有下一阶段");
}

/// Ten advances of one brand at once (five office users to 已获评 at one version): exactly
/// one lands, the others are told it moved on; one audit entry, one set of history rows.
async fn concurrent_advances_have_one_winner(app: TestApp) {
    let id = brand_of(&app, "ZB02"); // 已发布 since 2022-10-14
    let crowd = join_all((0..10).map(|_| app.signed_in("admin"))).await;
    let v = app.version("brands", id);
    let pages = join_all(crowd.iter().enumerate().map(|(i, b)| {
        let award = format!("示范品牌{i}");
        let v = v.clone();
        async move {
            b.post(
                &format!("/brands/{id}/advance"),
                &[
                    ("status", "awarded"),
                    ("on", "2026-11-20"),
                    ("award", &award),
                    ("version", &v),
                ],
            )
            .await
        }
    }))
    .await;
    let won = pages.iter().filter(|p| p.status == 303).count();
    let lost: Vec<&Page> = pages.iter().filter(|p| p.status == 409).collect();
    assert_eq!(
        (won, lost.len()),
        (1, 9),
        "{:?}",
        pages.iter().map(|p| p.status).collect::<Vec<_>>()
    );
    for p in lost {
        assert!(
            p.body.contains("已被他人") || p.body.contains("没有下一阶段"),
            "{}",
            p.body
        );
    }
    let b = brand(&app, id);
    assert_eq!(b.status, "awarded");
    assert_eq!(
        b.version.to_string(),
        (v.parse::<i32>().unwrap_or(0) + 1).to_string()
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'brand' AND entity_id = {id} AND action = 'advance'"
        )),
        1
    );
    assert_eq!(
        app.count(&format!(
            "field_changes WHERE entity = 'brand' AND entity_id = {id} AND field = '状态'"
        )),
        1
    );
}

crate::both!(
    a_brand_moves_one_stage_at_a_time,
    concurrent_advances_have_one_winner,
);
