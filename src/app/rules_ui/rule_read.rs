//! `read` rules mark the posts a sync brings read, as reading them would (the same read
//! state, saved and — where the account syncs read state — queued for the server), in
//! one step that `u` undoes.

use crate::app::judged::ThreadCounts;
use crate::app::msg::Effect;
use crate::app::reader::read_marks::UndoStep;
use crate::app::state::State;
use crate::model::{ThreadId, ThreadSummary};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The index came again with `threads` and the rules' `counts`: the unread posts it
/// brought (above what the tree knew of their thread or known by their header only,
/// every post of a thread new to it) that a `read` rule covers are marked read. The
/// start's own loads bring nothing.
pub fn arrived(
    state: &mut State,
    threads: &[ThreadSummary],
    counts: &ThreadCounts,
    fx: &mut Vec<Effect>,
) {
    if state.index_wait.is_some() {
        return;
    }
    let known: HashMap<&ThreadId, &ThreadSummary> =
        state.data.threads.iter().map(|t| (&t.id, t)).collect();
    let in_index: HashMap<&ThreadId, u32> = threads.iter().map(|t| (&t.id, t.last_seq)).collect();
    let mut marked: Vec<(ThreadId, u32)> = Vec::new();
    let mut rules: BTreeSet<usize> = BTreeSet::new();
    for (id, posts) in counts.rule_read() {
        let Some(&last) = in_index.get(id) else {
            continue;
        };
        let before = known.get(id).copied();
        let read = state.data.read.thread(id);
        for &(seq, rule) in posts {
            // Above what was known, or a post known by its header only (its body came).
            let fresh = seq <= last
                && before
                    .is_none_or(|t| seq > t.last_seq || t.missing.iter().any(|r| r.contains(seq)));
            let already = read.is_some_and(|r| r.is_read(seq));
            let undone = state.rules_ui.rule_read_undone.contains(&(id.clone(), seq));
            if fresh && !already && !undone {
                marked.push((id.clone(), seq));
                rules.insert(rule);
            }
        }
    }
    if marked.is_empty() {
        return;
    }
    let mut by_thread: BTreeMap<&ThreadId, Vec<u32>> = BTreeMap::new();
    for (id, seq) in &marked {
        by_thread.entry(id).or_default().push(*seq);
    }
    let mut before = Vec::with_capacity(by_thread.len());
    for (id, seqs) in by_thread {
        let thread = state.data.read.thread_mut(id);
        before.push((id.clone(), thread.clone()));
        for seq in seqs {
            thread.mark_read(seq);
        }
    }
    state.marks.push(UndoStep { before });
    // `u` now undoes this, not the rule `x` wrote before.
    state.rules_ui.quick_undo = None;
    let n = marked.len();
    state.rules_ui.rule_read_step = Some((state.marks.undo.len(), marked));
    crate::app::reader::read_mark_actions::changed(state, fx);
    let posts = if n == 1 {
        "1 post".to_owned()
    } else {
        format!("{n} posts")
    };
    let by = match rules.len() {
        1 => format!("rule {}", rules.first().copied().unwrap_or_default()),
        _ => format!(
            "rules {}",
            rules
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    state.notice(format!("{posts} marked read by {by} — u undoes"));
}

/// `u` is about to undo the last read change: when it is the one a `read` rule made,
/// its posts are left alone by the rules for the rest of the session. True when it was.
pub fn before_undo(state: &mut State) -> bool {
    let Some((depth, _)) = &state.rules_ui.rule_read_step else {
        return false;
    };
    if *depth != state.marks.undo.len() {
        return false;
    }
    let Some((_, posts)) = state.rules_ui.rule_read_step.take() else {
        return false;
    };
    state.rules_ui.rule_read_undone.extend(posts);
    true
}
