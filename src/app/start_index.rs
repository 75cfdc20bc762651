//! A start from a large cache: the first frame shows the forum's sections and areas while
//! the thread index loads off the loop; the selection and the thread open last time come
//! back when it arrives.
//!
//! Why: parsing the index of a big cache (12 MB at a million posts) is most of the start,
//! and it grows with the forum; the sections and areas do not. The runner decides, from the
//! index's size on disk, whether a start waits for it (see `crate::store::Cache::index_bytes`).

use crate::app::msg::Effect;
use crate::app::state::State;
use crate::app::view_memory::UiState;
use crate::model::ThreadId;

/// Said in the status line until the thread index has arrived.
pub const LOADING: &str = "loading the thread list…";

/// What the user had on screen last time, kept until the threads it names are known.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexWait {
    pub selected: Option<String>,
    pub open_thread: Option<ThreadId>,
}

/// Starts without the thread index: remembers `ui`'s selection and open thread, says the
/// list is loading, and asks for the index.
pub fn wait_for_index(state: &mut State, ui: &UiState) -> Vec<Effect> {
    state.index_wait = Some(IndexWait {
        selected: ui.selected.clone(),
        open_thread: ui.open_thread.clone().map(ThreadId::new),
    });
    state.notice(LOADING);
    vec![Effect::LoadIndex]
}

/// The selection to keep across an index reload: the remembered one while the first index
/// is awaited (the user may not have moved yet), else the current one.
pub fn selection(state: &State) -> Option<String> {
    match &state.index_wait {
        Some(wait) if state.tree.selected().is_none_or(|n| n.key == "forum") => {
            wait.selected.clone()
        }
        _ => state.tree.selected().map(|n| n.key.clone()),
    }
}

/// The index has arrived (the tree is rebuilt already): reopens the thread open last time,
/// unless the user opened one meanwhile, and drops the loading notice.
pub fn arrived(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(wait) = state.index_wait.take() else {
        return;
    };
    if state
        .status
        .notice
        .as_ref()
        .is_some_and(|n| n.text == LOADING)
    {
        state.status.notice = None;
    }
    if let Some(id) = wait.open_thread
        && state.reader.thread_id().is_none()
        && state.reader.requested.is_none()
        && state.data.threads.iter().any(|t| t.id == id)
    {
        state.reader.requested = Some(id.clone());
        fx.push(Effect::LoadThread(id));
    }
}
