//! The thread list reloaded after a sync: the store worker builds its tree from what the
//! reader showed when it asked (read state, expansion, selection, watch levels, counts),
//! and the reader takes that tree unless one of those changed meanwhile.
//!
//! Why: building the tree of tens of thousands of threads takes tens of milliseconds; a
//! long sync reloads the list after every batch, and a key pressed then would wait.

use crate::app::judged::ThreadCounts;
use crate::app::start_index;
use crate::app::state::State;
use crate::app::tree::views::AreaViews;
use crate::model::{Places, ReadState};
use std::collections::BTreeSet;

/// What the reader's tree is built from, as it was when the reload was asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeBasis {
    pub read: ReadState,
    pub collapsed: BTreeSet<String>,
    /// The selection to keep (see [`kept_selection`]).
    pub selected: Option<String>,
    pub places: Places,
    /// The counts held, kept when the worker does not run the rules again.
    pub counts: ThreadCounts,
    /// The areas' views (`V`).
    pub views: AreaViews,
}

impl TreeBasis {
    /// A copy of what `state`'s tree is built from.
    pub fn of(state: &State) -> Self {
        Self {
            read: state.data.read.clone(),
            collapsed: state.tree.collapsed_keys().clone(),
            selected: kept_selection(state),
            places: state.places.clone(),
            counts: state.tree.counts().clone(),
            views: state.rules_ui.views.clone(),
        }
    }
}

/// The selection an index reload keeps: the remembered one while the first index is
/// awaited, none while the tree had no threads yet (an account's first sync: the tree then
/// starts on the first unread thread), else the current one.
pub fn kept_selection(state: &State) -> Option<String> {
    if state.index_wait.is_some() {
        start_index::selection(state)
    } else if state.data.threads.is_empty() {
        None
    } else {
        state.tree.selected().map(|n| n.key.to_string())
    }
}
