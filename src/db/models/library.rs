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

// ---------------------------------------------------------------- fields

use crate::db::models::history::Tracked;
use crate::db::models::units::escape_like;
use crate::db::DbConn;

/// Serialises the creates and renames of areas on PostgreSQL (a transaction-scoped advisory
/// lock), so two of one name give one row and one "already taken" message. SQLite's
/// `BEGIN IMMEDIATE` already serialises writers.
const AREA_NAMES_LOCK: i64 = 0x7a66_0c01;

impl VersionMeta {
    /// `1.2 MB`, `35 KB`
    pub fn size_label(&self) -> String {
        size_label(self.size)
    }
}

/// `1.2 MB`, `35 KB` for `size` bytes.
pub fn size_label(size: i32) -> String {
    let s = f64::from(size);
    if s >= 1024.0 * 1024.0 {
        format!("{:.1} MB", s / 1024.0 / 1024.0)
    } else {
        format!("{:.0} KB", (s / 1024.0).ceil())
    }
}

/// The fields an area's form writes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AreaFields {
    pub name: String,
    pub position: i32,
    pub description: String,
}

impl Area {
    pub fn fields(&self) -> AreaFields {
        AreaFields {
            name: self.name.clone(),
            position: self.position,
            description: self.description.clone(),
        }
    }
}

impl Tracked for AreaFields {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("分类名称", self.name.clone()),
            ("排序", self.position.to_string()),
            ("说明", self.description.clone()),
        ]
    }
}

/// The fields a template's form writes (its files come by upload, its state by
/// deactivate / reactivate).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TemplateFields {
    pub area_id: i32,
    pub title: String,
    pub description: String,
    pub position: i32,
}

impl WorkTemplate {
    pub fn fields(&self) -> TemplateFields {
        TemplateFields {
            area_id: self.area_id,
            title: self.title.clone(),
            description: self.description.clone(),
            position: self.position,
        }
    }

    pub fn state_label(&self) -> &'static str {
        state_label(self.active)
    }
}

pub fn state_label(active: bool) -> &'static str {
    if active {
        "启用"
    } else {
        "停用"
    }
}

/// A template as its history shows it: the area by name.
pub struct TrackedTemplate<'a> {
    pub fields: &'a TemplateFields,
    pub area_name: &'a str,
}

impl Tracked for TrackedTemplate<'_> {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("模板分类", self.area_name.to_string()),
            ("模板名称", self.fields.title.clone()),
            ("说明", self.fields.description.clone()),
            ("排序", self.fields.position.to_string()),
        ]
    }
}

/// One field of a template that changes by itself (state, current file) in its history.
pub struct TrackedOne(pub &'static str, pub String);

impl Tracked for TrackedOne {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        vec![(self.0, self.1.clone())]
    }
}

// ---------------------------------------------------------------- areas

/// Every area in its order.
pub fn areas(conn: &mut DbConn) -> QueryResult<Vec<Area>> {
    template_areas::table
        .order((template_areas::position, template_areas::id))
        .select(Area::as_select())
        .load(conn)
}

pub fn find_area(conn: &mut DbConn, id: i32) -> QueryResult<Option<Area>> {
    template_areas::table
        .find(id)
        .select(Area::as_select())
        .first(conn)
        .optional()
}

pub fn get_area(conn: &mut DbConn, id: i32) -> QueryResult<Area> {
    template_areas::table
        .find(id)
        .select(Area::as_select())
        .first(conn)
}

/// The area named `name`, if any.
pub fn area_by_name(conn: &mut DbConn, name: &str) -> QueryResult<Option<Area>> {
    template_areas::table
        .filter(template_areas::name.eq(name))
        .select(Area::as_select())
        .first(conn)
        .optional()
}

/// Take the lock that serialises area names (see [`AREA_NAMES_LOCK`]).
pub fn lock_area_names(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(AREA_NAMES_LOCK)
            .execute(pg)?;
    }
    Ok(())
}

pub fn insert_area(conn: &mut DbConn, f: &AreaFields) -> QueryResult<i32> {
    diesel::insert_into(template_areas::table)
        .values((
            template_areas::name.eq(&f.name),
            template_areas::position.eq(f.position),
            template_areas::description.eq(&f.description),
            template_areas::version.eq(1),
        ))
        .returning(template_areas::id)
        .get_result(conn)
}

/// Overwrite an area if it is still at version `expected`; false (nothing written) otherwise.
pub fn update_area(conn: &mut DbConn, id: i32, expected: i32, f: &AreaFields) -> QueryResult<bool> {
    let n = diesel::update(
        template_areas::table
            .filter(template_areas::id.eq(id))
            .filter(template_areas::version.eq(expected)),
    )
    .set((
        template_areas::name.eq(&f.name),
        template_areas::position.eq(f.position),
        template_areas::description.eq(&f.description),
        template_areas::version.eq(template_areas::version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

// ---------------------------------------------------------------- templates

/// What the catalogue shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub area: Option<i32>,
    /// Words in the title or description.
    pub text: Option<String>,
    /// Stopped templates too (the office's choice; everyone else sees active ones only).
    pub inactive: bool,
}

macro_rules! apply_filter {
    ($q:expr, $f:expr, $with_area:expr) => {{
        let f: &Filter = $f;
        let mut q = $q;
        if $with_area {
            if let Some(a) = f.area {
                q = q.filter(work_templates::area_id.eq(a));
            }
        }
        if !f.inactive {
            q = q.filter(work_templates::active.eq(true));
        }
        if let Some(t) = &f.text {
            let pat = format!("%{}%", escape_like(t));
            q = q.filter(
                work_templates::title
                    .like(pat.clone())
                    .escape('\\')
                    .or(work_templates::description.like(pat).escape('\\')),
            );
        }
        q
    }};
}

/// A catalogue line: the template, its area and its current file (none before the first
/// upload).
pub type Line = (WorkTemplate, Area, Option<VersionMeta>);

/// One page of the catalogue in the order of areas and positions, and the total.
pub fn list(
    conn: &mut DbConn,
    f: &Filter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Line>, i64)> {
    let total: i64 = apply_filter!(work_templates::table.into_boxed(), f, true)
        .count()
        .get_result(conn)?;
    let rows: Vec<(WorkTemplate, Area)> = apply_filter!(
        work_templates::table
            .inner_join(template_areas::table)
            .into_boxed(),
        f,
        true
    )
    .order((
        template_areas::position,
        template_areas::id,
        work_templates::position,
        work_templates::id,
    ))
    .offset(offset)
    .limit(limit)
    .select((WorkTemplate::as_select(), Area::as_select()))
    .load(conn)?;
    let ids: Vec<i32> = rows.iter().map(|(t, _)| t.id).collect();
    let mut current = current_versions(conn, &ids)?;
    let lines = rows
        .into_iter()
        .map(|(t, a)| {
            let v = current.remove(&t.id);
            (t, a, v)
        })
        .collect();
    Ok((lines, total))
}

/// The current (highest-numbered) file of each of `ids` that has one.
pub fn current_versions(
    conn: &mut DbConn,
    ids: &[i32],
) -> QueryResult<std::collections::HashMap<i32, VersionMeta>> {
    let mut out = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let all: Vec<VersionMeta> = template_versions::table
        .filter(template_versions::template_id.eq_any(ids))
        .order((template_versions::template_id, template_versions::number))
        .select(VersionMeta::as_select())
        .load(conn)?;
    for v in all {
        // Ascending by number: the last one stays.
        out.insert(v.template_id, v);
    }
    Ok(out)
}

/// How many templates of the filter (its area aside) each area has: (area id, count).
pub fn counts_by_area(conn: &mut DbConn, f: &Filter) -> QueryResult<Vec<(i32, i64)>> {
    let ids: Vec<i32> = apply_filter!(work_templates::table.into_boxed(), f, false)
        .select(work_templates::area_id)
        .load(conn)?;
    let mut out: Vec<(i32, i64)> = Vec::new();
    for a in ids {
        match out.iter_mut().find(|(x, _)| *x == a) {
            Some((_, n)) => *n += 1,
            None => out.push((a, 1)),
        }
    }
    Ok(out)
}

pub fn get(conn: &mut DbConn, id: i32) -> QueryResult<WorkTemplate> {
    work_templates::table
        .find(id)
        .select(WorkTemplate::as_select())
        .first(conn)
}

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<WorkTemplate>> {
    get(conn, id).optional()
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    work_templates::table.count().get_result(conn)
}

/// Lock template `id`'s row until the transaction ends (PostgreSQL `FOR UPDATE`): uploads of
/// one template run one after the other, so each sees the numbers taken before it. SQLite's
/// `BEGIN IMMEDIATE` already serialises writers.
pub fn lock(conn: &mut DbConn, id: i32) -> QueryResult<()> {
    if let DbConn::Pg(pg) = conn {
        work_templates::table
            .find(id)
            .select(work_templates::id)
            .for_update()
            .first::<i32>(pg)
            .optional()?;
    }
    Ok(())
}

pub fn insert(
    conn: &mut DbConn,
    f: &TemplateFields,
    by: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    diesel::insert_into(work_templates::table)
        .values((
            work_templates::area_id.eq(f.area_id),
            work_templates::position.eq(f.position),
            work_templates::title.eq(&f.title),
            work_templates::description.eq(&f.description),
            work_templates::downloads.eq(0),
            work_templates::active.eq(true),
            work_templates::version.eq(1),
            work_templates::created_by.eq(by),
            work_templates::created_at.eq(now),
            work_templates::updated_at.eq(now),
        ))
        .returning(work_templates::id)
        .get_result(conn)
}

/// Overwrite a template's fields if it is still at version `expected`; false otherwise.
pub fn update(
    conn: &mut DbConn,
    id: i32,
    expected: i32,
    f: &TemplateFields,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        work_templates::table
            .filter(work_templates::id.eq(id))
            .filter(work_templates::version.eq(expected)),
    )
    .set((
        work_templates::area_id.eq(f.area_id),
        work_templates::position.eq(f.position),
        work_templates::title.eq(&f.title),
        work_templates::description.eq(&f.description),
        work_templates::version.eq(work_templates::version + 1),
        work_templates::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Stop (`active` false) or restart a template, only from the other state and at version
/// `expected`: of two clicks at once exactly one lands.
pub fn set_active(
    conn: &mut DbConn,
    id: i32,
    expected: i32,
    active: bool,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        work_templates::table
            .filter(work_templates::id.eq(id))
            .filter(work_templates::version.eq(expected))
            .filter(work_templates::active.eq(!active)),
    )
    .set((
        work_templates::active.eq(active),
        work_templates::version.eq(work_templates::version + 1),
        work_templates::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Count one download: a single `UPDATE … SET downloads = downloads + 1`, so downloads at
/// the same moment are all counted (no read-then-write). The version stays: a download is
/// not an edit. Rows changed (0 for no such template).
pub fn count_download(conn: &mut DbConn, id: i32) -> QueryResult<usize> {
    diesel::update(work_templates::table.filter(work_templates::id.eq(id)))
        .set(work_templates::downloads.eq(work_templates::downloads + 1))
        .execute(conn)
}

// ---------------------------------------------------------------- versions

/// A template's files, newest first.
pub fn versions(conn: &mut DbConn, template_id: i32) -> QueryResult<Vec<VersionMeta>> {
    template_versions::table
        .filter(template_versions::template_id.eq(template_id))
        .order(template_versions::number.desc())
        .select(VersionMeta::as_select())
        .load(conn)
}

/// File number `number` of a template (the current one for `None`) with its bytes.
pub fn version_data(
    conn: &mut DbConn,
    template_id: i32,
    number: Option<i32>,
) -> QueryResult<Option<(VersionMeta, Vec<u8>)>> {
    let mut q = template_versions::table
        .filter(template_versions::template_id.eq(template_id))
        .into_boxed();
    if let Some(n) = number {
        q = q.filter(template_versions::number.eq(n));
    }
    q.order(template_versions::number.desc())
        .select((VersionMeta::as_select(), template_versions::data))
        .first(conn)
        .optional()
}

/// The number the next upload of a template gets (1 for the first). Call after [`lock`].
pub fn next_number(conn: &mut DbConn, template_id: i32) -> QueryResult<i32> {
    let max: Option<i32> = template_versions::table
        .filter(template_versions::template_id.eq(template_id))
        .select(diesel::dsl::max(template_versions::number))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

/// A file to store as a template's version.
pub struct NewVersion<'a> {
    pub template_id: i32,
    pub number: i32,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub data: &'a [u8],
    pub note: &'a str,
    pub uploaded_by: Option<i32>,
}

pub fn insert_version(
    conn: &mut DbConn,
    v: &NewVersion<'_>,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    let size = i32::try_from(v.data.len()).unwrap_or(i32::MAX);
    diesel::insert_into(template_versions::table)
        .values((
            template_versions::template_id.eq(v.template_id),
            template_versions::number.eq(v.number),
            template_versions::file_name.eq(v.file_name),
            template_versions::content_type.eq(v.content_type),
            template_versions::size.eq(size),
            template_versions::data.eq(v.data),
            template_versions::note.eq(v.note),
            template_versions::uploaded_by.eq(v.uploaded_by),
            template_versions::uploaded_at.eq(now),
        ))
        .returning(template_versions::id)
        .get_result(conn)
}

/// A new file makes the template's "updated" date move; its version stays (an edit form open
/// meanwhile still saves).
pub fn touch(conn: &mut DbConn, id: i32, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(work_templates::table.filter(work_templates::id.eq(id)))
        .set(work_templates::updated_at.eq(now))
        .execute(conn)
}

/// Display names of users by id (uploaders).
pub fn user_names(
    conn: &mut DbConn,
    ids: &[i32],
) -> QueryResult<std::collections::HashMap<i32, String>> {
    use crate::db::schema::users;
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(i32, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The audit entries of a template, newest first, with who made them.
pub fn audit_entries(
    conn: &mut DbConn,
    id: i32,
    limit: i64,
) -> QueryResult<Vec<(crate::db::models::audit::AuditEntry, Option<String>)>> {
    use crate::db::models::audit::AuditEntry;
    use crate::db::schema::{audit_log, users};
    audit_log::table
        .left_join(users::table)
        .filter(audit_log::entity.eq(ENTITY))
        .filter(audit_log::entity_id.eq(id))
        .order(audit_log::id.desc())
        .limit(limit)
        .select((AuditEntry::as_select(), users::display_name.nullable()))
        .load(conn)
}

/// A template's current (highest-numbered) file, without its bytes.
pub fn current_version(conn: &mut DbConn, template_id: i32) -> QueryResult<Option<VersionMeta>> {
    template_versions::table
        .filter(template_versions::template_id.eq(template_id))
        .order(template_versions::number.desc())
        .select(VersionMeta::as_select())
        .first(conn)
        .optional()
}

/// Set a template's download count (the demo's history of use).
pub fn set_downloads(conn: &mut DbConn, id: i32, downloads: i32) -> QueryResult<usize> {
    diesel::update(work_templates::table.filter(work_templates::id.eq(id)))
        .set(work_templates::downloads.eq(downloads))
        .execute(conn)
}
