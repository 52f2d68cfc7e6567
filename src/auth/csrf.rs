//! CSRF protection, checked by middleware on every state-changing request before any handler
//! runs, so no route can forget it. Every form echoes a token as the hidden field `csrf_token`
//! (or a script sends it as the `X-CSRF-Token` header).
//!
//! - Signed in: a synchronizer token kept in the server-side session (`SESSION_CSRF`).
//! - Anonymous (the sign-in form): no session row is written for a visitor. The token is a
//!   random nonce in a short-lived cookie signed with the app's cookie key, echoed by the form
//!   (signed double-submit). A session row is created at sign-in only.
//!
//! The body is read at most once and in linear time: a url-encoded form (≤ 2 MB) is buffered
//! and parsed once; a multipart upload is not buffered here — its first part must be the
//! token (our forms put it first), read from the first few KB of the stream, and the bytes read
//! are then replayed in front of the rest of the stream for the handler.

use actix_session::SessionExt;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, CookieJar, Key, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{mime, web, HttpMessage, HttpRequest};
use futures_util::StreamExt;

use crate::auth::{constant_time_eq, random_token, SESSION_CSRF};
use crate::clock::SharedClock;
use crate::error::AppError;

pub const FIELD: &str = "csrf_token";
/// The header a script may send the token in instead of the form field.
pub const HEADER: &str = "x-csrf-token";
/// Largest url-encoded form body accepted.
pub const FORM_LIMIT: usize = 2 * 1024 * 1024;
/// Largest multipart body accepted (uploads of up to 10 MB plus the other fields); enforced by
/// the handlers' multipart extractor while it streams, not buffered here.
pub const MULTIPART_LIMIT: usize = 12 * 1024 * 1024;
/// The first part of a multipart body (the token) must end within this many bytes.
const FIRST_PART_LIMIT: usize = 8 * 1024;
/// Lifetime of an anonymous (sign-in form) token; a page reuses the visitor's cookie while it
/// has more than half of this left, so several open tabs keep working.
pub const ANON_TTL_SECONDS: i64 = 2 * 3600;
/// Marks our values among cookies signed with the same key.
const ANON_PREFIX: &str = "csrf1";

/// Signs and checks the anonymous visitors' token cookies (registered as app data).
#[derive(Clone)]
pub struct AnonTokens {
    key: Key,
    cookie_name: String,
    secure: bool,
    clock: SharedClock,
}

/// A freshly minted anonymous cookie, set on the response by the guard.
#[derive(Clone)]
struct PendingCookie(Cookie<'static>);

impl AnonTokens {
    pub fn new(key: Key, cookie_name: impl Into<String>, secure: bool, clock: SharedClock) -> Self {
        AnonTokens {
            key,
            cookie_name: cookie_name.into(),
            secure,
            clock,
        }
    }

    fn now(&self) -> i64 {
        self.clock.now().and_utc().timestamp()
    }

    /// The nonce and expiry (unix seconds) of this request's cookie, when it is ours, signed
    /// with our key and not expired.
    fn valid(&self, req: &HttpRequest) -> Option<(String, i64)> {
        let cookie = req.cookie(&self.cookie_name)?;
        let mut jar = CookieJar::new();
        jar.add_original(cookie);
        let verified = jar.signed(&self.key).get(&self.cookie_name)?;
        let mut parts = verified.value().splitn(3, '.');
        if parts.next()? != ANON_PREFIX {
            return None;
        }
        let expires: i64 = parts.next()?.parse().ok()?;
        let nonce = parts.next()?;
        (expires > self.now() && nonce.len() == 64).then(|| (nonce.to_string(), expires))
    }

    /// A new nonce and its signed cookie.
    fn mint(&self) -> (String, Cookie<'static>) {
        let nonce = random_token();
        let expires = self.now() + ANON_TTL_SECONDS;
        let cookie = Cookie::build(
            self.cookie_name.clone(),
            format!("{ANON_PREFIX}.{expires}.{nonce}"),
        )
        .path("/")
        .http_only(true)
        .secure(self.secure)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(ANON_TTL_SECONDS))
        .finish();
        let mut jar = CookieJar::new();
        jar.signed_mut(&self.key).add(cookie);
        let signed = jar.delta().next().cloned().expect("the cookie just added");
        (nonce, signed)
    }
}

/// The token a page for an anonymous visitor embeds: the nonce of the visitor's valid cookie,
/// or a fresh one whose cookie the guard sets on the response. Writes nothing anywhere.
pub fn anonymous_token(req: &HttpRequest) -> Result<String, AppError> {
    let tokens = req
        .app_data::<web::Data<AnonTokens>>()
        .ok_or_else(|| AppError::internal("csrf tokens missing"))?;
    if let Some(pending) = req.extensions().get::<PendingCookie>() {
        if let Some(nonce) = pending.0.value().rsplit('.').next() {
            return Ok(nonce.to_string());
        }
    }
    if let Some((nonce, expires)) = tokens.valid(req) {
        if expires - tokens.now() > ANON_TTL_SECONDS / 2 {
            return Ok(nonce);
        }
    }
    let (nonce, cookie) = tokens.mint();
    req.extensions_mut().insert(PendingCookie(cookie));
    Ok(nonce)
}

pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        if let Err(e) = check(&mut req).await {
            tracing::warn!(path = %req.path(), reason = %e, "request refused by CSRF check");
            return Ok(req.error_response(e).map_into_right_body());
        }
    }
    let mut res = next.call(req).await?;
    let pending = res.request().extensions_mut().remove::<PendingCookie>();
    if let Some(PendingCookie(cookie)) = pending {
        if let Err(e) = res.response_mut().add_cookie(&cookie) {
            tracing::warn!(error = %e, "could not set the csrf cookie");
        }
    }
    Ok(res.map_into_left_body())
}

/// The token this request must carry: the session's when there is one, else the anonymous
/// cookie's. Neither: refused before the body is read.
fn expected_token(req: &ServiceRequest) -> Result<String, AppError> {
    if let Some(t) = req.get_session().get::<String>(SESSION_CSRF).ok().flatten() {
        return Ok(t);
    }
    let tokens = req
        .app_data::<web::Data<AnonTokens>>()
        .ok_or_else(|| AppError::internal("csrf tokens missing"))?;
    tokens
        .valid(req.request())
        .map(|(nonce, _)| nonce)
        .ok_or(AppError::Csrf)
}

async fn check(req: &mut ServiceRequest) -> Result<(), AppError> {
    let expected = expected_token(req)?;
    let matches = |given: &str| constant_time_eq(given.as_bytes(), expected.as_bytes());
    if let Some(given) = req.headers().get(HEADER) {
        return match given.to_str() {
            Ok(g) if matches(g) => Ok(()),
            _ => Err(AppError::Csrf),
        };
    }
    let mime = req.mime_type().ok().flatten().ok_or(AppError::Csrf)?;
    if mime.type_() == mime::MULTIPART && mime.subtype() == mime::FORM_DATA {
        let boundary = mime
            .get_param(mime::BOUNDARY)
            .map(|b| b.as_str().to_string())
            .ok_or(AppError::Csrf)?;
        if boundary.is_empty() || boundary.len() > 70 {
            return Err(AppError::Csrf);
        }
        let mut payload = req.take_payload();
        let head = read_head(&mut payload, FIRST_PART_LIMIT).await?;
        let given = first_part_token(&head[..head.len().min(FIRST_PART_LIMIT)], &boundary, FIELD);
        match given {
            Some(token) if matches(&token) => {
                // Hand on the bytes read so far, then the rest of the stream, untouched.
                let rest = futures_util::stream::once(async move { Ok(head) }).chain(payload);
                req.set_payload(Payload::Stream {
                    payload: Box::pin(rest),
                });
                Ok(())
            }
            _ => Err(AppError::Csrf),
        }
    } else if mime.type_() == mime::APPLICATION && mime.subtype() == mime::WWW_FORM_URLENCODED {
        let body = read_body(req, FORM_LIMIT).await?;
        let given = form_field(&body, FIELD);
        // Hand the body on to the handler's extractor.
        req.set_payload(Payload::from(body));
        match given {
            Some(token) if matches(&token) => Ok(()),
            _ => Err(AppError::Csrf),
        }
    } else {
        Err(AppError::Csrf)
    }
}

/// At least `want` bytes from the front of the stream (fewer when it ends first).
async fn read_head(payload: &mut Payload, want: usize) -> Result<Bytes, AppError> {
    let mut head = BytesMut::new();
    while head.len() < want {
        match payload.next().await {
            Some(chunk) => {
                let chunk =
                    chunk.map_err(|_| AppError::BadRequest("请求内容不完整，请重试。".into()))?;
                head.extend_from_slice(&chunk);
            }
            None => break,
        }
    }
    Ok(head.freeze())
}

async fn read_body(req: &mut ServiceRequest, limit: usize) -> Result<Bytes, AppError> {
    if req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > limit)
    {
        return Err(AppError::PayloadTooLarge);
    }
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

/// The value of the first part of a multipart body when that part is the text field `name`;
/// `None` for anything else (preamble, another field first, a file, a part not ended within
/// `head`). One pass over `head`, whatever follows it.
fn first_part_token(head: &[u8], boundary: &str, name: &str) -> Option<String> {
    let opening = format!("--{boundary}\r\n");
    let rest = head.strip_prefix(opening.as_bytes())?;
    let header_end = find(rest, b"\r\n\r\n")?;
    let headers = std::str::from_utf8(&rest[..header_end]).ok()?;
    let mut named = false;
    for line in headers.split("\r\n") {
        let (key, value) = line.split_once(':')?;
        if !key.trim().eq_ignore_ascii_case("content-disposition") {
            continue;
        }
        let mut params = value.split(';').map(str::trim);
        if !params.next()?.eq_ignore_ascii_case("form-data") {
            return None;
        }
        for p in params {
            let (k, v) = p.split_once('=')?;
            let v = v.trim().trim_matches('"');
            match k.trim().to_ascii_lowercase().as_str() {
                "name" => named = v == name,
                "filename" | "filename*" => return None,
                _ => {}
            }
        }
    }
    if !named {
        return None;
    }
    let content = &rest[header_end + 4..];
    let end = find(content, format!("\r\n--{boundary}").as_bytes())?;
    String::from_utf8(content[..end].to_vec()).ok()
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

    const BODY: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok123\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF\r\n--XyZ--\r\n";

    #[test]
    fn reads_the_token_from_the_first_part() {
        assert_eq!(
            first_part_token(BODY, "XyZ", "csrf_token").as_deref(),
            Some("tok123")
        );
        assert_eq!(first_part_token(BODY, "XyZ", "other"), None);
        assert_eq!(first_part_token(BODY, "Other", "csrf_token"), None);
        // Not ended within the bytes looked at.
        assert_eq!(first_part_token(&BODY[..60], "XyZ", "csrf_token"), None);
    }

    #[test]
    fn refuses_anything_but_the_token_first() {
        let second = b"--XyZ\r\nContent-Disposition: form-data; name=\"year\"\r\n\r\n2026\r\n--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok123\r\n--XyZ--\r\n";
        assert_eq!(first_part_token(second, "XyZ", "csrf_token"), None);
        let preamble = [b"junk\r\n".as_slice(), BODY].concat();
        assert_eq!(first_part_token(&preamble, "XyZ", "csrf_token"), None);
        let file = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"; filename=\"t\"\r\n\r\ntok123\r\n--XyZ--\r\n";
        assert_eq!(first_part_token(file, "XyZ", "csrf_token"), None);
        let lookalike = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token_x\"\r\n\r\ntok123\r\n--XyZ--\r\n";
        assert_eq!(first_part_token(lookalike, "XyZ", "csrf_token"), None);
    }

    #[test]
    fn accepts_other_headers_and_case() {
        let body = b"--XyZ\r\ncontent-disposition: Form-Data; NAME=\"csrf_token\"\r\nContent-Type: text/plain\r\n\r\ntok123\r\n--XyZ--\r\n";
        assert_eq!(
            first_part_token(body, "XyZ", "csrf_token").as_deref(),
            Some("tok123")
        );
    }

    /// The check reads the token from the first part of an upload: every multipart form
    /// template must put `csrf_token` first.
    #[test]
    fn every_upload_form_sends_the_token_first() {
        fn walk(dir: &std::path::Path, found: &mut Vec<(String, String)>) {
            for entry in std::fs::read_dir(dir).expect("templates dir") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    walk(&path, found);
                } else if path.extension().is_some_and(|e| e == "html") {
                    let text = std::fs::read_to_string(&path).expect("template");
                    for (at, _) in text.match_indices("multipart/form-data") {
                        let rest = &text[at..];
                        let form = &rest[..rest.find("</form>").unwrap_or(rest.len())];
                        let first_field = ["<input", "<select", "<textarea", "{% call"]
                            .iter()
                            .filter_map(|m| form.find(m).map(|i| (i, &form[i..])))
                            .min_by_key(|(i, _)| *i)
                            .map(|(_, f)| f.chars().take(80).collect::<String>())
                            .unwrap_or_default();
                        found.push((path.display().to_string(), first_field));
                    }
                }
            }
        }
        let mut found = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"),
            &mut found,
        );
        assert!(found.len() >= 4, "upload forms found: {found:?}");
        for (path, first) in &found {
            assert!(
                first.starts_with("<input type=\"hidden\" name=\"csrf_token\"")
                    || first.starts_with("{% call forms::csrf("),
                "{path}: the first field of an upload form must be csrf_token, found {first:?}"
            );
        }
    }
}
