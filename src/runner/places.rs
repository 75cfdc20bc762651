//! The reader's disk work on watch levels and bookmarks: `places.json` loaded, a change
//! recorded (queued for the server first, through the same store code as `threadmark
//! watch`/`bookmark`), and the bookmarks list with what the cache knows of each post.

use super::interpreter::Tell;
use crate::app::Stored;
use crate::app::lists::bookmarks::BookmarkRow;
use crate::model::{PlaceMark, Thread, ThreadId};
use crate::store::{AccountDir, Cache, load_places, record_place};
use std::collections::BTreeMap;

/// Reads `places.json` and tells the reader.
pub fn load(dir: &AccountDir, tell: Tell<'_>) {
    match load_places(dir) {
        Ok(places) => tell(Stored::Places {
            places: Box::new(places),
            said: None,
        }),
        Err(e) => {
            tracing::warn!("reading places.json: {e}");
            tell(Stored::Failed(format!(
                "could not read your watch levels and bookmarks: {e}"
            )));
        }
    }
}

/// Records one change; `said` reaches the status line once it is on disk.
pub fn record(dir: &AccountDir, mark: PlaceMark, said: &str, queue: bool, tell: Tell<'_>) {
    match record_place(dir, mark, queue) {
        Ok(places) => {
            let how = if queue {
                "the next sync sends it"
            } else {
                "kept on this machine only"
            };
            tell(Stored::Places {
                places: Box::new(places),
                said: Some(format!("{said} ({how})")),
            });
        }
        Err(e) => {
            tracing::warn!("recording a watch level or bookmark: {e}");
            tell(Stored::Failed(format!(
                "could not save that ({e}); nothing changed"
            )));
            load(dir, tell);
        }
    }
}

/// The bookmarks, newest first, with their threads' titles and their posts' numbers and
/// authors where the cache has them.
pub fn bookmarks(dir: &AccountDir, tell: Tell<'_>) {
    let places = match load_places(dir) {
        Ok(places) => places,
        Err(e) => {
            tell(Stored::Failed(format!(
                "could not read your bookmarks: {e}"
            )));
            return;
        }
    };
    let mut cache = Cache::open(dir.clone());
    let mut threads: BTreeMap<ThreadId, Option<Thread>> = BTreeMap::new();
    let mut rows = Vec::new();
    for bookmark in places.bookmarks() {
        let thread = threads
            .entry(bookmark.thread.clone())
            .or_insert_with(|| cache.load_thread(&bookmark.thread).ok().flatten());
        let post = thread
            .as_ref()
            .and_then(|t| t.posts.iter().find(|p| p.id == bookmark.post));
        rows.push(BookmarkRow {
            title: thread.as_ref().map(|t| t.summary.title.to_string()),
            seq: post.map(|p| p.seq),
            author: post.map(|p| p.author.name.to_string()),
            post: bookmark.post,
            thread: bookmark.thread,
            note: bookmark.note,
            at: bookmark.at,
        });
    }
    for problem in cache.take_problems() {
        tracing::warn!("{problem}");
    }
    tell(Stored::Bookmarks(rows));
}
