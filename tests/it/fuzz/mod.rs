//! Hostile input at every door: NUL, control characters, bidi overrides, invalid UTF-8, 1 MB
//! strings, overflowing numbers and script, in every query parameter, path parameter and form
//! field (forms are taken from the pages as a browser would), anonymously, as a secretary and
//! as the office. Nothing may answer 5xx, script never comes back unescaped, and afterwards no
//! text column of the database holds a stripped character.
//! The shared helpers (forms as a browser sends them, the stripped-character check of the
//! database) are here; the stories are in the files below, by theme.

use diesel::RunQueryDsl;

use crate::helpers::*;

mod audit;
mod characters;
mod crawl;

/// Characters that must never be stored (besides NUL, which PostgreSQL cannot store at all).
const STRIPPED: &[char] = &[
    '\u{1}', '\u{7}', '\u{8}', '\u{B}', '\u{C}', '\u{1B}', '\u{1F}', '\u{7F}', '\u{85}', '\u{9F}',
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}',
];

/// A POST form as a browser would send it.
#[derive(Clone, Debug)]
pub(super) struct Form {
    action: String,
    multipart: bool,
    fields: Vec<(String, String)>,
}

pub(super) fn forms_in(body: &str) -> Vec<Form> {
    let doc = scraper::Html::parse_document(body);
    let form_sel = scraper::Selector::parse("form").expect("selector");
    let field_sel =
        scraper::Selector::parse("input[name], select[name], textarea[name], button[name]")
            .expect("selector");
    let option_sel = scraper::Selector::parse("option").expect("selector");
    let mut out = Vec::new();
    for f in doc.select(&form_sel) {
        let method = f.value().attr("method").unwrap_or("get");
        if !method.eq_ignore_ascii_case("post") {
            continue;
        }
        let Some(action) = f.value().attr("action") else {
            continue;
        };
        let multipart = f
            .value()
            .attr("enctype")
            .is_some_and(|e| e.contains("multipart"));
        let mut fields: Vec<(String, String)> = Vec::new();
        for el in f.select(&field_sel) {
            let v = el.value();
            let name = v.attr("name").unwrap_or_default().to_string();
            let value = match v.name() {
                "input" => {
                    let kind = v.attr("type").unwrap_or("text").to_ascii_lowercase();
                    if matches!(kind.as_str(), "file" | "submit" | "reset" | "image") {
                        continue;
                    }
                    if kind == "radio" && fields.iter().any(|(n, _)| *n == name) {
                        continue;
                    }
                    v.attr("value")
                        .unwrap_or(if kind == "checkbox" { "on" } else { "" })
                        .to_string()
                }
                "select" => {
                    let options: Vec<_> = el.select(&option_sel).collect();
                    let chosen = options
                        .iter()
                        .find(|o| o.value().attr("selected").is_some())
                        .or(options.first());
                    chosen
                        .map(|o| {
                            o.value()
                                .attr("value")
                                .map(str::to_string)
                                .unwrap_or_else(|| o.text().collect())
                        })
                        .unwrap_or_default()
                }
                "textarea" => el.text().collect(),
                _ => {
                    if fields.iter().any(|(n, _)| *n == name) {
                        continue;
                    }
                    v.attr("value").unwrap_or_default().to_string()
                }
            };
            fields.push((name, value));
        }
        // A button with its own `formaction` (提交审核 beside 保存, 不批准 beside 批准) sends the
        // same fields elsewhere.
        let button_sel = scraper::Selector::parse("button[formaction]").expect("selector");
        for other in f
            .select(&button_sel)
            .filter_map(|b| b.value().attr("formaction"))
        {
            out.push(Form {
                action: other.to_string(),
                multipart,
                fields: fields.clone(),
            });
        }
        out.push(Form {
            action: action.to_string(),
            multipart,
            fields,
        });
    }
    out
}

/// Values for fields a page leaves empty, so that each hostile value meets a form that is
/// otherwise valid and goes as far as the database.
const FILL: &[(&str, &str)] = &[
    ("title", "测试标题"),
    ("content", "测试内容"),
    ("owner", "李明"),
    ("indicator", "按期办结率"),
    ("target_value", "98"),
    ("target_unit", "%"),
    ("deadline", "2026-12-20"),
    ("new_deadline", "2026-12-30"),
    ("progress", "30"),
    ("name", "测试单位"),
    ("code", "FZ01"),
    ("sort_order", "9"),
    ("username", "fuzzuser"),
    ("display_name", "测试用户"),
    ("password", "Fuzz-pass-2026"),
    ("current", "Wrong-pass-2026"),
    ("new", "Fuzz-pass-2027"),
    ("confirm", "Fuzz-pass-2027"),
    ("topic", "学习习近平总书记重要讲话"),
    ("meeting_date", "2026-11-20"),
    ("attendance", "12"),
    ("absent", "0"),
    ("materials", "会议材料"),
    ("notes", "会议记录"),
    ("problem", "存在问题"),
    ("cause", "原因分析"),
    ("measure", "整改措施"),
    ("requirement", "整改要求"),
    ("responsible", "王强"),
    ("source", "巡察反馈"),
    ("reason", "延期理由"),
    ("comment", "审核意见"),
    ("highlights", "工作亮点"),
    ("problems", "存在问题"),
    ("next_plan", "下步计划"),
    ("description", "说明"),
];

pub(super) fn filled(mut form: Form) -> Form {
    for (name, value) in form.fields.iter_mut() {
        if value.is_empty() {
            if let Some((_, v)) = FILL.iter().find(|(n, _)| n == name) {
                *value = v.to_string();
            } else if name.starts_with("work_") {
                *value = "本月工作".into();
            }
        }
    }
    form
}

/// The first form posting to `action` on `path`.
pub(super) async fn form_on(b: &Browser, path: &str, action: &str) -> Form {
    let page = b.get(path).await;
    forms_in(&page.body)
        .into_iter()
        .find(|f| f.action == action)
        .unwrap_or_else(|| panic!("no form to {action} on {path}: {}", page.body))
}

pub(super) fn set(form: &mut Form, name: &str, value: &str) {
    match form.fields.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = value.to_string(),
        None => form.fields.push((name.to_string(), value.to_string())),
    }
}

pub(super) fn urlencoded(fields: &[(String, String)]) -> Vec<u8> {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.finish().into_bytes()
}

/// A multipart body of the text fields and a file under `file_name`.
pub(super) fn multipart_body(
    fields: &[(String, String)],
    file_name: &str,
    data: &[u8],
) -> (String, Vec<u8>) {
    let boundary = "ZuofengFuzzBoundary93jf";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(v.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub(super) async fn submit(b: &Browser, form: &Form) -> Page {
    if form.multipart {
        let (ct, body) = multipart_body(&form.fields, "证明材料.pdf", PDF);
        b.post_body(&form.action, &ct, body).await
    } else {
        b.post_body(
            &form.action,
            "application/x-www-form-urlencoded",
            urlencoded(&form.fields),
        )
        .await
    }
}

/// Text values of a one-column `SELECT … AS v` query.
pub(super) fn texts(app: &TestApp, sql: &str) -> Vec<String> {
    use diesel::sql_types::{Nullable, Text};
    #[derive(diesel::QueryableByName)]
    struct V {
        #[diesel(sql_type = Nullable<Text>)]
        v: Option<String>,
    }
    let mut conn = app.db.conn().expect("connection");
    diesel::sql_query(sql)
        .load::<V>(&mut *conn)
        .expect("query")
        .into_iter()
        .filter_map(|r| r.v)
        .collect()
}

pub(super) fn is_pg(app: &TestApp) -> bool {
    app.database_url.starts_with("postgres")
}

/// Every (table, column) holding text, and how many rows hold a stripped character (or NUL).
pub(super) fn dirty_text(app: &TestApp) -> Vec<String> {
    let columns: Vec<String> = if is_pg(app) {
        texts(
            app,
            "SELECT table_name || '.' || column_name AS v FROM information_schema.columns \
             WHERE table_schema = 'public' AND data_type IN ('text', 'character varying') \
             AND table_name NOT LIKE '__diesel%'",
        )
    } else {
        texts(
            app,
            "SELECT m.name || '.' || p.name AS v FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%' AND m.name NOT LIKE '__diesel%' \
             AND upper(p.type) IN ('TEXT', 'VARCHAR', '')",
        )
    };
    assert!(columns.len() > 20, "found only {columns:?}");
    let mut dirty = Vec::new();
    for tc in columns {
        let (table, column) = tc.split_once('.').expect("table.column");
        let mut conds: Vec<String> = STRIPPED
            .iter()
            .map(|c| {
                if is_pg(app) {
                    format!("strpos({column}, chr({})) > 0", *c as u32)
                } else {
                    let mut buf = [0u8; 4];
                    let hex: String = c
                        .encode_utf8(&mut buf)
                        .bytes()
                        .map(|b| format!("{b:02X}"))
                        .collect();
                    format!("instr(CAST({column} AS BLOB), X'{hex}') > 0")
                }
            })
            .collect();
        if !is_pg(app) {
            conds.push(format!("instr(CAST({column} AS BLOB), X'00') > 0"));
        }
        let n = app.count(&format!("{table} WHERE {}", conds.join(" OR ")));
        if n > 0 {
            dirty.push(format!("{table}.{column}: {n} rows"));
        }
    }
    dirty
}
