//! Practice measures (践行举措, DESIGN.md F3): list with filters, detail with field-level
//! history and evidence files, create / edit / close, Excel export, import with a template.
//! Every handler checks the unit of the measure against the user's scope.

use std::collections::HashMap;

use actix_multipart::form::{bytes::Bytes, text::Text, MultipartForm};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::{Action, CurrentUser};
use crate::clock::format_local;
use crate::db::models::attachments::Owner;
use crate::db::models::campaigns::{self, Campaign, Goal};
use crate::db::models::measures::{
    self, number_text, BulkMeasure, LightFilter, Measure, MeasureFields, MeasureFilter, SortKey,
    TrackedMeasure,
};
use crate::db::models::units::{self, Unit};
use crate::db::models::{audit, history};
use crate::db::DbConn;
use crate::domain::register::{Carrier, LeadTag, MeasureCategory, MeasureStatus, Style};
use crate::domain::validate::{self, FieldErrors};
use crate::domain::{Light, Role};
use crate::error::{AppError, AppResult};
use crate::routes::attachments::FileList;
use crate::routes::non_empty;
use crate::routes::units::{tree_rows, UnitRow};
use crate::startup::AppState;
use crate::views::{flash, redirect, render, render_status, BaseContext, PageCtx, Paging};
use crate::xlsx::{self, col, Column, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/measures", web::get().to(list))
        .route("/measures", web::post().to(create))
        .route("/measures/new", web::get().to(new_form))
        .route("/measures/export", web::get().to(export))
        .route("/measures/import", web::get().to(import_form))
        .route("/measures/import", web::post().to(import))
        .route("/measures/import/template", web::get().to(template))
        .route("/measures/{id}", web::get().to(show))
        .route("/measures/{id}", web::post().to(update))
        .route("/measures/{id}/edit", web::get().to(edit_form))
        .route("/measures/{id}/close", web::post().to(close));
}

// ---------------------------------------------------------------- shared pieces

/// Goals of one style, for grouped checkboxes and selects.
pub struct GoalGroup {
    pub style: &'static str,
    pub goals: Vec<(i32, String)>,
}

fn goal_groups(goals: &[Goal]) -> Vec<GoalGroup> {
    Style::ALL
        .iter()
        .map(|s| GoalGroup {
            style: s.label(),
            goals: goals
                .iter()
                .filter(|g| g.style() == *s)
                .map(|g| (g.id, g.name.clone()))
                .collect(),
        })
        .filter(|g| !g.goals.is_empty())
        .collect()
}

/// "标准严格、举措细致"
fn goal_names(goals: &[Goal]) -> String {
    goals
        .iter()
        .map(|g| g.name.as_str())
        .collect::<Vec<_>>()
        .join("、")
}

fn can_write_any(user: &CurrentUser) -> bool {
    user.role != Role::Viewer
}

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Year options for selectors.
fn years(c: &mut DbConn) -> AppResult<Vec<i32>> {
    Ok(campaigns::list(c)?.into_iter().map(|c| c.year).collect())
}

// ---------------------------------------------------------------- filters and list

#[derive(Deserialize, Default, Clone)]
pub struct ListQuery {
    year: Option<String>,
    unit: Option<String>,
    style: Option<String>,
    goal: Option<String>,
    category: Option<String>,
    carrier: Option<String>,
    status: Option<String>,
    light: Option<String>,
    owner: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

/// The filters as understood (unknown values mean "any").
#[derive(Clone, Default)]
struct Filters {
    year: Option<i32>,
    unit: Option<i32>,
    style: Option<Style>,
    goal: Option<i32>,
    category: Option<MeasureCategory>,
    carrier: Option<Carrier>,
    status: Option<MeasureStatus>,
    light: Option<Light>,
    owner: Option<String>,
    q: Option<String>,
    sort: SortKey,
}

fn short(s: Option<&str>) -> Option<String> {
    s.map(|s| s.chars().take(50).collect())
}

impl Filters {
    fn from_query(q: &ListQuery) -> Filters {
        Filters {
            year: non_empty(&q.year).and_then(|y| y.parse().ok()),
            unit: non_empty(&q.unit).and_then(|u| u.parse().ok()),
            style: non_empty(&q.style).and_then(Style::parse),
            goal: non_empty(&q.goal).and_then(|g| g.parse().ok()),
            category: non_empty(&q.category).and_then(MeasureCategory::parse),
            carrier: non_empty(&q.carrier).and_then(Carrier::parse),
            status: non_empty(&q.status).and_then(MeasureStatus::parse),
            light: non_empty(&q.light).and_then(Light::parse),
            owner: short(non_empty(&q.owner)),
            q: short(non_empty(&q.q)),
            sort: non_empty(&q.sort)
                .and_then(SortKey::parse)
                .unwrap_or_default(),
        }
    }

    /// The filters as a query string (without `page`), with the campaign year shown.
    fn query_string(&self, year: Option<i32>) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        let opt = |v: Option<String>| v.unwrap_or_default();
        for (k, v) in [
            ("year", opt(year.or(self.year).map(|y| y.to_string()))),
            ("unit", opt(self.unit.map(|u| u.to_string()))),
            ("style", opt(self.style.map(|x| x.code().to_string()))),
            ("goal", opt(self.goal.map(|g| g.to_string()))),
            ("category", opt(self.category.map(|x| x.code().to_string()))),
            ("carrier", opt(self.carrier.map(|x| x.code().to_string()))),
            ("status", opt(self.status.map(|x| x.code().to_string()))),
            ("light", opt(self.light.map(|x| x.code().to_string()))),
            ("owner", opt(self.owner.clone())),
            ("q", opt(self.q.clone())),
            (
                "sort",
                if self.sort == SortKey::Deadline {
                    String::new()
                } else {
                    self.sort.code().to_string()
                },
            ),
        ] {
            if !v.is_empty() {
                s.append_pair(k, &v);
            }
        }
        s.finish()
    }
}

/// Campaign and query filter for a list request, checked against the user's scope.
/// `None` when no campaign exists for the year asked.
fn resolve(
    c: &mut DbConn,
    user: &CurrentUser,
    f: &Filters,
    today: NaiveDate,
) -> AppResult<Option<(Campaign, MeasureFilter)>> {
    let Some(campaign) = campaigns::chosen(c, f.year, today)? else {
        return Ok(None);
    };
    let mut mf = MeasureFilter::new(user.scope());
    if let Some(uid) = f.unit {
        let unit = units::find(c, uid)?.ok_or(AppError::NotFound)?;
        user.require(Action::Read, &unit)?;
        mf.unit_path = Some(unit.path);
    }
    mf.style = f.style;
    mf.goal_id = f.goal;
    mf.category = f.category;
    mf.carrier = f.carrier;
    mf.status = f.status;
    mf.light = f.light.map(|light| LightFilter {
        light,
        today,
        yellow_days: campaign.yellow_days,
    });
    mf.owner = f.owner.clone();
    mf.q = f.q.clone();
    Ok(Some((campaign, mf)))
}

pub struct MeasureRow {
    pub id: i32,
    pub unit_name: String,
    pub title: String,
    pub goals: String,
    pub category: &'static str,
    pub owner: String,
    pub deadline: String,
    pub progress: i32,
    pub status: &'static str,
    pub light: &'static str,
    pub light_label: &'static str,
}

fn light_label(m: &Measure, light: Light) -> &'static str {
    if light == Light::Done {
        m.status().label()
    } else {
        light.label()
    }
}

#[derive(Template)]
#[template(path = "measures/list.html")]
struct ListPage {
    base: BaseContext,
    years: Vec<i32>,
    campaign: Option<Campaign>,
    rows: Vec<MeasureRow>,
    paging: Paging,
    f: FilterEcho,
    units: Vec<UnitRow>,
    goal_groups: Vec<GoalGroup>,
    styles: &'static [Style],
    categories: &'static [MeasureCategory],
    carriers: &'static [Carrier],
    statuses: &'static [MeasureStatus],
    lights: [Light; 4],
    sorts: &'static [SortKey],
    can_create: bool,
    export_link: String,
    filtered: bool,
}

/// The filters as the form shows them.
struct FilterEcho {
    year: String,
    unit: String,
    style: String,
    goal: String,
    category: String,
    carrier: String,
    status: String,
    light: String,
    owner: String,
    q: String,
    sort: String,
}

impl From<&Filters> for FilterEcho {
    fn from(f: &Filters) -> Self {
        let s = |v: Option<&str>| v.unwrap_or("").to_string();
        FilterEcho {
            year: f.year.map(|y| y.to_string()).unwrap_or_default(),
            unit: f.unit.map(|u| u.to_string()).unwrap_or_default(),
            style: s(f.style.map(Style::code)),
            goal: f.goal.map(|g| g.to_string()).unwrap_or_default(),
            category: s(f.category.map(MeasureCategory::code)),
            carrier: s(f.carrier.map(Carrier::code)),
            status: s(f.status.map(MeasureStatus::code)),
            light: s(f.light.map(Light::code)),
            owner: f.owner.clone().unwrap_or_default(),
            q: f.q.clone().unwrap_or_default(),
            sort: f.sort.code().to_string(),
        }
    }
}

async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let f = Filters::from_query(&query);
    let today = state.settings.clock.today();
    let mut paging = Paging::new(query.page.as_deref(), Paging::PER_PAGE);
    let (offset, limit) = (paging.offset(), paging.per_page);
    let u = user.clone();
    let filters = f.clone();
    let (years, resolved, unit_list, rows, goals, total, all_goals) = state
        .db
        .run(move |c| {
            let years = years(c)?;
            let resolved = resolve(c, &u, &filters, today)?;
            let unit_list = units::in_scope(c, &u.scope())?;
            let (rows, total, goals, all_goals) = match &resolved {
                Some((campaign, mf)) => {
                    let (rows, total) =
                        measures::list(c, campaign.id, mf, filters.sort, Some((offset, limit)))?;
                    let ids: Vec<i32> = rows.iter().map(|(m, _)| m.id).collect();
                    let goals = measures::goals_of(c, &ids)?;
                    (rows, total, goals, campaigns::goals(c, campaign.id)?)
                }
                None => (Vec::new(), 0, HashMap::new(), Vec::new()),
            };
            Ok((years, resolved, unit_list, rows, goals, total, all_goals))
        })
        .await?;
    let campaign = resolved.map(|(c, _)| c);
    paging.total = total;
    let year = campaign.as_ref().map(|c| c.year);
    paging.query = f.query_string(year);
    let yellow = campaign.as_ref().map_or(7, |c| c.yellow_days);
    let rows = rows
        .into_iter()
        .map(|(m, unit)| {
            let light = m.light(today, yellow);
            MeasureRow {
                id: m.id,
                unit_name: unit.name,
                goals: goals.get(&m.id).map(|g| goal_names(g)).unwrap_or_default(),
                category: m.category().label(),
                owner: m.owner.clone(),
                deadline: date_text(m.deadline),
                progress: m.progress,
                status: m.status().label(),
                light: light.code(),
                light_label: light_label(&m, light),
                title: m.title,
            }
        })
        .collect();
    let mut echo = FilterEcho::from(&f);
    if let Some(y) = year {
        echo.year = y.to_string();
    }
    let filtered = f.unit.is_some()
        || f.style.is_some()
        || f.goal.is_some()
        || f.category.is_some()
        || f.carrier.is_some()
        || f.status.is_some()
        || f.light.is_some()
        || f.owner.is_some()
        || f.q.is_some();
    render(&ListPage {
        base: ctx.base("践行举措"),
        years,
        export_link: format!("/measures/export?{}", paging.query),
        campaign,
        rows,
        paging,
        f: echo,
        units: tree_rows(&unit_list),
        goal_groups: goal_groups(&all_goals),
        styles: Style::ALL,
        categories: MeasureCategory::ALL,
        carriers: Carrier::ALL,
        statuses: MeasureStatus::ALL,
        lights: [Light::Red, Light::Yellow, Light::Green, Light::Done],
        sorts: SortKey::ALL,
        can_create: can_write_any(&user),
        filtered,
    })
}

// ---------------------------------------------------------------- detail

pub struct HistoryLine {
    pub at: String,
    pub who: String,
    pub field: String,
    pub old: String,
    pub new: String,
}

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

/// A measure with its unit, checked for `action`.
async fn load_checked(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    action: Action,
) -> AppResult<(Measure, Unit)> {
    let (m, unit) = state
        .db
        .run(move |c| {
            let m = measures::get(c, id)?;
            let unit = units::get(c, m.unit_id)?;
            Ok((m, unit))
        })
        .await?;
    user.require(action, &unit)?;
    Ok((m, unit))
}

async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (m, unit) = load_checked(&state, &user, id, Action::Read).await?;
    let can_write = user.can(Action::Write, &unit);
    let campaign_id = m.campaign_id;
    let (campaign, goals, changes, files) = state
        .db
        .run(move |c| {
            let campaign = campaigns::get(c, campaign_id)?;
            let goals = measures::goals_of(c, &[id])?
                .remove(&id)
                .unwrap_or_default();
            let changes = history::list(c, "measure", id)?;
            let files =
                FileList::load(c, Owner::Measure, id, format!("/measures/{id}"), can_write)?;
            Ok((campaign, goals, changes, files))
        })
        .await?;
    let today = state.settings.clock.today();
    let light = m.light(today, campaign.yellow_days);
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
        deadline: date_text(m.deadline),
        status: m.status().label(),
        progress: m.progress,
        closed: m.status() == MeasureStatus::Closed,
        closed_at: m.closed_at.map(format_local).unwrap_or_default(),
        updated_at: format_local(m.updated_at),
        light: light.code(),
        light_label: light_label(&m, light),
        title: m.title.clone(),
    };
    render(&ShowPage {
        base: ctx.base(m.title.clone()),
        year: campaign.year,
        m: view,
        goals: goals.iter().map(Goal::full_name).collect(),
        history: changes
            .into_iter()
            .map(|(ch, who)| HistoryLine {
                at: format_local(ch.at),
                who: who.unwrap_or_else(|| "系统".into()),
                field: ch.field,
                old: ch.old_value,
                new: ch.new_value,
            })
            .collect(),
        files,
        can_write,
    })
}

// ---------------------------------------------------------------- form

/// The raw form (or an imported row), kept as typed for re-display. Enumerations accept the
/// code or the Chinese label.
#[derive(Default, Clone, Debug)]
pub struct MeasureForm {
    pub year: String,
    pub unit_id: String,
    pub goals: Vec<String>,
    pub title: String,
    pub content: String,
    pub category: String,
    pub carrier: String,
    pub lead_tag: String,
    pub indicator: String,
    pub target_value: String,
    pub target_unit: String,
    pub owner: String,
    pub deadline: String,
    pub status: String,
    pub progress: String,
    pub version: String,
}

/// Field names in form order, for messages that list every problem.
const FIELDS: [&str; 14] = [
    "unit_id",
    "goals",
    "title",
    "content",
    "category",
    "carrier",
    "lead_tag",
    "indicator",
    "target_value",
    "target_unit",
    "owner",
    "deadline",
    "status",
    "progress",
];

fn allowed<T: Copy>(all: &[T], label: fn(T) -> &'static str) -> String {
    all.iter().map(|v| label(*v)).collect::<Vec<_>>().join("、")
}

impl MeasureForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = MeasureForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "year" => f.year = v,
                "unit_id" => f.unit_id = v,
                "goals" => f.goals.push(v),
                "title" => f.title = v,
                "content" => f.content = v,
                "category" => f.category = v,
                "carrier" => f.carrier = v,
                "lead_tag" => f.lead_tag = v,
                "indicator" => f.indicator = v,
                "target_value" => f.target_value = v,
                "target_unit" => f.target_unit = v,
                "owner" => f.owner = v,
                "deadline" => f.deadline = v,
                "status" => f.status = v,
                "progress" => f.progress = v,
                "version" => f.version = v,
                _ => {}
            }
        }
        f
    }

    fn from_measure(m: &Measure, goal_ids: &[i32], year: i32) -> Self {
        MeasureForm {
            year: year.to_string(),
            unit_id: m.unit_id.to_string(),
            goals: goal_ids.iter().map(|g| g.to_string()).collect(),
            title: m.title.clone(),
            content: m.content.clone(),
            category: m.category.clone(),
            carrier: m.carrier.clone(),
            lead_tag: m.lead_tag.clone(),
            indicator: m.indicator.clone(),
            target_value: m.target_value.map(number_text).unwrap_or_default(),
            target_unit: m.target_unit.clone(),
            owner: m.owner.clone(),
            deadline: date_text(m.deadline),
            status: m.status.clone(),
            progress: m.progress.to_string(),
            version: m.version.to_string(),
        }
    }

    pub fn has_goal(&self, id: &i32) -> bool {
        let id = id.to_string();
        self.goals.iter().any(|g| g.trim() == id)
    }

    /// Checks that need no database. `allow_closed`: imports may carry 已关闭.
    pub fn parse(&self, allow_closed: bool) -> Result<MeasureFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let unit_id = validate::chosen_id(&mut e, "unit_id", "所属单位", &self.unit_id);
        let mut goal_ids = Vec::new();
        for g in self.goals.iter().filter(|g| !g.trim().is_empty()) {
            match g.trim().parse::<i32>() {
                Ok(v) if v > 0 => goal_ids.push(v),
                _ => e.add("goals", "所选目标无效，请重新选择"),
            }
        }
        goal_ids.sort_unstable();
        goal_ids.dedup();
        if goal_ids.is_empty() {
            e.add("goals", "请至少选择一个对应目标");
        } else if goal_ids.len() > 15 {
            e.add("goals", "对应目标最多 15 个");
        }
        let title = validate::required_text(&mut e, "title", "举措名称", &self.title, 100);
        let content = validate::optional_text(&mut e, "content", "具体内容", &self.content, 2000)
            .unwrap_or_default();
        let category = MeasureCategory::parse_label(&self.category);
        if category.is_none() {
            e.add(
                "category",
                format!(
                    "请选择类别（{}）",
                    allowed(MeasureCategory::ALL, MeasureCategory::label)
                ),
            );
        }
        let carrier = Carrier::parse_label(&self.carrier);
        if carrier.is_none() {
            e.add(
                "carrier",
                format!("请选择载体（{}）", allowed(Carrier::ALL, Carrier::label)),
            );
        }
        let lead_tag = LeadTag::parse_label(&self.lead_tag);
        if lead_tag.is_none() {
            e.add(
                "lead_tag",
                format!(
                    "请选择四个带头（{}）",
                    allowed(LeadTag::ALL, LeadTag::label)
                ),
            );
        }
        let indicator = validate::optional_text(&mut e, "indicator", "指标", &self.indicator, 100)
            .unwrap_or_default();
        let raw_target = self.target_value.trim().replace([',', '，'], "");
        let target_value = if raw_target.is_empty() {
            None
        } else {
            match raw_target.parse::<f64>() {
                Ok(v) if v.is_finite() && (0.0..=1e12).contains(&v) => Some(v),
                _ => {
                    e.add("target_value", "目标值须为不小于 0 的数字，如 98.5");
                    None
                }
            }
        };
        let target_unit =
            validate::optional_text(&mut e, "target_unit", "计量单位", &self.target_unit, 20)
                .unwrap_or_default();
        let owner = validate::required_text(&mut e, "owner", "责任人", &self.owner, 50);
        let deadline = if self.deadline.trim().is_empty() {
            e.add("deadline", "请填写完成时限");
            None
        } else {
            match xlsx::parse_date(&self.deadline) {
                Some(d) if (2000..=2100).contains(&chrono::Datelike::year(&d)) => Some(d),
                _ => {
                    e.add("deadline", "完成时限须为有效日期，如 2026-12-31");
                    None
                }
            }
        };
        let status = MeasureStatus::parse_label(&self.status)
            .filter(|s| allow_closed || *s != MeasureStatus::Closed);
        if status.is_none() {
            let choices: Vec<MeasureStatus> = MeasureStatus::ALL
                .iter()
                .copied()
                .filter(|s| allow_closed || *s != MeasureStatus::Closed)
                .collect();
            e.add(
                "status",
                format!("请选择状态（{}）", allowed(&choices, MeasureStatus::label)),
            );
        }
        let progress_raw = self.progress.trim().trim_end_matches(['%', '％']);
        let progress = validate::int_in_range(&mut e, "progress", "进度", progress_raw, 0..=100);
        if status == Some(MeasureStatus::Completed)
            && progress != 100
            && e.get("progress").is_none()
        {
            e.add("progress", "状态为已完成时，进度应为 100%");
        }
        match (unit_id, category, carrier, lead_tag, deadline, status) {
            (
                Some(unit_id),
                Some(category),
                Some(carrier),
                Some(lead_tag),
                Some(deadline),
                Some(status),
            ) if e.is_empty() => Ok(MeasureFields {
                unit_id,
                goal_ids,
                title,
                content,
                category,
                carrier,
                lead_tag,
                indicator,
                target_value,
                target_unit,
                owner,
                deadline,
                status,
                progress,
            }),
            _ => Err(e),
        }
    }
}

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
    if user.is_office() {
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
    // A form-level message only comes from an edit conflict.
    let status = if errors.is_empty() {
        StatusCode::OK
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

#[derive(Deserialize)]
struct NewQuery {
    year: Option<String>,
}

async fn new_form(
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
        unit_id: if user.is_office() {
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

async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (m, _) = load_checked(&state, &user, id, Action::Write).await?;
    if m.status() == MeasureStatus::Closed {
        return Err(AppError::Conflict("该举措已关闭，不能再修改。".into()));
    }
    let cid = m.campaign_id;
    let (campaign, goal_ids) = state
        .db
        .run(move |c| {
            let goals = measures::goals_of(c, &[id])?
                .remove(&id)
                .unwrap_or_default();
            Ok((
                campaigns::get(c, cid)?,
                goals.iter().map(|g| g.id).collect::<Vec<_>>(),
            ))
        })
        .await?;
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

/// Outcome of a write that may fail validation inside the transaction.
enum Saved {
    Done { id: i32, title: String },
    Invalid(FieldErrors),
    Conflict(FieldErrors),
}

/// Checks against the database, inside the write transaction: the unit may be written by
/// the user (else Forbidden), the goals belong to the campaign.
fn check_refs(
    c: &mut DbConn,
    user: &CurrentUser,
    campaign_id: i32,
    fields: &MeasureFields,
) -> AppResult<(Unit, Vec<Goal>, FieldErrors)> {
    let mut e = FieldErrors::new();
    let unit = units::find(c, fields.unit_id)?.ok_or(AppError::Forbidden)?;
    user.require(Action::Write, &unit)?;
    let all = campaigns::goals(c, campaign_id)?;
    let chosen: Vec<Goal> = all
        .into_iter()
        .filter(|g| fields.goal_ids.contains(&g.id))
        .collect();
    if chosen.len() != fields.goal_ids.len() {
        e.add("goals", "所选目标不属于本年度活动，请重新选择");
    }
    Ok((unit, chosen, e))
}

fn form_from_body(user: &CurrentUser, pairs: Vec<(String, String)>) -> MeasureForm {
    let mut form = MeasureForm::from_pairs(pairs);
    if !user.is_office() && form.unit_id.trim().is_empty() {
        form.unit_id = user.unit_id.to_string();
    }
    form
}

async fn create(
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
    let campaign = match year {
        Some(y) => state.db.run(move |c| Ok(campaigns::by_year(c, y)?)).await?,
        None => None,
    }
    .ok_or_else(|| AppError::BadRequest("年度无效，请从举措列表重新进入。".into()))?;
    // A unit outside the user's scope is refused before anything else.
    if let Ok(uid) = form.unit_id.trim().parse::<i32>() {
        let unit = state.db.run(move |c| Ok(units::find(c, uid)?)).await?;
        if let Some(unit) = unit {
            user.require(Action::Write, &unit)?;
        }
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
        .write(move |c| {
            let (unit, goals, errors) = check_refs(c, &u, cid, &fields)?;
            if !errors.is_empty() {
                return Ok(Saved::Invalid(errors));
            }
            let m = measures::insert(c, cid, &fields, Some(u.id), now)?;
            let mut after = serde_json::to_value(&fields).unwrap_or_default();
            after["goals"] = serde_json::Value::String(goal_names(&goals));
            audit::record(
                c,
                audit::Change {
                    user_id: Some(u.id),
                    unit_id: Some(unit.id),
                    action: "create",
                    entity: "measure",
                    entity_id: Some(m.id),
                    summary: format!("新增践行举措 {}（{}）", m.title, unit.name),
                    before: None,
                    after: Some(after),
                },
                now,
            )?;
            Ok(Saved::Done {
                id: m.id,
                title: m.title,
            })
        })
        .await?;
    match saved {
        Saved::Done { id, title } => {
            flash(&session, "success", format!("已新增践行举措：{title}"));
            Ok(redirect(&format!("/measures/{id}")))
        }
        Saved::Invalid(errors) | Saved::Conflict(errors) => {
            form_page(&state, &ctx, &user, None, &campaign, form, errors).await
        }
    }
}

async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (m, _) = load_checked(&state, &user, id, Action::Write).await?;
    if m.status() == MeasureStatus::Closed {
        return Err(AppError::Conflict("该举措已关闭，不能再修改。".into()));
    }
    let cid = m.campaign_id;
    let campaign = state.db.run(move |c| Ok(campaigns::get(c, cid)?)).await?;
    let mut form = form_from_body(&user, body.into_inner());
    form.year = campaign.year.to_string();
    if let Ok(uid) = form.unit_id.trim().parse::<i32>() {
        let unit = state.db.run(move |c| Ok(units::find(c, uid)?)).await?;
        if let Some(unit) = unit {
            user.require(Action::Write, &unit)?;
        }
    }
    let fields = match form.parse(false) {
        Ok(f) => f,
        Err(errors) => {
            return form_page(&state, &ctx, &user, Some(id), &campaign, form, errors).await;
        }
    };
    let expected_version: Option<i32> = form.version.trim().parse().ok();
    let now = state.now();
    let u = user.clone();
    let saved = state
        .db
        .write(move |c| {
            let before = measures::get(c, id)?;
            let before_unit = units::get(c, before.unit_id)?;
            u.require(Action::Write, &before_unit)?;
            if before.status() == MeasureStatus::Closed {
                return Err(AppError::Conflict("该举措已关闭，不能再修改。".into()));
            }
            if expected_version.is_some_and(|v| v != before.version) {
                let mut e = FieldErrors::new();
                e.add(
                    "",
                    "保存失败：该举措在您编辑期间已被他人修改。请记下您的修改，刷新页面后重新填写。",
                );
                return Ok(Saved::Conflict(e));
            }
            let (unit, goals, errors) = check_refs(c, &u, cid, &fields)?;
            if !errors.is_empty() {
                return Ok(Saved::Invalid(errors));
            }
            let before_goals = measures::goals_of(c, &[id])?.remove(&id).unwrap_or_default();
            let before_fields = before.fields(before_goals.iter().map(|g| g.id).collect());
            let after = measures::update(c, id, &fields, now)?;
            history::record(
                c,
                "measure",
                id,
                Some(u.id),
                now,
                &TrackedMeasure {
                    fields: &before_fields,
                    unit_name: &before_unit.name,
                    goal_names: goal_names(&before_goals),
                },
                &TrackedMeasure {
                    fields: &fields,
                    unit_name: &unit.name,
                    goal_names: goal_names(&goals),
                },
            )?;
            let mut b = serde_json::to_value(&before_fields).unwrap_or_default();
            b["goals"] = serde_json::Value::String(goal_names(&before_goals));
            let mut a = serde_json::to_value(&fields).unwrap_or_default();
            a["goals"] = serde_json::Value::String(goal_names(&goals));
            audit::record(
                c,
                audit::Change {
                    user_id: Some(u.id),
                    unit_id: Some(unit.id),
                    action: "update",
                    entity: "measure",
                    entity_id: Some(id),
                    summary: format!("修改践行举措 {}", after.title),
                    before: Some(b),
                    after: Some(a),
                },
                now,
            )?;
            Ok(Saved::Done {
                id,
                title: after.title,
            })
        })
        .await?;
    match saved {
        Saved::Done { title, .. } => {
            flash(&session, "success", format!("已保存践行举措：{title}"));
            Ok(redirect(&format!("/measures/{id}")))
        }
        Saved::Invalid(errors) => {
            form_page(&state, &ctx, &user, Some(id), &campaign, form, errors).await
        }
        Saved::Conflict(errors) => {
            form_page(&state, &ctx, &user, Some(id), &campaign, form, errors).await
        }
    }
}

async fn close(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (m, _) = load_checked(&state, &user, id, Action::Write).await?;
    if m.status() == MeasureStatus::Closed {
        flash(&session, "info", "该举措已经关闭。");
        return Ok(redirect(&format!("/measures/{id}")));
    }
    let now = state.now();
    let u = user.clone();
    let title = state
        .db
        .write(move |c| {
            let before = measures::get(c, id)?;
            let unit = units::get(c, before.unit_id)?;
            u.require(Action::Write, &unit)?;
            if before.status() == MeasureStatus::Closed {
                return Ok(before.title);
            }
            let goals = measures::goals_of(c, &[id])?
                .remove(&id)
                .unwrap_or_default();
            let goal_ids: Vec<i32> = goals.iter().map(|g| g.id).collect();
            let before_fields = before.fields(goal_ids.clone());
            let after = measures::close(c, id, now)?;
            let after_fields = after.fields(goal_ids);
            let names = goal_names(&goals);
            history::record(
                c,
                "measure",
                id,
                Some(u.id),
                now,
                &TrackedMeasure {
                    fields: &before_fields,
                    unit_name: &unit.name,
                    goal_names: names.clone(),
                },
                &TrackedMeasure {
                    fields: &after_fields,
                    unit_name: &unit.name,
                    goal_names: names,
                },
            )?;
            audit::record(
                c,
                audit::Change {
                    user_id: Some(u.id),
                    unit_id: Some(unit.id),
                    action: "close",
                    entity: "measure",
                    entity_id: Some(id),
                    summary: format!("关闭践行举措 {}", after.title),
                    before: Some(serde_json::json!({ "status": before.status })),
                    after: Some(serde_json::json!({ "status": after.status })),
                },
                now,
            )?;
            Ok(after.title)
        })
        .await?;
    flash(&session, "success", format!("已关闭践行举措：{title}"));
    Ok(redirect(&format!("/measures/{id}")))
}

// ---------------------------------------------------------------- Excel

const H_SEQ: &str = "序号";
const H_UNIT_CODE: &str = "单位编码";
const H_UNIT: &str = "单位";
const H_TITLE: &str = "举措名称";
const H_CONTENT: &str = "具体内容";
const H_GOALS: &str = "对应目标";
const H_CATEGORY: &str = "类别";
const H_CARRIER: &str = "载体";
const H_LEAD: &str = "四个带头";
const H_INDICATOR: &str = "指标";
const H_TARGET: &str = "目标值";
const H_TARGET_UNIT: &str = "计量单位";
const H_OWNER: &str = "责任人";
const H_DEADLINE: &str = "完成时限";
const H_STATUS: &str = "状态";
const H_PROGRESS: &str = "进度(%)";

const COLUMNS: [Column; 16] = [
    col(H_SEQ, 6.0),
    col(H_UNIT_CODE, 10.0),
    col(H_UNIT, 18.0),
    col(H_TITLE, 26.0),
    col(H_CONTENT, 40.0),
    col(H_GOALS, 16.0),
    col(H_CATEGORY, 14.0),
    col(H_CARRIER, 11.0),
    col(H_LEAD, 16.0),
    col(H_INDICATOR, 16.0),
    col(H_TARGET, 9.0),
    col(H_TARGET_UNIT, 9.0),
    col(H_OWNER, 10.0),
    col(H_DEADLINE, 12.0),
    col(H_STATUS, 9.0),
    col(H_PROGRESS, 8.0),
];

const REQUIRED: [&str; 6] = [H_UNIT_CODE, H_TITLE, H_GOALS, H_OWNER, H_DEADLINE, H_STATUS];

fn known_headers() -> Vec<&'static str> {
    COLUMNS.iter().map(|c| c.header).collect()
}

async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let f = Filters::from_query(&query.into_inner());
    let today = state.settings.clock.today();
    let u = user.clone();
    let (campaign, rows, goals) = state
        .db
        .run(move |c| {
            let (campaign, mf) = resolve(c, &u, &f, today)?.ok_or(AppError::NotFound)?;
            let (rows, _) = measures::list(c, campaign.id, &mf, f.sort, None)?;
            let ids: Vec<i32> = rows.iter().map(|(m, _)| m.id).collect();
            let goals = measures::goals_of(c, &ids)?;
            Ok((campaign, rows, goals))
        })
        .await?;
    let data: Vec<Vec<Value>> = rows
        .iter()
        .enumerate()
        .map(|(i, (m, unit))| {
            vec![
                Value::from(i as i32 + 1),
                Value::from(unit.code.as_str()),
                Value::from(unit.name.as_str()),
                Value::from(m.title.as_str()),
                Value::from(m.content.as_str()),
                Value::from(goals.get(&m.id).map(|g| goal_names(g)).unwrap_or_default()),
                Value::from(m.category().label()),
                Value::from(m.carrier().label()),
                Value::from(m.lead_tag().label()),
                Value::from(m.indicator.as_str()),
                Value::from(m.target_value),
                Value::from(m.target_unit.as_str()),
                Value::from(m.owner.as_str()),
                Value::from(m.deadline),
                Value::from(m.status().label()),
                Value::from(m.progress),
            ]
        })
        .collect();
    let title = format!("{}年践行举措清单", campaign.year);
    let bytes = xlsx::table("践行举措", &title, &COLUMNS, &data)?;
    Ok(xlsx::download(&format!("{title}.xlsx"), bytes))
}

fn xerr(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::internal(format!("xlsx: {e}"))
}

/// The import template: the export layout with no rows, and a sheet of allowed values.
fn template_bytes(year: i32, goals: &[Goal]) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::Workbook;
    let f = xlsx::Formats::new();
    let mut wb = Workbook::new();
    {
        let ws = wb.add_worksheet();
        ws.set_name("践行举措").map_err(xerr)?;
        ws.merge_range(
            0,
            0,
            0,
            COLUMNS.len() as u16 - 1,
            &format!("{year}年践行举措导入模板"),
            &f.title,
        )
        .map_err(xerr)?;
        ws.set_row_height(0, 30).map_err(xerr)?;
        for (i, c) in COLUMNS.iter().enumerate() {
            ws.set_column_width(i as u16, c.width).map_err(xerr)?;
            ws.write_string_with_format(1, i as u16, c.header, &f.header)
                .map_err(xerr)?;
        }
        ws.set_freeze_panes(2, 0).map_err(xerr)?;
        xlsx::print_setup(ws, 1)?;
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("填写说明").map_err(xerr)?;
        ws.set_column_width(0, 14).map_err(xerr)?;
        ws.set_column_width(1, 10).map_err(xerr)?;
        ws.set_column_width(2, 80).map_err(xerr)?;
        let goal_list = goals
            .iter()
            .map(|g| g.name.as_str())
            .collect::<Vec<_>>()
            .join("、");
        let lines: Vec<(&str, &str, String)> = vec![
            (H_SEQ, "否", "可留空，导入时不使用".into()),
            (
                H_UNIT_CODE,
                "是",
                "单位编码，如 ZB01；只能填写您有权维护的单位".into(),
            ),
            (
                H_UNIT,
                "否",
                "单位名称，仅供阅读，导入时以单位编码为准".into(),
            ),
            (H_TITLE, "是", "不超过 100 字".into()),
            (H_CONTENT, "否", "不超过 2000 字".into()),
            (
                H_GOALS,
                "是",
                format!("一个或多个，用“、”分隔，可选：{goal_list}"),
            ),
            (
                H_CATEGORY,
                "是",
                allowed(MeasureCategory::ALL, MeasureCategory::label),
            ),
            (H_CARRIER, "是", allowed(Carrier::ALL, Carrier::label)),
            (H_LEAD, "是", allowed(LeadTag::ALL, LeadTag::label)),
            (
                H_INDICATOR,
                "否",
                "量化指标名称，如 监理报告一次合格率".into(),
            ),
            (H_TARGET, "否", "数字，如 98.5".into()),
            (H_TARGET_UNIT, "否", "如 %、项、篇、万元".into()),
            (H_OWNER, "是", "责任人姓名".into()),
            (H_DEADLINE, "是", "日期，如 2026-12-31".into()),
            (
                H_STATUS,
                "是",
                allowed(MeasureStatus::ALL, MeasureStatus::label),
            ),
            (
                H_PROGRESS,
                "是",
                "0 到 100 的整数；状态为已完成时须为 100".into(),
            ),
        ];
        for (i, h) in ["列名", "必填", "说明与可选值"].iter().enumerate() {
            ws.write_string_with_format(0, i as u16, *h, &f.header)
                .map_err(xerr)?;
        }
        for (r, (name, required, note)) in lines.iter().enumerate() {
            let row = r as u32 + 1;
            ws.write_string_with_format(row, 0, *name, &f.cell)
                .map_err(xerr)?;
            ws.write_string_with_format(row, 1, *required, &f.cell)
                .map_err(xerr)?;
            ws.write_string_with_format(row, 2, note, &f.cell)
                .map_err(xerr)?;
        }
        ws.write_string(
            lines.len() as u32 + 2,
            0,
            "导入时全部行校验通过才会写入；任何一行有误，整个文件都不会导入，并列出每一行的问题。",
        )
        .map_err(xerr)?;
    }
    wb.save_to_buffer().map_err(xerr)
}

async fn template(
    state: web::Data<AppState>,
    _user: CurrentUser,
    query: web::Query<NewQuery>,
) -> AppResult<HttpResponse> {
    let year = non_empty(&query.year).and_then(|y| y.parse().ok());
    let today = state.settings.clock.today();
    let (campaign, goals) = state
        .db
        .run(move |c| {
            let campaign = campaigns::chosen(c, year, today)?.ok_or(AppError::NotFound)?;
            let goals = campaigns::goals(c, campaign.id)?;
            Ok((campaign, goals))
        })
        .await?;
    let bytes = template_bytes(campaign.year, &goals)?;
    Ok(xlsx::download(
        &format!("{}年践行举措导入模板.xlsx", campaign.year),
        bytes,
    ))
}

#[derive(Template)]
#[template(path = "measures/import.html")]
struct ImportPage {
    base: BaseContext,
    years: Vec<i32>,
    year: String,
    message: Option<String>,
    problems: Vec<String>,
}

async fn import_page(
    state: &AppState,
    ctx: &PageCtx,
    year: String,
    message: Option<String>,
    problems: Vec<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let years = state.db.run(years).await?;
    render_status(
        status,
        &ImportPage {
            base: ctx.base("导入践行举措"),
            years,
            year,
            message,
            problems,
        },
    )
}

async fn import_form(
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
        .await?;
    let year = campaign.map(|c| c.year.to_string()).unwrap_or_default();
    import_page(&state, &ctx, year, None, Vec::new(), StatusCode::OK).await
}

#[derive(MultipartForm)]
pub struct ImportForm {
    year: Option<Text<String>>,
    file: Option<Bytes>,
}

/// Largest number of rows one import takes.
const MAX_ROWS: usize = 5000;

/// Split "标准严格、举措细致" (also `,` `，` `;` `；` or spaces) into names.
fn split_goals(s: &str) -> Vec<String> {
    s.split(crate::domain::register::GOAL_SEPARATORS)
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// Turn the rows of a sheet into measures, or list every bad row.
fn rows_to_measures(
    c: &mut DbConn,
    user: &CurrentUser,
    campaign_id: i32,
    rows: &[xlsx::ImportRow],
    now: chrono::NaiveDateTime,
) -> AppResult<Result<Vec<BulkMeasure>, Vec<String>>> {
    let all_units = units::all(c)?;
    let by_code: HashMap<String, &Unit> = all_units
        .iter()
        .map(|u| (u.code.to_uppercase(), u))
        .collect();
    let goals = campaigns::goals(c, campaign_id)?;
    let goal_by_name = |name: &str| -> Option<i32> {
        goals
            .iter()
            .find(|g| g.name == name || g.full_name() == name)
            .map(|g| g.id)
    };
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for row in rows {
        let mut reasons: Vec<String> = Vec::new();
        let code = row.get(H_UNIT_CODE);
        let unit_id = if code.is_empty() {
            reasons.push("请填写单位编码".into());
            String::new()
        } else {
            match by_code.get(&code.to_uppercase()) {
                None => {
                    reasons.push(format!("单位编码“{code}”不存在"));
                    String::new()
                }
                Some(u) if !user.can(Action::Write, u) => {
                    reasons.push(format!("无权为单位“{}”（{code}）导入举措", u.name));
                    String::new()
                }
                Some(u) => u.id.to_string(),
            }
        };
        let mut goal_ids = Vec::new();
        let names = split_goals(row.get(H_GOALS));
        for name in &names {
            match goal_by_name(name) {
                Some(id) => goal_ids.push(id.to_string()),
                None => reasons.push(format!("对应目标“{name}”不存在")),
            }
        }
        let form = MeasureForm {
            year: String::new(),
            unit_id: unit_id.clone(),
            goals: goal_ids,
            title: row.get(H_TITLE).to_string(),
            content: row.get(H_CONTENT).to_string(),
            category: row.get(H_CATEGORY).to_string(),
            carrier: row.get(H_CARRIER).to_string(),
            lead_tag: row.get(H_LEAD).to_string(),
            indicator: row.get(H_INDICATOR).to_string(),
            target_value: row.get(H_TARGET).to_string(),
            target_unit: row.get(H_TARGET_UNIT).to_string(),
            owner: row.get(H_OWNER).to_string(),
            deadline: row.get(H_DEADLINE).to_string(),
            status: row.get(H_STATUS).to_string(),
            progress: row.get(H_PROGRESS).to_string(),
            version: String::new(),
        };
        match form.parse(true) {
            Ok(fields) if reasons.is_empty() => out.push(BulkMeasure {
                unit_id: fields.unit_id,
                fields,
                created_at: now,
                updated_at: now,
            }),
            Ok(_) => {}
            Err(e) => {
                let goal_named = reasons.iter().any(|r| r.starts_with("对应目标"));
                for field in FIELDS {
                    // Unit and goal problems are already named above with their values.
                    if (field == "unit_id" && unit_id.is_empty())
                        || (field == "goals" && goal_named)
                    {
                        continue;
                    }
                    if let Some(m) = e.get(field) {
                        let m = if field == "goals" && names.is_empty() {
                            "请填写对应目标".to_string()
                        } else {
                            m.to_string()
                        };
                        if !reasons.contains(&m) {
                            reasons.push(m);
                        }
                    }
                }
            }
        }
        if !reasons.is_empty() {
            problems.push(format!("第 {} 行：{}", row.number, reasons.join("；")));
        }
    }
    Ok(if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    })
}

enum Imported {
    Done(usize),
    Invalid(Vec<String>),
}

async fn import(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    form: MultipartForm<ImportForm>,
) -> AppResult<HttpResponse> {
    if !can_write_any(&user) {
        return Err(AppError::Forbidden);
    }
    let form = form.into_inner();
    let year_text = form
        .year
        .as_ref()
        .map(|y| y.trim().to_string())
        .unwrap_or_default();
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let Ok(year) = year_text.parse::<i32>() else {
        return import_page(
            &state,
            &ctx,
            year_text,
            Some("请选择导入的年度。".into()),
            Vec::new(),
            unprocessable,
        )
        .await;
    };
    let Some(campaign) = state
        .db
        .run(move |c| Ok(campaigns::by_year(c, year)?))
        .await?
    else {
        return import_page(
            &state,
            &ctx,
            year_text,
            Some("该年度尚未设置作风建设活动。".into()),
            Vec::new(),
            unprocessable,
        )
        .await;
    };
    let Some(file) = form.file.filter(|f| !f.data.is_empty()) else {
        return import_page(
            &state,
            &ctx,
            year_text,
            Some("请选择要导入的 Excel 文件。".into()),
            Vec::new(),
            unprocessable,
        )
        .await;
    };
    let rows = match xlsx::read(&file.data, &REQUIRED, &known_headers()) {
        Ok(rows) => rows,
        Err(msg) => {
            return import_page(
                &state,
                &ctx,
                year_text,
                Some(msg),
                Vec::new(),
                unprocessable,
            )
            .await
        }
    };
    if rows.is_empty() {
        return import_page(
            &state,
            &ctx,
            year_text,
            Some("文件中没有可导入的数据行。".into()),
            Vec::new(),
            unprocessable,
        )
        .await;
    }
    if rows.len() > MAX_ROWS {
        return import_page(
            &state,
            &ctx,
            year_text,
            Some(format!("一次最多导入 {MAX_ROWS} 行，请分批导入。")),
            Vec::new(),
            unprocessable,
        )
        .await;
    }
    let now = state.now();
    let u = user.clone();
    let cid = campaign.id;
    let file_name = file.file_name.clone().unwrap_or_default();
    let outcome = state
        .db
        .write(move |c| {
            let list = match rows_to_measures(c, &u, cid, &rows, now)? {
                Ok(list) => list,
                Err(problems) => return Ok(Imported::Invalid(problems)),
            };
            let ids = measures::insert_many(c, cid, &list, Some(u.id))?;
            for (id, m) in ids.iter().zip(&list) {
                audit::record(
                    c,
                    audit::Change {
                        user_id: Some(u.id),
                        unit_id: Some(m.unit_id),
                        action: "import",
                        entity: "measure",
                        entity_id: Some(*id),
                        summary: format!("导入践行举措 {}", m.fields.title),
                        before: None,
                        after: serde_json::to_value(&m.fields).ok(),
                    },
                    now,
                )?;
            }
            Ok(Imported::Done(ids.len()))
        })
        .await?;
    match outcome {
        Imported::Done(n) => {
            tracing::info!(file = %file_name, rows = n, "measures imported");
            flash(
                &session,
                "success",
                format!("已导入 {n} 条践行举措到 {year} 年度。"),
            );
            Ok(redirect(&format!("/measures?year={year}")))
        }
        Imported::Invalid(problems) => {
            let msg = format!(
                "文件中有 {} 行需要修改，本次未导入任何数据。请按下列提示修改后重新导入。",
                problems.len()
            );
            import_page(&state, &ctx, year_text, Some(msg), problems, unprocessable).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> MeasureForm {
        MeasureForm {
            unit_id: "3".into(),
            goals: vec!["1".into(), "".into(), "1".into(), "2".into()],
            title: " 提升监理质量 ".into(),
            category: "生产经营指标".into(),
            carrier: "none".into(),
            lead_tag: "党员干部带头作榜样".into(),
            target_value: "1,200".into(),
            owner: "李明".into(),
            deadline: "2026/12/31".into(),
            status: "已完成".into(),
            progress: "100%".into(),
            ..Default::default()
        }
    }

    #[test]
    fn labels_and_codes_parse_alike() {
        let f = valid().parse(false).expect("valid");
        assert_eq!(f.goal_ids, vec![1, 2]);
        assert_eq!(f.title, "提升监理质量");
        assert_eq!(f.category, MeasureCategory::Production);
        assert_eq!(f.carrier, Carrier::NoCarrier);
        assert_eq!(f.target_value, Some(1200.0));
        assert_eq!(f.deadline, NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
        assert_eq!(f.progress, 100);
    }

    #[test]
    fn closed_only_from_imports() {
        let mut form = valid();
        form.status = "已关闭".into();
        assert!(form.parse(false).unwrap_err().get("status").is_some());
        assert_eq!(form.parse(true).unwrap().status, MeasureStatus::Closed);
    }

    #[test]
    fn goal_lists_split_on_office_separators() {
        assert_eq!(
            split_goals("标准严格、 效率快速，举措细致;落实细心"),
            vec!["标准严格", "效率快速", "举措细致", "落实细心"]
        );
        assert!(split_goals("  ").is_empty());
    }

    #[test]
    fn filters_keep_their_query() {
        let q = ListQuery {
            category: Some("brand".into()),
            q: Some("监理 & 检测".into()),
            sort: Some("progress".into()),
            light: Some("purple".into()),
            ..Default::default()
        };
        let f = Filters::from_query(&q);
        assert_eq!(
            f.query_string(Some(2026)),
            "year=2026&category=brand&q=%E7%9B%91%E7%90%86+%26+%E6%A3%80%E6%B5%8B&sort=progress"
        );
    }
}
