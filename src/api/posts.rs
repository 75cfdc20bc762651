//! Posts on the wire: reading a thread's posts, replying, editing and deleting.

use super::forum::Thread;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

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
