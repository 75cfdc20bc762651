//! The engine's cache writer: the ingest and the sync state it advances, behind one lock,
//! so that a pulled batch is written on a blocking thread while the next one is fetched.

use super::ingest::{Ingest, IngestReport};
use super::state::SyncState;
use crate::model::PlaceMark;
use crate::remote::PullBatch;
use crate::store::{AccountDir, StoreError};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::task::JoinHandle;

/// What the writer owns: the cache as the sync writes it and the cursor it advances. They
/// go together because the cursor is written by the ingest, after the data it covers.
#[derive(Debug)]
pub struct Ledger {
    pub ingest: Ingest,
    pub state: SyncState,
}

/// The [`Ledger`], shared by the engine and the thread a batch is written on. One batch
/// is written at a time, in the order pulled: the engine waits for a write before it
/// hands over the next one.
#[derive(Clone, Debug)]
pub struct Writer(Arc<Mutex<Ledger>>);

impl Writer {
    pub fn new(ingest: Ingest, state: SyncState) -> Self {
        Self(Arc::new(Mutex::new(Ledger { ingest, state })))
    }

    /// The ledger. While a batch is being written this waits for it: that happens only
    /// when a pull was dropped during a write (a command came), and the write is one
    /// batch long — what applying it on the engine's own thread used to cost.
    pub fn lock(&self) -> MutexGuard<'_, Ledger> {
        // A write that panicked left the files as a kill would have; the panic itself
        // reaches the engine through [`Writing::finish`].
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts writing `batch` on a blocking thread: thread files and search index, the
    /// index and the cursor when they are due, then the batch's inbox items and the
    /// user's watch levels and bookmarks (`places`, those not queued here) — all of it,
    /// even when the pull that started it is dropped meanwhile. `news`: whether new
    /// inbox items are news (see [`crate::store::merge_inbox`]).
    pub fn write(
        &self,
        mut batch: PullBatch,
        places: Vec<PlaceMark>,
        dir: AccountDir,
        news: bool,
    ) -> Writing {
        let progress = batch.progress;
        let ledger = Arc::clone(&self.0);
        let handle = tokio::task::spawn_blocking(move || {
            let inbox = std::mem::take(&mut batch.inbox);
            let mut ledger = ledger.lock().unwrap_or_else(PoisonError::into_inner);
            let Ledger { ingest, state } = &mut *ledger;
            let mut report = ingest.apply(batch, state)?;
            if !inbox.is_empty() {
                report.inbox_changed = true;
                report
                    .inbox_news
                    .extend(crate::store::merge_inbox(&dir, inbox, news)?);
            }
            // The user's own watch levels and bookmarks, merged into theirs here (the
            // latest change wins, so the order of writers does not matter).
            if !places.is_empty() && crate::store::merge_places(&dir, &places)?.1 {
                report.places_changed = true;
            }
            Ok(report)
        });
        Writing { handle, progress }
    }
}

/// A batch written: what it changed, and the pull's progress then.
pub type Written = (IngestReport, Option<(u64, u64)>);

/// A batch being written.
#[derive(Debug)]
pub struct Writing {
    handle: JoinHandle<Result<IngestReport, StoreError>>,
    /// The pull's progress once this batch is written.
    progress: Option<(u64, u64)>,
}

impl Writing {
    /// Waits for the write: what it changed and the pull's progress then, or why it
    /// failed. `dir` names the cache in the error when the runtime shut down before the
    /// write ran.
    pub async fn finish(self, dir: PathBuf) -> Result<Written, StoreError> {
        let report = match self.handle.await {
            Ok(written) => written?,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => {
                return Err(StoreError::Io {
                    path: dir,
                    source: std::io::Error::other("the cache writer was stopped"),
                });
            }
        };
        Ok((report, self.progress))
    }
}
