//! The outbox on disk, maildir style: nothing the user sent is ever lost or sent twice.
//!
//! ```text
//! outbox/tmp/<key>.json        being written (fsynced before it moves)
//! outbox/queued/<key>.json     every live entry; its state is inside the file
//! outbox/done/<key>.json       seen in its thread; kept as history
//! outbox/discarded/<key>.json  discarded by the user; kept, never deleted
//! ```
//! One file per entry, named by its idempotency key. State changes replace the file
//! atomically and durably (temp + fsync + rename + directory fsync).

use super::file::{self, Durability};
use super::{AccountDir, StoreError};
use crate::model::{OutboxEntry, OutboxState};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

const SCHEMA: u32 = 1;

/// How [`Outbox::enqueue_edit`] put an entry in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Enqueued {
    /// A new entry, as queued.
    New(Box<OutboxEntry>),
    /// An earlier entry still waiting took the text instead.
    Merged(Box<OutboxEntry>),
}

/// Still waiting to be sent, and never tried: safe to change in place.
fn waiting(entry: &OutboxEntry) -> bool {
    matches!(entry.state, OutboxState::Queued | OutboxState::Held) && entry.attempts == 0
}

/// The post an edit entry changes.
fn edited_post(entry: &OutboxEntry) -> Option<&crate::model::PostId> {
    match &entry.target {
        crate::model::Target::Edit { post, .. } => Some(post),
        _ => None,
    }
}

#[derive(Serialize, Deserialize)]
struct EntryFile {
    schema: u32,
    entry: OutboxEntry,
}

/// One account's outbox folder.
#[derive(Clone, Debug)]
pub struct Outbox {
    root: PathBuf,
}

/// An outbox file that could not be read: reported by name, left where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    pub path: PathBuf,
    pub reason: String,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "outbox file {} could not be read ({}); it is left untouched and skipped",
            self.path.display(),
            self.reason
        )
    }
}

impl Outbox {
    pub fn open(dir: &AccountDir) -> Self {
        Self {
            root: dir.outbox_dir(),
        }
    }

    fn folder(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    fn path(&self, folder: &str, key: &str) -> PathBuf {
        self.folder(folder)
            .join(format!("{}.json", super::file_stem(key)))
    }

    /// Adds a new entry durably: written and fsynced in `tmp/`, renamed into `queued/`,
    /// the directory fsynced. When this returns, the entry survives a crash. The outbox
    /// folder is private (0700, files 0600). The entry takes the next place in the send
    /// order (see [`OutboxEntry::seq`]); it is returned as queued.
    pub fn enqueue(&self, entry: &OutboxEntry) -> Result<OutboxEntry, StoreError> {
        file::make_private(&self.root);
        let mut queued_entry = entry.clone();
        queued_entry.seq = self.last_seq()? + 1;
        let entry = &queued_entry;
        let tmp = self.path("tmp", &entry.key);
        let queued = self.path("queued", &entry.key);
        if queued.exists() {
            return Err(StoreError::io(
                &queued,
                io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "an entry with this key exists",
                ),
            ));
        }
        file::save_versioned(&tmp, &wrap(entry), SCHEMA, Durability::UserData)?;
        let queued_dir = self.folder("queued");
        file::create_dir_durable(&queued_dir)?;
        fail::fail_point!("outbox::enqueue::before_rename", |_| Err(file::injected(
            &queued,
            "outbox::enqueue::before_rename"
        )));
        fs::rename(&tmp, &queued).map_err(|e| StoreError::io(&queued, e))?;
        fail::fail_point!("outbox::enqueue::before_dir_fsync", |_| Err(
            file::injected(&queued_dir, "outbox::enqueue::before_dir_fsync")
        ));
        file::sync_dir(&queued_dir).map_err(|e| StoreError::io(&queued_dir, e))?;
        Ok(queued_entry)
    }

    /// Records a new state (or any change) of a queued entry, durably. Its place in the
    /// send order stays the one it was queued with.
    pub fn update(&self, entry: &OutboxEntry) -> Result<(), StoreError> {
        let path = self.path("queued", &entry.key);
        if !path.exists() {
            return Err(StoreError::io(
                &path,
                io::Error::new(io::ErrorKind::NotFound, "no such outbox entry"),
            ));
        }
        let mut entry = entry.clone();
        if let Ok(on_disk) = read_entry(&path) {
            entry.seq = on_disk.seq;
        }
        file::save_versioned(&path, &wrap(&entry), SCHEMA, Durability::UserData)
    }

    /// The highest place in the send order among live entries (0 when none).
    fn last_seq(&self) -> Result<u64, StoreError> {
        let (entries, _) = self.list()?;
        Ok(entries.iter().map(|e| e.seq).max().unwrap_or(0))
    }

    /// Every file in `queued/` with its modification time: a change in this set is a
    /// reply queued or changed by another threadmark.
    pub fn queued_stamps(&self) -> BTreeSet<(PathBuf, Option<SystemTime>)> {
        let Ok(entries) = fs::read_dir(self.folder("queued")) else {
            return BTreeSet::new();
        };
        entries
            .filter_map(Result::ok)
            .map(|e| (e.path(), e.metadata().ok().and_then(|m| m.modified().ok())))
            .collect()
    }

    /// Every live entry in send order (see [`OutboxEntry::seq`]), plus the files that
    /// could not be read. An entry found `in_flight` was interrupted: it is reported `unknown`.
    pub fn list(&self) -> Result<(Vec<OutboxEntry>, Vec<Unreadable>), StoreError> {
        self.list_folder("queued")
    }

    /// Entries already seen in their thread, oldest first.
    pub fn done(&self) -> Result<(Vec<OutboxEntry>, Vec<Unreadable>), StoreError> {
        self.list_folder("done")
    }

    fn list_folder(&self, folder: &str) -> Result<(Vec<OutboxEntry>, Vec<Unreadable>), StoreError> {
        file::make_private(&self.root);
        let dir = self.folder(folder);
        let mut names: Vec<PathBuf> = match fs::read_dir(&dir) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(StoreError::io(&dir, e)),
        };
        names.sort();
        let mut entries = Vec::with_capacity(names.len());
        let mut unreadable = Vec::new();
        for path in names {
            if folder == "queued" && self.finish_interrupted_move(&path)? {
                continue;
            }
            match read_entry(&path) {
                Ok(mut entry) => {
                    if entry.state == OutboxState::InFlight {
                        entry.state = OutboxState::Unknown;
                    }
                    entries.push(entry);
                }
                Err(reason) => unreadable.push(Unreadable { path, reason }),
            }
        }
        entries.sort_by(|a, b| (a.seq, &a.key).cmp(&(b.seq, &b.key)));
        Ok((entries, unreadable))
    }

    /// A live entry whose final copy is already in `done/` or `discarded/` was being moved
    /// when threadmark stopped: the move is finished (the live copy removed) so the entry
    /// is neither sent again nor brought back. True when `path` was such an entry.
    fn finish_interrupted_move(&self, path: &Path) -> Result<bool, StoreError> {
        let Some(name) = path.file_name() else {
            return Ok(false);
        };
        let moved = ["done", "discarded"]
            .iter()
            .any(|folder| self.folder(folder).join(name).exists());
        if moved {
            match fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::io(path, e)),
            }
            let queued = self.folder("queued");
            file::sync_dir(&queued).map_err(|e| StoreError::io(&queued, e))?;
        }
        Ok(moved)
    }

    /// One live entry by key.
    pub fn get(&self, key: &str) -> Result<Option<OutboxEntry>, Unreadable> {
        let path = self.path("queued", key);
        let moved = self
            .finish_interrupted_move(&path)
            .map_err(|e| Unreadable {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        if moved || !path.exists() {
            return Ok(None);
        }
        read_entry(&path)
            .map(Some)
            .map_err(|reason| Unreadable { path, reason })
    }

    /// Moves an entry seen in its thread to `done/`.
    pub fn archive(&self, entry: &OutboxEntry) -> Result<(), StoreError> {
        self.move_to(entry, "done")
    }

    /// Moves an entry the user discarded to `discarded/` (kept, never deleted).
    pub fn discard(&self, entry: &OutboxEntry) -> Result<(), StoreError> {
        self.move_to(entry, "discarded")
    }

    fn move_to(&self, entry: &OutboxEntry, folder: &str) -> Result<(), StoreError> {
        // Write the final state into the destination first, then drop the live copy:
        // a crash in between leaves two copies, never none, and the next read of the
        // queue finishes the move.
        let to = self.path(folder, &entry.key);
        file::create_dir_durable(&self.folder(folder))?;
        file::save_versioned(&to, &wrap(entry), SCHEMA, Durability::UserData)?;
        let from = self.path("queued", &entry.key);
        fail::fail_point!("outbox::move::before_remove", |_| Err(file::injected(
            &from,
            "outbox::move::before_remove"
        )));
        match fs::remove_file(&from) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::io(&from, e)),
        }
        let queued = self.folder("queued");
        fail::fail_point!("outbox::move::before_dir_fsync", |_| Err(file::injected(
            &queued,
            "outbox::move::before_dir_fsync"
        )));
        file::sync_dir(&queued).map_err(|e| StoreError::io(&queued, e))
    }

    /// Puts `new` in place of `old`: `new` is queued durably first, then `old` is moved to
    /// `discarded/` — a crash in between leaves both, never neither.
    pub fn replace(&self, old: &OutboxEntry, new: &OutboxEntry) -> Result<OutboxEntry, StoreError> {
        let queued = self.enqueue(new)?;
        self.discard(old)?;
        Ok(queued)
    }

    /// "Keep mine" for an entry in conflict: the same change on the server's version, under
    /// a new key, queued before the conflicting entry moves to `discarded/`. `None` when the
    /// entry is not in conflict.
    pub fn keep_mine(
        &self,
        entry: &OutboxEntry,
        now: Timestamp,
    ) -> Result<Option<OutboxEntry>, StoreError> {
        match entry.kept_mine(now) {
            Some(again) => self.replace(entry, &again).map(Some),
            None => Ok(None),
        }
    }

    /// Queues an edit; when an edit of the same post still waits unsent, that entry takes
    /// the new text instead (one request, the last text) and is returned as merged.
    pub fn enqueue_edit(&self, entry: &OutboxEntry) -> Result<Enqueued, StoreError> {
        if let Some(post) = edited_post(entry) {
            let (entries, _) = self.list()?;
            if let Some(earlier) = entries
                .iter()
                .find(|e| waiting(e) && edited_post(e) == Some(post))
            {
                let mut earlier = earlier.clone();
                earlier.body.clone_from(&entry.body);
                self.update(&earlier)?;
                return Ok(Enqueued::Merged(Box::new(earlier)));
            }
        }
        self.enqueue(entry).map(|e| Enqueued::New(Box::new(e)))
    }

    /// A reply or new thread still waiting unsent (its key, or the start of it) takes
    /// `body`: one request later instead of two. `None` when no such entry waits (it is on
    /// its way, or gone).
    pub fn amend_waiting(&self, key: &str, body: &str) -> Result<Option<OutboxEntry>, StoreError> {
        let (entries, _) = self.list()?;
        let Some(found) = entries
            .iter()
            .find(|e| e.key.starts_with(key) && waiting(e) && e.target.post().is_none())
        else {
            return Ok(None);
        };
        let mut found = found.clone();
        body.clone_into(&mut found.body);
        self.update(&found)?;
        Ok(Some(found))
    }

    /// "Retry now" for one entry: a failed entry is queued again under a new key (the old
    /// one kept under `discarded/`); a pending one loses its backoff wait. `None` when the
    /// entry's state leaves nothing to retry (sent, awaiting approval).
    pub fn retry(
        &self,
        entry: &OutboxEntry,
        now: Timestamp,
    ) -> Result<Option<Retried>, StoreError> {
        match entry.state {
            OutboxState::Failed => {
                let again = self.replace(entry, &entry.successor(entry.body.clone(), now))?;
                Ok(Some(Retried::Requeued(Box::new(again))))
            }
            ref state if state.is_pending() => {
                let mut soon = entry.clone();
                soon.next_attempt_at = None;
                self.update(&soon)?;
                Ok(Some(Retried::Rescheduled))
            }
            _ => Ok(None),
        }
    }

    /// Takes the account's outbox lock so that only one instance flushes this queue.
    /// `Ok(None)` when another instance holds it.
    pub fn try_lock(dir: &AccountDir) -> Result<Option<OutboxLock>, StoreError> {
        let path = dir.lock();
        let file = super::state_lock::open_lock_file(&path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(OutboxLock { _file: file })),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(StoreError::io(&path, e)),
        }
    }
}

/// What [`Outbox::retry`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Retried {
    /// The failed entry was queued again as this new entry.
    Requeued(Box<OutboxEntry>),
    /// The pending entry goes out at the next flush.
    Rescheduled,
}

/// Held while flushing; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct OutboxLock {
    _file: fs::File,
}

fn wrap(entry: &OutboxEntry) -> EntryFile {
    EntryFile {
        schema: SCHEMA,
        entry: entry.clone(),
    }
}

/// Reads an entry without ever moving or deleting the file (it is the user's data).
fn read_entry(path: &Path) -> Result<OutboxEntry, String> {
    let bytes = fs::read(path).map_err(|e| e.to_string())?;
    let parsed: EntryFile = file::parse_versioned_in_place(&bytes, SCHEMA)?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    if stem.as_deref() != Some(super::file_stem(&parsed.entry.key).as_str()) {
        return Err("its key does not match its file name".to_owned());
    }
    Ok(parsed.entry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PostId, Target, ThreadId};
    use crate::store::DataDir;
    use jiff::Timestamp;

    fn entry(body: &str) -> OutboxEntry {
        OutboxEntry::new(
            Target::Reply {
                thread: ThreadId::new("t"),
                reply_to: None,
            },
            body.into(),
            Timestamp::UNIX_EPOCH,
        )
    }

    fn mode(path: &Path) -> u32 {
        std::os::unix::fs::PermissionsExt::mode(&fs::metadata(path).unwrap().permissions()) & 0o777
    }

    #[test]
    fn unsent_replies_are_private_in_every_folder() {
        let data = tempfile::tempdir().unwrap();
        let account = DataDir::new(data.path()).account("a");
        let outbox = Outbox::open(&account);
        let first = entry("unsent words");
        outbox.enqueue(&first).unwrap();
        outbox.enqueue(&entry("more")).unwrap();
        outbox.discard(&first).unwrap();
        let root = account.outbox_dir();
        for dir in [
            &root,
            &root.join("queued"),
            &root.join("discarded"),
            &root.join("tmp"),
        ] {
            assert_eq!(mode(dir), 0o700, "{}", dir.display());
        }
        for folder in ["queued", "discarded"] {
            for file in fs::read_dir(root.join(folder)).unwrap() {
                assert_eq!(mode(&file.unwrap().path()), 0o600, "a file in {folder}");
            }
        }
        // An outbox an older version left open to everyone is closed at the next use.
        fs::set_permissions(&root, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        outbox.list().unwrap();
        assert_eq!(mode(&root), 0o700);
    }

    #[test]
    fn entries_come_back_in_send_order_with_their_states() {
        let data = tempfile::tempdir().unwrap();
        let account = DataDir::new(data.path()).account("a");
        let outbox = Outbox::open(&account);
        let mut first = entry("one");
        let second = entry("two");
        outbox.enqueue(&first).unwrap();
        outbox.enqueue(&second).unwrap();
        assert!(outbox.enqueue(&second).is_err(), "a key is never reused");
        first.state = OutboxState::InFlight;
        outbox.update(&first).unwrap();

        let (list, unreadable) = outbox.list().unwrap();
        assert!(unreadable.is_empty());
        let bodies: Vec<&str> = list.iter().map(|e| e.body.as_str()).collect();
        assert_eq!(bodies, ["one", "two"]);
        assert_eq!(
            list[0].state,
            OutboxState::Unknown,
            "interrupted mid-attempt"
        );
        assert!(
            !account
                .outbox_dir()
                .join("tmp")
                .read_dir()
                .unwrap()
                .any(|_| true),
            "nothing left in tmp/"
        );
    }

    #[test]
    fn a_corrupt_entry_is_reported_by_name_and_kept() {
        let data = tempfile::tempdir().unwrap();
        let account = DataDir::new(data.path()).account("a");
        let outbox = Outbox::open(&account);
        let good = outbox.enqueue(&entry("good")).unwrap();
        let bad = account.outbox_dir().join("queued").join("0-bad.json");
        fs::write(&bad, b"{\"schema\":1,\"entry\":{").unwrap();

        let (list, unreadable) = outbox.list().unwrap();
        assert_eq!(list, vec![good]);
        assert_eq!(unreadable.len(), 1);
        assert_eq!(unreadable[0].path, bad);
        assert!(unreadable[0].to_string().contains("0-bad.json"));
        assert!(bad.exists(), "never deleted");
    }

    #[test]
    fn archived_and_discarded_entries_leave_the_queue_but_not_the_disk() {
        let data = tempfile::tempdir().unwrap();
        let account = DataDir::new(data.path()).account("a");
        let outbox = Outbox::open(&account);
        let mut sent = entry("sent");
        let dropped = entry("dropped");
        outbox.enqueue(&sent).unwrap();
        outbox.enqueue(&dropped).unwrap();
        sent.state = OutboxState::Done {
            thread: ThreadId::new("t"),
            post: PostId::new("p1"),
        };
        outbox.archive(&sent).unwrap();
        outbox.discard(&dropped).unwrap();
        assert!(outbox.list().unwrap().0.is_empty());
        assert_eq!(outbox.done().unwrap().0, vec![sent]);
        assert!(
            account
                .outbox_dir()
                .join("discarded")
                .join(format!("{}.json", dropped.key))
                .exists()
        );
    }

    #[test]
    fn only_one_instance_holds_the_lock() {
        let data = tempfile::tempdir().unwrap();
        let account = DataDir::new(data.path()).account("a");
        let held = Outbox::try_lock(&account).unwrap();
        assert!(held.is_some());
        assert!(Outbox::try_lock(&account).unwrap().is_none());
        drop(held);
        assert!(Outbox::try_lock(&account).unwrap().is_some());
    }

    #[test]
    fn retrying_a_failed_entry_requeues_it_under_a_new_key() {
        let data = tempfile::tempdir().unwrap();
        let account = DataDir::new(data.path()).account("a");
        let outbox = Outbox::open(&account);
        let mut failed = entry("refused");
        failed.draft_id = Some("d1".into());
        outbox.enqueue(&failed).unwrap();
        failed.state = OutboxState::Failed;
        outbox.update(&failed).unwrap();

        let Some(Retried::Requeued(again)) = outbox.retry(&failed, Timestamp::UNIX_EPOCH).unwrap()
        else {
            panic!("a failed entry is requeued");
        };
        assert_ne!(again.key, failed.key);
        assert_eq!(
            (again.body.as_str(), again.draft_id.as_deref()),
            ("refused", Some("d1"))
        );
        let (live, _) = outbox.list().unwrap();
        assert_eq!(live, vec![(*again).clone()]);
        assert!(
            account
                .outbox_dir()
                .join("discarded")
                .join(format!("{}.json", failed.key))
                .exists()
        );

        let mut waiting = *again;
        waiting.next_attempt_at = Some(Timestamp::MAX);
        outbox.update(&waiting).unwrap();
        assert_eq!(
            outbox.retry(&waiting, Timestamp::UNIX_EPOCH).unwrap(),
            Some(Retried::Rescheduled)
        );
        assert_eq!(outbox.list().unwrap().0[0].next_attempt_at, None);
    }
}
