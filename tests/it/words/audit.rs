//! The audit log reads in Chinese: kinds, actions and fields by name, values as the pages show
//! them, before → after per field, on screen and in the export; no internal codes.

use super::*;
use crate::rect::{add_item, demo_table, item, item_form, items_of};
use crate::reports::{fill_and_submit, open};

/// Internal codes that must not reach people for known entities.
const CODES: &[&str] = &[
    "monthly_report",
    "rect_item",
    "NotStarted",
    "InProgress",
    "not_started",
    "in_progress",
    "awaiting_general",
    "\"status\"",
    "&quot;status&quot;",
    "{\"",
    "{&quot;",
];

/// The rows of the log's table (not the filter, whose option values are codes).
fn table_of(body: &str) -> &str {
    let start = body
        .find("<table class=\"list audit\">")
        .expect("log table");
    let end = body[start..].find("</table>").expect("table end") + start;
    &body[start..end]
}

async fn the_audit_log_reads_in_chinese(app: TestApp) {
    // A report submitted (state draft → 待总支复查).
    let zhibu02 = app.signed_in("zhibu02").await;
    let report = open(&zhibu02, "11").await;
    assert_eq!(fill_and_submit(&app, &zhibu02, report).await.status, 303);
    // An item created, then moved from 未开始 to 整改中 (the form writes variant names).
    let zhibu01 = app.signed_in("zhibu01").await;
    let id = add_item(&zhibu01, demo_table(&app, "ZB01"), &[]).await;
    let v = item(&app, id).version.to_string();
    zhibu01
        .post(
            &format!("/rect/items/{id}"),
            &item_form(&[("status", "in_progress"), ("version", &v)]),
        )
        .await
        .assert_redirect(&format!("/rect/items/{id}"));
    // An item accepted by the general branch (已整改待验收 → 已销号, 验收人 by name).
    let waiting = items_of(&app, demo_table(&app, "ZB01"))
        .into_iter()
        .find(|i| i.status == "awaiting")
        .expect("awaiting")
        .id;
    app.signed_in("zongzhi01")
        .await
        .post(&format!("/rect/items/{waiting}/accept"), &[])
        .await
        .assert_redirect(&format!("/rect/items/{waiting}"));

    let admin = app.signed_in("admin").await;
    let page = admin.get("/audit").await;
    assert_eq!(page.status, 200);
    let table = table_of(&page.body);
    for word in [
        "月度调度",
        "整改事项",
        "提交审核",
        "验收销号",
        "<span class=\"field\">状态</span>：<span class=\"before\">草稿</span> → <span class=\"after\">待总支复查</span>",
        "<span class=\"field\">状态</span>：<span class=\"before\">未开始</span> → <span class=\"after\">整改中</span>",
        "<span class=\"before\">已整改待验收</span> → <span class=\"after\">已销号</span>",
        "<span class=\"field\">验收人</span>：<span class=\"before\">（空）</span> → <span class=\"after\">王建国</span>",
        "<span class=\"field\">整改时限</span>：<span class=\"after\">2026-12-20</span>",
        "<span class=\"field\">单位</span>：<span class=\"after\">综合办公室党支部</span>",
    ] {
        assert!(table.contains(word), "the log lacks {word:?}:\n{table}");
    }
    for code in CODES {
        assert!(!table.contains(code), "the log shows {code:?}:\n{table}");
    }
    // The filter offers every kind by name and narrows to it.
    page.assert_contains("<option value=\"rect_item\">整改事项</option>");
    let only = admin.get("/audit?entity=rect_item").await;
    let rows = table_of(&only.body);
    assert!(rows.contains("整改事项"));
    assert!(
        !rows.contains("<td class=\"nowrap\">月度调度</td>"),
        "{rows}"
    );

    // The export says the same.
    let (status, _, bytes) = admin.download("/audit/export").await;
    assert_eq!(status, 200);
    let cells = sheet_text(bytes);
    for word in ["月度调度", "整改事项", "提交审核", "验收销号"] {
        assert!(cells.iter().any(|c| c == word), "export lacks {word}");
    }
    for line in [
        "状态：草稿 → 待总支复查",
        "状态：未开始 → 整改中",
        "验收人：（空） → 王建国",
    ] {
        assert!(
            cells.iter().any(|c| c.lines().any(|l| l == line)),
            "export lacks {line:?}"
        );
    }
    for code in CODES {
        assert!(
            !cells.iter().any(|c| c.contains(code)),
            "export shows {code:?}"
        );
    }
}
both!(the_audit_log_reads_in_chinese);
