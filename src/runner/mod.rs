//! The full-screen reader's runner: owns the terminal and the state, `select!`s over terminal
//! events, sync events, effect results, signals and the frame deadline, and draws only when
//! something changed: at once for the user's input, at most one frame per [`FRAME`] for
//! everything else.

pub mod accounts;
mod background;
mod browser;
mod editor;
mod export;
mod hangup;
mod inbox;
mod input;
pub mod interpreter;
pub mod judging;
pub mod notify;
mod pictures;
mod places;
mod priority;
pub mod query;
mod rule_writes;
pub mod start_tree;
mod state_files;
mod store_worker;
mod terminal;

use crate::app::{self, Effect, Msg, State, StoreJob};
use crate::config::{Config, Hyperlinks};
use crate::store::{DataDir, StoreError};
use crate::sync::{SyncCommand, SyncEvent};
use crate::ui::{self, Theme};
use accounts::{AccountRuntime, OpenAccount};
use background::SyncHandle;
use crossterm::event::{Event, MouseEventKind};
use input::TerminalInput;
use interpreter::{Job, Work};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::collections::BTreeSet;
use std::io::{self, IsTerminal};
use std::time::Duration;
use terminal::TerminalGuard;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

/// Shortest time between two frames drawn for reports of the engines and workers: bursts
/// of them are drawn once. A frame for the user's input is drawn at once.
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

/// What the reader starts from: the loaded config, and each account with its cache as
/// read (one account: `--account`, or the only one; several: the tree's top level is
/// the accounts).
#[derive(Debug)]
pub struct Launch<'a> {
    pub config: &'a Config,
    /// Where `config` came from: `x` writes rules into it.
    pub config_path: &'a std::path::Path,
    pub data_dir: &'a DataDir,
    /// In the tree's order; never empty.
    pub accounts: Vec<OpenAccount>,
    /// Which of them has the focus at start.
    pub focused: usize,
    /// Why logging is off, when it is (shown once in the status line).
    pub log_problem: Option<String>,
}

/// Runs the reader until the user quits (or a signal ends it). The terminal is restored
/// before this returns, whatever happened.
pub fn run(launch: Launch<'_>) -> Result<(), TuiError> {
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        return Err(TuiError::NotATerminal);
    }
    // The sync engine's cache writes run on the worker, never between two frames; the
    // runtime's threads (the engine, thread loads, pictures) yield the CPU to the loop,
    // which runs on this thread.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .on_thread_start(priority::background)
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

/// Files to write once the debounce delay has passed, by account index.
#[derive(Default)]
struct Saves {
    read: BTreeSet<usize>,
    ui: BTreeSet<usize>,
    /// The composer's text changed since its draft was last saved.
    draft: BTreeSet<usize>,
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
    /// The loop's own line for messages (about no account in particular).
    reply: mpsc::UnboundedSender<Msg>,
    pending: Pending,
    /// Each open account's engine, store worker and line back, in the tree's order.
    accounts: Vec<AccountRuntime>,
    /// The log lost lines (a full disk) and the status line said so; said once.
    log_loss_told: bool,
    /// The notification hook and bell for new inbox items.
    notifier: notify::Notifier,
    /// With several accounts: where the account in focus is remembered for the next run.
    focus_memory: Option<FocusMemory>,
}

/// `reader.json`'s account in focus: written when a save finds the focus moved since the
/// last write (off the loop), and on the way out.
#[derive(Debug)]
struct FocusMemory {
    data: DataDir,
    written: Option<String>,
}

impl FocusMemory {
    /// The state to write when `focused` is not what was written last.
    fn changed(&mut self, focused: &str) -> Option<crate::store::ReaderState> {
        if self.written.as_deref() == Some(focused) {
            return None;
        }
        self.written = Some(focused.to_owned());
        Some(crate::store::ReaderState {
            focused_account: Some(focused.to_owned()),
        })
    }
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
        accounts: opened,
        focused,
        log_problem,
    } = launch;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let (theme, theme_warnings) = Theme::load(&config.theme, no_color);

    let guard = TerminalGuard::enter(config.ui.mouse)?;
    let mut terminal = fresh_terminal()?;
    let size = terminal.size()?;
    let reader = accounts::Reader {
        config,
        size: (size.width, size.height),
        id_seed: id_seed(),
    };
    let mut started = Vec::with_capacity(opened.len());
    let mut opening = Vec::with_capacity(opened.len());
    let mut ui_problem = None;
    for open in opened {
        let index_later = open.index_later;
        let (state, effects, problem, account) = accounts::first_state(open, &reader)?;
        ui_problem = ui_problem.or(problem);
        started.push((state, effects));
        opening.push((account, index_later));
    }
    let Some((mut state, startup_effects)) = app::accounts::gather(started, focused) else {
        return Ok(());
    };
    // `hyperlinks = "auto"`: the environment alone decides, so the first frame waits for
    // no answer from the terminal.
    state.settings.hyperlinks = match config.ui.hyperlinks {
        Hyperlinks::On => true,
        Hyperlinks::Off => false,
        Hyperlinks::Auto => ui::hyperlink::terminal_supports(|name| std::env::var(name).ok()),
    };
    // Each account's reader draws pictures the same way.
    for index in 0..opening.len() {
        app::accounts::with_account(&mut state, index, |state| {
            pictures::settle(&mut state.reader.pictures, config.ui.image_protocol);
        });
    }
    if let Some(problem) = startup_problem(config, &theme_warnings, ui_problem, log_problem) {
        tracing::warn!("{problem}");
        state.error(problem);
    }
    // The first frame comes from the caches alone, before any sync engine starts (each
    // reads its thread index again and builds its HTTP client): paint first, then sync.
    // The engines and store workers are built off the loop, so keys are answered at once.
    terminal.draw(|frame| ui::draw(frame, &state, &theme))?;

    let (reply, mut replies) = mpsc::unbounded_channel::<Msg>();
    let (sync_tx, sync_rx) = mpsc::channel(256);
    let several = opening.len() > 1;
    let shared = accounts::Shared {
        config,
        config_path,
        data_dir,
        reply: &reply,
        events: &sync_tx,
        several,
    };
    let mut runtimes = Vec::with_capacity(opening.len());
    for (index, (account, index_later)) in opening.into_iter().enumerate() {
        let shown = app::accounts::with_account(&mut state, index, |state| {
            (state.data.read.clone(), state.ui_snapshot())
        })
        .unwrap_or_default();
        runtimes.push(accounts::start(account, index, shown, index_later, &shared));
    }
    drop(sync_tx);

    let mut runner = Runner {
        state,
        theme,
        terminal,
        guard,
        reply,
        pending: Pending::new(),
        log_loss_told: false,
        notifier: notify::Notifier::new(config.notify_command.clone(), config.bell),
        focus_memory: several.then(|| FocusMemory {
            data: data_dir.clone(),
            written: crate::store::load_reader_state(data_dir).focused_account,
        }),
        accounts: runtimes,
    };
    let focused = runner.state.accounts.focused();
    runner.execute(focused, startup_effects);
    let result = match runner.event_loop(&mut replies, sync_rx).await {
        // A frame could not be written because the terminal hung up: a way out like
        // SIGHUP, not a failure.
        Err(TuiError::Terminal(e)) if hangup::terminal_gone() => {
            tracing::info!("the terminal hung up ({e}): saving and leaving");
            Ok(())
        }
        result => result,
    };
    // The runner holds the whole state: its last steps go on the heap.
    Box::pin(runner.finish(result)).await
}

impl Runner {
    async fn event_loop(
        &mut self,
        replies: &mut mpsc::UnboundedReceiver<Msg>,
        mut sync_events: mpsc::Receiver<(usize, SyncEvent)>,
    ) -> Result<(), TuiError> {
        let mut sigterm = signal(SignalKind::terminate())?;
        let mut sighup = signal(SignalKind::hangup())?;
        let mut sigtstp = signal(SignalKind::from_raw(signal_hook::consts::SIGTSTP))?;
        // Crossterm cannot open a terminal that hung up during the start, and panics.
        if hangup::terminal_gone() {
            tracing::info!("the terminal hung up during the start: saving and leaving");
            return Ok(());
        }
        let mut events = TerminalInput::start()?;
        let mut hangup_check = tokio::time::interval(hangup::EVERY);
        hangup_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut sync_open = true;
        while !self.pending.quit {
            if self.pending.suspend {
                self.pending.suspend = false;
                self.suspend()?;
            }
            if let Some(text) = self.pending.edit.take() {
                self.edit_externally(&mut events, text).await?;
            }
            if let Some(pipe) = self.pending.pipe.take() {
                self.pipe_post(&mut events, pipe).await?;
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
                    None => {
                        tracing::info!("the terminal's input stopped: saving and leaving");
                        return Ok(());
                    }
                },
                Some(msg) = replies.recv() => msg,
                event = sync_events.recv(), if sync_open => {
                    let Some((index, event)) = event else {
                        sync_open = false;
                        continue;
                    };
                    if self.state.accounts.several() {
                        Msg::Account(index, Box::new(Msg::Sync(event)))
                    } else {
                        Msg::Sync(event)
                    }
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
                _ = hangup_check.tick() => {
                    if hangup::terminal_gone() {
                        tracing::info!("the terminal hung up (no SIGHUP came): saving and leaving");
                        return Ok(());
                    }
                    continue;
                }
                _ = sigtstp.recv() => {
                    self.pending.suspend = true;
                    continue;
                }
            };
            if let Msg::Resize(..) = msg {
                self.terminal = fresh_terminal()?;
                for index in 0..self.accounts.len() {
                    app::accounts::with_account(&mut self.state, index, |state| {
                        pictures::read_cell_pixels(&mut state.reader.pictures);
                    });
                }
            }
            self.handle(msg);
        }
        Ok(())
    }

    /// Carries `msg` through `update` and its effects, and asks for a frame.
    fn handle(&mut self, msg: Msg) {
        // What the user did is drawn at once; what engines and workers report waits for
        // the frame clock, so a burst of reports is one frame (a key pressed just after a
        // report's frame would otherwise wait up to a whole `FRAME`).
        if is_input(&msg) {
            self.pending.next_frame = Instant::now();
        }
        // Effects are the focused account's, unless tagged with another's.
        let focused = self.state.accounts.focused();
        let effects = app::update(&mut self.state, msg, jiff::Timestamp::now());
        self.pending.dirty = true;
        self.execute(focused, effects);
        self.tell_log_loss();
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
        let focused = self.state.accounts.focused();
        let effects = app::update(&mut self.state, Msg::Notice(text), jiff::Timestamp::now());
        self.execute(focused, effects);
    }

    /// Carries out effects for account `index` (those tagged with another account go to
    /// it): disk work goes to the account's store worker (or a blocking task for loads),
    /// saves are scheduled, and nothing waits on I/O between two frames.
    fn execute(&mut self, index: usize, effects: Vec<Effect>) {
        for effect in effects {
            if let Effect::Account(other, effect) = effect {
                self.execute(other, vec![*effect]);
                continue;
            }
            let Some(account) = self.accounts.get(index) else {
                tracing::error!("an effect for account {index}, which is not open");
                continue;
            };
            let effect = match Work::from(effect) {
                Work::Disk(job) => {
                    account.store.submit(job);
                    continue;
                }
                Work::Shell(effect) => effect,
            };
            match effect {
                Effect::SaveReadState => {
                    self.pending.saves.read.insert(index);
                    self.pending.saves.schedule();
                }
                Effect::SaveUiState => {
                    self.pending.saves.ui.insert(index);
                    self.pending.saves.schedule();
                }
                Effect::DraftChanged => {
                    self.pending.saves.draft.insert(index);
                    self.pending.saves.schedule();
                }
                Effect::Sync(command) => {
                    if let Some(sync) = &account.sync {
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
                Effect::SwitchDemoServer => self.switch_demo_server(index),
                Effect::Announce(items) => {
                    self.notifier.offer(&account.account.name, &items);
                    self.announce();
                }
                Effect::FetchPictures(urls) => account.pictures.fetch(urls),
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
                | Effect::Store(_)
                | Effect::Account(..) => {}
            }
        }
    }

    /// The demo key: the demo's server takes its next mode off the loop; the engine is
    /// then asked to sync at once, so the change shows (held, offline, sent) right away.
    fn switch_demo_server(&self, index: usize) {
        let Some(account) = self.accounts.get(index) else {
            return;
        };
        let Some(demo) = account.demo.clone() else {
            let _ = account.reply.send(Msg::DemoSwitched(Err(
                "the demo forum's server is not running here (see the log)".into(),
            )));
            return;
        };
        let reply = account.reply.clone();
        let commands = account.sync.as_ref().map(SyncHandle::commands);
        tokio::spawn(async move {
            let mut slot = demo.lock().await;
            let result = match slot.as_mut() {
                Some(demo) => {
                    let next = demo.mode().next();
                    demo.switch(next).await.map(|()| next.as_str())
                }
                None => Err("the demo forum's server is not running here (see the log)".into()),
            };
            drop(slot);
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
    /// back. Terminal events are not read meanwhile (the editor reads the keys): the
    /// terminal's input pauses, and reads again after; sync goes on in the background.
    async fn edit_externally(
        &mut self,
        events: &mut TerminalInput,
        text: String,
    ) -> Result<(), TuiError> {
        events.pause().await;
        self.save();
        self.guard.restore();
        let result = priority::at_user_priority(move || editor::edit(&text))
            .await
            .unwrap_or_else(|| Err("the editor could not run".to_owned()));
        self.guard.reactivate()?;
        self.terminal = fresh_terminal()?;
        self.pending.dirty = true;
        // The composer is the focused account's (switching accounts leaves it there).
        let focused = self.state.accounts.focused();
        let reply = self.accounts.get(focused).map_or(&self.reply, |a| &a.reply);
        let _ = reply.send(Msg::Edited(result));
        events.resume();
        Ok(())
    }

    /// Hands the terminal to a command reading the current post, then waits for enter so
    /// its output can be read, and takes the terminal back (as [`Self::edit_externally`]).
    async fn pipe_post(
        &mut self,
        events: &mut TerminalInput,
        pipe: export::Pipe,
    ) -> Result<(), TuiError> {
        events.pause().await;
        self.save();
        self.guard.restore();
        let outcome = priority::at_user_priority(move || pipe.run())
            .await
            .unwrap_or_else(|| "the command could not run".to_owned());
        self.guard.reactivate()?;
        self.terminal = fresh_terminal()?;
        self.pending.dirty = true;
        let _ = self.reply.send(Msg::Notice(outcome));
        events.resume();
        Ok(())
    }

    /// Account `index`'s open draft as it stands now, for its store worker.
    fn draft_job(state: &mut State, index: usize) -> Option<Job> {
        app::accounts::with_account(state, index, |state| {
            let composer = state.composer.as_ref()?;
            Some(Job::Store(StoreJob::SaveDraft(
                composer.to_draft(jiff::Timestamp::now()),
            )))
        })
        .flatten()
    }

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

    /// Hands what changed since the last save to each account's store worker, which
    /// writes it in order off the loop; a failure comes back as a message (and saving is
    /// tried again).
    fn save(&mut self) {
        self.pending.saves.at = None;
        let saves = &mut self.pending.saves;
        let (drafts, reads, uis) = (
            std::mem::take(&mut saves.draft),
            std::mem::take(&mut saves.read),
            std::mem::take(&mut saves.ui),
        );
        for index in drafts {
            if let Some(job) = Self::draft_job(&mut self.state, index)
                && let Some(account) = self.accounts.get(index)
            {
                account.store.submit(job);
            }
        }
        for index in reads {
            let read = app::accounts::with_account(&mut self.state, index, |s| s.data.read.clone());
            if let (Some(read), Some(account)) = (read, self.accounts.get(index)) {
                account
                    .store
                    .submit(Job::Store(StoreJob::SaveReadState(read)));
            }
        }
        for index in uis {
            let ui = app::accounts::with_account(&mut self.state, index, |s| s.ui_snapshot());
            if let (Some(ui), Some(account)) = (ui, self.accounts.get(index)) {
                account
                    .store
                    .submit(Job::Store(StoreJob::SaveUiState(Box::new(ui))));
            }
        }
        if let Some((data, memory)) = self.focus_to_remember() {
            tokio::task::spawn_blocking(move || {
                if let Err(e) = crate::store::save_reader_state(&data, &memory) {
                    tracing::warn!("reader.json not written: {e}");
                }
            });
        }
    }

    /// The account in focus, to write to `reader.json`, when it moved since the last write.
    fn focus_to_remember(&mut self) -> Option<(DataDir, crate::store::ReaderState)> {
        let focused = self.accounts.get(self.state.accounts.focused())?;
        let memory = self.focus_memory.as_mut()?;
        let state = memory.changed(&focused.account.name)?;
        Some((memory.data.clone(), state))
    }

    /// Saves everything and restores the terminal, whatever ended the loop; the loop's
    /// error comes first, then a save error. Each account's store worker finishes every
    /// write asked for, then its open draft, read state and `ui.json` are written after
    /// them before this returns; the sync engines are asked to stop.
    async fn finish(mut self, result: Result<(), TuiError>) -> Result<(), TuiError> {
        if let Some((data, memory)) = self.focus_to_remember()
            && let Err(e) = crate::store::save_reader_state(&data, &memory)
        {
            tracing::warn!("reader.json not written: {e}");
        }
        let Self {
            mut state,
            mut guard,
            mut terminal,
            accounts,
            ..
        } = self;
        // Kitty keeps a picture until told: the ones sent (from any account's reader) go
        // before the screen does.
        let kitty = (0..accounts.len()).any(|index| {
            app::accounts::with_account(&mut state, index, |state| {
                state.reader.pictures.kitty_in_terminal()
            })
            .unwrap_or(false)
        });
        if kitty {
            pictures::delete_from_terminal();
        }
        // Ratatui's terminal shows the cursor again when dropped, and prints to stderr when it
        // cannot — which panics on a terminal that hung up. Shown here; when that fails the
        // terminal is gone, and so is the point of dropping it.
        if terminal.show_cursor().is_err() {
            std::mem::forget(terminal);
        }
        guard.restore();
        let mut saved = Ok(());
        let mut stopping = Vec::new();
        for (index, account) in accounts.into_iter().enumerate() {
            let draft = Self::draft_job(&mut state, index);
            let mut core = account.store.finish();
            if let Some(job) = draft {
                core.run(job);
            }
            let this = app::accounts::with_account(&mut state, index, |state| {
                core.save_read_state(&state.data.read)
                    .and_then(|()| core.save_ui_state(&state.ui_snapshot()))
            })
            .unwrap_or(Ok(()));
            saved = saved.and(this);
            stopping.push((account.sync, account.demo));
        }
        // The engines stop side by side: one slow server does not hold up the others.
        futures::future::join_all(stopping.into_iter().map(|(sync, demo)| async move {
            if let Some(sync) = sync {
                sync.shutdown().await;
            }
            let demo = demo.and_then(|d| std::sync::Arc::try_unwrap(d).ok());
            if let Some(demo) = demo.and_then(tokio::sync::Mutex::into_inner) {
                demo.shutdown().await;
            }
        }))
        .await;
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
/// Whether `msg` came from the terminal: the user's keys, mouse, paste or a resize.
fn is_input(msg: &Msg) -> bool {
    matches!(
        msg,
        Msg::Key(_) | Msg::Mouse(_) | Msg::Paste(_) | Msg::Resize(..)
    )
}

fn to_msg(event: &Event) -> Option<Msg> {
    match *event {
        Event::Key(key) => Some(Msg::Key(key)),
        Event::Mouse(mouse) if mouse.kind != MouseEventKind::Moved => Some(Msg::Mouse(mouse)),
        Event::Resize(width, height) => Some(Msg::Resize(width, height)),
        Event::Paste(ref text) => Some(Msg::Paste(text.clone())),
        _ => None,
    }
}
