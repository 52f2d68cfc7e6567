//! Late and missing around the due day (按时/迟报/未报), and where the day ends.

use super::*;

async fn late_and_missing_around_the_due_day(app: TestApp) {
    let admin = app.signed_in("admin").await;
    // 24 November: nobody has submitted, nothing is missing yet.
    let p = admin.get("/reports?year=2026&month=11").await;
    for code in ["ZB01", "ZB02", "ZB03"] {
        assert_eq!(row_class(&p, code), "compliance-pending", "{code}");
    }
    p.assert_lacks("compliance-missing");

    // 25 November (due day): on time.
    app.advance(chrono::Duration::days(1));
    let b1 = app.signed_in("zhibu01").await;
    let id1 = open(&b1, "11").await;
    assert_eq!(fill_and_submit(&app, &b1, id1).await.status, 303);
    assert!(!report(&app, id1).late);

    // 26 November: late; ZB03 without a report is missing.
    app.advance(chrono::Duration::days(1));
    let b2 = app.signed_in("zhibu02").await;
    let id2 = open(&b2, "11").await;
    assert_eq!(fill_and_submit(&app, &b2, id2).await.status, 303);
    assert!(report(&app, id2).late);
    let admin = app.signed_in("admin").await;
    let p = admin.get("/reports?year=2026&month=11").await;
    assert_eq!(row_class(&p, "ZB01"), "compliance-ontime");
    assert_eq!(row_class(&p, "ZB02"), "compliance-late");
    assert_eq!(row_class(&p, "ZB03"), "compliance-missing");
    p.assert_lacks("compliance-pending");
    // The reviewer sees only their branches.
    let zz = app.signed_in("zongzhi01").await;
    let p = zz.get("/reports?year=2026&month=11").await;
    p.assert_contains("财务管理部党支部");
    p.assert_lacks("设计院党支部");
    let mut c = app.db.conn().expect("conn");
    let unit = app.unit_id("ZB02");
    assert_eq!(
        reports::my_report_status(&mut c, unit, 2026, 11).expect("q"),
        Some((zuofeng::domain::review::ReviewState::AwaitingGeneral, true))
    );
    assert_eq!(
        reports::waiting_for(&mut c, Role::Reviewer, "/").expect("q"),
        2
    );
}
both!(late_and_missing_around_the_due_day);

/// The first submission decides 按时/迟报; a returned draft shows 已退回 on the compliance page
/// (it still counts as reported); a draft never submitted after the due day is 未报.
async fn late_is_kept_from_the_first_submission(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let id = open(&b, "11").await;
    assert_eq!(fill_and_submit(&app, &b, id).await.status, 303);
    let zb02 = app.signed_in("zhibu02").await;
    open(&zb02, "11").await; // a draft only
                             // Three days later (after the 25th) the reviewer returns it.
    app.advance(chrono::Duration::days(3));
    let zz = app.signed_in("zongzhi01").await;
    zz.post(&format!("/reports/{id}/return"), &[("comment", "请补充")])
        .await
        .assert_redirect(&format!("/reports/{id}"));
    let admin = app.signed_in("admin").await;
    let p = admin.get("/reports?year=2026&month=11").await;
    assert_eq!(row_class(&p, "ZB01"), "compliance-returned");
    p.assert_contains("已退回(按时)");
    assert_eq!(row_class(&p, "ZB02"), "compliance-missing");
    // Resubmitted late: still on time.
    let b = app.signed_in("zhibu01").await;
    b.get("/home")
        .await
        .assert_contains("修改后重新提交仍记为按时");
    assert_eq!(fill_and_submit(&app, &b, id).await.status, 303);
    assert!(!report(&app, id).late);
    let p = admin.get("/reports?year=2026&month=11").await;
    assert_eq!(row_class(&p, "ZB01"), "compliance-ontime");
}
both!(late_is_kept_from_the_first_submission);

/// The due day (25 November) ends at 24:00 Beijing time, 16:00 UTC.
async fn the_due_day_ends_at_beijing_midnight(app: TestApp) {
    let at = |h: u32, m: u32| {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
            .and_then(|d| d.and_hms_opt(h, m, 0))
            .expect("time")
    };
    app.clock.set(at(15, 50));
    let b1 = app.signed_in("zhibu01").await;
    let b2 = app.signed_in("zhibu02").await;
    let id1 = open(&b1, "11").await;
    let id2 = open(&b2, "11").await;
    app.clock.set(at(15, 59));
    assert_eq!(fill_and_submit(&app, &b1, id1).await.status, 303);
    assert!(!report(&app, id1).late, "23:59 in Beijing is on time");
    let admin = app.signed_in("admin").await;
    let p = admin.get("/reports?year=2026&month=11").await;
    assert_eq!(row_class(&p, "ZB03"), "compliance-pending");
    app.clock.set(at(16, 0));
    assert_eq!(fill_and_submit(&app, &b2, id2).await.status, 303);
    assert!(
        report(&app, id2).late,
        "00:00 on the 26th in Beijing is late"
    );
    let p = admin.get("/reports?year=2026&month=11").await;
    assert_eq!(row_class(&p, "ZB03"), "compliance-missing");
    assert_eq!(row_class(&p, "ZB01"), "compliance-ontime");
    assert_eq!(row_class(&p, "ZB02"), "compliance-late");
}
both!(the_due_day_ends_at_beijing_midnight);
