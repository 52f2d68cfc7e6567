//! The brand page: its fields, the stages as a timeline with the step to the next one, its
//! events and promotion records (add, delete), its files (the logo among them), the field
//! history and the audit entries; and the logo served inline for `<img>`.

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::{Action, CurrentUser};
use crate::clock::format_local;
use crate::db::models::attachments::{self, Owner};
use crate::db::models::brands::{self, Brand, ENTITY};
use crate::db::models::history;
use crate::db::models::units::Unit;
use crate::domain::brand::{BrandEventKind, BrandStatus};
use crate::domain::files;
use crate::domain::validate::FieldErrors;
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::forms::brands::{AdvanceForm, EventForm, PromotionForm};
use crate::routes::attachments::FileList;
use crate::routes::{history_lines, ymd, HistoryLine};
use crate::services::brands as service;
use crate::state::AppState;
use crate::views::{flash, redirect, render_status, BaseContext, PageCtx};

use super::PLACEHOLDER;

/// One stage on the timeline.
pub struct Stage {
    pub label: &'static str,
    pub date: String,
    pub reached: bool,
    pub current: bool,
}

pub struct NextStep {
    pub code: &'static str,
    pub label: &'static str,
    pub award: bool,
}

pub struct EventLine {
    pub id: i32,
    pub kind: &'static str,
    pub date: String,
    pub title: String,
    pub place: String,
    pub notes: String,
}

pub struct PromotionLine {
    pub id: i32,
    pub platform: String,
    pub date: String,
    pub title: String,
    /// An http(s) address (checked when saved), or empty.
    pub link: String,
}

pub struct AuditLine {
    pub at: String,
    pub who: String,
    pub action: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "brands/show.html")]
struct ShowPage {
    base: BaseContext,
    b: Brand,
    unit_name: String,
    kind: &'static str,
    main: bool,
    status: &'static str,
    status_code: &'static str,
    timeline: Vec<Stage>,
    next: Option<NextStep>,
    /// Why the next step is not offered to this user (已获评 is the office's).
    next_hint: Option<&'static str>,
    advance: AdvanceForm,
    advance_errors: FieldErrors,
    events: Vec<EventLine>,
    event: EventForm,
    event_errors: FieldErrors,
    event_kinds: &'static [BrandEventKind],
    promotions: Vec<PromotionLine>,
    promotion: PromotionForm,
    promotion_errors: FieldErrors,
    files: FileList,
    history: Vec<HistoryLine>,
    audit: Vec<AuditLine>,
    can_edit: bool,
    /// The logo's address (the placeholder when the brand has no image).
    logo: String,
}

/// A form of the brand page that came back with errors, kept as typed.
#[derive(Default)]
pub(super) struct Refused {
    advance: Option<(AdvanceForm, FieldErrors)>,
    event: Option<(EventForm, FieldErrors)>,
    promotion: Option<(PromotionForm, FieldErrors)>,
}

/// The brand with its unit, checked for `action`.
pub(super) async fn load_checked(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    action: Action,
) -> AppResult<(Brand, Unit)> {
    let me = user.clone();
    state
        .db
        .run(move |c| service::load(c, &me, id, action))
        .await
}

async fn show_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    id: i32,
    refused: Refused,
) -> AppResult<HttpResponse> {
    let (b, unit) = load_checked(state, user, id, Action::Read).await?;
    let can_edit = user.can(Action::Write, &unit);
    let today = state.settings.clock.today();
    let current = b.status();
    let at = BrandStatus::ALL
        .iter()
        .position(|s| *s == current)
        .unwrap_or(0);
    let timeline = BrandStatus::ALL
        .iter()
        .enumerate()
        .map(|(i, s)| Stage {
            label: s.label(),
            date: b.date_of(*s).map(ymd).unwrap_or_default(),
            reached: i <= at,
            current: i == at,
        })
        .collect();
    let (next, next_hint) = match current.next() {
        Some(n) if can_edit && (!n.office_only() || user.role == Role::Office) => (
            Some(NextStep {
                code: n.code(),
                label: n.label(),
                award: n == BrandStatus::Awarded,
            }),
            None,
        ),
        Some(n) if can_edit && n.office_only() => (None, Some(service::OFFICE_ONLY)),
        _ => (None, None),
    };
    let status =
        if refused.advance.is_some() || refused.event.is_some() || refused.promotion.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
    let (advance, advance_errors) = refused.advance.unwrap_or_else(|| {
        (
            AdvanceForm {
                status: next
                    .as_ref()
                    .map(|n| n.code.to_string())
                    .unwrap_or_default(),
                on: ymd(today),
                award: String::new(),
                version: b.version.to_string(),
            },
            FieldErrors::new(),
        )
    });
    let (event, event_errors) = refused.event.unwrap_or_else(|| {
        (
            EventForm {
                kind: BrandEventKind::Exchange.code().into(),
                held_on: ymd(today),
                ..Default::default()
            },
            FieldErrors::new(),
        )
    });
    let (promotion, promotion_errors) = refused.promotion.unwrap_or_else(|| {
        (
            PromotionForm {
                published_on: ymd(today),
                ..Default::default()
            },
            FieldErrors::new(),
        )
    });
    let unit_id = unit.id;
    let (events, promotions, files, changes, entries, has_logo) = state
        .db
        .run(move |c| {
            let events = brands::events(c, id)?;
            let promotions = brands::promotions(c, id)?;
            let files = FileList::load(c, Owner::Brand, id, format!("/brands/{id}"), can_edit)?;
            let changes = history::list(c, ENTITY, id)?;
            let entries = brands::audit_entries(c, id, unit_id, 50)?;
            let has_logo = !brands::with_images(c, &[id])?.is_empty();
            Ok((events, promotions, files, changes, entries, has_logo))
        })
        .await?;
    render_status(
        status,
        &ShowPage {
            base: ctx
                .base(format!("党建品牌 · {}", b.name))
                .unit(unit.name.clone()),
            unit_name: unit.name.clone(),
            kind: b.kind().label(),
            main: b.kind() == crate::domain::brand::BrandKind::Main,
            status: current.label(),
            status_code: current.code(),
            timeline,
            next,
            next_hint,
            advance,
            advance_errors,
            events: events
                .into_iter()
                .map(|e| EventLine {
                    id: e.id,
                    kind: BrandEventKind::parse(&e.kind)
                        .unwrap_or(BrandEventKind::Other)
                        .label(),
                    date: ymd(e.held_on),
                    title: e.title,
                    place: e.place,
                    notes: e.notes,
                })
                .collect(),
            event,
            event_errors,
            event_kinds: BrandEventKind::ALL,
            promotions: promotions
                .into_iter()
                .map(|p| PromotionLine {
                    id: p.id,
                    platform: p.platform,
                    date: ymd(p.published_on),
                    title: p.title,
                    // Stored links were checked on the way in; check again on the way out.
                    link: crate::forms::brands::web_link(&p.link).unwrap_or_default(),
                })
                .collect(),
            promotion,
            promotion_errors,
            files,
            history: history_lines(changes),
            audit: entries
                .into_iter()
                .map(|(e, who)| AuditLine {
                    at: format_local(e.at),
                    who: who.unwrap_or_else(|| "系统".into()),
                    action: crate::domain::audit::action_label(&e.action),
                    summary: e.summary,
                })
                .collect(),
            can_edit,
            logo: if has_logo {
                format!("/brands/{id}/logo")
            } else {
                PLACEHOLDER.to_string()
            },
            b,
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    show_page(&state, &ctx, &user, path.into_inner(), Refused::default()).await
}

/// The brand's logo for `<img>`: the newest of its files whose bytes are a PNG, JPEG, GIF
/// or WebP image, never anything else inline; the placeholder when there is none. Read
/// scope as for downloads.
pub async fn logo(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let me = user.clone();
    let found = state
        .db
        .run(move |c| {
            service::load(c, &me, id, Action::Read)?;
            for fid in brands::image_file_ids(c, id)? {
                let data = attachments::data(c, fid)?;
                if let Some(t) = files::image_type(&data) {
                    return Ok(Some((t, data)));
                }
            }
            Ok(None)
        })
        .await?;
    Ok(match found {
        Some((content_type, data)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, content_type))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header((header::CONTENT_DISPOSITION, "inline"))
            .insert_header((header::CACHE_CONTROL, "private, no-cache"))
            .body(data),
        None => HttpResponse::Found()
            .insert_header((header::LOCATION, PLACEHOLDER))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header((header::CACHE_CONTROL, "private, no-cache"))
            .finish(),
    })
}

/// The hidden `version` of a one-click form; a form without one is refused (400).
fn version_of(raw: &str) -> AppResult<i32> {
    raw.trim()
        .parse()
        .map_err(|_| AppError::BadRequest(crate::error::NO_VERSION.into()))
}

pub async fn advance(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<AdvanceForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    // Scope first: another unit's user learns nothing about the form.
    load_checked(&state, &user, id, Action::Write).await?;
    let form = body.into_inner();
    let expected = version_of(&form.version)?;
    let step = match form.parse(state.settings.clock.today()) {
        Ok(s) => s,
        Err(e) => {
            let refused = Refused {
                advance: Some((form, e)),
                ..Default::default()
            };
            return show_page(&state, &ctx, &user, id, refused).await;
        }
    };
    let now = state.now();
    let me = user.clone();
    let done = state
        .db
        .write(move |c| service::advance(c, &me, id, expected, &step, now))
        .await?;
    match done {
        Ok(to) => {
            flash(
                &session,
                "success",
                format!("品牌已推进到“{}”。", to.label()),
            );
            Ok(redirect(&format!("/brands/{id}")))
        }
        Err(e) => {
            let refused = Refused {
                advance: Some((form, e)),
                ..Default::default()
            };
            show_page(&state, &ctx, &user, id, refused).await
        }
    }
}

pub async fn add_event(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<EventForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    load_checked(&state, &user, id, Action::Write).await?;
    let form = body.into_inner();
    let fields = match form.parse(state.settings.clock.today()) {
        Ok(f) => f,
        Err(e) => {
            let refused = Refused {
                event: Some((form, e)),
                ..Default::default()
            };
            return show_page(&state, &ctx, &user, id, refused).await;
        }
    };
    let now = state.now();
    let me = user.clone();
    state
        .db
        .write(move |c| service::add_event(c, &me, id, &fields, now))
        .await?;
    flash(
        &session,
        "success",
        format!("已添加品牌活动：{}", form.title.trim()),
    );
    Ok(redirect(&format!("/brands/{id}#events")))
}

pub async fn delete_event(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i32, i32)>,
) -> AppResult<HttpResponse> {
    let (id, eid) = path.into_inner();
    let now = state.now();
    let me = user.clone();
    let title = state
        .db
        .write(move |c| service::delete_event(c, &me, id, eid, now))
        .await?;
    flash(&session, "success", format!("已删除品牌活动：{title}"));
    Ok(redirect(&format!("/brands/{id}#events")))
}

pub async fn add_promotion(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<PromotionForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    load_checked(&state, &user, id, Action::Write).await?;
    let form = body.into_inner();
    let fields = match form.parse(state.settings.clock.today()) {
        Ok(f) => f,
        Err(e) => {
            let refused = Refused {
                promotion: Some((form, e)),
                ..Default::default()
            };
            return show_page(&state, &ctx, &user, id, refused).await;
        }
    };
    let now = state.now();
    let me = user.clone();
    state
        .db
        .write(move |c| service::add_promotion(c, &me, id, &fields, now))
        .await?;
    flash(
        &session,
        "success",
        format!("已添加宣传记录：{}", form.title.trim()),
    );
    Ok(redirect(&format!("/brands/{id}#promotions")))
}

pub async fn delete_promotion(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i32, i32)>,
) -> AppResult<HttpResponse> {
    let (id, pid) = path.into_inner();
    let now = state.now();
    let me = user.clone();
    let title = state
        .db
        .write(move |c| service::delete_promotion(c, &me, id, pid, now))
        .await?;
    flash(&session, "success", format!("已删除宣传记录：{title}"));
    Ok(redirect(&format!("/brands/{id}#promotions")))
}
