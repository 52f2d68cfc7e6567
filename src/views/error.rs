//! The web side of [`AppError`]: its status code, the friendly Chinese error page, and the
//! conversions from web-framework errors. `crate::error` itself knows nothing of HTTP.
//!
//! `ResponseError` cannot see the request, so the page it renders has no navigation;
//! [`with_nav`] (a middleware inside the session) renders it again with the signed-in user's
//! navigation, so a 403, 404 or 409 never strands a user without a way on.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use askama::Template;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::views::{BaseContext, PageCtx};

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::internal(e)
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(anyhow::Error::new(e).context("template rendering"))
    }
}

impl From<actix_session::SessionInsertError> for AppError {
    fn from(e: actix_session::SessionInsertError) -> Self {
        AppError::internal(e)
    }
}

impl From<actix_session::SessionGetError> for AppError {
    fn from(e: actix_session::SessionGetError) -> Self {
        AppError::internal(e)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub base: BaseContext,
    pub status: u16,
    pub title: &'a str,
    pub message: &'a str,
}

/// Render the friendly error page (without navigation); falls back to plain text if the
/// template itself fails.
pub fn error_page(status: StatusCode, title: &str, message: &str) -> HttpResponse {
    page_with(BaseContext::bare(title), status, title, message)
}

fn page_with(base: BaseContext, status: StatusCode, title: &str, message: &str) -> HttpResponse {
    let page = ErrorPage {
        base,
        status: status.as_u16(),
        title,
        message,
    };
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(_) => HttpResponse::build(status)
            .content_type("text/plain; charset=utf-8")
            .body(format!("{title}: {message}")),
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Unauthorized { .. } | AppError::Redirect(_) => StatusCode::SEE_OTHER,
            AppError::Forbidden | AppError::ForbiddenBecause(_) | AppError::Csrf => {
                StatusCode::FORBIDDEN
            }
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) | AppError::Stale => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) | AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::Unauthorized { next } => {
                let location = match next {
                    Some(n) if n != "/" => format!(
                        "/login?next={}",
                        url::form_urlencoded::byte_serialize(n.as_bytes()).collect::<String>()
                    ),
                    _ => "/login".to_string(),
                };
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, location))
                    .finish();
            }
            AppError::Redirect(to) => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, to.as_str()))
                    .finish();
            }
            AppError::Internal(e) => tracing::error!(error = ?e, "internal error"),
            AppError::Unavailable(e) => tracing::error!(error = %e, "database unavailable"),
            _ => {}
        }
        let (title, message) = self.user_message();
        error_page(self.status_code(), title, &message)
    }
}

/// The error page again, with the navigation of the signed-in user; anonymous visitors and
/// everything that is not an [`AppError`] page pass through unchanged.
pub async fn with_nav(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    // No clone of the request is held across the call: routing needs it unshared. Errors
    // of handlers and of the CSRF guard arrive as responses carrying their `AppError`.
    let res = next.call(req).await?;
    let page = match res
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>())
    {
        Some(app) => renavigated(res.request(), app).await,
        None => None,
    };
    match page {
        Some(page) => {
            let (req, _) = res.into_parts();
            Ok(ServiceResponse::new(req, page).map_into_right_body())
        }
        None => Ok(res.map_into_left_body()),
    }
}

/// The page of `err` with the user's navigation, when there is a signed-in user and a page.
async fn renavigated(req: &HttpRequest, err: &AppError) -> Option<HttpResponse> {
    let status = err.status_code();
    if !(status.is_client_error() || status.is_server_error()) {
        return None;
    }
    CurrentUser::load(req).await.ok().flatten()?;
    let ctx = PageCtx::extract(req).await.ok()?;
    let (title, message) = err.user_message();
    // Nothing to print on an error page: no print header (it would name the user's unit).
    let mut base = ctx.base(title);
    base.print = crate::views::PrintHead::default();
    Some(page_with(base, status, title, &message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn body_of(e: AppError) -> (u16, String) {
        let res = e.error_response();
        let status = res.status().as_u16();
        let bytes = res.into_body().try_into_bytes().unwrap_or_default();
        (status, String::from_utf8_lossy(&bytes).to_string())
    }

    #[test]
    fn internal_details_never_reach_the_user() {
        let (status, body) = body_of(AppError::Internal(anyhow::anyhow!(
            "relation \"users\" does not exist at /srv/secret/path"
        )));
        assert_eq!(status, 500);
        assert!(body.contains("系统错误"));
        assert!(!body.contains("secret"));
        assert!(!body.contains("relation"));
    }

    #[test]
    fn kinds_map_to_statuses() {
        assert_eq!(body_of(AppError::Forbidden).0, 403);
        assert_eq!(body_of(AppError::NotFound).0, 404);
        assert_eq!(body_of(AppError::Csrf).0, 403);
        assert_eq!(body_of(AppError::PayloadTooLarge).0, 413);
        assert_eq!(
            body_of(AppError::Unavailable("pool timed out".into())).0,
            503
        );
        assert_eq!(
            body_of(AppError::from(diesel::result::Error::NotFound)).0,
            404
        );
        let res = AppError::Unauthorized {
            next: Some("/units?page=2".into()),
        }
        .error_response();
        assert_eq!(
            res.headers().get("location").and_then(|v| v.to_str().ok()),
            Some("/login?next=%2Funits%3Fpage%3D2")
        );
    }
}
