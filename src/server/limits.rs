//! Per-caller rate limits (token buckets, one for reads and one for writes) answering 429 with `Retry-After`; who the caller is, [`super::auth`] decides.

use super::error::problem_response;
use super::state::Shared;
use crate::api::{Problem, ProblemCode};
use axum::http::Method;
use axum::response::Response;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

/// Buckets kept before idle (full) ones are dropped.
const MAX_TRACKED: usize = 10_000;

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// One kind of request's allowance per client.
#[derive(Debug)]
pub struct Allowance {
    per_minute: u32,
    burst: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Allowance {
    pub fn new(per_minute: u32, burst: u32) -> Self {
        Self {
            per_minute,
            burst: burst.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `client`'s bucket; `Err(seconds)` says when one is back.
    pub fn take(&self, client: &str, now: Instant) -> Result<(), u32> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let rate = f64::from(self.per_minute) / 60.0;
        let burst = f64::from(self.burst);
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= MAX_TRACKED {
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst);
        }
        let bucket = buckets.entry(client.to_owned()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * rate).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - bucket.tokens) / rate).ceil();
            // Bounded by 60 s / per_minute, so the cast cannot truncate.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Err((wait as u32).max(1))
        }
    }
}

#[derive(Debug)]
pub struct RateLimiter {
    pub reads: Allowance,
    pub writes: Allowance,
}

/// Takes one request of `method` from `client`'s allowance; the 429 `rate_limited`
/// answer (with `Retry-After`) once it is spent.
#[allow(clippy::result_large_err)] // a ready answer, handed straight back to axum
pub fn take_allowance(app: &Shared, method: &Method, client: &str) -> Result<(), Response> {
    let writes = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    let allowance = if writes {
        &app.limiter.writes
    } else {
        &app.limiter.reads
    };
    allowance.take(client, Instant::now()).map_err(|seconds| {
        problem_response(
            &Problem::new(ProblemCode::RateLimited)
                .detail(format!("slow down: try again in {seconds} s"))
                .retry_after(seconds),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_bucket_empties_then_refills_at_the_rate() {
        let allowance = Allowance::new(60, 2);
        let t0 = Instant::now();
        assert!(allowance.take("a", t0).is_ok());
        assert!(allowance.take("a", t0).is_ok());
        assert_eq!(allowance.take("a", t0), Err(1));
        assert!(
            allowance.take("b", t0).is_ok(),
            "clients have their own buckets"
        );
        assert!(allowance.take("a", t0 + Duration::from_secs(1)).is_ok());
    }

    #[test]
    fn zero_per_minute_means_unlimited() {
        let allowance = Allowance::new(0, 1);
        let t0 = Instant::now();
        for _ in 0..100 {
            assert!(allowance.take("a", t0).is_ok());
        }
    }
}
