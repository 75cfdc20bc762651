//! Discourse's request limits per kind of credential, from its own defaults
//! (`config/discourse_defaults.conf`): a User API key may make
//! `max_user_api_reqs_per_minute = 20` and `max_user_api_reqs_per_day = 2880` requests,
//! counted per key in a sliding minute and a sliding day
//! (`lib/auth/default_current_user_provider.rb`, limiters `user_api_key_limiter_60_secs`
//! and `user_api_key_limiter_1_day`); admin API keys share one limiter of
//! `max_admin_api_reqs_per_minute = 60` (`admin_api_min`); anonymous requests count
//! against the address's `max_reqs_per_ip_per_10_seconds = 50` and
//! `max_reqs_per_ip_per_minute = 200` (`lib/middleware/request_tracker.rb`).

use crate::model::{Limit, Limits};
use crate::store::Credential;
use std::time::Duration;

/// The windows Discourse counts a credential's requests in, by default.
pub fn default_limits(credential: Option<&Credential>) -> Limits {
    match credential {
        Some(Credential::DiscourseUserApiKey { .. }) => {
            Limits::new([Limit::per_minute(20), Limit::per_day(2_880)])
        }
        Some(Credential::DiscourseApiKey { .. }) => Limits::new([Limit::per_minute(60)]),
        Some(Credential::Bearer { .. }) | None => Limits::new([
            Limit::new(50, Duration::from_secs(10)),
            Limit::per_minute(200),
        ]),
    }
}

/// The defaults with the account's overrides (`requests_per_minute`, `requests_per_day`),
/// for forums whose admins changed them.
pub fn limits(
    credential: Option<&Credential>,
    per_minute: Option<u32>,
    per_day: Option<u32>,
) -> Limits {
    let mut limits = default_limits(credential);
    if let Some(n) = per_minute {
        limits = limits.with(n, Duration::from_secs(60));
    }
    if let Some(n) = per_day {
        limits = limits.with(n, Duration::from_secs(86_400));
    }
    limits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Secret;

    #[test]
    fn user_keys_count_a_minute_and_a_day_and_overrides_replace_them() {
        let key = Credential::DiscourseUserApiKey {
            key: Secret::new("k"),
            client_id: "c".into(),
        };
        let l = limits(Some(&key), None, None);
        assert_eq!(l.windows, [Limit::per_minute(20), Limit::per_day(2_880)]);
        let l = limits(Some(&key), Some(100), Some(10_000));
        assert_eq!(l.windows, [Limit::per_minute(100), Limit::per_day(10_000)]);
        let anonymous = limits(None, None, None);
        assert_eq!(
            anonymous.windows[0],
            Limit::new(50, Duration::from_secs(10))
        );
    }
}
