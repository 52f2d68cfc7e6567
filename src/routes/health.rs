//! `GET /healthz` (liveness): 200 when the database answers, 503 when it does not.
//! `GET /readyz` (readiness): 200 when the database answers and this binary's migrations are
//! all applied, else 503 with the reason. Both anonymous, both read only.

use actix_web::{web, HttpResponse};
use diesel::connection::SimpleConnection;

use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz));
    cfg.route("/readyz", web::get().to(readyz));
}

fn text(mut res: actix_web::HttpResponseBuilder, body: String) -> HttpResponse {
    res.content_type("text/plain; charset=utf-8").body(body)
}

async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    match state.db.run(|c| Ok(c.batch_execute("SELECT 1")?)).await {
        Ok(()) => text(HttpResponse::Ok(), "ok".into()),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            text(
                HttpResponse::ServiceUnavailable(),
                "database unavailable".into(),
            )
        }
    }
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let pending = state
        .db
        .run(|c| {
            c.batch_execute("SELECT 1")?;
            crate::ops::pending_migrations(c).map_err(crate::error::AppError::internal)
        })
        .await;
    match pending {
        Ok(p) if p.is_empty() => text(HttpResponse::Ok(), "ready".into()),
        Ok(p) => text(
            HttpResponse::ServiceUnavailable(),
            format!(
                "not ready: {} pending migration(s): {}",
                p.len(),
                p.join(", ")
            ),
        ),
        Err(e) => {
            tracing::error!(error = %e, "readiness check failed");
            text(
                HttpResponse::ServiceUnavailable(),
                "not ready: database unavailable".into(),
            )
        }
    }
}
