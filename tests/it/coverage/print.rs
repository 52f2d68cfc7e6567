//! The coverage page on paper: A4, both tables, the selection in words, no screen controls.

use super::*;
use crate::browser::pdf;

async fn coverage_prints_on_a4(app: TestApp) {
    roster(&app);
    let b = app.signed_in("admin").await;
    let page = b.get("/activities/coverage").await;
    // The 打印 button leads to the print view of the same selection.
    let doc = scraper::Html::parse_document(&page.body);
    let sel = scraper::Selector::parse("a.button").expect("selector");
    let href = doc
        .select(&sel)
        .find(|a| a.text().collect::<String>().trim() == "打印")
        .and_then(|a| a.value().attr("href"))
        .expect("a 打印 button");
    assert_eq!(
        href,
        "?year=2026&group=party_member&kind=training&kind=exam&print=1"
    );
    let path = "/activities/coverage?year=2026&group=party_member&kind=training&kind=exam&print=1";
    let Some(p) = pdf::print(&app, &b, path).await else {
        return;
    };
    assert!(p.is_a4(), "A4: {p:?}");
    p.assert_has_all(&[
        "作风建设管理平台·党员覆盖率",
        "筛选条件：年度：2026年；人员类别：党员；活动类型：培训、考试；单位：全部（含下级）",
        "应覆盖人数",
        "综合办公室党支部",
        "合计",
        "62.5%",
        "尚未覆盖的党员（3人）",
        "陈丙",
    ]);
    let s = p.squeezed();
    for screen in ["导出Excel", "恢复默认", "退出登录", "下一页"] {
        assert!(!s.contains(screen), "{screen:?} printed:\n{}", p.text);
    }
}

both!(coverage_prints_on_a4);
