//! The engine's side of a backend's request budget: the requests spent are kept on disk
//! (merged with what another threadmark on the account spent), and a wait the budget or
//! the server imposes is either ridden out or ends the run with the time work resumes.

use crate::remote::{Backend, RemoteError};
use crate::store::{AccountDir, StoreError, load_request_log, save_request_log};
use jiff::{SignedDuration, Timestamp};
use std::time::Duration;

/// Waits up to this long are ridden out (a minute's window frees up); longer ones (the
/// daily limit) end the run and say when it resumes.
pub const RIDE_OUT: Duration = Duration::from_secs(60);

/// Gives the backend the requests already spent, as kept on disk.
pub fn restore(backend: &mut impl Backend, dir: &AccountDir) -> Result<(), StoreError> {
    if backend.request_log().is_some() {
        let (log, _problem) = load_request_log(dir)?;
        backend.restore_request_log(log);
    }
    Ok(())
}

/// Writes the requests spent (joined with another process's) and hands the joined log
/// back to the backend.
pub fn persist(backend: &mut impl Backend, dir: &AccountDir) -> Result<(), StoreError> {
    if let Some(log) = backend.request_log() {
        let merged = save_request_log(dir, log)?;
        backend.restore_request_log(merged);
    }
    Ok(())
}

/// The wait a rate limit imposes, when the error is one that says how long.
pub fn rate_limit_wait(error: &RemoteError) -> Option<Duration> {
    match error {
        RemoteError::Status {
            status: 429,
            retry_after,
            ..
        } => *retry_after,
        _ => None,
    }
}

/// `now + wait`.
pub fn after(wait: Duration) -> Timestamp {
    let now = Timestamp::now();
    now.checked_add(SignedDuration::try_from(wait).unwrap_or(SignedDuration::MAX))
        .unwrap_or(now)
}
