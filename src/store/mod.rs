//! The local data directory: the only module that touches it.
//!
//! Layout per account (see [`AccountDir`]): `tree.json` (sections and areas),
//! `index.json` (thread summaries, rebuildable from the thread files), `threads/<id>.json`
//! (one file per thread of posts, loaded lazily; see `thread_file`), `search.sqlite` (the
//! search index, rebuildable from the thread files), `tree.sqlite` (the tree index: thread
//! rows, unread counts and areas' roll-ups, rebuildable from `index.json` and `read.json`),
//! `read.json`, `ui.json`, `budget.json`, `drafts/`,
//! `outbox/`, `marks/`. Shared by the accounts: `images/`, the offline picture cache
//! ([`ImageCache`]: the pictures' own bytes). Every other file is JSON with `"schema": N`
//! first, except the search and tree indexes: `SQLite`, their schema in their `user_version`.

mod budget;
mod cache;
mod demo_import;
mod drafts;
pub mod file;
mod image_cache;
mod inbox;
mod index_slot;
mod log_file;
mod me;
mod outbox;
mod paths;
mod places;
mod query;
mod read_marks;
mod reader_state;
mod search;
mod search_index;
mod search_terms;
mod secrets;
mod state_lock;
mod thread_file;
mod tree_cache;
mod tree_index;
mod ui_state;

pub use budget::{load_request_log, save_request_log};
pub use cache::Cache;
pub use demo_import::{DEMO_ACCOUNT, ensure_demo};
pub use drafts::Drafts;
pub use file::{Durability, Problem};
pub use image_cache::{DEFAULT_IMAGE_CACHE_MB, ImageCache, pictures_of};
pub use inbox::{InboxRead, load_inbox, mark_inbox_read, merge_inbox, read_inbox_items};
pub use log_file::{KEPT_FILES as KEPT_LOG_FILES, LogFile, dropped_lines as dropped_log_lines};
pub use me::{load_me, save_me};
pub use outbox::{Enqueued, Outbox, OutboxLock, Retried, Unreadable};
pub use paths::{AccountDir, DATA_DIR_ENV, DataDir, file_stem};
pub use places::{load_places, merge_places, record_place};
pub use query::{LeftOut, MatchedThread, QueryContext, matching_threads};
pub use read_marks::{Queued, QueuedInboxRead, QueuedMark, QueuedPlace, ReadMarks};
pub use reader_state::{ReaderState, load_reader_state, save_reader_state};
pub use search::{SearchHit, search};
pub use secrets::{Credential, Secret, SecretError, Secrets};
pub use state_lock::{StateLock, lock_state_files};
pub use tree_cache::Rollups;
pub use tree_index::{AreaRollup, TreeRows};
pub use ui_state::{UI_SCHEMA, load_ui_state, save_ui_state};

use std::io;
use std::path::{Path, PathBuf};

/// What can go wrong touching the data directory.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("could not encode {}: {reason}", path.display())]
    Encode { path: PathBuf, reason: String },
    #[error(
        "{} was written by a newer threadmark (schema {found}, this one knows {supported}); \
         it is left untouched — upgrade threadmark to change it",
        path.display()
    )]
    NewerSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("{}: {source}", path.display())]
    Index {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("no home directory found; pass --data-dir or set THREADMARK_DATA_DIR")]
    NoHomeDirectory,
    #[error("{0}")]
    Demo(String),
}

impl StoreError {
    /// The cause in a few words, for a status line: "disk full", "read-only file
    /// system", …; the whole message for anything else.
    pub fn short_cause(&self) -> String {
        let Self::Io { source, .. } = self else {
            return self.to_string();
        };
        match source.kind() {
            io::ErrorKind::StorageFull => "disk full".into(),
            io::ErrorKind::QuotaExceeded => "disk quota exceeded".into(),
            io::ErrorKind::ReadOnlyFilesystem => "read-only file system".into(),
            io::ErrorKind::PermissionDenied => "permission denied".into(),
            _ => self.to_string(),
        }
    }

    pub(crate) fn io(path: &Path, source: io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            source,
        }
    }
}
