//! `threadmark sync`: one pull and one push, progress on stderr, a summary on stdout.

use crate::account::Account;
use crate::demo_server::DemoServer;
use crate::model::{Banner, ThreadId, describe_wait};
use crate::remote::{Backend as _, RemoteError};
use crate::store::Cache;
use crate::sync::{Connection, CycleReport, SyncError};
use crate::text::sanitize;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// Runs one sync of `account`. Fails (exit 1) only when the server could not be reached
/// or refused us; held or failed replies are reported, not errors.
/// The demo forum syncs with its own server, started here for the while.
pub fn sync(
    config: &crate::config::Config,
    account: &Account,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let demo = if account.is_demo() {
        Some(runtime.block_on(DemoServer::start(&account.dir))?)
    } else {
        None
    };
    let (remote, mut engine) = match &demo {
        Some(demo) => {
            let remote = demo.remote();
            let engine = account.engine_for(&remote, Some(demo.credential()))?;
            (remote, engine)
        }
        None => match (&account.remote, account.sync_engine()?) {
            (Some(remote), Some(engine)) => (remote.clone(), engine),
            _ => anyhow::bail!("account {} has no server to sync with", account.name),
        },
    };
    if let Some(pictures) = account.picture_prefetch(&config.ui) {
        engine = engine.with_pictures(pictures);
    }
    let mut progress = Progress::new();
    let result = runtime.block_on(engine.sync_once(&mut |p| progress.show(&p)));
    progress.finish();
    if let Some(demo) = demo {
        runtime.block_on(demo.shutdown());
    }
    let cycle = result.map_err(|e| sync_error(e, &remote.url, &account.name))?;
    mark_own_posts_read(account, &cycle.pulled.own)?;
    read_elsewhere(
        account,
        &cycle.pulled.read_through,
        &cycle.pulled.read_markers,
    )?;
    announce(config, &account.name, &cycle.pulled.inbox_news);
    let banner = engine.backend().state().banner.clone();
    log_cycle(&account.name, &cycle, banner.as_ref());
    if json {
        let value = summary_json(&account.name, &cycle, banner.as_ref());
        write!(out, "{}", super::json::terminal_safe(&value)?)?;
    } else {
        write!(out, "{}", summary(&account.name, &cycle, banner.as_ref()))?;
    }
    if cycle.flushed.needs_login {
        anyhow::bail!(
            "login needed: {} refused our credentials; run `threadmark login --account {}`",
            remote.url,
            account.name
        );
    }
    Ok(())
}

/// New inbox items: the hook runs once for all of them (and the bell rings on a terminal).
fn announce(config: &crate::config::Config, account: &str, news: &[crate::model::InboxItem]) {
    let mut notifier =
        crate::runner::notify::Notifier::new(config.notify_command.clone(), config.bell);
    notifier.offer(account, news);
    let Some(run) = notifier.take_due(std::time::Instant::now()) else {
        return;
    };
    if let Some(argv) = &run.argv {
        crate::runner::notify::spawn(argv);
    }
    if run.bell && std::io::stderr().is_terminal() {
        eprint!("\x07");
    }
}

/// Threads the server says were read (Lemmy's own marks, API v1's read markers made on
/// another device) are read here too, by the merge rule of the read state.
fn read_elsewhere(
    account: &Account,
    marks: &[(ThreadId, u32)],
    markers: &[(ThreadId, crate::model::ReadMarker)],
) -> anyhow::Result<()> {
    if marks.is_empty() && markers.is_empty() {
        return Ok(());
    }
    let _lock = crate::store::lock_state_files(&account.dir)?;
    let mut cache = Cache::open(account.dir.clone());
    let mut read = cache.load_read_state()?;
    let mut changed = false;
    for (thread, seq) in marks {
        changed |= read.read_elsewhere(thread, *seq);
    }
    for (thread, marker) in markers {
        changed |= read.apply_marker(thread, marker);
    }
    if changed {
        cache.save_read_state(&read)?;
    }
    Ok(())
}

fn sync_error(error: SyncError, url: &str, account: &str) -> anyhow::Error {
    tracing::warn!(%url, "sync failed: {error}");
    match error {
        SyncError::Remote(RemoteError::Status {
            status: 401 | 403,
            code,
            message,
            ..
        }) => match code.as_deref() {
            Some("login_required") => anyhow::anyhow!(
                "{url}: this forum requires login; run `threadmark login --account {account}`"
            ),
            Some("crawler_blocked") => anyhow::anyhow!("{url}: {message}"),
            _ => anyhow::anyhow!(
                "login needed: {url} refused our credentials; run `threadmark login --account {account}`"
            ),
        },
        SyncError::Remote(e) => anyhow::anyhow!("could not sync with {url}: {e}"),
        SyncError::Store(e) => anyhow::anyhow!("could not write the local cache: {e}"),
    }
}

/// Your own new posts are read by definition: they never count as unread.
fn mark_own_posts_read(
    account: &Account,
    own: &std::collections::BTreeMap<crate::model::ThreadId, Vec<u32>>,
) -> anyhow::Result<()> {
    if own.is_empty() {
        return Ok(());
    }
    let mut cache = crate::store::Cache::open(account.dir.clone());
    let mut read = cache.load_read_state()?;
    for (thread, seqs) in own {
        let thread = read.thread_mut(thread);
        for &seq in seqs {
            thread.mark_read(seq);
        }
    }
    cache.save_read_state(&read)?;
    Ok(())
}

/// What a sync did, in the log.
fn log_cycle(account: &str, cycle: &CycleReport, banner: Option<&Banner>) {
    let p = &cycle.pulled;
    let f = &cycle.flushed;
    tracing::info!(
        account,
        mode = cycle.mode.as_str(),
        new_threads = p.new_threads,
        new_posts = p.new_posts,
        sent = f.sent,
        held = f.held,
        failed = f.failed,
        waiting = f.waiting,
        "synced"
    );
    if !cycle.mode.accepts_writes() {
        tracing::info!(
            account,
            banner = banner.map(|b| b.text.as_str()),
            "the forum is {}",
            cycle.mode
        );
    }
    if let Some(why) = &f.stopped {
        tracing::info!(account, "the outbox paused: {why}");
    }
}

/// `threadmark sync --json`.
fn summary_json(account: &str, cycle: &CycleReport, banner: Option<&Banner>) -> serde_json::Value {
    let p = &cycle.pulled;
    let f = &cycle.flushed;
    serde_json::json!({
        "version": super::json::VERSION,
        "account": account,
        "mode": cycle.mode.as_str(),
        "banner": banner.map(super::json::BannerJson::from),
        "pulled": {
            "new_threads": p.new_threads,
            "new_posts": p.new_posts,
            "edited_posts": p.edited_posts,
            "removed_posts": p.removed_posts,
            "removed_threads": p.removed_threads,
            "skipped": p.skipped,
            "inbox_news": p.inbox_news.len(),
        },
        "resumes_at": cycle.resumes_at,
        "outbox": {
            "busy": cycle.outbox_busy,
            "sent": f.sent,
            "held": f.held,
            "failed": f.failed,
            "waiting": f.waiting,
            "awaiting_approval": f.awaiting_approval,
            "paused": f.stopped,
            "needs_login": f.needs_login,
        },
    })
}

/// The summary printed after a sync; a read-only forum's banner says why and until when.
pub fn summary(account: &str, cycle: &CycleReport, banner: Option<&Banner>) -> String {
    let p = &cycle.pulled;
    let f = &cycle.flushed;
    let removed_posts = if p.removed_posts > 0 {
        format!(
            ", {} removed post{}",
            p.removed_posts,
            plural(p.removed_posts)
        )
    } else {
        String::new()
    };
    let mut text = format!(
        "Synced {account}: {} new thread{}, {} new post{}, {} edited{removed_posts}, {} removed thread{}.\n",
        p.new_threads,
        plural(p.new_threads),
        p.new_posts,
        plural(p.new_posts),
        p.edited_posts,
        p.removed_threads,
        plural(p.removed_threads),
    );
    if !p.inbox_news.is_empty() {
        let _ = writeln!(
            text,
            "{} new in the inbox (`threadmark inbox` lists them).",
            p.inbox_news.len()
        );
    }
    if let Some(at) = cycle.resumes_at {
        let _ = writeln!(
            text,
            "The forum's request budget is spent: syncing resumes at {} (in {}); \
             replies wait in the outbox until then.",
            crate::text::clock::date_time(at),
            describe_wait(
                Duration::try_from(at.duration_since(jiff::Timestamp::now())).unwrap_or_default()
            ),
        );
    }
    if p.skipped > 0 {
        let _ = writeln!(
            text,
            "Skipped {} item{} the server sent that this threadmark cannot read (see the log).",
            p.skipped,
            plural(usize::try_from(p.skipped).unwrap_or(usize::MAX)),
        );
    }
    if cycle.outbox_busy {
        text.push_str("Outbox: left to the other threadmark that is sending it.\n");
    } else {
        let _ = writeln!(
            text,
            "Outbox: {} sent, {} held, {} failed, {} waiting{}.",
            f.sent,
            f.held,
            f.failed,
            f.waiting,
            if f.awaiting_approval > 0 {
                format!(", {} awaiting approval", f.awaiting_approval)
            } else {
                String::new()
            }
        );
        if f.waiting > 0
            && cycle.resumes_at.is_none()
            && let Some(at) = f.retry_at
        {
            let _ = writeln!(
                text,
                "Waiting replies go at {} or later.",
                crate::text::clock::date_time(at)
            );
        }
    }
    if !cycle.mode.accepts_writes() {
        let _ = writeln!(
            text,
            "The forum is {}: replies wait in the outbox until posting reopens.",
            cycle.mode.as_str()
        );
        if let Some(banner) = banner {
            text.push_str(&banner_text(banner));
        }
    } else if let Some(why) = &f.stopped {
        let _ = writeln!(text, "The outbox paused: {why}.");
    }
    text
}

/// A server's banner as plain lines: its text (Markdown made plain, cleaned), then when it
/// ends.
fn banner_text(banner: &Banner) -> String {
    let body = crate::render::plain_text(&crate::model::Body::markdown(banner.text.as_str()));
    let mut text = String::new();
    for line in body.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let _ = writeln!(text, "  {}", sanitize::clean_line(line));
    }
    if let Some(ends) = banner.ends_at {
        let _ = writeln!(text, "  Until {}.", crate::render::time_label(ends));
    }
    text
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Progress of long pulls on stderr: a rewritten line on a terminal, a line per tenth
/// when piped.
struct Progress {
    tty: bool,
    shown: bool,
    last_tenth: u64,
}

impl Progress {
    fn new() -> Self {
        Self {
            tty: std::io::stderr().is_terminal(),
            shown: false,
            last_tenth: 0,
        }
    }

    fn show(&mut self, connection: &Connection) {
        let progress = match *connection {
            Connection::Syncing(progress) => progress,
            Connection::Paused { resumes_at } => {
                let mut err = std::io::stderr().lock();
                if self.shown {
                    let _ = writeln!(err);
                    self.shown = false;
                }
                let wait = Duration::try_from(resumes_at.duration_since(jiff::Timestamp::now()))
                    .unwrap_or_default();
                let _ = writeln!(
                    err,
                    "syncing: waiting {} for the forum's request budget (until {})",
                    describe_wait(wait),
                    crate::text::clock::time_of_day(resumes_at)
                );
                return;
            }
            _ => return,
        };
        // Small syncs finish before a progress line would help.
        let Some((done, total)) = progress.filter(|(_, t)| *t >= 50) else {
            return;
        };
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\rsyncing: {done}/{total} threads");
            self.shown = true;
        } else {
            let tenth = done * 10 / total;
            if tenth > self.last_tenth {
                self.last_tenth = tenth;
                let _ = writeln!(err, "syncing: {done}/{total} threads");
            }
        }
    }

    fn finish(&mut self) {
        if self.shown {
            let _ = writeln!(std::io::stderr());
        }
    }
}
