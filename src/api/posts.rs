//! Posts on the wire: reading a thread's posts, replying, editing and deleting.

use super::forum::Thread;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Who wrote a post; the badge ("non-member", "moderator") is never part of the name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub badge: Option<String>,
}

/// One post. A deleted post stays as a tombstone (`deleted: true`, empty body) so `seq`
/// stays dense.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Post {
    pub id: String,
    pub thread_id: String,
    /// Dense per thread from 1; the opening post is 1.
    pub seq: u32,
    /// The id of the post this one answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    pub author: Author,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<Timestamp>,
    /// Markdown.
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub deleted: bool,
    /// Bumped by every edit; the post's `ETag` is `"v<version>"`.
    #[serde(default)]
    pub version: u64,
    /// The idempotency key the post was created with; only shown to its author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<String>,
    /// How many people reacted, per reaction (`{"like": 3}`); absent when none did.
    /// A reaction does not bump `version` (an edit's `If-Match` stays valid), but the
    /// post enters the changes feed again with its new counts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub reactions: BTreeMap<String, u64>,
    /// The reactions of the one asking (`["like"]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub me: Vec<String>,
}

/// The one reaction API v1 knows.
pub const LIKE: &str = "like";

impl Post {
    /// How many liked it.
    pub fn likes(&self) -> u64 {
        self.reactions.get(LIKE).copied().unwrap_or(0)
    }

    /// Whether the one asking liked it.
    pub fn liked(&self) -> bool {
        self.me.iter().any(|r| r == LIKE)
    }
}

/// One earlier text of a post (`GET /posts/{id}/revisions`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    /// The version that had this text.
    pub version: u64,
    /// Markdown.
    pub body: String,
    /// When this text was written.
    pub written_at: Timestamp,
    /// When the next edit (or the deletion) replaced it.
    pub replaced_at: Timestamp,
    /// Who replaced it (the author, or a moderator).
    pub replaced_by: String,
}

/// `GET /posts/{id}/revisions`: the texts a post had before, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revisions {
    pub post_id: String,
    /// The current version (its text is the post's `body`).
    pub version: u64,
    pub revisions: Vec<Revision>,
}

/// `GET /threads/{id}/posts`: posts in `seq` order after `after_seq`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostPage {
    pub thread: Thread,
    pub posts: Vec<Post>,
    /// True when more posts follow: ask again with `after_seq` = the last `seq` here.
    #[serde(default)]
    pub has_more: bool,
}

/// `GET /posts?thread=…&thread=…`: the first page of several threads' posts in one
/// answer (a first sync's snapshot asks for threads a batch at a time).
///
/// The pages follow the order asked for and hold at most `limit` posts between them. A
/// thread that would not fit whole ends the answer unless it comes first (its page then
/// stops early, with `has_more`); threads from there on are in neither list, to be asked
/// for again.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PostPages {
    pub pages: Vec<PostPage>,
    /// Threads asked for that do not exist, or that the caller may not read.
    #[serde(default)]
    pub missing: Vec<String>,
}

/// `POST /threads/{id}/posts`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPost {
    /// Markdown.
    pub body: String,
    /// The id of the post answered; absent for a reply to the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
}

/// `PATCH /posts/{id}`: a new body, or `deleted: true` to leave a tombstone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostEdit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
}
