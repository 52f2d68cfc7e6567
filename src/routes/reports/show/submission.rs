//! What a save of the report form carries. The page sends one `multipart/form-data` form:
//! the texts of every line, the evidence files chosen on each line (`file_{line id}`), and
//! which button was pressed (a line's 上传 `at`, a file's 删除 `delete_file`). A url-encoded
//! body (the same text fields, no files) is read too.
//!
//! The multipart body goes through actix-multipart's parser and its `Limits` bookkeeping,
//! with the attachment routes' bounded file reader (`FilePart`); a file that is too large is
//! read past, not kept, so the texts after it survive and the page can come back with them.

use actix_web::dev::Payload;
use actix_web::{mime, web, FromRequest, HttpMessage, HttpRequest};
use futures_util::TryStreamExt;

use crate::domain::files::MAX_UPLOAD;
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::forms::reports::RawForm;
use crate::input::is_long_text;
use crate::routes::attachments::FilePart;

/// The most one save may carry in all; a file beyond the kept budget is read past.
pub const BODY_LIMIT: usize = 64 * 1024 * 1024;
/// The most file content one save keeps (and stores).
pub const FILES_BUDGET: usize = 3 * MAX_UPLOAD;
/// The most files one save may attach.
pub const FILES_MAX: usize = 10;
/// The most a text part may hold (a textarea holds 2000 characters).
const TEXT_PART_LIMIT: usize = 64 * 1024;

/// A file chosen on a line.
pub struct Chosen {
    pub line_id: i32,
    pub file: FilePart,
}

/// The form as sent.
pub struct Submission {
    pub form: RawForm,
    pub files: Vec<Chosen>,
    /// The file whose 删除 was pressed.
    pub delete_file: Option<i32>,
    /// The line whose 上传 was pressed: the page comes back there.
    pub at: Option<i32>,
}

fn unreadable() -> AppError {
    AppError::BadRequest("表单内容无法识别，请返回重新填写。".into())
}

impl Submission {
    pub async fn read(req: &HttpRequest, payload: web::Payload) -> AppResult<Submission> {
        let mut payload: Payload = payload.into_inner();
        let multipart = req
            .mime_type()
            .ok()
            .flatten()
            .is_some_and(|m| m.type_() == mime::MULTIPART && m.subtype() == mime::FORM_DATA);
        let (pairs, files) = if multipart {
            read_multipart(req, payload).await?
        } else {
            // Url-encoded: already bounded, decoded and cleaned by `input::normalise`.
            let form = web::Form::<Vec<(String, String)>>::from_request(req, &mut payload)
                .await
                .map_err(|_| unreadable())?;
            (form.into_inner(), Vec::new())
        };
        let number = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| v.trim().parse::<i32>().ok())
        };
        let delete_file = number("delete_file");
        let at = number("at");
        Ok(Submission {
            form: RawForm::from_pairs(pairs),
            files,
            delete_file,
            at,
        })
    }
}

type Read = (Vec<(String, String)>, Vec<Chosen>);

async fn read_multipart(req: &HttpRequest, payload: Payload) -> AppResult<Read> {
    let mut parts = actix_multipart::Multipart::new(req.headers(), payload);
    let mut limits = actix_multipart::form::Limits::new(BODY_LIMIT, BODY_LIMIT);
    let refused = |e: actix_multipart::MultipartError| {
        tracing::info!(error = %e, "report form refused");
        match e {
            actix_multipart::MultipartError::Payload(actix_web::error::PayloadError::Overflow) => {
                AppError::PayloadTooLarge
            }
            _ => unreadable(),
        }
    };
    let mut pairs = Vec::new();
    let mut files = Vec::new();
    let mut too_long = false;
    while let Some(mut field) = parts.try_next().await.map_err(refused)? {
        let name = field.name().unwrap_or("").to_string();
        let is_file = field
            .content_disposition()
            .is_some_and(|d| d.get_filename().is_some());
        if is_file {
            let line = name
                .strip_prefix("file_")
                .and_then(|id| id.parse::<i32>().ok());
            let part = FilePart::read(&mut field, &mut limits)
                .await
                .map_err(refused)?;
            if let (Some(line_id), Some(file)) = (line, part) {
                files.push(Chosen { line_id, file });
            }
            continue;
        }
        let mut value = Vec::new();
        while let Some(chunk) = field.try_next().await.map_err(refused)? {
            limits
                .try_consume_limits(chunk.len(), false)
                .map_err(refused)?;
            if value.len() + chunk.len() > TEXT_PART_LIMIT {
                // Read to the end (within the total limit) before answering, so the client
                // gets the answer rather than a broken connection.
                too_long = true;
            }
            if !too_long {
                value.extend_from_slice(&chunk);
            }
        }
        if too_long {
            continue;
        }
        let value = String::from_utf8(value).map_err(|_| unreadable())?;
        // The same cleaning `input::normalise` gives url-encoded forms.
        let value = text::clean(&value, is_long_text(&name)).into_owned();
        pairs.push((name, value));
    }
    if too_long {
        return Err(AppError::PayloadTooLarge);
    }
    Ok((pairs, files))
}
