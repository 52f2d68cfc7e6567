//! Practice measures (践行举措): a secretary keeps their branch's measures; reviewers, the
//! office and leaders read them by scope; lights, filters, paging; Excel out and back in.
//! The shared helpers are here; the stories are in the files below, by theme.

use chrono::{Duration, NaiveDate};
use diesel::sql_types::Integer;
use diesel::RunQueryDsl;
use zuofeng::auth::Scope;
use zuofeng::db::models::{campaigns, measures};
use zuofeng::xlsx::{self, col, Value};

use crate::helpers::*;

mod access;
mod editing;
mod evidence;
mod excel;
mod list;

fn goal_id(app: &TestApp, year: i32, name: &str) -> i32 {
    app.int(&format!(
        "SELECT g.id AS v FROM campaign_goals g JOIN campaigns c ON c.id = g.campaign_id \
             WHERE c.year = {year} AND g.name = '{name}'"
    ))
}

fn measure_id(app: &TestApp, title: &str) -> i32 {
    app.int(&format!(
        "SELECT id AS v FROM measures WHERE title = '{title}' ORDER BY id LIMIT 1"
    ))
}

/// A measure of the first branch of the demo (ZB01) in one of the demo years.
fn demo_measure(app: &TestApp, unit: &str, year: i32) -> i32 {
    app.int(&format!(
        "SELECT m.id AS v FROM measures m JOIN units u ON u.id = m.unit_id \
             JOIN campaigns c ON c.id = m.campaign_id \
             WHERE u.code = '{unit}' AND c.year = {year} ORDER BY m.id LIMIT 1"
    ))
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
