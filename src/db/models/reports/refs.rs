//! What a report line shows of its measure or item in the register: deadline (完成时限),
//! owner (责任人) and deadline light, read in two queries whatever the number of lines.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::Line;
use crate::db::models::measures::Measure;
use crate::db::models::rect::RectItem;
use crate::db::schema::{measures, rect_items};
use crate::db::DbConn;
use crate::domain::light::Signal;

/// The register's side of a line.
#[derive(Debug, Clone)]
pub struct LineRef {
    pub deadline: NaiveDate,
    pub owner: String,
    /// The light and its word, as the registers show them (`light::Signal::of`).
    pub signal: Signal,
}

/// The register's side of each line, by line id (a line whose measure or item is gone has
/// none).
pub fn line_refs(
    conn: &mut DbConn,
    lines: &[Line],
    today: NaiveDate,
    yellow_days: i32,
) -> QueryResult<HashMap<i32, LineRef>> {
    let measure_ids: Vec<i32> = lines
        .iter()
        .filter(|l| l.is_measure())
        .map(|l| l.ref_id)
        .collect();
    let item_ids: Vec<i32> = lines
        .iter()
        .filter(|l| !l.is_measure())
        .map(|l| l.ref_id)
        .collect();
    let mut by_measure = HashMap::new();
    if !measure_ids.is_empty() {
        for m in measures::table
            .filter(measures::id.eq_any(&measure_ids))
            .select(Measure::as_select())
            .load(conn)?
        {
            let r = LineRef {
                deadline: m.deadline,
                owner: m.owner.clone(),
                signal: m.signal(today, yellow_days),
            };
            by_measure.insert(m.id, r);
        }
    }
    let mut by_item = HashMap::new();
    if !item_ids.is_empty() {
        for i in rect_items::table
            .filter(rect_items::id.eq_any(&item_ids))
            .select(RectItem::as_select())
            .load(conn)?
        {
            let r = LineRef {
                deadline: i.deadline,
                owner: i.responsible.clone(),
                signal: i.signal(today, yellow_days),
            };
            by_item.insert(i.id, r);
        }
    }
    Ok(lines
        .iter()
        .filter_map(|l| {
            let found = if l.is_measure() {
                by_measure.get(&l.ref_id)
            } else {
                by_item.get(&l.ref_id)
            };
            found.map(|r| (l.id, r.clone()))
        })
        .collect())
}
