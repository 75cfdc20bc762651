//! Reads what a Lemmy instance answered. Lemmy names its errors
//! (`{"error": "not_logged_in"}`, `crates/utils/src/error.rs`) and sends almost all of
//! them as 400 (only `incorrect_login` is 401, a missing record 404); they are mapped
//! here onto the codes every backend shares. Rate limits differ by version: Lemmy 0.19
//! answers 400 `rate_limit_error` without any header (`crates/utils/src/rate_limit/mod.rs`),
//! Lemmy 1.0 answers 429 with an empty body and `retry-after` / `x-ratelimit-*` headers
//! (actix-extensible-rate-limit's `add_headers`), which its successful answers carry too.

use super::wire::{self, ErrorBody};
use crate::remote::{Answer, RemoteError};
use crate::text::sanitize::clean_line;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use std::time::Duration;

/// Lemmy 1.0's rate-limit headers.
pub const REMAINING_HEADER: &str = "x-ratelimit-remaining";
pub const RESET_HEADER: &str = "x-ratelimit-reset";

/// What one answer means.
#[derive(Debug)]
pub struct Reading {
    pub result: Result<Vec<u8>, RemoteError>,
    /// Stop every request to the instance for this long.
    pub pause: Option<Duration>,
}

/// Interprets an answer. `with_token`: the request carried the account's JWT (so "not
/// logged in" means the token is no longer accepted). `default_wait`: the instance's
/// window, waited out after a rate limit that names no time.
pub fn read(answer: Answer, with_token: bool, default_wait: Duration) -> Reading {
    let status = answer.status;
    if status == StatusCode::TOO_MANY_REQUESTS {
        let wait = crate::remote::http::retry_after(&answer.headers)
            .or_else(|| seconds_header(&answer.headers, RESET_HEADER))
            .unwrap_or(default_wait);
        return Reading {
            result: Err(rate_limited(wait)),
            pause: Some(wait),
        };
    }
    if is_html(&answer) {
        return Reading {
            result: Err(RemoteError::Unreachable(format!(
                "the instance answered HTTP {} with a web page instead of data (a proxy, \
                 firewall or maintenance page); try again later",
                status.as_u16()
            ))),
            pause: None,
        };
    }
    if status.is_success() {
        // The last request of the window: wait for the next one before asking again.
        let exhausted = seconds_header(&answer.headers, REMAINING_HEADER) == Some(Duration::ZERO);
        let pause = exhausted
            .then(|| seconds_header(&answer.headers, RESET_HEADER))
            .flatten()
            .filter(|w| !w.is_zero());
        return Reading {
            result: Ok(answer.body),
            pause,
        };
    }
    let code = status.as_u16();
    let doc = (first_byte(&answer.body) == Some(b'{'))
        .then(|| wire::decode::<ErrorBody>(&answer.body, "an error").ok())
        .flatten();
    let Some(doc) = doc else {
        let result = match code {
            404 => Err(status_error(404, "not_found", "not found on the instance")),
            _ => Err(RemoteError::Unreachable(format!(
                "the instance answered HTTP {code} without data (it may be down, or a proxy \
                 in front of it failed); try again later"
            ))),
        };
        return Reading {
            result,
            pause: None,
        };
    };
    if doc.error == "rate_limit_error" {
        return Reading {
            result: Err(rate_limited(default_wait)),
            pause: Some(default_wait),
        };
    }
    Reading {
        result: Err(named_error(code, &doc, with_token)),
        pause: None,
    }
}

/// A named Lemmy error as one of the shared codes, with words for the user.
fn named_error(status: u16, doc: &ErrorBody, with_token: bool) -> RemoteError {
    let name = doc.error.as_str();
    let detail = doc
        .message
        .as_ref()
        .and_then(|m| m.as_str())
        .filter(|m| !m.trim().is_empty());
    let (status, code, text): (u16, &str, String) = match name {
        "not_logged_in" if with_token => (
            401,
            "unauthorized",
            "the instance no longer accepts this login (the token expired or was revoked); \
             run `threadmark login`"
                .to_owned(),
        ),
        "not_logged_in" | "instance_is_private" => (
            401,
            "unauthorized",
            "log in to do that: run `threadmark login`".to_owned(),
        ),
        "incorrect_login" => (
            401,
            "unauthorized",
            "wrong user name or password".to_owned(),
        ),
        "missing_totp_token" => (
            401,
            "totp_required",
            "this account uses two-factor authentication".to_owned(),
        ),
        "incorrect_totp_token" => (401, "totp_incorrect", "wrong two-factor code".to_owned()),
        "registration_application_is_pending" => (
            403,
            "approval_pending",
            "the account waits for the instance admins to approve its application".to_owned(),
        ),
        "registration_denied" => (
            403,
            "forbidden",
            "the instance admins denied the account's application".to_owned(),
        ),
        "email_not_verified" => (
            403,
            "forbidden",
            "the account's email address is not verified yet (see the instance's email)".to_owned(),
        ),
        "locked" | "post_is_locked" => (
            403,
            "locked",
            "the post is locked: no new comments".to_owned(),
        ),
        "only_mods_can_post_in_community" | "not_a_moderator" => (
            403,
            "forbidden",
            "only moderators may post in this community".to_owned(),
        ),
        "banned_from_community" | "person_is_banned_from_community" => (
            403,
            "forbidden",
            "the account is banned from this community".to_owned(),
        ),
        "site_ban" | "banned" | "person_is_banned_from_site" => (
            403,
            "forbidden",
            "the account is banned from this instance".to_owned(),
        ),
        "deleted" | "cannot_create_post_or_comment_in_deleted_or_removed_community" => (
            404,
            "not_found",
            "the post or its community was deleted or removed".to_owned(),
        ),
        "not_found" => (404, "not_found", "not found on the instance".to_owned()),
        n if n.starts_with("couldnt_find") => (404, "not_found", humanize(n)),
        n if status >= 500 => (status, "server_error", humanize(n)),
        n => (
            422,
            "validation_failed",
            format!("the instance refused: {}", humanize(n)),
        ),
    };
    let message = match detail {
        Some(detail) => format!("{text} ({detail})"),
        None => text,
    };
    status_error(status, code, &message)
}

/// `couldnt_find_post` → "couldnt find post".
fn humanize(name: &str) -> String {
    name.replace('_', " ")
}

fn status_error(status: u16, code: &str, message: &str) -> RemoteError {
    RemoteError::Status {
        status,
        code: Some(code.to_owned()),
        message: clean_line(message).chars().take(500).collect(),
        retry_after: None,
    }
}

fn rate_limited(wait: Duration) -> RemoteError {
    RemoteError::Status {
        status: 429,
        code: Some("rate_limited".to_owned()),
        message: format!(
            "the instance asked to slow down; requests resume in {} s",
            wait.as_secs().max(1)
        ),
        retry_after: Some(wait),
    }
}

/// The error given while a pause is in force, without asking the server.
pub fn paused_error(wait: Duration) -> RemoteError {
    rate_limited(wait)
}

fn seconds_header(headers: &HeaderMap, name: &str) -> Option<Duration> {
    let seconds: u64 = headers.get(name)?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds.min(86_400)))
}

fn first_byte(body: &[u8]) -> Option<u8> {
    body.iter().copied().find(|b| !b.is_ascii_whitespace())
}

fn is_html(answer: &Answer) -> bool {
    let declared = answer
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("html"));
    declared || first_byte(&answer.body) == Some(b'<')
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    const BUDGET: Duration = Duration::from_secs(60);

    fn answer(status: u16, headers: &[(&'static str, &'static str)], body: &str) -> Answer {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, HeaderValue::from_static(v));
        }
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers: map,
            body: body.as_bytes().to_vec(),
        }
    }

    fn code(r: &Reading) -> Option<String> {
        match &r.result {
            Err(RemoteError::Status { code, .. }) => code.clone(),
            _ => None,
        }
    }

    #[test]
    fn both_kinds_of_rate_limit_pause_the_instance() {
        let v4 = read(
            answer(429, &[("retry-after", "17"), (RESET_HEADER, "17")], ""),
            false,
            BUDGET,
        );
        assert_eq!(v4.pause, Some(Duration::from_secs(17)));
        assert_eq!(code(&v4).as_deref(), Some("rate_limited"));
        let v3 = read(
            answer(400, &[], r#"{"error":"rate_limit_error"}"#),
            false,
            BUDGET,
        );
        assert_eq!(v3.pause, Some(BUDGET), "no header: the whole window");
        let last = read(
            answer(200, &[(REMAINING_HEADER, "0"), (RESET_HEADER, "9")], "{}"),
            false,
            BUDGET,
        );
        assert!(last.result.is_ok());
        assert_eq!(last.pause, Some(Duration::from_secs(9)));
    }

    #[test]
    fn an_expired_token_is_a_login_problem_only_when_one_was_sent() {
        let body = r#"{"error":"not_logged_in","cause":"NotLoggedIn"}"#;
        let with = read(answer(400, &[], body), true, BUDGET);
        match with.result {
            Err(RemoteError::Status {
                status, message, ..
            }) => {
                assert_eq!(status, 401);
                assert!(message.contains("threadmark login"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn named_errors_get_shared_codes_and_words() {
        let locked = read(answer(400, &[], r#"{"error":"locked"}"#), true, BUDGET);
        assert_eq!(code(&locked).as_deref(), Some("locked"));
        let pending = read(
            answer(
                400,
                &[],
                r#"{"error":"registration_application_is_pending"}"#,
            ),
            false,
            BUDGET,
        );
        assert_eq!(code(&pending).as_deref(), Some("approval_pending"));
        let banned = read(
            answer(
                400,
                &[],
                r#"{"error":"person_is_banned_from_site","message":"spam \u001b[31m"}"#,
            ),
            true,
            BUDGET,
        );
        match banned.result {
            Err(RemoteError::Status { message, .. }) => {
                assert!(
                    message.contains("banned from this instance (spam"),
                    "{message}"
                );
                assert!(!message.contains('\u{1b}'));
            }
            other => panic!("{other:?}"),
        }
        let missing = read(answer(404, &[], ""), false, BUDGET);
        assert_eq!(code(&missing).as_deref(), Some("not_found"));
        let down = read(answer(502, &[], ""), false, BUDGET);
        assert!(matches!(down.result, Err(RemoteError::Unreachable(_))));
        let page = read(
            answer(200, &[("content-type", "text/html")], "<html>"),
            false,
            BUDGET,
        );
        assert!(matches!(page.result, Err(RemoteError::Unreachable(_))));
    }
}
