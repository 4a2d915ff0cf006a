//! Integration tests: real PostgreSQL, real HTTP, real HTML.

mod accounts;
mod admin;
mod admin_plans;
mod admin_units;
mod audit;
mod cli;
mod dashboard;
mod demo;
mod evaluation;
mod evidence;
mod fixtures;
mod forgery;
mod helpers;
mod indicators;
mod pages;
mod permissions;
mod reports;
mod rounds;
mod search;
mod seed_errors;
mod seed_load;
mod seed_plans;
mod startup;
mod supervision;
mod synth;
