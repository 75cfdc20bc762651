//! What flows into `update` (messages) and out of it (effects for the runner to carry out).

use super::action::Action;
use crate::model::ThreadId;
use crate::render::Document;
use crate::store::ThreadFile;
use crossterm::event::{KeyEvent, MouseEvent};
use jiff::Timestamp;

/// Everything that can change the state. Produced by the terminal, by the runner after an
/// effect, and by background workers.
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
    /// News from a background worker (the sync engine).
    Background(BackgroundEvent),
}

/// A thread as the reader needs it: the cached file and one parsed document per post.
#[derive(Debug)]
pub struct LoadedThread {
    pub file: ThreadFile,
    /// `docs[i]` renders `file.posts[i]`.
    pub docs: Vec<Document>,
}

impl LoadedThread {
    /// Parses every post body (runs off the UI loop in the runner).
    pub fn parse(file: ThreadFile) -> Self {
        let docs = file
            .posts
            .iter()
            .map(|p| Document::from_body(&p.body))
            .collect();
        Self { file, docs }
    }
}

/// How the account is connected, as the status line shows it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConnectionMode {
    /// The bundled demo forum: there is no server.
    Demo,
    /// No server reachable (or not tried yet): reading from the cache.
    #[default]
    Offline,
    /// Connected; the server accepts posts.
    Online,
    /// Connected, but the server accepts no posts (gray-out, maintenance).
    ReadOnly,
    /// A sync is running.
    Syncing,
}

impl ConnectionMode {
    pub fn label(self) -> &'static str {
        match self {
            ConnectionMode::Demo => "demo",
            ConnectionMode::Offline => "offline",
            ConnectionMode::Online => "online",
            ConnectionMode::ReadOnly => "read-only",
            ConnectionMode::Syncing => "syncing",
        }
    }
}

/// Events from background workers. The sync engine sends these on the runner's background
/// channel; `update` folds them into the status line and the tree.
#[derive(Debug)]
pub enum BackgroundEvent {
    /// The connection mode changed.
    Mode(ConnectionMode),
    /// A sync finished at this time.
    Synced { at: Timestamp },
    /// Replies waiting in the outbox.
    Outbox { queued: usize },
    /// The forum tree or thread index in the cache changed; the tree is rebuilt from these.
    IndexChanged {
        forum: Box<crate::model::Forum>,
        threads: Vec<crate::model::ThreadSummary>,
    },
    /// A cached thread changed; the reader reloads it when it is open.
    ThreadChanged(ThreadId),
    /// Something went wrong in the background; shown in the status line.
    Problem(String),
}

/// Work for the runner: everything with I/O or side effects. `update` never does these.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Read a thread from the cache and answer with `ThreadLoaded` / `ThreadFailed`.
    LoadThread(ThreadId),
    /// Read state changed: save it (the runner debounces).
    SaveReadState,
    /// Expansion, selection or dismissed banners changed: save `ui.json` (debounced).
    SaveUiState,
    /// Open a validated http(s) URL in the browser.
    OpenUrl(String),
    /// Stop the process until the shell resumes it (Ctrl-Z).
    Suspend,
    /// Save everything and leave.
    Quit,
}
