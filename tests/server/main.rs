//! Tests of the reference server (`threadmark serve`): the real server on 127.0.0.1 port 0,
//! in-process or as the real binary, spoken to over HTTP.
//!
//! One test binary with a module per concern, so the shared helpers are all used and the
//! crate links once.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "../support/mod.rs"]
mod support;
use support::generator;
use support::postgres;

mod backup;
mod bad_input;
mod changes;
mod cli;
mod cluster;
mod concurrency;
mod contract;
mod contract_inbox;
mod contract_places;
mod contract_reading;
mod database_tls;
mod discourse_import;
mod durability;
mod edits;
mod export;
mod idempotency;
mod inbox;
mod members;
mod migrate;
mod moderation;
mod modes;
mod outage;
mod places;
mod reading;
mod registration;
mod restricted;
mod roles;
mod settings_file;
mod spec;
mod structure;
