//! The outgoing reminder hook against receivers the test starts itself: a tiny HTTP server
//! for the 企业微信/钉钉 robot webhook and a fake SMTP server, both on port 0.

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDate;
use zuofeng::config::Settings;
use zuofeng::notify::{run_due_reminders, Notifier, NotifyConfig};

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
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind webhook");
    let port = listener.local_addr().expect("addr").port();
    let inbox = Inbox::default();
    let keep = inbox.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = serve_http(stream, &keep);
        }
    });
    (port, inbox)
}

fn serve_http(stream: TcpStream, inbox: &Inbox) -> std::io::Result<()> {
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
    inbox.push(String::from_utf8_lossy(&body).into_owned());
    let mut out = stream;
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

pub(crate) fn with_receivers(s: &mut Settings) {
    let (wport, web) = webhook_receiver();
    let (sport, mail) = smtp_receiver();
    s.notify = NotifyConfig {
        smtp_url: Some(format!("smtp://127.0.0.1:{sport}")),
        mail_from: Some("zuofeng@example.cn".into()),
        mail_to: vec!["dangqun@example.cn".into(), "office2@example.cn".into()],
        webhook_url: Some(format!("http://127.0.0.1:{wport}/robot")),
        remind_days: 3,
    };
    let cfg = s.notify.clone();
    RECEIVERS.with(|r| *r.borrow_mut() = Some((web, mail, cfg)));
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

async fn reminders_go_out_once_per_channel(app: TestApp) {
    let (web, mail, settings) = receivers();
    let notifier = Notifier::from_settings(&settings);
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
    // Four days before the 25th: too early, nothing is sent.
    let n = run_due_reminders(&app.db, &settings, &notifier, day(21))
        .await
        .expect("reminders");
    assert_eq!(n, 0);
    assert_eq!(app.count("reminders_sent"), 0);
    // Three days before: one message per channel.
    let n = run_due_reminders(&app.db, &settings, &notifier, day(22))
        .await
        .expect("reminders");
    assert_eq!(n, 2);
    let hooks = web.wait_for(1).await;
    let mails = mail.wait_for(1).await;
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert_eq!(mails.len(), 1, "{mails:?}");
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
    assert_eq!(app.count("reminders_sent WHERE period = '2026-11'"), 2);
    // Again the next day: nothing new.
    let n = run_due_reminders(&app.db, &settings, &notifier, day(23))
        .await
        .expect("reminders");
    assert_eq!(n, 0);
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
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
    let hooks = web.wait_for(2).await;
    assert_eq!(hooks.len(), 2, "{hooks:?}");
    let json: serde_json::Value = serde_json::from_str(&hooks[1]).expect("webhook JSON");
    let text = json["text"]["content"].as_str().unwrap_or_default();
    assert!(text.contains("请补充学习材料出处"), "{text}");
    assert!(text.contains(&done), "{text}");
    assert_eq!(mail.wait_for(2).await.len(), 2);
}

async fn without_a_hook_nothing_is_sent_and_nothing_fails(app: TestApp) {
    let settings = Settings::new("127.0.0.1:0", "unused");
    let notifier = Notifier::from_settings(&settings);
    assert!(!notifier.enabled());
    let n = run_due_reminders(&app.db, &settings, &notifier, day(22))
        .await
        .expect("reminders");
    assert_eq!(n, 0);
    assert_eq!(app.count("reminders_sent"), 0);
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
    // In-app reminders: the secretary sees one returned draft, the reviewer nothing to do.
    let mut conn = app.db.conn().expect("connection");
    let w =
        zuofeng::db::models::topics::topics_waiting(&mut conn, zb01, None, false).expect("waiting");
    assert_eq!(w.returned, 1);
    assert_eq!(w.to_review, 0);
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

both_with!(reminders_go_out_once_per_channel, super::with_receivers);
both!(without_a_hook_nothing_is_sent_and_nothing_fails);
both_with!(
    an_unreachable_hook_does_not_break_a_return,
    |s: &mut zuofeng::config::Settings| {
        s.notify = zuofeng::notify::NotifyConfig {
            smtp_url: Some("smtp://127.0.0.1:1".into()),
            mail_from: None,
            mail_to: vec!["dangqun@example.cn".into()],
            webhook_url: Some("http://127.0.0.1:1/robot".into()),
            remind_days: 3,
        };
    }
);
