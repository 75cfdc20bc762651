//! threadmark: a terminal client for threaded discussions, offline first.
//!
//! Layers, from the top. Each imports only the layers its arrow names (`tests/layers.rs`
//! checks it):
//!
//! - `cli` → everything below: parses the command line, runs a subcommand, or starts the
//!   reader through `runner`. `account` → `config`, `store`, `remote`, `sync`: picks the
//!   account and builds its sync engine (the one constructor).
//! - `runner` → `account`, `app`, `ui`, `sync`, `store`, `config`, `demo_server`: the imperative shell of
//!   the full-screen reader, and the only layer that does I/O for it — terminal, signals,
//!   the sync engine's task, and every file through the store worker, whose effect
//!   interpreter carries out what `update` asks.
//! - `ui` → `app`: `ui` draws the state; `app` holds it and changes it in the pure
//!   `update`, which takes its time and ids as input. Both see the sync engine only
//!   through `sync::protocol`; both use `render` and `config`.
//! - `sync` → `remote`, `store`: the sync engine. `remote` → `api`, `config`, `store`: the
//!   backends, the only code on the network. `store`: the data directory, the only code
//!   that touches it.
//! - `server` → `api`: the reference server, with its own persistence. `demo_server` →
//!   `server`, `api`, `store`, `config`: that server in this process for the demo forum (used by `runner` and `cli`).
//! - `store` → `render`, on purpose: the store derives each thread's search text (and
//!   rebuilds it when it is missing) with the very plain text the reader shows.
//!   `render` → `model`, `text`: post bodies to rich lines. `config` → `store` (its file
//!   primitive).
//! - The ground floor, used by every layer and importing nothing of the crate: `model`
//!   (pure data) and `text` (text hygiene for the terminal).

pub mod account;
pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod demo_server;
pub mod model;
pub mod remote;
pub mod render;
pub mod runner;
pub mod server;
pub mod store;
pub mod sync;
pub mod text;
pub mod ui;
