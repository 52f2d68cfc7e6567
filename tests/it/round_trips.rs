//! How many times a request goes to the connection pool: the work of a review step is one
//! checkout (one transaction); the rest of the request is the session and the signed-in user,
//! which every signed-in request pays.

use crate::helpers::TestApp;

fn one(app: &TestApp, sql: &str) -> i64 {
    app.count(sql)
}

fn summer_reports(app: &TestApp, unit: i32) -> Vec<i32> {
    use diesel::prelude::*;
    use zuofeng::db::schema::monthly_reports as m;
    let mut c = app.db.conn().expect("conn");
    m::table
        .filter(m::unit_id.eq(unit))
        .filter(m::year.eq(2026))
        .filter(m::month.between(6, 9))
        .select(m::id)
        .load::<i32>(&mut *c)
        .expect("demo reports")
}

/// The counter is the whole pool's: a background task may add to one measurement, so each
/// side is the least of three.
async fn approving_a_report_is_one_checkout(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    app.exec(&format!(
        "UPDATE monthly_reports SET state = 'awaiting_committee' \
             WHERE unit_id = {zb01} AND year = 2026 AND month BETWEEN 6 AND 9"
    ));
    let ids = summer_reports(&app, zb01);
    assert!(
        ids.len() >= 2,
        "the demo has ZB01's reports of the summer: {ids:?}"
    );
    let office = app.signed_in("admin").await;
    office.get("/reports/queue").await;
    let mut baseline = u64::MAX;
    let mut approve = u64::MAX;
    for id in ids {
        // A signed-in POST that does no work of its own (nothing ticked): session, user, flash.
        let before = app.db.checkouts();
        office
            .post("/reports/queue/approve", &[])
            .await
            .assert_redirect("/reports/queue");
        baseline = baseline.min(app.db.checkouts() - before);
        let before = app.db.checkouts();
        office
            .post(&format!("/reports/{id}/approve"), &[("comment", "同意")])
            .await
            .assert_redirect(&format!("/reports/{id}"));
        approve = approve.min(app.db.checkouts() - before);
        assert_eq!(
            one(
                &app,
                &format!("monthly_reports WHERE id = {id} AND state = 'closed'")
            ),
            1
        );
    }
    assert_eq!(
        approve,
        baseline + 1,
        "approve: {approve} checkouts, a request without work: {baseline}"
    );
}

both!(approving_a_report_is_one_checkout);

fn ids(app: &TestApp, sql: &str) -> Vec<i32> {
    use diesel::prelude::*;
    use diesel::sql_types::Integer;
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = Integer)]
        id: i32,
    }
    let mut c = app.db.conn().expect("conn");
    diesel::sql_query(sql)
        .load::<Id>(&mut *c)
        .expect("ids")
        .into_iter()
        .map(|r| r.id)
        .collect()
}

/// The checkouts of a signed-in POST that does no work of its own (nothing ticked).
async fn no_work(app: &TestApp, b: &crate::helpers::Browser) -> u64 {
    let before = app.db.checkouts();
    b.post("/reports/queue/approve", &[])
        .await
        .assert_redirect("/reports/queue");
    app.db.checkouts() - before
}

/// Closing a measure and accepting a rectification item check, decide and write in their
/// one transaction: no load before it.
async fn closing_a_measure_and_accepting_an_item_are_one_checkout(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    app.exec(&format!(
        "UPDATE rect_items SET status = 'awaiting' \
             WHERE unit_id = {zb01} AND status <> 'closed'"
    ));
    let measures = ids(
        &app,
        &format!(
            "SELECT id FROM measures WHERE unit_id = {zb01} AND status <> 'closed' ORDER BY id"
        ),
    );
    let items = ids(
        &app,
        &format!(
            "SELECT id FROM rect_items WHERE unit_id = {zb01} AND status = 'awaiting' ORDER BY id"
        ),
    );
    assert!(
        measures.len() >= 2 && items.len() >= 2,
        "the demo has open measures and items of ZB01: {measures:?} {items:?}"
    );
    let office = app.signed_in("admin").await;
    office.get("/reports/queue").await;
    let (mut baseline, mut close, mut accept) = (u64::MAX, u64::MAX, u64::MAX);
    for (m, i) in measures.iter().zip(&items).take(3) {
        baseline = baseline.min(no_work(&app, &office).await);
        let before = app.db.checkouts();
        office
            .post(&format!("/measures/{m}/close"), &[])
            .await
            .assert_redirect(&format!("/measures/{m}"));
        close = close.min(app.db.checkouts() - before);
        // The first request after a write reads the signed-in user again (users are kept
        // until the next write): let a request without work take that read.
        no_work(&app, &office).await;
        let before = app.db.checkouts();
        office
            .post(&format!("/rect/items/{i}/accept"), &[])
            .await
            .assert_redirect(&format!("/rect/items/{i}"));
        accept = accept.min(app.db.checkouts() - before);
    }
    assert_eq!(
        one(
            &app,
            &format!("measures WHERE id = {} AND status = 'closed'", measures[0])
        ),
        1
    );
    assert_eq!(
        one(
            &app,
            &format!("rect_items WHERE id = {} AND status = 'closed'", items[0])
        ),
        1
    );
    assert_eq!(close, baseline + 1, "close: {close}, no work: {baseline}");
    assert_eq!(
        accept,
        baseline + 1,
        "accept: {accept}, no work: {baseline}"
    );
}

both!(closing_a_measure_and_accepting_an_item_are_one_checkout);
