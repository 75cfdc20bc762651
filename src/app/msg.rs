//! What flows into `update` (messages) and out of it (effects for the runner to carry out).

use crate::app::input::action::Action;
use crate::app::view_memory::UiState;
use crate::model::{Draft, OutboxEntry, PostId, ReadState, Target, Thread, ThreadId};
use crate::render::Document;
use crate::sync::protocol::{SyncCommand, SyncEvent};
use crossterm::event::{KeyEvent, MouseEvent};
use jiff::Timestamp;

/// Everything that can change the state. Produced by the terminal, by the runner after an
/// effect, by the store worker and by the sync engine.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    /// The terminal's new size in columns and rows.
    Resize(u16, u16),
    /// An action requested directly (tests, mouse helpers).
    Action(Action),
    /// A thread read from the local cache, its bodies already parsed.
    ThreadLoaded(Box<LoadedThread>),
    /// A thread could not be loaded; the message says why and what to do.
    ThreadFailed {
        thread: ThreadId,
        message: String,
    },
    /// A one-line note for the status line (an effect's outcome, a store problem).
    Notice(String),
    /// Text pasted into the terminal (bracketed paste).
    Paste(String),
    /// News from the sync engine.
    Sync(SyncEvent),
    /// The sync engine could not start; the message says why and what to do.
    SyncUnavailable(String),
    /// The cache's tree and index, reloaded.
    IndexLoaded(Box<IndexData>),
    /// The store worker finished a job.
    Stored(Stored),
    /// The external editor finished: the new text, or why it failed.
    Edited(Result<String, String>),
    /// The demo forum's server was switched: its new mode (`open`, `read-only`,
    /// `unreachable`), or why it could not be.
    DemoSwitched(Result<&'static str, String>),
    /// A query run off the loop (`S`, the folders) has its answer.
    Queried(crate::app::lists::search_results::Queried),
    /// With several accounts open: a message from account N's sync engine or store worker
    /// (the index in the tree's order).
    Account(usize, Box<Msg>),
    /// A picture asked for with `FetchPictures`: decoded, or why it is not shown.
    Picture {
        url: String,
        outcome: Result<std::sync::Arc<crate::app::reader::pictures::Decoded>, String>,
    },
}

/// A thread as the reader needs it: the cached thread and one parsed document per post.
#[derive(Debug)]
pub struct LoadedThread {
    pub file: Thread,
    /// `docs[i]` renders `file.posts[i]`; `None` where the reader already holds the
    /// document of that post at that version (a reload reuses it instead of parsing again).
    pub docs: Vec<Option<Document>>,
}

impl LoadedThread {
    /// Parses every post body (runs off the UI loop in the runner).
    pub fn parse(file: Thread) -> Self {
        Self::parse_except(file, &[])
    }

    /// Parses the bodies of the posts not in `parsed` (id and version of the documents the
    /// reader holds).
    pub fn parse_except(file: Thread, parsed: &[(PostId, u64)]) -> Self {
        let docs = file
            .posts
            .iter()
            .map(|p| {
                let held = parsed.iter().any(|(id, v)| *id == p.id && *v == p.version);
                (!held).then(|| Document::from_body(&p.body))
            })
            .collect();
        Self { file, docs }
    }
}

/// The cached forum tree and thread index, as reloaded after a sync.
#[derive(Debug)]
pub struct IndexData {
    pub forum: crate::model::Forum,
    pub threads: Vec<crate::model::ThreadSummary>,
    /// What the rules make of the threads' counts, when the runner ran them (`None`: the
    /// counts held stay).
    pub counts: Option<crate::app::judged::ThreadCounts>,
    /// The read state, when the start did not wait for it (a big cache): it comes with
    /// the first index.
    pub read: Option<crate::model::ReadState>,
    /// The tree the worker built, off the reader's loop: with that read state (the first
    /// list), or from the `TreeBasis` of a reload (see `crate::app::start_index::adopt`).
    pub tree: Option<crate::app::start_index::Prebuilt>,
}

/// What the store worker reports back after a job.
#[derive(Debug)]
pub enum Stored {
    /// How many inbox items are unread (`inbox.json` as it is now).
    Inbox { unread: usize },
    /// The outbox as it is on disk now; `unreadable` names files that could not be read.
    Outbox {
        entries: Vec<OutboxEntry>,
        unreadable: Vec<String>,
    },
    /// The drafts on disk now. `offer`: this is the first look at start, so offer to
    /// resume them.
    Drafts {
        drafts: Vec<Draft>,
        problems: Vec<String>,
        offer: bool,
    },
    /// A reply or thread is durably in the outbox under this key: time to push it.
    Queued { key: String },
    /// Sending failed before the outbox had it: the text goes back to the composer.
    NotQueued {
        outgoing: Box<Outgoing>,
        why: String,
    },
    /// A job's outcome worth a line in the status bar.
    Done(String),
    /// A job failed; the message says what happened and what to do.
    Failed(String),
    /// `read.json` could not be written; the message says why. What was read is still in
    /// memory: saving is tried again.
    ReadStateNotSaved(String),
    /// The account's watch levels and bookmarks as saved now; `said`: a change the user
    /// made (`w`, `b`) is durably recorded, and this is what the status line says.
    Places {
        places: Box<crate::model::Places>,
        said: Option<String>,
    },
    /// The bookmarks, newest first, with what the cache knows of their posts (`'`).
    Bookmarks(Vec<crate::app::lists::bookmarks::BookmarkRow>),
    /// The inbox items, newest first, read ones too (`i`).
    InboxItems(Vec<crate::model::InboxItem>),
    /// Inbox items marked read are durably queued in `marks/`: time to send them.
    InboxReadQueued,
    /// The rules as `config.toml` has them now, after `x` wrote one (`added`) or `u`
    /// took it out; `said` is what the status line says.
    Rules {
        rules: std::sync::Arc<crate::model::RuleSet>,
        said: String,
        added: Option<crate::config::RuleConfig>,
    },
}

/// A reply or thread leaving the composer for the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// Its idempotency key, made when the user sent it.
    pub key: String,
    /// When the user sent it.
    pub at: Timestamp,
    pub target: Target,
    pub body: String,
    /// The draft it was written in, removed once the entry is durable.
    pub draft_id: String,
    /// A failed entry this one replaces (an edit): discarded once this one is queued.
    pub replaces: Option<String>,
    /// A reply still waiting in the outbox whose text this is: it takes the text in place
    /// (one request, not two).
    pub amends: Option<String>,
    /// A new thread's tags.
    pub tags: Vec<String>,
}

/// Work for the store worker, done in order, off the UI loop: every write to the
/// account's folder the reader makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreJob {
    LoadOutbox,
    /// `offer`: at start, to offer resuming them.
    LoadDrafts {
        offer: bool,
    },
    SaveDraft(Draft),
    RemoveDraft(String),
    /// Make the outbox entry under the key `update` made, enqueue it durably, remove the
    /// draft, discard what it replaces.
    Send(Box<Outgoing>),
    /// Enqueue a change without text (delete, like, unlike) durably, then push it.
    Queue(Box<OutboxEntry>),
    Retry(String),
    Discard(String),
    /// An edit or deletion in conflict goes again on the server's version, under a new
    /// key; the conflicting entry is kept under `outbox/discarded/`.
    KeepMine(String),
    /// Write `read.json` durably (the runner sends this once its save delay has passed).
    SaveReadState(ReadState),
    /// Write `ui.json` (a convenience: atomic, not synced).
    SaveUiState(Box<UiState>),
    /// Read `places.json` (watch levels and bookmarks); the answer is `Stored::Places`.
    LoadPlaces,
    /// Count the unread inbox items; the answer is `Stored::Inbox`.
    LoadInbox,
    /// Record a watch level or bookmark change: queued durably for the server (when the
    /// account sends read state), then kept in `places.json`; the answer is
    /// `Stored::Places` with `said` once it is on disk.
    Place {
        mark: crate::model::PlaceMark,
        said: String,
    },
    /// Read the bookmarks with their posts' numbers and authors; the answer is
    /// `Stored::Bookmarks`.
    LoadBookmarks,
    /// Read the inbox items; the answer is `Stored::InboxItems`.
    LoadInboxItems,
    /// Write a rule into `config.toml` (`x`); the answer is `Stored::Rules`.
    AddRule(Box<crate::config::RuleConfig>),
    /// Take that rule out of `config.toml` again (`u`); the answer is `Stored::Rules`.
    RemoveRule(Box<crate::config::RuleConfig>),
    /// Mark inbox items read (every unread one when `ids` is `None`): queued for the
    /// server (when the account keeps its inbox there), then kept in `inbox.json`; the
    /// answers are `Stored::InboxReadQueued` (when queued), `Stored::Inbox` and
    /// `Stored::InboxItems`, and with `say` a `Done` line.
    MarkInboxRead {
        ids: Option<Vec<String>>,
        say: bool,
    },
}

/// Work for the runner: everything with I/O or side effects. `update` never does these.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Read a thread from the cache and answer with `ThreadLoaded` / `ThreadFailed`.
    LoadThread(ThreadId),
    /// Read the open thread again (a sync changed it): the posts in `parsed` (id and
    /// version) are not parsed again, the reader keeps their documents.
    ReloadThread {
        thread: ThreadId,
        parsed: Vec<(PostId, u64)>,
    },
    /// Read state changed: save it (the runner debounces).
    SaveReadState,
    /// Expansion, selection or dismissed banners changed: save `ui.json` (debounced).
    SaveUiState,
    /// Load the forum tree and thread index from the cache (at start, or after a sync
    /// when no tree is shown yet); the answer is `IndexLoaded`.
    LoadIndex,
    /// As `LoadIndex`, and from now on count each thread's posts of the last week (the
    /// `top` view).
    CountRecentPosts,
    /// Reload them after a sync changed them, the store worker building the new tree from
    /// `TreeBasis` (what the reader shows now); the answer is `IndexLoaded`.
    ReloadIndex(Box<crate::app::index_reload::TreeBasis>),
    /// Tell the sync engine (ignored when there is none: the demo).
    Sync(SyncCommand),
    /// The composer's text changed: autosave the draft soon (debounced).
    DraftChanged,
    /// Work on drafts and the outbox, for the store worker.
    Store(StoreJob),
    /// Hand the composer's text to `$VISUAL` / `$EDITOR`; the answer is `Edited`.
    EditExternally(String),
    /// Open a validated http(s) URL in the browser.
    OpenUrl(String),
    /// Run `program` with `args` (no shell), `text` on its standard input, on the
    /// terminal (the reader steps aside and comes back); `post` names the post (`#3`). The
    /// answer is a `Notice`.
    PipePost {
        program: String,
        args: Vec<String>,
        text: String,
        post: String,
    },
    /// Write `text` to the new file `path` (`~/` is the home folder; an existing file is
    /// left alone); the answer is a `Notice`.
    SavePost {
        path: String,
        text: String,
        post: String,
    },
    /// The demo only: switch its server to its next mode (open → read-only →
    /// unreachable → open); the answer is `DemoSwitched`.
    SwitchDemoServer,
    /// New inbox items arrived: run the notification hook and ring the bell (the runner
    /// coalesces runs that come too close together).
    Announce(Vec<crate::model::InboxItem>),
    /// Run a query over the account's cache, off the loop; the answer is `Queried`.
    Query(crate::app::lists::search_results::QueryJob),
    /// Fetch these pictures (from the offline cache, else from their site, keeping them
    /// there) and decode them off the loop; each answer is a `Picture`.
    FetchPictures(Vec<String>),
    /// Delete the kitty pictures the terminal holds (`I` hid them).
    DeleteTerminalPictures,
    /// Stop the process until the shell resumes it (Ctrl-Z).
    Suspend,
    /// Save everything and leave.
    Quit,
    /// With several accounts open: an effect for account N (its store, its engine), when
    /// it is not the account the message was for.
    Account(usize, Box<Effect>),
}
