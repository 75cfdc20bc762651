//! What a Lemmy pull remembers between calls (persisted by the engine as the opaque
//! cursor): the API version and the server's own version, the communities of the
//! Local and All sections, per-community activity high-water marks, per-post comment
//! lists that fix each comment's `seq`, and the sync round under way.
//!
//! `seq` 1 is the post itself; comments follow in the order they were first seen, a
//! parent always before its replies, and a comment keeps its `seq` for good (a deleted
//! one stays as a tombstone), so read marks stay valid.

use super::version::{ApiVersion, CommentOrder, PageAt, PostOrder};
use crate::model::ThreadSummary;
use crate::remote::Cursor;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Bumped when the layout changes; an older cursor starts a fresh sync.
pub const SCHEMA: u32 = 1;

const BACKEND: &str = "lemmy";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PullCursor {
    /// Always `"lemmy"`: another backend's cursor is never read as ours.
    pub backend: String,
    pub schema: u32,
    /// The API the server answered on, and Lemmy's version ("0.19.20").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<ApiVersion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    /// Fingerprint of the tree last delivered; a new one is sent only when it changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tree: Option<String>,
    /// The most active communities, asked at most hourly.
    #[serde(default)]
    pub tops: Tops,
    /// When the areas whose comments are not prefetched were last listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub others_listed_at: Option<Timestamp>,
    /// Community id (or a feed's negative id) → newest activity (a post or a comment)
    /// already listed.
    #[serde(default)]
    pub high_water: BTreeMap<i64, Timestamp>,
    #[serde(default)]
    pub posts: BTreeMap<i64, PostRecord>,
    /// Posts whose comments could not be read last round: read first in the next one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retry: Vec<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<Round>,
    /// The account's person id (from the site's `my_user`), to tell the private
    /// messages it sent from those it received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub me: Option<i64>,
    /// Rounds since the notifications were last read ([`super::inbox`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbox_rounds: Option<u32>,
}

impl PullCursor {
    pub fn fresh() -> Self {
        Self {
            backend: BACKEND.to_owned(),
            schema: SCHEMA,
            ..Self::default()
        }
    }

    /// Reads a cursor; `None` when it is not a current Lemmy cursor.
    pub fn read(cursor: &Cursor) -> Option<Self> {
        serde_json::from_value::<Self>(cursor.clone())
            .ok()
            .filter(|c| c.backend == BACKEND && c.schema == SCHEMA)
    }

    pub fn to_value(&self) -> Cursor {
        serde_json::to_value(self).unwrap_or(Cursor::Null)
    }
}

/// The most active communities of the Local and All sections.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tops {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    #[serde(default)]
    pub local: Vec<CommunityInfo>,
    #[serde(default)]
    pub all: Vec<CommunityInfo>,
}

/// What the tree needs of a community.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunityInfo {
    pub id: i64,
    /// `name` for a local community, `name@instance` for a federated one.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Only moderators may start posts here.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mods_only: bool,
}

/// What we know of one post (a thread).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PostRecord {
    pub community: i64,
    /// The listing's counts when the comments were last read in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<PostMark>,
    /// The post itself, `seq` 1.
    #[serde(default)]
    pub op: Version,
    /// Comments in `seq` order (`seq` = index + 2).
    #[serde(default)]
    pub comments: Vec<CommentRecord>,
    /// The instance counts the post and its comments read by the account (its last
    /// listing said so, or threadmark told it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub server_read: bool,
    /// The counts of the post's last listing (`mark` is what the comments were read at).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listed: Option<PostMark>,
}

impl PostRecord {
    pub fn seq_of(&self, comment: i64) -> Option<u32> {
        self.comments
            .iter()
            .position(|c| c.id() == comment)
            .and_then(|i| u32::try_from(i + 2).ok())
    }

    /// The highest `seq`: the post and every comment known.
    pub fn last_seq(&self) -> u32 {
        u32::try_from(self.comments.len() + 1).unwrap_or(u32::MAX)
    }

    pub fn knows(&self, comment: i64) -> bool {
        self.comments.iter().any(|c| c.id() == comment)
    }
}

/// What a post listing says about a post's activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostMark {
    pub comments: i64,
    pub activity: Timestamp,
}

/// A delivered version: a counter bumped whenever the fingerprint of what was delivered
/// changes (edits, deletions, scores), as `[version, fingerprint]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version(pub u64, pub u64);

impl Version {
    /// Takes a new fingerprint; returns the version to deliver when it changed.
    pub fn update(&mut self, fingerprint: u64) -> Option<u64> {
        if self.0 > 0 && self.1 == fingerprint {
            return None;
        }
        self.0 += 1;
        self.1 = fingerprint;
        Some(self.0)
    }
}

/// One comment as `[id, parent, version, fingerprint]` (compact: a busy post has many);
/// `parent` 0 is the post itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentRecord(pub i64, pub i64, pub u64, pub u64);

impl CommentRecord {
    pub fn id(self) -> i64 {
        self.0
    }
    pub fn version(self) -> Version {
        Version(self.2, self.3)
    }
    pub fn set_version(&mut self, version: Version) {
        self.2 = version.0;
        self.3 = version.1;
    }
}

/// A sync round: the tree, each community's posts down to its high-water mark, then
/// the comments of every post that changed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Round {
    /// Community id → whether its posts' comments are fetched without being asked
    /// (the prefetch policy), for every area of this round's tree.
    pub areas: BTreeMap<i64, bool>,
    pub listings: VecDeque<ListingJob>,
    /// Posts whose comments to read, in order.
    pub queue: VecDeque<Queued>,
    /// The post whose comments are being read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<CommentJob>,
    /// The focused post already read this round.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus_done: Option<i64>,
    /// Posts the server says were read in full: marked read once their comments are in.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub read_after: BTreeSet<i64>,
    /// Posts marked read on the instance this round (or tried).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub marked_read: BTreeSet<i64>,
    /// The notification lists still to read this round ([`super::inbox`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inbox: Vec<super::inbox::List>,
    /// Posts read / to read this round, for the status line.
    pub done: u64,
    pub total: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingJob {
    pub community: i64,
    pub order: ListOrder,
    /// The next page (`None`: the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    pub pages: u32,
    /// Newest activity seen in this listing so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest: Option<Timestamp>,
}

/// [`PostOrder`] as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListOrder {
    New,
    NewComments,
}

impl ListOrder {
    pub fn post_order(self) -> PostOrder {
        match self {
            ListOrder::New => PostOrder::New,
            ListOrder::NewComments => PostOrder::NewComments,
        }
    }
}

/// A post waiting for its comments to be read, with its summary as listed (given again,
/// with the cached counts, once the comments are in).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    pub post: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<PostMark>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<ThreadSummary>,
}

/// Reading one post's comments: the requests still to make.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommentJob {
    pub post: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<PostMark>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<ThreadSummary>,
    pub steps: VecDeque<Step>,
    /// Comments whose branch was already asked for in this job.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub branched: BTreeSet<i64>,
    /// A tree answer came back at Lemmy's 300-comment cap without a next page: the rest
    /// is read page by page.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub capped: bool,
    /// The job was asked for (the thread is being read), not a prefetch.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub focused: bool,
}

/// One request of a comment job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// The post itself (`GET /post`): is it still there, its edits and lock.
    Post,
    /// The tree below `parent` (or the post), `max_depth` levels.
    Tree {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<PageAt>,
    },
    /// Every comment, a page at a time; `until_known`: stop at the first page holding a
    /// comment already known (catching up, newest first).
    Flat {
        order: FlatOrder,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<PageAt>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        until_known: bool,
    },
}

/// [`CommentOrder`] as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlatOrder {
    New,
    Old,
}

impl FlatOrder {
    pub fn comment_order(self) -> CommentOrder {
        match self {
            FlatOrder::New => CommentOrder::New,
            FlatOrder::Old => CommentOrder::Old,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_foreign_ones_are_refused() {
        let mut c = PullCursor::fresh();
        c.api = Some(ApiVersion::V3);
        let mut record = PostRecord {
            community: 3,
            ..PostRecord::default()
        };
        record.comments.push(CommentRecord(41, 0, 1, 9));
        record.comments.push(CommentRecord(45, 41, 1, 7));
        c.posts.insert(12, record);
        let value = c.to_value();
        assert_eq!(
            value["posts"]["12"]["comments"][1],
            serde_json::json!([45, 41, 1, 7])
        );
        assert_eq!(value["api"], "v3");
        assert_eq!(PullCursor::read(&value), Some(c.clone()));
        assert_eq!(c.posts[&12].seq_of(45), Some(3));
        assert_eq!(c.posts[&12].last_seq(), 3);
        assert_eq!(
            PullCursor::read(&serde_json::json!({"backend": "discourse", "schema": 1})),
            None
        );
    }

    #[test]
    fn versions_move_only_when_the_fingerprint_does() {
        let mut v = Version::default();
        assert_eq!(v.update(5), Some(1));
        assert_eq!(v.update(5), None);
        assert_eq!(v.update(6), Some(2));
    }
}
