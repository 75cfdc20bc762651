//! Hardening: threadmark keeps working, loses nothing and lets no one in under hostile
//! content, broken servers, crashes and attempts to read its secrets — always with the
//! real binaries (`threadmark serve`, the client, the reader in a pseudo-terminal), the
//! Discourse and Lemmy stand-ins, and real files in temp dirs.
//!
//! Long loops run scaled down by default; `THREADMARK_FULL_HARDENING=1` runs the full
//! counts (see README, "Security and reliability").
#![allow(clippy::unwrap_used)]

#[path = "../support/mod.rs"]
mod support;
use support::{faulty, lemmy, pty_session, serve, terminal_bytes};

mod allow_list;
mod clock;
mod common;
mod corpus;
mod crash_client;
mod crash_server;
mod disk_full;
mod faults;
mod faults_discourse;
mod hostile;
mod hostile_lemmy;
mod hostile_server;
mod outbox_kinds;
mod outbox_model;
mod outbox_watch;
mod probe;
mod props;
mod rules_props;
mod secrets;
mod server_attacks;
mod server_requests;
mod two_readers;
