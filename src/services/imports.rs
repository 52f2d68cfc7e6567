//! Imports of units and users from Excel, one transaction each: every row checked with the
//! same rules as the forms, and either all rows written with one audit entry, or nothing and
//! every bad row named ("第 N 行：…").

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db::models::audit;
use crate::db::models::units::{self, UnitFields};
use crate::db::models::users::{self, UserFields};
use crate::db::DbConn;
use crate::domain::validate::FieldErrors;
use crate::domain::{Role, UnitCategory, UnitKind};
use crate::error::{AppError, AppResult};
use crate::forms::units::{check_tree, UnitForm};
use crate::forms::users::{check as check_user, UserForm};
use crate::xlsx;

/// Why a transaction that checks rows as it writes them ends: bad rows roll it all back.
pub enum TxError {
    Invalid(Vec<String>),
    App(AppError),
}

impl From<AppError> for TxError {
    fn from(e: AppError) -> Self {
        TxError::App(e)
    }
}

impl From<diesel::result::Error> for TxError {
    fn from(e: diesel::result::Error) -> Self {
        TxError::App(e.into())
    }
}

/// The form's messages for `fields`, in order, without those in `skip` and without repeats.
pub fn push_errors(reasons: &mut Vec<String>, e: &FieldErrors, fields: &[&str], skip: &[&str]) {
    for field in fields {
        if skip.contains(field) {
            continue;
        }
        if let Some(m) = e.get(field) {
            if !reasons.iter().any(|r| r == m) {
                reasons.push(m.to_string());
            }
        }
    }
}

pub fn row_problem(number: usize, reasons: &[String]) -> String {
    format!("第 {number} 行：{}", reasons.join("；"))
}

pub fn allowed<T: Copy>(all: &[T], label: fn(T) -> &'static str) -> String {
    let names: Vec<&str> = all.iter().map(|x| label(*x)).collect();
    format!("可选：{}", names.join("、"))
}

// ---------------------------------------------------------------- units

pub const U_CODE: &str = "单位编码";
pub const U_NAME: &str = "单位名称";
pub const U_PARENT: &str = "上级单位编码";
pub const U_KIND: &str = "组织类型";
pub const U_CATEGORY: &str = "单位类别";
pub const U_SORT: &str = "排序号";

pub const UNIT_FIELDS: [&str; 6] = [
    "code",
    "name",
    "parent_id",
    "kind",
    "category",
    "sort_order",
];

/// Check and insert the units row by row (a row may name an earlier row as its parent);
/// any bad row rolls the whole file back.
pub fn insert_units(
    c: &mut DbConn,
    user: &CurrentUser,
    rows: &[xlsx::ImportRow],
    now: chrono::NaiveDateTime,
) -> Result<usize, TxError> {
    user.require_may(Capability::ManageOrganisation)?;
    units::lock_tree(c)?;
    let mut problems = Vec::new();
    // Codes of earlier rows in the file: their row number, and whether the row was good.
    let mut in_file: HashMap<String, (usize, bool)> = HashMap::new();
    let mut created: Vec<UnitFields> = Vec::new();
    for row in rows {
        let mut reasons: Vec<String> = Vec::new();
        let mut skip: Vec<&str> = Vec::new();
        let code = row.get(U_CODE).to_string();
        if let Some((n, _)) = in_file.get(&code) {
            reasons.push(format!("单位编码“{code}”与第 {n} 行重复"));
            skip.push("code");
        }
        let kind_text = row.get(U_KIND);
        let kind = UnitKind::parse_label(kind_text);
        if kind.is_none() && !kind_text.is_empty() {
            reasons.push(format!(
                "组织类型“{kind_text}”无效，{}",
                allowed(UnitKind::ALL, UnitKind::label)
            ));
            skip.push("kind");
        }
        let category_text = row.get(U_CATEGORY);
        let category = UnitCategory::parse_label(category_text);
        if category.is_none() && !category_text.is_empty() {
            reasons.push(format!(
                "单位类别“{category_text}”无效，{}",
                allowed(UnitCategory::ALL, UnitCategory::label)
            ));
            skip.push("category");
        }
        let parent_code = row.get(U_PARENT);
        let mut parent_id = String::new();
        if !parent_code.is_empty() {
            match units::by_code(c, parent_code)? {
                Some(p) => parent_id = p.id.to_string(),
                None => {
                    reasons.push(match in_file.get(parent_code) {
                        Some((n, false)) => {
                            format!("上级单位“{parent_code}”在第 {n} 行，该行有误")
                        }
                        _ => format!("上级单位编码“{parent_code}”不存在"),
                    });
                    skip.push("parent_id");
                }
            }
        }
        let form = UnitForm {
            parent_id,
            code: code.clone(),
            name: row.get(U_NAME).to_string(),
            kind: kind.map(|k| k.code().to_string()).unwrap_or_default(),
            category: category.map(|k| k.code().to_string()).unwrap_or_default(),
            sort_order: row.get(U_SORT).to_string(),
            active: "on".into(),
            ..Default::default()
        };
        match form.parse() {
            Ok(fields) if reasons.is_empty() => {
                let e = check_tree(c, &fields, None)?;
                if e.is_empty() {
                    units::insert(c, &fields, now)?;
                    created.push(fields);
                } else {
                    push_errors(&mut reasons, &e, &UNIT_FIELDS, &skip);
                }
            }
            Ok(_) => {}
            Err(e) => {
                if e.get("parent_id").is_some() && parent_code.is_empty() && kind.is_some() {
                    reasons.push("请填写上级单位编码".into());
                    skip.push("parent_id");
                }
                push_errors(&mut reasons, &e, &UNIT_FIELDS, &skip);
            }
        }
        if !code.is_empty() {
            in_file
                .entry(code)
                .or_insert((row.number, reasons.is_empty()));
        }
        if !reasons.is_empty() {
            problems.push(row_problem(row.number, &reasons));
        }
    }
    if !problems.is_empty() {
        return Err(TxError::Invalid(problems));
    }
    let names: Vec<&str> = created.iter().map(|u| u.name.as_str()).collect();
    audit::record(
        c,
        audit::Change {
            user_id: Some(user.id),
            unit_id: None,
            action: "import",
            entity: "unit",
            entity_id: None,
            summary: format!(
                "从 Excel 导入 {} 个单位：{}",
                created.len(),
                names.join("、")
            ),
            before: None,
            after: serde_json::to_value(&created).ok(),
        },
        now,
    )?;
    Ok(created.len())
}

// ---------------------------------------------------------------- users

pub const P_USERNAME: &str = "用户名";
pub const P_NAME: &str = "姓名";
pub const P_ROLE: &str = "角色";
pub const P_UNIT_CODE: &str = "单位编码";
pub const P_UNIT: &str = "所属单位";

pub const USER_FIELDS: [&str; 4] = ["username", "display_name", "role", "unit_id"];

/// A good row: its Excel row number and the user it makes.
pub type NumberedUser = (usize, UserFields);

/// The rows as users (with their row numbers), checked with the user form's rules, or every
/// bad row.
pub fn users_of_rows(
    c: &mut DbConn,
    rows: &[xlsx::ImportRow],
) -> AppResult<Result<Vec<NumberedUser>, Vec<String>>> {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut in_file: HashMap<String, usize> = HashMap::new();
    for row in rows {
        let mut reasons: Vec<String> = Vec::new();
        let mut skip: Vec<&str> = Vec::new();
        let role_text = row.get(P_ROLE);
        let role = Role::parse_label(role_text);
        if role.is_none() && !role_text.is_empty() {
            reasons.push(format!(
                "角色“{role_text}”无效，{}",
                allowed(Role::ALL, Role::label)
            ));
            skip.push("role");
        }
        let unit_code = row.get(P_UNIT_CODE);
        let mut unit_id = String::new();
        if unit_code.is_empty() {
            reasons.push("请填写单位编码".into());
            skip.push("unit_id");
        } else {
            match units::by_code(c, unit_code)? {
                Some(u) => unit_id = u.id.to_string(),
                None => {
                    reasons.push(format!("单位编码“{unit_code}”不存在"));
                    skip.push("unit_id");
                }
            }
        }
        let form = UserForm {
            username: row.get(P_USERNAME).to_string(),
            display_name: row.get(P_NAME).to_string(),
            role: role.map(|r| r.code().to_string()).unwrap_or_default(),
            unit_id,
            password: String::new(),
            version: String::new(),
        };
        match form.parse(false) {
            Ok(fields) => {
                if let Some(n) = in_file.get(&fields.username) {
                    reasons.push(format!("用户名“{}”与第 {n} 行重复", fields.username));
                    skip.push("username");
                } else {
                    in_file.insert(fields.username.clone(), row.number);
                }
                let e = check_user(c, &fields, None)?;
                push_errors(&mut reasons, &e, &USER_FIELDS, &skip);
                if reasons.is_empty() {
                    out.push((row.number, fields));
                }
            }
            Err(e) => push_errors(&mut reasons, &e, &USER_FIELDS, &skip),
        }
        if !reasons.is_empty() {
            problems.push(row_problem(row.number, &reasons));
        }
    }
    Ok(if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    })
}

pub struct CreatedUser {
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub unit: String,
    pub password: String,
}

/// A checked row ready to insert: its Excel row number, the user, the initial password and
/// its hash.
pub type HashedUser = (usize, UserFields, String, String);

/// Insert the checked users, each checked again under the name lock (someone may have added
/// the same name since the first check); any bad row rolls the whole file back.
pub fn insert_users(
    c: &mut DbConn,
    user: &CurrentUser,
    with_passwords: Vec<HashedUser>,
    now: NaiveDateTime,
) -> Result<Vec<CreatedUser>, TxError> {
    user.require_may(Capability::ManageOrganisation)?;
    crate::db::serialize_names(c, crate::db::NameLock::Usernames)?;
    let mut problems = Vec::new();
    let mut created = Vec::new();
    for (number, fields, password, hash) in with_passwords {
        // Checked again: someone may have added the same name since the first check.
        let e = check_user(c, &fields, None)?;
        if !e.is_empty() {
            let mut reasons = Vec::new();
            push_errors(&mut reasons, &e, &USER_FIELDS, &[]);
            problems.push(row_problem(number, &reasons));
            continue;
        }
        let u = users::insert(c, &fields, &hash, true, now)?;
        let unit = units::get(c, u.unit_id)?;
        created.push((
            fields,
            CreatedUser {
                role: u.role().label(),
                username: u.username,
                display_name: u.display_name,
                unit: unit.name,
                password,
            },
        ));
    }
    if !problems.is_empty() {
        return Err(TxError::Invalid(problems));
    }
    let names: Vec<&str> = created.iter().map(|(f, _)| f.username.as_str()).collect();
    let after: Vec<&UserFields> = created.iter().map(|(f, _)| f).collect();
    audit::record(
        c,
        audit::Change {
            user_id: Some(user.id),
            unit_id: None,
            action: "import",
            entity: "user",
            entity_id: None,
            summary: format!(
                "从 Excel 导入 {} 个用户：{}",
                created.len(),
                names.join("、")
            ),
            before: None,
            after: serde_json::to_value(&after).ok(),
        },
        now,
    )?;
    Ok(created.into_iter().map(|(_, u)| u).collect::<Vec<_>>())
}
