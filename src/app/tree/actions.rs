//! Handlers for actions on the tree pane: moving, expanding, opening, filtering.

use crate::app::geometry::Focus;
use crate::app::msg::Effect;
use crate::app::state::{Prompt, PromptKind, State};
use crate::app::tree::model::NodeKind;

pub fn move_by(state: &mut State, delta: isize) {
    // With several accounts, past the first or last row is the next account.
    if crate::app::accounts::move_across(state, delta) {
        return;
    }
    state.tree.move_by(delta);
}

pub fn expand(state: &mut State) {
    if say_why_empty(state) {
        return;
    }
    state.tree.expand();
}

/// An area or section with nothing under it says so, instead of doing nothing; true when
/// it did.
fn say_why_empty(state: &mut State) -> bool {
    let Some(node) = state.tree.selected() else {
        return false;
    };
    if node.has_children {
        return false;
    }
    let why = match node.kind {
        NodeKind::Area => "no threads here yet: c starts one (s syncs, if the forum has some)",
        NodeKind::Section => "this section has no areas",
        NodeKind::Forum => "the forum has no sections yet: s syncs",
        NodeKind::Folder => "nothing in the cache matches this folder's query yet",
        NodeKind::Thread => return false,
    };
    state.notice(why);
    true
}

pub fn collapse(state: &mut State) {
    state.tree.collapse();
}

/// Opens the selected thread in the reader (a section or area expands or collapses instead).
pub fn open(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(node) = state.tree.selected() else {
        return;
    };
    if node.kind != NodeKind::Thread {
        if say_why_empty(state) {
            return;
        }
        state.tree.toggle();
        fx.push(Effect::SaveUiState);
        return;
    }
    if let Some(id) = node.thread() {
        open_thread(state, id, fx);
    }
}

/// Asks for `id` and moves the focus to the reader.
pub fn open_thread(state: &mut State, id: crate::model::ThreadId, fx: &mut Vec<Effect>) {
    state.focus = Focus::Reader;
    if state.reader.thread_id() == Some(&id) {
        return;
    }
    state.reader.requested = Some(id.clone());
    fx.push(Effect::LoadThread(id));
    fx.push(Effect::SaveUiState);
}

/// Selects and opens the next thread with unread posts, after the open or selected one.
pub fn next_unread_thread(state: &mut State, fx: &mut Vec<Effect>) {
    let from = state
        .reader
        .thread_id()
        .and_then(|id| state.tree.thread_position(id))
        .or(state.tree.selected_index());
    // The open thread itself only counts when nothing else is unread.
    let next = state.tree.next_unread_thread(from);
    let Some(index) = next else {
        state.notice("no thread has unread posts");
        return;
    };
    state.tree.select_node(index);
    if let Some(id) = state
        .tree
        .node(index)
        .and_then(super::model::TreeNode::thread)
    {
        if state.reader.thread_id() == Some(&id) {
            state.notice("no other thread has unread posts");
        }
        open_thread(state, id, fx);
    }
}

pub fn start_filter(state: &mut State) {
    let before = state.tree.filter().to_owned();
    state.prompt = Some(Prompt::new(PromptKind::Filter, before));
}

pub fn clear_filter(state: &mut State) {
    if state.tree.filter().is_empty() {
        return;
    }
    state.tree.set_filter("");
    state.notice("filter cleared");
}
