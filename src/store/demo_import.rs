//! First run: writes the bundled demo forum into the `demo` account's cache.

use super::cache::Cache;
use super::{DataDir, StoreError};
use crate::model::Thread;
use crate::model::demo_forum;

/// The account used when none is configured.
pub const DEMO_ACCOUNT: &str = "demo";

/// Writes whatever part of the demo forum is missing from the `demo` account (the tree,
/// a thread file); files already there — possibly read, possibly newer — are left alone.
/// Returns true when anything was written.
pub fn ensure_demo(data: &DataDir) -> Result<bool, StoreError> {
    let dir = data.account(DEMO_ACCOUNT);
    let demo = demo_forum().map_err(StoreError::Demo)?;
    let cache = Cache::open(dir.clone());
    let mut wrote = false;
    for thread in &demo.threads {
        if !dir.thread(thread.summary.id.as_str()).exists() {
            cache.save_thread(&Thread::new(thread.summary.clone(), thread.posts.clone()))?;
            wrote = true;
        }
    }
    if wrote || !dir.index().exists() {
        let summaries: Vec<_> = demo.threads.iter().map(|t| t.summary.clone()).collect();
        match cache.save_index(&summaries) {
            Ok(()) | Err(StoreError::NewerSchema { .. }) => {}
            Err(e) => return Err(e),
        }
        wrote = true;
    }
    if !dir.tree().exists() {
        cache.save_forum(&demo.forum)?;
        wrote = true;
    }
    Ok(wrote)
}
