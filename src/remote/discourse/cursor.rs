//! What a Discourse pull remembers between calls (persisted by the engine as the opaque
//! cursor): the categories, the newest activity already listed, per-topic post lists that
//! fix each post's `seq`, and the progress of the sync round under way.
//!
//! `seq` is a post's position in our per-topic list, which only ever grows: ids are
//! appended in `post_stream.stream` order the first time they are seen, and an id that
//! leaves the stream (deleted, moved away) keeps its place as a tombstone. So a deletion
//! upstream never shifts the `seq` of later posts, and read marks stay valid. A topic
//! first met as a mega topic (no stream) is numbered by `post_number` instead.

use super::wire::Category;
use crate::remote::Cursor;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Bumped when the layout changes; an older cursor starts a fresh sync.
pub const SCHEMA: u32 = 2;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PullCursor {
    /// Always `"discourse"`: a native cursor handed over by mistake is not read as ours.
    pub backend: String,
    pub schema: u32,
    /// Fingerprint of the tree last delivered; a new one is sent only when it changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tree: Option<String>,
    /// The forum's name (`/site/basic-info.json`), asked once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The categories as last read, and when: read again after a day, or when a listing
    /// names one we do not know.
    #[serde(default)]
    pub categories: Vec<Category>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories_read_at: Option<Timestamp>,
    /// Categories seen holding topics of their own (other than their "About" topic):
    /// they get an area even when their `topic_count` says 0 (it lags).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub populated: BTreeSet<u64>,
    /// The newest `bumped_at` of a non-pinned topic a complete listing has seen; `None`
    /// until the first listing of the whole forum is complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_water: Option<Timestamp>,
    #[serde(default)]
    pub topics: BTreeMap<u64, TopicRecord>,
    /// Topics that could not be read last round (a server error on them, a malformed
    /// answer): read again in the next one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retry: Vec<u64>,
    /// The prefetch policy the listing was made for: a change lists everything again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The topic read last as the one the user is looking at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus_read: Option<u64>,
    /// Topics the reader had open whose cached posts were all compared for edits by
    /// others, and when: compared again after a few minutes (`pull::FOCUS_RECHECK`);
    /// entries older than that are dropped.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub focus_checked: BTreeMap<u64, Timestamp>,
    /// The round under way, `None` between rounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<Round>,
    /// The user's watch levels and bookmarks as last seen on the forum.
    #[serde(default)]
    pub places: super::places::SeenPlaces,
    /// Rounds since the notifications were last read (`None`: never read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_rounds: Option<u32>,
    /// Rounds since the private messages were last listed (`None`: never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_rounds: Option<u32>,
    /// The message lists read to their last page once (`super::messages::LISTS`): after
    /// that, their first page alone brings what is new.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub messages_walked: BTreeSet<String>,
    /// Message lists being read page by page: the next page of each (0-based), resumed
    /// in the next round when a round's share of pages is spent.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub message_pages: BTreeMap<String, u32>,
}

impl PullCursor {
    pub fn fresh() -> Self {
        Self {
            backend: "discourse".to_owned(),
            schema: SCHEMA,
            ..Self::default()
        }
    }

    /// Reads a cursor; `None` when it is not a current Discourse cursor (then the pull
    /// starts over and says so).
    pub fn read(cursor: &Cursor) -> Option<Self> {
        serde_json::from_value::<Self>(cursor.clone())
            .ok()
            .filter(|c| c.backend == "discourse" && c.schema == SCHEMA)
    }

    pub fn to_value(&self) -> Cursor {
        serde_json::to_value(self).unwrap_or(Cursor::Null)
    }
}

/// What we know of one topic.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TopicRecord {
    /// The listing entry as of the last read of the topic: a different one means its
    /// posts need reading again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<ListingMark>,
    /// The newest listing entry seen (headers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listed: Option<ListingMark>,
    /// What the listing says about the user's interest, for the prefetch policy.
    #[serde(default, skip_serializing_if = "Interest::is_none")]
    pub interest: Interest,
    /// Posts in `seq` order (`seq` = index + 1), or by post number (see `numbered`).
    #[serde(default)]
    pub posts: Vec<PostRecord>,
    /// A mega topic first met without its stream: `seq` is the post number, and every
    /// post from `scanned_from` on is known.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub numbered: bool,
    /// Numbered topics: post numbers from here on are all in `posts`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanned_from: Option<u64>,
    /// The post number the forum has the user read up to, as last listed or sent by
    /// our timings: what is read here beyond it goes out as timings.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub server_read: u64,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl TopicRecord {
    pub fn seq_of(&self, id: u64) -> Option<u32> {
        if self.numbered {
            return self
                .posts
                .iter()
                .find(|p| p.id() == id)
                .and_then(|p| u32::try_from(p.number()).ok());
        }
        self.posts
            .iter()
            .position(|p| p.id() == id)
            .and_then(|i| u32::try_from(i + 1).ok())
    }

    pub fn last_seq(&self) -> u32 {
        if self.numbered {
            let last = self.posts.iter().map(|p| p.number()).max().unwrap_or(0);
            return u32::try_from(last).unwrap_or(u32::MAX);
        }
        u32::try_from(self.posts.len()).unwrap_or(u32::MAX)
    }

    /// Any post body of this topic is in the cache.
    pub fn has_bodies(&self) -> bool {
        self.posts.iter().any(|p| p.fetched())
    }

    pub fn highest_number(&self) -> u64 {
        self.posts.iter().map(|p| p.number()).max().unwrap_or(0)
    }
}

/// What a topic listing says about a topic's activity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingMark {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bumped_at: Option<Timestamp>,
    #[serde(default)]
    pub highest_post_number: u64,
    #[serde(default)]
    pub posts_count: u64,
}

/// Why a topic might matter to the user.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interest {
    /// The topic's category.
    #[serde(default)]
    pub category: u64,
    /// The user's watch level on the topic (2 tracking, 3 watching).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u8>,
    /// The user posted in it (their own topics included).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub posted: bool,
}

impl Interest {
    pub fn is_none(&self) -> bool {
        *self == Self::default()
    }
}

/// One post as `[id, post_number, version, state, stamp, text]`: compact, since a big
/// forum has many. `post_number` 0 means the body was never fetched; `state` is 0 for a
/// live post, [`LEFT_STREAM`] for one that left the topic's stream, [`DELETED`] for one
/// the server marks deleted or hidden, plus [`EDITED_IN_PLACE`] once its text was seen
/// to change without a new version; `stamp` is a hash of what the post shows (`updated_at`
/// and the body, likes), which changes on edits that keep the version (Discourse's grace
/// period, rebakes); `text` hashes of `cooked` and `updated_at` apart (0: not known, an
/// older cursor), to tell an edit (both change) from a like or a rebake.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostRecord(
    u64,
    u64,
    u64,
    u8,
    #[serde(default)] u32,
    #[serde(default)] u32,
);

const LEFT_STREAM: u8 = 1;
const DELETED: u8 = 2;
/// The gone states, without the flag below.
const GONE: u8 = LEFT_STREAM | DELETED;
/// The text changed while the version stayed (an edit in Discourse's grace period): the
/// post is shown edited from then on, though the forum shows no mark.
const EDITED_IN_PLACE: u8 = 4;

impl PostRecord {
    pub fn new(id: u64) -> Self {
        Self(id, 0, 0, 0, 0, 0)
    }
    pub fn id(self) -> u64 {
        self.0
    }
    pub fn number(self) -> u64 {
        self.1
    }
    pub fn version(self) -> u64 {
        self.2
    }
    pub fn stamp(self) -> u32 {
        self.4
    }
    /// The hash of the body as last fetched (0: not known).
    pub fn text(self) -> u32 {
        self.5
    }
    pub fn gone(self) -> bool {
        self.3 & GONE != 0
    }
    /// Left the stream earlier: if it is back, its body must be fetched again.
    pub fn left_stream(self) -> bool {
        self.3 & GONE == LEFT_STREAM
    }
    /// Its text was seen to change without a new version.
    pub fn edited_in_place(self) -> bool {
        self.3 & EDITED_IN_PLACE != 0
    }
    pub fn set_edited_in_place(&mut self) {
        self.3 |= EDITED_IN_PLACE;
    }
    pub fn fetched(self) -> bool {
        self.1 != 0
    }
    pub fn set_fetched(&mut self, number: u64, version: u64, gone: bool, stamps: (u32, u32)) {
        self.1 = number.max(1);
        self.2 = version;
        self.3 = (self.3 & EDITED_IN_PLACE) | if gone { DELETED } else { 0 };
        (self.4, self.5) = stamps;
    }
    pub fn set_left_stream(&mut self) {
        self.3 = (self.3 & EDITED_IN_PLACE) | LEFT_STREAM;
    }
}

/// A sync round: the categories when they may have changed, the latest topics down to
/// the high-water mark (every topic, the first time), then the topics whose posts are
/// wanted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Round {
    /// Read the categories before going on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub site: bool,
    /// Lazy-loading sites: the next `/categories.json` page to read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_page: Option<u32>,
    /// Categories a listing named that the tree lacks: asked for by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_categories: Vec<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing: Option<ListingScan>,
    /// The user's bookmark list, when this round reads it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bookmarks: Option<super::places::BookmarkScan>,
    /// This round reads the user's notifications (`/notifications.json`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub notifications: bool,
    /// The private-message lists this round still reads (`super::messages::LISTS`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<String>,
    /// Pages of the first of `messages` read this round.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub message_pages_read: u64,
    /// Topics to read, in order (newest activity first).
    pub queue: VecDeque<Queued>,
    /// Topics whose posts are being fetched: the front one first.
    pub jobs: VecDeque<TopicJob>,
    /// Topics whose reading was sent this round (`/topics/timings`, one request each).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub timed: BTreeSet<u64>,
    /// Topics read / to read this round, for the status line.
    pub done: u64,
    pub total: u64,
}

/// Paging through `/latest.json`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingScan {
    /// Next page to fetch (0-based, as Discourse counts).
    pub page: u32,
    /// Newest non-pinned `bumped_at` seen so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest: Option<Timestamp>,
}

/// A topic waiting to be read, with the listing entry that made it wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queued {
    pub topic: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<ListingMark>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicJob {
    pub topic: u64,
    /// Post ids to fetch, in stream order.
    pub missing: VecDeque<u64>,
    /// Mega topics: first ask for the ids of every post after this post number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_from: Option<u64>,
    /// The user is waiting for it (it may spend the budget's reserve).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub user: bool,
}

/// A stable fingerprint (FNV-1a) of a value's JSON, to tell whether the tree changed.
pub fn fingerprint(value: &impl Serialize) -> String {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    format!("{:016x}", fnv(&bytes))
}

/// FNV-1a over bytes.
pub fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_foreign_or_older_ones_are_refused() {
        let mut c = PullCursor::fresh();
        let mut record = TopicRecord::default();
        let mut p = PostRecord::new(83);
        p.set_fetched(1, 5, false, (77, 9));
        p.set_edited_in_place();
        record.posts.push(p);
        record.posts.push(PostRecord::new(84));
        c.topics.insert(57, record);
        let value = c.to_value();
        assert_eq!(
            value["topics"]["57"]["posts"][0],
            serde_json::json!([83, 1, 5, 4, 77, 9])
        );
        assert!(!p.gone() && p.edited_in_place());
        let five: PostRecord =
            serde_json::from_value(serde_json::json!([83, 1, 5, 0, 77])).unwrap();
        assert_eq!(
            five.text(),
            0,
            "a record of an older cursor reads, its text unknown"
        );
        assert_eq!(PullCursor::read(&value), Some(c));
        assert_eq!(PullCursor::read(&serde_json::json!({"since": "abc"})), None);
        assert_eq!(
            PullCursor::read(&serde_json::json!({"backend": "discourse", "schema": 1})),
            None,
            "a schema-1 cursor starts a fresh sync"
        );
    }

    #[test]
    fn seq_is_the_position_or_the_post_number() {
        let mut record = TopicRecord::default();
        for (id, number) in [(83, 1), (84, 2), (226, 14)] {
            let mut p = PostRecord::new(id);
            p.set_fetched(number, 1, false, (0, 0));
            record.posts.push(p);
        }
        assert_eq!(record.seq_of(226), Some(3));
        assert_eq!(record.last_seq(), 3);
        record.numbered = true;
        assert_eq!(record.seq_of(226), Some(14));
        assert_eq!(record.last_seq(), 14);
    }
}
