//! One account's cached forum: tree, thread index, thread files and read state.

use super::file::{self, Durability, Loaded, Problem};
use super::index_slot::IndexSlot;
use super::search_index::ThreadRow;
use super::thread_file::{THREAD_SCHEMA, ThreadFile, ThreadFileRef};
use super::tree_cache::{self, TreeSlot};
use super::tree_index;
use super::{AccountDir, StoreError};
use crate::model::{Forum, ReadState, Thread, ThreadId, ThreadSummary};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The schema of every cache file this version reads and writes.
pub const SCHEMA: u32 = 1;

#[derive(Serialize, Deserialize)]
struct TreeFile {
    schema: u32,
    forum: Forum,
}

/// `index.json` and `read.json` carry a `generation`, drawn afresh at every write: the
/// tree index records which it was built from (see [`super::tree_index`]).
#[derive(Serialize, Deserialize)]
struct IndexFile {
    schema: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    generation: Option<u64>,
    threads: Vec<ThreadSummary>,
}

#[derive(Deserialize)]
struct ReadFile {
    #[serde(default)]
    generation: Option<u64>,
    read: ReadState,
}

#[derive(Serialize)]
struct ReadFileRef<'a> {
    schema: u32,
    generation: u64,
    read: &'a ReadState,
}

/// Reads and writes one account's cache. Problems met while loading (quarantined or
/// newer-schema files) are collected for the caller to report; loading goes on.
#[derive(Debug)]
pub struct Cache {
    dir: AccountDir,
    problems: Vec<Problem>,
    /// The search index, opened on first use (writes take `&self`, hence the lock).
    index: Mutex<IndexSlot>,
    /// The tree index's progress callback.
    tree: Mutex<TreeSlot>,
}

impl Cache {
    pub fn open(dir: AccountDir) -> Self {
        Self {
            index: Mutex::new(IndexSlot::new(dir.search_index())),
            tree: Mutex::new(TreeSlot::default()),
            dir,
            problems: Vec::new(),
        }
    }

    /// Called with (threads done, threads in all) while the search index is built from
    /// the thread files (it was missing, damaged or from before the index existed).
    pub fn on_index_progress(&mut self, progress: impl FnMut(usize, usize) + Send + 'static) {
        self.slot().progress = Some(Box::new(progress));
    }

    pub(super) fn slot(&self) -> MutexGuard<'_, IndexSlot> {
        self.index.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn tree_slot(&self) -> MutexGuard<'_, TreeSlot> {
        self.tree.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn problems_mut(&mut self) -> &mut Vec<Problem> {
        &mut self.problems
    }

    pub fn dir(&self) -> &AccountDir {
        &self.dir
    }

    /// Problems met so far, oldest first; taking them clears the list.
    pub fn take_problems(&mut self) -> Vec<Problem> {
        let from_index = std::mem::take(&mut self.slot().problems);
        self.problems.extend(from_index);
        std::mem::take(&mut self.problems)
    }

    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    fn load<T: serde::de::DeserializeOwned>(
        &mut self,
        path: &std::path::Path,
    ) -> Result<Option<T>, StoreError> {
        self.load_schema(path, SCHEMA)
    }

    fn load_schema<T: serde::de::DeserializeOwned>(
        &mut self,
        path: &std::path::Path,
        supported: u32,
    ) -> Result<Option<T>, StoreError> {
        match file::load_versioned::<T>(path, supported)? {
            Loaded::Ok(value) => Ok(Some(value)),
            Loaded::Missing => Ok(None),
            Loaded::Unusable(problem) => {
                self.problems.push(problem);
                Ok(None)
            }
        }
    }

    /// The forum tree, or `None` when it was never synced (or could not be read).
    pub fn load_forum(&mut self) -> Result<Option<Forum>, StoreError> {
        Ok(self.load::<TreeFile>(&self.dir.tree())?.map(|f| f.forum))
    }

    pub fn save_forum(&self, forum: &Forum) -> Result<(), StoreError> {
        let file = TreeFile {
            schema: SCHEMA,
            forum: forum.clone(),
        };
        file::save_versioned(&self.dir.tree(), &file, SCHEMA, Durability::Cache)
    }

    /// Thread summaries. When the index is missing or unreadable it is rebuilt from the
    /// thread files (and saved again when that is allowed).
    pub fn load_index(&mut self) -> Result<Vec<ThreadSummary>, StoreError> {
        Ok(self.load_index_generation()?.0)
    }

    /// The thread summaries and the generation of the `index.json` they came from (as the
    /// tree index records it: [`super::tree_index::MISSING`] when there is none).
    pub(super) fn load_index_generation(
        &mut self,
    ) -> Result<(Vec<ThreadSummary>, i64), StoreError> {
        let path = self.dir.index();
        if let Some(index) = self.load::<IndexFile>(&path)? {
            return Ok((index.threads, tree_index::recorded(index.generation)));
        }
        let threads = self.rebuild_index()?;
        if !threads.is_empty() {
            match self.save_index(&threads) {
                Ok(()) | Err(StoreError::NewerSchema { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok((threads, tree_index::Stamp::of(&path).generation))
    }

    /// The size of `index.json` on disk (0 when it is missing): what loading it costs
    /// grows with it, so a start can decide to paint before loading it.
    pub fn index_bytes(&self) -> u64 {
        fs::metadata(self.dir.index()).map_or(0, |m| m.len())
    }

    pub fn save_index(&self, threads: &[ThreadSummary]) -> Result<(), StoreError> {
        #[derive(Serialize)]
        struct IndexRef<'a> {
            schema: u32,
            generation: u64,
            threads: &'a [ThreadSummary],
        }
        let file = IndexRef {
            schema: SCHEMA,
            generation: tree_index::new_generation(),
            threads,
        };
        file::save_versioned(&self.dir.index(), &file, SCHEMA, Durability::Cache)?;
        tree_cache::threads_saved(&self.dir, threads, file.generation);
        Ok(())
    }

    /// Reads every thread file for its summary; unreadable ones are quarantined and skipped.
    fn rebuild_index(&mut self) -> Result<Vec<ThreadSummary>, StoreError> {
        let mut threads = Vec::new();
        for path in thread_files(&self.dir)? {
            if let Some(file) = self.load_schema::<ThreadFile>(&path, THREAD_SCHEMA)? {
                threads.push(file.summary());
            }
        }
        threads.sort_by_key(|t| std::cmp::Reverse(t.last_post_at));
        Ok(threads)
    }

    /// One thread with its posts, or `None` when it is not cached (or could not be read).
    pub fn load_thread(&mut self, id: &ThreadId) -> Result<Option<Thread>, StoreError> {
        Ok(self
            .load_schema::<ThreadFile>(&self.dir.thread(id.as_str()), THREAD_SCHEMA)?
            .map(Thread::from))
    }

    /// Writes a thread file (see [`Self::save_threads`]).
    pub fn save_thread(&self, thread: &Thread) -> Result<(), StoreError> {
        self.save_threads(std::slice::from_ref(thread))
    }

    /// Writes thread files, their search index rows first (marked pending until the files
    /// are written, see [`super::search_index`]). Callers update `index.json` after the
    /// leaves it describes.
    pub fn save_threads(&self, threads: &[Thread]) -> Result<(), StoreError> {
        let refs: Vec<&Thread> = threads.iter().collect();
        let ids = || threads.iter().map(|t| &t.summary.id);
        if threads.len() < TOGETHER_FROM {
            // Marked pending with their new rows, then the files: one transaction fewer
            // and no thread started, for the few threads a reply or a catch-up brings.
            self.slot()
                .write(&self.dir, |index| index.stage(&refs, &[]))?;
            write_thread_files(&self.dir, threads)?;
            return self.slot().write(&self.dir, |index| index.settle(ids()));
        }
        // Marked pending first, on their own: from here a search reads these threads from
        // their files and a crash leaves them to be re-indexed from their files, so their
        // rows (most of the cost) are written while the files are.
        self.slot()
            .write(&self.dir, |index| index.mark_pending(ids()))?;
        let dir = &self.dir;
        let (indexed, written) = std::thread::scope(|scope| {
            let files = scope.spawn(move || write_thread_files(dir, threads));
            let indexed = self.slot().write(dir, |index| index.stage(&refs, &[]));
            let written = files
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (indexed, written)
        });
        written?;
        indexed?;
        self.slot().write(&self.dir, |index| index.settle(ids()))
    }

    /// The threads and posts that may match `words` (lowercased) written by one of
    /// `authors` (lowercased; empty: anyone), from the search index
    /// (built first when missing); `None` when there is no usable index (then every
    /// thread must be read).
    pub(super) fn search_candidates(
        &self,
        words: &[String],
        authors: &[String],
        after: Option<&ThreadRow>,
    ) -> Result<Option<super::search_index::Candidates>, StoreError> {
        self.slot()
            .read(&self.dir, |index| index.candidates(words, authors, after))
    }

    /// Where a search that may stop early begins (see
    /// [`super::search_index::SearchIndex::start`]); `None` without a usable index.
    pub(super) fn search_start(
        &self,
        words: &[String],
        authors: &[String],
    ) -> Result<Option<super::search_index::Start>, StoreError> {
        self.slot()
            .read(&self.dir, |index| index.start(words, authors))
    }

    /// Where each of `words` may stand in the cached posts and titles (see
    /// [`super::search_index::SearchIndex::possible`]); `None` when the index cannot tell
    /// or there is no usable index.
    pub(super) fn search_possible(
        &self,
        words: &[String],
    ) -> Result<Option<Vec<super::search_terms::Possible>>, StoreError> {
        Ok(self
            .slot()
            .read(&self.dir, |index| index.possible(words))?
            .flatten())
    }

    /// The search index's next `limit` thread rows newest first, after `after`; `None`
    /// without a usable index.
    pub(super) fn search_newest(
        &self,
        after: Option<&ThreadRow>,
        limit: usize,
    ) -> Result<Option<Vec<ThreadRow>>, StoreError> {
        self.slot()
            .read(&self.dir, |index| index.newest(after, limit))
    }

    /// Drops a thread's file and its search index rows (the thread is gone from the
    /// server).
    pub fn remove_thread(&self, id: &ThreadId) -> Result<(), StoreError> {
        self.slot()
            .write(&self.dir, |index| index.stage(&[], &[id]))?;
        let path = self.dir.thread(id.as_str());
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::io(&path, e)),
        }
        self.slot().write(&self.dir, |index| index.settle([id]))
    }

    pub fn load_read_state(&mut self) -> Result<ReadState, StoreError> {
        Ok(self.load_read_generation()?.0)
    }

    /// The read state and the generation of the `read.json` it came from.
    pub(super) fn load_read_generation(&mut self) -> Result<(ReadState, i64), StoreError> {
        let path = self.dir.read_state();
        Ok(match self.load::<ReadFile>(&path)? {
            Some(file) => (file.read, tree_index::recorded(file.generation)),
            None => (
                ReadState::default(),
                tree_index::Stamp::of(&path).generation,
            ),
        })
    }

    /// Read state is the user's own record: written durably. The tree index's unread
    /// counts follow.
    pub fn save_read_state(&self, read: &ReadState) -> Result<(), StoreError> {
        let file = ReadFileRef {
            schema: SCHEMA,
            generation: tree_index::new_generation(),
            read,
        };
        file::save_versioned(&self.dir.read_state(), &file, SCHEMA, Durability::UserData)?;
        tree_cache::read_saved(&self.dir, read, file.generation);
        Ok(())
    }
}

/// Every thread file of the account. Search text files of threadmark versions before the
/// search index (`<id>.text`) are removed on the way: the index replaces them.
pub(super) fn thread_files(dir: &AccountDir) -> Result<Vec<std::path::PathBuf>, StoreError> {
    let threads = dir.threads_dir();
    let entries = match fs::read_dir(&threads) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io(&threads, e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| StoreError::io(&threads, e))?.path();
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => files.push(path),
            Some("text") => {
                let _ = fs::remove_file(&path);
            }
            _ => {}
        }
    }
    Ok(files)
}

/// One thread file, or `None` when it is missing or unusable (then `problems` says why).
pub(super) fn load_thread_file(
    path: &Path,
    problems: &mut Vec<Problem>,
) -> Result<Option<Thread>, StoreError> {
    Ok(
        match file::load_versioned::<ThreadFile>(path, THREAD_SCHEMA)? {
            Loaded::Ok(file) => Some(file.into()),
            Loaded::Missing => None,
            Loaded::Unusable(problem) => {
                problems.push(problem);
                None
            }
        },
    )
}

/// Threads from which [`Cache::save_threads`] writes their search index rows and their
/// files at the same time (a sync's batch of a snapshot is 64).
const TOGETHER_FROM: usize = 8;

/// Writes each thread's file (see [`Cache::save_threads`]).
fn write_thread_files(dir: &AccountDir, threads: &[Thread]) -> Result<(), StoreError> {
    for thread in threads {
        let path = dir.thread(thread.summary.id.as_str());
        let file = ThreadFileRef::of(thread);
        file::save_versioned(&path, &file, THREAD_SCHEMA, Durability::Cache)?;
    }
    Ok(())
}
