//! One post: its author, place in the reply tree, and body text.

use super::ids::{PostId, ThreadId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Who wrote a post. Badges ("non-member", "admin") are attributes, never part of the name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub name: compact_str::CompactString,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub badge: Option<String>,
}

impl Author {
    pub fn new(name: impl Into<compact_str::CompactString>) -> Self {
        Self {
            name: name.into(),
            badge: None,
        }
    }
}

/// The markup a body is written in; it decides which renderer runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyFormat {
    #[default]
    Markdown,
    /// Discourse's `cooked` HTML.
    Html,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Body {
    #[serde(default)]
    pub format: BodyFormat,
    pub text: String,
    /// Where relative links in the body point: the site's base URL (Discourse bodies link
    /// to `/t/…` and `/u/…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
}

impl Body {
    /// Discourse's `cooked` HTML.
    pub fn html(text: impl Into<String>) -> Self {
        Self {
            format: BodyFormat::Html,
            text: text.into(),
            base_url: None,
        }
    }

    pub fn markdown(text: impl Into<String>) -> Self {
        Self {
            format: BodyFormat::Markdown,
            text: text.into(),
            base_url: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Post {
    pub id: PostId,
    /// A thread's file says it once for all its posts (see `store::thread_file`).
    #[serde(default = "unnamed_thread")]
    pub thread: ThreadId,
    /// Dense per thread, starting at 1; the opening post is seq 1.
    pub seq: u32,
    /// The post this one answers; `None` for the opening post and for replies to the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<PostId>,
    pub author: Author,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<Timestamp>,
    pub body: Body,
    /// A deleted post stays as a tombstone so `seq` stays dense.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// The tombstone was made by a moderator, not by the author (Lemmy's "removed").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
    /// Votes up minus down, where the server counts them (Lemmy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<i64>,
    /// Server-side revision; edits bump it.
    #[serde(default)]
    pub version: u64,
    /// The idempotency key the author sent it with (only echoed to its author).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<String>,
    /// Likes, where the server counts them (API v1 `reactions.like`, Discourse
    /// `post_action_type_id` 2).
    #[serde(default, skip_serializing_if = "Reactions::is_empty")]
    pub reactions: Reactions,
}

/// The thread of a post read without one, until its reader names it.
fn unnamed_thread() -> ThreadId {
    ThreadId::new("")
}

/// The likes on a post and whether the account gave one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reactions {
    #[serde(default)]
    pub likes: u32,
    /// The account liked it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub liked: bool,
}

impl Reactions {
    pub fn is_empty(&self) -> bool {
        self.likes == 0 && !self.liked
    }
}
