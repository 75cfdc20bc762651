//! The sync engine: one task that pulls the forum into the cache and pushes the outbox.

pub mod backoff;
pub mod budget;
mod engine;
pub mod flush;
pub mod ingest;
mod pacing;
pub mod picture_prefetch;
pub mod pictures;
pub mod protocol;
pub mod read_marks;
pub mod state;
mod writer;

pub use engine::{Engine, Relogin, SyncError};
pub use pacing::{MAX_RETRY_WAIT, Pacing};
pub use protocol::{Connection, CycleReport, SyncCommand, SyncEvent, SyncStatus};
