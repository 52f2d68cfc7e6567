//! The public side of the supervision channels (网), without sign-in: the form, the page that
//! gives the tracking code, and the tracking page. Nothing here writes to the database but
//! the item itself: the form's CSRF token is the anonymous signed cookie of `auth::csrf` (no
//! session row); the POST is limited per client address (`PublicLimiter`) and to a small body
//! (`PUBLIC_FORM_LIMIT`). The tracking page shows category, received date, state and reply
//! only — never the sender's name or phone — and the same 404 for a wrong and a missing code.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db::models::{feedback, units};
use crate::domain::feedback::{FeedbackCategory, FeedbackChannel, FeedbackState};
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::forms::feedback::ItemForm;
use crate::routes::ymd;
use crate::services::feedback as service;
use crate::state::AppState;
use crate::views::{render, render_status, BaseContext, PageCtx};

use super::{PublicLimiter, PUBLIC_FORM_LIMIT};

pub fn configure(cfg: &mut web::ServiceConfig, limiter: PublicLimiter) {
    cfg.service(
        web::resource("/public/feedback")
            // A public item is a few KB: a larger body is refused (413, Chinese page) as soon
            // as its length is known, before anything is stored.
            .app_data(
                web::FormConfig::default()
                    .limit(PUBLIC_FORM_LIMIT)
                    .error_handler(|err, _| match err {
                        actix_web::error::UrlencodedError::Overflow { .. } => {
                            AppError::PayloadTooLarge.into()
                        }
                        _ => {
                            AppError::BadRequest("表单内容无法识别，请返回重新填写。".into()).into()
                        }
                    }),
            )
            .wrap(limiter)
            .route(web::get().to(form_page))
            .route(web::post().to(send)),
    )
    .route("/public/feedback/track", web::get().to(track));
}

pub struct UnitChoice {
    pub id: i32,
    pub name: String,
}

#[derive(Template)]
#[template(path = "feedback/public_form.html")]
struct FormPage {
    base: BaseContext,
    form: ItemForm,
    errors: FieldErrors,
    categories: &'static [FeedbackCategory],
    channels: &'static [FeedbackChannel],
    units: Vec<UnitChoice>,
}

async fn render_form_page(
    state: &AppState,
    ctx: &PageCtx,
    form: ItemForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let units = state
        .db
        .run(|c| {
            Ok(units::tree_order(units::all(c)?)
                .into_iter()
                .filter(|u| u.active)
                .map(|u| UnitChoice {
                    id: u.id,
                    name: u.name,
                })
                .collect::<Vec<_>>())
        })
        .await?;
    render_status(
        status,
        &FormPage {
            base: ctx.base("监督渠道 · 网上留言"),
            form,
            errors,
            categories: FeedbackCategory::ALL,
            channels: FeedbackChannel::ALL,
            units,
        },
    )
}

async fn form_page(state: web::Data<AppState>, ctx: PageCtx) -> AppResult<HttpResponse> {
    let form = ItemForm {
        category: FeedbackCategory::Suggestion.code().into(),
        ..Default::default()
    };
    render_form_page(&state, &ctx, form, FieldErrors::new(), StatusCode::OK).await
}

#[derive(Template)]
#[template(path = "feedback/public_sent.html")]
struct SentPage {
    base: BaseContext,
    code: String,
    track_link: String,
}

async fn send(
    state: web::Data<AppState>,
    ctx: PageCtx,
    body: web::Form<ItemForm>,
) -> AppResult<HttpResponse> {
    let form = body.into_inner();
    let item = match form.parse_public(state.settings.clock.today()) {
        Ok(i) => i,
        Err(e) => {
            return render_form_page(&state, &ctx, form, e, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    };
    let now = state.now();
    match state
        .db
        .write(move |c| service::create_public(c, &item, now))
        .await?
    {
        Ok(code) => render(&SentPage {
            base: ctx.base("监督渠道 · 已收到"),
            track_link: format!("/public/feedback/track?code={code}"),
            code,
        }),
        Err(e) => render_form_page(&state, &ctx, form, e, StatusCode::UNPROCESSABLE_ENTITY).await,
    }
}

#[derive(Deserialize)]
struct TrackQuery {
    code: Option<String>,
}

/// What the sender sees of their item.
pub struct Tracked {
    pub category: &'static str,
    pub received_on: String,
    pub state: &'static str,
    pub reply: String,
    pub replied_on: String,
}

#[derive(Template)]
#[template(path = "feedback/public_track.html")]
struct TrackPage {
    base: BaseContext,
    code: String,
    found: Option<Tracked>,
}

async fn track(
    state: web::Data<AppState>,
    ctx: PageCtx,
    query: web::Query<TrackQuery>,
) -> AppResult<HttpResponse> {
    let code: String = query
        .code
        .as_deref()
        .unwrap_or_default()
        .trim()
        .to_ascii_uppercase();
    let found = if service::plausible_code(&code) {
        let c2 = code.clone();
        state
            .db
            .run(move |c| Ok(feedback::by_code(c, &c2)?))
            .await?
    } else {
        None
    };
    let found = found.map(|item| {
        // The reply is shown once the unit has answered (已答复, 已办结).
        let answered = matches!(item.state(), FeedbackState::Replied | FeedbackState::Closed);
        Tracked {
            category: item.category().map_or("", FeedbackCategory::label),
            received_on: ymd(item.received_on),
            state: item.state().label(),
            reply: if answered {
                item.reply.clone()
            } else {
                String::new()
            },
            replied_on: if answered {
                item.replied_at.map(|t| ymd(t.date())).unwrap_or_default()
            } else {
                String::new()
            },
        }
    });
    let status = if found.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    render_status(
        status,
        &TrackPage {
            base: ctx.base("监督渠道 · 办理进度"),
            code: if found.is_some() { code } else { String::new() },
            found,
        },
    )
}
