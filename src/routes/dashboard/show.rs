//! `GET /dashboard`: the whole campaign on one page.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::{period, PeriodQuery};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;
use crate::views::{render, BaseContext, PageCtx};

#[derive(Template)]
#[template(path = "dashboard/show.html")]
struct DashboardPage {
    base: BaseContext,
    year: i32,
    month: u32,
    scope_name: String,
}

pub async fn page(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    q: web::Query<PeriodQuery>,
) -> AppResult<HttpResponse> {
    let p = period(&state, &user, &q).await?;
    render(&DashboardPage {
        base: ctx.base("统计看板"),
        year: p.year,
        month: p.month,
        scope_name: p.scope_name,
    })
}
