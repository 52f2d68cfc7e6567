//! The outgoing reminder hook against receivers the test starts itself: a tiny HTTP server
//! for the 企业微信/钉钉 robot webhook and a fake SMTP server, both on port 0. Messages go
//! through the outbox table: queued in the change's transaction, sent by `deliver_due`.

mod delivery;
mod reminders;

pub(super) use std::cell::RefCell;
pub(super) use std::io::{BufRead, BufReader, Read, Write};
pub(super) use std::net::{TcpListener, TcpStream};
pub(super) use std::sync::{Arc, Mutex};
pub(super) use std::time::Duration;

pub(super) use chrono::{NaiveDate, NaiveDateTime};
pub(super) use zuofeng::config::{NotifyConfig, Settings};
pub(super) use zuofeng::db::models::outbox::{self as queue, OutboxRow};
pub(super) use zuofeng::db::Db;
pub(super) use zuofeng::error::AppError;
pub(super) use zuofeng::notify::{deliver_due, run_due_reminders, Delivered, Notice, Outbox};

pub(super) use crate::helpers::TestApp;

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

pub(super) fn webhook_receiver() -> (u16, Inbox) {
    flaky_webhook_receiver(0)
}

/// A webhook that answers 500 to its first `failures` requests (and keeps only the others).
pub(super) fn flaky_webhook_receiver(failures: usize) -> (u16, Inbox) {
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

pub(super) fn serve_http(stream: TcpStream, inbox: &Inbox, fail: bool) -> std::io::Result<()> {
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

pub(super) fn smtp_receiver() -> (u16, Inbox) {
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

pub(super) fn serve_smtp(stream: TcpStream, inbox: &Inbox) -> std::io::Result<()> {
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

pub(super) fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).expect("date")
}

pub(super) fn unit_name(app: &TestApp, code: &str) -> String {
    let mut conn = app.db.conn().expect("connection");
    zuofeng::db::models::units::by_code(&mut conn, code)
        .expect("query")
        .expect("unit")
        .name
}

pub(super) fn rows(app: &TestApp) -> Vec<OutboxRow> {
    let mut conn = app.db.conn().expect("connection");
    queue::all(&mut conn).expect("outbox rows")
}

pub(super) fn now(app: &TestApp) -> NaiveDateTime {
    use zuofeng::clock::Clock;
    app.clock.now()
}

/// Queue `notice` in a committed write transaction, as a change does.
pub(super) async fn enqueue(db: &Db, outbox: &Outbox, notice: Notice, at: NaiveDateTime) {
    let outbox = outbox.clone();
    db.write(move |c| Ok(outbox.enqueue(c, &notice, at)?))
        .await
        .expect("enqueue");
}

pub(super) async fn deliver(app: &TestApp, outbox: &Outbox, at: NaiveDateTime) -> Delivered {
    deliver_due(&app.db, outbox, at).await.expect("deliver")
}
