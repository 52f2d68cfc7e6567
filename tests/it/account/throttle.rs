//! Throttling: wrong passwords lock names (also concurrently and unknown ones), the per-address
//! limit, trusted proxies, stale throttle rows purged.

use super::*;

async fn concurrent_wrong_passwords_for_a_new_name_lock_it(app: TestApp) {
    // Ten wrong guesses at once for a name never seen: each is counted, none collides.
    let attempts = (0..10).map(|_| {
        let b = app.browser();
        async move { b.login("newcomer", "wrong-password1").await.status }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    for s in &statuses {
        assert!(*s == 401 || *s == 429, "{statuses:?}");
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    assert_eq!(app.count("login_throttle WHERE username = 'newcomer'"), 1);
    // Locked now, whatever is typed.
    assert_eq!(
        app.browser()
            .login("newcomer", "wrong-password1")
            .await
            .status,
        429
    );
    // The same for a real account: the right password waits too.
    let attempts = (0..10).map(|_| {
        let b = app.browser();
        async move { b.login("zhibu02", "wrong-password1").await.status }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert_eq!(
        app.browser().login("zhibu02", DEMO_PASSWORD).await.status,
        429
    );
}

async fn old_failures_are_forgotten(app: TestApp) {
    let b = app.browser();
    for _ in 1..=4 {
        assert_eq!(b.login("zhibu02", "wrong-password1").await.status, 401);
    }
    // Long after, one more mistake starts a new count instead of locking.
    app.advance(chrono::Duration::minutes(16));
    assert_eq!(b.login("zhibu02", "wrong-password1").await.status, 401);
    for _ in 1..=3 {
        assert_eq!(b.login("zhibu02", "wrong-password1").await.status, 401);
    }
    assert_eq!(b.login("zhibu02", "wrong-password1").await.status, 429);
}

async fn five_wrong_passwords_lock_the_account_for_a_while(app: TestApp) {
    let b = app.browser();
    for i in 1..=4 {
        let p = b.login("zhibu02", "wrong-password1").await;
        assert_eq!(p.status, 401, "attempt {i}");
    }
    let fifth = b.login("zhibu02", "wrong-password1").await;
    assert_eq!(fifth.status, 429);
    fifth.assert_contains("账户已锁定 15 分钟");
    // Even the right password waits now, and the page says how long.
    let locked = b.login("zhibu02", DEMO_PASSWORD).await;
    assert_eq!(locked.status, 429);
    locked.assert_contains("分钟后再试");
    // Other accounts are not affected.
    app.browser()
        .login("zhibu01", DEMO_PASSWORD)
        .await
        .assert_redirect("/home");
    // One second before the end: still locked; after it: the right password works.
    app.advance(chrono::Duration::minutes(15) - chrono::Duration::seconds(1));
    assert_eq!(b.login("zhibu02", DEMO_PASSWORD).await.status, 429);
    app.advance(chrono::Duration::seconds(2));
    b.login("zhibu02", DEMO_PASSWORD)
        .await
        .assert_redirect("/home");
}

async fn unknown_names_lock_too(app: TestApp) {
    // Otherwise the lock-out would tell which names exist.
    let b = app.browser();
    for _ in 1..=4 {
        assert_eq!(b.login("ghost", "wrong-password1").await.status, 401);
    }
    let fifth = b.login("ghost", "wrong-password1").await;
    assert_eq!(fifth.status, 429);
    fifth.assert_contains("账户已锁定");
}

async fn the_login_route_is_limited_per_ip(app: TestApp) {
    let b = app.browser();
    for _ in 0..3 {
        let p = b.login("zhibu01", "wrong-password1").await;
        assert_eq!(p.status, 401);
    }
    let p = b.login("zhibu01", "wrong-password1").await;
    assert_eq!(p.status, 429);
    p.assert_contains("操作过于频繁");
    // Reading the login page is not limited.
    assert_eq!(b.get("/login").await.status, 200);
}

async fn an_office_behind_one_address_signs_in_together(app: TestApp) {
    // Default limits. 200 colleagues behind one NAT address press 登录 at once (empty
    // passwords keep it quick: the per-IP limit stands in front of the form checks).
    let b = app.browser();
    b.get("/login").await;
    let token = b.csrf();
    let attempt = |i: usize| {
        let client = b.client.clone();
        let url = format!("{}/login", app.addr);
        let token = token.clone();
        async move {
            client
                .post(url)
                .form(&[
                    ("csrf_token", token.as_str()),
                    ("username", format!("colleague{i}").as_str()),
                    ("password", ""),
                ])
                .send()
                .await
                .expect("POST")
                .status()
                .as_u16()
        }
    };
    let office = futures_util::future::join_all((0..200).map(attempt)).await;
    assert!(office.iter().all(|s| *s == 422), "{office:?}");
    // A flood beyond that from the same address is still held back.
    let flood = futures_util::future::join_all((200..300).map(attempt)).await;
    assert!(flood.contains(&429), "{flood:?}");
    assert!(flood.iter().all(|s| *s == 422 || *s == 429), "{flood:?}");
}

/// A wrong sign-in sent with an `X-Forwarded-For` header.
async fn login_from(b: &Browser, forwarded_for: &str, username: &str) -> u16 {
    if b.csrf().is_empty() {
        b.get("/login").await;
    }
    b.client
        .post(format!("{}/login", b.base))
        .header("x-forwarded-for", forwarded_for)
        .form(&[
            ("csrf_token", b.csrf().as_str()),
            ("username", username),
            ("password", "wrong-password1"),
        ])
        .send()
        .await
        .expect("POST")
        .status()
        .as_u16()
}

async fn behind_a_trusted_proxy_each_client_has_its_own_limit(app: TestApp) {
    let a = app.browser();
    let b = app.browser();
    for _ in 0..3 {
        assert_eq!(login_from(&a, "10.1.1.1", "ghost-a").await, 401);
    }
    assert_eq!(login_from(&a, "10.1.1.1", "ghost-a").await, 429);
    // Another client behind the same proxy still may try.
    assert_eq!(login_from(&b, "10.2.2.2", "ghost-b").await, 401);
    // A client prepending a fake address is still counted by what the proxy saw.
    assert_eq!(login_from(&a, "10.9.9.9, 10.1.1.1", "ghost-c").await, 429);
}

async fn without_trusted_proxies_forwarded_for_is_ignored(app: TestApp) {
    let a = app.browser();
    for i in 0..3 {
        assert_eq!(login_from(&a, &format!("10.1.1.{i}"), "ghost-a").await, 401);
    }
    // A new made-up address per request does not dodge the limit.
    assert_eq!(login_from(&a, "10.7.7.7", "ghost-b").await, 429);
}

async fn wrong_current_passwords_lock_like_wrong_sign_ins(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    b.get("/account/password").await;
    let change = |current: &'static str| {
        [
            ("current", current),
            ("new", "New-secret-2027"),
            ("confirm", "New-secret-2027"),
        ]
    };
    for _ in 0..4 {
        let res = b.post("/account/password", &change("wrong-current1")).await;
        assert_eq!(res.status, 422);
        res.assert_contains("当前密码不正确");
    }
    let fifth = b.post("/account/password", &change("wrong-current1")).await;
    assert_eq!(fifth.status, 422);
    fifth.assert_contains("已暂时锁定");
    // Locked: even the right current password is refused now, and nothing changes.
    let right = b.post("/account/password", &change(DEMO_PASSWORD)).await;
    assert_eq!(right.status, 422);
    right.assert_contains("请 15 分钟后再试");
    let lock = app.browser().login("zhibu01", DEMO_PASSWORD).await;
    assert_eq!(lock.status, 429, "the same counter guards sign-in");
    // After the lock-out the right password changes it and the counter is gone.
    app.advance(chrono::Duration::minutes(16));
    let ok = b.post("/account/password", &change(DEMO_PASSWORD)).await;
    ok.assert_redirect("/home");
    assert_eq!(app.count("login_throttle WHERE username = 'zhibu01'"), 0);
    app.browser()
        .login("zhibu01", "New-secret-2027")
        .await
        .assert_redirect("/home");
}

async fn stale_throttle_rows_are_purged(app: TestApp) {
    for name in ["zhibu01", "nobody-here"] {
        let res = app.browser().login(name, "wrong-password1").await;
        assert_eq!(res.status, 401);
    }
    assert_eq!(app.count("login_throttle"), 2);
    let mut conn = app.db.conn().expect("connection");
    let now = zuofeng::clock::Clock::now(&*app.clock);
    let window = chrono::Duration::minutes(15);
    let purge = |conn: &mut _, at| zuofeng::db::models::throttle::purge_stale(conn, at, window);
    assert_eq!(
        purge(&mut conn, now).expect("purge"),
        0,
        "counts still running"
    );
    assert_eq!(
        purge(&mut conn, now + chrono::Duration::minutes(16)).expect("purge"),
        2
    );
    assert_eq!(app.count("login_throttle"), 0);
}

both!(
    concurrent_wrong_passwords_for_a_new_name_lock_it,
    old_failures_are_forgotten,
    five_wrong_passwords_lock_the_account_for_a_while,
    unknown_names_lock_too,
    an_office_behind_one_address_signs_in_together,
    wrong_current_passwords_lock_like_wrong_sign_ins,
    stale_throttle_rows_are_purged,
);

both_with!(the_login_route_is_limited_per_ip, |s| {
    s.login_ip_burst = 3;
    s.login_ip_period = std::time::Duration::from_secs(600);
});

both_with!(behind_a_trusted_proxy_each_client_has_its_own_limit, |s| {
    s.login_ip_burst = 3;
    s.login_ip_period = std::time::Duration::from_secs(600);
    s.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")];
});

both_with!(without_trusted_proxies_forwarded_for_is_ignored, |s| {
    s.login_ip_burst = 3;
    s.login_ip_period = std::time::Duration::from_secs(600);
});
