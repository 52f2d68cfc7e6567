//! The office enters a letter, call or WeChat message (信、电、微); 网 comes only through the
//! public form.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db::models::units;
use crate::domain::feedback::{FeedbackCategory, FeedbackChannel};
use crate::domain::validate::FieldErrors;
use crate::error::AppResult;
use crate::forms::feedback::ItemForm;
use crate::routes::ymd;
use crate::services::feedback as service;
use crate::state::AppState;
use crate::views::units::{tree_rows, UnitRow};
use crate::views::{flash, redirect, render_form, BaseContext, PageCtx};

#[derive(Template)]
#[template(path = "feedback/new.html")]
struct NewPage {
    base: BaseContext,
    form: ItemForm,
    errors: FieldErrors,
    channels: Vec<FeedbackChannel>,
    categories: &'static [FeedbackCategory],
    units: Vec<UnitRow>,
}

async fn page(
    state: &AppState,
    ctx: &PageCtx,
    form: ItemForm,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let unit_list = state
        .db
        .run(|c| {
            Ok(units::all(c)?
                .into_iter()
                .filter(|u| u.active)
                .collect::<Vec<_>>())
        })
        .await?;
    render_form(
        &NewPage {
            base: ctx.base("登记来信、来电、微信"),
            form,
            errors: errors.clone(),
            channels: FeedbackChannel::ALL
                .iter()
                .copied()
                .filter(|c| *c != FeedbackChannel::Web)
                .collect(),
            categories: FeedbackCategory::ALL,
            units: tree_rows(&unit_list),
        },
        &errors,
    )
}

pub async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::HandleFeedback)?;
    let form = ItemForm {
        channel: FeedbackChannel::Letter.code().into(),
        received_on: ymd(state.settings.clock.today()),
        ..Default::default()
    };
    page(&state, &ctx, form, FieldErrors::new()).await
}

pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    body: web::Form<ItemForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::HandleFeedback)?;
    let form = body.into_inner();
    let item = match form.parse_office(state.settings.clock.today()) {
        Ok(i) => i,
        Err(e) => return page(&state, &ctx, form, e).await,
    };
    let now = state.now();
    let me = user.clone();
    match state
        .db
        .write(move |c| service::create_office(c, &me, &item, now))
        .await?
    {
        Ok(id) => {
            flash(&session, "success", "已登记，请分办。");
            Ok(redirect(&format!("/feedback/{id}")))
        }
        Err(e) => page(&state, &ctx, form, e).await,
    }
}
