//! /assessment (issue 12): the 千分制 scheme of a year (`scheme`) and the units' score sheets,
//! totals and ranking (`scores`).

pub mod scheme;
pub mod scores;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Before the score pages: `/assessment/scheme` is not a score sheet.
    scheme::configure(cfg);
    scores::configure(cfg);
}
