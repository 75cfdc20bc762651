//! The stand-in Discourse's request limits, as Discourse counts them.
//!
//! `lib/rate_limiter.rb`: a limiter keeps the times of the last `max` requests (a Redis
//! list); a request is allowed when fewer than `max` are kept or the oldest is at least
//! `secs` old (a sliding window), else `RateLimiter::LimitExceeded` with
//! `seconds_to_wait = secs - age_of_oldest`. `lib/auth/default_current_user_provider.rb`
//! looks a User API key up first (an unknown or revoked key is `Discourse::InvalidAccess`,
//! 403), then performs `user_api_key_limiter_60_secs` (`max_user_api_reqs_per_minute`,
//! default 20) and `user_api_key_limiter_1_day` (`max_user_api_reqs_per_day`, 2,880);
//! admin keys share one `admin_api_key_rate_limit` limiter (`max_admin_api_reqs_per_minute`,
//! 60). `app/controllers/application_controller.rb` (`rescue_from
//! RateLimiter::LimitExceeded`) answers 429 with `Retry-After` and
//! `Discourse-Rate-Limit-Error-Code` headers and `{"errors": [...], "error_type":
//! "rate_limit", "extras": {"wait_seconds": N, "time_left": "..."}}`. Window lengths can be
//! shortened here so tests need not wait out a real minute or day.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// One sliding window: at most `max` requests per `per`.
#[derive(Clone, Debug)]
pub struct Limiter {
    pub max: usize,
    pub per: Duration,
    pub error_code: &'static str,
    sent: VecDeque<Instant>,
}

/// A refusal: the limiter's code and how long to wait.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exceeded {
    pub error_code: &'static str,
    pub wait: Duration,
}

impl Limiter {
    pub fn new(max: usize, per: Duration, error_code: &'static str) -> Self {
        Self {
            max,
            per,
            error_code,
            sent: VecDeque::new(),
        }
    }

    /// `RateLimiter#performed!`: counts the request, or refuses it without counting.
    pub fn performed(&mut self, now: Instant) -> Result<(), Exceeded> {
        let oldest_age = self
            .sent
            .front()
            .map_or(Duration::MAX, |&t| now.duration_since(t));
        if self.sent.len() < self.max || oldest_age >= self.per {
            self.sent.push_back(now);
            while self.sent.len() > self.max {
                self.sent.pop_front();
            }
            Ok(())
        } else {
            Err(Exceeded {
                error_code: self.error_code,
                wait: self.per.saturating_sub(oldest_age),
            })
        }
    }
}

/// The limits a site applies, and the limiters of every caller so far.
#[derive(Clone, Debug)]
pub struct SiteLimits {
    /// User API keys: (per minute, per day), with their window lengths.
    pub user_key: Option<[(usize, Duration); 2]>,
    /// Admin API keys, all of them together.
    pub admin: Option<(usize, Duration)>,
    user_limiters: HashMap<String, [Limiter; 2]>,
    admin_limiter: Option<Limiter>,
    /// Every refusal given, for tests to assert the client never caused one.
    pub refused: Vec<Exceeded>,
}

impl Default for SiteLimits {
    /// No limits (most tests are about something else).
    fn default() -> Self {
        Self {
            user_key: None,
            admin: None,
            user_limiters: HashMap::new(),
            admin_limiter: None,
            refused: Vec::new(),
        }
    }
}

impl SiteLimits {
    /// Discourse's defaults (`config/discourse_defaults.conf`), windows scaled by `scale`
    /// (1.0: a real minute and day).
    pub fn discourse_defaults(scale: f64) -> Self {
        Self {
            user_key: Some([
                (20, Duration::from_secs(60).mul_f64(scale)),
                (2_880, Duration::from_secs(86_400).mul_f64(scale)),
            ]),
            admin: Some((60, Duration::from_secs(60).mul_f64(scale))),
            ..Self::default()
        }
    }

    /// User API keys limited to `per_minute` in `minute` and `per_day` in `day`.
    pub fn user_keys(per_minute: usize, minute: Duration, per_day: usize, day: Duration) -> Self {
        Self {
            user_key: Some([(per_minute, minute), (per_day, day)]),
            ..Self::default()
        }
    }

    /// Counts a request made with a (known) User API key.
    pub fn user_key_request(&mut self, key: &str, now: Instant) -> Result<(), Exceeded> {
        let Some([minute, day]) = self.user_key else {
            return Ok(());
        };
        let limiters = self.user_limiters.entry(key.to_owned()).or_insert_with(|| {
            [
                Limiter::new(minute.0, minute.1, "user_api_key_limiter_60_secs"),
                Limiter::new(day.0, day.1, "user_api_key_limiter_1_day"),
            ]
        });
        let result = limiters[0]
            .performed(now)
            .and_then(|()| limiters[1].performed(now));
        if let Err(e) = &result {
            self.refused.push(e.clone());
        }
        result
    }

    /// Counts a request made with an admin API key.
    pub fn admin_request(&mut self, now: Instant) -> Result<(), Exceeded> {
        let Some((max, per)) = self.admin else {
            return Ok(());
        };
        let result = self
            .admin_limiter
            .get_or_insert_with(|| Limiter::new(max, per, "admin_api_key_rate_limit"))
            .performed(now);
        if let Err(e) = &result {
            self.refused.push(e.clone());
        }
        result
    }

    /// Requests counted in each window of `key` (minute, day) right now.
    pub fn used(&self, key: &str) -> (usize, usize) {
        self.user_limiters
            .get(key)
            .map_or((0, 0), |[m, d]| (m.sent.len(), d.sent.len()))
    }
}

/// The 429 Discourse renders for a refusal (seconds rounded up, at least 1).
pub fn retry_after_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}
