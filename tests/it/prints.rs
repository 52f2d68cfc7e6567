//! What comes out of the printer: pages printed to PDF by headless Chromium (see
//! `browser::pdf`), checked for paper size, page count and the words on them.

use crate::browser::pdf;
use crate::helpers::TestApp;
use crate::reports::open;

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
