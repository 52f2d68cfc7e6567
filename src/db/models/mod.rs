//! Rows and queries, one module per area. Functions take `&mut DbConn` and return
//! `QueryResult<T>`; they never know about HTTP.

pub mod activities;
pub mod assessment;
pub mod assessment_scores;
pub mod attachments;
pub mod audit;
pub mod brands;
pub mod briefing;
pub mod campaigns;
pub mod coverage;
pub mod feedback;
pub mod history;
pub mod incentives;
pub mod library;
pub mod measures;
pub mod notices;
pub mod outbox;
pub mod rect;
pub mod reports;
pub mod reviews;
pub mod roster;
pub mod sessions;
pub mod settings;
pub mod surveys;
pub mod taskforce;
pub mod throttle;
pub mod topics;
pub mod units;
pub mod users;
