//! Extension requests name who asked, on the office's list, in its export and on the item
//! page; the decision hint is shown whole (not a placeholder cut off by the field).

use super::*;
use crate::rect::{add_item, demo_table};

async fn extension_requests_name_the_requester(app: TestApp) {
    let zhibu01 = app.signed_in("zhibu01").await;
    let id = add_item(
        &zhibu01,
        demo_table(&app, "ZB01"),
        &[("deadline", "2026-12-10")],
    )
    .await;
    zhibu01
        .post(
            &format!("/rect/items/{id}/extensions"),
            &[
                ("new_deadline", "2027-01-15"),
                ("reason", "涉及系统改造，需待上线"),
            ],
        )
        .await
        .assert_redirect(&format!("/rect/items/{id}"));

    let item = zhibu01.get(&format!("/rect/items/{id}")).await;
    item.assert_contains("<td class=\"nowrap\">李明<br>");

    let admin = app.signed_in("admin").await;
    let list = admin.get("/rect/extensions").await;
    assert_eq!(list.status, 200);
    list.assert_contains("李明<br>");
    // The demo's requests were asked for by their branch's secretary too.
    list.assert_contains("张华<br>");
    list.assert_lacks("<td class=\"nowrap\"><br>");
    // The hint stands in full beside the field.
    list.assert_contains("批准可不填，不批准须填写理由。");
    list.assert_lacks("placeholder=\"审批意见");

    let (status, _, bytes) = admin.download("/rect/extensions/export").await;
    assert_eq!(status, 200);
    let text = crate::words::sheet_text(bytes);
    assert!(text.iter().any(|c| c == "李明"), "{text:?}");
}
both!(extension_requests_name_the_requester);
