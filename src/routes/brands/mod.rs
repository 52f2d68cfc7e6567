//! 党建品牌 (DESIGN.md F12, issue 11): the committee's main brand and one sub-brand per
//! branch (一支部一主题一特色一品牌). The list, its export and the brand wall are here; the
//! brand page with its steps, events, promotions and logo in `show`; the forms in `form`.
//! Lists and brand pages are unit-scoped; the wall is a showcase every signed-in user sees
//! whole (each card links to its page only when the user may read that unit).

mod form;
mod show;

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db::models::brands::{self, Brand, BrandFilter, Group};
use crate::db::models::units::{self, Unit};
use crate::domain::brand::{BrandKind, BrandStatus};
use crate::domain::filters::FilterWords;
use crate::domain::{Scope, UnitKind};
use crate::error::{AppError, AppResult};
use crate::routes::year_book::{BookSheet, Columns};
use crate::routes::{non_empty, unit_in_words, ymd};
use crate::state::{AppState, ListKey};
use crate::views::units::filter_name;
use crate::views::{render, BaseContext, PageCtx, Paging};
use crate::xlsx::{self, col, Column, Value};

/// The picture a card shows when the brand has no logo image (or the user may not read it).
pub const PLACEHOLDER: &str = "/static/img/brand-placeholder.svg";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/brands", web::get().to(list))
        .route("/brands", web::post().to(form::create))
        .route("/brands/new", web::get().to(form::new_form))
        .route("/brands/export", web::get().to(export))
        .route("/brands/wall", web::get().to(wall))
        .route("/brands/{id}", web::get().to(show::show))
        .route("/brands/{id}", web::post().to(form::update))
        .route("/brands/{id}/edit", web::get().to(form::edit_form))
        .route("/brands/{id}/logo", web::get().to(show::logo))
        .route("/brands/{id}/advance", web::post().to(show::advance))
        .route("/brands/{id}/events", web::post().to(show::add_event))
        .route(
            "/brands/{id}/events/{eid}/delete",
            web::post().to(show::delete_event),
        )
        .route(
            "/brands/{id}/promotions",
            web::post().to(show::add_promotion),
        )
        .route(
            "/brands/{id}/promotions/{pid}/delete",
            web::post().to(show::delete_promotion),
        );
}

// ---------------------------------------------------------------- list

#[derive(Deserialize, Default)]
pub struct ListQuery {
    status: Option<String>,
    unit: Option<String>,
    kind: Option<String>,
    page: Option<String>,
}

pub struct BrandRow {
    pub id: i32,
    pub unit_name: String,
    pub kind: &'static str,
    pub name: String,
    pub theme: String,
    pub slogan: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub cultivating_on: String,
    pub created_on: String,
    pub published_on: String,
    pub awarded_on: String,
    pub award: String,
}

fn opt_ymd(d: Option<chrono::NaiveDate>) -> String {
    d.map(ymd).unwrap_or_default()
}

fn row(b: Brand, unit: Unit) -> BrandRow {
    BrandRow {
        id: b.id,
        unit_name: unit.name,
        kind: b.kind().label(),
        status: b.status().label(),
        status_code: b.status().code(),
        cultivating_on: opt_ymd(b.cultivating_on),
        created_on: opt_ymd(b.created_on),
        published_on: opt_ymd(b.published_on),
        awarded_on: opt_ymd(b.awarded_on),
        name: b.name,
        theme: b.theme,
        slogan: b.slogan,
        award: b.award,
    }
}

/// A stage with how many brands of the filter are at it (the list's counts).
pub struct StageCount {
    pub code: &'static str,
    pub label: &'static str,
    pub count: i64,
}

#[derive(Template)]
#[template(path = "brands/list.html")]
struct ListPage<'a> {
    base: BaseContext,
    units: std::sync::Arc<String>,
    statuses: &'static [BrandStatus],
    kinds: &'static [BrandKind],
    f_status: String,
    f_unit: String,
    f_kind: String,
    counts: Vec<StageCount>,
    total_all: i64,
    rows: &'a [BrandRow],
    export_link: String,
    paging: Paging,
    can_create: bool,
    filtered: bool,
}

/// A page of the list as kept until the next write (`AppState::list_page`).
struct BrandsView {
    rows: Vec<BrandRow>,
    total: i64,
    counts: Vec<(String, i64)>,
}

/// The list's filters, parsed once for the page and its export.
#[derive(Clone)]
struct Selection {
    status: Option<BrandStatus>,
    unit: Option<i32>,
    kind: Option<BrandKind>,
}

impl Selection {
    fn of(q: &ListQuery) -> Self {
        Selection {
            status: non_empty(&q.status).and_then(BrandStatus::parse),
            unit: non_empty(&q.unit).and_then(|u| u.parse().ok()),
            kind: non_empty(&q.kind).and_then(BrandKind::parse),
        }
    }

    fn query_string(&self) -> String {
        let mut qs = url::form_urlencoded::Serializer::new(String::new());
        if let Some(s) = self.status {
            qs.append_pair("status", s.code());
        }
        if let Some(u) = self.unit {
            qs.append_pair("unit", &u.to_string());
        }
        if let Some(k) = self.kind {
            qs.append_pair("kind", k.code());
        }
        qs.finish()
    }

    /// The filter for the database: the user's scope, the chosen unit (refused outside it).
    fn filter(&self, c: &mut crate::db::DbConn, user: &CurrentUser) -> AppResult<BrandFilter> {
        let mut f = BrandFilter {
            scope: Some(user.scope()),
            unit_path: None,
            group: None,
            status: self.status,
            kind: self.kind,
        };
        if let Some(uid) = self.unit {
            let unit = units::find(c, uid)?.ok_or(AppError::NotFound)?;
            user.require(Action::Read, &unit)?;
            f.unit_path = Some(unit.path);
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
    let sel = Selection::of(&query);
    let mut paging = Paging::new(query.page.as_deref(), Paging::PER_PAGE).printing(ctx.print_view);
    let (offset, limit) = (paging.offset(), paging.per_page);
    let u = user.clone();
    let unit_list = state.scope_units(&user.scope()).await?;
    let today = state.settings.clock.today();
    // Each page is kept per scope and filters until the next write.
    let key = ListKey::new("brands page", user.scope(), sel.query_string(), today);
    let chosen = sel.clone();
    let view = state
        .list_page(key, paging.at(), || {
            state.db.run(move |c| {
                let f = chosen.filter(c, &u)?;
                let (rows, total) = brands::list(c, &f, offset, limit)?;
                Ok(BrandsView {
                    rows: rows.into_iter().map(|(b, u)| row(b, u)).collect(),
                    total,
                    counts: brands::counts_by_status(c, &f)?,
                })
            })
        })
        .await?;
    paging.total = view.total;
    paging.query = sel.query_string();
    let counts: Vec<StageCount> = BrandStatus::ALL
        .iter()
        .map(|s| StageCount {
            code: s.code(),
            label: s.label(),
            count: view
                .counts
                .iter()
                .find(|(code, _)| code == s.code())
                .map_or(0, |(_, n)| *n),
        })
        .collect();
    let words = FilterWords::new()
        .opt("单位", filter_name(&unit_list, sel.unit))
        .opt("类型", sel.kind.map(BrandKind::label))
        .opt("状态", sel.status.map(BrandStatus::label));
    render(&ListPage {
        base: ctx.base("党建品牌").filters(&words),
        units: crate::views::units::unit_choices(&state, &user.scope(), sel.unit).await?,
        statuses: BrandStatus::ALL,
        kinds: BrandKind::ALL,
        f_status: sel.status.map(|s| s.code().to_string()).unwrap_or_default(),
        f_unit: sel.unit.map(|u| u.to_string()).unwrap_or_default(),
        f_kind: sel.kind.map(|k| k.code().to_string()).unwrap_or_default(),
        total_all: counts.iter().map(|c| c.count).sum(),
        counts,
        rows: &view.rows,
        export_link: xlsx::export_link("/brands/export", &paging.query),
        paging,
        can_create: user.may(Capability::CreateRecords),
        filtered: sel.unit.is_some() || sel.status.is_some() || sel.kind.is_some(),
    })
}

const EXPORT_COLUMNS: [Column; 12] = [
    col("单位", 24.0),
    col("类型", 8.0),
    col("品牌名称", 20.0),
    col("主题（理念）", 36.0),
    col("特色", 30.0),
    col("品牌口号", 24.0),
    col("状态", 9.0),
    col("培育日期", 12.0),
    col("创建日期", 12.0),
    col("发布日期", 12.0),
    col("获评日期", 12.0),
    col("获评荣誉", 20.0),
];

async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let sel = Selection::of(&query);
    let u = user.clone();
    let (data, sel) = state
        .db
        .run(move |c| {
            let f = sel.filter(c, &u)?;
            let (rows, _) = brands::list(c, &f, 0, xlsx::EXPORT_LIMIT)?;
            Ok((export_rows(rows), sel))
        })
        .await?;
    let sheet = xlsx::Sheet::new("党建品牌", state.now())
        .filter("单位", unit_in_words(&state, sel.unit).await?)
        .filter(
            "类型",
            sel.kind.map(|k| k.label()).unwrap_or("全部").to_string(),
        )
        .filter(
            "状态",
            sel.status.map(|s| s.label()).unwrap_or("全部").to_string(),
        );
    xlsx::export(&sheet, &EXPORT_COLUMNS, &data)
}

/// The export's rows of listed brands.
fn export_rows(rows: Vec<(Brand, Unit)>) -> Vec<Vec<Value>> {
    rows.into_iter()
        .map(|(b, u)| {
            let feature = b.feature.clone();
            let r = row(b, u);
            vec![
                Value::from(r.unit_name),
                Value::from(r.kind),
                Value::from(r.name),
                Value::from(r.theme),
                Value::from(feature),
                Value::from(r.slogan),
                Value::from(r.status),
                Value::from(r.cultivating_on),
                Value::from(r.created_on),
                Value::from(r.published_on),
                Value::from(r.awarded_on),
                Value::from(r.award),
            ]
        })
        .collect()
}

/// 党建品牌 of the year's workbook: brands carry no year, so every brand of every unit.
pub(crate) const BOOK_SHEET: BookSheet = BookSheet {
    name: "党建品牌",
    title: "党建品牌",
    note: "品牌不分年度，列出全部品牌",
    columns: Columns::Fixed(|| EXPORT_COLUMNS.to_vec()),
    page: |c, _year, offset, limit| {
        let f = BrandFilter {
            scope: Some(Scope::All),
            unit_path: None,
            group: None,
            status: None,
            kind: None,
        };
        let (rows, _) = brands::list(c, &f, offset, limit)?;
        Ok(export_rows(rows))
    },
};

// ---------------------------------------------------------------- wall

#[derive(Deserialize, Default)]
pub struct WallQuery {
    status: Option<String>,
    group: Option<String>,
}

/// A brand on the wall.
pub struct Card {
    pub id: i32,
    pub unit_name: String,
    pub name: String,
    pub theme: String,
    pub slogan: String,
    pub status: &'static str,
    pub status_code: &'static str,
    /// The logo's address (the placeholder when there is none or the unit is not readable).
    pub logo: String,
    /// The brand page, when the user may read it.
    pub link: Option<String>,
}

pub struct GroupChoice {
    pub value: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "brands/wall.html")]
struct WallPage {
    base: BaseContext,
    main: Option<Card>,
    main_method: String,
    cards: Vec<Card>,
    statuses: &'static [BrandStatus],
    groups: Vec<GroupChoice>,
    f_status: String,
    f_group: String,
    filtered: bool,
}

fn card(user: &CurrentUser, b: &Brand, unit: &Unit, images: &[i32]) -> Card {
    let readable = user.can(Action::Read, unit);
    Card {
        id: b.id,
        unit_name: unit.name.clone(),
        name: b.name.clone(),
        theme: b.theme.clone(),
        slogan: b.slogan.clone(),
        status: b.status().label(),
        status_code: b.status().code(),
        logo: if readable && images.contains(&b.id) {
            format!("/brands/{}/logo", b.id)
        } else {
            PLACEHOLDER.to_string()
        },
        link: readable.then(|| format!("/brands/{}", b.id)),
    }
}

async fn wall(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<WallQuery>,
) -> AppResult<HttpResponse> {
    let status = non_empty(&query.status).and_then(BrandStatus::parse);
    let group_raw = non_empty(&query.group).map(str::to_string);
    let (main, subs, groups, group_name, images) = state
        .db
        .run(move |c| {
            let all = units::all(c)?;
            let groups: Vec<Unit> = all
                .iter()
                .filter(|x| x.kind() == UnitKind::GeneralBranch && x.active)
                .cloned()
                .collect();
            let (group, group_name) = match group_raw.as_deref() {
                Some("direct") => (Some(Group::Direct), Some("党委直属".to_string())),
                Some(raw) => match groups.iter().find(|g| g.id.to_string() == raw) {
                    Some(g) => (Some(Group::Under(g.path.clone())), Some(g.name.clone())),
                    None => (None, None),
                },
                None => (None, None),
            };
            let (mains, _) = brands::list(
                c,
                &BrandFilter {
                    scope: None,
                    unit_path: None,
                    group: None,
                    status: None,
                    kind: Some(BrandKind::Main),
                },
                0,
                1,
            )?;
            let (subs, _) = brands::list(
                c,
                &BrandFilter {
                    scope: None,
                    unit_path: None,
                    group,
                    status,
                    kind: Some(BrandKind::Sub),
                },
                0,
                xlsx::EXPORT_LIMIT,
            )?;
            let ids: Vec<i32> = mains.iter().chain(subs.iter()).map(|(b, _)| b.id).collect();
            let images = brands::with_images(c, &ids)?;
            Ok((mains.into_iter().next(), subs, groups, group_name, images))
        })
        .await?;
    let words = FilterWords::new()
        .opt("总支", group_name.clone())
        .opt("状态", status.map(BrandStatus::label));
    let mut group_choices: Vec<GroupChoice> = groups
        .iter()
        .map(|g| GroupChoice {
            value: g.id.to_string(),
            name: g.name.clone(),
        })
        .collect();
    group_choices.push(GroupChoice {
        value: "direct".into(),
        name: "党委直属".into(),
    });
    render(&WallPage {
        base: ctx.base("党建品牌墙").filters(&words),
        main_method: main
            .as_ref()
            .map(|(b, _)| b.method.clone())
            .unwrap_or_default(),
        main: main.as_ref().map(|(b, unit)| card(&user, b, unit, &images)),
        cards: subs
            .iter()
            .map(|(b, unit)| card(&user, b, unit, &images))
            .collect(),
        statuses: BrandStatus::ALL,
        groups: group_choices,
        f_status: status.map(|s| s.code().to_string()).unwrap_or_default(),
        f_group: if group_name.is_some() {
            non_empty(&query.group).unwrap_or_default().to_string()
        } else {
            String::new()
        },
        filtered: status.is_some() || group_name.is_some(),
    })
}
