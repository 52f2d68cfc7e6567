//! CSRF protection by synchronizer token: a random token kept in the server-side session,
//! echoed by every form as the hidden field `csrf_token`. This middleware checks it on every
//! state-changing request before any handler runs, so no route can forget it.

use actix_session::SessionExt;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::HttpMessage;
use futures_util::StreamExt;

use crate::auth::{constant_time_eq, SESSION_CSRF};
use crate::error::AppError;

pub const FIELD: &str = "csrf_token";
/// Largest url-encoded form body accepted.
pub const FORM_LIMIT: usize = 2 * 1024 * 1024;
/// Largest multipart body accepted (uploads of up to 10 MB plus the other fields).
pub const MULTIPART_LIMIT: usize = 12 * 1024 * 1024;

pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    match check(&mut req).await {
        Ok(()) => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body),
        Err(e) => {
            tracing::warn!(path = %req.path(), reason = %e, "request refused by CSRF check");
            Ok(req.error_response(e).map_into_right_body())
        }
    }
}

async fn check(req: &mut ServiceRequest) -> Result<(), AppError> {
    let expected = req
        .get_session()
        .get::<String>(SESSION_CSRF)
        .ok()
        .flatten()
        .ok_or(AppError::Csrf)?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let kind = content_type.to_ascii_lowercase();
    let multipart = kind.starts_with("multipart/form-data");
    if !multipart && !kind.starts_with("application/x-www-form-urlencoded") {
        return Err(AppError::Csrf);
    }
    let limit = if multipart {
        MULTIPART_LIMIT
    } else {
        FORM_LIMIT
    };
    let body = read_body(req, limit).await?;
    let given = if multipart {
        multipart_field(&body, &content_type, FIELD)
    } else {
        form_field(&body, FIELD)
    };
    // Hand the body on to the handler's extractor.
    req.set_payload(Payload::from(body));
    match given {
        Some(token) if constant_time_eq(token.as_bytes(), expected.as_bytes()) => Ok(()),
        _ => Err(AppError::Csrf),
    }
}

async fn read_body(req: &mut ServiceRequest, limit: usize) -> Result<Bytes, AppError> {
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| AppError::BadRequest("请求内容不完整，请重试。".into()))?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The value of a small text field in a multipart body.
fn multipart_field(body: &[u8], content_type: &str, name: &str) -> Option<String> {
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))?
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let mut rest = body;
    while let Some(pos) = find(rest, delimiter.as_bytes()) {
        rest = &rest[pos + delimiter.len()..];
        let header_end = find(rest, b"\r\n\r\n")?;
        let headers = String::from_utf8_lossy(&rest[..header_end]).to_ascii_lowercase();
        let content = &rest[header_end + 4..];
        if headers.contains(&format!("name=\"{name}\"")) {
            let end = find(content, format!("\r\n{delimiter}").as_bytes())?;
            return String::from_utf8(content[..end].to_vec()).ok();
        }
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_form_field() {
        assert_eq!(
            form_field(b"a=1&csrf_token=abc%20d&b=2", "csrf_token").as_deref(),
            Some("abc d")
        );
        assert_eq!(form_field(b"a=1", "csrf_token"), None);
        assert_eq!(form_field(b"\xff\xfe=%ff", "csrf_token"), None);
    }

    #[test]
    fn finds_multipart_field() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok123\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF\r\n--XyZ--\r\n";
        assert_eq!(
            multipart_field(body, "multipart/form-data; boundary=XyZ", "csrf_token").as_deref(),
            Some("tok123")
        );
        assert_eq!(
            multipart_field(body, "multipart/form-data; boundary=XyZ", "other"),
            None
        );
        assert_eq!(
            multipart_field(body, "multipart/form-data", "csrf_token"),
            None
        );
    }
}
