//! User management (office only): list with filters, create, edit, reset password,
//! disable and enable. Disabling a user or resetting a password ends their sessions at once.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::clock::format_local;
use crate::db::models::units::{self, Unit};
use crate::db::models::users::{self, User, UserFilter};
use crate::domain::filters::FilterWords;
use crate::domain::Role;
use crate::error::AppResult;
use crate::routes::imports;
use crate::routes::non_empty;
use crate::state::{AppState, ListKey};
use crate::views::units::{filter_name, unit_choices};
use crate::views::{render, BaseContext, PageCtx, Paging};
use crate::xlsx::{self, col, Column, Value};

mod access;
mod edit;

use access::{disable, enable, reset_password};
use edit::{create, edit_form, new_form, update};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(list))
        .route("/users/export", web::get().to(export))
        .route("/users/import", web::get().to(imports::users_form))
        .route("/users/import", web::post().to(imports::users_import))
        .route(
            "/users/import/template",
            web::get().to(imports::users_template),
        )
        .route("/users", web::post().to(create))
        .route("/users/new", web::get().to(new_form))
        .route("/users/{id}/edit", web::get().to(edit_form))
        .route("/users/{id}", web::post().to(update))
        .route("/users/{id}/password", web::post().to(reset_password))
        .route("/users/{id}/disable", web::post().to(disable))
        .route("/users/{id}/enable", web::post().to(enable));
}

pub struct UserRow {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub unit_name: String,
    pub active: bool,
    pub last_login: String,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    q: Option<String>,
    role: Option<String>,
    unit: Option<String>,
    status: Option<String>,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage<'a> {
    base: BaseContext,
    rows: &'a [UserRow],
    export_link: String,
    paging: Paging,
    q: String,
    role: String,
    status: String,
    roles: &'static [Role],
    /// The unit filter's `<option>`s ([`unit_choices`]).
    units: &'a str,
}

/// A page of the list as kept until the next write (`AppState::list_page`).
struct UsersView {
    rows: Vec<UserRow>,
    total: i64,
    all_units: Vec<Unit>,
}

/// The list's filters, parsed once for the page and its export.
#[derive(Clone)]
struct Selection {
    q: Option<String>,
    role: Option<Role>,
    unit_id: Option<i32>,
    active: Option<bool>,
    status: String,
}

impl Selection {
    fn of(query: &ListQuery) -> Self {
        let status = non_empty(&query.status).unwrap_or("").to_string();
        Selection {
            q: non_empty(&query.q).map(|s| s.chars().take(50).collect::<String>()),
            role: non_empty(&query.role).and_then(Role::parse),
            unit_id: non_empty(&query.unit).and_then(|u| u.parse::<i32>().ok()),
            active: match status.as_str() {
                "active" => Some(true),
                "disabled" => Some(false),
                _ => None,
            },
            status,
        }
    }

    fn filter(&self, all_units: &[Unit]) -> UserFilter {
        UserFilter {
            q: self.q.clone(),
            role: self.role,
            unit_path: self
                .unit_id
                .and_then(|id| all_units.iter().find(|u| u.id == id))
                .map(|u| u.path.clone()),
            unit_id: None,
            active: self.active,
        }
    }

    fn query_string(&self) -> String {
        let mut kept = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", self.q.clone().unwrap_or_default()),
            (
                "role",
                self.role.map(|r| r.code().to_string()).unwrap_or_default(),
            ),
            (
                "unit",
                self.unit_id.map(|u| u.to_string()).unwrap_or_default(),
            ),
            ("status", self.status.clone()),
        ] {
            if !v.is_empty() {
                kept.append_pair(k, &v);
            }
        }
        kept.finish()
    }

    /// The filters in words, as the page shows them, on the export's sheet.
    fn sheet(&self, sheet: xlsx::Sheet, all_units: &[Unit]) -> xlsx::Sheet {
        let unit = self
            .unit_id
            .and_then(|id| all_units.iter().find(|u| u.id == id))
            .map_or_else(|| "全部（含下级）".to_string(), |u| u.name.clone());
        let status = match self.active {
            Some(true) => "在用",
            Some(false) => "已停用",
            None => "",
        };
        sheet
            .filter("关键词", self.q.clone().unwrap_or_default())
            .filter("角色", self.role.map(|r| r.label()).unwrap_or_default())
            .filter("单位", unit)
            .filter("状态", status)
    }
}

/// The filtered users (one page, or all for the export) with every unit.
async fn select(
    state: &AppState,
    sel: &Selection,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<Unit>, Vec<(User, Unit)>, i64)> {
    let sel = sel.clone();
    state
        .db
        .run(move |c| {
            let all_units = units::all(c)?;
            let (rows, total) = users::list(c, &sel.filter(&all_units), offset, limit)?;
            Ok((all_units, rows, total))
        })
        .await
}

async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    let query = query.into_inner();
    let sel = Selection::of(&query);
    let mut paging = Paging::new(query.page.as_deref(), Paging::PER_PAGE).printing(ctx.print_view);
    let (offset, limit) = (paging.offset(), paging.per_page);
    let today = state.settings.clock.today();
    // Each page is kept per filters until the next write (a sign-in is one: 最近登录).
    let key = ListKey::new("users page", user.scope(), sel.query_string(), today);
    let view = state
        .list_page(key, paging.at(), || async {
            let (all_units, rows, total) = select(&state, &sel, offset, limit).await?;
            Ok(UsersView {
                rows: rows.into_iter().map(|(u, unit)| row(u, &unit)).collect(),
                total,
                all_units,
            })
        })
        .await?;
    let all_units = &view.all_units;
    // Every unit, as the list reads users of any unit (the office's scope).
    let units = unit_choices(&state, &crate::domain::Scope::All, sel.unit_id).await?;
    paging.total = view.total;
    paging.query = sel.query_string();
    let words = FilterWords::new()
        .keyword("关键词", sel.q.as_deref())
        .opt("角色", sel.role.map(Role::label))
        .opt("单位", filter_name(all_units, sel.unit_id))
        .add(
            "状态",
            match sel.status.as_str() {
                "active" => "在用",
                "disabled" => "已停用",
                _ => "",
            },
        );
    render(&ListPage {
        base: ctx.base("用户管理").filters(&words),
        rows: &view.rows,
        export_link: xlsx::export_link("/users/export", &paging.query),
        paging,
        q: sel.q.unwrap_or_default(),
        role: sel.role.map(|r| r.code().to_string()).unwrap_or_default(),
        status: sel.status,
        roles: Role::ALL,
        units: &units,
    })
}

const EXPORT_COLUMNS: [Column; 6] = [
    col("用户名", 16.0),
    col("姓名", 12.0),
    col("角色", 14.0),
    col("所属单位", 30.0),
    col("状态", 8.0),
    col("最近登录", 18.0),
];

async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    let sel = Selection::of(&query.into_inner());
    let (all_units, rows, _) = select(&state, &sel, 0, xlsx::EXPORT_LIMIT).await?;
    let data: Vec<Vec<Value>> = rows
        .into_iter()
        .map(|(u, unit)| {
            let r = row(u, &unit);
            vec![
                Value::from(r.username),
                Value::from(r.display_name),
                Value::from(r.role),
                Value::from(r.unit_name),
                Value::from(if r.active { "在用" } else { "已停用" }),
                Value::from(r.last_login),
            ]
        })
        .collect();
    let sheet = sel.sheet(xlsx::Sheet::new("用户列表", state.now()), &all_units);
    xlsx::export(&sheet, &EXPORT_COLUMNS, &data)
}

fn row(u: User, unit: &Unit) -> UserRow {
    UserRow {
        id: u.id,
        role: u.role().label(),
        username: u.username,
        display_name: u.display_name,
        unit_name: unit.name.clone(),
        active: u.active,
        last_login: u
            .last_login_at
            .map(format_local)
            .unwrap_or_else(|| "从未登录".into()),
    }
}
