//! Hostile input at every door: NUL, control characters, bidi overrides, invalid UTF-8, 1 MB
//! strings, overflowing numbers and script, in every query parameter, path parameter and form
//! field (forms are taken from the pages as a browser would), anonymously, as a secretary and
//! as the office. Nothing may answer 5xx, script never comes back unescaped, and afterwards no
//! text column of the database holds a stripped character.

use std::collections::{BTreeSet, VecDeque};

use calamine::{Data, Reader};
use diesel::RunQueryDsl;
use zuofeng::xlsx::{self, col, Value};

use crate::helpers::*;

const SCRIPT: &str = "<script>alert(1)</script>";

/// Characters that must never be stored (besides NUL, which PostgreSQL cannot store at all).
const STRIPPED: &[char] = &[
    '\u{1}', '\u{7}', '\u{8}', '\u{B}', '\u{C}', '\u{1B}', '\u{1F}', '\u{7F}', '\u{85}', '\u{9F}',
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}',
];

/// Hostile values for text fields and query parameters (already decoded).
fn hostile(big: usize) -> Vec<String> {
    vec![
        "x".repeat(big),
        "a\u{0}b".into(),
        "\u{7}\u{1B}[31mc\u{202E}gnp.exe\u{85}\u{2066}".into(),
        "99999999999999999999".into(),
        "-1".into(),
        "1e309".into(),
        "NaN".into(),
        SCRIPT.into(),
    ]
}

/// GET pages and the query parameters their handlers read (src/routes/*/configure).
const PAGES: &[(&str, &[&str])] = &[
    ("/login", &["next"]),
    ("/home", &[]),
    (
        "/measures",
        &[
            "year", "unit", "style", "goal", "category", "carrier", "status", "light", "owner",
            "q", "sort", "page",
        ],
    ),
    ("/measures/export", &["year", "unit", "status", "q", "sort"]),
    ("/measures/new", &["year"]),
    ("/measures/import", &["year"]),
    ("/rect", &["year", "unit", "page"]),
    (
        "/rect/items",
        &["year", "unit", "area", "status", "light", "q", "page"],
    ),
    (
        "/rect/export",
        &["year", "unit", "area", "status", "light", "q"],
    ),
    ("/rect/tables/new", &["year"]),
    ("/rect/tables/export", &["year", "unit"]),
    ("/rect/extensions", &["status", "page"]),
    ("/rect/extensions/export", &["status"]),
    ("/reports", &["year", "month"]),
    ("/reports/export", &["year", "month"]),
    ("/reports/queue", &["year", "month"]),
    ("/reports/queue/export", &["year", "month"]),
    ("/topics", &["year", "unit", "state", "page"]),
    ("/topics/new", &["unit"]),
    ("/topics/export", &["year", "unit", "state"]),
    ("/topics/queue", &["year", "unit", "state", "page"]),
    ("/taskforce", &["year", "unit", "page"]),
    ("/taskforce/mine", &["year"]),
    ("/units", &["q", "page"]),
    ("/units/new", &["parent"]),
    ("/users", &["q", "role", "unit", "status", "page"]),
    ("/users/export", &["q", "role", "unit", "status"]),
    ("/users/new", &["unit"]),
    ("/audit", &["entity", "page"]),
    ("/audit/export", &["entity"]),
    ("/campaigns", &[]),
    ("/campaigns/new", &[]),
    ("/account/password", &[]),
];

/// Path patterns with parameters; `{}` takes hostile segments.
const PATHS: &[&str] = &[
    "/measures/{}",
    "/measures/{}/edit",
    "/rect/tables/{}",
    "/rect/tables/{}/export",
    "/rect/tables/{}/import",
    "/rect/items/{}",
    "/reports/{}",
    "/reports/{}/print",
    "/topics/{}",
    "/campaigns/{}",
    "/campaigns/2026/plans/{}",
    "/units/{}",
    "/users/{}/edit",
    "/attachments/{}",
    "/static/{}",
];

/// Raw path segments (percent-encoded as sent).
const SEGMENTS: &[&str] = &[
    "%00",
    "a%00b",
    "%FF%FE",
    "%E2%80%AE",
    "%07",
    "99999999999999999999",
    "-1",
    "1e309",
    "NaN",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
];

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Every answer: no 5xx, and script never echoed unescaped in a page.
fn check(what: &str, page: &Page) {
    assert!(
        page.status < 500,
        "{what} answered {}: {}",
        page.status,
        &page.body[..page.body.len().min(2000)]
    );
    let html = page
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        assert!(
            !page.body.contains(SCRIPT),
            "{what} echoed script unescaped"
        );
    }
}

/// A POST form as a browser would send it.
#[derive(Clone, Debug)]
struct Form {
    action: String,
    multipart: bool,
    fields: Vec<(String, String)>,
}

fn forms_in(body: &str) -> Vec<Form> {
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

fn filled(mut form: Form) -> Form {
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
async fn form_on(b: &Browser, path: &str, action: &str) -> Form {
    let page = b.get(path).await;
    forms_in(&page.body)
        .into_iter()
        .find(|f| f.action == action)
        .unwrap_or_else(|| panic!("no form to {action} on {path}: {}", page.body))
}

fn set(form: &mut Form, name: &str, value: &str) {
    match form.fields.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = value.to_string(),
        None => form.fields.push((name.to_string(), value.to_string())),
    }
}

fn urlencoded(fields: &[(String, String)]) -> Vec<u8> {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.finish().into_bytes()
}

/// A multipart body of the text fields and a file under `file_name`.
fn multipart_body(fields: &[(String, String)], file_name: &str, data: &[u8]) -> (String, Vec<u8>) {
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

async fn submit(b: &Browser, form: &Form) -> Page {
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
fn texts(app: &TestApp, sql: &str) -> Vec<String> {
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

fn is_pg(app: &TestApp) -> bool {
    app.database_url.starts_with("postgres")
}

/// Every (table, column) holding text, and how many rows hold a stripped character (or NUL).
fn dirty_text(app: &TestApp) -> Vec<String> {
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

/// Same-site pages linked from `body`, as paths.
fn links_in(body: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(body);
    let sel = scraper::Selector::parse("a[href]").expect("selector");
    doc.select(&sel)
        .filter_map(|a| a.value().attr("href"))
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .map(str::to_string)
        .collect()
}

/// `/measures/12?x=1` → `/measures/{n}`.
fn pattern(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    path.split('/')
        .map(|s| {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                "{n}"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Crawl from the table's pages (and `extra`), one page per path pattern, and collect every
/// POST form once per (action pattern, field names).
async fn crawl(b: &Browser, extra: &[String]) -> Vec<Form> {
    let mut queue: VecDeque<String> = PAGES.iter().map(|(p, _)| p.to_string()).collect();
    queue.extend(extra.iter().cloned());
    let mut seen_pages = BTreeSet::new();
    let mut seen_extra = BTreeSet::new();
    let mut seen_forms = BTreeSet::new();
    let mut forms = Vec::new();
    while let Some(path) = queue.pop_front() {
        let skip = path.contains("export")
            || path.contains("template")
            || path.starts_with("/static")
            || path.starts_with("/attachments/")
            || pattern(&path).starts_with("/users/{n}")
            || pattern(&path).starts_with("/units/{n}")
            || path.starts_with("/logout");
        // Pages of `extra` are visited once each, the others once per pattern.
        let first_of_pattern = seen_pages.insert(pattern(&path));
        let wanted = if extra.contains(&path) {
            seen_extra.insert(path.clone())
        } else {
            !skip && first_of_pattern
        };
        if !wanted {
            continue;
        }
        if seen_pages.len() > 200 {
            break;
        }
        let page = b.get(&path).await;
        check(&format!("GET {path}"), &page);
        if page.status != 200 {
            continue;
        }
        for f in forms_in(&page.body) {
            if f.action == "/logout" {
                continue;
            }
            let names: Vec<&str> = f.fields.iter().map(|(n, _)| n.as_str()).collect();
            let key = format!("{} {}", pattern(&f.action), names.join(","));
            if seen_forms.insert(key) {
                forms.push(filled(f));
            }
        }
        queue.extend(links_in(&page.body));
    }
    // Destructive forms last, so the others still find their records.
    forms.sort_by_key(|f| {
        [
            "disable", "delete", "close", "approve", "return", "submit", "accept",
        ]
        .iter()
        .any(|w| f.action.contains(w))
    });
    forms
}

/// Every query parameter of every page, every path parameter, every field of every form.
async fn attack(b: &Browser, who: &str, extra: &[String]) -> usize {
    let mut requests = 0;
    for (path, params) in PAGES {
        for param in *params {
            for v in hostile(10_000) {
                let url = format!("{path}?{param}={}", enc(&v));
                check(&format!("{who} GET {path}?{param}=…"), &b.get(&url).await);
                requests += 1;
            }
            let raw = format!("{path}?{param}=%FF%FE");
            let page = b.get(&raw).await;
            check(&format!("{who} GET {raw}"), &page);
            assert_eq!(page.status, 400, "{who} GET {raw}");
            requests += 1;
        }
    }
    for p in PATHS {
        for seg in SEGMENTS {
            let path = p.replace("{}", seg);
            check(&format!("{who} GET {path}"), &b.get(&path).await);
            requests += 1;
        }
    }
    let forms = crawl(b, extra).await;
    assert!(forms.len() >= 10, "{who}: only {} forms found", forms.len());
    let actions: Vec<String> = forms.iter().map(|f| pattern(&f.action)).collect();
    eprintln!("{who}: {} forms: {}", forms.len(), actions.join(" "));
    for form in &forms {
        // Invalid UTF-8 in the body (a field's raw bytes): refused as a whole.
        if !form.multipart {
            if let Some(i) = form.fields.iter().position(|(n, _)| n != "csrf_token") {
                for bad in [&b"%FF%FE"[..], b"\xff"] {
                    let mut f = form.clone();
                    f.fields.remove(i);
                    let mut raw = urlencoded(&f.fields);
                    raw.extend_from_slice(format!("&{}=", form.fields[i].0).as_bytes());
                    raw.extend_from_slice(bad);
                    let page = b
                        .post_body(&form.action, "application/x-www-form-urlencoded", raw)
                        .await;
                    check(&format!("{who} POST {} invalid UTF-8", form.action), &page);
                    assert_eq!(page.status, 400, "{who} POST {} invalid UTF-8", form.action);
                    requests += 1;
                }
            }
        }
        let mut first = true;
        for i in 0..form.fields.len() {
            // Each name once (ticked boxes share theirs); the token is checked elsewhere.
            let name = &form.fields[i].0;
            if name == "csrf_token" || form.fields[..i].iter().any(|(n, _)| n == name) {
                continue;
            }
            let baseline = &form.fields[i].1;
            let numeric = baseline.is_empty()
                || baseline
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-'));
            // 30,000 characters: past every field's limit (the longest takes 20,000).
            let mut values = hostile(30_000);
            if first {
                // One 1 MB value per form.
                values[0] = "x".repeat(1_000_000);
                first = false;
            }
            for (n, v) in values.into_iter().enumerate() {
                if (3..7).contains(&n) && !numeric {
                    continue;
                }
                let mut f = form.clone();
                f.fields[i].1 = v;
                let page = submit(b, &f).await;
                check(
                    &format!("{who} POST {} {}=<{n}>", form.action, form.fields[i].0),
                    &page,
                );
                requests += 1;
            }
        }
        if form.multipart {
            for name in [
                "a\u{0}b.pdf",
                "evil\u{202E}fdp.pdf",
                "\u{7}\u{1B}x.pdf",
                SCRIPT,
                &"长".repeat(5_000),
            ] {
                let (ct, body) = multipart_body(&form.fields, name, PDF);
                let page = b.post_body(&form.action, &ct, body).await;
                check(&format!("{who} POST {} file name", form.action), &page);
                requests += 1;
            }
            let mut body = multipart_body(&form.fields, "x.pdf", PDF).1;
            body.splice(0..0, b"--ZuofengFuzzBoundary93jf\r\nContent-Disposition: form-data; name=\"back\"\r\n\r\n\xff\xfe\r\n".iter().copied());
            let page = b
                .post_body(
                    &form.action,
                    "multipart/form-data; boundary=ZuofengFuzzBoundary93jf",
                    body,
                )
                .await;
            check(&format!("{who} POST {} invalid UTF-8", form.action), &page);
            requests += 1;
        }
    }
    requests
}

/// One record page per state of each register (each state shows other forms: submit,
/// approve, return, accept…), of one unit or of all.
fn records(app: &TestApp, unit: Option<i32>) -> Vec<String> {
    let only = unit.map_or(String::new(), |u| format!("WHERE unit_id = {u}"));
    let mut pages = Vec::new();
    for (table, state, path) in [
        ("monthly_reports", "state", "/reports/"),
        ("first_topics", "state", "/topics/"),
        ("rect_items", "status", "/rect/items/"),
        ("measures", "status", "/measures/"),
    ] {
        for id in texts(
            app,
            &format!("SELECT CAST(MIN(id) AS TEXT) AS v FROM {table} {only} GROUP BY {state}"),
        ) {
            pages.push(format!("{path}{id}"));
        }
    }
    for id in texts(
        app,
        &format!("SELECT CAST(MIN(id) AS TEXT) AS v FROM rect_tables {only}"),
    ) {
        pages.push(format!("/rect/tables/{id}/edit"));
    }
    pages
}

async fn hostile_input_never_breaks_the_server(app: TestApp) {
    let started = std::time::Instant::now();
    // Anonymous: the login form with every hostile name and password, and invalid UTF-8.
    let anon = app.browser();
    let mut login = form_on(&anon, "/login", "/login").await;
    set(&mut login, "username", "nosuchuser");
    set(&mut login, "password", "Wrong-pass-2026");
    for field in ["username", "password", "next"] {
        for v in hostile(1_000_000) {
            let mut f = login.clone();
            set(&mut f, field, &v);
            check(
                &format!("anonymous login {field}"),
                &submit(&anon, &f).await,
            );
        }
    }
    let mut f = login.clone();
    f.fields.retain(|(n, _)| n != "username");
    let mut raw = urlencoded(&f.fields);
    raw.extend_from_slice(b"&username=%FF%FE");
    let page = anon
        .post_body("/login", "application/x-www-form-urlencoded", raw)
        .await;
    assert_eq!(page.status, 400, "{}", page.body);
    page.assert_contains("UTF-8");

    let zhibu03 = app.user_id("zhibu03");
    let zb03_unit = texts(
        &app,
        &format!("SELECT CAST(unit_id AS TEXT) AS v FROM users WHERE id = {zhibu03}"),
    )
    .remove(0);
    let zb01_unit = app.unit_id("ZB01");
    let secretary = app.signed_in("zhibu01").await;
    // Records in the states whose forms the demo may not show: the month's draft report (its
    // save and submit forms), a pending extension request (the office's approve and refuse),
    // a disabled account (enable).
    let opened = secretary
        .post("/reports", &[("year", "2026"), ("month", "11")])
        .await;
    assert_eq!(opened.status, 303, "open the draft: {}", opened.body);
    let open_item = texts(
        &app,
        &format!(
            "SELECT CAST(MIN(id) AS TEXT) AS v FROM rect_items WHERE unit_id = {zb01_unit} \
             AND status IN ('not_started', 'in_progress', 'partial')"
        ),
    )
    .remove(0);
    secretary.get(&format!("/rect/items/{open_item}")).await;
    let asked = secretary
        .post(
            &format!("/rect/items/{open_item}/extensions"),
            &[
                ("new_deadline", "2027-03-31"),
                ("reason", "需要协调外部单位"),
            ],
        )
        .await;
    assert!(
        asked.status == 303 || asked.body.contains("已有待审批的延期申请"),
        "extension request: {} {}",
        asked.status,
        asked.body
    );
    let n1 = attack(&secretary, "zhibu01", &records(&app, Some(zb01_unit))).await;
    let office = app.signed_in("admin").await;
    let zhibu02 = app.user_id("zhibu02");
    let version = app.version("users", zhibu02);
    office
        .post(
            &format!("/users/{zhibu02}/disable"),
            &[("version", version.as_str())],
        )
        .await
        .assert_redirect(&format!("/users/{zhibu02}/edit"));
    let mut extra = records(&app, None);
    extra.extend([
        format!("/users/{zhibu03}/edit"),
        format!("/users/{zhibu02}/edit"),
        format!("/units/{zb03_unit}"),
        format!("/units/{zb03_unit}/edit"),
        "/rect/extensions".to_string(),
        "/reports/queue".to_string(),
    ]);
    let n2 = attack(&office, "admin", &extra).await;
    eprintln!("fuzz: {} requests in {:?}", n1 + n2, started.elapsed());
    assert_eq!(dirty_text(&app), Vec::<String>::new());
}

// ---------------------------------------------------------------------------------------------
// Finding 6: NUL gave a 500 on PostgreSQL (and was stored on SQLite).

async fn nul_bytes_are_stripped_not_500(app: TestApp) {
    // Anonymous sign-in with a NUL in the name: a wrong-password page, no 500.
    let anon = app.browser();
    let page = anon.login("zhibu01\u{0}", DEMO_PASSWORD).await;
    assert!(page.status < 500, "{}: {}", page.status, page.body);
    let page = anon.login("zhi\u{0}bu01", DEMO_PASSWORD).await;
    assert!(page.status < 500, "{}: {}", page.status, page.body);
    let b = app.signed_in("zhibu01").await;
    let page = b.get("/measures?q=%00").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let page = b.get("/measures?q=%E6%8F%90%00%E5%8D%87").await;
    assert_eq!(page.status, 200);
    // A measure titled with a NUL is stored without it.
    let mut form = form_on(&b, "/measures/new", "/measures").await;
    set(&mut form, "title", "公文\u{0}流转提速");
    set(&mut form, "owner", "李明");
    set(&mut form, "deadline", "2026-12-20");
    let page = submit(&b, &form).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(app.count("measures WHERE title = '公文流转提速'"), 1);
    assert_eq!(dirty_text(&app), Vec::<String>::new());
    let list = b.get("/measures?q=%E5%85%AC%E6%96%87%00").await;
    list.assert_contains("公文流转提速");
}

/// Invalid UTF-8 is a 400 with a Chinese page, never a stored U+FFFD.
async fn invalid_utf8_is_refused_and_nothing_stored(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let before = app.count("measures");
    let mut form = form_on(&b, "/measures/new", "/measures").await;
    set(&mut form, "owner", "李明");
    set(&mut form, "deadline", "2026-12-20");
    for bad in [&b"%FF%FE"[..], b"\xff\xfe", b"%C3%28", b"%ED%A0%80"] {
        let mut body = urlencoded(&form.fields);
        body.extend_from_slice(b"&title=");
        body.extend_from_slice(bad);
        let page = b
            .post_body("/measures", "application/x-www-form-urlencoded", body)
            .await;
        assert_eq!(page.status, 400, "{}", page.body);
        page.assert_contains("UTF-8");
        page.assert_contains("请求有误");
    }
    assert_eq!(app.count("measures"), before);
    let fffd = if is_pg(&app) {
        "measures WHERE strpos(title, chr(65533)) > 0"
    } else {
        "measures WHERE instr(title, char(65533)) > 0"
    };
    assert_eq!(app.count(fffd), 0);
    let page = b.get("/measures?q=%FF%FE").await;
    assert_eq!(page.status, 400);
    page.assert_contains("UTF-8");
    // A path segment with NUL or invalid UTF-8 is simply not found.
    for path in [
        "/campaigns/2026/plans/%00",
        "/measures/%FF",
        "/static/%00.css",
    ] {
        assert_eq!(b.get(path).await.status, 404, "{path}");
    }
}

/// Control characters and U+202E are not stored, in a title or in an uploaded file name;
/// line breaks survive only in long text.
async fn controls_and_bidi_overrides_are_not_stored(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let mut form = form_on(&b, "/measures/new", "/measures").await;
    set(&mut form, "title", "\u{202E}txt.exe\u{7}整改\r\n台账\u{85}");
    set(&mut form, "content", "第一行\r\n第二行\u{1B}[31m\t缩进");
    set(&mut form, "owner", "李\u{2066}明");
    set(&mut form, "deadline", "2026-12-20");
    let page = submit(&b, &form).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let id = texts(
        &app,
        "SELECT CAST(id AS TEXT) AS v FROM measures WHERE title LIKE 'txt.exe%'",
    );
    assert_eq!(id.len(), 1);
    let id = &id[0];
    assert_eq!(
        texts(
            &app,
            &format!("SELECT title AS v FROM measures WHERE id = {id}")
        ),
        ["txt.exe整改 台账"]
    );
    assert_eq!(
        texts(
            &app,
            &format!("SELECT content AS v FROM measures WHERE id = {id}")
        ),
        ["第一行\n第二行[31m\t缩进"]
    );
    assert_eq!(
        texts(
            &app,
            &format!("SELECT owner AS v FROM measures WHERE id = {id}")
        ),
        ["李明"]
    );
    // An uploaded file whose name reverses on screen.
    let token = b.csrf();
    let (ct, body) = multipart(
        &token,
        &[
            ("owner", "measure"),
            ("owner_id", id),
            ("back", &format!("/measures/{id}")),
        ],
        Some(("evil\u{202E}fdp.pdf", PDF)),
    );
    let page = b.post_body("/attachments", &ct, body).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        texts(
            &app,
            "SELECT file_name AS v FROM attachments WHERE file_name LIKE 'evil%'"
        ),
        ["evilfdp.pdf"]
    );
    let show = b.get(&format!("/measures/{id}")).await;
    show.assert_contains("evilfdp.pdf");
    show.assert_lacks("\u{202E}");
    assert_eq!(dirty_text(&app), Vec::<String>::new());
}

// ---------------------------------------------------------------------------------------------
// Finding 7: an audit entry longer than an Excel cell made /audit/export fail for good.

async fn audit_export_survives_a_huge_entry(app: TestApp) {
    let huge = format!("{{\"names\":\"{}\"}}", "单位".repeat(20_000));
    let mut conn = app.db.conn().expect("connection");
    diesel::sql_query(format!(
        "INSERT INTO audit_log (at, user_id, unit_id, action, entity, entity_id, summary, \
         before_json, after_json) VALUES ('2026-11-24 01:00:00', NULL, NULL, 'import', 'unit', \
         NULL, '旧版导入', NULL, '{huge}')"
    ))
    .execute(&mut *conn)
    .expect("insert");
    drop(conn);
    let b = app.signed_in("admin").await;
    let (status, _, bytes) = b.download("/audit/export").await;
    assert_eq!(status, 200);
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let range = book.worksheet_range_at(0).expect("sheet").expect("range");
    let cut: Vec<String> = range
        .rows()
        .flat_map(|r| r.iter())
        .filter_map(|c| match c {
            Data::String(s) if s.ends_with(xlsx::CUT_MARKER) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(cut.len(), 1);
    assert!(cut[0].starts_with("{\"names\":\"单位单位"));
    assert!(cut[0].encode_utf16().count() <= xlsx::CELL_LIMIT);
    assert!(cut[0].chars().count() > 32_000);
}

/// A 300-unit import leaves one audit entry of a few KB that still says what happened.
async fn a_large_import_is_audited_as_a_summary(app: TestApp) {
    let headers = [
        "单位编码",
        "单位名称",
        "上级单位编码",
        "组织类型",
        "单位类别",
        "排序号",
    ];
    let columns: Vec<_> = headers.iter().map(|h| col(h, 10.0)).collect();
    let rows: Vec<Vec<Value>> = (1..=300)
        .map(|i| {
            vec![
                Value::from(format!("IMP{i:03}")),
                Value::from(format!("导入测试第{i}党支部（工程咨询）")),
                Value::from("ZZ01"),
                Value::from("党支部"),
                Value::from("总部部室"),
                Value::from(""),
            ]
        })
        .collect();
    let file = xlsx::table("单位", "单位", &columns, &rows).expect("xlsx");
    let b = app.signed_in("admin").await;
    b.get("/units/import").await;
    let (ct, body) = multipart(&b.csrf(), &[], Some(("单位.xlsx", &file)));
    let page = b.post_body("/units/import", &ct, body).await;
    assert!(page.status < 400, "{}: {}", page.status, page.body);
    assert_eq!(app.count("units WHERE code LIKE 'IMP%'"), 300);
    let entry = texts(
        &app,
        "SELECT summary || '|' || COALESCE(after_json, '') AS v FROM audit_log \
         WHERE action = 'import' AND entity = 'unit'",
    );
    assert_eq!(entry.len(), 1);
    let entry = &entry[0];
    assert!(entry.len() < 4_096, "{} bytes: {entry}", entry.len());
    assert!(entry.contains("导入 300 个单位"), "{entry}");
    assert!(entry.contains("\"count\":300"), "{entry}");
    assert!(entry.contains("\"code\""), "{entry}");
    assert!(entry.contains("IMP001"), "{entry}");
    let (status, _, _) = b.download("/audit/export").await;
    assert_eq!(status, 200);
}

both!(
    nul_bytes_are_stripped_not_500,
    invalid_utf8_is_refused_and_nothing_stored,
    controls_and_bidi_overrides_are_not_stored,
    audit_export_survives_a_huge_entry,
    a_large_import_is_audited_as_a_summary,
);

both_with!(hostile_input_never_breaks_the_server, |s| {
    s.login_ip_burst = 10_000;
});
