//! Hostile or broken requests get the right problem+json, and the server keeps serving.

use crate::common::{THREAD, TestServer, both_stores, demo_server, json_of, problem_code, reply};
use reqwest::StatusCode;
use serde_json::json;
use threadmark::api::headers;

fn posts_url(t: &TestServer) -> String {
    t.url(&format!("/threads/{THREAD}/posts"))
}

async fn raw_post(
    t: &TestServer,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    t.http
        .post(posts_url(t))
        .bearer_auth(t.member())
        .header(headers::IDEMPOTENCY_KEY, "bad-1")
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn still_serving(t: &TestServer) {
    let status = t.http.get(t.url("/status")).send().await.unwrap();
    assert_eq!(status.status(), StatusCode::OK);
    let posts = crate::common::all_posts(&t.http, &t.server.url(), THREAD).await;
    assert_eq!(posts.len(), 8, "nothing bad was stored");
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn malformed_and_misshapen_bodies(store) {
        let t = demo_server(&store, |_| {}).await;
        let cases: [(&str, &str, StatusCode, &str); 6] = [
            (
                "application/json",
                "{\"body\": \"unterminated",
                StatusCode::BAD_REQUEST,
                "malformed_json",
            ),
            (
                "application/json",
                "not json at all",
                StatusCode::BAD_REQUEST,
                "malformed_json",
            ),
            (
                "application/json",
                "{\"body\": 42}",
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
            ),
            (
                "application/json",
                "{\"reply_to\": \"advocacy-1-1\"}",
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
            ),
            (
                "application/json",
                "[1, 2, 3]",
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
            ),
            (
                "text/plain",
                "{\"body\": \"hi\"}",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
            ),
        ];
        for (media, body, status, code) in cases {
            let response = raw_post(&t, media, body).await;
            assert_eq!(problem_code(response, status).await.0, code, "{body}");
        }
        still_serving(&t).await;
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn oversize_bodies_get_413(store) {
        let t = demo_server(&store, |c| c.limits.max_body_bytes = 4096).await;
        let huge = serde_json::to_vec(&json!({"body": "x".repeat(10_000)})).unwrap();
        let response = raw_post(&t, "application/json", huge).await;
        assert_eq!(
            problem_code(response, StatusCode::PAYLOAD_TOO_LARGE)
                .await
                .0,
            "payload_too_large"
        );
        still_serving(&t).await;
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn empty_and_too_long_posts_get_field_errors(store) {
        let t = demo_server(&store, |c| c.limits.max_post_chars = 100).await;
        let base = t.server.url();
        for (body, field_code) in [
            ("", "empty"),
            ("  \n\t ", "empty"),
            (&"é".repeat(101)[..], "too_long"),
        ] {
            let response = reply(
                &t.http,
                &base,
                &t.member(),
                THREAD,
                "v-1",
                &json!({"body": body}),
            )
            .await;
            let (code, problem) = problem_code(response, StatusCode::UNPROCESSABLE_ENTITY).await;
            assert_eq!(code, "validation_failed");
            assert_eq!(problem["errors"][0]["field"], "body");
            assert_eq!(problem["errors"][0]["code"], field_code);
        }
        let exactly = reply(
            &t.http,
            &base,
            &t.member(),
            THREAD,
            "v-2",
            &json!({"body": "é".repeat(100)}),
        )
        .await;
        json_of(exactly, StatusCode::CREATED).await;

        let bad_parent = reply(
            &t.http,
            &base,
            &t.member(),
            THREAD,
            "v-3",
            &json!({"body": "hi", "reply_to": "nope"}),
        )
        .await;
        let (code, problem) = problem_code(bad_parent, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(code, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], "reply_to");

        let thread = t
            .http
            .post(t.url("/areas/advocacy/threads"))
            .bearer_auth(t.member())
            .header(headers::IDEMPOTENCY_KEY, "v-4")
            .json(&json!({"title": " ", "body": ""}))
            .send()
            .await
            .unwrap();
        let (_, problem) = problem_code(thread, StatusCode::UNPROCESSABLE_ENTITY).await;
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["title", "body"]);
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn unknown_things_and_bad_parameters(store) {
        let t = demo_server(&store, |_| {}).await;
        let base = t.server.url();
        let cases = [
            ("/threads/nope", StatusCode::NOT_FOUND, "thread_not_found"),
            (
                "/threads/nope/posts",
                StatusCode::NOT_FOUND,
                "thread_not_found",
            ),
            ("/posts/nope", StatusCode::NOT_FOUND, "post_not_found"),
            (
                "/areas/nope/threads",
                StatusCode::NOT_FOUND,
                "area_not_found",
            ),
            ("/nothing/here", StatusCode::NOT_FOUND, "not_found"),
            (
                "/threads/advocacy-1/posts?limit=abc",
                StatusCode::BAD_REQUEST,
                "invalid_parameter",
            ),
            (
                "/threads/advocacy-1/posts?limit=0",
                StatusCode::BAD_REQUEST,
                "invalid_parameter",
            ),
            (
                "/threads/advocacy-1/posts?limit=100000",
                StatusCode::BAD_REQUEST,
                "invalid_parameter",
            ),
            (
                "/areas/advocacy/threads?cursor=zzz",
                StatusCode::BAD_REQUEST,
                "invalid_cursor",
            ),
        ];
        for (path, status, code) in cases {
            let response = t.http.get(t.url(path)).send().await.unwrap();
            assert_eq!(problem_code(response, status).await.0, code, "{path}");
        }
        let outside = t
            .http
            .get(format!("http://{}/index.html", t.server.addr))
            .send()
            .await
            .unwrap();
        assert_eq!(
            problem_code(outside, StatusCode::NOT_FOUND).await.0,
            "not_found"
        );
        let wrong_method = t.http.delete(t.url("/tree")).send().await.unwrap();
        assert_eq!(
            problem_code(wrong_method, StatusCode::METHOD_NOT_ALLOWED)
                .await
                .0,
            "method_not_allowed"
        );

        let unknown_thread = reply(
            &t.http,
            &base,
            &t.member(),
            "nope",
            "u-1",
            &json!({"body": "hello?"}),
        )
        .await;
        assert_eq!(
            problem_code(unknown_thread, StatusCode::NOT_FOUND).await.0,
            "thread_not_found"
        );
        still_serving(&t).await;
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn tokens_are_checked(store) {
        let t = demo_server(&store, |_| {}).await;
        let body = json!({"body": "who am I"});
        let anonymous = t
            .http
            .post(posts_url(&t))
            .header(headers::IDEMPOTENCY_KEY, "a-1")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
        assert_eq!(
            problem_code(anonymous, StatusCode::UNAUTHORIZED).await.0,
            "unauthorized"
        );
        let forged = reply(&t.http, &t.server.url(), "tm_forged", THREAD, "a-2", &body).await;
        assert_eq!(
            problem_code(forged, StatusCode::UNAUTHORIZED).await.0,
            "unauthorized"
        );
        let basic = t
            .http
            .get(t.url("/threads/advocacy-1/posts"))
            .basic_auth("demo", Some("pw"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            problem_code(basic, StatusCode::UNAUTHORIZED).await.0,
            "unauthorized"
        );
        let login = t
            .http
            .post(t.url("/tokens"))
            .json(&json!({"name": "demo", "password": "guess"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            problem_code(login, StatusCode::UNAUTHORIZED).await.0,
            "invalid_credentials"
        );
        still_serving(&t).await;
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn edits_need_the_current_version(store) {
        let t = demo_server(&store, |_| {}).await;
        let post = json_of(
            reply(
                &t.http,
                &t.server.url(),
                &t.member(),
                THREAD,
                "e-1",
                &json!({"body": "v1"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let url = t.url(&format!("/posts/{}", post["id"].as_str().unwrap()));
        let edit = json!({"body": "v2"});

        let blind = t
            .http
            .patch(&url)
            .bearer_auth(t.member())
            .json(&edit)
            .send()
            .await
            .unwrap();
        assert_eq!(
            problem_code(blind, StatusCode::PRECONDITION_REQUIRED)
                .await
                .0,
            "precondition_required"
        );

        let read = t.http.get(&url).send().await.unwrap();
        let etag = read.headers()[headers::ETAG].to_str().unwrap().to_owned();
        assert_eq!(etag, "\"v1\"");
        let ok = t
            .http
            .patch(&url)
            .bearer_auth(t.member())
            .header(headers::IF_MATCH, &etag)
            .json(&edit)
            .send()
            .await
            .unwrap();
        assert_eq!(ok.headers()[headers::ETAG], "\"v2\"");
        let edited = json_of(ok, StatusCode::OK).await;
        assert_eq!(
            (edited["body"].as_str(), edited["version"].as_u64()),
            (Some("v2"), Some(2))
        );
        assert!(edited["edited_at"].is_string());

        let stale = t
            .http
            .patch(&url)
            .bearer_auth(t.member())
            .header(headers::IF_MATCH, &etag)
            .json(&json!({"body": "v3"}))
            .send()
            .await
            .unwrap();
        let (code, problem) = problem_code(stale, StatusCode::PRECONDITION_FAILED).await;
        assert_eq!(code, "version_conflict");
        assert_eq!(problem["current"]["body"], "v2");

        let not_mine = t
            .http
            .patch(t.url("/posts/advocacy-1-1"))
            .bearer_auth(t.member())
            .header(headers::IF_MATCH, "\"v1\"")
            .json(&edit)
            .send()
            .await
            .unwrap();
        assert_eq!(
            problem_code(not_mine, StatusCode::FORBIDDEN).await.0,
            "forbidden"
        );
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_flood_of_writes_gets_429_with_retry_after(store) {
        let t = demo_server(&store, |c| {
            c.limits.writes_per_minute = 6;
            c.limits.write_burst = 3;
        })
        .await;
        let base = t.server.url();
        for n in 0..3 {
            let response = reply(
                &t.http,
                &base,
                &t.member(),
                THREAD,
                &format!("r-{n}"),
                &json!({"body": "ok"}),
            )
            .await;
            json_of(response, StatusCode::CREATED).await;
        }
        let flood = reply(
            &t.http,
            &base,
            &t.member(),
            THREAD,
            "r-3",
            &json!({"body": "too many"}),
        )
        .await;
        let wait: u32 = flood.headers()[headers::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=10).contains(&wait), "{wait}");
        assert_eq!(
            problem_code(flood, StatusCode::TOO_MANY_REQUESTS).await.0,
            "rate_limited"
        );
        // Another client is not held back, and reads go on.
        let admin = reply(
            &t.http,
            &base,
            &t.admin(),
            THREAD,
            "r-4",
            &json!({"body": "admin"}),
        )
        .await;
        json_of(admin, StatusCode::CREATED).await;
        assert_eq!(
            t.http.get(t.url("/tree")).send().await.unwrap().status(),
            StatusCode::OK
        );
    }
}
