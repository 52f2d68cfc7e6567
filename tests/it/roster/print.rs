//! The roster prints: the list's 打印 leads to its print view (every matching row, the
//! filters in words, no paging), which prints on A4 landscape; the person page has a 打印
//! button.

use crate::browser::pdf;

use super::excel::{row, sheet};
use super::*;

async fn the_roster_prints_every_matching_row(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let names: Vec<String> = (1..=25).map(|n| format!("打印人员{n:02}")).collect();
    let rows: Vec<Vec<&str>> = names.iter().map(|n| row("ZB01", n, "党员")).collect();
    b.get("/roster/import").await;
    let (ct, body) = multipart(&b.csrf(), &[], Some(("名册.xlsx", &sheet(rows))));
    b.post_body("/roster/import", &ct, body)
        .await
        .assert_redirect("/roster");
    let q = "status=active&q=%E6%89%93%E5%8D%B0%E4%BA%BA%E5%91%98";
    let list = b.get(&format!("/roster?{q}")).await;
    list.assert_contains("下一页");
    list.assert_lacks("打印人员25");
    let path = format!("/roster?{q}&print=1");
    list.assert_contains(&format!(
        "href=\"?{}&#38;print=1\"",
        q.replace('&', "&#38;")
    ));
    let view = b.get(&path).await;
    assert_eq!(view.status, 200);
    view.assert_contains("print-view");
    view.assert_contains("data-print");
    view.assert_contains("打印人员25");
    view.assert_contains("共 25 条");
    view.assert_contains("筛选条件：状态：在册；姓名：“打印人员”");
    view.assert_lacks("下一页");
    // The person page opens the print dialog.
    let id = id_of(
        &b.post(
            "/roster",
            &good(&app.unit_id("ZB01").to_string(), "单页打印"),
        )
        .await,
    );
    b.get(&format!("/roster/{id}"))
        .await
        .assert_contains("data-print");

    let Some(p) = pdf::print(&app, &b, &path).await else {
        return;
    };
    assert!(p.is_a4() && p.landscape(), "A4 landscape: {p:?}");
    p.assert_has_all(&[
        "姓名",
        "人员类别",
        "在册起始日期",
        "离开日期",
        "筛选条件：状态：在册；姓名：“打印人员”",
        "打印人员01",
        "打印人员25",
    ]);
    p.assert_page_numbers();
    let s = p.squeezed();
    for screen in ["下一页", "导出Excel", "退出登录", "按状态"] {
        assert!(!s.contains(screen), "{screen:?} printed:\n{}", p.text);
    }
}

both!(the_roster_prints_every_matching_row);
