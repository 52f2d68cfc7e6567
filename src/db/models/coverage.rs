//! 覆盖率 (issue 11): who of a roster group attended an activity of the chosen kinds in a
//! period, counted in SQL and grouped by unit (the synthetic group has thousands of people:
//! nothing here loads people one by one to count them in Rust).
//!
//! The definition (DESIGN.md F7), in one place:
//! - the people counted (应覆盖) are those of the group (`categories` holds the group's code)
//!   whose unit is in the scope and who were active on some day of the period: `active_from`
//!   empty or on / before its last day, `active_to` empty or on / after its first day. A person
//!   who left mid-year stays in that year's count (they were to be covered while they were
//!   there);
//! - a person is covered (已覆盖) when they have at least one attendance row of an activity of
//!   the chosen kinds whose `start_date` lies in the period. Typed participant counts name no
//!   one and count for nobody;
//! - their hours (学时) are the sum of `activities.hours` over those attendances; they reached
//!   the quota when that sum is at least the yearly quota.
//!
//! The statements are the same on both backends; SQLite numbers its parameters `?N`,
//! PostgreSQL `$N` (see `throttle::record_failure`).

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Double, Integer, Text};

use crate::db::models::activities::Activity;
use crate::db::models::units::escape_like;
use crate::db::schema::{activities, activity_attendance, roster_people};
use crate::db::DbConn;
use crate::domain::activity::{ActivityKind, RosterGroup};
use crate::domain::{codes, Scope};

/// What is counted: a group, the activity kinds, a period, and the units.
#[derive(Clone, Debug)]
pub struct CoverageQuery {
    pub group: RosterGroup,
    /// At least one kind (an empty list covers nobody).
    pub kinds: Vec<ActivityKind>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The user's units.
    pub scope: Scope,
    /// A unit the user picked (its path): that unit and everything under it.
    pub under: Option<String>,
}

impl CoverageQuery {
    /// The kinds as one code set, `,training,exam,`: an activity's kind is chosen when
    /// `'%,' || kind || ',%'` matches it.
    fn kind_set(&self) -> String {
        codes::encode(self.kinds.iter().map(|k| k.code()))
    }

    /// A one-unit scope (a branch's own people).
    fn one_unit(&self) -> bool {
        matches!(self.scope, Scope::Unit(_))
    }

    /// (path pattern of the scope, unit id of a one-unit scope or 0, path pattern of the
    /// picked unit): every unit is `%`.
    fn unit_binds(&self) -> (String, i32, String) {
        let (scope_path, scope_unit) = match &self.scope {
            Scope::All => ("%".to_string(), 0),
            Scope::Subtree(p) => (format!("{}%", escape_like(p)), 0),
            Scope::Unit(id) => ("%".to_string(), *id),
        };
        let under = self
            .under
            .as_deref()
            .map(|p| format!("{}%", escape_like(p)))
            .unwrap_or_else(|| "%".to_string());
        (scope_path, scope_unit, under)
    }
}

/// The counts of the people of one unit (that unit only, not those under it).
#[derive(Debug, Clone, Default, PartialEq, QueryableByName)]
pub struct UnitCount {
    #[diesel(sql_type = Integer)]
    pub unit_id: i32,
    /// 应覆盖人数.
    #[diesel(sql_type = BigInt)]
    pub total: i64,
    /// 已覆盖.
    #[diesel(sql_type = BigInt)]
    pub covered: i64,
    /// Sum of everyone's hours.
    #[diesel(sql_type = Double)]
    pub hours: f64,
    /// People whose hours reached the quota.
    #[diesel(sql_type = BigInt)]
    pub reached: i64,
}

/// The people counted (`p`, their unit `u`, `h` their hours of the chosen kinds when they
/// have any). Params: $1 first day, $2 last day, $3 group
/// LIKE pattern, $4 kind set, $5 scope path pattern, $6 one-unit scope id or 0, $7 picked unit
/// path pattern. `one_unit` says which of $5 and $6 picks the units (both are always named:
/// SQLite refuses a bound parameter the statement lacks).
fn people(one_unit: bool) -> String {
    let hours = hours_of("h", "AND $4 LIKE ('%,' || a.kind || ',%')", one_unit);
    let scope = in_scope("p", "u", one_unit);
    format!(
        "FROM roster_people p \
         JOIN units u ON u.id = p.unit_id \
         {hours} \
         WHERE p.categories LIKE $3 \
           AND (p.active_from IS NULL OR p.active_from <= $2) \
           AND (p.active_to IS NULL OR p.active_to >= $1) \
           AND {scope} "
    )
}

/// The units of the scope, for the person `p` of unit `u`: one unit by its id (the index on
/// `roster_people.unit_id` finds its people), or by path patterns.
fn in_scope(p: &str, u: &str, one_unit: bool) -> String {
    let pick = if one_unit {
        format!("{p}.unit_id = $6 AND {u}.path LIKE $5 ESCAPE '\\'")
    } else {
        format!("$6 = 0 AND {u}.path LIKE $5 ESCAPE '\\'")
    };
    format!("{pick} AND {u}.path LIKE $7 ESCAPE '\\'")
}

/// `LEFT JOIN (…) {alias}`: each person's hours of the period from activities matching
/// `kinds` (an extra condition on `a`), summed over the attendances of the people in the
/// scope only (a branch's few people, not the whole group's attendance).
fn hours_of(alias: &str, kinds: &str, one_unit: bool) -> String {
    format!(
        "LEFT JOIN (SELECT aa.person_id AS person_id, SUM(a.hours) AS hours \
                    FROM activity_attendance aa JOIN activities a ON a.id = aa.activity_id \
                    WHERE a.start_date >= $1 AND a.start_date <= $2 {kinds} \
                      AND aa.person_id IN (SELECT sp.id FROM roster_people sp \
                                           JOIN units su ON su.id = sp.unit_id \
                                           WHERE {}) \
                    GROUP BY aa.person_id) {alias} ON {alias}.person_id = p.id",
        in_scope("sp", "su", one_unit)
    )
}

/// The statement for the backend of `conn` (`$N` → `?N` on SQLite).
fn for_backend(conn: &DbConn, sql: String) -> String {
    if matches!(conn, DbConn::Sqlite(_)) {
        sql.replace('$', "?")
    } else {
        sql
    }
}

/// One grouped query: per unit with people counted, how many, covered, their hours and how
/// many reached `quota` hours. Units without anyone counted are left out.
pub fn by_unit(conn: &mut DbConn, q: &CoverageQuery, quota: f64) -> QueryResult<Vec<UnitCount>> {
    let sql = for_backend(
        conn,
        format!(
            "SELECT p.unit_id AS unit_id, COUNT(*) AS total, \
             SUM(CASE WHEN h.person_id IS NULL THEN 0 ELSE 1 END) AS covered, \
             CAST(COALESCE(SUM(h.hours), 0) AS DOUBLE PRECISION) AS hours, \
             SUM(CASE WHEN COALESCE(h.hours, 0) >= $8 THEN 1 ELSE 0 END) AS reached \
             {} GROUP BY p.unit_id",
            people(q.one_unit())
        ),
    );
    let (scope_path, scope_unit, under) = q.unit_binds();
    let group = codes::like(q.group.code());
    let kinds = q.kind_set();
    crate::per_backend!(conn, |c| {
        diesel::sql_query(sql.as_str())
            .bind::<Date, _>(q.from)
            .bind::<Date, _>(q.to)
            .bind::<Text, _>(&group)
            .bind::<Text, _>(&kinds)
            .bind::<Text, _>(&scope_path)
            .bind::<Integer, _>(scope_unit)
            .bind::<Text, _>(&under)
            .bind::<Double, _>(quota)
            .load(c)
    })
}

/// A person counted and not covered, with their hours of the period from activities of any
/// kind (by definition they have none of the chosen kinds).
#[derive(Debug, Clone, QueryableByName)]
pub struct Uncovered {
    #[diesel(sql_type = Integer)]
    pub id: i32,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Integer)]
    pub unit_id: i32,
    #[diesel(sql_type = Text)]
    pub unit_name: String,
    #[diesel(sql_type = Text)]
    pub post: String,
    /// `RosterGroup` codes, `,a,b,`.
    #[diesel(sql_type = Text)]
    pub categories: String,
    #[diesel(sql_type = Double)]
    pub hours: f64,
}

impl Uncovered {
    pub fn groups(&self) -> Vec<RosterGroup> {
        codes::parse_set(&self.categories, RosterGroup::parse)
    }
}

/// The people counted and not covered, by unit code then name, `limit` from `offset`. Their
/// number is `total - covered` of [`by_unit`] summed (the same conditions).
///
/// A person is not covered when no attendance of theirs matches (`NOT EXISTS`, one look-up
/// by the attendance's person index each), and the hours of any kind are summed for the
/// page's people only: the whole scope's attendance is never grouped for one page (at 300
/// branches that grouping cost the office's 覆盖率 page 52–70 ms a view).
pub fn uncovered(
    conn: &mut DbConn,
    q: &CoverageQuery,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<Uncovered>> {
    let sql = for_backend(
        conn,
        format!(
            "SELECT x.id AS id, x.name AS name, x.unit_id AS unit_id, x.unit_name AS unit_name, \
             x.post AS post, x.categories AS categories, \
             CAST(COALESCE((SELECT SUM(a.hours) FROM activity_attendance aa \
                            JOIN activities a ON a.id = aa.activity_id \
                            WHERE aa.person_id = x.id \
                              AND a.start_date >= $1 AND a.start_date <= $2), 0) \
                  AS DOUBLE PRECISION) AS hours \
             FROM (SELECT p.id AS id, p.name AS name, p.unit_id AS unit_id, \
                          u.name AS unit_name, u.code AS unit_code, p.post AS post, \
                          p.categories AS categories \
                   FROM roster_people p JOIN units u ON u.id = p.unit_id \
                   WHERE p.categories LIKE $3 \
                     AND (p.active_from IS NULL OR p.active_from <= $2) \
                     AND (p.active_to IS NULL OR p.active_to >= $1) \
                     AND {} \
                     AND NOT EXISTS (SELECT 1 FROM activity_attendance aa \
                                     JOIN activities a ON a.id = aa.activity_id \
                                     WHERE aa.person_id = p.id \
                                       AND a.start_date >= $1 AND a.start_date <= $2 \
                                       AND $4 LIKE ('%,' || a.kind || ',%')) \
                   ORDER BY u.code, p.name, p.id LIMIT $8 OFFSET $9) x \
             ORDER BY x.unit_code, x.name, x.id",
            in_scope("p", "u", q.one_unit())
        ),
    );
    let (scope_path, scope_unit, under) = q.unit_binds();
    let group = codes::like(q.group.code());
    let kinds = q.kind_set();
    crate::per_backend!(conn, |c| {
        diesel::sql_query(sql.as_str())
            .bind::<Date, _>(q.from)
            .bind::<Date, _>(q.to)
            .bind::<Text, _>(&group)
            .bind::<Text, _>(&kinds)
            .bind::<Text, _>(&scope_path)
            .bind::<Integer, _>(scope_unit)
            .bind::<Text, _>(&under)
            .bind::<BigInt, _>(limit)
            .bind::<BigInt, _>(offset)
            .load(c)
    })
}

/// The activities of `from ..= to` (by start date) organised by `unit_id` or attended by
/// one of its people, newest first, at most `limit`.
pub fn activities_of_unit(
    conn: &mut DbConn,
    unit_id: i32,
    from: NaiveDate,
    to: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<Activity>> {
    let attended = activity_attendance::table
        .inner_join(roster_people::table)
        .filter(roster_people::unit_id.eq(unit_id))
        .select(activity_attendance::activity_id);
    activities::table
        .filter(activities::start_date.between(from, to))
        .filter(
            activities::unit_id
                .eq(unit_id)
                .or(activities::id.eq_any(attended)),
        )
        .order((activities::start_date.desc(), activities::id.desc()))
        .limit(limit)
        .select(Activity::as_select())
        .load(conn)
}
