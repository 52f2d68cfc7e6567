//! One measure: its page (history, evidence files), the form to create or edit it, and
//! closing it.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::clock::format_local;
use crate::db::models::attachments::Owner;
use crate::db::models::campaigns::{self, Campaign, Goal};
use crate::db::models::history;
use crate::db::models::measures::{self, number_text};
use crate::db::models::units::{self, Unit};
use crate::db::DbConn;
use crate::domain::register::{Carrier, LeadTag, MeasureCategory, MeasureStatus};
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::forms::measures::MeasureForm;
use crate::routes::attachments::FileList;
use crate::routes::{history_lines, HistoryLine};
use crate::routes::{non_empty, ymd};
use crate::services::measures::{self as service, Saved, CLOSED_MEANWHILE};
use crate::state::AppState;
use crate::views::units::{tree_rows, UnitRow};
use crate::views::{flash, redirect, render, render_status, BaseContext, PageCtx};

use super::{can_write_any, goal_groups, GoalGroup, NewQuery};

// ---------------------------------------------------------------- detail

pub struct MeasureView {
    pub id: i32,
    pub unit_name: String,
    pub title: String,
    pub content: String,
    pub category: &'static str,
    pub carrier: &'static str,
    pub lead_tag: &'static str,
    pub indicator: String,
    pub target_value: String,
    pub target_unit: String,
    pub owner: String,
    pub deadline: String,
    pub status: &'static str,
    pub progress: i32,
    pub closed: bool,
    pub closed_at: String,
    pub updated_at: String,
    pub light: &'static str,
    pub light_label: &'static str,
}

#[derive(Template)]
#[template(path = "measures/show.html")]
struct ShowPage {
    base: BaseContext,
    year: i32,
    m: MeasureView,
    goals: Vec<String>,
    history: Vec<HistoryLine>,
    files: FileList,
    can_write: bool,
}

pub(super) async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let u = user.clone();
    // One checkout for the measure, the check and everything the page shows.
    let ((m, unit, can_write), (campaign, goals, changes, files)) = state
        .db
        .run(move |c| {
            let m = measures::get(c, id)?;
            let unit = units::get(c, m.unit_id)?;
            u.require(Action::Read, &unit)?;
            let can_write = u.can(Action::Write, &unit);
            let campaign = campaigns::get(c, m.campaign_id)?;
            let goals = measures::goals_of(c, &[id])?
                .remove(&id)
                .unwrap_or_default();
            let changes = history::list(c, "measure", id)?;
            let files =
                FileList::load(c, Owner::Measure, id, format!("/measures/{id}"), can_write)?;
            Ok(((m, unit, can_write), (campaign, goals, changes, files)))
        })
        .await?;
    let today = state.settings.clock.today();
    let light = m.signal(today, campaign.yellow_days);
    let view = MeasureView {
        id: m.id,
        unit_name: unit.name.clone(),
        content: m.content.clone(),
        category: m.category().label(),
        carrier: m.carrier().label(),
        lead_tag: m.lead_tag().label(),
        indicator: m.indicator.clone(),
        target_value: m.target_value.map(number_text).unwrap_or_default(),
        target_unit: m.target_unit.clone(),
        owner: m.owner.clone(),
        deadline: ymd(m.deadline),
        status: m.status().label(),
        progress: m.progress,
        closed: m.status() == MeasureStatus::Closed,
        closed_at: m.closed_at.map(format_local).unwrap_or_default(),
        updated_at: format_local(m.updated_at),
        light: light.code,
        light_label: light.label,
        title: m.title.clone(),
    };
    render(&ShowPage {
        base: ctx
            .base(m.title.clone())
            .unit(view.unit_name.clone())
            .period(format!("{}年", campaign.year)),
        year: campaign.year,
        m: view,
        goals: goals.iter().map(Goal::full_name).collect(),
        history: history_lines(changes),
        files,
        can_write,
    })
}

// ---------------------------------------------------------------- form

#[derive(Template)]
#[template(path = "measures/form.html")]
struct FormPage {
    base: BaseContext,
    editing: Option<i32>,
    campaign_name: String,
    form: MeasureForm,
    errors: FieldErrors,
    units: Vec<UnitRow>,
    goal_groups: Vec<GoalGroup>,
    categories: &'static [MeasureCategory],
    carriers: &'static [Carrier],
    lead_tags: &'static [LeadTag],
    statuses: Vec<MeasureStatus>,
}

/// The units the user may write measures for, in tree order.
fn writable_units(c: &mut DbConn, user: &CurrentUser) -> AppResult<Vec<Unit>> {
    if user.may(Capability::RecordForAnyUnit) {
        Ok(units::all(c)?.into_iter().filter(|u| u.active).collect())
    } else {
        Ok(vec![units::get(c, user.unit_id)?])
    }
}

async fn form_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    editing: Option<i32>,
    campaign: &Campaign,
    form: MeasureForm,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    // A form-level message only comes from an edit conflict or a form without its version.
    let status = if errors.is_empty() {
        StatusCode::OK
    } else if errors.general() == Some(crate::error::NO_VERSION) {
        StatusCode::BAD_REQUEST
    } else if errors.general().is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let u = user.clone();
    let cid = campaign.id;
    let (unit_list, goals) = state
        .db
        .run(move |c| Ok((writable_units(c, &u)?, campaigns::goals(c, cid)?)))
        .await?;
    let title = if editing.is_some() {
        "编辑践行举措"
    } else {
        "新增践行举措"
    };
    let page = FormPage {
        base: ctx.base(title),
        editing,
        campaign_name: campaign.name.clone(),
        form,
        errors,
        units: tree_rows(&unit_list),
        goal_groups: goal_groups(&goals),
        categories: MeasureCategory::ALL,
        carriers: Carrier::ALL,
        lead_tags: LeadTag::ALL,
        statuses: MeasureStatus::ALL
            .iter()
            .copied()
            .filter(|s| *s != MeasureStatus::Closed)
            .collect(),
    };
    render_status(status, &page)
}

pub(super) async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<NewQuery>,
) -> AppResult<HttpResponse> {
    if !can_write_any(&user) {
        return Err(AppError::Forbidden);
    }
    let year = non_empty(&query.year).and_then(|y| y.parse().ok());
    let today = state.settings.clock.today();
    let campaign = state
        .db
        .run(move |c| Ok(campaigns::chosen(c, year, today)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let form = MeasureForm {
        year: campaign.year.to_string(),
        unit_id: if user.may(Capability::RecordForAnyUnit) {
            String::new()
        } else {
            user.unit_id.to_string()
        },
        category: MeasureCategory::Production.code().into(),
        carrier: Carrier::NoCarrier.code().into(),
        lead_tag: LeadTag::NoTag.code().into(),
        status: MeasureStatus::NotStarted.code().into(),
        progress: "0".into(),
        ..Default::default()
    };
    form_page(
        &state,
        &ctx,
        &user,
        None,
        &campaign,
        form,
        FieldErrors::new(),
    )
    .await
}

pub(super) async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let u = user.clone();
    // One checkout for the measure, the check, its goals and campaign.
    let (m, campaign, goal_ids) = state
        .db
        .run(move |c| {
            let m = measures::get(c, id)?;
            u.require(Action::Write, &units::get(c, m.unit_id)?)?;
            let goals = measures::goals_of(c, &[id])?
                .remove(&id)
                .unwrap_or_default();
            let campaign = campaigns::get(c, m.campaign_id)?;
            Ok((m, campaign, goals.iter().map(|g| g.id).collect::<Vec<_>>()))
        })
        .await?;
    if m.status() == MeasureStatus::Closed {
        return Err(AppError::Conflict("该举措已关闭，不能再修改。".into()));
    }
    let form = MeasureForm::from_measure(&m, &goal_ids, campaign.year);
    form_page(
        &state,
        &ctx,
        &user,
        Some(id),
        &campaign,
        form,
        FieldErrors::new(),
    )
    .await
}

fn form_from_body(user: &CurrentUser, pairs: Vec<(String, String)>) -> MeasureForm {
    let mut form = MeasureForm::from_pairs(pairs);
    if !user.may(Capability::RecordForAnyUnit) && form.unit_id.trim().is_empty() {
        form.unit_id = user.unit_id.to_string();
    }
    form
}

pub(super) async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    if !can_write_any(&user) {
        return Err(AppError::Forbidden);
    }
    let form = form_from_body(&user, body.into_inner());
    let year: Option<i32> = form.year.trim().parse().ok();
    let uid: Option<i32> = form.unit_id.trim().parse().ok();
    // One checkout for the campaign and the unit chosen on the form.
    let (campaign, unit) = state
        .db
        .run(move |c| {
            let campaign = match year {
                Some(y) => campaigns::by_year(c, y)?,
                None => None,
            };
            let unit = match (&campaign, uid) {
                (Some(_), Some(uid)) => units::find(c, uid)?,
                _ => None,
            };
            Ok((campaign, unit))
        })
        .await?;
    let campaign =
        campaign.ok_or_else(|| AppError::BadRequest("年度无效，请从举措列表重新进入。".into()))?;
    // A unit outside the user's scope is refused before anything else.
    if let Some(unit) = unit {
        user.require(Action::Write, &unit)?;
    }
    let fields = match form.parse(false) {
        Ok(f) => f,
        Err(errors) => {
            return form_page(&state, &ctx, &user, None, &campaign, form, errors).await;
        }
    };
    let now = state.now();
    let u = user.clone();
    let cid = campaign.id;
    let saved = state
        .db
        .write(move |c| service::create(c, &u, cid, &fields, now))
        .await?;
    match saved {
        Saved::Done { id, title } => {
            flash(&session, "success", format!("已新增践行举措：{title}"));
            Ok(redirect(&format!("/measures/{id}")))
        }
        Saved::Invalid(errors) | Saved::Conflict(errors) | Saved::Stale(errors, _) => {
            form_page(&state, &ctx, &user, None, &campaign, form, errors).await
        }
    }
}

pub(super) async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let mut form = form_from_body(&user, body.into_inner());
    let uid: Option<i32> = form.unit_id.trim().parse().ok();
    // One checkout for the measure, its unit and campaign, and the unit chosen on the form.
    let (m, unit, campaign, chosen) = state
        .db
        .run(move |c| {
            let m = measures::get(c, id)?;
            let unit = units::get(c, m.unit_id)?;
            let campaign = campaigns::get(c, m.campaign_id)?;
            let chosen = match uid {
                Some(uid) => units::find(c, uid)?,
                None => None,
            };
            Ok((m, unit, campaign, chosen))
        })
        .await?;
    user.require(Action::Write, &unit)?;
    let cid = m.campaign_id;
    form.year = campaign.year.to_string();
    if m.status() == MeasureStatus::Closed {
        let errors = FieldErrors::message(CLOSED_MEANWHILE);
        return form_page(&state, &ctx, &user, Some(id), &campaign, form, errors).await;
    }
    if let Some(unit) = chosen {
        user.require(Action::Write, &unit)?;
    }
    let fields = match form.parse(false) {
        Ok(f) => f,
        Err(errors) => {
            return form_page(&state, &ctx, &user, Some(id), &campaign, form, errors).await;
        }
    };
    let Ok(expected_version) = crate::db::edit_version(&form.version) else {
        let errors = FieldErrors::message(crate::error::NO_VERSION);
        return form_page(&state, &ctx, &user, Some(id), &campaign, form, errors).await;
    };
    let now = state.now();
    let u = user.clone();
    let saved = state
        .db
        .write(move |c| service::update(c, &u, id, cid, expected_version, &fields, now))
        .await?;
    match saved {
        Saved::Done { title, .. } => {
            flash(&session, "success", format!("已保存践行举措：{title}"));
            Ok(redirect(&format!("/measures/{id}")))
        }
        Saved::Invalid(errors) | Saved::Conflict(errors) => {
            form_page(&state, &ctx, &user, Some(id), &campaign, form, errors).await
        }
        Saved::Stale(errors, current) => {
            let mut form = form;
            form.version = current.to_string();
            form_page(&state, &ctx, &user, Some(id), &campaign, form, errors).await
        }
    }
}

pub(super) async fn close(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let now = state.now();
    let u = user.clone();
    // The transaction answers 404, 403 and 409 itself: no separate load first.
    let title = state
        .db
        .write(move |c| service::close(c, &u, id, now))
        .await?;
    flash(&session, "success", format!("已关闭践行举措：{title}"));
    Ok(redirect(&format!("/measures/{id}")))
}
