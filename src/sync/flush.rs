//! Pushes the outbox: one entry at a time, in the order they were sent, each state change
//! written durably before and after its attempt (DESIGN §3).

use super::pacing::{Due, Pacing, later};
use crate::model::Thread;
use crate::model::{ForumMode, OutboxEntry, OutboxState, Target};
use crate::remote::{Backend, RemoteError, Submitted};
use crate::store::{Outbox, StoreError};
use jiff::Timestamp;
use std::time::Duration;

/// What a flush did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlushReport {
    pub sent: usize,
    pub awaiting_approval: usize,
    pub failed: usize,
    /// Edits and deletions that met a newer version on the server.
    pub conflicts: usize,
    /// Entries waiting because the server is read-only or in maintenance.
    pub held: usize,
    /// Entries left queued for a later retry.
    pub waiting: usize,
    /// Why the queue stopped early (auth, rate limit, network), for the user.
    pub stopped: Option<String>,
    /// The earliest time worth trying again (for people: wall-clock time).
    pub retry_at: Option<Timestamp>,
    /// How long until then, to wait on the monotonic clock.
    pub retry_in: Option<Duration>,
    /// True when the queue stopped because credentials were refused.
    pub needs_login: bool,
}

/// How an attempt's error is handled.
enum Verdict {
    Held(String),
    Retry(Option<Duration>, String),
    Unknown(String),
    NeedsLogin(String),
    Failed(String),
}

fn judge(error: &RemoteError, mode: ForumMode) -> Verdict {
    let code = match error {
        RemoteError::Status { code, .. } => code.as_deref(),
        _ => None,
    };
    match (error, code) {
        (_, Some("read_only" | "maintenance")) => Verdict::Held(error.to_string()),
        (RemoteError::Status { status: 503, .. }, _) if !mode.accepts_writes() => {
            Verdict::Held(error.to_string())
        }
        // A timeout, or a refusal that says the first attempt probably landed: look
        // for the post before sending again.
        (RemoteError::Timeout, _) | (_, Some("probably_posted")) => {
            Verdict::Unknown(error.to_string())
        }
        (RemoteError::Status { status: 401, .. }, _) | (_, Some("unauthorized")) => {
            Verdict::NeedsLogin(
                "the server refused our credentials; run `threadmark login` and the queue goes on"
                    .to_owned(),
            )
        }
        (e, _) if e.is_retryable() => Verdict::Retry(e.retry_after(), e.to_string()),
        (e, _) => Verdict::Failed(e.to_string()),
    }
}

/// When a flush may send an entry whose retry time has not come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Urgency {
    /// Automatic: every retry time is honoured.
    Scheduled,
    /// The user asked ("sync now"): our own backoff is skipped, a server's `Retry-After`
    /// is still honoured.
    Now,
}

/// Sends every pending entry whose time has come, oldest first. The queue stops at the
/// first entry that must wait (so replies arrive in the order they were written);
/// entries the server refused for good are marked failed and skipped.
pub async fn flush<B: Backend>(
    backend: &mut B,
    outbox: &Outbox,
    pacing: &mut Pacing,
    now: Timestamp,
    urgency: Urgency,
) -> Result<FlushReport, StoreError> {
    let (entries, _) = outbox.list()?;
    let mut report = FlushReport::default();
    for mut entry in entries.into_iter().filter(|e| e.state.is_pending()) {
        // A read-only server holds every reply, whatever else is going on.
        if !backend.state().mode.accepts_writes() {
            hold(&mut entry, outbox, backend.state().mode, &mut report)?;
            continue;
        }
        if report.stopped.is_some() {
            count_waiting(&entry, &mut report);
            continue;
        }
        if entry.state != OutboxState::Held
            && (urgency == Urgency::Scheduled || entry.server_wait)
            && let Some(left) = still_waiting(pacing, outbox, now, &mut entry)?
        {
            report.wait_for(now, left);
            report.stopped = Some("waiting to retry".to_owned());
            count_waiting(&entry, &mut report);
            continue;
        }
        // An earlier change of the same post may have moved its version since this
        // entry was read: the disk has the rebased entry.
        if entry.target.post().is_some()
            && let Ok(Some(fresh)) = outbox.get(&entry.key)
        {
            entry = fresh;
        }
        attempt(backend, outbox, pacing, now, &mut entry, &mut report).await?;
    }
    Ok(report)
}

/// After our own edit or deletion moved a post from `from` to `to`, later entries of the
/// same post based on `from` are based on `to`: they follow ours, they do not conflict
/// with it.
fn rebase_later(outbox: &Outbox, done: &OutboxEntry, to: u64) -> Result<(), StoreError> {
    let (Some((_, post)), Some(from)) = (done.target.post(), base_of(&done.target)) else {
        return Ok(());
    };
    let (entries, _) = outbox.list()?;
    for mut later in entries
        .into_iter()
        .filter(|e| e.state.is_pending() && e.key != done.key)
    {
        let same = later.target.post().is_some_and(|(_, p)| p == post);
        match &mut later.target {
            Target::Edit { base_version, .. } | Target::Delete { base_version, .. }
                if same && *base_version == from =>
            {
                *base_version = to;
                outbox.update(&later)?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn base_of(target: &Target) -> Option<u64> {
    match target {
        Target::Edit { base_version, .. } | Target::Delete { base_version, .. } => {
            Some(*base_version)
        }
        _ => None,
    }
}

impl FlushReport {
    /// Notes a retry due in `left`, keeping the earliest.
    fn wait_for(&mut self, now: Timestamp, left: Duration) {
        let left = self.retry_in.map_or(left, |r| r.min(left));
        self.retry_in = Some(left);
        self.retry_at = Some(later(now, left));
    }
}

/// How long `entry` still waits for its retry; a time on disk beyond the bound is
/// brought back to it durably.
fn still_waiting(
    pacing: &mut Pacing,
    outbox: &Outbox,
    now: Timestamp,
    entry: &mut OutboxEntry,
) -> Result<Option<Duration>, StoreError> {
    match pacing.remaining(entry, now) {
        Due::Now => Ok(None),
        Due::In(left) => Ok(Some(left)),
        Due::Bounded(left) => {
            entry.next_attempt_at = Some(later(now, left));
            outbox.update(entry)?;
            Ok(Some(left))
        }
    }
}

fn count_waiting(entry: &OutboxEntry, report: &mut FlushReport) {
    if entry.state == OutboxState::Held {
        report.held += 1;
    } else {
        report.waiting += 1;
    }
}

fn hold(
    entry: &mut OutboxEntry,
    outbox: &Outbox,
    mode: ForumMode,
    report: &mut FlushReport,
) -> Result<(), StoreError> {
    if entry.state != OutboxState::Held {
        tracing::info!(key = %entry.key, "held: the forum is {mode}");
        entry.state = OutboxState::Held;
        entry.last_message = Some(format!(
            "the forum is {}; the reply waits and goes out when posting reopens",
            mode.as_str()
        ));
        outbox.update(entry)?;
    }
    report.held += 1;
    report.stopped = Some(format!("the forum is {}", mode.as_str()));
    Ok(())
}

async fn attempt<B: Backend>(
    backend: &mut B,
    outbox: &Outbox,
    pacing: &mut Pacing,
    now: Timestamp,
    entry: &mut OutboxEntry,
    report: &mut FlushReport,
) -> Result<(), StoreError> {
    // An earlier attempt may have reached the server: look before sending again.
    if entry.state == OutboxState::Unknown {
        let found = match backend.find_submitted(entry).await {
            Ok(None) => backend
                .awaiting_approval(entry)
                .await
                .map(|waits| (None, waits)),
            other => other.map(|post| (post, false)),
        };
        match found {
            Ok((Some(post), _)) => return mark_sent(&post, outbox, pacing, entry, report),
            Ok((None, true)) => return awaiting(outbox, pacing, entry, report),
            Ok((None, false)) => {}
            Err(error) => {
                return record_error(&error, backend, outbox, pacing, now, entry, report);
            }
        }
    }

    entry.state = OutboxState::InFlight;
    entry.first_attempt_at.get_or_insert(now);
    entry.last_attempt_at = Some(now);
    entry.next_attempt_at = None;
    entry.server_wait = false;
    outbox.update(entry)?;

    let mut answer = backend.submit(entry).await;
    // The newer version may be our own earlier edit, sent before this change was based
    // on the post (the pull that would have shown it never came): the change follows it,
    // once, instead of conflicting with ourselves.
    if let Ok(Submitted::Conflict { current }) = &answer
        && !entry.target.done_in(&entry.body, current)
        && follows_our_own(outbox, entry, current)?
    {
        tracing::info!(key = %entry.key, version = current.version, "follows our own edit");
        rebase_onto(&mut entry.target, current);
        outbox.update(entry)?;
        answer = backend.submit(entry).await;
    }
    match answer {
        Ok(Submitted::Posted { post, .. }) => {
            entry.attempts += 1;
            // Later changes of the post follow ours before ours is marked sent: killed in
            // between, ours is sent again, meets itself (below), and they are ready.
            rebase_later(outbox, entry, post.version)?;
            mark_sent(&post, outbox, pacing, entry, report)
        }
        Ok(Submitted::AwaitingApproval) => {
            entry.attempts += 1;
            awaiting(outbox, pacing, entry, report)
        }
        Ok(Submitted::Moderated { thread }) => {
            entry.attempts += 1;
            applied(&thread, outbox, pacing, entry, report)
        }
        Ok(Submitted::Conflict { current }) => {
            entry.attempts += 1;
            // A first attempt that landed (its answer lost) looks like a conflict with
            // itself: the server already has what we asked for.
            // Later changes of the post then follow the version it made, as after a
            // first answer that arrived.
            if entry.target.done_in(&entry.body, &current) {
                rebase_later(outbox, entry, current.version)?;
                return mark_sent(&current, outbox, pacing, entry, report);
            }
            conflict(&current, outbox, entry, report)
        }
        Err(error) => record_error(&error, backend, outbox, pacing, now, entry, report),
    }
}

/// Is the post as the server has it (newer than `entry`'s base) the text of one of our
/// own edits of it that the server took (sent, or already done)?
fn follows_our_own(
    outbox: &Outbox,
    entry: &OutboxEntry,
    current: &crate::model::Post,
) -> Result<bool, StoreError> {
    let (Some((_, post)), Some(base)) = (entry.target.post(), base_of(&entry.target)) else {
        return Ok(false);
    };
    if current.deleted || current.version <= base {
        return Ok(false);
    }
    let (live, _) = outbox.list()?;
    let (done, _) = outbox.done()?;
    Ok(live.iter().chain(&done).any(|e| {
        e.key != entry.key
            && matches!(&e.target, Target::Edit { post: p, .. } if p == post)
            && matches!(e.state, OutboxState::Sent { .. } | OutboxState::Done { .. })
            && e.body == current.body.text
    }))
}

/// Bases an edit or deletion on the post as the server has it now.
fn rebase_onto(target: &mut Target, current: &crate::model::Post) {
    match target {
        Target::Edit {
            base_version,
            original,
            ..
        } => {
            *base_version = current.version;
            original.clone_from(&current.body.text);
        }
        Target::Delete { base_version, .. } => *base_version = current.version,
        _ => {}
    }
}

/// The server took the reply into its moderation queue.
fn awaiting(
    outbox: &Outbox,
    pacing: &mut Pacing,
    entry: &mut OutboxEntry,
    report: &mut FlushReport,
) -> Result<(), StoreError> {
    entry.state = OutboxState::AwaitingApproval;
    entry.last_message = Some("accepted; awaiting a moderator's approval".to_owned());
    outbox.update(entry)?;
    report.awaiting_approval += 1;
    pacing.backoff.reset();
    Ok(())
}

/// The post changed on the server since our edit was based on it: kept, never resent
/// blindly, with the server's text beside ours for the user to choose.
fn conflict(
    current: &crate::model::Post,
    outbox: &Outbox,
    entry: &mut OutboxEntry,
    report: &mut FlushReport,
) -> Result<(), StoreError> {
    entry.state = OutboxState::Conflict {
        version: current.version,
        theirs: current.body.text.clone(),
        deleted: current.deleted,
    };
    entry.last_message = Some(format!(
        "the post changed on the server (now version {}); keep yours or take theirs",
        current.version
    ));
    outbox.update(entry)?;
    tracing::info!(key = %entry.key, post = %current.id, "conflict");
    report.conflicts += 1;
    Ok(())
}

/// The server applied a moderator's action: nothing to wait for in the thread (the next
/// sync shows it), so the entry is archived as done at once (under `outbox/done/`); a
/// thread's action names no post, a hidden post's names it.
fn applied(
    thread: &crate::model::ThreadId,
    outbox: &Outbox,
    pacing: &mut Pacing,
    entry: &mut OutboxEntry,
    report: &mut FlushReport,
) -> Result<(), StoreError> {
    let post = match &entry.target {
        Target::Moderation {
            post: Some(post), ..
        } => post.clone(),
        _ => crate::model::PostId::new(String::new()),
    };
    entry.state = OutboxState::Done {
        thread: thread.clone(),
        post,
    };
    entry.last_message = None;
    outbox.archive(entry)?;
    tracing::info!(key = %entry.key, "moderation applied");
    report.sent += 1;
    pacing.backoff.reset();
    Ok(())
}

/// The server has the reply as `post`: recorded durably; the echo waits for the pull.
fn mark_sent(
    post: &crate::model::Post,
    outbox: &Outbox,
    pacing: &mut Pacing,
    entry: &mut OutboxEntry,
    report: &mut FlushReport,
) -> Result<(), StoreError> {
    entry.state = OutboxState::Sent {
        thread: post.thread.clone(),
        post: post.id.clone(),
    };
    entry.last_message = None;
    outbox.update(entry)?;
    tracing::info!(key = %entry.key, post = %post.id, "sent");
    report.sent += 1;
    pacing.backoff.reset();
    Ok(())
}

fn record_error<B: Backend>(
    error: &RemoteError,
    backend: &B,
    outbox: &Outbox,
    pacing: &mut Pacing,
    now: Timestamp,
    entry: &mut OutboxEntry,
    report: &mut FlushReport,
) -> Result<(), StoreError> {
    let message = |text: String| Some(crate::text::sanitize::clean_line(&text).into_owned());
    tracing::info!(key = %entry.key, "sending a reply did not work: {error}");
    match judge(error, backend.state().mode) {
        Verdict::Held(text) => {
            // Not a failure: nothing counted, nothing spent.
            entry.state = OutboxState::Held;
            entry.last_message = message(text);
            report.held += 1;
            report.stopped = Some(format!("the forum is {}", backend.state().mode.as_str()));
        }
        Verdict::Unknown(text) => {
            entry.attempts += 1;
            entry.state = OutboxState::Unknown;
            entry.last_message = message(text);
            let wait = pacing.backoff.fail(None);
            entry.next_attempt_at = Some(pacing.wait(entry, now, wait));
            report.waiting += 1;
            report.wait_for(now, wait);
            report.stopped = Some("no answer in time; will check and retry".to_owned());
        }
        Verdict::Retry(after, text) => {
            entry.attempts += 1;
            entry.state = OutboxState::Queued;
            entry.last_message = message(text.clone());
            let wait = pacing.backoff.fail(after);
            entry.next_attempt_at = Some(pacing.wait(entry, now, wait));
            entry.server_wait = after.is_some();
            report.waiting += 1;
            report.wait_for(now, wait);
            report.stopped = message(text);
        }
        Verdict::NeedsLogin(text) => {
            entry.attempts += 1;
            entry.state = OutboxState::Queued;
            entry.last_message = message(text.clone());
            report.waiting += 1;
            report.needs_login = true;
            report.stopped = Some(text);
        }
        Verdict::Failed(text) => {
            entry.attempts += 1;
            entry.state = OutboxState::Failed;
            entry.last_message = message(text);
            report.failed += 1;
        }
    }
    outbox.update(entry)
}

/// Marks sent entries whose post is now in the synced thread as done (archived), so the
/// local echo gives way to the real post. Returns how many were archived.
pub fn reconcile_sent(
    outbox: &Outbox,
    load_thread: &mut impl FnMut(&crate::model::ThreadId) -> Option<Thread>,
) -> Result<usize, StoreError> {
    let (entries, _) = outbox.list()?;
    let mut done = 0;
    for mut entry in entries {
        let OutboxState::Sent { thread, post } = &entry.state else {
            continue;
        };
        let Some(file) = load_thread(thread) else {
            continue;
        };
        let seen = file
            .posts
            .iter()
            .any(|p| &p.id == post || p.client_key.as_deref() == Some(entry.key.as_str()));
        if seen {
            entry.state = OutboxState::Done {
                thread: thread.clone(),
                post: post.clone(),
            };
            outbox.archive(&entry)?;
            done += 1;
        }
    }
    Ok(done)
}
