//! threadmark: a terminal client for threaded discussions, offline first.
//!
//! Layers (dependencies point one way, downwards):
//!
//! - `runner` — the imperative shell of the full-screen reader: terminal, signals, the
//!   store worker and the sync engine's task. The only layer that does I/O for the reader.
//! - `ui` draws the state; `app` holds it and changes it in the pure `update`
//!   (`ui → app`).
//! - `cli` — the subcommands; `server` — the reference server with its own persistence;
//!   `demo_server` — that server in this process for the demo forum (used by `runner` and
//!   `cli`).
//! - `sync → remote` (the backends, the only code on the network) and `sync → store`
//!   (the only code in the data directory).
//! - `render` turns post bodies into rich lines (used by `app`, `ui`, `cli`, and by
//!   `store` for the plain text of the search index).
//! - On the ground floor, used by every layer: `model` (pure data) and `text` (text
//!   hygiene for the terminal).

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
