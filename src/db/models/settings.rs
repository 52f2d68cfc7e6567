//! Small key/value settings kept in the database (e.g. the generated cookie secret).

use diesel::prelude::*;

use crate::db::schema::app_settings;
use crate::db::{write_tx, DbConn};

pub fn get(conn: &mut DbConn, key: &str) -> QueryResult<Option<String>> {
    app_settings::table
        .find(key)
        .select(app_settings::value)
        .first(conn)
        .optional()
}

/// The stored value, or `make()` stored first. Safe when several instances start at once.
pub fn get_or_insert_with(
    conn: &mut DbConn,
    key: &str,
    make: impl FnOnce() -> String,
) -> QueryResult<String> {
    write_tx(conn, |conn| {
        if let Some(v) = get(conn, key)? {
            return Ok(v);
        }
        let value = make();
        diesel::insert_into(app_settings::table)
            .values((app_settings::key.eq(key), app_settings::value.eq(&value)))
            .execute(conn)?;
        Ok(value)
    })
}
