//! The UI state, split per part of the screen; `update` changes it, the drawing code reads it.

use crate::app::banner::BannerState;
use crate::app::compose::composer::Composer;
use crate::app::fresh::FreshIds;
use crate::app::geometry::{self, Focus, Geometry};
use crate::app::input::keymap::{Context, Key, Keymap};
use crate::app::lists::drafts::DraftList;
use crate::app::lists::outbox::OutboxList;
use crate::app::msg::{Effect, StoreJob};
use crate::app::reader::model::Reader;
use crate::app::reader::read_marks::ReadMarks;
use crate::app::view_memory::UiState;
use crate::config::Config;
use crate::model::{ForumData, ThreadId};
use crate::sync::protocol::Connection;
use jiff::Timestamp;

/// What the status line reports about the account and its connection.
#[derive(Debug)]
pub struct StatusInfo {
    pub account: String,
    /// The bundled demo forum, served by its own server in this process (the demo key
    /// switches it open → read-only → unreachable).
    pub demo: bool,
    /// A credential is stored (or the demo's own): writes can be sent once the server is
    /// reachable. Without one they wait for `threadmark login`.
    pub signed_in: bool,
    /// As the sync engine last reported it (`Idle` until it does).
    pub connection: Connection,
    pub last_sync: Option<Timestamp>,
    /// Why the outbox is not draining, when the engine says so.
    pub outbox_note: Option<String>,
    /// A one-line note (an action's outcome, a problem); cleared by the next key.
    pub notice: Option<Notice>,
    /// Entities the server sent that could not be read and were set aside since start.
    pub skipped: u32,
    /// Unread inbox items (replies, mentions, quotes, messages) on the account.
    pub inbox_unread: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
    /// True while what it says is about to change by itself ("syncing now", "it goes out
    /// now"): the sync engine's next news clears it, not only the next key.
    pub until_sync_news: bool,
}

/// A pop-up over the panes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Overlay {
    #[default]
    None,
    Help {
        scroll: usize,
    },
    /// The current post's links; `selected` indexes them.
    Links {
        selected: usize,
    },
    /// The outbox list; `confirm` while asking whether to discard the selected entry.
    Outbox {
        selected: usize,
        confirm: bool,
    },
    /// The drafts list; `offered` when shown at start to resume drafts left from last
    /// time; `confirm` while asking whether to delete the selected draft.
    Drafts {
        selected: usize,
        confirm: bool,
        offered: bool,
    },
    /// An edit (or deletion) of ours in conflict with a newer version on the server: both
    /// texts, and the choice (the entry's key is `reader.conflict`). `confirm` while asking
    /// whether to take theirs.
    Conflict {
        scroll: usize,
        confirm: bool,
    },
    /// The earlier versions of a post (`reader.revisions`).
    Revisions {
        scroll: usize,
    },
    /// The account's bookmarks (`'`); `selected` indexes them.
    Bookmarks {
        selected: usize,
    },
    /// The account's inbox (`i`); `selected` indexes its items.
    Inbox {
        selected: usize,
    },
    /// The hits of a search over the account (`S`); `selected` indexes them.
    SearchResults {
        selected: usize,
    },
}

pub use crate::app::input::prompt::{Prompt, PromptHistory, PromptKind};

/// Keys typed so far of a multi-key sequence.
#[derive(Debug, Default)]
pub struct KeyInput {
    pub keymap: Keymap,
    pub pending: Vec<Key>,
}

/// Settings from config.toml that the UI uses.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub mouse: bool,
    pub tree_width: u16,
    /// The widest the reader's text runs (0: the whole pane).
    pub text_width: u16,
    /// Link text is drawn as OSC 8 hyperlinks. `hyperlinks = "auto"` starts off here; the
    /// runner settles it from the environment before the first frame.
    pub hyperlinks: bool,
}

#[derive(Debug)]
pub struct State {
    pub data: ForumData,
    pub tree: crate::app::tree::model::TreeModel,
    pub reader: Reader,
    pub focus: Focus,
    pub overlay: Overlay,
    pub prompt: Option<Prompt>,
    /// What the filter and search prompts ran, for ↑ and an empty enter.
    pub prompt_history: PromptHistory,
    pub banner: BannerState,
    pub status: StatusInfo,
    /// The reply or thread being written, if any; it covers the reader pane.
    pub composer: Option<Composer>,
    /// The outbox as last read from disk.
    pub outbox: OutboxList,
    /// Unsent drafts as last read from disk.
    pub drafts: DraftList,
    pub keys: KeyInput,
    pub marks: ReadMarks,
    pub settings: Settings,
    /// Terminal size in columns and rows.
    pub size: (u16, u16),
    pub quitting: bool,
    /// When the message being handled came (given to `update` with it).
    pub now: Timestamp,
    /// Ids for the drafts and outbox entries the user creates.
    pub ids: FreshIds,
    /// The forum's own web pages (`gO`); the runner tells it at start.
    pub web: crate::app::web::WebSite,
    /// The start did not wait for the thread index: what to restore when it comes.
    pub index_wait: Option<crate::app::start_index::IndexWait>,
    /// What the account's server kind can do beyond replying (edit, delete, like); the
    /// runner tells it at start.
    pub capabilities: crate::model::Capabilities,
    /// Who the account signs in as, when known: tells the user's own posts.
    pub me: Option<crate::model::Me>,
    /// The account's watch levels and bookmarks, as `places.json` last said.
    pub places: crate::model::Places,
    /// The bookmarks list (`'`).
    pub bookmarks: crate::app::lists::BookmarkList,
    /// The `[[rules]]` of config.toml: the open thread is judged by them as it loads.
    pub rules: std::sync::Arc<crate::model::RuleSet>,
    /// The Inbox list (`i`).
    pub inbox: crate::app::lists::InboxList,
    /// Views (`V`), quick rules (`x`) and what `read` rules marked.
    pub rules_ui: crate::app::rules_ui::RulesUi,
    /// The last search over the account (`S`) and its hits.
    pub search_results: crate::app::lists::search_results::SearchResults,
    /// The saved-search folders shown in the tree.
    pub folders: crate::app::tree::folders::Folders,
    /// The other accounts open in this reader, and which one is in focus (the fields
    /// above are the focused account's).
    pub accounts: crate::app::accounts::Accounts,
}

/// Everything the UI starts from.
#[derive(Debug)]
pub struct Startup<'a> {
    pub account: String,
    pub is_demo: bool,
    /// A credential is stored for the account (always true for the demo).
    pub signed_in: bool,
    pub data: ForumData,
    pub ui: UiState,
    pub config: &'a Config,
    pub size: (u16, u16),
    /// The time at start; each message then brings its own.
    pub now: Timestamp,
    /// Seeds the ids of what the user creates (the runner draws it at random).
    pub id_seed: u64,
}

/// The status line's word on the `[keys]` overrides that were refused: one line has room
/// for one; the runner logs them all.
fn keymap_notice<W: std::fmt::Display>(warnings: &[W]) -> Option<Notice> {
    warnings.first().map(|w| Notice {
        text: match warnings.len() - 1 {
            0 => format!("config.toml: {w}"),
            more => format!("config.toml: {w} (and {more} more, in the log)"),
        },
        error: true,
        until_sync_news: false,
    })
}

impl State {
    /// The first state, painted from the cache alone; the effects reopen the thread that
    /// was open last time.
    pub fn new(startup: Startup<'_>) -> (Self, Vec<Effect>) {
        let Startup {
            account,
            is_demo,
            signed_in,
            data,
            ui,
            config,
            size,
            now,
            id_seed,
        } = startup;
        let rules_ui = crate::app::rules_ui::RulesUi::remembered(&ui);
        let tree = crate::app::rules_ui::build_tree(
            &data.forum,
            &data.threads,
            &data.read,
            &crate::app::judged::ThreadCounts::default(),
            &rules_ui.views,
            ui.collapsed.clone(),
            ui.selected.as_deref(),
        );
        let (keymap, warnings) = Keymap::with_overrides(&config.keys);
        let notice = keymap_notice(&warnings);
        let banner = BannerState::new(data.forum.announcement.clone(), ui.dismissed_banners);
        let account_name = account.clone();
        let mut state = Self {
            data,
            tree,
            reader: Reader::default(),
            focus: Focus::Tree,
            overlay: Overlay::None,
            prompt: None,
            prompt_history: PromptHistory::default(),
            banner,
            status: StatusInfo {
                account,
                demo: is_demo,
                signed_in,
                connection: Connection::Idle,
                last_sync: None,
                outbox_note: None,
                notice,
                skipped: 0,
                inbox_unread: 0,
            },
            composer: None,
            outbox: OutboxList::default(),
            drafts: DraftList::default(),
            keys: KeyInput {
                keymap,
                pending: Vec::new(),
            },
            marks: ReadMarks::default(),
            settings: Settings {
                mouse: config.ui.mouse,
                tree_width: config.ui.tree_width,
                text_width: config.ui.text_width,
                hyperlinks: config.ui.hyperlinks == crate::config::Hyperlinks::On,
            },
            size,
            quitting: false,
            now,
            ids: FreshIds::new(id_seed),
            web: crate::app::web::WebSite::default(),
            index_wait: None,
            capabilities: crate::model::Capabilities::default(),
            me: None,
            places: crate::model::Places::default(),
            bookmarks: crate::app::lists::BookmarkList::default(),
            rules: config.rule_set_shared(),
            inbox: crate::app::lists::InboxList::default(),
            rules_ui,
            search_results: crate::app::lists::search_results::SearchResults::default(),
            folders: crate::app::tree::folders::Folders::of(config, &account_name),
            accounts: crate::app::accounts::Accounts::default(),
        };
        state.reader.pictures =
            crate::app::reader::pictures::Pictures::new(config.ui.images, config.ui.image_max_rows);
        let mut effects = vec![
            Effect::Store(StoreJob::LoadOutbox),
            Effect::Store(StoreJob::LoadDrafts { offer: true }),
            Effect::Store(StoreJob::LoadPlaces),
            Effect::Store(StoreJob::LoadInbox),
        ];
        crate::app::tree::folders::ask(&state, &mut effects);
        if let Some(id) = ui.open_thread.map(ThreadId::new)
            && state.data.threads.iter().any(|t| t.id == id)
        {
            state.reader.requested = Some(id.clone());
            effects.push(Effect::LoadThread(id));
        }
        state.sync_view();
        (state, effects)
    }

    /// Where everything is on screen now. The composer takes the reader's place, so on a
    /// narrow terminal it is the pane shown.
    pub fn geometry(&self) -> Geometry {
        let mut g = geometry::compute(geometry::LayoutInput {
            size: self.size,
            banner_rows: self.banner.rows(self.size.0),
            tree_width: self.settings.tree_width,
            text_width: self.settings.text_width,
            focus: if self.composer.is_some() {
                Focus::Reader
            } else {
                self.focus
            },
        });
        crate::app::accounts::fit(&mut g, &self.accounts);
        g
    }

    /// Fits the panes' models to the screen: the reader's wrap width and height, the tree's
    /// scroll. Called after every change.
    pub fn sync_view(&mut self) {
        let g = self.geometry();
        self.reader.resize(
            usize::from(g.reader_body.width),
            usize::from(g.reader_body.height),
        );
        self.tree
            .keep_selection_visible(usize::from(g.tree_list.height));
        self.accounts.all.keep_selection_visible(g.all_list.height);
    }

    /// Where keys go now, for lookups and the help's order.
    pub fn key_context(&self) -> Context {
        match self.overlay {
            Overlay::Outbox { .. } => Context::Outbox,
            Overlay::Drafts { .. } => Context::Drafts,
            Overlay::Conflict { .. } => Context::Conflict,
            Overlay::Bookmarks { .. } => Context::Bookmarks,
            Overlay::Inbox { .. } => Context::Inbox,
            Overlay::SearchResults { .. } => Context::Results,
            _ if self.composer.is_some() => Context::Composer,
            _ => match self.focus {
                Focus::Tree => Context::Tree,
                Focus::Reader => Context::Reader,
            },
        }
    }

    /// Is the reader on screen (both panes, or the reader alone)?
    pub fn reader_shown(&self) -> bool {
        let g = self.geometry();
        g.reader_body.width > 0 && g.reader_body.height > 0
    }

    /// What `ui.json` keeps.
    pub fn ui_snapshot(&self) -> UiState {
        UiState {
            collapsed: self.tree.collapsed_keys().clone(),
            selected: crate::app::start_index::selection(self),
            open_thread: self
                .reader
                .thread_id()
                .or(self.reader.requested.as_ref())
                .or(self
                    .index_wait
                    .as_ref()
                    .and_then(|w| w.open_thread.as_ref()))
                .map(|id| id.as_str().to_owned()),
            dismissed_banners: self.banner.dismissed().clone(),
            views: self.rules_ui.views.to_names(),
        }
    }

    pub fn notice(&mut self, text: impl Into<String>) {
        self.status.notice = Some(Notice {
            text: text.into(),
            error: false,
            until_sync_news: false,
        });
    }

    /// A notice about something the sync engine is about to do; its next news (a new
    /// connection state, an outbox change) replaces it with the status line's own facts.
    pub fn notice_until_sync_news(&mut self, text: impl Into<String>) {
        self.status.notice = Some(Notice {
            text: text.into(),
            error: false,
            until_sync_news: true,
        });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.status.notice = Some(Notice {
            text: text.into(),
            error: true,
            until_sync_news: false,
        });
    }

    /// The sync engine has news: a notice that was only about to come true gives way.
    pub fn sync_news_arrived(&mut self) {
        if self
            .status
            .notice
            .as_ref()
            .is_some_and(|n| n.until_sync_news)
        {
            self.status.notice = None;
        }
    }
}
