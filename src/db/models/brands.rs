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

// ---------------------------------------------------------------- fields

use crate::db::models::history::Tracked;
use crate::db::models::units::Unit;
use crate::db::schema::units;
use crate::db::scope;
use crate::db::DbConn;
use crate::domain::brand::BrandEventKind;
use crate::domain::Scope;

pub const EVENT_ENTITY: &str = "brand_event";
pub const PROMOTION_ENTITY: &str = "brand_promotion";

/// The fields a brand's form writes (the status and its dates move by `advance` only).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BrandFields {
    pub unit_id: i32,
    pub name: String,
    /// Main brand: 理念; sub-brand: 主题.
    pub theme: String,
    pub feature: String,
    pub slogan: String,
    pub method: String,
}

impl Brand {
    pub fn fields(&self) -> BrandFields {
        BrandFields {
            unit_id: self.unit_id,
            name: self.name.clone(),
            theme: self.theme.clone(),
            feature: self.feature.clone(),
            slogan: self.slogan.clone(),
            method: self.method.clone(),
        }
    }

    /// The date of stage `s`, if reached.
    pub fn date_of(&self, s: BrandStatus) -> Option<NaiveDate> {
        match s {
            BrandStatus::Cultivating => self.cultivating_on,
            BrandStatus::Created => self.created_on,
            BrandStatus::Published => self.published_on,
            BrandStatus::Awarded => self.awarded_on,
        }
    }
}

/// A brand with its unit's name, as the history shows it.
pub struct TrackedBrand<'a> {
    pub fields: &'a BrandFields,
    pub unit_name: &'a str,
}

impl Tracked for TrackedBrand<'_> {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        let f = self.fields;
        vec![
            ("单位", self.unit_name.to_string()),
            ("品牌名称", f.name.clone()),
            ("主题（理念）", f.theme.clone()),
            ("特色", f.feature.clone()),
            ("品牌口号", f.slogan.clone()),
            ("工作法", f.method.clone()),
        ]
    }
}

/// The stage of a brand, as the history shows a step.
pub struct TrackedStage {
    pub status: BrandStatus,
    pub date: Option<NaiveDate>,
    pub award: String,
}

impl Tracked for TrackedStage {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("状态", self.status.label().to_string()),
            (
                "阶段日期",
                self.date
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
            ),
            ("获评荣誉", self.award.clone()),
        ]
    }
}

// ---------------------------------------------------------------- lists

/// Where a brand's unit sits: under a general branch (its id), or directly under the
/// committee (党委直属, the committee's own main brand included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Group {
    Under(String),
    Direct,
}

#[derive(Debug, Clone)]
pub struct BrandFilter {
    /// The user's read scope; `None` for the brand wall (a showcase for every signed-in user).
    pub scope: Option<Scope>,
    /// A unit and everything under it.
    pub unit_path: Option<String>,
    pub group: Option<Group>,
    pub status: Option<BrandStatus>,
    pub kind: Option<BrandKind>,
}

macro_rules! apply_filter {
    ($q:expr, $f:expr, $with_status:expr) => {{
        let f: &BrandFilter = $f;
        let mut q = $q;
        if let Some(s) = &f.scope {
            if let Some(c) = scope::units_in(s, brands::unit_id) {
                q = q.filter(c);
            }
        }
        if let Some(path) = &f.unit_path {
            q = q.filter(scope::under(path));
        }
        match &f.group {
            Some(Group::Under(path)) => q = q.filter(scope::under(path)),
            // Two slashes-separated ids deep at most: "/1/" or "/1/17/".
            Some(Group::Direct) => q = q.filter(units::path.not_like("/%/%/%/")),
            None => {}
        }
        if $with_status {
            if let Some(s) = f.status {
                q = q.filter(brands::status.eq(s.code()));
            }
        }
        if let Some(k) = f.kind {
            q = q.filter(brands::kind.eq(k.code()));
        }
        q
    }};
}

/// One page of brands matching `f` in the order of the organisation tree (the main brand
/// first, then each general branch's branches together), with units, and the total. Brands
/// are few (at most one per unit), so they are ordered here rather than in SQL.
pub fn list(
    conn: &mut DbConn,
    f: &BrandFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<(Brand, Unit)>, i64)> {
    let mut rows: Vec<(Brand, Unit)> =
        apply_filter!(brands::table.inner_join(units::table).into_boxed(), f, true)
            .select((Brand::as_select(), Unit::as_select()))
            .load(conn)?;
    let order: Vec<i32> =
        crate::db::models::units::tree_order(crate::db::models::units::all(conn)?)
            .iter()
            .map(|u| u.id)
            .collect();
    rows.sort_by_key(|(_, u)| {
        order
            .iter()
            .position(|id| *id == u.id)
            .unwrap_or(usize::MAX)
    });
    let total = rows.len() as i64;
    let rows = rows
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(0))
        .take(usize::try_from(limit).unwrap_or(0))
        .collect();
    Ok((rows, total))
}

/// How many brands of the filter (its status aside) are at each stage.
pub fn counts_by_status(conn: &mut DbConn, f: &BrandFilter) -> QueryResult<Vec<(String, i64)>> {
    // Brands are few (one per unit): count their statuses here.
    let statuses: Vec<String> = apply_filter!(
        brands::table.inner_join(units::table).into_boxed(),
        f,
        false
    )
    .select(brands::status)
    .load(conn)?;
    let mut out: Vec<(String, i64)> = Vec::new();
    for s in statuses {
        match out.iter_mut().find(|(c, _)| *c == s) {
            Some((_, n)) => *n += 1,
            None => out.push((s, 1)),
        }
    }
    Ok(out)
}

pub fn get(conn: &mut DbConn, id: i32) -> QueryResult<Brand> {
    brands::table
        .find(id)
        .select(Brand::as_select())
        .first(conn)
}

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Brand>> {
    get(conn, id).optional()
}

/// The brand of a unit (there is at most one).
pub fn by_unit(conn: &mut DbConn, unit_id: i32) -> QueryResult<Option<Brand>> {
    brands::table
        .filter(brands::unit_id.eq(unit_id))
        .select(Brand::as_select())
        .first(conn)
        .optional()
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    brands::table.count().get_result(conn)
}

/// A new brand at 培育中 from `cultivating_on`; its id.
pub fn insert(
    conn: &mut DbConn,
    f: &BrandFields,
    kind: BrandKind,
    cultivating_on: NaiveDate,
    by: i32,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    diesel::insert_into(brands::table)
        .values((
            brands::unit_id.eq(f.unit_id),
            brands::kind.eq(kind.code()),
            brands::name.eq(&f.name),
            brands::theme.eq(&f.theme),
            brands::feature.eq(&f.feature),
            brands::slogan.eq(&f.slogan),
            brands::method.eq(&f.method),
            brands::status.eq(BrandStatus::Cultivating.code()),
            brands::cultivating_on.eq(Some(cultivating_on)),
            brands::version.eq(1),
            brands::created_by.eq(Some(by)),
            brands::created_at.eq(now),
            brands::updated_at.eq(now),
        ))
        .returning(brands::id)
        .get_result(conn)
}

/// Overwrite the form's fields (not the unit) if the brand is still at version `expected`;
/// false (nothing written) when someone saved or advanced it first.
pub fn update(
    conn: &mut DbConn,
    id: i32,
    expected: i32,
    f: &BrandFields,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        brands::table
            .filter(brands::id.eq(id))
            .filter(brands::version.eq(expected)),
    )
    .set((
        brands::name.eq(&f.name),
        brands::theme.eq(&f.theme),
        brands::feature.eq(&f.feature),
        brands::slogan.eq(&f.slogan),
        brands::method.eq(&f.method),
        brands::version.eq(brands::version + 1),
        brands::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Move a brand from `from` to `to` on `on` (with the award text for 已获评), only if it is
/// still at `from` and version `expected`: of two advances at once exactly one lands.
#[allow(clippy::too_many_arguments)]
pub fn advance(
    conn: &mut DbConn,
    id: i32,
    from: BrandStatus,
    expected: i32,
    to: BrandStatus,
    on: NaiveDate,
    award: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let target = brands::table
        .filter(brands::id.eq(id))
        .filter(brands::status.eq(from.code()))
        .filter(brands::version.eq(expected));
    let common = (
        brands::status.eq(to.code()),
        brands::version.eq(brands::version + 1),
        brands::updated_at.eq(now),
    );
    let n = match to {
        BrandStatus::Cultivating => diesel::update(target)
            .set((common, brands::cultivating_on.eq(Some(on))))
            .execute(conn)?,
        BrandStatus::Created => diesel::update(target)
            .set((common, brands::created_on.eq(Some(on))))
            .execute(conn)?,
        BrandStatus::Published => diesel::update(target)
            .set((common, brands::published_on.eq(Some(on))))
            .execute(conn)?,
        BrandStatus::Awarded => diesel::update(target)
            .set((
                common,
                brands::awarded_on.eq(Some(on)),
                brands::award.eq(award),
            ))
            .execute(conn)?,
    };
    Ok(n == 1)
}

// ---------------------------------------------------------------- events and promotions

/// The validated fields of an event.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EventFields {
    pub kind: BrandEventKind,
    pub held_on: NaiveDate,
    pub title: String,
    pub place: String,
    pub notes: String,
}

/// The validated fields of a promotion record.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PromotionFields {
    pub platform: String,
    pub published_on: NaiveDate,
    pub title: String,
    pub link: String,
}

pub fn events(conn: &mut DbConn, brand_id: i32) -> QueryResult<Vec<BrandEvent>> {
    brand_events::table
        .filter(brand_events::brand_id.eq(brand_id))
        .order((brand_events::held_on.desc(), brand_events::id.desc()))
        .select(BrandEvent::as_select())
        .load(conn)
}

pub fn promotions(conn: &mut DbConn, brand_id: i32) -> QueryResult<Vec<BrandPromotion>> {
    brand_promotions::table
        .filter(brand_promotions::brand_id.eq(brand_id))
        .order((
            brand_promotions::published_on.desc(),
            brand_promotions::id.desc(),
        ))
        .select(BrandPromotion::as_select())
        .load(conn)
}

pub fn insert_event(
    conn: &mut DbConn,
    brand_id: i32,
    f: &EventFields,
    by: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    diesel::insert_into(brand_events::table)
        .values((
            brand_events::brand_id.eq(brand_id),
            brand_events::kind.eq(f.kind.code()),
            brand_events::held_on.eq(f.held_on),
            brand_events::title.eq(&f.title),
            brand_events::place.eq(&f.place),
            brand_events::notes.eq(&f.notes),
            brand_events::created_by.eq(by),
            brand_events::created_at.eq(now),
        ))
        .returning(brand_events::id)
        .get_result(conn)
}

pub fn insert_promotion(
    conn: &mut DbConn,
    brand_id: i32,
    f: &PromotionFields,
    by: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    diesel::insert_into(brand_promotions::table)
        .values((
            brand_promotions::brand_id.eq(brand_id),
            brand_promotions::platform.eq(&f.platform),
            brand_promotions::published_on.eq(f.published_on),
            brand_promotions::title.eq(&f.title),
            brand_promotions::link.eq(&f.link),
            brand_promotions::created_by.eq(by),
            brand_promotions::created_at.eq(now),
        ))
        .returning(brand_promotions::id)
        .get_result(conn)
}

/// Event `id` of brand `brand_id`, if it is that brand's.
pub fn event_of(conn: &mut DbConn, brand_id: i32, id: i32) -> QueryResult<Option<BrandEvent>> {
    brand_events::table
        .filter(brand_events::id.eq(id))
        .filter(brand_events::brand_id.eq(brand_id))
        .select(BrandEvent::as_select())
        .first(conn)
        .optional()
}

pub fn promotion_of(
    conn: &mut DbConn,
    brand_id: i32,
    id: i32,
) -> QueryResult<Option<BrandPromotion>> {
    brand_promotions::table
        .filter(brand_promotions::id.eq(id))
        .filter(brand_promotions::brand_id.eq(brand_id))
        .select(BrandPromotion::as_select())
        .first(conn)
        .optional()
}

/// Rows deleted (0: someone else deleted it first).
pub fn delete_event(conn: &mut DbConn, id: i32) -> QueryResult<usize> {
    diesel::delete(brand_events::table.find(id)).execute(conn)
}

pub fn delete_promotion(conn: &mut DbConn, id: i32) -> QueryResult<usize> {
    diesel::delete(brand_promotions::table.find(id)).execute(conn)
}

/// Lock unit `unit_id`'s row until the transaction ends (PostgreSQL `FOR UPDATE`), so two
/// creates of a brand for one unit run one after the other and the second sees the first.
/// SQLite's `BEGIN IMMEDIATE` already serialises writers.
pub fn lock_unit(conn: &mut DbConn, unit_id: i32) -> QueryResult<()> {
    if let DbConn::Pg(pg) = conn {
        units::table
            .find(unit_id)
            .select(units::id)
            .for_update()
            .first::<i32>(pg)
            .optional()?;
    }
    Ok(())
}

/// The ids of a brand's files that were stored as images, newest first (the logo is the
/// newest one whose bytes are a PNG, JPEG, GIF or WebP image).
pub fn image_file_ids(conn: &mut DbConn, brand_id: i32) -> QueryResult<Vec<i32>> {
    use crate::db::models::attachments::Owner;
    use crate::db::schema::attachments;
    attachments::table
        .filter(attachments::owner.eq(Owner::Brand.code()))
        .filter(attachments::owner_id.eq(brand_id))
        .filter(attachments::content_type.like("image/%"))
        .order(attachments::id.desc())
        .select(attachments::id)
        .load(conn)
}

/// Brands (by id) that have an image file, for the wall's cards.
pub fn with_images(conn: &mut DbConn, ids: &[i32]) -> QueryResult<Vec<i32>> {
    use crate::db::models::attachments::Owner;
    use crate::db::schema::attachments;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    attachments::table
        .filter(attachments::owner.eq(Owner::Brand.code()))
        .filter(attachments::owner_id.eq_any(ids))
        .filter(attachments::content_type.like("image/%"))
        .select(attachments::owner_id)
        .distinct()
        .load(conn)
}

/// The audit entries of a brand, newest first, with who made them: its own (edits, steps,
/// files) and those of its events and promotions (written with the brand's unit, and a unit
/// has one brand).
pub fn audit_entries(
    conn: &mut DbConn,
    brand_id: i32,
    unit_id: i32,
    limit: i64,
) -> QueryResult<Vec<(crate::db::models::audit::AuditEntry, Option<String>)>> {
    use crate::db::models::audit::AuditEntry;
    use crate::db::schema::{audit_log, users};
    audit_log::table
        .left_join(users::table)
        .filter(
            audit_log::entity
                .eq(ENTITY)
                .and(audit_log::entity_id.eq(brand_id))
                .or(audit_log::entity
                    .eq_any([EVENT_ENTITY, PROMOTION_ENTITY])
                    .and(audit_log::unit_id.eq(unit_id))),
        )
        .order(audit_log::id.desc())
        .limit(limit)
        .select((AuditEntry::as_select(), users::display_name.nullable()))
        .load(conn)
}

/// The latest promotions of the brands matching `f` (newest first), with the brand's id and
/// name.
pub fn latest_promotions(
    conn: &mut DbConn,
    f: &BrandFilter,
    limit: i64,
) -> QueryResult<Vec<(BrandPromotion, i32, String)>> {
    apply_filter!(
        brand_promotions::table
            .inner_join(brands::table.inner_join(units::table))
            .into_boxed(),
        f,
        true
    )
    .order((
        brand_promotions::published_on.desc(),
        brand_promotions::id.desc(),
    ))
    .limit(limit)
    .select((BrandPromotion::as_select(), brands::id, brands::name))
    .load(conn)
}
