//! Bookmarks from the reader: `b` bookmarks the current post, with a note typed in the
//! status line (empty: none; again: removes the bookmark, saying so), `'` lists the account's bookmarks — enter goes to the post in
//! its thread, `d` removes the bookmark. Every change is recorded by the store worker
//! (queued for the server, then kept in `places.json`), never inside `update`.

use crate::app::Action;
use crate::app::geometry::Focus;
use crate::app::lists::bookmarks::BookmarkRow;
use crate::app::msg::{Effect, StoreJob};
use crate::app::reader::post_actions::current_posted;
use crate::app::state::{Overlay, Prompt, PromptKind, State};
use crate::app::tree::actions::open_thread;
use crate::app::tree::watch_actions::after;
use crate::model::{PlaceMark, Places, PostId, ThreadId};
use crate::sync::protocol::SyncCommand;

/// Is `post` bookmarked (as `places.json` last said)?
pub fn is_bookmarked(places: &Places, post: &PostId) -> bool {
    places.bookmarks.get(post).is_some_and(|b| !b.removed)
}

/// `b`: asks for a note and then bookmarks the current post, or removes its bookmark
/// (asking nothing, saying so).
pub fn toggle(state: &mut State, fx: &mut Vec<Effect>) {
    let post = match current_posted(
        state,
        "b",
        "this reply is still in the outbox: bookmark it once the server has it",
    ) {
        Ok(post) => post,
        Err(why) => return state.notice(why),
    };
    let (id, thread, seq) = (post.id.clone(), post.thread.clone(), post.seq);
    if is_bookmarked(&state.places, &id) {
        let at = after(state.now, state.places.bookmarks.get(&id).map(|b| b.at));
        fx.push(Effect::Store(StoreJob::Place {
            mark: PlaceMark::Unbookmark { post: id, at },
            said: format!("removed the bookmark on #{seq}"),
        }));
        return;
    }
    state.bookmarks.noting = Some((id, thread, seq));
    state.prompt = Some(Prompt::new(PromptKind::Note, String::new()));
}

/// The note is typed (empty: none): the bookmark is recorded.
pub fn noted(state: &mut State, note: &str, fx: &mut Vec<Effect>) {
    let Some((post, thread, seq)) = state.bookmarks.noting.take() else {
        return;
    };
    let at = after(state.now, state.places.bookmarks.get(&post).map(|b| b.at));
    let note = Some(note.trim())
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    fx.push(Effect::Store(StoreJob::Place {
        mark: PlaceMark::Bookmark {
            post,
            thread,
            note,
            at,
        },
        said: format!("bookmarked #{seq}; ' lists your bookmarks"),
    }));
}

/// Esc at the note: no bookmark.
pub fn not_noted(state: &mut State) {
    if let Some((_, _, seq)) = state.bookmarks.noting.take() {
        state.notice(format!("#{seq} not bookmarked"));
    }
}

/// `'`: opens the list (filled when the store worker has read it).
pub fn show(state: &mut State, fx: &mut Vec<Effect>) {
    if state.composer.is_some() {
        return;
    }
    state.overlay = Overlay::Bookmarks { selected: 0 };
    fx.push(Effect::Store(StoreJob::LoadBookmarks));
}

/// The places as saved now: the tree and the reader's markers follow; a change the user
/// made is said, and pushed to the server soon.
pub fn places_stored(
    state: &mut State,
    places: Places,
    said: Option<String>,
    fx: &mut Vec<Effect>,
) {
    // The tree's watch levels come from `state.places`: the same places again (the load
    // at start, after a tree built with them) change nothing, and going over every thread
    // of a big cache takes a frame's time.
    if state.places != places {
        state.places = places;
        state.tree.set_places(&state.places, &state.data.read);
    }
    if let Some(said) = said {
        state.notice(said);
        fx.push(Effect::Sync(SyncCommand::FlushNow));
        if matches!(state.overlay, Overlay::Bookmarks { .. }) {
            fx.push(Effect::Store(StoreJob::LoadBookmarks));
        }
    }
}

/// The bookmarks as read now.
pub fn loaded(state: &mut State, rows: Vec<BookmarkRow>) {
    state.bookmarks.rows = rows;
    if let Overlay::Bookmarks { selected } = state.overlay {
        if state.bookmarks.rows.is_empty() {
            state.overlay = Overlay::None;
            state.notice("no bookmarks: b on a post in the reader sets one");
        } else {
            state.overlay = Overlay::Bookmarks {
                selected: selected.min(state.bookmarks.rows.len() - 1),
            };
        }
    }
}

/// Runs an action of the bookmarks list.
pub fn run(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    let Overlay::Bookmarks { selected } = state.overlay else {
        return;
    };
    let len = state.bookmarks.rows.len();
    let select = |selected| Overlay::Bookmarks { selected };
    match action {
        Action::Down | Action::Up | Action::Top | Action::Bottom => {
            if let Some(to) = super::moved(action, selected, len) {
                state.overlay = select(to);
            }
        }
        Action::Open => {
            if let Some(row) = state.bookmarks.rows.get(selected).cloned() {
                state.overlay = Overlay::None;
                jump(state, row.thread, row.post, fx);
            }
        }
        Action::Discard => remove(state, selected, fx),
        Action::Close | Action::Quit | Action::Bookmarks => state.overlay = Overlay::None,
        Action::Help => state.overlay = Overlay::Help { scroll: 0 },
        _ => state.notice("that key does nothing in the bookmarks list; esc closes it"),
    }
}

fn remove(state: &mut State, selected: usize, fx: &mut Vec<Effect>) {
    let Some(row) = state.bookmarks.rows.get(selected) else {
        return;
    };
    let at = after(
        state.now,
        state.places.bookmarks.get(&row.post).map(|b| b.at),
    );
    let said = match row.seq {
        Some(seq) => format!("removed the bookmark on #{seq}"),
        None => "removed the bookmark".to_owned(),
    };
    fx.push(Effect::Store(StoreJob::Place {
        mark: PlaceMark::Unbookmark {
            post: row.post.clone(),
            at,
        },
        said,
    }));
}

/// Goes to `post` in `thread`: at once when the thread is open, else once it has loaded
/// (the Inbox goes to its posts this way too).
pub(crate) fn jump(state: &mut State, thread: ThreadId, post: PostId, fx: &mut Vec<Effect>) {
    if !state.data.threads.iter().any(|t| t.id == thread) {
        state.error(format!(
            "thread {thread} is not in the local cache; sync while online to fetch it"
        ));
        return;
    }
    if let Some(index) = state.tree.thread_position(&thread) {
        state.tree.select_node(index);
    }
    state.bookmarks.jump = Some((thread.clone(), post));
    let open = state.reader.thread_id() == Some(&thread);
    open_thread(state, thread, fx);
    if open {
        arrived(state);
    }
}

/// The reader shows a thread: when a jump waits for it, go to the post.
pub fn arrived(state: &mut State) {
    let Some((thread, post)) = state.bookmarks.jump.take() else {
        return;
    };
    let Some(open) = &state.reader.open else {
        return;
    };
    if open.id() != &thread {
        // Another thread came (the user moved on): the jump waits no longer.
        return;
    }
    let found = (0..open.order.len())
        .find(|&pos| !open.is_echo(pos) && open.post(pos).is_some_and(|p| p.id == post));
    match found.and_then(|pos| open.post(pos).map(|p| (pos, p.seq))) {
        Some((pos, seq)) => {
            state.reader.go_to(pos);
            state.focus = Focus::Reader;
            state.notice(format!("#{seq}"));
        }
        None => state
            .notice("that post is not downloaded here yet: enter on a gap fetches posts, s syncs"),
    }
}
