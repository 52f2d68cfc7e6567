//! Demo library (issue 12): filled in by its own change. Idempotent: run inside the demo's
//! write transaction after the accounts exist.

use chrono::{NaiveDate, NaiveDateTime};

use crate::db::models::campaigns::Campaign;
use crate::db::DbConn;

pub fn seed(
    _c: &mut DbConn,
    _campaigns: &[Campaign],
    _actors: &super::Actors,
    _today: NaiveDate,
    _now: NaiveDateTime,
) -> anyhow::Result<()> {
    Ok(())
}
