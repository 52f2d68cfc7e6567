//! Lists whose pages, order and counts are kept until the next write (issue 14): the roster
//! (its people in order and the counts beside the filters) and the feedback list (its
//! counts). After a change made by hand in SQL, outside any write transaction, a page seen
//! before shows what it showed; the print view (never kept) reads its rows as they are now,
//! with the kept order and counts; the next write drops all of it.
//! (The measures' and rectification items' lists have theirs in `measures::list` and
//! `rect::items`.)

use crate::helpers::*;

async fn the_roster_keeps_its_order_and_counts_until_the_next_write(app: TestApp) {
    let b = app.signed_in("admin").await;
    let (zb01, zb02) = (app.unit_id("ZB01"), app.unit_id("ZB02"));
    let n = app.count(&format!("roster_people WHERE unit_id = {zb01}"));
    assert!(n > 1, "the demo has a roster for ZB01");
    let url = format!("/roster?unit={zb01}");
    b.get(&url).await.assert_contains(&format!("共 {n} 条"));
    let moved = app.int(&format!(
        "SELECT id AS v FROM roster_people WHERE unit_id = {zb01} ORDER BY id LIMIT 1"
    ));
    app.exec_unseen(&format!(
        "UPDATE roster_people SET unit_id = {zb02} WHERE id = {moved}"
    ));
    // The print view: still listed under ZB01's filter and counted (the kept order); the
    // row reads its unit as it is now.
    let page = b.get(&format!("{url}&print=1")).await;
    page.assert_contains(&format!("共 {n} 条"));
    page.assert_contains(&format!("/roster/{moved}\""));
    a_write_through_the_portal(&app, &b).await;
    let page = b.get(&format!("{url}&print=1")).await;
    page.assert_contains(&format!("共 {} 条", n - 1));
    page.assert_lacks(&format!("/roster/{moved}\""));
}

async fn the_feedback_counts_are_kept_until_the_next_write(app: TestApp) {
    let b = app.signed_in("admin").await;
    let n = app.count("feedback_items WHERE state = 'received'");
    assert!(n > 0, "the demo has feedback 待分办");
    let url = "/feedback?state=received";
    b.get(url).await.assert_contains(&format!("共 {n} 条"));
    let id =
        app.int("SELECT id AS v FROM feedback_items WHERE state = 'received' ORDER BY id LIMIT 1");
    app.exec_unseen(&format!(
        "UPDATE feedback_items SET state = 'assigned' WHERE id = {id}"
    ));
    // The page and its count are kept; the print view reads its rows (the item has left
    // this filter) beside the kept count.
    let page = b.get(url).await;
    page.assert_contains(&format!("共 {n} 条"));
    page.assert_contains(&format!("/feedback/{id}\""));
    let print = b.get(&format!("{url}&print=1")).await;
    print.assert_contains(&format!("共 {n} 条"));
    print.assert_lacks(&format!("/feedback/{id}\""));
    a_write_through_the_portal(&app, &b).await;
    b.get(url)
        .await
        .assert_contains(&format!("共 {} 条", n - 1));
}

both!(
    the_roster_keeps_its_order_and_counts_until_the_next_write,
    the_feedback_counts_are_kept_until_the_next_write,
);
