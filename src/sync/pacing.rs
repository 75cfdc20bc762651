//! When an outbox entry may be tried again, whatever the wall clock does.
//!
//! A wait decided in this process ends when either clock says it has passed: the
//! monotonic one (so a wall clock set back — a 429 received while it ran a year ahead —
//! never stretches it) or the wall clock moving forward. A wait read back from disk (a
//! restart) is wall-clock time, bounded by [`MAX_RETRY_WAIT`]: a time further ahead is
//! brought back to that bound, on disk too, so no entry can be left waiting for a clock
//! that will not come.

use super::backoff::Backoff;
use crate::model::OutboxEntry;
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The longest any retry waits: our backoff's cap, and the most of a server's
/// `Retry-After` we honour (DESIGN §8).
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(300);

/// A wait decided here.
#[derive(Clone, Copy, Debug)]
struct Wait {
    /// The `next_attempt_at` written with it: when the file says otherwise, someone
    /// changed it (`outbox retry`) and the file wins.
    at: Timestamp,
    decided_wall: Timestamp,
    decided: Instant,
    length: Duration,
}

/// The outbox's backoff and the waits of its entries.
#[derive(Clone, Debug, Default)]
pub struct Pacing {
    pub backoff: Backoff,
    waits: HashMap<String, Wait>,
}

/// What [`Pacing::remaining`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    Now,
    /// Still waiting this long.
    In(Duration),
    /// Waiting, and the time on disk was further ahead than the bound: write it back.
    Bounded(Duration),
}

impl Pacing {
    /// Records that `entry` waits `length` from `now`; returns the time to write into
    /// its `next_attempt_at`.
    pub fn wait(&mut self, entry: &OutboxEntry, now: Timestamp, length: Duration) -> Timestamp {
        let length = length.min(MAX_RETRY_WAIT);
        let at = later(now, length);
        self.waits.insert(
            entry.key.clone(),
            Wait {
                at,
                decided_wall: now,
                decided: Instant::now(),
                length,
            },
        );
        at
    }

    /// How long `entry` still waits at wall time `now`.
    pub fn remaining(&mut self, entry: &OutboxEntry, now: Timestamp) -> Due {
        let Some(at) = entry.next_attempt_at else {
            self.waits.remove(&entry.key);
            return Due::Now;
        };
        if let Some(wait) = self.waits.get(&entry.key).filter(|w| w.at == at) {
            let by_monotonic = wait.length.saturating_sub(wait.decided.elapsed());
            let wall_elapsed =
                Duration::try_from(now.duration_since(wait.decided_wall)).unwrap_or(Duration::ZERO);
            let left = by_monotonic.min(wait.length.saturating_sub(wall_elapsed));
            return if left.is_zero() {
                Due::Now
            } else {
                Due::In(left)
            };
        }
        let Ok(left) = Duration::try_from(at.duration_since(now)) else {
            return Due::Now;
        };
        if left.is_zero() {
            return Due::Now;
        }
        let bounded = left > MAX_RETRY_WAIT;
        let left = left.min(MAX_RETRY_WAIT);
        self.wait(entry, now, left);
        if bounded {
            Due::Bounded(left)
        } else {
            Due::In(left)
        }
    }

    /// The user asked to try again now: our own waits are forgotten.
    pub fn reset(&mut self) {
        self.backoff.reset();
        self.waits.clear();
    }
}

/// `now + wait`, saturating.
pub fn later(now: Timestamp, wait: Duration) -> Timestamp {
    let wait = SignedDuration::try_from(wait).unwrap_or(SignedDuration::MAX);
    now.checked_add(wait).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Target, ThreadId};

    fn entry() -> OutboxEntry {
        OutboxEntry::new(
            Target::Reply {
                thread: ThreadId::new("t"),
                reply_to: None,
            },
            "x".into(),
            Timestamp::UNIX_EPOCH,
        )
    }

    #[test]
    fn a_wall_clock_set_back_does_not_stretch_a_wait_decided_here() {
        let mut pacing = Pacing::default();
        let mut e = entry();
        let ahead = Timestamp::now() + SignedDuration::from_hours(24 * 365);
        e.next_attempt_at = Some(pacing.wait(&e, ahead, Duration::from_secs(60)));
        // The clock is corrected: a year back. The wait is still at most a minute.
        match pacing.remaining(&e, Timestamp::now()) {
            Due::In(left) => assert!(left <= Duration::from_secs(60)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_wall_clock_moving_forward_ends_a_wait() {
        let mut pacing = Pacing::default();
        let mut e = entry();
        let now = Timestamp::now();
        e.next_attempt_at = Some(pacing.wait(&e, now, Duration::from_secs(60)));
        assert_eq!(
            pacing.remaining(&e, now + SignedDuration::from_secs(61)),
            Due::Now
        );
    }

    #[test]
    fn a_time_read_from_disk_is_bounded() {
        let mut pacing = Pacing::default();
        let mut e = entry();
        let now = Timestamp::now();
        e.next_attempt_at = Some(now + SignedDuration::from_hours(24 * 365));
        assert_eq!(pacing.remaining(&e, now), Due::Bounded(MAX_RETRY_WAIT));
        e.next_attempt_at = Some(now + SignedDuration::from_secs(30));
        assert_eq!(
            pacing.remaining(&e, now),
            Due::In(Duration::from_secs(30)),
            "a new time on disk (another process) wins over the one remembered"
        );
        e.next_attempt_at = None;
        assert_eq!(pacing.remaining(&e, now), Due::Now);
    }
}
