//! The template library 工作模板 (issue 12): areas, templates and their file versions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{template_areas, template_versions, work_templates};

pub const AREA_ENTITY: &str = "template_area";
pub const ENTITY: &str = "work_template";

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = template_areas)]
pub struct Area {
    pub id: i32,
    pub position: i32,
    pub name: String,
    pub description: String,
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = work_templates)]
pub struct WorkTemplate {
    pub id: i32,
    pub area_id: i32,
    pub position: i32,
    pub title: String,
    pub description: String,
    pub downloads: i32,
    pub active: bool,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A file version without its bytes (for lists).
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = template_versions)]
pub struct VersionMeta {
    pub id: i32,
    pub template_id: i32,
    pub number: i32,
    pub file_name: String,
    pub content_type: String,
    pub size: i32,
    pub note: String,
    pub uploaded_by: Option<i32>,
    pub uploaded_at: NaiveDateTime,
}
