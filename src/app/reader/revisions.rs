//! `E` on an edited post: its earlier versions, fetched from the server in the background
//! (the sync engine asks; the reader never waits), shown one at a time — the one before
//! the current text first. Offline says so; a server kind that keeps none says so.

use crate::app::msg::Effect;
use crate::app::state::{Overlay, State};
use crate::model::{PostId, Revision};
use crate::sync::protocol::{Connection, SyncCommand};
use crate::text::sanitize::clean_line;
use crossterm::event::{KeyCode, KeyEvent};

/// Where the fetch stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetch {
    /// Asked for; the answer comes from the sync engine.
    Waiting,
    /// The earlier versions, oldest first.
    Got(Vec<Revision>),
    /// Why they could not be fetched.
    Failed(String),
}

/// The earlier versions of one post, on screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevisionsView {
    pub post: PostId,
    /// Its number in the thread and its author, for the title.
    pub seq: u32,
    pub author: String,
    /// Its current version.
    pub version: u64,
    pub fetch: Fetch,
    /// Which earlier version is shown (an index into the fetched list).
    pub shown: usize,
}

/// `E`: asks for the current post's earlier versions and opens the view.
pub fn show(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(open) = &state.reader.open else {
        return state.notice("open a thread first: E shows the earlier versions of a post");
    };
    if !state.capabilities.revisions {
        let why = state
            .capabilities
            .cannot("show the earlier versions of posts");
        return state.notice(why);
    }
    let pos = state.reader.current;
    if open.is_echo(pos) {
        return state.notice("that reply is still in your outbox: it has no versions yet");
    }
    let Some(post) = open.post(pos) else {
        return state.notice("no post here");
    };
    if post.edited_at.is_none() && post.version <= 1 {
        return state.notice(format!(
            "post #{} was not edited: it has no earlier versions",
            post.seq
        ));
    }
    let mut view = RevisionsView {
        post: post.id.clone(),
        seq: post.seq,
        author: clean_line(&post.author.name).into_owned(),
        version: post.version,
        fetch: Fetch::Waiting,
        shown: 0,
    };
    match &state.status.connection {
        // No sync engine runs (it could not start): nobody would answer.
        Connection::Offline {
            reason,
            retry_at: None,
        } => {
            view.fetch = Fetch::Failed(format!(
                "offline: the earlier versions come from the server, and there is no connection to it ({})",
                clean_line(reason)
            ));
        }
        connection => {
            if matches!(connection, Connection::Offline { .. }) {
                state.notice(
                    "offline: the earlier versions come from the server; asked, but it cannot be reached now",
                );
            }
            fx.push(Effect::Sync(SyncCommand::Revisions {
                post: view.post.clone(),
                version: view.version,
            }));
        }
    }
    state.reader.revisions = Some(Box::new(view));
    state.overlay = Overlay::Revisions { scroll: 0 };
}

/// The engine's answer: shown when the view still waits for this post.
pub fn arrived(state: &mut State, post: &PostId, result: Result<Vec<Revision>, String>) {
    let Some(view) = state.reader.revisions.as_mut().filter(|v| &v.post == post) else {
        return;
    };
    match result {
        Ok(list) => {
            view.shown = list.len().saturating_sub(1);
            view.fetch = Fetch::Got(list);
        }
        Err(why) => view.fetch = Fetch::Failed(why),
    }
}

/// A key while the view is open: j/k scroll, ←/→ (h/l) step to an older or newer
/// version, esc (or q, or E) closes.
pub fn key(state: &mut State, event: KeyEvent, scroll: usize) {
    let Some(view) = state.reader.revisions.as_mut() else {
        state.overlay = Overlay::None;
        return;
    };
    let count = match &view.fetch {
        Fetch::Got(list) => list.len(),
        _ => 0,
    };
    let scroll = match event.code {
        KeyCode::Char('j') | KeyCode::Down => scroll.saturating_add(1),
        KeyCode::Char('k') | KeyCode::Up => scroll.saturating_sub(1),
        KeyCode::PageDown | KeyCode::Char(' ') => scroll.saturating_add(10),
        KeyCode::PageUp => scroll.saturating_sub(10),
        KeyCode::Left | KeyCode::Char('h') => {
            view.shown = view.shown.saturating_sub(1);
            0
        }
        KeyCode::Right | KeyCode::Char('l') => {
            view.shown = (view.shown + 1).min(count.saturating_sub(1));
            0
        }
        KeyCode::Esc | KeyCode::Char('q' | 'E') => {
            state.overlay = Overlay::None;
            state.reader.revisions = None;
            return;
        }
        _ => {
            state.notice("←/→ older or newer version, j/k scroll, esc closes");
            scroll
        }
    };
    state.overlay = Overlay::Revisions { scroll };
}
