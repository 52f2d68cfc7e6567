//! The task force (一线专班, DESIGN.md F4): the office assigns its staff to units ("包产到户");
//! each member sees "我的联系单位" with their open and overdue rectification items.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::clock::format_local;
use crate::db::models::{campaigns, taskforce, units, users};
use crate::domain::validate::{self, FieldErrors};
use crate::domain::Role;
use crate::error::AppResult;
use crate::services::taskforce::{self as service, Saved};
use crate::state::AppState;
use crate::views::{flash, redirect, render, render_status, BaseContext, PageCtx};
use crate::xlsx::{self, col, Column, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/taskforce", web::get().to(list))
        .route("/taskforce", web::post().to(create))
        .route("/taskforce/export", web::get().to(export))
        .route("/taskforce/mine", web::get().to(mine))
        .route("/taskforce/mine/export", web::get().to(export_mine))
        .route("/taskforce/{id}/delete", web::post().to(delete));
}

pub struct AssignmentLine {
    pub id: i32,
    pub member: String,
    pub unit_id: i32,
    pub unit_name: String,
    pub since: String,
}

pub struct Choice {
    pub id: i32,
    pub name: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct AssignForm {
    user_id: String,
    unit_id: String,
}

#[derive(Template)]
#[template(path = "taskforce/list.html")]
struct ListPage {
    base: BaseContext,
    rows: Vec<AssignmentLine>,
    members: Vec<Choice>,
    units: Vec<Choice>,
    form: AssignForm,
    errors: FieldErrors,
}

fn assignment_line(
    (a, member, unit): (taskforce::Assignment, String, units::Unit),
) -> AssignmentLine {
    AssignmentLine {
        id: a.id,
        member,
        unit_id: unit.id,
        unit_name: unit.name,
        since: format_local(a.created_at),
    }
}

const EXPORT_COLUMNS: [Column; 3] = [
    col("专班成员", 16.0),
    col("联系单位", 36.0),
    col("安排时间", 18.0),
];

async fn export(state: web::Data<AppState>, user: CurrentUser) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageTaskforce)?;
    let rows = state.db.run(|c| Ok(taskforce::list(c)?)).await?;
    let data: Vec<Vec<Value>> = rows
        .into_iter()
        .map(|r| {
            let l = assignment_line(r);
            vec![
                Value::from(l.member),
                Value::from(l.unit_name),
                Value::from(l.since),
            ]
        })
        .collect();
    xlsx::export(
        &xlsx::Sheet::new("一线专班分工", state.now()),
        &EXPORT_COLUMNS,
        &data,
    )
}

async fn list_page(
    state: &AppState,
    ctx: &PageCtx,
    form: AssignForm,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let (rows, members, all_units) = state
        .db
        .run(|c| {
            let rows = taskforce::list(c)?;
            let (members, _) = users::list(
                c,
                &users::UserFilter {
                    role: Some(Role::Office),
                    active: Some(true),
                    ..Default::default()
                },
                0,
                1000,
            )?;
            Ok((rows, members, units::all(c)?))
        })
        .await?;
    let top = all_units.iter().map(|u| u.depth()).min().unwrap_or(0);
    let page = ListPage {
        base: ctx.base("一线专班"),
        rows: rows.into_iter().map(assignment_line).collect(),
        members: members
            .into_iter()
            .map(|(u, _)| Choice {
                id: u.id,
                name: format!("{}（{}）", u.display_name, u.username),
            })
            .collect(),
        units: all_units
            .iter()
            .map(|u| Choice {
                id: u.id,
                name: format!("{}{}", "　".repeat(u.depth() - top), u.name),
            })
            .collect(),
        form,
        errors,
    };
    if page.errors.is_empty() {
        render(&page)
    } else {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageTaskforce)?;
    list_page(&state, &ctx, AssignForm::default(), FieldErrors::new()).await
}

async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    form: web::Form<AssignForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageTaskforce)?;
    let form = form.into_inner();
    let mut e = FieldErrors::new();
    let member = validate::chosen_id(&mut e, "user_id", "专班成员", &form.user_id);
    let unit = validate::chosen_id(&mut e, "unit_id", "联系单位", &form.unit_id);
    let (Some(member), Some(unit_id)) = (member, unit) else {
        return list_page(&state, &ctx, form, e).await;
    };
    let now = state.now();
    let me = user.clone();
    let saved = state
        .db
        .write(move |c| service::assign(c, &me, member, unit_id, now))
        .await?;
    match saved {
        Saved::Done(summary) => {
            flash(&session, "success", format!("已添加 {summary}"));
            Ok(redirect("/taskforce"))
        }
        Saved::Invalid(e) => list_page(&state, &ctx, form, e).await,
    }
}

async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageTaskforce)?;
    let id = path.into_inner();
    let now = state.now();
    let me = user.clone();
    state
        .db
        .write(move |c| service::remove(c, &me, id, now))
        .await?;
    flash(&session, "success", "已取消该联系单位。");
    Ok(redirect("/taskforce"))
}

pub struct MineLine {
    pub id: i32,
    pub name: String,
    pub open: i64,
    pub overdue: i64,
}

#[derive(Template)]
#[template(path = "taskforce/mine.html")]
struct MinePage {
    base: BaseContext,
    year: Option<i32>,
    rows: Vec<MineLine>,
}

/// The member's units with their open and overdue items in the current year.
async fn my_units(state: &AppState, user: &CurrentUser) -> AppResult<(Option<i32>, Vec<MineLine>)> {
    user.require_may(Capability::ManageTaskforce)?;
    let today = state.settings.clock.today();
    let uid = user.id;
    let (campaign, units, counts) = state
        .db
        .run(move |c| {
            let campaign = campaigns::current(c, today)?;
            let units = taskforce::units_of(c, uid)?;
            let counts = match &campaign {
                Some(camp) => taskforce::open_counts(c, &units, camp.id, today)?,
                None => vec![(0, 0); units.len()],
            };
            Ok((campaign, units, counts))
        })
        .await?;
    let rows = units
        .into_iter()
        .zip(counts)
        .map(|(u, (open, overdue))| MineLine {
            id: u.id,
            name: u.name,
            open,
            overdue,
        })
        .collect();
    Ok((campaign.map(|c| c.year), rows))
}

async fn mine(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    let (year, rows) = my_units(&state, &user).await?;
    render(&MinePage {
        base: ctx.base("我的联系单位"),
        year,
        rows,
    })
}

const MINE_COLUMNS: [Column; 3] = [
    col("单位", 36.0),
    col("未完成整改事项", 16.0),
    col("其中逾期", 12.0),
];

async fn export_mine(state: web::Data<AppState>, user: CurrentUser) -> AppResult<HttpResponse> {
    let (year, rows) = my_units(&state, &user).await?;
    let data: Vec<Vec<Value>> = rows
        .into_iter()
        .map(|r| {
            vec![
                Value::from(r.name),
                Value::from(r.open),
                Value::from(r.overdue),
            ]
        })
        .collect();
    let title = match year {
        Some(y) => format!("我的联系单位（{y}年度）"),
        None => "我的联系单位".to_string(),
    };
    let sheet = xlsx::Sheet::new(title, state.now())
        .filter("年度", year.map(|y| format!("{y}年")).unwrap_or_default());
    xlsx::export(&sheet, &MINE_COLUMNS, &data)
}
