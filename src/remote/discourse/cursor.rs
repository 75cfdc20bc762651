//! What a Discourse pull remembers between calls (persisted by the engine as the opaque
//! cursor): per-category `bumped_at` high-water marks, per-topic post lists that fix each
//! post's `seq`, and the progress of the sync round under way.
//!
//! `seq` is a post's position in our per-topic list, which only ever grows: ids are
//! appended in `post_stream.stream` order the first time they are seen, and an id that
//! leaves the stream (deleted, hidden, moved away) keeps its place as a tombstone. So a
//! deletion upstream never shifts the `seq` of later posts, and read marks stay valid.

use crate::remote::Cursor;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// Bumped when the layout changes; an older cursor starts a fresh sync.
pub const SCHEMA: u32 = 1;

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
    /// Top-level category id → newest `bumped_at` of a non-pinned topic already listed.
    #[serde(default)]
    pub high_water: BTreeMap<u64, Timestamp>,
    #[serde(default)]
    pub topics: BTreeMap<u64, TopicRecord>,
    /// Topics that could not be read last round (a server error on them, a malformed
    /// answer): read first in the next one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retry: Vec<Queued>,
    /// The round under way, `None` between rounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<Round>,
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
    /// The listing entry as of the last successful read: a different one means the
    /// topic needs reading again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<ListingMark>,
    /// Posts in `seq` order (`seq` = index + 1).
    #[serde(default)]
    pub posts: Vec<PostRecord>,
}

impl TopicRecord {
    pub fn seq_of(&self, id: u64) -> Option<u32> {
        self.posts
            .iter()
            .position(|p| p.id() == id)
            .and_then(|i| u32::try_from(i + 1).ok())
    }

    pub fn last_seq(&self) -> u32 {
        u32::try_from(self.posts.len()).unwrap_or(u32::MAX)
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

/// A topic waiting to be read, with the listing entry that made it wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queued {
    pub topic: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<ListingMark>,
}

/// One post as `[id, post_number, version, gone]`: compact, since a big forum has many.
/// `post_number` 0 means the body was never fetched; `gone` is 0 for a live post,
/// [`LEFT_STREAM`] for one that left the topic's stream, [`DELETED`] for one the server
/// marks deleted or hidden.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostRecord(u64, u64, u64, u8);

const LEFT_STREAM: u8 = 1;
const DELETED: u8 = 2;

impl PostRecord {
    pub fn new(id: u64) -> Self {
        Self(id, 0, 0, 0)
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
    pub fn gone(self) -> bool {
        self.3 != 0
    }
    /// Left the stream earlier: if it is back, its body must be fetched again.
    pub fn left_stream(self) -> bool {
        self.3 == LEFT_STREAM
    }
    pub fn fetched(self) -> bool {
        self.1 != 0
    }
    pub fn set_fetched(&mut self, number: u64, version: u64, gone: bool) {
        self.1 = number.max(1);
        self.2 = version;
        self.3 = if gone { DELETED } else { 0 };
    }
    pub fn set_left_stream(&mut self) {
        self.3 = LEFT_STREAM;
    }
}

/// A sync round: the tree, then each top-level category's listing down to its
/// high-water mark, then every topic that changed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Round {
    /// Category id → the area its topics belong to, from this round's tree.
    pub areas: BTreeMap<u64, u64>,
    pub listings: VecDeque<ListingProgress>,
    /// Topics to read, in order.
    pub queue: VecDeque<Queued>,
    /// Topics being read: the front one is read first (the focused thread jumps ahead).
    pub jobs: VecDeque<TopicJob>,
    /// The focused topic already read this round.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus_done: Option<u64>,
    /// Topics read / to read this round, for the status line.
    pub done: u64,
    pub total: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingProgress {
    pub category: u64,
    pub slug: String,
    /// Next page to fetch (0-based, as Discourse counts).
    pub page: u32,
    /// Newest non-pinned `bumped_at` seen in this listing so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicJob {
    pub topic: u64,
    /// Post ids still to fetch, in stream order.
    pub missing: VecDeque<u64>,
}

/// A stable fingerprint (FNV-1a) of a value's JSON, to tell whether the tree changed.
pub fn fingerprint(value: &impl Serialize) -> String {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_foreign_ones_are_refused() {
        let mut c = PullCursor::fresh();
        let mut record = TopicRecord::default();
        let mut p = PostRecord::new(83);
        p.set_fetched(1, 5, false);
        record.posts.push(p);
        record.posts.push(PostRecord::new(84));
        c.topics.insert(57, record);
        let value = c.to_value();
        assert_eq!(
            value["topics"]["57"]["posts"][0],
            serde_json::json!([83, 1, 5, 0])
        );
        assert_eq!(PullCursor::read(&value), Some(c));
        assert_eq!(PullCursor::read(&serde_json::json!({"since": "abc"})), None);
        assert_eq!(
            PullCursor::read(&serde_json::json!({"backend": "discourse", "schema": 99})),
            None
        );
    }

    #[test]
    fn seq_is_the_position_in_the_record() {
        let mut record = TopicRecord::default();
        for (id, number) in [(83, 1), (84, 2), (226, 14)] {
            let mut p = PostRecord::new(id);
            p.set_fetched(number, 1, false);
            record.posts.push(p);
        }
        assert_eq!(record.seq_of(226), Some(3));
        assert_eq!(record.last_seq(), 3);
    }
}
