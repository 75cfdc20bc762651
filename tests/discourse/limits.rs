//! Rate limits (JSON and plain-text 429s), validation errors, and answers that are not
//! forum data: proxy pages and wrongly-typed JSON.

use crate::support::discourse_forum::Forum;
use crate::{backend, bounded, code, reply, roomy, standin, user_key};
use axum::http::Method;
use std::time::Duration;
use threadmark::model::ForumMode;
use threadmark::remote::discourse::RATE_LIMIT_CODE_HEADER;
use threadmark::remote::{Backend, RemoteError};

#[tokio::test]
async fn a_json_429_is_honoured_with_its_wait_seconds() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let mut discourse = backend(&server, Some(user_key()), roomy());
        server.script(
            Method::POST,
            "/posts.json",
            429,
            &[("content-type", "application/json")],
            r#"{"errors":["You’ve performed this action too many times. Please wait 7 seconds before trying again."],"error_type":"rate_limit","extras":{"wait_seconds":7,"time_left":"7 seconds"}}"#,
        );
        let e = discourse.submit(&reply("410", None, "Too quick a reply.")).await.unwrap_err();
        assert_eq!(code(&e), Some("rate_limited"));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)), "extras.wait_seconds, there being no Retry-After");
        assert!(e.to_string().contains("too many times"));
        assert!(e.is_retryable());
        // A limit on one action leaves reading alone.
        assert_eq!(discourse.state().retry_after, None);
        discourse.pull(None, None).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_plain_text_429_pauses_every_request_to_the_site() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let mut discourse = backend(&server, Some(user_key()), roomy());
        server.script(
            Method::GET,
            "/site.json",
            429,
            &[("content-type", "text/plain"), ("retry-after", "2"), (RATE_LIMIT_CODE_HEADER, "user_api_key_limiter_60_secs")],
            "Slow down, too many requests from this user api key.\nPlease retry again in 2 seconds.\nError code: user_api_key_limiter_60_secs.\n",
        );
        let e = discourse.pull(None, None).await.unwrap_err();
        assert_eq!((e.status(), code(&e)), (Some(429), Some("rate_limited")));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
        assert!(e.to_string().contains("Slow down"), "{e}");
        assert!(discourse.state().retry_after.is_some());

        // Until then, nothing reaches the server: a pull says how long to wait.
        let sent = server.requests().len();
        let again = discourse.pull(None, None).await.unwrap();
        let pause = again.pause.expect("the pull waits");
        assert!(!again.complete && pause <= Duration::from_secs(2), "{pause:?}");
        let write = discourse.submit(&reply("410", None, "Waiting for the limit.")).await.unwrap_err();
        assert_eq!(code(&write), Some("rate_limited"));
        assert_eq!(server.requests().len(), sent, "paused requests fail fast, offline");

        tokio::time::sleep(pause).await;
        discourse.pull(None, None).await.unwrap();
        assert_eq!(discourse.state().retry_after, None);

        // The middleware's text alone says how long to wait.
        server.script(Method::GET, "/site.json", 429, &[], "Slow down.\nPlease retry again in 1 seconds.\n");
        let mut fresh = backend(&server, None, roomy());
        let e = fresh.pull(None, None).await.unwrap_err();
        assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
    })
    .await;
}

#[tokio::test]
async fn a_422_fails_with_the_servers_message() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let mut discourse = backend(&server, Some(user_key()), roomy());
        let e = discourse
            .submit(&reply("410", None, "short"))
            .await
            .unwrap_err();
        match &e {
            RemoteError::Status {
                status,
                code,
                message,
                ..
            } => {
                assert_eq!((*status, code.as_deref()), (422, Some("validation_failed")));
                assert_eq!(message, "Body is too short (minimum is 10 characters)");
            }
            other => panic!("{other:?}"),
        }
        assert!(!e.is_retryable());
    })
    .await;
}

#[tokio::test]
async fn web_pages_and_wrong_shapes_are_never_data() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let mut discourse = backend(&server, None, roomy());
        let page = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>";
        server.script(Method::GET, "/site.json", 502, &[("content-type", "text/html")], page);
        let e = discourse.pull(None, None).await.unwrap_err();
        assert!(matches!(e, RemoteError::Unreachable(_)), "{e:?}");

        server.script(Method::GET, "/site.json", 503, &[], "Service Unavailable");
        let e = discourse.pull(None, None).await.unwrap_err();
        assert!(matches!(e, RemoteError::Unreachable(_)), "{e:?}");

        // A login page served with 200 (a captive portal) is not a category list.
        server.script(Method::GET, "/site.json", 200, &[("content-type", "text/html")], page);
        let e = discourse.pull(None, None).await.unwrap_err();
        assert!(matches!(e, RemoteError::Unreachable(_)), "{e:?}");
        assert_eq!(discourse.state().mode, ForumMode::Open);

        server.script(Method::GET, "/site.json", 200, &[("content-type", "application/json")], r#"{"categories":"oops"}"#);
        let e = discourse.pull(None, None).await.unwrap_err();
        assert!(matches!(&e, RemoteError::Protocol(m) if m.contains("category list")), "{e:?}");

        // After all that, a normal answer is read normally.
        let batch = discourse.pull(None, None).await.unwrap();
        assert!(batch.forum.is_some());
    })
    .await;
}

#[tokio::test]
async fn one_broken_topic_does_not_block_the_others_and_is_read_next_round() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let mut discourse = backend(&server, None, roomy());
        server.script(
            Method::GET,
            "/t/410.json",
            500,
            &[("content-type", "application/json")],
            r#"{"errors":["Internal Server Error"]}"#,
        );
        server.script(
            Method::GET,
            "/t/420.json",
            200,
            &[("content-type", "application/json")],
            r#"{"id":"four-twenty","post_stream":[]}"#,
        );
        let first = crate::sync(&mut discourse, None, None).await;
        assert!(first.posts("410").is_empty() && first.posts("420").is_empty());
        assert_eq!(first.posts("400").len(), 4, "the rest of the forum arrived");

        server.clear_requests();
        let second = crate::sync(&mut discourse, first.cursor.as_ref(), None).await;
        let mut read: Vec<String> = server
            .requests()
            .iter()
            .filter(|r| r.path.starts_with("/t/"))
            .map(|r| r.path.clone())
            .collect();
        read.sort();
        assert_eq!(
            read,
            ["/t/410.json", "/t/420.json"],
            "only the two skipped topics are tried again"
        );
        assert_eq!(second.posts("410").len(), 2);
        assert_eq!(second.posts("420").len(), 3);
    })
    .await;
}

/// The stand-in's window slides as Discourse's `RateLimiter` counts it: a refusal is not
/// counted and says how long until the oldest request leaves the window.
#[test]
fn the_standins_window_slides_as_discourse_counts_it() {
    use crate::support::discourse_limits::Limiter;
    use std::time::Instant;
    let mut l = Limiter::new(2, Duration::from_secs(10), "x");
    let t = Instant::now();
    assert!(l.performed(t).is_ok());
    assert!(l.performed(t + Duration::from_secs(1)).is_ok());
    let e = l.performed(t + Duration::from_secs(4)).unwrap_err();
    assert_eq!(e.wait, Duration::from_secs(6));
    assert!(l.performed(t + Duration::from_secs(10)).is_ok());
}
