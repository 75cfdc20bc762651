//! `update(state, msg, now) -> effects`: the only place the state changes. Pure: no I/O,
//! no await, no clock — the time comes with the message, ids from the state's seeded
//! generator, so the same messages always give the same state.

use crate::app::compose::actions as compose_actions;
use crate::app::geometry::Focus;
use crate::app::input::dispatch::run_action;
use crate::app::input::keys as input;
use crate::app::input::mouse;
use crate::app::lists::drafts_actions;
use crate::app::lists::outbox_actions;
use crate::app::lists::{bookmarks_actions, inbox_actions};
use crate::app::msg::{Effect, LoadedThread, Msg, Stored};
use crate::app::reader::read_mark_actions;
use crate::app::state::State;
use crate::app::sync_news;
use crate::model::ThreadId;
use crate::sync::protocol::SyncCommand;
use jiff::Timestamp;

/// Applies one message that came at `now` and returns the effects for the runner to carry
/// out.
pub fn update(state: &mut State, msg: Msg, now: Timestamp) -> Vec<Effect> {
    let effects = match msg {
        Msg::Account(index, msg) => crate::app::accounts::update_for(state, index, *msg, now),
        msg => update_shown(state, msg, now, true),
    };
    // Any account's news (a query's answer, posts read) may change "All accounts".
    crate::app::tree::all_accounts::refresh(state);
    state.sync_view();
    effects
}

/// Applies one message to the account in `state`; `shown`: that account is on screen
/// (only then are the posts in view marked read).
pub(crate) fn update_shown(
    state: &mut State,
    msg: Msg,
    now: Timestamp,
    shown: bool,
) -> Vec<Effect> {
    state.now = now;
    let mut effects = Vec::new();
    let fx = &mut effects;
    match msg {
        Msg::Key(key) => input::on_key(state, key, fx),
        Msg::Mouse(event) => mouse::on_mouse(state, event, fx),
        Msg::Resize(width, height) => state.size = (width, height),
        Msg::Action(action) => run_action(state, action, fx),
        Msg::Paste(text) => input::on_paste(state, &text, fx),
        Msg::ThreadLoaded(loaded) => thread_loaded(state, *loaded, fx),
        Msg::ThreadFailed { thread, message } => thread_failed(state, &thread, message),
        Msg::Notice(text) => state.notice(text),
        Msg::Sync(event) => sync_news::on_event(state, event, fx),
        Msg::SyncUnavailable(why) => sync_news::unavailable(state, why),
        Msg::IndexLoaded(data) => sync_news::index_loaded(state, *data, fx),
        Msg::Stored(stored) => on_stored(state, stored, fx),
        Msg::Edited(result) => compose_actions::edited(state, result, fx),
        Msg::DemoSwitched(result) => sync_news::demo_switched(state, result),
        Msg::Queried(crate::app::lists::search_results::Queried::Search { query, hits }) => {
            crate::app::lists::search_results::found(state, query, hits);
        }
        Msg::Queried(crate::app::lists::search_results::Queried::Folders(found)) => {
            crate::app::tree::folders::found(state, found);
        }
        Msg::Account(index, msg) => {
            effects.extend(crate::app::accounts::update_for(state, index, *msg, now));
        }
        Msg::Picture { url, outcome } => {
            crate::app::reader::actions::picture_arrived(state, &url, outcome);
        }
    }
    state.sync_view();
    if shown {
        read_mark_actions::mark_shown(state, &mut effects);
    }
    crate::app::tree::folders::recount(state);
    effects
}

/// Shows a loaded thread unless another one was asked for since (a stale answer).
fn thread_loaded(state: &mut State, loaded: LoadedThread, effects: &mut Vec<Effect>) {
    let id = loaded.file.summary.id.clone();
    if state.reader.requested.as_ref() != Some(&id) {
        return;
    }
    mark_own_posts_read(state, &loaded, effects);
    // The rules judge the thread as it is now: the reader shows their verdicts and the
    // tree counts it as `threadmark tree` does.
    let judged = crate::app::judged::Judged::thread(
        &state.rules,
        &state.status.account,
        &state.data.forum,
        &loaded.file,
        state.now,
    );
    state
        .tree
        .judged_thread(&loaded.file, &judged, &state.data.read);
    if state.reader.thread_id() == Some(&id) {
        state.reader.refresh(loaded);
        state.reader.set_judged(judged);
        state.reader.refresh_echoes(&state.outbox.entries);
        crate::app::reader::actions::request_pictures(state, effects);
        return;
    }
    let last_seq = loaded.file.summary.last_seq;
    let seen = state.data.read.thread(&id).cloned();
    let width = usize::from(state.geometry().reader_body.width);
    state.reader.show(loaded, seen.as_ref(), width);
    state.reader.set_judged(judged);
    state.reader.refresh_echoes(&state.outbox.entries);
    crate::app::reader::actions::request_pictures(state, effects);
    // A thread read in part opens at its first unread post (with `}` as with enter), as
    // newsreaders do; one with its opening post unread opens at the top.
    let read_now = state.data.read.thread(&id);
    let opening_read = state
        .reader
        .open
        .as_ref()
        .and_then(|o| o.post(0))
        .is_some_and(|p| read_now.is_some_and(|r| r.is_read(p.seq)));
    if opening_read {
        state.reader.next_unread(read_now);
    }
    bookmarks_actions::arrived(state);
    state.marks.forget_kept(&id);
    // This visit's "new" markers were taken above; the next visit counts from here.
    let thread = state.data.read.thread_mut(&id);
    if thread.seen_through < last_seq {
        thread.seen_through = last_seq;
        effects.push(Effect::SaveReadState);
    }
    effects.push(Effect::SaveUiState);
    sync_news::focus(state, effects);
}

/// Your own posts (the server echoes their `client_key` to their author only) are read
/// by definition: they never count as unread.
fn mark_own_posts_read(state: &mut State, loaded: &LoadedThread, effects: &mut Vec<Effect>) {
    let own: Vec<u32> = loaded
        .file
        .posts
        .iter()
        .filter(|p| p.client_key.is_some())
        .map(|p| p.seq)
        .collect();
    if own.is_empty() {
        return;
    }
    let thread = state.data.read.thread_mut(&loaded.file.summary.id);
    let unread: Vec<u32> = own.into_iter().filter(|&s| !thread.is_read(s)).collect();
    if unread.is_empty() {
        return;
    }
    for seq in unread {
        thread.mark_read(seq);
    }
    read_mark_actions::thread_changed(state, &loaded.file.summary.id, effects);
}

fn thread_failed(state: &mut State, thread: &ThreadId, message: String) {
    if state.reader.requested.as_ref() == Some(thread) {
        state.reader.requested = state.reader.thread_id().cloned();
        // A bookmark's post waited for this thread: it does no longer.
        state.bookmarks.jump = None;
        if state.reader.open.is_none() {
            state.focus = Focus::Tree;
        }
        state.error(message);
    }
}

/// Folds in what the store worker did.
fn on_stored(state: &mut State, stored: Stored, fx: &mut Vec<Effect>) {
    match stored {
        Stored::Outbox {
            entries,
            unreadable,
        } => {
            if unreadable != state.outbox.unreadable
                && let Some(problem) = unreadable.first()
            {
                state.error(problem.clone());
            }
            state.outbox.entries = entries;
            state.outbox.unreadable = unreadable;
            outbox_actions::clamp(state);
            crate::app::reader::conflict::refresh(state);
            state.reader.refresh_echoes(&state.outbox.entries);
        }
        Stored::Drafts {
            drafts,
            problems,
            offer,
        } => {
            drafts_actions::loaded(state, drafts, offer);
            if let Some(problem) = problems.first() {
                state.error(problem.clone());
            }
        }
        // Durably queued (an outbox entry, inbox items marked read): send it now.
        Stored::Queued { key } => {
            crate::app::reader::moderation::said_queued(state, &key);
            fx.push(Effect::Sync(SyncCommand::FlushNow));
        }
        Stored::InboxReadQueued => {
            fx.push(Effect::Sync(SyncCommand::FlushNow));
        }
        Stored::NotQueued { outgoing, why } => {
            compose_actions::not_queued(state, *outgoing, why, fx);
        }
        Stored::Done(text) => state.notice(text),
        Stored::Failed(text) => state.error(text),
        Stored::ReadStateNotSaved(why) => {
            state.error(why);
            fx.push(Effect::SaveReadState);
        }
        Stored::Places { places, said } => {
            bookmarks_actions::places_stored(state, *places, said, fx);
        }
        Stored::Bookmarks(rows) => bookmarks_actions::loaded(state, rows),
        Stored::InboxItems(rows) => inbox_actions::loaded(state, rows),
        Stored::Inbox { unread } => state.status.inbox_unread = unread,
        Stored::Rules { rules, said, added } => {
            crate::app::rules_ui::quick::rules_changed(state, rules, said, added, fx);
        }
    }
}
