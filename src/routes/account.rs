//! Signing in and out, and changing one's own password.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::user::PASSWORD_PAGE;
use crate::auth::{random_token, CurrentUser, SESSION_CSRF, SESSION_USER};
use crate::clock::format_local;
use crate::db::models::{audit, sessions, throttle, users};
use crate::domain::validate::{self, FieldErrors};
use crate::error::{AppError, AppResult};
use crate::routes::LoginLimiter;
use crate::state::AppState;
use crate::views::{flash, redirect, render, render_status, safe_next, BaseContext, PageCtx};

pub fn configure(cfg: &mut web::ServiceConfig, login_limiter: LoginLimiter) {
    cfg.service(
        web::resource("/login")
            .wrap(login_limiter)
            .route(web::get().to(login_page))
            .route(web::post().to(login)),
    )
    .route("/logout", web::post().to(logout))
    .route(PASSWORD_PAGE, web::get().to(password_page))
    .route(PASSWORD_PAGE, web::post().to(change_password));
}

#[derive(Template)]
#[template(path = "account/login.html")]
struct LoginPage {
    base: BaseContext,
    username: String,
    next: String,
    errors: FieldErrors,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(ctx: PageCtx, query: web::Query<NextQuery>) -> AppResult<HttpResponse> {
    if ctx.user.is_some() {
        return Ok(redirect("/home"));
    }
    render(&LoginPage {
        base: ctx.base("登录"),
        username: String::new(),
        next: safe_next(query.next.as_deref()).unwrap_or_default(),
        errors: FieldErrors::new(),
    })
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

const BAD_CREDENTIALS: &str = "用户名或密码错误";

async fn login(
    state: web::Data<AppState>,
    ctx: PageCtx,
    session: Session,
    form: web::Form<LoginForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let username = form.username.trim().to_lowercase();
    let next = safe_next(Some(form.next.as_str())).unwrap_or_default();
    let fail = |status: StatusCode, field: &'static str, msg: String| {
        let mut errors = FieldErrors::new();
        errors.add(field, msg);
        render_status(
            status,
            &LoginPage {
                base: ctx.base("登录"),
                username: form.username.chars().take(64).collect(),
                next: next.clone(),
                errors,
            },
        )
    };
    let mut errors = FieldErrors::new();
    if username.is_empty() {
        errors.add("username", "请填写用户名");
    }
    if form.password.is_empty() {
        errors.add("password", "请填写密码");
    }
    if username.chars().count() > 64 || form.password.chars().count() > validate::PASSWORD_MAX {
        errors.add("", BAD_CREDENTIALS);
    }
    if !errors.is_empty() {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &LoginPage {
                base: ctx.base("登录"),
                username: form.username.chars().take(64).collect(),
                next,
                errors,
            },
        );
    }

    let now = state.now();
    let lockout_minutes = state.settings.lockout_duration.as_secs().div_ceil(60);
    let name = username.clone();
    let (locked, user) = state
        .db
        .run(move |c| {
            Ok((
                throttle::locked_until(c, &name, now)?,
                users::by_username(c, &name)?,
            ))
        })
        .await?;
    if let Some(until) = locked {
        let minutes = ((until - now).num_seconds().max(1) + 59) / 60;
        return fail(
            StatusCode::TOO_MANY_REQUESTS,
            "",
            format!("密码连续错误次数过多，账户已暂时锁定，请 {minutes} 分钟后再试。"),
        );
    }

    let ok = state
        .hasher
        .verify(
            user.as_ref().map(|u| u.password_hash.clone()),
            form.password.clone(),
        )
        .await?;
    match user {
        Some(user) if ok && user.active => {
            let (uid, name) = (user.id, username.clone());
            // Checked again under the write lock: failures racing with this guess may have
            // locked the name since the check above, and then a right guess does not count.
            let locked = state
                .db
                .write(move |c| {
                    if let Some(until) = throttle::locked_until_for_update(c, &name, now)? {
                        return Ok(Some(until));
                    }
                    throttle::clear(c, &name)?;
                    users::touch_login(c, uid, now)?;
                    audit::Change::new(
                        uid,
                        "login",
                        "user",
                        uid,
                        format!("{} 登录", user.display_name),
                    )
                    .unit(user.unit_id)
                    .record(c, now)?;
                    Ok(None)
                })
                .await?;
            if let Some(until) = locked {
                let minutes = ((until - now).num_seconds().max(1) + 59) / 60;
                return fail(
                    StatusCode::TOO_MANY_REQUESTS,
                    "",
                    format!("密码连续错误次数过多，账户已暂时锁定，请 {minutes} 分钟后再试。"),
                );
            }
            // A new session id at sign-in (no fixation), with a new CSRF token.
            session.renew();
            session.insert(SESSION_USER, uid)?;
            session.insert(SESSION_CSRF, random_token())?;
            Ok(redirect(if next.is_empty() { "/home" } else { &next }))
        }
        // A disabled account answers exactly like a wrong password (same message, status
        // and counting): saying "disabled" would confirm the password to whoever tried it.
        _ => {
            let threshold = state.settings.lockout_threshold;
            let lock_for = chrono::Duration::from_std(state.settings.lockout_duration)
                .unwrap_or(chrono::Duration::minutes(15));
            let name = username.clone();
            let locked = state
                .db
                .write(move |c| {
                    Ok(throttle::record_failure(
                        c, &name, now, threshold, lock_for,
                    )?)
                })
                .await?;
            tracing::info!(username = %username, locked = locked.is_some(), "failed sign-in");
            if locked.is_some() {
                fail(
                    StatusCode::TOO_MANY_REQUESTS,
                    "",
                    format!(
                        "密码连续错误 {threshold} 次，账户已锁定 {lockout_minutes} 分钟，请稍后再试。"
                    ),
                )
            } else {
                fail(StatusCode::UNAUTHORIZED, "", BAD_CREDENTIALS.into())
            }
        }
    }
}

async fn logout(session: Session) -> HttpResponse {
    // Deletes the row: the old cookie is worthless from now on, on every instance.
    session.purge();
    redirect("/login")
}

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    base: BaseContext,
    forced: bool,
    last_login: String,
    errors: FieldErrors,
}

async fn password_page(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> AppResult<HttpResponse> {
    let uid = user.id;
    let me = state.db.run(move |c| Ok(users::get(c, uid)?)).await?;
    render(&PasswordPage {
        base: ctx.base("修改密码"),
        forced: user.must_change_password,
        last_login: me.last_login_at.map(format_local).unwrap_or_default(),
        errors: FieldErrors::new(),
    })
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

async fn change_password(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    form: web::Form<PasswordForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let mut errors = FieldErrors::new();
    if form.current.is_empty() {
        errors.add("current", "请填写当前密码");
    }
    let new = validate::new_password(&mut errors, "new", &form.new);
    if form.confirm != form.new {
        errors.add("confirm", "两次输入的新密码不一致");
    }
    if !form.current.is_empty() && form.current == form.new {
        errors.add("new", "新密码不能与当前密码相同");
    }
    let uid = user.id;
    let now = state.now();
    let me = state.db.run(move |c| Ok(users::get(c, uid)?)).await?;
    // The current password is guessed no faster here than at sign-in: the same counter.
    let name = me.username.clone();
    let locked = state
        .db
        .run(move |c| Ok(throttle::locked_until(c, &name, now)?))
        .await?;
    if let Some(until) = locked {
        let minutes = ((until - now).num_seconds().max(1) + 59) / 60;
        errors.add(
            "current",
            format!("密码连续错误次数过多，请 {minutes} 分钟后再试。"),
        );
    } else if errors.get("current").is_none()
        && !state
            .hasher
            .verify(Some(me.password_hash.clone()), form.current.clone())
            .await?
    {
        let threshold = state.settings.lockout_threshold;
        let lock_for = chrono::Duration::from_std(state.settings.lockout_duration)
            .unwrap_or(chrono::Duration::minutes(15));
        let name = me.username.clone();
        let locked = state
            .db
            .write(move |c| {
                Ok(throttle::record_failure(
                    c, &name, now, threshold, lock_for,
                )?)
            })
            .await?;
        errors.add(
            "current",
            if locked.is_some() {
                format!("当前密码连续错误 {threshold} 次，已暂时锁定，请稍后再试。")
            } else {
                "当前密码不正确".to_string()
            },
        );
    }
    if !errors.is_empty() {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage {
                base: ctx.base("修改密码"),
                forced: user.must_change_password,
                last_login: me.last_login_at.map(format_local).unwrap_or_default(),
                errors,
            },
        );
    }
    let hash = state.hasher.hash(new).await?;
    let (unit_id, name) = (user.unit_id, user.display_name.clone());
    let username = me.username.clone();
    let checked_hash = me.password_hash.clone();
    let done = state
        .db
        .write(move |c| {
            // Only over the password just checked: of two changes sent at once with the same
            // current password, one lands and the other finds that password gone.
            let n = users::set_password(
                c,
                uid,
                users::Expect::Hash(&checked_hash),
                &hash,
                false,
                now,
            )?;
            crate::db::one_row(n)?;
            throttle::clear(c, &username)?;
            // Every other session of this user ends now; this one gets a new id below.
            sessions::delete_for_user(c, uid, None)?;
            audit::Change::new(
                uid,
                "password",
                "user",
                uid,
                format!("{name} 修改了自己的密码"),
            )
            .unit(unit_id)
            .record(c, now)?;
            Ok(())
        })
        .await;
    match done {
        Ok(()) => {}
        Err(AppError::Stale) => {
            return render_status(
                StatusCode::CONFLICT,
                &PasswordPage {
                    base: ctx.base("修改密码"),
                    forced: user.must_change_password,
                    last_login: me.last_login_at.map(format_local).unwrap_or_default(),
                    errors: FieldErrors::message(
                        "密码未修改：您的密码在此期间已被修改（可能在另一窗口或由党群工作部重置）。请刷新页面后重试。",
                    ),
                },
            );
        }
        Err(e) => return Err(e),
    }
    session.renew();
    session.insert(SESSION_USER, uid)?;
    session.insert(SESSION_CSRF, random_token())?;
    flash(
        &session,
        "success",
        "密码已修改，其他设备上的登录已全部退出。",
    );
    Ok(redirect("/home"))
}
