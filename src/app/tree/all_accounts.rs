//! "All accounts" at the top of the tree pane when several accounts are open: one node
//! holding the saved-search folders whose query names no `account:`. Each folder counts
//! the unread hits of every account (the sum of what each account's own query found over
//! its own cache, off the loop), lists the threads of every account, each named by its
//! account, and `enter` on one moves the focus to that account and opens the thread.

use crate::app::geometry::Focus;
use crate::app::msg::Effect;
use crate::app::state::State;
use crate::app::tree::model::{FolderRow, TreeModel};
use crate::model::{Forum, ReadState, ThreadId};
use std::collections::{BTreeSet, HashMap};

/// The label of the node.
pub const LABEL: &str = "All accounts";

/// The "All accounts" node, its folders and their threads, and whether the tree pane's
/// selection is on it (rather than in the focused account's tree).
#[derive(Debug, Default)]
pub struct AllAccounts {
    /// Its own rows: the node, the folders, their threads (`None` until there is a
    /// folder to show).
    tree: Option<TreeModel>,
    /// The tree pane's selection is on these rows.
    pub selected: bool,
    /// The folders as last shown, to build the rows again only on a change.
    shown: Vec<FolderRow>,
    /// What they were built from: each account's answers and each thread's unread hits.
    built_from: (Vec<u64>, Vec<u32>),
    /// Each listed thread's account and own id, by the id its row carries (the same
    /// thread id can be in two accounts: the rows carry `ACCOUNT/ID`).
    listed: HashMap<ThreadId, (usize, ThreadId)>,
}

impl AllAccounts {
    /// Its rows, when it shows (several accounts, a folder without `account:`).
    pub fn tree(&self) -> Option<&TreeModel> {
        self.tree.as_ref()
    }

    /// How many of the tree pane's `height` rows it takes: all its rows, up to half of
    /// them (the accounts get the rest).
    pub fn rows_in(&self, height: u16) -> u16 {
        let Some(tree) = &self.tree else {
            return 0;
        };
        let rows = u16::try_from(tree.visible().len()).unwrap_or(u16::MAX);
        rows.min((height / 2).max(1)).min(height)
    }

    /// Keeps its selection inside the `height` rows it has.
    pub fn keep_selection_visible(&mut self, height: u16) {
        if let Some(tree) = &mut self.tree {
            tree.keep_selection_visible(usize::from(height));
        }
    }

    /// Puts the selection on its last row (coming up from the first account).
    pub fn enter_from_below(&mut self) -> bool {
        let Some(tree) = &mut self.tree else {
            return false;
        };
        tree.select_last();
        self.selected = true;
        true
    }

    /// The account and thread of the row selected, when it is a thread.
    fn selected_thread(&self) -> Option<(usize, ThreadId)> {
        let id = self.tree.as_ref()?.selected()?.thread()?;
        self.listed.get(&id).cloned()
    }
}

/// One open account's part: its index and name, its folders and read state.
#[derive(Debug)]
pub struct AccountFolders<'a> {
    pub index: usize,
    pub name: &'a str,
    pub folders: &'a crate::app::tree::folders::Folders,
    pub read: &'a ReadState,
}

/// The rows of the pooled folders (no `account:`) over `accounts`, in config order: each
/// counts the unread hits of every account, and lists each account's threads (by account,
/// in the order its query found them), named `ACCOUNT · TITLE`.
pub fn rows(
    accounts: &[AccountFolders<'_>],
) -> (Vec<FolderRow>, HashMap<ThreadId, (usize, ThreadId)>) {
    let mut listed = HashMap::new();
    let Some(first) = accounts.first() else {
        return (Vec::new(), listed);
    };
    let rows = first
        .folders
        .saved
        .iter()
        .filter(|(_, query)| query.account.is_none())
        .map(|(name, _)| {
            let mut threads = Vec::new();
            for account in accounts {
                let found = account.folders.found.iter().find(|f| &f.name == name);
                for thread in found.map(|f| f.threads.as_slice()).unwrap_or_default() {
                    let row_id = ThreadId::new(format!("{}/{}", account.index, thread.id));
                    listed.insert(row_id.clone(), (account.index, thread.id.clone()));
                    let label = format!("{} · {}", account.name, thread.title);
                    threads.push((row_id, label, thread.unread(account.read)));
                }
            }
            FolderRow::new(name.clone(), threads)
        })
        .collect();
    (rows, listed)
}

/// Each account's answers so far and each found thread's unread hits now.
fn basis(accounts: &[AccountFolders<'_>]) -> (Vec<u64>, Vec<u32>) {
    let answers = accounts.iter().map(|a| a.folders.answers).collect();
    let unread = accounts
        .iter()
        .flat_map(|a| {
            a.folders
                .found
                .iter()
                .flat_map(|f| f.threads.iter().map(|t| t.unread(a.read)))
        })
        .collect();
    (answers, unread)
}

/// Shows what every account's queries found and what is read now (after every message);
/// the rows are built again only when something they show changed.
pub fn refresh(state: &mut State) {
    if !state.accounts.several() {
        return;
    }
    let accounts = crate::app::accounts::folders(state);
    // Most messages change neither an answer nor a count: nothing is built for them.
    let basis = basis(&accounts);
    if basis == state.accounts.all.built_from && state.accounts.all.tree.is_some() {
        return;
    }
    let (rows, listed) = rows(&accounts);
    let all = &mut state.accounts.all;
    all.built_from = basis;
    if rows == all.shown {
        return;
    }
    if rows.is_empty() {
        *all = AllAccounts::default();
        return;
    }
    let tree = all.tree.get_or_insert_with(|| {
        // The folders start folded: the node stays a few rows high.
        let folded: BTreeSet<String> = rows
            .iter()
            .map(|r| format!("{}{}", crate::app::tree::model::FOLDER_KEY, r.name))
            .collect();
        let forum = Forum {
            title: LABEL.to_owned(),
            ..Forum::default()
        };
        TreeModel::build(&forum, &[], &ReadState::default(), folded, None)
    });
    tree.set_folders(&rows, &ReadState::default());
    all.shown = rows;
    all.listed = listed;
}

/// An action of the tree pane while its selection is on "All accounts"; false when the
/// action is not one of its own (the focused account's tree takes it).
pub fn on_action(state: &mut State, action: crate::app::Action, fx: &mut Vec<Effect>) -> bool {
    use crate::app::Action;
    let page = state.geometry().all_list.height.saturating_sub(1).max(1);
    let page = isize::try_from(page).unwrap_or(1);
    let Some(tree) = state.accounts.all.tree.as_mut() else {
        state.accounts.all.selected = false;
        return false;
    };
    match action {
        Action::Up => tree.move_by(-1),
        Action::Down => move_down(state, 1),
        Action::PageUp | Action::HalfPageUp => tree.move_by(-page),
        Action::PageDown | Action::HalfPageDown => move_down(state, page),
        Action::Top => tree.select_first(),
        Action::Bottom => {
            let last = state.accounts.count() - 1;
            crate::app::accounts::focus(state, last);
            state.accounts.all.selected = false;
            state.tree.select_last();
        }
        Action::Expand => {
            if tree
                .selected()
                .is_some_and(|n| !n.has_children && n.thread_id().is_none())
            {
                state.notice("nothing in any account's cache matches this folder's query yet");
            } else {
                tree.expand();
            }
        }
        Action::Collapse => tree.collapse(),
        Action::ToggleExpand => tree.toggle(),
        Action::Open => open(state, fx),
        // These act on the tree's selection in an account: not on a row here.
        Action::MarkThreadRead
        | Action::MarkThreadUnread
        | Action::CycleWatch
        | Action::CycleView
        | Action::NewThread => {
            state.notice("that key works in an account's tree: enter opens the thread there");
        }
        _ => return false,
    }
    true
}

/// A click on its `row`-th row on screen selects it; a second click opens it.
pub fn click(state: &mut State, row: usize, fx: &mut Vec<Effect>) {
    let all = &mut state.accounts.all;
    let Some(tree) = all.tree.as_mut() else {
        return;
    };
    let before = all.selected.then(|| tree.selected_index()).flatten();
    if !tree.select_row(tree.offset() + row) {
        return;
    }
    let again = before.is_some() && before == tree.selected_index();
    all.selected = true;
    state.focus = Focus::Tree;
    if again {
        open(state, fx);
    }
}

/// Down from its last row goes on to the first account's tree.
fn move_down(state: &mut State, delta: isize) {
    let Some(tree) = state.accounts.all.tree.as_mut() else {
        return;
    };
    let last = tree.visible().len().saturating_sub(1);
    if tree.selected_row().is_some_and(|row| row < last) {
        tree.move_by(delta);
        return;
    }
    state.accounts.all.selected = false;
    crate::app::accounts::focus(state, 0);
    state.tree.select_first();
}

/// `enter`: a thread's account takes the focus and opens it; a folder folds or unfolds.
fn open(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(tree) = state.accounts.all.tree.as_mut() else {
        return;
    };
    if tree.selected().is_some_and(|n| n.thread_id().is_none()) {
        tree.toggle();
        return;
    }
    let Some((account, id)) = state.accounts.all.selected_thread() else {
        return;
    };
    state.accounts.all.selected = false;
    crate::app::accounts::focus(state, account);
    state.focus = Focus::Tree;
    if let Some(at) = state.tree.thread_position(&id) {
        state.tree.select_node(at);
    }
    let mut own = Vec::new();
    crate::app::tree::actions::open_thread(state, id, &mut own);
    fx.extend(
        own.into_iter()
            .map(|e| crate::app::accounts::tag(account, e)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::tree::folders::{FolderFound, FolderThread, Folders};
    use crate::model::Query;

    /// Per folder: its threads, each with the seqs found.
    type Found<'a> = [(&'a str, &'a [(&'a str, &'a [u32])])];

    fn folders(saved: &[(&str, &str)], found: &Found<'_>) -> Folders {
        let mut folders = Folders::default();
        folders.saved = saved
            .iter()
            .map(|(name, q)| ((*name).to_owned(), Query::parse(q).unwrap()))
            .collect();
        folders.found = found
            .iter()
            .map(|(name, threads)| FolderFound {
                name: (*name).to_owned(),
                threads: threads
                    .iter()
                    .map(|(id, posts)| FolderThread {
                        id: ThreadId::new(*id),
                        title: format!("Thread {id}"),
                        posts: posts.to_vec(),
                        left_out: Vec::new(),
                    })
                    .collect(),
            })
            .collect();
        folders
    }

    #[test]
    fn a_pooled_folder_sums_every_account_and_names_each_threads_account() {
        let saved = [("Zebras", "zebra"), ("Mine", "zebra account:work")];
        let work = folders(
            &saved,
            &[("Zebras", &[("t1", &[1, 2])]), ("Mine", &[("t1", &[1, 2])])],
        );
        let play = folders(&saved, &[("Zebras", &[("t1", &[3]), ("t2", &[1])])]);
        let mut read = ReadState::default();
        read.thread_mut(&ThreadId::new("t2")).mark_all_read(1);
        let none = ReadState::default();
        let accounts = [
            AccountFolders {
                index: 0,
                name: "work",
                folders: &work,
                read: &none,
            },
            AccountFolders {
                index: 1,
                name: "play",
                folders: &play,
                read: &read,
            },
        ];
        let (rows, listed) = rows(&accounts);
        // Only the folder without `account:`; 2 unread in work, 1 in play (t2 is read).
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].name.as_str(), rows[0].unread), ("Zebras", 3));
        let labels: Vec<_> = rows[0]
            .threads
            .iter()
            .map(|t| (t.1.as_str(), t.2))
            .collect();
        assert_eq!(
            labels,
            [
                ("work · Thread t1", 2),
                ("play · Thread t1", 1),
                ("play · Thread t2", 0)
            ]
        );
        // The same thread id in two accounts: two rows, each leading to its account.
        assert_eq!(listed[&rows[0].threads[0].0], (0, ThreadId::new("t1")));
        assert_eq!(listed[&rows[0].threads[1].0], (1, ThreadId::new("t1")));
    }
}
