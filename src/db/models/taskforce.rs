//! The task force (一线专班): office staff assigned ("包产到户") to units, whose problem
//! finding and rectification they supervise.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::rect::open_codes;
use crate::db::models::units::Unit;
use crate::db::schema::{rect_items, task_force, units, users};
use crate::db::scope;
use crate::db::DbConn;

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = task_force)]
pub struct Assignment {
    pub id: i32,
    pub user_id: i32,
    pub unit_id: i32,
    pub created_at: NaiveDateTime,
}

pub fn get(conn: &mut DbConn, id: i32) -> QueryResult<Assignment> {
    task_force::table
        .find(id)
        .select(Assignment::as_select())
        .first(conn)
}

/// Every assignment with the member's name and the unit, by member then unit.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<(Assignment, String, Unit)>> {
    task_force::table
        .inner_join(users::table)
        .inner_join(units::table)
        .order((users::display_name, units::path))
        .select((
            Assignment::as_select(),
            users::display_name,
            Unit::as_select(),
        ))
        .load(conn)
}

pub fn exists(conn: &mut DbConn, user_id: i32, unit_id: i32) -> QueryResult<bool> {
    let n: i64 = task_force::table
        .filter(task_force::user_id.eq(user_id))
        .filter(task_force::unit_id.eq(unit_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Add an assignment; `None` when the member already has the unit (a concurrent add of the
/// same pair does nothing instead of failing on the unique index).
pub fn insert(
    conn: &mut DbConn,
    user_id: i32,
    unit_id: i32,
    now: NaiveDateTime,
) -> QueryResult<Option<Assignment>> {
    let id: Option<i32> = crate::per_backend!(conn, |c| diesel::insert_into(task_force::table)
        .values((
            task_force::user_id.eq(user_id),
            task_force::unit_id.eq(unit_id),
            task_force::created_at.eq(now),
        ))
        .on_conflict((task_force::user_id, task_force::unit_id))
        .do_nothing()
        .returning(task_force::id)
        .get_result(c)
        .optional())?;
    id.map(|id| get(conn, id)).transpose()
}

/// Remove an assignment; rows deleted (0: already removed by someone else).
pub fn delete(conn: &mut DbConn, id: i32) -> QueryResult<usize> {
    diesel::delete(task_force::table.find(id)).execute(conn)
}

/// The units assigned to a member, in tree order.
pub fn units_of(conn: &mut DbConn, user_id: i32) -> QueryResult<Vec<Unit>> {
    task_force::table
        .inner_join(units::table)
        .filter(task_force::user_id.eq(user_id))
        .order(units::path)
        .select(Unit::as_select())
        .load(conn)
}

/// True when `unit_path` lies in (or under) one of the member's units.
pub fn is_mine(mine: &[Unit], unit_path: &str) -> bool {
    mine.iter().any(|u| unit_path.starts_with(&u.path))
}

/// (open, overdue) items of a campaign in each given unit and its subtree, in one query.
pub fn open_counts(
    conn: &mut DbConn,
    of: &[Unit],
    campaign_id: i32,
    today: NaiveDate,
) -> QueryResult<Vec<(i64, i64)>> {
    if of.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = rect_items::table
        .inner_join(units::table)
        .filter(rect_items::campaign_id.eq(campaign_id))
        .filter(rect_items::status.eq_any(open_codes()))
        .into_boxed();
    let mut cond: Option<scope::Condition<_>> = None;
    for u in of {
        let c = scope::under(&u.path);
        cond = Some(match cond {
            None => c,
            Some(prev) => Box::new(prev.or(c)),
        });
    }
    if let Some(c) = cond {
        q = q.filter(c);
    }
    let rows: Vec<(String, NaiveDate)> =
        q.select((units::path, rect_items::deadline)).load(conn)?;
    Ok(of
        .iter()
        .map(|u| {
            let mine = rows.iter().filter(|(p, _)| p.starts_with(&u.path));
            let (mut open, mut overdue) = (0, 0);
            for (_, d) in mine {
                open += 1;
                if *d < today {
                    overdue += 1;
                }
            }
            (open, overdue)
        })
        .collect())
}
