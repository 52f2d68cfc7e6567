//! The one unit-scope filter. Every list that is narrowed to a user's units (or to a unit the
//! user picked and what lies under it) asks here for its condition, instead of matching on
//! [`Scope`] itself:
//!
//! - [`Scope::All`]: no condition at all, so the query is the same as without a scope;
//! - [`Scope::Unit`]: `<unit column> = id`, the column the caller names: the listed table's
//!   unit column or `units.id` of the join (the same unit through the join; each list keeps
//!   the column it had, and SQLite reaches the `(campaign_id, unit_id)` index either way);
//! - [`Scope::Subtree`]: `units.path LIKE '<path>%' ESCAPE '\'` on the joined `units` table
//!   (a unit's materialised path starts with the path of every unit above it).
//!
//! Every list query joins `units` anyway (it shows the unit's name and sorts in tree order);
//! the compiler checks that the query's tables include `units` and the unit column.

use diesel::expression::{is_aggregate, ValidGrouping};
use diesel::prelude::*;
use diesel::query_builder::QueryFragment;
use diesel::sql_types::{Bool, Integer};

use crate::db::models::units::escape_like;
use crate::db::schema::units;
use crate::db::DbBackend as Sql;
use crate::db::DbConn;
use crate::domain::Scope;

/// A condition on the rows of query source `QS`, ready for `.filter(…)` on a boxed query.
pub type Condition<QS> = Box<dyn BoxableExpression<QS, Sql, SqlType = Bool>>;

/// The rows whose unit (`unit_id`: the listed table's unit column, or `units::id` of the
/// join or of the units themselves) is in `scope`; `None` when the scope is every unit.
pub fn units_in<QS, C>(scope: &Scope, unit_id: C) -> Option<Condition<QS>>
where
    C: Expression<SqlType = Integer>
        + SelectableExpression<QS>
        + QueryFragment<Sql>
        + ValidGrouping<(), IsAggregate = is_aggregate::No>
        + Send
        + 'static,
    units::path: SelectableExpression<QS>,
{
    match scope {
        Scope::All => None,
        Scope::Subtree(path) => Some(under(path)),
        Scope::Unit(id) => Some(Box::new(unit_id.eq(*id))),
    }
}

/// The ids of the units in `scope` (`None`: every unit), for a query that does not join
/// `units` (counts that need no unit column): `<unit column>.eq_any(ids)`.
pub fn unit_ids(conn: &mut DbConn, scope: &Scope) -> QueryResult<Option<Vec<i32>>> {
    Ok(match scope {
        Scope::All => None,
        Scope::Unit(id) => Some(vec![*id]),
        Scope::Subtree(path) => Some(
            units::table
                .filter(under::<units::table>(path))
                .select(units::id)
                .load(conn)?,
        ),
    })
}

/// The rows whose unit is the unit with this path or lies under it.
pub fn under<QS>(path: &str) -> Condition<QS>
where
    units::path: SelectableExpression<QS>,
{
    Box::new(
        units::path
            .like(format!("{}%", escape_like(path)))
            .escape('\\'),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::DbConn;
    use diesel::connection::SimpleConnection;

    /// A fresh in-memory database with the tree /1/, /1/2/, /1/2/3/, /1/23/ and /1/5/.
    fn tree() -> DbConn {
        let mut conn = crate::db::Backend::Sqlite(":memory:".into())
            .connect()
            .expect("in-memory SQLite");
        crate::db::run_migrations(&mut conn).expect("migrations");
        let mut sql = String::new();
        for (id, parent, path) in [
            (1, "NULL", "/1/"),
            (2, "1", "/1/2/"),
            (3, "2", "/1/2/3/"),
            (23, "1", "/1/23/"),
            (5, "1", "/1/5/"),
        ] {
            sql.push_str(&format!(
                "INSERT INTO units (id, parent_id, code, name, kind, category, path, \
                 created_at, updated_at) VALUES ({id}, {parent}, 'u{id}', 'u{id}', 'branch', \
                 'other', '{path}', '2026-01-01 00:00:00', '2026-01-01 00:00:00');"
            ));
        }
        conn.batch_execute(&sql).expect("units");
        conn
    }

    fn ids(conn: &mut DbConn, scope: &Scope) -> Vec<i32> {
        let mut q = units::table.select(units::id).order(units::id).into_boxed();
        if let Some(c) = units_in(scope, units::id) {
            q = q.filter(c);
        }
        q.load(conn).expect("query")
    }

    #[test]
    fn scopes_pick_their_units() {
        let mut conn = tree();
        assert_eq!(ids(&mut conn, &Scope::All), [1, 2, 3, 5, 23]);
        assert_eq!(ids(&mut conn, &Scope::Unit(3)), [3]);
        // "/1/2/" covers its own subtree, not "/1/23/".
        assert_eq!(ids(&mut conn, &Scope::Subtree("/1/2/".into())), [2, 3]);
        assert_eq!(
            ids(&mut conn, &Scope::Subtree("/1/".into())),
            [1, 2, 3, 5, 23]
        );
        // LIKE's wildcards in a path match themselves only.
        assert!(ids(&mut conn, &Scope::Subtree("/1/_/".into())).is_empty());
        assert!(ids(&mut conn, &Scope::Subtree("%".into())).is_empty());
    }

    #[test]
    fn every_unit_is_no_condition() {
        assert!(units_in::<units::table, _>(&Scope::All, units::id).is_none());
    }
}
