//! /assessment (issue 12): the scheme (scheme.rs) and the score sheets (scores.rs).
mod scheme;
mod scores;
