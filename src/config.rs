//! Run-time settings of the server. Built by the CLI from flags and environment variables;
//! tests build them directly.

use std::time::Duration;

use crate::clock::{SharedClock, SystemClock};

#[derive(Clone)]
pub struct Settings {
    /// Address to listen on, e.g. `127.0.0.1:8080` (port 0 picks a free port).
    pub bind: String,
    pub database_url: String,
    /// Master secret for signing session cookies (at least 32 bytes). When `None`, a secret is
    /// generated once and kept in the database, so every instance on it shares it.
    pub secret_key: Option<String>,
    /// Seed demo data on start.
    pub demo: bool,
    /// Password of the demo accounts; generated and printed when `None`.
    pub demo_password: Option<String>,
    /// Served behind TLS: cookie gets `Secure` and the `__Host-` prefix.
    pub secure_cookies: bool,
    /// Session ends after this long without a request.
    pub idle_timeout: Duration,
    /// Session ends this long after sign-in, whatever the activity.
    pub absolute_timeout: Duration,
    /// Wrong passwords in a row before an account waits.
    pub lockout_threshold: i32,
    /// How long a locked account waits.
    pub lockout_duration: Duration,
    /// Per-IP limit on `POST /login`: burst size, then one more every `login_ip_period`.
    pub login_ip_burst: u32,
    pub login_ip_period: Duration,
    /// Reverse proxies whose `X-Forwarded-For` is believed for the per-IP limit.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Concurrent argon2 hashes at most (each takes ~19 MiB and a core).
    pub max_concurrent_hashes: usize,
    pub clock: SharedClock,
    /// The outgoing reminder hook (off when nothing is configured).
    pub notify: crate::notify::NotifyConfig,
}

impl Settings {
    pub fn new(bind: impl Into<String>, database_url: impl Into<String>) -> Self {
        Settings {
            bind: bind.into(),
            database_url: database_url.into(),
            secret_key: None,
            demo: false,
            demo_password: None,
            secure_cookies: false,
            idle_timeout: Duration::from_secs(2 * 3600),
            absolute_timeout: Duration::from_secs(12 * 3600),
            lockout_threshold: 5,
            lockout_duration: Duration::from_secs(15 * 60),
            login_ip_burst: 200,
            login_ip_period: Duration::from_millis(500),
            trusted_proxies: Vec::new(),
            max_concurrent_hashes: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
                .max(1),
            clock: std::sync::Arc::new(SystemClock),
            notify: crate::notify::NotifyConfig::off(),
        }
    }

    pub fn cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            "__Host-zuofeng_session"
        } else {
            "zuofeng_session"
        }
    }

    /// The signed cookie carrying an anonymous visitor's CSRF token (see `auth::csrf`).
    pub fn csrf_cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            "__Host-zuofeng_csrf"
        } else {
            "zuofeng_csrf"
        }
    }
}

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/zuofeng.db";
