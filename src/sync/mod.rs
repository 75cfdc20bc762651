//! The sync engine: one task that pulls the forum into the cache and pushes the outbox.

pub mod backoff;
pub mod flush;
pub mod ingest;
pub mod state;
