//! `GET /dashboard/briefing.docx?year=&month=&unit=`: the monthly briefing (月度调度通报).

use actix_web::{web, HttpResponse};

use super::{period, PeriodQuery};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub async fn download(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<PeriodQuery>,
) -> AppResult<HttpResponse> {
    let _p = period(&state, &user, &q).await?;
    Err(AppError::NotFound)
}
