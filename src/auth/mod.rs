//! Who is asking and what they may do: passwords, server-side sessions, CSRF, the signed-in
//! user extractor and the one place that decides unit-scoped permissions.

pub mod csrf;
pub mod password;
pub mod policy;
pub mod session_store;
pub mod user;

pub use policy::{Action, Scope};
pub use user::CurrentUser;

/// Session keys.
pub const SESSION_USER: &str = "uid";
pub const SESSION_CSRF: &str = "csrf";
pub const SESSION_FLASH: &str = "flash";

/// A fresh random token: 32 bytes (256 bits) as lower-case hex.
pub fn random_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compare two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
