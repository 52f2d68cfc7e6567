//! The user account form: parsed into `UserFields` without the database, then checked
//! against it (unique name, a unit fitting the role). Used by the user pages and the Excel
//! import.

use serde::Deserialize;

use crate::db::models::units;
use crate::db::models::users::{self, UserFields};
use crate::db::DbConn;
use crate::domain::validate::{self, FieldErrors};
use crate::domain::{Role, UnitKind};
use crate::error::AppResult;

/// The raw form, kept as typed for re-display.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct UserForm {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit_id: String,
    pub password: String,
    /// Hidden: the version the edit form was read at (edits only).
    pub version: String,
}

impl UserForm {
    pub fn parse(&self, with_password: bool) -> Result<UserFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let username = validate::username(&mut e, &self.username);
        let display_name =
            validate::required_text(&mut e, "display_name", "姓名", &self.display_name, 50);
        let role = Role::parse(self.role.trim());
        if role.is_none() {
            e.add("role", "请选择角色");
        }
        let unit_id = validate::chosen_id(&mut e, "unit_id", "所属单位", &self.unit_id);
        if with_password {
            validate::new_password(&mut e, "password", &self.password);
        }
        match (role, unit_id) {
            (Some(role), Some(unit_id)) if e.is_empty() => Ok(UserFields {
                username,
                display_name,
                role,
                unit_id,
            }),
            _ => Err(e),
        }
    }
}

/// Checks against the database: unique name, existing unit fitting the role.
pub fn check(c: &mut DbConn, fields: &UserFields, editing: Option<i32>) -> AppResult<FieldErrors> {
    let mut e = FieldErrors::new();
    if let Some(other) = users::by_username(c, &fields.username)? {
        if editing != Some(other.id) {
            e.add("username", "该用户名已被使用");
        }
    }
    match units::find(c, fields.unit_id)? {
        None => e.add("unit_id", "所属单位不存在"),
        Some(unit) => match (fields.role, unit.kind()) {
            (Role::Secretary, k) if k != UnitKind::Branch => {
                e.add("unit_id", "支部书记须属于一个党支部")
            }
            (Role::Reviewer, k) if k != UnitKind::GeneralBranch => {
                e.add("unit_id", "党总支书记须属于一个党总支")
            }
            _ => {}
        },
    }
    Ok(e)
}
