//! Integration tests: each starts the real server on a free loopback port with a fresh
//! database (see `helpers::spawn_app`).

mod admin_audit;
mod basics;
mod coverage;
mod denials;
mod eligibility;
mod helpers;
mod ledger;
mod postgres;
mod scope;
mod security;
mod settings;
mod tenancy;
