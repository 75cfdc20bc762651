//! The changes feed: cursor paging, tombstones, `since=now`, long polling, expired cursors.

use crate::common::{THREAD, both_stores, demo_server, json_of, problem_code, reply};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;
use threadmark::api::headers;

pub(crate) async fn changes(t: &crate::common::TestServer, query: &str) -> Value {
    json_of(
        t.http
            .get(t.url(&format!("/changes?{query}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await
}

/// (kind, id) → version of every change in a page.
fn entities(page: &Value) -> Vec<(String, String, u64)> {
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let kind = c["kind"].as_str().unwrap().to_owned();
            let entity = &c[kind.as_str()];
            (
                kind.clone(),
                entity["id"].as_str().unwrap().to_owned(),
                entity["version"].as_u64().unwrap(),
            )
        })
        .collect()
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn paging_from_the_start_yields_every_entity_once(store) {
        let t = demo_server(&store, |_| {}).await;
        let mut seen = Vec::new();
        let mut query = "limit=3".to_owned();
        for _ in 0..20 {
            let page = changes(&t, &query).await;
            seen.extend(entities(&page));
            query = format!("limit=3&since={}", page["next_cursor"].as_str().unwrap());
            if !page["has_more"].as_bool().unwrap() {
                break;
            }
        }
        let posts = seen.iter().filter(|(k, _, _)| k == "post").count();
        let threads = seen.iter().filter(|(k, _, _)| k == "thread").count();
        assert_eq!((posts, threads), (8, 1), "{seen:?}");

        // Nothing new: the same cursor gives an empty page and itself back.
        let page = changes(&t, &query).await;
        assert!(page["changes"].as_array().unwrap().is_empty());
        assert_eq!(
            format!("limit=3&since={}", page["next_cursor"].as_str().unwrap()),
            query
        );
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn since_now_sees_only_later_changes_latest_state_and_tombstones(store) {
        let t = demo_server(&store, |_| {}).await;
        let base = t.server.url();
        let now = changes(&t, "since=now").await;
        assert!(now["changes"].as_array().unwrap().is_empty());
        let cursor = now["next_cursor"].as_str().unwrap().to_owned();

        let post = json_of(
            reply(
                &t.http,
                &base,
                &t.member(),
                THREAD,
                "c-1",
                &json!({"body": "soon gone"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let id = post["id"].as_str().unwrap();
        let edit = t
            .http
            .patch(t.url(&format!("/posts/{id}")))
            .bearer_auth(t.member())
            .header(headers::IF_MATCH, "\"v1\"")
            .json(&json!({"deleted": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(json_of(edit, StatusCode::OK).await["deleted"], true);

        let page = changes(&t, &format!("since={cursor}")).await;
        let by_entity: HashMap<(String, String), u64> = entities(&page)
            .into_iter()
            .map(|(k, id, v)| ((k, id), v))
            .collect();
        assert_eq!(
            by_entity.len(),
            2,
            "latest change per entity: the post and its thread, once each: {page}"
        );
        assert_eq!(by_entity[&("post".to_owned(), id.to_owned())], 2);
        let tombstone = page["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "post")
            .unwrap();
        assert_eq!(tombstone["post"]["deleted"], true);
        assert_eq!(tombstone["post"]["body"], "");
        assert_eq!(tombstone["post"]["seq"], 9, "a tombstone keeps its seq");
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_long_poll_returns_as_soon_as_a_post_arrives(store) {
        let t = demo_server(&store, |_| {}).await;
        let cursor = changes(&t, "since=now").await["next_cursor"]
            .as_str()
            .unwrap()
            .to_owned();
        let poll = {
            let (http, url) = (
                t.http.clone(),
                t.url(&format!("/changes?since={cursor}&wait=25")),
            );
            tokio::spawn(
                async move { json_of(http.get(url).send().await.unwrap(), StatusCode::OK).await },
            )
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        json_of(
            reply(
                &t.http,
                &t.server.url(),
                &t.member(),
                THREAD,
                "lp-1",
                &json!({"body": "wake up"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        // Had the poll not woken, it would end after its wait with no changes.
        let page = tokio::time::timeout(Duration::from_secs(40), poll)
            .await
            .unwrap()
            .unwrap();
        let kinds: Vec<String> = entities(&page).into_iter().map(|(k, _, _)| k).collect();
        assert!(kinds.contains(&"post".to_owned()), "{page}");
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_empty_long_poll_ends_with_its_wait(store) {
        let t = demo_server(&store, |_| {}).await;
        let cursor = changes(&t, "since=now").await["next_cursor"]
            .as_str()
            .unwrap()
            .to_owned();
        let page = changes(&t, &format!("since={cursor}&wait=1")).await;
        assert!(page["changes"].as_array().unwrap().is_empty());
        assert_eq!(page["next_cursor"], cursor.as_str());
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cursors_older_than_the_retention_or_foreign_get_410(store) {
        let t = demo_server(&store, |c| c.changes_retention = Duration::from_millis(500)).await;
        let old = changes(&t, "since=now").await["next_cursor"]
            .as_str()
            .unwrap()
            .to_owned();
        json_of(
            reply(
                &t.http,
                &t.server.url(),
                &t.member(),
                THREAD,
                "old-1",
                &json!({"body": "old news"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;

        let expired = async {
            loop {
                let response = t
                    .http
                    .get(t.url(&format!("/changes?since={old}")))
                    .send()
                    .await
                    .unwrap();
                if response.status() == StatusCode::GONE {
                    return problem_code(response, StatusCode::GONE).await.0;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        };
        let code = tokio::time::timeout(Duration::from_secs(20), expired)
            .await
            .unwrap();
        assert_eq!(code, "cursor_expired");
        let from_start = t.http.get(t.url("/changes")).send().await.unwrap();
        assert_eq!(
            problem_code(from_start, StatusCode::GONE).await.0,
            "cursor_expired"
        );

        // A fresh cursor works again.
        let fresh = changes(&t, "since=now").await;
        assert!(fresh["next_cursor"].is_string());

        let foreign = t
            .http
            .get(t.url("/changes?since=0000beef-1"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            problem_code(foreign, StatusCode::GONE).await.0,
            "cursor_expired"
        );
        let garbage = t
            .http
            .get(t.url("/changes?since=yesterday"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            problem_code(garbage, StatusCode::BAD_REQUEST).await.0,
            "invalid_cursor"
        );
    }
}
