//! Concurrency and hostile input: of saves made at once from one version exactly one counts
//! (attendance, edits, a delete racing a save); hostile query values never break the pages.

use super::*;

/// Ten attendance saves of one version at once, each with a different person: exactly one
/// wins and the list is that one's; the others get 409 and write nothing.
async fn concurrent_attendance_saves_one_wins(app: TestApp) {
    clear(&app);
    let people: Vec<String> = (0..10)
        .map(|i| {
            person(
                &app,
                "ZB01",
                &format!("测试并发{i}"),
                ",party_member,",
                None,
                None,
            )
            .to_string()
        })
        .collect();
    let zb01 = app.unit_id("ZB01");
    let sec = app.signed_in("zhibu01").await;
    let id = create(&sec, zb01, "training").await;
    let path = format!("/activities/{id}/attendance");
    let forms: Vec<Vec<(&str, &str)>> = people
        .iter()
        .map(|p| vec![("version", "1"), ("person", p.as_str())])
        .collect();
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
    assert_eq!(attended(&app, id), 1);
    assert_eq!(ver(&app, id), "2");
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'attendance' AND entity_id = {id}"
        )),
        1
    );
    // A delete racing an edit: one of them counts, never both.
    let id2 = create(&sec, zb01, "training").await;
    let u = zb01.to_string();
    let mut edit = good(&u, "training");
    edit.push(("version", "1"));
    let edit_path = format!("/activities/{id2}");
    let del_path = format!("/activities/{id2}/delete");
    let del = [("version", "1")];
    let (e, d) = futures_util::join!(sec.post(&edit_path, &edit), sec.post(&del_path, &del));
    let won = [e.status, d.status].iter().filter(|s| **s == 303).count();
    assert_eq!(won, 1, "edit {} delete {}", e.status, d.status);
    if d.status == 303 {
        assert_eq!(app.count(&format!("activities WHERE id = {id2}")), 0);
    } else {
        assert_eq!(ver(&app, id2), "2");
    }
}

/// Hostile query values on the list, its export, the attendance page and the template: never
/// a server error.
async fn hostile_queries_never_break_the_pages(app: TestApp) {
    clear(&app);
    let zb01 = app.unit_id("ZB01");
    let sec = app.signed_in("zhibu01").await;
    let id = create(&sec, zb01, "exam").await;
    let admin = app.signed_in("admin").await;
    for v in [
        "%00",
        "%FF%FE",
        "-1",
        "99999999999999999999",
        "1e309",
        "%3Cscript%3E",
        "NaN",
    ] {
        for path in [
            format!("/activities?year={v}&kind={v}&unit={v}&group={v}&tag={v}&page={v}"),
            format!("/activities/export?year={v}&kind={v}&group={v}&tag={v}"),
            format!("/activities/{id}/attendance?unit={v}&group={v}"),
            format!("/activities/{v}"),
            format!("/activities/{v}/attendance"),
        ] {
            let status = admin.get(&path).await.status;
            assert!(status < 500, "{path}: {status}");
        }
    }
    assert_eq!(
        admin
            .get(&format!("/activities/{id}/attendance/template"))
            .await
            .status,
        200
    );
}

both!(
    concurrent_attendance_saves_one_wins,
    hostile_queries_never_break_the_pages,
);
