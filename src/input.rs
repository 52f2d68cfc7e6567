//! Text input normalised at the edge, before routing and before any handler: the path, the
//! query string and url-encoded form bodies (≤ 2 MB) are percent-decoded and checked to be
//! UTF-8 (otherwise a 404 for the path, a 400 for the rest), and their names and values lose
//! NUL, other control characters and bidi overrides (`domain::text`). Line breaks and tabs are
//! kept only in long-text fields (the textareas, `is_long_text`). Multipart bodies are not
//! buffered here: their few text fields are parsed strictly by the handlers and file names go
//! through `domain::files::clean_name`.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::uri::{PathAndQuery, Uri};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::HttpMessage;
use futures_util::StreamExt;

use crate::auth::csrf::FORM_LIMIT;
use crate::domain::text;
use crate::error::AppError;

/// Long-text fields (textareas): their values keep line breaks and tabs. A test checks that
/// every textarea in the templates is named here.
pub fn is_long_text(name: &str) -> bool {
    const LONG: &[&str] = &[
        "content",
        "materials",
        "notes",
        "comment",
        "highlights",
        "problems",
        "next_plan",
        "reason",
        "problem",
        "cause",
        "measure",
        "requirement",
        // brands: theme (理念), feature, 工作法
        "theme",
        "feature",
        "method",
        // activities: 活动内容; surveys: 主要发现, 改进措施
        "summary",
        "findings",
        "measures_taken",
        // incentives (issue 12): series 说明; referrals: 党委会决定, 办理结果
        "description",
        "decision",
        "outcome",
    ];
    let numbered = |prefix: &str| {
        name.strip_prefix(prefix).is_some_and(|n| {
            !n.is_empty() && n.len() <= 10 && n.bytes().all(|b| b.is_ascii_digit())
        })
    };
    LONG.contains(&name) || numbered("work_") || numbered("m")
}

fn not_utf8() -> AppError {
    AppError::BadRequest(
        "提交的内容含有无法识别的字符（不是有效的 UTF-8 编码），请检查后重新填写。".into(),
    )
}

pub async fn normalise(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    match prepare(&mut req).await {
        Ok(()) => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body),
        Err(e) => {
            tracing::info!(path = %req.path(), reason = %e, "request refused by input check");
            Ok(req.error_response(e).map_into_right_body())
        }
    }
}

async fn prepare(req: &mut ServiceRequest) -> Result<(), AppError> {
    if !text::path_is_clean(req.path()) {
        return Err(AppError::NotFound);
    }
    if let Some(query) = req.uri().query() {
        if let Some(clean) =
            text::normalise_urlencoded(query.as_bytes(), |_| false).map_err(|_| not_utf8())?
        {
            let path_and_query = if clean.is_empty() {
                req.path().to_string()
            } else {
                format!("{}?{clean}", req.path())
            };
            let mut parts = req.uri().clone().into_parts();
            parts.path_and_query =
                Some(PathAndQuery::try_from(path_and_query).map_err(|_| AppError::NotFound)?);
            req.head_mut().uri = Uri::from_parts(parts).map_err(|_| AppError::NotFound)?;
        }
    }
    let urlencoded = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if *req.method() == Method::POST && urlencoded {
        let body = read_body(req).await?;
        let body = match text::normalise_urlencoded(&body, is_long_text) {
            Ok(None) => body,
            Ok(Some(clean)) => Bytes::from(clean),
            Err(_) => return Err(not_utf8()),
        };
        if req.headers().contains_key(header::CONTENT_LENGTH) {
            req.headers_mut().insert(
                header::CONTENT_LENGTH,
                header::HeaderValue::from(body.len()),
            );
        }
        req.set_payload(Payload::from(body));
    }
    Ok(())
}

async fn read_body(req: &mut ServiceRequest) -> Result<Bytes, AppError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > FORM_LIMIT) {
        return Err(AppError::PayloadTooLarge);
    }
    let mut payload = req.take_payload();
    let mut body = BytesMut::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| AppError::BadRequest("请求内容不完整，请重试。".into()))?;
        if body.len() + chunk.len() > FORM_LIMIT {
            return Err(AppError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every textarea of every template is a long-text field, so its line breaks survive.
    #[test]
    fn every_textarea_is_long_text() {
        let mut seen = 0;
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/templates"
        ))];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("templates dir") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let html = std::fs::read_to_string(&path).expect("template");
                for tag in html.split("<textarea").skip(1) {
                    let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
                    let Some(start) = tag.find("name=\"") else {
                        continue; // read-only, not submitted
                    };
                    let rest = &tag[start + 6..];
                    let name = &rest[..rest.find('"').expect("closing quote")];
                    // `work_{{ l.id }}` → `work_1`
                    let name = match name.find("{{") {
                        Some(i) => format!("{}1", &name[..i]),
                        None => name.to_string(),
                    };
                    assert!(
                        is_long_text(&name),
                        "textarea {name} in {} is not a long-text field",
                        path.display()
                    );
                    seen += 1;
                }
            }
        }
        assert!(seen >= 15, "found only {seen} textareas");
        assert!(!is_long_text("title"));
        assert!(!is_long_text("m"));
        assert!(!is_long_text("measure_id"));
    }
}
