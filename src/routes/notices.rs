//! In-app notices (站内通知): shown on the home page (`home`), marked read here by their
//! recipient — one, or all at once.

use actix_web::{web, HttpResponse};

use crate::auth::CurrentUser;
use crate::clock::format_local;
use crate::db::models::notices::NoticeRow;
use crate::error::AppResult;
use crate::services::notices as service;
use crate::state::AppState;
use crate::views::redirect;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/notices/read-all", web::post().to(read_all))
        .route("/notices/{id}/read", web::post().to(read));
}

/// How many unread notices the home page lists.
pub const SHOWN: i64 = 20;

/// A notice as the home page shows it.
pub struct NoticeView {
    pub id: i32,
    pub message: String,
    pub link: String,
    pub at: String,
}

impl From<NoticeRow> for NoticeView {
    fn from(n: NoticeRow) -> Self {
        NoticeView {
            id: n.id,
            message: n.message,
            link: n.link,
            at: format_local(n.created_at),
        }
    }
}

async fn read(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let now = state.now();
    state
        .db
        .write(move |c| service::mark_read(c, &user, id, now))
        .await?;
    Ok(redirect("/home"))
}

async fn read_all(state: web::Data<AppState>, user: CurrentUser) -> AppResult<HttpResponse> {
    let now = state.now();
    state
        .db
        .write(move |c| service::mark_all_read(c, &user, now))
        .await?;
    Ok(redirect("/home"))
}
