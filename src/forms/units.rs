//! The unit form (organisation tree): parsed into `UnitFields` without the database, then
//! checked against the tree inside the write transaction. Used by the unit pages and the
//! Excel import.

use serde::Deserialize;

use crate::db::models::units::{self, Unit, UnitFields};
use crate::db::DbConn;
use crate::domain::validate::{self, FieldErrors};
use crate::domain::{UnitCategory, UnitKind};
use crate::error::AppResult;

/// The raw form, kept as typed for re-display.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct UnitForm {
    pub parent_id: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub category: String,
    pub sort_order: String,
    pub active: String,
    /// Hidden: the version the edit form was read at (edits only).
    pub version: String,
}

impl UnitForm {
    /// The form filled from a stored unit (edit page).
    pub fn from_unit(u: &Unit) -> Self {
        UnitForm {
            parent_id: u.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            code: u.code.clone(),
            name: u.name.clone(),
            kind: u.kind.clone(),
            category: u.category.clone(),
            sort_order: u.sort_order.to_string(),
            active: if u.active { "on".into() } else { String::new() },
            version: u.version.to_string(),
        }
    }

    /// Checks that need no database.
    pub fn parse(&self) -> Result<UnitFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = validate::required_text(&mut e, "name", "单位名称", &self.name, 100);
        let code = self.code.trim().to_string();
        if code.is_empty() {
            e.add("code", "请填写单位编码");
        } else if code.len() > 32
            || !code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            e.add("code", "编码须为 1–32 位字母、数字、- 或 _");
        }
        let kind = UnitKind::parse(self.kind.trim());
        if kind.is_none() {
            e.add("kind", "请选择组织类型");
        }
        let category = UnitCategory::parse(self.category.trim());
        if category.is_none() {
            e.add("category", "请选择单位类别");
        }
        let sort_order = if self.sort_order.trim().is_empty() {
            0
        } else {
            validate::int_in_range(&mut e, "sort_order", "排序号", &self.sort_order, 0..=9999)
        };
        let parent_id = if kind == Some(UnitKind::Committee) {
            if !self.parent_id.trim().is_empty() {
                e.add("parent_id", "党委是组织树的根，不能有上级");
            }
            None
        } else if kind.is_some() {
            validate::chosen_id(&mut e, "parent_id", "上级组织", &self.parent_id)
        } else {
            None
        };
        let (Some(kind), Some(category)) = (kind, category) else {
            return Err(e);
        };
        e.into_result(UnitFields {
            parent_id,
            code,
            name,
            kind,
            category,
            sort_order,
            active: !self.active.is_empty(),
        })
    }
}

/// Checks against the tree, inside the write transaction.
pub fn check_tree(
    c: &mut DbConn,
    fields: &UnitFields,
    editing: Option<&Unit>,
) -> AppResult<FieldErrors> {
    let mut e = FieldErrors::new();
    if let Some(other) = units::by_code(c, &fields.code)? {
        if editing.is_none_or(|u| u.id != other.id) {
            e.add("code", "该编码已被其他单位使用");
        }
    }
    match fields.parent_id {
        Some(pid) => match units::find(c, pid)? {
            None => e.add("parent_id", "上级组织不存在"),
            Some(parent) => {
                if !parent.kind().allowed_children().contains(&fields.kind) {
                    e.add(
                        "parent_id",
                        format!("{}下不能设立{}", parent.kind().label(), fields.kind.label()),
                    );
                }
                if let Some(u) = editing {
                    if parent.path.starts_with(&u.path) {
                        e.add("parent_id", "不能把单位移到它自己或其下级之下");
                    }
                }
            }
        },
        None => {
            // Only one committee: the root.
            let roots: Vec<Unit> = units::all(c)?
                .into_iter()
                .filter(|u| u.parent_id.is_none() && editing.is_none_or(|x| x.id != u.id))
                .collect();
            if !roots.is_empty() {
                e.add("kind", "组织树已有党委，新单位须设在党委之下");
            }
        }
    }
    if let Some(u) = editing {
        if u.kind() != fields.kind && !units::children(c, u.id)?.is_empty() {
            let ok = units::children(c, u.id)?
                .iter()
                .all(|k| fields.kind.allowed_children().contains(&k.kind()));
            if !ok {
                e.add("kind", "该单位有下级组织，不能改为这一类型");
            }
        }
    }
    Ok(e)
}
