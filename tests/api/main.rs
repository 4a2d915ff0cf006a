//! Integration tests: real PostgreSQL, real HTTP, real HTML.

mod accounts;
mod admin;
mod cli;
mod demo;
mod helpers;
mod pages;
mod permissions;
mod reports;
mod search;
mod seed_errors;
mod seed_load;
mod startup;
