//! Handlers for actions on the reader pane: scrolling, moving between posts, folding,
//! searching, and the links list.

use crate::app::geometry::Focus;
use crate::app::msg::Effect;
use crate::app::reader::model::Reader;
use crate::app::state::{Overlay, Prompt, PromptKind, State};
use crate::model::ThreadId;
use crate::sync::protocol::{Connection, SyncCommand};

/// True when a thread is open; otherwise says how to open one.
fn require_thread(state: &mut State) -> bool {
    if state.reader.open.is_some() {
        return true;
    }
    state.notice("no thread open: select one in the tree and press enter");
    false
}

pub fn scroll(state: &mut State, delta: isize) {
    if require_thread(state) {
        state.reader.scroll_by(delta);
    }
}

pub fn top(state: &mut State) {
    if require_thread(state) {
        state.reader.scroll_to_top();
    }
}

pub fn bottom(state: &mut State) {
    if require_thread(state) {
        state.reader.scroll_to_bottom();
    }
}

/// Runs a post-to-post move; `end` names where the reader stops when it cannot move.
pub fn step(state: &mut State, go: fn(&mut Reader) -> bool, end: &str) {
    if require_thread(state) && !go(&mut state.reader) {
        state.notice(format!("already at the {end}"));
    }
}

pub fn parent(state: &mut State) {
    if require_thread(state) && !state.reader.parent_post() {
        state.notice("this post answers the thread, not another post");
    }
}

pub fn sibling(state: &mut State, forward: bool) {
    if require_thread(state) && !state.reader.sibling(forward) {
        let which = if forward { "after" } else { "before" };
        state.notice(format!("no reply at this level {which} this one"));
    }
}

pub fn next_unread(state: &mut State) {
    if !require_thread(state) {
        return;
    }
    let read = state
        .reader
        .thread_id()
        .and_then(|id| state.data.read.thread(id))
        .cloned();
    if !state.reader.next_unread(read.as_ref()) {
        state.notice("no unread post below this one; } opens the next unread thread");
    }
}

pub fn toggle_subthread(state: &mut State) {
    if require_thread(state) && !state.reader.toggle_fold() {
        state.notice("this post has no replies to fold");
    }
}

pub fn toggle_spoilers(state: &mut State) {
    if require_thread(state) && !state.reader.toggle_spoilers() {
        state.notice("this post hides no spoiler");
    }
}

/// `I`: pictures off (or on again) for this session; when they come on, those of the open
/// thread not held yet are fetched.
pub fn toggle_pictures(state: &mut State, fx: &mut Vec<Effect>) {
    let pictures = &mut state.reader.pictures;
    if !pictures.enabled {
        state.notice("pictures are off in config.toml (images = false)");
        return;
    }
    pictures.hidden = !pictures.hidden;
    let shown = pictures.active();
    if !shown && pictures.forget_terminal() {
        fx.push(Effect::DeleteTerminalPictures);
    }
    let width = state.reader.layout.width;
    state.reader.relayout(width);
    request_pictures(state, fx);
    state.notice(if shown {
        "pictures shown"
    } else {
        "pictures hidden (I shows them)"
    });
}

/// Asks the runner for the open thread's pictures not held yet.
pub fn request_pictures(state: &mut State, fx: &mut Vec<Effect>) {
    let docs = state
        .reader
        .open
        .as_ref()
        .map_or(&[][..], |o| o.docs.as_slice());
    let urls = state.reader.pictures.to_fetch(docs);
    if !urls.is_empty() {
        fx.push(Effect::FetchPictures(urls));
    }
}

/// The runner's answer for one picture: shown in place, keeping the reader's place.
pub fn picture_arrived(
    state: &mut State,
    url: &str,
    outcome: Result<std::sync::Arc<crate::render::picture::Decoded>, String>,
) {
    if state.reader.pictures.arrived(url, outcome) {
        let width = state.reader.layout.width;
        state.reader.relayout(width);
    }
}

/// Asks the sync engine for the open thread's posts that are not downloaded: all of
/// them for a thread known by its headers only, else the newest of the earlier ones. They
/// come before background work, from the share of the request budget kept for the user.
pub fn fetch_posts(state: &mut State, fx: &mut Vec<Effect>) {
    if !require_thread(state) {
        return;
    }
    let Some(open) = &state.reader.open else {
        return;
    };
    let summary = &open.file.summary;
    if summary.missing.is_empty() {
        state.notice("every post of this thread is downloaded");
        return;
    }
    let (id, whole, missing) = (
        summary.id.clone(),
        summary.headers_only(),
        summary.missing.clone(),
    );
    // Scrolling over these rows does not ask again while this load is in flight.
    state.reader.asked.extend(missing);
    ask_for_posts(state, id, whole, fx);
}

/// After the reader moved: a row of posts not downloaded that came on screen loads them,
/// as enter on it would — once per row while its load is in flight, so a held key does
/// not send a request per repeat.
pub fn fetch_posts_in_view(state: &mut State, fx: &mut Vec<Effect>) {
    if state.reader.earlier_in_view().is_none() {
        return;
    }
    let Some(open) = &state.reader.open else {
        return;
    };
    let (id, whole) = (
        open.file.summary.id.clone(),
        open.file.summary.headers_only(),
    );
    ask_for_posts(state, id, whole, fx);
}

fn ask_for_posts(state: &mut State, id: ThreadId, whole: bool, fx: &mut Vec<Effect>) {
    fx.push(Effect::Sync(SyncCommand::LoadEarlier(id)));
    let offline = matches!(state.status.connection, Connection::Offline { .. });
    state.notice(match (whole, offline) {
        (_, true) => "offline: the posts are fetched as soon as the server answers",
        (true, false) => "fetching the thread's posts…",
        (false, false) => "fetching earlier posts…",
    });
}

pub fn start_search(state: &mut State) {
    if !require_thread(state) {
        return;
    }
    // It opens empty: ↑ or an empty enter brings the last search back.
    state.prompt = Some(Prompt::new(PromptKind::Search, String::new()));
}

/// Runs the search typed in the prompt and reports how it went.
pub fn run_search(state: &mut State, query: &str) {
    let found = state.reader.search(query);
    match (query.is_empty(), found) {
        (true, _) => {}
        (false, 0) => state.notice(format!("no match for {query:?} in this thread")),
        (false, 1) => state.notice("1 match"),
        (false, n) => state.notice(format!("{n} matches; n and N go to the next and previous")),
    }
}

pub fn search_step(state: &mut State, forward: bool) {
    if !require_thread(state) {
        return;
    }
    if state.reader.search.is_none() {
        state.notice("no search yet: / searches this thread");
    } else if !state.reader.search_step(forward) {
        state.notice("no match in this thread");
    } else if let Some(search) = &state.reader.search {
        let at = search.current.map_or(0, |c| c + 1);
        let of = search.matches.len();
        state.notice(format!("match {at} of {of}"));
    }
}

/// Esc in the reader: clear the search, or go back to the tree when there is none.
pub fn clear_search(state: &mut State) {
    if state.reader.search.take().is_none() {
        state.focus = Focus::Tree;
    }
}

pub fn open_links(state: &mut State) {
    if !require_thread(state) {
        return;
    }
    if state.reader.links_shown().is_empty() {
        state.notice("this post has no links");
    } else {
        state.overlay = Overlay::Links { selected: 0 };
    }
}
