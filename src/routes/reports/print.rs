//! The report's print page (A4).

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::CurrentUser;
use crate::db::models::reports;
use crate::error::AppResult;
use crate::routes::review::Trail;
use crate::services::review as review_service;
use crate::state::AppState;
use crate::views::{render, BaseContext, PageCtx};

use super::show::{load, submitter_name, ReportView};

pub struct PrintLine {
    pub no: usize,
    pub kind: &'static str,
    pub title: String,
    pub progress: String,
    pub work: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "reports/print.html")]
struct PrintPage {
    base: BaseContext,
    r: ReportView,
    lines: Vec<PrintLine>,
    highlights: String,
    problems: String,
    next_plan: String,
    trail: Trail,
}

pub async fn print(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let l = load(&state, &user, id).await?;
    let (unit, report) = (l.unit.clone(), l.report.clone());
    let ((trail, _), submitter) = state
        .db
        .run(move |c| {
            let trail = review_service::trail(c, reports::ENTITY, id, &unit)?;
            Ok((trail, submitter_name(c, &report, &unit)?))
        })
        .await?;
    let r = &l.report;
    render(&PrintPage {
        base: ctx
            .base(format!("{} {} 月度调度", l.unit.name, r.period()))
            .unit(l.unit.name.clone())
            .period(r.period()),
        r: ReportView::of(r, &l.unit, submitter),
        lines: l
            .lines
            .iter()
            .enumerate()
            .map(|(i, x)| PrintLine {
                no: i + 1,
                kind: x.kind_label(),
                title: x.title.clone(),
                progress: x.progress.map(|p| format!("{p}%")).unwrap_or_default(),
                work: x.work.clone(),
                status: x.status_label().to_string(),
            })
            .collect(),
        highlights: r.highlights.clone(),
        problems: r.problems.clone(),
        next_plan: r.next_plan.clone(),
        trail,
    })
}
