//! `GET /changes`: what changed since a cursor, latest state per entity, in commit order.

use super::forum::{Thread, Tree};
use super::posts::Post;
use serde::{Deserialize, Serialize};

/// One changed entity, as it is now. A deleted post arrives as a tombstone
/// (`deleted: true`); apply an upsert only when its `version` is newer than yours.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    Post {
        post: Post,
    },
    Thread {
        thread: Thread,
    },
    /// The forum's structure changed (title, sections, areas, announcement): the whole
    /// tree as it is now, as `GET /tree` answers it.
    Tree {
        tree: Tree,
    },
    /// How far the caller read a thread (only ever in the caller's own feed).
    Read {
        read: super::ReadMarker,
    },
    /// A watch level the caller set on a thread or area (only ever in the caller's own
    /// feed).
    Watch {
        watch: super::Watch,
    },
    /// One of the caller's bookmarks, set or removed (only ever in the caller's own feed).
    Bookmark {
        bookmark: super::Bookmark,
    },
    /// Something that concerns the caller (only ever in the caller's own feed); again
    /// when it is marked read.
    Notification {
        notification: super::Notification,
    },
    /// A kind this version does not know; skip it.
    #[serde(other)]
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangesPage {
    pub changes: Vec<Change>,
    /// Opaque; pass as `since` next time (also when `changes` is empty).
    pub next_cursor: String,
    /// True when more changes are waiting: ask again at once.
    #[serde(default)]
    pub has_more: bool,
}
