//! The one sync task: owns the backend and the cache writes, pulls, pushes the outbox,
//! follows the server's mode, backs off when offline, and reports what it does as events.

use super::backoff::Backoff;
use super::budget;
use super::flush::{FlushReport, Urgency, flush, reconcile_sent};
use super::ingest::{Ingest, IngestReport};
use super::pacing::{Due, Pacing};
use super::protocol::{Connection, CycleReport, SyncCommand, SyncEvent, SyncStatus};
use super::state::SyncState;
use super::writer::{Ledger, Writer, Writing, Written};
use crate::model::{ForumMode, ThreadId};
use crate::remote::{Backend, RemoteError, SyncLimits};
use crate::store::{AccountDir, Cache, Outbox, OutboxLock, ReadMarks, StoreError};
use jiff::Timestamp;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Why a sync could not run.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the run loop does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    /// Start over: push, catch up.
    Again,
    /// Up to date: wait for news.
    Idle,
    Stop,
}

/// Long-poll wait while the UI is open.
const LONG_POLL: Duration = Duration::from_secs(25);
/// How often a held outbox re-checks the server's mode when nothing else wakes it.
const HELD_RECHECK: Duration = Duration::from_secs(30);
/// How often the idle engine looks at the outbox folder for replies queued by another
/// threadmark (`threadmark reply`, a second reader), or for the outbox lock its holder
/// let go of.
const OUTBOX_TICK: Duration = Duration::from_secs(1);

/// Builds the backend again when the stored credential changed since the last call (a
/// `threadmark login` in another terminal): `None` when it did not.
pub type Relogin<B> = Box<dyn FnMut() -> Option<B> + Send>;

/// The engine's [`Relogin`], asked on "sync now" and after every refusal of credentials.
struct ReloginHook<B>(Relogin<B>);

impl<B> std::fmt::Debug for ReloginHook<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReloginHook")
    }
}

/// The sync engine of one account.
#[derive(Debug)]
pub struct Engine<B: Backend> {
    backend: B,
    dir: AccountDir,
    /// The cache and the sync state, written on a blocking thread (see [`Engine::pull`]).
    writer: Writer,
    outbox: Outbox,
    pull_backoff: Backoff,
    push_pacing: Pacing,
    lock: Option<OutboxLock>,
    focus: Option<ThreadId>,
    /// The server refused our credentials: pushing waits for a new login (`SyncNow`).
    login_refused: bool,
    /// The user asked to sync now: the next push skips our own backoff.
    push_now: bool,
    /// The last pull stopped for a wait longer than [`budget::RIDE_OUT`] (a daily request
    /// limit): background work resumes then.
    resumes_at: Option<Timestamp>,
    limits: SyncLimits,
    relogin: Option<ReloginHook<B>>,
    /// Earlier versions of posts the user asked for (post, its current version), fetched
    /// at the top of the next round.
    wanted_revisions: Vec<(crate::model::PostId, u64)>,
    /// A user-name prefix to look up (@-mention completion), the latest asked.
    wanted_users: Option<String>,
    /// The pictures of the posts pulled, fetched ahead for offline reading (`images`).
    pictures: Option<super::picture_prefetch::PicturePrefetch>,
}

impl<B: Backend> Engine<B> {
    pub fn new(mut backend: B, dir: AccountDir) -> Result<Self, StoreError> {
        let (state, _problem) = SyncState::load(&dir)?;
        budget::restore(&mut backend, &dir)?;
        Ok(Self {
            backend,
            writer: Writer::new(Ingest::open(Cache::open(dir.clone()))?, state),
            outbox: Outbox::open(&dir),
            dir,
            pull_backoff: Backoff::default(),
            push_pacing: Pacing::default(),
            lock: None,
            focus: None,
            login_refused: false,
            relogin: None,
            push_now: false,
            resumes_at: None,
            limits: SyncLimits::default(),
            wanted_revisions: Vec::new(),
            wanted_users: None,
            pictures: None,
        })
    }

    /// Fetches the pictures of the posts each pull brings ahead, into the offline cache.
    #[must_use]
    pub fn with_pictures(mut self, pictures: super::picture_prefetch::PicturePrefetch) -> Self {
        self.pictures = Some(pictures);
        self
    }

    /// Holds the server to `limits` (what one sync may bring).
    #[must_use]
    pub fn with_limits(mut self, limits: SyncLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Picks up a new login while running (the reader): `relogin` is asked for a new
    /// backend on "sync now" and whenever the server refuses the credential.
    #[must_use]
    pub fn with_relogin(mut self, relogin: Relogin<B>) -> Self {
        self.relogin = Some(ReloginHook(relogin));
        self
    }

    /// True when a new credential was stored since the backend was built: the backend
    /// is built again with it and the queue goes on.
    fn pick_up_new_login(&mut self) -> bool {
        let Some(backend) = self.relogin.as_mut().and_then(|hook| (hook.0)()) else {
            return false;
        };
        tracing::info!("a new login was stored: syncing with it");
        self.backend = backend;
        self.login_refused = false;
        true
    }

    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// The thread the user is reading: budgeted backends fetch it before anything else.
    pub fn set_focus(&mut self, thread: Option<ThreadId>) {
        self.writer.lock().ingest.set_focus(thread.clone());
        self.focus = thread;
    }

    /// When the last pull stopped for a long wait (a daily request limit), the time
    /// background work resumes.
    pub fn resumes_at(&self) -> Option<Timestamp> {
        self.resumes_at
    }

    /// Pulls until up to date, reporting progress as it goes: `Syncing((done, total))`,
    /// or `Paused` while a request budget (Discourse's rate limit) makes it wait. Waits up
    /// to [`budget::RIDE_OUT`] are ridden out; a longer one ends the pull with what it
    /// got, and [`Engine::resumes_at`] says when work resumes.
    ///
    /// Each batch is written on a blocking thread while the next one is fetched: the
    /// client and the server no longer take turns. Batches are still written one at a
    /// time and in order, and the cursor in the state moves only when a batch is written
    /// (by the ingest, after the data it covers); the next page is asked for with the
    /// cursor the last batch brought.
    pub async fn pull(
        &mut self,
        progress: &mut (dyn FnMut(Connection) + Send),
    ) -> Result<IngestReport, SyncError> {
        let mut report = IngestReport::default();
        self.resumes_at = None;
        let mut refused = 0;
        // The first sync's notifications are a backlog, not news: nobody is told of them.
        let news = self.writer.lock().state.last_success_at.is_some();
        self.hand_over_read_state();
        let mut pages = 0_u32;
        // Where the next page starts: the cursor of the last batch fetched, which may
        // still be being written.
        let mut fetch_from = self.writer.lock().state.cursor.clone();
        let mut writing: Option<Writing> = None;
        loop {
            pages = pages.saturating_add(1);
            if pages > self.limits.pages_per_sync {
                let written = finish(writing.take(), &self.dir).await;
                Self::take_in(written?, &mut report, progress);
                self.save()?;
                return Err(RemoteError::Protocol(format!(
                    "the server sent more than {} pages in one sync (max_pages_per_sync); \
                     what came so far is kept",
                    self.limits.pages_per_sync
                ))
                .into());
            }
            let before = fetch_from.clone();
            let (result, written) = tokio::join!(
                self.backend.pull(fetch_from.as_ref(), self.focus.as_ref()),
                finish(writing.take(), &self.dir),
            );
            budget::persist(&mut self.backend, &self.dir)?;
            // A failed write surfaces before anything fetched meanwhile is looked at.
            Self::take_in(written?, &mut report, progress);
            let mut batch = match result {
                Ok(batch) => batch,
                Err(e) => {
                    // Keep what earlier batches brought before reporting the failure.
                    self.save()?;
                    match budget::rate_limit_wait(&e) {
                        Some(wait) if wait <= budget::RIDE_OUT && refused < 3 => {
                            refused += 1;
                            progress(Connection::Paused {
                                resumes_at: budget::after(wait),
                            });
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                        Some(wait) => {
                            self.resumes_at = Some(budget::after(wait));
                            return Ok(report);
                        }
                        None => return Err(e.into()),
                    }
                }
            };
            refused = 0;
            let complete = batch.complete;
            let pause = batch.pause;
            // More to come from where we stand, with nothing brought and no pause asked
            // for: the server would have us ask the same thing forever.
            if !complete
                && pause.is_none()
                && before.as_ref() == Some(&batch.cursor)
                && batch.threads.is_empty()
                && batch.posts.is_empty()
            {
                self.save()?;
                return Err(RemoteError::Protocol(
                    "the server said there was more but its cursor did not move".into(),
                )
                .into());
            }
            let places = super::read_marks::not_queued(
                &ReadMarks::open(&self.dir),
                std::mem::take(&mut batch.places),
            )?;
            self.note_pictures(&batch.posts);
            fetch_from = Some(batch.cursor.clone());
            let write = self.writer.write(batch, places, self.dir.clone(), news);
            if !complete && pause.is_none() {
                writing = Some(write);
                continue;
            }
            // The last batch, or one before a pause: written before the pull ends or waits.
            let written = write.finish(self.dir.root().to_path_buf()).await;
            Self::take_in(Some(written?), &mut report, progress);
            if complete {
                break;
            }
            if let Some(pause) = pause {
                let resumes_at = budget::after(pause);
                progress(Connection::Paused { resumes_at });
                if pause > budget::RIDE_OUT {
                    self.save()?;
                    self.resumes_at = Some(resumes_at);
                    return Ok(report);
                }
                tokio::time::sleep(pause).await;
            }
        }
        self.writer.lock().state.last_success_at = Some(Timestamp::now());
        self.remember_mode()?;
        self.pull_backoff.reset();
        self.fetch_pictures_ahead().await;
        Ok(report)
    }

    /// Takes in a batch once it is written: its report, then the progress it stands for.
    fn take_in(
        written: Option<Written>,
        report: &mut IngestReport,
        progress: &mut (dyn FnMut(Connection) + Send),
    ) {
        if let Some((written, done)) = written {
            report.absorb(written);
            if done.is_some() {
                progress(Connection::Syncing(done));
            }
        }
    }

    /// Writes the index (when it changed), then the cursor: everything written so far is
    /// on disk after this.
    fn save(&self) -> Result<(), StoreError> {
        let mut ledger = self.writer.lock();
        let Ledger { ingest, state } = &mut *ledger;
        ingest.save(state)
    }

    /// Notes the pictures of posts pulled, to fetch ahead once the pull is done.
    fn note_pictures(&mut self, posts: &[crate::model::Post]) {
        if let Some(pictures) = &mut self.pictures {
            pictures.note(posts);
        }
    }

    /// Fetches the pictures noted into the offline cache (a bounded number a pull).
    async fn fetch_pictures_ahead(&mut self) {
        if let Some(pictures) = &mut self.pictures {
            pictures.fetch_noted().await;
        }
    }

    /// A backend that sends read marks (Lemmy) gets the read state as saved by the reader.
    /// Unreadable, it is left out this time: reading goes on, and nothing is marked.
    fn hand_over_read_state(&mut self) {
        if !self.backend.sends_read_marks() {
            return;
        }
        let read = self.writer.lock().ingest.cache_mut().load_read_state();
        match read {
            Ok(read) => self.backend.set_read_state(&read),
            Err(e) => tracing::warn!(error = %e, "read state not sent: it could not be read"),
        }
    }

    fn remember_mode(&mut self) -> Result<(), StoreError> {
        let server = self.backend.state();
        let mut ledger = self.writer.lock();
        let state = &mut ledger.state;
        if state.mode != server.mode || state.banner != server.banner {
            tracing::info!(
                banner = server.banner.as_ref().map(|b| b.text.as_str()),
                "the forum is {}",
                server.mode
            );
            state.mode = server.mode;
            state.banner.clone_from(&server.banner);
        }
        state.save(&self.dir)
    }

    /// Pushes the outbox if this instance can take its lock; `None` when another
    /// threadmark is flushing it.
    pub async fn push(&mut self, urgency: Urgency) -> Result<Option<FlushReport>, SyncError> {
        if self.lock.is_none() {
            self.lock = Outbox::try_lock(&self.dir)?;
        }
        if self.lock.is_none() {
            return Ok(None);
        }
        let report = flush(
            &mut self.backend,
            &self.outbox,
            &mut self.push_pacing,
            Timestamp::now(),
            urgency,
        )
        .await;
        budget::persist(&mut self.backend, &self.dir)?;
        Ok(Some(report?))
    }

    /// Sends the queued read marks (under the outbox lock, so two threadmarks on the
    /// account do not send the same marks at once).
    pub async fn push_read_marks(&mut self) -> Result<super::read_marks::Drained, SyncError> {
        if self.lock.is_none() {
            self.lock = Outbox::try_lock(&self.dir)?;
        }
        if self.lock.is_none() {
            return Ok(super::read_marks::Drained::default());
        }
        let marks = ReadMarks::open(&self.dir);
        Ok(super::read_marks::drain(&mut self.backend, &marks).await?)
    }

    /// Archives sent entries now visible in their synced thread.
    pub fn reconcile(&mut self) -> Result<usize, StoreError> {
        let mut ledger = self.writer.lock();
        let cache = ledger.ingest.cache_mut();
        reconcile_sent(&self.outbox, &mut |id| cache.load_thread(id).ok().flatten())
    }

    /// One pull and one push (what `threadmark sync` does): the status first, then the
    /// changes, then the outbox; after sending, one more pull so the local echoes turn
    /// into the real posts.
    pub async fn sync_once(
        &mut self,
        progress: &mut (dyn FnMut(Connection) + Send),
    ) -> Result<CycleReport, SyncError> {
        match self.backend.refresh_status().await {
            // A backend with a request budget: the pull rides the wait out, or says
            // until when it holds.
            Err(e) if budget::rate_limit_wait(&e).is_some() && self.backend.budget().is_some() => {}
            other => other?,
        }
        let mut cycle = CycleReport {
            pulled: self.pull(progress).await?,
            ..CycleReport::default()
        };
        cycle.resumes_at = self.resumes_at;
        match self.push(Urgency::Now).await? {
            Some(flushed) => {
                if flushed.sent > 0 {
                    cycle.pulled.absorb(self.pull(progress).await?);
                }
                cycle.flushed = flushed;
            }
            None => cycle.outbox_busy = true,
        }
        // Read marks after the replies; when some went, one more pull brings the
        // server's merged markers back.
        if self.push_read_marks().await?.sent > 0 {
            cycle.pulled.absorb(self.pull(progress).await?);
        }
        self.reconcile()?;
        cycle.mode = self.backend.state().mode;
        Ok(cycle)
    }

    fn status(&self, connection: Connection, note: Option<String>) -> SyncStatus {
        let pending = self.outbox.list().map_or(0, |(entries, _)| {
            entries.iter().filter(|e| e.state.is_pending()).count()
        });
        SyncStatus {
            connection,
            last_success_at: self.writer.lock().state.last_success_at,
            outbox_pending: pending,
            banner: self.backend.state().banner.clone(),
            outbox_note: note,
        }
    }

    fn mode_connection(&self) -> Connection {
        match self.backend.state().mode {
            ForumMode::Open => Connection::Online,
            ForumMode::ReadOnly => Connection::ReadOnly,
            ForumMode::Maintenance => Connection::Maintenance,
        }
    }

    /// Runs until told to stop or the UI goes away: keeps the cache current (long
    /// polling when the server offers it), drains the outbox whenever the server takes
    /// writes, and reports every change of state.
    pub async fn run(
        mut self,
        mut commands: mpsc::Receiver<SyncCommand>,
        events: mpsc::Sender<SyncEvent>,
    ) {
        let mut status_of: Option<ForumMode> = None;
        loop {
            if !self.answer_revisions(&events).await {
                return;
            }
            // The full banner and retry hints come from /status: ask at start and after
            // every change of mode (the Forum-Mode header only carries a line of text).
            if status_of != Some(self.backend.state().mode)
                && self.backend.refresh_status().await.is_ok()
            {
                status_of = Some(self.backend.state().mode);
            }
            // Push first: a reply written offline should not wait behind a long poll.
            let (note, retry_at) = self.push_and_report(&events).await;
            if let Err(e) = self.push_read_marks().await {
                tracing::warn!("read marks not sent: {e}");
            }
            let retry_at = retry_at.map(|wait| Instant::now() + wait);
            let flow = match self.catch_up(&mut commands, &events, note).await {
                Flow::Idle => self.idle(&mut commands, &events, retry_at).await,
                other => other,
            };
            if flow == Flow::Stop {
                return;
            }
        }
    }

    /// Pulls until up to date; on failure reports it and waits out the backoff.
    async fn catch_up(
        &mut self,
        commands: &mut mpsc::Receiver<SyncCommand>,
        events: &mpsc::Sender<SyncEvent>,
        note: Option<String>,
    ) -> Flow {
        let syncing = self.status(Connection::Syncing(None), note.clone());
        if events.send(SyncEvent::Status(syncing)).await.is_err() {
            return Flow::Stop;
        }
        self.backend.set_long_poll(None);
        let progress_events = events.clone();
        let mut progress = move |connection: Connection| {
            let _ = progress_events.try_send(SyncEvent::Status(SyncStatus {
                connection,
                last_success_at: None,
                outbox_pending: 0,
                banner: None,
                outbox_note: None,
            }));
        };
        let result = tokio::select! {
            result = self.pull(&mut progress) => result,
            command = commands.recv() => return self.obey(command),
        };
        match result {
            Ok(report) => {
                let connection = match self.resumes_at {
                    Some(resumes_at) => Connection::Paused { resumes_at },
                    None => self.mode_connection(),
                };
                let online = self.status(connection, note);
                if !self.publish_pull(report, events).await
                    || events.send(SyncEvent::Status(online)).await.is_err()
                {
                    return Flow::Stop;
                }
                Flow::Idle
            }
            Err(SyncError::Remote(RemoteError::Status {
                status: 401 | 403, ..
            })) if self.pick_up_new_login() => Flow::Again,
            Err(error) => {
                tracing::warn!("sync failed, trying again later: {error}");
                let (wait, connection) = match &error {
                    SyncError::Remote(remote) => {
                        let wait = self.pull_backoff.fail(remote.retry_after());
                        (wait, offline(remote, wait))
                    }
                    // The disk, not the network: say so and try again later.
                    SyncError::Store(store) => (
                        self.pull_backoff.fail(None),
                        Connection::CacheUnwritable(store.short_cause()),
                    ),
                };
                let needs_login = matches!(connection, Connection::NeedsLogin(_));
                if events
                    .send(SyncEvent::Status(self.status(connection, note)))
                    .await
                    .is_err()
                {
                    return Flow::Stop;
                }
                if needs_login {
                    // Every request would be refused: none goes out until the user acts
                    // (a new login, "sync now"); replies stay queued.
                    self.login_refused = true;
                    return self.obey(commands.recv().await);
                }
                tokio::select! {
                    () = tokio::time::sleep(wait) => Flow::Again,
                    command = commands.recv() => self.obey(command),
                }
            }
        }
    }

    /// Up to date: waits for news (long poll), a command, the next retry of the outbox
    /// (on the monotonic clock), a reply queued by another threadmark, the outbox lock
    /// freed by its holder, or — while writes are held — a change of the server's mode.
    async fn idle(
        &mut self,
        commands: &mut mpsc::Receiver<SyncCommand>,
        events: &mpsc::Sender<SyncEvent>,
        retry_at: Option<Instant>,
    ) -> Flow {
        // Replies that could go now (posting reopened during the catch-up) go first.
        if self.outbox_due() {
            return Flow::Again;
        }
        self.backend.set_long_poll(Some(LONG_POLL));
        let mode_before = self.backend.state().mode;
        let held = !mode_before.accepts_writes();
        let marks = ReadMarks::open(&self.dir);
        let known_marks = marks.stamps();
        let news = outbox_news(
            self.dir.clone(),
            self.outbox.clone(),
            self.lock.is_some(),
            self.outbox.queued_stamps(),
        );
        // A read mark, watch level or bookmark queued meanwhile (the reader saved its
        // read state, `threadmark mark`, `watch`, `bookmark`) goes out within a tick,
        // like a reply.
        let watch_marks =
            self.lock.is_some() && (self.backend.syncs_read_marks() || self.backend.syncs_places());
        let mark_news = async move {
            if !watch_marks {
                return std::future::pending().await;
            }
            loop {
                tokio::time::sleep(OUTBOX_TICK).await;
                if marks.stamps().iter().any(|m| !known_marks.contains(m)) {
                    return;
                }
            }
        };
        tokio::pin!(news);
        tokio::pin!(mark_news);
        loop {
            let until_retry = retry_at.map(|at| at.saturating_duration_since(Instant::now()));
            let nap = until_retry.unwrap_or(LONG_POLL * 2);
            let nap = if held { nap.min(HELD_RECHECK) } else { nap };
            let mut quiet = |_: Connection| {};
            let news_arm = |lock: Option<OutboxLock>, engine: &mut Self| {
                if lock.is_some() {
                    engine.lock = lock;
                }
                Flow::Again
            };
            let polled = if let Some(interval) = self.backend.poll_interval() {
                // No long polling (each round costs requests): wait, then pull — after
                // a long pause, not before it ends.
                let resume = self
                    .resumes_at
                    .and_then(|at| Duration::try_from(at.duration_since(Timestamp::now())).ok())
                    .unwrap_or(Duration::ZERO);
                let next_poll = interval.max(resume);
                tokio::select! {
                    command = commands.recv() => return self.obey(command),
                    () = tokio::time::sleep(nap.min(next_poll)) => {}
                    lock = &mut news => return news_arm(lock, self),
                    () = &mut mark_news => return Flow::Again,
                }
                if next_poll <= nap {
                    tokio::select! {
                        result = self.pull(&mut quiet) => Some(result),
                        command = commands.recv() => return self.obey(command),
                    }
                } else {
                    None
                }
            } else {
                tokio::select! {
                    result = self.pull(&mut quiet) => Some(result),
                    command = commands.recv() => return self.obey(command),
                    () = tokio::time::sleep(nap) => None,
                    lock = &mut news => return news_arm(lock, self),
                    () = &mut mark_news => return Flow::Again,
                }
            };
            match polled {
                Some(Ok(report)) => {
                    if !self.publish_pull(report, events).await {
                        return Flow::Stop;
                    }
                    if let Some(resumes_at) = self.resumes_at {
                        let paused = self.status(Connection::Paused { resumes_at }, None);
                        if events.send(SyncEvent::Status(paused)).await.is_err() {
                            return Flow::Stop;
                        }
                    }
                }
                None if held => {
                    let _ = self.backend.refresh_status().await;
                }
                // Offline or refused (the catch-up reports it), or time to retry.
                Some(Err(_)) | None => return Flow::Again,
            }
            if self.backend.state().mode != mode_before {
                return Flow::Again;
            }
        }
    }

    /// Is there a reply the server would take right now?
    fn outbox_due(&mut self) -> bool {
        if self.login_refused || !self.backend.state().mode.accepts_writes() || self.lock.is_none()
        {
            return false;
        }
        let now = Timestamp::now();
        let Ok((entries, _)) = self.outbox.list() else {
            return false;
        };
        entries
            .iter()
            .any(|e| e.state.is_pending() && self.push_pacing.remaining(e, now) == Due::Now)
    }

    /// Pushes the outbox and tells the UI; returns the note for the status line and when
    /// the next retry is due.
    async fn push_and_report(
        &mut self,
        events: &mpsc::Sender<SyncEvent>,
    ) -> (Option<String>, Option<Duration>) {
        let urgency = if std::mem::take(&mut self.push_now) {
            Urgency::Now
        } else {
            Urgency::Scheduled
        };
        match self.push(urgency).await {
            Ok(Some(report)) => {
                let note = report.stopped.clone();
                let retry_at = report.retry_in;
                self.login_refused = report.needs_login && !self.pick_up_new_login();
                if self.login_refused {
                    tracing::warn!("the server refused our credentials; the outbox waits");
                    let connection = Connection::NeedsLogin(note.clone().unwrap_or_default());
                    let _ = events
                        .send(SyncEvent::Status(self.status(connection, note.clone())))
                        .await;
                }
                if report.sent + report.failed + report.held + report.awaiting_approval > 0 {
                    let _ = events.send(SyncEvent::Outbox(report)).await;
                }
                (note, retry_at)
            }
            Ok(None) => (
                Some("another threadmark is sending this outbox".into()),
                None,
            ),
            Err(e) => (Some(e.to_string()), None),
        }
    }

    /// Reconciles sent entries and tells the UI what changed; false when the UI is gone.
    async fn publish_pull(
        &mut self,
        report: IngestReport,
        events: &mpsc::Sender<SyncEvent>,
    ) -> bool {
        let archived = self.reconcile().unwrap_or(0);
        if archived > 0
            && events
                .send(SyncEvent::Outbox(FlushReport::default()))
                .await
                .is_err()
        {
            return false;
        }
        if report.changed.is_empty()
            && !report.tree_changed
            && report.read_through.is_empty()
            && report.read_markers.is_empty()
            && !report.places_changed
            && !report.inbox_changed
            && report.skipped == 0
        {
            return true;
        }
        events.send(SyncEvent::Pulled(report)).await.is_ok()
    }

    /// Fetches the earlier versions of posts asked for and hands them (or why not) to the
    /// UI; false when the UI is gone.
    async fn answer_revisions(&mut self, events: &mpsc::Sender<SyncEvent>) -> bool {
        for (post, version) in std::mem::take(&mut self.wanted_revisions) {
            let result = self
                .backend
                .revisions(&post, version)
                .await
                .map_err(|e| match e {
                    RemoteError::Unreachable(_) | RemoteError::Timeout => format!(
                        "offline: the earlier versions are on the server, which cannot be reached now ({e}); E again once online"
                    ),
                    RemoteError::Status { status: 405, message, .. } => message,
                    other => format!("could not fetch the earlier versions: {other}"),
                });
            if events
                .send(SyncEvent::Revisions { post, result })
                .await
                .is_err()
            {
                return false;
            }
        }
        if let Some(prefix) = self.wanted_users.take() {
            let result = self
                .backend
                .search_users(&prefix)
                .await
                .map_err(|e| e.to_string());
            return events
                .send(SyncEvent::Users { prefix, result })
                .await
                .is_ok();
        }
        true
    }

    /// Applies a command.
    fn obey(&mut self, command: Option<SyncCommand>) -> Flow {
        match command {
            None | Some(SyncCommand::Shutdown) => return Flow::Stop,
            Some(SyncCommand::SyncNow) => {
                self.pick_up_new_login();
                self.login_refused = false;
                self.push_now = true;
                self.pull_backoff.reset();
                self.push_pacing.reset();
            }
            Some(SyncCommand::FlushNow) => self.push_pacing.reset(),
            Some(SyncCommand::Focus(thread)) => self.set_focus(thread),
            Some(SyncCommand::LoadEarlier(thread)) => self.backend.want_earlier(&thread),
            Some(SyncCommand::Revisions { post, version }) => {
                self.wanted_revisions.push((post, version));
            }
            Some(SyncCommand::SearchUsers(prefix)) => self.wanted_users = Some(prefix),
        }
        Flow::Again
    }
}

/// Resolves when the outbox needs this engine: while it holds the lock, a reply queued
/// (or changed, `outbox retry`) by another threadmark; while another one holds it, the
/// lock let go (returned, taken). Looks once per [`OUTBOX_TICK`]: one small folder read.
async fn outbox_news(
    dir: AccountDir,
    outbox: Outbox,
    holding: bool,
    known: BTreeSet<(PathBuf, Option<SystemTime>)>,
) -> Option<OutboxLock> {
    loop {
        tokio::time::sleep(OUTBOX_TICK).await;
        if holding {
            if outbox
                .queued_stamps()
                .iter()
                .any(|stamp| !known.contains(stamp))
            {
                return None;
            }
        } else if let Ok(Some(lock)) = Outbox::try_lock(&dir) {
            return Some(lock);
        }
    }
}

/// Waits for the batch being written, if any.
async fn finish(writing: Option<Writing>, dir: &AccountDir) -> Result<Option<Written>, StoreError> {
    match writing {
        Some(writing) => writing.finish(dir.root().to_path_buf()).await.map(Some),
        None => Ok(None),
    }
}

/// The connection state after a failed pull.
fn offline(error: &RemoteError, wait: Duration) -> Connection {
    if let Some(limited) = budget::rate_limit_wait(error) {
        return Connection::Paused {
            resumes_at: budget::after(limited.max(wait)),
        };
    }
    match error {
        RemoteError::Status {
            status: 401 | 403, ..
        } => Connection::NeedsLogin(error.to_string()),
        _ => Connection::Offline {
            reason: error.to_string(),
            retry_at: Timestamp::now()
                .checked_add(jiff::SignedDuration::try_from(wait).unwrap_or_default())
                .ok(),
        },
    }
}
