//! `read.json` and `ui.json` written so that two readers on one account lose nothing of
//! each other's: each save takes the account's state-file lock, reads what is in the file
//! now, merges this reader's changes into it (`ReadState::merged_for_save`,
//! `UiState::merged_for_save`) and writes the result. The bases of those merges — what
//! this reader last wrote, and the state it wrote from — are kept here between saves.

use crate::app::UiState;
use crate::model::{ReadState, SavedReadState};
use crate::store::{
    AccountDir, Cache, ReadMarks, StoreError, load_ui_state, lock_state_files, save_ui_state,
};
use std::time::SystemTime;

/// The bases of this reader's saves.
#[derive(Debug, Default)]
pub struct StateFiles {
    read: Option<SavedReadState>,
    /// When `read.json` was last written by this reader: unchanged since, it is not read
    /// again (at a million posts it is megabytes).
    read_written_at: Option<SystemTime>,
    /// This reader's view at its last save, and what it wrote.
    ui: Option<(UiState, UiState)>,
    /// Read marks go to the server too: each save queues what moved since the last.
    queue_marks: bool,
}

impl StateFiles {
    /// Starts from what the reader loaded at start.
    pub fn loaded(read: ReadState, ui: UiState) -> Self {
        Self {
            read: Some(SavedReadState::loaded(read)),
            read_written_at: None,
            ui: Some((ui.clone(), ui)),
            queue_marks: false,
        }
    }

    /// The read state as loaded after the start (a big cache's): the base of the next
    /// save, as if it had been loaded at start.
    pub fn read_loaded(&mut self, read: ReadState) {
        self.read = Some(SavedReadState::loaded(read));
        self.read_written_at = None;
    }

    /// Each save also queues, for the server, the marks that moved the reading since the
    /// last save (`read_sync`).
    #[must_use]
    pub fn queueing_marks(mut self, on: bool) -> Self {
        self.queue_marks = on;
        self
    }

    /// Merges `read` into `read.json` and writes it durably.
    pub fn save_read(&mut self, dir: &AccountDir, read: &ReadState) -> Result<(), StoreError> {
        let _lock = lock_state_files(dir)?;
        let mut cache = Cache::open(dir.clone());
        let path = dir.read_state();
        let unchanged = self
            .read_written_at
            .is_some_and(|at| modified(&path) == Some(at));
        let disk = match &self.read {
            Some(base) if unchanged => base.written.clone(),
            _ => cache.load_read_state()?,
        };
        for problem in cache.take_problems() {
            tracing::warn!("{problem}");
        }
        // Without a base (no start to remember), the file as found is the base.
        let base = self
            .read
            .take()
            .unwrap_or_else(|| SavedReadState::loaded(disk.clone()));
        let merged = read.merged_for_save(&base, &disk);
        // Queued before read.json is written: a crash in between sends a mark twice
        // (harmless, marks merge), never loses one.
        if self.queue_marks {
            let marks = ReadMarks::open(dir);
            for (thread, mark) in read.marks_since(&base.ours, jiff::Timestamp::now()) {
                if let Err(e) = marks.enqueue(&thread, mark) {
                    self.read = Some(base);
                    return Err(e);
                }
            }
        }
        let saved = cache.save_read_state(&merged);
        self.read = Some(match saved {
            Ok(()) => SavedReadState {
                ours: read.clone(),
                written: merged,
            },
            Err(_) => base,
        });
        saved?;
        self.read_written_at = modified(&path);
        Ok(())
    }

    /// Merges `ui` into `ui.json` and writes it.
    pub fn save_ui(&mut self, dir: &AccountDir, ui: &UiState) -> Result<(), StoreError> {
        let _lock = lock_state_files(dir)?;
        let (disk, _problem) = load_ui_state::<UiState>(dir)?;
        let (before, written) = self
            .ui
            .take()
            .unwrap_or_else(|| (disk.clone(), disk.clone()));
        let merged = ui.merged_for_save(&before, &written, &disk);
        match save_ui_state(dir, &merged) {
            Ok(()) => {
                self.ui = Some((ui.clone(), merged));
                Ok(())
            }
            Err(e) => {
                self.ui = Some((before, written));
                Err(e)
            }
        }
    }
}

fn modified(path: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(path).ok()?.modified().ok()
}
