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

/// The `<option>`s of a list's unit filter: `units` in tree order, `selected` chosen.
#[derive(askama::Template)]
#[template(path = "partials/unit_options.html")]
struct UnitOptions<'a> {
    units: &'a [UnitRow],
    /// The chosen unit's id (0: none).
    selected: i32,
}

/// What [`unit_choices`] keeps its HTML by.
#[derive(Clone, PartialEq, Eq, Hash)]
struct ChoicesKey(crate::domain::Scope, Option<i32>);

/// The `<option>`s of a list's unit filter over `scope`'s units with `selected` chosen,
/// rendered once and kept until the next write (a list view rendered them for every unit of
/// the scope each time: 330 at 300 branches).
pub async fn unit_choices(
    state: &crate::state::AppState,
    scope: &crate::domain::Scope,
    selected: Option<i32>,
) -> crate::error::AppResult<std::sync::Arc<String>> {
    state
        .kept_or_read(ChoicesKey(scope.clone(), selected), || async {
            let units = state.scope_units(scope).await?;
            unit_options_html(&units, selected).map_err(crate::error::AppError::internal)
        })
        .await
}

/// The unit filter's `<option>`s as HTML.
pub fn unit_options_html(units: &[Unit], selected: Option<i32>) -> Result<String, askama::Error> {
    askama::Template::render(&UnitOptions {
        units: &tree_rows(units),
        selected: selected.unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: i32, name: &str, path: &str) -> Unit {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default();
        Unit {
            id,
            parent_id: None,
            code: format!("U{id}"),
            name: name.into(),
            kind: "branch".into(),
            category: String::new(),
            path: path.into(),
            sort_order: 0,
            active: true,
            created_at: at,
            updated_at: at,
            version: 0,
        }
    }

    #[test]
    fn unit_options_mark_the_choice_indent_the_tree_and_escape_names() {
        let units = [
            unit(2, "第一党总支", "/1/2/"),
            unit(3, "<机关>党支部", "/1/2/3/"),
            unit(4, "第二党支部", "/1/2/4/"),
        ];
        let html = unit_options_html(&units, Some(3)).expect("render");
        assert_eq!(
            html.trim(),
            "<option value=\"2\">第一党总支</option>\
             <option value=\"3\" selected>　&#60;机关&#62;党支部</option>\
             <option value=\"4\">　第二党支部</option>"
        );
        let none = unit_options_html(&units, None).expect("render");
        assert!(!none.contains("selected"), "{none}");
    }
}
