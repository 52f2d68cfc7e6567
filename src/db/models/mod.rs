//! Rows and queries, one module per area. Functions take `&mut DbConn` and return
//! `QueryResult<T>`; they never know about HTTP.

pub mod attachments;
pub mod audit;
pub mod campaigns;
pub mod history;
pub mod measures;
pub mod notices;
pub mod outbox;
pub mod rect;
pub mod reports;
pub mod reviews;
pub mod sessions;
pub mod settings;
pub mod taskforce;
pub mod throttle;
pub mod topics;
pub mod units;
pub mod users;
