//! /templates (the template library 工作模板) (issue 12): filled in by its own change.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
