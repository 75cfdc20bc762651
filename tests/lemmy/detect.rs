//! Which Lemmy is it: API v4 (Lemmy 1.0) answers `/api/v4/site`, Lemmy 0.19 only
//! `/api/v3/site` (a bare 404 for the other); the client asks for v4 first and says what
//! it found.

use crate::instance::generated;
use crate::lemmy::world::Api;
use crate::{BOTH, backend, bounded, settings, standin};
use axum::http::Method;
use threadmark::remote::lemmy::version::ApiVersion;

#[tokio::test]
async fn each_version_is_found_by_asking_for_the_newest_first() {
    bounded(async {
        for api in BOTH {
            let (server, _) = standin(api, generated("lemmy.test")).await;
            let mut b = backend(&server, None, settings());
            let info = b.detect_version().await.unwrap();
            let (expected, label) = match api {
                Api::V3 => (ApiVersion::V3, "Lemmy 0.19.20, API v3"),
                Api::V4 => (ApiVersion::V4, "Lemmy 1.0.0-beta.1, API v4"),
            };
            assert_eq!(info.api, expected);
            assert_eq!(info.describe(), label);
            let asked: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
            match api {
                Api::V4 => assert_eq!(asked, ["/site"], "v4 answered at once"),
                Api::V3 => assert_eq!(
                    asked,
                    ["/api/v4/site", "/site"],
                    "0.19 has no /api/v4: a 404, then v3"
                ),
            }
            assert!(
                server.requests_to(&Method::GET, "/site")[0]
                    .header("authorization")
                    .is_none()
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_server_without_a_lemmy_api_is_named_as_such() {
    bounded(async {
        // A Discourse stand-in has neither /api/v4/site nor /api/v3/site.
        let forum = axum::Router::new();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, forum).await;
        });
        let mut b = threadmark::remote::lemmy::LemmyBackend::new(
            &url,
            None,
            settings(),
            threadmark::remote::Timeouts::default(),
        )
        .unwrap();
        let error = b.detect_version().await.unwrap_err().to_string();
        assert!(error.contains("no Lemmy API here"), "{error}");
        task.abort();
    })
    .await;
}
