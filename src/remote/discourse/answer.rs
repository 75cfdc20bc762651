//! Reads what a Discourse server answered: its read-only flag, rate-limit pauses, error
//! documents with normalized codes, and web pages that must never be taken as data.

use super::wire::{self, ErrorDoc};
use crate::remote::{Answer, RemoteError};
use crate::text::sanitize::clean_line;
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use std::time::Duration;

/// Header a read-only Discourse puts on every response.
pub const READONLY_HEADER: &str = "discourse-readonly";
/// Header naming the limiter that refused a request; it governs the whole site.
pub const RATE_LIMIT_CODE_HEADER: &str = "discourse-rate-limit-error-code";

/// How long to stay away after a 429 that says nothing about it.
pub const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(30);

/// What one answer means for the client.
#[derive(Debug)]
pub struct Reading {
    /// The body, when the answer is data to decode.
    pub result: Result<Vec<u8>, RemoteError>,
    /// `Some(true)`: the forum is read-only now; `Some(false)`: a successful answer came
    /// without the flag, so it is not; `None`: the answer does not say. Error answers
    /// never carry `Discourse-Readonly`, even in read-only mode: the header is added by
    /// an `after_action` (`lib/read_only_mixin.rb`, `add_readonly_header`), and Rails runs
    /// no after-actions for a request whose action raised. So only a 2xx clears it.
    pub read_only: Option<bool>,
    /// Stop all requests to the site for this long, and the limiter's name
    /// (`Discourse-Rate-Limit-Error-Code`, e.g. `user_api_key_limiter_1_day`).
    pub pause_site: Option<(Duration, String)>,
}

/// The body Discourse's anonymous cache middleware answers a blocked crawler with
/// (`lib/middleware/anonymous_cache.rb`).
const CRAWLER_REFUSED: &str = "Crawler is not allowed";

/// Interprets an answer.
pub fn read(answer: Answer) -> Reading {
    let header_read_only = answer
        .headers
        .get(READONLY_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    let looks_html = is_html(&answer);
    let json_doc = (!looks_html && first_byte(&answer.body) == Some(b'{'))
        .then(|| wire::decode::<ErrorDoc>(&answer.body, "error").ok())
        .flatten();

    if answer.status == StatusCode::TOO_MANY_REQUESTS {
        return too_many_requests(&answer, json_doc.as_ref(), header_read_only);
    }

    if answer.status == StatusCode::FORBIDDEN
        && String::from_utf8_lossy(&answer.body).contains(CRAWLER_REFUSED)
    {
        return Reading {
            result: Err(status_error(
                403,
                Some("crawler_blocked"),
                "the forum refuses anonymous requests from programs it does not know \
                 (\"Crawler is not allowed!\", its allowed_crawler_user_agents setting); \
                 log in with `threadmark login`, or ask its admins to allow threadmark",
                None,
            )),
            read_only: None,
            pause_site: None,
        };
    }

    if looks_html {
        return Reading {
            result: Err(RemoteError::Unreachable(format!(
                "the server answered HTTP {} with a web page instead of forum data \
                 (a proxy, firewall or maintenance page); try again later",
                answer.status.as_u16()
            ))),
            read_only: header_read_only.then_some(true),
            pause_site: None,
        };
    }

    if answer.status.is_success() {
        return Reading {
            result: Ok(answer.body),
            read_only: Some(header_read_only),
            pause_site: None,
        };
    }

    let status = answer.status.as_u16();
    let Some(doc) = json_doc else {
        // Discourse answers its API in JSON; anything else came from something in between.
        return Reading {
            result: Err(RemoteError::Unreachable(format!(
                "the server answered HTTP {status} without forum data (a proxy or gateway \
                 error); try again later"
            ))),
            read_only: header_read_only.then_some(true),
            pause_site: None,
        };
    };
    let code = normalized_code(status, doc.error_type.as_deref());
    let read_only = header_read_only || code == Some("read_only");
    let message = match code {
        Some("login_required") => default_message(status, code).to_owned(),
        _ => doc
            .message()
            .unwrap_or_else(|| default_message(status, code).to_owned()),
    };
    Reading {
        result: Err(status_error(
            status,
            code,
            &message,
            crate::remote::http::retry_after(&answer.headers),
        )),
        read_only: read_only.then_some(true),
        pause_site: None,
    }
}

/// A `429`: how long to wait (`Retry-After`, else `extras.wait_seconds`, else the
/// middleware's plain text), and whether it covers the whole site.
fn too_many_requests(answer: &Answer, json_doc: Option<&ErrorDoc>, read_only: bool) -> Reading {
    let limiter = answer
        .headers
        .get(RATE_LIMIT_CODE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|v| clean_line(v.trim()).chars().take(60).collect::<String>());
    let stated = crate::remote::http::retry_after(&answer.headers)
        .or_else(|| json_doc.and_then(wait_seconds))
        .or_else(|| plain_text_wait(&answer.body));
    // Without a stated wait the site still gets a rest, but nobody is told to wait for
    // a time the server never gave.
    let wait = stated.unwrap_or(DEFAULT_RATE_LIMIT_WAIT);
    let message = json_doc
        .and_then(ErrorDoc::message)
        .or_else(|| plain_text(&answer.body))
        .unwrap_or_else(|| "too many requests".to_owned());
    // A per-action limit (posting too fast) is the action's business; a named limiter,
    // or a 429 that Discourse did not render (a proxy's), covers the whole site.
    let pause_site = match (limiter, json_doc) {
        (Some(code), _) => Some((wait, code)),
        (None, None) => Some((wait, "rate_limit".to_owned())),
        (None, Some(_)) => None,
    };
    Reading {
        result: Err(status_error(429, Some("rate_limited"), &message, stated)),
        read_only: read_only.then_some(true),
        pause_site,
    }
}

fn status_error(
    status: u16,
    code: Option<&str>,
    message: &str,
    retry_after: Option<Duration>,
) -> RemoteError {
    RemoteError::Status {
        status,
        code: code.map(str::to_owned),
        message: clean_line(message).chars().take(500).collect(),
        retry_after,
    }
}

/// Discourse's `error_type` and status, mapped onto the codes every backend shares.
fn normalized_code(status: u16, error_type: Option<&str>) -> Option<&'static str> {
    match error_type {
        Some("read_only") => return Some("read_only"),
        // An anonymous request where Discourse wants a user: a `login_required` forum, or
        // a write (`application_controller.rb`, `rescue_from Discourse::NotLoggedIn`).
        Some("not_logged_in") => return Some("login_required"),
        Some("invalid_access") => return Some("forbidden"),
        Some("not_found") => return Some("not_found"),
        Some("rate_limit") => return Some("rate_limited"),
        Some("invalid_parameters") => return Some("validation_failed"),
        _ => {}
    }
    match status {
        401 => Some("unauthorized"),
        403 => Some("forbidden"),
        404 | 410 => Some("not_found"),
        409 => Some("conflict"),
        400 | 422 => Some("validation_failed"),
        429 => Some("rate_limited"),
        503 => Some("maintenance"),
        _ => None,
    }
}

fn default_message(status: u16, code: Option<&str>) -> &'static str {
    match code {
        Some("read_only") => "forum is read-only",
        Some("unauthorized") => "not logged in, or the key was revoked; run `threadmark login`",
        Some("login_required") => "this forum requires login; run `threadmark login`",
        Some("forbidden") => "not allowed for this account",
        Some("not_found") => "not found (deleted, or not visible to this account)",
        Some("validation_failed") => "the forum refused the post",
        Some("maintenance") => "the forum is in maintenance",
        _ if status >= 500 => "the forum had an internal error",
        _ => "the forum refused the request",
    }
}

fn wait_seconds(doc: &ErrorDoc) -> Option<Duration> {
    let seconds = doc.extras.as_ref()?.wait_seconds?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(86_400.0)))
}

/// The request middleware's plain text: "… Please retry again in 12 seconds. …".
fn plain_text_wait(body: &[u8]) -> Option<Duration> {
    let text = std::str::from_utf8(body).ok()?;
    let after = &text[text.find("again in ")? + "again in ".len()..];
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().map(Duration::from_secs)
}

fn plain_text(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!joined.is_empty()).then_some(joined)
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
    use reqwest::header::{HeaderMap, HeaderValue};

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

    #[test]
    fn a_json_429_waits_for_extras_when_there_is_no_header() {
        let r = read(answer(
            429,
            &[],
            r#"{"errors":["You've performed this action too many times."],"error_type":"rate_limit","extras":{"wait_seconds":7}}"#,
        ));
        let e = r.result.unwrap_err();
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        assert!(e.to_string().contains("too many times"));
        assert_eq!(
            r.pause_site, None,
            "a per-action limit leaves other requests alone"
        );
    }

    #[test]
    fn the_middleware_429_pauses_the_site() {
        let r = read(answer(
            429,
            &[
                ("retry-after", "11"),
                (RATE_LIMIT_CODE_HEADER, "ip_10_secs_limit"),
            ],
            "Slow down, too many requests from this IP address.\nPlease retry again in 11 seconds.\nError code: ip_10_secs_limit.\n",
        ));
        assert_eq!(
            r.pause_site,
            Some((Duration::from_secs(11), "ip_10_secs_limit".to_owned()))
        );
        let no_header = read(answer(
            429,
            &[],
            "Slow down.\nPlease retry again in 4 seconds.\n",
        ));
        assert_eq!(
            no_header.pause_site,
            Some((Duration::from_secs(4), "rate_limit".to_owned()))
        );
    }

    #[test]
    fn web_pages_are_unreachable_never_data() {
        for status in [200, 502, 503, 404] {
            let r = read(answer(
                status,
                &[("content-type", "text/html")],
                "<html><body>Bad gateway</body></html>",
            ));
            assert!(
                matches!(r.result, Err(RemoteError::Unreachable(_))),
                "{status}"
            );
            assert_eq!(r.read_only, None);
        }
    }

    #[test]
    fn read_only_comes_from_the_header_or_the_error_type() {
        let ok = read(answer(200, &[(READONLY_HEADER, "true")], "{}"));
        assert_eq!(ok.read_only, Some(true));
        let refused = read(answer(
            503,
            &[],
            r#"{"errors":["The site is in read only mode."],"error_type":"read_only"}"#,
        ));
        assert_eq!(refused.read_only, Some(true));
        let e = refused.result.unwrap_err();
        assert!(matches!(&e, RemoteError::Status { code: Some(c), .. } if c == "read_only"));
        assert_eq!(read(answer(200, &[], "{}")).read_only, Some(false));
        // Error answers never carry the header, in read-only mode or not: they say nothing.
        let not_found = read(answer(
            404,
            &[],
            r#"{"errors":["The requested URL or resource could not be found."],"error_type":"not_found"}"#,
        ));
        assert_eq!(not_found.read_only, None);
    }

    #[test]
    fn a_blocked_crawler_is_told_apart_from_a_proxy_page() {
        let r = read(answer(403, &[], "Crawler is not allowed!"));
        let e = r.result.unwrap_err();
        assert!(matches!(&e, RemoteError::Status { code: Some(c), .. } if c == "crawler_blocked"));
        assert!(e.to_string().contains("allowed_crawler_user_agents"), "{e}");
    }

    #[test]
    fn codes_are_normalized() {
        let r = read(answer(
            422,
            &[],
            r#"{"errors":["Body is too short (minimum is 20 characters)"],"error_type":"invalid_parameters"}"#,
        ));
        match r.result.unwrap_err() {
            RemoteError::Status {
                status,
                code,
                message,
                ..
            } => {
                assert_eq!((status, code.as_deref()), (422, Some("validation_failed")));
                assert_eq!(message, "Body is too short (minimum is 20 characters)");
            }
            other => panic!("{other:?}"),
        }
        let r = read(answer(403, &[], r#"{"error_type":"invalid_access"}"#));
        assert!(
            matches!(r.result, Err(RemoteError::Status { code: Some(c), .. }) if c == "forbidden")
        );
    }
}
