//! The tree pane's model: forum → sections → areas → threads, with expansion, selection,
//! a title filter, watch levels and unread counts rolled up to every parent (a muted
//! thread's are not). Pure data, no drawing.

use crate::app::judged::{Judged, ThreadCounts};
use crate::model::{AreaId, Forum, Places, ReadState, Thread, ThreadId, ThreadSummary, WatchLevel};
use crate::text::sanitize::clean_line;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Forum,
    Section,
    Area,
    Thread,
    /// A saved search (`[[folders]]`): its threads below it (see `tree::folders`).
    Folder,
}

/// A saved-search folder as the tree shows it: its name, its unread count, and its
/// threads (id, title, the unread posts the query found in it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FolderRow {
    pub name: String,
    pub unread: u32,
    pub threads: Vec<(ThreadId, String, u32)>,
}

impl FolderRow {
    /// A folder listing `threads` (id, label, unread hits): its count is their sum.
    pub fn new(name: String, threads: Vec<(ThreadId, String, u32)>) -> Self {
        Self {
            name,
            unread: threads
                .iter()
                .fold(0, |sum: u32, t| sum.saturating_add(t.2)),
            threads,
        }
    }
}

/// Keys of folder nodes and of the threads listed under them start with this.
pub(crate) const FOLDER_KEY: &str = "f:";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeNode {
    pub kind: NodeKind,
    /// Stable across restarts and syncs: `forum`, `s:<id>`, `a:<id>`, `t:<id>`.
    pub key: compact_str::CompactString,
    /// Sanitized, one line. A thread's is its title, shared with its summary.
    pub label: Arc<str>,
    pub depth: u8,
    pub parent: Option<usize>,
    /// Highest post seq, for threads.
    pub last_seq: u32,
    /// Unread posts here and below (a muted thread's own count, which its parents leave
    /// out).
    pub unread: u32,
    /// A thread's score from the `[[rules]]` (0 without score rules).
    pub score: i64,
    pub has_children: bool,
    /// An area's id; a thread's area.
    pub area: Option<AreaId>,
    /// The level that applies: a thread's own, else its area's; an area's own.
    pub watch: WatchLevel,
}

impl TreeNode {
    /// The thread a thread's row stands for, named by its key: `t:<id>`, or
    /// `f:<folder>/t:<id>` under a saved search (kept in the key alone: a forum's rows are
    /// tens of thousands).
    pub fn thread(&self) -> Option<ThreadId> {
        self.thread_id().map(ThreadId::from)
    }

    /// [`Self::thread`] without making an id.
    pub fn thread_id(&self) -> Option<&str> {
        if self.kind != NodeKind::Thread {
            return None;
        }
        let key = self.key.as_str();
        key.strip_prefix("t:")
            .or_else(|| key.rsplit_once("/t:").map(|(_, id)| id))
    }

    /// The root row of an account not in focus (several accounts in one reader): its
    /// forum's title and unread posts.
    pub fn account(label: &str, unread: u32) -> Self {
        let mut node = Self::new(NodeKind::Forum, "forum".to_owned(), label.into(), 0, None);
        node.unread = unread;
        node.has_children = true;
        node
    }

    /// A node with nothing counted yet; `label` is cleaned for the screen (and shared
    /// when it is clean already).
    fn new(kind: NodeKind, key: String, label: Arc<str>, depth: u8, parent: Option<usize>) -> Self {
        let label = match clean_line(&label) {
            Cow::Borrowed(_) => label,
            Cow::Owned(clean) => clean.into(),
        };
        Self {
            kind,
            key: key.into(),
            label,
            depth,
            parent,
            last_seq: 0,
            unread: 0,
            score: 0,
            has_children: false,
            area: None,
            watch: WatchLevel::Normal,
        }
    }
}

/// Label of the root before the forum's tree was ever fetched.
const NOT_SYNCED_LABEL: &str = "Forum (not synced yet)";

/// Label of the area collecting threads whose area is not in the tree (not synced yet).
const ORPHANS_LABEL: &str = "Other threads";

#[derive(Clone, Debug, Default)]
pub struct TreeModel {
    nodes: Vec<TreeNode>,
    collapsed: BTreeSet<String>,
    filter: String,
    /// Indexes into `nodes` of the rows shown, top to bottom.
    visible: Vec<usize>,
    selected: Option<usize>,
    /// First visible row drawn; kept so the selection stays on screen.
    offset: usize,
    /// What the rules leave out of each judged thread's unread count.
    counts: ThreadCounts,
    /// Unread posts of the areas whose threads are not loaded yet, as the tree index rolls
    /// them up (see `super::lazy`).
    rolled_up: HashMap<AreaId, u32>,
    /// The counts of folder nodes and their threads, by key (their queries count them).
    folder_counts: HashMap<String, u32>,
    /// The rows (not a folder's) of the thread recounted last: a post arriving in the open
    /// thread recounts it again without looking through every row. Rows other than
    /// folders' are only made when the tree is built (a new model).
    recounted: Option<(ThreadId, Vec<usize>)>,
}

impl TreeModel {
    /// Builds the tree; `collapsed` and `selected` are node keys remembered from last time.
    /// With no selection to keep, it starts on the first thread with unread posts (where
    /// a new reader wants to be), else on the forum's root.
    pub fn build(
        forum: &Forum,
        threads: &[ThreadSummary],
        read: &ReadState,
        collapsed: BTreeSet<String>,
        selected: Option<&str>,
    ) -> Self {
        let title = if forum.title.trim().is_empty() {
            NOT_SYNCED_LABEL
        } else {
            &forum.title
        };
        // Sized once (the root, sections, areas, threads and the "other threads" area): a
        // vector grown by doubling holds two copies at its last step.
        let areas: usize = forum.sections.iter().map(|s| s.areas.len()).sum();
        let mut nodes = Vec::with_capacity(2 + forum.sections.len() + areas + threads.len());
        nodes.push(TreeNode::new(
            NodeKind::Forum,
            "forum".to_owned(),
            title.into(),
            0,
            None,
        ));
        let push = |nodes: &mut Vec<TreeNode>,
                    kind: NodeKind,
                    key: String,
                    label: Arc<str>,
                    parent: usize|
         -> usize {
            let depth = nodes[parent].depth + 1;
            nodes[parent].has_children = true;
            nodes.push(TreeNode::new(kind, key, label, depth, Some(parent)));
            nodes.len() - 1
        };
        // Pinned threads lead their area (in the order they came).
        let push_threads = |nodes: &mut Vec<TreeNode>, parent: usize, list: &[&ThreadSummary]| {
            let pinned = list.iter().filter(|t| t.pinned);
            for t in pinned.chain(list.iter().filter(|t| !t.pinned)) {
                let label = thread_label(t);
                let at = push(
                    nodes,
                    NodeKind::Thread,
                    format!("t:{}", t.id),
                    label,
                    parent,
                );
                nodes[at].last_seq = t.last_seq;
                nodes[at].area = Some(t.area.clone());
            }
        };
        let mut by_area: HashMap<&AreaId, Vec<&ThreadSummary>> = HashMap::new();
        for t in threads {
            by_area.entry(&t.area).or_default().push(t);
        }
        for section in &forum.sections {
            let s = push(
                &mut nodes,
                NodeKind::Section,
                format!("s:{}", section.id),
                section.title.as_str().into(),
                0,
            );
            for area in &section.areas {
                let a = push(
                    &mut nodes,
                    NodeKind::Area,
                    format!("a:{}", area.id),
                    area.title.as_str().into(),
                    s,
                );
                nodes[a].area = Some(area.id.clone());
                if let Some(list) = by_area.remove(&area.id) {
                    push_threads(&mut nodes, a, &list);
                }
            }
        }
        // What is left belongs to areas not in the tree, listed in index order.
        let orphans: Vec<&ThreadSummary> = threads
            .iter()
            .filter(|t| by_area.contains_key(&t.area))
            .collect();
        if !orphans.is_empty() {
            let a = push(
                &mut nodes,
                NodeKind::Area,
                "a:~other".to_owned(),
                ORPHANS_LABEL.into(),
                0,
            );
            push_threads(&mut nodes, a, &orphans);
        }
        let mut model = Self {
            nodes,
            collapsed,
            ..Self::default()
        };
        model.refresh_unread(read);
        model.recompute_visible();
        model.select_at_start(selected);
        model
    }

    /// The remembered selection, else the first unread thread shown, else the root.
    fn select_at_start(&mut self, remembered: Option<&str>) {
        self.selected = remembered
            .and_then(|key| self.position(key))
            .or_else(|| self.first_unread_shown())
            .or(Some(0));
        self.reveal_selected();
    }

    /// Takes the watch levels from `places` (a thread's own, else its area's) and
    /// recounts: a muted thread counts in no parent's total.
    pub fn set_places(&mut self, places: &Places, read: &ReadState) {
        for node in &mut self.nodes {
            node.watch = match (node.kind, &node.thread(), &node.area) {
                (NodeKind::Thread, Some(thread), Some(area)) => places.thread_level(thread, area),
                (NodeKind::Area, _, Some(area)) => {
                    places.level(&crate::model::WatchTarget::Area(area.clone()))
                }
                _ => WatchLevel::Normal,
            };
        }
        self.refresh_unread(read);
    }

    /// What the rules leave out of the threads' counts (all judged again), then recounts.
    pub fn set_counts(&mut self, counts: ThreadCounts, read: &ReadState) {
        self.counts = counts;
        self.refresh_unread(read);
    }

    /// One thread judged again (opened in the reader), then recounts that thread.
    pub fn judged_thread(&mut self, thread: &Thread, judged: &Judged, read: &ReadState) {
        self.counts.insert(thread, judged);
        self.refresh_thread_unread(&thread.summary.id, read);
    }

    /// Recounts the unread posts of `thread`'s rows alone (its read state or its judged
    /// counts changed, nothing else) and passes the difference on to their parents: what
    /// [`Self::refresh_unread`] gives, without recounting the tens of thousands of other
    /// threads — a post arriving in the open thread or read there costs one thread.
    pub fn refresh_thread_unread(&mut self, thread: &ThreadId, read: &ReadState) {
        // A folder's rows are counted by its query (see `refresh_unread`).
        let counted_here = |node: &TreeNode| {
            node.thread_id() == Some(thread.as_str())
                && !node.key.starts_with(FOLDER_KEY)
                && !self.folder_counts.contains_key(node.key.as_str())
        };
        let rows: Vec<usize> = match self.recounted.take() {
            Some((id, rows))
                if &id == thread
                    && rows
                        .iter()
                        .all(|&i| self.nodes.get(i).is_some_and(counted_here)) =>
            {
                rows
            }
            _ => (0..self.nodes.len())
                .filter(|&i| counted_here(&self.nodes[i]))
                .collect(),
        };
        for &i in &rows {
            let unread = self.counts.unread_of(thread, self.nodes[i].last_seq, read);
            let score = self.counts.score(thread);
            let node = &mut self.nodes[i];
            let before = std::mem::replace(&mut node.unread, unread);
            node.score = score;
            if before == unread || node.watch == WatchLevel::Muted {
                continue;
            }
            // Each parent holds the sum of its children, up to a folder (not rolled up).
            let mut child = i;
            while let Some(parent) = self.nodes[child].parent {
                let node = &mut self.nodes[parent];
                node.unread = if unread > before {
                    node.unread.saturating_add(unread - before)
                } else {
                    node.unread.saturating_sub(before - unread)
                };
                if node.key.starts_with(FOLDER_KEY) {
                    break;
                }
                child = parent;
            }
        }
        self.recounted = Some((thread.clone(), rows));
    }

    /// What the rules leave out of the threads' counts.
    pub fn counts(&self) -> &ThreadCounts {
        &self.counts
    }

    /// Gives the areas whose threads are not loaded yet their unread posts (from the tree
    /// index), rolled up to their section and the forum.
    pub fn set_rolled_up(&mut self, unread: HashMap<AreaId, u32>, read: &ReadState) {
        self.rolled_up = unread;
        self.refresh_unread(read);
    }

    /// Recounts unread posts from `read` (less what the rules leave out) and rolls them
    /// up, leaving muted threads out.
    pub fn refresh_unread(&mut self, read: &ReadState) {
        for node in &mut self.nodes {
            node.unread = match (
                &node.thread(),
                self.folder_counts.get(node.key.as_str()),
                &node.area,
            ) {
                (_, Some(&counted), _) => counted,
                (Some(id), None, _) => self.counts.unread_of(id, node.last_seq, read),
                (None, None, Some(area)) if node.kind == NodeKind::Area && !node.has_children => {
                    self.rolled_up.get(area).copied().unwrap_or(0)
                }
                _ => 0,
            };
            node.score = node.thread().map_or(0, |id| self.counts.score(&id));
        }
        for i in (1..self.nodes.len()).rev() {
            if self.nodes[i].kind == NodeKind::Thread && self.nodes[i].watch == WatchLevel::Muted {
                continue;
            }
            // A folder counts what its query finds: its posts are counted where they are.
            if self.nodes[i].key.starts_with(FOLDER_KEY) {
                continue;
            }
            if let Some(parent) = self.nodes[i].parent {
                self.nodes[parent].unread = self.nodes[parent]
                    .unread
                    .saturating_add(self.nodes[i].unread);
            }
        }
    }

    /// Adds `note` after the label of the node keyed `key` (the view an area shows).
    pub fn note(&mut self, key: &str, suffix: &str) {
        if let Some(i) = self.position(key) {
            let node = &mut self.nodes[i];
            node.label = format!("{} · {suffix}", node.label).into();
        }
    }

    /// Puts the saved-search folders under the root, after the forum's sections (in place
    /// of those shown before), each with its threads; the selection stays where it was.
    pub fn set_folders(&mut self, folders: &[FolderRow], read: &ReadState) {
        let selected = self.selected().map(|n| n.key.clone());
        let first = self
            .nodes
            .iter()
            .position(|n| n.kind == NodeKind::Folder)
            .unwrap_or(self.nodes.len());
        self.nodes.truncate(first);
        self.folder_counts.clear();
        for folder in folders {
            let key = format!("{FOLDER_KEY}{}", folder.name);
            let label = format!("⌕ {}", folder.name);
            let mut node = TreeNode::new(NodeKind::Folder, key.clone(), label.into(), 1, Some(0));
            node.has_children = !folder.threads.is_empty();
            self.folder_counts.insert(key.clone(), folder.unread);
            self.nodes.push(node);
            let at = self.nodes.len() - 1;
            for (id, title, unread) in &folder.threads {
                let thread_key = format!("{key}/t:{id}");
                let node = TreeNode::new(
                    NodeKind::Thread,
                    thread_key.clone(),
                    title.as_str().into(),
                    2,
                    Some(at),
                );
                self.folder_counts.insert(thread_key, *unread);
                self.nodes.push(node);
            }
        }
        let more = self.nodes.len() > 1;
        if let Some(root) = self.nodes.first_mut() {
            root.has_children = more;
        }
        self.refresh_unread(read);
        self.recompute_visible();
        self.selected = selected
            .and_then(|key| self.position(&key))
            .or(self.selected);
        if self.selected.is_some_and(|i| i >= self.nodes.len()) {
            self.selected = None;
        }
        self.reveal_selected();
    }

    pub fn nodes(&self) -> &[TreeNode] {
        &self.nodes
    }

    /// Rows shown, top to bottom, as node indexes.
    pub fn visible(&self) -> &[usize] {
        &self.visible
    }

    pub fn node(&self, index: usize) -> Option<&TreeNode> {
        self.nodes.get(index)
    }

    pub fn selected(&self) -> Option<&TreeNode> {
        self.selected.and_then(|i| self.nodes.get(i))
    }

    pub fn selected_index(&self) -> Option<usize> {
        self.selected
    }

    /// The selected row's position among the visible rows.
    pub fn selected_row(&self) -> Option<usize> {
        let selected = self.selected?;
        self.visible.iter().position(|&i| i == selected)
    }

    pub fn offset(&self) -> usize {
        self.offset
    }

    pub fn filter(&self) -> &str {
        &self.filter
    }

    pub fn collapsed_keys(&self) -> &BTreeSet<String> {
        &self.collapsed
    }

    pub fn total_unread(&self) -> u32 {
        self.nodes.first().map_or(0, |n| n.unread)
    }

    /// Whether `index` shows its children (always while filtering).
    pub fn is_expanded(&self, index: usize) -> bool {
        self.nodes.get(index).is_some_and(|n| {
            n.has_children && (!self.filter.is_empty() || !self.collapsed.contains(n.key.as_str()))
        })
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.key == key)
    }

    /// The node showing `thread`, if any.
    pub fn thread_position(&self, thread: &ThreadId) -> Option<usize> {
        self.nodes
            .iter()
            .position(|n| n.thread_id() == Some(thread.as_str()))
    }

    fn recompute_visible(&mut self) {
        self.visible.clear();
        if self.filter.is_empty() {
            // Nodes are in pre-order (a node's descendants follow it, deeper than it): a
            // collapsed node's are skipped without looking up any key of theirs, which
            // keeps this cheap with 50,000 threads in collapsed areas.
            let mut i = 0;
            while let Some(node) = self.nodes.get(i) {
                self.visible.push(i);
                i += 1;
                if node.has_children && self.collapsed.contains(node.key.as_str()) {
                    while self.nodes.get(i).is_some_and(|n| n.depth > node.depth) {
                        i += 1;
                    }
                }
            }
        } else {
            let needle = self.filter.to_lowercase();
            let mut keep = vec![false; self.nodes.len()];
            if let Some(root) = keep.first_mut() {
                *root = true;
            }
            for (i, node) in self.nodes.iter().enumerate() {
                if node.kind == NodeKind::Thread && node.label.to_lowercase().contains(&needle) {
                    keep[i] = true;
                    for a in self.ancestors(i) {
                        keep[a] = true;
                    }
                }
            }
            self.visible
                .extend(keep.iter().enumerate().filter(|(_, k)| **k).map(|(i, _)| i));
        }
    }

    fn ancestors(&self, index: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(self.nodes.get(index).and_then(|n| n.parent), |&p| {
            self.nodes[p].parent
        })
    }

    /// Keeps the selection on a visible row: its nearest visible ancestor, else the first row.
    fn reveal_selected(&mut self) {
        let Some(selected) = self.selected else {
            self.selected = self.visible.first().copied();
            return;
        };
        if self.visible.contains(&selected) {
            return;
        }
        let revealed = self
            .ancestors(selected)
            .find(|a| self.visible.contains(a))
            .or_else(|| self.visible.first().copied());
        self.selected = revealed;
    }

    /// Moves the selection by `delta` visible rows, stopping at the ends.
    pub fn move_by(&mut self, delta: isize) {
        let Some(row) = self.selected_row() else {
            self.selected = self.visible.first().copied();
            return;
        };
        let last = self.visible.len().saturating_sub(1);
        let target = row.saturating_add_signed(delta).min(last);
        self.selected = self.visible.get(target).copied();
    }

    pub fn select_first(&mut self) {
        self.selected = self.visible.first().copied();
    }

    pub fn select_last(&mut self) {
        self.selected = self.visible.last().copied();
    }

    /// Selects the `row`-th visible row (a mouse click). Returns false when there is none.
    pub fn select_row(&mut self, row: usize) -> bool {
        match self.visible.get(row) {
            Some(&i) => {
                self.selected = Some(i);
                true
            }
            None => false,
        }
    }

    /// Selects a node by key when it exists and is visible (expanding its parents).
    pub fn select_node(&mut self, index: usize) {
        if index >= self.nodes.len() {
            return;
        }
        let ancestors: Vec<usize> = self.ancestors(index).collect();
        for a in ancestors {
            let key = self.nodes[a].key.clone();
            self.collapsed.remove(key.as_str());
        }
        self.recompute_visible();
        if self.visible.contains(&index) {
            self.selected = Some(index);
        }
    }

    /// Expands the selected node, or steps to its first child when it is already open.
    pub fn expand(&mut self) {
        let Some(i) = self.selected else { return };
        if !self.nodes[i].has_children {
            return;
        }
        if self.is_expanded(i) {
            self.move_by(1);
        } else {
            let key = self.nodes[i].key.clone();
            self.collapsed.remove(key.as_str());
            self.recompute_visible();
        }
    }

    /// Collapses the selected node, or steps to its parent when it is closed or a leaf.
    pub fn collapse(&mut self) {
        let Some(i) = self.selected else { return };
        if self.is_expanded(i) && self.filter.is_empty() {
            let key = self.nodes[i].key.clone();
            self.collapsed.insert(key.into());
            self.recompute_visible();
        } else if let Some(parent) = self.nodes[i].parent {
            self.selected = Some(parent);
        }
    }

    pub fn toggle(&mut self) {
        let Some(i) = self.selected else { return };
        if self.is_expanded(i) {
            self.collapse();
        } else {
            self.expand();
        }
    }

    /// Narrows the tree to threads whose title contains `filter` (case-insensitive);
    /// an empty filter shows everything again.
    pub fn set_filter(&mut self, filter: &str) {
        filter.clone_into(&mut self.filter);
        self.recompute_visible();
        let on_match = self.selected().is_some_and(|n| n.kind == NodeKind::Thread)
            && self.selected.is_some_and(|s| self.visible.contains(&s));
        if !on_match && !self.filter.is_empty() {
            self.selected = self
                .visible
                .iter()
                .copied()
                .find(|&i| self.nodes[i].kind == NodeKind::Thread);
        }
        self.reveal_selected();
    }

    /// Number of threads the current filter shows.
    pub fn matching_threads(&self) -> usize {
        self.visible
            .iter()
            .filter(|&&i| self.nodes[i].kind == NodeKind::Thread)
            .count()
    }

    /// A thread with unread posts that asks for attention (not muted).
    fn is_unread_thread(&self, i: usize) -> bool {
        let node = &self.nodes[i];
        node.kind == NodeKind::Thread && node.unread > 0 && node.watch != WatchLevel::Muted
    }

    /// The first thread with unread posts among the rows shown, top down.
    fn first_unread_shown(&self) -> Option<usize> {
        self.visible
            .iter()
            .copied()
            .find(|&i| self.is_unread_thread(i))
    }

    /// The first thread with unread posts after the selection, wrapping around; muted
    /// threads are skipped.
    pub fn next_unread_thread(&self, after: Option<usize>) -> Option<usize> {
        let start = after.map_or(0, |a| a + 1);
        let n = self.nodes.len();
        (0..n)
            .map(|k| (start + k) % n)
            .find(|&i| self.is_unread_thread(i))
    }

    /// Scrolls so the selected row is inside a window of `height` rows.
    pub fn keep_selection_visible(&mut self, height: usize) {
        let height = height.max(1);
        let Some(row) = self.selected_row() else {
            self.offset = 0;
            return;
        };
        if row < self.offset {
            self.offset = row;
        } else if row >= self.offset + height {
            self.offset = row + 1 - height;
        }
        let max = self.visible.len().saturating_sub(height);
        self.offset = self.offset.min(max);
    }
}

/// A thread's title, after what a moderator made of it (pinned, locked); `○` marks a
/// thread of which only the summary is cached (a Discourse forum read headers first):
/// opening it fetches its posts, and offline it cannot be read.
fn thread_label(t: &ThreadSummary) -> Arc<str> {
    match (t.pinned, t.locked, t.headers_only()) {
        (false, false, false) => Arc::clone(&t.title),
        (pinned, locked, headers_only) => format!(
            "{}{}{}{}",
            if headers_only { "○ " } else { "" },
            if pinned { "[pinned] " } else { "" },
            if locked { "[locked] " } else { "" },
            t.title
        )
        .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::demo_forum;

    fn demo_tree(collapsed: &[&str]) -> (TreeModel, ReadState) {
        let demo = demo_forum().unwrap();
        let threads: Vec<_> = demo.threads.iter().map(|t| t.summary.clone()).collect();
        let read = ReadState::default();
        let collapsed = collapsed.iter().map(|s| (*s).to_owned()).collect();
        (
            TreeModel::build(&demo.forum, &threads, &read, collapsed, None),
            read,
        )
    }

    fn labels(tree: &TreeModel) -> Vec<&str> {
        tree.visible()
            .iter()
            .map(|&i| &*tree.nodes()[i].label)
            .collect()
    }

    #[test]
    fn pinned_threads_lead_their_area_and_say_pinned_locked_or_not_downloaded() {
        let demo = demo_forum().unwrap();
        let first = demo.threads[0].summary.clone();
        let mut pinned = first.clone();
        pinned.id = crate::model::ThreadId::new("pinned-one");
        pinned.title = "House rules".into();
        pinned.pinned = true;
        let mut locked = first.clone();
        locked.id = crate::model::ThreadId::new("locked-one");
        locked.title = "Old minutes".into();
        locked.locked = true;
        let mut undownloaded = first.clone();
        undownloaded.id = crate::model::ThreadId::new("headers-only");
        undownloaded.title = "Not read yet".into();
        undownloaded.missing = thin_vec::thin_vec![crate::model::SeqRange {
            from: 1,
            to: undownloaded.last_seq,
        }];
        let threads = vec![first.clone(), locked, pinned, undownloaded];
        let tree = TreeModel::build(
            &demo.forum,
            &threads,
            &ReadState::default(),
            BTreeSet::new(),
            None,
        );
        let advocacy = labels(&tree)
            .into_iter()
            .skip_while(|l| *l != "Advocacy")
            .skip(1)
            .collect::<Vec<_>>();
        assert_eq!(
            advocacy,
            vec![
                "[pinned] House rules",
                &*first.title,
                "[locked] Old minutes",
                "○ Not read yet"
            ]
        );
        // An unmarked row shows its summary's title itself, not a copy of it; a marked
        // one has a label of its own.
        let row = |id: &ThreadId| {
            tree.nodes()
                .iter()
                .find(|n| n.thread_id() == Some(id.as_str()))
                .unwrap()
        };
        assert!(Arc::ptr_eq(&row(&first.id).label, &first.title));
        let pinned = &threads[2];
        assert!(!Arc::ptr_eq(&row(&pinned.id).label, &pinned.title));
    }

    #[test]
    fn a_fresh_start_selects_the_first_unread_thread() {
        let demo = demo_forum().unwrap();
        let unread = demo.threads[0].summary.clone();
        let mut read_one = unread.clone();
        read_one.id = ThreadId::new("read-one");
        read_one.title = "Already read".into();
        let threads = vec![read_one.clone(), unread.clone()];
        let mut read = ReadState::default();
        read.thread_mut(&read_one.id)
            .mark_all_read(read_one.last_seq);
        let build = |read: &ReadState, selected: Option<&str>| {
            TreeModel::build(&demo.forum, &threads, read, BTreeSet::new(), selected)
        };
        let tree = build(&read, None);
        assert_eq!(tree.selected().unwrap().key, format!("t:{}", unread.id));
        // A remembered selection wins.
        let tree = build(&read, Some("t:read-one"));
        assert_eq!(tree.selected().unwrap().key, "t:read-one");
        // Nothing unread: the root.
        read.thread_mut(&unread.id).mark_all_read(unread.last_seq);
        assert_eq!(build(&read, None).selected().unwrap().key, "forum");
    }

    #[test]
    fn unread_counts_roll_up_to_every_parent() {
        let (mut tree, mut read) = demo_tree(&[]);
        assert_eq!(tree.total_unread(), 8);
        let advocacy = tree.position("a:advocacy").unwrap();
        assert_eq!(tree.nodes()[advocacy].unread, 8);
        assert_eq!(
            tree.nodes()[tree.position("s:enabling-strategies").unwrap()].unread,
            8
        );
        assert_eq!(
            tree.nodes()[tree.position("s:strategic-initiatives").unwrap()].unread,
            0
        );
        read.thread_mut(&ThreadId::new("advocacy-1"))
            .mark_all_read(3);
        tree.refresh_unread(&read);
        assert_eq!(tree.total_unread(), 5);
    }

    #[test]
    fn recounting_one_thread_gives_what_recounting_all_gives() {
        let demo = demo_forum().unwrap();
        let first = demo.threads[0].summary.clone();
        // Threads in the demo's areas, one of them muted: its own count changes, its
        // parents' do not.
        let threads: Vec<ThreadSummary> = (0..6)
            .map(|n| {
                let mut t = first.clone();
                t.id = ThreadId::new(format!("t{n}"));
                let areas = demo.forum.sections.iter().flat_map(|s| &s.areas);
                if let Some(area) = areas.clone().nth(n % areas.count().max(1)) {
                    t.area = area.id.clone();
                }
                t
            })
            .collect();
        let mut read = ReadState::default();
        let mut tree = TreeModel::build(&demo.forum, &threads, &read, BTreeSet::new(), None);
        let muted = threads[1].id.clone();
        let mut places = Places::default();
        places.apply(&crate::model::PlaceMark::Watch {
            target: crate::model::WatchTarget::Thread(muted.clone()),
            level: WatchLevel::Muted,
            at: jiff::Timestamp::UNIX_EPOCH,
        });
        tree.set_places(&places, &read);
        for thread in &threads {
            let before = tree.total_unread();
            read.thread_mut(&thread.id).mark_read(1);
            read.thread_mut(&thread.id).mark_read(2);
            let mut recounted = tree.clone();
            recounted.refresh_unread(&read);
            tree.refresh_thread_unread(&thread.id, &read);
            assert_eq!(
                tree.nodes(),
                recounted.nodes(),
                "after reading in {}",
                thread.id
            );
            // Again in the same thread: its rows are known.
            read.thread_mut(&thread.id).mark_read(3);
            recounted.refresh_unread(&read);
            tree.refresh_thread_unread(&thread.id, &read);
            assert_eq!(
                tree.nodes(),
                recounted.nodes(),
                "reading on in {}",
                thread.id
            );
            // The recount did something.
            if thread.id == muted {
                assert_eq!(tree.total_unread(), before);
            } else {
                assert_eq!(tree.total_unread(), before - 3, "{}", thread.id);
            }
        }
    }

    #[test]
    fn collapsing_hides_children_and_keeps_the_selection_visible() {
        let (mut tree, _) = demo_tree(&[]);
        assert_eq!(labels(&tree).len(), 7);
        tree.select_last();
        assert_eq!(tree.selected().unwrap().kind, NodeKind::Thread);
        tree.collapse(); // a leaf: steps to its parent area
        assert_eq!(&*tree.selected().unwrap().label, "Advocacy");
        tree.collapse();
        assert_eq!(labels(&tree).len(), 6);
        tree.move_by(-1);
        assert_eq!(&*tree.selected().unwrap().label, "Enabling Strategies");
        tree.collapse();
        assert!(!labels(&tree).contains(&"Advocacy"));
        tree.expand();
        assert!(labels(&tree).contains(&"Advocacy"));
        // Advocacy itself was left collapsed.
        assert_eq!(labels(&tree).len(), 6);
        assert!(tree.collapsed_keys().contains("a:advocacy"));
    }

    #[test]
    fn remembered_state_is_restored() {
        let demo = demo_forum().unwrap();
        let threads: Vec<_> = demo.threads.iter().map(|t| t.summary.clone()).collect();
        let collapsed = ["s:strategic-initiatives".to_owned()].into();
        let tree = TreeModel::build(
            &demo.forum,
            &threads,
            &ReadState::default(),
            collapsed,
            Some("t:advocacy-1"),
        );
        assert_eq!(labels(&tree).len(), 5);
        assert_eq!(tree.selected().unwrap().key, "t:advocacy-1");
    }

    #[test]
    fn the_filter_narrows_to_matching_threads_and_their_parents() {
        let (mut tree, _) = demo_tree(&["a:advocacy"]);
        tree.set_filter("ADVOCACY");
        assert_eq!(
            labels(&tree),
            [
                "Strategic Framework",
                "Enabling Strategies",
                "Advocacy",
                "Strategic Framework and Enabling Strategies: Discussion Thread 1: Advocacy"
            ]
        );
        assert_eq!(tree.selected().unwrap().kind, NodeKind::Thread);
        assert_eq!(tree.matching_threads(), 1);
        tree.set_filter("nothing like this");
        assert_eq!(labels(&tree), ["Strategic Framework"]);
        tree.set_filter("");
        assert_eq!(labels(&tree).len(), 6);
    }

    #[test]
    fn an_empty_cache_still_shows_a_root() {
        let tree = TreeModel::build(
            &Forum::default(),
            &[],
            &ReadState::default(),
            BTreeSet::new(),
            None,
        );
        assert_eq!(labels(&tree), [NOT_SYNCED_LABEL]);
        assert_eq!(tree.selected_row(), Some(0));
    }

    #[test]
    fn the_selection_scrolls_into_view() {
        let (mut tree, _) = demo_tree(&[]);
        tree.select_last();
        tree.keep_selection_visible(3);
        assert_eq!(tree.offset(), 4);
        tree.select_first();
        tree.keep_selection_visible(3);
        assert_eq!(tree.offset(), 0);
    }
}
