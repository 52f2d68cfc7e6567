//! Structured logs with `tracing`: one line per request with method, path, status, latency
//! and user id. `RUST_LOG` filters; `ZUOFENG_LOG_FORMAT=json` switches to JSON lines.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::HttpMessage;

use crate::auth::user::LoggedUser;

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
