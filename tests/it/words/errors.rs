//! Error pages keep the navigation for a signed-in user (so a 403, 404 or 409 is not a dead
//! end); an anonymous visitor's error page has none.

use super::*;
use crate::rect::{demo_table, items_of};

const NAV: &str = "<nav class=\"mainnav\"";

async fn error_pages_keep_the_navigation(app: TestApp) {
    let zhibu01 = app.signed_in("zhibu01").await;
    // No such route, no such record.
    for path in ["/no/such/page", "/reports/999999", "/rect/items/999999"] {
        let page = zhibu01.get(path).await;
        assert_eq!(page.status, 404, "{path}");
        page.assert_contains(NAV);
        page.assert_contains("href=\"/rect\"");
        page.assert_contains("李明");
        page.assert_contains("404");
    }
    // A page the secretary may not see.
    let page = zhibu01.get("/audit").await;
    assert_eq!(page.status, 403);
    page.assert_contains(NAV);
    page.assert_contains("没有权限");
    // Another unit's record.
    let other = items_of(&app, demo_table(&app, "ZB02"))[0].id;
    let page = zhibu01.get(&format!("/rect/items/{other}")).await;
    assert_eq!(page.status, 403);
    page.assert_contains(NAV);
    // A step the record's state stands in the way of: 409, with the navigation.
    let zongzhi = app.signed_in("zongzhi01").await;
    let open = items_of(&app, demo_table(&app, "ZB01"))[0].id;
    let page = zongzhi
        .post(&format!("/rect/items/{open}/accept"), &[])
        .await;
    assert_eq!(page.status, 409);
    page.assert_contains(NAV);
    page.assert_contains("王建国");
    // A forged token is refused (403) on a page that still has the navigation.
    let page = zhibu01
        .post_raw(
            &format!("/rect/items/{open}/notes"),
            &[("csrf_token", "forged"), ("content", "x")],
        )
        .await;
    assert_eq!(page.status, 403);
    page.assert_contains(NAV);
    assert_eq!(
        app.count(&format!(
            "supervision_notes WHERE entity = 'rect_item' AND entity_id = {open} AND content = 'x'"
        )),
        0
    );

    // Anonymous: the friendly page, no navigation, no user.
    let anon = app.browser();
    let page = anon.get("/no/such/page").await;
    assert_eq!(page.status, 404);
    page.assert_contains("404");
    page.assert_lacks(NAV);
    page.assert_lacks("退出登录");
}
both!(error_pages_keep_the_navigation);
