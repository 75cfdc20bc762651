//! The tree index as one cache uses it (see [`super::tree_index`]): opened and checked
//! against the files' generations, built from `index.json` and `read.json` when missing,
//! stale, damaged (set aside first) or of an older schema, and brought in step by the
//! store functions that write those files. Anything that cannot use it reads the files.

use super::cache::Cache;
use super::file::{self, Problem};
use super::tree_index::{
    AreaRollup, Opened, Stamp, TREE_SCHEMA, TreeIndex, TreeRows, UNKNOWN, recorded,
};
use super::{AccountDir, StoreError};
use crate::model::{AreaId, ReadState, ThreadId, ThreadSummary};
use std::fs;
use std::path::Path;

/// Told (threads done, threads in all) while the tree index is built.
pub type Progress = Box<dyn FnMut(usize, usize) + Send>;

/// The areas' roll-ups, and the threads with a watch level of their own (with their area
/// and unread posts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rollups {
    pub areas: Vec<AreaRollup>,
    pub own: Vec<(ThreadId, AreaId, u32)>,
}

/// What a cache keeps about its tree index between calls.
#[derive(Default)]
pub struct TreeSlot {
    pub progress: Option<Progress>,
}

impl std::fmt::Debug for TreeSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TreeSlot").finish_non_exhaustive()
    }
}

impl Cache {
    /// Called with (threads done, threads in all) while the tree index is built from the
    /// files (it was missing, damaged, out of step or from before it existed).
    pub fn on_tree_progress(&mut self, progress: impl FnMut(usize, usize) + Send + 'static) {
        self.tree_slot().progress = Some(Box::new(progress));
    }

    /// Every thread of the index, in its order, with its unread count as the read state
    /// says: from the tree index (built first when it is not current), else from the files.
    pub fn load_tree_rows(&mut self) -> Result<TreeRows, StoreError> {
        if let Some(index) = self.current_tree(true)? {
            match index.rows() {
                Ok(rows) => return Ok(rows),
                Err(e) => tracing::warn!("tree index unusable: {e}"),
            }
        }
        let threads = self.load_index()?;
        let read = self.load_read_state()?;
        let unread = threads
            .iter()
            .map(|t| read.unread_count(&t.id, t.last_seq))
            .collect();
        Ok(TreeRows { threads, unread })
    }

    /// At most `per_area` threads of each area, in the index's order, with their unread
    /// counts, and every area's threads and unread posts: from the tree index (built first
    /// when it is not current) reading only the rows listed, else from the files.
    pub fn load_tree_listing(
        &mut self,
        per_area: usize,
    ) -> Result<(TreeRows, Vec<AreaRollup>), StoreError> {
        if let Some(index) = self.current_tree(true)? {
            let listed = index.rollups().and_then(|areas| {
                let mut rows = TreeRows::default();
                for area in &areas {
                    let first = index.area_rows_first(&area.area, per_area)?;
                    rows.threads.extend(first.threads);
                    rows.unread.extend(first.unread);
                }
                Ok((rows, areas))
            });
            match listed {
                Ok(listed) => return Ok(listed),
                Err(e) => tracing::warn!("tree index unusable: {e}"),
            }
        }
        Ok(self.load_tree_rows()?.first_of_each_area(per_area))
    }

    /// The areas' roll-ups when the tree index is current (it is not built here: a start
    /// that finds none goes on without them), with the unread counts of `own` — threads
    /// with a watch level of their own.
    pub fn tree_rollups(&mut self, own: &[&ThreadId]) -> Result<Option<Rollups>, StoreError> {
        let Some(index) = self.current_tree(false)? else {
            return Ok(None);
        };
        Ok(index
            .rollups()
            .and_then(|areas| {
                Ok(Rollups {
                    areas,
                    own: index.unread_of(own)?,
                })
            })
            .inspect_err(|e| tracing::warn!("tree index unusable: {e}"))
            .ok())
    }

    /// One area's threads with their unread counts, when the tree index is current.
    pub fn tree_area_rows(&mut self, area: &AreaId) -> Result<Option<TreeRows>, StoreError> {
        let Some(index) = self.current_tree(false)? else {
            return Ok(None);
        };
        Ok(index.area_rows(area).ok())
    }

    /// The tree index when it is usable and current with the files; with `build`, built
    /// from them first when it is not. `None`: read the files.
    fn current_tree(&mut self, build: bool) -> Result<Option<TreeIndex>, StoreError> {
        let dir = self.dir().clone();
        let path = dir.tree_index();
        for _ in 0..2 {
            let opened = if dir.root().is_dir() {
                TreeIndex::open(&path)
            } else {
                return Ok(None);
            };
            let mut index = match opened {
                Ok(Opened::Ready(index)) => {
                    match index.current(Stamp::of(&dir.index()), Stamp::of(&dir.read_state())) {
                        Ok(true) => return Ok(Some(index)),
                        Ok(false) => index,
                        Err(e) if super::search_index::is_damage(&e) => {
                            drop(index);
                            self.set_tree_aside(&path, &e.to_string())?;
                            continue;
                        }
                        Err(e) => return Ok(unusable(&path, &e)),
                    }
                }
                Ok(Opened::Unbuilt(index)) => index,
                Ok(Opened::Newer(found)) => {
                    self.problems_mut().push(Problem::NewerSchema {
                        path,
                        found: u32::try_from(found).unwrap_or(u32::MAX),
                        supported: TREE_SCHEMA.unsigned_abs(),
                    });
                    return Ok(None);
                }
                Err(e) if super::search_index::is_damage(&e) => {
                    self.set_tree_aside(&path, &e.to_string())?;
                    continue;
                }
                Err(e) => return Ok(unusable(&path, &e)),
            };
            if !build {
                return Ok(None);
            }
            match self.build_tree(&mut index) {
                Ok(()) => return Ok(Some(index)),
                Err(StoreError::Index { source, .. })
                    if super::search_index::is_damage(&source) =>
                {
                    drop(index);
                    self.set_tree_aside(&path, &source.to_string())?;
                }
                Err(StoreError::Index { source, .. }) => return Ok(unusable(&path, &source)),
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    /// Fills the index from `index.json` (rebuilt from the thread files when missing) and
    /// `read.json`, telling the progress.
    fn build_tree(&mut self, index: &mut TreeIndex) -> Result<(), StoreError> {
        let (threads, index_stamp) = self.with_generation(
            Self::load_index_generation,
            |cache, threads: &Vec<ThreadSummary>| cache.save_index(threads),
            &self.dir().index(),
        )?;
        let (read, read_stamp) = {
            // read.json is rewritten only under the state-file lock: another reader's
            // marks are never written over.
            let _lock = super::lock_state_files(self.dir())?;
            self.with_generation(
                Self::load_read_generation,
                Self::save_read_state,
                &self.dir().read_state(),
            )?
        };
        tracing::info!("building the tree index from {} threads", threads.len());
        let mut progress = self.tree_slot().progress.take();
        let mut tell = |done: usize, total: usize| {
            if let Some(progress) = progress.as_mut() {
                progress(done, total);
            }
        };
        let built = index.build(&threads, &read, (index_stamp, read_stamp), &mut tell);
        self.tree_slot().progress = progress;
        built.map_err(|source| StoreError::Index {
            path: self.dir().tree_index(),
            source,
        })
    }

    /// A file's contents and generation; a file that carries none (written by a
    /// threadmark before the tree index) is written again with one, once, so the index
    /// built from it is current afterwards.
    fn with_generation<T>(
        &mut self,
        load: impl FnOnce(&mut Self) -> Result<(T, i64), StoreError>,
        save: impl FnOnce(&Self, &T) -> Result<(), StoreError>,
        path: &Path,
    ) -> Result<(T, Stamp), StoreError> {
        let (value, generation) = load(self)?;
        if generation != UNKNOWN {
            return Ok((value, Stamp::carried(generation, path)));
        }
        match save(self, &value) {
            Ok(()) => Ok((value, Stamp::of(path))),
            // A read-only data directory, a newer file: the index is built all the same,
            // and built again next time.
            Err(e) => {
                tracing::warn!("{} not given a generation: {e}", path.display());
                Ok((value, Stamp::carried(generation, path)))
            }
        }
    }

    /// Moves a damaged tree index out of the way (kept, as every unusable file is) with
    /// its journal files.
    fn set_tree_aside(&mut self, path: &Path, reason: &str) -> Result<(), StoreError> {
        if path.exists() {
            let problem = file::quarantine(path, reason)?;
            self.problems_mut().push(problem);
        }
        for suffix in ["-wal", "-shm"] {
            let mut side = path.as_os_str().to_owned();
            side.push(suffix);
            let _ = fs::remove_file(side);
        }
        Ok(())
    }
}

/// The index cannot be used now (a read-only data directory, say): the files are read.
fn unusable<T>(path: &Path, e: &rusqlite::Error) -> Option<T> {
    tracing::warn!("tree index {} unusable: {e}", path.display());
    None
}

/// `index.json` was just written as generation `generation`: its rows follow. A tree
/// index that is missing, unbuilt or unusable is left for the next reader to build; a
/// failure leaves the generations unequal, so nothing reads rows out of step.
pub(super) fn threads_saved(dir: &AccountDir, threads: &[ThreadSummary], generation: u64) {
    with_built(dir, |index| {
        index.threads_saved(
            threads,
            Stamp::carried(recorded(Some(generation)), &dir.index()),
        )
    });
}

/// `read.json` was just written as generation `generation`: unread counts follow.
pub(super) fn read_saved(dir: &AccountDir, read: &ReadState, generation: u64) {
    with_built(dir, |index| {
        index.read_saved(
            read,
            Stamp::carried(recorded(Some(generation)), &dir.read_state()),
        )
    });
}

fn with_built(dir: &AccountDir, write: impl FnOnce(&mut TreeIndex) -> rusqlite::Result<()>) {
    let path = dir.tree_index();
    if !path.exists() {
        return;
    }
    let done = match TreeIndex::open(&path) {
        Ok(Opened::Ready(mut index)) => write(&mut index),
        Ok(_) => Ok(()),
        Err(e) => Err(e),
    };
    if let Err(e) = done {
        tracing::warn!("tree index {} not updated: {e}", path.display());
    }
}
