//! Domain types and rules with no I/O: roles, unit kinds, validated input.

pub mod org;
pub mod validate;

pub use org::{Role, UnitCategory, UnitKind};
