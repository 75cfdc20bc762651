//! `threadmark watch THREAD|AREA --level …`, `threadmark bookmark POST [--note TEXT]
//! [--remove]`, `threadmark bookmarks [--json]`: the user's watch levels and bookmarks,
//! kept here (`places.json`) and — queued like read marks — on the server.

use super::post_changes::find_post;
use super::resolve_thread;
use crate::account::Account;
use crate::model::{AreaId, PlaceMark, WatchLevel, WatchTarget};
use crate::store::{Cache, load_places, record_place};
use crate::text::sanitize::clean_line;
use serde::Serialize;
use std::io::Write;

/// Records `mark` here and queues it for the server when the account syncs read state.
fn record(account: &Account, mark: PlaceMark) -> anyhow::Result<bool> {
    let queued = account.queues_place_marks();
    record_place(&account.dir, mark, queued)?;
    Ok(queued)
}

/// Ends the line that said what was marked: with where it goes next when it was queued
/// for the server (read marks, watch levels, bookmarks, inbox items alike).
pub(super) fn said_queued(out: &mut impl Write, queued: bool) -> anyhow::Result<()> {
    if queued {
        writeln!(
            out,
            " (queued for the server: `threadmark sync` or the reader sends it)"
        )?;
    } else {
        writeln!(out)?;
    }
    Ok(())
}

/// `threadmark watch NAME --level LEVEL`: NAME is a thread id, an area id, or a part of a
/// thread's title that matches only one.
pub fn watch(
    account: &Account,
    name: &str,
    level: WatchLevel,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut cache = Cache::open(account.dir.clone());
    let forum = cache.load_forum()?.unwrap_or_default();
    let threads = cache.load_index()?;
    // An exact thread id names that thread; else an exact area id names the area (a title
    // part that also matches a thread is then pointed out below, so the user is not
    // surprised); else a part of a thread's title.
    let exact_thread = threads.iter().find(|t| t.id.as_str() == name);
    let area = forum
        .area(&AreaId::new(name))
        .filter(|_| exact_thread.is_none());
    let mut also_a_thread = None;
    let (target, title) = if let Some((_, area)) = area {
        also_a_thread = resolve_thread(&threads, name).ok();
        (WatchTarget::Area(area.id.clone()), area.title.clone())
    } else {
        let summary = resolve_thread(&threads, name)?;
        (
            WatchTarget::Thread(summary.id.clone()),
            summary.title.to_string(),
        )
    };
    let kind = target.kind();
    let queued = record(
        account,
        PlaceMark::Watch {
            target,
            level,
            at: jiff::Timestamp::now(),
        },
    )?;
    write!(out, "{kind} \"{}\" is {level}", clean_line(&title))?;
    said_queued(out, queued)?;
    if let Some(thread) = also_a_thread {
        writeln!(
            out,
            "(that is the area {name}; for the thread \"{}\" name it by its id: threadmark watch {} --level {level})",
            clean_line(&thread.title),
            thread.id
        )?;
    }
    Ok(())
}

/// `threadmark bookmark POST [--note TEXT] [--remove]`.
pub fn bookmark(
    account: &Account,
    name: &str,
    note: Option<&str>,
    remove: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let (thread, post) = find_post(account, name)?;
    let at = jiff::Timestamp::now();
    let mark = if remove {
        PlaceMark::Unbookmark {
            post: post.id.clone(),
            at,
        }
    } else {
        PlaceMark::Bookmark {
            post: post.id.clone(),
            thread: thread.clone(),
            note: note
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            at,
        }
    };
    let queued = record(account, mark)?;
    let what = if remove {
        "removed the bookmark on"
    } else {
        "bookmarked"
    };
    write!(out, "{what} {thread}#{} ({})", post.seq, post.id)?;
    said_queued(out, queued)
}

#[derive(Serialize)]
struct BookmarkJson {
    post: String,
    thread: String,
    /// The thread's title, when the cache knows the thread.
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    at: jiff::Timestamp,
}

/// `threadmark bookmarks [--json]`: every bookmark on the account, newest first.
pub fn bookmarks(account: &Account, json: bool, out: &mut impl Write) -> anyhow::Result<()> {
    let places = load_places(&account.dir)?;
    let threads = Cache::open(account.dir.clone()).load_index()?;
    let list: Vec<BookmarkJson> = places
        .bookmarks()
        .into_iter()
        .map(|b| BookmarkJson {
            title: threads
                .iter()
                .find(|t| t.id == b.thread)
                .map(|t| t.title.to_string()),
            post: b.post.to_string(),
            thread: b.thread.to_string(),
            note: b.note,
            at: b.at,
        })
        .collect();
    if json {
        let value = serde_json::json!({ "version": super::json::VERSION, "bookmarks": list });
        writeln!(out, "{}", super::json::terminal_safe(&value)?)?;
        return Ok(());
    }
    if list.is_empty() {
        writeln!(
            out,
            "no bookmarks (b in the reader or `threadmark bookmark POST` sets one)"
        )?;
    }
    for b in &list {
        let title = b.title.as_deref().unwrap_or(&b.thread);
        write!(out, "{}  {}  {}", b.post, b.thread, clean_line(title))?;
        if let Some(note) = &b.note {
            write!(out, "  — {}", clean_line(note))?;
        }
        writeln!(out)?;
    }
    Ok(())
}
