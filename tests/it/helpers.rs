//! `TestApp::spawn(Kind)` starts the portal on port 0 against its own throw-away database,
//! with the demo organisation and accounts and a clock the test controls. `Browser` is a
//! cookie-keeping client that remembers the last CSRF token it saw, like a real browser form.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::{Connection, RunQueryDsl};
use reqwest::cookie::{CookieStore, Jar};
use zuofeng::clock::FixedClock;
use zuofeng::config::Settings;
use zuofeng::db::Db;
use zuofeng::startup::Application;

pub const DEMO_PASSWORD: &str = "Demo-pass-2026";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// Run an async test body once per backend: `both!(name);` for `async fn name(app: TestApp)`.
#[macro_export]
macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        $(
        mod $name {
            use $crate::helpers::{Kind, TestApp};
            #[actix_web::test]
            async fn sqlite() {
                let app = TestApp::spawn(Kind::Sqlite).await.expect("sqlite app");
                super::$name(app).await;
            }
            #[actix_web::test]
            async fn postgres() {
                if let Some(app) = TestApp::spawn(Kind::Postgres).await {
                    super::$name(app).await;
                }
            }
        }
        )+
    };
}

/// Same, with settings changed before the app starts.
#[macro_export]
macro_rules! both_with {
    ($name:ident, $tweak:expr) => {
        mod $name {
            use $crate::helpers::{Kind, TestApp};
            #[actix_web::test]
            async fn sqlite() {
                let app = TestApp::spawn_with(Kind::Sqlite, $tweak)
                    .await
                    .expect("sqlite app");
                super::$name(app).await;
            }
            #[actix_web::test]
            async fn postgres() {
                if let Some(app) = TestApp::spawn_with(Kind::Postgres, $tweak).await {
                    super::$name(app).await;
                }
            }
        }
    };
}

enum Cleanup {
    SqliteDir(PathBuf),
    PgDatabase { admin_url: String, name: String },
}

pub struct TestApp {
    pub addr: String,
    pub db: Db,
    pub clock: Arc<FixedClock>,
    pub database_url: String,
    cleanup: Cleanup,
}

pub fn random_suffix() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..12)
        .map(|_| (b'a' + rng.random_range(0..26)) as char)
        .collect()
}

pub fn pg_admin_url() -> String {
    std::env::var("ZUOFENG_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/postgres?sslmode=disable".to_string())
}

pub fn start_time() -> NaiveDateTime {
    // A Tuesday morning in Beijing (02:00 UTC = 10:00 +08).
    chrono::NaiveDate::from_ymd_opt(2026, 11, 24)
        .and_then(|d| d.and_hms_opt(2, 0, 0))
        .expect("valid date")
}

impl TestApp {
    pub async fn spawn(kind: Kind) -> Option<TestApp> {
        Self::spawn_with(kind, |_| {}).await
    }

    pub async fn spawn_with(kind: Kind, tweak: impl FnOnce(&mut Settings)) -> Option<TestApp> {
        let (database_url, cleanup) = match kind {
            Kind::Sqlite => {
                let dir = std::env::temp_dir().join(format!("zuofeng-test-{}", random_suffix()));
                let url = format!("sqlite://{}/zuofeng.db", dir.display());
                (url, Cleanup::SqliteDir(dir))
            }
            Kind::Postgres => {
                let admin_url = pg_admin_url();
                let name = format!("zuofeng_test_{}", random_suffix());
                match diesel::PgConnection::establish(&admin_url) {
                    Ok(mut conn) => {
                        conn.batch_execute(&format!("CREATE DATABASE {name}"))
                            .expect("create test database");
                    }
                    Err(e) => {
                        if std::env::var("ZUOFENG_REQUIRE_PG").is_ok_and(|v| v == "1") {
                            panic!("PostgreSQL is required (ZUOFENG_REQUIRE_PG=1) but unreachable at {admin_url}: {e}");
                        }
                        eprintln!("\n!!!!!!!! PostgreSQL unreachable at {admin_url}: {e}\n!!!!!!!! SKIPPING the PostgreSQL variant of this test (set ZUOFENG_REQUIRE_PG=1 to fail instead)\n");
                        return None;
                    }
                }
                let mut url = url::Url::parse(&admin_url).expect("admin url");
                url.set_path(&name);
                (url.to_string(), Cleanup::PgDatabase { admin_url, name })
            }
        };
        let clock = Arc::new(FixedClock::new(start_time()));
        let mut settings = Settings::new("127.0.0.1:0", database_url.clone());
        settings.demo = true;
        settings.demo_password = Some(DEMO_PASSWORD.to_string());
        settings.clock = clock.clone();
        settings.max_concurrent_hashes = 2;
        tweak(&mut settings);
        let app = Application::build(settings).expect("application builds");
        let addr = format!("http://127.0.0.1:{}", app.port());
        let db = app.db().clone();
        actix_web::rt::spawn(app.into_server());
        Some(TestApp {
            addr,
            db,
            clock,
            database_url,
            cleanup,
        })
    }

    pub fn browser(&self) -> Browser {
        Browser::new(&self.addr)
    }

    /// Start a second instance of the portal on this app's database (as a second `zuofeng
    /// serve` behind a load balancer would be) and return its address. It shares nothing with
    /// the first but the database and the clock.
    pub fn second_instance(&self) -> String {
        let mut settings = Settings::new("127.0.0.1:0", self.database_url.clone());
        settings.demo = true;
        settings.demo_password = Some(DEMO_PASSWORD.to_string());
        settings.clock = self.clock.clone();
        settings.max_concurrent_hashes = 2;
        let app = Application::build(settings).expect("second instance builds");
        let addr = format!("http://127.0.0.1:{}", app.port());
        actix_web::rt::spawn(app.into_server());
        addr
    }

    /// A browser already signed in as a demo account.
    pub async fn signed_in(&self, username: &str) -> Browser {
        let b = self.browser();
        let res = b.login(username, DEMO_PASSWORD).await;
        assert_eq!(res.status, 303, "login of {username} failed: {}", res.body);
        // Like a browser following the redirect: pick up the new session's CSRF token.
        b.get("/home").await;
        b
    }

    pub fn advance(&self, by: chrono::Duration) {
        self.clock.advance(by);
    }

    /// Count rows with a raw SQL `SELECT COUNT(*) AS n FROM …` on the app's database.
    pub fn count(&self, sql_from_where: &str) -> i64 {
        use diesel::sql_types::BigInt;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let mut conn = self.db.conn().expect("connection");
        let row: N = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {sql_from_where}"))
            .get_result(&mut *conn)
            .expect("count query");
        row.n
    }

    /// The one integer a raw SQL query answers (`SELECT … AS v …`) on the app's database.
    pub fn int(&self, sql: &str) -> i32 {
        use diesel::sql_types::Integer;
        #[derive(diesel::QueryableByName)]
        struct V {
            #[diesel(sql_type = Integer)]
            v: i32,
        }
        let mut conn = self.db.conn().expect("connection");
        let row: V = diesel::sql_query(sql)
            .get_result(&mut *conn)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        row.v
    }

    /// The stored `version` of a row, as the hidden field of its edit form carries it.
    pub fn version(&self, table: &str, id: i32) -> String {
        use diesel::sql_types::Integer;
        #[derive(diesel::QueryableByName)]
        struct V {
            #[diesel(sql_type = Integer)]
            v: i32,
        }
        let mut conn = self.db.conn().expect("connection");
        let row: V = diesel::sql_query(format!("SELECT version AS v FROM {table} WHERE id = {id}"))
            .get_result(&mut *conn)
            .expect("version query");
        row.v.to_string()
    }

    /// Remove the demo's 第一议题 records and their trail, for tests that follow the workflow
    /// from an empty register (counts, empty states, empty queues).
    pub fn without_demo_topics(&self) {
        let mut conn = self.db.conn().expect("connection");
        conn.batch_execute(
            "DELETE FROM review_events WHERE entity = 'first_topic'; DELETE FROM first_topics;",
        )
        .expect("clear demo topics");
    }

    /// Remove the demo's issue-11 records (roster, activities with their attendance, surveys),
    /// for tests that start from an empty roster or register.
    pub fn without_demo_records(&self) {
        let mut conn = self.db.conn().expect("connection");
        conn.batch_execute(
            "DELETE FROM activity_attendance; DELETE FROM activities; DELETE FROM roster_people; \
             DELETE FROM surveys;",
        )
        .expect("clear demo records");
    }

    /// Id of a unit by its code.
    pub fn unit_id(&self, code: &str) -> i32 {
        let mut conn = self.db.conn().expect("connection");
        zuofeng::db::models::units::by_code(&mut conn, code)
            .expect("query")
            .unwrap_or_else(|| panic!("unit {code}"))
            .id
    }

    /// Id of a user by name.
    pub fn user_id(&self, username: &str) -> i32 {
        let mut conn = self.db.conn().expect("connection");
        zuofeng::db::models::users::by_username(&mut conn, username)
            .expect("query")
            .unwrap_or_else(|| panic!("user {username}"))
            .id
    }

    /// Run raw SQL statements without telling the app, outside any write transaction (a
    /// change made by hand in SQL): the database's write generation does not move, so what
    /// the app keeps until the next write stays kept. (Another instance's writes do move it:
    /// `instances::a_write_through_one_instance_shows_at_once_on_the_other`.)
    pub fn exec_unseen(&self, sql: &str) {
        let mut conn = self.db.conn().expect("connection");
        conn.batch_execute(sql)
            .unwrap_or_else(|e| panic!("{e}: {sql}"));
    }

    /// Run raw SQL statements (`;`-separated) on the app's database: test fixtures.
    pub fn exec(&self, sql: &str) {
        self.exec_unseen(sql);
        // As a write through the app would: what the app keeps until the next write is
        // read again.
        self.db.changed();
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteDir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::PgDatabase { admin_url, name } => {
                if let Ok(mut conn) = diesel::PgConnection::establish(admin_url) {
                    let _ =
                        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

/// What a request answered.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookie: Vec<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn assert_redirect(&self, to: &str) {
        assert_eq!(
            self.status, 303,
            "expected redirect to {to}, got {}: {}",
            self.status, self.body
        );
        assert_eq!(self.location.as_deref(), Some(to));
    }

    pub fn assert_contains(&self, text: &str) {
        assert!(
            self.body.contains(text),
            "page (status {}) lacks {text:?}:\n{}",
            self.status,
            self.body
        );
    }

    pub fn assert_lacks(&self, text: &str) {
        assert!(
            !self.body.contains(text),
            "page (status {}) has {text:?}:\n{}",
            self.status,
            self.body
        );
    }

    /// The page's own content, inside `<main>`: without the header (the user's name, unit and
    /// sign-out form) and the navigation, which error pages keep for a signed-in user.
    pub fn main(&self) -> String {
        let start = self.body.find("<main>").unwrap_or(0);
        let end = self.body.rfind("</main>").unwrap_or(self.body.len());
        self.body[start..end.max(start)].to_string()
    }

    /// The `value` of the input with this name, if present.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let doc = scraper::Html::parse_document(&self.body);
        let sel = scraper::Selector::parse(&format!("input[name=\"{name}\"]")).ok()?;
        doc.select(&sel)
            .next()?
            .value()
            .attr("value")
            .map(str::to_string)
    }
}

pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
    csrf: Mutex<String>,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Browser {
            base: base.to_string(),
            client,
            jar,
            csrf: Mutex::new(String::new()),
        }
    }

    /// The same browser (cookies, last form token) talking to another address: a second
    /// instance behind a load balancer (cookies do not depend on the port).
    pub fn at(&self, base: &str) -> Browser {
        Browser {
            base: base.to_string(),
            client: self.client.clone(),
            jar: self.jar.clone(),
            csrf: Mutex::new(self.csrf()),
        }
    }

    /// The Cookie header this browser would send now.
    pub fn cookie_header(&self) -> Option<String> {
        let url = self.base.parse().expect("url");
        self.jar
            .cookies(&url)
            .and_then(|v| v.to_str().ok().map(str::to_string))
    }

    pub fn csrf(&self) -> String {
        self.csrf.lock().expect("lock").clone()
    }

    async fn read(&self, res: reqwest::Response) -> Page {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let location = headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let set_cookie = headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        let body = res.text().await.unwrap_or_default();
        if let Some(token) = Page::token_in(&body) {
            *self.csrf.lock().expect("lock") = token;
        }
        Page {
            status,
            location,
            set_cookie,
            headers,
            body,
        }
    }

    /// GET a file (an export, an attachment): status, headers and the raw bytes.
    pub async fn download(&self, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let res = self
            .client
            .get(format!("{}{}", self.base, path))
            .send()
            .await
            .expect("GET");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        (status, headers, res.bytes().await.expect("bytes").to_vec())
    }

    pub async fn get(&self, path: &str) -> Page {
        let res = self
            .client
            .get(format!("{}{}", self.base, path))
            .send()
            .await
            .expect("GET");
        self.read(res).await
    }

    /// POST a form with the last CSRF token seen (fetching a page first if none yet).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        if self.csrf().is_empty() {
            let p = self.get("/login").await;
            if self.csrf().is_empty() {
                // Signed in already: /login redirects; any page has the token.
                let _ = p;
                self.get("/home").await;
            }
        }
        let token = self.csrf();
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// POST exactly these fields (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let res = self
            .client
            .post(format!("{}{}", self.base, path))
            .form(fields)
            .send()
            .await
            .expect("POST");
        self.read(res).await
    }

    /// POST a raw body with a content type.
    pub async fn post_body(&self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        let res = self
            .client
            .post(format!("{}{}", self.base, path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("POST");
        self.read(res).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Page {
        self.get("/login").await;
        self.post("/login", &[("username", username), ("password", password)])
            .await
    }
}

/// `POST /login` as zhibu01 with the given `Cookie` header and form token, outside any jar
/// (cookies a jar would not send, or would not hold: Secure ones over http, forged ones).
/// A write through the portal, whatever it is: `b` (the office) closes the first open
/// measure. Every write drops what the app keeps until the next write.
pub async fn a_write_through_the_portal(app: &TestApp, b: &Browser) {
    let closed = app.count("measures WHERE status = 'closed'");
    let id = app.int("SELECT id AS v FROM measures WHERE status <> 'closed' ORDER BY id LIMIT 1");
    b.post(&format!("/measures/{id}/close"), &[])
        .await
        .assert_redirect(&format!("/measures/{id}"));
    assert_eq!(app.count("measures WHERE status = 'closed'"), closed + 1);
}

pub async fn login_with_cookie(app: &TestApp, cookie: &str, token: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{}/login", app.addr))
        .header("cookie", cookie)
        .form(&[
            ("csrf_token", token),
            ("username", "zhibu01"),
            ("password", DEMO_PASSWORD),
        ])
        .send()
        .await
        .expect("POST")
}

impl Page {
    /// The form's csrf token on this page (empty when none).
    pub fn csrf_in_form(&self) -> String {
        Page::token_in(&self.body).unwrap_or_default()
    }

    fn token_in(body: &str) -> Option<String> {
        let marker = "name=\"csrf_token\" value=\"";
        let start = body.find(marker)? + marker.len();
        let end = body[start..].find('"')? + start;
        Some(body[start..end].to_string())
    }
}

/// A multipart form body (csrf_token first, like our forms), with an optional file part.
pub fn multipart(
    token: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> (String, Vec<u8>) {
    let boundary = "ZuofengBoundary7MA4YWxk";
    let mut body = Vec::new();
    let mut part = |name: &str, value: &[u8], file_name: Option<&str>| {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file_name {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    };
    part("csrf_token", token.as_bytes(), None);
    for (k, v) in fields {
        part(k, v.as_bytes(), None);
    }
    if let Some((name, data)) = file {
        part("file", data, Some(name));
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The smallest PDF the upload check accepts.
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n";

/// A sheet as the import templates lay it out: a title in row 1, the headers in row 2, data
/// from row 3 (an export has a filters line between title and headers).
pub fn template_sheet(
    columns: &[zuofeng::xlsx::Column],
    rows: &[Vec<zuofeng::xlsx::Value>],
) -> Vec<u8> {
    let f = zuofeng::xlsx::Formats::new();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "导入").expect("title");
    for (i, c) in columns.iter().enumerate() {
        ws.write_string(1, i as u16, c.header).expect("header");
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            zuofeng::xlsx::write_value(ws, r as u32 + 2, c as u16, v, &f).expect("cell");
        }
    }
    wb.save_to_buffer().expect("xlsx")
}

/// `/measures/12?x=1` → `/measures/{n}`.
pub fn pattern(path: &str) -> String {
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

/// Same-site pages linked from `body`, as paths.
pub fn links_in(body: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(body);
    let sel = scraper::Selector::parse("a[href]").expect("selector");
    doc.select(&sel)
        .filter_map(|a| a.value().attr("href"))
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .map(str::to_string)
        .collect()
}

/// `zuofeng serve` as a separate process on `database_url` (port picked by the system), with
/// extra environment; the child and its address (`127.0.0.1:PORT`, read from its start line).
pub fn serve_process(database_url: &str, env: &[(&str, &str)]) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_zuofeng"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            database_url,
        ])
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start zuofeng serve");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the start line");
    let addr = line
        .split("http://")
        .nth(1)
        .map(|s| s.trim().trim_end_matches('/').to_string())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    (child, addr)
}
