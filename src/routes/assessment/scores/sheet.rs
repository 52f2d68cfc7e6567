//! A unit's 千分制 score sheet: opening it (`POST /assessment/scores`), its page with the
//! form of the level the user scores at now, saving that level, refreshing the 系统建议分,
//! and the A4 print. Review steps are `routes::review`'s.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::clock::format_local;
use crate::db::models::assessment_scores::{YearSheet, ENTITY};
use crate::db::models::attachments::Owner;
use crate::db::models::history;
use crate::domain::assessment::{IndicatorKind, Level, Points, Total};
use crate::domain::review::{ReviewAction, ReviewState};
use crate::error::{AppError, AppResult};
use crate::forms::assessment_scores::{CreateForm, SheetForm};
use crate::routes::attachments::FileList;
use crate::routes::review::{ReviewPage, ReviewPanel, Trail};
use crate::routes::{history_lines, HistoryLine};
use crate::services::assessment_scores::{self as service, Saved, Sheet, Totals};
use crate::services::review::{self as review_service, Reviewed, TrailLine};
use crate::state::AppState;
use crate::views::{flash, redirect, render, render_status, BaseContext, PageCtx};

// ---------------------------------------------------------------- create

pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    body: web::Form<CreateForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::CreateRecords)?;
    let f = body.into_inner();
    let today = state.settings.clock.today();
    let year: i32 = f
        .year
        .trim()
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| AppError::BadRequest("请选择考核年度。".into()))?;
    let unit_id: i32 = if f.unit_id.trim().is_empty() && !user.may(Capability::RecordForAnyUnit) {
        user.unit_id
    } else {
        f.unit_id
            .trim()
            .parse()
            .map_err(|_| AppError::BadRequest("请选择要评分的单位。".into()))?
    };
    let now = state.now();
    let u = user.clone();
    let made = state
        .db
        .write(move |c| service::create(c, &u, unit_id, year, today, now))
        .await?;
    match made {
        Ok(id) => {
            flash(&session, "success", "已打开千分制评分表。");
            Ok(redirect(&format!("/assessment/scores/{id}")))
        }
        Err(why) => {
            flash(&session, "error", why);
            Ok(redirect(&format!("/assessment?year={year}")))
        }
    }
}

// ---------------------------------------------------------------- the page

/// One level's cell of a leaf.
pub struct Cell {
    pub value: String,
    pub note: String,
}

/// One row of the sheet: an area heading or a leaf.
pub struct RowView {
    pub area: bool,
    pub id: i32,
    pub no: String,
    pub name: String,
    pub kind: &'static str,
    pub veto: bool,
    pub points: String,
    pub rule: String,
    /// The 系统建议分 and how it is computed.
    pub suggested: String,
    pub formula: String,
    pub levels: [Cell; 3],
    /// What the form shows for the user's level (as typed on a refused save).
    pub input: String,
    pub input_note: String,
    pub error: Option<String>,
    pub files: usize,
    /// The leaf's points at the counting level ("" for an area / a veto).
    pub scored: String,
}

/// The totals as shown.
pub struct TotalsView {
    pub self_score: String,
    pub review: String,
    pub office: String,
    pub final_total: String,
    pub veto: Option<String>,
}

fn total_text(t: &Option<Total>) -> String {
    match t {
        Some(t) => t.points.to_string(),
        None => "—".into(),
    }
}

impl TotalsView {
    pub fn of(t: &Totals) -> TotalsView {
        TotalsView {
            self_score: total_text(&t.self_score),
            review: total_text(&t.review),
            office: total_text(&t.office),
            final_total: t.counting.points.to_string(),
            veto: t.counting.veto.clone(),
        }
    }
}

/// A leaf's value as shown at a level.
pub fn value_text(kind: IndicatorKind, v: Option<Points>) -> String {
    match (kind, v) {
        (_, None) => String::new(),
        (IndicatorKind::Veto, Some(Points(1))) => "否决".into(),
        (IndicatorKind::Veto, Some(_)) => "不否决".into(),
        (_, Some(Points::ZERO)) => "0".into(),
        (IndicatorKind::Deduct, Some(p)) => format!("-{p}"),
        (IndicatorKind::Bonus, Some(p)) => format!("+{p}"),
    }
}

/// The rows of a sheet; `form` and `errors` fill the user's level's inputs.
fn rows(
    sheet: &Sheet,
    level: Option<Level>,
    form: Option<&SheetForm>,
    errors: &HashMap<i32, String>,
    files: &HashMap<i32, usize>,
) -> Vec<RowView> {
    let mut out = Vec::new();
    let (mut a, mut n) = (0, 0);
    for i in &sheet.indicators {
        let Some(kind) = i.kind() else {
            a += 1;
            n = 0;
            out.push(RowView {
                area: true,
                id: i.id,
                no: chinese_number(a),
                name: i.name.clone(),
                kind: "",
                veto: false,
                points: Points(i.max_tenths).to_string(),
                rule: String::new(),
                suggested: String::new(),
                formula: String::new(),
                levels: [empty(), empty(), empty()],
                input: String::new(),
                input_note: String::new(),
                error: None,
                files: 0,
                scored: String::new(),
            });
            continue;
        };
        n += 1;
        let line = sheet.lines.get(&i.id);
        let cell = |lv: Level| match line {
            Some(l) => {
                let (v, note) = service::at_level(l, lv);
                Cell {
                    value: value_text(kind, v),
                    note: note.to_string(),
                }
            }
            None => empty(),
        };
        let (input, input_note) = match (form, level, line) {
            (Some(f), _, _) => (
                f.values.get(&i.id).cloned().unwrap_or_default(),
                f.notes.get(&i.id).cloned().unwrap_or_default(),
            ),
            (None, Some(lv), Some(l)) => {
                let (v, note) = service::at_level(l, lv);
                let text = match (kind, v) {
                    (_, None) => String::new(),
                    (IndicatorKind::Veto, Some(p)) => p.0.to_string(),
                    (_, Some(p)) => p.to_string(),
                };
                (text, note.to_string())
            }
            _ => (String::new(), String::new()),
        };
        let scored = match (kind, line) {
            (IndicatorKind::Veto, _) => String::new(),
            (_, l) => crate::domain::assessment::leaf_points(
                kind,
                i.max(),
                l.and_then(|l| service::counting_of(l).0),
            )
            .to_string(),
        };
        out.push(RowView {
            area: false,
            id: i.id,
            no: format!("{a}.{n}"),
            name: i.name.clone(),
            kind: kind.label(),
            veto: kind == IndicatorKind::Veto,
            points: i.max().to_string(),
            rule: i.rule.clone(),
            suggested: line
                .and_then(|l| l.suggested_tenths)
                .map(|t| value_text(kind, Some(Points(t))))
                .unwrap_or_default(),
            formula: i.source().map(service::formula).unwrap_or("").to_string(),
            levels: [
                cell(Level::SelfScore),
                cell(Level::Review),
                cell(Level::Office),
            ],
            input,
            input_note,
            error: errors.get(&i.id).cloned(),
            files: line.and_then(|l| files.get(&l.id).copied()).unwrap_or(0),
            scored,
        });
    }
    out
}

/// 一 … 十九 for an area's number.
fn chinese_number(n: usize) -> String {
    const D: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => D[n].to_string(),
        10 => "十".to_string(),
        11..=19 => format!("十{}", D[n - 10]),
        _ => n.to_string(),
    }
}

fn empty() -> Cell {
    Cell {
        value: String::new(),
        note: String::new(),
    }
}

/// A leaf's evidence as the page lists it.
pub struct LeafFiles {
    pub name: String,
    pub files: FileList,
}

#[derive(Template)]
#[template(path = "assessment/sheet.html")]
struct SheetPage {
    base: BaseContext,
    id: i32,
    year: i32,
    unit_name: String,
    state: &'static str,
    version: i32,
    submitted_at: String,
    rows: Vec<RowView>,
    totals: TotalsView,
    /// The level the user scores at now ("自评分" …) and its index (0–2).
    level: Option<&'static str>,
    level_index: usize,
    adopt: bool,
    general_error: Option<String>,
    can_submit: bool,
    review: Option<ReviewPanel>,
    returned: Option<TrailLine>,
    trail: Trail,
    history: Vec<HistoryLine>,
    evidence: Vec<LeafFiles>,
    upload: Vec<(i32, String)>,
    can_upload: bool,
    locked: Option<&'static str>,
}

/// What a refused save shows again.
struct Refused {
    form: SheetForm,
    errors: HashMap<i32, String>,
    general: Option<String>,
    status: StatusCode,
}

async fn page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    id: i32,
    review_error: Option<(String, String)>,
    refused: Option<Refused>,
) -> AppResult<HttpResponse> {
    let u = user.clone();
    let sheet = state.db.run(move |c| service::load(c, &u, id)).await?;
    let r = sheet.year_sheet();
    let unit = sheet.unit.clone();
    let level = service::level_for(user, &unit, &r);
    let can_submit = review_service::may(user, &unit, &r, ReviewAction::Submit);
    let mut review = ReviewPanel::for_record(user, &unit, &r);
    let mut status = StatusCode::OK;
    if let (Some(panel), Some((comment, error))) = (review.as_mut(), review_error) {
        panel.comment = comment;
        panel.error = Some(error);
        status = StatusCode::UNPROCESSABLE_ENTITY;
    }
    let can_write = r.state() == ReviewState::Draft && user.can(Action::Write, &unit);
    let line_ids: Vec<(i32, String)> = sheet
        .leaves()
        .filter_map(|(i, _, l)| l.map(|l| (l.id, i.name.clone())))
        .collect();
    let ids: Vec<i32> = line_ids.iter().map(|(l, _)| *l).collect();
    let named = unit.clone();
    let back = format!("/assessment/scores/{id}");
    let ((trail, returned), changes, mut lists) = state
        .db
        .run(move |c| {
            let trail = review_service::trail(c, ENTITY, id, &named)?;
            let changes = history::list(c, ENTITY, id)?;
            let lists = FileList::load_many(c, Owner::AssessmentLine, &ids, &back, can_write)?;
            Ok((trail, changes, lists))
        })
        .await?;
    let counts: HashMap<i32, usize> = lists.iter().map(|(k, v)| (*k, v.files.len())).collect();
    let locked = lists.values().next().and_then(|l| l.locked);
    let can_upload = lists.values().next().is_some_and(|l| l.can_write);
    let evidence: Vec<LeafFiles> = line_ids
        .iter()
        .filter_map(|(lid, name)| {
            lists
                .remove(lid)
                .filter(|l| !l.files.is_empty())
                .map(|files| LeafFiles {
                    name: name.clone(),
                    files,
                })
        })
        .collect();
    let (form, errors, general) = match refused {
        Some(x) => {
            status = x.status;
            (Some(x.form), x.errors, x.general)
        }
        None => (None, HashMap::new(), None),
    };
    let version = match &form {
        Some(f) => f.expected().unwrap_or(r.score.version),
        None => r.score.version,
    };
    let st = r.state();
    render_status(
        status,
        &SheetPage {
            base: ctx
                .base(format!(
                    "{} {}年度千分制评分表",
                    unit.name, sheet.scheme.year
                ))
                .unit(unit.name.clone())
                .period(format!("{}年度", sheet.scheme.year)),
            id,
            year: sheet.scheme.year,
            unit_name: unit.name.clone(),
            state: st.label(),
            version,
            submitted_at: r.score.submitted_at.map(format_local).unwrap_or_default(),
            rows: rows(&sheet, level, form.as_ref(), &errors, &counts),
            totals: TotalsView::of(&sheet.totals()),
            level: level.map(Level::label),
            level_index: match level {
                Some(Level::Review) => 1,
                Some(Level::Office) => 2,
                _ => 0,
            },
            adopt: matches!(level, Some(Level::Review | Level::Office)),
            general_error: general,
            can_submit,
            review,
            returned: if st.editable() { returned } else { None },
            trail,
            history: history_lines(changes),
            evidence,
            upload: if can_upload { line_ids } else { Vec::new() },
            can_upload,
            locked: if can_write { locked } else { None },
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    if ctx.print_view {
        return print_page(&state, &ctx, &user, id).await;
    }
    page(&state, &ctx, &user, id, None, None).await
}

impl ReviewPage for YearSheet {
    async fn with_review_error(
        state: &AppState,
        ctx: &PageCtx,
        user: &CurrentUser,
        id: i32,
        comment: String,
        error: String,
    ) -> AppResult<HttpResponse> {
        page(state, ctx, user, id, Some((comment, error)), None).await
    }
}

// ---------------------------------------------------------------- save

pub async fn save(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let u = user.clone();
    let sheet = state.db.run(move |c| service::load(c, &u, id)).await?;
    let mut form = SheetForm::of(body.into_inner());
    let parsed = {
        let specs = sheet.specs();
        form.parse(&specs)
    };
    let inputs = match parsed {
        Ok(i) => i,
        Err(errors) => {
            // The user must be one who scores here before being told about the values.
            if service::level_for(&user, &sheet.unit, &sheet.year_sheet()).is_none()
                && !user.can(Action::Write, &sheet.unit)
                && !user.can(Action::Review, &sheet.unit)
                && !user.may(Capability::Rereview)
            {
                return Err(AppError::Forbidden);
            }
            let general = Some(format!(
                "未保存：有 {} 项填写有误，请按提示修改（扣分不能超过该项分值）。",
                errors.len()
            ));
            let refused = Refused {
                form,
                errors,
                general,
                status: StatusCode::UNPROCESSABLE_ENTITY,
            };
            return page(&state, &ctx, &user, id, None, Some(refused)).await;
        }
    };
    let expected = form.expected();
    let now = state.now();
    let u = user.clone();
    let saved = state
        .db
        .write(move |c| service::save(c, &u, id, expected, &inputs, now))
        .await?;
    let general = match saved {
        Saved::Done(level) => {
            let msg = if form.adopt.is_some() {
                format!("已采用系统建议分并保存{}。", level.label())
            } else {
                format!("已保存{}。", level.label())
            };
            flash(&session, "success", msg);
            return Ok(redirect(&format!("/assessment/scores/{id}")));
        }
        Saved::Conflict(current) => {
            form.version = current.to_string();
            crate::error::STALE_EDIT.to_string()
        }
        Saved::NotNow(st) => format!(
            "未能保存：评分表当前状态为“{}”，您现在不能修改。您填写的内容仍在下方，尚未保存。",
            st.label()
        ),
    };
    let refused = Refused {
        form,
        errors: HashMap::new(),
        general: Some(general),
        status: StatusCode::CONFLICT,
    };
    page(&state, &ctx, &user, id, None, Some(refused)).await
}

pub async fn refresh(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let today = state.settings.clock.today();
    let now = state.now();
    let u = user.clone();
    let n = state
        .db
        .write(move |c| service::refresh(c, &u, id, today, now))
        .await?;
    flash(
        &session,
        "success",
        format!("已刷新系统建议分（{n} 项有建议分），请核对后采用。"),
    );
    Ok(redirect(&format!("/assessment/scores/{id}")))
}

// ---------------------------------------------------------------- print

#[derive(Template)]
#[template(path = "assessment/sheet_print.html")]
struct PrintPage {
    base: BaseContext,
    id: i32,
    year: i32,
    unit_name: String,
    state: &'static str,
    rows: Vec<RowView>,
    totals: TotalsView,
    trail: Trail,
}

async fn print_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    id: i32,
) -> AppResult<HttpResponse> {
    let u = user.clone();
    let (sheet, (trail, _)) = state
        .db
        .run(move |c| {
            let sheet = service::load(c, &u, id)?;
            let trail = review_service::trail(c, ENTITY, id, &sheet.unit)?;
            Ok((sheet, trail))
        })
        .await?;
    let mut base = ctx
        .base(format!(
            "{} {}年度千分制考核评分表",
            sheet.unit.name, sheet.scheme.year
        ))
        .unit(sheet.unit.name.clone())
        .period(format!("{}年度", sheet.scheme.year));
    base.print.view = false;
    render(&PrintPage {
        base,
        id,
        year: sheet.scheme.year,
        unit_name: sheet.unit.name.clone(),
        state: sheet.score.review_state().label(),
        rows: rows(&sheet, None, None, &HashMap::new(), &HashMap::new()),
        totals: TotalsView::of(&sheet.totals()),
        trail,
    })
}

pub async fn print(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    print_page(&state, &ctx, &user, path.into_inner()).await
}
