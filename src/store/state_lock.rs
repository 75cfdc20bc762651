//! A short lock around rewriting an account's shared state files (`read.json`, `ui.json`):
//! two readers on one account read, merge and write them one after the other, never
//! both at once (which would lose the first one's marks).

use super::{AccountDir, StoreError};
use std::fs;
use std::path::Path;

/// Held while a state file is read, merged and written; released when dropped.
#[derive(Debug)]
pub struct StateLock {
    _file: fs::File,
}

/// Waits for and takes the account's state-file lock (held by another threadmark only
/// for the moments of its own write).
pub fn lock_state_files(dir: &AccountDir) -> Result<StateLock, StoreError> {
    let path = dir.state_lock();
    let file = open_lock_file(&path)?;
    file.lock().map_err(|e| StoreError::io(&path, e))?;
    Ok(StateLock { _file: file })
}

/// Opens (making it and its folder when missing) a file that is only ever locked, never
/// written: the account's outbox lock, its state-file lock.
pub(super) fn open_lock_file(path: &Path) -> Result<fs::File, StoreError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| StoreError::io(parent, e))?;
    }
    fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| StoreError::io(path, e))
}
