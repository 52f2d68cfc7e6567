//! The outbox: a return queues its message in its transaction; the sender delivers each
//! message once, retries with back-off, gives up, and speaks STARTTLS/TLS as told.

use super::*;

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
