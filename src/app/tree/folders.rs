//! Saved-search folders (`[[folders]]` in config.toml) in the tree: under the account's
//! forum (with several accounts open, those without `account:` go to "All accounts",
//! `tree::all_accounts`), each with the unread posts its query finds, opened like an area (its threads
//! listed; enter opens one). The queries run off the loop (an effect the runner carries
//! out) at start and whenever a sync changes the cache; what they found is kept, and the
//! counts follow what is read from there without running them again.

use crate::app::msg::Effect;
use crate::app::state::State;
use crate::app::tree::model::FolderRow;
use crate::config::Config;
use crate::model::{Query, ReadState, ThreadId};

/// What one folder's query found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FolderFound {
    pub name: String,
    pub threads: Vec<FolderThread>,
}

/// A thread holding hits of a folder's query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FolderThread {
    pub id: ThreadId,
    pub title: String,
    /// The posts found, by `seq`.
    pub posts: Vec<u32>,
    /// Those a rule leaves out of the unread counts.
    pub left_out: Vec<u32>,
}

impl FolderThread {
    /// Its posts found that are unread now.
    pub fn unread(&self, read: &ReadState) -> u32 {
        let state = read.thread(&self.id);
        let n = self
            .posts
            .iter()
            .filter(|seq| !self.left_out.contains(seq) && !state.is_some_and(|s| s.is_read(**seq)))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}

/// The account's folders and what their queries last found.
#[derive(Debug, Default)]
pub struct Folders {
    /// Name and query, in config order: those without `account:` and those naming this
    /// account.
    pub saved: Vec<(String, Query)>,
    /// What each found (empty until the first answer).
    pub found: Vec<FolderFound>,
    /// The counts the tree shows, per folder.
    shown: Vec<u32>,
    /// Several accounts are open: the folders without `account:` show once, under "All
    /// accounts" (see `tree::all_accounts`), not in this account's tree. Their queries
    /// still run here, over this account's cache.
    pub pooled: bool,
    /// How many answers the queries gave (a change of `found` without comparing it).
    pub answers: u64,
}

impl Folders {
    /// The folders of `config` that show under `account`.
    pub fn of(config: &Config, account: &str) -> Self {
        Self {
            saved: config
                .folders()
                .iter()
                .filter(|f| f.is_for(account))
                .map(|f| (f.name.clone(), f.query.clone()))
                .collect(),
            ..Self::default()
        }
    }
}

/// Asks the runner to run the folders' queries (nothing without folders).
pub fn ask(state: &State, fx: &mut Vec<Effect>) {
    let saved = &state.folders.saved;
    if saved.is_empty() {
        return;
    }
    let read = saved
        .iter()
        .any(|(_, q)| q.needs_read_state())
        .then(|| state.data.read.clone());
    fx.push(Effect::Query(
        crate::app::lists::search_results::QueryJob::Folders {
            folders: saved.clone(),
            read,
        },
    ));
}

/// The tree was built again (a sync changed the cache): the folders go back in at once,
/// with what they found before, and their queries run again.
pub fn index_changed(state: &mut State, fx: &mut Vec<Effect>) {
    show(state);
    ask(state, fx);
}

/// The queries' answer: the folders show it.
pub fn found(state: &mut State, found: Result<Vec<FolderFound>, String>) {
    match found {
        Ok(found) => {
            state.folders.found = found;
            state.folders.answers += 1;
            show(state);
        }
        Err(why) => state.error(format!("folders: {why}")),
    }
}

/// Counts again from the read state (after every message): the tree changes only when a
/// count does.
pub fn recount(state: &mut State) {
    if state.folders.found.is_empty() {
        return;
    }
    let counts = counts(&state.folders.found, &state.data.read);
    if counts != state.folders.shown {
        show(state);
    }
}

fn counts(found: &[FolderFound], read: &ReadState) -> Vec<u32> {
    found
        .iter()
        .map(|f| {
            f.threads
                .iter()
                .fold(0, |sum: u32, t| sum.saturating_add(t.unread(read)))
        })
        .collect()
}

/// Puts the folders in the tree with their counts now (with several accounts open, only
/// those naming this account).
pub fn show(state: &mut State) {
    let read = &state.data.read;
    let pooled = state.folders.pooled;
    let rows: Vec<FolderRow> = state
        .folders
        .saved
        .iter()
        .filter(|(_, query)| !(pooled && query.account.is_none()))
        .map(|(name, _)| {
            let found = state.folders.found.iter().find(|f| &f.name == name);
            let threads: Vec<(ThreadId, String, u32)> = found
                .map(|f| {
                    f.threads
                        .iter()
                        .map(|t| (t.id.clone(), t.title.clone(), t.unread(read)))
                        .collect()
                })
                .unwrap_or_default();
            FolderRow::new(name.clone(), threads)
        })
        .collect();
    state.folders.shown = counts(&state.folders.found, read);
    state.tree.set_folders(&rows, read);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::tree::model::{NodeKind, TreeModel};
    use crate::model::{Area, Forum, Section};

    fn thread(id: &str, posts: &[u32], left_out: &[u32]) -> FolderThread {
        FolderThread {
            id: ThreadId::new(id),
            title: format!("Thread {id}"),
            posts: posts.to_vec(),
            left_out: left_out.to_vec(),
        }
    }

    #[test]
    fn a_folder_counts_its_unread_hits_less_what_rules_leave_out() {
        let mut read = ReadState::default();
        read.thread_mut(&ThreadId::new("t1")).mark_all_read(2);
        let found = [FolderFound {
            name: "F".into(),
            threads: vec![thread("t1", &[1, 3, 4], &[4]), thread("t2", &[2], &[])],
        }];
        // t1: #1 read, #3 unread, #4 left out by a rule; t2: #2 unread.
        assert_eq!(counts(&found, &read), [2]);
    }

    #[test]
    fn folders_go_under_the_root_and_stay_out_of_its_total() {
        let forum = Forum {
            title: "F".into(),
            sections: vec![Section {
                id: crate::model::SectionId::new("s"),
                title: "S".into(),
                areas: vec![Area::new("a", "A")],
            }],
            ..Forum::default()
        };
        let read = ReadState::default();
        let mut tree = TreeModel::build(
            &forum,
            &[],
            &read,
            std::collections::BTreeSet::default(),
            None,
        );
        let rows = [FolderRow {
            name: "Budget".into(),
            unread: 3,
            threads: vec![(ThreadId::new("t1"), "Thread t1".into(), 3)],
        }];
        tree.set_folders(&rows, &read);
        tree.set_folders(&rows, &read);
        let folders: Vec<_> = tree
            .nodes()
            .iter()
            .filter(|n| n.kind == NodeKind::Folder)
            .collect();
        assert_eq!(folders.len(), 1, "set again, not added twice");
        assert_eq!((folders[0].depth, folders[0].unread), (1, 3));
        assert_eq!(
            tree.total_unread(),
            0,
            "the folder's posts count where they are"
        );
        let child = tree.nodes().last().unwrap();
        assert_eq!(child.thread(), Some(ThreadId::new("t1")));
        assert_eq!(child.unread, 3);
    }
}
