//! Retry delays: exponential backoff with full jitter, capped, reset on success;
//! a server's `Retry-After` wins.

use std::time::Duration;

/// Backoff state for one kind of work (pulling, or flushing the outbox).
#[derive(Clone, Debug)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    failures: u32,
}

impl Default for Backoff {
    /// Base 1 s, cap 5 min (DESIGN §8).
    fn default() -> Self {
        Self::new(Duration::from_secs(1), Duration::from_secs(300))
    }
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration) -> Self {
        Self {
            base,
            cap,
            failures: 0,
        }
    }

    /// Consecutive failures so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Records a failure and returns how long to wait: `retry_after` when the server
    /// gave one (capped), else a uniformly random delay in `[0, min(cap, base·2^n)]`.
    pub fn fail(&mut self, retry_after: Option<Duration>) -> Duration {
        self.failures = self.failures.saturating_add(1);
        if let Some(wait) = retry_after {
            return wait.min(self.cap);
        }
        let ceiling = self.ceiling();
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }

    /// The largest delay the next failure could draw.
    pub fn ceiling(&self) -> Duration {
        let exp = self.failures.saturating_sub(1).min(30);
        self.base
            .checked_mul(1_u32 << exp)
            .unwrap_or(self.cap)
            .min(self.cap)
    }

    /// A success: the next failure starts from the base again.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_to_the_cap_and_reset_on_success() {
        let mut b = Backoff::default();
        for _ in 0..20 {
            let d = b.fail(None);
            assert!(d <= b.ceiling());
        }
        assert_eq!(b.ceiling(), Duration::from_secs(300));
        b.reset();
        assert!(b.fail(None) <= Duration::from_secs(1));
    }

    #[test]
    fn retry_after_wins_but_is_capped() {
        let mut b = Backoff::default();
        assert_eq!(b.fail(Some(Duration::from_secs(7))), Duration::from_secs(7));
        assert_eq!(
            b.fail(Some(Duration::from_secs(86_400))),
            Duration::from_secs(300)
        );
    }

    #[test]
    fn jitter_spreads_delays() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(300));
        for _ in 0..8 {
            b.fail(None);
        }
        let draws: std::collections::HashSet<Duration> = (0..20)
            .map(|_| {
                let mut c = b.clone();
                c.fail(None)
            })
            .collect();
        assert!(draws.len() > 10, "full jitter, not a fixed delay");
    }
}
