//! The 第一议题 record forms: new, edit, create and update (drafts only).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db::models::topics::MeetingKind;
use crate::domain::validate::FieldErrors;
use crate::error::AppResult;
use crate::forms::topics::TopicForm;
use crate::routes::ymd;
use crate::services::topics::{self as service, Saved};
use crate::state::AppState;
use crate::views::units::{tree_rows, UnitRow};
use crate::views::{flash, redirect, render_status, BaseContext, PageCtx};

use super::show::load_checked;
use crate::routes::writable_units;

#[derive(Template)]
#[template(path = "topics/form.html")]
struct FormPage {
    base: BaseContext,
    editing: Option<i32>,
    form: TopicForm,
    errors: FieldErrors,
    units: Vec<UnitRow>,
    kinds: &'static [MeetingKind],
}

async fn form_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    editing: Option<i32>,
    form: TopicForm,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else if errors.general().is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let u = user.clone();
    let unit_list = state.db.run(move |c| writable_units(c, &u)).await?;
    let title = if editing.is_some() {
        "编辑第一议题记录"
    } else {
        "新增第一议题记录"
    };
    render_status(
        status,
        &FormPage {
            base: ctx.base(title),
            editing,
            form,
            errors,
            units: tree_rows(&unit_list),
            kinds: MeetingKind::ALL,
        },
    )
}

pub async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::CreateRecords)?;
    let form = TopicForm {
        unit_id: if user.may(Capability::RecordForAnyUnit) {
            String::new()
        } else {
            user.unit_id.to_string()
        },
        meeting_date: ymd(state.settings.clock.today()),
        meeting_kind: MeetingKind::Committee.code().into(),
        ..Default::default()
    };
    form_page(&state, &ctx, &user, None, form, FieldErrors::new()).await
}

pub async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (t, _) = load_checked(&state, &user, id, Action::Write).await?;
    if !t.state().editable() {
        // A stale edit link: show the record with the reason instead of an error page.
        flash(&session, "error", NOT_EDITABLE);
        return Ok(redirect(&format!("/topics/{id}")));
    }
    form_page(
        &state,
        &ctx,
        &user,
        Some(id),
        TopicForm::from_topic(&t),
        FieldErrors::new(),
    )
    .await
}

const NOT_EDITABLE: &str = "该记录已提交审核，不能再修改；如需修改，请由审核人退回。";

/// Why a save or submission came too late: the record was submitted meanwhile, its input is
/// kept on the form with this message.
const SUBMITTED_MEANWHILE: &str = "未能保存：该记录已提交审核，不能再修改。您填写的内容仍在下方，尚未保存，可复制留存；如需修改，请由审核人退回后再编辑。";

fn form_of(user: &CurrentUser, raw: TopicForm) -> TopicForm {
    let mut form = raw;
    crate::routes::own_unit_by_default(user, &mut form.unit_id);
    form
}

pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    body: web::Form<TopicForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::CreateRecords)?;
    let form = form_of(&user, body.into_inner());
    crate::routes::require_unit_write(&state, &user, &form.unit_id).await?;
    let fields = match form.parse(state.settings.clock.today()) {
        Ok(f) => f,
        Err(errors) => return form_page(&state, &ctx, &user, None, form, errors).await,
    };
    let now = state.now();
    let u = user.clone();
    let id = state
        .db
        .write(move |c| service::create(c, &u, &fields, now))
        .await?;
    flash(&session, "success", "已保存第一议题记录（草稿）。");
    Ok(redirect(&format!("/topics/{id}")))
}

pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<TopicForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (t, _) = load_checked(&state, &user, id, Action::Write).await?;
    let form = form_of(&user, body.into_inner());
    if !t.state().editable() {
        return not_editable_form(&state, &ctx, &user, id, form).await;
    }
    crate::routes::require_unit_write(&state, &user, &form.unit_id).await?;
    let fields = match form.parse(state.settings.clock.today()) {
        Ok(f) => f,
        Err(errors) => return form_page(&state, &ctx, &user, Some(id), form, errors).await,
    };
    let expected: Option<i32> = form.version.trim().parse().ok();
    let now = state.now();
    let u = user.clone();
    let saved = state
        .db
        .write(move |c| service::update(c, &u, id, expected, &fields, now))
        .await?;
    match saved {
        Saved::Done => {
            flash(&session, "success", "已保存第一议题记录。");
            Ok(redirect(&format!("/topics/{id}")))
        }
        Saved::Conflict(current) => {
            let mut e = FieldErrors::new();
            e.add("", crate::error::STALE_EDIT);
            let mut form = form;
            form.version = current.to_string();
            form_page(&state, &ctx, &user, Some(id), form, e).await
        }
        Saved::NotEditable => not_editable_form(&state, &ctx, &user, id, form).await,
    }
}

/// The record was submitted before this save arrived: the form again, input kept, 409.
async fn not_editable_form(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    id: i32,
    form: TopicForm,
) -> AppResult<HttpResponse> {
    let mut e = FieldErrors::new();
    e.add("", SUBMITTED_MEANWHILE);
    form_page(state, ctx, user, Some(id), form, e).await
}
