//! Concurrency: ten simultaneous approvals have one winner (D6); a decision on an older
//! version is refused (D7).

use super::*;

/// D6 (and D3's loser): ten simultaneous approvals of one record by the same reviewer, from
/// ten sessions carrying the version the page showed, then ten from one session without
/// it: each time exactly one wins, one trail row, one audit row; the others get 409.
async fn d6_ten_simultaneous_approvals_have_one_winner(app: TestApp, rec: Rec) {
    let sec = app.signed_in("zhibu01").await;
    let id = rec.submitted(&app, &sec, "ZB01").await;
    let path = format!("{}/approve", rec.path(id));
    let crowd = join_all((0..10).map(|_| app.signed_in("zongzhi01"))).await;
    let before = rec.snap(&app, id);
    let v = before.version.to_string();
    let fields = [("version", v.as_str()), ("comment", "同意")];
    let pages = join_all(crowd.iter().map(|b| b.post(&path, &fields))).await;
    let statuses: Vec<u16> = pages.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{rec:?}: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 303 || *s == 409),
        "{rec:?}: the losers are told of the conflict: {statuses:?}"
    );
    let after = rec.snap(&app, id);
    assert_eq!(after.state, "awaiting_committee");
    assert_eq!(after.version, before.version + 1);
    assert_eq!(after.events, before.events + 1);
    assert_eq!(rec.events(&app, id, Some("approve")), 1);
    assert_eq!(rec.audits(&app, id, Some("approve")), 1);

    let admin = app.signed_in("admin").await;
    let pages = join_all((0..10).map(|_| admin.post(&path, &[]))).await;
    let statuses: Vec<u16> = pages.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{rec:?}: {statuses:?}"
    );
    for p in pages.iter().filter(|p| p.status != 303) {
        refused(p, 409, NOT_NOW, &format!("{rec:?}: a losing approval"));
    }
    let closed = rec.snap(&app, id);
    assert_eq!(closed.state, "closed");
    assert_eq!(closed.version, after.version + 1);
    assert_eq!(rec.events(&app, id, Some("approve")), 2);
    assert_eq!(rec.audits(&app, id, Some("approve")), 2);
}

/// D7: the approve and return forms carry the record's version; a decision made on a page
/// older than the record (returned, edited and resubmitted meanwhile) is refused with 409
/// and changes nothing; one posted without a version is accepted when the state fits.
async fn d7_a_decision_on_an_older_version_is_refused(app: TestApp, rec: Rec) {
    let sec = app.signed_in("zhibu01").await;
    let id = rec.submitted(&app, &sec, "ZB01").await;
    // The reviewer opens the record in one window…
    let window = app.signed_in("zongzhi01").await;
    let page = window.get(&rec.path(id)).await;
    assert_eq!(page.status, 200);
    let seen = rec.version(&app, id);
    let forms = [
        form_version(&page, &format!("{}/approve", rec.path(id))),
        form_version(&page, &format!("{}/return", rec.path(id))),
    ];
    // …returns it in another; the branch edits and resubmits.
    let other = app.signed_in("zongzhi01").await;
    rec.ret(&other, id, "请补充佐证")
        .await
        .assert_redirect(&rec.path(id));
    rec.save(&app, &sec, id, "按意见补充了佐证")
        .await
        .assert_redirect(&rec.path(id));
    rec.submit(&app, &sec, id)
        .await
        .assert_redirect(&rec.path(id));
    assert_eq!(rec.state(&app, id), "awaiting_general");
    let before = rec.snap(&app, id);
    assert_ne!(before.version, seen);
    // The first window's decisions are refused.
    let old = seen.to_string();
    let p = rec
        .approve(
            &window,
            id,
            &[("version", old.as_str()), ("comment", "同意")],
        )
        .await;
    assert_eq!(p.status, 409, "{rec:?}: approve on an old page: {}", p.body);
    let p = window
        .post(
            &format!("{}/return", rec.path(id)),
            &[("version", old.as_str()), ("comment", "旧页面的退回")],
        )
        .await;
    assert_eq!(p.status, 409, "{rec:?}: return on an old page: {}", p.body);
    assert_eq!(rec.snap(&app, id), before, "nothing changes");
    // With the current version it passes; without one (another client) too.
    let now = before.version.to_string();
    rec.approve(&window, id, &[("version", now.as_str())])
        .await
        .assert_redirect(&rec.path(id));
    assert_eq!(rec.state(&app, id), "awaiting_committee");
    let admin = app.signed_in("admin").await;
    rec.approve(&admin, id, &[])
        .await
        .assert_redirect(&rec.path(id));
    assert_eq!(rec.state(&app, id), "closed");
    // The page's forms carried the version the reviewer read.
    let seen = Some(seen.to_string());
    assert_eq!(
        forms,
        [seen.clone(), seen],
        "{rec:?}: the approve and return forms carry a hidden version"
    );
}

contract!(
    d6_ten_simultaneous_approvals_have_one_winner,
    d7_a_decision_on_an_older_version_is_refused,
);
