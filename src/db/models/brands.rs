//! 党建品牌 (issue 11): the main brand, one sub-brand per branch, their events and
//! promotions.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{brand_events, brand_promotions, brands};
use crate::domain::brand::{BrandKind, BrandStatus};

pub const ENTITY: &str = "brand";

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = brands)]
pub struct Brand {
    pub id: i32,
    /// One brand per unit: the committee's is the main brand.
    pub unit_id: i32,
    /// `BrandKind` code.
    pub kind: String,
    pub name: String,
    /// Main brand: its concept (理念); sub-brand: its theme (主题).
    pub theme: String,
    pub feature: String,
    pub slogan: String,
    /// 工作法.
    pub method: String,
    /// `BrandStatus` code.
    pub status: String,
    pub cultivating_on: Option<NaiveDate>,
    pub created_on: Option<NaiveDate>,
    pub published_on: Option<NaiveDate>,
    pub awarded_on: Option<NaiveDate>,
    pub award: String,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Brand {
    pub fn kind(&self) -> BrandKind {
        BrandKind::parse(&self.kind).unwrap_or(BrandKind::Sub)
    }

    pub fn status(&self) -> BrandStatus {
        BrandStatus::parse(&self.status).unwrap_or(BrandStatus::Cultivating)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = brand_events)]
pub struct BrandEvent {
    pub id: i32,
    pub brand_id: i32,
    /// `BrandEventKind` code.
    pub kind: String,
    pub held_on: NaiveDate,
    pub title: String,
    pub place: String,
    pub notes: String,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = brand_promotions)]
pub struct BrandPromotion {
    pub id: i32,
    pub brand_id: i32,
    pub platform: String,
    pub published_on: NaiveDate,
    pub title: String,
    pub link: String,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
}
