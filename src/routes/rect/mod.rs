//! Rectification (问题导向抓整改, DESIGN.md F2 and 2b): work scheduling tables (工作配档表) per
//! unit and year, their items with deadline lights, closure only after acceptance (验收销号),
//! extension requests (延期申请) decided by the office, supervision notes (督办) from the
//! office, and the 配档表 in Excel both ways.

use actix_web::web;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::{Action, CurrentUser};
use crate::db::models::campaigns::{self, Campaign};
use crate::db::models::rect::{self, RectItem, RectTable};
use crate::db::models::units::{self, Unit};
use crate::db::DbConn;
use crate::domain::light::Signal;
use crate::error::{AppError, AppResult};
use crate::routes::{non_empty, ymd};
use crate::state::AppState;

mod excel;
pub(crate) mod extensions;
pub(crate) mod item_list;
mod item_page;
mod items;
pub(crate) mod tables;

use crate::forms::rect::parse_deadline;

// What was public when this was one file stays public at the same path.
pub use excel::{parse_import_row, peidang_xlsx, ImportForm};
pub use extensions::ExtensionRowView;
pub use item_list::ListedItem;
pub use item_page::{ExtensionLine, NoteLine};
pub use tables::TableLine;

use excel::{export_table, import, import_form, import_template};
use extensions::{approve, export_extensions, extensions, refuse, request_extension};
use item_list::{export_items, items};
use item_page::{accept, add_note, reject_acceptance, show_item};
use items::{create_item, edit_item, new_item, update_item};
use tables::{
    create_table, delete_table, edit_table, export_tables, list, new_table, rename_table,
    show_table,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/rect", web::get().to(list))
        .route("/rect/export", web::get().to(export_items))
        .route("/rect/items", web::get().to(items))
        .route("/rect/extensions", web::get().to(extensions))
        .route("/rect/extensions/export", web::get().to(export_extensions))
        .route("/rect/extensions/{id}/approve", web::post().to(approve))
        .route("/rect/extensions/{id}/refuse", web::post().to(refuse))
        .route("/rect/tables", web::post().to(create_table))
        .route("/rect/tables/new", web::get().to(new_table))
        .route("/rect/tables/export", web::get().to(export_tables))
        .route("/rect/tables/{id}", web::get().to(show_table))
        .route("/rect/tables/{id}", web::post().to(rename_table))
        .route("/rect/tables/{id}/edit", web::get().to(edit_table))
        .route("/rect/tables/{id}/delete", web::post().to(delete_table))
        .route("/rect/tables/{id}/export", web::get().to(export_table))
        .route("/rect/tables/{id}/import", web::get().to(import_form))
        .route("/rect/tables/{id}/import", web::post().to(import))
        .route(
            "/rect/tables/{id}/import/template",
            web::get().to(import_template),
        )
        .route("/rect/tables/{id}/items", web::post().to(create_item))
        .route("/rect/tables/{id}/items/new", web::get().to(new_item))
        .route("/rect/items/{id}", web::get().to(show_item))
        .route("/rect/items/{id}", web::post().to(update_item))
        .route("/rect/items/{id}/edit", web::get().to(edit_item))
        .route("/rect/items/{id}/accept", web::post().to(accept))
        .route(
            "/rect/items/{id}/reject-acceptance",
            web::post().to(reject_acceptance),
        )
        .route(
            "/rect/items/{id}/extensions",
            web::post().to(request_extension),
        )
        .route("/rect/items/{id}/notes", web::post().to(add_note));
}

// ---------------------------------------------------------------- shared bits

/// A query string of the non-empty pairs.
fn keep(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

fn parse_year(raw: &Option<String>) -> Option<i32> {
    non_empty(raw)
        .and_then(|y| y.parse::<i32>().ok())
        .filter(|y| (1900..=9999).contains(y))
}

pub struct UnitOption {
    pub id: i32,
    pub name: String,
    pub depth: usize,
}

fn unit_options(units: &[Unit]) -> Vec<UnitOption> {
    let top = units.iter().map(Unit::depth).min().unwrap_or(0);
    units
        .iter()
        .map(|u| UnitOption {
            id: u.id,
            name: u.name.clone(),
            depth: u.depth() - top,
        })
        .collect()
}

/// A table with its unit and campaign; 404 when missing.
fn load_table(c: &mut DbConn, id: i32) -> AppResult<(RectTable, Unit, Campaign)> {
    let t = rect::table(c, id)?;
    let unit = units::get(c, t.unit_id)?;
    let campaign = campaigns::get(c, t.campaign_id)?;
    Ok((t, unit, campaign))
}

/// An item with its unit, campaign and table; 404 when missing.
fn load_item(c: &mut DbConn, id: i32) -> AppResult<(RectItem, Unit, Campaign, RectTable)> {
    let item = rect::item(c, id)?;
    let unit = units::get(c, item.unit_id)?;
    let campaign = campaigns::get(c, item.campaign_id)?;
    let table = rect::table(c, item.table_id)?;
    Ok((item, unit, campaign, table))
}

pub struct LightView {
    pub code: &'static str,
    pub label: &'static str,
}

impl From<Signal> for LightView {
    fn from(s: Signal) -> Self {
        LightView {
            code: s.code,
            label: s.label,
        }
    }
}

/// The unit a list is narrowed to (`?unit=`), checked like the measures list: an unknown
/// unit is 404, one outside the user's scope 403.
async fn narrowed_unit(
    state: &AppState,
    user: &CurrentUser,
    unit_id: Option<i32>,
) -> AppResult<Option<String>> {
    let Some(uid) = unit_id else {
        return Ok(None);
    };
    let unit = state
        .db
        .run(move |c| units::find(c, uid)?.ok_or(AppError::NotFound))
        .await?;
    user.require(Action::Read, &unit)?;
    Ok(Some(unit.path))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CommentForm {
    comment: String,
}

/// One item as a line of a table or a list.
pub struct ItemLine {
    pub id: i32,
    pub seq: i32,
    pub area: &'static str,
    pub source: String,
    pub problem: String,
    pub cause: String,
    pub measure: String,
    pub requirement: String,
    pub responsible: String,
    pub deadline: String,
    /// The deadline at creation, when an extension moved it.
    pub original_deadline: Option<String>,
    pub status: &'static str,
    pub light: LightView,
    pub notes: i64,
}

fn item_line(i: RectItem, today: NaiveDate, yellow: i32, notes: i64) -> ItemLine {
    ItemLine {
        id: i.id,
        seq: i.seq,
        area: i.area().label(),
        light: i.signal(today, yellow).into(),
        status: i.status().label(),
        original_deadline: (i.original_deadline != i.deadline).then(|| ymd(i.original_deadline)),
        deadline: ymd(i.deadline),
        source: i.source,
        problem: i.problem,
        cause: i.cause,
        measure: i.measure,
        requirement: i.requirement,
        responsible: i.responsible,
        notes,
    }
}
