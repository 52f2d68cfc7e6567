//! Rectification tables (配档表) and items as secretaries, reviewers and the office meet them:
//! scope on every route, acceptance by the general branch above, extension requests, notes,
//! lights around their boundaries, and the 配档表 in Excel both ways. The shared helpers are
//! here; the stories are in the files below, by theme.

use std::io::Cursor;

use calamine::{Data, Reader};
use chrono::{Duration, NaiveDate};
use diesel::RunQueryDsl;
use zuofeng::db::models::rect;

use crate::helpers::*;

mod access;
mod decisions;
mod evidence;
mod excel;
mod items;

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
