//! Integration tests: each starts the real server on a free loopback port with a fresh
//! database (see `helpers::spawn_app`).

mod admin_audit;
mod basics;
#[cfg(feature = "ledger")]
mod coverage;
#[cfg(feature = "ledger")]
mod denials;
mod helpers;
#[cfg(feature = "ledger")]
mod ledger;
#[cfg(feature = "ledger")]
mod postgres;
#[cfg(feature = "ledger")]
mod scope;
mod security;
#[cfg(feature = "ledger")]
mod settings;
