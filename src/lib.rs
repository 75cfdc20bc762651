//! threadmark: a terminal client for threaded discussions, offline first.
//!
//! Layers (dependencies point one way): `ui → app → model`, `app → sync → store → model`,
//! `server → its own persistence → model`. Only `store` touches the data directory.

pub mod account;
pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod model;
pub mod remote;
pub mod render;
pub mod runner;
pub mod server;
pub mod store;
pub mod sync;
pub mod text;
pub mod ui;
