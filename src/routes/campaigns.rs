//! Campaign years (office sets them up; everyone reads): settings, the 15 goals under
//! 严真细实快, monthly requirements (年内统筹), and each unit's implementation plan (实施方案).

use std::collections::HashMap;

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::clock::format_local;
use crate::db;
use crate::db::models::attachments::Owner;
use crate::db::models::campaigns::{self, Campaign, Goal, MonthRequirement, UnitPlan};
use crate::db::models::{audit, units};
use crate::domain::register::GOAL_SEPARATORS;
use crate::domain::validate::{self, FieldErrors};
use crate::domain::UnitKind;
use crate::error::{AppError, AppResult, NO_VERSION, STALE_EDIT};
use crate::routes::attachments::FileList;
use crate::state::AppState;
use crate::views::{flash, redirect, render, render_form, BaseContext, PageCtx};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/campaigns", web::get().to(list))
        .route("/campaigns", web::post().to(create))
        .route("/campaigns/new", web::get().to(new_form))
        .route("/campaigns/{year}", web::get().to(show))
        .route("/campaigns/{year}", web::post().to(update))
        .route("/campaigns/{year}/edit", web::get().to(edit_form))
        .route("/campaigns/{year}/goals", web::post().to(update_goals))
        .route("/campaigns/{year}/months", web::post().to(update_months))
        .route("/campaigns/{year}/plans/{unit}", web::get().to(show_plan))
        .route("/campaigns/{year}/plans/{unit}", web::post().to(save_plan));
}

async fn load_campaign(state: &AppState, year: i32) -> AppResult<Campaign> {
    state
        .db
        .run(move |c| campaigns::by_year(c, year)?.ok_or(AppError::NotFound))
        .await
}

#[derive(Template)]
#[template(path = "campaigns/list.html")]
struct ListPage {
    base: BaseContext,
    rows: Vec<Campaign>,
    can_manage: bool,
}

async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    let rows = state.db.run(|c| Ok(campaigns::list(c)?)).await?;
    render(&ListPage {
        base: ctx.base("作风建设年度"),
        rows,
        can_manage: user.may(Capability::ManageCampaign),
    })
}

/// A goal with its style label, for display.
pub struct GoalRow {
    pub id: i32,
    pub style: &'static str,
    pub seq: i32,
    pub name: String,
    pub description: String,
}

impl From<&Goal> for GoalRow {
    fn from(g: &Goal) -> Self {
        GoalRow {
            id: g.id,
            style: g.style().label(),
            seq: g.seq,
            name: g.name.clone(),
            description: g.description.clone(),
        }
    }
}

pub struct MonthRow {
    pub month: i32,
    pub requirement: String,
    /// `11-25`
    pub due: String,
}

pub struct PlanRow {
    pub unit_id: i32,
    pub unit_name: String,
    pub depth: usize,
    pub title: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "campaigns/show.html")]
struct ShowPage {
    base: BaseContext,
    campaign: Campaign,
    goals: Vec<GoalRow>,
    months: Vec<MonthRow>,
    plans: Vec<PlanRow>,
    plans_done: usize,
    can_manage: bool,
    errors: FieldErrors,
    /// Hidden fields of the goals and months forms.
    goals_version: String,
    months_version: String,
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    ctx: &PageCtx,
    year: i32,
    errors: FieldErrors,
    typed: Option<&HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let campaign = load_campaign(state, year).await?;
    let scope = user.scope();
    let cid = campaign.id;
    let (goals, months, units, plans) = state
        .db
        .run(move |c| {
            let visible = units::in_scope(c, &scope)?;
            Ok((
                campaigns::goals(c, cid)?,
                campaigns::months(c, cid)?,
                visible,
                campaigns::plans(c, cid)?,
            ))
        })
        .await?;
    let by_unit: HashMap<i32, &UnitPlan> = plans.iter().map(|p| (p.unit_id, p)).collect();
    let top = units.iter().map(|u| u.depth()).min().unwrap_or(0);
    let plan_rows: Vec<PlanRow> = units
        .iter()
        .filter(|u| u.active && u.kind() != UnitKind::Committee)
        .map(|u| PlanRow {
            unit_id: u.id,
            unit_name: u.name.clone(),
            depth: u.depth() - top,
            title: by_unit
                .get(&u.id)
                .map(|p| p.title.clone())
                .unwrap_or_default(),
            updated: by_unit
                .get(&u.id)
                .map(|p| format_local(p.updated_at))
                .unwrap_or_default(),
        })
        .collect();
    let plans_done = plan_rows.iter().filter(|p| !p.title.is_empty()).count();
    // After a refused save the forms show what was typed, not what is stored.
    let typed_or = |key: String, stored: String| -> String {
        typed.and_then(|t| t.get(&key)).cloned().unwrap_or(stored)
    };
    // The version a form names: what was typed after a refused save, unless that save lost to
    // another (then the stored one, so saving again is deliberate).
    let version_refused = errors.general() == Some(STALE_EDIT);
    let version_of = |key: &str, stored: i32| -> String {
        if version_refused {
            stored.to_string()
        } else {
            typed_or(key.to_string(), stored.to_string())
        }
    };
    let goals_version = version_of("goals_version", campaign.goals_version);
    let months_version = version_of("months_version", campaign.months_version);
    let page = ShowPage {
        goals_version,
        months_version,
        base: ctx.base(campaign.name.clone()),
        goals: goals
            .iter()
            .map(|g| {
                let mut row = GoalRow::from(g);
                row.name = typed_or(format!("name_{}", g.id), row.name);
                row.description = typed_or(format!("desc_{}", g.id), row.description);
                row
            })
            .collect(),
        months: months
            .into_iter()
            .map(|m: MonthRequirement| MonthRow {
                due: campaign
                    .due_date(m.month as u32)
                    .map(|d| d.format("%m-%d").to_string())
                    .unwrap_or_default(),
                month: m.month,
                requirement: typed_or(format!("m{}", m.month), m.requirement),
            })
            .collect(),
        plans: plan_rows,
        plans_done,
        can_manage: user.may(Capability::ManageCampaign),
        campaign,
        errors,
    };
    render_form(&page, &page.errors)
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
        FieldErrors::new(),
        None,
    )
    .await
}

/// The settings form, raw.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct CampaignForm {
    year: String,
    name: String,
    due_day: String,
    yellow_days: String,
    /// Hidden: the version the settings form was read at (edits only).
    version: String,
}

struct CampaignFields {
    year: i32,
    name: String,
    due_day: i32,
    yellow_days: i32,
}

impl CampaignForm {
    fn parse(&self) -> Result<CampaignFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let year = validate::int_in_range(&mut e, "year", "年度", &self.year, 2000..=2100);
        let name = validate::required_text(&mut e, "name", "名称", &self.name, 100);
        let due_day =
            validate::int_in_range(&mut e, "due_day", "月度调度截止日", &self.due_day, 1..=31);
        let yellow_days = validate::int_in_range(
            &mut e,
            "yellow_days",
            "临期提醒天数",
            &self.yellow_days,
            0..=60,
        );
        e.into_result(CampaignFields {
            year,
            name,
            due_day,
            yellow_days,
        })
    }
}

#[derive(Template)]
#[template(path = "campaigns/form.html")]
struct FormPage {
    base: BaseContext,
    editing: Option<i32>,
    form: CampaignForm,
    errors: FieldErrors,
}

fn form_page(
    ctx: &PageCtx,
    editing: Option<i32>,
    form: CampaignForm,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let page = FormPage {
        base: ctx.base(if editing.is_some() {
            "年度设置"
        } else {
            "新建作风建设年度"
        }),
        editing,
        form,
        errors,
    };
    render_form(&page, &page.errors)
}

async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageCampaign)?;
    let year = chrono::Datelike::year(&state.settings.clock.today()) + 1;
    form_page(
        &ctx,
        None,
        CampaignForm {
            year: year.to_string(),
            name: format!("{year}年“严、真、细、实、快”工作作风建设"),
            due_day: "25".into(),
            yellow_days: "7".into(),
            version: String::new(),
        },
        FieldErrors::new(),
    )
}

async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    form: web::Form<CampaignForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageCampaign)?;
    let form = form.into_inner();
    let f = match form.parse() {
        Ok(f) => f,
        Err(errors) => return form_page(&ctx, None, form, errors),
    };
    let now = state.now();
    let actor = user.id;
    let year = f.year;
    let created = state
        .db
        .write(move |c| {
            db::serialize_names(c, db::NameLock::CampaignYears)?;
            if campaigns::by_year(c, f.year)?.is_some() {
                return Ok(None);
            }
            let created = campaigns::create(c, f.year, &f.name, f.due_day, f.yellow_days, now)?;
            audit::Change::new(
                actor,
                "create",
                "campaign",
                created.id,
                format!("新建作风建设年度 {}", created.year),
            )
            .after(&created)
            .record(c, now)?;
            Ok(Some(created))
        })
        .await?;
    match created {
        Some(_) => {
            flash(
                &session,
                "success",
                format!("已新建 {year} 年度，15 个工作目标已按实施方案生成。"),
            );
            Ok(redirect(&format!("/campaigns/{year}")))
        }
        None => {
            let mut errors = FieldErrors::new();
            errors.add("year", format!("{year} 年度已存在"));
            form_page(&ctx, None, form, errors)
        }
    }
}

async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageCampaign)?;
    let c = load_campaign(&state, path.into_inner()).await?;
    form_page(
        &ctx,
        Some(c.year),
        CampaignForm {
            year: c.year.to_string(),
            name: c.name,
            due_day: c.due_day.to_string(),
            yellow_days: c.yellow_days.to_string(),
            version: c.version.to_string(),
        },
        FieldErrors::new(),
    )
}

async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<CampaignForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageCampaign)?;
    let year = path.into_inner();
    let before = load_campaign(&state, year).await?;
    let mut form = form.into_inner();
    form.year = year.to_string();
    let f = match form.parse() {
        Ok(f) => f,
        Err(errors) => return form_page(&ctx, Some(year), form, errors),
    };
    let Ok(expected) = db::edit_version(&form.version) else {
        return form_page(&ctx, Some(year), form, FieldErrors::message(NO_VERSION));
    };
    let now = state.now();
    let actor = user.id;
    let saved = state
        .db
        .write(move |c| {
            db::one_row(campaigns::update_settings(
                c,
                before.id,
                expected,
                &f.name,
                f.due_day,
                f.yellow_days,
                now,
            )?)?;
            let after = campaigns::get(c, before.id)?;
            audit::Change::new(
                actor,
                "update",
                "campaign",
                before.id,
                format!("修改 {} 年度设置", before.year),
            )
            .before(&before)
            .after(&after)
            .record(c, now)?;
            Ok(())
        })
        .await;
    match saved {
        Ok(()) => {
            flash(&session, "success", "年度设置已保存。");
            Ok(redirect(&format!("/campaigns/{year}")))
        }
        Err(AppError::Stale) => {
            form.version = load_campaign(&state, year).await?.version.to_string();
            form_page(&ctx, Some(year), form, FieldErrors::message(STALE_EDIT))
        }
        Err(e) => Err(e),
    }
}

/// Goals are edited together: fields `name_<id>` and `desc_<id>`.
async fn update_goals(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageCampaign)?;
    let year = path.into_inner();
    let campaign = load_campaign(&state, year).await?;
    let cid = campaign.id;
    let goals = state.db.run(move |c| Ok(campaigns::goals(c, cid)?)).await?;
    let mut errors = FieldErrors::new();
    let mut changes = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for g in &goals {
        let name_raw = form
            .get(&format!("name_{}", g.id))
            .map(String::as_str)
            .unwrap_or(&g.name);
        let desc_raw = form
            .get(&format!("desc_{}", g.id))
            .map(String::as_str)
            .unwrap_or(&g.description);
        let name = validate::required_text(
            &mut errors,
            "goals",
            &format!("目标“{}”的名称", g.name),
            name_raw,
            30,
        );
        if name.contains(GOAL_SEPARATORS) {
            errors.add(
                "goals",
                format!(
                    "目标名称“{name}”不能含有顿号、逗号、分号、斜杠或空格（导入时用它们分隔多个目标）"
                ),
            );
        } else if !name.is_empty() && names.contains(&name) {
            errors.add(
                "goals",
                format!("目标名称“{name}”重复，同一年度的目标名称须各不相同"),
            );
        }
        names.push(name.clone());
        let desc = validate::optional_text(&mut errors, "goals", "目标说明", desc_raw, 500)
            .unwrap_or_default();
        if name != g.name || desc != g.description {
            changes.push((g.id, g.name.clone(), g.description.clone(), name, desc));
        }
    }
    if !errors.is_empty() {
        return show_page(&state, &user, &ctx, year, errors, Some(&*form)).await;
    }
    let raw_version = form.get("goals_version").map(String::as_str).unwrap_or("");
    let Ok(expected) = db::edit_version(raw_version) else {
        let e = FieldErrors::message(NO_VERSION);
        return show_page(&state, &user, &ctx, year, e, Some(&*form)).await;
    };
    let now = state.now();
    let actor = user.id;
    let n = changes.len();
    let saved = state
        .db
        .write(move |c| {
            // First the claim on the form's version (and the campaign's row lock): of two
            // saves of the same page one goes on, the other writes nothing.
            db::one_row(campaigns::claim_goals(c, cid, expected)?)?;
            for (id, old, old_desc, name, desc) in &changes {
                campaigns::update_goal(c, *id, name, desc)?;
                audit::Change::new(
                    actor,
                    "update",
                    "goal",
                    *id,
                    format!("修改 {year} 年度工作目标：{old} → {name}"),
                )
                .before(&serde_json::json!({ "name": old, "description": old_desc }))
                .after(&serde_json::json!({ "name": name, "description": desc }))
                .record(c, now)?;
            }
            Ok(())
        })
        .await;
    match saved {
        Ok(()) => {}
        Err(AppError::Stale) => {
            let e = FieldErrors::message(STALE_EDIT);
            return show_page(&state, &user, &ctx, year, e, Some(&*form)).await;
        }
        Err(e) => return Err(e),
    }
    flash(
        &session,
        "success",
        format!("工作目标已保存（{n} 项有改动）。"),
    );
    Ok(redirect(&format!("/campaigns/{year}#goals")))
}

/// Monthly requirements are edited together: fields `m1` … `m12`.
async fn update_months(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageCampaign)?;
    let year = path.into_inner();
    let campaign = load_campaign(&state, year).await?;
    let mut errors = FieldErrors::new();
    let mut texts = Vec::new();
    for m in 1..=12 {
        let raw = form.get(&format!("m{m}")).map(String::as_str).unwrap_or("");
        let text =
            validate::optional_text(&mut errors, "months", &format!("{m}月工作要求"), raw, 2000);
        texts.push((m, text.unwrap_or_default()));
    }
    if !errors.is_empty() {
        return show_page(&state, &user, &ctx, year, errors, Some(&*form)).await;
    }
    let raw_version = form.get("months_version").map(String::as_str).unwrap_or("");
    let Ok(expected) = db::edit_version(raw_version) else {
        let e = FieldErrors::message(NO_VERSION);
        return show_page(&state, &user, &ctx, year, e, Some(&*form)).await;
    };
    let now = state.now();
    let actor = user.id;
    let cid = campaign.id;
    let saved = state
        .db
        .write(move |c| {
            db::one_row(campaigns::claim_months(c, cid, expected)?)?;
            let before = campaigns::months(c, cid)?;
            for (m, text) in &texts {
                campaigns::set_month(c, cid, *m, text)?;
            }
            audit::Change::new(
                actor,
                "update",
                "campaign_months",
                cid,
                format!("修改 {year} 年度每月工作要求"),
            )
            .before(&serde_json::json!(before
                .iter()
                .map(|m| (m.month, m.requirement.clone()))
                .collect::<Vec<_>>()))
            .after(&serde_json::json!(texts))
            .record(c, now)?;
            Ok(())
        })
        .await;
    match saved {
        Ok(()) => {}
        Err(AppError::Stale) => {
            let e = FieldErrors::message(STALE_EDIT);
            return show_page(&state, &user, &ctx, year, e, Some(&*form)).await;
        }
        Err(e) => return Err(e),
    }
    flash(&session, "success", "每月工作要求已保存。");
    Ok(redirect(&format!("/campaigns/{year}#months")))
}

#[derive(Template)]
#[template(path = "campaigns/plan.html")]
struct PlanPage {
    base: BaseContext,
    campaign: Campaign,
    unit_id: i32,
    unit_name: String,
    title: String,
    content: String,
    version: String,
    updated: String,
    can_write: bool,
    errors: FieldErrors,
    files: Option<FileList>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PlanForm {
    title: String,
    content: String,
    /// Hidden: the plan's version when the form was read (0: no plan yet).
    version: String,
}

async fn plan_page(
    state: &AppState,
    user: &CurrentUser,
    ctx: &PageCtx,
    year: i32,
    unit_id: i32,
    typed: Option<(PlanForm, FieldErrors)>,
) -> AppResult<HttpResponse> {
    let campaign = load_campaign(state, year).await?;
    let unit = state.db.run(move |c| Ok(units::get(c, unit_id)?)).await?;
    user.require(Action::Read, &unit)?;
    let can_write = user.can(Action::Write, &unit);
    let cid = campaign.id;
    let back = format!("/campaigns/{year}/plans/{unit_id}");
    let (plan, files) = state
        .db
        .run(move |c| {
            let plan = campaigns::plan(c, cid, unit_id)?;
            let files = match &plan {
                Some(p) => Some(FileList::load(c, Owner::UnitPlan, p.id, back, can_write)?),
                None => None,
            };
            Ok((plan, files))
        })
        .await?;
    // The version the form names: the stored one on a fresh page and after a lost save (so
    // saving again is deliberate); otherwise what the refused form carried.
    let stored = plan.as_ref().map_or(0, |p| p.version).to_string();
    let (form, errors) = match typed {
        Some((mut form, errors)) => {
            if errors.general() == Some(STALE_EDIT) {
                form.version = stored;
            }
            (form, errors)
        }
        None => (
            PlanForm {
                title: plan.as_ref().map(|p| p.title.clone()).unwrap_or_else(|| {
                    format!("{}践行“严、真、细、实、快”工作作风实施方案", unit.name)
                }),
                content: plan.as_ref().map(|p| p.content.clone()).unwrap_or_default(),
                version: stored,
            },
            FieldErrors::new(),
        ),
    };
    let version = form.version;
    let page = PlanPage {
        base: ctx.base(format!("{}实施方案", unit.name)),
        unit_id,
        unit_name: unit.name.clone(),
        title: form.title,
        content: form.content,
        version,
        updated: plan
            .as_ref()
            .map(|p| format_local(p.updated_at))
            .unwrap_or_default(),
        can_write,
        errors,
        files,
        campaign,
    };
    render_form(&page, &page.errors)
}

async fn show_plan(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<(i32, i32)>,
) -> AppResult<HttpResponse> {
    let (year, unit_id) = path.into_inner();
    plan_page(&state, &user, &ctx, year, unit_id, None).await
}

async fn save_plan(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<(i32, i32)>,
    form: web::Form<PlanForm>,
) -> AppResult<HttpResponse> {
    let (year, unit_id) = path.into_inner();
    let campaign = load_campaign(&state, year).await?;
    let unit = state.db.run(move |c| Ok(units::get(c, unit_id)?)).await?;
    user.require(Action::Write, &unit)?;
    let form = form.into_inner();
    let mut errors = FieldErrors::new();
    let title = validate::required_text(&mut errors, "title", "方案名称", &form.title, 100);
    let content =
        validate::required_text(&mut errors, "content", "方案内容", &form.content, 20_000);
    if !errors.is_empty() {
        return plan_page(&state, &user, &ctx, year, unit_id, Some((form, errors))).await;
    }
    let Ok(expected) = db::edit_version(&form.version) else {
        let e = FieldErrors::message(NO_VERSION);
        return plan_page(&state, &user, &ctx, year, unit_id, Some((form, e))).await;
    };
    let now = state.now();
    let actor = user.id;
    let cid = campaign.id;
    let saved = state
        .db
        .write(move |c| {
            let before = campaigns::plan(c, cid, unit_id)?;
            db::one_row(campaigns::save_plan(
                c, cid, unit_id, expected, &title, &content, actor, now,
            )?)?;
            let after = campaigns::plan(c, cid, unit_id)?.ok_or(AppError::NotFound)?;
            let action = if before.is_some() { "update" } else { "create" };
            let mut change = audit::Change::new(
                actor,
                action,
                "unit_plan",
                after.id,
                format!("保存 {year} 年度实施方案：{}", after.title),
            )
            .unit(unit_id)
            .after(&after);
            if let Some(b) = &before {
                change = change.before(b);
            }
            change.record(c, now)?;
            Ok(())
        })
        .await;
    match saved {
        Ok(()) => {}
        Err(AppError::Stale) => {
            let e = FieldErrors::message(STALE_EDIT);
            return plan_page(&state, &user, &ctx, year, unit_id, Some((form, e))).await;
        }
        Err(e) => return Err(e),
    }
    flash(
        &session,
        "success",
        "实施方案已保存，可在下方上传方案文件。",
    );
    Ok(redirect(&format!("/campaigns/{year}/plans/{unit_id}")))
}
