//! Read marks waiting for the server, kept like the outbox: nothing marked is lost,
//! nothing is sent twice.
//!
//! ```text
//! marks/tmp/<key>.json      being written (fsynced before it moves)
//! marks/queued/<key>.json   waiting; removed (and the folder fsynced) once the server took it
//! ```
//! One file per mark, named by its idempotency key (a `UUIDv7`, made when the user marked).
//! A mark resent after a crash carries the same key, so the server answers it again
//! instead of applying it twice — and marks merge by their time anyway.

use super::file::{self, Durability, Loaded};
use super::{AccountDir, StoreError};
use crate::model::{PlaceMark, ReadMark, ThreadId};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io;
use std::path::PathBuf;

const SCHEMA: u32 = 1;

/// One mark waiting to be sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedMark {
    pub key: String,
    pub thread: ThreadId,
    pub mark: ReadMark,
}

/// One watch level or bookmark change waiting to be sent (same queue, same rules).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedPlace {
    pub key: String,
    pub place: PlaceMark,
}

/// Inbox items marked read, waiting to be sent (same queue, same rules).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedInboxRead {
    pub key: String,
    /// The server's ids of the notifications read.
    pub inbox_read: Vec<String>,
}

/// Anything waiting in the queue, in the order made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Queued {
    Read(QueuedMark),
    Place(QueuedPlace),
    InboxRead(QueuedInboxRead),
}

impl Queued {
    pub fn key(&self) -> &str {
        match self {
            Queued::Read(m) => &m.key,
            Queued::Place(p) => &p.key,
            Queued::InboxRead(r) => &r.key,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct MarkFile {
    schema: u32,
    #[serde(flatten)]
    queued: Queued,
}

/// One account's queue of read marks.
#[derive(Clone, Debug)]
pub struct ReadMarks {
    root: PathBuf,
}

impl ReadMarks {
    pub fn open(dir: &AccountDir) -> Self {
        Self {
            root: dir.marks_dir(),
        }
    }

    fn path(&self, folder: &str, key: &str) -> PathBuf {
        self.root
            .join(folder)
            .join(format!("{}.json", super::file_stem(key)))
    }

    /// Queues a mark durably (written and fsynced in `tmp/`, renamed into `queued/`, the
    /// folder fsynced): when this returns, it survives a crash.
    pub fn enqueue(&self, thread: &ThreadId, mark: ReadMark) -> Result<QueuedMark, StoreError> {
        let queued = QueuedMark {
            key: uuid::Uuid::now_v7().to_string(),
            thread: thread.clone(),
            mark,
        };
        self.write(Queued::Read(queued.clone()))?;
        Ok(queued)
    }

    /// Queues a watch level or bookmark change durably, as [`ReadMarks::enqueue`] does.
    pub fn enqueue_place(&self, place: PlaceMark) -> Result<QueuedPlace, StoreError> {
        let queued = QueuedPlace {
            key: uuid::Uuid::now_v7().to_string(),
            place,
        };
        self.write(Queued::Place(queued.clone()))?;
        Ok(queued)
    }

    /// Queues inbox items marked read durably, as [`ReadMarks::enqueue`] does.
    pub fn enqueue_inbox_read(&self, ids: Vec<String>) -> Result<QueuedInboxRead, StoreError> {
        let queued = QueuedInboxRead {
            key: uuid::Uuid::now_v7().to_string(),
            inbox_read: ids,
        };
        self.write(Queued::InboxRead(queued.clone()))?;
        Ok(queued)
    }

    fn write(&self, queued: Queued) -> Result<(), StoreError> {
        file::make_private(&self.root);
        let tmp = self.path("tmp", queued.key());
        let done = self.path("queued", queued.key());
        let wrapped = MarkFile {
            schema: SCHEMA,
            queued,
        };
        file::save_versioned(&tmp, &wrapped, SCHEMA, Durability::UserData)?;
        let folder = self.root.join("queued");
        file::create_dir_durable(&folder)?;
        fs::rename(&tmp, &done).map_err(|e| StoreError::io(&done, e))?;
        file::sync_dir(&folder).map_err(|e| StoreError::io(&folder, e))
    }

    /// Every waiting read mark, oldest first.
    pub fn list(&self) -> Result<Vec<QueuedMark>, StoreError> {
        Ok(self
            .list_all()?
            .into_iter()
            .filter_map(|q| match q {
                Queued::Read(m) => Some(m),
                Queued::Place(_) | Queued::InboxRead(_) => None,
            })
            .collect())
    }

    /// Everything waiting (read marks, watch levels, bookmarks, inbox items read),
    /// oldest first. A file
    /// that cannot be read is set aside (renamed, reported in the log) and skipped.
    pub fn list_all(&self) -> Result<Vec<Queued>, StoreError> {
        let folder = self.root.join("queued");
        let mut names: Vec<PathBuf> = match fs::read_dir(&folder) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StoreError::io(&folder, e)),
        };
        names.sort();
        let mut marks = Vec::with_capacity(names.len());
        for path in names {
            match file::load_versioned::<MarkFile>(&path, SCHEMA)? {
                Loaded::Ok(found) => marks.push(found.queued),
                Loaded::Missing => {}
                Loaded::Unusable(problem) => tracing::warn!("{problem}"),
            }
        }
        Ok(marks)
    }

    /// The waiting marks' files: a new one is a mark made by the reader or `threadmark
    /// mark` since this set was taken.
    pub fn stamps(&self) -> std::collections::BTreeSet<PathBuf> {
        let Ok(entries) = fs::read_dir(self.root.join("queued")) else {
            return std::collections::BTreeSet::new();
        };
        entries.filter_map(Result::ok).map(|e| e.path()).collect()
    }

    /// The server took `mark`: it leaves the queue for good.
    pub fn remove(&self, mark: &QueuedMark) -> Result<(), StoreError> {
        self.remove_key(&mark.key)
    }

    /// The server took the entry with `key`: it leaves the queue for good.
    pub fn remove_key(&self, key: &str) -> Result<(), StoreError> {
        let path = self.path("queued", key);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(StoreError::io(&path, e)),
        }
        let folder = self.root.join("queued");
        file::sync_dir(&folder).map_err(|e| StoreError::io(&folder, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_survive_a_reopen_in_the_order_made_until_removed() {
        let dir = tempfile::tempdir().unwrap();
        let account = crate::store::DataDir::new(dir.path()).account("a");
        let at = jiff::Timestamp::from_second(1_700_000_000).unwrap();
        let queue = ReadMarks::open(&account);
        let first = queue
            .enqueue(&ThreadId::new("a"), ReadMark::ReadTo { seq: 3, at })
            .unwrap();
        let second = queue
            .enqueue(&ThreadId::new("a"), ReadMark::UnreadFrom { seq: 2, at })
            .unwrap();
        let again = ReadMarks::open(&account);
        assert_eq!(again.list().unwrap(), vec![first.clone(), second.clone()]);
        again.remove(&first).unwrap();
        again.remove(&first).unwrap();
        assert_eq!(again.list().unwrap(), vec![second.clone()]);
        let place = again
            .enqueue_place(crate::model::PlaceMark::Unbookmark {
                post: crate::model::PostId::new("p"),
                at,
            })
            .unwrap();
        assert_eq!(
            again.list().unwrap(),
            vec![second.clone()],
            "read marks only"
        );
        assert_eq!(
            ReadMarks::open(&account).list_all().unwrap(),
            vec![Queued::Read(second), Queued::Place(place)]
        );
    }
}
