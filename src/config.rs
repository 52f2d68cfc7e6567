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
    /// Concurrent argon2 hashes at most (each takes ~19 MiB and a core). Half the cores by
    /// default: a burst of sign-ins never takes every core from the pages, and holds half the
    /// memory (two hashes at once on two cores were 38 MiB of a 108 MB peak, BENCHMARKS.md).
    pub max_concurrent_hashes: usize,
    pub clock: SharedClock,
    /// The outgoing reminder hook (off when nothing is configured).
    pub notify: NotifyConfig,
    /// Rotating backups taken by the running server (SQLite only; `None`: none).
    pub backup: Option<BackupSchedule>,
}

/// `--backup-dir`, `--backup-every-hours`, `--backup-keep`: every `every` the server copies
/// its SQLite database into `dir` (checked like `zuofeng backup`) and keeps the newest `keep`.
#[derive(Clone, Debug)]
pub struct BackupSchedule {
    pub dir: std::path::PathBuf,
    pub every: Duration,
    pub keep: usize,
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
                .map(|n| n.get() / 2)
                .unwrap_or(1)
                .max(1),
            clock: std::sync::Arc::new(SystemClock),
            notify: NotifyConfig::off(),
            backup: None,
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

/// Where the outgoing hook sends (`crate::notify`). Everything empty = the hook is off.
/// Kept here, next to the other settings, so that `notify` depends on `config` and not the
/// other way round.
#[derive(Clone, Debug)]
pub struct NotifyConfig {
    /// `smtp://host[:port]` plain SMTP (e.g. the intranet relay, port 25 by default),
    /// `smtp://host[:port]?tls=required` STARTTLS (587), `smtps://host[:port]` TLS from the
    /// first byte (465); `user:password@` before the host signs in. Certificates are checked
    /// against the Mozilla roots (webpki-roots).
    pub smtp_url: Option<String>,
    pub mail_from: Option<String>,
    /// Recipients of the e-mail (e.g. the office mailbox).
    pub mail_to: Vec<String>,
    /// 企业微信 / 钉钉 robot URL.
    pub webhook_url: Option<String>,
    /// Days before the due day when the reminder goes out.
    pub remind_days: u32,
    /// How often the sender looks for queued messages.
    pub outbox_poll: Duration,
    /// Attempts per message before it is given up (the row stays, with its last error).
    pub max_attempts: u32,
}

/// The channel names, as stored in `outbox.channel` and `reminders_sent.channel`.
pub const WEBHOOK: &str = "webhook";
pub const MAIL: &str = "mail";

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig::off()
    }
}

impl NotifyConfig {
    pub fn off() -> Self {
        NotifyConfig {
            smtp_url: None,
            mail_from: None,
            mail_to: Vec::new(),
            webhook_url: None,
            remind_days: 3,
            outbox_poll: Duration::from_secs(15),
            max_attempts: 8,
        }
    }

    /// Split a comma-separated list of addresses.
    pub fn parse_list(raw: &str) -> Vec<String> {
        raw.split([',', ';', '，'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    }

    pub fn mail_on(&self) -> bool {
        self.smtp_url.is_some() && !self.mail_to.is_empty()
    }

    pub fn webhook_on(&self) -> bool {
        self.webhook_url.is_some()
    }

    /// The channels that are configured ([`WEBHOOK`], [`MAIL`]).
    pub fn channels(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.webhook_on() {
            v.push(WEBHOOK);
        }
        if self.mail_on() {
            v.push(MAIL);
        }
        v
    }

    pub fn enabled(&self) -> bool {
        self.webhook_on() || self.mail_on()
    }
}

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/zuofeng.db";
