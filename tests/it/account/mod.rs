//! Signing in and out, throttling, sessions and CSRF, as a user meets them.
//! The stories are in the files below, by theme.

use crate::helpers::*;

mod login;
mod passwords;
mod sessions;
mod throttle;
