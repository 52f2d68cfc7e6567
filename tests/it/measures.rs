//! Practice measures (践行举措): a secretary keeps their branch's measures; reviewers, the
//! office and leaders read them by scope; lights, filters, paging; Excel out and back in.

use chrono::{Duration, NaiveDate};
use diesel::sql_types::Integer;
use diesel::RunQueryDsl;
use zuofeng::auth::Scope;
use zuofeng::db::models::{campaigns, measures};
use zuofeng::xlsx::{self, col, Value};

use crate::helpers::*;

fn int(app: &TestApp, sql: &str) -> i32 {
    #[derive(diesel::QueryableByName)]
    struct V {
        #[diesel(sql_type = Integer)]
        v: i32,
    }
    let mut conn = app.db.conn().expect("connection");
    let row: V = diesel::sql_query(sql)
        .get_result(&mut *conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    row.v
}

fn goal_id(app: &TestApp, year: i32, name: &str) -> i32 {
    int(
        app,
        &format!(
            "SELECT g.id AS v FROM campaign_goals g JOIN campaigns c ON c.id = g.campaign_id \
             WHERE c.year = {year} AND g.name = '{name}'"
        ),
    )
}

fn measure_id(app: &TestApp, title: &str) -> i32 {
    int(
        app,
        &format!("SELECT id AS v FROM measures WHERE title = '{title}' ORDER BY id LIMIT 1"),
    )
}

/// A measure of the first branch of the demo (ZB01) in one of the demo years.
fn demo_measure(app: &TestApp, unit: &str, year: i32) -> i32 {
    int(
        app,
        &format!(
            "SELECT m.id AS v FROM measures m JOIN units u ON u.id = m.unit_id \
             JOIN campaigns c ON c.id = m.campaign_id \
             WHERE u.code = '{unit}' AND c.year = {year} ORDER BY m.id LIMIT 1"
        ),
    )
}

/// A complete, valid form for a measure of `unit` in 2026; override fields by name.
pub fn form(app: &TestApp, unit: &str, over: &[(&str, &str)]) -> Vec<(String, String)> {
    let unit_id = app.unit_id(unit).to_string();
    let goal = goal_id(app, 2026, "标准严格").to_string();
    let mut f: Vec<(String, String)> = [
        ("year", "2026"),
        ("unit_id", unit_id.as_str()),
        ("goals", goal.as_str()),
        ("title", "公文流转提速承诺"),
        ("content", "梳理公文流转环节，明确每一环节的办理时限。"),
        ("category", "production"),
        ("carrier", "vanguard"),
        ("lead_tag", "members"),
        ("indicator", "公文按期办结率"),
        ("target_value", "98.5"),
        ("target_unit", "%"),
        ("owner", "李明"),
        ("deadline", "2026-12-20"),
        ("status", "in_progress"),
        ("progress", "30"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in over {
        if let Some(slot) = f.iter_mut().find(|(name, _)| name == k) {
            slot.1 = v.to_string();
        } else {
            f.push((k.to_string(), v.to_string()));
        }
    }
    f
}

pub fn pairs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

pub async fn create(b: &Browser, f: &[(String, String)]) -> Page {
    b.post("/measures", &pairs(f)).await
}

fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----zuofengTestBoundary7MA4YWxk";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, data)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn import(b: &Browser, year: &str, file: &[u8]) -> Page {
    let token = b.csrf();
    let (ct, body) = multipart(
        &[("csrf_token", token.as_str()), ("year", year)],
        Some(("举措.xlsx", file)),
    );
    b.post_body("/measures/import", &ct, body).await
}

async fn download(b: &Browser, path: &str) -> (u16, String, Vec<u8>) {
    let (status, headers, bytes) = b.download(path).await;
    let value = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, value, bytes)
}

/// Ids of the measures listed on a page, in order.
fn listed_ids(page: &Page) -> Vec<i32> {
    let doc = scraper::Html::parse_document(&page.body);
    let sel = scraper::Selector::parse("tbody a[href^=\"/measures/\"]").expect("selector");
    doc.select(&sel)
        .filter_map(|a| a.value().attr("href"))
        .filter_map(|h| h.strip_prefix("/measures/")?.parse().ok())
        .collect()
}

#[derive(diesel::QueryableByName, Debug)]
struct SortKeys {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = diesel::sql_types::Date)]
    deadline: NaiveDate,
    #[diesel(sql_type = Integer)]
    progress: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    status: String,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    updated_at: chrono::NaiveDateTime,
    #[diesel(sql_type = Integer)]
    sort_order: i32,
}

/// The stored sort keys of these measures, in the given order.
fn sort_keys(app: &TestApp, ids: &[i32]) -> Vec<SortKeys> {
    let list = ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",");
    let mut conn = app.db.conn().expect("connection");
    let mut rows: Vec<SortKeys> = diesel::sql_query(format!(
        "SELECT m.id, m.deadline, m.progress, m.status, m.updated_at, u.sort_order \
         FROM measures m JOIN units u ON u.id = m.unit_id WHERE m.id IN ({list})"
    ))
    .load(&mut *conn)
    .expect("sort keys");
    rows.sort_by_key(|r| ids.iter().position(|i| *i == r.id));
    rows
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).expect("date")
}

// ------------------------------------------------------------------ stories

async fn secretary_creates_edits_and_closes_own_measure(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let list = b.get("/measures").await;
    assert_eq!(list.status, 200);
    list.assert_contains("践行举措 · 2026 年度");
    list.assert_contains("共 10 条");
    // The new form fixes the secretary's own branch.
    let new = b.get("/measures/new?year=2026").await;
    assert_eq!(new.status, 200);
    new.assert_contains("综合办公室党支部");
    new.assert_contains("对应目标（可多选）");
    new.assert_lacks("党群工作部党支部");

    let before = app.count("measures");
    let res = create(&b, &form(&app, "ZB01", &[])).await;
    let id = measure_id(&app, "公文流转提速承诺");
    res.assert_redirect(&format!("/measures/{id}"));
    assert_eq!(app.count("measures"), before + 1);
    assert_eq!(
        app.count(&format!("measure_goals WHERE measure_id = {id}")),
        1
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'measure' AND action = 'create' AND entity_id = {id}"
        )),
        1
    );
    let show = b.get(&format!("/measures/{id}")).await;
    assert_eq!(show.status, 200);
    show.assert_contains("已新增践行举措");
    show.assert_contains("严·标准严格");
    show.assert_contains("公文按期办结率 98.5%");
    show.assert_contains("暂无修改记录");
    show.assert_contains("佐证材料");
    show.assert_contains("data-confirm=");

    // Edit: progress, title and a second goal.
    let edit = b.get(&format!("/measures/{id}/edit")).await;
    assert_eq!(edit.status, 200);
    assert_eq!(edit.input_value("version").as_deref(), Some("1"));
    let second = goal_id(&app, 2026, "效率快速").to_string();
    let mut f = form(
        &app,
        "ZB01",
        &[
            ("progress", "60"),
            ("title", "公文流转提速"),
            ("version", "1"),
        ],
    );
    f.push(("goals".into(), second));
    b.post(&format!("/measures/{id}"), &pairs(&f))
        .await
        .assert_redirect(&format!("/measures/{id}"));
    assert_eq!(
        app.count(&format!(
            "measures WHERE id = {id} AND version = 2 AND progress = 60"
        )),
        1
    );
    let show = b.get(&format!("/measures/{id}")).await;
    show.assert_contains("<td>进度</td><td>30%</td><td>60%</td>");
    show.assert_contains("<td>举措名称</td><td>公文流转提速承诺</td><td>公文流转提速</td>");
    show.assert_contains("<td>对应目标</td><td>标准严格</td><td>标准严格、效率快速</td>");
    show.assert_contains("李明");
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'measure' AND action = 'update' AND entity_id = {id}"
        )),
        1
    );
    let (before, after) = crate::rect::audit_json(
        &app,
        &format!("entity = 'measure' AND action = 'update' AND entity_id = {id}"),
    );
    assert_eq!(before["title"], "公文流转提速承诺");
    assert_eq!(before["progress"], 30);
    assert_eq!(before["goals"], "标准严格");
    assert_eq!(after["title"], "公文流转提速");
    assert_eq!(after["progress"], 60);
    assert_eq!(after["goals"], "标准严格、效率快速");
    assert_eq!(after["owner"], "李明");

    // A stale form (version 1 again) is a conflict, never a silent overwrite.
    let stale = form(&app, "ZB01", &[("progress", "90"), ("version", "1")]);
    let res = b.post(&format!("/measures/{id}"), &pairs(&stale)).await;
    assert_eq!(res.status, 409);
    res.assert_contains("已被他人修改");
    assert_eq!(
        app.count(&format!("measures WHERE id = {id} AND progress = 60")),
        1
    );

    // Close.
    b.post(&format!("/measures/{id}/close"), &[])
        .await
        .assert_redirect(&format!("/measures/{id}"));
    assert_eq!(
        app.count(&format!(
            "measures WHERE id = {id} AND status = 'closed' AND closed_at IS NOT NULL AND version = 3"
        )),
        1
    );
    let show = b.get(&format!("/measures/{id}")).await;
    show.assert_contains("<td>状态</td><td>推进中</td><td>已关闭</td>");
    show.assert_lacks("关闭举措</button>");
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'measure' AND action = 'close' AND entity_id = {id}"
        )),
        1
    );
    // A closed measure is not edited any more.
    assert_eq!(b.get(&format!("/measures/{id}/edit")).await.status, 409);
    let f = form(&app, "ZB01", &[("progress", "70")]);
    assert_eq!(
        b.post(&format!("/measures/{id}"), &pairs(&f)).await.status,
        409
    );
    assert_eq!(
        app.count(&format!("measures WHERE id = {id} AND progress = 60")),
        1
    );
}

async fn bad_input_is_named_next_to_the_field_and_nothing_is_written(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let old_goal = goal_id(&app, 2022, "标准严格").to_string();
    let long = "长".repeat(101);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("title", "  ")], "请填写举措名称"),
        (vec![("title", long.as_str())], "举措名称不能超过 100 个字"),
        (vec![("goals", "")], "请至少选择一个对应目标"),
        (vec![("goals", "1 OR 1=1")], "所选目标无效"),
        (
            vec![("goals", old_goal.as_str())],
            "所选目标不属于本年度活动",
        ),
        (vec![("category", "生产")], "请选择类别"),
        (vec![("carrier", "x")], "请选择载体"),
        (vec![("lead_tag", "")], "请选择四个带头"),
        (vec![("target_value", "九十")], "目标值须为不小于 0 的数字"),
        (vec![("target_value", "-1")], "目标值须为不小于 0 的数字"),
        (vec![("owner", "")], "请填写责任人"),
        (vec![("deadline", "")], "请填写完成时限"),
        (vec![("deadline", "2026-02-30")], "完成时限须为有效日期"),
        (vec![("status", "closed")], "请选择状态"),
        (vec![("progress", "101")], "进度须为 0 到 100 之间的整数"),
        (vec![("progress", "abc")], "进度须为 0 到 100 之间的整数"),
        (
            vec![("status", "completed"), ("progress", "50")],
            "状态为已完成时，进度应为 100%",
        ),
    ];
    let before = app.count("measures");
    for (over, message) in cases {
        let mut over = over;
        over.push(("content", "<script>alert(1)</script>保留的内容"));
        let res = create(&b, &form(&app, "ZB01", &over)).await;
        assert_eq!(res.status, 422, "{over:?}: {}", res.body);
        res.assert_contains(message);
        res.assert_contains("field-error");
        // The input is kept, escaped.
        res.assert_contains("alert(1)&#60;/script&#62;保留的内容");
        res.assert_lacks("<script>alert(1)");
        assert_eq!(app.count("measures"), before, "{over:?} wrote something");
    }
    assert_eq!(app.count("audit_log WHERE entity = 'measure'"), 0);
    // An edit with a bad field changes nothing either.
    let id = demo_measure(&app, "ZB01", 2026);
    let f = form(&app, "ZB01", &[("owner", "")]);
    let res = b.post(&format!("/measures/{id}"), &pairs(&f)).await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写责任人");
    assert_eq!(app.count("field_changes"), 0);
    assert_eq!(
        app.count(&format!("measures WHERE id = {id} AND version = 1")),
        1
    );
    // A year without a campaign is a clear 400, not a 500.
    let res = create(&b, &form(&app, "ZB01", &[("year", "1999")])).await;
    assert_eq!(res.status, 400);
}

async fn forms_without_a_valid_csrf_token_are_refused(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let before = app.count("measures");
    let f = form(&app, "ZB01", &[]);
    let res = b.post_raw("/measures", &pairs(&f)).await;
    assert_eq!(res.status, 403);
    let mut forged = pairs(&f);
    forged.insert(0, ("csrf_token", "forged-token"));
    assert_eq!(b.post_raw("/measures", &forged).await.status, 403);
    assert_eq!(app.count("measures"), before);
    let id = demo_measure(&app, "ZB01", 2026);
    assert_eq!(
        b.post_raw(&format!("/measures/{id}/close"), &[])
            .await
            .status,
        403
    );
    assert_eq!(
        b.post_raw(
            &format!("/measures/{id}/close"),
            &[("csrf_token", "forged-token")]
        )
        .await
        .status,
        403
    );
    assert_eq!(
        b.post_raw(&format!("/measures/{id}"), &pairs(&f))
            .await
            .status,
        403
    );
    assert_eq!(
        app.count("measures WHERE status = 'closed' AND closed_at > '2026-01-01'"),
        0
    );
    assert_eq!(app.count("audit_log WHERE entity = 'measure'"), 0);
    // Import without a token.
    let (ct, body) = multipart(&[("year", "2026")], Some(("a.xlsx", b"junk")));
    assert_eq!(b.post_body("/measures/import", &ct, body).await.status, 403);
    assert_eq!(app.count("measures"), before);
}

async fn another_units_measure_is_refused_in_url_and_form(app: TestApp) {
    let own = demo_measure(&app, "ZB01", 2026);
    let other = app.signed_in("zhibu02").await;
    for path in [format!("/measures/{own}"), format!("/measures/{own}/edit")] {
        assert_eq!(other.get(&path).await.status, 403, "{path}");
    }
    let f = form(&app, "ZB01", &[("title", "被篡改")]);
    assert_eq!(
        other
            .post(&format!("/measures/{own}"), &pairs(&f))
            .await
            .status,
        403
    );
    let f = form(&app, "ZB02", &[("title", "被篡改")]);
    assert_eq!(
        other
            .post(&format!("/measures/{own}"), &pairs(&f))
            .await
            .status,
        403
    );
    assert_eq!(
        other
            .post(&format!("/measures/{own}/close"), &[])
            .await
            .status,
        403
    );
    assert_eq!(app.count("measures WHERE title = '被篡改'"), 0);
    assert_eq!(
        app.count("measures WHERE status = 'closed' AND closed_at > '2026-01-01'"),
        0
    );
    // Evidence of another unit's measure: no upload.
    let token = other.csrf();
    let id_text = own.to_string();
    let (ct, body) = multipart(
        &[
            ("csrf_token", token.as_str()),
            ("owner", "measure"),
            ("owner_id", id_text.as_str()),
        ],
        Some(("证明.pdf", b"%PDF-1.4\n%test\n")),
    );
    assert_eq!(other.post_body("/attachments", &ct, body).await.status, 403);
    assert_eq!(app.count("attachments"), 0);
    // The unit field of a new measure names another branch: refused, nothing written.
    let b = app.signed_in("zhibu01").await;
    let before = app.count("measures");
    let res = create(&b, &form(&app, "ZB02", &[])).await;
    assert_eq!(res.status, 403);
    // Moving an own measure to another branch: refused.
    let f = form(&app, "ZB02", &[]);
    assert_eq!(
        b.post(&format!("/measures/{own}"), &pairs(&f)).await.status,
        403
    );
    assert_eq!(app.count("measures"), before);
    assert_eq!(
        app.count(&format!(
            "measures WHERE id = {own} AND unit_id = {}",
            app.unit_id("ZB01")
        )),
        1
    );
    // The list refuses a unit filter outside the scope; unknown ids are 404.
    let zb02 = app.unit_id("ZB02");
    assert_eq!(b.get(&format!("/measures?unit={zb02}")).await.status, 403);
    assert_eq!(
        b.get(&format!("/measures/export?unit={zb02}")).await.status,
        403
    );
    assert_eq!(b.get("/measures/999999").await.status, 404);
    assert_eq!(b.get("/measures/abc").await.status, 404);
    assert_eq!(b.post("/measures/999999/close", &[]).await.status, 404);
    // Own evidence upload works and shows on the page.
    let token = b.csrf();
    let (ct, body) = multipart(
        &[
            ("csrf_token", token.as_str()),
            ("owner", "measure"),
            ("owner_id", id_text.as_str()),
            ("back", &format!("/measures/{own}")),
        ],
        Some(("佐证材料.pdf", b"%PDF-1.4\n%test\n")),
    );
    b.post_body("/attachments", &ct, body)
        .await
        .assert_redirect(&format!("/measures/{own}"));
    b.get(&format!("/measures/{own}"))
        .await
        .assert_contains("佐证材料.pdf");
    // Another branch cannot download it.
    let file = int(&app, "SELECT id AS v FROM attachments LIMIT 1");
    assert_eq!(other.get(&format!("/attachments/{file}")).await.status, 403);
}

async fn reviewer_sees_its_branches_and_not_others(app: TestApp) {
    let b = app.signed_in("zongzhi01").await;
    let list = b.get("/measures?year=2026").await;
    assert_eq!(list.status, 200);
    list.assert_contains("共 40 条");
    let all = b.get("/measures?year=2026&sort=unit&page=2").await;
    all.assert_contains("党群工作部党支部");
    list.assert_lacks("监理一分公司党支部</td>");
    let zb02 = app.unit_id("ZB02");
    b.get(&format!("/measures?year=2026&unit={zb02}"))
        .await
        .assert_contains("共 10 条");
    let zb05 = app.unit_id("ZB05");
    assert_eq!(b.get(&format!("/measures?unit={zb05}")).await.status, 403);
    let theirs = demo_measure(&app, "ZB05", 2026);
    assert_eq!(b.get(&format!("/measures/{theirs}")).await.status, 403);
    // Reads a branch's measure below it, but writes only its own unit's.
    let below = demo_measure(&app, "ZB01", 2026);
    let page = b.get(&format!("/measures/{below}")).await;
    assert_eq!(page.status, 200);
    page.assert_lacks("关闭举措</button>");
    assert_eq!(
        b.post(&format!("/measures/{below}/close"), &[])
            .await
            .status,
        403
    );
    // Its own general branch: the form fixes that unit.
    let new = b.get("/measures/new").await;
    new.assert_contains("总部机关党总支");
    let before = app.count("measures");
    let res = create(&b, &form(&app, "ZZ01", &[("title", "机关效能提升")])).await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(app.count("measures"), before + 1);
    let res = create(&b, &form(&app, "ZB01", &[("title", "越权新增")])).await;
    assert_eq!(res.status, 403);
    assert_eq!(app.count("measures WHERE title = '越权新增'"), 0);
}

async fn viewer_reads_everything_and_writes_nothing(app: TestApp) {
    let b = app.signed_in("viewer").await;
    let list = b.get("/measures").await;
    assert_eq!(list.status, 200);
    list.assert_contains("共 120 条");
    list.assert_lacks("新增举措");
    list.assert_contains("导出 Excel");
    b.get("/measures?year=2022")
        .await
        .assert_contains("共 630 条");
    let id = demo_measure(&app, "ZB05", 2026);
    let page = b.get(&format!("/measures/{id}")).await;
    assert_eq!(page.status, 200);
    page.assert_lacks("/edit\"");
    assert_eq!(b.get("/measures/new").await.status, 403);
    assert_eq!(b.get(&format!("/measures/{id}/edit")).await.status, 403);
    assert_eq!(b.get("/measures/import").await.status, 403);
    let before = app.count("measures");
    assert_eq!(create(&b, &form(&app, "ZB05", &[])).await.status, 403);
    assert_eq!(
        b.post(&format!("/measures/{id}/close"), &[]).await.status,
        403
    );
    let (status, _, file) = download(&b, "/measures/export?year=2026").await;
    assert_eq!(status, 200);
    assert_eq!(import(&b, "2026", &file).await.status, 403);
    assert_eq!(app.count("measures"), before);
    assert_eq!(
        app.count("measures WHERE status = 'closed' AND closed_at > '2026-01-01'"),
        0
    );
}

async fn filters_narrow_the_list_and_paging_counts(app: TestApp) {
    let b = app.signed_in("admin").await;
    // Unit and its subtree.
    let zz02 = app.unit_id("ZZ02");
    let page = b.get(&format!("/measures?year=2026&unit={zz02}")).await;
    page.assert_contains("共 30 条");
    page.assert_lacks("综合办公室党支部</td>");
    let c2026 = "(SELECT id FROM campaigns WHERE year = 2026)";
    // Category.
    let n = app.count(&format!(
        "measures WHERE campaign_id = {c2026} AND category = 'brand'"
    ));
    assert!(n > 0);
    b.get("/measures?year=2026&category=brand")
        .await
        .assert_contains(&format!("共 {n} 条"));
    // Goal and style, through measure_goals.
    let goal = goal_id(&app, 2026, "举措细致");
    let n = app.count(&format!("measure_goals WHERE goal_id = {goal}"));
    assert!(n > 0);
    b.get(&format!("/measures?year=2026&goal={goal}"))
        .await
        .assert_contains(&format!("共 {n} 条"));
    let n = app.count(&format!(
        "measures m WHERE m.campaign_id = {c2026} AND EXISTS (SELECT 1 FROM measure_goals mg \
         JOIN campaign_goals g ON g.id = mg.goal_id WHERE mg.measure_id = m.id AND g.style = 'xi')"
    ));
    assert!(n > 0);
    b.get("/measures?year=2026&style=xi")
        .await
        .assert_contains(&format!("共 {n} 条"));
    // Status and carrier together.
    let n = app.count(&format!(
        "measures WHERE campaign_id = {c2026} AND status = 'completed' AND carrier = 'vanguard'"
    ));
    b.get("/measures?year=2026&status=completed&carrier=vanguard")
        .await
        .assert_contains(&format!("共 {n} 条"));
    // Free text, case-insensitive, and owner contains.
    create(
        &b,
        &form(
            &app,
            "ZB11",
            &[
                ("title", "BIM正向设计推广"),
                ("indicator", "Revit 模型交付率"),
                ("owner", "欧阳建华"),
            ],
        ),
    )
    .await
    .assert_redirect(&format!(
        "/measures/{}",
        measure_id(&app, "BIM正向设计推广")
    ));
    for q in ["bim", "BIM", "Bim正向", "revit"] {
        let page = b.get(&format!("/measures?year=2026&q={q}")).await;
        page.assert_contains("共 1 条");
        page.assert_contains("BIM正向设计推广");
    }
    b.get("/measures?year=2026&owner=%E6%AC%A7%E9%98%B3")
        .await
        .assert_contains("共 1 条");
    b.get("/measures?year=2026&q=%25")
        .await
        .assert_contains("共 0 条");
    b.get("/measures?year=2026&q=%E4%B8%8D%E5%AD%98%E5%9C%A8%E7%9A%84")
        .await
        .assert_contains("没有符合条件的践行举措");
    // Paging: 630 in 2022, 20 a page.
    let p2 = b.get("/measures?year=2022&page=2").await;
    p2.assert_contains("共 630 条 · 第 2 / 32 页");
    // 20 rows and the header row.
    assert_eq!(p2.body.matches("<tr>").count(), 21);
    let last = b.get("/measures?year=2022&page=32").await;
    assert_eq!(last.body.matches("<tr>").count(), 11);
    last.assert_contains("page=31\">上一页");
    // Every sort orders the rows by its key (checked against the stored values of the rows
    // shown, first and a later page); an odd value falls back to the deadline order.
    let mut firsts = Vec::new();
    for sort in ["deadline", "unit", "status", "progress", "updated", "x"] {
        let mut shown = Vec::new();
        for page in [1, 2] {
            let res = b
                .get(&format!("/measures?year=2022&sort={sort}&page={page}"))
                .await;
            assert_eq!(res.status, 200);
            let ids = listed_ids(&res);
            assert_eq!(ids.len(), 20, "{sort}");
            shown.extend(ids);
        }
        let keys = sort_keys(&app, &shown);
        let ordered = keys.windows(2).all(|w| {
            let (x, y) = (&w[0], &w[1]);
            match sort {
                "unit" => x.sort_order <= y.sort_order,
                "status" => (&x.status, x.deadline) <= (&y.status, y.deadline),
                "progress" => (-x.progress, x.deadline) <= (-y.progress, y.deadline),
                "updated" => (x.updated_at, x.id) >= (y.updated_at, y.id),
                _ => x.deadline <= y.deadline,
            }
        });
        assert!(ordered, "sort={sort} out of order: {shown:?}");
        firsts.push(shown);
    }
    // The sorts really differ, and the odd value is the default (deadline).
    assert_ne!(firsts[0], firsts[1]);
    assert_ne!(firsts[0], firsts[3]);
    assert_eq!(firsts[5], firsts[0]);
    for odd in ["unit=abc", "goal=-1", "light=purple", "year=abc", "page=-5"] {
        assert_eq!(
            b.get(&format!("/measures?{odd}")).await.status,
            200,
            "{odd}"
        );
    }
    // A year with no campaign: an empty state, not an error.
    b.get("/measures?year=1999")
        .await
        .assert_contains("该年度尚未设置作风建设活动");
    assert_eq!(b.get("/measures?unit=999999").await.status, 404);
}

/// The names among 边界A..E the list shows with this light filter.
async fn check(b: &Browser, light: &str, expect: Vec<&str>) {
    let page = b
        .get(&format!(
            "/measures?year=2026&q=%E8%BE%B9%E7%95%8C&light={light}"
        ))
        .await;
    assert_eq!(page.status, 200);
    for name in ["边界A", "边界B", "边界C", "边界D", "边界E"] {
        assert_eq!(
            page.body.contains(&format!(">{name}</a>")),
            expect.contains(&name),
            "{light}: {name}"
        );
    }
    page.assert_contains(&format!("共 {} 条", expect.len()));
}

async fn lights_follow_the_clock_at_the_boundaries(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let t = today();
    for (name, days) in [("边界A", -1), ("边界B", 0), ("边界C", 7), ("边界D", 8)] {
        let deadline = (t + Duration::days(days)).format("%Y-%m-%d").to_string();
        create(
            &b,
            &form(
                &app,
                "ZB01",
                &[("title", name), ("deadline", deadline.as_str())],
            ),
        )
        .await;
    }
    // A finished measure has no light, whatever its deadline.
    create(
        &b,
        &form(
            &app,
            "ZB01",
            &[
                ("title", "边界E"),
                ("deadline", "2026-11-01"),
                ("status", "completed"),
                ("progress", "100"),
            ],
        ),
    )
    .await;
    assert_eq!(app.count("measures WHERE title LIKE '边界%'"), 5);
    check(&b, "red", vec!["边界A"]).await;
    check(&b, "yellow", vec!["边界B", "边界C"]).await;
    check(&b, "green", vec!["边界D"]).await;
    check(&b, "done", vec!["边界E"]).await;
    let page = b.get("/measures?year=2026&q=%E8%BE%B9%E7%95%8C").await;
    page.assert_contains("light-red\">逾期");
    page.assert_contains("light-yellow\">临期");
    page.assert_contains("light-green\">正常");
    page.assert_contains("light-done\">已完成");
    let a = measure_id(&app, "边界A");
    b.get(&format!("/measures/{a}"))
        .await
        .assert_contains("light-red\">逾期");

    // The home-page queries agree.
    {
        let mut conn = app.db.conn().expect("conn");
        let c = campaigns::by_year(&mut conn, 2026)
            .expect("q")
            .expect("2026");
        let scope = Scope::Unit(app.unit_id("ZB01"));
        let rows = measures::attention(&mut conn, &scope, c.id, t + Duration::days(7), 50)
            .expect("attention");
        let titles: Vec<&str> = rows.iter().map(|r| r.title.as_str()).collect();
        for name in ["边界A", "边界B", "边界C"] {
            assert!(titles.contains(&name), "{name} in {titles:?}");
        }
        assert!(!titles.contains(&"边界D") && !titles.contains(&"边界E"));
        assert!(rows.windows(2).all(|w| w[0].deadline <= w[1].deadline));
        assert!(rows.iter().all(|r| r.unit_name == "综合办公室党支部"));
        let (red, yellow, green) =
            measures::counts_by_light(&mut conn, &scope, c.id, t, c.yellow_days).expect("counts");
        // Demo: one red and one yellow per branch; plus A (red), B and C (yellow), D (green).
        assert_eq!((red, yellow), (2, 3));
        assert_eq!(
            red + yellow + green,
            app.count(&format!(
                "measures WHERE unit_id = {} AND campaign_id = {} AND status IN ('not_started', 'in_progress')",
                app.unit_id("ZB01"),
                c.id
            ))
        );
    }

    // A day later (signed in again: the idle timeout has passed): B is overdue, D comes
    // within the window.
    app.advance(Duration::days(1));
    let b = app.signed_in("zhibu01").await;
    check(&b, "red", vec!["边界A", "边界B"]).await;
    check(&b, "yellow", vec!["边界C", "边界D"]).await;
    check(&b, "green", vec![]).await;
}

async fn export_then_import_into_an_empty_year_gives_the_same_rows(app: TestApp) {
    let b = app.signed_in("admin").await;
    let zz01 = app.unit_id("ZZ01");
    let (status, ct, file) = download(&b, &format!("/measures/export?year=2026&unit={zz01}")).await;
    assert_eq!(status, 200);
    assert!(ct.contains("spreadsheetml"), "{ct}");
    // A fresh campaign year.
    let c2030 = {
        let mut conn = app.db.conn().expect("conn");
        zuofeng::db::write_tx(&mut conn, |c| {
            campaigns::create(c, 2030, "2030年作风建设", 25, 7, start_time())
        })
        .expect("create 2030")
    };
    b.get("/measures/import?year=2030").await;
    let res = import(&b, "2030", &file).await;
    res.assert_redirect("/measures?year=2030");
    b.get("/measures?year=2030")
        .await
        .assert_contains("已导入 40 条践行举措到 2030 年度");
    assert_eq!(
        app.count("audit_log WHERE entity = 'measure' AND action = 'import'"),
        40
    );

    type Row = (
        (
            String,
            String,
            String,
            String,
            &'static str,
            &'static str,
            &'static str,
        ),
        (
            String,
            Option<String>,
            String,
            String,
            NaiveDate,
            &'static str,
            i32,
        ),
    );
    let load = |campaign_id: i32, unit_path: Option<String>| -> Vec<Row> {
        let mut conn = app.db.conn().expect("conn");
        let mut f = measures::MeasureFilter::new(Scope::All);
        f.unit_path = unit_path;
        let (rows, total) = measures::list(
            &mut conn,
            campaign_id,
            &f,
            measures::SortKey::Deadline,
            None,
        )
        .expect("list");
        assert_eq!(rows.len() as i64, total);
        let ids: Vec<i32> = rows.iter().map(|(m, _)| m.id).collect();
        let goals = measures::goals_of(&mut conn, &ids).expect("goals");
        let mut out: Vec<Row> = rows
            .into_iter()
            .map(|(m, u)| {
                let g = goals
                    .get(&m.id)
                    .map(|g| {
                        g.iter()
                            .map(|g| g.name.clone())
                            .collect::<Vec<_>>()
                            .join("、")
                    })
                    .unwrap_or_default();
                (
                    (
                        u.code,
                        m.title.clone(),
                        m.content.clone(),
                        g,
                        m.category().code(),
                        m.carrier().code(),
                        m.lead_tag().code(),
                    ),
                    (
                        m.indicator.clone(),
                        m.target_value.map(|v| format!("{v:.4}")),
                        m.target_unit.clone(),
                        m.owner.clone(),
                        m.deadline,
                        m.status().code(),
                        m.progress,
                    ),
                )
            })
            .collect();
        out.sort();
        out
    };
    let (c2026, zz01_path) = {
        let mut conn = app.db.conn().expect("conn");
        let c = campaigns::by_year(&mut conn, 2026)
            .expect("q")
            .expect("2026");
        let p = zuofeng::db::models::units::get(&mut conn, zz01)
            .expect("unit")
            .path;
        (c.id, p)
    };
    let exported = load(c2026, Some(zz01_path));
    let imported = load(c2030.id, None);
    assert_eq!(exported.len(), 40);
    assert_eq!(imported.len(), exported.len());
    for (a, b) in exported.iter().zip(&imported) {
        assert_eq!(a, b);
    }
    // The new rows link the new year's goals, not the old year's.
    assert_eq!(
        app.count(&format!(
            "measure_goals mg JOIN measures m ON m.id = mg.measure_id \
             JOIN campaign_goals g ON g.id = mg.goal_id \
             WHERE m.campaign_id = {} AND g.campaign_id <> m.campaign_id",
            c2030.id
        )),
        0
    );
    // The template has the same header and a sheet of allowed values.
    let (status, _, tpl) = download(&b, "/measures/import/template?year=2030").await;
    assert_eq!(status, 200);
    let rows = xlsx::read(
        &tpl,
        &["单位编码", "举措名称", "对应目标"],
        &["举措名称"],
        10,
    )
    .expect("template reads");
    assert!(rows.is_empty());
    // Importing the empty template is a clear message, nothing written.
    let before = app.count("measures");
    let res = import(&b, "2030", &tpl).await;
    assert_eq!(res.status, 422);
    res.assert_contains("没有可导入的数据行");
    let res = import(&b, "2030", b"not a spreadsheet").await;
    assert_eq!(res.status, 422);
    res.assert_contains("无法读取");
    assert_eq!(app.count("measures"), before);
}

fn sheet(rows: Vec<Vec<&str>>) -> Vec<u8> {
    let headers = [
        "序号",
        "单位编码",
        "单位",
        "举措名称",
        "具体内容",
        "对应目标",
        "类别",
        "载体",
        "四个带头",
        "指标",
        "目标值",
        "计量单位",
        "责任人",
        "完成时限",
        "状态",
        "进度(%)",
    ];
    let columns: Vec<_> = headers.iter().map(|h| col(h, 10.0)).collect();
    let data: Vec<Vec<Value>> = rows
        .into_iter()
        .map(|r| r.into_iter().map(Value::from).collect())
        .collect();
    xlsx::table("举措", "导入", &columns, &data).expect("xlsx")
}

fn row<'a>(unit: &'a str, title: &'a str) -> Vec<&'a str> {
    vec![
        "1",
        unit,
        "",
        title,
        "内容",
        "标准严格、效率快速",
        "生产经营指标",
        "党员先锋队",
        "党员干部带头作榜样",
        "合格率",
        "98",
        "%",
        "张三",
        "2026-12-31",
        "推进中",
        "20",
    ]
}

async fn a_bad_import_names_every_bad_row_and_writes_nothing(app: TestApp) {
    let b = app.signed_in("admin").await;
    let mut rows = vec![row("ZB01", "好的一行")];
    let mut r = row("ZB99", "未知单位");
    rows.push(r.clone());
    r = row("ZB01", "");
    rows.push(r);
    r = row("ZB01", "类别不对");
    r[6] = "生产";
    rows.push(r);
    r = row("ZB01", "日期不对");
    r[13] = "2026-02-30";
    rows.push(r);
    r = row("ZB01", "进度不对");
    r[15] = "150";
    rows.push(r);
    r = row("ZB01", "目标不对");
    r[5] = "标准严格、不存在的目标";
    rows.push(r);
    r = row("ZB02", "多处不对");
    r[7] = "先锋";
    r[12] = "";
    rows.push(r);
    rows.push(row("zb03", "又一行好的"));
    let file = sheet(rows);
    b.get("/measures/import").await;
    let before = app.count("measures");
    let res = import(&b, "2026", &file).await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("文件中有 7 行需要修改，本次未导入任何数据");
    res.assert_contains("第 4 行：单位编码“ZB99”不存在");
    res.assert_contains("第 5 行：请填写举措名称");
    res.assert_contains("第 6 行：请选择类别");
    res.assert_contains("第 7 行：完成时限须为有效日期");
    res.assert_contains("第 8 行：进度须为 0 到 100 之间的整数");
    res.assert_contains("第 9 行：对应目标“不存在的目标”不存在");
    res.assert_contains("第 10 行：请选择载体");
    res.assert_contains("请填写责任人");
    res.assert_lacks("第 3 行");
    res.assert_lacks("第 11 行");
    assert_eq!(app.count("measures"), before);
    assert_eq!(app.count("audit_log WHERE entity = 'measure'"), 0);
    // The good rows alone import, labels or codes alike.
    let mut coded = row("ZB01", "用代码填写");
    coded[6] = "brand";
    coded[7] = "none";
    coded[8] = "none";
    coded[14] = "not_started";
    coded[15] = "0%";
    let file = sheet(vec![row("ZB01", "好的一行"), coded]);
    import(&b, "2026", &file)
        .await
        .assert_redirect("/measures?year=2026");
    assert_eq!(app.count("measures"), before + 2);
    assert_eq!(
        app.count("measures WHERE title = '用代码填写' AND category = 'brand' AND progress = 0"),
        1
    );
}

async fn import_for_units_outside_the_scope_is_refused_row_by_row(app: TestApp) {
    let b = app.signed_in("zhibu03").await;
    b.get("/measures/import").await;
    let file = sheet(vec![
        row("ZB01", "别人的举措一"),
        row("ZB05", "自己的举措"),
        row("ZB02", "别人的举措二"),
        row("DW", "党委的举措"),
    ]);
    let before = app.count("measures");
    let res = import(&b, "2026", &file).await;
    assert_eq!(res.status, 422);
    res.assert_contains("第 3 行：无权为单位“综合办公室党支部”（ZB01）导入举措");
    res.assert_contains("第 5 行：无权为单位“党群工作部党支部”（ZB02）导入举措");
    res.assert_contains("第 6 行：无权为单位");
    res.assert_lacks("第 4 行");
    assert_eq!(app.count("measures"), before);
    // Its own rows alone go in.
    let file = sheet(vec![row("ZB05", "自己的举措")]);
    import(&b, "2026", &file)
        .await
        .assert_redirect("/measures?year=2026");
    assert_eq!(
        app.count(&format!(
            "measures WHERE title = '自己的举措' AND unit_id = {}",
            app.unit_id("ZB05")
        )),
        1
    );
}

/// Upload one file to a measure as `b`.
async fn upload_to_measure(b: &Browser, id: i32, name: &str, data: &[u8]) -> Page {
    let (ct, body) = crate::helpers::multipart(
        &b.csrf(),
        &[
            ("owner", "measure"),
            ("owner_id", &id.to_string()),
            ("back", &format!("/measures/{id}")),
        ],
        Some((name, data)),
    );
    b.post_body("/attachments", &ct, body).await
}

/// A closed measure's evidence is frozen: no upload form, upload and delete refused (409).
async fn evidence_of_a_closed_measure_is_frozen(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    create(&b, &form(&app, "ZB01", &[("title", "冻结测试举措")]))
        .await
        .assert_redirect(&format!("/measures/{}", measure_id(&app, "冻结测试举措")));
    let id = measure_id(&app, "冻结测试举措");
    b.get(&format!("/measures/{id}")).await;
    upload_to_measure(&b, id, "佐证.pdf", PDF)
        .await
        .assert_redirect(&format!("/measures/{id}"));
    let file = int(
        &app,
        &format!("SELECT id AS v FROM attachments WHERE owner = 'measure' AND owner_id = {id}"),
    );
    b.post(&format!("/measures/{id}/close"), &[])
        .await
        .assert_redirect(&format!("/measures/{id}"));
    let page = b.get(&format!("/measures/{id}")).await;
    page.assert_contains("佐证.pdf");
    page.assert_contains("该举措已关闭，佐证材料不能再增删");
    page.assert_lacks("action=\"/attachments\"");
    page.assert_lacks(&format!("action=\"/attachments/{file}/delete\""));
    let before = app.count("attachments");
    let audits = app.count("audit_log");
    let res = upload_to_measure(&b, id, "补充.pdf", PDF).await;
    assert_eq!(res.status, 409);
    res.assert_contains("该举措已关闭，佐证材料不能再增删");
    let res = b
        .post(
            &format!("/attachments/{file}/delete"),
            &[("back", &format!("/measures/{id}"))],
        )
        .await;
    assert_eq!(res.status, 409);
    res.assert_contains("该举措已关闭");
    assert_eq!(app.count("attachments"), before);
    assert_eq!(app.count("audit_log"), audits);
}

/// When the office moves a measure to another branch, its evidence moves with it: the new
/// branch downloads it, the old one no longer can.
async fn evidence_follows_a_measure_to_its_new_unit(app: TestApp) {
    let zb01 = app.signed_in("zhibu01").await;
    create(&zb01, &form(&app, "ZB01", &[("title", "搬家举措")])).await;
    let id = measure_id(&app, "搬家举措");
    zb01.get(&format!("/measures/{id}")).await;
    upload_to_measure(&zb01, id, "搬家佐证.pdf", PDF)
        .await
        .assert_redirect(&format!("/measures/{id}"));
    let file = int(
        &app,
        &format!("SELECT id AS v FROM attachments WHERE owner = 'measure' AND owner_id = {id}"),
    );
    let zb02 = app.signed_in("zhibu02").await;
    assert_eq!(zb02.get(&format!("/attachments/{file}")).await.status, 403);
    let admin = app.signed_in("admin").await;
    let res = admin
        .post(
            &format!("/measures/{id}"),
            &pairs(&form(
                &app,
                "ZB02",
                &[("title", "搬家举措"), ("version", "1")],
            )),
        )
        .await;
    res.assert_redirect(&format!("/measures/{id}"));
    assert_eq!(
        app.count(&format!(
            "attachments WHERE id = {file} AND unit_id = {}",
            app.unit_id("ZB02")
        )),
        1
    );
    let (status, _, data) = download(&zb02, &format!("/attachments/{file}")).await;
    assert_eq!(status, 200);
    assert_eq!(data, PDF);
    assert_eq!(zb01.get(&format!("/attachments/{file}")).await.status, 403);
    // The old branch cannot delete it either; the new one can.
    assert_eq!(
        zb01.post(&format!("/attachments/{file}/delete"), &[])
            .await
            .status,
        403
    );
    zb02.get(&format!("/measures/{id}")).await;
    let res = zb02
        .post(
            &format!("/attachments/{file}/delete"),
            &[("back", &format!("/measures/{id}"))],
        )
        .await;
    res.assert_redirect(&format!("/measures/{id}"));
    assert_eq!(app.count(&format!("attachments WHERE id = {file}")), 0);
}

both!(
    secretary_creates_edits_and_closes_own_measure,
    bad_input_is_named_next_to_the_field_and_nothing_is_written,
    forms_without_a_valid_csrf_token_are_refused,
    another_units_measure_is_refused_in_url_and_form,
    reviewer_sees_its_branches_and_not_others,
    viewer_reads_everything_and_writes_nothing,
    filters_narrow_the_list_and_paging_counts,
    lights_follow_the_clock_at_the_boundaries,
    export_then_import_into_an_empty_year_gives_the_same_rows,
    a_bad_import_names_every_bad_row_and_writes_nothing,
    import_for_units_outside_the_scope_is_refused_row_by_row,
    evidence_of_a_closed_measure_is_frozen,
    evidence_follows_a_measure_to_its_new_unit,
);
