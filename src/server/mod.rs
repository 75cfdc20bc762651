//! The reference server for API v1 (`threadmark serve`): axum on tokio over a store that
//! is `SQLite` in its data directory or a PostgreSQL database shared by several servers.
//!
//! Start one in-process with [`start`] (tests bind `127.0.0.1:0`), or from the command
//! line through [`cli`]. Bulk-load a forum into a data directory with [`import_forum`].

mod auth;
mod bare_answers;
pub mod cli;
mod cli_backup;
mod cli_export;
mod cli_forum;
mod cli_invites;
mod cli_migrate;
mod cli_moderation;
mod cli_users;
mod config;
pub mod db;
mod discourse_html;
mod discourse_import;
mod error;
mod extract;
mod idempotency;
mod limits;
mod listen;
mod log;
mod modes;
mod routes;
mod run;
pub mod settings;
mod state;
mod store_lock;

pub use config::{ConnectionLimits, ServerConfig, ServerLimits};
pub use db::{ImportReport, Location, import_demo, import_forum};
pub use run::{DemoToken, RunningServer, ServerError, prepare_demo, prepare_demo_in, start};
pub use settings::Registration;
