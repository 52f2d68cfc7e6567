//! Building the application from settings: database (migrated), optional demo data, the
//! middleware stack and the routes, bound to a listener whose port tests can read.

use std::net::TcpListener;

use actix_governor::{Governor, GovernorConfigBuilder};
use actix_session::config::{BrowserSession, CookieContentSecurity, TtlExtensionPolicy};
use actix_session::SessionMiddleware;
use actix_web::body::{BoxBody, EitherBody};
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::{Server, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::{from_fn, DefaultHeaders, ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, App, HttpServer};

use crate::auth::csrf;
use crate::auth::password::Hasher;
use crate::auth::session_store::DbSessionStore;
use crate::config::Settings;
use crate::db::{models, Db};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::error::error_page;
use crate::{demo, routes, telemetry};

pub struct Application {
    port: u16,
    server: Server,
    db: Db,
    notify: crate::config::NotifyConfig,
    clock: crate::clock::SharedClock,
}

/// Seconds a stopping server gives the requests in flight (SIGTERM, SIGINT).
pub const SHUTDOWN_GRACE_SECS: u64 = 20;
/// How long the dashboard's figures and signed-in users' rows are kept at most: a write
/// through this process drops them at once; one through another instance on the same
/// database shows within this time.
pub const DASHBOARD_MAX_AGE_SECS: u64 = 15;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; \
                   form-action 'self'; frame-ancestors 'none'";

impl Application {
    /// Open and migrate the database, seed demo data if asked, bind the listener.
    /// Blocking work here happens before the server takes requests.
    pub fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = Db::open(&settings.database_url)?;
        if settings.demo {
            demo::seed(&db, &settings)?;
            let mut conn = db.conn().map_err(|e| anyhow::anyhow!("{e}"))?;
            crate::db::refresh_statistics(&mut conn, true)?;
        }
        let secret = match &settings.secret_key {
            Some(s) if s.len() >= 32 => s.clone(),
            Some(_) => anyhow::bail!("ZUOFENG_SECRET_KEY 至少需要 32 个字符"),
            None => {
                let mut conn = db.conn().map_err(|e| anyhow::anyhow!("{e}"))?;
                models::settings::get_or_insert_with(&mut conn, "cookie_secret", || {
                    format!(
                        "{}{}",
                        crate::auth::random_token(),
                        crate::auth::random_token()
                    )
                })?
            }
        };
        let key = Key::derive_from(secret.as_bytes());
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| anyhow::anyhow!("无法监听地址 {}: {e}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState {
            db: db.clone(),
            hasher: Hasher::new(settings.max_concurrent_hashes),
            settings: settings.clone(),
            outbox: crate::notify::Outbox::new(settings.notify.clone()),
            kept: crate::cache::Kept::new(
                std::time::Duration::from_secs(DASHBOARD_MAX_AGE_SECS),
                512,
            ),
        });
        // What the signed-in user extractor (`auth::CurrentUser`) loads users with.
        let users_db = web::Data::new(db.clone());
        let users_cache: web::Data<crate::auth::user::UserCache> = web::Data::new(
            crate::cache::Cache::new(std::time::Duration::from_secs(DASHBOARD_MAX_AGE_SECS), 4096),
        );
        let login_limit = GovernorConfigBuilder::default()
            .key_extractor(crate::routes::client_ip::ClientIpKeyExtractor::new(
                settings.trusted_proxies.clone(),
            ))
            .period(settings.login_ip_period)
            .burst_size(settings.login_ip_burst.max(1))
            .methods(vec![Method::POST])
            .finish()
            .ok_or_else(|| anyhow::anyhow!("登录限流设置无效"))?;
        // Issue 12: the public feedback form (`POST /public/feedback`), per client address
        // as for the sign-in: a burst of 5, then one more every 2 minutes.
        let public_limit = GovernorConfigBuilder::default()
            .key_extractor(crate::routes::client_ip::ClientIpKeyExtractor::new(
                settings.trusted_proxies.clone(),
            ))
            .period(std::time::Duration::from_secs(
                crate::routes::feedback::PUBLIC_REFILL_SECONDS,
            ))
            .burst_size(crate::routes::feedback::PUBLIC_BURST)
            .methods(vec![Method::POST])
            .finish()
            .ok_or_else(|| anyhow::anyhow!("留言限流设置无效"))?;
        let store = DbSessionStore::new(
            db.clone(),
            settings.clock.clone(),
            settings.absolute_timeout,
            settings.idle_timeout,
        );
        let idle = actix_web::cookie::time::Duration::seconds(
            settings.idle_timeout.as_secs().min(i64::MAX as u64) as i64,
        );
        let secure = settings.secure_cookies;
        let cookie_name = settings.cookie_name().to_string();
        let anon_tokens = web::Data::new(csrf::AnonTokens::new(
            key.clone(),
            settings.csrf_cookie_name(),
            secure,
            settings.clock.clone(),
        ));

        let server = HttpServer::new(move || {
            let session = SessionMiddleware::builder(store.clone(), key.clone())
                .cookie_name(cookie_name.clone())
                .cookie_secure(secure)
                .cookie_http_only(true)
                .cookie_same_site(SameSite::Lax)
                .cookie_path("/".into())
                .cookie_content_security(CookieContentSecurity::Signed)
                .session_lifecycle(
                    BrowserSession::default()
                        .state_ttl(idle)
                        .state_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
                )
                .build();
            let mut headers = DefaultHeaders::new()
                .add((header::CONTENT_SECURITY_POLICY, CSP))
                .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .add((header::X_FRAME_OPTIONS, "DENY"))
                .add((header::REFERRER_POLICY, "same-origin"))
                .add((
                    "Permissions-Policy",
                    "camera=(), microphone=(), geolocation=()",
                ))
                .add((header::CACHE_CONTROL, "no-store"));
            if secure {
                headers = headers.add((header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"));
            }
            App::new()
                .app_data(state.clone())
                .app_data(users_db.clone())
                .app_data(users_cache.clone())
                .app_data(anon_tokens.clone())
                .app_data(
                    web::FormConfig::default()
                        .limit(csrf::FORM_LIMIT)
                        .error_handler(|err, _| match err {
                            actix_web::error::UrlencodedError::Overflow { .. } => {
                                AppError::PayloadTooLarge.into()
                            }
                            _ => AppError::BadRequest("表单内容无法识别，请返回重新填写。".into())
                                .into(),
                        }),
                )
                .app_data(
                    actix_multipart::form::MultipartFormConfig::default()
                        .total_limit(csrf::MULTIPART_LIMIT)
                        .memory_limit(csrf::MULTIPART_LIMIT)
                        .error_handler(|err, _| {
                            tracing::info!(error = %err, "multipart form refused");
                            AppError::BadRequest(
                                "上传内容无法识别或超过 10 MB，请重新选择文件。".into(),
                            )
                            .into()
                        }),
                )
                .app_data(web::QueryConfig::default().error_handler(|_, _| {
                    AppError::BadRequest("网址中的查询参数有误。".into()).into()
                }))
                .app_data(
                    web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()),
                )
                .configure(|cfg| {
                    routes::configure(
                        cfg,
                        Governor::new(&login_limit),
                        Governor::new(&public_limit),
                    )
                })
                .default_service(web::to(routes::not_found))
                .wrap(from_fn(routes::heavy::a_few_at_a_time))
                .wrap(from_fn(csrf::guard))
                .wrap(from_fn(telemetry::note_session_user))
                .wrap(from_fn(crate::views::error::with_nav))
                .wrap(session)
                .wrap(ErrorHandlers::new().default_handler(friendly_error))
                .wrap(from_fn(crate::input::normalise))
                .wrap(headers)
                .wrap(from_fn(telemetry::log_request))
        })
        .workers(
            std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .max(2),
        )
        // SIGTERM / SIGINT: stop accepting, let requests in flight finish within this time.
        .shutdown_timeout(SHUTDOWN_GRACE_SECS)
        .listen(listener)
        .map_err(|e| anyhow::anyhow!("无法启动服务: {e}"))?
        .run();
        spawn_session_sweeper(db.clone(), settings.clone());
        spawn_rotating_backups(&settings);
        crate::notify::spawn_outbox_tasks(db.clone(), settings.clone());
        Ok(Application {
            port,
            server,
            db,
            notify: settings.notify.clone(),
            clock: settings.clock.clone(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Serve until stopped (SIGTERM or SIGINT: no new connections, requests in flight get
    /// [`SHUTDOWN_GRACE_SECS`]), then send what the outbox holds that is due, once, within
    /// the same grace.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await?;
        let outbox = crate::notify::Outbox::new(self.notify.clone());
        if outbox.enabled() {
            let flush = crate::notify::deliver_due(&self.db, &outbox, self.clock.now());
            let grace = std::time::Duration::from_secs(SHUTDOWN_GRACE_SECS);
            match actix_web::rt::time::timeout(grace, flush).await {
                Ok(Ok(d)) => tracing::info!(sent = d.sent, failed = d.failed, "outbox flushed"),
                Ok(Err(e)) => tracing::warn!(error = %e, "outbox flush failed"),
                Err(_) => tracing::warn!("outbox flush timed out"),
            }
        }
        tracing::info!("zuofeng stopped");
        Ok(())
    }

    pub fn into_server(self) -> Server {
        self.server
    }
}

/// `--backup-dir`: every `every`, a checked copy of the SQLite database into the folder (on a
/// blocking thread), keeping the newest `keep`. PostgreSQL: a warning at start (use pg_dump).
fn spawn_rotating_backups(settings: &Settings) {
    let Some(plan) = settings.backup.clone() else {
        return;
    };
    let url = settings.database_url.clone();
    if !matches!(
        crate::db::Backend::from_url(&url),
        Ok(crate::db::Backend::Sqlite(_))
    ) {
        tracing::warn!("--backup-dir is for SQLite; back PostgreSQL up with pg_dump");
        return;
    }
    actix_web::rt::spawn(async move {
        let start = actix_web::rt::time::Instant::now() + plan.every;
        let mut tick = actix_web::rt::time::interval_at(start, plan.every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let (url, dir, keep) = (url.clone(), plan.dir.clone(), plan.keep);
            match actix_web::web::block(move || crate::ops::rotate(&url, &dir, keep)).await {
                Ok(Ok(done)) => tracing::info!(%done, "rotating backup"),
                Ok(Err(e)) => tracing::warn!(error = %e, "rotating backup failed"),
                Err(e) => tracing::warn!(error = %e, "rotating backup thread failed"),
            }
        }
    });
}

/// Every ten minutes, delete sessions past their idle or absolute end (signed-in ones are
/// already refused when expired; anonymous visitors leave no rows).
fn spawn_session_sweeper(db: Db, settings: Settings) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            let now = settings.clock.now();
            let absolute = chrono::Duration::from_std(settings.absolute_timeout)
                .unwrap_or(chrono::Duration::hours(12));
            let result = db
                .run(move |c| {
                    if let Err(e) = crate::db::refresh_statistics(c, false) {
                        tracing::warn!(error = %e, "statistics refresh failed");
                    }
                    let window = chrono::Duration::from_std(settings.lockout_duration)
                        .unwrap_or(chrono::Duration::minutes(15));
                    if let Err(e) = models::throttle::purge_stale(c, now, window) {
                        tracing::warn!(error = %e, "login throttle purge failed");
                    }
                    Ok(models::sessions::purge_expired(c, now, now - absolute)?)
                })
                .await;
            match result {
                Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "session sweep failed"),
            }
        }
    });
}

/// Errors produced outside our handlers (rate limiter, payload limits, session store, …)
/// get the same friendly Chinese page as ours; pages we rendered ourselves pass through.
fn friendly_error<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    // The readiness probe's 503 keeps its short plain-text reason for the operator.
    if res.request().path() == "/readyz" {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let err = match status {
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => AppError::NotFound,
        StatusCode::FORBIDDEN => AppError::Forbidden,
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        StatusCode::TOO_MANY_REQUESTS => AppError::TooManyRequests,
        StatusCode::SERVICE_UNAVAILABLE => AppError::Unavailable(String::new()),
        s if s.is_server_error() => AppError::internal("error outside handler"),
        _ => AppError::BadRequest("请求有误，请返回后重试。".into()),
    };
    let (title, message) = err.user_message();
    let page = error_page(status, title, &message);
    let (req, _) = res.into_parts();
    let res: ServiceResponse<EitherBody<B, BoxBody>> =
        ServiceResponse::new(req, page).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}
