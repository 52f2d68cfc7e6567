//! 工作模板 (issue 12; DESIGN.md F10): the template library of 基层党组织标准化规范化建设
//! 指导意见 — areas, templates and their file versions. Every signed-in user reads the
//! catalogue and downloads (each download counted); the office (`ManageTemplates`) manages
//! areas and templates and uploads new versions. The catalogue and its export are here; the
//! template page, downloads, uploads and stop / restart in `show`; the template forms in
//! `form`; the areas in `areas`. (The Rust modules are called `library`, the URL /templates.)

mod areas;
mod form;
mod show;

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db::models::library::{self, Area, Filter, Line};
use crate::domain::filters::FilterWords;
use crate::domain::Scope;
use crate::error::AppResult;
use crate::routes::{non_empty, ymd};
use crate::state::{AppState, ListKey};
use crate::views::{render, BaseContext, PageCtx, Paging};
use crate::xlsx::{self, col, Column, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    // The fixed paths before `/templates/{id}`.
    cfg.route("/templates", web::get().to(list))
        .route("/templates", web::post().to(form::create))
        .route("/templates/new", web::get().to(form::new_form))
        .route("/templates/export", web::get().to(export))
        .route("/templates/areas", web::get().to(areas::list))
        .route("/templates/areas", web::post().to(areas::create))
        .route("/templates/areas/new", web::get().to(areas::new_form))
        .route("/templates/areas/{id}", web::post().to(areas::update))
        .route(
            "/templates/areas/{id}/edit",
            web::get().to(areas::edit_form),
        )
        .route("/templates/{id}", web::get().to(show::show))
        .route("/templates/{id}", web::post().to(form::update))
        .route("/templates/{id}/edit", web::get().to(form::edit_form))
        .route(
            "/templates/{id}/download",
            web::get().to(show::download_current),
        )
        .route("/templates/{id}/versions", web::post().to(show::upload))
        .route(
            "/templates/{id}/versions/{n}/download",
            web::get().to(show::download_version),
        )
        .route("/templates/{id}/disable", web::post().to(show::disable))
        .route("/templates/{id}/enable", web::post().to(show::enable));
}

// ---------------------------------------------------------------- list

#[derive(Deserialize, Default)]
pub struct ListQuery {
    area: Option<String>,
    q: Option<String>,
    inactive: Option<String>,
    page: Option<String>,
}

/// A catalogue line as the page and the export show it.
pub struct Row {
    pub id: i32,
    pub title: String,
    pub area: String,
    pub active: bool,
    /// 第2版, or empty before the first upload.
    pub number: String,
    pub file_name: String,
    pub size: String,
    pub updated: String,
    pub downloads: i32,
}

fn row((t, a, v): Line) -> Row {
    Row {
        id: t.id,
        area: a.name,
        active: t.active,
        number: v
            .as_ref()
            .map(|v| format!("第{}版", v.number))
            .unwrap_or_default(),
        file_name: v.as_ref().map(|v| v.file_name.clone()).unwrap_or_default(),
        size: v.as_ref().map(|v| v.size_label()).unwrap_or_default(),
        updated: ymd((t.updated_at + chrono::Duration::hours(8)).date()),
        downloads: t.downloads,
        title: t.title,
    }
}

/// An area with how many templates of the filter it has (the catalogue's counts).
pub struct AreaCount {
    pub id: i32,
    pub name: String,
    pub count: i64,
}

#[derive(Template)]
#[template(path = "library/list.html")]
struct ListPage<'a> {
    base: BaseContext,
    areas: &'a [AreaCount],
    total_all: i64,
    f_area: String,
    f_q: String,
    f_inactive: bool,
    rows: &'a [Row],
    export_link: String,
    paging: Paging,
    can_manage: bool,
    filtered: bool,
    /// The page's query without the area (for the area links).
    base_query: String,
}

/// The catalogue's filters, parsed once for the page and its export.
struct Selection {
    area: Option<i32>,
    text: Option<String>,
    inactive: bool,
}

impl Selection {
    fn of(q: &ListQuery, user: &CurrentUser) -> Self {
        Selection {
            area: non_empty(&q.area).and_then(|a| a.trim().parse().ok()),
            text: non_empty(&q.q)
                .map(|t| t.trim().chars().take(100).collect::<String>())
                .filter(|t| !t.is_empty()),
            // Stopped templates are the office's to see.
            inactive: user.may(Capability::ManageTemplates)
                && non_empty(&q.inactive).is_some_and(|v| v == "1"),
        }
    }

    fn query(&self, with_area: bool) -> String {
        let mut qs = url::form_urlencoded::Serializer::new(String::new());
        if with_area {
            if let Some(a) = self.area {
                qs.append_pair("area", &a.to_string());
            }
        }
        if let Some(t) = &self.text {
            qs.append_pair("q", t);
        }
        if self.inactive {
            qs.append_pair("inactive", "1");
        }
        qs.finish()
    }

    fn filter(&self) -> Filter {
        Filter {
            area: self.area,
            text: self.text.clone(),
            inactive: self.inactive,
        }
    }

    fn words(&self, areas: &[Area]) -> FilterWords {
        FilterWords::new()
            .opt(
                "分类",
                self.area
                    .and_then(|id| areas.iter().find(|a| a.id == id))
                    .map(|a| a.name.clone()),
            )
            .keyword("关键词", self.text.as_deref())
            .opt("范围", self.inactive.then_some("含已停用"))
    }
}

async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let sel = Selection::of(&query, &user);
    let mut paging = Paging::new(query.page.as_deref(), Paging::PER_PAGE).printing(ctx.print_view);
    let (offset, limit) = (paging.offset(), paging.per_page);
    let f = sel.filter();
    // A page with the areas' counts, kept until the next write (a download counts as one).
    let key = ListKey::new(
        "templates",
        Scope::All,
        sel.query(true),
        state.settings.clock.today(),
    );
    let view = state
        .list_page(key, paging.at(), || {
            state.db.run(move |c| {
                let (lines, total) = library::list(c, &f, offset, limit)?;
                let counts = library::counts_by_area(c, &f)?;
                let all_areas = library::areas(c)?;
                let areas = all_areas
                    .iter()
                    .map(|a| AreaCount {
                        id: a.id,
                        name: a.name.clone(),
                        count: counts
                            .iter()
                            .find(|(id, _)| *id == a.id)
                            .map_or(0, |(_, n)| *n),
                    })
                    .collect();
                Ok(CatalogueView {
                    rows: lines.into_iter().map(row).collect(),
                    total,
                    areas,
                    all_areas,
                })
            })
        })
        .await?;
    paging.total = view.total;
    paging.query = sel.query(true);
    let words = sel.words(&view.all_areas);
    render(&ListPage {
        base: ctx.base("工作模板").filters(&words),
        total_all: view.areas.iter().map(|a| a.count).sum(),
        areas: &view.areas,
        f_area: sel.area.map(|a| a.to_string()).unwrap_or_default(),
        f_q: sel.text.clone().unwrap_or_default(),
        f_inactive: sel.inactive,
        rows: &view.rows,
        export_link: xlsx::export_link("/templates/export", &paging.query),
        base_query: sel.query(false),
        paging,
        can_manage: user.may(Capability::ManageTemplates),
        filtered: sel.area.is_some() || sel.text.is_some(),
    })
}

/// A page of the catalogue as kept: its rows and total, the areas with their counts.
struct CatalogueView {
    rows: Vec<Row>,
    total: i64,
    areas: Vec<AreaCount>,
    all_areas: Vec<Area>,
}

const EXPORT_COLUMNS: [Column; 9] = [
    col("序号", 6.0),
    col("分类", 14.0),
    col("模板名称", 32.0),
    col("当前版本", 9.0),
    col("文件名", 34.0),
    col("大小", 9.0),
    col("更新日期", 12.0),
    col("下载次数", 9.0),
    col("状态", 7.0),
];

async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let sel = Selection::of(&query, &user);
    let f = sel.filter();
    let (lines, all_areas) = state
        .db
        .run(move |c| {
            let (lines, _) = library::list(c, &f, 0, xlsx::EXPORT_LIMIT)?;
            Ok((lines, library::areas(c)?))
        })
        .await?;
    let area_name = sel
        .area
        .and_then(|id| all_areas.iter().find(|a| a.id == id))
        .map_or_else(|| "全部".to_string(), |a| a.name.clone());
    let sheet = xlsx::Sheet::new("工作模板目录", state.now())
        .filter("分类", area_name)
        .filter(
            "关键词",
            sel.text
                .as_ref()
                .map_or_else(|| "全部".to_string(), |t| format!("“{t}”")),
        )
        .filter(
            "范围",
            if sel.inactive {
                "含已停用"
            } else {
                "启用中"
            },
        );
    let data: Vec<Vec<Value>> = lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let r = row(l);
            vec![
                Value::Number((i + 1) as f64),
                Value::from(r.area),
                Value::from(r.title),
                Value::from(r.number),
                Value::from(r.file_name),
                Value::from(r.size),
                Value::from(r.updated),
                Value::Number(f64::from(r.downloads)),
                Value::from(library::state_label(r.active)),
            ]
        })
        .collect();
    xlsx::export(&sheet, &EXPORT_COLUMNS, &data)
}
