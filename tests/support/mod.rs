//! Helpers shared by the integration tests and benches: one module, mounted the same way in
//! every test binary (`#[path = "../support/mod.rs"] mod support;`, or `mod support;` from
//! a file at the top of `tests/`). Each binary uses the part it needs.
#![allow(
    dead_code,
    reason = "one support module for every binary; each uses only a part of it"
)]
#![allow(clippy::unwrap_used, reason = "test code: a surprise fails the test")]

pub mod api;
pub mod discourse_changes;
pub mod discourse_forum;
pub mod discourse_inbox;
pub mod discourse_limits;
pub mod discourse_messages;
pub mod discourse_places;
pub mod discourse_posting;
pub mod discourse_revisions;
pub mod discourse_standin;
pub mod faulty;
pub mod files;
pub mod generator;
pub mod lemmy;
pub mod postgres;
pub mod pty_session;
pub mod run;
pub mod serve;
pub mod terminal_bytes;
