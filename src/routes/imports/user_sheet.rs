//! Users from Excel: the template, every row checked like the user form, and the initial
//! passwords shown once.

use actix_multipart::form::MultipartForm;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use rand::Rng;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::domain::validate::{self, FieldErrors};
use crate::domain::Role;
use crate::error::AppResult;
use crate::services::imports::{
    self as service, allowed, CreatedUser, P_NAME, P_ROLE, P_UNIT, P_UNIT_CODE, P_USERNAME,
};
use crate::state::AppState;
use crate::views::{render_status, BaseContext, PageCtx};
use crate::xlsx::{self, col, Column};

use super::{
    import_page, invalid_message, read_rows, write_all_or_none, ImportForm, Imported, USERS,
};

const USER_COLUMNS: [Column; 5] = [
    col(P_USERNAME, 16.0),
    col(P_NAME, 12.0),
    col(P_ROLE, 14.0),
    col(P_UNIT_CODE, 12.0),
    col(P_UNIT, 30.0),
];

const USER_REQUIRED: [&str; 4] = [P_USERNAME, P_NAME, P_ROLE, P_UNIT_CODE];

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
    let checked = state
        .db
        .run(move |c| service::users_of_rows(c, &rows))
        .await?;
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
    let me = user.clone();
    let outcome = write_all_or_none(&state, move |c| {
        service::insert_users(c, &me, with_passwords, now)
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
