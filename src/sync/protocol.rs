//! What passes between the sync engine and the rest: the commands it takes, the events
//! and status it reports, the connection as the status line shows it, and the report of
//! one cycle. The app and the status line import this module, never the engine.

use super::flush::FlushReport;
/// The open thread's changes a pull report carries, for the reader to apply in place.
pub use super::ingest::FocusedChange;
use super::ingest::IngestReport;
use crate::model::{Banner, ForumMode, PostId, Revision, ThreadId};
use jiff::Timestamp;

/// How the account's server looks from here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connection {
    /// Not tried yet.
    Idle,
    /// Pulling; `(done, total)` when the backend can tell.
    Syncing(Option<(u64, u64)>),
    /// Pulling, but waiting for the forum's request budget until this time.
    Paused {
        resumes_at: Timestamp,
    },
    /// Up to date and writable.
    Online,
    /// Reachable, writes wait (the gray-out).
    ReadOnly,
    Maintenance,
    /// Unreachable; the reason, and when the next try is.
    Offline {
        reason: String,
        retry_at: Option<Timestamp>,
    },
    /// The server refused our credentials.
    NeedsLogin(String),
    /// The disk, not the network: the cache cannot be written (why, in a few words:
    /// "disk full"). Reading goes on from what is cached; the next try is on the backoff.
    CacheUnwritable(String),
}

/// A status snapshot for the UI's status line.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncStatus {
    pub connection: Connection,
    pub last_success_at: Option<Timestamp>,
    /// Entries not yet accepted by the server.
    pub outbox_pending: usize,
    pub banner: Option<Banner>,
    /// Why the outbox is not draining, when it is not.
    pub outbox_note: Option<String>,
}

/// What the engine tells the UI.
#[derive(Clone, Debug, PartialEq)]
pub enum SyncEvent {
    Status(SyncStatus),
    /// Cached data changed: reload these threads (and the tree when `tree_changed`).
    Pulled(IngestReport),
    /// The outbox changed (states, sent entries archived).
    Outbox(FlushReport),
    /// The earlier versions of `post` asked for (oldest first), or why they could not be
    /// fetched.
    Revisions {
        post: PostId,
        result: Result<Vec<Revision>, String>,
    },
    /// User names starting with `prefix` (@-mention completion), or why the server could
    /// not say.
    Users {
        prefix: String,
        result: Result<Vec<String>, String>,
    },
}

/// What the UI asks of the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncCommand {
    /// Pull and push now (resets the backoff).
    SyncNow,
    /// The outbox has a new or edited entry: push it now.
    FlushNow,
    /// The user is reading this thread (fetched first by budgeted backends).
    Focus(Option<ThreadId>),
    /// The user asked for posts of this thread that are not downloaded: every post of a
    /// thread known by its headers only, else the newest of the earlier ones.
    LoadEarlier(ThreadId),
    /// Fetch the earlier versions of a post (`version`: its current one); answered with
    /// [`SyncEvent::Revisions`].
    Revisions {
        post: PostId,
        version: u64,
    },
    /// Look up user names starting with `prefix`; answered with [`SyncEvent::Users`].
    SearchUsers(String),
    Shutdown,
}

/// The result of one pull + push.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CycleReport {
    pub pulled: IngestReport,
    pub flushed: FlushReport,
    pub mode: ForumMode,
    /// Another threadmark holds the outbox lock: this run did not push.
    pub outbox_busy: bool,
    /// The pull stopped for a long wait (a daily request limit): it resumes then.
    pub resumes_at: Option<Timestamp>,
}
