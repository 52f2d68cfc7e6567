//! How many times a request goes to the connection pool: the work of a review step is one
//! checkout (one transaction); the rest of the request is the session and the signed-in user,
//! which every signed-in request pays.

use diesel::connection::SimpleConnection;

use crate::helpers::TestApp;

fn exec(app: &TestApp, sql: &str) {
    let mut c = app.db.conn().expect("conn");
    c.batch_execute(sql).expect("sql");
}

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
    exec(
        &app,
        &format!(
            "UPDATE monthly_reports SET state = 'awaiting_committee' \
             WHERE unit_id = {zb01} AND year = 2026 AND month BETWEEN 6 AND 9"
        ),
    );
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
