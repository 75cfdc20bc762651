//! Logs go to `<data dir>/logs/threadmark.log`, never to the screen.

use std::fs::{self, OpenOptions};
use std::path::Path;
use std::sync::Mutex;

/// Starts logging to a file in `log_dir`. Logging is a help, not a requirement: when the
/// file cannot be opened the reader runs without it and says why.
pub fn init(log_dir: &Path) -> Result<(), String> {
    fs::create_dir_all(log_dir).map_err(|e| format!("{}: {e}", log_dir.display()))?;
    let path = log_dir.join("threadmark.log");
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    tracing_subscriber::fmt()
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_target(false)
        .try_init()
        .map_err(|e| e.to_string())
}
