//! Read marking: posts shown whole in the reader become read, threads can be marked read or
//! unread at once, and every change can be undone.

use crate::app::geometry::Focus;
use crate::app::msg::Effect;
use crate::app::reader::read_marks::UndoStep;
use crate::app::state::State;
use crate::app::tree::model::NodeKind;
use crate::model::ThreadId;

/// Marks read every unread post the reader shows whole. Deliberate: a post counts as read
/// once all of it has been on screen.
pub fn mark_shown(state: &mut State, effects: &mut Vec<Effect>) {
    // The composer covers the reader: nothing there is being read.
    if !state.reader_shown() || state.composer.is_some() {
        return;
    }
    if state.reader.open.is_none() {
        return;
    }
    let shown = state.reader.note_shown();
    let Some(open) = &state.reader.open else {
        return;
    };
    let id = open.id().clone();
    let seqs: Vec<u32> = shown
        .into_iter()
        .filter(|&pos| !open.is_echo(pos))
        // A rule's stub is not the post read: it is marked once `v` shows it.
        .filter(|&pos| !state.reader.stubbed(pos))
        .filter_map(|pos| open.post(pos))
        .filter(|p| !p.deleted)
        .map(|p| p.seq)
        .filter(|&seq| {
            !state.marks.kept_unread.contains(&(id.clone(), seq))
                && !state.data.read.thread(&id).is_some_and(|t| t.is_read(seq))
        })
        .collect();
    if seqs.is_empty() {
        return;
    }
    let before = state.data.read.thread(&id).cloned().unwrap_or_default();
    let thread = state.data.read.thread_mut(&id);
    for seq in seqs {
        thread.mark_read(seq);
    }
    thread_changed(state, &id, effects);
    state.marks.push(UndoStep {
        before: vec![(id, before)],
    });
}

/// The threads a "mark thread" action means: the open thread when the reader has the focus,
/// else the selected tree node's threads (all of them under a section or area).
fn targets(state: &State) -> Vec<(ThreadId, u32)> {
    if state.focus == Focus::Reader
        && let Some(open) = &state.reader.open
    {
        return vec![(open.id().clone(), open.file.summary.last_seq)];
    }
    let Some(selected) = state.tree.selected_index() else {
        return Vec::new();
    };
    let nodes = state.tree.nodes();
    let depth = nodes[selected].depth;
    let subtree_end = nodes[selected + 1..]
        .iter()
        .position(|n| n.depth <= depth)
        .map_or(nodes.len(), |k| selected + 1 + k);
    nodes[selected..subtree_end]
        .iter()
        .filter(|n| n.kind == NodeKind::Thread)
        .filter_map(|n| n.thread().map(|id| (id, n.last_seq)))
        .collect()
}

/// Marks the target threads wholly read (`read`) or unread. Returns how many threads.
pub fn mark_threads(state: &mut State, read: bool, effects: &mut Vec<Effect>) -> usize {
    let targets = targets(state);
    if targets.is_empty() {
        return 0;
    }
    let mut before = Vec::with_capacity(targets.len());
    for (id, last_seq) in &targets {
        let thread = state.data.read.thread_mut(id);
        before.push((id.clone(), thread.clone()));
        if read {
            thread.mark_all_read(*last_seq);
            state.marks.kept_unread.retain(|(t, _)| t != id);
        } else {
            thread.mark_all_unread();
            state
                .marks
                .kept_unread
                .extend((1..=*last_seq).map(|seq| (id.clone(), seq)));
        }
    }
    state.marks.push(UndoStep { before });
    changed(state, effects);
    targets.len()
}

/// What an undo did to the posts it touched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Undone {
    /// Posts read before the undo and unread after it.
    pub unread_again: usize,
    /// Posts unread before the undo (a "mark unread" undone) and read after it.
    pub read_again: usize,
}

/// Undoes the last read change; `None` when there is nothing to undo.
pub fn undo(state: &mut State, effects: &mut Vec<Effect>) -> Option<Undone> {
    let step = state.marks.undo.pop()?;
    let mut undone = Undone::default();
    for (id, before) in step.before {
        let now = state.data.read.thread_mut(&id);
        // Every post read on either side is at most the high-water mark or an explicit
        // mark above it.
        let high = |t: &crate::model::ThreadRead| {
            t.read_through
                .max(t.read_above.last().copied().unwrap_or(0))
                .max(t.unread_below.last().copied().unwrap_or(0))
        };
        let last = high(now).max(high(&before));
        // Posts this undo makes unread again stay unread while they are on screen.
        let reopened: Vec<u32> = (1..=last)
            .filter(|&s| now.is_read(s) && !before.is_read(s))
            .collect();
        let reread: Vec<u32> = (1..=last)
            .filter(|&s| !now.is_read(s) && before.is_read(s))
            .collect();
        undone.unread_again += reopened.len();
        undone.read_again += reread.len();
        let seen_through = now.seen_through;
        *now = before;
        now.seen_through = seen_through;
        state
            .marks
            .kept_unread
            .retain(|(t, s)| t != &id || !reread.contains(s));
        state
            .marks
            .kept_unread
            .extend(reopened.into_iter().map(|s| (id.clone(), s)));
    }
    changed(state, effects);
    Some(undone)
}

pub(crate) fn changed(state: &mut State, effects: &mut Vec<Effect>) {
    state.tree.refresh_unread(&state.data.read);
    saved(effects);
}

/// The read state changed in `thread` alone: that thread is recounted and saved.
pub(crate) fn thread_changed(state: &mut State, thread: &ThreadId, effects: &mut Vec<Effect>) {
    state.tree.refresh_thread_unread(thread, &state.data.read);
    saved(effects);
}

fn saved(effects: &mut Vec<Effect>) {
    if !effects.contains(&Effect::SaveReadState) {
        effects.push(Effect::SaveReadState);
    }
}
