//! Creating writes are safe to retry: replay, changed-body refusal, concurrent duplicates, late retries.

use crate::common::{THREAD, all_posts, both_stores, demo_server, json_of, problem_code, reply};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;
use threadmark::api::headers;

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_retry_with_the_same_key_replays_the_first_answer(store) {
        let t = demo_server(&store, |_| {}).await;
        let base = t.server.url();
        let body = json!({"body": "Count me in.", "reply_to": "advocacy-1-2"});
        let first = reply(&t.http, &base, &t.member(), THREAD, "key-1", &body).await;
        assert!(first.headers().get(headers::IDEMPOTENT_REPLAYED).is_none());
        let first = json_of(first, StatusCode::CREATED).await;
        assert_eq!(
            first["client_key"], "key-1",
            "the key is echoed to its author"
        );

        let again = reply(&t.http, &base, &t.member(), THREAD, "key-1", &body).await;
        assert_eq!(again.headers()[headers::IDEMPOTENT_REPLAYED], "true");
        let again = json_of(again, StatusCode::CREATED).await;
        assert_eq!(again, first);

        let posts = all_posts(&t.http, &base, THREAD).await;
        assert_eq!(posts.len(), 9, "eight demo posts and exactly one reply");
        assert!(
            posts.iter().all(|p| p.get("client_key").is_none()),
            "client_key is shown to its author only"
        );
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_same_key_with_another_body_is_refused(store) {
        let t = demo_server(&store, |_| {}).await;
        let base = t.server.url();
        let first = reply(
            &t.http,
            &base,
            &t.member(),
            THREAD,
            "key-2",
            &json!({"body": "one"}),
        )
        .await;
        json_of(first, StatusCode::CREATED).await;
        let other = reply(
            &t.http,
            &base,
            &t.member(),
            THREAD,
            "key-2",
            &json!({"body": "two"}),
        )
        .await;
        let (code, _) = problem_code(other, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(code, "idempotency_key_reused");
        assert_eq!(all_posts(&t.http, &base, THREAD).await.len(), 9);
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_key_is_required_and_must_be_sane(store) {
        let t = demo_server(&store, |_| {}).await;
        let url = t.url(&format!("/threads/{THREAD}/posts"));
        let missing = t
            .http
            .post(&url)
            .bearer_auth(t.member())
            .json(&json!({"body": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            problem_code(missing, StatusCode::BAD_REQUEST).await.0,
            "idempotency_key_missing"
        );
        let long = "k".repeat(129);
        let invalid = reply(
            &t.http,
            &t.server.url(),
            &t.member(),
            THREAD,
            &long,
            &json!({"body": "x"}),
        )
        .await;
        assert_eq!(
            problem_code(invalid, StatusCode::BAD_REQUEST).await.0,
            "idempotency_key_invalid"
        );
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_concurrent_requests_with_one_key_make_one_post(store) {
        let t = demo_server(&store, |_| {}).await;
        let base = t.server.url();
        let member = t.member();
        for round in 0..10 {
            let key = format!("race-{round}");
            let body = json!({"body": format!("race {round}")});
            let (a, b) = tokio::join!(
                reply(&t.http, &base, &member, THREAD, &key, &body),
                reply(&t.http, &base, &member, THREAD, &key, &body),
            );
            let mut created = 0;
            for response in [a, b] {
                match response.status() {
                    StatusCode::CREATED => created += 1,
                    StatusCode::CONFLICT => {
                        assert!(response.headers().contains_key(headers::RETRY_AFTER));
                        let (code, _) = problem_code(response, StatusCode::CONFLICT).await;
                        assert_eq!(code, "idempotency_key_in_use");
                    }
                    other => panic!("unexpected {other}"),
                }
            }
            assert!(created >= 1);
        }
        let posts = all_posts(&t.http, &base, THREAD).await;
        assert_eq!(
            posts.len(),
            8 + 10,
            "one post per key, whatever the interleaving"
        );
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_retry_after_the_key_record_expired_still_never_duplicates(store) {
        let t = demo_server(&store, |c| c.idempotency_retention = Duration::from_millis(200)).await;
        let base = t.server.url();
        let body = json!({"body": "late but once"});
        let first = json_of(
            reply(&t.http, &base, &t.member(), THREAD, "late-1", &body).await,
            StatusCode::CREATED,
        )
        .await;

        // Wait (bounded) until the server has forgotten the stored answer.
        let forgotten = async {
            loop {
                if t.count("idempotency").await == 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(20), forgotten)
            .await
            .unwrap();

        let again = reply(&t.http, &base, &t.member(), THREAD, "late-1", &body).await;
        assert_eq!(again.headers()[headers::IDEMPOTENT_REPLAYED], "true");
        assert_eq!(json_of(again, StatusCode::CREATED).await["id"], first["id"]);
        let changed = reply(
            &t.http,
            &base,
            &t.member(),
            THREAD,
            "late-1",
            &json!({"body": "other"}),
        )
        .await;
        assert_eq!(
            problem_code(changed, StatusCode::UNPROCESSABLE_ENTITY)
                .await
                .0,
            "idempotency_key_reused"
        );
        assert_eq!(all_posts(&t.http, &base, THREAD).await.len(), 9);
    }
}
