//! The outgoing reminder hook against receivers the test starts itself: a tiny HTTP server
//! for the 企业微信/钉钉 robot webhook and a fake SMTP server, both on port 0. Messages go
//! through the outbox table: queued in the change's transaction, sent by `deliver_due`.

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime};
use zuofeng::config::{NotifyConfig, Settings};
use zuofeng::db::models::outbox::{self as queue, OutboxRow};
use zuofeng::db::Db;
use zuofeng::error::AppError;
use zuofeng::notify::{deliver_due, run_due_reminders, Delivered, Notice, Outbox};

use crate::helpers::TestApp;

/// What a receiver got: one entry per message.
#[derive(Clone, Default)]
pub(crate) struct Inbox(Arc<Mutex<Vec<String>>>);

impl Inbox {
    fn all(&self) -> Vec<String> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }

    fn push(&self, s: String) {
        if let Ok(mut v) = self.0.lock() {
            v.push(s);
        }
    }

    /// Wait until at least `n` messages arrived (sending runs in the background).
    pub(crate) async fn wait_for(&self, n: usize) -> Vec<String> {
        for _ in 0..100 {
            if self.all().len() >= n {
                break;
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        self.all()
    }
}

fn webhook_receiver() -> (u16, Inbox) {
    flaky_webhook_receiver(0)
}

/// A webhook that answers 500 to its first `failures` requests (and keeps only the others).
fn flaky_webhook_receiver(failures: usize) -> (u16, Inbox) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind webhook");
    let port = listener.local_addr().expect("addr").port();
    let inbox = Inbox::default();
    let keep = inbox.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().flatten().enumerate() {
            let _ = serve_http(stream, &keep, n < failures);
        }
    });
    (port, inbox)
}

fn serve_http(stream: TcpStream, inbox: &Inbox, fail: bool) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut length = 0usize;
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    assert!(request_line.starts_with("POST /robot"), "{request_line}");
    let mut out = stream;
    if fail {
        out.write_all(
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )?;
        return out.flush();
    }
    inbox.push(String::from_utf8_lossy(&body).into_owned());
    out.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\nConnection: close\r\n\r\n{\"errcode\":0,\"errmsg\":\"ok\"}",
    )?;
    out.flush()
}

fn smtp_receiver() -> (u16, Inbox) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind smtp");
    let port = listener.local_addr().expect("addr").port();
    let inbox = Inbox::default();
    let keep = inbox.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = serve_smtp(stream, &keep);
        }
    });
    (port, inbox)
}

fn serve_smtp(stream: TcpStream, inbox: &Inbox) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    out.write_all(b"220 fake.smtp ESMTP\r\n")?;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let cmd = line.to_ascii_uppercase();
        if cmd.starts_with("EHLO") {
            out.write_all(b"250-fake.smtp\r\n250 8BITMIME\r\n")?;
        } else if cmd.starts_with("DATA") {
            out.write_all(b"354 go ahead\r\n")?;
            let mut data = String::new();
            while !data.ends_with("\r\n.\r\n") {
                let mut l = String::new();
                if reader.read_line(&mut l)? == 0 {
                    return Ok(());
                }
                data.push_str(&l);
            }
            inbox.push(data);
            out.write_all(b"250 queued\r\n")?;
        } else if cmd.starts_with("QUIT") {
            out.write_all(b"221 bye\r\n")?;
            return Ok(());
        } else {
            // HELO, MAIL, RCPT, RSET, NOOP
            out.write_all(b"250 ok\r\n")?;
        }
    }
}

thread_local! {
    /// The receivers of the test running on this thread (set while the app is configured).
    static RECEIVERS: RefCell<Option<(Inbox, Inbox, NotifyConfig)>> = const { RefCell::new(None) };
}

/// Both receivers, with the app's sender looking at the outbox every 50 ms.
pub(crate) fn with_receivers(s: &mut Settings) {
    let (wport, web) = webhook_receiver();
    let (sport, mail) = smtp_receiver();
    s.notify = NotifyConfig {
        smtp_url: Some(format!("smtp://127.0.0.1:{sport}")),
        mail_from: Some("zuofeng@example.cn".into()),
        mail_to: vec!["dangqun@example.cn".into(), "office2@example.cn".into()],
        webhook_url: Some(format!("http://127.0.0.1:{wport}/robot")),
        remind_days: 3,
        outbox_poll: Duration::from_millis(50),
        ..NotifyConfig::off()
    };
    let cfg = s.notify.clone();
    RECEIVERS.with(|r| *r.borrow_mut() = Some((web, mail, cfg)));
}

/// The same receivers, but the app's own sender never comes round during the test (as if no
/// instance were running): only the test's own `deliver_due` calls send.
pub(crate) fn with_receivers_manual(s: &mut Settings) {
    with_receivers(s);
    s.notify.outbox_poll = Duration::from_secs(86_400);
    let cfg = s.notify.clone();
    RECEIVERS.with(|r| {
        if let Some(set) = r.borrow_mut().as_mut() {
            set.2 = cfg;
        }
    });
}

pub(crate) fn receivers() -> (Inbox, Inbox, Settings) {
    let (web, mail, cfg) = RECEIVERS
        .with(|r| r.borrow().clone())
        .expect("receivers configured");
    let mut settings = Settings::new("127.0.0.1:0", "unused");
    settings.notify = cfg;
    (web, mail, settings)
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).expect("date")
}

fn unit_name(app: &TestApp, code: &str) -> String {
    let mut conn = app.db.conn().expect("connection");
    zuofeng::db::models::units::by_code(&mut conn, code)
        .expect("query")
        .expect("unit")
        .name
}

fn rows(app: &TestApp) -> Vec<OutboxRow> {
    let mut conn = app.db.conn().expect("connection");
    queue::all(&mut conn).expect("outbox rows")
}

fn now(app: &TestApp) -> NaiveDateTime {
    use zuofeng::clock::Clock;
    app.clock.now()
}

/// Queue `notice` in a committed write transaction, as a change does.
async fn enqueue(db: &Db, outbox: &Outbox, notice: Notice, at: NaiveDateTime) {
    let outbox = outbox.clone();
    db.write(move |c| Ok(outbox.enqueue(c, &notice, at)?))
        .await
        .expect("enqueue");
}

async fn deliver(app: &TestApp, outbox: &Outbox, at: NaiveDateTime) -> Delivered {
    deliver_due(&app.db, outbox, at).await.expect("deliver")
}

async fn reminders_go_out_once_per_channel(app: TestApp) {
    let (web, mail, settings) = receivers();
    let outbox = Outbox::new(settings.notify.clone());
    let t = now(&app);
    // ZB01 has submitted November's report; ZB02 has a draft only.
    let zb01 = app.unit_id("ZB01");
    let zb02 = app.unit_id("ZB02");
    let campaign = app.count("campaigns WHERE year = 2026");
    assert_eq!(campaign, 1);
    {
        use diesel::RunQueryDsl;
        let mut conn = app.db.conn().expect("connection");
        for (unit, st) in [(zb01, "awaiting_general"), (zb02, "draft")] {
            diesel::sql_query(format!(
                "INSERT INTO monthly_reports (campaign_id, unit_id, year, month, state, due_date, created_at, updated_at) \
                 SELECT id, {unit}, 2026, 11, '{st}', '2026-11-25', '2026-11-20 02:00:00', '2026-11-20 02:00:00' FROM campaigns WHERE year = 2026"
            ))
            .execute(&mut *conn)
            .expect("insert report");
        }
    }
    // Four days before the 25th: too early, nothing is queued.
    let n = run_due_reminders(&app.db, &outbox, day(21), t)
        .await
        .expect("reminders");
    assert_eq!(n, 0);
    assert_eq!(app.count("reminders_sent"), 0);
    assert_eq!(app.count("outbox"), 0);
    // Three days before: one message per channel, queued with its claim, not yet sent.
    let n = run_due_reminders(&app.db, &outbox, day(22), t)
        .await
        .expect("reminders");
    assert_eq!(n, 2);
    assert_eq!(app.count("reminders_sent WHERE period = '2026-11'"), 2);
    let queued = rows(&app);
    assert_eq!(queued.len(), 2, "{queued:?}");
    assert!(queued.iter().all(|r| r.sent_at.is_none()));
    assert_eq!(
        queued
            .iter()
            .map(|r| r.channel.as_str())
            .collect::<Vec<_>>(),
        ["webhook", "mail"]
    );
    assert!(web.all().is_empty() && mail.all().is_empty());
    assert_eq!(
        deliver(&app, &outbox, t).await,
        Delivered { sent: 2, failed: 0 }
    );
    let hooks = web.all();
    let mails = mail.all();
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(rows(&app)
        .iter()
        .all(|r| r.sent_at == Some(t) && r.attempts == 1));
    let json: serde_json::Value = serde_json::from_str(&hooks[0]).expect("webhook JSON");
    assert_eq!(json["msgtype"], "text");
    let text = json["text"]["content"]
        .as_str()
        .expect("content")
        .to_string();
    let done = unit_name(&app, "ZB01");
    let late = unit_name(&app, "ZB02");
    let other = unit_name(&app, "ZB11");
    assert!(text.contains("2026-11-25"), "{text}");
    assert!(text.contains(&late), "{text}");
    assert!(text.contains(&other), "{text}");
    assert!(!text.contains(&done), "{text}");
    assert!(mails[0].contains(&late), "{}", mails[0]);
    assert!(!mails[0].contains(&done), "{}", mails[0]);
    assert!(mails[0].contains("dangqun@example.cn"));
    // Again the next day: nothing new is queued, nothing is sent again.
    let n = run_due_reminders(&app.db, &outbox, day(23), t)
        .await
        .expect("reminders");
    assert_eq!(n, 0);
    assert_eq!(deliver(&app, &outbox, t).await, Delivered::default());
    assert_eq!(app.count("outbox"), 2);
    assert_eq!(web.all().len(), 1);
    assert_eq!(mail.all().len(), 1);

    // Returning a 第一议题 record tells the hook, with the comment.
    let sec = app.signed_in("zhibu01").await;
    let res = sec
        .post(
            "/topics",
            &[
                ("unit_id", &zb01.to_string()),
                ("meeting_date", "2026-11-20"),
                ("meeting_kind", "general"),
                ("topic", "学习《中国共产党纪律处分条例》"),
                ("attendance", "12"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let path = res.location.expect("location");
    sec.post(&format!("{path}/submit"), &[("version", "1")])
        .await
        .assert_redirect(&path);
    let rev = app.signed_in("zongzhi01").await;
    rev.post(
        &format!("{path}/return"),
        &[("comment", "请补充学习材料出处")],
    )
    .await
    .assert_redirect(&path);
    // Queued in the return's transaction: one row per channel, sent from the outbox.
    assert_eq!(app.count("outbox WHERE subject LIKE '%退回%'"), 2);
    deliver(&app, &outbox, t).await;
    let hooks = web.wait_for(2).await;
    assert_eq!(hooks.len(), 2, "{hooks:?}");
    let json: serde_json::Value = serde_json::from_str(&hooks[1]).expect("webhook JSON");
    let text = json["text"]["content"].as_str().unwrap_or_default();
    assert!(text.contains("请补充学习材料出处"), "{text}");
    assert!(text.contains(&done), "{text}");
    assert_eq!(mail.wait_for(2).await.len(), 2);
}

/// The review service's pattern: the return and its notice in one transaction; the app's own
/// sender delivers it once, in 8bit Chinese by mail.
async fn a_queued_return_arrives_once(app: TestApp) {
    let (web, mail, settings) = receivers();
    let outbox = Outbox::new(settings.notify.clone());
    let notice = Notice::returned("第一党支部", "2026年11月月度调度报告", "请补充数据");
    enqueue(&app.db, &outbox, notice.clone(), now(&app)).await;
    assert_eq!(app.count("outbox"), 2);
    let hooks = web.wait_for(1).await;
    let mails = mail.wait_for(1).await;
    // Time for a second (wrong) delivery to show up.
    actix_web::rt::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(web.all().len(), 1, "{hooks:?}");
    assert_eq!(mail.all().len(), 1, "{mails:?}");
    let json: serde_json::Value = serde_json::from_str(&hooks[0]).expect("webhook JSON");
    let text = json["text"]["content"].as_str().unwrap_or_default();
    assert_eq!(text, format!("{}\n{}", notice.subject, notice.body));
    assert!(
        mails[0].contains("Content-Transfer-Encoding: 8bit"),
        "{}",
        mails[0]
    );
    assert!(mails[0].contains("退回意见：请补充数据"), "{}", mails[0]);
    let sent = rows(&app);
    assert!(
        sent.iter()
            .all(|r| r.sent_at.is_some() && r.last_error.is_none()),
        "{sent:?}"
    );
}

/// A change that rolls back queues nothing.
async fn a_rolled_back_change_queues_nothing(app: TestApp) {
    let (web, _, settings) = receivers();
    let outbox = Outbox::new(settings.notify.clone());
    let t = now(&app);
    let result: Result<(), AppError> = app
        .db
        .write(move |c| {
            outbox.enqueue(c, &Notice::returned("第一党支部", "第一议题", "x"), t)?;
            Err(AppError::Stale)
        })
        .await;
    assert!(result.is_err());
    assert_eq!(app.count("outbox"), 0);
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert!(web.all().is_empty());
}

async fn without_a_hook_nothing_is_sent_and_nothing_fails(app: TestApp) {
    let settings = Settings::new("127.0.0.1:0", "unused");
    let outbox = Outbox::new(settings.notify.clone());
    assert!(!outbox.enabled());
    let t = now(&app);
    let n = run_due_reminders(&app.db, &outbox, day(22), t)
        .await
        .expect("reminders");
    assert_eq!(n, 0);
    assert_eq!(app.count("reminders_sent"), 0);
    enqueue(
        &app.db,
        &outbox,
        Notice::returned("第一党支部", "第一议题", "x"),
        t,
    )
    .await;
    assert_eq!(app.count("outbox"), 0);
    assert_eq!(deliver(&app, &outbox, t).await, Delivered::default());
    let zb01 = app.unit_id("ZB01");
    let sec = app.signed_in("zhibu01").await;
    let res = sec
        .post(
            "/topics",
            &[
                ("unit_id", &zb01.to_string()),
                ("meeting_date", "2026-11-20"),
                ("meeting_kind", "group"),
                ("topic", "学习“严真细实快”作风要求"),
                ("attendance", "6"),
            ],
        )
        .await;
    let path = res.location.expect("location");
    sec.post(&format!("{path}/submit"), &[("version", "1")])
        .await
        .assert_redirect(&path);
    let rev = app.signed_in("zongzhi01").await;
    rev.post(&format!("{path}/return"), &[("comment", "请补充")])
        .await
        .assert_redirect(&path);
    assert_eq!(app.count("outbox"), 0);
    // In-app reminders: the secretary sees one returned draft, the reviewer nothing to do.
    let mut conn = app.db.conn().expect("connection");
    let w =
        zuofeng::db::models::topics::topics_waiting(&mut conn, zb01, None, false).expect("waiting");
    assert_eq!(w.returned, 1);
    assert_eq!(w.to_review, 0);
}

/// Queued and committed while no sender runs (the process died right after the commit): a
/// later `deliver_due` — here from a second handle on the database, like a restarted
/// instance — sends it.
async fn a_message_queued_before_a_crash_goes_out_later(app: TestApp) {
    let (web, mail, settings) = receivers();
    let outbox = Outbox::new(settings.notify.clone());
    let t = now(&app);
    enqueue(
        &app.db,
        &outbox,
        Notice::returned("第二党支部", "第一议题", "请补充"),
        t,
    )
    .await;
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert!(web.all().is_empty() && mail.all().is_empty());
    assert_eq!(app.count("outbox WHERE subject LIKE '%退回%'"), 2);
    let restarted = Db::open(&app.database_url).expect("second pool");
    let later = t + chrono::Duration::hours(3);
    let d = deliver_due(&restarted, &outbox, later)
        .await
        .expect("deliver");
    assert_eq!(d, Delivered { sent: 2, failed: 0 });
    assert_eq!(web.all().len(), 1);
    assert_eq!(mail.all().len(), 1);
    assert!(rows(&app).iter().all(|r| r.sent_at == Some(later)));
}

/// The webhook fails once: its row keeps the error and waits out the back-off; the mail row
/// went out and is not sent again.
async fn a_failed_send_is_retried_after_the_back_off(app: TestApp) {
    let (wport, web) = flaky_webhook_receiver(1);
    let (_, mail, settings) = receivers();
    let mut cfg = settings.notify.clone();
    cfg.webhook_url = Some(format!("http://127.0.0.1:{wport}/robot"));
    let outbox = Outbox::new(cfg);
    let t = now(&app);
    enqueue(
        &app.db,
        &outbox,
        Notice::returned("第一党支部", "第一议题", "请补充"),
        t,
    )
    .await;
    assert_eq!(
        deliver(&app, &outbox, t).await,
        Delivered { sent: 1, failed: 1 }
    );
    let after = rows(&app);
    let (hook, post) = (&after[0], &after[1]);
    assert_eq!(hook.channel, "webhook");
    assert_eq!(hook.attempts, 1);
    assert!(hook.sent_at.is_none() && hook.failed_at.is_none() && hook.claimed_until.is_none());
    let error = hook.last_error.as_deref().unwrap_or_default();
    assert!(error.contains("500"), "{error}");
    assert_eq!(hook.next_attempt_at, t + chrono::Duration::minutes(1));
    assert_eq!(post.sent_at, Some(t));
    assert_eq!(mail.all().len(), 1);
    assert!(web.all().is_empty());
    // Within the back-off nothing is tried.
    let soon = t + chrono::Duration::seconds(59);
    assert_eq!(deliver(&app, &outbox, soon).await, Delivered::default());
    // After it, the webhook goes through; the mail is not sent again.
    let later = t + chrono::Duration::seconds(61);
    assert_eq!(
        deliver(&app, &outbox, later).await,
        Delivered { sent: 1, failed: 0 }
    );
    assert_eq!(web.all().len(), 1);
    assert_eq!(mail.all().len(), 1);
    let hook = &rows(&app)[0];
    assert_eq!(hook.sent_at, Some(later));
    assert_eq!(hook.attempts, 2);
    assert_eq!(hook.last_error, None);
}

/// A receiver that never answers: attempts back off (1 min, 2 min) and after `max_attempts`
/// the row is given up, kept with its last error.
async fn a_message_is_given_up_after_max_attempts(app: TestApp) {
    let outbox = Outbox::new(NotifyConfig {
        webhook_url: Some("http://127.0.0.1:1/robot".into()),
        max_attempts: 3,
        ..NotifyConfig::off()
    });
    let t = now(&app);
    enqueue(
        &app.db,
        &outbox,
        Notice::returned("第一党支部", "第一议题", "x"),
        t,
    )
    .await;
    assert_eq!(app.count("outbox"), 1);
    let mut at = t;
    for (attempt, wait) in [(1, 1), (2, 2)] {
        assert_eq!(
            deliver(&app, &outbox, at).await,
            Delivered { sent: 0, failed: 1 }
        );
        let row = &rows(&app)[0];
        assert_eq!(row.attempts, attempt);
        assert_eq!(row.next_attempt_at, at + chrono::Duration::minutes(wait));
        assert!(row.failed_at.is_none());
        at = row.next_attempt_at;
    }
    assert_eq!(
        deliver(&app, &outbox, at).await,
        Delivered { sent: 0, failed: 1 }
    );
    let row = &rows(&app)[0];
    assert_eq!(row.attempts, 3);
    assert_eq!(row.failed_at, Some(at));
    assert!(row.sent_at.is_none());
    assert!(row.last_error.is_some());
    let much_later = at + chrono::Duration::days(2);
    assert_eq!(
        deliver(&app, &outbox, much_later).await,
        Delivered::default()
    );
    assert_eq!(rows(&app)[0].attempts, 3);
}

/// Two senders on one database (two instances) at the same time: every message once.
async fn two_senders_deliver_each_message_once(app: TestApp) {
    let (web, mail, settings) = receivers();
    let outbox = Outbox::new(settings.notify.clone());
    let t = now(&app);
    for i in 0..12 {
        let n = Notice::returned(&format!("第{i}党支部"), "第一议题", &format!("意见{i}"));
        enqueue(&app.db, &outbox, n, t).await;
    }
    assert_eq!(app.count("outbox"), 24);
    // The claim itself: of two claims of one row only the first holds.
    {
        let mut conn = app.db.conn().expect("connection");
        let id = rows(&app)[0].id;
        let lease = t + chrono::Duration::minutes(5);
        assert!(queue::claim(&mut conn, id, t, lease)
            .expect("claim")
            .is_some());
        assert!(queue::claim(&mut conn, id, t, lease)
            .expect("claim")
            .is_none());
        // Released again for the senders below (as if its lease had ended).
        use diesel::RunQueryDsl;
        diesel::sql_query(format!(
            "UPDATE outbox SET claimed_until = NULL WHERE id = {id}"
        ))
        .execute(&mut *conn)
        .expect("release");
    }
    let other = Db::open(&app.database_url).expect("second instance");
    let (a, b) = futures_util::join!(
        deliver_due(&app.db, &outbox, t),
        deliver_due(&other, &outbox, t)
    );
    let (a, b) = (a.expect("first sender"), b.expect("second sender"));
    assert_eq!(a.failed + b.failed, 0);
    assert_eq!(a.sent + b.sent, 24, "{a:?} {b:?}");
    let hooks = web.all();
    let mails = mail.all();
    assert_eq!(hooks.len(), 12);
    assert_eq!(mails.len(), 12);
    for i in 0..12 {
        let needle = format!("意见{i}\\n");
        assert_eq!(
            hooks.iter().filter(|h| h.contains(&needle)).count(),
            1,
            "{needle}"
        );
    }
    assert_eq!(app.count("outbox WHERE sent_at IS NULL"), 0);
    assert_eq!(app.count("outbox WHERE attempts <> 1"), 0);
}

/// `?tls=required` against a server that offers no STARTTLS: nothing is sent in the clear,
/// the row stays unsent with the error.
async fn starttls_required_is_not_skipped(app: TestApp) {
    let (sport, mail) = smtp_receiver();
    let outbox = Outbox::new(NotifyConfig {
        smtp_url: Some(format!("smtp://127.0.0.1:{sport}?tls=required")),
        mail_to: vec!["dangqun@example.cn".into()],
        ..NotifyConfig::off()
    });
    let t = now(&app);
    enqueue(
        &app.db,
        &outbox,
        Notice::returned("第一党支部", "第一议题", "x"),
        t,
    )
    .await;
    assert_eq!(
        deliver(&app, &outbox, t).await,
        Delivered { sent: 0, failed: 1 }
    );
    assert!(mail.all().is_empty());
    let row = &rows(&app)[0];
    assert_eq!(row.channel, "mail");
    assert!(row.sent_at.is_none());
    assert_eq!(row.attempts, 1);
    let error = row.last_error.as_deref().unwrap_or_default();
    assert!(error.contains("STARTTLS"), "{error}");
}

/// `smtps://` speaks TLS from the first byte: against a plain SMTP server the handshake
/// fails and nothing is sent.
async fn smtps_speaks_tls_from_the_start(app: TestApp) {
    let (sport, mail) = smtp_receiver();
    let outbox = Outbox::new(NotifyConfig {
        smtp_url: Some(format!("smtps://127.0.0.1:{sport}")),
        mail_to: vec!["dangqun@example.cn".into()],
        ..NotifyConfig::off()
    });
    let t = now(&app);
    enqueue(
        &app.db,
        &outbox,
        Notice::returned("第一党支部", "第一议题", "x"),
        t,
    )
    .await;
    assert_eq!(
        deliver(&app, &outbox, t).await,
        Delivered { sent: 0, failed: 1 }
    );
    assert!(mail.all().is_empty());
    let row = &rows(&app)[0];
    assert!(row.sent_at.is_none());
    assert!(row.last_error.is_some());
}

async fn an_unreachable_hook_does_not_break_a_return(app: TestApp) {
    app.without_demo_topics();
    let zb01 = app.unit_id("ZB01");
    let sec = app.signed_in("zhibu01").await;
    let res = sec
        .post(
            "/topics",
            &[
                ("unit_id", &zb01.to_string()),
                ("meeting_date", "2026-11-20"),
                ("meeting_kind", "other"),
                ("topic", "学习安全生产专题"),
                ("attendance", "6"),
            ],
        )
        .await;
    let path = res.location.expect("location");
    sec.post(&format!("{path}/submit"), &[("version", "1")])
        .await
        .assert_redirect(&path);
    let rev = app.signed_in("zongzhi01").await;
    rev.post(&format!("{path}/return"), &[("comment", "请补充")])
        .await
        .assert_redirect(&path);
    // The reviewer's queue counter for in-app reminders.
    let zz01 = app.unit_id("ZZ01");
    sec.post(&format!("{path}/submit"), &[("version", "3")])
        .await
        .assert_redirect(&path);
    let mut conn = app.db.conn().expect("connection");
    let zz_path = zuofeng::db::models::units::get(&mut conn, zz01)
        .expect("unit")
        .path;
    let w = zuofeng::db::models::topics::topics_waiting(&mut conn, zz01, Some(&zz_path), false)
        .expect("waiting");
    assert_eq!(w.to_review, 1);
}

both_with!(
    reminders_go_out_once_per_channel,
    super::with_receivers_manual
);
both_with!(a_queued_return_arrives_once, super::with_receivers);
both_with!(a_rolled_back_change_queues_nothing, super::with_receivers);
both!(without_a_hook_nothing_is_sent_and_nothing_fails);
both_with!(
    a_message_queued_before_a_crash_goes_out_later,
    super::with_receivers_manual
);
both_with!(
    a_failed_send_is_retried_after_the_back_off,
    super::with_receivers_manual
);
both!(a_message_is_given_up_after_max_attempts);
both_with!(
    two_senders_deliver_each_message_once,
    super::with_receivers_manual
);
both!(
    starttls_required_is_not_skipped,
    smtps_speaks_tls_from_the_start
);
both_with!(
    an_unreachable_hook_does_not_break_a_return,
    |s: &mut zuofeng::config::Settings| {
        s.notify = zuofeng::config::NotifyConfig {
            smtp_url: Some("smtp://127.0.0.1:1".into()),
            mail_from: None,
            mail_to: vec!["dangqun@example.cn".into()],
            webhook_url: Some("http://127.0.0.1:1/robot".into()),
            ..zuofeng::config::NotifyConfig::off()
        };
    }
);
