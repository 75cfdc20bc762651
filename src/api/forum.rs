//! The forum tree (sections → areas) and threads on the wire.

use super::posts::{Author, Post};
use super::status::Banner;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// `GET /tree`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub sections: Vec<Section>,
    /// The forum's standing announcement (distinct from a mode banner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announcement: Option<Banner>,
    /// True when post times only order posts and are not real dates.
    #[serde(default)]
    pub undated: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub areas: Vec<Area>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Area {
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub thread_count: u64,
    /// Posts in the area's threads, tombstones included.
    #[serde(default)]
    pub post_count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_post_at: Option<Timestamp>,
    /// The weakest role that may post here, when it is not `member` (an area only the
    /// board posts in says `moderator` or `admin`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_role: Option<super::Role>,
    /// The weakest role that may read here, when the area is not open to everyone (an
    /// area only members read says `member`). Nobody weaker sees it at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_role: Option<super::Role>,
}

/// A thread without its posts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Thread {
    pub id: String,
    pub area_id: String,
    pub title: String,
    pub author: Author,
    pub created_at: Timestamp,
    pub last_post_at: Timestamp,
    /// Posts, tombstones included (equal to `last_seq`).
    #[serde(default)]
    pub post_count: u32,
    #[serde(default)]
    pub last_seq: u32,
    #[serde(default)]
    pub pinned: bool,
    #[serde(default)]
    pub locked: bool,
    /// Bumped whenever the thread or its posts change.
    #[serde(default)]
    pub version: u64,
    /// How far the caller read it (`GET /threads/{id}` with a token); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_to_seq: Option<u32>,
    /// The watch level that applies to it for the caller (its own, else its area's),
    /// with a token; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch: Option<crate::model::WatchLevel>,
    /// A private message's participants (its `area_id` is empty); absent on a forum thread.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<String>,
    /// What moderators did to the thread, oldest first ("locked by ann"): in a thread's
    /// own answers and the changes feed, not in area lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub small_actions: Vec<SmallAction>,
}

/// One moderation action shown in its thread, between the posts of its time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmallAction {
    pub at: Timestamp,
    /// Who did it: a user's name, or `(operator)` for the command line.
    pub actor: String,
    /// `lock`, `unlock`, `pin`, `unpin`, `move`, `split`, `hide`, `unhide`; a client
    /// shows one it does not know by its name.
    pub action: String,
    /// `move`: `from A to B`; `split`: where the posts went or came from; `hide`: the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The post it touched (`hide`, `unhide`): its place in the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_seq: Option<u32>,
}

/// `GET /areas/{id}/threads`: most recently active first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadPage {
    pub threads: Vec<Thread>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `POST /areas/{id}/threads`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewThread {
    pub title: String,
    /// The opening post, Markdown.
    pub body: String,
}

/// The answer to `POST /areas/{id}/threads`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadCreated {
    pub thread: Thread,
    pub post: Post,
}
