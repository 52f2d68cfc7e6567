//! No concurrent write is lost (issue 8): every edit form of units, users, campaigns, 配档表,
//! the task force, attachments and the own password names the version it was read at; the
//! write is one guarded UPDATE. Ten saves of one version at once: one wins, one audit row, the
//! rest 409 with nothing written. A stale version: 409, the typed input shown again. No
//! version: refused, nothing written. The races only show on PostgreSQL (READ COMMITTED).
//! The shared helpers are here; the stories are in the files below, by theme.

use crate::helpers::*;

mod campaigns;
mod records;
mod units_users;

const STALE: &str = "该记录在您编辑期间已被他人修改";

const NO_VERSION: &str = "表单缺少版本信息";

const CHANGED: &str = "该记录在您操作期间已被他人修改";

type Form = Vec<(String, String)>;

/// The fields a browser would post from the form whose action is `action` on this page:
/// inputs (checked boxes only), selected options, text areas; the CSRF token is left out
/// (Browser::post adds it).
pub(super) fn form_fields(page: &Page, action: &str) -> Form {
    let doc = scraper::Html::parse_document(&page.body);
    let sel = scraper::Selector::parse(&format!("form[action=\"{action}\"]")).expect("selector");
    let form = doc
        .select(&sel)
        .next()
        .unwrap_or_else(|| panic!("no form {action} in:\n{}", page.body));
    let fields = scraper::Selector::parse("input, select, textarea").expect("selector");
    let opt = scraper::Selector::parse("option[selected]").expect("selector");
    let mut out = Vec::new();
    for el in form.select(&fields) {
        let v = el.value();
        let Some(name) = v.attr("name") else { continue };
        if name == "csrf_token" {
            continue;
        }
        let value = match v.name() {
            "select" => el
                .select(&opt)
                .next()
                .and_then(|o| o.value().attr("value"))
                .unwrap_or("")
                .to_string(),
            "textarea" => el.text().collect(),
            _ => {
                let kind = v.attr("type").unwrap_or("text");
                if (kind == "checkbox" || kind == "radio") && v.attr("checked").is_none() {
                    continue;
                }
                if kind == "file" || kind == "submit" {
                    continue;
                }
                v.attr("value").unwrap_or("").to_string()
            }
        };
        out.push((name.to_string(), value));
    }
    out
}

pub(super) fn with(form: &[(String, String)], field: &str, value: &str) -> Form {
    let mut out: Form = form.iter().filter(|(k, _)| k != field).cloned().collect();
    out.push((field.to_string(), value.to_string()));
    out
}

pub(super) fn without(form: &[(String, String)], field: &str) -> Form {
    form.iter().filter(|(k, _)| k != field).cloned().collect()
}

pub(super) fn pairs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Post all forms at once; the statuses.
pub(super) async fn race(b: &Browser, path: &str, forms: &[Form]) -> Vec<Page> {
    futures_util::future::join_all(forms.iter().map(|f| async move {
        let p = pairs(f);
        b.post(path, &p).await
    }))
    .await
}

/// Exactly one 303, every other answer 409.
pub(super) fn one_winner(pages: &[Page]) {
    let statuses: Vec<u16> = pages.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 303 || *s == 409),
        "{statuses:?}"
    );
}

pub(super) fn audits(app: &TestApp, entity: &str, id: i32, action: &str) -> i64 {
    app.count(&format!(
        "audit_log WHERE entity = '{entity}' AND entity_id = {id} AND action = '{action}'"
    ))
}
