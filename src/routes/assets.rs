//! Static files embedded in the binary (no CDN, works with no internet at all).

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use rust_embed::RustEmbed;

use crate::error::AppError;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/{path:.*}", web::get().to(asset))
        .route("/favicon.ico", web::get().to(favicon));
}

async fn asset(path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let path = path.into_inner();
    let file = Assets::get(&path).ok_or(AppError::NotFound)?;
    let mime = file.metadata.mimetype().to_string();
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, mime))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(file.data.into_owned()))
}

async fn favicon() -> Result<HttpResponse, AppError> {
    asset(web::Path::from("img/favicon.svg".to_string())).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_builds_serve_the_embedded_files_too() {
        // With rust-embed's `debug-embed`, tests and debug builds serve the bytes compiled in
        // (borrowed), not files read from the working tree at run time (owned).
        let css = Assets::get("css/app.css").expect("app.css embedded");
        assert!(matches!(css.data, std::borrow::Cow::Borrowed(_)));
    }
}
