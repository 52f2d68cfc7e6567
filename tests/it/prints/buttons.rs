//! Every printable page has a 打印 button: lists link to their print view (every row, the
//! print header shown, no paging or filter form), record pages open the print dialog.

use crate::helpers::{Page, TestApp};
use crate::rect::ids;

/// The href of the page's 打印 link (a list's print view), with `&amp;` undone.
pub(super) fn print_href(p: &Page, path: &str) -> String {
    let doc = scraper::Html::parse_document(&p.body);
    let sel = scraper::Selector::parse("a.button").expect("selector");
    doc.select(&sel)
        .find(|a| a.text().collect::<String>().trim() == "打印")
        .and_then(|a| a.value().attr("href"))
        .unwrap_or_else(|| panic!("{path} has no 打印 link"))
        .to_string()
}

const LISTS: [&str; 26] = [
    "/measures?year=2026",
    "/users?role=secretary",
    "/topics",
    "/audit",
    "/rect?year=2026",
    "/rect/items?year=2026",
    "/rect/extensions",
    "/units",
    "/campaigns",
    "/taskforce",
    "/taskforce/mine",
    "/reports",
    "/topics/queue",
    "/reports/queue",
    "/roster",
    "/activities",
    "/activities/coverage",
    "/surveys",
    "/brands",
    "/assessment",
    "/assessment/scheme",
    "/feedback",
    "/incentives",
    "/incentives/referrals",
    "/templates",
    "/dashboard?year=2022",
];

/// Each list's 打印 link keeps its filters and opens the print view: the header with the
/// print time shown, the paging links gone, the 打印 / 返回 bar on screen.
async fn every_list_links_to_its_print_view(app: TestApp) {
    let b = app.signed_in("admin").await;
    for path in LISTS {
        let list = b.get(path).await;
        assert_eq!(list.status, 200, "{path}");
        let href = print_href(&list, path);
        assert!(
            href.starts_with('?') && href.ends_with("print=1"),
            "{path}: {href}"
        );
        if let Some((_, filters)) = path.split_once('?') {
            assert!(href.starts_with(&format!("?{filters}")), "{path}: {href}");
        }
        let base = path.split('?').next().unwrap_or(path);
        let view = b.get(&format!("{base}{href}")).await;
        assert_eq!(view.status, 200, "{base}{href}");
        view.assert_contains("print-view\">");
        view.assert_contains(super::PRINTED_AT);
        view.assert_contains("data-print");
        view.assert_lacks("class=\"paging\"");
        view.assert_lacks("下一页");
    }
    // A filter shows in words; wide lists are marked for landscape, narrow ones are not.
    let users = b.get("/users?role=secretary&print=1").await;
    users.assert_contains("筛选条件：角色：支部书记");
    users.assert_contains("<body class=\" print-view\">");
    let measures = b.get("/measures?year=2026&print=1").await;
    measures.assert_contains("<body class=\"wide print-view\">");
    measures.assert_contains("筛选条件：年度：2026年");
}
both!(every_list_links_to_its_print_view);

/// The print view of the audit log shows every entry, where the screen shows 50 a page.
async fn the_print_view_is_not_paged(app: TestApp) {
    let b = app.signed_in("admin").await;
    // Enough entries to pass one screen page of the log.
    for n in 0..60 {
        crate::reports::exec(
            &app,
            &format!(
                "INSERT INTO audit_log (at, action, entity, summary) \
                 VALUES ('2026-11-20 08:00:00', 'update', 'unit', '打印核对条目{n}')"
            ),
        );
    }
    let total = app.count("audit_log");
    assert!(total > 50, "{total} entries");
    let screen = b.get("/audit").await;
    screen.assert_contains("下一页");
    let all = b.get("/audit?print=1").await;
    all.assert_contains(&format!("共 {total} 条"));
    for n in 0..60 {
        all.assert_contains(&format!("打印核对条目{n}<"));
    }
}
both!(the_print_view_is_not_paged);

/// Record pages carry a 打印 button that opens the print dialog (`data-print`).
async fn every_record_page_has_a_print_button(app: TestApp) {
    let b = app.signed_in("admin").await;
    let one = |sql: &str| ids(&app, sql)[0];
    let unit = app.unit_id("ZB01");
    let table = crate::rect::demo_table(&app, "ZB01");
    let item = one(&format!(
        "SELECT id FROM rect_items WHERE table_id = {table} ORDER BY id"
    ));
    let measure = one("SELECT id FROM measures ORDER BY id");
    let topic = one("SELECT id FROM first_topics ORDER BY id");
    for path in [
        "/home".to_string(),
        "/campaigns/2026".into(),
        format!("/campaigns/2026/plans/{unit}"),
        format!("/units/{unit}"),
        format!("/rect/tables/{table}"),
        format!("/rect/items/{item}"),
        format!("/measures/{measure}"),
        format!("/topics/{topic}"),
    ] {
        let p = b.get(&path).await;
        assert_eq!(p.status, 200, "{path}");
        p.assert_contains("data-print>打印</button>");
    }
}
both!(every_record_page_has_a_print_button);
