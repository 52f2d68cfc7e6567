//! A long table of units is folded to the general branches (more than `FOLD_ABOVE` = 60
//! lines): each general branch's line holds its branches, a line's link opens its branches,
//! `detail=all` lists every unit (kept through paging and print), and the export always has
//! every unit.

use super::export::{row, sheets};
use super::*;

const PAGE: &str = "/activities/coverage";

/// 60 more branches under ZZ01, without people: the committee's table passes 60 lines.
fn many_branches(app: &TestApp) {
    let zz01 = app.unit_id("ZZ01");
    let mut sql = String::new();
    for i in 0..60 {
        sql.push_str(&format!(
            "INSERT INTO units (parent_id, code, name, kind, category, path, sort_order, active, \
             created_at, updated_at) SELECT id, 'FB{i:02}', '新建第{i:02}党支部', 'branch', \
             'other', path, {}, TRUE, '2026-01-01 00:00:00', '2026-01-01 00:00:00' \
             FROM units WHERE id = {zz01};",
            100 + i
        ));
    }
    sql.push_str(&format!(
        "UPDATE units SET path = (SELECT p.path FROM units p WHERE p.id = {zz01}) \
         || CAST(id AS TEXT) || '/' WHERE code LIKE 'FB%';"
    ));
    app.exec(&sql);
}

async fn a_long_table_is_folded_to_the_general_branches(app: TestApp) {
    roster(&app);
    let admin = app.signed_in("admin").await;
    // Short: every unit, nothing folded.
    let short = admin.get(PAGE).await;
    assert!(units(&short.body).contains_key("ZB01"));
    short.assert_lacks("data-folded");

    many_branches(&app);
    let all_units = app.count("units WHERE active = TRUE") as usize;
    let folded = admin.get(PAGE).await;
    assert_eq!(folded.status, 200);
    folded.assert_contains("data-folded");
    folded.assert_contains(&format!("共 {all_units} 个单位"));
    let lines = units(&folded.body);
    // The committee and the units right under it; no branch of a general branch.
    assert!(
        lines.contains_key("DW") && lines.contains_key("ZZ01"),
        "{lines:?}"
    );
    for hidden in ["ZB01", "ZB02", "FB00", "FB59"] {
        assert!(!lines.contains_key(hidden), "{hidden} in {lines:?}");
    }
    let depth_one = app.count(&format!(
        "units WHERE parent_id = {} AND active = TRUE",
        app.unit_id("DW")
    )) as usize;
    assert_eq!(lines.len(), 1 + depth_one, "{lines:?}");
    // ZZ01's line holds ZB01 (5 / 3, 1) and ZB02 (3 / 2, 0); the overall is unchanged.
    assert_eq!(lines["ZZ01"], (8, 5, 1));
    assert_eq!(overall(&folded.body), Some((8, 5, 1)));

    // A general branch's link opens its branches, every one (62 lines, one level: no fold).
    let zz01 = app.unit_id("ZZ01");
    let drill = admin
        .get(&format!(
            "{PAGE}?year=2026&group=party_member&kind=training&kind=exam&unit={zz01}"
        ))
        .await;
    folded.assert_contains(&format!("&amp;unit={zz01}\""));
    let lines = units(&drill.body);
    assert_eq!(lines["ZB01"], (5, 3, 1));
    assert_eq!(lines["ZB02"], (3, 2, 0));
    assert!(lines.contains_key("FB59"));
    drill.assert_lacks("data-folded");

    // Every unit on asking, and the print view and the filters keep asking.
    let all = admin.get(&format!("{PAGE}?detail=all")).await;
    let lines = units(&all.body);
    assert_eq!(lines.len(), all_units, "{lines:?}");
    assert_eq!(lines["ZB01"], (5, 3, 1));
    all.assert_lacks("data-folded");
    all.assert_contains("按党总支汇总显示");
    all.assert_contains(r#"<input type="hidden" name="detail" value="all">"#);
    let print_link = "?year=2026&group=party_member&kind=training&kind=exam&detail=all&print=1";
    all.assert_contains(&print_link.replace('&', "&#38;"));
    let print = admin.get(&format!("{PAGE}{print_link}")).await;
    assert_eq!(units(&print.body).len(), all_units);
    let folded_print = admin.get(&format!("{PAGE}?print=1")).await;
    assert_eq!(units(&folded_print.body).len(), 1 + depth_one);

    // The export lists every unit, folded page or not.
    let (status, _, bytes) = admin.download(&format!("{PAGE}/export")).await;
    assert_eq!(status, 200);
    let book = sheets(bytes);
    let sheet = &book["覆盖率"];
    assert_eq!(&row(sheet, "综合办公室党支部")[1..3], ["5", "3"]);
    row(sheet, "新建第59党支部");
}

/// A general branch's own page is never folded: its branches are one level.
async fn a_general_branch_sees_every_branch(app: TestApp) {
    roster(&app);
    many_branches(&app);
    let reviewer = app.signed_in("zongzhi01").await;
    let page = reviewer.get(PAGE).await;
    assert_eq!(page.status, 200);
    let lines = units(&page.body);
    assert!(lines.len() > 60, "{}", lines.len());
    assert_eq!(lines["ZB01"], (5, 3, 1));
    page.assert_lacks("data-folded");
    page.assert_lacks("按党总支汇总显示");
}

both!(
    a_long_table_is_folded_to_the_general_branches,
    a_general_branch_sees_every_branch
);
