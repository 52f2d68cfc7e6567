//! Users and their unit. Password hashes never leave this module except to the verifier.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::units::{escape_like, Unit};
use crate::db::schema::{sessions, units, users};
use crate::db::scope;
use crate::db::sql::lower;
use crate::db::{DbBackend, DbConn};
use crate::domain::Role;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub unit_id: i32,
    pub active: bool,
    pub must_change_password: bool,
    pub last_login_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Bumped by every change the office makes (edit, password, disable/enable) and by a
    /// password change; an office form names the version it read.
    pub version: i32,
}

impl User {
    pub fn role(&self) -> Role {
        // An unknown code in the database gets the weakest role.
        Role::parse(&self.role).unwrap_or(Role::Viewer)
    }
}

/// The fields an office user sets on a user (the password is set apart).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UserFields {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: i32,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUser<'a> {
    username: &'a str,
    display_name: &'a str,
    password_hash: &'a str,
    role: &'a str,
    unit_id: i32,
    active: bool,
    must_change_password: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

pub fn get(conn: &mut DbConn, id: i32) -> QueryResult<User> {
    users::table.find(id).select(User::as_select()).first(conn)
}

pub fn by_username(conn: &mut DbConn, username: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::username.eq(username))
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// A user with their unit, for the signed-in user and for lists.
pub fn with_unit(conn: &mut DbConn, id: i32) -> QueryResult<Option<(User, Unit)>> {
    users::table
        .inner_join(units::table)
        .filter(users::id.eq(id))
        .select((User::as_select(), Unit::as_select()))
        .first(conn)
        .optional()
}

#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    /// Free text: username or name contains.
    pub q: Option<String>,
    pub role: Option<Role>,
    /// Users of this unit and everything under it (a unit path).
    pub unit_path: Option<String>,
    /// Users of exactly this unit.
    pub unit_id: Option<i32>,
    pub active: Option<bool>,
}

/// A user list before its order and page: users joined with their units.
type Listed =
    diesel::dsl::IntoBoxed<'static, diesel::dsl::InnerJoin<users::table, units::table>, DbBackend>;

/// The users that match `f`, with their units (counted, or ordered and paged).
fn filtered(f: &UserFilter) -> Listed {
    let mut q = users::table.inner_join(units::table).into_boxed();
    if let Some(text) = &f.q {
        let pat = format!("%{}%", escape_like(&text.to_lowercase()));
        q = q.filter(
            lower(users::username)
                .like(pat.clone())
                .escape('\\')
                .or(lower(users::display_name).like(pat).escape('\\')),
        );
    }
    if let Some(role) = f.role {
        q = q.filter(users::role.eq(role.code()));
    }
    if let Some(path) = &f.unit_path {
        q = q.filter(scope::under(path));
    }
    if let Some(id) = f.unit_id {
        q = q.filter(users::unit_id.eq(id));
    }
    if let Some(active) = f.active {
        q = q.filter(users::active.eq(active));
    }
    q
}

/// One page of users matching `f`, with the total count.
pub fn list(
    conn: &mut DbConn,
    f: &UserFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<(User, Unit)>, i64)> {
    let total: i64 = filtered(f).count().get_result(conn)?;
    let rows = filtered(f)
        .order((units::path, users::username))
        .offset(offset)
        .limit(limit)
        .select((User::as_select(), Unit::as_select()))
        .load(conn)?;
    Ok((rows, total))
}

pub fn insert(
    conn: &mut DbConn,
    fields: &UserFields,
    password_hash: &str,
    must_change_password: bool,
    now: NaiveDateTime,
) -> QueryResult<User> {
    let id: i32 = diesel::insert_into(users::table)
        .values(NewUser {
            username: &fields.username,
            display_name: &fields.display_name,
            password_hash,
            role: fields.role.code(),
            unit_id: fields.unit_id,
            active: true,
            must_change_password,
            created_at: now,
            updated_at: now,
        })
        .returning(users::id)
        .get_result(conn)?;
    get(conn, id)
}

/// Edit a user if still at version `expected`: one guarded UPDATE, the number of rows
/// written (0: someone else changed the user first, nothing written).
pub fn update(
    conn: &mut DbConn,
    id: i32,
    expected: i32,
    fields: &UserFields,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id).filter(users::version.eq(expected)))
        .set((
            users::username.eq(&fields.username),
            users::display_name.eq(&fields.display_name),
            users::role.eq(fields.role.code()),
            users::unit_id.eq(fields.unit_id),
            users::updated_at.eq(now),
            users::version.eq(users::version + 1),
        ))
        .execute(conn)
}

/// Which stored state a password write expects.
pub enum Expect<'a> {
    /// Whatever is stored (command line, demo set-up).
    Any,
    /// The office's reset: the version its form was read at.
    Version(i32),
    /// The user's own change: the hash their current password was checked against, so of two
    /// concurrent changes with the same old password only one lands.
    Hash(&'a str),
}

/// Set a password only if the user is still as `expect` says; rows written (0 or 1).
pub fn set_password(
    conn: &mut DbConn,
    id: i32,
    expect: Expect<'_>,
    password_hash: &str,
    must_change_password: bool,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let changes = (
        users::password_hash.eq(password_hash),
        users::must_change_password.eq(must_change_password),
        users::updated_at.eq(now),
        users::version.eq(users::version + 1),
    );
    match expect {
        Expect::Any => diesel::update(users::table.find(id))
            .set(changes)
            .execute(conn),
        Expect::Version(v) => diesel::update(users::table.find(id).filter(users::version.eq(v)))
            .set(changes)
            .execute(conn),
        Expect::Hash(h) => diesel::update(users::table.find(id).filter(users::password_hash.eq(h)))
            .set(changes)
            .execute(conn),
    }
}

/// Disable or enable. The office's form names the version it was read at (`Some`): then only
/// from the other state and at that version; the command line and the demo set-up write
/// whatever is stored (`None`). Rows written, 0 or 1; disabling also ends the user's
/// sessions, in the same transaction.
pub fn set_active(
    conn: &mut DbConn,
    id: i32,
    expected: Option<i32>,
    active: bool,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let changes = (
        users::active.eq(active),
        users::updated_at.eq(now),
        users::version.eq(users::version + 1),
    );
    let n = match expected {
        None => diesel::update(users::table.find(id))
            .set(changes)
            .execute(conn)?,
        Some(v) => diesel::update(
            users::table
                .find(id)
                .filter(users::version.eq(v))
                .filter(users::active.eq(!active)),
        )
        .set(changes)
        .execute(conn)?,
    };
    if n == 1 && !active {
        diesel::delete(sessions::table.filter(sessions::user_id.eq(id))).execute(conn)?;
    }
    Ok(n)
}

pub fn touch_login(conn: &mut DbConn, id: i32, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::last_login_at.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

pub fn count_active(conn: &mut DbConn) -> QueryResult<i64> {
    users::table
        .filter(users::active.eq(true))
        .count()
        .get_result(conn)
}

/// The active users of these units, in one query.
pub fn active_in_units(conn: &mut DbConn, unit_ids: &[i32]) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::unit_id.eq_any(unit_ids))
        .filter(users::active.eq(true))
        .order(users::username)
        .select(User::as_select())
        .load(conn)
}

/// The active users of a unit who hold `role` (the branch secretaries a notice goes to).
pub fn active_with_role(conn: &mut DbConn, unit_id: i32, role: Role) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::unit_id.eq(unit_id))
        .filter(users::active.eq(true))
        .filter(users::role.eq(role.code()))
        .order(users::id)
        .select(User::as_select())
        .load(conn)
}
