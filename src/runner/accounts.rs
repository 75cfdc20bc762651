//! The runner's side of each open account: its first state from the cache, and once the
//! first frame is drawn its own sync engine, store worker and (the demo) server, built off
//! the reader's loop, with the
//! lines that bring their news back to the loop tagged with the account's index.

use super::background::{self, DemoSlot, SyncHandle};
use super::interpreter::Interpreter;
use super::judging::JudgingHandle;
use super::start_tree;
use super::store_worker::StoreWorker;
use crate::account::{Account, SetupError};
use crate::app::{self, Effect, Msg, Startup, State};
use crate::config::Config;
use crate::model::ForumData;
use crate::store::{Cache, Problem, StoreError, load_ui_state};
use crate::sync::SyncEvent;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::mpsc;

/// One account as the reader opens it: the account and its cache as read.
#[derive(Debug)]
pub struct OpenAccount {
    pub account: Account,
    pub data: ForumData,
    /// `data` has no threads and no read state yet: the index is large, and both are
    /// loaded after the first frame.
    pub index_later: bool,
    /// Meanwhile, each area's unread posts (from the tree index), when known.
    pub rolled_up: Option<HashMap<crate::model::AreaId, u32>>,
}

/// A thread index larger than this (about 4,000 threads) is loaded after the reader's
/// first frame, off its loop: below it, loading it costs less than a second frame would.
const START_INDEX_INLINE_BYTES: u64 = 1 << 20;

/// Reads `account`'s cache as the reader starts on it: everything when its thread index
/// is small; else the forum tree alone and each area's unread posts from the tree index
/// (when it is current with the files), the threads and the read state coming after the
/// first frame. Also the problems met reading it (a damaged file set aside, …).
pub fn open(account: Account) -> Result<(OpenAccount, Vec<Problem>), SetupError> {
    let mut cache = Cache::open(account.dir.clone());
    let forum = account.load_forum(&mut cache)?;
    let open = if cache.index_bytes() <= START_INDEX_INLINE_BYTES {
        let data = ForumData {
            forum,
            threads: cache.load_index()?,
            read: cache.load_read_state()?,
        };
        OpenAccount {
            account,
            data,
            index_later: false,
            rolled_up: None,
        }
    } else {
        // Muted threads and areas count in no parent: their levels come from places.json
        // (small), the counts of the threads with a level of their own from the index.
        let places = crate::store::load_places(&account.dir).unwrap_or_default();
        let rolled_up = start_tree::rolled_up(&mut cache, &places)?;
        OpenAccount {
            account,
            data: ForumData {
                forum,
                threads: Vec::new(),
                read: crate::model::ReadState::default(),
            },
            index_later: true,
            rolled_up,
        }
    };
    Ok((open, cache.take_problems()))
}

/// What the first state of one account needs from the reader.
#[derive(Debug)]
pub struct Reader<'a> {
    pub config: &'a Config,
    pub size: (u16, u16),
    pub id_seed: u64,
}

/// The first state of one account, painted from its cache alone, and its first effects;
/// the problem reading its `ui.json`, if any.
pub fn first_state(
    open: OpenAccount,
    reader: &Reader<'_>,
) -> Result<(State, Vec<Effect>, Option<String>, Account), StoreError> {
    let OpenAccount {
        account,
        data,
        index_later,
        rolled_up,
    } = open;
    let (ui_state, ui_problem) = load_ui_state::<app::UiState>(&account.dir)?;
    let remembered: Option<app::UiState> = index_later.then(|| ui_state.clone());
    let (mut state, mut effects) = State::new(Startup {
        account: account.name.clone(),
        is_demo: account.is_demo(),
        signed_in: account.is_demo() || account.has_credential(),
        data,
        ui: ui_state,
        config: reader.config,
        size: reader.size,
        now: jiff::Timestamp::now(),
        id_seed: reader.id_seed,
    });
    if let Some(ui) = &remembered {
        effects.extend(start_tree::wait_for_index(&mut state, ui, rolled_up));
    }
    effects.extend(super::judging_at_start(
        &state,
        reader.config,
        &account.name,
        remembered.is_some(),
    ));
    // The first frame says when the cache was last synced; the engine says it again once
    // it has started.
    state.capabilities = account.capabilities();
    state.me = account.me();
    state.web =
        crate::app::web::WebSite::of(account.remote.as_ref().map(|r| (&r.kind, r.url.as_str())));
    state.status.last_sync = crate::sync::state::SyncState::load(&account.dir)
        .ok()
        .and_then(|(sync, _)| sync.last_success_at);
    let problem = ui_problem.map(|p| p.to_string());
    Ok((state, effects, problem, account))
}

/// An open account's workers.
#[derive(Debug)]
pub struct AccountRuntime {
    pub account: Account,
    /// `None` when the account cannot sync (no server, an unusable credential).
    pub sync: Option<SyncHandle>,
    /// The demo forum's own server (the demo account only), once it runs.
    pub demo: Option<DemoSlot>,
    pub store: StoreWorker,
    /// Where the account's pictures come from (its own origin and `image_origins`).
    pub pictures: super::pictures::PictureSource,
    /// Messages about this account go here (tagged with its index when several are open).
    pub reply: mpsc::UnboundedSender<Msg>,
}

/// Where an account's messages go: straight to the loop with one account, else through a
/// task that tags them with the account's index.
pub fn reply_line(
    reply: &mpsc::UnboundedSender<Msg>,
    index: usize,
    several: bool,
) -> mpsc::UnboundedSender<Msg> {
    if !several {
        return reply.clone();
    }
    let (tagged, mut untagged) = mpsc::unbounded_channel::<Msg>();
    let reply = reply.clone();
    tokio::spawn(async move {
        while let Some(msg) = untagged.recv().await {
            if reply.send(Msg::Account(index, Box::new(msg))).is_err() {
                break;
            }
        }
    });
    tagged
}

/// The account's sync events, passed on to the loop's one line with the account's index
/// (each engine still waits when the loop is behind: the lines are bounded).
fn sync_line(events: &mpsc::Sender<(usize, SyncEvent)>, index: usize) -> mpsc::Sender<SyncEvent> {
    let (tx, mut rx) = mpsc::channel::<SyncEvent>(256);
    let events = events.clone();
    tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            if events.send((index, event)).await.is_err() {
                break;
            }
        }
    });
    tx
}

/// What every account's workers share.
#[derive(Debug)]
pub struct Shared<'a> {
    pub config: &'a Config,
    /// Where `config` came from: `x` writes rules into it.
    pub config_path: &'a std::path::Path,
    /// The data directory: the picture cache is in it.
    pub data_dir: &'a crate::store::DataDir,
    /// The loop's line for messages.
    pub reply: &'a mpsc::UnboundedSender<Msg>,
    /// The loop's line for sync events, each with its account's index.
    pub events: &'a mpsc::Sender<(usize, SyncEvent)>,
    /// More than one account is open: messages are tagged.
    pub several: bool,
}

/// Starts the account's engine (and the demo's server) and its store worker, from the
/// account's read state and view as the first frame showed them. Returns at once: both
/// are built off the reader's loop (the engine on a task, the store's interpreter on the
/// worker's thread), and what is asked of them meanwhile waits in their queues, so keys
/// are answered while several big caches are still being read.
pub fn start(
    account: Account,
    index: usize,
    shown: (crate::model::ReadState, app::UiState),
    index_later: bool,
    shared: &Shared<'_>,
) -> AccountRuntime {
    let Shared {
        config,
        config_path,
        data_dir,
        reply,
        events,
        several,
    } = *shared;
    let reply = reply_line(reply, index, several);
    let demo = account
        .is_demo()
        .then(|| Arc::new(tokio::sync::Mutex::new(None)));
    let sync = (account.is_demo() || account.remote.is_some()).then(|| {
        background::start(
            account.clone(),
            config.ui.clone(),
            sync_line(events, index),
            reply.clone(),
            demo.as_ref(),
        )
    });
    let judging = JudgingHandle::default();
    let rules = config.rule_set_shared();
    judging.change(|j| j.rules = Some((account.name.clone(), rules)));
    let build = {
        let account = account.clone();
        let judging = judging.clone();
        let config_path = config_path.to_owned();
        move || {
            Interpreter::open(&account.dir)
                .sharing_judging(judging)
                .started_from(shown.0, shown.1)
                .reading_later(index_later)
                .queueing_read_marks(account.queues_read_marks())
                .queueing_place_marks(account.queues_place_marks())
                .config_at(&config_path)
                .queueing_inbox_marks(account.queues_inbox_marks())
        }
    };
    let store = StoreWorker::start(account.dir.clone(), judging, build, reply.clone());
    let pictures =
        super::pictures::PictureSource::configured(data_dir, &account, config, reply.clone());
    AccountRuntime {
        account,
        sync,
        demo,
        store,
        pictures,
        reply,
    }
}
