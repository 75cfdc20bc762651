//! The caller's watch levels and bookmarks on the wire: `PUT /threads/{id}/watch`,
//! `PUT /areas/{id}/watch`, `GET/POST /bookmarks`, `DELETE /bookmarks/{post_id}`, and the
//! `watch` and `bookmark` entities of the caller's own changes feed.

use crate::model::WatchLevel;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// `PUT /threads/{id}/watch` and `PUT /areas/{id}/watch`. `at` is when the user made the
/// change (a queued change is sent later); it defaults to now and is never later than the
/// server's clock. The latest change wins: an older one is answered with what stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchPut {
    pub level: WatchLevel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
}

/// A watch level the caller set (the answer to a `PUT`, and `{"kind": "watch", "watch":
/// …}` in the caller's own feed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watch {
    /// `thread` or `area`.
    pub on: String,
    pub id: String,
    pub level: WatchLevel,
    /// When the change that stands was made.
    pub at: Timestamp,
}

/// `POST /bookmarks`: bookmark a post (again: the note is replaced).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookmarkPost {
    pub post_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
}

/// One of the caller's bookmarks. In the feed a removed one arrives with `removed: true`
/// (and no note).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bookmark {
    pub post_id: String,
    pub thread_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// When the change that stands was made.
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
}

/// `GET /bookmarks`: the caller's bookmarks, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bookmarks {
    pub bookmarks: Vec<Bookmark>,
}
