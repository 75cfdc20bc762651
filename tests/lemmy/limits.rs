//! Lemmy's limits and refusals: the budget taken from the instance's own published rate
//! limit, 1.0's 429 with `retry-after` and 0.19's `rate_limit_error` without any header
//! both pausing every request, a token the instance no longer accepts (read anonymously
//! by Lemmy, a login problem for us), and an instance that does not answer.

use crate::instance::generated;
use crate::lemmy::world::Api;
use crate::{BOTH, backend, bounded, code, settings, standin};
use axum::http::Method;
use std::time::Duration;
use threadmark::model::Limit;
use threadmark::remote::Backend;

#[tokio::test]
async fn the_budget_is_a_polite_share_of_the_instances_published_limit() {
    bounded(async {
        for api in BOTH {
            let (server, token) = standin(api, generated("lemmy.test")).await;
            {
                let mut w = server.world();
                w.message.capacity = 90;
                w.message.seconds = 30;
            }
            let mut s = settings();
            s.budget = None;
            let mut b = backend(&server, Some(&token), s);
            b.pull(None, None).await.unwrap();
            assert_eq!(
                b.limits().windows,
                [Limit::new(30, Duration::from_secs(30))],
                "{api:?}: a third of 90 per 30 s"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_rate_limit_pauses_the_instance_in_either_version() {
    bounded(async {
        for api in BOTH {
            let (server, token) = standin(api, generated("lemmy.test")).await;
            server.world().message.capacity = 2;
            server.world().message.seconds = 3;
            let mut b = backend(&server, Some(&token), settings());
            let mut cursor = None;
            let mut limited = None;
            for _ in 0..20 {
                match b.pull(cursor.as_ref(), None).await {
                    Ok(batch) => {
                        cursor = Some(batch.cursor.clone());
                        if let Some(pause) = batch.pause {
                            limited = Some(pause);
                            break;
                        }
                    }
                    Err(e) => {
                        assert_eq!(code(&e), Some("rate_limited"), "{api:?}: {e}");
                        limited = e.retry_after();
                        break;
                    }
                }
            }
            let wait = limited.expect("the instance said to slow down");
            assert!(
                wait <= Duration::from_secs(3) && !wait.is_zero(),
                "{api:?}: {wait:?}"
            );
            // Meanwhile nothing reaches the instance: the pull says how long to wait.
            let before = server.requests().len();
            let again = b.pull(cursor.as_ref(), None).await.unwrap();
            assert!(!again.complete);
            assert!(again.pause.is_some_and(|p| p <= wait), "{again:?}");
            assert_eq!(server.requests().len(), before, "{api:?}: nothing sent");
            let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
            match api {
                // 1.0 said "0 remaining" on its second answer: no third request, no 429.
                Api::V4 => assert_eq!(paths, ["/site", "/account"]),
                // 0.19 says nothing until it refuses (a 400 `rate_limit_error`).
                Api::V3 => assert_eq!(
                    paths,
                    [
                        "/api/v4/site",
                        "/site",
                        "/community/list",
                        "/community/list"
                    ]
                ),
            }
            // After the wait, it goes on.
            tokio::time::sleep(wait + Duration::from_millis(200)).await;
            let resumed = b.pull(cursor.as_ref(), None).await;
            assert!(
                resumed.is_ok() || matches!(&resumed, Err(e) if code(e) == Some("rate_limited"))
            );
            assert!(
                server.requests().len() > before,
                "{api:?}: asked again after the wait"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_429_with_retry_after_pauses_for_that_long() {
    bounded(async {
        let (server, token) = standin(Api::V4, generated("lemmy.test")).await;
        // What 1.0's limiter answers: no body, the wait in the headers.
        server.script(
            Method::GET,
            "/community/list",
            429,
            &[
                ("retry-after", "2"),
                ("x-ratelimit-limit", "180"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "2"),
            ],
            "",
        );
        let mut b = backend(&server, Some(&token), settings());
        let error = b.pull(None, None).await.unwrap_err();
        assert_eq!(code(&error), Some("rate_limited"));
        assert_eq!(error.retry_after(), Some(Duration::from_secs(2)));
        let asked = server.requests().len();
        let waiting = b.pull(None, None).await.unwrap();
        assert!(
            waiting.pause.is_some_and(|p| p <= Duration::from_secs(2)),
            "{waiting:?}"
        );
        assert_eq!(
            server.requests().len(),
            asked,
            "nothing sent during the wait"
        );
        tokio::time::sleep(Duration::from_millis(2_200)).await;
        let mut cursor = None;
        for _ in 0..100 {
            let batch = b.pull(cursor.as_ref(), None).await.unwrap();
            cursor = Some(batch.cursor.clone());
            if batch.complete {
                break;
            }
        }
        assert!(server.requests().len() > asked + 3, "the sync went on");
    })
    .await;
}

#[tokio::test]
async fn an_expired_token_is_a_login_problem_not_anonymous_reading() {
    bounded(async {
        for api in BOTH {
            let (server, token) = standin(api, generated("lemmy.test")).await;
            server.world().expire_tokens();
            let mut b = backend(&server, Some(&token), settings());
            let error = b.pull(None, None).await.unwrap_err();
            assert_eq!(error.status(), Some(401), "{api:?}: {error}");
            assert!(error.to_string().contains("threadmark login"), "{error}");
            // Lemmy itself answered the site anonymously: no 401 on the wire.
            let site = server.requests_to(&Method::GET, "/site");
            assert!(site.iter().all(|r| r.header("authorization").is_some()));
        }
    })
    .await;
}

#[tokio::test]
async fn an_instance_that_does_not_answer_is_offline() {
    bounded(async {
        let (server, token) = standin(Api::V3, generated("lemmy.test")).await;
        let url = server.url.clone();
        drop(server);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut b = threadmark::remote::lemmy::LemmyBackend::new(
            &url,
            Some(&threadmark::store::Secret::new(token)),
            settings(),
            threadmark::remote::Timeouts::default(),
        )
        .unwrap();
        let error = b.pull(None, None).await.unwrap_err();
        assert!(
            matches!(error, threadmark::remote::RemoteError::Unreachable(_)),
            "{error:?}"
        );
        assert!(error.is_retryable());
    })
    .await;
}
