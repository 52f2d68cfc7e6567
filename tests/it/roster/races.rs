//! Concurrency: of ten leavings or ten saves of one version at once exactly one lands (one
//! guarded UPDATE, also on PostgreSQL under READ COMMITTED); five imports of one file at
//! once add each person once.

use super::excel::{row, sheet};
use super::*;

async fn ten_leavings_or_saves_at_once_one_lands(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let sec = app.signed_in("zhibu01").await;
    let id = create(&sec, zb01, "王芳").await;
    let v = ver(&app, id);
    let end = format!("/roster/{id}/end");
    let dates: Vec<String> = (1..=10).map(|d| format!("2026-11-{d:02}")).collect();
    let forms: Vec<[(&str, &str); 2]> = dates
        .iter()
        .map(|d| [("active_to", d.as_str()), ("version", v.as_str())])
        .collect();
    let res = futures_util::future::join_all(forms.iter().map(|f| sec.post(&end, f))).await;
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
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'roster_person' AND entity_id = {id} AND action = 'end'"
        )),
        1
    );
    assert_eq!(
        app.count(&format!(
            "field_changes WHERE entity = 'roster_person' AND entity_id = {id}"
        )),
        1
    );
    // Ten saves of one version.
    let v = ver(&app, id);
    let u = zb01.to_string();
    let posts: Vec<String> = (0..10).map(|i| format!("并发岗位{i}")).collect();
    let forms: Vec<Vec<(&str, &str)>> = posts
        .iter()
        .map(|p| {
            let mut f = good(&u, "王芳");
            f.retain(|(k, _)| *k != "post" && *k != "active_to");
            f.push(("post", p.as_str()));
            f.push(("version", v.as_str()));
            f
        })
        .collect();
    let path = format!("/roster/{id}");
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
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'roster_person' AND entity_id = {id} AND action = 'update'"
        )),
        1
    );
}

async fn five_imports_of_one_file_at_once_add_each_person_once(app: TestApp) {
    let office = app.signed_in("admin").await;
    office.get("/roster/import").await;
    let file = sheet(vec![
        row("ZB01", "并发甲", "党员"),
        row("ZB02", "并发乙", "组工干部"),
        row("ZB05", "并发丙", "统战对象"),
    ]);
    let token = office.csrf();
    let res = futures_util::future::join_all((0..5).map(|_| {
        let (ct, body) = multipart(&token, &[], Some(("名册.xlsx", &file)));
        let b = &office;
        async move { b.post_body("/roster/import", &ct, body).await.status }
    }))
    .await;
    assert!(res.iter().all(|s| *s == 303), "{res:?}");
    for name in ["并发甲", "并发乙", "并发丙"] {
        assert_eq!(people(&app, name), 1, "{name}");
    }
    assert_eq!(
        app.count("audit_log WHERE entity = 'roster_person' AND action = 'import'"),
        3
    );
}

both!(
    ten_leavings_or_saves_at_once_one_lands,
    five_imports_of_one_file_at_once_add_each_person_once,
);
