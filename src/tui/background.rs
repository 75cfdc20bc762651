//! Starts the background workers that feed `Msg::Background`. The sync engine plugs in here:
//! it gets the sender and reports its mode, sync times, outbox size and cache changes.

use crate::account::Account;
use crate::app::BackgroundEvent;
use tokio::sync::mpsc::Sender;

/// Starts the account's workers. There are none yet: the demo has no server, and other
/// accounts are read from the cache (the status line shows "offline"). Dropping the sender
/// closes the channel, which the runner treats as "no more background news".
pub fn start(account: &Account, events: Sender<BackgroundEvent>) {
    tracing::info!(account = %account.name, demo = account.is_demo(), "no background workers");
    drop(events);
}
