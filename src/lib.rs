//! plan-portal: tracks how a government plan is carried out.
//!
//! The web application is built by [`startup::Application::build`], which binds its own
//! listener so that tests can start it on port 0.

pub mod accounts;
pub mod admin;
pub mod analytics;
pub mod audit;
pub mod bulletin;
pub mod cli;
pub mod clock;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod error;
pub mod evaluation;
pub mod gongwen;
pub mod import;
pub mod notify;
pub mod ops;
pub mod plan;
pub mod policy;
pub mod reports;
pub mod routes;
pub mod search;
pub mod seed;
pub mod settings;
pub mod startup;
pub mod supervision;
pub mod synth;
pub mod units;
pub mod web;

pub use settings::Settings;
pub use startup::{AppState, Application};
