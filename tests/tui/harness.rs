//! Drives the UI state headlessly on the real demo cache in a temp dir: messages go through
//! `update`, and thread loads are carried out against the real store, as the runner would.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use threadmark::app::{Action, Effect, ForumData, LoadedThread, Msg, Startup, State, update};
use threadmark::config::Config;
use threadmark::store::{AccountDir, Cache, DataDir, UiState, ensure_demo};

pub struct Harness {
    pub state: State,
    pub dir: AccountDir,
    /// Effects other than thread loads, in order.
    pub effects: Vec<Effect>,
    _temp: tempfile::TempDir,
}

impl Harness {
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
        let (state, effects) = State::new(Startup {
            account: "demo".into(),
            is_demo: true,
            data: forum_data,
            ui,
            config,
            size: (width, height),
        });
        let mut harness = Self {
            state,
            dir,
            effects: Vec::new(),
            _temp: temp,
        };
        harness.run_effects(effects);
        harness
    }

    pub fn send(&mut self, msg: Msg) {
        let effects = update(&mut self.state, msg);
        self.run_effects(effects);
    }

    fn run_effects(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            if let Effect::LoadThread(id) = &effect {
                let file = Cache::open(self.dir.clone())
                    .load_thread(id)
                    .unwrap()
                    .unwrap();
                self.send(Msg::ThreadLoaded(Box::new(LoadedThread::parse(file))));
            } else {
                self.effects.push(effect);
            }
        }
    }

    pub fn act(&mut self, action: Action) {
        self.send(Msg::Action(action));
    }

    /// Types keys: plain characters, or `<name>` for named keys (`<enter>`, `<esc>`, `<tab>`).
    pub fn keys(&mut self, text: &str) {
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if c == '<'
                && let Some(end) = rest.find('>')
            {
                let code = match &rest[1..end] {
                    "enter" => KeyCode::Enter,
                    "esc" => KeyCode::Esc,
                    "tab" => KeyCode::Tab,
                    "down" => KeyCode::Down,
                    "up" => KeyCode::Up,
                    "backspace" => KeyCode::Backspace,
                    other => panic!("unknown key <{other}>"),
                };
                self.send(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
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
            .clone()
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
