//! A real browser driven the way a user drives it: Debian's chromedriver on a free port,
//! headless Chromium behind it, spoken to over WebDriver with the `fantoccini` client. For
//! stories that must hold in a browser (typing, choosing files, confirm dialogs, the page's
//! own script), and for screenshots of pages at a given width.
//!
//! Without chromedriver or Chromium the tests skip with a loud note, unless
//! `ZUOFENG_REQUIRE_BROWSER=1`, where they fail. chromedriver runs in its own process group
//! and the whole group (Chromium with it) is killed when the [`Driver`] is dropped, also when
//! the test panics.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::helpers::{random_suffix, TestApp, DEMO_PASSWORD};

/// chromedriver and Chromium, or `None` (with a note) when missing and not required.
pub fn chromedriver() -> Option<(PathBuf, PathBuf)> {
    let driver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .or_else(|| super::which("chromedriver"));
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    match (driver, chromium) {
        (Some(d), Some(c)) => Some((d, c)),
        _ => {
            if std::env::var("ZUOFENG_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
                panic!("chromedriver and Chromium are required (ZUOFENG_REQUIRE_BROWSER=1) but missing");
            }
            eprintln!("\n!!!!!!!! chromedriver or Chromium missing: SKIPPING this browser test (set ZUOFENG_REQUIRE_BROWSER=1 to fail instead)\n");
            None
        }
    }
}

/// A running chromedriver with one Chromium session.
pub struct Driver {
    pub client: Client,
    child: Child,
    profile: PathBuf,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Driver {
    /// Start chromedriver and a headless Chromium window of `width` × `height`; `None` when
    /// they are missing and not required.
    pub async fn start(width: u32, height: u32) -> Option<Driver> {
        let (driver, chromium) = chromedriver()?;
        let port = free_port();
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: dropping the driver kills chromedriver and every
            // Chromium process it started in one signal.
            .process_group(0)
            .spawn()
            .expect("start chromedriver");
        let profile = std::env::temp_dir().join(format!("zuofeng-chromium-{}", random_suffix()));
        // Owned from here: a panic below still kills the process group.
        let mut guard = Guard(Some(child), profile.clone());
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--no-first-run",
                    // No crash reporter: it would run outside the process group.
                    "--disable-crash-reporter",
                    "--disable-breakpad",
                    "--lang=zh-CN",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.display()),
                ],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&url)
            .await
            .expect("a WebDriver session with headless Chromium");
        let child = guard.0.take().expect("child");
        Some(Driver {
            client,
            child,
            profile,
        })
    }

    /// Sign in through the login form as a demo account.
    pub async fn sign_in(&self, app: &TestApp, username: &str) {
        let c = &self.client;
        c.goto(&format!("{}/login", app.addr))
            .await
            .expect("login page");
        c.find(Locator::Id("username"))
            .await
            .expect("username field")
            .send_keys(username)
            .await
            .expect("type username");
        c.find(Locator::Id("password"))
            .await
            .expect("password field")
            .send_keys(DEMO_PASSWORD)
            .await
            .expect("type password");
        c.find(Locator::Css("form[action=\"/login\"] button[type=submit]"))
            .await
            .expect("login button")
            .click()
            .await
            .expect("click login");
        let mut at = String::new();
        for _ in 0..100 {
            at = c.current_url().await.expect("url").path().to_string();
            if at != "/login" {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("still on {at} after signing in as {username}");
    }

    /// Replace the text of the field matching `css` with `text`, typed.
    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"));
        el.clear().await.expect("clear");
        el.send_keys(text).await.expect("type");
    }

    /// Click the element matching `css` and accept the confirmation it asks (`data-confirm`).
    pub async fn click_confirmed(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
        for _ in 0..40 {
            if self.client.accept_alert().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A PNG of the whole page at the window's width (the window is made as tall as the page).
    pub async fn screenshot_full(&self, width: u32) -> Vec<u8> {
        let c = &self.client;
        c.set_window_size(width, 900).await.expect("resize window");
        let h = c
            .execute("return document.documentElement.scrollHeight;", vec![])
            .await
            .expect("page height")
            .as_u64()
            .unwrap_or(900) as u32;
        c.set_window_size(width, h.max(300))
            .await
            .expect("resize window");
        c.screenshot().await.expect("screenshot")
    }
}

/// Kills chromedriver's process group (Chromium with it) and removes the profile, when
/// dropped: on every way out of a test.
struct Guard(Option<Child>, PathBuf);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            kill_group(child);
        }
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

fn kill_group(child: &mut Child) {
    // `kill -s KILL -- -<pgid>`: the group chromedriver leads (its id, `process_group(0)`).
    let _ = Command::new("kill")
        .args(["-s", "KILL", "--", &format!("-{}", child.id())])
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

impl Drop for Driver {
    fn drop(&mut self) {
        kill_group(&mut self.child);
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
