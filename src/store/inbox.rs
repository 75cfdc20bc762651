//! `inbox.json`: the account's notifications ([`Inbox`]). Every writer (the sync engine
//! taking in the server's, `threadmark inbox read`, the reader) loads, merges and saves
//! under the state-files lock, so no change is lost whoever writes last.

use super::file::{self, Durability, Loaded};
use super::{AccountDir, StoreError, lock_state_files};
use crate::model::{Inbox, InboxItem};

const SCHEMA: u32 = 1;

#[derive(serde::Serialize, serde::Deserialize)]
struct InboxFile {
    schema: u32,
    #[serde(flatten)]
    inbox: Inbox,
}

/// The account's inbox as saved (empty when the file is missing; an unreadable file is
/// set aside and reported, and the next sync fills it again).
pub fn load_inbox(dir: &AccountDir) -> Result<Inbox, StoreError> {
    match file::load_versioned::<InboxFile>(&dir.inbox(), SCHEMA)? {
        Loaded::Ok(found) => Ok(found.inbox),
        Loaded::Missing => Ok(Inbox::default()),
        Loaded::Unusable(problem) => {
            tracing::warn!("{problem}");
            Ok(Inbox::default())
        }
    }
}

fn save(dir: &AccountDir, inbox: Inbox) -> Result<Inbox, StoreError> {
    let wrapped = InboxFile {
        schema: SCHEMA,
        inbox,
    };
    file::save_versioned(&dir.inbox(), &wrapped, SCHEMA, Durability::UserData)?;
    Ok(wrapped.inbox)
}

/// Folds the server's `items` into the saved inbox and returns the unread items the user
/// has not been told of yet (each is returned once, ever). With `news` false (the
/// account's first sync: a backlog, not news) they are kept and counted as told.
pub fn merge_inbox(
    dir: &AccountDir,
    items: Vec<InboxItem>,
    news: bool,
) -> Result<Vec<InboxItem>, StoreError> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let _lock = lock_state_files(dir)?;
    let mut inbox = load_inbox(dir)?;
    let mut changed = false;
    for item in items {
        changed |= inbox.apply(item);
    }
    let fresh = inbox.take_unannounced();
    if changed || !fresh.is_empty() {
        save(dir, inbox)?;
    }
    Ok(if news { fresh } else { Vec::new() })
}

/// Marks the named items read (every unread one when `ids` is `None`), durably; returns
/// the ids that were unread and are read now.
pub fn mark_inbox_read(
    dir: &AccountDir,
    ids: Option<&[String]>,
) -> Result<Vec<String>, StoreError> {
    let _lock = lock_state_files(dir)?;
    let mut inbox = load_inbox(dir)?;
    let marked = inbox.mark_read(ids);
    if !marked.is_empty() {
        save(dir, inbox)?;
    }
    Ok(marked)
}

/// What [`read_inbox_items`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InboxRead {
    /// The named ids the inbox has (every unread one when none were named).
    pub found: Vec<String>,
    /// The ids that were unread and are read now.
    pub marked: Vec<String>,
    /// The marks are queued in `marks/` for the server.
    pub queued: bool,
}

/// The user marks inbox items read (every unread one when `ids` is `None`): queued for the
/// server first when `queue` (the account keeps its inbox there: a crash before
/// `inbox.json` is written still sends it), then kept in `inbox.json`. Both
/// `threadmark inbox read` and the reader's Inbox mark through this.
pub fn read_inbox_items(
    dir: &AccountDir,
    ids: Option<&[String]>,
    queue: bool,
) -> Result<InboxRead, StoreError> {
    let inbox = load_inbox(dir)?;
    let found: Vec<String> = match ids {
        Some(ids) => ids
            .iter()
            .filter(|id| inbox.items.iter().any(|i| &i.id == *id))
            .cloned()
            .collect(),
        None => inbox.unread().map(|i| i.id.clone()).collect(),
    };
    if found.is_empty() {
        return Ok(InboxRead::default());
    }
    if queue {
        super::ReadMarks::open(dir).enqueue_inbox_read(found.clone())?;
    }
    let marked = mark_inbox_read(dir, Some(&found))?;
    Ok(InboxRead {
        found,
        marked,
        queued: queue,
    })
}
