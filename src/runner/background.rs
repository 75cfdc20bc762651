//! Starts the account's sync engine on the runtime (for the demo, its own server first) and
//! keeps the line to it: commands go in (sync now, flush now, the thread in focus, shut
//! down), events come out to the runner.

use crate::account::{Account, AccountEngine};
use crate::demo_server::DemoServer;
use crate::sync::{SyncCommand, SyncEvent};
use std::time::Duration;
use tokio::sync::mpsc;
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

/// Starts the engine for `account`, and for the demo its own server (returned, to switch
/// and to stop); an error message when the account cannot sync (unusable credential,
/// unsupported server, the demo's server already in use by another threadmark).
pub async fn start(
    account: &Account,
    ui: &crate::config::UiConfig,
    events: mpsc::Sender<SyncEvent>,
) -> Result<(Option<SyncHandle>, Option<DemoServer>), String> {
    if account.is_demo() {
        let demo = DemoServer::start(&account.dir)
            .await
            .map_err(|e| e.to_string())?;
        let engine = account
            .engine_for(&demo.remote(), Some(demo.credential()))
            .map_err(|e| format!("not syncing: {e}"))?;
        return Ok((Some(spawn(engine, events)), Some(demo)));
    }
    let Some(engine) = account
        .sync_engine()
        .map_err(|e| format!("not syncing: {e}"))?
    else {
        return Ok((None, None));
    };
    let mut engine = engine.with_relogin(account.relogin());
    if let Some(pictures) = account.picture_prefetch(ui) {
        engine = engine.with_pictures(pictures);
    }
    if let Some(remote) = &account.remote {
        tracing::info!(account = %account.name, url = %remote.url, "sync engine started");
    }
    Ok((Some(spawn(engine, events)), None))
}

fn spawn(engine: AccountEngine, events: mpsc::Sender<SyncEvent>) -> SyncHandle {
    let (commands, receiver) = mpsc::channel(32);
    let task = tokio::spawn(engine.run(receiver, events));
    SyncHandle { commands, task }
}
