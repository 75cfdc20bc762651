//! A thread with its posts: the unit the cache stores per file, the reader opens and
//! `threadmark read` prints.

use super::{Post, ThreadSummary};

/// A thread's summary (so an index can be rebuilt from threads alone) and its posts in
/// `seq` order.
#[derive(Clone, Debug, PartialEq)]
pub struct Thread {
    pub summary: ThreadSummary,
    pub posts: Vec<Post>,
}

impl Thread {
    pub fn new(summary: ThreadSummary, posts: Vec<Post>) -> Self {
        Self { summary, posts }
    }
}
