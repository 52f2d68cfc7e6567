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

// ------------------------------------------------------------------ scheme queries (issue 12)

use crate::db::schema::{assessment_lines, assessment_scores, field_changes};

/// The fields the scheme's own form writes (the tree moves by [`apply_tree`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SchemeFields {
    pub title: String,
    pub notes: String,
}

impl Scheme {
    pub fn fields(&self) -> SchemeFields {
        SchemeFields {
            title: self.title.clone(),
            notes: self.notes.clone(),
        }
    }
}

impl crate::db::models::history::Tracked for SchemeFields {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("方案名称", self.title.clone()),
            ("说明", self.notes.clone()),
        ]
    }
}

pub fn find_scheme(c: &mut DbConn, id: i32) -> QueryResult<Option<Scheme>> {
    assessment_schemes::table
        .find(id)
        .select(Scheme::as_select())
        .first(c)
        .optional()
}

/// The latest scheme of a year before `year` (the one a new scheme may copy).
pub fn previous_scheme(c: &mut DbConn, year: i32) -> QueryResult<Option<Scheme>> {
    assessment_schemes::table
        .filter(assessment_schemes::year.lt(year))
        .order(assessment_schemes::year.desc())
        .select(Scheme::as_select())
        .first(c)
        .optional()
}

/// A new scheme row; its id.
pub fn insert_scheme(
    c: &mut DbConn,
    year: i32,
    f: &SchemeFields,
    by: i32,
    now: chrono::NaiveDateTime,
) -> QueryResult<i32> {
    diesel::insert_into(assessment_schemes::table)
        .values((
            assessment_schemes::year.eq(year),
            assessment_schemes::title.eq(&f.title),
            assessment_schemes::notes.eq(&f.notes),
            assessment_schemes::created_by.eq(Some(by)),
            assessment_schemes::created_at.eq(now),
            assessment_schemes::updated_at.eq(now),
        ))
        .returning(assessment_schemes::id)
        .get_result(c)
}

/// Overwrite title and notes if the scheme is still at `expected`; false when not.
pub fn update_scheme(
    c: &mut DbConn,
    id: i32,
    expected: i32,
    f: &SchemeFields,
    now: chrono::NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        assessment_schemes::table
            .filter(assessment_schemes::id.eq(id))
            .filter(assessment_schemes::version.eq(expected)),
    )
    .set((
        assessment_schemes::title.eq(&f.title),
        assessment_schemes::notes.eq(&f.notes),
        assessment_schemes::version.eq(assessment_schemes::version + 1),
        assessment_schemes::updated_at.eq(now),
    ))
    .execute(c)?;
    Ok(n == 1)
}

/// Claim the scheme for a tree change: its version moves on if it is still at `expected`
/// (of several saves from the same version exactly one gets true). Call first in the
/// transaction: on PostgreSQL the row stays locked until it ends.
pub fn claim_scheme(
    c: &mut DbConn,
    id: i32,
    expected: i32,
    now: chrono::NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        assessment_schemes::table
            .filter(assessment_schemes::id.eq(id))
            .filter(assessment_schemes::version.eq(expected)),
    )
    .set((
        assessment_schemes::version.eq(assessment_schemes::version + 1),
        assessment_schemes::updated_at.eq(now),
    ))
    .execute(c)?;
    Ok(n == 1)
}

/// How many of the scheme's score sheets have left 草稿 (submitted or further): the tree is
/// frozen once there is one.
pub fn sheets_past_draft(c: &mut DbConn, scheme_id: i32) -> QueryResult<i64> {
    assessment_scores::table
        .filter(assessment_scores::scheme_id.eq(scheme_id))
        .filter(assessment_scores::state.ne("draft"))
        .count()
        .get_result(c)
}

/// One node of a tree as a save writes it: `id` of the row it keeps (None: a new row).
#[derive(Debug, Clone, PartialEq)]
pub struct NodeFields {
    pub id: Option<i32>,
    pub name: String,
    /// `IndicatorKind` code, or `AREA_KIND`.
    pub kind: String,
    pub max_tenths: i32,
    pub rule: String,
    pub source: Option<String>,
}

/// An area and its items, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaFields {
    pub area: NodeFields,
    pub items: Vec<NodeFields>,
}

fn write_node(
    c: &mut DbConn,
    scheme_id: i32,
    parent_id: Option<i32>,
    position: i32,
    n: &NodeFields,
    max_tenths: i32,
) -> QueryResult<i32> {
    match n.id {
        Some(id) => {
            diesel::update(
                assessment_indicators::table
                    .filter(assessment_indicators::id.eq(id))
                    .filter(assessment_indicators::scheme_id.eq(scheme_id)),
            )
            .set((
                assessment_indicators::parent_id.eq(parent_id),
                assessment_indicators::position.eq(position),
                assessment_indicators::name.eq(&n.name),
                assessment_indicators::kind.eq(&n.kind),
                assessment_indicators::max_tenths.eq(max_tenths),
                assessment_indicators::rule.eq(&n.rule),
                assessment_indicators::source.eq(&n.source),
                assessment_indicators::version.eq(assessment_indicators::version + 1),
            ))
            .execute(c)?;
            Ok(id)
        }
        None => diesel::insert_into(assessment_indicators::table)
            .values((
                assessment_indicators::scheme_id.eq(scheme_id),
                assessment_indicators::parent_id.eq(parent_id),
                assessment_indicators::position.eq(position),
                assessment_indicators::name.eq(&n.name),
                assessment_indicators::kind.eq(&n.kind),
                assessment_indicators::max_tenths.eq(max_tenths),
                assessment_indicators::rule.eq(&n.rule),
                assessment_indicators::source.eq(&n.source),
            ))
            .returning(assessment_indicators::id)
            .get_result(c),
    }
}

/// Make the scheme's tree exactly `tree`: rows with an id are updated (parent, position,
/// texts), rows without are inserted, rows of the scheme not named are deleted (with the
/// draft score lines that refer to them). Areas carry the sum of their items. Call inside the
/// transaction that claimed the scheme.
pub fn apply_tree(c: &mut DbConn, scheme_id: i32, tree: &[AreaFields]) -> QueryResult<()> {
    let existing: Vec<i32> = assessment_indicators::table
        .filter(assessment_indicators::scheme_id.eq(scheme_id))
        .select(assessment_indicators::id)
        .load(c)?;
    let mut kept: Vec<i32> = Vec::new();
    for (a, area) in tree.iter().enumerate() {
        let subtotal: i32 = area.items.iter().map(|i| i.max_tenths).sum();
        let area_id = write_node(c, scheme_id, None, a as i32 + 1, &area.area, subtotal)?;
        kept.push(area_id);
        for (i, item) in area.items.iter().enumerate() {
            let id = write_node(
                c,
                scheme_id,
                Some(area_id),
                i as i32 + 1,
                item,
                item.max_tenths,
            )?;
            kept.push(id);
        }
    }
    let gone: Vec<i32> = existing
        .into_iter()
        .filter(|id| !kept.contains(id))
        .collect();
    if !gone.is_empty() {
        diesel::delete(
            assessment_lines::table.filter(assessment_lines::indicator_id.eq_any(&gone)),
        )
        .execute(c)?;
        // Items before areas: no row is deleted while another still points at it.
        diesel::delete(
            assessment_indicators::table
                .filter(assessment_indicators::id.eq_any(&gone))
                .filter(assessment_indicators::parent_id.is_not_null()),
        )
        .execute(c)?;
        diesel::delete(
            assessment_indicators::table.filter(assessment_indicators::id.eq_any(&gone)),
        )
        .execute(c)?;
    }
    Ok(())
}

/// Field changes of a scheme with labels made at run time (one per changed indicator), for
/// its 修改记录.
pub fn record_changes(
    c: &mut DbConn,
    scheme_id: i32,
    user_id: i32,
    now: chrono::NaiveDateTime,
    changes: &[(String, String, String)],
) -> QueryResult<()> {
    for (field, old, new) in changes {
        diesel::insert_into(field_changes::table)
            .values((
                field_changes::entity.eq(SCHEME_ENTITY),
                field_changes::entity_id.eq(scheme_id),
                field_changes::user_id.eq(Some(user_id)),
                field_changes::at.eq(now),
                field_changes::field.eq(field),
                field_changes::old_value.eq(old),
                field_changes::new_value.eq(new),
            ))
            .execute(c)?;
    }
    Ok(())
}
