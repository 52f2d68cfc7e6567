//! Crash safety (issue 15, item 2): clients write (measures created, report drafts saved)
//! while `zuofeng serve` is killed with SIGKILL mid-way; after a restart the database passes
//! its check and every write that got a success answer is there. SQLite and PostgreSQL.

use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::RunQueryDsl;

use crate::helpers::*;
use crate::measures::{create, form};

/// `zuofeng serve` as a separate process on the app's database; its address.
fn serve(app: &TestApp) -> (Child, String) {
    let (child, addr) = serve_process(&app.database_url, &[]);
    (child, format!("http://{addr}"))
}

#[derive(diesel::QueryableByName)]
struct Check {
    #[diesel(sql_type = diesel::sql_types::Text)]
    integrity_check: String,
}

async fn acknowledged_writes_survive_a_kill(app: TestApp) {
    let (mut child, addr) = serve(&app);
    let acked: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for w in 0..6 {
        let b = Browser::new(&addr);
        assert_eq!(b.login("zhibu01", DEMO_PASSWORD).await.status, 303);
        b.get("/home").await;
        let acked = acked.clone();
        let forms: Vec<_> = (0..200)
            .map(|i| {
                let title = format!("断电测试{w}-{i:03}");
                (title.clone(), form(&app, "ZB01", &[("title", &title)]))
            })
            .collect();
        tasks.push(actix_web::rt::spawn(async move {
            for (title, f) in forms {
                let pairs: Vec<(&str, &str)> =
                    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let res = b
                    .client
                    .post(format!("{}/measures", b.base))
                    .form(
                        &[("csrf_token", b.csrf().as_str())]
                            .iter()
                            .chain(pairs.iter())
                            .collect::<Vec<_>>(),
                    )
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status().as_u16() == 303 => {
                        acked.lock().expect("lock").push(title);
                    }
                    _ => break,
                }
            }
        }));
    }
    // Let the writers get going, then pull the plug.
    for _ in 0..100 {
        if acked.lock().expect("lock").len() >= 20 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    for t in tasks {
        let _ = t.await;
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(
        acked.len() >= 20,
        "only {} writes before the kill",
        acked.len()
    );

    // Restart on the same database: it serves, the data checks out, nothing acknowledged lost.
    let (mut again, addr) = serve(&app);
    let b = Browser::new(&addr);
    assert_eq!(b.login("zhibu01", DEMO_PASSWORD).await.status, 303);
    b.get("/home").await;
    if app.database_url.starts_with("sqlite") {
        let mut c = app.db.conn().expect("connection");
        let checks: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
            .load(&mut c)
            .expect("integrity_check");
        assert_eq!(checks.len(), 1);
        assert_eq!(checks[0].integrity_check, "ok");
    }
    for title in &acked {
        assert_eq!(
            app.count(&format!("measures WHERE title = '{title}'")),
            1,
            "{title} was acknowledged before the kill but is gone"
        );
    }
    // The restarted server takes writes again.
    let f = form(&app, "ZB01", &[("title", "重启后新增")]);
    assert_eq!(create(&b, &f).await.status, 303);
    let _ = again.kill();
    let _ = again.wait();
}
both!(acknowledged_writes_survive_a_kill);
