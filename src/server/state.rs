//! What every handler shares: the store, the configuration, the mode, in-flight keys, rate buckets.

use super::config::ServerConfig;
use super::db::Store;
use super::limits::RateLimiter;
use super::modes::ModeState;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::watch;

#[derive(Debug)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: ServerConfig,
    pub mode: RwLock<ModeState>,
    /// (user id, idempotency key) of creating requests still running.
    pub in_flight: Mutex<HashSet<(i64, String)>>,
    pub limiter: RateLimiter,
    /// Turns true when the server stops, ending long polls at once.
    pub stopping: watch::Receiver<bool>,
    /// Bumped on every mode change, so long polls answer at once and clients see the
    /// new `Forum-Mode` (a gray-out ending drains their outboxes without delay).
    pub mode_epoch: watch::Sender<u64>,
}

pub type Shared = Arc<AppState>;
