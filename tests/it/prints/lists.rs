//! Lists print every matching row (the print view, `?print=1`), with the print header
//! naming the filters and the print time; wide tables print on A4 landscape, narrow ones
//! portrait; every column header is on paper.

use crate::browser::pdf;
use crate::helpers::{Browser, TestApp};
use crate::rect::{add_item, demo_table};

use super::PRINTED_AT;

/// 25 items (more than a screen page of 20) in the demo table of 综合办公室党支部, each
/// 整改中 and named 打印核对问题01 … 25.
async fn many_items(app: &TestApp, b: &Browser) -> i32 {
    let table = demo_table(app, "ZB01");
    for n in 1..=25 {
        let problem = format!("打印核对问题{n:02}");
        add_item(
            b,
            table,
            &[("problem", problem.as_str()), ("status", "in_progress")],
        )
        .await;
    }
    table
}

const ITEM_COLUMNS: [&str; 8] = [
    "单位",
    "问题领域",
    "存在问题",
    "整改措施",
    "责任人",
    "整改时限",
    "状态",
    "灯",
];

/// The items list pages at 20; its 打印 button leads to the print view of the same filters,
/// which prints all 25 rows on A4 landscape under a header with the filters in words, the
/// print time and page numbers.
async fn a_list_prints_every_matching_row(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    many_items(&app, &b).await;
    let list = b
        .get("/rect/items?year=2026&status=in_progress&q=打印核对")
        .await;
    assert_eq!(list.status, 200);
    list.assert_contains("下一页");
    list.assert_lacks("打印核对问题25");
    let path =
        "/rect/items?year=2026&status=in_progress&q=%E6%89%93%E5%8D%B0%E6%A0%B8%E5%AF%B9&print=1";
    assert_eq!(
        format!(
            "/rect/items{}",
            super::buttons::print_href(&list, "/rect/items")
        ),
        path
    );
    let view = b.get(path).await;
    assert_eq!(view.status, 200);
    view.assert_contains("print-view");
    view.assert_contains("打印核对问题25");
    view.assert_contains("共 25 条");
    view.assert_lacks("下一页");

    let Some(p) = pdf::print(&app, &b, path).await else {
        return;
    };
    assert!(p.is_a4() && p.landscape(), "A4 landscape: {p:?}");
    p.assert_has_all(&ITEM_COLUMNS);
    p.assert_has_all(&[
        "作风建设管理平台·整改事项",
        "筛选条件：年度：2026年；状态：整改中；关键词：“打印核对”",
        PRINTED_AT,
        "打印核对问题01",
        "打印核对问题25",
        "第1页/共",
    ]);
    p.assert_page_numbers();
    p.assert_no_empty_page(8);
    let s = p.squeezed();
    for screen in ["下一页", "筛选清除", "导出Excel", "退出登录"] {
        assert!(!s.contains(screen), "{screen:?} printed:\n{}", p.text);
    }
    // The header repeats on every page.
    for n in 1..=p.pages {
        let page: String = p.page(n).chars().filter(|c| !c.is_whitespace()).collect();
        assert!(page.contains("问题领域"), "page {n} has no table header");
    }
}
both!(a_list_prints_every_matching_row);

/// The 配档表 prints on A4 landscape with every column of the two-row header and every row.
async fn the_rect_table_prints_landscape_with_every_column(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let table = many_items(&app, &b).await;
    let path = format!("/rect/tables/{table}");
    b.get(&path).await.assert_contains("data-print");
    let Some(p) = pdf::print(&app, &b, &path).await else {
        return;
    };
    assert!(p.is_a4() && p.landscape(), "A4 landscape: {p:?}");
    p.assert_has_all(&[
        "序号",
        "问题查摆",
        "问题领域",
        "问题来源",
        "存在问题",
        "原因分析",
        "整改落实",
        "整改措施",
        "整改要求",
        "责任人",
        "整改时限",
        "状态",
        "灯",
    ]);
    p.assert_has_all(&[
        "单位：综合办公室党支部",
        "期间：2026年",
        PRINTED_AT,
        "打印核对问题01",
        "打印核对问题25",
        // The last column's cells are printed, not cut off.
        "2026-12-20",
    ]);
    p.assert_page_numbers();
    p.assert_no_empty_page(8);
    // The screen-only 督办 column and the buttons stay off paper.
    assert!(!p.squeezed().contains("新增整改事项"), "{}", p.text);
}
both!(the_rect_table_prints_landscape_with_every_column);

/// A narrow list (users) prints portrait with every column and its filters in words; the
/// office home prints without the unit tree and the login log.
async fn narrow_pages_print_portrait(app: TestApp) {
    let b = app.signed_in("admin").await;
    let path = "/users?role=secretary&status=active&print=1";
    let Some(p) = pdf::print(&app, &b, path).await else {
        return;
    };
    assert!(p.is_a4() && !p.landscape(), "A4 portrait: {p:?}");
    p.assert_has_all(&["姓名", "用户名", "角色", "所属单位", "状态", "最近登录"]);
    p.assert_has_all(&[
        "筛选条件：角色：支部书记；状态：在用",
        PRINTED_AT,
        "zhibu03",
    ]);
    assert!(!p.squeezed().contains("操作编辑"), "{}", p.text);
    p.assert_page_numbers();

    let Some(home) = pdf::print(&app, &b, "/home").await else {
        return;
    };
    assert!(home.is_a4() && !home.landscape());
    let s = home.squeezed();
    assert!(!s.contains("最近操作"), "login log printed:\n{}", home.text);
    assert!(!s.contains("快捷入口"), "{}", home.text);
    home.assert_no_empty_page(3);
}
both!(narrow_pages_print_portrait);
