//! The interface every server kind implements (API v1, Discourse); the sync engine is
//! written against it alone.

use super::RemoteError;
use crate::model::{
    Banner, BudgetStatus, Capabilities, Forum, ForumMode, OutboxEntry, PlaceMark, Post, ReadMark,
    ReadMarker, ReadState, RequestLog, SeqRange, ThreadId, ThreadSummary,
};
use std::future::Future;
use std::time::Duration;

/// What the server last said about itself (from `/status`, the `Forum-Mode` header,
/// `Discourse-Readonly`, …). Backends update it on every response.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServerState {
    pub mode: ForumMode,
    pub banner: Option<Banner>,
    /// When the server said to come back (maintenance, rate limits).
    pub retry_after: Option<Duration>,
}

/// Where a pull stands, opaque to the engine: each backend stores what it needs
/// (a changes cursor, high-water marks, snapshot progress). Persisted after the data it
/// covers.
pub type Cursor = serde_json::Value;

/// One step of a pull: data to write to the cache, then the cursor that covers it.
#[derive(Clone, Debug, Default)]
pub struct PullBatch {
    /// A new tree (sections, areas, announcement), when it changed.
    pub forum: Option<Forum>,
    /// Threads created or changed (summaries replace the cached ones).
    pub threads: Vec<ThreadSummary>,
    /// Posts created, edited or deleted (tombstones), any thread; upserted by id and
    /// ordered by `seq` within their thread.
    pub posts: Vec<Post>,
    /// Threads gone from the server.
    pub removed_threads: Vec<ThreadId>,
    /// Threads whose not-yet-downloaded posts changed (some were downloaded), when their
    /// summary is not in `threads`: the new list replaces the cached one.
    pub missing: Vec<(ThreadId, Vec<SeqRange>)>,
    /// Persist after applying this batch; the next pull starts from it.
    pub cursor: Cursor,
    /// False when there is more to fetch right away (call `pull` again).
    pub complete: bool,
    /// The cursor was too old: this batch starts a fresh snapshot. Threads not seen again
    /// by the time the snapshot completes were removed on the server.
    pub restarted: bool,
    /// Progress of long work, for the status line: (done, total) in the backend's units.
    pub progress: Option<(u64, u64)>,
    /// Wait this long before the next call (a rate budget, e.g. Discourse's user keys).
    pub pause: Option<Duration>,
    /// Threads the server says the user has read (Lemmy's own read marks), each with the
    /// `seq` it is read up to. Merged into the local read state, which only moves forward.
    pub read_through: Vec<(ThreadId, u32)>,
    /// The user's own read markers as the server keeps them (API v1: from the changes
    /// feed and the thread listings), merged into the local read state by
    /// [`ReadState::apply_marker`].
    pub read_markers: Vec<(ThreadId, ReadMarker)>,
    /// The user's own watch levels and bookmarks as the server keeps them (API v1: from
    /// the changes feed), merged into the local ones by [`crate::model::Places::apply`] (the latest
    /// change wins).
    pub places: Vec<PlaceMark>,
    /// What concerns the user (replies, mentions, quotes, messages), as the server has
    /// it now; merged into the inbox by [`crate::model::Inbox::apply`].
    pub inbox: Vec<crate::model::InboxItem>,
    /// Entities the server sent that could not be read, set aside (each logged).
    pub skipped: u32,
    /// The posts of `threads` follow in later batches of this pull, each thread's summary
    /// with them, and `cursor` leads to them (API v1's snapshot lists every area's
    /// threads first): a thread new to the cache is written once, with its posts, not
    /// first as an empty file.
    pub posts_follow: bool,
}

/// How much a server may send in one sync before the client calls it broken: a hostile
/// or buggy server (a cursor that never ends) must not make a sync run forever or the
/// cache grow without bound. Generous; per account in `config.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncLimits {
    /// Batches (pages) one sync may take before it stops with an error.
    pub pages_per_sync: u32,
    /// Threads one area's listing may hold.
    pub threads_per_area: u32,
}

/// Default [`SyncLimits::pages_per_sync`].
pub const DEFAULT_PAGES_PER_SYNC: u32 = 100_000;
/// Default [`SyncLimits::threads_per_area`].
pub const DEFAULT_THREADS_PER_AREA: u32 = 1_000_000;

impl Default for SyncLimits {
    fn default() -> Self {
        Self {
            pages_per_sync: DEFAULT_PAGES_PER_SYNC,
            threads_per_area: DEFAULT_THREADS_PER_AREA,
        }
    }
}

/// A reply the server took.
#[derive(Clone, Debug, PartialEq)]
pub enum Submitted {
    /// Posted: the post as the server stored it (with our `client_key` where supported),
    /// and the new thread's summary when the entry started one.
    Posted {
        post: Box<Post>,
        thread: Option<Box<ThreadSummary>>,
    },
    /// Accepted into a moderation queue; it appears when approved.
    AwaitingApproval,
    /// An edit or deletion was refused because the post changed since it was read: the
    /// post as the server has it now.
    Conflict { current: Box<Post> },
    /// A moderator's action the server applied to `thread` (or one of its posts); the
    /// thread as it is now comes with the next sync.
    Moderated { thread: ThreadId },
}

/// A server kind. Every method updates [`Backend::state`] from what it saw.
///
/// Error codes in [`RemoteError::Status`] are API v1's problem codes (`crate::api::ProblemCode`);
/// other backends map their errors onto them: `read_only`, `maintenance`,
/// `logins_disabled`, `rate_limited`, `unauthorized`, `forbidden`, `not_found`,
/// `validation_failed`, `cursor_expired`, ….
pub trait Backend: Send {
    /// The outbox kinds and lookups this backend maps to its server's requests; the
    /// reader and the command line refuse the others before anything is queued.
    const CAPABILITIES: Capabilities;

    /// [`Backend::CAPABILITIES`] of the backend at hand.
    fn capabilities(&self) -> Capabilities {
        Self::CAPABILITIES
    }

    /// The server's mode and banner as last seen.
    fn state(&self) -> &ServerState;

    /// Asks the server for its status (mode, banner) without credentials.
    fn refresh_status(&mut self) -> impl Future<Output = Result<(), RemoteError>> + Send;

    /// Fetches the next batch of changes after `cursor` (`None`: first sync). `focus` is the
    /// thread the user is reading; backends with a request budget fetch it first.
    fn pull(
        &mut self,
        cursor: Option<&Cursor>,
        focus: Option<&ThreadId>,
    ) -> impl Future<Output = Result<PullBatch, RemoteError>> + Send;

    /// How long a pull may wait on the server for news (long polling) once it is up to
    /// date; `None` answers at once. Backends without long polling ignore it.
    fn set_long_poll(&mut self, _wait: Option<Duration>) {}

    /// Backends that cannot wait for news (each round costs requests of a budget): how
    /// long to stay idle between rounds once up to date. `None`: pull again at once.
    fn poll_interval(&self) -> Option<Duration> {
        None
    }

    /// The request budget and what is left of it, for backends that have one.
    fn budget(&self) -> Option<BudgetStatus> {
        None
    }

    /// The requests spent against the budget, for the engine to keep on disk.
    fn request_log(&self) -> Option<&RequestLog> {
        None
    }

    /// The requests spent as kept on disk (by this process before a restart, or by
    /// another threadmark on the account).
    fn restore_request_log(&mut self, _log: RequestLog) {}

    /// The earlier versions of `post` (whose current version is `version`), oldest first.
    /// Backends whose server keeps none answer that they cannot.
    fn revisions(
        &mut self,
        _post: &crate::model::PostId,
        _version: u64,
    ) -> impl Future<Output = Result<Vec<crate::model::Revision>, RemoteError>> + Send {
        let server = Self::CAPABILITIES.server;
        async move {
            Err(RemoteError::unsupported(
                "request for earlier versions",
                server,
            ))
        }
    }

    /// User names starting with `prefix`, for @-mention completion (API v1 `GET
    /// /users?prefix=`, Discourse `/u/search/users.json`). Backends whose server has no
    /// such lookup answer that they cannot (the reader then completes from the cache).
    fn search_users(
        &mut self,
        _prefix: &str,
    ) -> impl Future<Output = Result<Vec<String>, RemoteError>> + Send {
        let server = Self::CAPABILITIES.server;
        async move { Err(RemoteError::unsupported("user name lookup", server)) }
    }

    /// The user wants the posts of `thread` that the cache lacks (all of them, when only
    /// its headers are cached; else the earlier ones): fetched at the next pull, before
    /// background work. Backends that download every post ignore it.
    fn want_earlier(&mut self, _thread: &ThreadId) {}

    /// Whether this backend sends the user's read marks to the server while it pulls
    /// (Lemmy keeps them per post); the engine then hands it the local read state with
    /// [`Backend::set_read_state`] before pulling.
    fn sends_read_marks(&self) -> bool {
        false
    }

    /// The local read state, for a backend that sends read marks.
    fn set_read_state(&mut self, _read: &ReadState) {}

    /// Whether this backend keeps the user's read marks on the server through
    /// [`Backend::send_read_mark`] (API v1 with a login and `read_sync` on).
    fn syncs_read_marks(&self) -> bool {
        false
    }

    /// Sends one queued read mark with its idempotency key.
    fn send_read_mark(
        &mut self,
        _key: &str,
        _thread: &ThreadId,
        _mark: &ReadMark,
    ) -> impl Future<Output = Result<(), RemoteError>> + Send {
        async { Ok(()) }
    }

    /// Whether this backend keeps watch levels and bookmarks on the server through
    /// [`Backend::send_place_mark`] (API v1 and Discourse, with a login and `read_sync`
    /// on; `Capabilities::places`). A pull brings the server's in [`PullBatch::places`];
    /// the engine leaves out those a queued change of the user's is about.
    fn syncs_places(&self) -> bool {
        false
    }

    /// Sends one queued watch level or bookmark change with its idempotency key.
    fn send_place_mark(
        &mut self,
        _key: &str,
        _mark: &PlaceMark,
    ) -> impl Future<Output = Result<(), RemoteError>> + Send {
        async { Ok(()) }
    }

    /// Whether this backend keeps the inbox's read state on the server through
    /// [`Backend::send_inbox_read`].
    fn syncs_inbox(&self) -> bool {
        false
    }

    /// Marks inbox items (the server's notification ids) read, with the idempotency key.
    fn send_inbox_read(
        &mut self,
        _key: &str,
        _ids: &[String],
    ) -> impl Future<Output = Result<(), RemoteError>> + Send {
        async { Ok(()) }
    }

    /// Sends one outbox entry. Backends with idempotency keys send `entry.key`.
    fn submit(
        &mut self,
        entry: &OutboxEntry,
    ) -> impl Future<Output = Result<Submitted, RemoteError>> + Send;

    /// After an attempt with an unknown outcome: the post this entry already became, if
    /// the server has it. Backends whose server deduplicates by key may answer `None`
    /// (resending with the same key is then safe).
    fn find_submitted(
        &mut self,
        entry: &OutboxEntry,
    ) -> impl Future<Output = Result<Option<Post>, RemoteError>> + Send;

    /// After an attempt with an unknown outcome whose post is not found: is it waiting
    /// for a moderator? Backends without a moderation queue say no.
    fn awaiting_approval(
        &mut self,
        _entry: &OutboxEntry,
    ) -> impl Future<Output = Result<bool, RemoteError>> + Send {
        async { Ok(false) }
    }
}
