//! 反向约束: organisations and cadres referred to the committee (党委会研究查处) with the
//! reason, then the committee's decision (已移交 → 已决定) and the outcome (已决定 → 已办结).
//! The office only (`ManageReferrals`): every other role gets 403 on every address here, and
//! no other page links to or counts referrals.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db::models::history;
use crate::db::models::incentives::{self as q, Referral, ReferralFilter, REFERRAL_ENTITY};
use crate::db::models::units::{self, Unit};
use crate::domain::filters::FilterWords;
use crate::domain::incentive::{ReferralState, ReferralTarget};
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::forms::incentives::{CloseForm, DecideForm, ReferralForm};
use crate::routes::year_book::{BookSheet, Columns};
use crate::routes::{history_lines, non_empty, unit_in_words, ymd, HistoryLine};
use crate::services::incentives::{self as service, Saved};
use crate::state::AppState;
use crate::views::units::{filter_name, tree_rows, UnitRow};
use crate::views::{flash, redirect, render, render_status, BaseContext, PageCtx, Paging};
use crate::xlsx::{self, col, Column, Value};

use super::{year_of, Tabs};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/incentives/referrals", web::get().to(list))
        .route("/incentives/referrals", web::post().to(create))
        .route("/incentives/referrals/new", web::get().to(new_form))
        .route("/incentives/referrals/export", web::get().to(export))
        .route("/incentives/referrals/{id:\\d+}", web::get().to(show))
        .route("/incentives/referrals/{id:\\d+}", web::post().to(update))
        .route(
            "/incentives/referrals/{id:\\d+}/edit",
            web::get().to(edit_form),
        )
        .route(
            "/incentives/referrals/{id:\\d+}/decide",
            web::post().to(decide),
        )
        .route(
            "/incentives/referrals/{id:\\d+}/close",
            web::post().to(close),
        );
}

fn office(user: &CurrentUser) -> AppResult<()> {
    user.require_may(Capability::ManageReferrals)
}

// ---------------------------------------------------------------- list

#[derive(Deserialize, Default)]
pub struct ListQuery {
    target: Option<String>,
    state: Option<String>,
    unit: Option<String>,
    year: Option<String>,
    page: Option<String>,
}

pub struct ReferralRow {
    pub id: i32,
    pub target: &'static str,
    pub unit_name: String,
    pub person: String,
    pub reason: String,
    pub referred_on: String,
    pub state: &'static str,
    pub state_code: &'static str,
    pub decision: String,
    pub decided_on: String,
    pub outcome: String,
}

fn row(r: Referral, unit: Unit) -> ReferralRow {
    let state = r.state();
    ReferralRow {
        id: r.id,
        target: r.target().map(ReferralTarget::label).unwrap_or_default(),
        unit_name: unit.name,
        referred_on: ymd(r.referred_on),
        state: state.label(),
        state_code: state.code(),
        decided_on: r.decided_on.map(ymd).unwrap_or_default(),
        person: r.person,
        reason: r.reason,
        decision: r.decision,
        outcome: r.outcome,
    }
}

pub struct StateCount {
    pub code: &'static str,
    pub label: &'static str,
    pub count: i64,
}

#[derive(Template)]
#[template(path = "incentives/referral_list.html")]
struct ListPage {
    base: BaseContext,
    tabs: Tabs,
    units: Vec<UnitRow>,
    targets: &'static [ReferralTarget],
    states: &'static [ReferralState],
    f_target: String,
    f_state: String,
    f_unit: String,
    f_year: String,
    counts: Vec<StateCount>,
    total_all: i64,
    rows: Vec<ReferralRow>,
    export_link: String,
    paging: Paging,
    filtered: bool,
}

struct Selection {
    target: Option<ReferralTarget>,
    state: Option<ReferralState>,
    unit: Option<i32>,
    year: Option<i32>,
}

impl Selection {
    fn of(q: &ListQuery) -> Self {
        Selection {
            target: non_empty(&q.target).and_then(ReferralTarget::parse),
            state: non_empty(&q.state).and_then(ReferralState::parse),
            unit: non_empty(&q.unit).and_then(|u| u.parse().ok()),
            year: year_of(&q.year),
        }
    }

    fn query_string(&self) -> String {
        let mut qs = url::form_urlencoded::Serializer::new(String::new());
        if let Some(t) = self.target {
            qs.append_pair("target", t.code());
        }
        if let Some(s) = self.state {
            qs.append_pair("state", s.code());
        }
        if let Some(u) = self.unit {
            qs.append_pair("unit", &u.to_string());
        }
        if let Some(y) = self.year {
            qs.append_pair("year", &y.to_string());
        }
        qs.finish()
    }

    fn filter(&self, c: &mut crate::db::DbConn) -> AppResult<ReferralFilter> {
        let mut f = ReferralFilter {
            unit_path: None,
            target: self.target,
            state: self.state,
            year: self.year,
        };
        if let Some(uid) = self.unit {
            f.unit_path = Some(units::find(c, uid)?.ok_or(AppError::NotFound)?.path);
        }
        Ok(f)
    }
}

async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    office(&user)?;
    let q = query.into_inner();
    let sel = Selection::of(&q);
    let mut paging = Paging::new(q.page.as_deref(), Paging::PER_PAGE).printing(ctx.print_view);
    let (offset, limit) = (paging.offset(), paging.per_page);
    let (rows, total, counts, unit_list, sel) = state
        .db
        .run(move |c| {
            let f = sel.filter(c)?;
            let (rows, total) = q::referral_list(c, &f, offset, limit)?;
            let counts = q::referral_counts(c, &f)?;
            let unit_list = units::all(c)?;
            Ok((rows, total, counts, unit_list, sel))
        })
        .await?;
    paging.total = total;
    paging.query = sel.query_string();
    let counts: Vec<StateCount> = ReferralState::ALL
        .iter()
        .map(|s| StateCount {
            code: s.code(),
            label: s.label(),
            count: counts
                .iter()
                .find(|(code, _)| code == s.code())
                .map_or(0, |(_, n)| *n),
        })
        .collect();
    let words = FilterWords::new()
        .opt("移交对象", sel.target.map(ReferralTarget::label))
        .opt("状态", sel.state.map(ReferralState::label))
        .opt("单位", filter_name(&unit_list, sel.unit))
        .opt("年度", sel.year.map(|y| format!("{y}年")));
    render(&ListPage {
        base: ctx.base("反向约束").filters(&words),
        tabs: Tabs::of(&user, "referrals"),
        units: tree_rows(&unit_list),
        targets: ReferralTarget::ALL,
        states: ReferralState::ALL,
        f_target: sel.target.map(|t| t.code().to_string()).unwrap_or_default(),
        f_state: sel.state.map(|s| s.code().to_string()).unwrap_or_default(),
        f_unit: sel.unit.map(|u| u.to_string()).unwrap_or_default(),
        f_year: sel.year.map(|y| y.to_string()).unwrap_or_default(),
        total_all: counts.iter().map(|c| c.count).sum(),
        counts,
        rows: rows.into_iter().map(|(r, u)| row(r, u)).collect(),
        export_link: xlsx::export_link("/incentives/referrals/export", &paging.query),
        filtered: sel.target.is_some()
            || sel.state.is_some()
            || sel.unit.is_some()
            || sel.year.is_some(),
        paging,
    })
}

const EXPORT_COLUMNS: [Column; 9] = [
    col("移交对象", 9.0),
    col("单位", 24.0),
    col("干部姓名", 10.0),
    col("移交事由", 36.0),
    col("移交日期", 12.0),
    col("状态", 9.0),
    col("党委会决定", 30.0),
    col("决定日期", 12.0),
    col("办理结果", 30.0),
];

async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    office(&user)?;
    let sel = Selection::of(&query);
    let (data, sel) = state
        .db
        .run(move |c| {
            let f = sel.filter(c)?;
            let (rows, _) = q::referral_list(c, &f, 0, xlsx::EXPORT_LIMIT)?;
            Ok((export_rows(rows), sel))
        })
        .await?;
    let sheet = xlsx::Sheet::new("反向约束", state.now())
        .filter(
            "移交对象",
            sel.target.map(ReferralTarget::label).unwrap_or("全部"),
        )
        .filter(
            "状态",
            sel.state.map(ReferralState::label).unwrap_or("全部"),
        )
        .filter("单位", unit_in_words(&state, sel.unit).await?)
        .filter(
            "年度",
            sel.year
                .map(|y| format!("{y}年"))
                .unwrap_or_else(|| "全部".into()),
        );
    xlsx::export(&sheet, &EXPORT_COLUMNS, &data)
}

/// The export's rows of listed referrals.
fn export_rows(rows: Vec<(Referral, Unit)>) -> Vec<Vec<Value>> {
    rows.into_iter()
        .map(|(r, u)| {
            let r = row(r, u);
            vec![
                Value::from(r.target),
                Value::from(r.unit_name),
                Value::from(r.person),
                Value::from(r.reason),
                Value::from(r.referred_on),
                Value::from(r.state),
                Value::from(r.decision),
                Value::from(r.decided_on),
                Value::from(r.outcome),
            ]
        })
        .collect()
}

/// 反向约束 of the year's workbook: every referral of the year, all units.
pub(crate) const BOOK_SHEET: BookSheet = BookSheet {
    name: "反向约束",
    title: "反向约束",
    note: "",
    columns: Columns::Fixed(|| EXPORT_COLUMNS.to_vec()),
    page: |c, year, offset, limit| {
        let f = ReferralFilter {
            unit_path: None,
            target: None,
            state: None,
            year: Some(year.campaign.year),
        };
        let (rows, _) = q::referral_list(c, &f, offset, limit)?;
        Ok(export_rows(rows))
    },
};

// ---------------------------------------------------------------- page and steps

#[derive(Template)]
#[template(path = "incentives/referral_show.html")]
struct ShowPage {
    base: BaseContext,
    tabs: Tabs,
    r: ReferralRow,
    decide: DecideForm,
    close: CloseForm,
    errors: FieldErrors,
    history: Vec<HistoryLine>,
    can_audit: bool,
}

async fn load(state: &AppState, user: &CurrentUser, id: i32) -> AppResult<(Referral, Unit)> {
    office(user)?;
    let u = user.clone();
    state
        .db
        .run(move |c| service::load_referral(c, &u, id))
        .await
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    ctx: &PageCtx,
    id: i32,
    decide: DecideForm,
    close: CloseForm,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let (r, unit) = load(state, user, id).await?;
    let changes = state
        .db
        .run(move |c| Ok(history::list(c, REFERRAL_ENTITY, id)?))
        .await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let version = r.version;
    let decide = DecideForm {
        version: version.to_string(),
        decided_on: if decide.decided_on.is_empty() {
            ymd(state.settings.clock.today())
        } else {
            decide.decided_on
        },
        ..decide
    };
    let close = CloseForm {
        version: version.to_string(),
        ..close
    };
    let r = row(r, unit);
    render_status(
        status,
        &ShowPage {
            base: ctx.base(format!(
                "反向约束 · {}",
                if r.person.is_empty() {
                    r.unit_name.clone()
                } else {
                    format!("{}（{}）", r.person, r.unit_name)
                }
            )),
            tabs: Tabs::of(user, "referrals"),
            r,
            decide,
            close,
            errors,
            history: history_lines(changes),
            can_audit: user.may(Capability::ReadAuditLog),
        },
    )
}

async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    show_page(
        &state,
        &user,
        &ctx,
        path.into_inner(),
        DecideForm::default(),
        CloseForm::default(),
        FieldErrors::new(),
    )
    .await
}

async fn decide(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<DecideForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (r, _) = load(&state, &user, id).await?;
    let form = body.into_inner();
    let expected = crate::db::edit_version(&form.version)?;
    let (decision, on) = match form.parse(state.settings.clock.today(), r.referred_on) {
        Ok(p) => p,
        Err(e) => return show_page(&state, &user, &ctx, id, form, CloseForm::default(), e).await,
    };
    let now = state.now();
    let u = user.clone();
    state
        .db
        .write(move |c| service::decide(c, &u, id, expected, &decision, on, now))
        .await?;
    flash(&session, "success", "已登记党委会决定（已决定）。");
    Ok(redirect(&format!("/incentives/referrals/{id}")))
}

async fn close(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<CloseForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    load(&state, &user, id).await?;
    let form = body.into_inner();
    let expected = crate::db::edit_version(&form.version)?;
    let outcome = match form.parse() {
        Ok(o) => o,
        Err(e) => return show_page(&state, &user, &ctx, id, DecideForm::default(), form, e).await,
    };
    let now = state.now();
    let u = user.clone();
    state
        .db
        .write(move |c| service::close(c, &u, id, expected, &outcome, now))
        .await?;
    flash(&session, "success", "已登记办理结果（已办结）。");
    Ok(redirect(&format!("/incentives/referrals/{id}")))
}

// ---------------------------------------------------------------- forms

#[derive(Template)]
#[template(path = "incentives/referral_form.html")]
struct FormPage {
    base: BaseContext,
    editing: Option<i32>,
    form: ReferralForm,
    errors: FieldErrors,
    units: Vec<UnitRow>,
    targets: &'static [ReferralTarget],
}

async fn form_page(
    state: &AppState,
    ctx: &PageCtx,
    editing: Option<i32>,
    form: ReferralForm,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else if errors.general().is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let unit_list: Vec<Unit> = state
        .db
        .run(|c| Ok(units::all(c)?.into_iter().filter(|u| u.active).collect()))
        .await?;
    render_status(
        status,
        &FormPage {
            base: ctx.base(if editing.is_some() {
                "编辑反向约束移交"
            } else {
                "新增反向约束移交"
            }),
            editing,
            form,
            errors,
            units: tree_rows(&unit_list),
            targets: ReferralTarget::ALL,
        },
    )
}

async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    office(&user)?;
    let form = ReferralForm {
        target: ReferralTarget::Organisation.code().into(),
        referred_on: ymd(state.settings.clock.today()),
        ..Default::default()
    };
    form_page(&state, &ctx, None, form, FieldErrors::new()).await
}

async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (r, _) = load(&state, &user, id).await?;
    form_page(
        &state,
        &ctx,
        Some(id),
        ReferralForm::from_referral(&r),
        FieldErrors::new(),
    )
    .await
}

async fn check_unit(state: &AppState, form: &ReferralForm) -> AppResult<()> {
    if let Ok(uid) = form.unit_id.trim().parse::<i32>() {
        if state
            .db
            .run(move |c| Ok(units::find(c, uid)?))
            .await?
            .is_none()
        {
            return Err(AppError::Forbidden);
        }
    }
    Ok(())
}

async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    body: web::Form<ReferralForm>,
) -> AppResult<HttpResponse> {
    office(&user)?;
    let form = body.into_inner();
    check_unit(&state, &form).await?;
    let fields = match form.parse(state.settings.clock.today()) {
        Ok(f) => f,
        Err(e) => return form_page(&state, &ctx, None, form, e).await,
    };
    let now = state.now();
    let u = user.clone();
    let id = state
        .db
        .write(move |c| service::create_referral(c, &u, &fields, now))
        .await?;
    flash(&session, "success", "已登记移交党委会研究（已移交）。");
    Ok(redirect(&format!("/incentives/referrals/{id}")))
}

async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<ReferralForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    load(&state, &user, id).await?;
    let mut form = body.into_inner();
    check_unit(&state, &form).await?;
    let expected = crate::db::edit_version(&form.version)?;
    let fields = match form.parse(state.settings.clock.today()) {
        Ok(f) => f,
        Err(e) => return form_page(&state, &ctx, Some(id), form, e).await,
    };
    let now = state.now();
    let u = user.clone();
    match state
        .db
        .write(move |c| service::update_referral(c, &u, id, expected, &fields, now))
        .await?
    {
        Saved::Done(_) => {
            flash(&session, "success", "已保存。");
            Ok(redirect(&format!("/incentives/referrals/{id}")))
        }
        Saved::Invalid(e) => form_page(&state, &ctx, Some(id), form, e).await,
        Saved::Conflict(current) => {
            form.version = current.to_string();
            let e = FieldErrors::message(crate::error::STALE_EDIT);
            form_page(&state, &ctx, Some(id), form, e).await
        }
    }
}
