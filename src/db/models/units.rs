//! The organisation tree. Each unit keeps a materialised `path` (`/1/4/17/`) so that "this unit
//! and everything under it" is one indexed prefix match and ancestry checks need no query.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{units, users};
use crate::db::scope;
use crate::db::DbConn;
use crate::domain::{UnitCategory, UnitKind};

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = units)]
pub struct Unit {
    pub id: i32,
    pub parent_id: Option<i32>,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub category: String,
    pub path: String,
    pub sort_order: i32,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Bumped by every edit; an edit names the version it read (optimistic locking).
    pub version: i32,
}

impl Unit {
    pub fn kind(&self) -> UnitKind {
        UnitKind::parse(&self.kind).unwrap_or(UnitKind::Branch)
    }

    pub fn category(&self) -> UnitCategory {
        UnitCategory::parse(&self.category).unwrap_or(UnitCategory::Other)
    }

    /// Depth in the tree: the committee is 0.
    pub fn depth(&self) -> usize {
        self.path.matches('/').count().saturating_sub(2)
    }

    /// A unit directly under the committee (its reports skip the general-branch review).
    pub fn directly_under_root(&self) -> bool {
        self.ancestor_ids().len() == 2
    }

    /// The unit directly under the committee that this one belongs to (a branch's 党总支),
    /// or None for the committee and the units directly under it (党委直属).
    pub fn group_id(&self) -> Option<i32> {
        let ids = self.ancestor_ids();
        (ids.len() > 2).then(|| ids[1])
    }

    /// Ids from the root down to this unit.
    pub fn ancestor_ids(&self) -> Vec<i32> {
        self.path
            .split('/')
            .filter_map(|s| s.parse().ok())
            .collect()
    }
}

/// The fields an office user sets on a unit.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UnitFields {
    pub parent_id: Option<i32>,
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub category: UnitCategory,
    pub sort_order: i32,
    pub active: bool,
}

#[derive(Insertable)]
#[diesel(table_name = units)]
struct NewUnit<'a> {
    parent_id: Option<i32>,
    code: &'a str,
    name: &'a str,
    kind: &'a str,
    category: &'a str,
    path: &'a str,
    sort_order: i32,
    active: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

pub fn get(conn: &mut DbConn, id: i32) -> QueryResult<Unit> {
    units::table.find(id).select(Unit::as_select()).first(conn)
}

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Unit>> {
    units::table
        .find(id)
        .select(Unit::as_select())
        .first(conn)
        .optional()
}

pub fn by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<Unit>> {
    units::table
        .filter(units::code.eq(code))
        .select(Unit::as_select())
        .first(conn)
        .optional()
}

/// These units (any order; unknown ids are left out).
pub fn by_ids(conn: &mut DbConn, ids: &[i32]) -> QueryResult<Vec<Unit>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            units::table
                .filter(units::id.eq_any(chunk))
                .select(Unit::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Every unit, in tree order (parents before children, siblings by sort order then code).
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Unit>> {
    let rows = units::table.select(Unit::as_select()).load(conn)?;
    Ok(tree_order(rows))
}

/// A unit and everything under it, in tree order.
pub fn subtree(conn: &mut DbConn, root_path: &str) -> QueryResult<Vec<Unit>> {
    let rows = units::table
        .filter(scope::under(root_path))
        .select(Unit::as_select())
        .load(conn)?;
    Ok(tree_order(rows))
}

/// The units a scope covers, in tree order.
pub fn in_scope(conn: &mut DbConn, scope: &crate::domain::Scope) -> QueryResult<Vec<Unit>> {
    use crate::domain::Scope;
    match scope {
        Scope::All => all(conn),
        Scope::Subtree(path) => subtree(conn, path),
        Scope::Unit(id) => Ok(vec![get(conn, *id)?]),
    }
}

pub fn children(conn: &mut DbConn, parent: i32) -> QueryResult<Vec<Unit>> {
    units::table
        .filter(units::parent_id.eq(parent))
        .order((units::sort_order, units::code))
        .select(Unit::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    units::table.count().get_result(conn)
}

pub fn count_members(conn: &mut DbConn, unit_id: i32) -> QueryResult<i64> {
    users::table
        .filter(users::unit_id.eq(unit_id))
        .count()
        .get_result(conn)
}

/// Sort rows so that each parent comes right before its children (siblings by sort order,
/// then code). Units whose parent is not among the rows start their own subtree.
pub fn tree_order(mut rows: Vec<Unit>) -> Vec<Unit> {
    use std::collections::HashMap;
    rows.sort_by(|a, b| (a.sort_order, &a.code).cmp(&(b.sort_order, &b.code)));
    let ids: std::collections::HashSet<i32> = rows.iter().map(|u| u.id).collect();
    let mut children: HashMap<Option<i32>, Vec<Unit>> = HashMap::new();
    for u in rows {
        let key = u.parent_id.filter(|p| ids.contains(p));
        children.entry(key).or_default().push(u);
    }
    // Depth-first, iteratively; children lists are reversed so pops come in order.
    for list in children.values_mut() {
        list.reverse();
    }
    let mut out = Vec::with_capacity(ids.len());
    let mut stack: Vec<Unit> = children.remove(&None).unwrap_or_default();
    while let Some(u) = stack.pop() {
        if let Some(kids) = children.remove(&Some(u.id)) {
            stack.extend(kids);
        }
        out.push(u);
    }
    out
}

/// Escape `%`, `_` and `\` for a LIKE pattern (paths only hold digits and `/`, but be safe).
pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Insert a unit under `fields.parent_id` and give it its path. Run inside a write transaction.
pub fn insert(conn: &mut DbConn, fields: &UnitFields, now: NaiveDateTime) -> QueryResult<Unit> {
    let parent_path = match fields.parent_id {
        Some(p) => get(conn, p)?.path,
        None => "/".to_string(),
    };
    let id: i32 = diesel::insert_into(units::table)
        .values(NewUnit {
            parent_id: fields.parent_id,
            code: &fields.code,
            name: &fields.name,
            kind: fields.kind.code(),
            category: fields.category.code(),
            path: "",
            sort_order: fields.sort_order,
            active: fields.active,
            created_at: now,
            updated_at: now,
        })
        .returning(units::id)
        .get_result(conn)?;
    diesel::update(units::table.find(id))
        .set(units::path.eq(format!("{parent_path}{id}/")))
        .execute(conn)?;
    get(conn, id)
}

/// Serialise changes to the tree on PostgreSQL: a move rewrites the paths of a whole subtree
/// from what it read, so two concurrent moves (or a move and an insert under the moved part)
/// would leave paths pointing at old places. Readers are not blocked. Call first in the write
/// transaction, before anything is read; SQLite's `BEGIN IMMEDIATE` already serialises writers.
pub fn lock_tree(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Pg(c) = conn {
        use diesel::connection::SimpleConnection;
        c.batch_execute("LOCK TABLE units IN SHARE ROW EXCLUSIVE MODE")?;
    }
    Ok(())
}

/// Update a unit if it is still at version `expected` (one guarded UPDATE; 0 rows → nothing
/// written, [`crate::db::one_row`] turns that into a conflict). When its parent changes, the
/// paths of the whole subtree move with it. Run inside a write transaction after [`lock_tree`].
pub fn update(
    conn: &mut DbConn,
    id: i32,
    expected: i32,
    fields: &UnitFields,
    now: NaiveDateTime,
) -> QueryResult<Option<Unit>> {
    let before = get(conn, id)?;
    let n = diesel::update(units::table.find(id).filter(units::version.eq(expected)))
        .set((
            units::parent_id.eq(fields.parent_id),
            units::code.eq(&fields.code),
            units::name.eq(&fields.name),
            units::kind.eq(fields.kind.code()),
            units::category.eq(fields.category.code()),
            units::sort_order.eq(fields.sort_order),
            units::active.eq(fields.active),
            units::updated_at.eq(now),
            units::version.eq(units::version + 1),
        ))
        .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    if before.parent_id != fields.parent_id {
        let parent_path = match fields.parent_id {
            Some(p) => get(conn, p)?.path,
            None => "/".to_string(),
        };
        let new_path = format!("{parent_path}{id}/");
        for unit in subtree(conn, &before.path)? {
            let moved = format!("{new_path}{}", &unit.path[before.path.len()..]);
            diesel::update(units::table.find(unit.id))
                .set(units::path.eq(moved))
                .execute(conn)?;
        }
    }
    get(conn, id).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: i32, parent: Option<i32>, code: &str, sort: i32) -> Unit {
        let now = NaiveDateTime::default();
        Unit {
            id,
            parent_id: parent,
            code: code.into(),
            name: code.into(),
            kind: "branch".into(),
            category: "other".into(),
            path: String::new(),
            sort_order: sort,
            active: true,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    #[test]
    fn tree_order_puts_children_under_parents_in_sort_order() {
        let rows = vec![
            unit(5, Some(2), "B2", 1),
            unit(1, None, "DW", 0),
            unit(4, Some(2), "B1", 0),
            unit(3, Some(1), "G2", 2),
            unit(2, Some(1), "G1", 1),
            unit(6, Some(3), "B3", 0),
            unit(9, Some(77), "ORPHAN", 0),
        ];
        let order: Vec<String> = tree_order(rows).into_iter().map(|u| u.code).collect();
        assert_eq!(order, ["DW", "G1", "B1", "B2", "G2", "B3", "ORPHAN"]);
    }
}
