//! A start from a large cache: the first frame shows the forum's sections and areas while
//! the thread index loads off the loop; the selection and the thread open last time come
//! back when it arrives.
//!
//! Why: parsing the index of a big cache (12 MB at a million posts) is most of the start,
//! and it grows with the forum; the sections and areas do not. The runner decides, from the
//! index's size on disk, whether a start waits for it (see `crate::store::Cache::index_bytes`).

use crate::app::index_reload::TreeBasis;
use crate::app::judged::ThreadCounts;
use crate::app::msg::Effect;
use crate::app::state::State;
use crate::app::tree::TreeModel;
use crate::app::tree::views::AreaViews;
use crate::app::view_memory::UiState;
use crate::model::{Forum, Places, ReadState, ThreadId, ThreadSummary};

/// Said in the status line, among its facts, until the thread index has arrived.
pub const LOADING: &str = "loading the thread list…";

/// What the user had on screen last time, kept until the threads it names are known.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexWait {
    pub selected: Option<String>,
    pub open_thread: Option<ThreadId>,
    /// The areas' unread posts came from the tree index, so the unread total shown
    /// meanwhile is the true one (else it is not shown until the threads come).
    pub counted: bool,
}

/// Starts without the thread index: remembers `ui`'s selection and open thread and asks
/// for the index; the status line says the list is loading while `index_wait` is set.
pub fn wait_for_index(state: &mut State, ui: &UiState) -> Vec<Effect> {
    state.index_wait = Some(IndexWait {
        selected: ui.selected.clone(),
        open_thread: ui.open_thread.clone().map(ThreadId::new),
        counted: false,
    });
    vec![Effect::LoadIndex]
}

/// The unread total the status line shows: `None` while the thread list is loading and
/// the areas could not be counted from the tree index (a zero would be a wrong answer).
pub fn shown_unread(state: &State) -> Option<u32> {
    match &state.index_wait {
        Some(wait) if !wait.counted => None,
        _ => Some(state.tree.total_unread()),
    }
}

/// The selection to keep across an index reload: the remembered one while the first index
/// is awaited (the user may not have moved yet), else the current one.
pub fn selection(state: &State) -> Option<String> {
    match &state.index_wait {
        Some(wait) if state.tree.selected().is_none_or(|n| n.key == "forum") => {
            wait.selected.clone()
        }
        _ => state.tree.selected().map(|n| n.key.to_string()),
    }
}

/// A tree built by the store worker, off the reader's loop: a big cache's first thread
/// list (with the read state, watch levels and counts it loaded and the view remembered
/// from last time), or a list reloaded after a sync (from a [`TreeBasis`]). Building
/// 50,000 threads' tree takes tens of milliseconds, which the reader's loop then does not
/// spend.
#[derive(Clone, Debug)]
pub struct Prebuilt {
    pub tree: TreeModel,
    pub places: Places,
    pub counts: ThreadCounts,
    /// The areas' views it was built in (remembered from last time).
    pub views: AreaViews,
    /// The selection it was built to keep.
    pub selected: Option<String>,
    /// A reload's tree: the read state it was built on (the first list's read state is
    /// the one that comes with it).
    pub built_on: Option<ReadState>,
}

impl Prebuilt {
    /// Builds the tree as [`crate::app::sync_news::index_loaded`] would on a start that
    /// did not wait for the index, nothing having changed meanwhile.
    pub fn build(
        forum: &Forum,
        threads: &[ThreadSummary],
        read: &ReadState,
        (places, counts): (Places, Option<ThreadCounts>),
        ui: &UiState,
    ) -> Self {
        let counts = counts.unwrap_or_default();
        let views = AreaViews::from_names(&ui.views);
        let tree = assemble(
            (forum, threads, read),
            &views,
            ui.collapsed.clone(),
            ui.selected.as_deref(),
            &places,
            counts.clone(),
        );
        Self {
            tree,
            places,
            counts,
            views,
            selected: ui.selected.clone(),
            built_on: None,
        }
    }

    /// Builds the tree of a list reloaded after a sync as `index_loaded` would, nothing
    /// in `basis` having changed meanwhile; `judged`: the counts the rules gave now.
    pub fn reload(
        forum: &Forum,
        threads: &[ThreadSummary],
        basis: TreeBasis,
        judged: Option<ThreadCounts>,
    ) -> Self {
        let TreeBasis {
            read,
            collapsed,
            selected,
            places,
            counts,
            views,
        } = basis;
        let counts = judged.unwrap_or(counts);
        let tree = assemble(
            (forum, threads, &read),
            &views,
            collapsed,
            selected.as_deref(),
            &places,
            counts.clone(),
        );
        Self {
            tree,
            places,
            counts,
            views,
            selected,
            built_on: Some(read),
        }
    }
}

/// The tree of `threads` in the areas' views, with its counts and watch levels (the
/// filter is the reader's).
pub fn assemble(
    (forum, threads, read): (&Forum, &[ThreadSummary], &ReadState),
    views: &AreaViews,
    collapsed: std::collections::BTreeSet<String>,
    selected: Option<&str>,
    places: &Places,
    counts: ThreadCounts,
) -> TreeModel {
    let mut tree =
        crate::app::rules_ui::build_tree(forum, threads, read, &counts, views, collapsed, selected);
    tree.set_counts(counts, read);
    tree.set_places(places, read);
    tree
}

/// The worker's tree, when nothing it was built from changed since: the same expansion,
/// selection, watch levels and counts, and the same read state (a reload's tree), or
/// nothing read meanwhile (`read_meanwhile`, the first list's tree). `None`: the tree is
/// built here from the threads.
pub fn adopt(
    state: &State,
    prebuilt: Option<Prebuilt>,
    selected: Option<&str>,
    (counts, read_meanwhile): (Option<&ThreadCounts>, bool),
) -> Option<TreeModel> {
    let prebuilt = prebuilt?;
    let counts = counts.unwrap_or_else(|| state.tree.counts());
    let same_read = match &prebuilt.built_on {
        Some(read) => state.index_wait.is_none() && *read == state.data.read,
        None => state.index_wait.is_some() && !read_meanwhile,
    };
    let same = same_read
        && prebuilt.places == state.places
        && &prebuilt.counts == counts
        && prebuilt.views == state.rules_ui.views
        && prebuilt.tree.collapsed_keys() == state.tree.collapsed_keys()
        && prebuilt.selected.as_deref() == selected;
    same.then_some(prebuilt.tree)
}

/// The index has arrived (the tree is rebuilt already): reopens the thread open last time,
/// unless the user opened one meanwhile; the status line stops saying it is loading.
pub fn arrived(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(wait) = state.index_wait.take() else {
        return;
    };
    if let Some(id) = wait.open_thread
        && state.reader.thread_id().is_none()
        && state.reader.requested.is_none()
        && state.data.threads.iter().any(|t| t.id == id)
    {
        state.reader.requested = Some(id.clone());
        fx.push(Effect::LoadThread(id));
    }
}
