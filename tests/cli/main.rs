//! The command line as people and scripts use it: the conventions of good command-line
//! tools (completions, man page, `--json`, colour, pager, quiet exits on a closed pipe,
//! logs, `config`), and the commands against the real reference server.
#![allow(clippy::unwrap_used)]

#[path = "../support/mod.rs"]
mod support;
use support::{pty_session, serve};

mod against_server;
mod conventions;
mod demo;
mod edits;
mod inbox;
mod json;
mod moderated;
mod places;
mod read_sync;
mod rules;
mod search;
mod terminal;
mod tree_listing;
mod views;

pub use support::run::{command, stdout_of, threadmark};
