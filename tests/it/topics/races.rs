//! Concurrency: concurrent saves and approvals, late saves and stale submissions.

use super::*;

/// Ten saves of one version at once: exactly one wins (one conditional UPDATE, so this holds
/// on PostgreSQL under READ COMMITTED too). Ten approvals at once: one step recorded.
async fn concurrent_saves_and_approvals_one_wins(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let sec = app.signed_in("zhibu01").await;
    let id = create(&sec, zb01).await;
    let u = zb01.to_string();
    let topics: Vec<String> = (0..10).map(|i| format!("并发修改{i}")).collect();
    let forms: Vec<Vec<(&str, &str)>> = topics
        .iter()
        .map(|t| {
            let mut f = good(&u);
            f[3] = ("topic", t.as_str());
            f.push(("version", "1"));
            f
        })
        .collect();
    let path = format!("/topics/{id}");
    let res = futures_util::future::join_all(forms.iter().map(|f| sec.post(&path, f))).await;
    let statuses: Vec<u16> = res.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 303 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(ver(&app, id), "2");
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'first_topic' AND entity_id = {id} AND action = 'update'"
        )),
        1
    );
    sec.post(
        &format!("/topics/{id}/submit"),
        &[("version", &ver(&app, id))],
    )
    .await
    .assert_redirect(&path);
    let zz = app.signed_in("zongzhi01").await;
    let approve = format!("/topics/{id}/approve");
    // decided in issue 9: the approve form carries the version (D7), so every loser is told
    // 409 (D3), whether it read the state before or after the winner.
    let v = ver(&app, id);
    let results = futures_util::future::join_all((0..10).map(|_| async {
        zz.post(&approve, &[("comment", ""), ("version", &v)])
            .await
            .status
    }))
    .await;
    assert_eq!(
        results.iter().filter(|s| **s == 303).count(),
        1,
        "{results:?}"
    );
    assert!(
        results.iter().all(|s| *s == 303 || *s == 409),
        "{results:?}"
    );
    assert_eq!(state(&app, id, "awaiting_committee"), 1);
    assert_eq!(
        app.count(&format!(
            "review_events WHERE entity = 'first_topic' AND entity_id = {id} AND action = 'approve'"
        )),
        1
    );
}

/// A save arriving after the record was submitted: the form again with the input kept and a
/// plain message; a submission of a version not the current one is refused.
async fn late_saves_and_stale_submissions(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let a = app.signed_in("zhibu01").await;
    let other = app.signed_in("zhibu01").await;
    let id = create(&a, zb01).await;
    // A stale or missing version cannot submit.
    for v in ["0", ""] {
        let res = a
            .post(&format!("/topics/{id}/submit"), &[("version", v)])
            .await;
        assert_eq!(res.status, 409, "{v:?}");
        assert_eq!(state(&app, id, "draft"), 1);
    }
    let va = a
        .get(&format!("/topics/{id}/edit"))
        .await
        .input_value("version")
        .expect("version");
    other
        .post(&format!("/topics/{id}/submit"), &[("version", &va)])
        .await
        .assert_redirect(&format!("/topics/{id}"));
    let u = zb01.to_string();
    let mut f = good(&u);
    f[3] = ("topic", "晚到的修改内容");
    f.push(("version", &va));
    let res = a.post(&format!("/topics/{id}"), &f).await;
    assert_eq!(res.status, 409);
    res.assert_contains("未能保存：该记录已提交审核");
    res.assert_contains("晚到的修改内容");
    assert_eq!(app.count("first_topics WHERE topic = '晚到的修改内容'"), 0);
}

both!(
    concurrent_saves_and_approvals_one_wins,
    late_saves_and_stale_submissions,
);
