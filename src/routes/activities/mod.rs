//! /activities (issue 11): filled in by its own change. The coverage page is its own module
//! (`coverage`), registered before these routes so that `/activities/coverage` is not taken
//! for a record id.

pub mod coverage;

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
