//! Integration tests: every test drives the real app over HTTP, once on a fresh SQLite file
//! and once on a fresh PostgreSQL database (created and dropped by the test).

#[macro_use]
mod helpers;

mod account;
mod activities;
mod assessment;
mod backups;
mod bounds;
mod brands;
mod browser;
mod campaigns;
mod cli;
mod coverage;
mod crash;
mod csrf;
mod dashboard;
mod demo;
mod demo_records;
mod edits;
mod excel_heights;
mod export_year;
mod exports;
mod feedback;
mod fuzz;
mod home;
mod imports;
mod incentives;
mod instances;
mod kept_lists;
mod layering;
mod library;
mod measures;
mod misc;
mod notify;
mod ops;
mod prints;
mod rect;
mod register_races;
mod reports;
mod review_contract;
mod roles;
mod roster;
mod round_trips;
mod search;
mod shutdown;
mod surveys;
mod taskforce;
mod topics;
mod units;
mod upgrade;
mod users;
mod words;
