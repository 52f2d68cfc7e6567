//! Users from Excel: the template, every row checked like the user form, and the initial
//! passwords shown once.

use std::collections::HashMap;

use actix_multipart::form::MultipartForm;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use rand::Rng;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db::models::audit;
use crate::db::models::units;
use crate::db::models::users::{self, UserFields};
use crate::db::DbConn;
use crate::domain::validate::{self, FieldErrors};
use crate::domain::Role;
use crate::error::AppResult;
use crate::forms::users::{check as check_user, UserForm};
use crate::state::AppState;
use crate::views::{render_status, BaseContext, PageCtx};
use crate::xlsx::{self, col, Column};

use super::{
    allowed, import_page, invalid_message, push_errors, read_rows, row_problem, write_all_or_none,
    ImportForm, Imported, TxError, USERS,
};

const P_USERNAME: &str = "用户名";
const P_NAME: &str = "姓名";
const P_ROLE: &str = "角色";
const P_UNIT_CODE: &str = "单位编码";
const P_UNIT: &str = "所属单位";

const USER_COLUMNS: [Column; 5] = [
    col(P_USERNAME, 16.0),
    col(P_NAME, 12.0),
    col(P_ROLE, 14.0),
    col(P_UNIT_CODE, 12.0),
    col(P_UNIT, 30.0),
];

const USER_REQUIRED: [&str; 4] = [P_USERNAME, P_NAME, P_ROLE, P_UNIT_CODE];

const USER_FIELDS: [&str; 4] = ["username", "display_name", "role", "unit_id"];

pub async fn users_form(user: CurrentUser, ctx: PageCtx) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    import_page(&ctx, &USERS, None, Vec::new(), StatusCode::OK)
}

pub async fn users_template(user: CurrentUser) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    let notes: Vec<(&str, &str, String)> = vec![
        (
            P_USERNAME,
            "是",
            "登录用的用户名，2–32 位小写字母、数字或 . _ -，不能与已有用户重复".into(),
        ),
        (P_NAME, "是", "不超过 50 字".into()),
        (
            P_ROLE,
            "是",
            format!(
                "{}；支部书记须属于党支部，党总支书记须属于党总支",
                allowed(Role::ALL, Role::label)
            ),
        ),
        (P_UNIT_CODE, "是", "所属单位的编码，如 ZB01".into()),
        (
            P_UNIT,
            "否",
            "单位名称，仅供阅读，导入时以单位编码为准".into(),
        ),
    ];
    let bytes = xlsx::template("用户", "用户导入模板", &USER_COLUMNS, &notes)?;
    Ok(xlsx::download("用户导入模板.xlsx", bytes))
}

/// A good row: its Excel row number and the user it makes.
type NumberedUser = (usize, UserFields);

/// The rows as users (with their row numbers), checked with the user form's rules, or every
/// bad row.
fn users_of_rows(
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

/// A random initial password the password rules accept: 12 letters and digits, with no
/// look-alikes (0/O, 1/l/I), at least one of each.
fn initial_password() -> String {
    const LETTERS: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"23456789";
    let mut rng = rand::rng();
    loop {
        let p: String = (0..12)
            .map(|_| {
                let i = rng.random_range(0..LETTERS.len() + DIGITS.len());
                char::from(if i < LETTERS.len() {
                    LETTERS[i]
                } else {
                    DIGITS[i - LETTERS.len()]
                })
            })
            .collect();
        let mut e = FieldErrors::new();
        validate::new_password(&mut e, "password", &p);
        if e.is_empty() {
            return p;
        }
    }
}

pub struct CreatedUser {
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub unit: String,
    pub password: String,
}

#[derive(Template)]
#[template(path = "users/imported.html")]
struct ImportedPage {
    base: BaseContext,
    created: Vec<CreatedUser>,
}

pub async fn users_import(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    form: MultipartForm<ImportForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let known: Vec<&str> = USER_COLUMNS.iter().map(|c| c.header).collect();
    let rows = match read_rows(form.into_inner(), &USER_REQUIRED, known).await? {
        Ok(rows) => rows,
        Err(msg) => return import_page(&ctx, &USERS, Some(msg), Vec::new(), unprocessable),
    };
    let checked = state.db.run(move |c| users_of_rows(c, &rows)).await?;
    let list = match checked {
        Ok(list) => list,
        Err(problems) => {
            return import_page(
                &ctx,
                &USERS,
                Some(invalid_message(problems.len())),
                problems,
                unprocessable,
            )
        }
    };
    // Hash outside the transaction (on the hasher's blocking threads).
    let mut with_passwords = Vec::with_capacity(list.len());
    for (number, fields) in list {
        let password = initial_password();
        let hash = state.hasher.hash(password.clone()).await?;
        with_passwords.push((number, fields, password, hash));
    }
    let now = state.now();
    let actor = user.id;
    let outcome = write_all_or_none(&state, move |c| {
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
                user_id: Some(actor),
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
    })
    .await?;
    match outcome {
        Imported::Done(created) => {
            tracing::info!(rows = created.len(), "users imported");
            let mut res = render_status(
                StatusCode::OK,
                &ImportedPage {
                    base: ctx.base("用户导入结果"),
                    created,
                },
            )?;
            // The initial passwords are on this page: never keep it in a cache.
            res.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            Ok(res)
        }
        Imported::Invalid(problems) => import_page(
            &ctx,
            &USERS,
            Some(invalid_message(problems.len())),
            problems,
            unprocessable,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_passwords_pass_the_password_rules_and_differ() {
        let a = initial_password();
        let b = initial_password();
        assert_ne!(a, b);
        for p in [a, b] {
            let mut e = FieldErrors::new();
            validate::new_password(&mut e, "password", &p);
            assert!(e.is_empty(), "{p}");
            assert!(!p.contains(['0', 'O', '1', 'l', 'I']));
        }
    }
}
