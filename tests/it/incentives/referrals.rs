//! 反向约束: the office refers an organisation or a cadre, records the committee's decision and
//! the outcome as guarded steps; every other role gets 403 on every referral address and sees
//! no trace of referrals; ten decisions at once have one winner.

use futures_util::future::join_all;

use super::{id_after, sheet, NOT_OFFICE};
use crate::helpers::{Browser, TestApp};

const REASON: &str = "思想上不重视，问题频发，整改不力";

async fn refer(app: &TestApp, b: &Browser) -> i32 {
    let unit = app.unit_id("ZB06").to_string();
    let res = b
        .post(
            "/incentives/referrals",
            &[
                ("target", "organisation"),
                ("unit_id", &unit),
                ("reason", REASON),
                ("referred_on", "2026-10-09"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    id_after(&res, "/incentives/referrals/")
}

async fn a_referral_is_decided_then_closed(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let tabs = admin.get("/incentives").await;
    tabs.assert_contains("href=\"/incentives/referrals\"");
    // The demo: one decided, one closed.
    let list = admin.get("/incentives/referrals").await;
    list.assert_contains(r#"data-state="decided" data-count="1""#);
    list.assert_contains(r#"data-state="closed" data-count="1""#);
    // A cadre without a name, a bad date: refused, nothing written.
    let before = app.count("referrals");
    let unit = app.unit_id("ZB06").to_string();
    let res = admin
        .post(
            "/incentives/referrals",
            &[
                ("target", "cadre"),
                ("unit_id", &unit),
                ("reason", "能力不足、人岗不适"),
                ("referred_on", "2026-13-01"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写干部姓名");
    res.assert_contains("移交日期须为有效日期");
    res.assert_contains("能力不足、人岗不适");
    assert_eq!(app.count("referrals"), before);

    let id = refer(&app, &admin).await;
    let path = format!("/incentives/referrals/{id}");
    let page = admin.get(&path).await;
    page.assert_contains("已移交");
    page.assert_contains("data-confirm=");
    // Closing before the decision is refused (409).
    let res = admin
        .post(
            &format!("{path}/close"),
            &[("outcome", "已整改"), ("version", "1")],
        )
        .await;
    assert_eq!(res.status, 409);
    // A decision without text: 422, the date kept.
    let res = admin
        .post(
            &format!("{path}/decide"),
            &[
                ("decision", ""),
                ("decided_on", "2026-10-20"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写党委会决定");
    assert_eq!(res.input_value("decided_on").as_deref(), Some("2026-10-20"));
    // Before the referral: refused.
    let res = admin
        .post(
            &format!("{path}/decide"),
            &[
                ("decision", "约谈"),
                ("decided_on", "2026-10-01"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("决定日期不能早于移交日期");
    admin
        .post(
            &format!("{path}/decide"),
            &[
                ("decision", "由党委书记约谈支部书记，限期整改"),
                ("decided_on", "2026-10-20"),
                ("version", "1"),
            ],
        )
        .await
        .assert_redirect(&path);
    // A second decision (stale or not) is refused.
    let res = admin
        .post(
            &format!("{path}/decide"),
            &[
                ("decision", "再次决定"),
                ("decided_on", "2026-10-21"),
                ("version", "2"),
            ],
        )
        .await;
    assert_eq!(res.status, 409);
    let res = admin
        .post(
            &format!("{path}/close"),
            &[("outcome", "已整改"), ("version", "1")],
        )
        .await;
    assert_eq!(res.status, 409);
    admin
        .post(
            &format!("{path}/close"),
            &[("outcome", "已约谈，整改到位"), ("version", "2")],
        )
        .await
        .assert_redirect(&path);
    let page = admin.get(&path).await;
    page.assert_contains("已办结");
    page.assert_contains("<td>状态</td><td>已决定</td><td>已办结</td>");
    page.assert_contains("<td>党委会决定</td><td></td><td>由党委书记约谈支部书记，限期整改</td>");
    assert_eq!(
        app.count(&format!(
            "referrals WHERE id = {id} AND state = 'closed' AND version = 3"
        )),
        1
    );
    for action in ["create", "decide", "conclude"] {
        assert_eq!(
            app.count(&format!(
                "audit_log WHERE entity = 'referral' AND entity_id = {id} AND action = '{action}'"
            )),
            1,
            "{action}"
        );
    }
    // Edit with history; a stale edit keeps the input.
    let f = [
        ("target", "cadre"),
        ("unit_id", unit.as_str()),
        ("person", "钱某"),
        ("reason", REASON),
        ("referred_on", "2026-10-09"),
        ("version", "3"),
    ];
    admin.post(&path, &f).await.assert_redirect(&path);
    admin
        .get(&path)
        .await
        .assert_contains("<td>移交对象</td><td>党组织</td><td>干部</td>");
    let res = admin.post(&path, &f).await;
    assert_eq!(res.status, 409);
    assert_eq!(res.input_value("person").as_deref(), Some("钱某"));
    // List filters, print and export.
    let closed = admin.get("/incentives/referrals?state=closed").await;
    closed.assert_contains("共 2 条");
    let print = admin
        .get("/incentives/referrals?state=closed&print=1")
        .await;
    print.assert_contains("状态：已办结");
    let (status, _, bytes) = admin
        .download("/incentives/referrals/export?state=closed")
        .await;
    assert_eq!(status, 200);
    let rows = sheet(bytes);
    assert!(rows[1][0].contains("状态 已办结"), "{:?}", rows[1]);
    assert_eq!(rows.len(), 5, "{rows:?}");
    assert!(rows.iter().any(|r| r.get(2).is_some_and(|c| c == "钱某")));
}

async fn referrals_are_the_office_s_alone(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let id = refer(&app, &admin).await;
    let unit = app.unit_id("ZB01").to_string();
    let path = format!("/incentives/referrals/{id}");
    for who in NOT_OFFICE {
        let b = app.signed_in(who).await;
        for p in [
            "/incentives/referrals".to_string(),
            "/incentives/referrals?state=decided".to_string(),
            "/incentives/referrals/new".to_string(),
            "/incentives/referrals/export".to_string(),
            path.clone(),
            format!("{path}/edit"),
            "/incentives/referrals/999999".to_string(),
        ] {
            let res = b.get(&p).await;
            assert_eq!(res.status, 403, "{who} GET {p}");
            res.assert_lacks(REASON);
        }
        let form = [
            ("target", "organisation"),
            ("unit_id", unit.as_str()),
            ("reason", "越权移交"),
            ("referred_on", "2026-10-09"),
            ("version", "1"),
            ("decision", "越权决定"),
            ("decided_on", "2026-10-20"),
            ("outcome", "越权办结"),
        ];
        for p in [
            "/incentives/referrals".to_string(),
            path.clone(),
            format!("{path}/decide"),
            format!("{path}/close"),
        ] {
            assert_eq!(b.post(&p, &form).await.status, 403, "{who} POST {p}");
        }
        // No link, no count anywhere they look.
        for p in ["/incentives", "/incentives/series", "/home"] {
            let page = b.get(p).await;
            page.assert_lacks("/incentives/referrals");
            page.assert_lacks("反向约束");
        }
    }
    assert_eq!(app.count("referrals WHERE reason = '越权移交'"), 0);
    assert_eq!(
        app.count(&format!(
            "referrals WHERE id = {id} AND state = 'referred' AND version = 1"
        )),
        1
    );
    // CSRF on every referral POST.
    for p in [
        "/incentives/referrals".to_string(),
        path.clone(),
        format!("{path}/decide"),
        format!("{path}/close"),
    ] {
        let f = [
            ("decision", "伪造"),
            ("decided_on", "2026-10-20"),
            ("version", "1"),
        ];
        assert_eq!(admin.post_raw(&p, &f).await.status, 403, "{p}");
        let forged = [
            ("csrf_token", "forged"),
            ("decision", "伪造"),
            ("version", "1"),
        ];
        assert_eq!(admin.post_raw(&p, &forged).await.status, 403, "{p}");
    }
    assert_eq!(
        app.count(&format!("referrals WHERE id = {id} AND state = 'referred'")),
        1
    );
}

/// Ten decisions on one referral at once: one lands, nine get 409; one audit entry.
async fn ten_decisions_at_once_have_one_winner(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let id = refer(&app, &admin).await;
    let crowd = join_all((0..10).map(|_| app.signed_in("admin"))).await;
    let path = format!("/incentives/referrals/{id}/decide");
    let pages = join_all(crowd.iter().enumerate().map(|(i, b)| {
        let path = path.clone();
        let decision = format!("党委会决定{i}");
        async move {
            b.post(
                &path,
                &[
                    ("decision", decision.as_str()),
                    ("decided_on", "2026-10-20"),
                    ("version", "1"),
                ],
            )
            .await
        }
    }))
    .await;
    let won = pages.iter().filter(|p| p.status == 303).count();
    let lost = pages.iter().filter(|p| p.status == 409).count();
    assert_eq!(
        (won, lost),
        (1, 9),
        "{:?}",
        pages.iter().map(|p| p.status).collect::<Vec<_>>()
    );
    assert_eq!(
        app.count(&format!(
            "referrals WHERE id = {id} AND state = 'decided' AND version = 2"
        )),
        1
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'referral' AND entity_id = {id} AND action = 'decide'"
        )),
        1
    );
    assert_eq!(
        app.count(&format!(
            "field_changes WHERE entity = 'referral' AND entity_id = {id} AND field = '状态'"
        )),
        1
    );
}

crate::both!(
    a_referral_is_decided_then_closed,
    referrals_are_the_office_s_alone,
    ten_decisions_at_once_have_one_winner,
);
