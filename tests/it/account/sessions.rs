//! Sessions: a new id at sign-in, cookie flags, logout, idle and absolute timeouts, expired
//! sessions swept, disabled users signed out at once.

use super::*;

async fn session_id_changes_at_sign_in(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let before = b.cookie_header().expect("session cookie");
    assert!(before.contains("zuofeng_session="), "{before}");
    // Signing in again (say, on a shared machine) starts a new session id.
    b.post(
        "/login",
        &[("username", "zhibu01"), ("password", DEMO_PASSWORD)],
    )
    .await
    .assert_redirect("/home");
    let after = b.cookie_header().expect("session cookie");
    assert_ne!(before, after, "session id renewed at sign-in");
    // The old id is not signed in any more.
    let replay = app.browser();
    let res = replay
        .client
        .get(format!("{}/home", app.addr))
        .header("cookie", before)
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status().as_u16(), 303);
}

async fn cookie_is_http_only_and_lax(app: TestApp) {
    let b = app.browser();
    // The sign-in form's token cookie, then the session cookie set at sign-in.
    let form = b.get("/login").await;
    let signed_in = b
        .post(
            "/login",
            &[("username", "zhibu01"), ("password", DEMO_PASSWORD)],
        )
        .await;
    for (page, name) in [(&form, "zuofeng_csrf="), (&signed_in, "zuofeng_session=")] {
        let cookie = page
            .set_cookie
            .iter()
            .find(|c| c.starts_with(name))
            .unwrap_or_else(|| panic!("{name} in {:?}", page.set_cookie));
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(cookie.contains("Path=/"), "{cookie}");
        assert!(
            !cookie.contains("Secure"),
            "plain http: no Secure flag: {cookie}"
        );
    }
}

async fn cookie_behind_tls_is_host_prefixed_and_secure(app: TestApp) {
    let b = app.browser();
    let page = b.get("/login").await;
    let cookie = page
        .set_cookie
        .iter()
        .find(|c| c.starts_with("__Host-zuofeng_csrf="))
        .expect("__Host- cookie");
    assert!(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("Path=/"));
    assert!(
        !cookie.contains("Domain"),
        "__Host- cookies carry no Domain"
    );
    assert!(page.headers.contains_key("strict-transport-security"));
    // The session cookie, set at sign-in (sent here by hand: the client's jar keeps Secure
    // cookies for https only).
    let token = page.input_value("csrf_token").expect("token");
    let csrf_cookie = cookie.split(';').next().expect("name=value");
    let res = login_with_cookie(&app, csrf_cookie, &token).await;
    assert_eq!(res.status().as_u16(), 303);
    let session = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-zuofeng_session="))
        .expect("__Host- session cookie")
        .to_string();
    assert!(session.contains("Secure") && session.contains("HttpOnly"));
    assert!(!session.contains("Domain"), "{session}");
}

async fn logout_ends_the_session_for_good(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    assert_eq!(b.get("/home").await.status, 200);
    let old_cookie = b.cookie_header().expect("cookie");
    b.post("/logout", &[]).await.assert_redirect("/login");
    b.get("/home").await.assert_redirect("/login?next=%2Fhome");
    // The old cookie, replayed by someone who copied it, is refused too.
    let thief = app.browser();
    let res = thief
        .client
        .get(format!("{}/home", app.addr))
        .header("cookie", old_cookie)
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        app.count(&format!(
            "sessions WHERE user_id = {}",
            app.user_id("zhibu01")
        )),
        0
    );
}

async fn logout_needs_the_csrf_token(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let res = b.post_raw("/logout", &[]).await;
    assert_eq!(res.status, 403);
    res.assert_contains("页面已过期");
    assert_eq!(b.get("/home").await.status, 200, "still signed in");
}

async fn idle_sessions_end(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    app.advance(chrono::Duration::minutes(119));
    assert_eq!(b.get("/home").await.status, 200, "within the idle timeout");
    app.advance(chrono::Duration::minutes(119));
    assert_eq!(
        b.get("/home").await.status,
        200,
        "activity extended the session"
    );
    app.advance(chrono::Duration::minutes(121));
    b.get("/home").await.assert_redirect("/login?next=%2Fhome");
}

async fn sessions_end_after_the_absolute_timeout(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    for _ in 0..11 {
        app.advance(chrono::Duration::hours(1));
        assert_eq!(b.get("/home").await.status, 200);
    }
    app.advance(chrono::Duration::minutes(61));
    b.get("/home").await.assert_redirect("/login?next=%2Fhome");
}

async fn expired_sessions_are_swept(app: TestApp) {
    let _live = app.signed_in("zhibu01").await;
    let _other = app.signed_in("zhibu02").await;
    assert!(app.count("sessions") >= 2);
    let mut conn = app.db.conn().expect("connection");
    let now = zuofeng::clock::Clock::now(&*app.clock);
    let removed = zuofeng::db::models::sessions::purge_expired(
        &mut conn,
        now,
        now - chrono::Duration::hours(12),
    )
    .expect("purge");
    assert_eq!(removed, 0, "nothing expired yet");
    let later = now + chrono::Duration::hours(3);
    let removed = zuofeng::db::models::sessions::purge_expired(
        &mut conn,
        later,
        later - chrono::Duration::hours(12),
    )
    .expect("purge");
    assert!(removed >= 2);
    assert_eq!(app.count("sessions"), 0);
}

async fn disabled_users_are_signed_out_at_once(app: TestApp) {
    let victim = app.signed_in("zhibu02").await;
    assert_eq!(victim.get("/home").await.status, 200);
    let admin = app.signed_in("admin").await;
    admin.get("/home").await;
    let id = app.user_id("zhibu02");
    admin
        .post(
            &format!("/users/{id}/disable"),
            &[("version", &app.version("users", id))],
        )
        .await
        .assert_redirect(&format!("/users/{id}/edit"));
    victim
        .get("/home")
        .await
        .assert_redirect("/login?next=%2Fhome");
    // Signing in again answers like a wrong password: nothing confirms that it was right.
    let again = app.browser().login("zhibu02", DEMO_PASSWORD).await;
    assert_eq!(again.status, 401);
    again.assert_contains("用户名或密码错误");
    again.assert_lacks("停用");
}

both!(
    session_id_changes_at_sign_in,
    cookie_is_http_only_and_lax,
    logout_ends_the_session_for_good,
    logout_needs_the_csrf_token,
    idle_sessions_end,
    sessions_end_after_the_absolute_timeout,
    expired_sessions_are_swept,
    disabled_users_are_signed_out_at_once,
);

both_with!(cookie_behind_tls_is_host_prefixed_and_secure, |s| s
    .secure_cookies =
    true);
