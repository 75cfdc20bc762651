//! The full-screen reader: `update` driven headlessly, screens rendered into a test backend,
//! and the real binary run in a pseudo-terminal.
#![allow(clippy::unwrap_used)]

#[path = "../support/mod.rs"]
mod support;
use support::{pty_session, serve};

mod accounts;
mod big_index;
mod compose;
mod conflict_screen;
mod conflicts;
mod export;
mod folders;
mod hangup;
mod harness;
mod held_lines;
mod in_place;
mod inbox;
mod links;
mod live;
mod live_all_accounts;
mod live_folders;
mod live_inbox;
mod live_places;
mod messages;
mod moderation;
mod pictures;
mod places;
mod post_changes;
mod pty;
mod pty_rules;
mod rule_actions;
mod rules;
mod screens;
mod search_account;
mod updates;
