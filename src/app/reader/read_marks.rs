//! The read marks' model: undo steps of read changes, and the posts kept unread on purpose.

use crate::model::{ThreadId, ThreadRead};
use std::collections::HashSet;

/// Undo steps kept.
const UNDO_DEPTH: usize = 100;

/// One undoable change: the threads' read state before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UndoStep {
    pub before: Vec<(ThreadId, ThreadRead)>,
}

#[derive(Debug, Default)]
pub struct ReadMarks {
    pub undo: Vec<UndoStep>,
    /// Posts the user made unread on purpose: showing them does not read them again until
    /// the thread is opened anew.
    pub kept_unread: HashSet<(ThreadId, u32)>,
}

impl ReadMarks {
    pub fn push(&mut self, step: UndoStep) {
        if self.undo.len() == UNDO_DEPTH {
            self.undo.remove(0);
        }
        self.undo.push(step);
    }

    /// Forgets the on-purpose unread marks of a thread being opened again.
    pub fn forget_kept(&mut self, thread: &ThreadId) {
        self.kept_unread.retain(|(t, _)| t != thread);
    }
}
