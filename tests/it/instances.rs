//! Several instances on one database (issue 15, item 4): two portals serve the same database,
//! as two `zuofeng serve` processes behind a load balancer would. A session started on one
//! continues on the other and ends on both; writes through both at once all land; an edit
//! made on one is a conflict for a stale form on the other. (Background sending claims each
//! outbox row with a guarded UPDATE: `notify::delivery::two_senders_deliver_each_message_once`.)

use crate::helpers::*;
use crate::measures::{create, form, pairs};

async fn two_instances_share_sessions_writes_and_conflicts(app: TestApp) {
    let other = app.second_instance();
    let a = app.signed_in("zhibu01").await;
    let b = a.at(&other);

    // Signed in through the first, carried on through the second.
    let home = b.get("/home").await;
    assert_eq!(home.status, 200, "{}", home.body);
    home.assert_contains("李明");

    // Twenty measures created at once, half through each instance: all twenty are there.
    let before = app.count("measures");
    let mut tasks = Vec::new();
    for i in 0..20 {
        let via = if i % 2 == 0 {
            a.at(&app.addr)
        } else {
            a.at(&other)
        };
        let f = form(&app, "ZB01", &[("title", &format!("两实例并发举措{i:02}"))]);
        tasks.push(actix_web::rt::spawn(async move {
            create(&via, &f).await.status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.expect("task"), 303);
    }
    assert_eq!(app.count("measures"), before + 20);
    assert_eq!(app.count("measures WHERE title LIKE '两实例并发举措%'"), 20);

    // A form read on the first, the record saved on the second meanwhile: the first's save
    // is a conflict, nothing of it written.
    let p = create(&a, &form(&app, "ZB01", &[("title", "跨实例编辑")])).await;
    let id: i32 = p
        .location
        .as_deref()
        .and_then(|l| l.strip_prefix("/measures/"))
        .and_then(|s| s.parse().ok())
        .expect("new measure id");
    let version = app.version("measures", id);
    let path = format!("/measures/{id}");
    let mut saved = form(&app, "ZB01", &[("title", "在第二个实例上保存")]);
    saved.push(("version".into(), version.clone()));
    assert_eq!(b.post(&path, &pairs(&saved)).await.status, 303);
    let mut stale = form(&app, "ZB01", &[("title", "第一个实例上的旧表单")]);
    stale.push(("version".into(), version));
    let refused = a.post(&path, &pairs(&stale)).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(
        app.count(&format!(
            "measures WHERE id = {id} AND title = '在第二个实例上保存'"
        )),
        1
    );

    // Signing out on the second ends the session on the first too.
    let out = b.post("/logout", &[]).await;
    assert_eq!(out.status, 303);
    let after = a.get("/home").await;
    assert_eq!(after.status, 303, "still signed in on the first instance");
    assert!(after
        .location
        .as_deref()
        .unwrap_or("")
        .starts_with("/login"));
}
both!(two_instances_share_sessions_writes_and_conflicts);

/// What one instance keeps until the next write (here the measures list's count, kept per
/// scope and filters) is read again on its next signed-in request once the other instance
/// has written: the database's write generation is read with the session.
async fn a_write_through_one_instance_shows_at_once_on_the_other(app: TestApp) {
    let other = app.second_instance();
    let a = app.signed_in("zhibu01").await;
    let b = a.at(&other);
    let url = "/measures?q=%E5%8F%A6%E4%B8%80%E5%AE%9E%E4%BE%8B%E6%96%B0%E5%A2%9E";
    let empty = b.get(url).await;
    empty.assert_contains("共 0 条");
    // Kept by the second instance for this scope and filter until the next write.
    b.get(url).await.assert_contains("共 0 条");
    let created = create(&a, &form(&app, "ZB01", &[("title", "另一实例新增的举措")])).await;
    assert_eq!(created.status, 303, "{}", created.body);
    let page = b.get(url).await;
    page.assert_contains("另一实例新增的举措");
    page.assert_contains("共 1 条");
}
both!(a_write_through_one_instance_shows_at_once_on_the_other);

/// The due-day reminder run by two instances at the same moment is queued once per channel:
/// the claim row is unique, so the second instance's run queues nothing (or fails on the
/// claim and rolls back), never a second message.
async fn two_instances_queue_a_reminder_once(app: TestApp) {
    use zuofeng::config::NotifyConfig;
    use zuofeng::notify::{run_due_reminders, Outbox};
    let outbox = Outbox::new(NotifyConfig {
        webhook_url: Some("http://127.0.0.1:9/robot".into()),
        mail_to: vec!["office@example.cn".into()],
        remind_days: 3,
        ..NotifyConfig::off()
    });
    let channels = outbox.config().channels().len() as i64;
    assert!(channels >= 1);
    let other = zuofeng::db::Db::open(&app.database_url).expect("second instance's pool");
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
    let now = crate::helpers::start_time();
    for _ in 0..3 {
        let (x, y) = futures_util::join!(
            run_due_reminders(&app.db, &outbox, day, now),
            run_due_reminders(&other, &outbox, day, now)
        );
        let queued = x.unwrap_or(0) + y.unwrap_or(0);
        assert!(queued <= channels as usize);
    }
    assert_eq!(
        app.count("reminders_sent WHERE period = '2026-11'"),
        channels
    );
    assert_eq!(app.count("outbox"), channels);
}
both!(two_instances_queue_a_reminder_once);
