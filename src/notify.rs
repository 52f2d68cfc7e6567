//! The optional outgoing reminder hook (DESIGN.md 2b), off by default: a webhook URL for
//! 企业微信 / 钉钉 robots (`{"msgtype":"text","text":{"content":…}}`) and/or e-mail over
//! SMTP to a fixed address list. Sending never blocks a request and never panics: it runs
//! on its own thread with a 10 s time-out, and each failure is logged.
//!
//! Triggers: N days before the campaign's due day, once per unit per month, a message
//! listing the branches that have not submitted the month's report (`run_due_reminders`,
//! called by a background task every ten minutes); and on every return of a monthly report
//! or a 第一议题 record (`Notifier::on_return`).

use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use crate::config::Settings;
use crate::db::models::campaigns;
use crate::db::schema::{monthly_reports, reminders_sent, units};
use crate::db::{Db, DbConn};
use crate::domain::org::UnitKind;
use crate::domain::review::ReviewState;
use crate::error::AppError;

const TIMEOUT: Duration = Duration::from_secs(10);

/// Where reminders go. Everything empty = the hook is off.
#[derive(Clone, Debug, Default)]
pub struct NotifyConfig {
    /// `smtp://host:port` (plain SMTP, e.g. the intranet relay).
    pub smtp_url: Option<String>,
    pub mail_from: Option<String>,
    /// Recipients of the e-mail (e.g. the office mailbox).
    pub mail_to: Vec<String>,
    /// 企业微信 / 钉钉 robot URL.
    pub webhook_url: Option<String>,
    /// Days before the due day when the reminder goes out.
    pub remind_days: u32,
}

impl NotifyConfig {
    pub fn off() -> Self {
        NotifyConfig {
            remind_days: 3,
            ..Default::default()
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

    fn mail_on(&self) -> bool {
        self.smtp_url.is_some() && !self.mail_to.is_empty()
    }

    fn webhook_on(&self) -> bool {
        self.webhook_url.is_some()
    }

    /// The channels that are configured, as stored in `reminders_sent.channel`.
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
}

pub const WEBHOOK: &str = "webhook";
pub const MAIL: &str = "mail";

#[derive(Clone, Debug)]
pub struct Notifier {
    cfg: NotifyConfig,
}

impl Notifier {
    pub fn new(cfg: NotifyConfig) -> Self {
        Notifier { cfg }
    }

    pub fn from_settings(settings: &Settings) -> Self {
        Notifier::new(settings.notify.clone())
    }

    pub fn enabled(&self) -> bool {
        !self.cfg.channels().is_empty()
    }

    /// Send on every configured channel, in the background; returns at once.
    pub fn send(&self, subject: &str, body: &str) {
        if !self.enabled() {
            return;
        }
        let cfg = self.cfg.clone();
        let (subject, body) = (subject.to_string(), body.to_string());
        let spawned = std::thread::Builder::new()
            .name("notify".into())
            .spawn(move || {
                for ch in cfg.channels() {
                    let _ = send_one(&cfg, ch, &subject, &body);
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "could not start the notify thread");
        }
    }

    /// Send on `channel` and wait for the outcome (without blocking the async executor).
    pub async fn send_on(&self, channel: &'static str, subject: &str, body: &str) -> bool {
        let cfg = self.cfg.clone();
        let (subject, body) = (subject.to_string(), body.to_string());
        let (tx, rx) = tokio::sync::oneshot::channel();
        let spawned = std::thread::Builder::new()
            .name("notify".into())
            .spawn(move || {
                let _ = tx.send(send_one(&cfg, channel, &subject, &body).is_ok());
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "could not start the notify thread");
            return false;
        }
        rx.await.unwrap_or(false)
    }

    /// A monthly report or 第一议题 record was returned: tell the hook.
    pub fn on_return(&self, unit_name: &str, what: &str, comment: &str) {
        let n = Notice::returned(unit_name, what, comment);
        self.send(&n.subject, &n.body);
    }
}

/// A message for the hook: subject and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub subject: String,
    pub body: String,
}

impl Notice {
    /// A monthly report or 第一议题 record was returned to its branch.
    pub fn returned(unit_name: &str, what: &str, comment: &str) -> Notice {
        Notice {
            subject: format!("【退回】{unit_name} {what}"),
            body: format!(
                "{unit_name}的{what}已被退回，请修改后重新提交。\n退回意见：{comment}\n（作风建设管理平台）"
            ),
        }
    }
}

/// Where changes queue their messages, built once from the settings and kept in `AppState`.
/// (Interface first: the queue table and its sender follow; for now it sends at once.)
#[derive(Clone, Debug)]
pub struct Outbox {
    notifier: Notifier,
}

impl Outbox {
    pub fn new(cfg: NotifyConfig) -> Self {
        Outbox {
            notifier: Notifier::new(cfg),
        }
    }

    /// Queue `notice` inside the caller's transaction (nothing when the hook is off).
    pub fn enqueue(
        &self,
        _conn: &mut DbConn,
        notice: &Notice,
        _now: chrono::NaiveDateTime,
    ) -> QueryResult<()> {
        self.notifier.send(&notice.subject, &notice.body);
        Ok(())
    }
}

/// Blocking: one message on one channel, errors logged.
fn send_one(cfg: &NotifyConfig, channel: &str, subject: &str, body: &str) -> Result<(), String> {
    let result = match channel {
        WEBHOOK => send_webhook(cfg, subject, body),
        MAIL => send_mail(cfg, subject, body),
        _ => Err(format!("unknown channel {channel}")),
    };
    match &result {
        Ok(()) => tracing::info!(channel, subject, "reminder sent"),
        Err(e) => tracing::warn!(channel, subject, error = %e, "reminder not sent"),
    }
    result
}

fn send_webhook(cfg: &NotifyConfig, subject: &str, body: &str) -> Result<(), String> {
    let url = cfg.webhook_url.as_deref().ok_or("no webhook url")?;
    let payload = serde_json::json!({
        "msgtype": "text",
        "text": { "content": format!("{subject}\n{body}") },
    });
    let client = reqwest::blocking::Client::builder()
        .timeout(TIMEOUT)
        .build()
        .map_err(|e| e.to_string())?;
    let res = client
        .post(url)
        .json(&payload)
        .send()
        .map_err(|e| e.to_string())?;
    if res.status().is_success() {
        Ok(())
    } else {
        Err(format!("webhook answered {}", res.status()))
    }
}

/// Host and port of `smtp://host:port` (port 25 when absent).
fn smtp_host_port(raw: &str) -> Result<(String, u16), String> {
    let url = url::Url::parse(raw).map_err(|e| format!("bad SMTP url: {e}"))?;
    if url.scheme() != "smtp" {
        return Err("SMTP url must start with smtp://".into());
    }
    let host = url.host_str().ok_or("SMTP url lacks a host")?.to_string();
    Ok((host, url.port().unwrap_or(25)))
}

fn send_mail(cfg: &NotifyConfig, subject: &str, body: &str) -> Result<(), String> {
    use lettre::message::header::ContentType;
    use lettre::{Message, SmtpTransport, Transport};
    let (host, port) = smtp_host_port(cfg.smtp_url.as_deref().ok_or("no SMTP url")?)?;
    let from = cfg
        .mail_from
        .as_deref()
        .unwrap_or("zuofeng@localhost")
        .parse()
        .map_err(|e| format!("bad sender address: {e}"))?;
    let mut msg = Message::builder().from(from).subject(subject);
    for to in &cfg.mail_to {
        msg = msg.to(to.parse().map_err(|e| format!("bad address {to}: {e}"))?);
    }
    // 8bit keeps the Chinese text readable in the message source (lettre would pick base64);
    // it needs CRLF line ends and short lines, else the automatic encoding is used.
    let crlf = body.replace("\r\n", "\n").replace('\n', "\r\n");
    let body = if crlf
        .split("\r\n")
        .all(|l| l.len() <= 900 && !l.contains(['\0', '\r']))
    {
        lettre::message::Body::dangerous_pre_encoded(
            crlf.into_bytes(),
            lettre::message::header::ContentTransferEncoding::EightBit,
        )
    } else {
        lettre::message::Body::new(body.to_string())
    };
    let msg = msg
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| e.to_string())?;
    let transport = SmtpTransport::builder_dangerous(host)
        .port(port)
        .timeout(Some(TIMEOUT))
        .build();
    transport.send(&msg).map(|_| ()).map_err(|e| e.to_string())
}

// ---------------------------------------------------------------- due-day reminders

pub const KIND_DUE: &str = "report_due";

/// Branches (in tree order) that have not submitted the report of `year`/`month`.
pub fn branches_not_reported(
    conn: &mut DbConn,
    year: i32,
    month: i32,
) -> QueryResult<Vec<(i32, String)>> {
    let submitted = monthly_reports::table
        .filter(monthly_reports::year.eq(year))
        .filter(monthly_reports::month.eq(month))
        .filter(monthly_reports::state.ne(ReviewState::Draft.code()))
        .select(monthly_reports::unit_id);
    units::table
        .filter(units::kind.eq(UnitKind::Branch.code()))
        .filter(units::active.eq(true))
        .filter(units::id.ne_all(submitted))
        .order((units::path, units::sort_order, units::id))
        .select((units::id, units::name))
        .load(conn)
}

/// Send the due-day reminder if today is `remind_days` (or fewer) before this month's due
/// day and it has not gone out yet on a channel. Returns how many messages were sent.
/// Each (unit, month, channel) is claimed in a write transaction before sending, so two
/// instances never send the same reminder; the unit of the row is the root (the message
/// covers every branch not yet reported).
pub async fn run_due_reminders(
    db: &Db,
    settings: &Settings,
    notifier: &Notifier,
    today: NaiveDate,
) -> Result<usize, AppError> {
    let channels = notifier.cfg.channels();
    if channels.is_empty() {
        return Ok(0);
    }
    let days = i64::from(settings.notify.remind_days);
    let now = settings.clock.now();
    let claimed = db
        .write(move |c| {
            let Some(campaign) = campaigns::by_year(c, today.year())? else {
                return Ok(None);
            };
            let Some(due) = campaign.due_date(today.month()) else {
                return Ok(None);
            };
            let left = (due - today).num_days();
            if !(0..=days).contains(&left) {
                return Ok(None);
            }
            let missing = branches_not_reported(c, today.year(), today.month() as i32)?;
            if missing.is_empty() {
                return Ok(None);
            }
            let root: i32 = units::table
                .filter(units::parent_id.is_null())
                .order(units::id)
                .select(units::id)
                .first(c)?;
            let period = format!("{:04}-{:02}", today.year(), today.month());
            let mut mine = Vec::new();
            for ch in channels {
                let done: i64 = reminders_sent::table
                    .filter(reminders_sent::kind.eq(KIND_DUE))
                    .filter(reminders_sent::unit_id.eq(root))
                    .filter(reminders_sent::period.eq(&period))
                    .filter(reminders_sent::channel.eq(ch))
                    .count()
                    .get_result(c)?;
                if done == 0 {
                    diesel::insert_into(reminders_sent::table)
                        .values((
                            reminders_sent::kind.eq(KIND_DUE),
                            reminders_sent::unit_id.eq(root),
                            reminders_sent::period.eq(&period),
                            reminders_sent::channel.eq(ch),
                            reminders_sent::sent_at.eq(now),
                        ))
                        .execute(c)?;
                    mine.push(ch);
                }
            }
            Ok(Some((mine, due, missing)))
        })
        .await?;
    let Some((mine, due, missing)) = claimed else {
        return Ok(0);
    };
    let names: Vec<&str> = missing.iter().map(|(_, n)| n.as_str()).collect();
    let subject = format!(
        "【月度调度提醒】{}月报告将于 {} 截止",
        due.month(),
        due.format("%Y-%m-%d")
    );
    let body = format!(
        "以下 {} 个支部尚未提交{}年{}月的月度调度报告，请于 {} 前提交：\n{}\n（作风建设管理平台）",
        names.len(),
        due.year(),
        due.month(),
        due.format("%Y-%m-%d"),
        names.join("、")
    );
    let mut sent = 0;
    for ch in mine {
        if notifier.send_on(ch, &subject, &body).await {
            sent += 1;
        }
    }
    Ok(sent)
}

/// Every ten minutes, send the due-day reminders that are due (nothing when the hook is off).
pub fn spawn_reminder_task(db: Db, settings: Settings) {
    let notifier = Notifier::from_settings(&settings);
    if !notifier.enabled() {
        return;
    }
    actix_web::rt::spawn(async move {
        // The first run a minute after start (the server is up and taking requests by then).
        let start = actix_web::rt::time::Instant::now() + Duration::from_secs(60);
        let mut tick = actix_web::rt::time::interval_at(start, Duration::from_secs(600));
        loop {
            tick.tick().await;
            let today = settings.clock.today();
            if let Err(e) = run_due_reminders(&db, &settings, &notifier, today).await {
                tracing::warn!(error = %e, "due-day reminders failed");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls() {
        assert_eq!(
            smtp_host_port("smtp://127.0.0.1:2525"),
            Ok(("127.0.0.1".into(), 2525))
        );
        assert_eq!(
            smtp_host_port("smtp://mail.example"),
            Ok(("mail.example".into(), 25))
        );
        assert!(smtp_host_port("http://x").is_err());
    }

    #[test]
    fn address_lists() {
        assert_eq!(
            NotifyConfig::parse_list("a@x.cn, b@x.cn，;"),
            vec!["a@x.cn".to_string(), "b@x.cn".to_string()]
        );
    }

    #[test]
    fn off_by_default() {
        assert!(!Notifier::new(NotifyConfig::off()).enabled());
    }
}
