//! Rectification tables (配档表) and items as secretaries, reviewers and the office meet them:
//! scope on every route, acceptance by the general branch above, extension requests, notes,
//! lights around their boundaries, and the 配档表 in Excel both ways.

use std::io::Cursor;

use calamine::{Data, Reader};
use chrono::{Duration, NaiveDate};
use diesel::RunQueryDsl;
use zuofeng::db::models::rect;

use crate::helpers::*;

// ---------------------------------------------------------------- helpers

/// Integers from a `SELECT <int> AS id FROM …` query.
pub fn ids(app: &TestApp, sql: &str) -> Vec<i32> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        id: i32,
    }
    let mut conn = app.db.conn().expect("connection");
    let rows: Vec<Row> = diesel::sql_query(sql).load(&mut *conn).expect("id query");
    rows.into_iter().map(|r| r.id).collect()
}

/// Before and after of the one audit entry matching `filter` (a WHERE clause on audit_log).
pub fn audit_json(app: &TestApp, filter: &str) -> (serde_json::Value, serde_json::Value) {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        before_json: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        after_json: Option<String>,
    }
    let mut conn = app.db.conn().expect("connection");
    let rows: Vec<Row> = diesel::sql_query(format!(
        "SELECT before_json, after_json FROM audit_log WHERE {filter}"
    ))
    .load(&mut *conn)
    .expect("audit query");
    assert_eq!(rows.len(), 1, "audit entries for {filter}");
    let parse = |t: &Option<String>| {
        serde_json::from_str(t.as_deref().unwrap_or("null")).expect("audit json")
    };
    (parse(&rows[0].before_json), parse(&rows[0].after_json))
}

/// The current-year demo table of a unit.
pub fn demo_table(app: &TestApp, code: &str) -> i32 {
    let unit = app.unit_id(code);
    ids(
        app,
        &format!(
            "SELECT t.id AS id FROM rect_tables t JOIN campaigns c ON c.id = t.campaign_id \
             WHERE c.year = 2026 AND t.unit_id = {unit} ORDER BY t.id"
        ),
    )[0]
}

/// Items of a table in order.
pub fn items_of(app: &TestApp, table: i32) -> Vec<rect::RectItem> {
    let mut conn = app.db.conn().expect("connection");
    rect::items_of_table(&mut conn, table).expect("items")
}

pub fn item(app: &TestApp, id: i32) -> rect::RectItem {
    let mut conn = app.db.conn().expect("connection");
    rect::item(&mut conn, id).expect("item")
}

/// Row counts of everything this area writes.
pub fn snapshot(app: &TestApp) -> Vec<i64> {
    [
        "rect_tables",
        "rect_items",
        "rect_extensions",
        "supervision_notes",
        "field_changes",
        "task_force",
        // Sign-ins are audited too; count only this area's entries.
        "audit_log WHERE entity IN ('rect_table', 'rect_item', 'rect_extension', \
         'supervision_note', 'task_force')",
    ]
    .iter()
    .map(|t| app.count(t))
    .collect()
}

fn id_from(location: &Option<String>, prefix: &str) -> i32 {
    location
        .as_deref()
        .and_then(|l| l.strip_prefix(prefix))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no id in {location:?}"))
}

const ITEM: [(&str, &str); 9] = [
    ("area", "frontline"),
    ("source", "2026年安全生产大检查"),
    ("problem", "监理日志填写不规范"),
    ("cause", "审核把关不严"),
    ("measure", "开展专题培训，每周抽查"),
    ("requirement", "月底前完成自查"),
    ("responsible", "陈立新"),
    ("deadline", "2026-12-20"),
    ("status", "not_started"),
];

pub fn item_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form: Vec<(&str, &str)> = ITEM
        .iter()
        .map(|(k, v)| {
            let v = changes
                .iter()
                .find(|(ck, _)| ck == k)
                .map_or(*v, |(_, cv)| *cv);
            (*k, v)
        })
        .collect();
    form.extend(
        changes
            .iter()
            .filter(|(k, _)| !ITEM.iter().any(|(ik, _)| ik == k)),
    );
    form
}

/// Add an item to a table as `b`; returns its id.
pub async fn add_item(b: &Browser, table: i32, changes: &[(&str, &str)]) -> i32 {
    let res = b
        .post(&format!("/rect/tables/{table}/items"), &item_form(changes))
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    id_from(&res.location, "/rect/items/")
}

/// A multipart body with the token first (when given) and one file.
fn multipart(token: Option<&str>, data: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----zuofengRectBoundary";
    let mut body = Vec::new();
    if let Some(t) = token {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{t}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"配档表.xlsx\"\r\n\
             Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn import(b: &Browser, table: i32, data: &[u8]) -> Page {
    let (ct, body) = multipart(Some(&b.csrf()), data);
    b.post_body(&format!("/rect/tables/{table}/import"), &ct, body)
        .await
}

fn workbook(bytes: &[u8]) -> calamine::Xlsx<Cursor<Vec<u8>>> {
    calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("xlsx opens")
}

fn cell(range: &calamine::Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

// ---------------------------------------------------------------- stories

async fn secretary_manages_own_table_and_items(app: TestApp) {
    let b = app.signed_in("zhibu02").await;
    let zb02 = app.unit_id("ZB02").to_string();
    let list = b.get("/rect").await;
    assert_eq!(list.status, 200);
    list.assert_contains("党群工作部党支部作风建设问题整改工作配档表");
    list.assert_lacks("综合办公室党支部作风建设");
    // A new table for the branch.
    let before = app.count("audit_log");
    let res = b
        .post(
            "/rect/tables",
            &[
                ("year", "2026"),
                ("unit_id", &zb02),
                ("title", "党群工作部党支部第二批问题整改配档表"),
            ],
        )
        .await;
    let table = id_from(&res.location, "/rect/tables/");
    assert_eq!(app.count("audit_log"), before + 1);
    let page = b.get(&format!("/rect/tables/{table}")).await;
    page.assert_contains("第二批问题整改配档表");
    page.assert_contains("配档表中还没有整改事项");
    // Items: create, see, edit with history and audit.
    let id = add_item(&b, table, &[]).await;
    let it = item(&app, id);
    assert_eq!(it.unit_id, app.unit_id("ZB02"));
    assert_eq!(it.seq, 1);
    assert_eq!(it.original_deadline, it.deadline);
    let page = b.get(&format!("/rect/items/{id}")).await;
    page.assert_contains("监理日志填写不规范");
    page.assert_contains("light light-green");
    let v = it.version.to_string();
    let res = b
        .post(
            &format!("/rect/items/{id}"),
            &item_form(&[
                ("measure", "制定日志样板，项目总监每周签认"),
                ("status", "partial"),
                ("version", &v),
            ]),
        )
        .await;
    res.assert_redirect(&format!("/rect/items/{id}"));
    let it = item(&app, id);
    assert_eq!(it.status, "partial");
    assert_eq!(it.measure, "制定日志样板，项目总监每周签认");
    let page = b.get(&format!("/rect/items/{id}")).await;
    page.assert_contains("修改记录");
    page.assert_contains("开展专题培训，每周抽查");
    page.assert_contains("部分整改");
    assert_eq!(
        app.count(&format!(
            "field_changes WHERE entity = 'rect_item' AND entity_id = {id}"
        )),
        2
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'rect_item' AND entity_id = {id}"
        )),
        2
    );
    // A stale form is a conflict, not a silent overwrite.
    let res = b
        .post(
            &format!("/rect/items/{id}"),
            &item_form(&[("problem", "旧表单"), ("version", &v)]),
        )
        .await;
    assert_eq!(res.status, 409);
    res.assert_contains("已被他人修改");
    assert_eq!(item(&app, id).problem, "监理日志填写不规范");
    // The deadline moves only by an extension request.
    let v = item(&app, id).version.to_string();
    let res = b
        .post(
            &format!("/rect/items/{id}"),
            &item_form(&[
                ("deadline", "2027-03-01"),
                ("version", &v),
                ("status", "partial"),
            ]),
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("请提交延期申请");
    // Rename; a table with items cannot go; an empty one can, after confirmation.
    b.post(
        &format!("/rect/tables/{table}"),
        &[
            ("title", "第二批整改配档表"),
            ("version", &app.version("rect_tables", table)),
        ],
    )
    .await
    .assert_redirect(&format!("/rect/tables/{table}"));
    b.get(&format!("/rect/tables/{table}"))
        .await
        .assert_contains("第二批整改配档表");
    let res = b
        .post(
            &format!("/rect/tables/{table}/delete"),
            &[("version", &app.version("rect_tables", table))],
        )
        .await;
    assert_eq!(res.status, 409);
    let empty = id_from(
        &b.post(
            "/rect/tables",
            &[("year", "2026"), ("unit_id", &zb02), ("title", "空表")],
        )
        .await
        .location,
        "/rect/tables/",
    );
    let page = b.get(&format!("/rect/tables/{empty}")).await;
    page.assert_contains("data-confirm=");
    b.post(
        &format!("/rect/tables/{empty}/delete"),
        &[("version", &app.version("rect_tables", empty))],
    )
    .await
    .assert_redirect("/rect");
    assert_eq!(app.count(&format!("rect_tables WHERE id = {empty}")), 0);
    // Bad table input keeps what was typed.
    let res = b
        .post(
            "/rect/tables",
            &[("year", "2026"), ("unit_id", &zb02), ("title", "  ")],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写配档表名称");
    let res = b
        .post(
            "/rect/tables",
            &[("year", "1999"), ("unit_id", &zb02), ("title", "往年")],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("尚未设立");
    assert_eq!(res.input_value("title").as_deref(), Some("往年"));
}

async fn bad_item_input_is_refused_field_by_field(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let table = demo_table(&app, "ZB01");
    let long = "长".repeat(1001);
    let cases: Vec<(&str, &str, &str)> = vec![
        ("problem", "  ", "请填写存在问题"),
        ("problem", &long, "存在问题不能超过"),
        ("measure", "", "请填写整改措施"),
        ("responsible", "", "请填写责任人"),
        ("deadline", "", "请填写整改时限"),
        ("deadline", "下月底", "整改时限须为日期"),
        ("deadline", "2026-02-30", "整改时限须为日期"),
        ("area", "机关", "请选择问题领域"),
        ("status", "closed", "不能直接选择"),
        ("status", "done", "请选择整改状态"),
    ];
    let before = snapshot(&app);
    for (field, value, message) in &cases {
        let res = b
            .post(
                &format!("/rect/tables/{table}/items"),
                &item_form(&[(field, value), ("source", "<script>alert(1)</script>")]),
            )
            .await;
        assert_eq!(res.status, 422, "{field}={value}");
        res.assert_contains(message);
        res.assert_contains("script&#62;alert(1)");
        res.assert_lacks("<script>alert(1)");
        assert_eq!(snapshot(&app), before, "{field}={value} wrote something");
    }
    // The same on edit: the secretary cannot close an item herself.
    let id = items_of(&app, table)[0].id;
    let res = b
        .post(
            &format!("/rect/items/{id}"),
            &item_form(&[("status", "closed"), ("deadline", "")]),
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("不能直接选择");
    assert_eq!(snapshot(&app), before);
    assert_ne!(item(&app, id).status, "closed");
}

async fn csrf_missing_or_forged_is_refused_on_every_post(app: TestApp) {
    let b = app.signed_in("admin").await;
    let table = demo_table(&app, "ZB01");
    let items = items_of(&app, table);
    let awaiting = items
        .iter()
        .find(|i| i.status == "awaiting")
        .expect("awaiting demo item")
        .id;
    let ext = ids(
        &app,
        "SELECT id AS id FROM rect_extensions WHERE status = 'pending'",
    )[0];
    let tf = ids(&app, "SELECT id AS id FROM task_force")[0];
    let zb01 = app.unit_id("ZB01").to_string();
    let form = item_form(&[]);
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/rect/tables".into(),
            vec![("year", "2026"), ("unit_id", &zb01), ("title", "x")],
        ),
        (
            format!("/rect/tables/{table}"),
            vec![("title", "x"), ("version", "1")],
        ),
        (
            format!("/rect/tables/{table}/delete"),
            vec![("version", "1")],
        ),
        (format!("/rect/tables/{table}/items"), form.clone()),
        (format!("/rect/items/{awaiting}"), form.clone()),
        (format!("/rect/items/{awaiting}/accept"), vec![]),
        (
            format!("/rect/items/{awaiting}/reject-acceptance"),
            vec![("comment", "x")],
        ),
        (
            format!("/rect/items/{}/extensions", items[0].id),
            vec![("new_deadline", "2027-01-31"), ("reason", "x")],
        ),
        (
            format!("/rect/items/{awaiting}/notes"),
            vec![("content", "x")],
        ),
        (format!("/rect/extensions/{ext}/approve"), vec![]),
        (
            format!("/rect/extensions/{ext}/refuse"),
            vec![("comment", "x")],
        ),
        (
            "/taskforce".into(),
            vec![("user_id", "1"), ("unit_id", &zb01)],
        ),
        (format!("/taskforce/{tf}/delete"), vec![]),
    ];
    let before = snapshot(&app);
    for (path, fields) in &posts {
        let res = b.post_raw(path, fields).await;
        assert_eq!(res.status, 403, "no token: {path}");
        let mut forged = vec![("csrf_token", "forged-token-0123456789")];
        forged.extend_from_slice(fields);
        let res = b.post_raw(path, &forged).await;
        assert_eq!(res.status, 403, "forged token: {path}");
    }
    // The import is multipart: the token must be there too.
    let (ct, body) = multipart(None, b"x");
    let res = b
        .post_body(&format!("/rect/tables/{table}/import"), &ct, body)
        .await;
    assert_eq!(res.status, 403);
    let (ct, body) = multipart(Some("forged-token-0123456789"), b"x");
    let res = b
        .post_body(&format!("/rect/tables/{table}/import"), &ct, body)
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(snapshot(&app), before);
}

async fn another_units_secretary_is_refused_on_every_route(app: TestApp) {
    let owner = app.signed_in("zhibu01").await;
    let table = demo_table(&app, "ZB01");
    let items = items_of(&app, table);
    let item_id = items[0].id;
    let awaiting = items
        .iter()
        .find(|i| i.status == "awaiting")
        .expect("awaiting")
        .id;
    // An extension of ZB01's own, pending.
    let res = owner
        .post(
            &format!("/rect/items/{item_id}/extensions"),
            &[("new_deadline", "2027-01-31"), ("reason", "需外部单位配合")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let ext = ids(
        &app,
        &format!("SELECT id AS id FROM rect_extensions WHERE item_id = {item_id}"),
    )[0];
    let b = app.signed_in("zhibu03").await;
    let before = snapshot(&app);
    let zb01 = app.unit_id("ZB01").to_string();
    for path in [
        format!("/rect/tables/{table}"),
        format!("/rect/tables/{table}/edit"),
        format!("/rect/tables/{table}/export"),
        format!("/rect/tables/{table}/import"),
        format!("/rect/tables/{table}/import/template"),
        format!("/rect/tables/{table}/items/new"),
        format!("/rect/items/{item_id}"),
        format!("/rect/items/{item_id}/edit"),
        "/rect/extensions".to_string(),
    ] {
        let res = b.get(&path).await;
        assert_eq!(res.status, 403, "GET {path}");
        res.assert_lacks("监理");
    }
    let form = item_form(&[]);
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/rect/tables".into(),
            vec![
                ("year", "2026"),
                ("unit_id", &zb01),
                ("title", "冒名配档表"),
            ],
        ),
        (format!("/rect/tables/{table}"), vec![("title", "改名")]),
        (format!("/rect/tables/{table}/delete"), vec![]),
        (format!("/rect/tables/{table}/items"), form.clone()),
        (format!("/rect/items/{item_id}"), form.clone()),
        (format!("/rect/items/{awaiting}/accept"), vec![]),
        (
            format!("/rect/items/{awaiting}/reject-acceptance"),
            vec![("comment", "退回")],
        ),
        (
            format!("/rect/items/{}/extensions", items[1].id),
            vec![("new_deadline", "2027-01-31"), ("reason", "冒名")],
        ),
        (
            format!("/rect/items/{item_id}/notes"),
            vec![("content", "冒名")],
        ),
        (format!("/rect/extensions/{ext}/approve"), vec![]),
        (
            format!("/rect/extensions/{ext}/refuse"),
            vec![("comment", "冒名")],
        ),
    ];
    for (path, fields) in &posts {
        let res = b.post(path, fields).await;
        assert_eq!(res.status, 403, "POST {path}: {}", res.body);
    }
    let res = import(&b, table, b"not really").await;
    assert_eq!(res.status, 403);
    // Lists and exports of the secretary hold only her own branch.
    let list = b.get("/rect/items?year=2026").await;
    assert_eq!(list.status, 200);
    list.assert_contains("监理一分公司党支部");
    list.assert_lacks("综合办公室党支部");
    // Narrowing a list to another unit is refused, as on /measures; unknown units are 404.
    for path in [
        format!("/rect/items?unit={zb01}"),
        format!("/rect?unit={zb01}"),
        format!("/rect/export?unit={zb01}"),
    ] {
        let res = b.get(&path).await;
        assert_eq!(res.status, 403, "{path}");
        res.assert_lacks("综合办公室党支部");
    }
    assert_eq!(b.get("/rect/items?unit=999999").await.status, 404);
    let own = app.unit_id("ZB05");
    let list = b.get(&format!("/rect/items?unit={own}")).await;
    assert_eq!(list.status, 200);
    list.assert_contains("监理一分公司党支部");
    let (status, _, bytes) = b.download("/rect/export").await;
    assert_eq!(status, 200);
    let mut wb = workbook(&bytes);
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    for row in range.rows() {
        assert!(
            !row.iter().any(|c| c.to_string().contains("综合办公室")),
            "export leaks another unit"
        );
    }
    // Non-existent ids are 404, never a 500.
    assert_eq!(b.get("/rect/items/999999").await.status, 404);
    assert_eq!(b.get("/rect/tables/999999").await.status, 404);
    assert_eq!(b.get("/rect/tables/abc").await.status, 404);
    assert_eq!(snapshot(&app), before);
}

async fn acceptance_is_for_the_general_branch_above_or_the_office(app: TestApp) {
    let table = demo_table(&app, "ZB01");
    let awaiting = items_of(&app, table)
        .into_iter()
        .find(|i| i.status == "awaiting")
        .expect("awaiting")
        .id;
    let zhibu02 = app.signed_in("zhibu02").await;
    let zhibu01 = app.signed_in("zhibu01").await;
    let zongzhi = app.signed_in("zongzhi01").await;
    let before = snapshot(&app);
    for b in [&zhibu02, &zhibu01] {
        let res = b.post(&format!("/rect/items/{awaiting}/accept"), &[]).await;
        assert_eq!(res.status, 403);
    }
    assert_eq!(snapshot(&app), before);
    // A ZB05 item waiting for acceptance is not zongzhi01's to accept.
    let zhibu03 = app.signed_in("zhibu03").await;
    let zb05_item = add_item(
        &zhibu03,
        demo_table(&app, "ZB05"),
        &[("status", "awaiting")],
    )
    .await;
    let before = snapshot(&app);
    let res = zongzhi
        .post(&format!("/rect/items/{zb05_item}/accept"), &[])
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(snapshot(&app), before);
    // The reviewer sees the accept button on ZB01's item and accepts it.
    let page = zongzhi.get(&format!("/rect/items/{awaiting}")).await;
    page.assert_contains("验收销号");
    zongzhi
        .post(&format!("/rect/items/{awaiting}/accept"), &[])
        .await
        .assert_redirect(&format!("/rect/items/{awaiting}"));
    let it = item(&app, awaiting);
    assert_eq!(it.status, "closed");
    assert_eq!(it.accepted_by, Some(app.user_id("zongzhi01")));
    assert!(it.accepted_at.is_some());
    let page = zhibu01.get(&format!("/rect/items/{awaiting}")).await;
    page.assert_contains("王建国");
    page.assert_contains("验收销号");
    // Twice is a conflict; a closed item cannot be edited by the branch.
    let res = zongzhi
        .post(&format!("/rect/items/{awaiting}/accept"), &[])
        .await;
    assert_eq!(res.status, 409);
    let res = zhibu01
        .post(
            &format!("/rect/items/{awaiting}"),
            &item_form(&[("status", "in_progress")]),
        )
        .await;
    assert_eq!(res.status, 409);
    assert_eq!(item(&app, awaiting).status, "closed");
    // Acceptance is only for items waiting for it.
    let open = items_of(&app, table)[0].id;
    let res = zongzhi
        .post(&format!("/rect/items/{open}/accept"), &[])
        .await;
    assert_eq!(res.status, 409);
    // Return with a reason: back to 整改中, reason in the history.
    let second = add_item(&zhibu01, table, &[("status", "awaiting")]).await;
    let before = snapshot(&app);
    let res = zongzhi
        .post(
            &format!("/rect/items/{second}/reject-acceptance"),
            &[("comment", " ")],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写退回意见");
    assert_eq!(snapshot(&app), before);
    zongzhi
        .post(
            &format!("/rect/items/{second}/reject-acceptance"),
            &[("comment", "佐证材料不全，请补充培训签到表")],
        )
        .await
        .assert_redirect(&format!("/rect/items/{second}"));
    assert_eq!(item(&app, second).status, "in_progress");
    let page = zhibu01.get(&format!("/rect/items/{second}")).await;
    page.assert_contains("佐证材料不全，请补充培训签到表");
    page.assert_contains("验收退回意见");
    // The office accepts anywhere, e.g. ZB05's item.
    let admin = app.signed_in("admin").await;
    admin
        .post(&format!("/rect/items/{zb05_item}/accept"), &[])
        .await
        .assert_redirect(&format!("/rect/items/{zb05_item}"));
    assert_eq!(item(&app, zb05_item).status, "closed");
}

async fn extensions_are_decided_by_the_office(app: TestApp) {
    let zhibu01 = app.signed_in("zhibu01").await;
    let table = demo_table(&app, "ZB01");
    let id = add_item(&zhibu01, table, &[("deadline", "2026-12-10")]).await;
    let path = format!("/rect/items/{id}/extensions");
    let before = snapshot(&app);
    for (date, reason, message) in [
        ("2026-12-10", "需要更多时间", "须晚于当前时限 2026-12-10"),
        ("2026-12-01", "需要更多时间", "须晚于当前时限"),
        ("明年", "需要更多时间", "须为日期"),
        ("", "需要更多时间", "请填写新的整改时限"),
        ("2027-01-31", "  ", "请填写延期理由"),
    ] {
        let res = zhibu01
            .post(&path, &[("new_deadline", date), ("reason", reason)])
            .await;
        assert_eq!(res.status, 422, "{date} {reason}");
        res.assert_contains(message);
        assert_eq!(snapshot(&app), before);
    }
    zhibu01
        .post(
            &path,
            &[
                ("new_deadline", "2027-01-15"),
                ("reason", "涉及系统改造，需待上线"),
            ],
        )
        .await
        .assert_redirect(&format!("/rect/items/{id}"));
    // One pending request at a time.
    let before = snapshot(&app);
    let res = zhibu01
        .post(&path, &[("new_deadline", "2027-02-15"), ("reason", "再延")])
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("已有待审批的延期申请");
    assert_eq!(snapshot(&app), before);
    // Only the office decides.
    let ext = ids(
        &app,
        &format!("SELECT id AS id FROM rect_extensions WHERE item_id = {id}"),
    )[0];
    assert_eq!(zhibu01.get("/rect/extensions").await.status, 403);
    let zongzhi = app.signed_in("zongzhi01").await;
    assert_eq!(
        zongzhi
            .post(&format!("/rect/extensions/{ext}/approve"), &[])
            .await
            .status,
        403
    );
    let admin = app.signed_in("admin").await;
    let list = admin.get("/rect/extensions").await;
    assert_eq!(list.status, 200);
    list.assert_contains("涉及系统改造，需待上线");
    let pending_at = list.body.find("待审批").expect("pending shown");
    let approved_at = list.body.find("已批准").expect("approved demo shown");
    assert!(pending_at < approved_at, "pending first");
    // Refusing needs a reason.
    let res = admin
        .post(
            &format!("/rect/extensions/{ext}/refuse"),
            &[("comment", "")],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写不批准的理由");
    assert_eq!(snapshot(&app), before);
    admin
        .post(
            &format!("/rect/extensions/{ext}/refuse"),
            &[("comment", "理由不充分，请按原时限完成")],
        )
        .await
        .assert_redirect("/rect/extensions");
    assert_eq!(
        item(&app, id).deadline,
        NaiveDate::from_ymd_opt(2026, 12, 10).unwrap()
    );
    let res = admin
        .post(&format!("/rect/extensions/{ext}/approve"), &[])
        .await;
    assert_eq!(res.status, 409, "decided already");
    let page = zhibu01.get(&format!("/rect/items/{id}")).await;
    page.assert_contains("未批准");
    page.assert_contains("理由不充分，请按原时限完成");
    // A new request, approved: the deadline moves, the original stays.
    zhibu01
        .post(
            &path,
            &[
                ("new_deadline", "2027-01-20"),
                ("reason", "补充说明：系统1月上线"),
            ],
        )
        .await
        .assert_redirect(&format!("/rect/items/{id}"));
    let ext2 = ids(
        &app,
        &format!(
            "SELECT id AS id FROM rect_extensions WHERE item_id = {id} AND status = 'pending'"
        ),
    )[0];
    admin
        .post(
            &format!("/rect/extensions/{ext2}/approve"),
            &[("comment", "同意")],
        )
        .await
        .assert_redirect("/rect/extensions");
    let it = item(&app, id);
    assert_eq!(it.deadline, NaiveDate::from_ymd_opt(2027, 1, 20).unwrap());
    assert_eq!(
        it.original_deadline,
        NaiveDate::from_ymd_opt(2026, 12, 10).unwrap()
    );
    let page = zhibu01.get(&format!("/rect/items/{id}")).await;
    page.assert_contains("2027-01-20（原定 2026-12-10，经批准延期）");
    page.assert_contains("已批准");
    let table_page = zhibu01.get(&format!("/rect/tables/{table}")).await;
    table_page.assert_contains("原 2026-12-10");
    assert_eq!(
        app.count(&format!(
            "field_changes WHERE entity = 'rect_item' AND entity_id = {id} AND field = '整改时限'"
        )),
        1
    );
    assert_eq!(
        app.count("audit_log WHERE action IN ('approve_extension', 'refuse_extension', 'request_extension')"),
        4
    );
}

async fn supervision_notes_reach_the_branch(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let table = demo_table(&app, "ZB01");
    let id = items_of(&app, table)[0].id;
    // The office user is not in the task force for ZB01: no form, and a posted note is
    // refused with the reason.
    let page = admin.get(&format!("/rect/items/{id}")).await;
    page.assert_lacks(&format!("action=\"/rect/items/{id}/notes\""));
    let before = snapshot(&app);
    let res = admin
        .post(
            &format!("/rect/items/{id}/notes"),
            &[("content", "请本周五前报送整改台账")],
        )
        .await;
    assert_eq!(res.status, 403);
    res.assert_contains("只有联系综合办公室党支部（或其上级单位）的一线专班成员才能添加督办意见");
    assert_eq!(snapshot(&app), before);
    // Assigned to the general branch above ZB01, the member supervises ZB01's items.
    let admin_id = app.user_id("admin").to_string();
    let zz01 = app.unit_id("ZZ01").to_string();
    admin
        .post("/taskforce", &[("user_id", &admin_id), ("unit_id", &zz01)])
        .await
        .assert_redirect("/taskforce");
    let page = admin.get(&format!("/rect/items/{id}")).await;
    page.assert_contains("我的联系单位");
    page.assert_contains(&format!("action=\"/rect/items/{id}/notes\""));
    let before = snapshot(&app);
    let res = admin
        .post(&format!("/rect/items/{id}/notes"), &[("content", " ")])
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写督办意见");
    assert_eq!(snapshot(&app), before);
    admin
        .post(
            &format!("/rect/items/{id}/notes"),
            &[("content", "请本周五前报送整改台账")],
        )
        .await
        .assert_redirect(&format!("/rect/items/{id}"));
    let zhibu01 = app.signed_in("zhibu01").await;
    let page = zhibu01.get(&format!("/rect/items/{id}")).await;
    page.assert_contains("请本周五前报送整改台账");
    page.assert_contains("党群工作部管理员");
    let t = zhibu01.get(&format!("/rect/tables/{table}")).await;
    t.assert_contains("督办意见 1");
    let list = zhibu01.get("/rect").await;
    list.assert_contains("督办意见 1");
    // Branches and reviewers do not write notes.
    let before = snapshot(&app);
    for b in [&zhibu01, &app.signed_in("zongzhi01").await] {
        let res = b
            .post(
                &format!("/rect/items/{id}/notes"),
                &[("content", "自己督办")],
            )
            .await;
        assert_eq!(res.status, 403);
    }
    assert_eq!(snapshot(&app), before);
    // On a unit of the member's own task force the page says so.
    let zb05 = items_of(&app, demo_table(&app, "ZB05"))[0].id;
    let page = admin.get(&format!("/rect/items/{zb05}")).await;
    page.assert_contains("我的联系单位");
    page.assert_contains("该事项已逾期");
}

async fn lights_change_at_their_boundaries(app: TestApp) {
    let b = app.signed_in("zhibu02").await;
    let table = demo_table(&app, "ZB02");
    // Today is 2026-11-24; the window is 7 days.
    let id = add_item(
        &b,
        table,
        &[("deadline", "2026-12-02"), ("problem", "边界事项")],
    )
    .await;
    let light = |page: &Page| -> &'static str {
        for l in ["red", "yellow", "green", "done"] {
            if page.body.contains(&format!("light light-{l}\">")) {
                return l;
            }
        }
        "none"
    };
    let p = format!("/rect/items/{id}");
    assert_eq!(light(&b.get(&p).await), "green");
    let q = "/rect/items?year=2026&q=%E8%BE%B9%E7%95%8C";
    b.get(&format!("{q}&light=green"))
        .await
        .assert_contains("边界事项");
    app.advance(Duration::days(1)); // 11-25: due in 7 days
    let b = app.signed_in("zhibu02").await;
    assert_eq!(light(&b.get(&p).await), "yellow");
    b.get(&format!("{q}&light=yellow"))
        .await
        .assert_contains("边界事项");
    b.get(&format!("{q}&light=green"))
        .await
        .assert_lacks("边界事项");
    app.advance(Duration::days(7)); // 12-02: due today, still yellow
    let b = app.signed_in("zhibu02").await;
    assert_eq!(light(&b.get(&p).await), "yellow");
    app.advance(Duration::days(1)); // 12-03: overdue
    let b = app.signed_in("zhibu02").await;
    assert_eq!(light(&b.get(&p).await), "red");
    b.get(&format!("{q}&light=red"))
        .await
        .assert_contains("边界事项");
    // The home-page queries agree.
    {
        let mut conn = app.db.conn().expect("connection");
        let campaign = ids(&app, "SELECT id AS id FROM campaigns WHERE year = 2026")[0];
        let scope = zuofeng::auth::Scope::Unit(app.unit_id("ZB02"));
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let rows = rect::attention(&mut conn, &scope, campaign, today + Duration::days(7), 50)
            .expect("attention");
        assert!(rows
            .iter()
            .any(|r| r.id == id && r.unit_name == "党群工作部党支部"));
        assert!(rows.windows(2).all(|w| w[0].deadline <= w[1].deadline));
        let (red, _, _) =
            rect::counts_by_light(&mut conn, &scope, campaign, today, 7).expect("counts");
        let mut expected_red = 0;
        for i in items_of(&app, table) {
            if i.status().is_open() && i.deadline < today {
                expected_red += 1;
            }
        }
        assert_eq!(red, expected_red);
        assert!(rect::pending_extensions(&mut conn).expect("pending") >= 1);
    }
    // Waiting for acceptance: no light any more.
    let v = item(&app, id).version.to_string();
    b.post(
        &p,
        &item_form(&[
            ("deadline", "2026-12-02"),
            ("problem", "边界事项"),
            ("status", "awaiting"),
            ("version", &v),
        ]),
    )
    .await
    .assert_redirect(&p);
    assert_eq!(light(&b.get(&p).await), "done");
}

async fn peidang_export_has_the_printed_layout(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let table = demo_table(&app, "ZB01");
    let (status, headers, bytes) = b.download(&format!("/rect/tables/{table}/export")).await;
    assert_eq!(status, 200);
    let cd = headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(cd.contains("filename*=UTF-8''"), "{cd}");
    let mut wb = workbook(&bytes);
    let merged = wb
        .worksheet_merge_cells_at(0)
        .expect("sheet")
        .expect("merged cells");
    let spans: Vec<((u32, u32), (u32, u32))> = merged.iter().map(|d| (d.start, d.end)).collect();
    for want in [
        ((0, 0), (0, 9)), // title
        ((1, 0), (1, 9)), // 填报单位 line
        ((2, 0), (3, 0)), // 序号 over both header rows
        ((2, 1), (2, 4)), // 问题查摆
        ((2, 5), (2, 9)), // 整改落实
    ] {
        assert!(spans.contains(&want), "missing merge {want:?} in {spans:?}");
    }
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    assert_eq!(
        cell(&range, 0, 0),
        "综合办公室党支部作风建设问题整改工作配档表"
    );
    assert!(cell(&range, 1, 0).contains("填报单位：综合办公室党支部"));
    assert!(cell(&range, 1, 0).contains("年度：2026"));
    assert_eq!(cell(&range, 2, 0), "序号");
    assert_eq!(cell(&range, 2, 1), "问题查摆");
    assert_eq!(cell(&range, 2, 5), "整改落实");
    let headers: Vec<String> = (1..10).map(|c| cell(&range, 3, c)).collect();
    assert_eq!(
        headers,
        [
            "问题领域",
            "问题来源",
            "存在问题",
            "原因分析",
            "整改措施",
            "整改要求",
            "责任人",
            "整改时限",
            "状态"
        ]
    );
    let items = items_of(&app, table);
    assert_eq!(cell(&range, 4, 3), items[0].problem);
    assert_eq!(
        cell(&range, 4 + items.len() as u32 - 1, 9),
        items.last().unwrap().status().label()
    );
    // The empty template has the same header.
    let (status, _, bytes) = b
        .download(&format!("/rect/tables/{table}/import/template"))
        .await;
    assert_eq!(status, 200);
    let mut wb = workbook(&bytes);
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    assert_eq!(cell(&range, 3, 3), "存在问题");
    assert_eq!(cell(&range, 4, 3), "");
    // The filtered list export reads back.
    let (status, _, bytes) = b.download("/rect/export?year=2026&light=red").await;
    assert_eq!(status, 200);
    let rows = zuofeng::xlsx::read(&bytes, &["存在问题"], &["单位", "存在问题", "提醒"], 10)
        .expect("reads");
    assert!(!rows.is_empty());
    assert!(rows
        .iter()
        .all(|r| r.get("单位") == "综合办公室党支部" && r.get("提醒") == "逾期"));
}

async fn export_then_import_gives_the_same_items(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let table = demo_table(&app, "ZB01");
    // Give the source table some awkward content too.
    add_item(
        &b,
        table,
        &[
            ("problem", "含“引号”、<尖括号> & 换行\n第二行"),
            ("cause", ""),
            ("requirement", ""),
            ("source", ""),
            ("area", "leaders"),
            ("status", "awaiting"),
        ],
    )
    .await;
    let (_, _, bytes) = b.download(&format!("/rect/tables/{table}/export")).await;
    let zb01 = app.unit_id("ZB01").to_string();
    let res = b
        .post(
            "/rect/tables",
            &[("year", "2026"), ("unit_id", &zb01), ("title", "导入副本")],
        )
        .await;
    let copy = id_from(&res.location, "/rect/tables/");
    b.get(&format!("/rect/tables/{copy}/import")).await;
    let res = import(&b, copy, &bytes).await;
    res.assert_redirect(&format!("/rect/tables/{copy}"));
    let a = items_of(&app, table);
    let c = items_of(&app, copy);
    assert_eq!(a.len(), c.len());
    for (x, y) in a.iter().zip(&c) {
        assert_eq!(x.area, y.area);
        assert_eq!(x.source, y.source);
        assert_eq!(x.problem, y.problem);
        assert_eq!(x.cause, y.cause);
        assert_eq!(x.measure, y.measure);
        assert_eq!(x.requirement, y.requirement);
        assert_eq!(x.responsible, y.responsible);
        assert_eq!(x.deadline, y.deadline);
        assert_eq!(x.status, y.status);
        assert_eq!(y.unit_id, app.unit_id("ZB01"));
        assert_eq!(y.table_id, copy);
    }
    assert_eq!(
        c.iter().map(|i| i.seq).collect::<Vec<_>>(),
        (1..=c.len() as i32).collect::<Vec<_>>()
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE action = 'import' AND entity_id = {copy}"
        )),
        1
    );
}

/// A 2022 配档表 holding 已销号 items goes through export and import into an empty table of a
/// year without items: every exported column comes back; the closed items stay closed with the
/// importer (who may accept) as acceptor, and the audit says so. A secretary may not import
/// closed rows.
async fn closed_items_survive_the_round_trip(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let zz02 = app.unit_id("ZZ02");
    let source = ids(
        &app,
        &format!(
            "SELECT t.id AS id FROM rect_tables t JOIN campaigns c ON c.id = t.campaign_id \
             WHERE c.year = 2022 AND t.unit_id = {zz02} ORDER BY t.id"
        ),
    )[0];
    let original = items_of(&app, source);
    assert!(original.iter().any(|i| i.status == "closed"));
    assert!(original.len() >= 3);
    let (status, _, bytes) = admin
        .download(&format!("/rect/tables/{source}/export"))
        .await;
    assert_eq!(status, 200);
    admin
        .post(
            "/campaigns",
            &[
                ("year", "2027"),
                ("name", "2027年作风建设"),
                ("due_day", "25"),
                ("yellow_days", "7"),
            ],
        )
        .await
        .assert_redirect("/campaigns/2027");
    assert_eq!(
        app.count("rect_items i JOIN campaigns c ON c.id = i.campaign_id WHERE c.year = 2027"),
        0
    );
    let res = admin
        .post(
            "/rect/tables",
            &[
                ("year", "2027"),
                ("unit_id", &zz02.to_string()),
                ("title", "2022年配档表（导入）"),
            ],
        )
        .await;
    let copy = id_from(&res.location, "/rect/tables/");
    let res = import(&admin, copy, &bytes).await;
    res.assert_redirect(&format!("/rect/tables/{copy}"));
    let copied = items_of(&app, copy);
    assert_eq!(copied.len(), original.len());
    let admin_id = app.user_id("admin");
    for (x, y) in original.iter().zip(&copied) {
        assert_eq!(x.status, y.status);
        if y.status == "closed" {
            assert_eq!(y.accepted_by, Some(admin_id));
            assert!(y.accepted_at.is_some());
        } else {
            assert_eq!(y.accepted_by, None);
            assert_eq!(y.accepted_at, None);
        }
    }
    // Every exported column, cell by cell, below the info line (which names the year).
    let (_, _, again) = admin.download(&format!("/rect/tables/{copy}/export")).await;
    let a = workbook(&bytes)
        .worksheet_range_at(0)
        .expect("sheet")
        .expect("range");
    let b = workbook(&again)
        .worksheet_range_at(0)
        .expect("sheet")
        .expect("range");
    assert_eq!(a.get_size(), b.get_size());
    let (rows, cols) = a.get_size();
    assert!(rows >= 4 + original.len());
    for r in 2..rows as u32 {
        for c in 0..cols as u32 {
            assert_eq!(cell(&a, r, c), cell(&b, r, c), "row {r} column {c}");
        }
    }
    assert!((4..rows as u32).any(|r| cell(&b, r, 9) == "已销号"));
    let closed = original.iter().filter(|i| i.status == "closed").count();
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE action = 'import' AND entity_id = {copy} \
             AND summary LIKE '%已销号 {closed} 条%'"
        )),
        1
    );
    // A secretary importing closed rows is refused row by row; nothing written.
    let sec = app.signed_in("zhibu01").await;
    let zb01 = app.unit_id("ZB01").to_string();
    let res = sec
        .post(
            "/rect/tables",
            &[("year", "2027"), ("unit_id", &zb01), ("title", "副本")],
        )
        .await;
    let own = id_from(&res.location, "/rect/tables/");
    let before = snapshot(&app);
    let res = import(&sec, own, &bytes).await;
    assert_eq!(res.status, 422);
    res.assert_contains("“已销号”的事项须经验收，只能由上级党总支或党群工作部导入");
    assert_eq!(snapshot(&app), before);
}

/// Upload one file to a rectification item as `b`.
async fn upload_to_item(b: &Browser, id: i32, name: &str, data: &[u8]) -> Page {
    let (ct, body) = crate::helpers::multipart(
        &b.csrf(),
        &[
            ("owner", "rect_item"),
            ("owner_id", &id.to_string()),
            ("back", &format!("/rect/items/{id}")),
        ],
        Some((name, data)),
    );
    b.post_body("/attachments", &ct, body).await
}

fn attachments_of(app: &TestApp, item: i32) -> Vec<i32> {
    ids(
        app,
        &format!(
            "SELECT id AS id FROM attachments WHERE owner = 'rect_item' AND owner_id = {item} \
             ORDER BY id"
        ),
    )
}

/// A legacy Word document: an OLE compound file whose root carries Word's class id.
fn word_97_file() -> Vec<u8> {
    let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("cfb");
    cf.set_storage_clsid(
        "/",
        uuid::Uuid::parse_str("00020906-0000-0000-c000-000000000046").expect("uuid"),
    )
    .expect("clsid");
    {
        use std::io::Write;
        let mut s = cf.create_stream("/WordDocument").expect("stream");
        s.write_all(&[0xEC, 0xA5, 0xC1, 0x00]).expect("write");
    }
    cf.flush().expect("flush");
    cf.into_inner().into_inner()
}

/// Evidence of a rectification item over HTTP: upload, download under the Chinese name,
/// another branch refused; too large or not what the name says is refused with nothing
/// written; jpg, docx, xlsx and doc are recognised by content.
async fn rect_item_evidence_up_and_down(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let table = demo_table(&app, "ZB01");
    let id = add_item(&b, table, &[]).await;
    b.get(&format!("/rect/items/{id}")).await;
    upload_to_item(&b, id, "整改佐证材料.pdf", PDF)
        .await
        .assert_redirect(&format!("/rect/items/{id}"));
    let page = b.get(&format!("/rect/items/{id}")).await;
    page.assert_contains("已上传附件：整改佐证材料.pdf");
    let files = attachments_of(&app, id);
    assert_eq!(files.len(), 1);
    let file = files[0];
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE action = 'upload' AND entity = 'rect_item' AND entity_id = {id}"
        )),
        1
    );
    let (status, headers, data) = b.download(&format!("/attachments/{file}")).await;
    assert_eq!(status, 200);
    assert_eq!(data, PDF);
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    let cd = headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let encoded: String =
        url::form_urlencoded::byte_serialize("整改佐证材料.pdf".as_bytes()).collect();
    assert!(cd.contains(&format!("filename*=UTF-8''{encoded}")), "{cd}");
    // Another unit's secretary: no download, no upload, no delete.
    let other = app.signed_in("zhibu03").await;
    assert_eq!(other.get(&format!("/attachments/{file}")).await.status, 403);
    other.get("/home").await;
    let before = app.count("attachments");
    assert_eq!(
        upload_to_item(&other, id, "越权.pdf", PDF).await.status,
        403
    );
    assert_eq!(
        other
            .post(&format!("/attachments/{file}/delete"), &[])
            .await
            .status,
        403
    );
    assert_eq!(app.count("attachments"), before);
    // Deleting without a token, or with a forged one, is refused even for the owner.
    for fields in [vec![], vec![("csrf_token", "forged")]] {
        assert_eq!(
            b.post_raw(&format!("/attachments/{file}/delete"), &fields)
                .await
                .status,
            403
        );
    }
    assert_eq!(app.count("attachments"), before);
    // 11 MB: a friendly refusal, nothing written.
    let mut big = PDF.to_vec();
    big.resize(11 * 1024 * 1024, b' ');
    let audits = app.count("audit_log");
    upload_to_item(&b, id, "过大的文件.pdf", &big)
        .await
        .assert_redirect(&format!("/rect/items/{id}"));
    b.get(&format!("/rect/items/{id}"))
        .await
        .assert_contains("过大的文件.pdf：文件超过 10 MB");
    assert_eq!(app.count("attachments"), before);
    assert_eq!(app.count("audit_log"), audits);
    // A text file named .pdf: refused by content.
    upload_to_item(&b, id, "伪装.pdf", b"just some text, not a PDF")
        .await
        .assert_redirect(&format!("/rect/items/{id}"));
    b.get(&format!("/rect/items/{id}"))
        .await
        .assert_contains("伪装.pdf：只能上传 PDF");
    assert_eq!(app.count("attachments"), before);
    // Each accepted kind, recognised by its content.
    let mut jpg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    jpg.extend_from_slice(b"JFIF\0 photo of the site");
    let mut docx = b"PK\x03\x04".to_vec();
    docx.extend_from_slice(&[0u8; 26]);
    docx.extend_from_slice(b"word/document.xml<w:document/>");
    let xlsx = {
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet().write_string(0, 0, "台账").expect("cell");
        wb.save_to_buffer().expect("xlsx")
    };
    let doc = word_97_file();
    for (name, data, ct) in [
        ("现场照片.jpg", jpg.as_slice(), "image/jpeg"),
        (
            "整改报告.docx",
            docx.as_slice(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "整改台账.xlsx",
            xlsx.as_slice(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("旧版报告.doc", doc.as_slice(), "application/msword"),
    ] {
        upload_to_item(&b, id, name, data)
            .await
            .assert_redirect(&format!("/rect/items/{id}"));
        b.get(&format!("/rect/items/{id}"))
            .await
            .assert_contains(&format!("已上传附件：{name}"));
        let last = *attachments_of(&app, id).last().expect("a file");
        let (status, headers, back) = b.download(&format!("/attachments/{last}")).await;
        assert_eq!(status, 200, "{name}");
        assert_eq!(back, data, "{name}");
        assert_eq!(
            headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some(ct),
            "{name}"
        );
    }
    assert_eq!(attachments_of(&app, id).len(), 5);
}

/// Once an item is closed (已销号) its evidence is frozen: no upload form, upload and delete
/// refused with 409 and a clear message, nothing written.
async fn evidence_of_a_closed_item_is_frozen(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let table = demo_table(&app, "ZB01");
    let id = add_item(&b, table, &[("status", "awaiting")]).await;
    b.get(&format!("/rect/items/{id}")).await;
    upload_to_item(&b, id, "验收前.pdf", PDF)
        .await
        .assert_redirect(&format!("/rect/items/{id}"));
    let file = attachments_of(&app, id)[0];
    let admin = app.signed_in("admin").await;
    admin.get(&format!("/rect/items/{id}")).await;
    admin
        .post(&format!("/rect/items/{id}/accept"), &[])
        .await
        .assert_redirect(&format!("/rect/items/{id}"));
    assert_eq!(item(&app, id).status, "closed");
    let page = b.get(&format!("/rect/items/{id}")).await;
    page.assert_contains("验收前.pdf");
    page.assert_contains("该整改事项已验收销号，佐证材料不能再增删");
    page.assert_lacks("action=\"/attachments\"");
    page.assert_lacks(&format!("action=\"/attachments/{file}/delete\""));
    let before = app.count("attachments");
    let audits = app.count("audit_log");
    for who in [&b, &admin] {
        let res = upload_to_item(who, id, "销号后.pdf", PDF).await;
        assert_eq!(res.status, 409);
        res.assert_contains("该整改事项已验收销号，佐证材料不能再增删");
        let res = who
            .post(
                &format!("/attachments/{file}/delete"),
                &[("back", &format!("/rect/items/{id}"))],
            )
            .await;
        assert_eq!(res.status, 409);
        res.assert_contains("已验收销号");
    }
    assert_eq!(app.count("attachments"), before);
    assert_eq!(app.count("audit_log"), audits);
}

/// The viewer reads but cannot accept or return; an item edit is audited with the whole
/// item before and after.
async fn viewer_cannot_accept_and_edits_are_audited_in_full(app: TestApp) {
    let sec = app.signed_in("zhibu01").await;
    let table = demo_table(&app, "ZB01");
    let id = add_item(&sec, table, &[("status", "awaiting")]).await;
    let viewer = app.signed_in("viewer").await;
    assert_eq!(viewer.get(&format!("/rect/items/{id}")).await.status, 200);
    let before = snapshot(&app);
    assert_eq!(
        viewer
            .post(&format!("/rect/items/{id}/accept"), &[])
            .await
            .status,
        403
    );
    assert_eq!(
        viewer
            .post(
                &format!("/rect/items/{id}/reject-acceptance"),
                &[("comment", "退回")]
            )
            .await
            .status,
        403
    );
    assert_eq!(snapshot(&app), before);
    assert_eq!(item(&app, id).status, "awaiting");
    // Edit: the audit holds the old and the new values.
    let v = item(&app, id).version.to_string();
    let res = sec
        .post(
            &format!("/rect/items/{id}"),
            &item_form(&[
                ("version", &v),
                ("problem", "监理日志补记不及时"),
                ("responsible", "王五"),
                ("status", "in_progress"),
            ]),
        )
        .await;
    res.assert_redirect(&format!("/rect/items/{id}"));
    let (b, a) = audit_json(
        &app,
        &format!("entity = 'rect_item' AND action = 'update' AND entity_id = {id}"),
    );
    assert_eq!(b["problem"], "监理日志填写不规范");
    assert_eq!(b["responsible"], "陈立新");
    assert_eq!(b["status"], "awaiting");
    assert_eq!(a["problem"], "监理日志补记不及时");
    assert_eq!(a["responsible"], "王五");
    assert_eq!(a["status"], "in_progress");
    assert_eq!(a["measure"], b["measure"]);
}

async fn a_bad_import_writes_nothing_and_names_every_bad_row(app: TestApp) {
    use rust_xlsxwriter::Workbook;
    let b = app.signed_in("zhibu01").await;
    let table = demo_table(&app, "ZB01");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let header = [
        "问题领域",
        "问题来源",
        "存在问题",
        "原因分析",
        "整改措施",
        "整改要求",
        "责任人",
        "整改时限",
        "状态",
    ];
    ws.write_string(0, 0, "综合办公室党支部作风建设问题整改工作配档表")
        .unwrap();
    for (i, h) in header.iter().enumerate() {
        ws.write_string(1, i as u16, *h).unwrap();
    }
    let rows: [[&str; 9]; 7] = [
        [
            "业务一线",
            "检查",
            "好的一行",
            "",
            "措施",
            "",
            "张三",
            "2026-12-31",
            "整改中",
        ],
        [
            "业务一线",
            "检查",
            "",
            "",
            "措施",
            "",
            "张三",
            "2026-12-31",
            "",
        ],
        [
            "机关",
            "检查",
            "领域不对",
            "",
            "措施",
            "",
            "张三",
            "2026-12-31",
            "",
        ],
        [
            "总部部室",
            "检查",
            "已销号的",
            "",
            "措施",
            "",
            "张三",
            "2026-12-31",
            "已销号",
        ],
        [
            "领导干部",
            "检查",
            "日期不对",
            "",
            "措施",
            "",
            "张三",
            "下月底",
            "未开始",
        ],
        [
            "领导干部",
            "检查",
            "缺措施和责任人",
            "",
            "",
            "",
            "",
            "2026/12/31",
            "完成了",
        ],
        [
            "总部部室",
            "检查",
            "另一行好的",
            "",
            "措施",
            "",
            "李四",
            "2026年12月31日",
            "部分整改",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 2, c as u16, *v).unwrap();
        }
    }
    let bytes = wb.save_to_buffer().unwrap();
    b.get(&format!("/rect/tables/{table}/import")).await;
    let before = snapshot(&app);
    let res = import(&b, table, &bytes).await;
    assert_eq!(res.status, 422);
    res.assert_contains("共 5 行有误");
    res.assert_contains("第 4 行：存在问题为空");
    res.assert_contains("第 5 行：问题领域“机关”无法识别");
    res.assert_contains("第 6 行：“已销号”的事项须经验收，只能由上级党总支或党群工作部导入");
    res.assert_contains("第 7 行：整改时限“下月底”不是日期");
    res.assert_contains("第 8 行：整改措施为空；责任人为空；状态“完成了”无法识别");
    res.assert_lacks("第 3 行");
    res.assert_lacks("第 9 行");
    assert_eq!(snapshot(&app), before);
    // Not a spreadsheet, or no data rows: clear messages, nothing written.
    let res = import(&b, table, b"%PDF-1.4 not a sheet").await;
    assert_eq!(res.status, 422);
    res.assert_contains("无法读取该文件");
    let (_, _, template) = b
        .download(&format!("/rect/tables/{table}/import/template"))
        .await;
    let res = import(&b, table, &template).await;
    assert_eq!(res.status, 422);
    res.assert_contains("没有数据行");
    assert_eq!(snapshot(&app), before);
    // The same file without its bad rows goes in whole.
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (i, h) in header.iter().enumerate() {
        ws.write_string(0, i as u16, *h).unwrap();
    }
    for (r, row) in [rows[0], rows[6]].iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    let n = items_of(&app, table).len();
    import(&b, table, &wb.save_to_buffer().unwrap())
        .await
        .assert_redirect(&format!("/rect/tables/{table}"));
    let after = items_of(&app, table);
    assert_eq!(after.len(), n + 2);
    assert_eq!(after[n + 1].problem, "另一行好的");
    assert_eq!(after[n + 1].status, "partial");
    assert_eq!(
        after[n + 1].deadline,
        NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
    );
}

async fn reviewer_and_office_see_their_part(app: TestApp) {
    let zongzhi = app.signed_in("zongzhi01").await;
    let list = zongzhi.get("/rect?year=2026").await;
    list.assert_contains("综合办公室党支部");
    list.assert_contains("党群工作部党支部");
    list.assert_lacks("监理一分公司党支部");
    // The reviewer may write only its own unit's tables.
    let zb01 = app.unit_id("ZB01").to_string();
    let res = zongzhi
        .post(
            "/rect/tables",
            &[("year", "2026"), ("unit_id", &zb01), ("title", "代建")],
        )
        .await;
    assert_eq!(res.status, 403);
    let zz01 = app.unit_id("ZZ01").to_string();
    let res = zongzhi
        .post(
            "/rect/tables",
            &[
                ("year", "2026"),
                ("unit_id", &zz01),
                ("title", "总支配档表"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    // 2022: the 15 tables of the article, mostly closed.
    let admin = app.signed_in("admin").await;
    let list = admin.get("/rect?year=2022").await;
    list.assert_contains("共 15 条");
    assert_eq!(
        app.count("rect_tables t JOIN campaigns c ON c.id = t.campaign_id WHERE c.year = 2022"),
        15
    );
    let closed = app.count(
        "rect_items i JOIN campaigns c ON c.id = i.campaign_id WHERE c.year = 2022 AND i.status = 'closed'",
    );
    let all =
        app.count("rect_items i JOIN campaigns c ON c.id = i.campaign_id WHERE c.year = 2022");
    assert!(closed * 10 > all * 8, "{closed} of {all} closed");
    // The viewer reads everything and changes nothing.
    let viewer = app.signed_in("viewer").await;
    let table = demo_table(&app, "ZB05");
    viewer
        .get(&format!("/rect/tables/{table}"))
        .await
        .assert_lacks("新增整改事项");
    let res = viewer
        .post(&format!("/rect/tables/{table}/items"), &item_form(&[]))
        .await;
    assert_eq!(res.status, 403);
    // Demo lights in ZB01: at least one red and one yellow.
    let page = app
        .signed_in("zhibu01")
        .await
        .get(&format!("/rect/tables/{}", demo_table(&app, "ZB01")))
        .await;
    page.assert_contains("light light-red");
    page.assert_contains("light light-yellow");
    page.assert_contains("已整改待验收");
}

async fn every_page_renders_for_every_role(app: TestApp) {
    let zb01 = demo_table(&app, "ZB01");
    let item = items_of(&app, zb01)[0].id;
    for who in ["admin", "viewer", "zongzhi01", "zhibu01"] {
        let b = app.signed_in(who).await;
        for path in [
            "/rect".to_string(),
            "/rect?year=2022".to_string(),
            "/rect?year=1999".to_string(),
            "/rect?year=abc&unit=xyz&page=-3".to_string(),
            "/rect/items".to_string(),
            "/rect/items?year=2022&area=leaders&status=closed&light=done&q=%25%27%22".to_string(),
            "/rect/items?light=purple&status=%3Cscript%3E&page=99999".to_string(),
            format!("/rect/tables/{zb01}"),
            format!("/rect/items/{item}"),
        ] {
            let res = b.get(&path).await;
            assert_eq!(res.status, 200, "{who} GET {path}");
            res.assert_contains("整改");
        }
        let (status, _, _) = b.download("/rect/export?year=2022").await;
        assert_eq!(status, 200, "{who} export");
    }
    let admin = app.signed_in("admin").await;
    for path in [
        "/rect/tables/new",
        "/rect/extensions?status=approved",
        "/rect/extensions?status=bogus&page=x",
    ] {
        assert_eq!(admin.get(path).await.status, 200, "{path}");
    }
    let sec = app.signed_in("zhibu01").await;
    let form = sec.get("/rect/tables/new").await;
    assert_eq!(form.status, 200);
    assert_eq!(
        form.input_value("title").as_deref(),
        Some("综合办公室党支部作风建设问题整改工作配档表")
    );
    assert_eq!(
        sec.get(&format!("/rect/items/{item}/edit")).await.status,
        200
    );
    assert_eq!(
        sec.get(&format!("/rect/tables/{zb01}/items/new"))
            .await
            .status,
        200
    );
    assert_eq!(
        sec.get(&format!("/rect/tables/{zb01}/import")).await.status,
        200
    );
    assert_eq!(sec.get("/rect/export?year=1999").await.status, 404);
}

both!(
    every_page_renders_for_every_role,
    secretary_manages_own_table_and_items,
    bad_item_input_is_refused_field_by_field,
    csrf_missing_or_forged_is_refused_on_every_post,
    another_units_secretary_is_refused_on_every_route,
    acceptance_is_for_the_general_branch_above_or_the_office,
    extensions_are_decided_by_the_office,
    supervision_notes_reach_the_branch,
    lights_change_at_their_boundaries,
    peidang_export_has_the_printed_layout,
    export_then_import_gives_the_same_items,
    closed_items_survive_the_round_trip,
    viewer_cannot_accept_and_edits_are_audited_in_full,
    rect_item_evidence_up_and_down,
    evidence_of_a_closed_item_is_frozen,
    a_bad_import_writes_nothing_and_names_every_bad_row,
    reviewer_and_office_see_their_part,
);

async fn item_search_ignores_letter_case(app: TestApp) {
    use diesel::prelude::*;
    use zuofeng::db::schema::rect_items;
    let mut c = app.db.conn().expect("conn");
    let id: i32 = rect_items::table
        .select(rect_items::id)
        .order(rect_items::id.desc())
        .first(&mut *c)
        .expect("an item");
    diesel::update(rect_items::table.find(id))
        .set(rect_items::source.eq("ISO 质量体系外审"))
        .execute(&mut *c)
        .expect("update");
    drop(c);
    let admin = app.signed_in("admin").await;
    for q in ["iso", "ISO", "Iso"] {
        let page = admin.get(&format!("/rect/items?year=2026&q={q}")).await;
        assert_eq!(page.status, 200);
        page.assert_contains(&format!("/rect/items/{id}\""));
    }
}

both!(item_search_ignores_letter_case);
