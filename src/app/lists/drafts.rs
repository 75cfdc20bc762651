//! The drafts list's model: the unsent drafts as last read from disk, newest first.

use crate::model::Draft;

/// The drafts as last read from disk.
#[derive(Debug, Default)]
pub struct DraftList {
    /// Most recently edited first.
    pub drafts: Vec<Draft>,
}
