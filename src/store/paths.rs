//! Where things live: the data directory, one folder per account, and the files inside it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Environment variable overriding the data directory (same as `--data-dir`).
pub const DATA_DIR_ENV: &str = "THREADMARK_DATA_DIR";

/// The root of everything threadmark keeps: caches, drafts, outboxes, per account.
#[derive(Clone, Debug)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The platform's data directory (e.g. `~/.local/share/threadmark`), unless overridden.
    pub fn resolve(explicit: Option<&Path>) -> Result<Self, super::StoreError> {
        if let Some(path) = explicit {
            return Ok(Self::new(path));
        }
        directories::ProjectDirs::from("", "", "threadmark")
            .map(|dirs| Self::new(dirs.data_dir()))
            .ok_or(super::StoreError::NoHomeDirectory)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn account(&self, name: &str) -> AccountDir {
        AccountDir {
            root: self.root.join("accounts").join(file_stem(name)),
        }
    }

    /// The offline picture cache, shared by the accounts (see `store::ImageCache`).
    pub fn images_dir(&self) -> PathBuf {
        self.root.join("images")
    }

    /// What the reader remembers across its accounts (the account last in focus).
    pub fn reader_state(&self) -> PathBuf {
        self.root.join("reader.json")
    }

    /// Where logs go (never the screen).
    pub fn log_dir(&self) -> PathBuf {
        self.root.join("logs")
    }
}

/// One account's folder.
#[derive(Clone, Debug)]
pub struct AccountDir {
    root: PathBuf,
}

impl AccountDir {
    pub fn root(&self) -> &Path {
        &self.root
    }
    /// Sections and areas (small; rewritten when the tree changes).
    pub fn tree(&self) -> PathBuf {
        self.root.join("tree.json")
    }
    /// Thread summaries; rebuildable from the thread files.
    pub fn index(&self) -> PathBuf {
        self.root.join("index.json")
    }
    pub fn threads_dir(&self) -> PathBuf {
        self.root.join("threads")
    }
    pub fn thread(&self, id: &str) -> PathBuf {
        self.threads_dir().join(format!("{}.json", file_stem(id)))
    }
    /// The search index (derived from the thread files).
    pub fn search_index(&self) -> PathBuf {
        self.root.join("search.sqlite")
    }
    /// The tree index (derived from `index.json` and `read.json`).
    pub fn tree_index(&self) -> PathBuf {
        self.root.join("tree.sqlite")
    }
    /// What the user has read.
    pub fn read_state(&self) -> PathBuf {
        self.root.join("read.json")
    }
    /// Watch levels and bookmarks, each with the time of its latest change.
    pub fn places(&self) -> PathBuf {
        self.root.join("places.json")
    }
    /// What concerns the user: replies, mentions, quotes, messages ([`crate::model::Inbox`]).
    pub fn inbox(&self) -> PathBuf {
        self.root.join("inbox.json")
    }
    /// Who the account signs in as (written at login).
    pub fn me(&self) -> PathBuf {
        self.root.join("me.json")
    }
    /// Pane layout, expansion, selection, dismissed banners.
    pub fn ui_state(&self) -> PathBuf {
        self.root.join("ui.json")
    }
    pub fn drafts_dir(&self) -> PathBuf {
        self.root.join("drafts")
    }
    pub fn outbox_dir(&self) -> PathBuf {
        self.root.join("outbox")
    }
    /// Read marks waiting to be sent (see `store::ReadMarks`).
    pub fn marks_dir(&self) -> PathBuf {
        self.root.join("marks")
    }
    /// The sync cursor and high-water marks, written after the data they cover.
    pub fn sync_state(&self) -> PathBuf {
        self.root.join("sync.json")
    }
    /// Requests spent against the server's limits, and its pause.
    pub fn budget(&self) -> PathBuf {
        self.root.join("budget.json")
    }
    /// Held while an instance flushes this account's outbox.
    pub fn lock(&self) -> PathBuf {
        self.root.join("lock")
    }
    /// Taken for the moment of merging and writing `read.json` or `ui.json`.
    pub fn state_lock(&self) -> PathBuf {
        self.root.join("state.lock")
    }
}

/// Turns an id chosen by a server into a safe file name stem: plain ids stay readable,
/// anything else (path separators, dots, unicode, very long) is hex-encoded behind `x-`.
pub fn file_stem(id: &str) -> String {
    let plain = !id.is_empty()
        && id.len() <= 96
        && !id.starts_with("x-")
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if plain {
        return id.to_owned();
    }
    let mut out = String::with_capacity(2 + id.len() * 2);
    out.push_str("x-");
    for b in id.bytes().take(120) {
        let _ = write!(out, "{b:02x}");
    }
    if id.len() > 120 {
        // Long ids are cut; a hash of the whole keeps them apart.
        let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let _ = write!(out, "-{hash:016x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::file_stem;

    #[test]
    fn hostile_ids_never_escape_the_folder() {
        for id in [
            "../../etc/passwd",
            "a/b",
            ".",
            "..",
            "",
            "x-41",
            "C:\\x",
            "a\0b",
        ] {
            let stem = file_stem(id);
            assert!(
                stem.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{id:?} gave {stem:?}"
            );
        }
        assert_eq!(file_stem("advocacy-1"), "advocacy-1");
        assert_ne!(file_stem("x-41"), file_stem("A"));
        assert_ne!(file_stem(&"a".repeat(300)), file_stem(&"a".repeat(301)));
    }
}
