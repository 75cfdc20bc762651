//! The full-screen reader's runner: owns the terminal and the state, `select!`s over terminal
//! events, sync events, effect results, signals and the frame deadline, and draws only when
//! something changed — at most one frame per [`FRAME`].

mod background;
mod browser;
mod editor;
mod export;
mod inbox;
pub mod interpreter;
pub mod judging;
pub mod notify;
mod pictures;
mod places;
pub mod query;
mod rule_writes;
pub mod start_tree;
mod state_files;
mod store_worker;
mod terminal;

use crate::account::Account;
use crate::app::{self, Effect, Msg, Startup, State, StoreJob};
use crate::config::{Config, Hyperlinks};
use crate::demo_server::DemoServer;
use crate::model::ForumData;
use crate::store::{DataDir, StoreError, load_ui_state};
use crate::sync::{SyncCommand, SyncEvent};
use crate::ui::{self, Theme};
use background::SyncHandle;
use crossterm::event::{Event, EventStream, MouseEventKind};
use futures::StreamExt;
use interpreter::{Interpreter, Job, Work};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{self, IsTerminal};
use std::sync::Arc;
use std::time::Duration;
use store_worker::StoreWorker;
use terminal::TerminalGuard;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

/// Shortest time between two frames: bursts of events are drawn once.
pub const FRAME: Duration = Duration::from_millis(10);
/// Read state, `ui.json` and the open draft are saved at most this long after a change
/// (and on exit).
const SAVE_DELAY: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error(
        "the full-screen reader needs a terminal; in scripts and pipes use \
         `threadmark tree`, `threadmark read <thread>` or `threadmark search <words>`"
    )]
    NotATerminal,
    #[error("terminal: {0}")]
    Terminal(#[from] io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the reader starts from: the loaded config and account, and the cache as read.
#[derive(Debug)]
pub struct Launch<'a> {
    pub config: &'a Config,
    /// Where `config` came from: `x` writes rules into it.
    pub config_path: &'a std::path::Path,
    pub data_dir: &'a DataDir,
    pub account: &'a Account,
    pub data: ForumData,
    /// `data` has no threads and no read state yet: the index is large, and both are
    /// loaded after the first frame.
    pub index_later: bool,
    /// Meanwhile, each area's unread posts (from the tree index), when known.
    pub rolled_up: Option<std::collections::HashMap<crate::model::AreaId, u32>>,
    /// Why logging is off, when it is (shown once in the status line).
    pub log_problem: Option<String>,
}

/// Runs the reader until the user quits (or a signal ends it). The terminal is restored
/// before this returns, whatever happened.
pub fn run(launch: Launch<'_>) -> Result<(), TuiError> {
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        return Err(TuiError::NotATerminal);
    }
    // The sync engine's cache writes run on the worker, never between two frames.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let result = runtime.block_on(run_loop(launch));
    if let Err(e) = &result {
        tracing::error!("reader stopped: {e}");
    }
    result
}

/// The runner's own state besides `State`: debounced saves, the frame clock, a pending stop.
struct Pending {
    saves: Saves,
    dirty: bool,
    next_frame: Instant,
    quit: bool,
    suspend: bool,
    /// Text to hand to the external editor.
    edit: Option<String>,
    /// A command to pipe a post to, on the terminal.
    pipe: Option<export::Pipe>,
}

impl Pending {
    /// Nothing pending but the first frame.
    fn new() -> Self {
        Self {
            saves: Saves::default(),
            dirty: true,
            next_frame: Instant::now(),
            quit: false,
            suspend: false,
            edit: None,
            pipe: None,
        }
    }
}

/// Files to write once the debounce delay has passed.
#[derive(Default)]
struct Saves {
    read: bool,
    ui: bool,
    /// The composer's text changed since its draft was last saved.
    draft: bool,
    at: Option<Instant>,
}

impl Saves {
    fn schedule(&mut self) {
        self.at.get_or_insert_with(|| Instant::now() + SAVE_DELAY);
    }
}

/// Everything the loop owns.
struct Runner {
    state: State,
    theme: Theme,
    terminal: Terminal<CrosstermBackend<io::Stdout>>,
    guard: TerminalGuard,
    reply: mpsc::UnboundedSender<Msg>,
    pending: Pending,
    sync: Option<SyncHandle>,
    /// The demo forum's own server (the demo account only).
    demo: Option<Arc<tokio::sync::Mutex<DemoServer>>>,
    store: StoreWorker,
    /// The log lost lines (a full disk) and the status line said so; said once.
    log_loss_told: bool,
    /// The notification hook and bell for new inbox items.
    notifier: notify::Notifier,
    /// Where the reader's pictures come from.
    pictures: pictures::PictureSource,
}

/// The index load after the first frame, when the counts need one: the rules judge the
/// cached threads (what they hide leaves the counts; the load a start `waiting` for its
/// index makes judges too), the `top` view counts the posts of the last week.
fn judging_at_start(
    state: &State,
    config: &Config,
    account: &str,
    waiting: bool,
) -> Option<Effect> {
    if state.rules_ui.views.uses(app::tree::views::View::Top) {
        Some(Effect::CountRecentPosts)
    } else {
        (!waiting && config.rule_set().any_for(account)).then_some(Effect::LoadIndex)
    }
}

/// The one problem the first frame's status line shows (the ui state's, else the config's,
/// else logging's); every problem with the config goes to the log.
fn startup_problem(
    config: &Config,
    theme_warnings: &[String],
    ui_problem: Option<String>,
    log_problem: Option<String>,
) -> Option<String> {
    let (_, key_warnings) = crate::app::input::keymap::Keymap::with_overrides(&config.keys);
    for warning in key_warnings.iter().chain(theme_warnings) {
        tracing::warn!("config.toml: {warning}");
    }
    let theme_problem = theme_warnings
        .first()
        .map(|w| match theme_warnings.len() - 1 {
            0 => format!("config.toml: {w}"),
            more => format!("config.toml: {w} (and {more} more, in the log)"),
        });
    ui_problem
        .or(theme_problem)
        .or(log_problem.map(|p| format!("logging is off: {p}")))
}

async fn run_loop(launch: Launch<'_>) -> Result<(), TuiError> {
    let Launch {
        config,
        config_path,
        data_dir,
        account,
        data,
        index_later,
        rolled_up,
        log_problem,
    } = launch;
    let (ui_state, ui_problem) = load_ui_state::<app::UiState>(&account.dir)?;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let (theme, theme_warnings) = Theme::load(&config.theme, no_color);

    let guard = TerminalGuard::enter(config.ui.mouse)?;
    let mut terminal = fresh_terminal()?;
    let size = terminal.size()?;
    let remembered: Option<app::UiState> = index_later.then(|| ui_state.clone());
    let (mut state, mut startup_effects) = State::new(Startup {
        account: account.name.clone(),
        is_demo: account.is_demo(),
        signed_in: account.is_demo() || account.has_credential(),
        data,
        ui: ui_state,
        config,
        size: (size.width, size.height),
        now: jiff::Timestamp::now(),
        id_seed: id_seed(),
    });
    if let Some(ui) = &remembered {
        startup_effects.extend(start_tree::wait_for_index(&mut state, ui, rolled_up));
    }
    startup_effects.extend(judging_at_start(
        &state,
        config,
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
    // `hyperlinks = "auto"`: the environment alone decides, so the first frame waits for
    // no answer from the terminal.
    state.settings.hyperlinks = match config.ui.hyperlinks {
        Hyperlinks::On => true,
        Hyperlinks::Off => false,
        Hyperlinks::Auto => ui::hyperlink::terminal_supports(|name| std::env::var(name).ok()),
    };
    pictures::settle(&mut state.reader.pictures, config.ui.image_protocol);
    let ui_problem = ui_problem.map(|p| p.to_string());
    if let Some(problem) = startup_problem(config, &theme_warnings, ui_problem, log_problem) {
        tracing::warn!("{problem}");
        state.error(problem);
    }
    // The first frame comes from the cache alone, before the sync engine starts (it reads
    // the thread index again and builds its HTTP client): paint first, then sync.
    terminal.draw(|frame| ui::draw(frame, &state, &theme))?;

    let (reply, mut replies) = mpsc::unbounded_channel::<Msg>();
    let (sync_tx, sync_rx) = mpsc::channel(256);
    let (sync, demo) = match background::start(account, &config.ui, sync_tx).await {
        Ok(started) => started,
        Err(why) => {
            tracing::warn!("{why}");
            let _ = reply.send(Msg::SyncUnavailable(why));
            (None, None)
        }
    };
    let core = Interpreter::open(&account.dir)
        .started_from(state.data.read.clone(), state.ui_snapshot())
        .reading_later(index_later)
        .queueing_read_marks(account.queues_read_marks())
        .queueing_place_marks(account.queues_place_marks())
        .judging(&account.name, config.rule_set_shared())
        .config_at(config_path)
        .queueing_inbox_marks(account.queues_inbox_marks());
    let store = StoreWorker::start(account.dir.clone(), core, reply.clone());
    let pictures = pictures::PictureSource::configured(data_dir, account, config, reply.clone());

    let mut runner = Runner {
        state,
        theme,
        terminal,
        guard,
        reply,
        pending: Pending::new(),
        log_loss_told: false,
        notifier: notify::Notifier::new(config.notify_command.clone(), config.bell),
        sync,
        demo: demo.map(|d| Arc::new(tokio::sync::Mutex::new(d))),
        store,
        pictures,
    };
    runner.execute(startup_effects);
    let result = runner.event_loop(&mut replies, sync_rx).await;
    // The runner holds the whole state: its last steps go on the heap.
    Box::pin(runner.finish(result)).await
}

impl Runner {
    async fn event_loop(
        &mut self,
        replies: &mut mpsc::UnboundedReceiver<Msg>,
        mut sync_events: mpsc::Receiver<SyncEvent>,
    ) -> Result<(), TuiError> {
        let mut sigterm = signal(SignalKind::terminate())?;
        let mut sighup = signal(SignalKind::hangup())?;
        let mut sigtstp = signal(SignalKind::from_raw(signal_hook::consts::SIGTSTP))?;
        let mut events = EventStream::new();
        let mut sync_open = true;
        while !self.pending.quit {
            if self.pending.suspend {
                self.pending.suspend = false;
                self.suspend()?;
            }
            if let Some(text) = self.pending.edit.take() {
                events = self.edit_externally(events, text).await?;
            }
            if let Some(pipe) = self.pending.pipe.take() {
                events = self.pipe_post(events, pipe).await?;
            }
            if self.pending.dirty && Instant::now() >= self.pending.next_frame {
                let (state, theme) = (&self.state, &self.theme);
                self.terminal.draw(|frame| ui::draw(frame, state, theme))?;
                self.pending.dirty = false;
                self.pending.next_frame = Instant::now() + FRAME;
            }
            let save_at = self.pending.saves.at.unwrap_or_else(Instant::now);
            let announce_at = self.notifier.due_at();
            let msg = tokio::select! {
                event = events.next() => match event {
                    Some(Ok(event)) => match to_msg(&event) {
                        Some(msg) => msg,
                        None => continue,
                    },
                    Some(Err(e)) => return Err(e.into()),
                    None => return Ok(()),
                },
                Some(msg) = replies.recv() => msg,
                event = sync_events.recv(), if sync_open => {
                    let Some(event) = event else {
                        sync_open = false;
                        continue;
                    };
                    Msg::Sync(event)
                }
                () = sleep_until(self.pending.next_frame), if self.pending.dirty => continue,
                () = sleep_until(announce_at.map_or_else(Instant::now, Instant::from_std)),
                    if announce_at.is_some() => {
                    self.announce();
                    continue;
                }
                () = sleep_until(save_at), if self.pending.saves.at.is_some() => {
                    self.save();
                    continue;
                }
                _ = sigterm.recv() => {
                    tracing::info!("SIGTERM: saving and leaving");
                    return Ok(());
                }
                _ = sighup.recv() => {
                    tracing::info!("SIGHUP: saving and leaving");
                    return Ok(());
                }
                _ = sigtstp.recv() => {
                    self.pending.suspend = true;
                    continue;
                }
            };
            if let Msg::Resize(..) = msg {
                self.terminal = fresh_terminal()?;
                pictures::read_cell_pixels(&mut self.state.reader.pictures);
            }
            let effects = app::update(&mut self.state, msg, jiff::Timestamp::now());
            self.pending.dirty = true;
            self.execute(effects);
            self.tell_log_loss();
        }
        Ok(())
    }

    /// The log never writes to the terminal; when it could not write to its file, the
    /// status line says so, once.
    fn tell_log_loss(&mut self) {
        let dropped = crate::store::dropped_log_lines();
        if dropped == 0 || self.log_loss_told {
            return;
        }
        self.log_loss_told = true;
        let text = format!(
            "the log could not be written ({dropped} line{} lost; is the disk full?)",
            if dropped == 1 { "" } else { "s" }
        );
        let effects = app::update(&mut self.state, Msg::Notice(text), jiff::Timestamp::now());
        self.execute(effects);
    }

    /// Carries out effects: disk work goes to the store worker (or a blocking task for
    /// loads), saves are scheduled, and nothing waits on I/O between two frames.
    fn execute(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            let effect = match Work::from(effect) {
                Work::Disk(job) => {
                    self.store.submit(job);
                    continue;
                }
                Work::Shell(effect) => effect,
            };
            match effect {
                Effect::SaveReadState => {
                    self.pending.saves.read = true;
                    self.pending.saves.schedule();
                }
                Effect::SaveUiState => {
                    self.pending.saves.ui = true;
                    self.pending.saves.schedule();
                }
                Effect::DraftChanged => {
                    self.pending.saves.draft = true;
                    self.pending.saves.schedule();
                }
                Effect::Sync(command) => {
                    if let Some(sync) = &self.sync {
                        sync.send(command);
                    }
                }
                Effect::EditExternally(text) => self.pending.edit = Some(text),
                Effect::OpenUrl(url) => browser::open_url(url, self.reply.clone()),
                Effect::PipePost {
                    program,
                    args,
                    text,
                    post,
                } => {
                    self.pending.pipe = Some(export::Pipe {
                        program,
                        args,
                        text,
                        post,
                    });
                }
                Effect::SavePost { path, text, post } => {
                    export::save(path, text, post, self.reply.clone());
                }
                Effect::SwitchDemoServer => self.switch_demo_server(),
                Effect::Announce(items) => {
                    self.notifier.offer(&self.state.status.account, &items);
                    self.announce();
                }
                Effect::FetchPictures(urls) => self.pictures.fetch(urls),
                Effect::DeleteTerminalPictures => pictures::delete_from_terminal(),
                Effect::Suspend => self.pending.suspend = true,
                Effect::Quit => self.pending.quit = true,
                // Disk work: `Work::from` sent these to the store worker above.
                Effect::LoadThread(_)
                | Effect::ReloadThread { .. }
                | Effect::LoadIndex
                | Effect::CountRecentPosts
                | Effect::Query(_)
                | Effect::ReloadIndex(_)
                | Effect::Store(_) => {}
            }
        }
    }

    /// The demo key: the demo's server takes its next mode off the loop; the engine is
    /// then asked to sync at once, so the change shows (held, offline, sent) right away.
    fn switch_demo_server(&self) {
        let Some(demo) = self.demo.clone() else {
            let _ = self.reply.send(Msg::DemoSwitched(Err(
                "the demo forum's server is not running here (see the log)".into(),
            )));
            return;
        };
        let reply = self.reply.clone();
        let commands = self.sync.as_ref().map(SyncHandle::commands);
        tokio::spawn(async move {
            let mut demo = demo.lock().await;
            let next = demo.mode().next();
            let result = demo.switch(next).await.map(|()| next.as_str());
            drop(demo);
            let _ = reply.send(Msg::DemoSwitched(result));
            if let Some(commands) = commands {
                let _ = commands.send(SyncCommand::SyncNow).await;
            }
        });
    }

    /// Stops until the shell resumes us, then repaints the whole screen.
    fn suspend(&mut self) -> Result<(), TuiError> {
        self.save();
        self.guard.suspend()?;
        self.terminal = fresh_terminal()?;
        self.pending.dirty = true;
        Ok(())
    }

    /// Hands the terminal to `$VISUAL` / `$EDITOR` for the composer's text and takes it
    /// back. Terminal events are not read meanwhile (the editor reads the keys), so the
    /// event stream is dropped and a new one returned; sync goes on in the background.
    async fn edit_externally(
        &mut self,
        events: EventStream,
        text: String,
    ) -> Result<EventStream, TuiError> {
        drop(events);
        self.save();
        self.guard.restore();
        let result = tokio::task::spawn_blocking(move || editor::edit(&text))
            .await
            .unwrap_or_else(|e| Err(format!("the editor could not run: {e}")));
        self.guard.reactivate()?;
        self.terminal = fresh_terminal()?;
        self.pending.dirty = true;
        let _ = self.reply.send(Msg::Edited(result));
        Ok(EventStream::new())
    }

    /// Hands the terminal to a command reading the current post, then waits for enter so
    /// its output can be read, and takes the terminal back (as [`Self::edit_externally`]).
    async fn pipe_post(
        &mut self,
        events: EventStream,
        pipe: export::Pipe,
    ) -> Result<EventStream, TuiError> {
        drop(events);
        self.save();
        self.guard.restore();
        let outcome = tokio::task::spawn_blocking(move || pipe.run())
            .await
            .unwrap_or_else(|e| format!("the command could not run: {e}"));
        self.guard.reactivate()?;
        self.terminal = fresh_terminal()?;
        self.pending.dirty = true;
        let _ = self.reply.send(Msg::Notice(outcome));
        Ok(EventStream::new())
    }

    /// The open draft as it stands now, for the store worker.
    fn draft_job(&self) -> Option<Job> {
        let composer = self.state.composer.as_ref()?;
        Some(Job::Store(StoreJob::SaveDraft(
            composer.to_draft(jiff::Timestamp::now()),
        )))
    }

    /// Hands what changed since the last save to the store worker, which writes it in
    /// order off the loop; a failure comes back as a message (and saving is tried again).
    /// Runs the hook (and rings the bell) for the inbox items waiting, when it is due.
    fn announce(&mut self) {
        let Some(run) = self.notifier.take_due(std::time::Instant::now()) else {
            return;
        };
        if let Some(argv) = &run.argv {
            notify::spawn(argv);
        }
        if run.bell {
            use std::io::Write as _;
            let mut out = io::stdout();
            let _ = out.write_all(b"\x07").and_then(|()| out.flush());
        }
    }

    fn save(&mut self) {
        self.pending.saves.at = None;
        if std::mem::take(&mut self.pending.saves.draft)
            && let Some(job) = self.draft_job()
        {
            self.store.submit(job);
        }
        if std::mem::take(&mut self.pending.saves.read) {
            self.store.submit(Job::Store(StoreJob::SaveReadState(
                self.state.data.read.clone(),
            )));
        }
        if std::mem::take(&mut self.pending.saves.ui) {
            self.store.submit(Job::Store(StoreJob::SaveUiState(Box::new(
                self.state.ui_snapshot(),
            ))));
        }
    }

    /// Saves everything and restores the terminal, whatever ended the loop; the loop's
    /// error comes first, then a save error. The store worker finishes every write asked
    /// for, then the open draft, the read state and `ui.json` are written after them
    /// before this returns; the sync engine is asked to stop.
    async fn finish(self, result: Result<(), TuiError>) -> Result<(), TuiError> {
        let draft = self.draft_job();
        let Self {
            state,
            mut guard,
            sync,
            demo,
            store,
            ..
        } = self;
        // Kitty keeps a picture until told: the ones sent go before the screen does.
        if state.reader.pictures.kitty_in_terminal() {
            pictures::delete_from_terminal();
        }
        guard.restore();
        let mut core = store.finish();
        if let Some(job) = draft {
            core.run(job);
        }
        let saved = core
            .save_read_state(&state.data.read)
            .and_then(|()| core.save_ui_state(&state.ui_snapshot()));
        if let Some(sync) = sync {
            sync.shutdown().await;
        }
        if let Some(demo) = demo.and_then(|d| Arc::try_unwrap(d).ok()) {
            demo.into_inner().shutdown().await;
        }
        tracing::info!("reader closed");
        result.and(saved.map_err(TuiError::from))
    }
}

/// A terminal with empty buffers over a cleared screen: the next frame paints everything.
/// (Ratatui's own `clear` asks the terminal for the cursor position, a round trip that a
/// slow or minimal terminal may never answer.)
fn fresh_terminal() -> io::Result<Terminal<CrosstermBackend<io::Stdout>>> {
    crossterm::execute!(
        io::stdout(),
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
    )?;
    Terminal::new(CrosstermBackend::new(io::stdout()))
}

/// A seed for the ids of the drafts and outbox entries made in this run, from the system's
/// random source (the clock when that fails: ids then still differ between runs).
fn id_seed() -> u64 {
    let mut bytes = [0_u8; 8];
    match getrandom::fill(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes),
        Err(e) => {
            tracing::warn!("no random source ({e}); seeding ids from the clock");
            let nanos = jiff::Timestamp::now().as_nanosecond();
            u64::try_from(nanos & i128::from(u64::MAX)).unwrap_or(0)
        }
    }
}

/// Terminal events worth a message; pointer motion is dropped (nothing changes on it).
fn to_msg(event: &Event) -> Option<Msg> {
    match *event {
        Event::Key(key) => Some(Msg::Key(key)),
        Event::Mouse(mouse) if mouse.kind != MouseEventKind::Moved => Some(Msg::Mouse(mouse)),
        Event::Resize(width, height) => Some(Msg::Resize(width, height)),
        Event::Paste(ref text) => Some(Msg::Paste(text.clone())),
        _ => None,
    }
}
