//! `threadmark sync`: one pull and one push, progress on stderr, a summary on stdout.

use crate::account::{Account, Setup};
use crate::model::describe_wait;
use crate::remote::{RemoteError, connect};
use crate::store::Secrets;
use crate::sync::{Connection, CycleReport, Engine, SyncError};
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// Runs one sync of `account`. Fails (exit 1) only when the server could not be reached
/// or refused us; held or failed replies are reported, not errors.
pub fn sync(setup: &Setup, account: &Account, out: &mut impl Write) -> anyhow::Result<()> {
    let Some(remote) = &account.remote else {
        writeln!(
            out,
            "The demo forum is offline-only: there is nothing to sync. Add a forum with \
             `threadmark account add NAME --url URL`."
        )?;
        return Ok(());
    };
    let credential = Secrets::open(&setup.data).load(&account.name)?;
    let backend = connect(remote, credential)?;
    let mut engine = Engine::new(backend, account.dir.clone())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut progress = Progress::new();
    let result = runtime.block_on(engine.sync_once(&mut |p| progress.show(&p)));
    progress.finish();
    let cycle = result.map_err(|e| sync_error(e, &remote.url, &account.name))?;
    write!(out, "{}", summary(&account.name, &cycle))?;
    if cycle.flushed.needs_login {
        anyhow::bail!(
            "login needed: {} refused our credentials; run `threadmark login --account {}`",
            remote.url,
            account.name
        );
    }
    Ok(())
}

fn sync_error(error: SyncError, url: &str, account: &str) -> anyhow::Error {
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

/// The summary printed after a sync.
pub fn summary(account: &str, cycle: &CycleReport) -> String {
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
    if let Some(at) = cycle.resumes_at {
        let _ = writeln!(
            text,
            "The forum's request budget is spent: syncing resumes at {} (in {}); \
             replies wait in the outbox until then.",
            at.strftime("%Y-%m-%d %H:%M UTC"),
            describe_wait(
                Duration::try_from(at.duration_since(jiff::Timestamp::now())).unwrap_or_default()
            ),
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
            && let Some(at) = f.retry_at
        {
            let _ = writeln!(
                text,
                "Waiting replies go at {} or later.",
                at.strftime("%Y-%m-%d %H:%M:%S UTC")
            );
        }
    }
    if !cycle.mode.accepts_writes() {
        let _ = writeln!(
            text,
            "The forum is {}: replies wait in the outbox until posting reopens.",
            cycle.mode.as_str()
        );
    } else if let Some(why) = &f.stopped {
        let _ = writeln!(text, "The outbox paused: {why}.");
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
                    resumes_at.strftime("%H:%M:%S UTC")
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
