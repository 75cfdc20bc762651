//! Drives the UI state headlessly on the real demo cache in a temp dir: messages go through
//! `update`, and disk work is carried out by the runner's own effect interpreter against
//! the real store, inline.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::{SignedDuration, Timestamp};
use threadmark::app::UiState;
use threadmark::app::input::keymap::Key;
use threadmark::app::{Action, Effect, Msg, Startup, State, update};
use threadmark::config::Config;
use threadmark::model::ForumData;
use threadmark::runner::interpreter::{Interpreter, Work};
use threadmark::store::{AccountDir, Cache, DataDir, ensure_demo};

/// The seed of the ids the UI makes (drafts, outbox keys) in tests.
pub const ID_SEED: u64 = 14;

/// What the first state of [`Harness::demo_index_later`] showed, before the index came.
pub struct FirstState {
    pub thread_rows: usize,
    pub areas: usize,
    /// Each area's unread count as the first frame shows it, by area id.
    pub area_unread: std::collections::BTreeMap<String, u32>,
    /// The forum's unread count as the status line shows it (`None`: not shown, not known
    /// yet).
    pub total_unread: Option<u32>,
    pub notice: Option<String>,
    /// The status line says the thread list is loading.
    pub loading: bool,
    /// The status line of the first frame, as text.
    pub status_line: String,
    /// What the reader would have saved in `ui.json` then.
    pub ui: UiState,
}

pub struct Harness {
    pub state: State,
    pub dir: AccountDir,
    /// Every effect `update` returned, in order (disk work included: it is also done).
    pub effects: Vec<Effect>,
    /// The time the next message comes at; each message moves it on by a millisecond.
    pub clock: Timestamp,
    core: Interpreter,
    _temp: tempfile::TempDir,
}

impl Harness {
    /// The screen as drawn now, into a test backend of the state's size, default theme.
    pub fn render(&self) -> ratatui::buffer::Buffer {
        render(&self.state)
    }

    /// The screen as text, one string per row.
    pub fn screen_lines(&self) -> Vec<String> {
        lines_of(&self.render())
    }

    /// The screen as text, rows joined by newlines.
    pub fn screen(&self) -> String {
        self.screen_lines().join("\n")
    }

    pub fn demo(width: u16, height: u16) -> Self {
        Self::demo_with(width, height, &Config::default(), UiState::default())
    }

    pub fn demo_with(width: u16, height: u16, config: &Config, ui: UiState) -> Self {
        let temp = tempfile::tempdir().unwrap();
        let data = DataDir::new(temp.path());
        ensure_demo(&data).unwrap();
        let dir = data.account("demo");
        let mut cache = Cache::open(dir.clone());
        let forum_data = ForumData {
            forum: cache.load_forum().unwrap().unwrap(),
            threads: cache.load_index().unwrap(),
            read: cache.load_read_state().unwrap(),
        };
        assert!(cache.take_problems().is_empty());
        Self::start(temp, dir, forum_data, ui, config, (width, height))
    }

    /// The demo as the reader starts on a cache whose thread index is large: the first
    /// state has the sections and areas only (`first`), and the index comes as the answer
    /// to the effect that asks for it.
    pub fn demo_index_later(ui: &UiState) -> (Self, FirstState) {
        let temp = tempfile::tempdir().unwrap();
        let data = DataDir::new(temp.path());
        ensure_demo(&data).unwrap();
        let dir = data.account("demo");
        Self::index_later(temp, dir, ui)
    }

    /// The reader's start on the cache in `dir` as on a big one (see
    /// `threadmark::runner::start_tree`): the forum tree and each area's unread posts from
    /// the tree index (when current), no thread and no read state; they come as the
    /// answer to the effect that asks for the index, with the read state.
    pub fn index_later(
        temp: tempfile::TempDir,
        dir: AccountDir,
        ui: &UiState,
    ) -> (Self, FirstState) {
        let mut cache = Cache::open(dir.clone());
        let places = threadmark::store::load_places(&dir).unwrap();
        let rolled_up = threadmark::runner::start_tree::rolled_up(&mut cache, &places).unwrap();
        let forum_data = ForumData {
            forum: cache.load_forum().unwrap().unwrap(),
            threads: Vec::new(),
            read: threadmark::model::ReadState::default(),
        };
        let (mut state, mut effects) = State::new(Startup {
            account: "demo".into(),
            is_demo: true,
            signed_in: true,
            data: forum_data,
            ui: ui.clone(),
            config: &Config::default(),
            size: (120, 40),
            now: Timestamp::now(),
            id_seed: ID_SEED,
        });
        effects.extend(threadmark::runner::start_tree::wait_for_index(
            &mut state, ui, rolled_up,
        ));
        let first = FirstState {
            thread_rows: state
                .tree
                .nodes()
                .iter()
                .filter(|n| n.thread_id().is_some())
                .count(),
            areas: state
                .tree
                .nodes()
                .iter()
                .filter(|n| n.kind == threadmark::app::tree::model::NodeKind::Area)
                .count(),
            area_unread: state
                .tree
                .nodes()
                .iter()
                .filter(|n| n.kind == threadmark::app::tree::model::NodeKind::Area)
                .map(|n| (n.key.trim_start_matches("a:").to_owned(), n.unread))
                .collect(),
            total_unread: threadmark::app::start_index::shown_unread(&state),
            loading: state.index_wait.is_some(),
            status_line: lines_of(&render(&state)).pop().unwrap_or_default(),
            notice: state.status.notice.as_ref().map(|n| n.text.clone()),
            ui: state.ui_snapshot(),
        };
        let clock = state.now;
        let mut harness = Self {
            state,
            core: Interpreter::open(&dir)
                .started_from(threadmark::model::ReadState::default(), first.ui.clone())
                .reading_later(true),
            dir,
            effects: Vec::new(),
            clock,
            _temp: temp,
        };
        harness.run_effects(effects);
        (harness, first)
    }

    /// An account with a server (none runs: the UI is driven alone), its cache holding
    /// the demo forum, its drafts and outbox real folders in a temp dir.
    pub fn remote(width: u16, height: u16) -> Self {
        Self::remote_with(width, height, |_, _| Vec::new())
    }

    /// [`Harness::remote`] with its forum and threads changed by `shape` (given the demo's
    /// cache to copy from) before the reader starts; the threads it returns are cached too.
    pub fn remote_with(
        width: u16,
        height: u16,
        shape: impl FnOnce(&mut ForumData, &mut Cache) -> Vec<threadmark::model::Thread>,
    ) -> Self {
        let temp = tempfile::tempdir().unwrap();
        let data = DataDir::new(temp.path());
        ensure_demo(&data).unwrap();
        let mut demo = Cache::open(data.account("demo"));
        let dir = data.account("work");
        let work = Cache::open(dir.clone());
        let forum = demo.load_forum().unwrap().unwrap();
        let threads = demo.load_index().unwrap();
        work.save_forum(&forum).unwrap();
        for thread in &threads {
            work.save_thread(&demo.load_thread(&thread.id).unwrap().unwrap())
                .unwrap();
        }
        work.save_index(&threads).unwrap();
        let mut forum_data = ForumData {
            forum,
            threads,
            read: threadmark::model::ReadState::default(),
        };
        for thread in shape(&mut forum_data, &mut demo) {
            work.save_thread(&thread).unwrap();
        }
        work.save_forum(&forum_data.forum).unwrap();
        work.save_index(&forum_data.threads).unwrap();
        Self::start_as(
            "work",
            temp,
            dir,
            forum_data,
            UiState::default(),
            &Config::default(),
            (width, height),
        )
    }

    fn start(
        temp: tempfile::TempDir,
        dir: AccountDir,
        forum_data: ForumData,
        ui: UiState,
        config: &Config,
        size: (u16, u16),
    ) -> Self {
        Self::start_as("demo", temp, dir, forum_data, ui, config, size)
    }

    fn start_as(
        account: &str,
        temp: tempfile::TempDir,
        dir: AccountDir,
        forum_data: ForumData,
        ui: UiState,
        config: &Config,
        size: (u16, u16),
    ) -> Self {
        let (state, effects) = State::new(Startup {
            account: account.into(),
            is_demo: account == "demo",
            signed_in: true,
            data: forum_data,
            ui,
            config,
            size,
            now: Timestamp::now(),
            id_seed: ID_SEED,
        });
        let clock = state.now;
        let mut harness = Self {
            state,
            core: Interpreter::open(&dir),
            dir,
            effects: Vec::new(),
            clock,
            _temp: temp,
        };
        harness.run_effects(effects);
        harness
    }

    /// The account sends its read state (`read_sync` on, a login): marks, watch levels and
    /// bookmarks, and inbox items marked read, are queued in `marks/` for the server as well.
    pub fn queueing_read_marks(&mut self) {
        self.core = Interpreter::open(&self.dir)
            .queueing_read_marks(true)
            .queueing_place_marks(true)
            .queueing_inbox_marks(true);
    }

    /// The runner's start with `[[rules]]` in the config: the store worker runs them over
    /// the cached threads with the index, for the tree's counts.
    pub fn judging_at_start(&mut self, config: &Config) {
        let core = std::mem::replace(&mut self.core, Interpreter::open(&self.dir));
        self.core = core.judging(&self.state.status.account, config.rule_set_shared());
        self.run_effects(vec![Effect::LoadIndex]);
    }

    /// The reader writes the rules of `x` into `path` (the config it started from).
    pub fn config_file(&mut self, path: &std::path::Path) {
        let core = std::mem::replace(&mut self.core, Interpreter::open(&self.dir));
        self.core = core.config_at(path);
    }

    pub fn send(&mut self, msg: Msg) {
        self.clock += SignedDuration::from_millis(1);
        let effects = update(&mut self.state, msg, self.clock);
        self.run_effects(effects);
    }

    /// Carries out effects as the runner would: disk work through the runner's interpreter
    /// against the real cache and folders, its answers sent on at once; every effect is
    /// also kept in `effects` for the test to check.
    pub fn run_effects(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            self.effects.push(effect.clone());
            if let Work::Disk(job) = Work::from(effect) {
                for msg in self.core.run(job) {
                    self.send(msg);
                }
            }
        }
    }

    /// Sends `msg` and gives back its effects without carrying them out (they are kept in
    /// `effects` too): the test runs them with `answers`, choosing what happens meanwhile.
    pub fn send_held(&mut self, msg: Msg) -> Vec<Effect> {
        self.clock += SignedDuration::from_millis(1);
        let effects = update(&mut self.state, msg, self.clock);
        self.effects.extend(effects.iter().cloned());
        effects
    }

    /// What the runner's interpreter answers to one disk effect, not sent on yet (none for
    /// an effect of the runner's own).
    pub fn answers(&mut self, effect: Effect) -> Vec<Msg> {
        match Work::from(effect) {
            Work::Disk(job) => self.core.run(job),
            Work::Shell(_) => Vec::new(),
        }
    }

    pub fn act(&mut self, action: Action) {
        self.send(Msg::Action(action));
    }

    /// Types keys: plain characters, or `<name>` for named keys in keymap syntax (`<enter>`,
    /// `<esc>`, `<tab>`, `<ctrl-s>`).
    pub fn keys(&mut self, text: &str) {
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if c == '<'
                && let Some(end) = rest.find('>')
                && end > 1
            {
                let name = &rest[1..end];
                let key = Key::parse(name).unwrap_or_else(|| panic!("unknown key <{name}>"));
                self.send(Msg::Key(KeyEvent::new(key.code, key.modifiers)));
                rest = &rest[end + 1..];
            } else {
                self.send(Msg::Key(KeyEvent::new(
                    KeyCode::Char(c),
                    KeyModifiers::NONE,
                )));
                rest = &rest[c.len_utf8()..];
            }
        }
    }

    /// The server turns read-only with a one-line banner `maintenance-7`, as a status
    /// from the sync engine says.
    pub fn server_goes_read_only_with_a_banner(&mut self) {
        use threadmark::sync::{Connection, SyncEvent, SyncStatus};
        self.send(Msg::Sync(SyncEvent::Status(SyncStatus {
            connection: Connection::ReadOnly,
            last_success_at: None,
            outbox_pending: 0,
            banner: Some(threadmark::model::Banner {
                id: "maintenance-7".into(),
                severity: threadmark::model::Severity::Warning,
                text: "Logins are disabled during the gray-out".into(),
                starts_at: None,
                ends_at: None,
                links: Vec::new(),
            }),
            outbox_note: None,
        })));
    }

    /// Every area asks for `count` tags on a new thread (Discourse's
    /// `minimum_required_tags`).
    pub fn require_tags_everywhere(&mut self, count: u32) {
        for area in self
            .state
            .data
            .forum
            .sections
            .iter_mut()
            .flat_map(|s| s.areas.iter_mut())
        {
            area.required_tags = count;
        }
    }

    /// Selects the Advocacy thread in the tree and opens it.
    pub fn open_advocacy(&mut self) {
        self.act(Action::Bottom);
        assert_eq!(
            self.state.tree.selected().unwrap().key,
            "t:advocacy-1",
            "the demo's last row is its thread"
        );
        self.act(Action::Open);
        assert!(self.state.reader.open.is_some());
    }

    /// The author of the current post.
    pub fn current_author(&self) -> String {
        let open = self.state.reader.open.as_ref().unwrap();
        open.post(self.state.reader.current)
            .unwrap()
            .author
            .name
            .to_string()
    }

    pub fn current_seq(&self) -> u32 {
        let open = self.state.reader.open.as_ref().unwrap();
        open.post(self.state.reader.current).unwrap().seq
    }

    pub fn unread(&self) -> u32 {
        self.state.tree.total_unread()
    }

    pub fn notice(&self) -> String {
        self.state
            .status
            .notice
            .as_ref()
            .map(|n| n.text.clone())
            .unwrap_or_default()
    }
}

/// A drawn buffer as text, one string per row.
/// `state` drawn into a test backend of its size, default theme.
pub fn render(state: &State) -> ratatui::buffer::Buffer {
    let (w, rows) = state.size;
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, rows)).unwrap();
    let (theme, _) = threadmark::ui::Theme::load(&toml::Table::new(), false);
    terminal
        .draw(|f| threadmark::ui::draw(f, state, &theme))
        .unwrap();
    terminal.backend().buffer().clone()
}

pub fn lines_of(buffer: &ratatui::buffer::Buffer) -> Vec<String> {
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect()
        })
        .collect()
}
