//! The service layer: each function is one transaction of the application, run inside
//! `Db::write` by a thin handler. Rules without I/O live in `domain`, queries in
//! `db::models`, who may do what in `auth::policy`.

pub mod activities;
pub mod assessment;
pub mod assessment_scores;
pub mod attachments;
pub mod brands;
pub mod campaigns;
pub mod coverage;
pub mod feedback;
pub mod imports;
pub mod incentives;
pub mod library;
pub mod measures;
pub mod notices;
pub mod rect;
pub mod report_reminders;
pub mod reports;
pub mod review;
pub mod roster;
pub mod surveys;
pub mod taskforce;
pub mod topics;
pub mod units;
pub mod users;
