//! Watch levels and bookmarks: the user's own marks on threads, areas and posts, the same
//! for every server kind (API v1 keeps them per user; other backends map them onto their
//! own notions), merged by one rule: the latest change wins.

use super::ids::{AreaId, PostId, ThreadId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// How much a thread or area asks for the user's attention.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WatchLevel {
    /// Every new post counts and is announced.
    Watching,
    /// New posts count as unread; the thread is marked in the tree.
    Tracking,
    /// The default.
    #[default]
    Normal,
    /// Left out of unread counts and of "next unread"; dimmed in the tree.
    Muted,
}

impl WatchLevel {
    pub const ALL: [WatchLevel; 4] = [
        WatchLevel::Watching,
        WatchLevel::Tracking,
        WatchLevel::Normal,
        WatchLevel::Muted,
    ];

    /// The level `w` moves to: normal → watching → tracking → muted → normal.
    #[must_use]
    pub fn cycled(self) -> WatchLevel {
        match self {
            WatchLevel::Normal => WatchLevel::Watching,
            WatchLevel::Watching => WatchLevel::Tracking,
            WatchLevel::Tracking => WatchLevel::Muted,
            WatchLevel::Muted => WatchLevel::Normal,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            WatchLevel::Watching => "watching",
            WatchLevel::Tracking => "tracking",
            WatchLevel::Normal => "normal",
            WatchLevel::Muted => "muted",
        }
    }

    pub fn parse(text: &str) -> Option<WatchLevel> {
        WatchLevel::ALL.into_iter().find(|l| l.as_str() == text)
    }
}

impl fmt::Display for WatchLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a watch level is set on.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "on", content = "id", rename_all = "snake_case")]
pub enum WatchTarget {
    Thread(ThreadId),
    Area(AreaId),
}

impl WatchTarget {
    /// `thread` or `area`, as the wire and the server's store name it.
    pub fn kind(&self) -> &'static str {
        match self {
            WatchTarget::Thread(_) => "thread",
            WatchTarget::Area(_) => "area",
        }
    }

    pub fn id(&self) -> &str {
        match self {
            WatchTarget::Thread(id) => id.as_str(),
            WatchTarget::Area(id) => id.as_str(),
        }
    }
}

impl fmt::Display for WatchTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind(), self.id())
    }
}

/// A bookmark on a post, with the user's optional note.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bookmark {
    pub post: PostId,
    pub thread: ThreadId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// When the user set it.
    pub at: Timestamp,
}

/// One change the user made, as queued and sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum PlaceMark {
    Watch {
        target: WatchTarget,
        level: WatchLevel,
        at: Timestamp,
    },
    Bookmark {
        post: PostId,
        thread: ThreadId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        at: Timestamp,
    },
    Unbookmark {
        post: PostId,
        at: Timestamp,
    },
}

impl PlaceMark {
    pub fn at(&self) -> Timestamp {
        match self {
            PlaceMark::Watch { at, .. }
            | PlaceMark::Bookmark { at, .. }
            | PlaceMark::Unbookmark { at, .. } => *at,
        }
    }
}

/// A watch level with the time it was set (`Normal` with a time: set back on purpose).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchSet {
    pub level: WatchLevel,
    pub at: Timestamp,
}

/// A bookmark's latest state: set (with its note) or removed, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookmarkState {
    pub thread: ThreadId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
}

/// The user's watch levels and bookmarks on one account, each with the time of its
/// latest change: what the tree, the reader and `threadmark bookmarks` show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Places {
    #[serde(default)]
    pub threads: BTreeMap<ThreadId, WatchSet>,
    #[serde(default)]
    pub areas: BTreeMap<AreaId, WatchSet>,
    #[serde(default)]
    pub bookmarks: BTreeMap<PostId, BookmarkState>,
}

impl Places {
    /// Folds one change in, from this device or from the server: the latest change
    /// wins (a tie keeps what is there). Returns whether anything changed.
    pub fn apply(&mut self, mark: &PlaceMark) -> bool {
        match mark {
            PlaceMark::Watch { target, level, at } => {
                let set = WatchSet {
                    level: *level,
                    at: *at,
                };
                let slot = match target {
                    WatchTarget::Thread(id) => self.threads.entry(id.clone()),
                    WatchTarget::Area(id) => {
                        return later(self.areas.entry(id.clone()), set, |s| s.at);
                    }
                };
                later(slot, set, |s| s.at)
            }
            PlaceMark::Bookmark {
                post,
                thread,
                note,
                at,
            } => later(
                self.bookmarks.entry(post.clone()),
                BookmarkState {
                    thread: thread.clone(),
                    note: note.clone(),
                    at: *at,
                    removed: false,
                },
                |s| s.at,
            ),
            PlaceMark::Unbookmark { post, at } => {
                let thread = self
                    .bookmarks
                    .get(post)
                    .map_or_else(|| ThreadId::new(""), |b| b.thread.clone());
                later(
                    self.bookmarks.entry(post.clone()),
                    BookmarkState {
                        thread,
                        note: None,
                        at: *at,
                        removed: true,
                    },
                    |s| s.at,
                )
            }
        }
    }

    /// The level set on `target` itself (normal when none was).
    pub fn level(&self, target: &WatchTarget) -> WatchLevel {
        let set = match target {
            WatchTarget::Thread(id) => self.threads.get(id),
            WatchTarget::Area(id) => self.areas.get(id),
        };
        set.map_or(WatchLevel::Normal, |s| s.level)
    }

    /// The level that applies to a thread: its own, else its area's.
    pub fn thread_level(&self, thread: &ThreadId, area: &AreaId) -> WatchLevel {
        match self.threads.get(thread) {
            Some(set)
                if set.level != WatchLevel::Normal
                    || self.areas.get(area).is_none_or(|a| a.at <= set.at) =>
            {
                set.level
            }
            _ => self.areas.get(area).map_or(WatchLevel::Normal, |s| s.level),
        }
    }

    /// The bookmarks in place, newest first.
    pub fn bookmarks(&self) -> Vec<Bookmark> {
        let mut list: Vec<Bookmark> = self
            .bookmarks
            .iter()
            .filter(|(_, b)| !b.removed)
            .map(|(post, b)| Bookmark {
                post: post.clone(),
                thread: b.thread.clone(),
                note: b.note.clone(),
                at: b.at,
            })
            .collect();
        list.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.post.cmp(&b.post)));
        list
    }
}

/// Puts `new` in `slot` unless what is there is as new or newer.
fn later<K: Ord, V: PartialEq>(
    slot: std::collections::btree_map::Entry<'_, K, V>,
    new: V,
    at: impl Fn(&V) -> Timestamp,
) -> bool {
    use std::collections::btree_map::Entry;
    match slot {
        Entry::Vacant(v) => {
            v.insert(new);
            true
        }
        Entry::Occupied(mut o) => {
            if at(o.get()) >= at(&new) {
                return false;
            }
            o.insert(new);
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + s).unwrap()
    }

    #[test]
    fn the_latest_change_wins_whatever_order_they_arrive_in() {
        let thread = WatchTarget::Thread(ThreadId::new("t"));
        let muted = PlaceMark::Watch {
            target: thread.clone(),
            level: WatchLevel::Muted,
            at: t(2),
        };
        let watching = PlaceMark::Watch {
            target: thread.clone(),
            level: WatchLevel::Watching,
            at: t(1),
        };
        let mut a = Places::default();
        assert!(a.apply(&muted));
        assert!(!a.apply(&watching), "an older change loses");
        let mut b = Places::default();
        b.apply(&watching);
        b.apply(&muted);
        assert_eq!(a, b);
        assert_eq!(a.level(&thread), WatchLevel::Muted);

        let set = PlaceMark::Bookmark {
            post: PostId::new("p"),
            thread: ThreadId::new("t"),
            note: Some("later".into()),
            at: t(1),
        };
        let removed = PlaceMark::Unbookmark {
            post: PostId::new("p"),
            at: t(3),
        };
        let mut c = Places::default();
        c.apply(&removed);
        c.apply(&set);
        assert!(c.bookmarks().is_empty(), "the removal is newer");
        c.apply(&PlaceMark::Bookmark {
            post: PostId::new("p"),
            thread: ThreadId::new("t"),
            note: None,
            at: t(4),
        });
        assert_eq!(c.bookmarks().len(), 1);
    }

    #[test]
    fn a_thread_takes_its_areas_level_unless_set_itself_later() {
        let mut p = Places::default();
        let (thread, area) = (ThreadId::new("t"), AreaId::new("a"));
        p.apply(&PlaceMark::Watch {
            target: WatchTarget::Area(area.clone()),
            level: WatchLevel::Muted,
            at: t(1),
        });
        assert_eq!(p.thread_level(&thread, &area), WatchLevel::Muted);
        p.apply(&PlaceMark::Watch {
            target: WatchTarget::Thread(thread.clone()),
            level: WatchLevel::Watching,
            at: t(2),
        });
        assert_eq!(p.thread_level(&thread, &area), WatchLevel::Watching);
        assert_eq!(
            WatchLevel::Normal.cycled().cycled().cycled().cycled(),
            WatchLevel::Normal
        );
    }
}
