//! The outbox list's model: entries as last read from disk, with their counts by state.

use crate::model::{OutboxEntry, OutboxState};

/// The outbox as last read from disk.
#[derive(Debug, Default)]
pub struct OutboxList {
    /// Live entries, oldest first.
    pub entries: Vec<OutboxEntry>,
    /// Files that could not be read, described (they are left on disk untouched).
    pub unreadable: Vec<String>,
}

impl OutboxList {
    /// Entries still to be sent (queued, sending, held, unknown).
    pub fn pending(&self) -> usize {
        self.entries.iter().filter(|e| e.state.is_pending()).count()
    }

    pub fn count(&self, state: &OutboxState) -> usize {
        self.entries.iter().filter(|e| &e.state == state).count()
    }
}
