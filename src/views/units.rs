//! Units as list lines, shared by the pages that show or choose units (organisation,
//! users, measures, 第一议题).

use crate::db::models::units::Unit;

/// A unit as a list line.
pub struct UnitRow {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub category: &'static str,
    pub depth: usize,
    pub active: bool,
}

impl From<&Unit> for UnitRow {
    fn from(u: &Unit) -> Self {
        UnitRow {
            id: u.id,
            code: u.code.clone(),
            name: u.name.clone(),
            kind: u.kind().label(),
            category: u.category().label(),
            depth: u.depth(),
            active: u.active,
        }
    }
}

/// List lines for units in tree order, indented relative to the shallowest one shown.
pub fn tree_rows(units: &[Unit]) -> Vec<UnitRow> {
    let top = units.iter().map(Unit::depth).min().unwrap_or(0);
    units
        .iter()
        .map(|u| UnitRow {
            depth: u.depth() - top,
            ..UnitRow::from(u)
        })
        .collect()
}

/// The name of unit `id` among `units`, for a filter in words: "综合办公室党支部（含下级）".
pub fn filter_name(units: &[Unit], id: Option<i32>) -> Option<String> {
    let id = id?;
    Some(
        units
            .iter()
            .find(|u| u.id == id)
            .map(|u| format!("{}（含下级）", u.name))
            .unwrap_or_else(|| format!("单位 {id}")),
    )
}
