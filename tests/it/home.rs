//! The home page: this year's lights and the list of what is red or yellow, per role.

use crate::helpers::*;

/// Open measures / items of a unit (by code) in the 2026 campaign whose deadline compares
/// with `cmp` (e.g. "< '2026-11-24'").
fn open_count(app: &TestApp, table: &str, unit: &str, cond: &str) -> i64 {
    let open = if table == "measures" {
        "('not_started', 'in_progress')"
    } else {
        "('not_started', 'in_progress', 'partial')"
    };
    app.count(&format!(
        "{table} t JOIN units u ON u.id = t.unit_id JOIN campaigns c ON c.id = t.campaign_id \
         WHERE c.year = 2026 AND u.code = '{unit}' AND t.status IN {open} AND {cond}"
    ))
}

async fn a_secretary_sees_what_is_late_or_due_in_the_branch(app: TestApp) {
    let red_m = open_count(&app, "measures", "ZB01", "t.deadline < '2026-11-24'");
    let yellow_m = open_count(
        &app,
        "measures",
        "ZB01",
        "t.deadline >= '2026-11-24' AND t.deadline <= '2026-12-01'",
    );
    let red_i = open_count(&app, "rect_items", "ZB01", "t.deadline < '2026-11-24'");
    let yellow_i = open_count(
        &app,
        "rect_items",
        "ZB01",
        "t.deadline >= '2026-11-24' AND t.deadline <= '2026-12-01'",
    );
    assert!(
        red_m > 0 && yellow_m > 0 && red_i > 0 && yellow_i > 0,
        "demo gives ZB01 red and yellow work"
    );

    let b = app.signed_in("zhibu01").await;
    let home = b.get("/home").await;
    assert_eq!(home.status, 200);
    home.assert_contains("2026 年度进展（本支部）");
    home.assert_contains(&format!("逾期 {red_m}</a>"));
    home.assert_contains(&format!("临期 {yellow_m}</a>"));
    home.assert_contains(&format!("逾期 {red_i}</a>"));
    home.assert_contains(&format!("临期 {yellow_i}</a>"));
    // The list names only the branch's own work, each with its light.
    let rows = home
        .body
        .matches("<td class=\"nowrap\"><span class=\"light light-")
        .count() as i64;
    assert_eq!(rows, red_m + yellow_m + red_i + yellow_i);
    home.assert_lacks("党群工作部党支部</td>");
    home.assert_lacks("监理一分公司党支部</td>");

    // A day later, what was due today is overdue: one more red or the same, never fewer.
    let due_today = open_count(&app, "measures", "ZB01", "t.deadline = '2026-11-24'");
    app.advance(chrono::Duration::days(1));
    let b = app.signed_in("zhibu01").await;
    let later = b.get("/home").await;
    later.assert_contains(&format!("逾期 {}</a>", red_m + due_today));
}

async fn a_reviewer_sees_the_branches_below(app: TestApp) {
    let b = app.signed_in("zongzhi01").await;
    let home = b.get("/home").await;
    home.assert_contains("2026 年度进展");
    home.assert_lacks("（本支部）");
    // Work of ZB01..ZB04 may appear; ZB05 (another general branch) never does.
    home.assert_lacks("监理一分公司党支部</td>");
    let red_all: i64 = ["ZB01", "ZB02", "ZB03", "ZB04", "ZZ01"]
        .iter()
        .map(|u| open_count(&app, "measures", u, "t.deadline < '2026-11-24'"))
        .sum();
    home.assert_contains(&format!("逾期 {red_all}</a>"));
}

async fn the_office_sees_decisions_waiting(app: TestApp) {
    let pending = app.count("rect_extensions WHERE status = 'pending'");
    assert!(pending > 0, "demo has a pending extension request");
    let home = app.signed_in("admin").await.get("/home").await;
    home.assert_contains(&format!("{pending} 条延期申请"));
    home.assert_contains("快捷入口");
    home.assert_contains("最近操作");
    // The viewer reads the same lights but gets no actions.
    let viewer = app.signed_in("viewer").await.get("/home").await;
    viewer.assert_contains("2026 年度进展");
    viewer.assert_lacks("延期申请");
    viewer.assert_lacks("快捷入口");
}

both!(
    a_secretary_sees_what_is_late_or_due_in_the_branch,
    a_reviewer_sees_the_branches_below,
    the_office_sees_decisions_waiting,
);
