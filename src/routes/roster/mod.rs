//! 人员名册 (issue 11): the people of each unit, their categories (several per person), post
//! and when they were on the roster. The list with its counts, export and print view is
//! here; the person page in `show`, the forms (new, edit, leaving) in `form`, the Excel
//! template and import in `excel`. A person who leaves is ended, never deleted, so past
//! coverage stays true. Every handler checks the person's unit against the user's scope.

mod excel;
mod form;
mod show;

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db::models::roster::{self, group_names, Person, RosterFilter, RosterStatus};
use crate::db::models::units::{self, Unit};
use crate::db::DbConn;
use crate::domain::activity::RosterGroup;
use crate::domain::codes;
use crate::domain::filters::FilterWords;
use crate::error::{AppError, AppResult};
use crate::routes::{non_empty, unit_in_words, ymd};
use crate::state::{AppState, ListKey};
use crate::views::units::filter_name;
use crate::views::{render, BaseContext, PageCtx, Paging};
use crate::xlsx::{self, col, Column, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/roster", web::get().to(list))
        .route("/roster", web::post().to(form::create))
        .route("/roster/new", web::get().to(form::new_form))
        .route("/roster/export", web::get().to(export))
        .route("/roster/import", web::get().to(excel::import_form))
        .route("/roster/import", web::post().to(excel::import))
        .route("/roster/import/template", web::get().to(excel::template))
        .route("/roster/{id}", web::get().to(show::show))
        .route("/roster/{id}", web::post().to(form::update))
        .route("/roster/{id}/edit", web::get().to(form::edit_form))
        .route("/roster/{id}/end", web::post().to(form::end));
}

/// The units the user may keep people for, in tree order: any unit for the office, their
/// own unit for everyone else who records.
pub(super) fn writable_units(c: &mut DbConn, user: &CurrentUser) -> AppResult<Vec<Unit>> {
    if user.may(Capability::RecordForAnyUnit) {
        Ok(units::all(c)?.into_iter().filter(|u| u.active).collect())
    } else {
        let own = units::get(c, user.unit_id)?;
        Ok(if user.can(Action::Write, &own) {
            vec![own]
        } else {
            Vec::new()
        })
    }
}

// ---------------------------------------------------------------- list

#[derive(Deserialize, Default)]
pub struct ListQuery {
    unit: Option<String>,
    category: Option<String>,
    status: Option<String>,
    q: Option<String>,
    page: Option<String>,
}

/// The list's filters, parsed once for the page and its export (unknown values mean "any").
#[derive(Clone)]
struct Selection {
    unit: Option<i32>,
    group: Option<RosterGroup>,
    status: Option<RosterStatus>,
    q: Option<String>,
}

impl Selection {
    fn of(q: &ListQuery) -> Self {
        Selection {
            unit: non_empty(&q.unit).and_then(|u| u.parse().ok()),
            group: non_empty(&q.category).and_then(RosterGroup::parse),
            status: non_empty(&q.status).and_then(RosterStatus::parse),
            q: non_empty(&q.q).map(|s| s.chars().take(50).collect()),
        }
    }

    fn filtered(&self) -> bool {
        self.unit.is_some() || self.group.is_some() || self.status.is_some() || self.q.is_some()
    }

    /// The query string with these filters, `status` and `category` replaced.
    fn query_with(&self, status: Option<RosterStatus>, group: Option<RosterGroup>) -> String {
        let mut qs = url::form_urlencoded::Serializer::new(String::new());
        if let Some(u) = self.unit {
            qs.append_pair("unit", &u.to_string());
        }
        if let Some(g) = group {
            qs.append_pair("category", g.code());
        }
        if let Some(s) = status {
            qs.append_pair("status", s.code());
        }
        if let Some(q) = &self.q {
            qs.append_pair("q", q);
        }
        qs.finish()
    }

    fn query_string(&self) -> String {
        self.query_with(self.status, self.group)
    }

    /// The filters in words, as the page's selects show them, on the export's sheet.
    async fn sheet(&self, sheet: xlsx::Sheet, state: &AppState) -> AppResult<xlsx::Sheet> {
        Ok(sheet
            .filter("单位", unit_in_words(state, self.unit).await?)
            .filter(
                "人员类别",
                self.group.map(|g| g.label()).unwrap_or_default(),
            )
            .filter("状态", self.status.map(|s| s.label()).unwrap_or_default())
            .filter("姓名", self.q.clone().unwrap_or_default()))
    }

    fn words(&self, units: &[Unit]) -> FilterWords {
        FilterWords::new()
            .opt("单位", filter_name(units, self.unit))
            .opt("人员类别", self.group.map(RosterGroup::label))
            .opt("状态", self.status.map(RosterStatus::label))
            .keyword("姓名", self.q.as_deref())
    }
}

/// The query filter for a selection, checked against the user's scope (a unit outside it is
/// refused).
fn resolve(
    c: &mut DbConn,
    user: &CurrentUser,
    sel: &Selection,
    today: NaiveDate,
) -> AppResult<RosterFilter> {
    let mut f = RosterFilter::new(user.scope(), today);
    if let Some(uid) = sel.unit {
        let unit = units::find(c, uid)?.ok_or(AppError::NotFound)?;
        user.require(Action::Read, &unit)?;
        f.unit_path = Some(unit.path);
    }
    f.group = sel.group;
    f.status = sel.status;
    f.q = sel.q.clone();
    Ok(f)
}

pub struct PersonRow {
    pub id: i32,
    pub unit_name: String,
    pub name: String,
    pub categories: String,
    pub post: String,
    pub active_from: String,
    pub active_to: String,
    pub notes: String,
    pub status: &'static str,
    pub status_code: &'static str,
}

fn row(p: Person, unit: Unit, today: NaiveDate) -> PersonRow {
    let st = p.status(today);
    PersonRow {
        id: p.id,
        unit_name: unit.name,
        categories: group_names(&p.groups()),
        active_from: p.active_from.map(ymd).unwrap_or_default(),
        active_to: p.active_to.map(ymd).unwrap_or_default(),
        status: st.label(),
        status_code: st.code(),
        name: p.name,
        post: p.post,
        notes: p.notes,
    }
}

/// A filter choice with how many people it holds (the other filters applied) and its link.
pub struct Count {
    pub label: &'static str,
    pub n: i64,
    pub link: String,
    pub chosen: bool,
}

/// Counts beside the filters: per status (the chosen category applied) and per category
/// (the chosen status applied), from the categories and leaving dates of the people the
/// unit and name filters leave.
fn counts(sel: &Selection, facets: &[roster::Facet], today: NaiveDate) -> (Vec<Count>, Vec<Count>) {
    let status_of = |to: &Option<NaiveDate>| match to {
        Some(t) if *t < today => RosterStatus::Left,
        _ => RosterStatus::Active,
    };
    let in_group = |cats: &str, g: Option<RosterGroup>| {
        g.is_none_or(|g| codes::decode(cats).contains(&g.code()))
    };
    let link = |q: String| {
        if q.is_empty() {
            "/roster".to_string()
        } else {
            format!("/roster?{q}")
        }
    };
    let in_status: Vec<&roster::Facet> = facets
        .iter()
        .filter(|(_, to, _)| sel.status.is_none_or(|s| status_of(to) == s))
        .collect();
    let mut statuses = vec![Count {
        label: "全部",
        n: facets
            .iter()
            .filter(|(c, _, _)| in_group(c, sel.group))
            .map(|f| f.2)
            .sum(),
        link: link(sel.query_with(None, sel.group)),
        chosen: sel.status.is_none(),
    }];
    for s in RosterStatus::ALL {
        statuses.push(Count {
            label: s.label(),
            n: facets
                .iter()
                .filter(|(c, to, _)| in_group(c, sel.group) && status_of(to) == *s)
                .map(|f| f.2)
                .sum(),
            link: link(sel.query_with(Some(*s), sel.group)),
            chosen: sel.status == Some(*s),
        });
    }
    let groups = RosterGroup::ALL
        .iter()
        .map(|g| Count {
            label: g.label(),
            n: in_status
                .iter()
                .filter(|(c, _, _)| in_group(c, Some(*g)))
                .map(|f| f.2)
                .sum(),
            link: link(sel.query_with(sel.status, Some(*g))),
            chosen: sel.group == Some(*g),
        })
        .collect();
    (statuses, groups)
}

#[derive(Template)]
#[template(path = "roster/list.html")]
struct ListPage<'a> {
    base: BaseContext,
    units: std::sync::Arc<String>,
    groups: &'static [RosterGroup],
    statuses: &'static [RosterStatus],
    f_category: String,
    f_status: String,
    f_q: String,
    status_counts: &'a [Count],
    group_counts: &'a [Count],
    rows: &'a [PersonRow],
    export_link: String,
    paging: Paging,
    can_create: bool,
    filtered: bool,
    today: String,
}

/// A page of the roster list as kept until the next write (`AppState::list_page`).
struct RosterView {
    rows: Vec<PersonRow>,
    picked: std::sync::Arc<Picked>,
    status_counts: Vec<Count>,
    group_counts: Vec<Count>,
}

/// What the roster list keeps until the next write: its people in order and the counts
/// beside the filters.
struct Picked {
    ids: Vec<i32>,
    facets: Vec<roster::Facet>,
}

async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let today = state.settings.clock.today();
    let sel = Selection::of(&q);
    let mut paging = Paging::new(q.page.as_deref(), Paging::PER_PAGE).printing(ctx.print_view);
    let (offset, limit) = (paging.offset(), paging.per_page);
    let u = user.clone();
    let chosen = sel.clone();
    let unit_list = state.scope_units(&user.scope()).await?;
    // The list's order and the counts beside the filters are kept per scope, filters and
    // day until the next write (for its other pages), and so is each page.
    let key = ListKey::new("roster", user.scope(), sel.query_string(), today);
    let known = state.known::<_, Picked>(key.clone());
    let kept = known.value.clone();
    let view = state
        .list_page(key, paging.at(), || {
            state.db.run(move |c| {
                let f = resolve(c, &u, &chosen, today)?;
                let picked = match kept {
                    Some(p) => p,
                    None => std::sync::Arc::new(Picked {
                        ids: roster::ordered_ids(c, &f)?,
                        facets: roster::facets(c, &f)?,
                    }),
                };
                let page = crate::db::paging::page_of(&picked.ids, offset, limit);
                let rows = roster::people_by_id(c, &page)?
                    .into_iter()
                    .map(|(p, u)| row(p, u, today))
                    .collect();
                let (status_counts, group_counts) = counts(&chosen, &picked.facets, today);
                Ok(RosterView {
                    rows,
                    picked,
                    status_counts,
                    group_counts,
                })
            })
        })
        .await?;
    let picked = std::sync::Arc::clone(&view.picked);
    let total = picked.ids.len() as i64;
    state.keep(known, std::sync::Arc::clone(&picked));
    paging.total = total;
    paging.query = sel.query_string();
    let words = sel.words(&unit_list);
    render(&ListPage {
        base: ctx.base("人员名册").wide().filters(&words),
        units: crate::views::units::unit_choices(&state, &user.scope(), sel.unit).await?,
        groups: RosterGroup::ALL,
        statuses: RosterStatus::ALL,
        f_category: sel.group.map(|g| g.code().to_string()).unwrap_or_default(),
        f_status: sel.status.map(|s| s.code().to_string()).unwrap_or_default(),
        f_q: sel.q.clone().unwrap_or_default(),
        status_counts: &view.status_counts,
        group_counts: &view.group_counts,
        rows: &view.rows,
        export_link: xlsx::export_link("/roster/export", &paging.query),
        paging,
        can_create: user.may(Capability::CreateRecords),
        filtered: sel.filtered(),
        today: ymd(today),
    })
}

const EXPORT_COLUMNS: [Column; 8] = [
    col(excel::H_NAME, 12.0),
    col(excel::H_UNIT, 24.0),
    col(excel::H_CATEGORIES, 24.0),
    col(excel::H_POST, 16.0),
    col(excel::H_FROM, 13.0),
    col(excel::H_TO, 13.0),
    col(excel::H_NOTES, 28.0),
    col("状态", 9.0),
];

async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let today = state.settings.clock.today();
    let sel = Selection::of(&query);
    let u = user.clone();
    let chosen = sel.clone();
    let rows = state
        .db
        .run(move |c| {
            let f = resolve(c, &u, &chosen, today)?;
            Ok(roster::list(c, &f, 0, xlsx::EXPORT_LIMIT)?)
        })
        .await?;
    let data: Vec<Vec<Value>> = rows
        .into_iter()
        .map(|(p, u)| {
            let date = |d: Option<NaiveDate>| d.map_or(Value::Empty, Value::from);
            let (from, to) = (date(p.active_from), date(p.active_to));
            let r = row(p, u, today);
            vec![
                Value::from(r.name),
                Value::from(r.unit_name),
                Value::from(r.categories),
                Value::from(r.post),
                from,
                to,
                Value::from(r.notes),
                Value::from(r.status),
            ]
        })
        .collect();
    let sheet = xlsx::Sheet::new("人员名册", state.now());
    let sheet = sel.sheet(sheet, &state).await?;
    xlsx::export(&sheet, &EXPORT_COLUMNS, &data)
}
