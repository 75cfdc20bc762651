//! The search index as one cache holds it: opened on first use, built from the thread
//! files when missing or unfinished, set aside and built again when damaged.

use super::cache::{load_thread_file, thread_files};
use super::file::{self, Problem};
use super::search_index::{INDEX_SCHEMA, Opened, SearchIndex, is_damage};
use super::{AccountDir, StoreError};
use std::fs;
use std::path::PathBuf;

/// Told (threads done, threads in all) while the index is built.
pub type Progress = Box<dyn FnMut(usize, usize) + Send>;

pub struct IndexSlot {
    path: PathBuf,
    state: State,
    /// Whether threads left pending by an earlier writer were re-indexed (done once,
    /// before this cache's first write).
    repaired: bool,
    pub progress: Option<Progress>,
    /// Problems met (files set aside), for [`super::Cache::take_problems`].
    pub problems: Vec<Problem>,
}

enum State {
    Closed,
    Open(SearchIndex),
    /// Not to be used by this cache (a newer threadmark's index, or one that cannot be
    /// opened for a search): searches read the thread files instead.
    Off,
}

impl std::fmt::Debug for IndexSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.state {
            State::Closed => "closed",
            State::Open(_) => "open",
            State::Off => "off",
        };
        f.debug_struct("IndexSlot")
            .field("path", &self.path)
            .field("state", &state)
            .finish_non_exhaustive()
    }
}

impl IndexSlot {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            state: State::Closed,
            repaired: false,
            progress: None,
            problems: Vec::new(),
        }
    }

    /// Runs a write on the index. An index this version must not change (a newer
    /// threadmark's) is left alone.
    pub fn write(
        &mut self,
        dir: &AccountDir,
        mut write: impl FnMut(&mut SearchIndex) -> rusqlite::Result<()>,
    ) -> Result<(), StoreError> {
        self.run(dir, true, &mut write).map(|_| ())
    }

    /// Runs a read; `None` when there is no index to read (then read the thread files).
    pub fn read<T>(
        &mut self,
        dir: &AccountDir,
        mut read: impl FnMut(&mut SearchIndex) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, StoreError> {
        match self.run(dir, false, &mut read) {
            Ok(found) => Ok(found),
            // A search goes on without the index (a read-only data directory, say).
            Err(StoreError::Index { path, source }) => {
                tracing::warn!("search index {} unusable: {source}", path.display());
                self.state = State::Off;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    fn run<T>(
        &mut self,
        dir: &AccountDir,
        writing: bool,
        job: &mut dyn FnMut(&mut SearchIndex) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, StoreError> {
        for _ in 0..2 {
            self.ensure(dir)?;
            let Self {
                state,
                problems,
                repaired,
                path,
                ..
            } = self;
            let State::Open(index) = state else {
                return Ok(None);
            };
            let done = (|| {
                if writing && !*repaired {
                    repair(index, dir, problems, path)?;
                    *repaired = true;
                }
                job(index).map_err(|e| index_error(path, e))
            })();
            match done {
                Ok(value) => return Ok(Some(value)),
                Err(StoreError::Index { source, .. }) if is_damage(&source) => {
                    self.set_aside(&source.to_string())?;
                }
                Err(e) => return Err(e),
            }
        }
        // Damaged again at once: this cache goes on without it.
        self.state = State::Off;
        Ok(None)
    }

    /// Opens the index, building it when it is new or unfinished.
    fn ensure(&mut self, dir: &AccountDir) -> Result<(), StoreError> {
        if !matches!(self.state, State::Closed) {
            return Ok(());
        }
        for _ in 0..2 {
            fs::create_dir_all(dir.root()).map_err(|e| StoreError::io(dir.root(), e))?;
            match SearchIndex::open(&self.path) {
                Ok(Opened::Ready(index)) => {
                    self.state = State::Open(index);
                    return Ok(());
                }
                Ok(Opened::Unbuilt(mut index)) => match self.build(dir, &mut index) {
                    Ok(()) => {
                        self.state = State::Open(index);
                        // Built from the files as they are: nothing pending.
                        self.repaired = true;
                        return Ok(());
                    }
                    Err(StoreError::Index { source, .. }) if is_damage(&source) => {
                        drop(index);
                        self.set_aside(&source.to_string())?;
                    }
                    Err(e) => return Err(e),
                },
                Ok(Opened::Newer(found)) => {
                    self.problems.push(Problem::NewerSchema {
                        path: self.path.clone(),
                        found: u32::try_from(found).unwrap_or(u32::MAX),
                        supported: INDEX_SCHEMA.unsigned_abs(),
                    });
                    self.state = State::Off;
                    return Ok(());
                }
                Err(e) if is_damage(&e) => self.set_aside(&e.to_string())?,
                Err(e) => return Err(index_error(&self.path, e)),
            }
        }
        self.state = State::Off;
        Ok(())
    }

    /// Fills a new index from every thread file, telling the progress as it goes.
    fn build(&mut self, dir: &AccountDir, index: &mut SearchIndex) -> Result<(), StoreError> {
        let files = thread_files(dir)?;
        let total = files.len();
        tracing::info!("building the search index from {total} thread files");
        let mut build = index.build().map_err(|e| index_error(&self.path, e))?;
        for (done, path) in files.iter().enumerate() {
            if let Some(thread) = load_thread_file(path, &mut self.problems)? {
                build.add(&thread).map_err(|e| index_error(&self.path, e))?;
            }
            if let Some(progress) = self.progress.as_mut() {
                progress(done + 1, total);
            }
        }
        build.finish().map_err(|e| index_error(&self.path, e))?;
        tracing::info!("search index built");
        Ok(())
    }

    /// Moves a damaged index out of the way (kept, as every unusable file is) with its
    /// journal files; the next use builds a new one.
    fn set_aside(&mut self, reason: &str) -> Result<(), StoreError> {
        self.state = State::Closed;
        if self.path.exists() {
            self.problems.push(file::quarantine(&self.path, reason)?);
        }
        for suffix in ["-wal", "-shm"] {
            let mut side = self.path.as_os_str().to_owned();
            side.push(suffix);
            let _ = fs::remove_file(PathBuf::from(side));
        }
        Ok(())
    }
}

/// Re-indexes, from their files as they are now, the threads an earlier writer left
/// pending (it stopped between marking them and writing their files).
fn repair(
    index: &mut SearchIndex,
    dir: &AccountDir,
    problems: &mut Vec<Problem>,
    path: &std::path::Path,
) -> Result<(), StoreError> {
    for id in index.pending().map_err(|e| index_error(path, e))? {
        let file = load_thread_file(&dir.thread(id.as_str()), problems)?;
        index
            .repair(&id, file.as_ref())
            .map_err(|e| index_error(path, e))?;
    }
    Ok(())
}

/// An index error as the store reports it. A full disk reads as one, whatever `SQLite`
/// called it: a full WAL write is `SQLITE_FULL`, but a shared-memory file that cannot grow
/// is only "disk I/O error", so for that a small write beside the index asks the file
/// system itself.
fn index_error(path: &std::path::Path, source: rusqlite::Error) -> StoreError {
    let full = match source.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => Some(std::io::ErrorKind::StorageFull),
        Some(rusqlite::ErrorCode::SystemIoFailure) => space_refused_beside(path),
        _ => None,
    };
    match full {
        Some(kind) => StoreError::io(path, std::io::Error::new(kind, source.to_string())),
        None => StoreError::Index {
            path: path.to_owned(),
            source,
        },
    }
}

/// Whether the file system refuses a small write next to `path` for want of space.
fn space_refused_beside(path: &std::path::Path) -> Option<std::io::ErrorKind> {
    let mut probe = path.as_os_str().to_owned();
    probe.push(".space-probe");
    let probe = PathBuf::from(probe);
    let written = fs::write(&probe, vec![0_u8; 64 * 1024]);
    let _ = fs::remove_file(&probe);
    match written {
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
            ) =>
        {
            Some(e.kind())
        }
        _ => None,
    }
}
