//! The crawl: every query parameter of every page, every path parameter, every field of every
//! form, with every hostile value, as anonymous, a secretary and the office.

use super::*;
use crate::helpers::{links_in, pattern};

use std::collections::{BTreeSet, VecDeque};

const SCRIPT: &str = "<script>alert(1)</script>";

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
            "year", "unit", "style", "goal", "category", "carrier", "lead", "status", "light",
            "owner", "q", "sort", "page",
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
    ("/reports", &["year", "month", "unit"]),
    ("/reports/export", &["year", "month", "unit"]),
    ("/dashboard", &["year", "month", "unit", "print"]),
    ("/dashboard/briefing.docx", &["year", "month", "unit"]),
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
    ("/roster", &["unit", "category", "status", "q", "page"]),
    ("/roster/export", &["unit", "category", "status", "q"]),
    ("/roster/new", &[]),
    ("/roster/import", &[]),
    (
        "/activities",
        &["year", "kind", "unit", "group", "tag", "page"],
    ),
    (
        "/activities/export",
        &["year", "kind", "unit", "group", "tag"],
    ),
    ("/activities/new", &[]),
    (
        "/activities/coverage",
        &["year", "group", "kind", "unit", "page"],
    ),
    (
        "/activities/coverage/export",
        &["year", "group", "kind", "unit"],
    ),
    ("/surveys", &["year", "unit", "method", "page"]),
    ("/surveys/export", &["year", "unit", "method"]),
    ("/surveys/new", &[]),
    ("/brands", &["status", "unit", "kind", "page"]),
    ("/brands/export", &["status", "unit", "kind"]),
    ("/brands/new", &[]),
    ("/brands/wall", &["status", "group"]),
    ("/assessment", &["year", "kind", "general", "state"]),
    ("/assessment/export", &["year", "kind", "general", "state"]),
    ("/assessment/scheme", &["year"]),
    ("/assessment/scheme/export", &["year"]),
    ("/assessment/scheme/new", &["year"]),
    (
        "/assessment/scores/queue",
        &["year", "unit", "state", "page"],
    ),
    (
        "/feedback",
        &[
            "channel", "category", "state", "unit", "overdue", "from", "to", "q", "page",
        ],
    ),
    (
        "/feedback/export",
        &[
            "channel", "category", "state", "unit", "overdue", "from", "to", "q",
        ],
    ),
    ("/feedback/new", &[]),
    ("/public/feedback", &[]),
    ("/public/feedback/track", &["code"]),
    ("/incentives", &["kind", "unit", "year", "q", "page"]),
    ("/incentives/export", &["kind", "unit", "year", "q"]),
    ("/incentives/new", &[]),
    ("/incentives/series", &["year"]),
    (
        "/incentives/referrals",
        &["state", "target", "unit", "q", "page"],
    ),
    ("/templates", &["area", "q", "inactive", "page"]),
    ("/templates/export", &["area", "q", "inactive"]),
    ("/templates/new", &["area"]),
    ("/templates/areas", &[]),
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
    "/roster/{}",
    "/roster/{}/edit",
    "/activities/{}",
    "/activities/{}/edit",
    "/activities/{}/attendance",
    "/surveys/{}",
    "/surveys/{}/edit",
    "/brands/{}",
    "/brands/{}/edit",
    "/brands/{}/logo",
    "/assessment/scores/{}",
    "/assessment/scores/{}/print",
    "/assessment/scheme/{}/tree",
    "/feedback/{}",
    "/incentives/{}",
    "/incentives/series/{}",
    "/incentives/referrals/{}",
    "/templates/{}",
    "/templates/{}/download",
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

both_with!(hostile_input_never_breaks_the_server, |s| {
    s.login_ip_burst = 10_000;
});
