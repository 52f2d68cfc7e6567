//! The monthly report's print page: A4 portrait, the print header, flowing parts with no
//! nearly empty page, signature lines and page numbers.

use crate::browser::pdf;
use crate::helpers::TestApp;
use crate::reports::{fields, lines, open, post, report};

use super::PRINTED_AT;

/// The monthly report prints on A4 portrait with its parts and the unit's name.
async fn report_print_is_a4(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let id = open(&b, "11").await;
    let Some(p) = pdf::print(&app, &b, &format!("/reports/{id}/print")).await else {
        return;
    };
    assert!(p.is_a4(), "not A4: {p:?}");
    assert!(!p.landscape(), "report print should be portrait");
    p.assert_has_all(&["月度调度", "存在问题", "下月计划"]);
    assert!(p.pages >= 1);
    assert!(
        p.page(1).contains("综合办公室党支部"),
        "page 1: {}",
        p.page(1)
    );
}
both!(report_print_is_a4);

/// A filled report flows from part to part (no forced breaks, so no nearly empty page), is
/// headed with unit, period and print time, numbered, and ends with the signature lines.
async fn report_print_flows_and_ends_with_signatures(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let id = open(&b, "11").await;
    let ls = lines(&app, id);
    assert!(!ls.is_empty(), "the demo branch has lines to report");
    let work = "组织支部党员开展专题学习，逐项对照整改措施推进落实，形成台账并按周调度。";
    let saved = post(
        &b,
        &format!("/reports/{id}"),
        &fields(&ls, work, report(&app, id).version, true),
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    let page = b.get(&format!("/reports/{id}/print")).await;
    page.assert_contains("data-print");
    page.assert_lacks("page-break");

    let Some(p) = pdf::print(&app, &b, &format!("/reports/{id}/print")).await else {
        return;
    };
    assert!(p.is_a4() && !p.landscape(), "A4 portrait: {p:?}");
    p.assert_has_all(&[
        "作风建设管理平台·综合办公室党支部2026年11月月度调度",
        "单位：综合办公室党支部",
        "期间：2026年11月",
        PRINTED_AT,
        "一、逐项进展",
        "党员先锋岗在监理项目一线发挥作用",
        "五、审核记录",
        "填报人：",
        "审核人：",
        "日期：",
    ]);
    p.assert_page_numbers();
    p.assert_no_empty_page(12);
    // Nothing of the screen: no navigation, no buttons.
    let s = p.squeezed();
    for screen in ["退出登录", "修改密码", "返回"] {
        assert!(!s.contains(screen), "{screen:?} printed:\n{}", p.text);
    }
    // The signatures come last, never alone: the review trail stays with them.
    let last: String = p.page(p.pages).split_whitespace().collect();
    assert!(last.contains("填报人"), "last page: {last}");
    assert!(last.contains("五、审核记录"), "signatures alone: {last}");
}
both!(report_print_flows_and_ends_with_signatures);
