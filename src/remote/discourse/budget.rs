//! The request budget: at most N requests per window (Discourse user keys: 20 a minute),
//! counted on a sliding window so pull work can stop before the server says no.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How many requests a site allows per window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestBudget {
    pub requests: u32,
    pub per: Duration,
}

impl RequestBudget {
    /// Discourse's default for a User API key (`max_user_api_reqs_per_minute`).
    pub const USER_API_KEY: Self = Self {
        requests: 20,
        per: Duration::from_secs(60),
    };
    /// Discourse's default for an admin API key (`max_admin_api_reqs_per_minute`).
    pub const ADMIN_API_KEY: Self = Self {
        requests: 60,
        per: Duration::from_secs(60),
    };
    /// Anonymous reading: well under the per-IP limits (200 a minute, 50 per 10 s).
    pub const ANONYMOUS: Self = Self {
        requests: 60,
        per: Duration::from_secs(60),
    };
}

/// Requests sent in the current window.
#[derive(Debug)]
pub struct Window {
    budget: RequestBudget,
    sent: VecDeque<Instant>,
}

impl Window {
    pub fn new(budget: RequestBudget) -> Self {
        Self {
            budget: RequestBudget {
                requests: budget.requests.max(1),
                per: budget.per,
            },
            sent: VecDeque::new(),
        }
    }

    pub fn budget(&self) -> RequestBudget {
        self.budget
    }

    fn forget_old(&mut self, now: Instant) {
        while let Some(&first) = self.sent.front() {
            if now.duration_since(first) >= self.budget.per {
                self.sent.pop_front();
            } else {
                break;
            }
        }
    }

    pub fn record(&mut self, now: Instant) {
        self.forget_old(now);
        self.sent.push_back(now);
    }

    /// Requests still allowed in this window, keeping `reserve` of them back (for writes).
    pub fn available(&mut self, now: Instant, reserve: u32) -> u32 {
        self.forget_old(now);
        let used = u32::try_from(self.sent.len()).unwrap_or(u32::MAX);
        self.budget
            .requests
            .saturating_sub(reserve)
            .saturating_sub(used)
    }

    /// How long until one more request (beyond `reserve`) fits.
    pub fn wait(&mut self, now: Instant, reserve: u32) -> Duration {
        self.forget_old(now);
        if self.available(now, reserve) > 0 {
            return Duration::ZERO;
        }
        let allowed = self.budget.requests.saturating_sub(reserve) as usize;
        // The request that must age out before one more fits.
        let index = self.sent.len().saturating_sub(allowed.max(1));
        self.sent.get(index).map_or(Duration::ZERO, |&t| {
            self.budget.per.saturating_sub(now.duration_since(t))
        })
    }

    /// The part of the budget pulls keep free so a reply can go out at once.
    pub fn write_reserve(&self) -> u32 {
        if self.budget.requests >= 10 { 2 } else { 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_slides() {
        let mut w = Window::new(RequestBudget {
            requests: 3,
            per: Duration::from_secs(60),
        });
        let t0 = Instant::now();
        for i in 0..3 {
            assert_eq!(w.available(t0, 0), 3 - i);
            w.record(t0 + Duration::from_secs(u64::from(i) * 10));
        }
        let t = t0 + Duration::from_secs(25);
        assert_eq!(w.available(t, 0), 0);
        assert_eq!(
            w.wait(t, 0),
            Duration::from_secs(35),
            "the first ages out at 60 s"
        );
        assert_eq!(
            w.wait(t, 1),
            Duration::from_secs(45),
            "keeping one back waits for the second"
        );
        assert_eq!(w.available(t0 + Duration::from_secs(61), 0), 1);
    }
}
