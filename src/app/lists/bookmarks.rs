//! The bookmarks list's model: the account's bookmarks as last read from disk, newest
//! first, each with what the cache knows of its post; and a jump to a post waiting for
//! its thread to load.

use crate::model::{PostId, ThreadId};
use jiff::Timestamp;

/// One bookmark as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookmarkRow {
    pub post: PostId,
    pub thread: ThreadId,
    /// The thread's title, when the cache has the thread.
    pub title: Option<String>,
    /// The post's number in its thread (`#N`), when the cache has the post.
    pub seq: Option<u32>,
    pub author: Option<String>,
    pub note: Option<String>,
    /// When it was set.
    pub at: Timestamp,
}

/// The bookmarks as last read, and where Enter in the list is taking the reader.
#[derive(Debug, Default)]
pub struct BookmarkList {
    /// Newest first.
    pub rows: Vec<BookmarkRow>,
    /// Enter chose this post; its thread is loading: the reader goes to the post when it
    /// arrives.
    pub jump: Option<(ThreadId, PostId)>,
    /// `b` asked for the note of a bookmark on this post (its thread and `#N`).
    pub noting: Option<(PostId, ThreadId, u32)>,
}
