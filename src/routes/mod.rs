//! HTTP routes, one module per area. Each module exposes `configure`; handlers stay thin:
//! parse input, ask the policy, call the area's queries, render.

pub mod account;
pub mod assets;
pub mod attachments;
pub mod audit;
pub mod campaigns;
pub mod client_ip;
pub mod health;
pub mod home;
pub mod measures;
pub mod rect;
pub mod reports;
pub mod taskforce;
pub mod topics;
pub mod units;
pub mod users;

use actix_governor::governor::middleware::NoOpMiddleware;
use actix_governor::Governor;
use actix_web::web;

use crate::error::AppError;

pub type LoginLimiter = Governor<client_ip::ClientIpKeyExtractor, NoOpMiddleware>;

pub fn configure(cfg: &mut web::ServiceConfig, login_limiter: LoginLimiter) {
    health::configure(cfg);
    assets::configure(cfg);
    attachments::configure(cfg);
    account::configure(cfg, login_limiter);
    home::configure(cfg);
    measures::configure(cfg);
    rect::configure(cfg);
    reports::configure(cfg);
    taskforce::configure(cfg);
    topics::configure(cfg);
    units::configure(cfg);
    users::configure(cfg);
    audit::configure(cfg);
    campaigns::configure(cfg);
}

pub async fn not_found() -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// The ticked ids of a batch form (`ids=3&ids=7`), without repeats; a non-number is a 400.
pub fn ticked_ids(pairs: Vec<(String, String)>) -> Result<Vec<i32>, AppError> {
    let mut ids: Vec<i32> = Vec::new();
    for (k, v) in pairs {
        if k == "ids" {
            let id = v
                .trim()
                .parse::<i32>()
                .map_err(|_| AppError::BadRequest("所选记录无效。".into()))?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    Ok(ids)
}

/// Parse the optional query parameter the list filters share: an empty string means "any".
pub fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}
