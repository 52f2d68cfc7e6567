//! Office-only import of units and users from Excel, in the pattern of the measures import:
//! a template to download, every row checked with the same rules as the forms, and either all
//! rows written in one transaction with one audit entry, or nothing and every bad row named
//! ("第 N 行：…"). Imported users get a random initial password, shown once on the result
//! page, and must change it at first sign-in.

use std::collections::HashMap;

use actix_multipart::form::{bytes::Bytes, MultipartForm};
use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use rand::Rng;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db::models::audit;
use crate::db::models::units::{self, UnitFields};
use crate::db::models::users::{self, UserFields};
use crate::db::{write_tx, DbConn};
use crate::domain::validate::{self, FieldErrors};
use crate::domain::{Role, UnitCategory, UnitKind};
use crate::error::{AppError, AppResult};
use crate::forms::units::{check_tree, UnitForm};
use crate::forms::users::{check as check_user, UserForm};
use crate::state::AppState;
use crate::views::{flash, redirect, render_status, BaseContext, PageCtx};
use crate::xlsx::{self, col, Column};

/// Largest number of rows one import takes.
const MAX_ROWS: usize = 2000;

// ---------------------------------------------------------------- shared

/// The upload form: only the file (the CSRF token is checked before the handler).
#[derive(MultipartForm)]
pub struct ImportForm {
    file: Option<Bytes>,
}

/// What one kind of import is called and where it lives.
struct Kind {
    /// "单位" or "用户".
    what: &'static str,
    /// "/units" or "/users".
    base: &'static str,
    /// The list page's title, for the crumbs.
    list_title: &'static str,
}

const UNITS: Kind = Kind {
    what: "单位",
    base: "/units",
    list_title: "组织机构",
};

const USERS: Kind = Kind {
    what: "用户",
    base: "/users",
    list_title: "用户管理",
};

#[derive(Template)]
#[template(path = "imports/form.html")]
struct ImportPage {
    base: BaseContext,
    what: &'static str,
    path: &'static str,
    list_title: &'static str,
    note: &'static str,
    message: Option<String>,
    problems: Vec<String>,
}

fn import_page(
    ctx: &PageCtx,
    kind: &Kind,
    message: Option<String>,
    problems: Vec<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let note = if kind.base == USERS.base {
        "导入的用户由系统生成随机初始密码，只在导入结果页显示一次，首次登录时须修改。"
    } else {
        "上级单位可以是系统中已有的单位，也可以是同一文件中排在前面的单位。"
    };
    render_status(
        status,
        &ImportPage {
            base: ctx.base(format!("导入{}", kind.what)),
            what: kind.what,
            path: kind.base,
            list_title: kind.list_title,
            note,
            message,
            problems,
        },
    )
}

/// The rows of the uploaded file, or the message saying why there are none to import.
async fn read_rows(
    form: ImportForm,
    required: &'static [&'static str],
    known: Vec<&'static str>,
) -> AppResult<Result<Vec<xlsx::ImportRow>, String>> {
    let Some(file) = form.file.filter(|f| !f.data.is_empty()) else {
        return Ok(Err("请选择要导入的 Excel 文件。".into()));
    };
    let rows = match xlsx::read_upload(file.data, required, known, MAX_ROWS).await? {
        Ok(rows) => rows,
        Err(msg) => return Ok(Err(msg)),
    };
    if rows.is_empty() {
        return Ok(Err("文件中没有可导入的数据行。".into()));
    }
    Ok(Ok(rows))
}

fn invalid_message(n: usize) -> String {
    format!("文件中有 {n} 行需要修改，本次未导入任何数据。请按下列提示修改后重新导入。")
}

fn allowed<T: Copy>(all: &[T], label: fn(T) -> &'static str) -> String {
    let names: Vec<&str> = all.iter().map(|x| label(*x)).collect();
    format!("可选：{}", names.join("、"))
}

/// Why a transaction that checks rows as it writes them ends: bad rows roll it all back.
enum TxError {
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

enum Imported<T> {
    Done(T),
    Invalid(Vec<String>),
}

/// Run `f` in one write transaction; `TxError::Invalid` rolls it back and is reported.
async fn write_all_or_none<T, F>(state: &AppState, f: F) -> AppResult<Imported<T>>
where
    F: FnOnce(&mut DbConn) -> Result<T, TxError> + Send + 'static,
    T: Send + 'static,
{
    state
        .db
        .run(move |c| match write_tx(c, f) {
            Ok(v) => Ok(Imported::Done(v)),
            Err(TxError::Invalid(p)) => Ok(Imported::Invalid(p)),
            Err(TxError::App(e)) => Err(e),
        })
        .await
}

/// The form's messages for `fields`, in order, without those in `skip` and without repeats.
fn push_errors(reasons: &mut Vec<String>, e: &FieldErrors, fields: &[&str], skip: &[&str]) {
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

fn row_problem(number: usize, reasons: &[String]) -> String {
    format!("第 {number} 行：{}", reasons.join("；"))
}

// ---------------------------------------------------------------- units

const U_CODE: &str = "单位编码";
const U_NAME: &str = "单位名称";
const U_PARENT: &str = "上级单位编码";
const U_KIND: &str = "组织类型";
const U_CATEGORY: &str = "单位类别";
const U_SORT: &str = "排序号";

const UNIT_COLUMNS: [Column; 6] = [
    col(U_CODE, 12.0),
    col(U_NAME, 30.0),
    col(U_PARENT, 14.0),
    col(U_KIND, 12.0),
    col(U_CATEGORY, 12.0),
    col(U_SORT, 8.0),
];

const UNIT_REQUIRED: [&str; 4] = [U_CODE, U_NAME, U_KIND, U_CATEGORY];

const UNIT_FIELDS: [&str; 6] = [
    "code",
    "name",
    "parent_id",
    "kind",
    "category",
    "sort_order",
];

pub async fn units_form(user: CurrentUser, ctx: PageCtx) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    import_page(&ctx, &UNITS, None, Vec::new(), StatusCode::OK)
}

pub async fn units_template(user: CurrentUser) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    let notes: Vec<(&str, &str, String)> = vec![
        (
            U_CODE,
            "是",
            "1–32 位字母、数字、- 或 _，不能与已有单位重复，如 ZB21".into(),
        ),
        (U_NAME, "是", "不超过 100 字".into()),
        (
            U_PARENT,
            "党委以外必填",
            "上级单位的编码：系统中已有的单位，或本文件中排在前面的单位".into(),
        ),
        (U_KIND, "是", allowed(UnitKind::ALL, UnitKind::label)),
        (
            U_CATEGORY,
            "是",
            allowed(UnitCategory::ALL, UnitCategory::label),
        ),
        (U_SORT, "否", "0 到 9999 的整数，留空为 0".into()),
    ];
    let bytes = xlsx::template("单位", "单位导入模板", &UNIT_COLUMNS, &notes)?;
    Ok(xlsx::download("单位导入模板.xlsx", bytes))
}

/// Check and insert the units row by row (a row may name an earlier row as its parent);
/// any bad row rolls the whole file back.
fn insert_units(
    c: &mut DbConn,
    actor: i32,
    rows: &[xlsx::ImportRow],
    now: chrono::NaiveDateTime,
) -> Result<usize, TxError> {
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
            user_id: Some(actor),
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

pub async fn units_import(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    form: MultipartForm<ImportForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let known: Vec<&str> = UNIT_COLUMNS.iter().map(|c| c.header).collect();
    let rows = match read_rows(form.into_inner(), &UNIT_REQUIRED, known).await? {
        Ok(rows) => rows,
        Err(msg) => return import_page(&ctx, &UNITS, Some(msg), Vec::new(), unprocessable),
    };
    let now = state.now();
    let actor = user.id;
    match write_all_or_none(&state, move |c| insert_units(c, actor, &rows, now)).await? {
        Imported::Done(n) => {
            tracing::info!(rows = n, "units imported");
            flash(&session, "success", format!("已从 Excel 导入 {n} 个单位。"));
            Ok(redirect("/units"))
        }
        Imported::Invalid(problems) => import_page(
            &ctx,
            &UNITS,
            Some(invalid_message(problems.len())),
            problems,
            unprocessable,
        ),
    }
}

// ---------------------------------------------------------------- users

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
