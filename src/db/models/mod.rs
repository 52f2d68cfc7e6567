//! Rows and queries, one module per area. Functions take `&mut DbConn` and return
//! `QueryResult<T>`; they never know about HTTP.

pub mod audit;
pub mod sessions;
pub mod settings;
pub mod throttle;
pub mod units;
pub mod users;
