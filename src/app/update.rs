//! `update(state, msg) -> effects`: the only place the state changes. Pure: no I/O, no await.

use super::actions::run_action;
use super::geometry::Focus;
use super::msg::{BackgroundEvent, Effect, LoadedThread, Msg};
use super::state::State;
use super::tree::TreeModel;
use super::{input, mouse, read_marks};
use crate::model::ThreadId;

/// Applies one message and returns the effects for the runner to carry out.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mut effects = Vec::new();
    match msg {
        Msg::Key(key) => input::on_key(state, key, &mut effects),
        Msg::Mouse(event) => mouse::on_mouse(state, event, &mut effects),
        Msg::Resize(width, height) => state.size = (width, height),
        Msg::Action(action) => run_action(state, action, &mut effects),
        Msg::ThreadLoaded(loaded) => thread_loaded(state, *loaded, &mut effects),
        Msg::ThreadFailed { thread, message } => thread_failed(state, &thread, message),
        Msg::Notice(text) => state.notice(text),
        Msg::Background(event) => background(state, event, &mut effects),
    }
    state.sync_view();
    read_marks::mark_shown(state, &mut effects);
    effects
}

/// Shows a loaded thread unless another one was asked for since (a stale answer).
fn thread_loaded(state: &mut State, loaded: LoadedThread, effects: &mut Vec<Effect>) {
    let id = loaded.file.thread.id.clone();
    if state.reader.requested.as_ref() != Some(&id) {
        return;
    }
    if state.reader.thread_id() == Some(&id) {
        state.reader.refresh(loaded);
        return;
    }
    let last_seq = loaded.file.thread.last_seq;
    let seen = state.data.read.thread(&id).cloned();
    let width = usize::from(state.geometry().reader_body.width);
    state.reader.show(loaded, seen.as_ref(), width);
    state.marks.forget_kept(&id);
    // This visit's "new" markers were taken above; the next visit counts from here.
    let thread = state.data.read.thread_mut(&id);
    if thread.seen_through < last_seq {
        thread.seen_through = last_seq;
        effects.push(Effect::SaveReadState);
    }
    effects.push(Effect::SaveUiState);
}

fn thread_failed(state: &mut State, thread: &ThreadId, message: String) {
    if state.reader.requested.as_ref() == Some(thread) {
        state.reader.requested = state.reader.thread_id().cloned();
        if state.reader.open.is_none() {
            state.focus = Focus::Tree;
        }
        state.error(message);
    }
}

/// Folds news from a background worker into the state.
fn background(state: &mut State, event: BackgroundEvent, effects: &mut Vec<Effect>) {
    match event {
        BackgroundEvent::Mode(mode) => state.status.connection = mode,
        BackgroundEvent::Synced { at } => state.status.last_sync = Some(at),
        BackgroundEvent::Outbox { queued } => state.status.outbox = queued,
        BackgroundEvent::IndexChanged { forum, threads } => {
            let selected = state.tree.selected().map(|n| n.key.clone());
            let filter = state.tree.filter().to_owned();
            let mut tree = TreeModel::build(
                &forum,
                &threads,
                &state.data.read,
                state.tree.collapsed_keys().clone(),
                selected.as_deref(),
            );
            tree.set_filter(&filter);
            state.tree = tree;
            state.banner.set(forum.announcement.clone());
            state.data.forum = *forum;
            state.data.threads = threads;
        }
        BackgroundEvent::ThreadChanged(id) => {
            if state.reader.thread_id() == Some(&id) {
                state.reader.requested = Some(id.clone());
                effects.push(Effect::LoadThread(id));
            }
        }
        BackgroundEvent::Problem(text) => state.error(text),
    }
}
