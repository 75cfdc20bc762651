//! Request budgets, backend-neutral: how many requests a server allows per sliding
//! window, the requests already spent (persisted, so a restart does not reset them), a
//! reserve that background work never touches, and pauses a server imposed.
//!
//! Discourse counts a User API key's requests in a sliding minute and a sliding day
//! (`max_user_api_reqs_per_minute`, `max_user_api_reqs_per_day`); Lemmy counts per IP.
//! A backend supplies its numbers as [`Limits`]; the sync engine keeps the [`RequestLog`]
//! on disk; the transport asks [`Budget::wait`] before every request.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::time::Duration;

/// Requests allowed in one sliding window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    pub requests: u32,
    #[serde(with = "seconds")]
    pub per: Duration,
}

impl Limit {
    pub const fn new(requests: u32, per: Duration) -> Self {
        Self { requests, per }
    }

    pub const fn per_minute(requests: u32) -> Self {
        Self::new(requests, Duration::from_secs(60))
    }

    pub const fn per_day(requests: u32) -> Self {
        Self::new(requests, Duration::from_secs(86_400))
    }

    /// The part of the window background work may spend: all but the reserve.
    pub fn background_share(self) -> u32 {
        self.requests - self.reserve()
    }

    /// Kept for what the user does right now (opening a thread, sending a reply).
    pub fn reserve(self) -> u32 {
        self.requests.saturating_mul(RESERVE_PERCENT) / 100
    }

    /// "20 a minute", "2,880 a day", "50 per 10 s".
    pub fn describe(self) -> String {
        let n = group_digits(self.requests);
        match self.per.as_secs() {
            60 => format!("{n} a minute"),
            3_600 => format!("{n} an hour"),
            86_400 => format!("{n} a day"),
            s if self.per.subsec_millis() == 0 => format!("{n} per {s} s"),
            _ => format!("{n} per {} ms", self.per.as_millis()),
        }
    }
}

/// Background work never spends the last 15% of any window.
pub const RESERVE_PERCENT: u32 = 15;

/// Every window a server counts in.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Limits {
    pub windows: Vec<Limit>,
}

impl Limits {
    pub fn new(windows: impl IntoIterator<Item = Limit>) -> Self {
        Self {
            windows: windows
                .into_iter()
                .filter(|w| !w.per.is_zero())
                .map(|w| Limit::new(w.requests.max(1), w.per))
                .collect(),
        }
    }

    /// Replaces (or adds) the window of length `per` with `requests`.
    #[must_use]
    pub fn with(mut self, requests: u32, per: Duration) -> Self {
        let limit = Limit::new(requests.max(1), per);
        match self.windows.iter_mut().find(|w| w.per == per) {
            Some(w) => *w = limit,
            None => self.windows.push(limit),
        }
        self.windows.sort_by_key(|w| w.per);
        self
    }

    fn longest(&self) -> Duration {
        self.windows
            .iter()
            .map(|w| w.per)
            .max()
            .unwrap_or(Duration::ZERO)
    }
}

/// Who a request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Priority {
    /// The user is waiting for it: may spend the reserve.
    User,
    /// Prefetching, catching up: leaves the reserve alone.
    Background,
}

/// The requests sent and the pause in force, as kept on disk between runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestLog {
    /// When each request within the longest window was sent (Unix milliseconds), oldest
    /// first.
    #[serde(default)]
    pub sent: VecDeque<i64>,
    /// The server said to stop until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_until: Option<Timestamp>,
    /// Why, in the server's terms (e.g. `user_api_key_limiter_1_day`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause_reason: Option<String>,
}

impl RequestLog {
    /// Joins what another process recorded (two threadmarks on one account spend one
    /// budget): every request either saw, and the later pause.
    ///
    /// The copy on disk holds this process's own earlier requests too, so a time both
    /// logs hold is one request, not two; but requests sent within one millisecond share
    /// a time, so a time is kept as often as the log holding it most often has it (a
    /// plain dedup lost those and counted fewer requests than the forum did).
    pub fn merge(&mut self, other: &RequestLog) {
        let mut mine: Vec<i64> = self.sent.iter().copied().collect();
        let mut theirs: Vec<i64> = other.sent.iter().copied().collect();
        mine.sort_unstable();
        theirs.sort_unstable();
        let mut all = Vec::with_capacity(mine.len().max(theirs.len()));
        let (mut i, mut j) = (0, 0);
        loop {
            match (mine.get(i), theirs.get(j)) {
                (Some(&a), Some(&b)) if a == b => {
                    all.push(a);
                    i += 1;
                    j += 1;
                }
                (Some(&a), Some(&b)) if a < b => {
                    all.push(a);
                    i += 1;
                }
                (Some(&a), None) => {
                    all.push(a);
                    i += 1;
                }
                (_, Some(&b)) => {
                    all.push(b);
                    j += 1;
                }
                (None, None) => break,
            }
        }
        self.sent = all.into();
        if other.paused_until > self.paused_until {
            self.paused_until = other.paused_until;
            self.pause_reason.clone_from(&other.pause_reason);
        }
    }
}

/// A server's limits with the requests spent against them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Budget {
    limits: Limits,
    log: RequestLog,
}

/// How one window stands, for `threadmark sync --status` and the status line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WindowStatus {
    pub limit: Limit,
    pub used: u32,
    /// Left for anything (the user's own actions).
    pub left: u32,
    /// Left for background work (the reserve kept back).
    pub background_left: u32,
}

/// A budget's state at one moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BudgetStatus {
    pub windows: Vec<WindowStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paused_until: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause_reason: Option<String>,
}

impl Budget {
    pub fn new(limits: Limits, log: RequestLog) -> Self {
        let mut budget = Self { limits, log };
        budget.tidy(Timestamp::now());
        budget
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn log(&self) -> &RequestLog {
        &self.log
    }

    /// Adopts a merged log (see [`RequestLog::merge`]).
    pub fn set_log(&mut self, log: RequestLog) {
        self.log = log;
        self.tidy(Timestamp::now());
    }

    /// Counts one request sent now.
    pub fn record(&mut self, now: Timestamp) {
        self.tidy(now);
        self.log.sent.push_back(now.as_millisecond());
    }

    /// The server said to stop until `until` (its `Retry-After`), whatever our counts say.
    pub fn pause(&mut self, until: Timestamp, reason: &str) {
        if self.log.paused_until.is_none_or(|p| until > p) {
            self.log.paused_until = Some(until);
            self.log.pause_reason = Some(reason.to_owned());
        }
    }

    /// The pause in force at `now`, if any.
    pub fn paused(&self, now: Timestamp) -> Option<(Timestamp, Option<&str>)> {
        self.log
            .paused_until
            .filter(|&until| until > now)
            .map(|until| (until, self.log.pause_reason.as_deref()))
    }

    /// How long a request of `priority` must wait (zero: it may go now).
    pub fn wait(&self, now: Timestamp, priority: Priority) -> Duration {
        let paused = self
            .paused(now)
            .map_or(Duration::ZERO, |(until, _)| until_duration(now, until));
        let counted = self
            .limits
            .windows
            .iter()
            .map(|&limit| self.window_wait(now, limit, priority))
            .max()
            .unwrap_or(Duration::ZERO);
        paused.max(counted)
    }

    /// Requests of `priority` that may go now, before any window is full.
    pub fn available(&self, now: Timestamp, priority: Priority) -> u32 {
        if self.paused(now).is_some() {
            return 0;
        }
        self.limits
            .windows
            .iter()
            .map(|&limit| allowed(limit, priority).saturating_sub(self.used(now, limit)))
            .min()
            .unwrap_or(u32::MAX)
    }

    pub fn status(&self, now: Timestamp) -> BudgetStatus {
        BudgetStatus {
            windows: self
                .limits
                .windows
                .iter()
                .map(|&limit| {
                    let used = self.used(now, limit);
                    WindowStatus {
                        limit,
                        used,
                        left: limit.requests.saturating_sub(used),
                        background_left: limit.background_share().saturating_sub(used),
                    }
                })
                .collect(),
            paused_until: self.paused(now).map(|(until, _)| until),
            pause_reason: self
                .paused(now)
                .and_then(|(_, reason)| reason.map(str::to_owned)),
        }
    }

    /// Requests counted in the window of `limit` ending at `now`.
    fn used(&self, now: Timestamp, limit: Limit) -> u32 {
        let start = window_start(now, limit.per);
        let n = self
            .log
            .sent
            .iter()
            .rev()
            .take_while(|&&t| t > start)
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    fn window_wait(&self, now: Timestamp, limit: Limit, priority: Priority) -> Duration {
        let allowed = allowed(limit, priority) as usize;
        let start = window_start(now, limit.per);
        let in_window: Vec<i64> = self
            .log
            .sent
            .iter()
            .copied()
            .filter(|&t| t > start)
            .collect();
        if in_window.len() < allowed {
            return Duration::ZERO;
        }
        // The request that must age out before one more fits.
        let Some(&oldest) = in_window.get(in_window.len() - allowed.max(1)) else {
            return Duration::ZERO;
        };
        let frees_at = oldest.saturating_add(i64::try_from(limit.per.as_millis()).unwrap_or(0));
        Duration::from_millis(u64::try_from(frees_at - now.as_millisecond()).unwrap_or(0))
    }

    /// Forgets requests older than the longest window; a clock that went back leaves no
    /// entry (or pause) in the future beyond what a window or a day allows.
    fn tidy(&mut self, now: Timestamp) {
        let now_ms = now.as_millisecond();
        let start = window_start(now, self.limits.longest());
        while self.log.sent.front().is_some_and(|&t| t <= start) {
            self.log.sent.pop_front();
        }
        for t in &mut self.log.sent {
            *t = (*t).min(now_ms);
        }
        let latest_pause = now
            .checked_add(SignedDuration::from_hours(24))
            .unwrap_or(now);
        if let Some(until) = self.log.paused_until {
            if until <= now {
                self.log.paused_until = None;
                self.log.pause_reason = None;
            } else if until > latest_pause {
                self.log.paused_until = Some(latest_pause);
            }
        }
    }
}

/// "12 s", "5 min", "3 h 20 min".
pub fn describe_wait(wait: Duration) -> String {
    let s = wait.as_secs().max(1);
    if s < 60 {
        return format!("{s} s");
    }
    let minutes = s.div_ceil(60);
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

fn allowed(limit: Limit, priority: Priority) -> u32 {
    match priority {
        Priority::User => limit.requests,
        Priority::Background => limit.background_share(),
    }
}

fn window_start(now: Timestamp, per: Duration) -> i64 {
    now.as_millisecond()
        .saturating_sub(i64::try_from(per.as_millis()).unwrap_or(i64::MAX))
}

fn until_duration(now: Timestamp, until: Timestamp) -> Duration {
    Duration::try_from(until.duration_since(now)).unwrap_or(Duration::ZERO)
}

fn group_digits(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Window lengths as whole or fractional seconds in JSON.
mod seconds {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = f64::deserialize(d)?;
        Duration::try_from_secs_f64(secs).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millisecond(1_700_000_000_000 + ms).unwrap()
    }

    fn user_key() -> Limits {
        Limits::new([Limit::per_minute(20), Limit::per_day(2_880)])
    }

    #[test]
    fn windows_slide_and_the_reserve_is_kept_from_background_work() {
        let mut budget = Budget::new(user_key(), RequestLog::default());
        budget.log.sent.clear();
        let t0 = at(0);
        for i in 0..17 {
            assert_eq!(
                budget.wait(at(i * 1_000), Priority::Background),
                Duration::ZERO
            );
            budget.record(at(i * 1_000));
        }
        let now = at(20_000);
        assert_eq!(
            budget.available(now, Priority::Background),
            0,
            "3 of 20 kept back"
        );
        assert_eq!(budget.available(now, Priority::User), 3);
        assert_eq!(
            budget.wait(now, Priority::Background),
            Duration::from_secs(40),
            "the first ages out 60 s after it was sent"
        );
        assert_eq!(budget.wait(now, Priority::User), Duration::ZERO);
        let status = budget.status(now);
        assert_eq!(
            (
                status.windows[0].used,
                status.windows[0].left,
                status.windows[0].background_left
            ),
            (17, 3, 0)
        );
        assert_eq!(status.windows[1].background_left, 2_448 - 17);
        assert!(t0 < now);
    }

    #[test]
    fn the_day_window_counts_what_the_minute_forgot() {
        let limits = Limits::new([Limit::per_minute(20), Limit::per_day(40)]);
        let mut budget = Budget::new(limits, RequestLog::default());
        budget.log.sent.clear();
        for i in 0..34 {
            budget.record(at(i * 10_000)); // 6 a minute
        }
        let later = at(34 * 10_000);
        assert_eq!(
            budget.available(later, Priority::Background),
            0,
            "34 of 40 a day is the background share"
        );
        assert_eq!(budget.available(later, Priority::User), 6);
        assert!(budget.wait(later, Priority::Background) > Duration::from_secs(80_000));
    }

    #[test]
    fn a_pause_stops_everything_until_it_ends_and_survives_a_round_trip() {
        let mut budget = Budget::new(user_key(), RequestLog::default());
        let now = Timestamp::now();
        let until = now + SignedDuration::from_hours(5);
        budget.pause(until, "user_api_key_limiter_1_day");
        assert_eq!(budget.available(now, Priority::User), 0);
        assert!(budget.wait(now, Priority::User) > Duration::from_secs(4 * 3_600));
        let json = serde_json::to_string(budget.log()).unwrap();
        let back = Budget::new(user_key(), serde_json::from_str(&json).unwrap());
        assert_eq!(
            back.paused(now),
            Some((until, Some("user_api_key_limiter_1_day")))
        );
        assert_eq!(back.wait(until, Priority::User), Duration::ZERO);
    }

    #[test]
    fn a_clock_that_went_back_leaves_nothing_in_the_far_future() {
        let now = Timestamp::now();
        let future = now + SignedDuration::from_hours(24 * 365);
        let log = RequestLog {
            sent: [future.as_millisecond()].into(),
            paused_until: Some(future),
            pause_reason: Some("x".into()),
        };
        let budget = Budget::new(user_key(), log);
        assert!(budget.log().sent[0] <= Timestamp::now().as_millisecond());
        assert!(budget.wait(now, Priority::User) <= Duration::from_secs(86_401));
    }

    #[test]
    fn logs_of_two_processes_merge() {
        let mut a = RequestLog {
            sent: [1, 3].into(),
            ..RequestLog::default()
        };
        let b = RequestLog {
            sent: [2, 3].into(),
            paused_until: Some(at(5)),
            pause_reason: Some("r".into()),
        };
        a.merge(&b);
        assert_eq!(a.sent, VecDeque::from([1, 2, 3]));
        assert_eq!(a.paused_until, Some(at(5)));
    }

    #[test]
    fn requests_sent_within_one_millisecond_stay_two_through_a_merge() {
        // Both sent at 7 by this process; the copy on disk has the first of them.
        let mut mine = RequestLog {
            sent: [4, 7, 7].into(),
            ..RequestLog::default()
        };
        let on_disk = RequestLog {
            sent: [4, 7].into(),
            ..RequestLog::default()
        };
        mine.merge(&on_disk);
        assert_eq!(mine.sent, VecDeque::from([4, 7, 7]));
        // And the other way round: the disk knows both, this process only one.
        let mut fresh = RequestLog {
            sent: [7].into(),
            ..RequestLog::default()
        };
        fresh.merge(&mine);
        assert_eq!(fresh.sent, VecDeque::from([4, 7, 7]));
    }

    #[test]
    fn waits_read_as_people_say_them() {
        assert_eq!(describe_wait(Duration::from_secs(12)), "12 s");
        assert_eq!(describe_wait(Duration::from_secs(61)), "2 min");
        assert_eq!(
            describe_wait(Duration::from_secs(3 * 3_600 + 1_200)),
            "3 h 20 min"
        );
        assert_eq!(describe_wait(Duration::from_secs(7_200)), "2 h");
        assert_eq!(describe_wait(Duration::from_secs(5 * 3_600 - 2)), "5 h");
    }

    #[test]
    fn limits_describe_themselves() {
        assert_eq!(Limit::per_day(2_880).describe(), "2,880 a day");
        assert_eq!(Limit::per_minute(20).describe(), "20 a minute");
        assert_eq!(
            Limit::new(50, Duration::from_secs(10)).describe(),
            "50 per 10 s"
        );
        let l = user_key().with(100, Duration::from_secs(60));
        assert_eq!(l.windows[0].requests, 100);
    }
}
