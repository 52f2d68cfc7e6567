//! Forms as typed: each keeps the raw input for re-display and parses it into the domain
//! types a service writes. No route module parses forms of another area itself.

pub mod reports;
pub mod topics;
