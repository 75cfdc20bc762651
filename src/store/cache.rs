//! One account's cached forum: tree, thread index, thread files and read state.

use super::file::{self, Durability, Loaded, Problem};
use super::search_text::SearchText;
use super::{AccountDir, StoreError};
use crate::model::{Forum, Post, ReadState, Thread, ThreadId, ThreadSummary};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io;

/// The schema of every cache file this version reads and writes.
pub const SCHEMA: u32 = 1;

#[derive(Serialize, Deserialize)]
struct TreeFile {
    schema: u32,
    forum: Forum,
}

#[derive(Serialize, Deserialize)]
struct IndexFile {
    schema: u32,
    threads: Vec<ThreadSummary>,
}

#[derive(Serialize, Deserialize)]
struct ReadFile {
    schema: u32,
    read: ReadState,
}

/// One thread's file: its summary (so the index can be rebuilt from leaves) and its posts
/// in `seq` order.
#[derive(Deserialize)]
struct ThreadFile {
    thread: ThreadSummary,
    posts: Vec<Post>,
}

impl From<ThreadFile> for Thread {
    fn from(file: ThreadFile) -> Self {
        Thread::new(file.thread, file.posts)
    }
}

/// A thread's file as written, borrowing the thread.
#[derive(Serialize)]
struct ThreadFileRef<'a> {
    schema: u32,
    thread: &'a ThreadSummary,
    posts: &'a [Post],
}

/// Reads and writes one account's cache. Problems met while loading (quarantined or
/// newer-schema files) are collected for the caller to report; loading goes on.
#[derive(Debug)]
pub struct Cache {
    dir: AccountDir,
    problems: Vec<Problem>,
}

impl Cache {
    pub fn open(dir: AccountDir) -> Self {
        Self {
            dir,
            problems: Vec::new(),
        }
    }

    pub fn dir(&self) -> &AccountDir {
        &self.dir
    }

    /// Problems met so far, oldest first; taking them clears the list.
    pub fn take_problems(&mut self) -> Vec<Problem> {
        std::mem::take(&mut self.problems)
    }

    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    fn load<T: serde::de::DeserializeOwned>(
        &mut self,
        path: &std::path::Path,
    ) -> Result<Option<T>, StoreError> {
        match file::load_versioned::<T>(path, SCHEMA)? {
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
        let path = self.dir.index();
        if let Some(index) = self.load::<IndexFile>(&path)? {
            return Ok(index.threads);
        }
        let threads = self.rebuild_index()?;
        if !threads.is_empty() {
            match self.save_index(&threads) {
                Ok(()) | Err(StoreError::NewerSchema { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(threads)
    }

    pub fn save_index(&self, threads: &[ThreadSummary]) -> Result<(), StoreError> {
        #[derive(Serialize)]
        struct IndexRef<'a> {
            schema: u32,
            threads: &'a [ThreadSummary],
        }
        let file = IndexRef {
            schema: SCHEMA,
            threads,
        };
        file::save_versioned(&self.dir.index(), &file, SCHEMA, Durability::Cache)
    }

    /// Reads every thread file for its summary; unreadable ones are quarantined and skipped.
    fn rebuild_index(&mut self) -> Result<Vec<ThreadSummary>, StoreError> {
        let dir = self.dir.threads_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StoreError::io(&dir, e)),
        };
        let mut threads = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| StoreError::io(&dir, e))?.path();
            if path.extension().is_some_and(|e| e == "json")
                && let Some(file) = self.load::<ThreadFile>(&path)?
            {
                threads.push(file.thread);
            }
        }
        threads.sort_by_key(|t| std::cmp::Reverse(t.last_post_at));
        Ok(threads)
    }

    /// One thread with its posts, or `None` when it is not cached (or could not be read).
    pub fn load_thread(&mut self, id: &ThreadId) -> Result<Option<Thread>, StoreError> {
        Ok(self
            .load::<ThreadFile>(&self.dir.thread(id.as_str()))?
            .map(Thread::from))
    }

    /// Writes a thread file, and its search text just before it. Callers update the index
    /// after the leaves it describes.
    pub fn save_thread(&self, thread: &Thread) -> Result<(), StoreError> {
        let id = thread.summary.id.as_str();
        SearchText::build(thread).save(&self.dir.thread_text(id))?;
        let file = ThreadFileRef {
            schema: SCHEMA,
            thread: &thread.summary,
            posts: &thread.posts,
        };
        file::save_versioned(&self.dir.thread(id), &file, SCHEMA, Durability::Cache)
    }

    /// Drops a thread's file and its search text (the thread is gone from the server).
    pub fn remove_thread(&self, id: &ThreadId) -> Result<(), StoreError> {
        for path in [
            self.dir.thread(id.as_str()),
            self.dir.thread_text(id.as_str()),
        ] {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::io(&path, e)),
            }
        }
        Ok(())
    }

    /// Records a problem for the caller to report.
    pub(super) fn note(&mut self, problem: Problem) {
        self.problems.push(problem);
    }

    pub fn load_read_state(&mut self) -> Result<ReadState, StoreError> {
        Ok(self
            .load::<ReadFile>(&self.dir.read_state())?
            .map(|f| f.read)
            .unwrap_or_default())
    }

    /// Read state is the user's own record: written durably.
    pub fn save_read_state(&self, read: &ReadState) -> Result<(), StoreError> {
        let file = ReadFile {
            schema: SCHEMA,
            read: read.clone(),
        };
        file::save_versioned(&self.dir.read_state(), &file, SCHEMA, Durability::UserData)
    }
}
