//! The sync engine, the outbox and the client's commands against the real reference
//! server (`threadmark serve`, spawned as a child on 127.0.0.1) and the real client binary.
//!
//! One test binary with a module per concern, so the shared helpers are all used.
#![allow(clippy::unwrap_used)]

#[path = "../support/mod.rs"]
mod support;
use support::{api, serve};

mod changes;
mod crash;
mod errors;
mod gray_out;
mod offline;
