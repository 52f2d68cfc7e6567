//! 工作模板 (issue 12): the template library. The catalogue (filters, counts, paging, export,
//! print view, empty state), the template page and its counted downloads (exact bytes and
//! headers, atomic counts under concurrency), the office's areas and templates (version-checked
//! edits, stop / restart), uploads of new versions (old ones kept, numbers unique under
//! concurrency, bad files refused), CSRF and roles on every POST; on SQLite and PostgreSQL.

use diesel::prelude::*;

use crate::helpers::{multipart, Browser, Page, TestApp};

mod catalogue;
mod downloads;
mod forms;
mod uploads;

/// The id of the demo template titled `title`.
pub(super) fn template_id(app: &TestApp, title: &str) -> i32 {
    use zuofeng::db::schema::work_templates;
    let mut c = app.db.conn().expect("connection");
    work_templates::table
        .filter(work_templates::title.eq(title))
        .select(work_templates::id)
        .first(&mut *c)
        .unwrap_or_else(|_| panic!("no template {title}"))
}

pub(super) fn area_id(app: &TestApp, name: &str) -> i32 {
    let mut c = app.db.conn().expect("connection");
    zuofeng::db::models::library::area_by_name(&mut c, name)
        .expect("query")
        .unwrap_or_else(|| panic!("no area {name}"))
        .id
}

pub(super) fn template(app: &TestApp, id: i32) -> zuofeng::db::models::library::WorkTemplate {
    let mut c = app.db.conn().expect("connection");
    zuofeng::db::models::library::get(&mut c, id).expect("template")
}

pub(super) fn downloads(app: &TestApp, id: i32) -> i32 {
    template(app, id).downloads
}

/// Version numbers of a template, ascending.
pub(super) fn numbers(app: &TestApp, id: i32) -> Vec<i32> {
    let mut c = app.db.conn().expect("connection");
    let mut n: Vec<i32> = zuofeng::db::models::library::versions(&mut c, id)
        .expect("versions")
        .iter()
        .map(|v| v.number)
        .collect();
    n.sort_unstable();
    n
}

/// Upload `data` as `name` to template `id` (with a note) as `b`.
pub(super) async fn upload(b: &Browser, id: i32, name: &str, data: &[u8], note: &str) -> Page {
    if b.csrf().is_empty() {
        b.get("/home").await;
    }
    let (ct, body) = multipart(&b.csrf(), &[("note", note)], Some((name, data)));
    b.post_body(&format!("/templates/{id}/versions"), &ct, body)
        .await
}

/// The rows of every table a library write touches, to show that a refused request wrote
/// nothing.
pub(super) fn snapshot(app: &TestApp) -> Vec<i64> {
    [
        "template_areas",
        "work_templates",
        "template_versions",
        "work_templates WHERE version > 1",
        "work_templates WHERE active = FALSE",
        "field_changes WHERE entity IN ('work_template', 'template_area')",
        "audit_log WHERE entity IN ('work_template', 'template_area')",
    ]
    .iter()
    .map(|t| app.count(t))
    .collect()
}

/// The id at the end of a redirect to `/templates/{id}`.
pub(super) fn id_of(res: &Page) -> i32 {
    res.location
        .as_deref()
        .and_then(|l| l.strip_prefix("/templates/"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no template id in {:?}: {}", res.location, res.body))
}

/// A small PDF the content check accepts, with `text` inside (distinct bytes per file).
pub(super) fn pdf(text: &str) -> Vec<u8> {
    let mut v = crate::helpers::PDF.to_vec();
    v.extend_from_slice(format!("% {text}\n").as_bytes());
    v
}
