//! The due-day reminders: claimed once per channel, queued in the outbox.

use super::*;

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

both_with!(
    reminders_go_out_once_per_channel,
    super::with_receivers_manual
);
