//! The dashboard on paper: A4 portrait, a header naming the unit, the period and the print
//! time, page numbers, every section heading; at most 4 pages for the committee, 2 for a
//! branch.

use crate::browser::pdf;
use crate::helpers::TestApp;

const HEADINGS: [&str; 7] = [
    "一、月度调度",
    "二、践行举措",
    "三、问题整改",
    "四、培训与活动",
    "五、党建品牌与工作模板",
    "六、监督渠道、激励约束与千分制考核",
    "七、同比",
];

async fn the_committee_dashboard_prints_on_four_a4_pages(app: TestApp) {
    let b = app.signed_in("admin").await;
    let path = "/dashboard?year=2022&month=12&print=1";
    let view = b.get(path).await;
    assert_eq!(view.status, 200);
    view.assert_contains("print-view");
    let Some(p) = pdf::print(&app, &b, path).await else {
        return;
    };
    assert!(p.is_a4() && !p.landscape(), "A4 portrait: {p:?}");
    assert!(p.pages <= 4, "{} pages:\n{}", p.pages, p.text);
    p.assert_has_all(&HEADINGS);
    p.assert_has_all(&[
        "作风建设管理平台·统计看板",
        "单位：工程咨询集团党委",
        "期间：2022年12月",
        "打印时间：",
        "总部机关党总支",
        "生产经营指标",
        "强意识座谈会",
    ]);
    p.assert_page_numbers();
    let s = p.squeezed();
    for screen in ["下载月度调度通报", "查看完整排名", "退出登录"] {
        assert!(!s.contains(screen), "{screen:?} printed:\n{}", p.text);
    }
}
both!(the_committee_dashboard_prints_on_four_a4_pages);

async fn a_branch_dashboard_prints_on_two_a4_pages(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let path = "/dashboard?year=2026&month=11&print=1";
    let Some(p) = pdf::print(&app, &b, path).await else {
        return;
    };
    assert!(p.is_a4() && !p.landscape(), "A4 portrait: {p:?}");
    assert!(p.pages <= 2, "{} pages:\n{}", p.pages, p.text);
    p.assert_has_all(&HEADINGS);
    p.assert_has_all(&["单位：综合办公室党支部", "期间：2026年11月"]);
    p.assert_page_numbers();
}
both!(a_branch_dashboard_prints_on_two_a4_pages);
