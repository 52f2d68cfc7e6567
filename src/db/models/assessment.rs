//! 千分制 assessment (issue 12): schemes and their indicator trees. Points are tenths
//! (`domain::assessment::Points`). Units' score sheets are in `assessment_scores`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{assessment_indicators, assessment_schemes};
use crate::db::DbConn;
use crate::domain::assessment::{IndicatorKind, Points, ScoreSource, AREA_KIND};

/// The audit entity of a scheme (and its indicators).
pub const SCHEME_ENTITY: &str = "assessment_scheme";

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = assessment_schemes)]
pub struct Scheme {
    pub id: i32,
    pub year: i32,
    pub title: String,
    pub notes: String,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An area (no parent) or an item (a leaf under an area).
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = assessment_indicators)]
pub struct Indicator {
    pub id: i32,
    pub scheme_id: i32,
    pub parent_id: Option<i32>,
    pub position: i32,
    pub name: String,
    /// `IndicatorKind` code for a leaf, `AREA_KIND` for an area.
    pub kind: String,
    pub max_tenths: i32,
    pub rule: String,
    /// `ScoreSource` code.
    pub source: Option<String>,
    pub version: i32,
}

impl Indicator {
    pub fn is_area(&self) -> bool {
        self.parent_id.is_none()
    }

    /// A leaf's kind (None for an area).
    pub fn kind(&self) -> Option<IndicatorKind> {
        if self.kind == AREA_KIND {
            None
        } else {
            IndicatorKind::parse(&self.kind)
        }
    }

    pub fn max(&self) -> Points {
        Points(self.max_tenths)
    }

    pub fn source(&self) -> Option<ScoreSource> {
        self.source.as_deref().and_then(ScoreSource::parse)
    }
}

/// The scheme of a campaign year, if one was set up.
pub fn scheme_for_year(c: &mut DbConn, year: i32) -> QueryResult<Option<Scheme>> {
    assessment_schemes::table
        .filter(assessment_schemes::year.eq(year))
        .select(Scheme::as_select())
        .first(c)
        .optional()
}

/// The years that have a scheme, newest first.
pub fn scheme_years(c: &mut DbConn) -> QueryResult<Vec<i32>> {
    assessment_schemes::table
        .select(assessment_schemes::year)
        .order(assessment_schemes::year.desc())
        .load(c)
}

/// A scheme's indicators in tree order: each area followed by its items, by position.
pub fn indicators(c: &mut DbConn, scheme_id: i32) -> QueryResult<Vec<Indicator>> {
    let all: Vec<Indicator> = assessment_indicators::table
        .filter(assessment_indicators::scheme_id.eq(scheme_id))
        .order((
            assessment_indicators::position.asc(),
            assessment_indicators::id.asc(),
        ))
        .select(Indicator::as_select())
        .load(c)?;
    Ok(tree_order(all))
}

/// Areas by position, each followed by its items by position.
pub fn tree_order(all: Vec<Indicator>) -> Vec<Indicator> {
    let (areas, items): (Vec<Indicator>, Vec<Indicator>) =
        all.into_iter().partition(Indicator::is_area);
    let mut out = Vec::with_capacity(areas.len() + items.len());
    for a in areas {
        let id = a.id;
        out.push(a);
        out.extend(items.iter().filter(|i| i.parent_id == Some(id)).cloned());
    }
    out
}
