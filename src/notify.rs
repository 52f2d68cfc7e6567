//! The optional outgoing hook (DESIGN.md 2b), off by default: a webhook URL for
//! 企业微信 / 钉钉 robots (`{"msgtype":"text","text":{"content":…}}`) and/or e-mail over
//! SMTP (plain, STARTTLS or TLS) to a fixed address list.
//!
//! Messages go through an outbox: a change queues its [`Notice`] with [`Outbox::enqueue`]
//! inside its own write transaction, one `outbox` row per configured channel, so nothing goes
//! out for a change that rolled back and nothing is lost when the process dies after the
//! commit. A background task ([`spawn_outbox_tasks`]) calls [`deliver_due`] every
//! `outbox_poll`: it claims each due row with a guarded `UPDATE` (one instance wins it), sends
//! it on a blocking thread with a 10 s time-out, and marks it sent — or counts the failed
//! attempt, keeps the error and tries again after a back-off (1 min, doubling, at most 1 h),
//! giving up after `max_attempts`. A channel that succeeded is not sent again when the other
//! one fails.
//!
//! Triggers: N days before the campaign's due day, once per unit per month, a message
//! listing the branches that have not submitted the month's report (`run_due_reminders`,
//! every ten minutes); and on every return of a monthly report or a 第一议题 record
//! ([`Notice::returned`]); and when the office or a general branch urges branches to submit
//! (催报, [`Notice::urged`]).

use std::time::Duration;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::config::{NotifyConfig, Settings, MAIL, WEBHOOK};
use crate::db::models::campaigns;
use crate::db::models::outbox as queue;
use crate::db::schema::{monthly_reports, reminders_sent, units};
use crate::db::{Db, DbConn};
use crate::domain::org::UnitKind;
use crate::domain::review::ReviewState;
use crate::error::AppError;

const TIMEOUT: Duration = Duration::from_secs(10);

/// The wait after the first failed attempt; it doubles after each further one.
pub const RETRY_FIRST: chrono::Duration = chrono::Duration::minutes(1);
/// The longest wait between two attempts.
pub const RETRY_MAX: chrono::Duration = chrono::Duration::hours(1);
/// How long a sender holds a claimed row: far longer than one send (time-outs of 10 s per
/// step), so another instance takes it over only when the holder died.
pub const CLAIM_LEASE: chrono::Duration = chrono::Duration::minutes(5);
/// Rows looked at per query.
const BATCH: i64 = 20;

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

    /// The office (or a general branch), `from`, urged these branches (催报) to submit their
    /// report of `year`/`month`, due on `due`.
    pub fn urged(from: &str, year: i32, month: i32, due: NaiveDate, branches: &[&str]) -> Notice {
        Notice {
            subject: format!("【催报】请尽快提交{year}年{month}月月度调度"),
            body: format!(
                "{from}催报：以下 {} 个支部尚未提交{year}年{month}月的月度调度（报送截止 {}），请尽快提交：\n{}\n（作风建设管理平台）",
                branches.len(),
                due.format("%Y-%m-%d"),
                branches.join("、")
            ),
        }
    }

    /// The month's report is due on `due` and these branches have not submitted it.
    pub fn due(due: NaiveDate, branches: &[&str]) -> Notice {
        Notice {
            subject: format!(
                "【月度调度提醒】{}月报告将于 {} 截止",
                due.month(),
                due.format("%Y-%m-%d")
            ),
            body: format!(
                "以下 {} 个支部尚未提交{}年{}月的月度调度报告，请于 {} 前提交：\n{}\n（作风建设管理平台）",
                branches.len(),
                due.year(),
                due.month(),
                due.format("%Y-%m-%d"),
                branches.join("、")
            ),
        }
    }
}

/// Where changes queue their messages, built once from the settings and kept in `AppState`.
#[derive(Clone, Debug)]
pub struct Outbox {
    cfg: NotifyConfig,
}

impl Outbox {
    pub fn new(cfg: NotifyConfig) -> Self {
        Outbox { cfg }
    }

    pub fn config(&self) -> &NotifyConfig {
        &self.cfg
    }

    /// Whether any channel is configured.
    pub fn enabled(&self) -> bool {
        self.cfg.enabled()
    }

    /// Queue `notice` inside the caller's transaction: one row per configured channel, due at
    /// `now` (nothing when the hook is off). Sent by [`deliver_due`] after the commit.
    pub fn enqueue(
        &self,
        conn: &mut DbConn,
        notice: &Notice,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        for channel in self.cfg.channels() {
            queue::insert(conn, channel, &notice.subject, &notice.body, now)?;
        }
        Ok(())
    }
}

/// What one [`deliver_due`] run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Messages that went out.
    pub sent: usize,
    /// Failed attempts (the row waits for its next attempt, or was given up).
    pub failed: usize,
}

/// The wait before the next attempt after `attempts` failed ones: 1 min, 2, 4, … at most 1 h.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 16) as u32;
    (RETRY_FIRST * 2i32.pow(doublings)).min(RETRY_MAX)
}

/// Send the queued messages that are due at `now`. Each row is claimed first with a guarded
/// `UPDATE` (so two senders, in this process or in another instance on the same database,
/// never both send it), then sent on a blocking thread, then marked sent or failed.
pub async fn deliver_due(
    db: &Db,
    outbox: &Outbox,
    now: NaiveDateTime,
) -> Result<Delivered, AppError> {
    let mut done = Delivered::default();
    let max_attempts = i32::try_from(outbox.cfg.max_attempts.max(1)).unwrap_or(i32::MAX);
    loop {
        let ids = db.run(move |c| Ok(queue::due_ids(c, now, BATCH)?)).await?;
        let full = ids.len() as i64 == BATCH;
        let mut claimed_any = false;
        for id in ids {
            let claim = db
                .run(move |c| Ok(queue::claim(c, id, now, now + CLAIM_LEASE)?))
                .await?;
            let Some(row) = claim else {
                continue;
            };
            claimed_any = true;
            let cfg = outbox.cfg.clone();
            let (channel, subject, body) = (row.channel.clone(), row.subject, row.body);
            let result = actix_web::web::block(move || send_one(&cfg, &channel, &subject, &body))
                .await
                .unwrap_or_else(|e| Err(format!("sender thread failed: {e}")));
            let attempts = row.attempts + 1;
            let marked = match result {
                Ok(()) => {
                    done.sent += 1;
                    db.run(move |c| Ok(queue::mark_sent(c, id, now)?)).await?
                }
                Err(error) => {
                    done.failed += 1;
                    let retry_at = (attempts < max_attempts).then(|| now + backoff(attempts));
                    if retry_at.is_none() {
                        tracing::warn!(
                            id,
                            channel = row.channel,
                            attempts,
                            error,
                            "outbox message given up"
                        );
                    }
                    db.run(move |c| Ok(queue::mark_failed(c, id, now, &error, retry_at)?))
                        .await?
                }
            };
            if marked != 1 {
                tracing::warn!(id, "outbox row was finished by another sender meanwhile");
            }
        }
        if !claimed_any || !full {
            return Ok(done);
        }
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
    let status = res.status();
    if !status.is_success() {
        return Err(format!("webhook answered {status}"));
    }
    // 企业微信 and 钉钉 answer 200 with a non-zero `errcode` when they refuse a message.
    let answer: serde_json::Value = res.json().unwrap_or_default();
    match answer.get("errcode").and_then(serde_json::Value::as_i64) {
        Some(code) if code != 0 => Err(format!(
            "webhook refused the message: errcode {code} {}",
            answer
                .get("errmsg")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("")
        )),
        _ => Ok(()),
    }
}

/// The SMTP transport a URL names, as lettre reads it: `smtp://host[:port]` plain (25),
/// `smtp://host[:port]?tls=required` STARTTLS or fail (587), `?tls=opportunistic` STARTTLS
/// when offered, `smtps://host[:port]` TLS from the first byte (465); `user:password@`
/// signs in. Every step waits at most 10 s.
fn mail_transport(raw: &str) -> Result<lettre::SmtpTransport, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("bad SMTP url: {e}"))?;
    if !matches!(url.scheme(), "smtp" | "smtps") {
        return Err("SMTP url must start with smtp:// or smtps://".into());
    }
    let builder = lettre::SmtpTransport::from_url(raw).map_err(|e| format!("bad SMTP url: {e}"))?;
    Ok(builder.timeout(Some(TIMEOUT)).build())
}

fn send_mail(cfg: &NotifyConfig, subject: &str, body: &str) -> Result<(), String> {
    use lettre::message::header::ContentType;
    use lettre::{Message, Transport};
    let transport = mail_transport(cfg.smtp_url.as_deref().ok_or("no SMTP url")?)?;
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

/// Queue the due-day reminder if today is `remind_days` (or fewer) before this month's due
/// day and it has not been queued yet on a channel. Returns how many messages were queued.
/// Each (unit, month, channel) is claimed in `reminders_sent` and its message queued in the
/// outbox in one write transaction, so two instances never queue the same reminder and a
/// claim never stands without its message; the unit of the row is the root (the message
/// covers every branch not yet reported).
pub async fn run_due_reminders(
    db: &Db,
    outbox: &Outbox,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let channels = outbox.cfg.channels();
    if channels.is_empty() {
        return Ok(0);
    }
    let days = i64::from(outbox.cfg.remind_days);
    db.write(move |c| {
        let Some(campaign) = campaigns::by_year(c, today.year())? else {
            return Ok(0);
        };
        let Some(due) = campaign.due_date(today.month()) else {
            return Ok(0);
        };
        let left = (due - today).num_days();
        if !(0..=days).contains(&left) {
            return Ok(0);
        }
        let missing = branches_not_reported(c, today.year(), today.month() as i32)?;
        if missing.is_empty() {
            return Ok(0);
        }
        let root: i32 = units::table
            .filter(units::parent_id.is_null())
            .order(units::id)
            .select(units::id)
            .first(c)?;
        let period = format!("{:04}-{:02}", today.year(), today.month());
        let names: Vec<&str> = missing.iter().map(|(_, n)| n.as_str()).collect();
        let notice = Notice::due(due, &names);
        let mut queued = 0;
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
                queue::insert(c, ch, &notice.subject, &notice.body, now)?;
                queued += 1;
            }
        }
        Ok(queued)
    })
    .await
}

/// The hook's background work (nothing when it is off): every `outbox_poll` send the queued
/// messages that are due; every ten minutes (the first a minute after start) queue the
/// due-day reminders.
pub fn spawn_outbox_tasks(db: Db, settings: Settings) {
    let outbox = Outbox::new(settings.notify.clone());
    if !outbox.enabled() {
        return;
    }
    let clock = settings.clock.clone();
    {
        let (db, outbox, clock) = (db.clone(), outbox.clone(), clock.clone());
        let poll = settings.notify.outbox_poll.max(Duration::from_millis(10));
        actix_web::rt::spawn(async move {
            let start = actix_web::rt::time::Instant::now() + poll;
            let mut tick = actix_web::rt::time::interval_at(start, poll);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match deliver_due(&db, &outbox, clock.now()).await {
                    Ok(d) if d.sent + d.failed > 0 => {
                        tracing::info!(sent = d.sent, failed = d.failed, "outbox delivered")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "outbox delivery failed"),
                }
            }
        });
    }
    actix_web::rt::spawn(async move {
        // The first run a minute after start (the server is up and taking requests by then).
        let start = actix_web::rt::time::Instant::now() + Duration::from_secs(60);
        let mut tick = actix_web::rt::time::interval_at(start, Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = run_due_reminders(&db, &outbox, clock.today(), clock.now()).await {
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
        for ok in [
            "smtp://127.0.0.1:2525",
            "smtp://mail.example",
            "smtp://mail.example:587?tls=required",
            "smtp://user:p%40ss@mail.example?tls=opportunistic",
            "smtps://mail.example",
            "smtps://user:pass@mail.example:465",
        ] {
            assert!(mail_transport(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://x",
            "mail.example",
            "smtp://",
            "smtp://mail.example?tls=sometimes",
        ] {
            assert!(mail_transport(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), chrono::Duration::minutes(1));
        assert_eq!(backoff(2), chrono::Duration::minutes(2));
        assert_eq!(backoff(3), chrono::Duration::minutes(4));
        assert_eq!(backoff(7), chrono::Duration::minutes(60));
        assert_eq!(backoff(40), chrono::Duration::minutes(60));
        assert_eq!(backoff(0), chrono::Duration::minutes(1));
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
        assert!(!Outbox::new(NotifyConfig::off()).enabled());
    }
}
