//! Contract, watch levels and bookmarks: `PUT /threads/{id}/watch`, `PUT /areas/{id}/watch`,
//! `GET/POST /bookmarks`, `DELETE /bookmarks/{post_id}` and their feed entities answer as
//! `assets/api/openapi.yaml` says.

use crate::common::{THREAD, TestServer};
use crate::spec::Contract;
use reqwest::StatusCode;
use serde_json::json;
use threadmark::api::headers;

pub async fn watch_and_bookmark(c: &mut Contract, t: &TestServer, alice: &str, post: &str) {
    let h = &t.http;
    let (_, head) = c
        .call(
            "get",
            "/changes",
            h.get(t.url("/changes?since=now")).bearer_auth(alice),
        )
        .await;
    let cursor = head["next_cursor"].as_str().unwrap().to_owned();
    let (s, watch) = c
        .call(
            "put",
            "/threads/{id}/watch",
            h.put(t.url(&format!("/threads/{THREAD}/watch")))
                .bearer_auth(alice)
                .header(headers::IDEMPOTENCY_KEY, "cw-1")
                .json(&json!({"level": "tracking"})),
        )
        .await;
    assert_eq!(
        (s, watch["level"].as_str()),
        (StatusCode::OK, Some("tracking"))
    );
    let (s, _) = c
        .call(
            "put",
            "/areas/{id}/watch",
            h.put(t.url("/areas/nope/watch"))
                .bearer_auth(alice)
                .header(headers::IDEMPOTENCY_KEY, "cw-2")
                .json(&json!({"level": "muted"})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = c
        .call(
            "put",
            "/areas/{id}/watch",
            h.put(t.url("/areas/advocacy/watch"))
                .bearer_auth(alice)
                .header(headers::IDEMPOTENCY_KEY, "cw-3")
                .json(&json!({"level": "muted", "at": "2024-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    bookmarks(c, t, alice, post, &cursor).await;
}

async fn bookmarks(c: &mut Contract, t: &TestServer, alice: &str, post: &str, cursor: &str) {
    let h = &t.http;
    let (s, marked) = c
        .call(
            "post",
            "/bookmarks",
            h.post(t.url("/bookmarks"))
                .bearer_auth(alice)
                .header(headers::IDEMPOTENCY_KEY, "cb-1")
                .json(&json!({"post_id": post, "note": "read later"})),
        )
        .await;
    assert_eq!(
        (s, marked["note"].as_str()),
        (StatusCode::OK, Some("read later"))
    );
    let (s, list) = c
        .call(
            "get",
            "/bookmarks",
            h.get(t.url("/bookmarks")).bearer_auth(alice),
        )
        .await;
    assert_eq!(
        (s, list["bookmarks"][0]["post_id"].as_str()),
        (StatusCode::OK, Some(post))
    );
    let (_, page) = c
        .call(
            "get",
            "/changes",
            h.get(t.url(&format!("/changes?since={cursor}")))
                .bearer_auth(alice),
        )
        .await;
    let kinds: Vec<&str> = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"watch") && kinds.contains(&"bookmark"),
        "{page}"
    );
    let (s, removed) = c
        .call(
            "delete",
            "/bookmarks/{post_id}",
            h.delete(t.url(&format!("/bookmarks/{post}")))
                .bearer_auth(alice)
                .header(headers::IDEMPOTENCY_KEY, "cb-2"),
        )
        .await;
    assert_eq!(
        (s, removed["removed"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    let (_, page) = c
        .call(
            "get",
            "/changes",
            h.get(t.url(&format!("/changes?since={cursor}")))
                .bearer_auth(alice),
        )
        .await;
    assert!(
        page["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "bookmark" && c["bookmark"]["removed"] == true),
        "{page}"
    );
}
