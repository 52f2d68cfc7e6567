//! In-app notices (站内通知): left for a user inside the sender's transaction, shown on the
//! recipient's home page, marked read by the recipient only. Senders: 催报 of the monthly
//! report (`services::report_reminders`); later feedback replies and assessments.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::auth::CurrentUser;
use crate::db::models::notices;
use crate::db::models::users;
use crate::db::DbConn;
use crate::domain::Role;
use crate::error::{AppError, AppResult};

/// Leave `message` (leading to `link`, a path in the portal or empty) for one user; its id.
pub fn to_user(
    c: &mut DbConn,
    user_id: i32,
    message: &str,
    link: &str,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    notices::insert(c, user_id, message, link, now)
}

/// Leave `message` (leading to `link`) for every active secretary of `unit_id`; how many got it.
pub fn to_secretaries(
    c: &mut DbConn,
    unit_id: i32,
    message: &str,
    link: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let secretaries = users::active_with_role(c, unit_id, Role::Secretary)?;
    for u in &secretaries {
        to_user(c, u.id, message, link, now)?;
    }
    Ok(secretaries.len())
}

/// The user marks one of their own notices read. Another user's notice is refused; an unknown
/// one is not found; one already read stays as it is.
pub fn mark_read(c: &mut DbConn, user: &CurrentUser, id: i32, now: NaiveDateTime) -> AppResult<()> {
    if notices::mark_read(c, id, user.id, now)? == 1 {
        return Ok(());
    }
    match notices::find(c, id)? {
        None => Err(AppError::NotFound),
        Some(n) if n.user_id != user.id => Err(AppError::Forbidden),
        Some(_) => Ok(()),
    }
}

/// The user marks all their notices read; how many were unread.
pub fn mark_all_read(c: &mut DbConn, user: &CurrentUser, now: NaiveDateTime) -> AppResult<usize> {
    Ok(notices::mark_all_read(c, user.id, now)?)
}
