//! 正向激励: create, edit with history and audit, conflicts, delete; bad input; CSRF; the
//! office only writes; unit scope on reading; the list's counts, filters, print and export;
//! ten edits at once.

use futures_util::future::join_all;

use super::{id_after, sheet, NOT_OFFICE};
use crate::helpers::{Browser, TestApp};

const TITLE: &str = "监理一分公司党支部获评先进基层党组织";

fn good(unit: &str) -> Vec<(&'static str, String)> {
    vec![
        ("kind", "commendation".into()),
        ("unit_id", unit.into()),
        ("title", TITLE.into()),
        ("issuer", "集团公司党委".into()),
        ("awarded_on", "2026-07-01".into()),
        ("link", "https://example.com/news/1".into()),
        ("notes", "七一表彰".into()),
    ]
}

fn with(
    base: &[(&'static str, String)],
    changes: &[(&'static str, &str)],
) -> Vec<(&'static str, String)> {
    let mut f: Vec<(&'static str, String)> = base
        .iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .cloned()
        .collect();
    f.extend(changes.iter().map(|(k, v)| (*k, v.to_string())));
    f
}

fn refs<'a>(f: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    f.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn create(b: &Browser, unit: i32) -> i32 {
    let res = b.post("/incentives", &refs(&good(&unit.to_string()))).await;
    assert_eq!(res.status, 303, "{}", res.body);
    id_after(&res, "/incentives/")
}

fn mine(app: &TestApp) -> i64 {
    app.count(&format!("incentives WHERE title = '{TITLE}'"))
}

async fn the_office_records_edits_and_deletes_an_incentive(app: TestApp) {
    let zb05 = app.unit_id("ZB05");
    let admin = app.signed_in("admin").await;
    admin
        .get("/incentives/new")
        .await
        .assert_contains("授予/刊发/推荐单位或平台");
    let id = create(&admin, zb05).await;
    let page = admin.get(&format!("/incentives/{id}")).await;
    assert_eq!(page.status, 200);
    page.assert_contains(TITLE);
    page.assert_contains("评优评先");
    page.assert_contains("监理一分公司党支部");
    page.assert_contains("rel=\"noopener noreferrer\"");
    page.assert_contains("data-confirm=");
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'incentive' AND action = 'create' AND entity_id = {id}"
        )),
        1
    );
    // Edit: history and audit.
    let edit = admin.get(&format!("/incentives/{id}/edit")).await;
    assert_eq!(edit.input_value("version").as_deref(), Some("1"));
    let f = with(
        &good(&zb05.to_string()),
        &[
            ("kind", "recommendation"),
            ("issuer", "山东高速集团党委"),
            ("version", "1"),
        ],
    );
    admin
        .post(&format!("/incentives/{id}"), &refs(&f))
        .await
        .assert_redirect(&format!("/incentives/{id}"));
    let page = admin.get(&format!("/incentives/{id}")).await;
    page.assert_contains("<td>类别</td><td>评优评先</td><td>向上推荐</td>");
    page.assert_contains(
        "<td>授予/刊发/推荐单位或平台</td><td>集团公司党委</td><td>山东高速集团党委</td>",
    );
    assert_eq!(
        app.count(&format!(
            "incentives WHERE id = {id} AND version = 2 AND kind = 'recommendation'"
        )),
        1
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'incentive' AND action = 'update' AND entity_id = {id}"
        )),
        1
    );
    // A stale edit: 409, the input kept, nothing written.
    let stale = with(&f, &[("title", "过时的标题"), ("version", "1")]);
    let res = admin
        .post(&format!("/incentives/{id}"), &refs(&stale))
        .await;
    assert_eq!(res.status, 409);
    res.assert_contains("该记录在您编辑期间已被他人修改");
    assert_eq!(res.input_value("title").as_deref(), Some("过时的标题"));
    assert_eq!(res.input_value("version").as_deref(), Some("2"));
    assert_eq!(app.count("incentives WHERE title = '过时的标题'"), 0);
    // Delete: stale refused, current deletes.
    let res = admin
        .post(&format!("/incentives/{id}/delete"), &[("version", "1")])
        .await;
    assert_eq!(res.status, 409);
    assert_eq!(mine(&app), 1);
    admin
        .post(&format!("/incentives/{id}/delete"), &[("version", "2")])
        .await
        .assert_redirect("/incentives");
    assert_eq!(mine(&app), 0);
    assert_eq!(
        app.count("audit_log WHERE entity = 'incentive' AND action = 'delete'"),
        1
    );
    assert_eq!(admin.get(&format!("/incentives/{id}")).await.status, 404);
    // The audit log reads in Chinese.
    let log = admin.get("/audit?entity=incentive").await;
    log.assert_contains("授予/刊发/推荐单位或平台");
    log.assert_contains("向上推荐");
}

async fn bad_input_is_named_kept_and_writes_nothing(app: TestApp) {
    let zb05 = app.unit_id("ZB05").to_string();
    let admin = app.signed_in("admin").await;
    let before = app.count("incentives");
    let f = with(
        &good(&zb05),
        &[
            ("title", "  "),
            ("awarded_on", "2026-02-30"),
            ("link", "javascript:alert(1)"),
            ("notes", "保留的备注"),
        ],
    );
    let res = admin.post("/incentives", &refs(&f)).await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写事项名称");
    res.assert_contains("日期须为有效日期");
    res.assert_contains("链接须以 http:// 或 https:// 开头的网址");
    res.assert_contains("保留的备注");
    assert_eq!(
        res.input_value("link").as_deref(),
        Some("javascript:alert(1)")
    );
    // A future date, an unknown kind.
    let f = with(
        &good(&zb05),
        &[("awarded_on", "2027-01-01"), ("kind", "bogus")],
    );
    let res = admin.post("/incentives", &refs(&f)).await;
    assert_eq!(res.status, 422);
    res.assert_contains("日期不能晚于今天");
    res.assert_contains("请选择类别");
    assert_eq!(app.count("incentives"), before);
    // The same on an edit; without its version it is refused.
    let id = create(&admin, zb05.parse().unwrap_or(0)).await;
    let f = with(
        &good(&zb05),
        &[("link", "data:text/html,x"), ("version", "1")],
    );
    let res = admin.post(&format!("/incentives/{id}"), &refs(&f)).await;
    assert_eq!(res.status, 422);
    let res = admin
        .post(&format!("/incentives/{id}"), &refs(&good(&zb05)))
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(
        app.count(&format!("incentives WHERE id = {id} AND version = 1")),
        1
    );
    assert_eq!(
        app.count("audit_log WHERE entity = 'incentive' AND action = 'update'"),
        0
    );
}

async fn csrf_is_checked_on_every_post(app: TestApp) {
    let zb05 = app.unit_id("ZB05");
    let admin = app.signed_in("admin").await;
    let id = create(&admin, zb05).await;
    let f = with(
        &good(&zb05.to_string()),
        &[("title", "伪造的激励"), ("version", "1")],
    );
    for p in [
        "/incentives".to_string(),
        format!("/incentives/{id}"),
        format!("/incentives/{id}/delete"),
    ] {
        assert_eq!(
            admin.post_raw(&p, &refs(&f)).await.status,
            403,
            "{p} without token"
        );
        let mut forged = refs(&f);
        forged.insert(0, ("csrf_token", "forged-token"));
        assert_eq!(admin.post_raw(&p, &forged).await.status, 403, "{p} forged");
    }
    assert_eq!(mine(&app), 1);
    assert_eq!(app.count("incentives WHERE title = '伪造的激励'"), 0);
    assert_eq!(
        app.count(&format!("incentives WHERE id = {id} AND version = 1")),
        1
    );
}

async fn only_the_office_writes_and_units_read_their_own(app: TestApp) {
    let zb05 = app.unit_id("ZB05");
    let zb01 = app.unit_id("ZB01");
    let admin = app.signed_in("admin").await;
    let id = create(&admin, zb05).await;
    for who in NOT_OFFICE {
        let b = app.signed_in(who).await;
        for u in [zb01, zb05] {
            let f = with(&good(&u.to_string()), &[("version", "1")]);
            assert_eq!(b.post("/incentives", &refs(&f)).await.status, 403, "{who}");
            assert_eq!(
                b.post(&format!("/incentives/{id}"), &refs(&f)).await.status,
                403,
                "{who}"
            );
        }
        assert_eq!(
            b.post(&format!("/incentives/{id}/delete"), &[("version", "1")])
                .await
                .status,
            403,
            "{who}"
        );
        assert_eq!(b.get("/incentives/new").await.status, 403, "{who}");
        assert_eq!(
            b.get(&format!("/incentives/{id}/edit")).await.status,
            403,
            "{who}"
        );
        b.get("/incentives").await.assert_lacks("新增正向激励");
    }
    assert_eq!(mine(&app), 1);
    assert_eq!(
        app.count(&format!("incentives WHERE id = {id} AND version = 1")),
        1
    );
    // Reading: ZB05's secretary and the viewer see it; ZB01's secretary and ZZ01's reviewer
    // do not (403 on its page, absent from the list and the export).
    for who in ["zhibu03", "viewer", "admin"] {
        let b = app.signed_in(who).await;
        b.get(&format!("/incentives/{id}"))
            .await
            .assert_contains(TITLE);
        b.get("/incentives").await.assert_contains(TITLE);
    }
    for who in ["zhibu01", "zongzhi01"] {
        let b = app.signed_in(who).await;
        assert_eq!(
            b.get(&format!("/incentives/{id}")).await.status,
            403,
            "{who}"
        );
        b.get("/incentives").await.assert_lacks(TITLE);
        assert_eq!(b.get(&format!("/incentives?unit={zb05}")).await.status, 403);
        let (status, _, bytes) = b.download("/incentives/export").await;
        assert_eq!(status, 200);
        assert!(!sheet(bytes).iter().flatten().any(|c| c == TITLE), "{who}");
    }
    assert_eq!(admin.get("/incentives/999999").await.status, 404);
}

async fn the_list_counts_filters_prints_and_exports(app: TestApp) {
    let admin = app.signed_in("admin").await;
    // The demo: 9 incentives (3 commendations, 4 promotions, 2 recommendations).
    let all = admin.get("/incentives").await;
    all.assert_contains(r#"data-kind="all" data-count="9""#);
    all.assert_contains(r#"data-kind="promotion" data-count="4""#);
    all.assert_contains("中企党建研究院");
    all.assert_contains("山东国资报道");
    all.assert_contains("集团公司微信公众号");
    // Filters: kind, year, text, unit.
    let p = admin.get("/incentives?kind=promotion&year=2022").await;
    p.assert_contains("中企党建研究院");
    p.assert_lacks("先进基层党组织");
    p.assert_contains("共 3 条");
    let t = admin
        .get("/incentives?q=%E5%B1%B1%E4%B8%9C%E5%9B%BD%E8%B5%84")
        .await;
    t.assert_contains("共 1 条");
    let zz = app.unit_id("ZZ02");
    let u = admin.get(&format!("/incentives?unit={zz}")).await;
    u.assert_contains("先进基层党组织");
    u.assert_lacks("作风建设示范党支部");
    admin
        .get("/incentives?year=2001")
        .await
        .assert_contains("没有符合条件的正向激励记录");
    // Print view.
    let print = admin.get("/incentives?kind=promotion&print=1").await;
    assert_eq!(print.status, 200);
    print.assert_contains("类别：平台宣传");
    // Export with the filters in words.
    let (status, _, bytes) = admin
        .download("/incentives/export?kind=promotion&year=2022")
        .await;
    assert_eq!(status, 200);
    let rows = sheet(bytes);
    assert!(
        rows[1][0]
            .starts_with("筛选条件：类别 平台宣传；单位 全部（含下级）；年度 2022年；关键词 全部"),
        "{:?}",
        rows[1]
    );
    assert_eq!(rows[2][0], "类别");
    assert_eq!(rows.len(), 6, "title, filters, header and 3 rows: {rows:?}");
    assert!(rows
        .iter()
        .any(|r| r.get(3).is_some_and(|c| c == "山东国资报道")));
    // Empty state with no records at all.
    app.exec("DELETE FROM incentives");
    admin
        .get("/incentives")
        .await
        .assert_contains("还没有正向激励记录");
}

/// Ten edits of one incentive at once at one version: exactly one lands.
async fn ten_edits_at_once_have_one_winner(app: TestApp) {
    let zb05 = app.unit_id("ZB05");
    let admin = app.signed_in("admin").await;
    let id = create(&admin, zb05).await;
    let crowd = join_all((0..10).map(|_| app.signed_in("admin"))).await;
    let forms: Vec<Vec<(&'static str, String)>> = (0..10)
        .map(|i| {
            let note = format!("并发备注{i}");
            with(
                &good(&zb05.to_string()),
                &[("notes", note.as_str()), ("version", "1")],
            )
        })
        .collect();
    let path = format!("/incentives/{id}");
    let pages = join_all(crowd.iter().zip(forms.iter()).map(|(b, f)| {
        let path = path.clone();
        async move { b.post(&path, &refs(f)).await }
    }))
    .await;
    let won = pages.iter().filter(|p| p.status == 303).count();
    let lost = pages.iter().filter(|p| p.status == 409).count();
    assert_eq!(
        (won, lost),
        (1, 9),
        "{:?}",
        pages.iter().map(|p| p.status).collect::<Vec<_>>()
    );
    assert_eq!(
        app.count(&format!("incentives WHERE id = {id} AND version = 2")),
        1
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'incentive' AND action = 'update' AND entity_id = {id}"
        )),
        1
    );
}

crate::both!(
    the_office_records_edits_and_deletes_an_incentive,
    bad_input_is_named_kept_and_writes_nothing,
    csrf_is_checked_on_every_post,
    only_the_office_writes_and_units_read_their_own,
    the_list_counts_filters_prints_and_exports,
    ten_edits_at_once_have_one_winner,
);
