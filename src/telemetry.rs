//! Structured logs with `tracing`: one line per request with method, path, status, latency
//! and user id. `RUST_LOG` filters; `ZUOFENG_LOG_FORMAT=json` switches to JSON lines.

use std::time::Instant;

use actix_session::{Session, SessionExt};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::HttpMessage;

use crate::auth::user::LoggedUser;
use crate::auth::SESSION_USER;

pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,actix_server=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let json = std::env::var("ZUOFENG_LOG_FORMAT").is_ok_and(|v| v == "json");
    // A second init (tests) is harmless: keep the first subscriber.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.compact().try_init()
    };
}

/// Middleware: log every request once it has its answer.
pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let start = Instant::now();
    let method = req.method().to_string();
    let path = req.path().to_string();
    let res = next.call(req).await;
    let latency_ms = start.elapsed().as_secs_f64() * 1000.0;
    match &res {
        Ok(r) => {
            let user_id = r.request().extensions().get::<LoggedUser>().map(|u| u.0);
            let status = r.status().as_u16();
            if status >= 500 {
                tracing::error!(%method, %path, status, latency_ms, user_id, "request");
            } else {
                tracing::info!(%method, %path, status, latency_ms, user_id, "request");
            }
        }
        Err(e) => {
            let status = e.as_response_error().status_code().as_u16();
            tracing::error!(%method, %path, status, latency_ms, error = %e, "request");
        }
    }
    res
}

fn session_user(session: &Session) -> Option<i32> {
    session.get::<i32>(SESSION_USER).ok().flatten()
}

/// Middleware just inside the session middleware: note whose session the request carries,
/// and after the handler whose it carries now (the user who just signed in), for the request
/// log. Whether the session still lets the user in is the `CurrentUser` extractor's business;
/// the log line names who the session claims to be.
pub async fn note_session_user(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(id) = session_user(&req.get_session()) {
        req.extensions_mut().insert(LoggedUser(id));
    }
    let res = next.call(req).await?;
    if let Some(id) = session_user(&res.request().get_session()) {
        res.request().extensions_mut().insert(LoggedUser(id));
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_session::storage::CookieSessionStore;
    use actix_session::SessionMiddleware;
    use actix_web::cookie::Key;
    use actix_web::middleware::from_fn;
    use actix_web::{test, web, App, HttpResponse};

    /// Stands in for the log middleware: reports the id it would log in a header.
    async fn report(
        req: ServiceRequest,
        next: Next<impl MessageBody>,
    ) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
        let mut res = next.call(req).await?;
        let id = res.request().extensions().get::<LoggedUser>().map(|u| u.0);
        res.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("x-logged-user"),
            actix_web::http::header::HeaderValue::from_str(
                &id.map_or("-".to_string(), |i| i.to_string()),
            )
            .expect("header"),
        );
        Ok(res)
    }

    fn logged<B>(res: &ServiceResponse<B>) -> String {
        res.headers()
            .get("x-logged-user")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }

    #[actix_web::test]
    async fn the_log_names_the_session_user_on_every_request() {
        let app = test::init_service(
            App::new()
                .route(
                    "/login",
                    web::post().to(|s: Session| async move {
                        s.insert(SESSION_USER, 42).expect("insert");
                        HttpResponse::Ok().finish()
                    }),
                )
                // A handler that never loads CurrentUser.
                .route("/plain", web::get().to(HttpResponse::Ok))
                .wrap(from_fn(note_session_user))
                .wrap(SessionMiddleware::new(
                    CookieSessionStore::default(),
                    Key::generate(),
                ))
                .wrap(from_fn(report)),
        )
        .await;
        // Signed out: no id.
        let res =
            test::call_service(&app, test::TestRequest::get().uri("/plain").to_request()).await;
        assert_eq!(logged(&res), "-");
        // The sign-in request itself names the user who just signed in.
        let res =
            test::call_service(&app, test::TestRequest::post().uri("/login").to_request()).await;
        assert_eq!(logged(&res), "42");
        let cookie = res
            .response()
            .cookies()
            .next()
            .expect("session cookie")
            .into_owned();
        // A later request whose handler does not load the user still names it.
        let res = test::call_service(
            &app,
            test::TestRequest::get()
                .uri("/plain")
                .cookie(cookie)
                .to_request(),
        )
        .await;
        assert_eq!(logged(&res), "42");
    }
}
