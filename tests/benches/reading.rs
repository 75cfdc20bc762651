//! Reading a 2,001-post thread of the 100k-post forum at 200×50: opening it from the cache
//! (read, parse, lay out, draw), and key press → frame for scrolling, next post and folding.

use crate::fixtures::{self, ACCOUNT, Fixture};
use crate::samples::{Filter, Samples, ms, report};
use criterion::Criterion;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};
use threadmark::account::Setup;
use threadmark::app::UiState;
use threadmark::app::{Action, Effect, LoadedThread, Msg, Startup, State, update};
use threadmark::model::ForumData;
use threadmark::model::ThreadId;
use threadmark::store::{AccountDir, Cache};
use threadmark::ui::{self, Theme};

/// The reader as the runner holds it: state, theme, a 200×50 screen, the cache folder.
pub struct Reader {
    pub state: State,
    theme: Theme,
    terminal: Terminal<TestBackend>,
    pub dir: AccountDir,
}

impl Reader {
    pub fn start(fixture: &Fixture) -> Self {
        let setup = Setup::load(Some(&fixture.config), Some(&fixture.data)).unwrap();
        let account = setup.account(Some(ACCOUNT)).unwrap();
        let mut cache = Cache::open(account.dir.clone());
        let data = ForumData {
            forum: account.load_forum(&mut cache).unwrap(),
            threads: cache.load_index().unwrap(),
            read: cache.load_read_state().unwrap(),
        };
        let (state, _) = State::new(Startup {
            account: ACCOUNT.into(),
            is_demo: false,
            signed_in: true,
            data,
            ui: UiState::default(),
            config: &setup.config,
            size: (200, 50),
            now: jiff::Timestamp::now(),
            id_seed: 0,
        });
        Self {
            state,
            theme: Theme::load(&setup.config.theme, false).0,
            terminal: Terminal::new(TestBackend::new(200, 50)).unwrap(),
            dir: account.dir,
        }
    }

    /// One message through `update`, thread loads carried out as the runner does, then
    /// one frame drawn.
    pub fn send(&mut self, msg: Msg) {
        let mut pending = vec![msg];
        while let Some(msg) = pending.pop() {
            for effect in update(&mut self.state, msg, jiff::Timestamp::now()) {
                if let Effect::LoadThread(id) = effect {
                    let file = Cache::open(self.dir.clone())
                        .load_thread(&id)
                        .unwrap()
                        .unwrap();
                    pending.push(Msg::ThreadLoaded(Box::new(LoadedThread::parse(file))));
                }
            }
        }
        let (state, theme) = (&self.state, &self.theme);
        self.terminal
            .draw(|frame| ui::draw(frame, state, theme))
            .unwrap();
    }

    /// Selects `thread` in the tree and presses enter on it.
    pub fn open(&mut self, thread: &ThreadId) {
        let node = self.state.tree.thread_position(thread).unwrap();
        self.state.tree.select_node(node);
        self.send(Msg::Action(Action::Open));
        assert_eq!(self.state.reader.thread_id(), Some(thread));
    }

    /// Back to the tree with no thread open, so the next open reads it again.
    fn close(&mut self) {
        self.state.reader = threadmark::app::reader::Reader::default();
        self.send(Msg::Action(Action::FocusTree));
    }
}

pub fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

pub fn bench(c: &mut Criterion, filter: &Filter) {
    let fixture = fixtures::client_cache(100_000);
    let long = fixture.forum.long_thread.clone().unwrap();
    let mut reader = Reader::start(&fixture);

    if filter.wants("open") {
        let mut samples = Samples::default();
        c.bench_function("open_cached_thread/2001_posts", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    reader.close();
                    let started = Instant::now();
                    reader.open(&long);
                    let took = started.elapsed();
                    samples.push(took);
                    total += took;
                }
                total
            });
        });
        let median = samples.percentile(50);
        report(
            "open a cached 2,001-post thread (median)",
            &ms(median),
            "< 50 ms",
            median < Duration::from_millis(50),
        );
    }

    if filter.wants("keys") {
        reader.close();
        reader.open(&long);
        let mut worst = Duration::ZERO;
        for (name, k) in [("scroll_j", 'j'), ("next_post_J", 'J'), ("fold_z", 'z')] {
            let mut samples = Samples::default();
            c.bench_function(&format!("keys_to_frame/{name}"), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        if reader.state.reader.current + 1 >= reader_posts(&reader) {
                            reader.send(key('g'));
                            reader.send(key('g'));
                        }
                        let started = Instant::now();
                        reader.send(key(k));
                        let took = started.elapsed();
                        samples.push(took);
                        total += took;
                    }
                    total
                });
            });
            let (p50, p99) = (samples.percentile(50), samples.percentile(99));
            println!(
                "key → frame, {name}: p50 {}, p99 {} over {} presses",
                ms(p50),
                ms(p99),
                samples.len()
            );
            worst = worst.max(p99);
        }
        report(
            "key press → frame, 2,001-post thread, 200×50 (worst p99)",
            &ms(worst),
            "p99 < 5 ms",
            worst < Duration::from_millis(5),
        );
    }
}

fn reader_posts(reader: &Reader) -> usize {
    reader
        .state
        .reader
        .open
        .as_ref()
        .map_or(0, |o| o.order.len())
}
