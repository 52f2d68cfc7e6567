//! 人员名册 (issue 11): the people of a unit, their categories, and when they were active.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::history::Tracked;
use crate::db::models::units::{self as unit_queries, Unit};
use crate::db::schema::{roster_people, units};
use crate::db::scope;
use crate::db::DbConn;
use crate::domain::activity::RosterGroup;
use crate::domain::codes;
use crate::domain::Scope;

pub const ENTITY: &str = "roster_person";

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = roster_people)]
pub struct Person {
    pub id: i32,
    pub unit_id: i32,
    pub name: String,
    /// `RosterGroup` codes, `,a,b,` (`domain::codes`).
    pub categories: String,
    pub post: String,
    pub active_from: Option<NaiveDate>,
    /// Set when the person left; never deleted.
    pub active_to: Option<NaiveDate>,
    pub notes: String,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Person {
    pub fn groups(&self) -> Vec<RosterGroup> {
        codes::parse_set(&self.categories, RosterGroup::parse)
    }

    /// Active on some day of `from ..= to`.
    pub fn active_between(&self, from: NaiveDate, to: NaiveDate) -> bool {
        self.active_from.is_none_or(|f| f <= to) && self.active_to.is_none_or(|t| t >= from)
    }
}

/// 在册 / 已离开, as of a day: a person has left once the leaving date lies before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RosterStatus {
    Active,
    Left,
}

impl RosterStatus {
    pub const ALL: &'static [RosterStatus] = &[RosterStatus::Active, RosterStatus::Left];

    pub fn code(self) -> &'static str {
        match self {
            RosterStatus::Active => "active",
            RosterStatus::Left => "left",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RosterStatus::Active => "在册",
            RosterStatus::Left => "已离开",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.code() == code)
    }
}

impl Person {
    /// 在册 or 已离开 on `today`.
    pub fn status(&self, today: NaiveDate) -> RosterStatus {
        match self.active_to {
            Some(t) if t < today => RosterStatus::Left,
            _ => RosterStatus::Active,
        }
    }

    pub fn fields(&self) -> PersonFields {
        PersonFields {
            unit_id: self.unit_id,
            name: self.name.clone(),
            categories: self.groups(),
            post: self.post.clone(),
            active_from: self.active_from,
            active_to: self.active_to,
            notes: self.notes.clone(),
        }
    }
}

/// The validated fields of a person (form, import row).
#[derive(Debug, Clone, PartialEq)]
pub struct PersonFields {
    pub unit_id: i32,
    pub name: String,
    pub categories: Vec<RosterGroup>,
    pub post: String,
    pub active_from: Option<NaiveDate>,
    pub active_to: Option<NaiveDate>,
    pub notes: String,
}

impl PersonFields {
    /// The categories as stored (`,a,b,`).
    pub fn stored_categories(&self) -> String {
        codes::encode(self.categories.iter().map(|g| g.code()))
    }

    /// The categories in words: 党员、组工干部.
    pub fn category_names(&self) -> String {
        group_names(&self.categories)
    }
}

/// 党员、组工干部
pub fn group_names(groups: &[RosterGroup]) -> String {
    groups
        .iter()
        .map(|g| g.label())
        .collect::<Vec<_>>()
        .join("、")
}

/// As the audit log keeps it: categories as codes (the log reads them back as labels).
impl serde::Serialize for PersonFields {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("PersonFields", 7)?;
        st.serialize_field("unit_id", &self.unit_id)?;
        st.serialize_field("name", &self.name)?;
        let codes: Vec<&str> = self.categories.iter().map(|g| g.code()).collect();
        st.serialize_field("categories", &codes)?;
        st.serialize_field("post", &self.post)?;
        st.serialize_field("active_from", &self.active_from)?;
        st.serialize_field("active_to", &self.active_to)?;
        st.serialize_field("notes", &self.notes)?;
        st.end()
    }
}

/// A person with the unit's name, as the history shows it.
pub struct TrackedPerson<'a> {
    pub fields: &'a PersonFields,
    pub unit_name: &'a str,
}

fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

impl Tracked for TrackedPerson<'_> {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        let f = self.fields;
        vec![
            ("单位", self.unit_name.to_string()),
            ("姓名", f.name.clone()),
            ("人员类别", f.category_names()),
            ("岗位", f.post.clone()),
            ("在册起始日期", date_text(f.active_from)),
            ("离开日期", date_text(f.active_to)),
            ("备注", f.notes.clone()),
        ]
    }
}

/// What the list is narrowed by.
#[derive(Debug, Clone)]
pub struct RosterFilter {
    pub scope: Scope,
    /// A unit and everything under it.
    pub unit_path: Option<String>,
    pub group: Option<RosterGroup>,
    pub status: Option<RosterStatus>,
    /// The day 在册 / 已离开 is judged on.
    pub today: NaiveDate,
    /// Part of the name.
    pub q: Option<String>,
}

impl RosterFilter {
    pub fn new(scope: Scope, today: NaiveDate) -> Self {
        RosterFilter {
            scope,
            unit_path: None,
            group: None,
            status: None,
            today,
            q: None,
        }
    }
}

/// The people joined with their units, before order and page.
type Joined = diesel::dsl::IntoBoxed<
    'static,
    diesel::dsl::InnerJoin<roster_people::table, units::table>,
    crate::db::DbBackend,
>;

/// `$q` (a boxed query over the people joined with their units: a list, a count or the
/// grouped facets) narrowed to the people of `$f`.
macro_rules! narrow {
    ($q:expr, $f:expr) => {{
        let f: &RosterFilter = $f;
        let mut q = $q;
        if let Some(c) = scope::units_in(&f.scope, roster_people::unit_id) {
            q = q.filter(c);
        }
        if let Some(path) = &f.unit_path {
            q = q.filter(scope::under(path));
        }
        if let Some(g) = f.group {
            q = q.filter(roster_people::categories.like(codes::like(g.code())));
        }
        match f.status {
            Some(RosterStatus::Active) => {
                q = q.filter(
                    roster_people::active_to
                        .is_null()
                        .or(roster_people::active_to.ge(f.today)),
                )
            }
            Some(RosterStatus::Left) => q = q.filter(roster_people::active_to.lt(f.today)),
            None => {}
        }
        if let Some(text) = &f.q {
            let pattern = format!("%{}%", unit_queries::escape_like(text));
            q = q.filter(roster_people::name.like(pattern).escape('\\'));
        }
        q
    }};
}

/// The people of `f` (a join with units), before order and page.
fn filtered(f: &RosterFilter) -> Joined {
    narrow!(
        roster_people::table.inner_join(units::table).into_boxed(),
        f
    )
}

/// The people of `f` in the list's order: by unit, then name.
fn ordered(f: &RosterFilter) -> Joined {
    filtered(f).order((
        units::sort_order,
        units::code,
        roster_people::name,
        roster_people::id,
    ))
}

/// One page of the people of `f`, with their units, in the list's order.
pub fn list(
    conn: &mut DbConn,
    f: &RosterFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(Person, Unit)>> {
    ordered(f)
        .offset(offset)
        .limit(limit)
        .select((Person::as_select(), Unit::as_select()))
        .load(conn)
}

/// The ids of the people of `f` in the list's order.
pub fn ordered_ids(conn: &mut DbConn, f: &RosterFilter) -> QueryResult<Vec<i32>> {
    ordered(f).select(roster_people::id).load(conn)
}

/// The people `ids` names, with their units, in the order of `ids`.
pub fn people_by_id(conn: &mut DbConn, ids: &[i32]) -> QueryResult<Vec<(Person, Unit)>> {
    let rows = roster_people::table
        .inner_join(units::table)
        .filter(roster_people::id.eq_any(ids))
        .select((Person::as_select(), Unit::as_select()))
        .load(conn)?;
    Ok(crate::db::paging::in_order(
        ids,
        rows,
        |r: &(Person, Unit)| r.0.id,
    ))
}

/// The categories and leaving dates of the people of `f` (its group and status left open),
/// for the counts beside the filters.
pub fn facets(conn: &mut DbConn, f: &RosterFilter) -> QueryResult<Vec<Facet>> {
    let open = RosterFilter {
        group: None,
        status: None,
        ..f.clone()
    };
    // Grouped in the database: a few dozen combinations, not a row per person (at 1,000
    // branches, 20,000 rows read into the page on every view).
    narrow!(
        roster_people::table
            .inner_join(units::table)
            .group_by((roster_people::categories, roster_people::active_to))
            .select((
                roster_people::categories,
                roster_people::active_to,
                diesel::dsl::count_star(),
            ))
            .into_boxed(),
        &open
    )
    .load(conn)
}

/// Categories, leaving date, and how many people have both.
pub type Facet = (String, Option<NaiveDate>, i64);

pub fn get(conn: &mut DbConn, id: i32) -> QueryResult<Person> {
    roster_people::table
        .find(id)
        .select(Person::as_select())
        .first(conn)
}

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Person>> {
    get(conn, id).optional()
}

/// The people of these units (for the import's matching by unit and name).
pub fn of_units(conn: &mut DbConn, unit_ids: &[i32]) -> QueryResult<Vec<Person>> {
    let mut out = Vec::new();
    for chunk in unit_ids.chunks(500) {
        out.extend(
            roster_people::table
                .filter(roster_people::unit_id.eq_any(chunk))
                .order(roster_people::id)
                .select(Person::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

pub fn insert(
    conn: &mut DbConn,
    f: &PersonFields,
    by: i32,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    diesel::insert_into(roster_people::table)
        .values((
            roster_people::unit_id.eq(f.unit_id),
            roster_people::name.eq(&f.name),
            roster_people::categories.eq(f.stored_categories()),
            roster_people::post.eq(&f.post),
            roster_people::active_from.eq(f.active_from),
            roster_people::active_to.eq(f.active_to),
            roster_people::notes.eq(&f.notes),
            roster_people::version.eq(1),
            roster_people::created_by.eq(Some(by)),
            roster_people::created_at.eq(now),
            roster_people::updated_at.eq(now),
        ))
        .returning(roster_people::id)
        .get_result(conn)
}

/// Overwrite the fields and bump the version, only at the `expected` version (one guarded
/// UPDATE: of two saves at once exactly one lands). False when it matched no row.
pub fn update(
    conn: &mut DbConn,
    id: i32,
    expected: i32,
    f: &PersonFields,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        roster_people::table
            .filter(roster_people::id.eq(id))
            .filter(roster_people::version.eq(expected)),
    )
    .set((
        roster_people::unit_id.eq(f.unit_id),
        roster_people::name.eq(&f.name),
        roster_people::categories.eq(f.stored_categories()),
        roster_people::post.eq(&f.post),
        roster_people::active_from.eq(f.active_from),
        roster_people::active_to.eq(f.active_to),
        roster_people::notes.eq(&f.notes),
        roster_people::version.eq(roster_people::version + 1),
        roster_people::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Set the leaving date of a person who has none yet, at the `expected` version. False
/// when another change (or end) got there first; nothing written then.
pub fn end(
    conn: &mut DbConn,
    id: i32,
    expected: i32,
    left_on: NaiveDate,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        roster_people::table
            .filter(roster_people::id.eq(id))
            .filter(roster_people::version.eq(expected))
            .filter(roster_people::active_to.is_null()),
    )
    .set((
        roster_people::active_to.eq(Some(left_on)),
        roster_people::version.eq(roster_people::version + 1),
        roster_people::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The people of the units in `scope` active on some day of `from ..= to`, optionally only
/// those of `group`, with their unit's name, in unit tree order, then by name. For other
/// areas (activities: attendance lists, coverage).
pub fn active_people(
    c: &mut DbConn,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
    group: Option<RosterGroup>,
) -> QueryResult<Vec<(Person, String)>> {
    let mut q = roster_people::table
        .inner_join(units::table)
        .filter(
            roster_people::active_from
                .is_null()
                .or(roster_people::active_from.le(to)),
        )
        .filter(
            roster_people::active_to
                .is_null()
                .or(roster_people::active_to.ge(from)),
        )
        .into_boxed();
    if let Some(cond) = scope::units_in(scope, roster_people::unit_id) {
        q = q.filter(cond);
    }
    if let Some(g) = group {
        q = q.filter(roster_people::categories.like(codes::like(g.code())));
    }
    let rows: Vec<(Person, Unit)> = q.select((Person::as_select(), Unit::as_select())).load(c)?;
    let order: std::collections::HashMap<i32, usize> = unit_queries::all(c)?
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id, i))
        .collect();
    let mut rows = rows;
    rows.sort_by(|(a, ua), (b, ub)| {
        let ka = order.get(&ua.id).copied().unwrap_or(usize::MAX);
        let kb = order.get(&ub.id).copied().unwrap_or(usize::MAX);
        (ka, &a.name, a.id).cmp(&(kb, &b.name, b.id))
    });
    Ok(rows.into_iter().map(|(p, u)| (p, u.name)).collect())
}

/// Serialise roster imports on PostgreSQL (a transaction-scoped advisory lock), so two
/// imports of one file at once cannot both add the same person. SQLite's `BEGIN IMMEDIATE`
/// already serialises writers.
pub fn lock_for_import(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(0x7a66_1101_i64)
            .execute(pg)?;
    }
    Ok(())
}
