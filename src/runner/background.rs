//! Starts the account's sync engine on a task (for the demo, its own server first) and
//! keeps the line to it: commands go in (sync now, flush now, the thread in focus, shut
//! down), events come out to the runner.

use crate::account::{Account, AccountEngine};
use crate::app::Msg;
use crate::demo_server::DemoServer;
use crate::sync::{SyncCommand, SyncEvent};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OwnedMutexGuard;
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::task::JoinHandle;

/// How long quitting waits for the engine to finish what it is doing (an attempt in
/// flight). An attempt cut short is resent with the same key next time.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(3);

/// The running engine.
#[derive(Debug)]
pub struct SyncHandle {
    commands: mpsc::Sender<SyncCommand>,
    task: JoinHandle<()>,
}

impl SyncHandle {
    /// Passes a command on. A full queue means the engine is busy with earlier ones, which
    /// cover this one too.
    pub fn send(&self, command: SyncCommand) {
        if let Err(e) = self.commands.try_send(command) {
            tracing::debug!("sync command not queued: {e}");
        }
    }

    /// A line to the engine for work spawned off the loop.
    pub fn commands(&self) -> mpsc::Sender<SyncCommand> {
        self.commands.clone()
    }

    /// Asks the engine to stop and waits a little for it.
    pub async fn shutdown(self) {
        let _ = self.commands.try_send(SyncCommand::Shutdown);
        if tokio::time::timeout(SHUTDOWN_WAIT, self.task)
            .await
            .is_err()
        {
            tracing::warn!("the sync engine did not stop in time; leaving it");
        }
    }
}

/// The demo forum's own server, once it runs (the demo account only): the demo key
/// switches its mode, quitting stops it.
pub type DemoSlot = Arc<tokio::sync::Mutex<Option<DemoServer>>>;

/// Test hook: while the file this names does not exist, every engine waits before it is
/// built. Lets a test see the reader answer keys before any engine has started.
const HOLD_ENGINES: &str = "THREADMARK_TEST_HOLD_ENGINES";

/// Starts the engine for `account` off the reader's loop and returns the line to it at
/// once: building it (reading the account's thread index, the HTTP client, for the demo
/// its own server, put in `demo`) happens on a task, and the commands sent meanwhile wait
/// for it. When the account cannot sync (unusable credential, unsupported server, the
/// demo's server already in use by another threadmark), `SyncUnavailable` says why.
pub fn start(
    account: Account,
    ui: crate::config::UiConfig,
    events: mpsc::Sender<SyncEvent>,
    reply: UnboundedSender<Msg>,
    demo: Option<&DemoSlot>,
) -> SyncHandle {
    let (commands, receiver) = mpsc::channel(32);
    // Taken now, so a demo key pressed before the server runs waits for it.
    let demo = demo.and_then(|slot| Arc::clone(slot).try_lock_owned().ok());
    let task = tokio::spawn(async move {
        hold_for_tests().await;
        match build(account, &ui, demo).await {
            Ok(Some(engine)) => engine.run(receiver, events).await,
            Ok(None) => {}
            Err(why) => {
                tracing::warn!("{why}");
                let _ = reply.send(Msg::SyncUnavailable(why));
            }
        }
    });
    SyncHandle { commands, task }
}

async fn hold_for_tests() {
    let Some(gate) = std::env::var_os(HOLD_ENGINES).map(std::path::PathBuf::from) else {
        return;
    };
    while !tokio::fs::try_exists(&gate).await.unwrap_or(false) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The account's engine (`None`: nothing to sync with); for the demo, its server started
/// first and left in `demo`.
async fn build(
    account: Account,
    ui: &crate::config::UiConfig,
    demo: Option<OwnedMutexGuard<Option<DemoServer>>>,
) -> Result<Option<AccountEngine>, String> {
    if let Some(mut slot) = demo {
        let server = DemoServer::start(&account.dir)
            .await
            .map_err(|e| e.to_string())?;
        let engine = account
            .engine_for(&server.remote(), Some(server.credential()))
            .map_err(|e| format!("not syncing: {e}"))?;
        *slot = Some(server);
        return Ok(Some(engine));
    }
    // Pictures of the threads a pull brings are fetched ahead, as `[ui]` allows.
    let pictures = account.picture_prefetch(ui);
    // Reading the thread index is disk work: a blocking task, not the runtime's threads.
    let built = tokio::task::spawn_blocking(move || {
        let engine = account
            .sync_engine()
            .map_err(|e| format!("not syncing: {e}"))?;
        if let (Some(_), Some(remote)) = (&engine, &account.remote) {
            tracing::info!(account = %account.name, url = %remote.url, "sync engine started");
        }
        Ok(engine.map(|engine| {
            let engine = engine.with_relogin(account.relogin());
            match pictures {
                Some(pictures) => engine.with_pictures(pictures),
                None => engine,
            }
        }))
    })
    .await;
    built.map_err(|e| format!("not syncing: the engine could not be built ({e})"))?
}
