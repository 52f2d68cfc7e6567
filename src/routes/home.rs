//! `/` leads to the home page of the signed-in user; `/home` shows what their role needs.

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::{CurrentUser, Scope};
use crate::clock::format_local;
use crate::db::models::{audit, units, users};
use crate::domain::{Role, UnitKind};
use crate::error::AppResult;
use crate::startup::AppState;
use crate::views::{redirect, render, BaseContext, PageCtx};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(root))
        .route("/home", web::get().to(home));
}

async fn root(ctx: PageCtx) -> HttpResponse {
    redirect(if ctx.user.is_some() {
        "/home"
    } else {
        "/login"
    })
}

pub struct Stat {
    pub label: &'static str,
    pub value: i64,
}

pub struct UnitLine {
    pub id: i32,
    pub name: String,
    pub kind: &'static str,
    pub depth: usize,
    pub members: String,
}

pub struct RecentChange {
    pub at: String,
    pub who: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "home/index.html")]
struct HomePage {
    base: BaseContext,
    greeting: String,
    role: Role,
    unit_name: String,
    stats: Vec<Stat>,
    units: Vec<UnitLine>,
    recent: Vec<RecentChange>,
}

async fn home(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    let scope = user.scope();
    let office = user.is_office();
    let (units, members, stats, recent) = state
        .db
        .run(move |c| {
            let visible = match &scope {
                Scope::All => units::all(c)?,
                Scope::Subtree(p) => units::subtree(c, p)?,
                Scope::Unit(id) => vec![units::get(c, *id)?],
            };
            let (people, _) = users::list(
                c,
                &users::UserFilter {
                    unit_path: match &scope {
                        Scope::Subtree(p) => Some(p.clone()),
                        _ => None,
                    },
                    unit_id: match &scope {
                        Scope::Unit(id) => Some(*id),
                        _ => None,
                    },
                    active: Some(true),
                    ..Default::default()
                },
                0,
                10_000,
            )?;
            let count = |k: UnitKind| visible.iter().filter(|u| u.kind() == k).count() as i64;
            let mut stats = if matches!(scope, Scope::Unit(_)) {
                Vec::new()
            } else {
                vec![
                    Stat {
                        label: "党总支",
                        value: count(UnitKind::GeneralBranch),
                    },
                    Stat {
                        label: "党支部",
                        value: count(UnitKind::Branch),
                    },
                ]
            };
            let mut recent = Vec::new();
            if office {
                stats.push(Stat {
                    label: "在用账户",
                    value: people.len() as i64,
                });
                let (rows, _) = audit::list(c, &audit::AuditFilter::default(), 0, 8)?;
                recent = rows
                    .into_iter()
                    .map(|(e, who)| RecentChange {
                        at: format_local(e.at),
                        who: who.unwrap_or_else(|| "系统".into()),
                        summary: e.summary,
                    })
                    .collect();
            }
            Ok((visible, people, stats, recent))
        })
        .await?;
    let top = units.iter().map(|u| u.depth()).min().unwrap_or(0);
    let lines = units
        .iter()
        .take(60)
        .map(|u| UnitLine {
            id: u.id,
            name: u.name.clone(),
            kind: u.kind().label(),
            depth: u.depth() - top,
            members: members
                .iter()
                .filter(|(m, _)| m.unit_id == u.id)
                .map(|(m, _)| format!("{}（{}）", m.display_name, m.role().label()))
                .collect::<Vec<_>>()
                .join("、"),
        })
        .collect();
    render(&HomePage {
        base: ctx.base("首页"),
        greeting: format!("{}，您好", user.display_name),
        role: user.role,
        unit_name: user.unit_name.clone(),
        stats,
        units: lines,
        recent,
    })
}
