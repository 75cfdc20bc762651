//! The sync engine: one task that pulls the forum into the cache and pushes the outbox.

pub mod backoff;
mod engine;
pub mod flush;
pub mod ingest;
pub mod state;

pub use engine::{Connection, CycleReport, Engine, SyncCommand, SyncError, SyncEvent, SyncStatus};
