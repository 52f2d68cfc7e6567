//! Field-level change history on measures, items and reports: who changed which field from
//! what to what, and when. Records list their fields as (Chinese label, display value).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{field_changes, users};
use crate::db::DbConn;

/// A record whose changes are kept field by field.
pub trait Tracked {
    /// Every tracked field as (Chinese label, value as shown to users).
    fn tracked_fields(&self) -> Vec<(&'static str, String)>;
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = field_changes)]
pub struct FieldChange {
    pub id: i32,
    pub entity: String,
    pub entity_id: i32,
    pub user_id: Option<i32>,
    pub at: NaiveDateTime,
    pub field: String,
    pub old_value: String,
    pub new_value: String,
}

/// The fields that differ between two versions, as (label, old, new).
pub fn diff(before: &impl Tracked, after: &impl Tracked) -> Vec<(&'static str, String, String)> {
    before
        .tracked_fields()
        .into_iter()
        .zip(after.tracked_fields())
        .filter(|((_, old), (_, new))| old != new)
        .map(|((label, old), (_, new))| (label, old, new))
        .collect()
}

/// Store the differences between `before` and `after`; returns how many fields changed.
pub fn record(
    conn: &mut DbConn,
    entity: &str,
    entity_id: i32,
    user_id: Option<i32>,
    now: NaiveDateTime,
    before: &impl Tracked,
    after: &impl Tracked,
) -> QueryResult<usize> {
    let changes = diff(before, after);
    for (field, old, new) in &changes {
        diesel::insert_into(field_changes::table)
            .values((
                field_changes::entity.eq(entity),
                field_changes::entity_id.eq(entity_id),
                field_changes::user_id.eq(user_id),
                field_changes::at.eq(now),
                field_changes::field.eq(*field),
                field_changes::old_value.eq(old),
                field_changes::new_value.eq(new),
            ))
            .execute(conn)?;
    }
    Ok(changes.len())
}

/// The history of one record, newest first, with who made each change.
pub fn list(
    conn: &mut DbConn,
    entity: &str,
    entity_id: i32,
) -> QueryResult<Vec<(FieldChange, Option<String>)>> {
    field_changes::table
        .left_join(users::table)
        .filter(field_changes::entity.eq(entity))
        .filter(field_changes::entity_id.eq(entity_id))
        .order(field_changes::id.desc())
        .select((FieldChange::as_select(), users::display_name.nullable()))
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct R(String, i32);
    impl Tracked for R {
        fn tracked_fields(&self) -> Vec<(&'static str, String)> {
            vec![("名称", self.0.clone()), ("进度", format!("{}%", self.1))]
        }
    }

    #[test]
    fn diff_names_only_changed_fields() {
        let d = diff(&R("a".into(), 10), &R("a".into(), 40));
        assert_eq!(d, vec![("进度", "10%".to_string(), "40%".to_string())]);
        assert!(diff(&R("a".into(), 1), &R("a".into(), 1)).is_empty());
    }
}
